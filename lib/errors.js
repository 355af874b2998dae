'use strict'

/**
 * Error raised when an operation is not valid in the object's current
 * state (for instance, on a closed one). Same name and shape as mediasoup's.
 */
class InvalidStateError extends Error {
  constructor (message, code = 'ERR_INVALID_STATE') {
    super(message)
    this.name = 'InvalidStateError'
    this.code = code
    if (Error.captureStackTrace) Error.captureStackTrace(this, InvalidStateError)
  }
}

/**
 * Error raised when a feature (a codec, an option) is not supported.
 */
class UnsupportedError extends Error {
  constructor (message, code = 'ERR_UNSUPPORTED') {
    super(message)
    this.name = 'UnsupportedError'
    this.code = code
    if (Error.captureStackTrace) Error.captureStackTrace(this, UnsupportedError)
  }
}

// Every error mafalda raises carries one of these codes (`error.code`);
// the code decides the class, as mediasoup would raise it. The core's codes
// (crates/mafalda-core/src/error.rs) and the JS layer's own share the table.
const CODES = {
  ERR_INVALID_ARGUMENT: TypeError,
  ERR_INVALID_STATE: InvalidStateError,
  ERR_UNSUPPORTED: UnsupportedError,
  ERR_NOT_FOUND: Error,
  ERR_WORKER_FAILED: Error,
  ERR_FAILED: Error,
  // A fault inside mafalda (a Rust panic caught at the boundary): a bug to
  // report, the process goes on.
  ERR_INTERNAL: Error,
  // The `error` a virtual worker's `died` event carries.
  ERR_WORKER_DIED: Error
}

// napi statuses of an argument Node-API could not convert (a value the JS
// layer passed on unchecked, e.g. `undefined` inside an options array):
// bad input, so mediasoup's TypeError.
const ARGUMENT_STATUSES = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected',
  'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected', 'DateExpected',
  'ArrayBufferExpected', 'DetachableArraybufferExpected'
])

// The native binding sends the code as a prefix: "<CODE>: <message>".
const PREFIX = /^(ERR_[A-Z_]+): ([\s\S]*)$/

/** An error of the class `code` belongs to, with `code` set. */
function codedError (code, message) {
  const error = new (CODES[code] || Error)(message)
  error.code = code
  return error
}

/** mediasoup's `TypeError` for a bad argument, with its code. */
function typeError (message) {
  const error = codedError('ERR_INVALID_ARGUMENT', message)
  if (Error.captureStackTrace) Error.captureStackTrace(error, typeError)
  return error
}

/** A plain `Error` with `code` (one of CODES). */
function failure (code, message) {
  const error = codedError(code, message)
  if (Error.captureStackTrace) Error.captureStackTrace(error, failure)
  return error
}

/**
 * Turns an error thrown by the native binding into an instance of the class
 * its code belongs to. An error without a code of ours (a panic caught at
 * the boundary) becomes ERR_INTERNAL; one Node-API raised converting an
 * argument, ERR_INVALID_ARGUMENT.
 */
function fromNative (error) {
  // Not `instanceof Error`: the addon creates errors in the realm it was
  // loaded in, which need not be the caller's (vm contexts, Jest).
  if (!error || typeof error.message !== 'string') return codedError('ERR_INTERNAL', String(error))
  const match = PREFIX.exec(error.message)
  if (match && CODES[match[1]]) return retyped(match[1], match[2], error)
  if (ARGUMENT_STATUSES.has(error.code)) return retyped('ERR_INVALID_ARGUMENT', `invalid argument: ${error.message}`, error)
  return retyped('ERR_INTERNAL', error.message, error)
}

/** `error` as an error with `code` and `message`, keeping its stack frames. */
function retyped (code, message, error) {
  const converted = codedError(code, message)
  converted.stack = `${converted.name}: ${message}\n${(error.stack || '').split('\n').slice(1).join('\n')}`
  return converted
}

module.exports = { InvalidStateError, UnsupportedError, CODES, codedError, typeError, failure, fromNative }
