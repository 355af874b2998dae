#!/usr/bin/env node
'use strict'

// Builds the native addon from source (cargo) and puts it where
// lib/binding.js looks first: ./mafalda.<platform>.node.
//   node scripts/build.js [--debug]

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { platformName } = require('../lib/platform')

const root = path.join(__dirname, '..')
const debug = process.argv.includes('--debug')
const profile = debug ? 'debug' : 'release'


const args = ['build', '--lib', '-p', 'mafalda']
if (!debug) args.push('--release')
execFileSync('cargo', args, { cwd: root, stdio: 'inherit' })

const libName = { linux: 'libmafalda.so', darwin: 'libmafalda.dylib', win32: 'mafalda.dll' }[process.platform]
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target')
const built = path.join(targetDir, profile, libName)
const destination = path.join(root, `mafalda.${platformName()}.node`)
// Copy to a temporary name and rename: a running process that has the old
// addon mapped keeps its copy intact.
fs.copyFileSync(built, `${destination}.tmp`)
fs.renameSync(`${destination}.tmp`, destination)
console.log(`mafalda: built ${path.relative(root, destination)}`)
