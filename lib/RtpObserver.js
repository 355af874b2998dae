'use strict'

const { NativeObject } = require('./NativeObject')
const { failure } = require('./errors')

/**
 * What audio level and active speaker observers share. It observes the
 * room's producers wherever they live; events carry the application's own
 * Producer objects.
 */
class RtpObserver extends NativeObject {
  #paused = false
  #getProducerById
  // Producers of other instances piped here while observed (lib/cluster/).
  #leases = new Map()

  constructor ({ id, appData, getProducerById, binding }) {
    super(id, appData, binding)
    this.#getProducerById = getProducerById
  }

  get paused () { return this.#paused }

  _markClosed () {
    if (!super._markClosed()) return false
    for (const lease of this.#leases.values()) lease.release()
    this.#leases.clear()
    return true
  }

  close () {
    this._closeWith(this._binding.rtpObserverClose)
  }

  routerClosed () {
    this._closedBy('routerclose')
  }

  #checkOpen () {
    this._checkOpen('RtpObserver')
  }

  async pause () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = true
    await this._inOrder(this._binding.rtpObserverSetPaused(this.id, true))
    if (!wasPaused) this.observer.safeEmit('pause')
  }

  async resume () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = false
    await this._inOrder(this._binding.rtpObserverSetPaused(this.id, false))
    if (wasPaused) this.observer.safeEmit('resume')
  }

  async addProducer ({ producerId } = {}) {
    this.#checkOpen()
    const producer = this.#getProducerById(producerId)
    if (!producer) throw failure('ERR_NOT_FOUND', `Producer with id "${producerId}" not found`)
    // A producer on another instance is piped to this observer's first.
    const leasing = this._leaseProducer?.(producerId)
    const lease = leasing ? await leasing : null
    try {
      await this._binding.rtpObserverAddProducer(this.id, producerId)
    } catch (error) {
      lease?.release()
      throw error
    }
    if (lease) {
      if (this.closed || this.#leases.has(producerId)) lease.release()
      else this.#leases.set(producerId, lease)
    }
    this.observer.safeEmit('addproducer', producer)
  }

  async removeProducer ({ producerId } = {}) {
    this.#checkOpen()
    const producer = this.#getProducerById(producerId)
    if (!producer) throw failure('ERR_NOT_FOUND', `Producer with id "${producerId}" not found`)
    await this._binding.rtpObserverRemoveProducer(this.id, producerId)
    this.#leases.get(producerId)?.release()
    this.#leases.delete(producerId)
    this.observer.safeEmit('removeproducer', producer)
  }

  _producer (producerId) {
    return this.#getProducerById(producerId)
  }

  _onNativeEvent (eventName, data) {
    if (this.closed) return
    if (eventName === 'routerclose') {
      // The real worker it lived on died while its router goes on.
      this.emit('@close')
      this.routerClosed()
      return
    }
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
