'use strict'

/**
 * Error raised when an operation is not valid in the object's current
 * state (for instance, on a closed one). Same name and shape as mediasoup's.
 */
class InvalidStateError extends Error {
  constructor (message) {
    super(message)
    this.name = 'InvalidStateError'
    if (Error.captureStackTrace) Error.captureStackTrace(this, InvalidStateError)
  }
}

/**
 * Error raised when a feature (a codec, an option) is not supported.
 */
class UnsupportedError extends Error {
  constructor (message) {
    super(message)
    this.name = 'UnsupportedError'
    if (Error.captureStackTrace) Error.captureStackTrace(this, UnsupportedError)
  }
}

const CLASSES = {
  TypeError,
  InvalidStateError,
  UnsupportedError,
  Error
}

// napi statuses of an argument Node-API could not convert (a value the JS
// layer passed on unchecked, e.g. `undefined` inside an options array):
// bad input, so mediasoup's TypeError.
const ARGUMENT_STATUSES = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected',
  'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected', 'DateExpected',
  'ArrayBufferExpected', 'DetachableArraybufferExpected'
])

// The native binding sends the class as a prefix: "<Class>: <message>".
const PREFIX = /^(TypeError|InvalidStateError|UnsupportedError|Error): ([\s\S]*)$/

/**
 * Turns an error thrown by the native binding into an instance of the class
 * mediasoup would throw. Anything else (a panic turned into an error, say)
 * stays a plain Error.
 */
function fromNative (error) {
  // Not `instanceof Error`: the addon creates errors in the realm it was
  // loaded in, which need not be the caller's (vm contexts, Jest).
  if (!error || typeof error.message !== 'string') return new Error(String(error))
  const match = PREFIX.exec(error.message)
  if (match) return retyped(CLASSES[match[1]], match[2], error)
  if (ARGUMENT_STATUSES.has(error.code)) return retyped(TypeError, `invalid argument: ${error.message}`, error)
  return error
}

/** `error` as an instance of `Class` with `message`, keeping its stack frames. */
function retyped (Class, message, error) {
  const converted = new Class(message)
  converted.stack = `${converted.name}: ${message}\n${(error.stack || '').split('\n').slice(1).join('\n')}`
  return converted
}

module.exports = { InvalidStateError, UnsupportedError, fromNative }
