'use strict'

const { NativeObject } = require('./NativeObject')
const { InvalidStateError, typeError } = require('./errors')
const { Producer } = require('./Producer')
const { Consumer } = require('./Consumer')
const { DataChannels } = require('./DataChannels')
const { checkAppData, checkTraceTypes, codecNumbers } = require('./utils')

/** Smallest outgoing bitrate limit mediasoup's congestion control takes. */
const MIN_OUTGOING_BITRATE = 30000

function checkOutgoingBitrate (bitrate) {
  if (typeof bitrate !== 'number') throw typeError('bitrate must be a number')
  if (bitrate > 0 && bitrate < MIN_OUTGOING_BITRATE) {
    throw typeError(`bitrate must be >= ${MIN_OUTGOING_BITRATE} or 0 (unlimited)`)
  }
}

/**
 * What every transport has: producers, consumers, data producers and data
 * consumers, close semantics and the bitrate knobs. Subclasses add their
 * own data and events.
 */
class Transport extends NativeObject {
  #producers = new Map()
  #consumers = new Map()
  // Outgoing bitrate limits as set, checked here as mediasoup's worker
  // checks them (0 = unlimited).
  #minOutgoingBitrate = 0
  #maxOutgoingBitrate = 0
  #dataChannels = new DataChannels(this)

  constructor ({ data, appData, binding }) {
    super(data.id, appData, binding)
  }

  close () {
    if (!this._markClosed()) return
    this._binding.transportClose(this.id)
    this.#closeChildren(true)
    this.emit('@close')
    this.observer.safeEmit('close')
  }

  routerClosed () {
    this.#closedBy('routerclose', { tellRouter: false })
  }

  /**
   * The real worker it lived on died while its router goes on elsewhere
   * (the native side already took it): `routerclose`, and the router
   * forgets it and its producers.
   */
  #workerPartClosed () {
    this.#closedBy('routerclose', { tellRouter: true, internal: '@close' })
  }

  /** Its WebRtcServer closed (the native side closed it with the server). */
  listenServerClosed () {
    this.#closedBy('listenserverclose', { tellRouter: true, internal: '@listenserverclose' })
  }

  /**
   * Closed by something else, which the native side already knows: its
   * children close, `internal` tells the router (unless the router is the
   * one closing), then `eventName` and observer 'close'.
   */
  #closedBy (eventName, { tellRouter, internal }) {
    if (!this._markClosed()) return
    this.#closeChildren(tellRouter)
    if (internal) this.emit(internal)
    this.safeEmit(eventName)
    this.observer.safeEmit('close')
  }

  /**
   * Closes its producers, consumers and data ones; tells the router which
   * producers went, unless the router is the one closing.
   */
  #closeChildren (tellRouter) {
    this._onClosed()
    for (const producer of this.#producers.values()) {
      producer.transportClosed()
      if (tellRouter) this.emit('@producerclose', producer)
    }
    this.#producers.clear()
    this.#closeConsumers()
    this.#dataChannels.transportClosed(tellRouter ? (dataProducer) => this.emit('@dataproducerclose', dataProducer) : undefined)
  }

  /** Subclasses mark their own state closed here (ICE, DTLS, SCTP). */
  _onClosed () {}

  #closeConsumers () {
    for (const consumer of this.#consumers.values()) consumer.transportClosed()
    this.#consumers.clear()
  }

  _checkOpen () {
    super._checkOpen('Transport')
  }

  async dump () {
    this._checkOpen()
    return this._binding.transportDump(this.id)
  }

  async getStats () {
    this._checkOpen()
    return this._binding.transportGetStats(this.id)
  }

  async enableTraceEvent (types = []) {
    this._checkOpen()
    checkTraceTypes(types)
    await this._binding.transportEnableTraceEvent(this.id, types)
  }

  async setMaxIncomingBitrate (bitrate) {
    this._checkOpen()
    if (typeof bitrate !== 'number') throw typeError('bitrate must be a number')
    await this._binding.transportSetMaxIncomingBitrate(this.id, bitrate)
  }

  async setMaxOutgoingBitrate (bitrate) {
    this._checkOpen()
    checkOutgoingBitrate(bitrate)
    if (bitrate > 0 && bitrate < this.#minOutgoingBitrate) {
      throw typeError(`bitrate must be >= current min outgoing bitrate (${this.#minOutgoingBitrate}) or 0 (unlimited)`)
    }
    await this._binding.transportSetMaxOutgoingBitrate(this.id, bitrate)
    this.#maxOutgoingBitrate = bitrate
  }

  async setMinOutgoingBitrate (bitrate) {
    this._checkOpen()
    checkOutgoingBitrate(bitrate)
    if (bitrate > 0 && this.#maxOutgoingBitrate > 0 && bitrate > this.#maxOutgoingBitrate) {
      throw typeError(`bitrate must be <= current max outgoing bitrate (${this.#maxOutgoingBitrate}) or 0 (unlimited)`)
    }
    await this._binding.transportSetMinOutgoingBitrate(this.id, bitrate)
    this.#minOutgoingBitrate = bitrate
  }

  async produce ({ id, kind, rtpParameters, paused = false, keyFrameRequestDelay, appData } = {}) {
    this._checkOpen()
    if (id && this.#producers.has(id)) {
      throw typeError(`a Producer with same id "${id}" already exists`)
    } else if (!['audio', 'video'].includes(kind)) {
      throw typeError(`invalid kind "${kind}"`)
    } else if (!rtpParameters || typeof rtpParameters !== 'object') {
      throw typeError('missing rtpParameters')
    }
    appData = checkAppData(appData)
    const data = JSON.parse(await this._binding.transportProduce(this.id, JSON.stringify({
      id, kind, rtpParameters, paused: Boolean(paused), keyFrameRequestDelay
    })))
    const producer = new Producer({ data, appData, codecs: codecNumbers(rtpParameters.codecs), binding: this._binding, transportId: this.id })
    if (this.closed) {
      producer.transportClosed()
      throw new InvalidStateError('Transport closed')
    }
    this.#producers.set(producer.id, producer)
    producer.on('@close', () => {
      this.#producers.delete(producer.id)
      this.emit('@producerclose', producer)
    })
    this.emit('@newproducer', producer)
    this.observer.safeEmit('newproducer', producer)
    return producer
  }

  async consume ({
    producerId, rtpCapabilities, paused = false, mid, preferredLayers,
    ignoreDtx = false, enableRtx, pipe = false, appData
  } = {}) {
    this._checkOpen()
    if (!producerId || typeof producerId !== 'string') {
      throw typeError('missing producerId')
    } else if (mid && (typeof mid !== 'string' || mid.length === 0)) {
      throw typeError('if given, mid must be non empty string')
    } else if (!rtpCapabilities || typeof rtpCapabilities !== 'object') {
      throw typeError('missing rtpCapabilities')
    }
    appData = checkAppData(appData)
    // A producer on another instance is piped to this transport's first
    // (lib/cluster/); a local one needs nothing, and nothing is awaited
    // before the request, which keeps calls in order.
    const leasing = this._leaseProducer?.(producerId)
    const lease = leasing ? await leasing : null
    let data
    try {
      // The capabilities travel apart: the native side keeps what it parsed
      // of them by their text, and a peer sends the same with every consume.
      data = JSON.parse(await this._binding.transportConsume(this.id, JSON.stringify({
        producerId,
        paused: Boolean(paused),
        mid,
        preferredLayers,
        ignoreDtx: Boolean(ignoreDtx),
        enableRtx,
        pipe: Boolean(pipe)
      }), JSON.stringify(rtpCapabilities)))
    } catch (error) {
      lease?.release()
      throw error
    }
    const producer = this._producerLookup?.(producerId)
    const consumer = new Consumer({ data, appData, codecs: producer?._codecs, binding: this._binding })
    if (lease) consumer.observer.once('close', lease.release)
    if (this.closed) {
      consumer.transportClosed()
      throw new InvalidStateError('Transport closed')
    }
    this.#consumers.set(consumer.id, consumer)
    consumer.on('@close', () => this.#consumers.delete(consumer.id))
    consumer.on('@producerclose', () => this.#consumers.delete(consumer.id))
    this.observer.safeEmit('newconsumer', consumer)
    return consumer
  }

  async produceData (options) {
    return this.#dataChannels.produce(options)
  }

  async consumeData (options) {
    return this.#dataChannels.consume(options)
  }

  /** 'trace' here; subclasses handle their own events. */
  _onNativeEvent (eventName, data, payload) {
    if (eventName === 'routerclose') {
      this.#workerPartClosed()
      return
    }
    if (eventName === 'trace') {
      this.safeEmit('trace', data)
      this.observer.safeEmit('trace', data)
      return
    }
    this._handleEvent(eventName, data, payload)
  }

  _handleEvent () {}
}

module.exports = { Transport }
