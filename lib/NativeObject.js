'use strict'

const dispatcher = require('./dispatcher')
const { EnhancedEventEmitter } = require('./EnhancedEventEmitter')
const { InvalidStateError } = require('./errors')

/**
 * What every mediasoup-shaped object here has: the id the native side knows
 * it by (native events reach it through the dispatcher while it is open),
 * `closed`, `appData` (the caller's very object) and an `observer`.
 */
class NativeObject extends EnhancedEventEmitter {
  #id
  #closed = false
  #appData
  #observer = new EnhancedEventEmitter()
  #queue = Promise.resolve()

  constructor (id, appData) {
    super()
    this.#id = id
    this.#appData = appData
    dispatcher.register(id, this)
  }

  get id () { return this.#id }
  get closed () { return this.#closed }
  get appData () { return this.#appData }
  set appData (appData) { this.#appData = appData }
  get observer () { return this.#observer }

  /** Marks the object closed and stops its native events; false if it already was. */
  _markClosed () {
    if (this.#closed) return false
    this.#closed = true
    dispatcher.unregister(this.#id)
    return true
  }

  /** `close()` of a leaf object: tells the native side, then '@close' and observer 'close'. */
  _closeWith (nativeClose) {
    if (!this._markClosed()) return
    nativeClose(this.#id)
    this.emit('@close')
    this.#observer.safeEmit('close')
  }

  /** Closed because its parent closed (the native side already knows): `eventName`, then observer 'close'. */
  _closedBy (eventName) {
    if (!this._markClosed()) return
    this.safeEmit(eventName)
    this.#observer.safeEmit('close')
  }

  /** Throws mediasoup's InvalidStateError once closed. */
  _checkOpen (what) {
    if (this.#closed) throw new InvalidStateError(`${what} closed`)
  }

  /**
   * Runs state-changing native calls of this object one after another, in
   * call order, as mediasoup's channel does: concurrent calls would
   * otherwise race on the runtime's threads (pause(); resume() must end
   * resumed).
   */
  _serial (call) {
    const run = this.#queue.then(call, call)
    this.#queue = run.catch(() => {})
    return run
  }

  /** Receives the native events addressed to this object. */
  _onNativeEvent () {}
}

module.exports = { NativeObject }
