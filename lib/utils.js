'use strict'

/** Deep clone of plain data (what mediasoup's utils.clone does). */
function clone (value) {
  if (value === undefined) return undefined
  if (Number.isNaN(value)) return NaN
  if (typeof structuredClone === 'function') return structuredClone(value)
  return JSON.parse(JSON.stringify(value))
}

/** mediasoup's check of the optional `appData` argument. */
function checkAppData (appData) {
  if (appData !== undefined && appData !== null && typeof appData !== 'object') {
    throw new TypeError('if given, appData must be an object')
  }
  return appData || {}
}

/** Drops `undefined` members so the native side sees only given options. */
function defined (object) {
  const out = {}
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) out[key] = value
  }
  return out
}

/** mediasoup's check of `enableTraceEvent()`'s argument. */
function checkTraceTypes (types) {
  if (!Array.isArray(types)) throw new TypeError('types must be an array')
  if (types.some((type) => typeof type !== 'string')) throw new TypeError('non string type')
}

module.exports = { clone, checkAppData, checkTraceTypes, defined }
