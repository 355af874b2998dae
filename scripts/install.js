#!/usr/bin/env node
'use strict'

// `npm install` hook.
// * In this repository (npm install run here): build from source, so the
//   addon always matches the sources (cargo makes an unchanged build quick).
// * As a dependency: use the prebuilt binary when one fits this platform
//   (the optional platform package); otherwise build from the shipped
//   sources with cargo.

const path = require('node:path')

const root = path.join(__dirname, '..')
const developing = path.resolve(process.env.INIT_CWD || '.') === root

/** The addon file lib/binding.js loads here, or null when none loads. */
function prebuilt () {
  try {
    require(path.join(root, 'lib', 'binding.js'))
  } catch (_) {
    return null
  }
  return Object.keys(require.cache).find((file) => file.endsWith('.node')) || null
}

const binary = developing || process.env.MAFALDA_FORCE_BUILD ? null : prebuilt()
if (binary) {
  console.log(`mafalda: using the prebuilt binary ${binary}`)
} else {
  require('./build.js')
}
