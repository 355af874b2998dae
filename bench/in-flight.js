'use strict'

// Where a busy server's calls spend their CPU: one kind of call made
// `--count` times with `--concurrency` in flight (16 by default), through
// mafalda and through the `mediasoup` npm package, each run in a process of
// its own, runs alternating. Per run: calls per second, and the CPU per
// call of the JS thread and of the worker (mafalda's worker threads,
// mediasoup's worker process), from their schedstat. On a machine with two
// CPUs the sum of the two is what bounds the rate; `bench:api` gives the
// rates alone, this says which side pays for them.
//
//   npm run bench:in-flight                       # createWebRtcTransport, connect, produce
//   npm run bench:in-flight -- --ops produce --count 8000 --runs 5
//   npm run bench:in-flight -- --mafalda ../other-checkout   # another mafalda build
//
// Objects accumulate within a run (a process has at most some thousands of
// UDP sockets to give), so the default counts (3,000 to warm up, 4,000
// measured) stay in the low thousands.

const { execFileSync } = require('node:child_process')
const path = require('node:path')
const { parseArgs, spread, pairedRatio, threadCpuNs, workerCpuNs, LISTEN_INFOS, DTLS_PARAMETERS } = require('./harness')

const args = parseArgs(process.argv.slice(2))
const OPS = String(args.ops ?? 'createWebRtcTransport,connect,produce').split(',')
const COUNT = args.smoke ? 200 : Number(args.count ?? 4000)
const CONCURRENCY = Number(args.concurrency ?? 16)
const RUNS = args.smoke ? 1 : Number(args.runs ?? 3)
/** The mafalda build to measure: this checkout, or another (`--mafalda DIR`). */
const MAFALDA = path.resolve(args.mafalda ?? path.join(__dirname, '..'))
const MEDIA_CODECS = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }]
/**
 * Calls made before the measured ones, in flight as they are (JIT, pools,
 * first allocations). mediasoup-node's JS needs a few thousand to reach its
 * best: with 300, its transports were created at half the rate.
 */
const WARM_UP = args.smoke ? 50 : Number(args['warm-up'] ?? 3000)

/** The call `i` of kind `op`, on objects prepared for it. */
async function prepare (op, router, count) {
  if (op === 'createWebRtcTransport') {
    return () => router.createWebRtcTransport({ listenInfos: LISTEN_INFOS })
  }
  if (op === 'connect') {
    const transports = []
    for (let i = 0; i < count; i++) transports.push(await router.createWebRtcTransport({ listenInfos: LISTEN_INFOS }))
    return (i) => transports[i].connect({ dtlsParameters: DTLS_PARAMETERS })
  }
  if (op === 'produce') {
    // Spread over transports, as a room's peers are.
    const transports = []
    for (let i = 0; i < 50; i++) transports.push(await router.createWebRtcTransport({ listenInfos: LISTEN_INFOS }))
    return (i) => transports[i % transports.length].produce({
      kind: 'audio',
      rtpParameters: {
        mid: String(i),
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: 10_000_000 + i }]
      }
    })
  }
  throw new TypeError(`unknown operation ${op}`)
}

/** Runs `call(i)` for i in [from, to) with CONCURRENCY in flight. */
async function inFlight (call, from, to) {
  let next = from
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < to) await call(next++)
  }))
}

async function child (name, op) {
  const api = name === 'mediasoup' ? require('mediasoup') : require(MAFALDA)
  const worker = await api.createWorker({ logLevel: 'error' })
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS })
  const call = await prepare(op, router, WARM_UP + COUNT)
  await inFlight(call, 0, WARM_UP)
  const js = threadCpuNs()
  const work = workerCpuNs(name, worker)
  const start = process.hrtime.bigint()
  await inFlight(call, WARM_UP, WARM_UP + COUNT)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  console.log(JSON.stringify({
    perSecond: COUNT / seconds,
    jsUs: (threadCpuNs() - js) / 1000 / COUNT,
    workerUs: (workerCpuNs(name, worker) - work) / 1000 / COUNT
  }))
  worker.close()
}

function main () {
  console.log(`# ${COUNT} calls of each kind, ${CONCURRENCY} in flight; median (min-max) of ${RUNS} run(s), ` +
    'alternating; CPU in µs per call\n')
  console.log('| operation | implementation | calls/s | JS thread CPU | worker CPU | both | ratio of calls/s |')
  console.log('|---|---|---|---|---|---|---|')
  for (const op of OPS) {
    const results = { mafalda: [], mediasoup: [] }
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? ['mafalda', 'mediasoup'] : ['mediasoup', 'mafalda']
      for (const name of order) {
        const output = execFileSync(process.execPath, [__filename, '--child', name, '--op', op,
          '--count', String(COUNT), '--concurrency', String(CONCURRENCY), '--mafalda', MAFALDA], {
          encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000
        })
        const result = JSON.parse(output.trim().split('\n').pop())
        results[name].push({ ...result, bothUs: result.jsUs + result.workerUs })
      }
    }
    for (const name of ['mafalda', 'mediasoup']) {
      const ratio = name === 'mafalda' ? pairedRatio(results.mafalda, results.mediasoup, 'perSecond') : ''
      console.log(`| ${op} | ${name} | ${spread(results[name], 'perSecond')} | ${spread(results[name], 'jsUs', 1)} | ` +
        `${spread(results[name], 'workerUs', 1)} | ${spread(results[name], 'bothUs', 1)} | ${ratio} |`)
    }
  }
}

if (args.child) {
  child(args.child, args.op).then(() => process.exit(0), (error) => {
    console.error(error)
    process.exit(1)
  })
} else {
  main()
}
