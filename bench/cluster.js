'use strict'

// One room over several mafalda instances on this machine: a real
// redis-server, I real `mafalda-node` processes on 127.0.0.2, .3, .4 (W
// workers each) and this process as a manager-only instance (`maxWorkers:
// 0`) that owns the room, sends the peers' RTP and receives what the media
// nodes forward, over loopback UDP.
//
// The rows are the seed's (`bench:rooms`): N peers, each with an audio
// producer (Opus, 50 packets/s, 100 B) and a video producer (VP8, 90
// packets/s, 1,200 B) on a comedia PlainTransport, and a receive
// PlainTransport consuming every other peer's producers. Peers are spread
// evenly over the instances, as EduMeet balances peers over machines, with
// a peer's two transports on one instance (see `placePeers()` for how; with
// `--placement as-placed`, wherever mafalda puts each transport).
//
//   npm run bench:cluster                          # 5, 10, 15 peers over 1, 2, 3 instances; 3 runs of 5 s
//   npm run bench:cluster -- --smoke               # one small row, seconds
//   npm run bench:cluster -- --peers 10 --instances 2,3 --workers 2 --runs 5 --seconds 10
//   npm run bench:cluster -- --placement as-placed # every transport where mafalda puts it
//   npm run bench:cluster -- --with-npm            # and the same rows on the mediasoup npm package, runs alternating
//
// Columns: inter-instance pipe consumers (the pipes of `cluster.dump()`,
// one per producer and other instance with a consumer of it) and pipe
// consumers between workers of one instance (its routers' dumps) against the
// EduMeet-style count for the same deployment (every producer piped to every
// other router of every machine: producers × (I·W − 1)); worker CPU per
// instance, read from each worker thread's /proc/<node pid>/task/<tid>/stat
// (the thread ids are the workers' `pid` in `cluster.dump()`), in cores;
// forwarded packets/s counted by the peers' sockets; loss. The latency
// table: each packet carries its send time (this process's monotonic clock)
// and the receivers, in this process too, take arrival − send, split by
// whether the consumer's transport is on the producer's instance or on
// another one (the packet crossed a pipe). Cells: median (min-max) of runs.
//
// `--with-npm`: every run of a row is followed (or, every other run,
// preceded) by one of EduMeet's multi-machine strategy on the `mediasoup`
// npm package, same peers and load (bench/cluster-npm.js); the tables then
// list both, and mafalda's worker CPU over npm's, run by run.

const crypto = require('node:crypto')
const fs = require('node:fs')
const H = require('./harness')
const mafalda = require('..')
const { startRedis, startNode, stopAll } = require('../__test__/support/cluster')
const {
  mediaCodecs, consumerCapabilities, bindSocket, closeSockets, stopPumps, sleep, waitFor
} = require('../__test__/helpers')
const { MEDIA, Samples, sendStamped, receiveStamped, measure, flowOf } = require('./stamped-rtp')

const ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4']
const LISTEN_INFO = { protocol: 'udp', ip: '127.0.0.1' }

// ------------------------------------------------------------ one run

/**
 * Transports of `count` peers. `paired` (the manager's policy `spread`):
 * mafalda places every transport on the instance with the most spare
 * capacity, which rotates over idle instances transport by transport, so a
 * peer's send and receive transports would land on different instances;
 * the bench creates send and receive transports in turns of I each and
 * makes a peer of a send and a receive transport that landed on the same
 * instance, up to an even share per instance, and closes the transports
 * left over. `as-placed` (the default policy, `concentrate`): each peer
 * creates its send then its receive transport and keeps them wherever they
 * landed.
 */
async function placePeers (router, count, instances, paired) {
  const create = (comedia) => router.createPlainTransport({ listenInfo: LISTEN_INFO, comedia })
  if (!paired) {
    const peers = []
    for (let i = 0; i < count; i++) peers.push({ send: await create(true), recv: await create(false) })
    return { peers, created: count * 2 }
  }
  const base = Math.floor(count / instances)
  let extras = count % instances
  const spare = { send: new Map(), recv: new Map() }
  const peersAt = new Map()
  const peers = []
  let created = 0
  while (peers.length < count) {
    if (created > count * 10) throw new Error(`peers could not be spread evenly over ${instances} instances`)
    for (const role of ['send', 'recv']) {
      for (let i = 0; i < instances && peers.length < count; i++) {
        const transport = await create(role === 'send')
        created++
        const at = transport.tuple.localAddress
        if (!spare[role].has(at)) spare[role].set(at, [])
        spare[role].get(at).push(transport)
        const here = peersAt.get(at) ?? 0
        const room = here < base || (here === base && extras > 0)
        if (room && spare.send.get(at)?.length && spare.recv.get(at)?.length) {
          if (here === base) extras--
          peersAt.set(at, here + 1)
          peers.push({ send: spare.send.get(at).shift(), recv: spare.recv.get(at).shift() })
        }
      }
    }
  }
  for (const list of [...spare.send.values(), ...spare.recv.values()]) {
    for (const transport of list) transport.close()
  }
  return { peers, created }
}

/** CPU seconds of each node's worker threads and of its whole process. */
function cpuOfNodes (nodes) {
  return nodes.map((node) => ({
    workers: node.workerTids.reduce((sum, tid) => sum + H.cpuSeconds(`/proc/${node.child.pid}/task/${tid}/stat`), 0),
    process: H.cpuSeconds(`/proc/${node.child.pid}/stat`)
  }))
}

async function runOnce ({ redisUrl, secret, peerCount, instanceCount, workers, seconds, warmup, paired, log }) {
  const addresses = ADDRESSES.slice(0, instanceCount)
  const nodes = await Promise.all(addresses.map((address) => startNode({ redis: redisUrl, address, secret, maxWorkers: workers })))
  const sockets = []
  let router = null
  try {
    // Placement reads the live instances every 500 ms: wait until it sees these.
    const ids = nodes.map((n) => n.id).sort()
    await waitFor(async () => {
      const live = (await mafalda.cluster.instances()).filter((i) => !i.self).map((i) => i.id).sort()
      return live.join() === ids.join()
    }, { timeout: 10000 })

    router = await mafalda.createRouter({ mediaCodecs })
    const rtpCapabilities = consumerCapabilities(router)
    const { peers, created } = await placePeers(router, peerCount, instanceCount, paired)
    let ssrc = 30000000
    for (const peer of peers) {
      peer.sendAt = peer.send.tuple.localAddress
      peer.recvAt = peer.recv.tuple.localAddress
      peer.sender = await bindSocket()
      peer.receiver = await bindSocket()
      sockets.push(peer.sender, peer.receiver)
      try { peer.receiver.setRecvBufferSize(4 * 1024 * 1024) } catch (_) {} // capped by rmem_max
      await peer.recv.connect({ ip: '127.0.0.1', port: peer.receiver.address().port })
      peer.streams = []
      for (const media of MEDIA) {
        const producer = await peer.send.produce({ kind: media.kind, rtpParameters: media.rtpParameters(ssrc) })
        peer.streams.push({ media, producer, ssrc, seq: 0, sent: 0 })
        ssrc++
      }
    }
    // Each peer consumes the others' producers, all at once as EduMeet does.
    for (const peer of peers) {
      peer.bySsrc = new Map()
      const others = peers.filter((p) => p !== peer).flatMap((p) => p.streams.map((s) => ({ from: p, stream: s })))
      const consumers = await Promise.all(others.map(({ stream }) =>
        peer.recv.consume({ producerId: stream.producer.id, rtpCapabilities })))
      consumers.forEach((consumer, i) => {
        const piped = others[i].from.sendAt !== peer.recvAt
        peer.bySsrc.set(consumer.rtpParameters.encodings[0].ssrc, { piped, received: 0 })
      })
    }

    // Receivers: packets per consumer, and latency samples while measuring.
    const samples = new Samples()
    for (const peer of peers) receiveStamped(peer, samples, (entry) => entry.piped ? 'piped' : 'local')

    // Senders: each stream at its rate from a random phase, paced by a pump.
    const streams = peers.flatMap((peer) => peer.streams.map((stream) => ({ peer, stream })))
    const pump = sendStamped(streams)

    await sleep(warmup * 1000)
    // The workers a node runs now carry the room (placement is done).
    const dump = await mafalda.cluster.dump()
    for (const node of nodes) {
      const part = dump.instances.find((i) => i.id === node.id)
      node.workerTids = part.workers.map((w) => w.pid)
      for (const tid of node.workerTids) {
        if (!fs.existsSync(`/proc/${node.child.pid}/task/${tid}`)) throw new Error(`worker ${tid} is no thread of node ${node.child.pid}`)
      }
    }
    const messages0 = (await mafalda.dump()).cluster?.received ?? 0
    const rates = await measure(seconds, samples, {
      received: () => peers.reduce((sum, p) => sum + [...p.bySsrc.values()].reduce((s, e) => s + e.received, 0), 0),
      sent: () => streams.reduce((sum, { stream }) => sum + stream.sent, 0),
      cpu: () => cpuOfNodes(nodes).map((c) => c.workers),
      nodeProcessCpu: () => cpuOfNodes(nodes).map((c) => c.process),
      selfCpu: () => H.cpuSeconds('/proc/self/stat')
    })
    // Messages from the nodes (their objects' events) reach this process's
    // event loop, which the receivers share.
    const managerMessages = ((await mafalda.dump()).cluster?.received - messages0) / seconds
    const reported = await mafalda.cluster.instances()
    await pump.stop()

    // Pipes and consumers as the instances report them.
    const parts = addresses.map((address) => dump.instances.find((i) => i.address === address))
    const routers = parts.flatMap((p) => p.workers.flatMap((w) => w.routers))
    const pipesOut = parts.reduce((sum, p) => sum + p.pipesOut.length, 0)
    const pipesIn = parts.reduce((sum, p) => sum + p.pipesIn.length, 0)
    // A router's `pipeConsumers` are those of pipes between workers of one
    // instance; the consumer feeding a pipe to another instance is an
    // ordinary consumer there, on the room's PipeTransport to that instance.
    const routerPipeConsumers = routers.reduce((sum, r) => sum + r.pipeConsumers, 0)
    const consumers = routers.reduce((sum, r) => sum + r.consumers - r.pipeConsumers, 0) - pipesOut
    // What mafalda's rule gives for this placement: one pipe per
    // (producer, other instance with a consumer of it).
    const expectedPipes = new Set()
    for (const peer of peers) {
      for (const other of peers) {
        if (other !== peer && other.sendAt !== peer.recvAt) {
          for (const { producer } of other.streams) expectedPipes.add(`${producer.id} ${peer.recvAt}`)
        }
      }
    }
    const count = (key) => addresses.map((a) => peers.filter((p) => p[key] === a).length)
    const result = {
      producers: peers.length * MEDIA.length,
      sendsAt: count('sendAt'),
      recvsAt: count('recvAt'),
      // Peers whose two transports are on different instances.
      split: peers.filter((p) => p.sendAt !== p.recvAt).length,
      created,
      consumers,
      pipesOut,
      pipesIn,
      routerPipeConsumers,
      expectedPipes: expectedPipes.size,
      workersUsed: parts.map((p) => p.workers.filter((w) => w.routers.length > 0).length),
      workersRunning: parts.map((p) => p.workers.length),
      cpu: rates.cpu,
      nodeProcessCpu: rates.nodeProcessCpu,
      reportedCpu: addresses.map((a) => reported.find((i) => i.address === a)?.cpu ?? NaN),
      selfCpu: rates.selfCpu,
      managerMessages,
      ...flowOf(rates, samples, peers)
    }
    result.cpuTotal = result.cpu.reduce((a, b) => a + b, 0)
    // Which instance gets an extra peer differs from run to run: the table
    // lists instances by their receiving peers, most first, so that the CPU
    // of the instances with the same share is compared across runs.
    result.order = addresses.map((_, i) => i).sort((a, b) => result.recvsAt[b] - result.recvsAt[a] || a - b)
    log(`  peers at ${addresses.join(', ')}: send ${result.sendsAt.join('/')}, receive ${result.recvsAt.join('/')}, ${result.split} split (${created} transports created); ` +
      `pipes between instances out/in ${pipesOut}/${pipesIn} (rule: ${expectedPipes.size}), between workers ${routerPipeConsumers}, consumers ${consumers}, ` +
      `workers used ${result.workersUsed.join('/')} (running ${result.workersRunning.join('/')}); ` +
      `worker CPU ${result.cpu.map((c) => c.toFixed(3)).join('/')} (nodes report ${result.reportedCpu.map((c) => (c / 100).toFixed(3)).join('/')}), ` +
      `node processes ${result.nodeProcessCpu.map((c) => c.toFixed(3)).join('/')}, this process ${result.selfCpu.toFixed(3)} cores, ${result.managerMessages.toFixed(0)} messages/s from the nodes; ` +
      `${result.forwardedPps.toFixed(0)} pps, loss ${(result.loss * 100).toFixed(2)} %; ` +
      `latency µs same instance ${result.local.p50.toFixed(0)}/${result.local.p99.toFixed(0)} (${result.local.n}), piped ${result.piped.p50.toFixed(0)}/${result.piped.p99.toFixed(0)} (${result.piped.n})`)
    if (pipesOut !== expectedPipes.size || pipesIn !== pipesOut) log(`  WARNING: pipes out ${pipesOut}, in ${pipesIn}, expected ${expectedPipes.size}`)
    if (consumers !== peers.length * (peers.length - 1) * MEDIA.length) log(`  WARNING: ${consumers} consumers on the routers`)
    return result
  } finally {
    await stopPumps()
    if (router && !router.closed) router.close()
    for (const socket of sockets) { try { socket.close() } catch (_) {} }
    // SIGINT: a node leaves the cluster at once (SIGTERM would drain).
    await Promise.all(nodes.map((node) => node.stop('SIGINT')))
  }
}

// ------------------------------------------------------------ the table

/** "median (min-max)" of `values`, or the value when there is one run. */
function spreadOf (values, digits) {
  return H.spread(values.map((v) => ({ v })), 'v', digits)
}

function rowCells (row, results) {
  const first = results[0]
  const med = (f) => H.median(results.map(f))
  const ordered = (r, key) => r.order.map((i) => r[key][i])
  const perInstance = (key, digits) => first.order.map((_, k) => {
    const value = med((r) => ordered(r, key)[k])
    return digits === undefined ? value : value.toFixed(digits)
  }).join(' / ')
  const [sends, recvs] = [ordered(first, 'sendsAt'), ordered(first, 'recvsAt')]
  const distribution = first.split === 0
    ? sends.join('+')
    : `send ${sends.join('+')}, recv ${recvs.join('+')}; ${first.split} of ${row.peers} split`
  const edumeet = first.producers * (row.instances * row.workers - 1)
  return [
    row.peers, first.producers, `${row.instances} × ${row.workers}`, distribution, med((r) => r.consumers),
    med((r) => r.pipesOut), med((r) => r.routerPipeConsumers), edumeet,
    perInstance('workersUsed'), perInstance('cpu', 3), spreadOf(results.map((r) => r.cpuTotal), 3),
    spreadOf(results.map((r) => r.forwardedPps), 0), (med((r) => r.loss) * 100).toFixed(2)
  ]
}

function latencyCells (row, results) {
  const first = results[0]
  const cell = (key) => results[0][key].n > 0
    ? `${spreadOf(results.map((r) => r[key].p50), 0)} / ${spreadOf(results.map((r) => r[key].p99), 0)}`
    : '-'
  const both = results.every((r) => r.local.n > 0 && r.piped.n > 0)
  return [
    row.peers, `${row.instances} × ${row.workers}`, first.localConsumers, first.pipedConsumers, cell('local'), cell('piped'),
    both ? spreadOf(results.map((r) => r.piped.p50 - r.local.p50), 0) : '-',
    both ? spreadOf(results.map((r) => r.piped.p99 - r.local.p99), 0) : '-'
  ]
}

const table = (header, rows) => [
  `| ${header.join(' | ')} |`,
  `|${header.map(() => '---').join('|')}|`,
  ...rows.map((cells) => `| ${cells.join(' | ')} |`)
].join('\n')

/** mafalda's worker CPU per instance over npm's, run by run: medians. */
function perInstanceRatio (results, npm) {
  return results[0].order.map((_, k) => {
    const at = (r) => r.cpu[r.order[k]]
    return H.median(results.map((r, run) => at(npm[run]) > 0 ? at(r) / at(npm[run]) : NaN)).toFixed(2)
  }).join(' / ')
}

async function main (args) {
  const smoke = Boolean(args.smoke)
  const withNpm = Boolean(args['with-npm'])
  const { runOnceNpm } = withNpm ? require('./cluster-npm') : {}
  const list = (value, fallback) => (value === undefined || value === true ? fallback : String(value).split(',').map(Number))
  const peerCounts = smoke ? [4] : list(args.peers, [5, 10, 15])
  const instanceCounts = smoke ? [2] : list(args.instances, [1, 2, 3])
  const workers = Number(args.workers ?? 1)
  const runs = smoke ? 1 : Number(args.runs ?? 3)
  const seconds = smoke ? 2 : Number(args.seconds ?? 5)
  const warmup = smoke ? 1 : Number(args.warmup ?? 2)
  const placement = String(args.placement ?? 'paired')
  if (!['paired', 'as-placed'].includes(placement)) throw new TypeError('--placement is paired or as-placed')
  if (instanceCounts.some((i) => !(i >= 1 && i <= ADDRESSES.length))) throw new TypeError(`--instances: 1 to ${ADDRESSES.length}`)
  if (peerCounts.some((n) => !(n >= 2))) throw new TypeError('--peers: 2 or more')
  if (!(workers >= 1) || !(runs >= 1) || !(seconds > 0)) throw new TypeError('--workers, --runs and --seconds must be positive')
  const log = (line) => process.stderr.write(line + '\n')

  const redis = await startRedis()
  const secret = crypto.randomBytes(16).toString('hex')
  // Paired: the manager spreads (each transport to the roomiest instance),
  // which the pairing turns into peers balanced over instances. As placed:
  // the default policy, which keeps a room on its instance until it is full.
  mafalda.configure({ maxWorkers: 0, policy: placement === 'paired' ? 'spread' : 'concentrate' })
  await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret })
  log(`bench:cluster: ${runs} run(s) of ${seconds} s per row (after ${warmup} s of media), ${workers} worker(s) per instance, placement ${placement}; ` +
    `load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
  const rows = []
  for (const peers of peerCounts) {
    for (const instances of instanceCounts) {
      const row = { peers, instances, workers }
      log(`${peers} peers over ${instances} instance(s):`)
      row.results = []
      row.npm = []
      for (let run = 0; run < runs; run++) {
        const options = { redisUrl: redis.url, secret, peerCount: peers, instanceCount: instances, workers, seconds, warmup, paired: placement === 'paired', log }
        if (withNpm && run % 2 === 1) row.npm.push(await runOnceNpm(options))
        row.results.push(await runOnce(options))
        if (withNpm && run % 2 === 0) row.npm.push(await runOnceNpm(options))
      }
      rows.push(row)
    }
  }
  log(`load average after: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`)
  await mafalda.cluster.leave()
  await redis.stop()

  const header = ['peers', 'producers', 'instances × workers', 'peers per instance', 'consumers', 'pipe consumers between instances',
    'pipe consumers between workers of an instance', 'EduMeet-style pipe consumers', 'real workers used per instance', 'worker CPU per instance (cores)', 'worker CPU total (cores)', 'forwarded pps', 'loss %']
  const latencyHeader = ['peers', 'instances × workers', 'consumers on the producer\'s instance', 'consumers on another', 'same instance p50 / p99 µs',
    'piped p50 / p99 µs', 'piped − same, p50 µs', 'piped − same, p99 µs']
  if (!withNpm) {
    console.log(table(header, rows.map((row) => rowCells(row, row.results))))
    console.log()
    console.log(table(latencyHeader, rows.map((row) => latencyCells(row, row.results))))
    return
  }
  const NPM = 'mediasoup (npm)'
  console.log(table(
    ['implementation', ...header, 'mafalda ÷ npm, worker CPU per instance', 'mafalda ÷ npm, worker CPU total'],
    rows.flatMap((row) => [
      ['mafalda', ...rowCells(row, row.results), '', ''],
      [NPM, ...rowCells(row, row.npm), perInstanceRatio(row.results, row.npm), H.pairedRatio(row.results, row.npm, 'cpuTotal')]
    ])))
  console.log()
  console.log(table(['implementation', ...latencyHeader], rows.flatMap((row) => [
    ['mafalda', ...latencyCells(row, row.results)],
    [NPM, ...latencyCells(row, row.npm)]
  ])))
}

// Nodes and redis-server go whatever happens: on an error, and on Ctrl-C.
async function cleanUp () {
  closeSockets()
  await stopPumps()
  // The npm baseline's machines, if it ran (loaded by then if so).
  const npm = require.cache[require.resolve('./cluster-npm')]
  if (npm) await npm.exports.stopAllNpm()
  await Promise.race([mafalda.cluster.leave().catch(() => {}), sleep(3000)])
  await stopAll()
}

// What bench/cluster-npm.js shares with this benchmark.
module.exports = { ADDRESSES }

if (require.main === module) {
  process.once('SIGINT', () => {
    process.stderr.write('interrupted: stopping the nodes and redis-server\n')
    cleanUp().finally(() => process.exit(130))
  })

  main(H.parseArgs(process.argv.slice(2)))
    .then(() => cleanUp().then(() => process.exit(0)))
    .catch((error) => {
      console.error(error)
      cleanUp().finally(() => process.exit(1))
    })
}
