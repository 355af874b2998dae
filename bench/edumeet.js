'use strict'

// EduMeet's way of using mediasoup, the same application code run on the
// `mediasoup` npm package and on mafalda (the drop-in swap an EduMeet
// deployment makes), each in a process of its own, runs alternating.
//
// The application is EduMeet 3's media strategy: W workers (one per core),
// a room gets a router on every worker, peers are assigned to them
// round-robin, and every producer is piped to every other router of the
// room as soon as it exists (`router.pipeToRouter`). A peer has an audio
// producer (50 packets/s, 100 B) and a video producer (VP8, 90 packets/s,
// 1,200 B) on a comedia PlainTransport fed by real RTP, and a receive
// PlainTransport consuming every other peer's producers. Peers join one by
// one with their media flowing; then the room is measured.
//
//   npm run bench:edumeet                          # every row, 3 runs each
//   npm run bench:edumeet -- --smoke               # one short row
//   npm run bench:edumeet -- --rows 40p --runs 3 --seconds 10 --with-3.27
//
// Columns: forwarded pps (RTP packets the peers' receivers counted per
// second), workers CPU (worker processes for mediasoup, worker threads for
// mafalda; % of one core), process total (workers plus the Node process:
// everything the application costs), real workers that carried media,
// loss; median (min-max) of the runs. The last columns divide mafalda's CPU
// by this implementation's run by run (run k of both back to back), median
// (min-max) of those ratios (< 1: mafalda spends less).

const H = require('./harness')

const MEDIA_CODECS = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }
]
const MEDIA = {
  audio: { pt: 100, pps: 50, bytes: 100, codec: { mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 } },
  video: {
    pt: 101,
    pps: 90,
    bytes: 1200,
    codec: { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }
  }
}

const ROWS = []
for (const exts of ['offered', 'none']) {
  for (const peers of [10, 20, 40]) {
    ROWS.push({ name: `${peers}p${exts === 'none' ? '-noext' : ''}`, peers, exts })
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ------------------------------------------------------------------ child

/** CPU seconds of the media workers and of the whole application. */
function cpuReader (impl, workers) {
  if (impl === 'mafalda') {
    // Real workers are threads of this process; read the ones there now.
    const files = H.workerThreadStatFiles()
    return () => {
      const perWorker = files.map((file) => { try { return H.cpuSeconds(file) } catch (_) { return 0 } })
      return { perWorker, total: H.cpuSeconds('/proc/self/stat') }
    }
  }
  const files = workers.map((worker) => `/proc/${worker.pid}/stat`)
  return () => {
    const perWorker = files.map((file) => H.cpuSeconds(file))
    return { perWorker, total: H.cpuSeconds('/proc/self/stat') + perWorker.reduce((a, b) => a + b, 0) }
  }
}

async function child ({ impl, module: modulePath, peers, workers: workerCount, exts, seconds, join, poll }) {
  peers = Number(peers)
  const lib = require(modulePath)
  const load = H.rtpLoad()
  const { ports } = await load.ask({ cmd: 'receive', sockets: 2, pollMs: Number(poll) })
  const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }

  // ---- the application (EduMeet 3's strategy), unchanged between the two
  const workers = []
  for (let i = 0; i < Number(workerCount); i++) workers.push(await lib.createWorker({ logLevel: 'error' }))
  const routers = []
  for (const worker of workers) routers.push(await worker.createRouter({ mediaCodecs: MEDIA_CODECS }))
  const capabilities = (router) => exts === 'none'
    ? { codecs: router.rtpCapabilities.codecs, headerExtensions: [] }
    : router.rtpCapabilities

  const room = [] // { router, recv, producers: [{ id }] }
  let ssrc = 22220000
  for (let p = 0; p < peers; p++) {
    const router = routers[p % routers.length]
    const send = await router.createPlainTransport({ listenInfo, comedia: true })
    const recv = await router.createPlainTransport({ listenInfo })
    await recv.connect({ ip: '127.0.0.1', port: ports[p % ports.length] })
    for (const other of room) {
      for (const producer of other.producers) {
        await recv.consume({ producerId: producer.id, rtpCapabilities: capabilities(router) })
      }
    }
    const peer = { router, recv, producers: [] }
    const streams = []
    for (const kind of ['audio', 'video']) {
      const m = MEDIA[kind]
      const producer = await send.produce({ kind, rtpParameters: { codecs: [m.codec], encodings: [{ ssrc }] } })
      for (const other of routers) {
        if (other !== router) await router.pipeToRouter({ producerId: producer.id, router: other })
      }
      peer.producers.push(producer)
      streams.push({ port: send.tuple.localPort, ssrc, pt: m.pt, pps: m.pps, bytes: m.bytes, video: kind === 'video' })
      ssrc++
    }
    for (const other of room) {
      for (const producer of peer.producers) {
        await other.recv.consume({ producerId: producer.id, rtpCapabilities: capabilities(other.router) })
      }
    }
    room.push(peer)
    await load.ask({ cmd: 'send', streams })
    await sleep(Number(join))
  }
  // ---- end of the application

  await sleep(2000)
  const readCpu = cpuReader(impl, workers)
  const c0 = await load.ask({ cmd: 'count' })
  const cpu0 = readCpu()
  const t0 = process.hrtime.bigint()
  await sleep(Number(seconds) * 1000)
  const c1 = await load.ask({ cmd: 'count' })
  const cpu1 = readCpu()
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
  load.stop()

  const perWorker = cpu1.perWorker.map((v, i) => (v - cpu0.perWorker[i]) / elapsed)
  const sent = c1.sent - c0.sent
  const received = c1.received - c0.received
  process.stdout.write(JSON.stringify({
    impl: impl === 'mafalda' ? `mafalda ${lib.version}` : `mediasoup ${lib.version}`,
    node: process.version,
    forwardedPps: received / elapsed,
    workersCpu: perWorker.reduce((a, b) => a + b, 0) * 100,
    totalCpu: (cpu1.total - cpu0.total) / elapsed * 100,
    // A worker carrying media uses well over 1 % of a core at these rates.
    workersUsed: perWorker.filter((cpu) => cpu > 0.01).length,
    loss: sent > 0 ? 1 - received / (sent * (peers - 1)) : 0
  }) + '\n')
  for (const worker of workers) worker.close()
  setTimeout(() => process.exit(0), 200)
}

// ----------------------------------------------------------------- parent

function main (args) {
  const smoke = Boolean(args.smoke)
  const runs = smoke ? 1 : Number(args.runs ?? 3)
  const seconds = smoke ? 2 : Number(args.seconds ?? 8)
  const workers = Number(args.workers ?? 2)
  const join = Number(args['join-ms'] ?? 300)
  const poll = Number(args['poll-ms'] ?? 2)
  const wanted = args.rows ? String(args.rows).split(',') : smoke ? ['10p'] : ROWS.map((r) => r.name)
  const rows = ROWS.filter((r) => wanted.includes(r.name))
  const impls = H.implementations(args)
  H.buildRtpLoad()

  console.log(`EduMeet strategy, ${workers} workers: ${runs} run(s) of ${seconds} s per row and implementation, runs alternating`)
  console.log('| row | peers | implementation | Node | forwarded pps | workers CPU % | process total CPU % | real workers | loss % | mafalda ÷ this, workers CPU | mafalda ÷ this, total CPU |')
  console.log('|---|---|---|---|---|---|---|---|---|---|---|')
  for (const row of rows) {
    const options = { peers: row.peers, workers, exts: row.exts, seconds, join, poll }
    const timeout = seconds + row.peers * (join / 1000 + 5) + 120
    const results = H.alternate(impls, runs, (impl) => H.runChild(__filename, impl, options, timeout))
    impls.forEach((impl, i) => {
      const rs = results[i]
      const ratio = (key) => i === 0 ? '' : H.pairedRatio(results[0], rs, key)
      console.log(`| ${row.name} | ${row.peers} | ${rs[0].impl} | ${rs[0].node} | ${H.spread(rs, 'forwardedPps')} | ${H.spread(rs, 'workersCpu', 1)} | ${H.spread(rs, 'totalCpu', 1)} | ${H.spread(rs, 'workersUsed')} | ${(H.median(rs.map((r) => r.loss)) * 100).toFixed(2)} | ${ratio('workersCpu')} | ${ratio('totalCpu')} |`)
    })
  }
}

const args = H.parseArgs(process.argv.slice(2))
if (args.child) {
  child(args).catch((error) => { console.error(error); process.exit(1) })
} else {
  main(args)
}
