'use strict'

const { NativeObject } = require('./NativeObject')
const { typeError } = require('./errors')

/**
 * The SCTP payload protocol id mediasoup-node gives a message: WebRTC
 * string 51, binary 53, empty string 56, empty binary 57.
 */
function defaultPpid (message) {
  if (typeof message === 'string') return message.length > 0 ? 51 : 56
  return message.length > 0 ? 53 : 57
}

/**
 * A message and its PPID as they go to the worker (mediasoup-node's rules:
 * an empty message travels as one placeholder byte).
 */
function toWire (message, ppid) {
  if (typeof message !== 'string' && !Buffer.isBuffer(message)) {
    throw typeError('message must be a string or a Buffer')
  }
  if (typeof ppid !== 'number') ppid = defaultPpid(message)
  if (ppid === 56) message = ' '
  else if (ppid === 57) message = Buffer.alloc(1)
  return { bytes: typeof message === 'string' ? Buffer.from(message) : message, ppid }
}

/** Subchannels are 16-bit on the wire: mediasoup-node wraps other numbers. */
function toSubchannel (value) {
  return Number(value) & 0xffff
}

/** A DataChannel sent by an endpoint (SCTP), or messages the application sends through a DirectTransport. */
class DataProducer extends NativeObject {
  #data
  #paused

  constructor ({ data, appData, binding }) {
    super(data.id, appData, binding)
    this.#data = data
    this.#paused = data.paused
  }

  get type () { return this.#data.type }
  get sctpStreamParameters () { return this.#data.sctpStreamParameters ?? undefined }
  get label () { return this.#data.label }
  get protocol () { return this.#data.protocol }
  get paused () { return this.#paused }

  close () {
    this._closeWith(this._binding.dataProducerClose)
  }

  transportClosed () {
    this._closedBy('transportclose')
  }

  #checkOpen () {
    this._checkOpen('DataProducer')
  }

  async dump () {
    this.#checkOpen()
    return this._binding.dataProducerDump(this.id)
  }

  async getStats () {
    this.#checkOpen()
    return this._binding.dataProducerGetStats(this.id)
  }

  async pause () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = true
    await this._inOrder(this._binding.dataProducerPause(this.id))
    if (!wasPaused) this.observer.safeEmit('pause')
  }

  async resume () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = false
    await this._inOrder(this._binding.dataProducerResume(this.id))
    if (wasPaused) this.observer.safeEmit('resume')
  }

  /**
   * Sends a message into the room (DataProducers of a DirectTransport):
   * to the data consumers subscribed to one of `subchannels` (to all of
   * them without) that are also subscribed to `requiredSubchannel`, if given.
   */
  send (message, ppid, subchannels, requiredSubchannel) {
    const wire = toWire(message, ppid)
    if (subchannels !== undefined && subchannels !== null && !Array.isArray(subchannels)) {
      throw typeError('if given, subchannels must be an array')
    }
    this.#checkOpen()
    this._binding.dataProducerSend(
      this.id,
      wire.bytes,
      wire.ppid,
      subchannels ? subchannels.map(toSubchannel) : undefined,
      requiredSubchannel === undefined || requiredSubchannel === null ? undefined : toSubchannel(requiredSubchannel)
    )
  }
}

module.exports = { DataProducer, toWire, toSubchannel }
