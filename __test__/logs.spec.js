'use strict'

// Logs go through the `debug` package, as mediasoup's do. Each case runs an
// application in a child process, since `debug` reads DEBUG when it loads.

const { execFile } = require('node:child_process')
const path = require('node:path')

const app = path.join(__dirname, 'fixtures', 'logging-app.js')

/** Runs the app in `mode` with DEBUG set to `debug` (unset if undefined). */
function run (mode, debug) {
  const env = { ...process.env, DEBUG_COLORS: '0' }
  delete env.DEBUG
  if (debug !== undefined) env.DEBUG = debug
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [app, mode], { env, timeout: 90000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`))
      else resolve({ result: JSON.parse(stdout), lines: stderr.split('\n').filter(Boolean) })
    })
  })
}

/** The lines of namespace `namespace` whose text matches `pattern`. */
function linesOf (lines, namespace, pattern) {
  return lines.filter((line) => {
    const [, ns, text] = /^\S+ (\S+) (.*)$/.exec(line) || []
    return ns === namespace && pattern.test(text)
  })
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('logs through debug', () => {
  test('DEBUG=mafalda* shows the room placed and grown over two workers, the pipe opened and closed with its producer and ends, and the idle workers closed', async () => {
    const { result, lines } = await run('spill', 'mafalda*')
    const { room, producer, pids: [first, second] } = result
    expect(second).toBeDefined()

    expect(linesOf(lines, 'mafalda:Config', /^configure\(\) .*consumerBudget: \d+ -> 1/)).toHaveLength(1)
    expect(linesOf(lines, 'mafalda:Pool', new RegExp(`^real worker started \\[pid:${second}\\]`))).toHaveLength(1)
    expect(linesOf(lines, 'mafalda:Placement', new RegExp(`^room ${room} placed on .*real worker \\[pid:${first}\\]$`))).toHaveLength(1)
    expect(linesOf(lines, 'mafalda:Placement', new RegExp(`^room ${room} \\(router \\S+\\) grown .* real worker \\[pid:${second}\\]$`))).toHaveLength(1)
    const ends = `from router \\S+ \\(worker pid ${first}\\) to router \\S+ \\(worker pid ${second}\\)`
    expect(linesOf(lines, 'mafalda:Pipe', new RegExp(`^pipe opened \\[producer ${escape(producer)}, ${ends}\\]`))).toHaveLength(1)
    expect(linesOf(lines, 'mafalda:Pipe', new RegExp(`^pipe closed \\[producer ${escape(producer)}, ${ends}\\]: no consumer for pipeLinger$`))).toHaveLength(1)
    for (const pid of [first, second]) {
      expect(linesOf(lines, 'mafalda:Pool', new RegExp(`^real worker closed \\[pid:${pid}\\]: idle for idleWorkerTimeout`))).toHaveLength(1)
    }
    // Only mafalda's namespaces were enabled.
    expect(lines.filter((line) => / mediasoup[:\s]/.test(line))).toEqual([])
  }, 120000)

  test('with DEBUG unset the same application prints nothing on stderr', async () => {
    const { result, lines } = await run('spill', undefined)
    expect(result.pids).toHaveLength(2)
    expect(lines).toEqual([])
  }, 120000)

  test('DEBUG=mediasoup* shows the same lines under mediasoup\'s namespaces', async () => {
    const { result, lines } = await run('spill', 'mediasoup*')
    const { room, producer } = result
    expect(linesOf(lines, 'mediasoup:Router', new RegExp(`^room ${room} \\(router \\S+\\) grown `))).toHaveLength(1)
    expect(linesOf(lines, 'mediasoup:Router', new RegExp(`^pipe opened \\[producer ${escape(producer)},`))).toHaveLength(1)
    expect(linesOf(lines, 'mediasoup:Router', new RegExp(`^pipe closed \\[producer ${escape(producer)},`))).toHaveLength(1)
    expect(linesOf(lines, 'mediasoup:Worker', /^real worker started /)).toHaveLength(2)
    expect(linesOf(lines, 'mediasoup:Worker', /^real worker closed .*: idle/)).toHaveLength(2)
    expect(linesOf(lines, 'mediasoup', /^configure\(\) /)).toHaveLength(1)
    expect(lines.filter((line) => / mafalda:/.test(line))).toEqual([])
  }, 120000)

  test('a real worker\'s own lines are forwarded with their level and the worker\'s pid, under mafalda:Worker and mediasoup:Worker', async () => {
    const mafaldaRun = await run('worker', 'mafalda:Worker')
    const pid = mafaldaRun.result.pid
    expect(linesOf(mafaldaRun.lines, 'mafalda:Worker', new RegExp(`^\\[pid:${pid}\\] RTC::`)).length).toBeGreaterThan(0)
    expect(mafaldaRun.lines.filter((line) => !/ mafalda:Worker /.test(line))).toEqual([])
    // From its first line, logged while the worker starts, as mediasoup-node names them.
    expect(linesOf(mafaldaRun.lines, 'mafalda:Worker', new RegExp(`^\\[pid:${pid}\\] mediasoup-worker::.*starting`))).toHaveLength(1)
    expect(linesOf(mafaldaRun.lines, 'mafalda:Worker', /^\[id:/)).toEqual([])

    const mediasoupRun = await run('worker', 'mediasoup:Worker')
    expect(linesOf(mediasoupRun.lines, 'mediasoup:Worker', new RegExp(`^\\[pid:${mediasoupRun.result.pid}\\] RTC::`)).length).toBeGreaterThan(0)
  }, 120000)

  test('a worker logging at debug level prints nothing while DEBUG is unset', async () => {
    const { result, lines } = await run('worker', undefined)
    expect(result.pid).toBeGreaterThan(0)
    expect(lines).toEqual([])
  }, 120000)
})
