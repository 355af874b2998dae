'use strict'

// Control-plane benchmark: the same sequence of API calls through mafalda
// and through the `mediasoup` npm package, in one process, alternating
// rounds so that both see the same machine state.
//
//   npm run bench:api                # 300 operations of each kind, 3 rounds
//   npm run bench:api -- --smoke     # a few, to keep the script working
//   npm run bench:api -- --count 500 --rounds 3 --concurrency 16 --joins 100 --rooms 1000
//   npm run bench:api -- --mafalda ../other-checkout   # another mafalda build
//
// For every operation it prints ops/s with one call in flight (what one
// signalling handler sees), p50/p99 latency of those calls, and ops/s with
// `--concurrency` calls in flight (what a busy server sees); ops/s are the
// median (min-max) of the rounds. Then a peer joining a room of 10 (what an
// application feels per join) and the memory of idle rooms, measured in
// child processes of their own (`--rooms 0` skips it).

const os = require('node:os')
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { parseArgs, median, LISTEN_INFOS, DTLS_PARAMETERS } = require('./harness')
const { measure } = require('./memory')

const args = parseArgs(process.argv.slice(2))
const COUNT = args.smoke ? 10 : Number(args.count ?? 300)
const ROUNDS = args.smoke ? 1 : Number(args.rounds ?? 3)
const CONCURRENCY = Number(args.concurrency ?? 16)
const JOINS = args.smoke ? 3 : Number(args.joins ?? 100)
/** Peers in the room a measured join enters, the joining one included. */
const ROOM_PEERS = 10
const IDLE_ROOMS = args.smoke ? 20 : Number(args.rooms ?? 1000)
const MEMORY_RUNS = args.smoke ? 1 : Number(args['memory-runs'] ?? 3)
/** The mafalda build to measure: this checkout, or another (`--mafalda DIR`). */
const MAFALDA = path.resolve(args.mafalda ?? path.join(__dirname, '..'))

const MEDIA_CODECS = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }
]

function audioParameters (n) {
  return {
    mid: String(n),
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
    encodings: [{ ssrc: 10_000_000 + n }]
  }
}

function videoParameters (n) {
  return {
    mid: String(n),
    codecs: [{
      mimeType: 'video/VP8',
      payloadType: 96,
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }]
    }],
    encodings: [{ ssrc: 20_000_000 + n }]
  }
}

/**
 * The two implementations behind one small interface: how to get a room
 * whose transports can be put on the first or on a second worker.
 */
const implementations = {
  async mediasoup () {
    const mediasoup = require('mediasoup')
    const workers = [
      await mediasoup.createWorker({ logLevel: 'error' }),
      await mediasoup.createWorker({ logLevel: 'error' })
    ]
    const routers = [
      await workers[0].createRouter({ mediaCodecs: MEDIA_CODECS }),
      await workers[1].createRouter({ mediaCodecs: MEDIA_CODECS })
    ]
    return {
      name: 'mediasoup',
      version: mediasoup.version,
      rtpCapabilities: routers[0].rtpCapabilities,
      transportOnFirst: () => routers[0].createWebRtcTransport({ listenInfos: LISTEN_INFOS }),
      transportOnSecond: () => routers[1].createWebRtcTransport({ listenInfos: LISTEN_INFOS }),
      // What an application on plain mediasoup does to consume a producer
      // of another worker: pipe it, then consume.
      async consumeRemote (transport, producerId) {
        await routers[0].pipeToRouter({ producerId, router: routers[1] })
        return transport.consume({ producerId, rtpCapabilities: routers[1].rtpCapabilities })
      },
      close () {
        for (const worker of workers) worker.close()
      }
    }
  },

  async mafalda () {
    const mafalda = require(MAFALDA)
    const before = mafalda.getConfiguration()
    // Placement is driven by consumer counts here, not by the CPU the
    // benchmark itself causes, so that every operation is the kind it says.
    mafalda.configure({ cpuWatermark: 10_000, consumerBudget: 1_000_000, pipeLinger: 60_000 })
    const worker = await mafalda.createWorker({ logLevel: 'error' })
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS })
    return {
      name: 'mafalda',
      version: require(path.join(MAFALDA, 'package.json')).version,
      rtpCapabilities: router.rtpCapabilities,
      transportOnFirst: () => router.createWebRtcTransport({ listenInfos: LISTEN_INFOS }),
      async transportOnSecond () {
        // A budget the first worker already exceeds: the room grows a real
        // router on the other worker for the next transport.
        mafalda.configure({ consumerBudget: 1 })
        try {
          return await router.createWebRtcTransport({ listenInfos: LISTEN_INFOS })
        } finally {
          mafalda.configure({ consumerBudget: 1_000_000 })
        }
      },
      // mafalda pipes on demand inside consume().
      consumeRemote: (transport, producerId) =>
        transport.consume({ producerId, rtpCapabilities: router.rtpCapabilities }),
      close () {
        worker.close()
        mafalda.configure({
          cpuWatermark: before.cpuWatermark,
          consumerBudget: before.consumerBudget,
          pipeLinger: before.pipeLinger
        })
      },
      /** Pipe consumers in the pool, as the real routers report them. */
      async checkRemote () {
        const dump = await mafalda.dump()
        return dump.workers.flatMap((w) => w.routers).reduce((n, r) => n + r.pipeConsumers, 0)
      }
    }
  }
}

/** Runs `op(i)` for i in [0, n) one at a time; returns latencies and wall time. */
async function sequential (n, op) {
  const latencies = []
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await op(i)
    latencies.push(performance.now() - t)
  }
  return { latencies, wall: performance.now() - start }
}

/** Runs `op(i)` for i in [0, n) with `CONCURRENCY` in flight; returns wall time. */
async function concurrent (n, op) {
  let next = 0
  const start = performance.now()
  const lanes = Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
    while (next < n) await op(next++)
  })
  await Promise.all(lanes)
  return performance.now() - start
}

/**
 * One round through one implementation: every operation COUNT times one at
 * a time, then COUNT times concurrently, on fresh objects.
 */
async function round (impl) {
  const results = {}
  const record = (name, seq, wallConcurrent) => {
    results[name] = { latencies: seq.latencies, seqWall: seq.wall, concWall: wallConcurrent, count: COUNT }
  }
  const twice = async (name, makeOp) => {
    const seq = await sequential(COUNT, makeOp(0))
    const conc = await concurrent(COUNT, makeOp(COUNT))
    record(name, seq, conc)
  }

  const transports = []
  await twice('createWebRtcTransport', (base) => async (i) => {
    transports[base + i] = await impl.transportOnFirst()
  })
  await twice('connect', (base) => (i) => transports[base + i].connect({ dtlsParameters: DTLS_PARAMETERS }))

  // One sending transport, one receiving transport on the same worker, and
  // one receiving transport on the other worker.
  const sender = transports[0]
  const localReceiver = transports[1]
  const producers = []
  await twice('produce', (base) => async (i) => {
    producers[base + i] = await sender.produce({ kind: 'audio', rtpParameters: audioParameters(base + i) })
  })
  await twice('consume (local)', (base) => (i) =>
    localReceiver.consume({ producerId: producers[base + i].id, rtpCapabilities: impl.rtpCapabilities }))

  const remoteReceiver = await impl.transportOnSecond()
  await twice('consume (new pipe)', (base) => (i) =>
    impl.consumeRemote(remoteReceiver, producers[base + i].id))
  const pipes = impl.checkRemote ? await impl.checkRemote() : undefined

  // close(): transports with their producers and consumers cascade.
  const closeSeq = { latencies: [], wall: 0 }
  let start = performance.now()
  for (let i = 2; i < COUNT; i++) {
    const t = performance.now()
    transports[i].close()
    closeSeq.latencies.push(performance.now() - t)
  }
  closeSeq.wall = performance.now() - start
  start = performance.now()
  for (let i = COUNT; i < 2 * COUNT; i++) transports[i].close()
  record('close (transport)', closeSeq, performance.now() - start)
  results['close (transport)'].count = COUNT - 2
  sender.close()
  localReceiver.close()
  remoteReceiver.close()
  return { results, pipes, joins: await joins(impl) }
}

/**
 * A peer joins a room of ROOM_PEERS (the others each send audio and
 * video), as EduMeet's server handles it: a sending and a receiving WebRTC
 * transport, both connected, audio and video produced, the others'
 * producers consumed (all at once, as EduMeet does not await them one by
 * one). Returns the wall time of each join; the joining peer then leaves.
 */
async function joins (impl) {
  const others = []
  const producerIds = []
  let n = 0
  for (let peer = 0; peer < ROOM_PEERS - 1; peer++) {
    const transport = await impl.transportOnFirst()
    await transport.connect({ dtlsParameters: DTLS_PARAMETERS })
    producerIds.push((await transport.produce({ kind: 'audio', rtpParameters: audioParameters(++n) })).id)
    producerIds.push((await transport.produce({ kind: 'video', rtpParameters: videoParameters(++n) })).id)
    others.push(transport)
  }
  const latencies = []
  for (let join = 0; join < JOINS; join++) {
    const start = performance.now()
    const send = await impl.transportOnFirst()
    const recv = await impl.transportOnFirst()
    await send.connect({ dtlsParameters: DTLS_PARAMETERS })
    await recv.connect({ dtlsParameters: DTLS_PARAMETERS })
    await send.produce({ kind: 'audio', rtpParameters: audioParameters(++n) })
    await send.produce({ kind: 'video', rtpParameters: videoParameters(++n) })
    await Promise.all(producerIds.map((producerId) =>
      recv.consume({ producerId, rtpCapabilities: impl.rtpCapabilities })))
    latencies.push(performance.now() - start)
    send.close()
    recv.close()
  }
  for (const transport of others) transport.close()
  return latencies
}

function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

/** "median (min-max)" of per-round values, or the one value. */
function spreadOf (values, digits = 0) {
  if (values.length === 1) return fmt(values[0], digits)
  return `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)})`
}

/** Per-round ops/s (one in flight, and concurrent) and pooled latencies. */
function summarize (samples) {
  const latencies = samples.flatMap((s) => s.latencies).sort((a, b) => a - b)
  return {
    seqOps: samples.map((s) => (s.count / s.seqWall) * 1000),
    concOps: samples.map((s) => (s.count / s.concWall) * 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99)
  }
}


async function main () {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  console.log(`# control plane: ${os.cpus().length} cores, ${cpu}, Node ${process.version}`)
  console.log(`# ${COUNT} operations of each kind per round, ${ROUNDS} round(s) each, alternating; ` +
    `concurrent = ${CONCURRENCY} in flight; ${JOINS} joins of a room of ${ROOM_PEERS} per round\n`)

  const samples = { mafalda: {}, mediasoup: {} }
  const joinLatencies = { mafalda: [], mediasoup: [] }
  const versions = {}
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first so neither always runs on a warmer machine.
    const order = r % 2 === 0 ? ['mediasoup', 'mafalda'] : ['mafalda', 'mediasoup']
    for (const name of order) {
      const impl = await implementations[name]()
      versions[name] = impl.version
      try {
        const { results, pipes, joins } = await round(impl)
        if (pipes !== undefined && pipes < 2 * COUNT) {
          throw new Error(`expected ${2 * COUNT} pipe consumers in mafalda, found ${pipes}`)
        }
        for (const [op, result] of Object.entries(results)) {
          (samples[name][op] ??= []).push(result)
        }
        joinLatencies[name].push(joins)
      } finally {
        impl.close()
      }
      // Let closes reach the workers before the next round.
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  }

  console.log(`mafalda ${versions.mafalda} vs mediasoup ${versions.mediasoup}; ops/s: median (min-max) of ${ROUNDS} round(s)\n`)
  const header = ['operation', 'mafalda ops/s', 'mediasoup ops/s', 'ratio',
    'mafalda p50/p99 ms', 'mediasoup p50/p99 ms',
    `mafalda ops/s ×${CONCURRENCY}`, `mediasoup ops/s ×${CONCURRENCY}`, 'ratio ×' + CONCURRENCY]
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const op of Object.keys(samples.mafalda)) {
    const m = summarize(samples.mafalda[op])
    const s = summarize(samples.mediasoup[op])
    const latency = (x) => `${fmt(x.p50, 3)} / ${fmt(x.p99, 3)}`
    const ratio = (a, b) => spreadOf(a.map((value, i) => value / b[i]), 2)
    console.log(`| ${[op, spreadOf(m.seqOps), spreadOf(s.seqOps), ratio(m.seqOps, s.seqOps),
      latency(m), latency(s), spreadOf(m.concOps), spreadOf(s.concOps), ratio(m.concOps, s.concOps)].join(' | ')} |`)
  }

  console.log(`\njoin of a room of ${ROOM_PEERS} (2 WebRTC transports, 2 connects, audio + video produced, ` +
    `${2 * (ROOM_PEERS - 1)} consumes), ms per join: p50 of each round, median (min-max); p50 / p99 of all\n`)
  console.log('| | mafalda | mediasoup | ratio |')
  console.log('|---|---|---|---|')
  const roundP50 = (name) => joinLatencies[name].map((l) => percentile([...l].sort((a, b) => a - b), 0.5))
  const all = (name) => joinLatencies[name].flat().sort((a, b) => a - b)
  const m50 = roundP50('mafalda')
  const s50 = roundP50('mediasoup')
  console.log(`| p50 per round | ${spreadOf(m50, 2)} | ${spreadOf(s50, 2)} | ${spreadOf(m50.map((v, i) => v / s50[i]), 2)} |`)
  console.log(`| p50 / p99 of all | ${fmt(percentile(all('mafalda'), 0.5), 2)} / ${fmt(percentile(all('mafalda'), 0.99), 2)} | ` +
    `${fmt(percentile(all('mediasoup'), 0.5), 2)} / ${fmt(percentile(all('mediasoup'), 0.99), 2)} | |`)

  if (IDLE_ROOMS > 0) {
    // bench/memory.js measures the parts too, and with V8's young generation held small.
    const runs = measure({ rooms: IDLE_ROOMS, runs: MEMORY_RUNS, mafalda: MAFALDA, young: ['default'] }).default
    const perRoom = (state) => Object.fromEntries(['mafalda', 'mediasoup'].map((name) => [name, runs[name].map((run) => run[state].total)]))
    const kib = { ...perRoom('fresh'), churned: perRoom('churned') }
    console.log(`\nidle rooms: ${IDLE_ROOMS} rooms (a router and one WebRTC transport each) on one worker, ` +
      `resident memory growth per room in KiB (mediasoup: Node + worker process), ${MEMORY_RUNS} run(s) each\n`)
    console.log('| | mafalda | mediasoup | ratio |')
    console.log('|---|---|---|---|')
    console.log(`| KiB per room | ${spreadOf(kib.mafalda, 1)} | ${spreadOf(kib.mediasoup, 1)} | ` +
      `${fmt(median(kib.mafalda) / median(kib.mediasoup), 2)} |`)
    const churned = kib.churned
    console.log(`| KiB per room after half of them were replaced twice | ${spreadOf(churned.mafalda, 1)} | ` +
      `${spreadOf(churned.mediasoup, 1)} | ${fmt(median(churned.mafalda) / median(churned.mediasoup), 2)} |`)
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
