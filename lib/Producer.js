'use strict'

const { NativeObject } = require('./NativeObject')
const { checkTraceTypes, dumpRtpParameters, restoreCodecNumbers } = require('./utils')
const { typeError } = require('./errors')

/** A media source sent to mafalda by an endpoint. */
class Producer extends NativeObject {
  #data
  #paused
  #score
  #codecs

  constructor ({ data, appData, codecs, binding, transportId }) {
    super(data.id, appData, binding)
    /** Its transport's id (the cluster pipes it from that transport's real router). */
    this._transportId = transportId
    this.#codecs = codecs
    restoreCodecNumbers(data.rtpParameters, codecs)
    restoreCodecNumbers(data.consumableRtpParameters, codecs)
    this.#data = data
    this.#paused = data.paused
    this.#score = data.score ?? []
  }

  get kind () { return this.#data.kind }
  get rtpParameters () { return this.#data.rtpParameters }
  get type () { return this.#data.type }
  get consumableRtpParameters () { return this.#data.consumableRtpParameters }
  get paused () { return this.#paused }
  get score () { return this.#score }
  /** The numbers among the codecs' parameters as the application gave them (`codecNumbers`), restored in consumers' parameters. */
  get _codecs () { return this.#codecs }

  close () {
    this._closeWith(this._binding.producerClose)
  }

  transportClosed () {
    this._closedBy('transportclose')
  }

  #checkOpen () {
    this._checkOpen('Producer')
  }

  async dump () {
    this.#checkOpen()
    const dump = await this._binding.producerDump(this.id)
    dumpRtpParameters(dump.rtpParameters, this.#codecs)
    return dump
  }

  /** Sends an RTP packet into the room (producers of a DirectTransport). */
  send (rtpPacket) {
    if (!Buffer.isBuffer(rtpPacket)) throw typeError('rtpPacket must be a Buffer')
    this.#checkOpen()
    this._binding.producerSend(this.id, rtpPacket)
  }

  async enableTraceEvent (types = []) {
    this.#checkOpen()
    checkTraceTypes(types)
    await this._binding.producerEnableTraceEvent(this.id, types)
  }

  async getStats () {
    this.#checkOpen()
    return this._binding.producerGetStats(this.id)
  }

  async pause () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = true
    await this._inOrder(this._binding.producerPause(this.id))
    if (!wasPaused) this.observer.safeEmit('pause')
  }

  async resume () {
    this.#checkOpen()
    const wasPaused = this.#paused
    this.#paused = false
    await this._inOrder(this._binding.producerResume(this.id))
    if (wasPaused) this.observer.safeEmit('resume')
  }

  _onNativeEvent (eventName, data) {
    if (this.closed) return
    switch (eventName) {
      case 'score':
        this.#score = data
        break
      case 'videoorientationchange':
      case 'trace':
        break
      default:
        return
    }
    this.safeEmit(eventName, data)
    this.observer.safeEmit(eventName, data)
  }
}

module.exports = { Producer }
