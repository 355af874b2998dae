'use strict'

const localBinding = require('../binding')
const messages = require('./messages')

// Binding functions that are synchronous locally and return nothing the
// caller uses: on another instance they are sent without waiting, in
// order with every other call to it.
const FIRE_AND_FORGET = new Set([
  'transportClose', 'producerClose', 'consumerClose', 'dataProducerClose', 'dataConsumerClose',
  'rtpObserverClose', 'routerClose', 'producerSend', 'dataProducerSend', 'directTransportSendRtcp'
])

const remotes = new Map()

/**
 * The binding of another instance: the same functions as this process's
 * addon (lib/binding.js), each a message to that instance, which runs it
 * on its own addon. Objects delegated there hold this as their `_binding`,
 * so every class in lib/ works unchanged on them.
 */
function remoteBinding (instanceId, address) {
  let remote = remotes.get(instanceId)
  if (remote) {
    if (address) remote.address = address
    return remote
  }
  const functions = new Map()
  const target = { instanceId, address }
  remote = new Proxy(target, {
    get (target, name) {
      if (name in target || typeof name !== 'string') return target[name]
      // Only the addon's own functions (not `then`, `toJSON`, …), and
      // this instance's part of a cluster dump.
      if (typeof localBinding[name] !== 'function' && name !== 'dump') return undefined
      let fn = functions.get(name)
      if (!fn) {
        fn = FIRE_AND_FORGET.has(name)
          ? (...args) => messages.notify(instanceId, name, args)
          : (...args) => messages.request(instanceId, name, args)
        functions.set(name, fn)
      }
      return fn
    }
  })
  remotes.set(instanceId, remote)
  return remote
}

/** Forgets every instance's binding (this instance left). */
function forgetRemotes () {
  remotes.clear()
}

module.exports = { remoteBinding, forgetRemotes }
