'use strict'

const { EventEmitter } = require('node:events')

/**
 * mediasoup's EventEmitter: `safeEmit()` turns a listener's exception into a
 * `listenererror` event instead of letting it escape into the caller (or,
 * for events raised by the worker, into the process).
 */
class EnhancedEventEmitter extends EventEmitter {
  constructor () {
    super()
    this.setMaxListeners(Infinity)
  }

  safeEmit (eventName, ...args) {
    try {
      return super.emit(eventName, ...args)
    } catch (error) {
      try {
        super.emit('listenererror', eventName, error)
      } catch (_) {
        // A throwing 'listenererror' listener has nowhere left to report to.
      }
      return Boolean(super.listenerCount(eventName))
    }
  }

  async safeEmitAsPromise (eventName, ...args) {
    return new Promise((resolve, reject) => this.safeEmit(eventName, ...args, resolve, reject))
  }
}

module.exports = { EnhancedEventEmitter }
