'use strict'

// The baseline of bench/cluster.js (`--with-npm`): the same room, peers and
// RTP load on the `mediasoup` npm package, spread over several machines the
// way EduMeet does it. One Node process per machine (bench/cluster-npm-child.js,
// forked, driven over IPC by this process, which is the signalling), its
// transports on 127.0.0.2, .3, .4, W workers with one router of the room on
// each. Peers are balanced over machines (peer k on machine k mod I), then
// over the routers of their machine, a peer's send and receive transports
// on one router. Every producer is piped to every other router of the room
// as soon as it exists: `router.pipeToRouter()` within a machine; between
// machines a PipeTransport pair per couple of routers (SRTP, RTX and SCTP,
// as EduMeet's media nodes configure them), reused by every pipe between
// the two, with `consume()` on the source end and `produce()` of the same
// id on the destination end.
//
// `runOnceNpm()` takes `runOnce()`'s options and returns its result shape:
// pipe consumers between machines and within one (from the workers'
// dumps), worker CPU per machine (the worker processes' /proc/<pid>/stat),
// forwarded packets/s, loss and latency split by whether a packet crossed
// machines. `--placement` does not apply: a peer always keeps its two
// transports on one router.

const { fork } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const H = require('./harness')
const { MEDIA, Samples, sendStamped, receiveStamped, measure, flowOf } = require('./stamped-rtp')
const {
  mediaCodecs, consumerCapabilities, bindSocket, stopPumps, sleep
} = require('../__test__/helpers')

const CHILD = path.join(__dirname, 'cluster-npm-child.js')
const REQUEST_TIMEOUT_MS = 30000
const machines = new Set()

/** A forked machine: `ask(op, args)` resolves with its answer. */
function startMachine (address) {
  const child = fork(CHILD, [], { stdio: ['ignore', 2, 2, 'ipc'] })
  const pending = new Map()
  let next = 0
  const machine = {
    address,
    child,
    workerPids: new Set(),
    failure: null,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => {
      for (const { reject } of pending.values()) reject(new Error(`machine ${address} exited (${signal ?? code})`))
      pending.clear()
      resolve()
    })),
    ask (op, args = {}) {
      return new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null || !child.connected) {
          reject(new Error(`machine ${address} is gone`))
          return
        }
        const id = ++next
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`machine ${address}: no answer to ${op} in ${REQUEST_TIMEOUT_MS} ms`))
        }, REQUEST_TIMEOUT_MS)
        pending.set(id, {
          resolve: (value) => { clearTimeout(timer); resolve(value) },
          reject: (error) => { clearTimeout(timer); reject(error) }
        })
        child.send({ id, op, args })
      })
    },
    stop: () => stopMachine(machine)
  }
  child.on('error', (error) => { machine.failure ??= error.message })
  child.on('message', (message) => {
    if (message.event === 'worker') machine.workerPids.add(message.pid)
    else if (message.event === 'died') machine.failure ??= `worker ${message.pid} died: ${message.message}`
    const entry = pending.get(message.id)
    if (!entry) return
    pending.delete(message.id)
    if (message.ok) entry.resolve(message.value)
    else entry.reject(Object.assign(new Error(`machine ${address}: ${message.error.message}`), { name: message.error.name }))
  })
  machines.add(machine)
  return machine
}

const isWorker = (pid) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.includes('(mediasoup-work') && stat[stat.lastIndexOf(')') + 2] !== 'Z'
  } catch (_) {
    return false
  }
}

/** The machine asked to close, then killed if it has not; no worker left. */
async function stopMachine (machine) {
  const { child } = machine
  if (child.exitCode === null && child.signalCode === null) {
    machine.ask('close').catch(() => {})
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await machine.exited
    clearTimeout(timer)
  }
  for (let i = 0; i < 40 && [...machine.workerPids].some(isWorker); i++) await sleep(50)
  for (const pid of machine.workerPids) {
    if (isWorker(pid)) { try { process.kill(pid, 'SIGKILL') } catch (_) {} }
  }
  machines.delete(machine)
}

/** Stops every machine still running (after a failure, on Ctrl-C). */
async function stopAllNpm () {
  await Promise.all([...machines].map(stopMachine))
}

async function runOnceNpm ({ peerCount, instanceCount, workers, seconds, warmup, log }) {
  // Required here: bench/cluster.js requires this file once it is loaded.
  const { ADDRESSES } = require('./cluster')
  const addresses = ADDRESSES.slice(0, instanceCount)
  const started = addresses.map(startMachine)
  const sockets = []
  try {
    const answers = await Promise.all(started.map((m) => m.ask('start', { address: m.address, workers, mediaCodecs })))
    const rtpCapabilities = consumerCapabilities({ rtpCapabilities: answers[0].rtpCapabilities })
    // The room: router w of machine m is routers[m·W + w].
    const routers = started.flatMap((machine, m) => answers[m].pids.map((_, w) => ({ machine, index: w, key: `${m}:${w}` })))

    // Between machines: one PipeTransport pair per couple of routers.
    const pairs = new Map()
    const pairOf = (a, b) => {
      const key = [a.key, b.key].sort().join(' ')
      if (!pairs.has(key)) {
        pairs.set(key, (async () => {
          const [ta, tb] = await Promise.all([a.machine.ask('pipeTransport', { router: a.index }), b.machine.ask('pipeTransport', { router: b.index })])
          const remote = (t) => ({ ip: t.tuple.localAddress, port: t.tuple.localPort, srtpParameters: t.srtpParameters })
          await Promise.all([
            a.machine.ask('connect', { transportId: ta.id, ...remote(tb) }),
            b.machine.ask('connect', { transportId: tb.id, ...remote(ta) })
          ])
          return { [a.key]: ta.id, [b.key]: tb.id }
        })())
      }
      return pairs.get(key)
    }
    const pipe = async (producerId, src, dest) => {
      if (src.machine === dest.machine) {
        await src.machine.ask('pipeToRouter', { producerId, from: src.index, to: dest.index })
        return
      }
      const pair = await pairOf(src, dest)
      const consumer = await src.machine.ask('pipeConsume', { transportId: pair[src.key], producerId })
      await dest.machine.ask('pipeProduce', {
        transportId: pair[dest.key], id: producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused
      })
    }

    const peers = []
    let ssrc = 30000000
    for (let k = 0; k < peerCount; k++) {
      const router = routers[(k % instanceCount) * workers + Math.floor(k / instanceCount) % workers]
      const { machine } = router
      const [send, recv] = await Promise.all([true, false].map((comedia) => machine.ask('plainTransport', { router: router.index, comedia })))
      const peer = { router, send, recv, sendAt: machine.address, recvAt: machine.address }
      peer.sender = await bindSocket()
      peer.receiver = await bindSocket()
      sockets.push(peer.sender, peer.receiver)
      try { peer.receiver.setRecvBufferSize(4 * 1024 * 1024) } catch (_) {} // capped by rmem_max
      await machine.ask('connect', { transportId: recv.id, ip: '127.0.0.1', port: peer.receiver.address().port })
      peer.streams = []
      for (const media of MEDIA) {
        const producer = await machine.ask('produce', { transportId: send.id, kind: media.kind, rtpParameters: media.rtpParameters(ssrc) })
        // EduMeet: a new producer goes to every other router of the room.
        await Promise.all(routers.filter((r) => r !== router).map((r) => pipe(producer.id, router, r)))
        peer.streams.push({ media, producer, ssrc, seq: 0, sent: 0 })
        ssrc++
      }
      peers.push(peer)
    }
    // Each peer consumes the others' producers (piped to its router), all at once.
    await Promise.all(peers.map(async (peer) => {
      peer.bySsrc = new Map()
      const others = peers.filter((p) => p !== peer).flatMap((p) => p.streams.map((s) => ({ from: p, stream: s })))
      const ssrcs = await peer.router.machine.ask('consume', {
        transportId: peer.recv.id, producerIds: others.map(({ stream }) => stream.producer.id), rtpCapabilities
      })
      ssrcs.forEach((consumerSsrc, i) => {
        const piped = others[i].from.sendAt !== peer.recvAt
        peer.bySsrc.set(consumerSsrc, { piped, received: 0 })
      })
    }))

    // Receivers and senders as bench/cluster.js's runOnce().
    const samples = new Samples()
    for (const peer of peers) receiveStamped(peer, samples, (entry) => entry.piped ? 'piped' : 'local')
    const streams = peers.flatMap((peer) => peer.streams.map((stream) => ({ peer, stream })))
    const pump = sendStamped(streams)

    // A worker that died fails the run.
    const check = () => {
      const failed = started.find((m) => m.failure)
      if (failed) throw new Error(`machine ${failed.address}: ${failed.failure}`)
    }
    await sleep(warmup * 1000)
    check()
    // CPU of a machine: its worker processes; with its Node process, all it runs.
    const cpuOfMachines = () => started.map((m) => {
      const workerCpu = m.workerPids.size === 0 ? 0 : [...m.workerPids].reduce((sum, pid) => sum + H.cpuSeconds(`/proc/${pid}/stat`), 0)
      return { workers: workerCpu, process: workerCpu + H.cpuSeconds(`/proc/${m.child.pid}/stat`) }
    })
    const usage = () => Promise.all(started.map((m) => m.ask('usage')))
    const usage0 = await usage()
    const t0 = process.hrtime.bigint()
    const rates = await measure(seconds, samples, {
      received: () => peers.reduce((sum, p) => sum + [...p.bySsrc.values()].reduce((s, e) => s + e.received, 0), 0),
      sent: () => streams.reduce((sum, { stream }) => sum + stream.sent, 0),
      cpu: () => cpuOfMachines().map((c) => c.workers),
      nodeProcessCpu: () => cpuOfMachines().map((c) => c.process),
      selfCpu: () => H.cpuSeconds('/proc/self/stat')
    })
    const usage1 = await usage()
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
    check()
    await pump.stop()

    // Pipes and consumers as the workers report them.
    const stats = await Promise.all(started.map((m) => m.ask('stats')))
    const sum = (key) => stats.flat().reduce((s, r) => s + r[key], 0)
    const pipesOut = sum('machinePipeConsumers')
    const pipesIn = sum('machinePipeProducers')
    const routerPipeConsumers = sum('localPipeConsumers')
    const consumers = sum('plainConsumers')
    const producers = peers.length * MEDIA.length
    // EduMeet's rule: every producer on every other router of the room.
    const expectedPipes = producers * (instanceCount - 1) * workers
    const expectedLocal = producers * (workers - 1)
    const count = (key) => addresses.map((a) => peers.filter((p) => p[key] === a).length)
    const result = {
      producers,
      sendsAt: count('sendAt'),
      recvsAt: count('recvAt'),
      split: 0,
      created: peers.length * 2,
      consumers,
      pipesOut,
      pipesIn,
      routerPipeConsumers,
      expectedPipes,
      workersUsed: stats.map((routerStats) => routerStats.filter((r) => r.plainConsumers + r.machinePipeProducers + r.localPipeProducers + r.plainProducers > 0).length),
      workersRunning: started.map((m) => m.workerPids.size),
      cpu: rates.cpu,
      nodeProcessCpu: rates.nodeProcessCpu,
      // As the workers report it (getrusage), in % of a core as mafalda's nodes do.
      reportedCpu: usage1.map((list, i) => list.reduce((s, ms, w) => s + ms - usage0[i][w], 0) / elapsed / 10),
      selfCpu: rates.selfCpu,
      ...flowOf(rates, samples, peers)
    }
    result.cpuTotal = result.cpu.reduce((a, b) => a + b, 0)
    result.order = addresses.map((_, i) => i).sort((a, b) => result.recvsAt[b] - result.recvsAt[a] || a - b)
    log(`  npm: peers at ${addresses.join(', ')}: ${result.recvsAt.join('/')}; ` +
      `pipe consumers between machines out/in ${pipesOut}/${pipesIn} (rule: ${expectedPipes}), within machines ${routerPipeConsumers} (rule: ${expectedLocal}), consumers ${consumers}, ` +
      `routers used ${result.workersUsed.join('/')} (workers running ${result.workersRunning.join('/')}); ` +
      `worker CPU ${result.cpu.map((c) => c.toFixed(3)).join('/')} (workers report ${result.reportedCpu.map((c) => (c / 100).toFixed(3)).join('/')}), ` +
      `machine processes (Node + workers) ${result.nodeProcessCpu.map((c) => c.toFixed(3)).join('/')}, this process ${result.selfCpu.toFixed(3)} cores; ` +
      `${result.forwardedPps.toFixed(0)} pps, loss ${(result.loss * 100).toFixed(2)} %; ` +
      `latency µs same machine ${result.local.p50.toFixed(0)}/${result.local.p99.toFixed(0)} (${result.local.n}), other machine ${result.piped.p50.toFixed(0)}/${result.piped.p99.toFixed(0)} (${result.piped.n})`)
    if (pipesOut !== expectedPipes || pipesIn !== pipesOut || routerPipeConsumers !== expectedLocal) {
      log(`  WARNING: npm pipes out ${pipesOut}, in ${pipesIn}, expected ${expectedPipes}; within machines ${routerPipeConsumers}, expected ${expectedLocal}`)
    }
    if (consumers !== peers.length * (peers.length - 1) * MEDIA.length) log(`  WARNING: npm ${consumers} consumers on the routers`)
    return result
  } finally {
    await stopPumps()
    for (const socket of sockets) { try { socket.close() } catch (_) {} }
    await Promise.all(started.map(stopMachine))
  }
}

module.exports = { runOnceNpm, stopAllNpm }
