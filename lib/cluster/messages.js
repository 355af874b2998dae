'use strict'

const binding = require('../binding')
const dispatcher = require('../dispatcher')
const { InvalidStateError } = require('../errors')
const { encode, decode, encodeError, decodeError } = require('./wire')

// Messages between instances, as JSON bodies the native side signs, sends
// in order and delivers in order:
//   { t: 'req', id, fn, args, ... }  a call to answer
//   { t: 'note', fn, args, ... }     a call with no answer (closes, sends)
//   { t: 'res', id, ok, value | error }
//   { t: 'ev', target, name, data, payload }  an event of a delegated object

/** How long a request may wait for its answer. */
const REQUEST_TIMEOUT_MS = 10000

const state = {
  /** This instance once joined: `{ id, address }`. */
  self: null,
  /** Serves requests from other instances (lib/cluster/server.js). */
  serve: null,
  /** Told when an instance comes or goes (lib/cluster/index.js). */
  notice: null,
  /** How this instance's producers reach others: 'per-instance' or 'per-router' (lib/cluster/pipes.js). */
  interInstancePipes: 'per-instance'
}
// Instances whose announcement expired: a request to one fails at once.
const gone = new Set()
const pending = new Map()
let nextId = 1

function onMessage (from, body) {
  let message
  try {
    message = JSON.parse(body)
  } catch (_) {
    return
  }
  // From the native side itself: an instance came or went.
  if (from === '') {
    if (message.t === 'gone') instanceGone(message.id)
    else if (message.t === 'came') gone.delete(message.id)
    state.notice?.(message)
    return
  }
  switch (message.t) {
    case 'res': {
      const call = pending.get(message.id)
      if (!call || call.to !== from) return
      pending.delete(message.id)
      clearTimeout(call.timer)
      if (message.ok) call.resolve(decode(message.value))
      else call.reject(decodeError(message.error, from))
      break
    }
    case 'req':
    case 'note':
      message.args = decode(message.args)
      state.serve?.(from, message)
      break
    case 'ev':
      dispatcher.deliver(message.target, message.name, decode(message.data), decode(message.payload))
      break
  }
}

function send (to, message) {
  binding.clusterSend(to, JSON.stringify(message))
}

/** Calls `fn(...args)` on instance `to`; resolves with its answer. */
function request (to, fn, args, extra) {
  if (!state.self) return Promise.reject(new InvalidStateError('not joined to a cluster'))
  if (gone.has(to)) return Promise.reject(new InvalidStateError(`instance ${to} left the cluster`))
  const id = nextId++
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id)
      reject(new Error(`cluster: instance ${to} did not answer ${fn}() within ${REQUEST_TIMEOUT_MS} ms`))
    }, REQUEST_TIMEOUT_MS)
    timer.unref()
    pending.set(id, { to, resolve, reject, timer })
    send(to, { t: 'req', id, fn, args: encode(args), ...extra })
  })
}

/** Calls `fn(...args)` on instance `to` without waiting for an answer. */
function notify (to, fn, args, extra) {
  if (!state.self) return
  send(to, { t: 'note', fn, args: encode(args), ...extra })
}

function reply (to, id, ok, result) {
  if (!state.self) return
  send(to, ok ? { t: 'res', id, ok, value: encode(result) } : { t: 'res', id, ok, error: encodeError(result) })
}

function event (to, target, name, data, payload) {
  if (!state.self) return
  send(to, { t: 'ev', target, name, data: encode(data), payload: payload ? encode(payload) : undefined })
}

/** Rejects every request still waiting (this instance leaves). */
function abandon (reason) {
  for (const [id, call] of pending) {
    clearTimeout(call.timer)
    call.reject(new InvalidStateError(reason))
    pending.delete(id)
  }
  gone.clear()
}

/** Instance `id` stopped announcing itself: its requests fail now. */
function instanceGone (id) {
  gone.add(id)
  for (const [requestId, call] of pending) {
    if (call.to !== id) continue
    clearTimeout(call.timer)
    call.reject(new InvalidStateError(`instance ${id} left the cluster`))
    pending.delete(requestId)
  }
}

module.exports = { state, onMessage, request, notify, reply, event, abandon }
