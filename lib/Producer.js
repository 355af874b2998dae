'use strict'

const binding = require('./binding')
const dispatcher = require('./dispatcher')
const { EnhancedEventEmitter } = require('./EnhancedEventEmitter')
const { InvalidStateError } = require('./errors')

/** A media source sent to mafalda by an endpoint. */
class Producer extends EnhancedEventEmitter {
  #data
  #closed = false
  #paused
  #score
  #appData
  #observer = new EnhancedEventEmitter()

  constructor ({ data, appData }) {
    super()
    this.#data = data
    this.#paused = data.paused
    this.#score = data.score ?? []
    this.#appData = appData
    dispatcher.register(data.id, this)
  }

  get id () { return this.#data.id }
  get closed () { return this.#closed }
  get kind () { return this.#data.kind }
  get rtpParameters () { return this.#data.rtpParameters }
  get type () { return this.#data.type }
  get consumableRtpParameters () { return this.#data.consumableRtpParameters }
  get paused () { return this.#paused }
  get score () { return this.#score }
  get appData () { return this.#appData }
  set appData (appData) { this.#appData = appData }
  get observer () { return this.#observer }

  close () {
    if (this.#closed) return
    this.#closed = true
    dispatcher.unregister(this.id)
    binding.producerClose(this.id)
    this.emit('@close')
    this.#observer.safeEmit('close')
  }

  transportClosed () {
    if (this.#closed) return
    this.#closed = true
    dispatcher.unregister(this.id)
    this.safeEmit('transportclose')
    this.#observer.safeEmit('close')
  }

  #checkOpen () {
    if (this.#closed) throw new InvalidStateError('Producer closed')
  }

  async dump () {
    this.#checkOpen()
    return binding.producerDump(this.id)
  }

  async getStats () {
    this.#checkOpen()
    return binding.producerGetStats(this.id)
  }

  async pause () {
    this.#checkOpen()
    const wasPaused = this.#paused
    await binding.producerPause(this.id)
    this.#paused = true
    if (!wasPaused) this.#observer.safeEmit('pause')
  }

  async resume () {
    this.#checkOpen()
    const wasPaused = this.#paused
    await binding.producerResume(this.id)
    this.#paused = false
    if (wasPaused) this.#observer.safeEmit('resume')
  }

  _onNativeEvent (eventName, data) {
    if (this.#closed) return
    switch (eventName) {
      case 'score':
        this.#score = data
        break
      case 'videoorientationchange':
        break
      default:
        return
    }
    this.safeEmit(eventName, data)
    this.#observer.safeEmit(eventName, data)
  }
}

module.exports = { Producer }
