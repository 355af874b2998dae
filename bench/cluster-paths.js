'use strict'

// Pipes between instances per instance or per real router
// (`cluster.join({ interInstancePipes })`), side by side in one run.
//
// The layout where the two differ: this process is an instance with two
// workers (a consumer budget of 2 each) whose room spans both, and N
// sending peers (Opus 50 packets/s and VP8 90 packets/s each, as in
// bench:cluster) placed on a `mafalda-node` on 127.0.0.2 once both are
// full. Three receiving peers here consume every sender: two on the
// room's first real router, one on its second. Per instance, each sender
// reaches this instance once and one of the two real routers gets it over
// a local pipe (one more hop); per real router, the node sends it to each.
//
//   npm run bench:cluster:paths                       # 2, 5 and 10 senders; 3 runs of 5 s per mode
//   npm run bench:cluster:paths -- --senders 5 --runs 5 --seconds 10
//   npm run bench:cluster:paths -- --smoke
//
// Columns: pipes from the node (its `cluster.dump()` pipe ends), pipe
// consumers between this instance's workers, worker CPU of the node (the
// origin) and of this instance's two workers (their threads'
// /proc/self/task/<tid>/stat), and the latency of the senders' packets
// (send time in the payload, this process's monotonic clock) at the
// receivers on each real router here. Cells: median (min-max) of runs.

const crypto = require('node:crypto')
const fs = require('node:fs')
const H = require('./harness')
const mafalda = require('..')
const { MEDIA, Samples, sendStamped, receiveStamped, measure } = require('./stamped-rtp')
const { startRedis, startNode, stopAll, withoutIdleWorkers } = require('../__test__/support/cluster')
const {
  mediaCodecs, consumerCapabilities, bindSocket, closeSockets, stopPumps, sleep, waitFor
} = require('../__test__/helpers')

const NODE_ADDRESS = '127.0.0.2'
const LISTEN_INFO = { protocol: 'udp', ip: '127.0.0.1' }
const MODES = ['per-instance', 'per-router']

/** A peer with a send and a receive PlainTransport and its two sockets. */
async function joinPeer (router, sockets, ssrc) {
  const send = await router.createPlainTransport({ listenInfo: LISTEN_INFO, comedia: true })
  const recv = await router.createPlainTransport({ listenInfo: LISTEN_INFO })
  const sender = await bindSocket()
  const receiver = await bindSocket()
  sockets.push(sender, receiver)
  try { receiver.setRecvBufferSize(4 * 1024 * 1024) } catch (_) {} // capped by rmem_max
  await recv.connect({ ip: '127.0.0.1', port: receiver.address().port })
  const streams = []
  for (const media of MEDIA) {
    const producer = await send.produce({ kind: media.kind, rtpParameters: media.rtpParameters(ssrc + streams.length) })
    streams.push({ media, producer, ssrc: ssrc + streams.length, seq: 0, sent: 0 })
  }
  return { send, recv, sender, receiver, streams, bySsrc: new Map() }
}

async function consume (peer, producers, rtpCapabilities) {
  for (const producer of producers) {
    const consumer = await peer.recv.consume({ producerId: producer.id, rtpCapabilities })
    peer.bySsrc.set(consumer.rtpParameters.encodings[0].ssrc, { received: 0 })
  }
}

/** The real router (id) each of this process's transports is on, and its worker's thread id. */
async function localRouters () {
  const { workers } = await mafalda.dump()
  const at = new Map()
  for (const worker of workers) {
    for (const router of worker.routers) {
      for (const id of router.transportIds) at.set(id, { router: router.id, tid: worker.pid })
    }
  }
  return { at, workers }
}

async function runOnce ({ redisUrl, secret, mode, senderCount, seconds, warmup, log }) {
  const node = await startNode({ redis: redisUrl, address: NODE_ADDRESS, secret, maxWorkers: 1 })
  const sockets = []
  let router = null
  try {
    await withoutIdleWorkers(mafalda)
    mafalda.configure({ maxWorkers: 2, consumerBudget: 2, policy: 'concentrate', cpuWatermark: 10_000 })
    await mafalda.cluster.join({ redis: redisUrl, address: '127.0.0.1', secret, interInstancePipes: mode })
    await waitFor(async () => (await mafalda.cluster.instances()).some((i) => i.id === node.id), { timeout: 10000 })
    router = await mafalda.createRouter({ mediaCodecs })
    const rtpCapabilities = consumerCapabilities(router)
    const audioOf = (peer) => [peer.streams[0].producer]

    // Two receivers fill the first worker, a third the second.
    const [ann, bob] = [await joinPeer(router, sockets, 1000), await joinPeer(router, sockets, 2000)]
    await consume(ann, audioOf(bob), rtpCapabilities)
    await consume(bob, audioOf(ann), rtpCapabilities)
    const cid = await joinPeer(router, sockets, 3000)
    await consume(cid, [...audioOf(ann), ...audioOf(bob)], rtpCapabilities)
    const receivers = [ann, bob, cid]
    const senders = []
    for (let i = 0; i < senderCount; i++) senders.push(await joinPeer(router, sockets, 100000 + 10 * i))
    const misplaced = [...receivers.map((p) => p.recv), ...senders.map((p) => p.send)]
      .filter((t, i) => (t.tuple.localAddress === NODE_ADDRESS) !== (i >= receivers.length))
    if (misplaced.length > 0) throw new Error('layout: receivers here and senders on the node expected')
    const { at } = await localRouters()
    const routers = receivers.map((p) => at.get(p.recv.id)?.router)
    if (routers[0] !== routers[1] || routers[0] === routers[2] || !routers[2]) throw new Error(`layout: receivers on routers ${routers.join(', ')}`)

    // Every receiver consumes every sender's two producers, from the one
    // on the second real router first (that router gets the first pipe).
    const remote = senders.flatMap((p) => p.streams.map((s) => s.producer))
    for (const peer of [cid, ann, bob]) {
      const before = new Set(peer.bySsrc.keys())
      await consume(peer, remote, rtpCapabilities)
      peer.remoteSsrcs = new Set([...peer.bySsrc.keys()].filter((ssrc) => !before.has(ssrc)))
    }

    // Latency of the senders' packets by the real router they reach here.
    const samples = new Samples()
    receivers.forEach((peer, index) => {
      for (const ssrc of peer.remoteSsrcs) peer.bySsrc.get(ssrc).router = index < 2 ? 'first' : 'second'
      receiveStamped(peer, samples, (entry) => entry.router)
    })
    const streams = senders.flatMap((peer) => peer.streams.map((stream) => ({ peer, stream })))
    const pump = sendStamped(streams)

    await sleep(warmup * 1000)
    const dump = await mafalda.cluster.dump()
    const there = dump.instances.find((i) => i.id === node.id)
    const nodeTids = there.workers.map((w) => w.pid)
    const { workers: here } = await localRouters()
    const localTids = here.map((w) => w.pid)
    const rates = await measure(seconds, samples, {
      received: () => receivers.reduce((sum, p) => sum + [...p.remoteSsrcs].reduce((s, ssrc) => s + p.bySsrc.get(ssrc).received, 0), 0),
      sent: () => streams.reduce((sum, { stream }) => sum + stream.sent, 0),
      node: () => nodeTids.reduce((sum, tid) => sum + H.cpuSeconds(`/proc/${node.child.pid}/task/${tid}/stat`), 0),
      here: () => localTids.reduce((sum, tid) => sum + H.cpuSeconds(`/proc/self/task/${tid}/stat`), 0)
    })
    await pump.stop()

    const remoteIds = new Set(remote.map((p) => p.id))
    const pipesFromNode = there.pipesOut.filter((p) => remoteIds.has(p.producerId)).length
    const localPipes = here.reduce((sum, w) => sum + w.routers.reduce((s, r) => s + r.pipeConsumers, 0), 0)
    const result = {
      pipesFromNode,
      localPipes,
      nodeCpu: rates.node,
      hereCpu: rates.here,
      loss: 1 - rates.received / (rates.sent * receivers.length),
      first: samples.summary('first'),
      second: samples.summary('second')
    }
    log(`  ${mode}: pipes from the node ${pipesFromNode}, local pipe consumers ${localPipes}; worker CPU node ${result.nodeCpu.toFixed(3)}, here ${result.hereCpu.toFixed(3)} cores; ` +
      `loss ${(result.loss * 100).toFixed(2)} %; latency µs first router ${result.first.p50.toFixed(0)}/${result.first.p99.toFixed(0)} (${result.first.n}), ` +
      `second ${result.second.p50.toFixed(0)}/${result.second.p99.toFixed(0)} (${result.second.n})`)
    return result
  } finally {
    await stopPumps()
    if (router && !router.closed) router.close()
    for (const socket of sockets) { try { socket.close() } catch (_) {} }
    await mafalda.cluster.leave()
    await node.stop('SIGINT')
  }
}

function cells (results) {
  const spread = (f, digits) => H.spread(results.map((r) => ({ v: f(r) })), 'v', digits)
  return [
    spread((r) => r.pipesFromNode),
    spread((r) => r.localPipes),
    spread((r) => r.nodeCpu, 3),
    spread((r) => r.hereCpu, 3),
    `${spread((r) => r.first.p50)} / ${spread((r) => r.first.p99)}`,
    `${spread((r) => r.second.p50)} / ${spread((r) => r.second.p99)}`,
    spread((r) => r.loss * 100, 2)
  ]
}

async function main (args) {
  const smoke = Boolean(args.smoke)
  const senderCounts = smoke ? [2] : String(args.senders ?? '2,5,10').split(',').map(Number)
  const runs = smoke ? 1 : Number(args.runs ?? 3)
  const seconds = smoke ? 2 : Number(args.seconds ?? 5)
  const warmup = smoke ? 1 : Number(args.warmup ?? 2)
  if (senderCounts.some((n) => !(n >= 1)) || !(runs >= 1) || !(seconds > 0)) throw new TypeError('--senders, --runs and --seconds must be positive')
  const log = (line) => process.stderr.write(line + '\n')
  const redis = await startRedis()
  const secret = crypto.randomBytes(16).toString('hex')
  log(`bench:cluster:paths: ${runs} run(s) of ${seconds} s per mode and row (after ${warmup} s of media), modes alternating; ` +
    `load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
  const rows = []
  for (const senders of senderCounts) {
    log(`${senders} senders on the node, 3 receivers here:`)
    const results = Object.fromEntries(MODES.map((mode) => [mode, []]))
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? MODES : [...MODES].reverse()
      for (const mode of order) {
        results[mode].push(await runOnce({ redisUrl: redis.url, secret, mode, senderCount: senders, seconds, warmup, log }))
      }
    }
    rows.push({ senders, results })
  }
  log(`load average after: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
  await redis.stop()
  const header = ['senders (audio + video)', 'interInstancePipes', 'pipes from the node', 'pipe consumers between workers here',
    'origin worker CPU (cores)', 'worker CPU here (cores)', 'first real router p50 / p99 µs', 'second real router p50 / p99 µs', 'loss %']
  console.log(`| ${header.join(' | ')} |`)
  console.log(`|${header.map(() => '---').join('|')}|`)
  for (const row of rows) {
    for (const mode of MODES) console.log(`| ${row.senders} | ${mode} | ${cells(row.results[mode]).join(' | ')} |`)
  }
}

async function cleanUp () {
  closeSockets()
  await stopPumps()
  await Promise.race([mafalda.cluster.leave().catch(() => {}), sleep(3000)])
  await stopAll()
}

process.once('SIGINT', () => {
  process.stderr.write('interrupted: stopping the node and redis-server\n')
  cleanUp().finally(() => process.exit(130))
})

main(H.parseArgs(process.argv.slice(2))).then(
  () => cleanUp().then(() => process.exit(0)),
  (error) => {
    console.error(error)
    cleanUp().finally(() => process.exit(1))
  })
