'use strict'

const { isMainThread } = require('node:worker_threads')
const binding = require('./binding')
const logger = require('./logger')

// Objects that receive native events, by the id the native side knows them
// by. An object is here from creation until it closes, and no longer: the
// map never keeps a closed object alive.
const targets = new Map()

// Events for an id no object is registered under yet. A call's result and
// the first events of what it created travel to JS separately, so an event
// (a consumer's `producerclose` right after `consume()`) can arrive before
// the object exists; it is kept a short while and delivered after the
// object's creation, as mediasoup-node delivers it after the call resolves.
// Events for objects already closed land here too and expire.
const EARLY_TTL_MS = 2000
const EARLY_MAX = 1024
const early = new Map()
let earlyCount = 0

function keepEarly (targetId, event) {
  const now = Date.now()
  for (const [id, entry] of early) {
    if (now - entry.at < EARLY_TTL_MS && earlyCount < EARLY_MAX) break
    early.delete(id)
    earlyCount -= entry.events.length
  }
  let entry = early.get(targetId)
  if (!entry) {
    entry = { at: now, events: [] }
    early.set(targetId, entry)
  }
  entry.events.push(event)
  earlyCount++
}

// `payload`: the bytes of an event that carries a packet or a message.
// Log records travel the same way, addressed to no object, so that they
// keep their place among the events.
// Events of objects delegated to another instance arrive the same way,
// from lib/cluster/.
function deliver (targetId, eventName, data, payload) {
  const target = targets.get(targetId)
  if (target) target._onNativeEvent(eventName, data, payload)
  else if (eventName === 'log') logger.fromNative(data)
  else keepEarly(targetId, [eventName, data, payload])
}
binding.init(deliver)
// The native side produces only the records some enabled `debug`
// namespace prints: none when DEBUG is unset.
binding.selectLogs(logger.selection())

module.exports = {
  deliver,
  register (id, target) {
    targets.set(id, target)
    const entry = early.get(id)
    if (!entry) return
    early.delete(id)
    earlyCount -= entry.events.length
    // After the code that awaited the object's creation has run and added
    // its listeners.
    setImmediate(() => {
      for (const [eventName, data, payload] of entry.events) {
        if (targets.get(id) === target) target._onNativeEvent(eventName, data, payload)
      }
    })
  },
  unregister (id) { targets.delete(id) }
}

// mediasoup's workers are threads here. On exit, close them all and let
// their threads end (at most 2 s; 'exit' listeners run on process.exit()
// too), so that they end as mediasoup-node's worker processes would. One
// still running after that is safe too: the addon drops the C++ worker's
// static destructors (crates/mafalda-core/src/pool/worker_hooks.c). A
// worker_threads worker ending is not the process ending: it closes what it
// created (workers first, which closes what is theirs), and the other
// threads' work goes on.
process.on('exit', () => {
  if (isMainThread) {
    binding.shutdown()
    return
  }
  for (const target of [...targets.values()]) target.close()
})
