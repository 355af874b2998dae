'use strict'

const { Transport } = require('./Transport')
const { typeError } = require('./errors')

/** A transport for WebRTC endpoints: ICE + DTLS (+ SCTP). */
class WebRtcTransport extends Transport {
  #data

  constructor ({ data, appData, binding }) {
    super({ data, appData, binding })
    this.#data = data
  }

  get type () { return 'webrtc' }
  get iceRole () { return this.#data.iceRole }
  get iceParameters () { return this.#data.iceParameters }
  get iceCandidates () { return this.#data.iceCandidates }
  get iceState () { return this.#data.iceState }
  get iceSelectedTuple () { return this.#data.iceSelectedTuple ?? undefined }
  get dtlsParameters () { return this.#data.dtlsParameters }
  get dtlsState () { return this.#data.dtlsState }
  get dtlsRemoteCert () { return this.#data.dtlsRemoteCert ?? undefined }
  get sctpParameters () { return this.#data.sctpParameters ?? undefined }
  get sctpState () { return this.#data.sctpState ?? undefined }

  _onClosed () {
    this.#data.iceState = 'closed'
    this.#data.iceSelectedTuple = undefined
    this.#data.dtlsState = 'closed'
    if (this.#data.sctpState) this.#data.sctpState = 'closed'
  }

  async connect ({ dtlsParameters } = {}) {
    this._checkOpen()
    if (!dtlsParameters || typeof dtlsParameters !== 'object') throw typeError('missing dtlsParameters')
    // Resolves to the DTLS role this side took.
    this.#data.dtlsParameters.role = await this._binding.transportConnect(this.id, 'webrtc', JSON.stringify({ dtlsParameters }))
  }

  async restartIce () {
    this._checkOpen()
    const iceParameters = await this._binding.transportRestartIce(this.id)
    this.#data.iceParameters = iceParameters
    return iceParameters
  }

  _handleEvent (eventName, data) {
    switch (eventName) {
      case 'icestatechange':
        this.#data.iceState = data
        break
      case 'iceselectedtuplechange':
        this.#data.iceSelectedTuple = data
        break
      case 'dtlsstatechange': {
        this.#data.dtlsState = data.state
        if (data.state === 'connected') this.#data.dtlsRemoteCert = data.remoteCert
        data = data.state
        break
      }
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

module.exports = { WebRtcTransport }
