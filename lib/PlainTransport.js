'use strict'

const { Transport } = require('./Transport')
const { typeError } = require('./errors')

/** A transport for plain RTP/RTCP endpoints (ffmpeg, GStreamer, tests). */
class PlainTransport extends Transport {
  #data

  constructor ({ data, appData, binding }) {
    super({ data, appData, binding })
    this.#data = data
  }

  get type () { return 'plain' }
  get tuple () { return this.#data.tuple }
  get rtcpTuple () { return this.#data.rtcpTuple ?? undefined }
  get sctpParameters () { return this.#data.sctpParameters ?? undefined }
  get sctpState () { return this.#data.sctpState ?? undefined }
  get srtpParameters () { return this.#data.srtpParameters ?? undefined }

  _onClosed () {
    if (this.#data.sctpState) this.#data.sctpState = 'closed'
  }

  async connect ({ ip, port, rtcpPort, srtpParameters } = {}) {
    this._checkOpen()
    if (ip !== undefined && typeof ip !== 'string') throw typeError('wrong ip')
    if (port !== undefined && typeof port !== 'number') throw typeError('wrong port')
    if (rtcpPort !== undefined && typeof rtcpPort !== 'number') throw typeError('wrong rtcpPort')
    const data = await this._binding.transportConnect(this.id, 'plain', JSON.stringify({ ip, port, rtcpPort, srtpParameters }))
    this.#data.tuple = data.tuple
    if (data.rtcpTuple) this.#data.rtcpTuple = data.rtcpTuple
    this.#data.srtpParameters = data.srtpParameters ?? undefined
  }

  _handleEvent (eventName, data) {
    switch (eventName) {
      case 'tuple':
        this.#data.tuple = data
        break
      case 'rtcptuple':
        this.#data.rtcpTuple = data
        break
      case 'sctpstatechange':
        this.#data.sctpState = data
        break
      default:
        return
    }
    this.safeEmit(eventName, data)
    this.observer.safeEmit(eventName, data)
  }
}

module.exports = { PlainTransport }
