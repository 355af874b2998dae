'use strict'

const binding = require('./binding')
const { NativeObject } = require('./NativeObject')

/**
 * mediasoup's WebRtcServer: one set of listening sockets for many
 * WebRtcTransports. Behind it is one real server per real worker its
 * transports were placed on (see docs/architecture.md for the port rule).
 */
class WebRtcServer extends NativeObject {
  #transports = new Map()

  constructor ({ id, appData }) {
    super(id, appData)
  }

  get webRtcTransportsForTesting () { return this.#transports }

  close () {
    if (!this._markClosed()) return
    binding.webrtcServerClose(this.id)
    for (const transport of this.#transports.values()) {
      transport.listenServerClosed()
      this.observer.safeEmit('webrtctransportunhandled', transport)
    }
    this.#transports.clear()
    this.emit('@close')
    this.observer.safeEmit('close')
  }

  workerClosed () {
    if (!this._markClosed()) return
    this.#transports.clear()
    this.safeEmit('workerclose')
    this.observer.safeEmit('close')
  }

  async dump () {
    this._checkOpen('WebRtcServer')
    return binding.webrtcServerDump(this.id)
  }

  /** Called by the router for each transport created with this server. */
  handleWebRtcTransport (transport) {
    this.#transports.set(transport.id, transport)
    this.observer.safeEmit('webrtctransporthandled', transport)
    transport.on('@close', () => {
      this.#transports.delete(transport.id)
      this.observer.safeEmit('webrtctransportunhandled', transport)
    })
  }
}

module.exports = { WebRtcServer }
