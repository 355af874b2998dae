#!/usr/bin/env node
'use strict'

// Makes the two tarballs of a release, from the addon built here
// (`npm run build`):
//   mafalda-<platform>-<version>.tgz  the platform package (npm/<platform>/)
//                                     with the built mafalda.<platform>.node
//   mafalda-<version>.tgz             the main package (sources, no binary)
//
//   node scripts/pack.js [--out DIR] [--binary FILE]   (npm run pack:prebuilt)
//
// DIR defaults to ./dist. The platform folder is copied to a temporary
// directory with the binary and packed there, so the tree never holds a
// binary. Publish the platform tarball first (see README.md, "Cutting a
// release"): the main package's optionalDependencies names it.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { platformName } = require('../lib/platform')

const root = path.join(__dirname, '..')

function npmPack (cwd, out) {
  const npmCli = process.env.npm_execpath && path.basename(process.env.npm_execpath) === 'npm-cli.js'
    ? [process.execPath, [process.env.npm_execpath]]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []]
  const json = execFileSync(npmCli[0], [...npmCli[1], 'pack', '--json', '--pack-destination', out], {
    cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']
  })
  // npm may print lifecycle output before the JSON array.
  const [entry] = JSON.parse(json.slice(json.indexOf('[')))
  return path.join(out, entry.filename)
}

/**
 * Packs the platform package (with `binary`) and the main package into
 * `out`. Returns `{ platform, main }`, the paths of the two tarballs.
 * Throws when the binary is missing or the versions disagree.
 */
function pack ({ out = path.join(root, 'dist'), binary, platform = platformName() } = {}) {
  const main = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  const platformDir = path.join(root, 'npm', platform)
  if (!fs.existsSync(path.join(platformDir, 'package.json'))) {
    throw new Error(`mafalda: no platform package for ${platform} (npm/${platform}/)`)
  }
  const platformPackage = JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8'))
  const pinned = (main.optionalDependencies || {})[platformPackage.name]
  if (platformPackage.version !== main.version || pinned !== main.version) {
    throw new Error(
      `mafalda: versions disagree: mafalda ${main.version}, ${platformPackage.name} ` +
      `${platformPackage.version}, optionalDependencies["${platformPackage.name}"] ${pinned}`
    )
  }
  const fileName = `mafalda.${platform}.node`
  binary = path.resolve(binary || path.join(root, fileName))
  if (!fs.existsSync(binary)) {
    throw new Error(`mafalda: ${binary} not found; run 'npm run build' first`)
  }

  fs.mkdirSync(out, { recursive: true })
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'mafalda-platform-'))
  try {
    fs.cpSync(platformDir, staging, { recursive: true })
    fs.copyFileSync(binary, path.join(staging, fileName))
    return { platform: npmPack(staging, path.resolve(out)), main: npmPack(root, path.resolve(out)) }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
}

module.exports = { pack }

if (require.main === module) {
  const argument = (name) => {
    const i = process.argv.indexOf(name)
    return i === -1 ? undefined : process.argv[i + 1]
  }
  const tarballs = pack({ out: argument('--out'), binary: argument('--binary') })
  console.log(`platform package: ${path.relative(process.cwd(), tarballs.platform)}`)
  console.log(`main package:     ${path.relative(process.cwd(), tarballs.main)}`)
}
