'use strict'

// Fuzz of the JS API: random and malformed calls, many in flight at once,
// over several workers. Each batch launches calls without awaiting them
// (so closes, consumes and pipes race), then settles them all. Calls are of
// two kinds: ones that build a conference (workers, rooms, every transport
// kind, producers, consumers, data, observers, pipeToRouter, pause/resume,
// closes), so that there is something to break, and ones that call any
// public method of any object — open or closed — with values fast-check
// makes: wrong types, BigInt, NaN, huge and negative numbers, odd strings,
// sparse arrays, null-prototype objects, plus cyclic, deep and throwing
// objects.
//
//   npm run fuzz -- --calls 100000          # the run docs/reliability.md reports
//   npm run fuzz -- --calls 2000            # CI
//   npm run fuzz -- --calls 100000 --seed 7 # another sequence
//
// Checks: the process stays up (no uncaught exception, no unhandled
// rejection); every call that fails, fails with a mediasoup error class
// (TypeError, InvalidStateError, UnsupportedError, or a plain Error as
// mediasoup throws for e.g. an unknown producer) and one of mafalda's
// `error.code`s that belongs to that class (or, for a TypeError JavaScript
// itself raises on bad input, none), never with another class or an error
// the binding leaks (napi's own codes); at the end, with
// everything closed, `mafalda.dump()` shows no worker and no worker thread.
// Exits 1 otherwise, printing what went wrong.

const fc = require('fast-check')
const mafalda = require('..')
const media = require('./media')

const { mediaCodecs, listenInfo } = media

const { InvalidStateError, UnsupportedError } = mafalda.types
// mafalda's error codes and the class each one is raised as.
const { CODES } = require('../lib/errors')

const args = process.argv.slice(2)
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const CALLS = arg('calls', 10000)
const SEED = arg('seed', 1)
const BATCH = arg('batch', 48)

// ------------------------------------------------------------ randomness

// A small seeded generator for choices; fast-check makes the values.
let state = SEED >>> 0 || 1
function random () {
  state ^= state << 13
  state ^= state >>> 17
  state ^= state << 5
  return (state >>> 0) / 0x100000000
}
const pick = (list) => list[Math.floor(random() * list.length)]
const chance = (p) => random() < p

function cyclic () {
  const value = { kind: 'audio', rtpParameters: {} }
  value.self = value
  value.rtpParameters.parent = value
  return value
}

function deep (depth) {
  let value = {}
  // A chain, not a DAG: shared children would make any walk exponential.
  for (let i = 0; i < depth; i++) value = i % 2 ? { codecs: [value] } : { listenInfo: value }
  return value
}

const throwing = () => new Proxy({}, {
  get () { throw new Error('fuzz: throwing getter') },
  ownKeys () { throw new Error('fuzz: throwing getter') }
})

const SPECIAL = [
  NaN, Infinity, -Infinity, -1, -0, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, -1e300,
  0n, -1n, 2n ** 64n, '', ' ', '\u0000', 'x'.repeat(70000), null, undefined, true,
  [], [undefined], {}, Object.create(null), () => {}, Symbol('fuzz'), new Date(NaN),
  Buffer.alloc(0), new Uint8Array(4), new Map([[1, 2]]), new Set([1])
]

// Values from fast-check's `anything`, drawn once (a pool to pick from).
const ANYTHING = fc.sample(fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 4
}), { seed: SEED, numRuns: 4000 })

/** A value for an argument: junk, usually; sometimes an id of something real. */
function junk (world) {
  const r = random()
  if (r < 0.45) return pick(ANYTHING)
  if (r < 0.75) return pick(SPECIAL)
  if (r < 0.85) {
    const object = pick(world.all())
    return object ? (chance(0.5) ? object.id : { producerId: object.id, dataProducerId: object.id, rtpCapabilities: junk0() }) : undefined
  }
  if (r < 0.9) return cyclic()
  if (r < 0.95) return deep(chance(0.5) ? 50 : 5000)
  return throwing()
}
const junk0 = () => pick(ANYTHING)

// ----------------------------------------------------------------- world

let ssrc = 50000000
const rtpParameters = (kind) => media.rtpParameters(kind, ++ssrc)

/** Everything the fuzz made, by kind; closed objects stay a while, to be called too. */
function makeWorld () {
  // `made`: what a malformed call happened to create (its arguments were
  // valid after all), to be closed at the end like the rest.
  const kinds = ['workers', 'servers', 'routers', 'transports', 'producers', 'consumers', 'dataProducers', 'dataConsumers', 'observers', 'made']
  const world = Object.fromEntries(kinds.map((k) => [k, []]))
  world.all = () => kinds.flatMap((k) => world[k])
  world.open = (kind) => world[kind].filter((o) => !o.closed)
  world.add = (kind, object) => { world[kind].push(object); return object }
  world.prune = () => {
    for (const kind of kinds) {
      const open = world[kind].filter((o) => !o.closed)
      const closed = world[kind].filter((o) => o.closed).slice(-20)
      world[kind] = [...open, ...closed]
    }
  }
  return world
}

const LIMITS = { workers: 3, routers: 8, transports: 40, producers: 60, consumers: 150, dataProducers: 20, dataConsumers: 40, observers: 6, servers: 3 }
const full = (world, kind) => world.open(kind).length >= LIMITS[kind]

// Operations that build a conference. Each returns a promise (or a value)
// or throws; `null` when it has nothing to act on.
const BUILD = [
  async (w) => full(w, 'workers') ? null : w.add('workers', await mafalda.createWorker({ logLevel: 'none' })),
  async (w) => {
    if (full(w, 'routers')) return null
    const worker = pick(w.open('workers'))
    return w.add('routers', await (worker && chance(0.7) ? worker.createRouter({ mediaCodecs }) : mafalda.createRouter({ mediaCodecs })))
  },
  async (w) => {
    const worker = pick(w.open('workers'))
    if (!worker || full(w, 'servers')) return null
    return w.add('servers', await worker.createWebRtcServer({ listenInfos: [listenInfo] }))
  },
  async (w) => {
    const router = pick(w.open('routers'))
    if (!router || full(w, 'transports')) return null
    const server = pick(w.open('servers'))
    const kind = pick(['webrtc', 'plain', 'pipe', 'direct', 'direct'])
    const transport = kind === 'webrtc'
      ? await router.createWebRtcTransport(server && chance(0.5) ? { webRtcServer: server, enableSctp: true } : { listenInfos: [listenInfo], enableSctp: chance(0.5) })
      : kind === 'plain'
        ? await router.createPlainTransport({ listenInfo, comedia: true, enableSctp: chance(0.3) })
        : kind === 'pipe'
          ? await router.createPipeTransport({ listenInfo, enableSctp: chance(0.3) })
          : await router.createDirectTransport()
    transport.__router = router
    return w.add('transports', transport)
  },
  async (w) => {
    const transport = pick(w.open('transports').filter((t) => t.constructor.name !== 'PipeTransport'))
    if (!transport || full(w, 'producers')) return null
    const kind = chance(0.5) ? 'audio' : 'video'
    const producer = await transport.produce({ kind, rtpParameters: rtpParameters(kind), paused: chance(0.2) })
    producer.__router = transport.__router
    return w.add('producers', producer)
  },
  async (w) => {
    const transport = pick(w.open('transports').filter((t) => t.constructor.name !== 'PipeTransport'))
    const producer = pick(w.open('producers'))
    if (!transport || !producer || full(w, 'consumers')) return null
    const router = transport.__router
    return w.add('consumers', await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: chance(0.3) }))
  },
  async (w) => {
    const transport = pick(w.open('transports').filter((t) => t.constructor.name === 'DirectTransport' || t.sctpParameters))
    if (!transport || full(w, 'dataProducers')) return null
    const dataProducer = await transport.produceData(transport.constructor.name === 'DirectTransport' ? {} : { sctpStreamParameters: { streamId: Math.floor(random() * 1000) } })
    return w.add('dataProducers', dataProducer)
  },
  async (w) => {
    const transport = pick(w.open('transports').filter((t) => t.constructor.name === 'DirectTransport' || t.sctpParameters))
    const dataProducer = pick(w.open('dataProducers'))
    if (!transport || !dataProducer || full(w, 'dataConsumers')) return null
    return w.add('dataConsumers', await transport.consumeData({ dataProducerId: dataProducer.id }))
  },
  async (w) => {
    const producer = pick(w.open('producers'))
    const router = pick(w.open('routers'))
    if (!producer || !router || producer.__router === router) return null
    return producer.__router.pipeToRouter({ producerId: producer.id, router })
  },
  async (w) => {
    const router = pick(w.open('routers'))
    if (!router || full(w, 'observers')) return null
    const observer = w.add('observers', await (chance(0.5) ? router.createAudioLevelObserver() : router.createActiveSpeakerObserver()))
    const producer = pick(w.open('producers').filter((p) => p.kind === 'audio' && p.__router === router))
    if (producer) await observer.addProducer({ producerId: producer.id })
    return observer
  },
  (w) => {
    const object = pick(w.all().filter((o) => !o.closed && 'paused' in o))
    if (!object) return null
    return chance(0.5) ? object.pause() : object.resume()
  },
  (w) => {
    // Closes, weighted towards the leaves; workers rarely.
    const kind = pick(['consumers', 'consumers', 'producers', 'transports', 'dataConsumers', 'dataProducers', 'observers', 'routers', 'servers', 'workers'])
    const object = pick(w.open(kind))
    if (!object) return null
    if (kind === 'workers' && chance(0.7)) return null
    object.close()
    return null
  }
]

// Public methods of an object (its class chain below EventEmitter's, no
// `_` ones), to call with junk.
const methodCache = new Map()
function methods (object) {
  const ctor = object.constructor
  if (methodCache.has(ctor)) return methodCache.get(ctor)
  const names = new Set()
  for (let proto = Object.getPrototypeOf(object); proto && proto.constructor.name !== 'NativeObject' && proto.constructor.name !== 'EnhancedEventEmitter'; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name)
      // `*Closed()` (routerClosed, workerClosed, ...) are mediasoup-node's
      // notifications from a parent, public on its classes as here: an
      // application calling one detaches the JS object from the worker's,
      // in both. Not API to fuzz.
      if (name === 'constructor' || name.startsWith('_') || name.endsWith('Closed')) continue
      if (typeof descriptor.value === 'function') names.add(name)
    }
  }
  const list = [...names]
  methodCache.set(ctor, list)
  return list
}

const MODULE_CALLS = ['createWorker', 'createRouter', 'getSupportedRtpCapabilities', 'parseScalabilityMode', 'configure']

/** One malformed call: any public method of any object (or of the module), junk arguments. */
function malformed (world, describe) {
  const target = chance(0.1) ? mafalda : pick(world.all())
  if (!target) return null
  const names = target === mafalda ? MODULE_CALLS : methods(target)
  const name = pick(names)
  // Closing with junk is a close; keep the world alive for the other calls.
  if (name === 'close') return null
  const argv = [junk(world)]
  if (chance(0.3)) argv.push(junk(world))
  if (chance(0.1)) argv.push(junk(world))
  describe(`${target === mafalda ? 'mafalda' : target.constructor.name}.${name}(${argv.map(show).join(', ')})`)
  return target[name](...argv)
}

/** A short description of a value, for reports. */
function show (value) {
  try {
    const text = typeof value === 'bigint' ? `${value}n` : typeof value === 'symbol' || typeof value === 'function' ? String(value) : JSON.stringify(value)
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 80)}…` : text
  } catch (_) {
    return Object.prototype.toString.call(value)
  }
}

// ------------------------------------------------------------------ checks

const outcomes = { resolved: 0, TypeError: 0, InvalidStateError: 0, UnsupportedError: 0, Error: 0 }
const unexpected = new Map()

function classify (error) {
  // Errors the fuzz's own throwing objects raise reach the caller as is.
  if (error instanceof Error && error.message === 'fuzz: throwing getter') return 'Error'
  // Every error mafalda raises has one of its codes, and the code decides
  // the class; napi-rs's own codes (InvalidArg, GenericFailure, ...) mean a
  // conversion the binding did not validate first.
  // A TypeError without a code is JavaScript's own on bad input (reading a
  // property of null, converting a Symbol), as mediasoup-node raises too.
  if (error instanceof TypeError && error.code === undefined) return 'TypeError'
  const Class = CODES[error?.code]
  if (!Class || Object.getPrototypeOf(error) !== Class.prototype) return null
  if (error instanceof InvalidStateError) return 'InvalidStateError'
  if (error instanceof UnsupportedError) return 'UnsupportedError'
  if (error instanceof TypeError) return 'TypeError'
  return 'Error'
}

const messages = new Map()

function record (error, name) {
  const kind = classify(error)
  if (kind) {
    outcomes[kind]++
    // Messages per class, shortened (ids and values vary), for --verbose.
    const key = `${kind}: ${String(error.message).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').slice(0, 90)}`
    messages.set(key, (messages.get(key) ?? 0) + 1)
    return
  }
  const key = `${name}: ${error?.constructor?.name} ${error?.code ?? ''} ${String(error?.message).slice(0, 160)}`
  unexpected.set(key, (unexpected.get(key) ?? 0) + 1)
}

let fatal = null
const pending = new Set()
process.on('uncaughtException', (error) => { fatal = fatal ?? error })
process.on('unhandledRejection', (error) => { fatal = fatal ?? error })

// -------------------------------------------------------------------- run

async function main () {
  const defaults = mafalda.getConfiguration()
  const config = { ...defaults, maxWorkers: 3, consumerBudget: 40, idleWorkerTimeout: 0, pipeLinger: 50 }
  mafalda.configure(config)
  const world = makeWorld()
  const started = Date.now()
  let calls = 0
  let lastReport = started
  while (calls < CALLS) {
    const inFlight = []
    const size = Math.min(BATCH, CALLS - calls)
    for (let i = 0; i < size; i++) {
      const build = chance(0.4)
      const op = build ? pick(BUILD) : null
      let name = build ? `build #${BUILD.indexOf(op)}` : 'malformed'
      calls++
      try {
        const result = build ? op(world) : malformed(world, (text) => { name = text })
        if (result && typeof result.then === 'function') {
          const call = { name }
          pending.add(call)
          inFlight.push(result.finally(() => pending.delete(call)).then((value) => {
            outcomes.resolved++
            if (!build && value && typeof value.close === 'function') world.add('made', value)
          }, (error) => record(error, name)))
        } else {
          outcomes.resolved++
        }
      } catch (error) {
        record(error, name)
      }
    }
    // A call that never settles is a hang; report it instead of waiting forever.
    const settled = await Promise.race([
      Promise.all(inFlight).then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 30000).unref())
    ])
    if (!settled) {
      fatal = new Error(`calls never settled (30 s): ${[...pending].map((c) => c.name).join('; ')}`)
      break
    }
    // A malformed configure() that happened to be valid must not change the run.
    mafalda.configure(config)
    world.prune()
    if (fatal) break
    if (Date.now() - lastReport > 10000) {
      lastReport = Date.now()
      console.log(`${calls} calls, ${((Date.now() - started) / 1000).toFixed(0)} s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB, ${world.open('workers').length} workers, ${world.open('transports').length} transports open`)
    }
  }

  // Everything closed: nothing may be left.
  for (const object of world.all()) {
    if (!object.closed && ['Worker', 'Router', 'WebRtcServer'].includes(object.constructor.name)) object.close()
  }
  let dump
  for (let i = 0; i < 100; i++) {
    dump = await mafalda.dump()
    if (dump.workers.length === 0 && dump.threads === 0) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  mafalda.configure(defaults)
  const seconds = (Date.now() - started) / 1000

  console.log(`fuzz: ${calls} calls in ${seconds.toFixed(1)} s (seed ${SEED}, batches of ${BATCH})`)
  console.log(`  resolved ${outcomes.resolved}; rejected: TypeError ${outcomes.TypeError}, InvalidStateError ${outcomes.InvalidStateError}, UnsupportedError ${outcomes.UnsupportedError}, Error ${outcomes.Error}`)
  console.log(`  left at the end: ${dump.workers.length} workers, ${dump.threads} worker threads; RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB`)
  let failed = false
  if (args.includes('--verbose')) {
    console.log('  most frequent rejections:')
    for (const [key, count] of [...messages].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`    ${count} × ${key}`)
  }
  if (fatal) {
    failed = true
    console.log(`  FATAL (uncaught): ${fatal?.stack ?? fatal}`)
  }
  if (unexpected.size > 0) {
    failed = true
    console.log(`  unexpected errors (${[...unexpected.values()].reduce((a, b) => a + b, 0)}):`)
    for (const [key, count] of [...unexpected].slice(0, 30)) console.log(`    ${count} × ${key}`)
  }
  if (dump.workers.length > 0 || dump.threads > 0) {
    failed = true
    const known = new Map(world.all().map((o) => [o.id, o]))
    for (const worker of dump.workers) {
      for (const router of worker.routers) {
        const rooms = router.routerIds.map((id) => `${id} (${known.has(id) ? `${known.get(id).constructor.name}, closed ${known.get(id).closed}` : 'unknown'})`)
        console.log(`  left on worker ${worker.pid}: rooms ${rooms.join(', ') || '-'}; ${router.transports} transports, ${router.producers} producers, ${router.consumers} consumers, ${router.pipeProducers + router.pipeConsumers} pipes`)
      }
      if (worker.routers.length === 0) console.log(`  left: worker ${worker.pid} with no router (${worker.consumers} consumers counted)`)
    }
  }
  console.log(failed ? 'fuzz: FAILED' : 'fuzz: ok')
  process.exitCode = failed ? 1 : 0
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
