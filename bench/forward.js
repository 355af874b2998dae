'use strict'

// Forwarding benchmark: the same topology and the same RTP through mafalda
// and through the `mediasoup` npm package, each in a process of its own,
// runs alternating. One producer on a comedia PlainTransport, fanned out to
// N consumers on N PlainTransports; a native sender and a native counting
// receiver (`rtp-load`, crates/rtp-load) make the traffic. Worker CPU
// is read from the right /proc file for each: the worker *thread* for
// mafalda (/proc/self/task/<tid>/stat), the worker *process* for mediasoup
// (/proc/<pid>/stat).
//
//   npm run bench:forward                       # every row, 3 runs each
//   npm run bench:forward -- --smoke            # one short row (CI)
//   npm run bench:forward -- --rows audio-50 --runs 5 --seconds 10
//   npm run bench:forward -- --with-3.27        # also mediasoup 3.27.1 on Node 22
//   npm run bench:forward -- --also-mafalda ../other-checkout   # another mafalda build
//   npm run bench:forward -- --pin ...          # implementation on CPU 0, traffic on CPU 1
//                                               # (bench/setup-mediasoup-3.27.sh first)
//
// Columns: forwarded pps (packets/s the receiver counted), worker CPU (% of
// one core), pps per core (forwarded / CPU), loss; per implementation the
// median of the runs and, in brackets, min-max; the last column is
// mafalda's pps per core divided by this implementation's, run by run (run k
// of both taken back to back), median (min-max) of those ratios (>= 1:
// mafalda forwards a packet for less CPU).

const H = require('./harness')

const MEDIA_CODECS = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }
]

/** Rows: kind, consumers, producer packets/s (≈ 50k forwarded pps), consumers' header extensions. */
const ROWS = []
for (const exts of ['offered', 'none']) {
  for (const kind of ['audio', 'video']) {
    for (const consumers of [20, 50, 200]) {
      ROWS.push({ name: `${kind}-${consumers}${exts === 'none' ? '-noext' : ''}`, kind, consumers, pps: Math.round(50000 / consumers), exts })
    }
  }
}

// ------------------------------------------------------------------ child

async function child ({ impl, module: modulePath, row: rowName, seconds, poll }) {
  const row = ROWS.find((r) => r.name === rowName)
  const lib = require(modulePath)
  if (impl === 'mafalda') lib.configure({ maxWorkers: 1 })
  const worker = await lib.createWorker({ logLevel: 'error' })
  const statFile = impl === 'mafalda' ? `/proc/self/task/${worker.pid}/stat` : `/proc/${worker.pid}/stat`
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS })
  const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
  const load = H.rtpLoad()
  const { ports } = await load.ask({ cmd: 'receive', sockets: 2, pollMs: Number(poll) })

  const video = row.kind === 'video'
  const payloadType = video ? 101 : 100
  const ssrc = 11110000
  const send = await router.createPlainTransport({ listenInfo, comedia: true })
  const producer = await send.produce({
    kind: row.kind,
    rtpParameters: {
      codecs: [video
        ? { mimeType: 'video/VP8', payloadType, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }
        : { mimeType: 'audio/opus', payloadType, clockRate: 48000, channels: 2 }],
      encodings: [{ ssrc }]
    }
  })
  const rtpCapabilities = row.exts === 'none'
    ? { codecs: router.rtpCapabilities.codecs, headerExtensions: [] }
    : router.rtpCapabilities
  const consumers = []
  for (let i = 0; i < row.consumers; i++) {
    const transport = await router.createPlainTransport({ listenInfo })
    await transport.connect({ ip: '127.0.0.1', port: ports[i % ports.length] })
    consumers.push(await transport.consume({ producerId: producer.id, rtpCapabilities }))
  }
  const headerExtensions = consumers[0].rtpParameters.headerExtensions.map((e) => e.uri.replace(/^.*[:/]/, '')).join(',') || '-'

  await load.ask({ cmd: 'send', streams: [{ port: send.tuple.localPort, ssrc, pt: payloadType, pps: row.pps, bytes: video ? 1200 : 100, video }] })
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const c0 = await load.ask({ cmd: 'count' })
  const cpu0 = H.cpuSeconds(statFile)
  const t0 = process.hrtime.bigint()
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  const c1 = await load.ask({ cmd: 'count' })
  const cpu1 = H.cpuSeconds(statFile)
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9
  load.stop()

  const sent = c1.sent - c0.sent
  const received = c1.received - c0.received
  const cpu = (cpu1 - cpu0) / elapsed
  const version = impl === 'mafalda' ? `mafalda ${lib.version}` : `mediasoup ${lib.version}`
  process.stdout.write(JSON.stringify({
    impl: version,
    node: process.version,
    headerExtensions,
    forwardedPps: received / elapsed,
    cpu: cpu * 100,
    ppsPerCore: cpu > 0 ? received / elapsed / cpu : 0,
    loss: sent > 0 ? 1 - received / (sent * row.consumers) : 0
  }) + '\n')
  worker.close()
  // mafalda's worker threads end with the process.
  setTimeout(() => process.exit(0), 200)
}

// ----------------------------------------------------------------- parent

function main (args) {
  const smoke = Boolean(args.smoke)
  const runs = smoke ? 1 : Number(args.runs ?? 3)
  const seconds = smoke ? 2 : Number(args.seconds ?? 8)
  const poll = Number(args['poll-ms'] ?? 2)
  const pin = Boolean(args.pin)
  const wanted = args.rows ? String(args.rows).split(',') : smoke ? ['audio-20'] : ROWS.map((r) => r.name)
  const rows = ROWS.filter((r) => wanted.includes(r.name))
  const impls = H.implementations(args)
  H.buildRtpLoad()

  console.log(`forwarding benchmark: ${runs} run(s) of ${seconds} s per row and implementation, runs alternating`)
  console.log('| row | consumers | implementation | Node | consumers\' header extensions | forwarded pps | worker CPU % | pps / core | loss % | mafalda ÷ this, pps/core |')
  console.log('|---|---|---|---|---|---|---|---|---|---|')
  for (const row of rows) {
    const options = { row: row.name, seconds, poll }
    const results = H.alternate(impls, runs, (impl) => H.runChild(__filename, impl, options, seconds + 120, pin))
    impls.forEach((impl, i) => {
      const rs = results[i]
      const ratio = i === 0 ? '' : H.pairedRatio(results[0], rs, 'ppsPerCore')
      console.log(`| ${row.name} | ${row.consumers} | ${rs[0].impl} | ${rs[0].node} | ${rs[0].headerExtensions} | ${H.spread(rs, 'forwardedPps')} | ${H.spread(rs, 'cpu', 1)} | ${H.spread(rs, 'ppsPerCore')} | ${(H.median(rs.map((r) => r.loss)) * 100).toFixed(2)} | ${ratio} |`)
    })
  }
}

const args = H.parseArgs(process.argv.slice(2))
if (args.child) {
  child(args).catch((error) => { console.error(error); process.exit(1) })
} else {
  main(args)
}
