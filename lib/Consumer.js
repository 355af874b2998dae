'use strict'

const { NativeObject } = require('./NativeObject')
const { checkTraceTypes, dumpRtpParameters, restoreCodecNumbers } = require('./utils')
const { typeError } = require('./errors')

/** A media stream sent by mafalda to an endpoint, fed by a producer. */
class Consumer extends NativeObject {
  #data
  #paused
  #producerPaused
  #priority
  #score
  #preferredLayers
  #currentLayers
  #codecs

  constructor ({ data, appData, codecs, binding }) {
    super(data.id, appData, binding)
    this.#codecs = codecs
    restoreCodecNumbers(data.rtpParameters, codecs)
    this.#data = data
    this.#paused = data.paused
    this.#producerPaused = data.producerPaused
    this.#priority = data.priority
    this.#score = data.score
    this.#preferredLayers = data.preferredLayers ?? undefined
    this.#currentLayers = data.currentLayers ?? undefined
  }

  get producerId () { return this.#data.producerId }
  get kind () { return this.#data.kind }
  get rtpParameters () { return this.#data.rtpParameters }
  get type () { return this.#data.type }
  get paused () { return this.#paused }
  get producerPaused () { return this.#producerPaused }
  get priority () { return this.#priority }
  get score () { return this.#score }
  get preferredLayers () { return this.#preferredLayers }
  get currentLayers () { return this.#currentLayers }

  close () {
    this._closeWith(this._binding.consumerClose)
  }

  transportClosed () {
    this._closedBy('transportclose')
  }

  #checkOpen () {
    this._checkOpen('Consumer')
  }

  async dump () {
    this.#checkOpen()
    const dump = await this._binding.consumerDump(this.id)
    dumpRtpParameters(dump.rtpParameters, this.#codecs)
    return dump
  }

  async enableTraceEvent (types = []) {
    this.#checkOpen()
    checkTraceTypes(types)
    await this._binding.consumerEnableTraceEvent(this.id, types)
  }

  async getStats () {
    this.#checkOpen()
    return this._binding.consumerGetStats(this.id)
  }

  async pause () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = true
    await this._inOrder(this._binding.consumerPause(this.id))
    if (!wasPaused && !this.#producerPaused) this.observer.safeEmit('pause')
  }

  async resume () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = false
    await this._inOrder(this._binding.consumerResume(this.id))
    if (wasPaused && !this.#producerPaused) this.observer.safeEmit('resume')
  }

  async setPreferredLayers ({ spatialLayer, temporalLayer } = {}) {
    this.#checkOpen()
    if (typeof spatialLayer !== 'number') throw typeError('missing spatialLayer')
    if (temporalLayer !== undefined && typeof temporalLayer !== 'number') throw typeError('if given, temporalLayer must be a number')
    const layers = await this._binding.consumerSetPreferredLayers(this.id, { spatialLayer, temporalLayer })
    this.#preferredLayers = layers ?? undefined
  }

  async setPriority (priority) {
    this.#checkOpen()
    // A uint8 on the worker's side: larger values would wrap.
    if (!Number.isInteger(priority) || priority < 0 || priority > 255) throw typeError('wrong priority')
    this.#priority = await this._binding.consumerSetPriority(this.id, priority)
  }

  async unsetPriority () {
    this.#checkOpen()
    this.#priority = await this._binding.consumerSetPriority(this.id, undefined)
  }

  async requestKeyFrame () {
    this.#checkOpen()
    await this._binding.consumerRequestKeyFrame(this.id)
  }

  _onNativeEvent (eventName, data, payload) {
    if (this.closed) return
    switch (eventName) {
      // Consumers of a DirectTransport: the packets they send.
      case 'rtp':
        this.safeEmit('rtp', payload)
        break
      case 'producerclose':
        this._markClosed()
        this.emit('@producerclose')
        this.safeEmit('producerclose')
        this.observer.safeEmit('close')
        break
      case 'producerpause':
        if (this.#producerPaused) return
        this.#producerPaused = true
        this.safeEmit('producerpause')
        if (!this.#paused) this.observer.safeEmit('pause')
        break
      case 'producerresume':
        if (!this.#producerPaused) return
        this.#producerPaused = false
        this.safeEmit('producerresume')
        if (!this.#paused) this.observer.safeEmit('resume')
        break
      case 'score':
        this.#score = data
        this.safeEmit('score', data)
        this.observer.safeEmit('score', data)
        break
      case 'trace':
        this.safeEmit('trace', data)
        this.observer.safeEmit('trace', data)
        break
      case 'layerschange':
        this.#currentLayers = data ?? undefined
        this.safeEmit('layerschange', this.#currentLayers)
        this.observer.safeEmit('layerschange', this.#currentLayers)
        break
    }
  }
}

module.exports = { Consumer }
