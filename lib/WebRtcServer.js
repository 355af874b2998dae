'use strict'

const binding = require('./binding')
const { NativeObject } = require('./NativeObject')
const messages = require('./cluster/messages')

/**
 * mediasoup's WebRtcServer: one set of listening sockets for many
 * WebRtcTransports. Behind it is one real server per real worker its
 * transports were placed on (see docs/architecture.md for the port rule).
 */
class WebRtcServer extends NativeObject {
  #transports = new Map()
  #listenInfos
  // Instances of the cluster that made a counterpart of it for transports
  // delegated to them (lib/cluster/server.js).
  #remoteSites = new Set()

  #managed

  /** `managed`: made by a manager-only worker, with no sockets here. */
  constructor ({ id, appData, listenInfos, managed = false }) {
    super(id, appData)
    this.#listenInfos = listenInfos
    this.#managed = managed
  }

  /** The listen infos it was created with (for its counterparts elsewhere). */
  get _listenInfos () { return this.#listenInfos }

  /** A transport of it was delegated to instance `instanceId`. */
  _noteRemoteSite (instanceId) {
    this.#remoteSites.add(instanceId)
  }

  #closeRemoteSites () {
    for (const instanceId of this.#remoteSites) messages.notify(instanceId, 'webrtcServerClose', [this.id])
    this.#remoteSites.clear()
  }

  get webRtcTransportsForTesting () { return this.#transports }

  close () {
    if (!this._markClosed()) return
    if (!this.#managed) binding.webrtcServerClose(this.id)
    this.#closeRemoteSites()
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
    this.#closeRemoteSites()
    this.#transports.clear()
    this.safeEmit('workerclose')
    this.observer.safeEmit('close')
  }

  async dump () {
    this._checkOpen('WebRtcServer')
    if (this.#managed) {
      return {
        id: this.id,
        udpSockets: [],
        tcpServers: [],
        webRtcTransportIds: [...this.#transports.keys()],
        localIceUsernameFragments: [],
        tupleHashes: []
      }
    }
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
