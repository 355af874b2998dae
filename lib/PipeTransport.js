'use strict'

const { Transport } = require('./Transport')
const { typeError } = require('./errors')

/**
 * A transport to another router, usually on another host: the application
 * pairs two of them (`connect()` each to the other's tuple), consumes on
 * one side and produces with the same id on the other.
 */
class PipeTransport extends Transport {
  #data

  constructor ({ data, appData, binding }) {
    super({ data, appData, binding })
    this.#data = data
  }

  get type () { return 'pipe' }
  get tuple () { return this.#data.tuple }
  get sctpParameters () { return this.#data.sctpParameters ?? undefined }
  get sctpState () { return this.#data.sctpState ?? undefined }
  get srtpParameters () { return this.#data.srtpParameters ?? undefined }

  _onClosed () {
    if (this.#data.sctpState) this.#data.sctpState = 'closed'
  }

  async connect ({ ip, port, srtpParameters } = {}) {
    this._checkOpen()
    if (ip !== undefined && typeof ip !== 'string') throw typeError('wrong ip')
    if (port !== undefined && typeof port !== 'number') throw typeError('wrong port')
    const data = await this._binding.transportConnect(this.id, 'pipe', JSON.stringify({ ip, port, srtpParameters }))
    this.#data.tuple = data.tuple
  }

  /** A pipe consumer needs no capabilities: it forwards the producer's streams as they are. */
  async consume ({ producerId, appData } = {}) {
    return super.consume({ producerId, rtpCapabilities: this._routerRtpCapabilities, appData })
  }

  _handleEvent (eventName, data) {
    if (eventName !== 'sctpstatechange') return
    this.#data.sctpState = data
    this.safeEmit(eventName, data)
    this.observer.safeEmit(eventName, data)
  }
}

module.exports = { PipeTransport }
