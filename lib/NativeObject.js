'use strict'

const localBinding = require('./binding')
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
  #binding

  /**
   * `binding`: the functions that reach the object on the native side:
   * this process's addon, or another instance's when the object was
   * delegated to it (lib/cluster/).
   */
  constructor (id, appData, binding = localBinding) {
    super()
    this.#id = id
    this.#appData = appData
    this.#binding = binding
    dispatcher.register(id, this)
  }

  get id () { return this.#id }
  get closed () { return this.#closed }
  get appData () { return this.#appData }
  set appData (appData) { this.#appData = appData }
  get observer () { return this.#observer }
  /** The native functions that reach this object. */
  get _binding () { return this.#binding }

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
   * Settles this object's state-changing calls in call order, as
   * mediasoup's channel does. The native call is made at once (requests
   * reach the worker in call order); only its settling waits for the calls
   * made before it, whose completions may arrive on different threads
   * (pause(); resume() must report pause before resume).
   */
  _inOrder (pending) {
    // Handled here so that a rejection waiting its turn is not "unhandled".
    pending.catch(() => {})
    const settled = this.#queue.then(() => pending)
    this.#queue = settled.catch(() => {})
    return settled
  }

  /** Receives the native events addressed to this object. */
  _onNativeEvent () {}
}

module.exports = { NativeObject }
