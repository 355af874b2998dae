'use strict'

const binding = require('./binding')
const { InvalidStateError, UnsupportedError, typeError } = require('./errors')
const { NativeObject } = require('./NativeObject')
const { WebRtcTransport } = require('./WebRtcTransport')
const { PlainTransport } = require('./PlainTransport')
const { PipeTransport } = require('./PipeTransport')
const { DirectTransport } = require('./DirectTransport')
const { AudioLevelObserver, ActiveSpeakerObserver } = require('./RtpObserver')
const { pipeBetweenRooms } = require('./PipeLink')
const { ClusterRoom } = require('./cluster/ClusterRoom')
const messages = require('./cluster/messages')
const { checkAppData, isUint32, normalizeListenInfo } = require('./utils')

/**
 * A virtual router: one room. The real mediasoup routers that serve it are
 * chosen by the pool; the application only ever sees this object.
 */
class Router extends NativeObject {
  #rtpCapabilities
  #transports = new Map()
  #producers = new Map()
  #dataProducers = new Map()
  // Pipe (data) producers of pipeToRouter() imports into this router.
  #pipeProducers = new Set()
  #rtpObservers = new Map()
  // The room across instances, once this process is in a cluster
  // (lib/cluster/ClusterRoom.js); null while everything is local.
  #room = null

  /**
   * `room`: for a room whose parts are all on other instances (a
   * manager-only instance), `{ local: false, home }`.
   */
  constructor ({ data, appData, mediaCodecs, room }) {
    super(data.id, appData)
    this.#rtpCapabilities = data.rtpCapabilities
    this._mediaCodecs = mediaCodecs ?? []
    // In a cluster every room is recorded there, so that other application
    // instances can open it by id (`cluster.router()`).
    if (room) this.#room = new ClusterRoom(this, room)
    else if (messages.state.self) this.#room = new ClusterRoom(this, { local: true })
  }

  /**
   * The binding a new transport is made through: this process's, or
   * (in a cluster) the instance placement chose. Synchronous when nothing
   * is to be decided, so that a local call keeps its place in call order.
   */
  #transportBinding () {
    if (!this.#room) {
      if (!messages.state.self) return binding
      this.#room = new ClusterRoom(this, { local: true })
    }
    return this.#room.transportBinding()
  }

  /** Where the room's RTP observers go: here, or a part elsewhere. */
  #observerBinding () {
    return this.#room && !this.#room.local ? this.#room.home() : binding
  }

  #remoteOnly () {
    return Boolean(this.#room && !this.#room.local)
  }

  // The same object every time: EduMeet mutates its headerExtensions.
  get rtpCapabilities () { return this.#rtpCapabilities }
  get transportsForTesting () { return this.#transports }

  /**
   * mediasoup's `updateMediaCodecs()`: producers and consumers made from
   * now on use the new codecs; `rtpCapabilities` is a new object.
   */
  updateMediaCodecs (mediaCodecs) {
    this._checkOpen('Router')
    if (!Array.isArray(mediaCodecs)) throw typeError('mediaCodecs must be an Array')
    if (this.#remoteOnly()) throw new UnsupportedError('updateMediaCodecs() of a room that lives on other instances')
    this.#rtpCapabilities = binding.routerUpdateMediaCodecs(this.id, mediaCodecs)
    this._mediaCodecs = mediaCodecs
    this.#room?.remoteSites().then((sites) => {
      for (const site of sites) site.routerUpdateMediaCodecs(this.id, mediaCodecs).catch(() => {})
    })
  }

  close () {
    if (!this._markClosed()) return
    const nativeClosed = !this.#remoteOnly() && (this.#room?.releaseLocal() ?? true)
    if (nativeClosed) {
      binding.routerClose(this.id)
    } else if (!this.#remoteOnly()) {
      // Other instances use this room's local part: only what this
      // Router made there closes.
      for (const transport of this.#transports.values()) {
        if (transport._binding === binding) binding.transportClose(transport.id)
      }
      for (const rtpObserver of this.#rtpObservers.values()) {
        if (rtpObserver._binding === binding) binding.rtpObserverClose(rtpObserver.id)
      }
    }
    this.#room?.close({ nativeClosed })
    this.#closeChildren()
    this.emit('@close')
    this.observer.safeEmit('close')
  }

  workerClosed () {
    if (!this._markClosed()) return
    if (this.#room?.local) this.#room.releaseLocal()
    this.#room?.close()
    this.#closeChildren()
    this.safeEmit('workerclose')
    this.observer.safeEmit('close')
  }

  #closeChildren () {
    for (const transport of this.#transports.values()) transport.routerClosed()
    this.#transports.clear()
    this.#producers.clear()
    this.#dataProducers.clear()
    for (const pipeProducer of [...this.#pipeProducers]) pipeProducer._link.close('transportclose')
    this.#pipeProducers.clear()
    for (const rtpObserver of this.#rtpObservers.values()) rtpObserver.routerClosed()
    this.#rtpObservers.clear()
  }

  async dump () {
    this._checkOpen('Router')
    if (this.#remoteOnly()) return (await this.#room.home()).routerDump(this.id)
    return binding.routerDump(this.id)
  }

  async createWebRtcTransport ({
    webRtcServer, listenInfos, listenIps, port, enableUdp, enableTcp,
    preferUdp = false, preferTcp = false, initialAvailableOutgoingBitrate = 600000,
    enableSctp = false, numSctpStreams = { OS: 1024, MIS: 1024 },
    maxSctpMessageSize = 262144, sctpSendBufferSize = 262144,
    iceConsentTimeout = 30, appData
  } = {}) {
    this._checkOpen('Router')
    if (!webRtcServer && !Array.isArray(listenInfos) && !Array.isArray(listenIps)) {
      throw typeError('missing webRtcServer, listenInfos and listenIps (one of them is mandatory)')
    } else if (webRtcServer && listenInfos && listenIps) {
      throw typeError('only one of webRtcServer, listenInfos and listenIps must be given')
    } else if (numSctpStreams && (typeof numSctpStreams.OS !== 'number' || typeof numSctpStreams.MIS !== 'number')) {
      throw typeError('if given, numSctpStreams must contain OS and MIS')
    }
    appData = checkAppData(appData)
    if (webRtcServer) {
      if (typeof webRtcServer !== 'object' || typeof webRtcServer.handleWebRtcTransport !== 'function') {
        throw typeError('wrong webRtcServer')
      }
      if (webRtcServer.closed) throw new InvalidStateError('WebRtcServer closed')
      // As mediasoup: with a server, both protocols unless told otherwise.
      enableUdp ??= true
      enableTcp ??= true
      listenInfos = undefined
    } else {
      enableUdp ??= true
      enableTcp ??= false
      if (listenIps) listenInfos = listenIpsToInfos(listenIps, { port, enableUdp, enableTcp, preferUdp, preferTcp })
    }
    const placing = this.#transportBinding()
    const site = typeof placing.then === 'function' ? await placing : placing
    // On another instance, a server's transport listens through that
    // instance's counterpart of it, made from its listen infos.
    const remoteServer = webRtcServer && site.instanceId
    if (remoteServer) webRtcServer._noteRemoteSite(site.instanceId)
    const data = JSON.parse(await site.routerCreateWebrtcTransport(this.id, JSON.stringify({
      webRtcServerId: webRtcServer?.id,
      webRtcServerListenInfos: remoteServer ? webRtcServer._listenInfos : undefined,
      listenInfos: listenInfos?.map(normalizeListenInfo),
      enableUdp,
      enableTcp,
      preferUdp,
      preferTcp,
      initialAvailableOutgoingBitrate,
      enableSctp,
      numSctpStreams,
      maxSctpMessageSize,
      sctpSendBufferSize,
      iceConsentTimeout
    })))
    const transport = new WebRtcTransport({ data, appData, binding: site })
    if (webRtcServer) {
      if (webRtcServer.closed) {
        // Closed while the transport was being created: native side dropped it.
        transport.listenServerClosed()
        throw new InvalidStateError('WebRtcServer closed')
      }
      webRtcServer.handleWebRtcTransport(transport)
    }
    return this.#adopt(transport)
  }

  async createPlainTransport ({
    listenInfo, rtcpListenInfo, listenIp, port, rtcpMux = true, comedia = false,
    enableSctp = false, numSctpStreams = { OS: 1024, MIS: 1024 },
    maxSctpMessageSize = 262144, sctpSendBufferSize = 262144,
    enableSrtp = false, srtpCryptoSuite = 'AES_CM_128_HMAC_SHA1_80', appData
  } = {}) {
    this._checkOpen('Router')
    if (!listenInfo && !listenIp) {
      throw typeError('missing listenInfo and listenIp (one of them is mandatory)')
    } else if (listenInfo && listenIp) {
      throw typeError('only one of listenInfo and listenIp must be given')
    }
    appData = checkAppData(appData)
    if (rtcpMux && rtcpListenInfo) rtcpMux = false
    if (listenIp) {
      if (typeof listenIp === 'string') listenIp = { ip: listenIp }
      listenInfo = { protocol: 'udp', ip: listenIp.ip, announcedAddress: listenIp.announcedIp, port }
    }
    const placing = this.#transportBinding()
    const site = typeof placing.then === 'function' ? await placing : placing
    const data = JSON.parse(await site.routerCreatePlainTransport(this.id, JSON.stringify({
      listenInfo: normalizeListenInfo(listenInfo),
      rtcpListenInfo: rtcpListenInfo ? normalizeListenInfo(rtcpListenInfo) : undefined,
      rtcpMux,
      comedia,
      enableSctp,
      numSctpStreams,
      maxSctpMessageSize,
      sctpSendBufferSize,
      enableSrtp,
      srtpCryptoSuite
    })))
    return this.#adopt(new PlainTransport({ data, appData, binding: site }))
  }

  async createDirectTransport ({ maxMessageSize = 262144, appData } = {}) {
    this._checkOpen('Router')
    if (typeof maxMessageSize !== 'number' || maxMessageSize < 0) {
      throw typeError('if given, maxMessageSize must be a positive number')
    }
    appData = checkAppData(appData)
    const placing = this.#transportBinding()
    const site = typeof placing.then === 'function' ? await placing : placing
    const data = JSON.parse(await site.routerCreateDirectTransport(this.id, { maxMessageSize }))
    return this.#adopt(new DirectTransport({ data, appData, binding: site }))
  }

  async createPipeTransport ({
    listenInfo, listenIp, port, enableSctp = false, numSctpStreams = { OS: 1024, MIS: 1024 },
    maxSctpMessageSize = 268435456, sctpSendBufferSize = 268435456,
    enableRtx = false, enableSrtp = false, appData
  } = {}) {
    this._checkOpen('Router')
    if (!listenInfo && !listenIp) {
      throw typeError('missing listenInfo and listenIp (one of them is mandatory)')
    } else if (listenInfo && listenIp) {
      throw typeError('only one of listenInfo and listenIp must be given')
    }
    appData = checkAppData(appData)
    if (listenIp) {
      if (typeof listenIp === 'string') listenIp = { ip: listenIp }
      listenInfo = { protocol: 'udp', ip: listenIp.ip, announcedAddress: listenIp.announcedIp, port }
    }
    const placing = this.#transportBinding()
    const site = typeof placing.then === 'function' ? await placing : placing
    const data = JSON.parse(await site.routerCreatePipeTransport(this.id, JSON.stringify({
      listenInfo: normalizeListenInfo(listenInfo),
      enableSctp,
      numSctpStreams,
      maxSctpMessageSize,
      sctpSendBufferSize,
      enableRtx,
      enableSrtp
    })))
    return this.#adopt(new PipeTransport({ data, appData, binding: site }))
  }

  #adopt (transport) {
    if (this.closed) {
      transport.routerClosed()
      this._checkOpen('Router')
    }
    this.#transports.set(transport.id, transport)
    transport._producerLookup = (id) => this.#producers.get(id)
    // A producer of this Router, or (by id) one another application
    // instance using the room made.
    transport._leaseProducer = (id) =>
      this.#room?.lease(this.#producers.get(id) ?? id, transport._binding, { near: transport.id }) ?? null
    transport._leaseDataProducer = (id) =>
      this.#room?.lease(this.#dataProducers.get(id) ?? id, transport._binding, { data: true }) ?? null
    transport._routerRtpCapabilities = this.#rtpCapabilities
    transport.on('@close', () => this.#transports.delete(transport.id))
    transport.on('@listenserverclose', () => this.#transports.delete(transport.id))
    transport.on('@newproducer', (producer) => {
      this.#producers.set(producer.id, producer)
      this.#room?.producerAdded(producer)
    })
    transport.on('@producerclose', (producer) => {
      this.#producers.delete(producer.id)
      this.#room?.producerRemoved(producer)
    })
    transport.on('@newdataproducer', (dataProducer) => {
      this.#dataProducers.set(dataProducer.id, dataProducer)
      this.#room?.producerAdded(dataProducer)
    })
    transport.on('@dataproducerclose', (dataProducer) => {
      this.#dataProducers.delete(dataProducer.id)
      this.#room?.producerRemoved(dataProducer)
    })
    this.observer.safeEmit('newtransport', transport)
    return transport
  }

  async createAudioLevelObserver ({ maxEntries = 1, threshold = -80, interval = 1000, appData } = {}) {
    this._checkOpen('Router')
    if (!isUint32(maxEntries) || maxEntries === 0) {
      throw typeError('if given, maxEntries must be a positive number')
    } else if (typeof threshold !== 'number' || threshold < -127 || threshold > 0) {
      throw typeError('if given, threshold must be a negative number greater than -127')
    } else if (!isUint32(interval)) {
      throw typeError('if given, interval must be an number')
    }
    appData = checkAppData(appData)
    const site = await this.#observerBinding()
    const id = await site.routerCreateAudioLevelObserver(this.id, { maxEntries, threshold, interval })
    return this.#adoptObserver(new AudioLevelObserver({ id, appData, getProducerById: (p) => this.#observedProducer(p), binding: site }))
  }

  async createActiveSpeakerObserver ({ interval = 300, appData } = {}) {
    this._checkOpen('Router')
    if (!isUint32(interval)) throw typeError('if given, interval must be an number')
    appData = checkAppData(appData)
    const site = await this.#observerBinding()
    const id = await site.routerCreateActiveSpeakerObserver(this.id, { interval })
    return this.#adoptObserver(new ActiveSpeakerObserver({ id, appData, getProducerById: (p) => this.#observedProducer(p), binding: site }))
  }

  /**
   * A producer an RTP observer names: this Router's, or (in a room several
   * application instances use) what another told of one it made (`id`,
   * `kind`, `type`, `appData`).
   */
  #observedProducer (producerId) {
    return this.#producers.get(producerId) ?? this.#room?.remoteProducer(producerId)
  }

  #adoptObserver (rtpObserver) {
    if (this.closed) {
      rtpObserver.routerClosed()
      this._checkOpen('Router')
    }
    this.#rtpObservers.set(rtpObserver.id, rtpObserver)
    rtpObserver._leaseProducer = (id) => this.#room?.lease(this.#producers.get(id) ?? id, rtpObserver._binding) ?? null
    rtpObserver.on('@close', () => this.#rtpObservers.delete(rtpObserver.id))
    this.observer.safeEmit('newrtpobserver', rtpObserver)
    return rtpObserver
  }

  /**
   * mediasoup's `pipeToRouter()` between two routers (rooms) of this
   * process. No PipeTransports are made: `router` imports the (data)
   * producer and its consumers reach it as mafalda's own (through a shared
   * real router, or an internal pipe when on another worker). See
   * lib/PipeLink.js for the returned objects.
   */
  async pipeToRouter ({
    producerId, dataProducerId, router, keepId = true, listenInfo, listenIp,
    enableSctp = true, numSctpStreams = { OS: 1024, MIS: 1024 }, enableRtx = false, enableSrtp = false
  } = {}) {
    if (listenInfo && listenIp) throw typeError('only one of listenInfo and listenIp must be given')
    if (!producerId && !dataProducerId) throw typeError('missing producerId or dataProducerId')
    if (producerId && dataProducerId) throw typeError('just producerId or dataProducerId can be given')
    if (!router) throw typeError('Router not found')
    if (router === this) throw typeError('cannot use this Router as destination')
    if (!(router instanceof Router)) throw typeError('Router not found')
    // Unused between rooms of one process (nothing goes over a socket),
    // checked so that a call valid for mediasoup is valid here.
    void listenInfo, void enableSctp, void numSctpStreams, void enableSrtp
    if (!keepId) throw new UnsupportedError('pipeToRouter({ keepId: false }) between routers of one process')
    this._checkOpen('Router')
    router._checkOpen('Router')
    const data = !producerId
    const source = data ? this.#dataProducers.get(dataProducerId) : this.#producers.get(producerId)
    if (!source) {
      throw typeError(data ? 'DataProducer not found' : 'Producer not found')
    }
    if (this.#remoteOnly() || router.#remoteOnly() || source._binding?.instanceId) {
      throw new UnsupportedError('pipeToRouter() of a producer or room on another instance of the cluster')
    }
    return pipeBetweenRooms({
      source, data, to: router, enableRtx: Boolean(enableRtx), adopt: (end) => router._adoptPipeProducer(end, data)
    })
  }

  /** A pipe (data) producer of a pipeToRouter() import into this router. */
  _adoptPipeProducer (pipeProducer, data) {
    const map = data ? this.#dataProducers : this.#producers
    this.#pipeProducers.add(pipeProducer)
    map.set(pipeProducer.id, pipeProducer)
    pipeProducer.on('@close', () => {
      this.#pipeProducers.delete(pipeProducer)
      if (map.get(pipeProducer.id) === pipeProducer) map.delete(pipeProducer.id)
    })
  }

  canConsume ({ producerId, rtpCapabilities } = {}) {
    if (this.closed || typeof producerId !== 'string') return false
    // As mediasoup-node: a producer this router does not hold (closed
    // already, even if its native close still waits behind earlier calls);
    // in a room shared by several application instances, one another
    // made.
    const producer = this.#producers.get(producerId) ?? this.#room?.remoteProducer(producerId)
    if (!producer || producer.data) return false
    try {
      // A producer on another instance: by its consumable parameters.
      if (producer._binding?.instanceId || !producer._binding) {
        return binding.canConsumeParameters(JSON.stringify(producer.consumableRtpParameters), JSON.stringify(rtpCapabilities) ?? '')
      }
      return binding.routerCanConsume(this.id, producerId, JSON.stringify(rtpCapabilities) ?? '')
    } catch (_) {
      return false
    }
  }

  /**
   * Instance `instanceId` of the cluster is gone: its transports and
   * observers close with `routerclose`, as when a real worker dies.
   */
  _instanceGone (instanceId) {
    for (const transport of [...this.#transports.values()]) {
      if (transport._binding.instanceId === instanceId) transport._onNativeEvent('routerclose')
    }
    for (const rtpObserver of [...this.#rtpObservers.values()]) {
      if (rtpObserver._binding.instanceId === instanceId) rtpObserver._onNativeEvent('routerclose')
    }
  }

  /** The room's own (data) producers, for the cluster's directory. */
  _clusterProducers () {
    return [...this.#producers.values(), ...this.#dataProducers.values()].filter((p) => p._binding)
  }

  _getProducer (producerId, data = false) {
    return data ? this.#dataProducers.get(producerId) : this.#producers.get(producerId)
  }

  _onNativeEvent (eventName) {
    if (eventName === 'workerclose') this.workerClosed()
  }
}

// mediasoup's conversion of the deprecated `listenIps`: every IP on each
// enabled protocol, in the preferred order.
function listenIpsToInfos (listenIps, { port, enableUdp, enableTcp, preferUdp, preferTcp }) {
  const protocols = []
  if (enableUdp && (preferUdp || !enableTcp || !preferTcp)) {
    protocols.push('udp')
    if (enableTcp) protocols.push('tcp')
  } else if (enableTcp && ((preferTcp && !preferUdp) || !enableUdp)) {
    protocols.push('tcp')
    if (enableUdp) protocols.push('udp')
  }
  const infos = []
  for (let listenIp of listenIps) {
    if (typeof listenIp === 'string') listenIp = { ip: listenIp }
    for (const protocol of protocols) {
      infos.push({ protocol, ip: listenIp.ip, announcedAddress: listenIp.announcedIp, port })
    }
  }
  return infos
}

module.exports = { Router }
