'use strict'

const binding = require('./binding')

// Objects that receive native events, by the id the native side knows them
// by. An object is here from creation until it closes, and no longer: the
// map never keeps a closed object alive.
const targets = new Map()

// `payload`: the bytes of an event that carries a packet or a message.
binding.init((targetId, eventName, data, payload) => {
  const target = targets.get(targetId)
  if (target) target._onNativeEvent(eventName, data, payload)
})

module.exports = {
  register (id, target) { targets.set(id, target) },
  unregister (id) { targets.delete(id) }
}

// mediasoup's workers are threads here: if the process exits while one
// runs, C++ static destructors run under it and the exit can crash. Close
// them all and let their threads end first ('exit' listeners run on
// process.exit() too).
process.on('exit', () => binding.shutdown())
