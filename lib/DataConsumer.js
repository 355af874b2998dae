'use strict'

const { NativeObject } = require('./NativeObject')
const { toWire, toSubchannel } = require('./DataProducer')
const { isUint32 } = require('./utils')
const { typeError } = require('./errors')

/**
 * A DataChannel sent by mafalda to an endpoint (SCTP), or to the application
 * through a DirectTransport. Its native calls queue their worker request
 * within the call (src/started.rs), so they take effect in call order, and
 * before a `dataProducer.send()` made after them, as in mediasoup-node.
 */
class DataConsumer extends NativeObject {
  #data
  #paused
  #dataProducerPaused
  #subchannels
  #bufferedAmountLowThreshold

  constructor ({ data, appData, binding }) {
    super(data.id, appData, binding)
    this.#data = data
    this.#paused = data.paused
    this.#dataProducerPaused = data.dataProducerPaused
    this.#subchannels = data.subchannels
    this.#bufferedAmountLowThreshold = data.bufferedAmountLowThreshold
  }

  get dataProducerId () { return this.#data.dataProducerId }
  get type () { return this.#data.type }
  get sctpStreamParameters () { return this.#data.sctpStreamParameters ?? undefined }
  get label () { return this.#data.label }
  get protocol () { return this.#data.protocol }
  get paused () { return this.#paused }
  get dataProducerPaused () { return this.#dataProducerPaused }
  get subchannels () { return Array.from(this.#subchannels) }
  get bufferedAmountLowThreshold () { return this.#bufferedAmountLowThreshold }

  close () {
    this._closeWith(this._binding.dataConsumerClose)
  }

  transportClosed () {
    this._closedBy('transportclose')
  }

  #checkOpen () {
    this._checkOpen('DataConsumer')
  }

  async dump () {
    this.#checkOpen()
    return this._binding.dataConsumerDump(this.id)
  }

  async getStats () {
    this.#checkOpen()
    return this._binding.dataConsumerGetStats(this.id)
  }

  async pause () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = true
    await this._inOrder(this._binding.dataConsumerPause(this.id))
    if (!wasPaused && !this.#dataProducerPaused) this.observer.safeEmit('pause')
  }

  async resume () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = false
    await this._inOrder(this._binding.dataConsumerResume(this.id))
    if (wasPaused && !this.#dataProducerPaused) this.observer.safeEmit('resume')
  }

  async setBufferedAmountLowThreshold (threshold) {
    this.#checkOpen()
    if (!isUint32(threshold)) throw typeError('wrong threshold')
    await this._binding.dataConsumerSetBufferedAmountLowThreshold(this.id, threshold)
    this.#bufferedAmountLowThreshold = threshold
  }

  async getBufferedAmount () {
    this.#checkOpen()
    return this._binding.dataConsumerGetBufferedAmount(this.id)
  }

  /** Sends a message to the endpoint of this (SCTP) data consumer. */
  async send (message, ppid) {
    this.#checkOpen()
    const wire = toWire(message, ppid)
    await this._binding.dataConsumerSend(this.id, wire.bytes, wire.ppid)
  }

  async setSubchannels (subchannels) {
    this.#checkOpen()
    if (!Array.isArray(subchannels)) throw typeError('subchannels must be an array')
    this.#subchannels = await this._binding.dataConsumerSetSubchannels(this.id, subchannels.map(toSubchannel))
  }

  async addSubchannel (subchannel) {
    this.#checkOpen()
    if (typeof subchannel !== 'number') throw typeError('subchannel must be a number')
    this.#subchannels = await this._binding.dataConsumerAddSubchannel(this.id, toSubchannel(subchannel))
  }

  async removeSubchannel (subchannel) {
    this.#checkOpen()
    if (typeof subchannel !== 'number') throw typeError('subchannel must be a number')
    this.#subchannels = await this._binding.dataConsumerRemoveSubchannel(this.id, toSubchannel(subchannel))
  }

  _onNativeEvent (eventName, data, payload) {
    if (this.closed) return
    switch (eventName) {
      case 'dataproducerclose':
        this._markClosed()
        this.emit('@dataproducerclose')
        this.safeEmit('dataproducerclose')
        this.observer.safeEmit('close')
        break
      case 'dataproducerpause':
        if (this.#dataProducerPaused) return
        this.#dataProducerPaused = true
        this.safeEmit('dataproducerpause')
        if (!this.#paused) this.observer.safeEmit('pause')
        break
      case 'dataproducerresume':
        if (!this.#dataProducerPaused) return
        this.#dataProducerPaused = false
        this.safeEmit('dataproducerresume')
        if (!this.#paused) this.observer.safeEmit('resume')
        break
      case 'sctpsendbufferfull':
        this.safeEmit('sctpsendbufferfull')
        break
      case 'bufferedamountlow':
        this.safeEmit('bufferedamountlow', data)
        break
      case 'message':
        this.safeEmit('message', payload, data)
        break
    }
  }
}

module.exports = { DataConsumer }
