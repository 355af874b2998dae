'use strict'

// The package as users get it: the tarballs `npm run pack:prebuilt` makes
// (scripts/pack.js: mafalda, and its linux-x64-gnu platform package with
// the binary built here), installed into an empty project by a user who
// has no Rust toolchain, and used there: real RTP through it, types, ESM,
// and the npm alias an EduMeet deployment uses (`"mediasoup": "npm:mafalda@…"`).

const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { pack } = require('../scripts/pack')

const root = path.join(__dirname, '..')
const platformPackage = 'mafalda-linux-x64-gnu'
const binaryName = 'mafalda.linux-x64-gnu.node'
const { version } = require('../package.json')

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64'
const quiet = { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }

/** npm's own script, run with this node (not found through PATH). */
function npmCli () {
  if (process.env.npm_execpath && path.basename(process.env.npm_execpath) === 'npm-cli.js') return process.env.npm_execpath
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, 'npm')
    if (fs.existsSync(candidate)) return fs.realpathSync(candidate)
  }
  throw new Error('npm not found')
}

/**
 * A PATH with node and the system's tools but no cargo or rustc: a bin
 * directory holding only `node`, then /usr/bin and /bin where neither is.
 */
function pathWithoutRust (work) {
  const bin = path.join(work, 'bin')
  fs.mkdirSync(bin)
  fs.symlinkSync(process.execPath, path.join(bin, 'node'))
  const hasRust = (dir) => ['cargo', 'rustc'].some((tool) => fs.existsSync(path.join(dir, tool)))
  return [bin, ...['/usr/bin', '/bin'].filter((dir) => fs.existsSync(dir) && !hasRust(dir))].join(path.delimiter)
}

/** The environment of a user's shell: no npm run context, no Rust. */
function userEnv (project, PATH) {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|CARGO|RUSTUP|MAFALDA_)/i.test(key)) continue
    env[key] = value
  }
  return { ...env, PATH, INIT_CWD: project }
}

// Run in the installed project: a router with a comedia PlainTransport
// producer and a PlainTransport consumer, RTP from one UDP socket counted at
// another. Prints the addon file that was loaded and the counts.
const rtpScript = `
'use strict'
const dgram = require('node:dgram')
const { opusRtpParameters, consumerCapabilities, rtpPacket, isRtcp } = require(${JSON.stringify(path.join(__dirname, 'helpers.js'))})
const mafalda = require('mafalda')
const binary = Object.keys(require.cache).find((file) => file.endsWith('.node'))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const bind = () => new Promise((resolve, reject) => {
  const socket = dgram.createSocket('udp4')
  socket.once('error', reject)
  socket.bind(0, '127.0.0.1', () => resolve(socket))
})

;(async () => {
  const router = await mafalda.createRouter({
    mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }]
  })
  const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
  const send = await router.createPlainTransport({ listenInfo, comedia: true })
  const recv = await router.createPlainTransport({ listenInfo })
  const ssrc = 31313131
  const producer = await send.produce({ kind: 'audio', rtpParameters: opusRtpParameters(ssrc) })
  const receiver = await bind()
  let received = 0
  receiver.on('message', (packet) => { if (!isRtcp(packet)) received++ })
  await recv.connect({ ip: '127.0.0.1', port: receiver.address().port })
  await recv.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
  const sender = await bind()
  const sent = 200
  for (let i = 0; i < sent; i++) {
    sender.send(rtpPacket({ payloadType: 100, sequenceNumber: 500 + i, timestamp: i * 960, ssrc }), send.tuple.localPort, '127.0.0.1')
    if (i % 10 === 9) await sleep(5)
  }
  for (const deadline = Date.now() + 3000; received < sent && Date.now() < deadline;) await sleep(20)
  const [stats] = await producer.getStats()
  console.log(JSON.stringify({ binary, sent, received, producerPackets: stats.packetCount, version: mafalda.version }))
  sender.close()
  receiver.close()
  router.close()
})().catch((error) => { console.error(error); process.exitCode = 1 })
`

;(onLinuxX64 ? describe : describe.skip)('packaging', () => {
  let work
  let project
  let tarballs
  let env
  let installLog

  const inProject = (args, options = {}) =>
    execFileSync(process.execPath, args, { ...quiet, cwd: project, env, timeout: 60000, ...options })

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'mafalda-pack-'))
    tarballs = pack({ out: work, binary: path.join(root, binaryName) })
    project = path.join(work, 'project')
    fs.mkdirSync(project)
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
    env = userEnv(project, pathWithoutRust(work))
    // Both tarballs, and the main one a second time under the name
    // `mediasoup`, as the alias `"mediasoup": "npm:mafalda@…"` installs it.
    installLog = execFileSync(process.execPath, [
      npmCli(), 'install', '--no-audit', '--no-fund', '--foreground-scripts',
      tarballs.platform, tarballs.main, `mediasoup@file:${tarballs.main}`
    ], { ...quiet, cwd: project, env, timeout: 120000 })
  }, 180000)

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true })
  })

  test('pack:prebuilt makes a platform tarball holding the binary and a main tarball holding none', () => {
    expect(path.basename(tarballs.platform)).toBe(`${platformPackage}-${version}.tgz`)
    expect(path.basename(tarballs.main)).toBe(`mafalda-${version}.tgz`)
    const platformListing = execFileSync('tar', ['-tzf', tarballs.platform], quiet)
    expect(platformListing).toMatch(new RegExp(`^package/${binaryName.replace(/\./g, '\\.')}$`, 'm'))
    const listing = execFileSync('tar', ['-tzf', tarballs.main], quiet)
    expect(listing).not.toMatch(/\.node$/m)
    expect(listing).not.toMatch(/^package\/target\//m)
    expect(listing).toMatch(/^package\/lib\/index\.js$/m)
    expect(listing).toMatch(/^package\/scripts\/install\.js$/m)
    // The binary packed is the one built here, byte for byte.
    const packed = path.join(project, 'node_modules', platformPackage, binaryName)
    expect(fs.readFileSync(packed).equals(fs.readFileSync(path.join(root, binaryName)))).toBe(true)
  })

  test('they install with no Rust toolchain on PATH: the install script takes the platform package\'s binary and builds nothing', () => {
    // The PATH the install ran with really has no cargo or rustc.
    const found = spawnSync('/bin/sh', ['-c', 'command -v cargo || command -v rustc'], { ...quiet, env })
    expect(found.stdout.trim()).toBe('')
    expect(found.status).not.toBe(0)
    const binary = path.join(project, 'node_modules', platformPackage, binaryName)
    // Once per copy (mafalda, and mafalda installed as mediasoup).
    const used = installLog.split('\n').filter((line) => line.startsWith('mafalda: using the prebuilt binary '))
    expect(used.map((line) => fs.realpathSync(line.slice('mafalda: using the prebuilt binary '.length))))
      .toEqual([fs.realpathSync(binary), fs.realpathSync(binary)])
    expect(installLog).not.toMatch(/mafalda: built|cargo|Compiling/)
    for (const name of ['mafalda', 'mediasoup']) {
      expect(fs.existsSync(path.join(project, 'node_modules', name, 'target'))).toBe(false)
      expect(fs.existsSync(path.join(project, 'node_modules', name, binaryName))).toBe(false)
    }
  })

  test('real RTP flows through the installed package, on the platform package\'s binary', () => {
    fs.writeFileSync(path.join(project, 'rtp.js'), rtpScript)
    const result = JSON.parse(inProject(['rtp.js']).trim().split('\n').pop())
    expect(fs.realpathSync(result.binary))
      .toBe(fs.realpathSync(path.join(project, 'node_modules', platformPackage, binaryName)))
    expect(result.version).toBe(version)
    expect(result.producerPackets).toBeGreaterThanOrEqual(result.sent * 0.95)
    expect(result.received).toBeGreaterThanOrEqual(result.sent * 0.95)
  })

  test('installed as `mediasoup` (the npm alias), require("mediasoup") is mafalda and creates workers and routers', () => {
    const out = inProject(['-e', `
      const mediasoup = require('mediasoup')
      ;(async () => {
        const worker = await mediasoup.createWorker({ rtcMinPort: 40000, rtcMaxPort: 40999 })
        const router = await worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] })
        const usage = await worker.getResourceUsage()
        console.log(mediasoup.version, typeof mediasoup.configure, worker.pid > 0, router.rtpCapabilities.codecs[0].mimeType, typeof usage.ru_utime)
        worker.close()
      })()
    `])
    expect(out.trim()).toBe(`${version} function true audio/opus number`)
  })

  test('require, mafalda/types, ESM imports and TypeScript work in the installed project', () => {
    const out = inProject(['-e', `
      const mafalda = require('mafalda')
      mafalda.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] })
        .then((router) => { console.log(router.rtpCapabilities.codecs[0].mimeType); router.close() })
    `])
    expect(out.trim()).toBe('audio/opus')
    // As mediasoup's: `mafalda/types` for types (and the classes at run
    // time), ESM imports with named exports, TypeScript under node16
    // resolution (which reads `exports`).
    expect(inProject(['-e', `
      const types = require('mafalda/types')
      console.log(typeof types.Router, typeof types.InvalidStateError)
    `]).trim()).toBe('function function')
    expect(inProject(['--input-type=module', '-e', `
      import mafalda, { createWorker, getSupportedRtpCapabilities } from 'mafalda'
      import * as types from 'mafalda/types'
      console.log(typeof mafalda.createRouter, typeof createWorker, getSupportedRtpCapabilities().codecs.length > 0, typeof types.default.Worker)
    `]).trim()).toBe('function function true function')
    // Code written for mediasoup, compiled against the alias: the namespace
    // import with `mediasoup.types.X` in type positions (EduMeet 4's media
    // node does this), `mediasoup/types`, and the classes as values.
    fs.writeFileSync(path.join(project, 'app.ts'), `
      import type { Router, Worker, RtpCapabilities } from 'mafalda/types'
      import { createWorker } from 'mafalda'
      import * as mediasoup from 'mediasoup'
      import type { WebRtcServer, TransportListenInfo } from 'mediasoup/types'
      export async function room (): Promise<RtpCapabilities> {
        const worker: Worker = await createWorker()
        const router: Router = await worker.createRouter({ mediaCodecs: [] })
        return router.rtpCapabilities
      }
      export async function mediaNode (): Promise<mediasoup.types.WorkerResourceUsage> {
        const worker: mediasoup.types.Worker = await mediasoup.createWorker({ rtcMinPort: 40000, rtcMaxPort: 40249 })
        const listenInfos: TransportListenInfo[] = [{ protocol: 'udp', ip: '127.0.0.1' }]
        const server: WebRtcServer = await worker.createWebRtcServer({ listenInfos })
        if (!(server.closed === false)) throw new mediasoup.types.InvalidStateError('closed')
        return worker.getResourceUsage()
      }
    `)
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'node16',
        moduleResolution: 'node16',
        typeRoots: [path.join(root, 'node_modules', '@types')],
        types: ['node']
      },
      files: ['app.ts']
    }))
    const tsc = require.resolve('typescript/bin/tsc')
    let tscOutput = ''
    try {
      inProject([tsc, '-p', project])
    } catch (error) {
      tscOutput = `${error.stdout}${error.stderr}`
    }
    expect(tscOutput).toBe('')
  })
})
