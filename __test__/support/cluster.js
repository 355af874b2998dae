'use strict'

// Real processes for cluster tests: a redis-server on a free port of
// 127.0.0.1 and mafalda-node media nodes, each stopped by the test that
// started it (and, should a test fail halfway, by `stopAll()` after it).

const { spawn, fork, execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const NODE_BIN = path.join(__dirname, '..', '..', 'bin', 'mafalda-node.js')
const running = new Set()

function freePort () {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Resolves with the first line of `child`'s stdout that matches `pattern`. */
function waitForLine (child, pattern, what, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => done(new Error(`${what} did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs)
    const onData = (chunk) => {
      output += chunk
      const match = output.split('\n').find((line) => pattern.test(line))
      if (match) done(null, match)
    }
    const onExit = (code) => done(new Error(`${what} exited (${code}) before starting:\n${output}`))
    function done (error, line) {
      clearTimeout(timer)
      child.stdout.off('data', onData)
      child.stderr.off('data', onData)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve(line)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', onExit)
  })
}

function track (child) {
  const entry = {
    child,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    async stop (signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      const result = await entry.exited
      running.delete(entry)
      return result
    }
  }
  running.add(entry)
  return entry
}

/**
 * A certificate authority and, signed by it, a certificate for a server on
 * 127.0.0.1 and one for a client, made with openssl in a new directory:
 * `{ dir, ca, serverCert, serverKey, clientCert, clientKey }` (file paths);
 * `remove()` deletes them.
 */
function makeCertificates () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mafalda-tls-'))
  const file = (name) => path.join(dir, name)
  const openssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' })
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=mafalda test CA',
    '-keyout', file('ca.key'), '-out', file('ca.crt'))
  for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1'], ['client', 'extendedKeyUsage=clientAuth']]) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`))
    fs.writeFileSync(file(`${name}.ext`), `${ext}\n`)
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
      '-CAcreateserial', '-days', '2', '-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`))
  }
  return {
    dir,
    ca: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A redis-server of its own: on `port` (or a free one); with `password`
 * required; with `tls` (from `makeCertificates()`) only on TLS, asking
 * clients for a certificate; with `users`, ACL rules (`ACL SETUSER`
 * arguments) applied once it runs. `{ url, port, keys(pattern), stop() }`.
 */
async function startRedis ({ port, password, tls, users = [] } = {}) {
  port ??= await freePort()
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']
  if (tls) {
    args.push('--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.serverCert,
      '--tls-key-file', tls.serverKey, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'yes')
  } else {
    args.push('--port', String(port))
  }
  if (password) args.push('--requirepass', password)
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const entry = track(child)
  await waitForLine(child, /Ready to accept connections/, 'redis-server')
  const cli = ['-p', String(port)]
  if (tls) cli.push('--tls', '--cacert', tls.ca, '--cert', tls.clientCert, '--key', tls.clientKey)
  if (password) cli.push('--no-auth-warning', '-a', password)
  for (const rule of users) execFileSync('redis-cli', [...cli, 'ACL', 'SETUSER', ...rule], { stdio: 'pipe' })
  const auth = password ? `:${encodeURIComponent(password)}@` : ''
  const scheme = tls ? 'rediss' : 'redis'
  /** The keys matching `pattern`, read with redis-cli. */
  const keys = (pattern) => {
    const run = spawnSync('redis-cli', [...cli, '--scan', '--pattern', pattern], { encoding: 'utf8' })
    if (run.status !== 0) throw new Error(`redis-cli failed: ${run.stderr}`)
    return run.stdout.split('\n').filter(Boolean)
  }
  return { url: `${scheme}://${auth}127.0.0.1:${port}`, port, keys, stop: (signal) => entry.stop(signal), child }
}

/**
 * A mafalda-node media node: `{ id, address, stop(signal), exited }`;
 * `options` as the command line names them (camelCase here).
 */
async function startNode ({ redis, address, secret, instanceId, maxWorkers, consumerBudget, cpuWatermark, drainTimeout, tls } = {}) {
  const args = [NODE_BIN, '--redis', redis, '--address', address, '--secret', secret]
  if (tls) args.push('--redis-ca', tls.ca, '--redis-cert', tls.clientCert, '--redis-key', tls.clientKey)
  if (instanceId) args.push('--instance-id', instanceId)
  if (maxWorkers !== undefined) args.push('--max-workers', String(maxWorkers))
  if (consumerBudget !== undefined) args.push('--consumer-budget', String(consumerBudget))
  if (cpuWatermark !== undefined) args.push('--cpu-watermark', String(cpuWatermark))
  if (drainTimeout !== undefined) args.push('--drain-timeout', String(drainTimeout))
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } })
  const entry = track(child)
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const line = await waitForLine(child, /^mafalda-node \S+ joined at /, `mafalda-node on ${address}`)
  const id = line.split(' ')[1]
  let stdout = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  return { id, address, child, exited: entry.exited, stop: (signal) => entry.stop(signal), stderr: () => stderr, stdout: () => stdout }
}

/**
 * Waits until this process runs no real worker (idle ones an earlier test
 * file left are closed at once): a test about where load sends work must
 * not find a spare worker it did not make.
 */
async function withoutIdleWorkers (mafalda, timeoutMs = 10000) {
  mafalda.configure({ idleWorkerTimeout: 0 })
  const deadline = Date.now() + timeoutMs
  while ((await mafalda.dump()).workers.length > 0) {
    if (Date.now() > deadline) throw new Error('real workers still running')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Another application instance (support/app-instance.js), forked:
 * `call(op, args)` resolves with what the op returned there (rejects with
 * its error's name and message); `events` collects what it reported.
 */
function startAppInstance () {
  const child = fork(path.join(__dirname, 'app-instance.js'), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  const entry = track(child)
  const pending = new Map()
  const events = []
  let nextId = 1
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  child.on('message', (message) => {
    if (message.event) {
      events.push(message)
      return
    }
    const call = pending.get(message.id)
    pending.delete(message.id)
    if (message.ok) call?.resolve(message.value)
    else call?.reject(Object.assign(new Error(message.error.message), { name: message.error.name }))
  })
  child.once('exit', (code) => {
    for (const call of pending.values()) call.reject(new Error(`app instance exited (${code}):\n${output}`))
    pending.clear()
  })
  return {
    events,
    call (op, args = {}) {
      return new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        child.send({ id, op, ...args })
      })
    },
    stop: (signal) => entry.stop(signal)
  }
}

/** Two media nodes, on 127.0.0.2 and 127.0.0.3. */
function startTwoNodes (redis, secret) {
  return Promise.all([
    startNode({ redis, address: '127.0.0.2', secret }),
    startNode({ redis, address: '127.0.0.3', secret })
  ])
}

/** Stops every process still running. */
async function stopAll () {
  await Promise.all([...running].map((entry) => entry.stop('SIGKILL')))
}

module.exports = { makeCertificates, startAppInstance, startRedis, startNode, startTwoNodes, stopAll, freePort, withoutIdleWorkers }
