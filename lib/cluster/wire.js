'use strict'

const { codedError } = require('../errors')

// What travels between instances is JSON text; binding arguments and
// results are JSON-able except for the bytes of a packet or a message,
// which travel as base64 under `$b`.

function encode (value) {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return { $b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') }
  }
  if (Array.isArray(value)) return value.map(encode)
  if (value && typeof value === 'object' && value.constructor === Object) {
    const out = {}
    for (const [key, item] of Object.entries(value)) out[key] = encode(item)
    return out
  }
  return value
}

function decode (value) {
  if (Array.isArray(value)) return value.map(decode)
  if (value && typeof value === 'object') {
    if (typeof value.$b === 'string' && Object.keys(value).length === 1) return Buffer.from(value.$b, 'base64')
    const out = {}
    for (const [key, item] of Object.entries(value)) out[key] = decode(item)
    return out
  }
  return value
}

/** An error as it travels back to the caller: its code decides its class there. */
function encodeError (error) {
  return { code: error?.code ?? 'ERR_FAILED', message: String(error?.message ?? error) }
}

function decodeError (error, instanceId) {
  return codedError(error?.code ?? 'ERR_FAILED', error?.message ?? `instance ${instanceId} failed`)
}

module.exports = { encode, decode, encodeError, decodeError }
