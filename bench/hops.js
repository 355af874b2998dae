'use strict'

// Where a control-plane call's time goes: one small request (a WebRTC
// transport's getStats()) made 2,000 times one after the other, through
// mafalda and through the `mediasoup` npm package, each in a process of
// its own. Per call: the synchronous part (the JS thread builds and queues
// the request; the promise exists when it ends) and the wall time until
// the promise settles, and the JS thread's CPU time per call. Run as it
// comes and pinned to one CPU (`taskset -c 0`), where no thread wakes
// another CPU: the difference is what the wake-ups between threads cost on
// this machine. mafalda runs three times: as it ships, with the worker's
// poll off (`MAFALDA_WORKER_POLL_US=0`: the worker sleeps as soon as no
// request is queued), and with both polls off (`MAFALDA_BUSY_POLL_US=0`
// too: the JS thread sleeps while it waits). Last, the same calls 5 ms apart, as
// on a quiet server: what polling costs a call that has no neighbour.
// CPU per call is read from each thread's schedstat: the JS thread, and
// the worker (mafalda's worker threads, mediasoup's worker process).
//
//   npm run bench:hops
//   npm run bench:hops -- --calls 5000 --runs 5
//   npm run bench:hops -- --mafalda ../other-checkout   # another mafalda build

const { execFileSync } = require('node:child_process')
const path = require('node:path')
const { performance } = require('node:perf_hooks')
const { parseArgs, median, spread, threadCpuNs, workerCpuNs, LISTEN_INFOS } = require('./harness')

const args = parseArgs(process.argv.slice(2))
const CALLS = args.smoke ? 200 : Number(args.calls ?? 2000)
const RUNS = args.smoke ? 1 : Number(args.runs ?? 3)
/** The mafalda build to measure: this checkout, or another (`--mafalda DIR`). */
const MAFALDA = path.resolve(args.mafalda ?? path.join(__dirname, '..'))
const MEDIA_CODECS = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }]
/** Calls in the spaced runs, and the pause before each. */
const SPACED_CALLS = args.smoke ? 20 : Number(args['spaced-calls'] ?? 400)
const GAP_MS = 5

async function child (name, calls, gapMs) {
  const api = name === 'mediasoup' ? require('mediasoup') : require(MAFALDA)
  const worker = await api.createWorker({ logLevel: 'error' })
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS })
  const transport = await router.createWebRtcTransport({ listenInfos: LISTEN_INFOS })
  const sync = []
  const wall = []
  let cpuAtStart = 0
  let workerAtStart = 0
  for (let i = 0; i < calls + 200; i++) {
    if (i === 200) {
      cpuAtStart = threadCpuNs()
      workerAtStart = workerCpuNs(name, worker)
    }
    if (i >= 200 && gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs))
    const start = performance.now()
    const pending = transport.getStats()
    const queued = performance.now()
    await pending
    const settled = performance.now()
    // The first 200 warm up.
    if (i >= 200) {
      sync.push((queued - start) * 1000)
      wall.push((settled - start) * 1000)
    }
  }
  // Spaced calls: let the last one's polling end before reading.
  if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs))
  const cpuUs = (threadCpuNs() - cpuAtStart) / 1000 / calls
  const workerUs = (workerCpuNs(name, worker) - workerAtStart) / 1000 / calls
  console.log(JSON.stringify({ syncUs: median(sync), wallUs: median(wall), cpuUs, workerUs }))
  worker.close()
}

function hasTaskset () {
  try {
    execFileSync('taskset', ['-c', '0', 'true'])
    return true
  } catch (_) {
    return false
  }
}

/** What is measured: name, module, extra environment. */
const VARIANTS = [
  ['mafalda', 'mafalda', {}],
  ['mafalda, worker poll off', 'mafalda', { MAFALDA_WORKER_POLL_US: '0' }],
  ['mafalda, both polls off', 'mafalda', { MAFALDA_BUSY_POLL_US: '0', MAFALDA_WORKER_POLL_US: '0' }],
  ['mediasoup', 'mediasoup', {}]
]

function main () {
  const placements = [['as it comes', [], CALLS, 0]]
  if (hasTaskset()) placements.push(['one CPU', ['taskset', '-c', '0'], CALLS, 0])
  placements.push([`as it comes, ${GAP_MS} ms apart`, [], SPACED_CALLS, GAP_MS])
  console.log(`# getStats() of a WebRTC transport, ${CALLS} calls one at a time (${SPACED_CALLS} when spaced), ` +
    `p50 in µs; median (min-max) of ${RUNS} run(s), alternating\n`)
  console.log('| CPUs | implementation | synchronous part | until settled | JS thread CPU per call | worker CPU per call |')
  console.log('|---|---|---|---|---|---|')
  for (const [label, prefix, calls, gapMs] of placements) {
    const results = new Map(VARIANTS.map(([name]) => [name, []]))
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()
      for (const [name, module, env] of order) {
        const command = [...prefix, process.execPath, __filename, '--child', module, '--calls', String(calls),
          '--gap', String(gapMs), '--mafalda', MAFALDA]
        const output = execFileSync(command[0], command.slice(1), {
          encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000, env: { ...process.env, ...env }
        })
        results.get(name).push(JSON.parse(output.trim().split('\n').pop()))
      }
    }
    for (const [name, runs] of results) {
      console.log(`| ${label} | ${name} | ${spread(runs, 'syncUs')} | ${spread(runs, 'wallUs')} | ` +
        `${spread(runs, 'cpuUs')} | ${spread(runs, 'workerUs')} |`)
    }
  }
}

if (args.child) {
  child(args.child, Number(args.calls ?? CALLS), Number(args.gap ?? 0)).then(() => process.exit(0), (error) => {
    console.error(error)
    process.exit(1)
  })
} else {
  main()
}
