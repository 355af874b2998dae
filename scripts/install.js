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

function prebuiltLoads () {
  try {
    require(path.join(root, 'lib', 'binding.js'))
    return true
  } catch (_) {
    return false
  }
}

if (developing || process.env.MAFALDA_FORCE_BUILD || !prebuiltLoads()) {
  require('./build.js')
}
