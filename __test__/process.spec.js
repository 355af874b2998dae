'use strict'

const { execFile } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')

function runScript (source, timeout = 20000) {
  return new Promise((resolve) => {
    const started = Date.now()
    execFile(process.execPath, ['-e', source], { cwd: root, timeout }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.killed ? 'timeout' : error.code) : 0, signal: error?.signal, stdout, stderr, ms: Date.now() - started })
    })
  })
}

const room = `
  const mafalda = require(${JSON.stringify(root)})
  const mediaCodecs = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }]
`

describe('the Node process', () => {
  test('a script that creates a router and closes it exits by itself', async () => {
    const result = await runScript(`${room}
      ;(async () => {
        const worker = await mafalda.createWorker()
        const router = await worker.createRouter({ mediaCodecs })
        await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
        router.close()
        worker.close()
        console.log('done')
      })()`)
    expect(result.stderr).toBe('')
    expect(result.stdout.trim()).toBe('done')
    expect(result.code).toBe(0)
  })

  test('a script that leaves everything open still exits cleanly', async () => {
    const result = await runScript(`${room}
      ;(async () => {
        const router = await mafalda.createRouter({ mediaCodecs })
        await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
        console.log('done')
      })()`)
    expect(result.stdout.trim()).toBe('done')
    expect(result.code).toBe(0)
    expect(result.signal).toBeFalsy()
  })

  test('process.exit() with workers busy exits with its own code, never a crash (worker threads end first)', async () => {
    // Before worker threads were closed and joined on exit, about one run
    // in three of this script ended in SIGSEGV (exit code 139).
    const script = `${room}
      ;(async () => {
        const worker = await mafalda.createWorker()
        const router = await worker.createRouter({ mediaCodecs })
        const listenInfos = [{ protocol: 'udp', ip: '127.0.0.1' }]
        const sending = await router.createWebRtcTransport({ listenInfos })
        const receiving = await router.createWebRtcTransport({ listenInfos })
        const producers = []
        for (let i = 0; i < 600; i++) {
          producers.push(await sending.produce({ kind: 'audio', rtpParameters: {
            mid: String(i), codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
            encodings: [{ ssrc: 1000 + i }] } }))
        }
        for (const producer of producers.slice(0, 400)) {
          await receiving.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities })
        }
        console.log('consumed')
        worker.close()
        process.exit(7)
      })()`
    const results = await Promise.all(Array.from({ length: 8 }, () => runScript(script)))
    expect(results.map((r) => r.signal ?? r.code)).toEqual(Array(8).fill(7))
  })

  test('process.exit() while a worker is still closing thousands of producers exits with its own code', async () => {
    // Closing this many takes the worker longer than the exit waits for
    // it, so its thread still runs mediasoup's code while the process
    // exits. That used to end in SIGSEGV every time: exit() destroyed the
    // worker's static objects under it.
    const script = `${room}
      ;(async () => {
        const worker = await mafalda.createWorker()
        const router = await worker.createRouter({ mediaCodecs })
        const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
        for (let batch = 0; batch < 20; batch++) {
          await Promise.all(Array.from({ length: 1000 }, (_, i) => transport.produce({ kind: 'audio', rtpParameters: {
            mid: String(batch * 1000 + i), codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
            encodings: [{ ssrc: 1000 + batch * 1000 + i }] } })))
        }
        console.log('produced')
        worker.close()
        setTimeout(() => process.exit(7), 100)
      })()`
    const result = await runScript(script, 50000)
    expect(result.stdout.trim()).toBe('produced')
    expect(result.signal ?? result.code).toBe(7)
    expect(result.stderr).toBe('')
  }, 60000)

  test('errors from native calls never crash the process', async () => {
    const result = await runScript(`${room}
      ;(async () => {
        const router = await mafalda.createRouter({ mediaCodecs })
        const attempts = [
          router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: 'x' } }),
          router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1', port: 'eighty' }] }),
          mafalda.createRouter({ mediaCodecs: [{ kind: 'video', mimeType: 'video/nope', clockRate: 1 }] })
        ]
        const results = await Promise.allSettled(attempts)
        console.log(results.map((r) => r.status + ':' + r.reason?.name).join(','))
        router.close()
      })()`)
    expect(result.stdout.trim()).toBe('rejected:TypeError,rejected:TypeError,rejected:UnsupportedError')
    expect(result.code).toBe(0)
  })

  test('the JS thread and the worker stay awake for calls in flight, and sleep once every call has settled', async () => {
    // While a call waits for its worker the loop polls without blocking
    // (src/busy_poll.rs), and a worker that answered keeps polling for the
    // next request (crates/mafalda-core/src/pool/worker_poll.rs), each for
    // a bounded time; an idle server must not keep burning a CPU
    // afterwards, and the loop keeps serving timers meanwhile.
    const result = await runScript(`${room}
      const fs = require('node:fs')
      const cpuMs = (tid) => Number(fs.readFileSync('/proc/self/task/' + tid + '/schedstat', 'utf8').split(' ')[0]) / 1e6
      const workerTids = () => fs.readdirSync('/proc/self/task').filter((tid) => fs.readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').startsWith('mediasoup-work'))
      const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
      ;(async () => {
        const router = await mafalda.createRouter({ mediaCodecs })
        const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
        let ticks = 0
        const ticking = setInterval(() => ticks++, 1)
        const stats = []
        for (let i = 0; i < 16; i++) stats.push(transport.getStats())
        for (let i = 0; i < 500; i++) await transport.getStats()
        await Promise.all(stats)
        clearInterval(ticking)
        const tids = workerTids()
        const before = [process.pid, ...tids].map(cpuMs)
        await sleep(500)
        const idle = [process.pid, ...tids].map((tid, i) => cpuMs(tid) - before[i])
        router.close()
        console.log(JSON.stringify({ ticks, workers: tids.length, idle }))
      })()`)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const { ticks, workers, idle } = JSON.parse(result.stdout.trim())
    expect(ticks).toBeGreaterThan(0)
    expect(workers).toBeGreaterThan(0)
    // Spinning through those 500 ms would be about 500 ms of CPU, per thread.
    for (const ms of idle) expect(ms).toBeLessThan(50)
  })

  test('workers closed right after answering, with calls still in flight, end cleanly and at once', async () => {
    // A worker that just answered is polling for the next request; closing
    // it then must end its thread as promptly as a sleeping one's, and a
    // call it never answered must be rejected, not crash the process.
    const result = await runScript(`${room}
      const fs = require('node:fs')
      const workerThreads = () => fs.readdirSync('/proc/self/task').filter((tid) => {
        try { return fs.readFileSync('/proc/self/task/' + tid + '/comm', 'utf8').startsWith('mediasoup-work') } catch (_) { return false }
      }).length
      const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
      ;(async () => {
        mafalda.configure({ idleWorkerTimeout: 0 })
        const outcomes = new Set()
        for (let i = 0; i < 20; i++) {
          const worker = await mafalda.createWorker()
          const router = await worker.createRouter({ mediaCodecs })
          const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
          await transport.getStats()
          const late = transport.getStats().then(() => 'resolved', (error) => error.name)
          worker.close()
          outcomes.add(await late)
        }
        let threads = workerThreads()
        for (let waited = 0; threads > 0 && waited < 5000; waited += 20) {
          await sleep(20)
          threads = workerThreads()
        }
        console.log(JSON.stringify({ outcomes: [...outcomes].sort(), threads }))
      })()`)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.signal).toBeFalsy()
    const { outcomes, threads } = JSON.parse(result.stdout.trim())
    for (const outcome of outcomes) expect(['resolved', 'InvalidStateError']).toContain(outcome)
    expect(threads).toBe(0)
  })
})
