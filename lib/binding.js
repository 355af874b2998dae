'use strict'

const path = require('node:path')
const { fromNative } = require('./errors')
const { platformName } = require('./platform')

// The native addon: built next to the package (npm install from source,
// `npm run build`) or shipped by the platform package.
function load () {
  const name = platformName()
  const errors = []
  const candidates = [
    path.join(__dirname, '..', `mafalda.${name}.node`),
    `mafalda-${name}`
  ]
  for (const candidate of candidates) {
    try {
      return require(candidate)
    } catch (error) {
      errors.push(`${candidate}: ${error.message}`)
    }
  }
  throw new Error(
    `mafalda: no native binding for ${name}. Run 'npm run build' (needs Rust) ` +
    `or install the platform package mafalda-${name}.\n${errors.join('\n')}`
  )
}

const native = load()

/**
 * The binding's functions, with native errors turned into mediasoup's
 * classes. Async functions reject with them; sync ones throw them.
 */
const binding = {}
for (const [name, fn] of Object.entries(native)) {
  if (typeof fn !== 'function') continue
  binding[name] = function (...args) {
    let result
    try {
      result = fn(...args)
    } catch (error) {
      throw fromNative(error)
    }
    if (result && typeof result.then === 'function') {
      return result.catch((error) => { throw fromNative(error) })
    }
    return result
  }
}

module.exports = binding
