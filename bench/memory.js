'use strict'

// What an idle room costs in resident memory, through mafalda and through
// the `mediasoup` npm package, and where it goes. Each run is a fresh
// process: a warm-up, then `--rooms` rooms (a router and one WebRTC
// transport each) on one worker, then half of them replaced twice, as
// rooms come and go on a live server. Growth per room, in KiB:
//
// - total: the resident memory of the process (mediasoup: plus its worker
//   process);
// - JS: the V8 heap in use (`heapUsed`), what the application's objects
//   and the library's JS hold;
// - C++ worker: mediasoup's worker process, or mafalda's worker threads'
//   C heaps (glibc's heaps of threads: the worker's C++ allocates there);
// - rest: the difference: for mafalda its Rust side (mediasoup-rust's
//   objects, the engine's state), for both V8's heap pages beyond what is
//   in use, and the Node process's own allocations.
//
// Measured twice: with V8 as it comes, whose young generation grows with
// the rate of allocation (up to 16 MiB per half here) and counts in the
// resident memory whether or not anything in it lives; and with the young
// generation held at 2 MiB (`--max-semi-space-size=2`), where the growth
// is what the rooms keep.
//
//   npm run bench:memory                          # 1,000 rooms, 3 runs of each
//   npm run bench:memory -- --rooms 2000 --runs 5
//   npm run bench:memory -- --mafalda ../other-checkout
//   npm run bench:memory -- --smoke               # a few rooms, to keep it working (CI)

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { parseArgs, median, LISTEN_INFOS } = require('./harness')

const MEDIA_CODECS = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }]
/** V8's young generation as it comes, and held small. */
const YOUNG = { default: [], small: ['--max-semi-space-size=2'] }
const PARTS = ['total', 'js', 'worker', 'rest']
const PART_NAMES = { total: 'total', js: 'JS', worker: 'C++ worker', rest: 'rest' }

/** Resident memory of a process, in KiB (/proc/<pid>/status VmRSS). */
function rssKiB (pid = 'self') {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1])
}

/**
 * Resident KiB of this process's glibc thread heaps: read-write anonymous
 * mappings that start on glibc's 64 MiB heap alignment and fit in one.
 */
function threadHeapsKiB () {
  const HEAP = 64n << 20n
  let kib = 0
  let counting = false
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ (\d+)\s*(\S*)/.exec(line)
    if (mapping) {
      const start = BigInt(`0x${mapping[1]}`)
      const end = BigInt(`0x${mapping[2]}`)
      counting = mapping[3].startsWith('rw') && mapping[4] === '0' && mapping[5] === '' &&
        start % HEAP === 0n && end - start <= HEAP
    } else if (counting && line.startsWith('Rss:')) {
      kib += Number(line.split(/\s+/)[1])
    }
  }
  return kib
}

/** Child process: prints the growth per room of each part, fresh and after churn. */
async function child (name, rooms, mafaldaDir) {
  let worker
  let workerKiB
  if (name === 'mediasoup') {
    worker = await require('mediasoup').createWorker({ logLevel: 'error' })
    workerKiB = () => rssKiB(worker.pid)
  } else {
    worker = await require(mafaldaDir).createWorker({ logLevel: 'error' })
    workerKiB = threadHeapsKiB
  }
  const reading = () => {
    const js = process.memoryUsage().heapUsed / 1024
    const own = workerKiB()
    const total = rssKiB() + (name === 'mediasoup' ? own : 0)
    return { total, js, worker: own }
  }
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      global.gc()
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  const room = async () => {
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS })
    await router.createWebRtcTransport({ listenInfos: LISTEN_INFOS })
    return router
  }
  const perRoom = (now, before) => {
    const growth = Object.fromEntries(['total', 'js', 'worker'].map((part) => [part, (now[part] - before[part]) / rooms]))
    growth.rest = growth.total - growth.js - growth.worker
    return growth
  }
  // Warm-up: code paths, allocator arenas, the first real router.
  const warm = []
  for (let i = 0; i < 50; i++) warm.push(await room())
  for (const router of warm) router.close()
  await settle()
  const before = reading()
  const live = []
  for (let i = 0; i < rooms; i++) live.push(await room())
  await settle()
  const fresh = perRoom(reading(), before)
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < rooms; i += 2) {
      live[i].close()
      live[i] = await room()
    }
  }
  await settle()
  const churned = perRoom(reading(), before)
  worker.close()
  return { name, rooms, fresh, churned }
}

/**
 * Runs the children: `runs` of each implementation per young generation
 * setting (`young`: keys of YOUNG), alternating. Results by setting, then
 * implementation: one `{ fresh, churned }` per run.
 */
function measure ({ rooms, runs, mafalda, young = Object.keys(YOUNG) }) {
  const results = {}
  for (const setting of young) {
    results[setting] = { mafalda: [], mediasoup: [] }
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? ['mediasoup', 'mafalda'] : ['mafalda', 'mediasoup']
      for (const name of order) {
        const output = execFileSync(process.execPath,
          ['--expose-gc', ...YOUNG[setting], __filename, '--child', name, '--rooms', String(rooms), '--mafalda', mafalda],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300_000 })
        results[setting][name].push(JSON.parse(output.trim().split('\n').pop()))
      }
    }
  }
  return results
}

/** "median (min-max)" of values, or the one value. */
function spreadOf (values, digits = 1) {
  const fmt = (v) => v.toFixed(digits)
  if (values.length === 1) return fmt(values[0])
  return `${fmt(median(values))} (${fmt(Math.min(...values))}-${fmt(Math.max(...values))})`
}

function print (results, rooms, runs) {
  console.log(`# idle rooms: ${rooms} rooms (a router and one WebRTC transport each) on one worker, ` +
    `KiB per room, median (min-max) of ${runs} run(s) each, alternating\n`)
  console.log('| V8 young generation | rooms | part | mafalda | mediasoup | ratio of totals |')
  console.log('|---|---|---|---|---|---|')
  for (const [setting, byName] of Object.entries(results)) {
    for (const state of ['fresh', 'churned']) {
      for (const part of PARTS) {
        const values = (name) => byName[name].map((run) => run[state][part])
        const ratio = part === 'total' ? (median(values('mafalda')) / median(values('mediasoup'))).toFixed(2) : ''
        const young = setting === 'default' ? 'as it comes' : 'held at 2 MiB'
        const when = state === 'fresh' ? 'fresh' : 'after churn'
        console.log(`| ${young} | ${when} | ${PART_NAMES[part]} | ${spreadOf(values('mafalda'))} | ${spreadOf(values('mediasoup'))} | ${ratio} |`)
      }
    }
  }
}

module.exports = { measure }

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2))
  const rooms = args.smoke ? 20 : Number(args.rooms ?? 1000)
  const runs = args.smoke ? 1 : Number(args.runs ?? 3)
  const mafalda = path.resolve(args.mafalda ?? path.join(__dirname, '..'))
  const run = args.child
    ? child(args.child, rooms, mafalda).then((result) => console.log(JSON.stringify(result)))
    : Promise.resolve().then(() => print(measure({ rooms, runs, mafalda }), rooms, runs))
  run.then(() => process.exit(0), (error) => {
    console.error(error)
    process.exit(1)
  })
}
