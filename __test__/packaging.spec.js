'use strict'

// The package as users get it: `npm pack` of mafalda and of its
// linux-x64-gnu platform package, installed into an empty project.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const platformDir = path.join(root, 'npm', 'linux-x64-gnu')
const binary = path.join(root, 'mafalda.linux-x64-gnu.node')

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64'

;(onLinuxX64 ? describe : describe.skip)('packaging', () => {
  let work

  beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'mafalda-pack-')) })
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

  test('the packed packages install into an empty project and require("mafalda") works there', () => {
    const quiet = { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }
    // The platform package, with the binary built from these sources.
    const platformCopy = path.join(work, 'platform')
    fs.cpSync(platformDir, platformCopy, { recursive: true })
    fs.copyFileSync(binary, path.join(platformCopy, 'mafalda.linux-x64-gnu.node'))
    const platformTgz = execFileSync(npm, ['pack', '--pack-destination', work], { ...quiet, cwd: platformCopy }).trim().split('\n').pop()
    const mainTgz = execFileSync(npm, ['pack', '--pack-destination', work], { ...quiet, cwd: root }).trim().split('\n').pop()

    // No binary and no build output travel in the main package.
    const listing = execFileSync('tar', ['-tzf', path.join(work, mainTgz)], quiet)
    expect(listing).not.toMatch(/\.node$/m)
    expect(listing).not.toMatch(/^package\/target\//m)
    expect(listing).toMatch(/^package\/lib\/index\.js$/m)

    const project = path.join(work, 'project')
    fs.mkdirSync(project)
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
    execFileSync(npm, ['install', '--no-audit', '--no-fund', path.join(work, platformTgz), path.join(work, mainTgz)], {
      ...quiet, cwd: project, env: { ...process.env, INIT_CWD: project }
    })
    const script = `
      const mafalda = require('mafalda')
      mafalda.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] })
        .then((router) => { console.log(router.rtpCapabilities.codecs[0].mimeType); router.close() })
    `
    const out = execFileSync(process.execPath, ['-e', script], { ...quiet, cwd: project })
    expect(out.trim()).toBe('audio/opus')
    // As mediasoup's: `mafalda/types` for types (and the classes at run
    // time), ESM imports with named exports, TypeScript under node16
    // resolution (which reads `exports`).
    expect(execFileSync(process.execPath, ['-e', `
      const types = require('mafalda/types')
      console.log(typeof types.Router, typeof types.InvalidStateError)
    `], { ...quiet, cwd: project }).trim()).toBe('function function')
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', `
      import mafalda, { createWorker, getSupportedRtpCapabilities } from 'mafalda'
      import * as types from 'mafalda/types'
      console.log(typeof mafalda.createRouter, typeof createWorker, getSupportedRtpCapabilities().codecs.length > 0, typeof types.default.Worker)
    `], { ...quiet, cwd: project }).trim()).toBe('function function true function')
    fs.writeFileSync(path.join(project, 'app.ts'), `
      import type { Router, Worker, RtpCapabilities } from 'mafalda/types'
      import { createWorker } from 'mafalda'
      export async function room (): Promise<RtpCapabilities> {
        const worker: Worker = await createWorker()
        const router: Router = await worker.createRouter({ mediaCodecs: [] })
        return router.rtpCapabilities
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
      execFileSync(process.execPath, [tsc, '-p', project], { ...quiet, cwd: project })
    } catch (error) {
      tscOutput = `${error.stdout}${error.stderr}`
    }
    expect(tscOutput).toBe('')

    // It used the platform package's binary, not a build from source.
    expect(fs.existsSync(path.join(project, 'node_modules', 'mafalda-linux-x64-gnu', 'mafalda.linux-x64-gnu.node'))).toBe(true)
    expect(fs.existsSync(path.join(project, 'node_modules', 'mafalda', 'target'))).toBe(false)
  }, 180000)
})
