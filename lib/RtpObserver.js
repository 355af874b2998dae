'use strict'

const binding = require('./binding')
const dispatcher = require('./dispatcher')
const { EnhancedEventEmitter } = require('./EnhancedEventEmitter')
const { InvalidStateError } = require('./errors')

/**
 * What audio level and active speaker observers share. It observes the
 * room's producers wherever they live; events carry the application's own
 * Producer objects.
 */
class RtpObserver extends EnhancedEventEmitter {
  #id
  #closed = false
  #paused = false
  #appData
  #getProducerById
  #observer = new EnhancedEventEmitter()

  constructor ({ id, appData, getProducerById }) {
    super()
    this.#id = id
    this.#appData = appData
    this.#getProducerById = getProducerById
    dispatcher.register(id, this)
  }

  get id () { return this.#id }
  get closed () { return this.#closed }
  get paused () { return this.#paused }
  get appData () { return this.#appData }
  set appData (appData) { this.#appData = appData }
  get observer () { return this.#observer }

  close () {
    if (this.#closed) return
    this.#closed = true
    dispatcher.unregister(this.#id)
    binding.rtpObserverClose(this.#id)
    this.emit('@close')
    this.#observer.safeEmit('close')
  }

  routerClosed () {
    if (this.#closed) return
    this.#closed = true
    dispatcher.unregister(this.#id)
    this.safeEmit('routerclose')
    this.#observer.safeEmit('close')
  }

  #checkOpen () {
    if (this.#closed) throw new InvalidStateError('RtpObserver closed')
  }

  async pause () {
    this.#checkOpen()
    const wasPaused = this.#paused
    await binding.rtpObserverSetPaused(this.#id, true)
    this.#paused = true
    if (!wasPaused) this.#observer.safeEmit('pause')
  }

  async resume () {
    this.#checkOpen()
    const wasPaused = this.#paused
    await binding.rtpObserverSetPaused(this.#id, false)
    this.#paused = false
    if (wasPaused) this.#observer.safeEmit('resume')
  }

  async addProducer ({ producerId } = {}) {
    this.#checkOpen()
    const producer = this.#getProducerById(producerId)
    if (!producer) throw new Error(`Producer with id "${producerId}" not found`)
    await binding.rtpObserverAddProducer(this.#id, producerId)
    this.#observer.safeEmit('addproducer', producer)
  }

  async removeProducer ({ producerId } = {}) {
    this.#checkOpen()
    const producer = this.#getProducerById(producerId)
    if (!producer) throw new Error(`Producer with id "${producerId}" not found`)
    await binding.rtpObserverRemoveProducer(this.#id, producerId)
    this.#observer.safeEmit('removeproducer', producer)
  }

  _producer (producerId) {
    return this.#getProducerById(producerId)
  }

  _onNativeEvent (eventName, data) {
    if (this.#closed) return
    this._handleEvent(eventName, data)
  }

  _handleEvent () {}
}

class AudioLevelObserver extends RtpObserver {
  get type () { return 'audiolevel' }

  _handleEvent (eventName, data) {
    if (eventName === 'volumes') {
      const volumes = data
        .map(({ producerId, volume }) => ({ producer: this._producer(producerId), volume }))
        .filter(({ producer }) => producer)
      if (volumes.length === 0) return
      this.safeEmit('volumes', volumes)
      this.observer.safeEmit('volumes', volumes)
    } else if (eventName === 'silence') {
      this.safeEmit('silence')
      this.observer.safeEmit('silence')
    }
  }
}

class ActiveSpeakerObserver extends RtpObserver {
  get type () { return 'activespeaker' }

  _handleEvent (eventName, data) {
    if (eventName !== 'dominantspeaker') return
    const producer = this._producer(data.producerId)
    if (!producer) return
    const speaker = { producer }
    this.safeEmit('dominantspeaker', speaker)
    this.observer.safeEmit('dominantspeaker', speaker)
  }
}

module.exports = { RtpObserver, AudioLevelObserver, ActiveSpeakerObserver }
