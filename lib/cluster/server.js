'use strict'

const binding = require('../binding')
const dispatcher = require('../dispatcher')
const logger = require('../logger')
const messages = require('./messages')
const { InvalidStateError, UnsupportedError, typeError } = require('../errors')

// What another instance may ask this one to do: the binding functions that
// act on the objects of a room it delegated here. Nothing process-wide
// (configure, workers, shutdown) is reachable from the cluster.
const CALLABLE = new Set([
  'routerDump', 'routerCreateWebrtcTransport', 'routerCreatePlainTransport', 'routerCreatePipeTransport',
  'routerCreateDirectTransport', 'routerCreateAudioLevelObserver', 'routerCreateActiveSpeakerObserver',
  'routerClose', 'routerUpdateMediaCodecs',
  'transportConnect', 'transportRestartIce', 'transportClose', 'transportDump', 'transportGetStats',
  'transportEnableTraceEvent', 'transportSetMaxIncomingBitrate', 'transportSetMaxOutgoingBitrate',
  'transportSetMinOutgoingBitrate', 'transportProduce', 'transportConsume', 'transportProduceData',
  'transportConsumeData', 'directTransportSendRtcp', 'transportProduceArrival', 'transportSite',
  'producerClose', 'producerDump', 'producerSend', 'producerEnableTraceEvent', 'producerGetStats',
  'producerPause', 'producerResume',
  'consumerClose', 'consumerDump', 'consumerEnableTraceEvent', 'consumerGetStats', 'consumerPause',
  'consumerResume', 'consumerSetPreferredLayers', 'consumerSetPriority', 'consumerRequestKeyFrame',
  'dataProducerClose', 'dataProducerDump', 'dataProducerGetStats', 'dataProducerPause',
  'dataProducerResume', 'dataProducerSend',
  'dataConsumerClose', 'dataConsumerDump', 'dataConsumerGetStats', 'dataConsumerPause',
  'dataConsumerResume', 'dataConsumerSetBufferedAmountLowThreshold', 'dataConsumerGetBufferedAmount',
  'dataConsumerSend', 'dataConsumerSetSubchannels', 'dataConsumerAddSubchannel', 'dataConsumerRemoveSubchannel',
  'rtpObserverClose', 'rtpObserverSetPaused', 'rtpObserverAddProducer', 'rtpObserverRemoveProducer'
])

// Calls that create an object whose events go back to the caller.
const CREATES = new Set([
  'routerCreateWebrtcTransport', 'routerCreatePlainTransport', 'routerCreatePipeTransport',
  'routerCreateDirectTransport', 'routerCreateAudioLevelObserver', 'routerCreateActiveSpeakerObserver',
  'transportProduce', 'transportConsume', 'transportProduceData', 'transportConsumeData'
])

// Events after which an object is gone on the native side.
const TERMINAL = new Set(['producerclose', 'dataproducerclose', 'routerclose', 'listenserverclose'])

// Calls whose options carry listen infos: they describe the caller's
// machine, so here they get this instance's address.
const LISTENS = new Set(['routerCreateWebrtcTransport', 'routerCreatePlainTransport', 'routerCreatePipeTransport'])

/**
 * Rooms with a part here, by id (the same on every instance): the callers
 * that opened it here, whether this process's application holds it too
 * (`own`: a Router of its own with that id), and what each caller created.
 * The native router has the room's id; it closes with its last holder.
 */
const rooms = new Map()
/** Objects created here for a caller: id → { room, from, kind, pipe }. */
const objects = new Map()
/**
 * Further arrivals of a caller's producers (per-router pipes: their id is
 * the producer's), as objects under `${producer} ${transport}`, listed
 * here under both ids: they go with either.
 */
const arrivals = new Map()
let workerSettings = null
// The virtual worker rooms and servers served here go through (a promise
// of its id), made at the first need.
let serving = null
/** Counterparts of callers' WebRtcServers: `${caller} ${server id}` → promise of the local id. */
const servers = new Map()
// Handles the room messages between application instances sharing a room
// (lib/cluster/ClusterRoom.js), set there.
let roomHandler = null

/**
 * Worker settings (`rtcMinPort`, `rtcMaxPort`, …) for the rooms served
 * here; without, they go to the pool's default group.
 */
function setWorkerSettings (settings) {
  workerSettings = settings
}

function setRoomHandler (handler) {
  roomHandler = handler
}

function roomEntry (room) {
  let entry = rooms.get(room)
  if (!entry) {
    entry = { room, callers: new Set(), own: false, ids: new Set(), opening: null }
    rooms.set(room, entry)
  }
  return entry
}

/** Opens (once) the native router of `room`, with the room's id. */
function openNative (entry, mediaCodecs) {
  entry.opening ??= (async () => {
    const worker = workerSettings ? await servingWorker() : undefined
    const data = await binding.createRouter(worker, mediaCodecs ?? [], entry.room)
    if (rooms.get(entry.room) !== entry) {
      binding.routerClose(data.id)
      throw new InvalidStateError('Router closed')
    }
    return { rtpCapabilities: data.rtpCapabilities }
  })()
  entry.opening.catch(() => { if (rooms.get(entry.room) === entry && !entry.own) rooms.delete(entry.room) })
  return entry.opening
}

async function openRoom (from, room, mediaCodecs) {
  const entry = roomEntry(room)
  entry.callers.add(from)
  return openNative(entry, mediaCodecs)
}

/**
 * This process's application holds room `room`: `data` when its Router
 * made the native router, else it is opened (or found open, served for
 * others) with `mediaCodecs`. Resolves with `{ rtpCapabilities }`.
 */
function holdOwn (room, mediaCodecs, data) {
  const entry = roomEntry(room)
  entry.own = true
  if (data) entry.opening ??= Promise.resolve({ rtpCapabilities: data.rtpCapabilities })
  return openNative(entry, mediaCodecs)
}

/**
 * This process's application let go of room `room`; true when the native
 * router is to close (no caller uses it), else its own objects are closed
 * by the caller of this.
 */
function releaseOwn (room) {
  const entry = rooms.get(room)
  if (!entry) return true
  entry.own = false
  if (entry.callers.size > 0) return false
  rooms.delete(room)
  return true
}

/** Caller `from` let go of `room`: what it made there closes; the room with its last holder. */
function leaveRoom (from, room) {
  const entry = rooms.get(room)
  if (!entry || !entry.callers.delete(from)) return
  if (entry.callers.size === 0 && !entry.own) {
    rooms.delete(room)
    if (entry.opening) entry.opening.then(() => binding.routerClose(room), () => {})
    for (const id of entry.ids) forget(id)
    return
  }
  for (const id of [...entry.ids]) {
    const object = objects.get(id)
    if (object?.from !== from) continue
    // Transports and observers: their producers and consumers go with them.
    if (object.kind === 'transport') binding.transportClose(id)
    else if (object.kind === 'observer') binding.rtpObserverClose(id)
    forget(id)
  }
}

/** Sends a native event of object `id` to `to` (as `target`). */
function forwarder (to, target, entry) {
  return {
    _onNativeEvent (name, data, payload) {
      messages.event(to, target, name, data, payload)
      if (TERMINAL.has(name)) forget(target)
    }
  }
}

function adopt (from, entry, id, fn, pipe) {
  const kind = fn.startsWith('routerCreate') ? (fn.endsWith('Observer') ? 'observer' : 'transport') : 'child'
  objects.set(id, { room: entry.room, from, kind, pipe })
  entry.ids.add(id)
  dispatcher.register(id, forwarder(from, id, entry))
}

function forget (id) {
  for (const key of arrivals.get(id) ?? []) forget(key)
  arrivals.delete(id)
  const object = objects.get(id)
  if (!object) return
  objects.delete(id)
  rooms.get(object.room)?.ids.delete(id)
  if (object.kind === 'arrival') {
    for (const over of object.over) arrivals.get(over)?.delete(id)
  } else {
    dispatcher.unregister(id)
  }
}

/** Notes a further arrival of producer `producerId` over transport `transportId` (for `dump()`). */
function noteArrival (from, entry, producerId, transportId, pipe) {
  const key = `${producerId} ${transportId}`
  objects.set(key, { room: entry.room, from, kind: 'arrival', pipe, over: [producerId, transportId] })
  entry.ids.add(key)
  for (const id of [producerId, transportId]) {
    if (!arrivals.has(id)) arrivals.set(id, new Set())
    arrivals.get(id).add(key)
  }
}

function withAddress (info, address) {
  if (!info) return info
  const out = { ...info, ip: address }
  if (out.announcedAddress !== undefined || out.announcedIp !== undefined) out.announcedAddress = address
  delete out.announcedIp
  return out
}

async function localOptions (from, text) {
  const options = JSON.parse(text)
  const address = messages.state.self.address
  if (options.webRtcServerId) {
    options.webRtcServerId = await counterpartServer(from, options.webRtcServerId, options.webRtcServerListenInfos)
  }
  delete options.webRtcServerListenInfos
  if (Array.isArray(options.listenInfos)) options.listenInfos = options.listenInfos.map((i) => withAddress(i, address))
  if (options.listenInfo) options.listenInfo = withAddress(options.listenInfo, address)
  if (options.rtcpListenInfo) options.rtcpListenInfo = withAddress(options.rtcpListenInfo, address)
  return JSON.stringify(options)
}

/** The virtual worker the rooms (and servers) served here go through. */
function servingWorker () {
  serving ??= binding.createWorker(workerSettings ?? { logLevel: 'error' }).then((info) => info.id)
  serving.catch(() => { serving = null })
  return serving
}

/**
 * This instance's counterpart of a caller's WebRtcServer, made once: its
 * listen infos with this instance's address and without their fixed port
 * (the worker picks one, as for the servers mafalda adds on other workers
 * of one process).
 */
function counterpartServer (from, id, listenInfos) {
  const key = `${from} ${id}`
  let server = servers.get(key)
  if (!server) {
    if (!Array.isArray(listenInfos) || listenInfos.length === 0) {
      throw new UnsupportedError('a WebRtcTransport on a WebRtcServer whose listen infos are unknown here')
    }
    const address = messages.state.self.address
    const infos = listenInfos.map((info) => {
      const local = withAddress(info, address)
      delete local.port
      return local
    })
    server = servingWorker().then((worker) => binding.workerCreateWebrtcServer(worker, infos))
    server.catch(() => { if (servers.get(key) === server) servers.delete(key) })
    servers.set(key, server)
  }
  return server
}

async function closeServer (from, id) {
  const key = `${from} ${id}`
  const server = servers.get(key)
  servers.delete(key)
  if (server) binding.webrtcServerClose(await server)
}

function createdId (result) {
  if (typeof result === 'string') return result.startsWith('{') ? JSON.parse(result).id : result
  return result?.id
}

function call (from, message) {
  const { fn } = message
  const args = Array.isArray(message.args) ? [...message.args] : []
  if (fn === 'roomOpen') return openRoom(from, args[0], args[1])
  if (fn === 'dump') return dump()
  if (fn.startsWith('room')) {
    if (!roomHandler) throw new InvalidStateError('Router closed')
    return roomHandler(from, fn, args)
  }
  if (fn === 'webrtcServerClose') return closeServer(from, args[0])
  if (!CALLABLE.has(fn)) throw typeError(`cluster: ${fn}() cannot be called from another instance`)
  let entry
  if (fn.startsWith('router')) {
    entry = rooms.get(args[0])
    if (fn === 'routerClose') {
      leaveRoom(from, args[0])
      return
    }
    if (!entry?.callers.has(from)) throw new InvalidStateError('Router closed')
    if (LISTENS.has(fn)) {
      return localOptions(from, args[1]).then((options) => {
        args[1] = options
        return run(from, message, fn, args, entry)
      })
    }
  } else {
    const owner = objects.get(args[0])
    entry = owner && rooms.get(owner.room)
  }
  return run(from, message, fn, args, entry)
}

function run (from, message, fn, args, entry) {
  const result = binding[fn](...args)
  if (fn.endsWith('Close')) forget(message.args[0])
  if (fn === 'transportProduceArrival') {
    return result.then((text) => {
      if (entry && rooms.get(entry.room) === entry) noteArrival(from, entry, JSON.parse(text).id, args[0], message.pipe)
      return text
    })
  }
  if (!CREATES.has(fn)) return result
  return Promise.resolve(result).then((result) => {
    const id = createdId(result)
    if (id && entry && rooms.get(entry.room) === entry && entry.callers.has(from)) adopt(from, entry, id, fn, message.pipe)
    return result
  })
}

/** Runs a request or note from instance `from`, in arrival order. */
function serve (from, message) {
  let result
  try {
    result = call(from, message)
  } catch (error) {
    result = Promise.reject(error)
  }
  Promise.resolve(result).then(
    (value) => { if (message.t === 'req') messages.reply(from, message.id, true, value) },
    (error) => {
      if (message.t === 'req') messages.reply(from, message.id, false, error)
      else logger.cluster.debug('%s() from %s failed: %s', message.fn, from, error.message)
    }
  )
}

// Pipe ends this instance made for its own rooms (lib/cluster/pipes.js):
// object id → { producerId, from | to }.
const localPipes = new Map()

function notePipe (id, pipe) { localPipes.set(id, pipe) }
function forgetPipe (id) { localPipes.delete(id) }

/** This instance's part of `mafalda.cluster.dump()`. */
async function dump () {
  const { workers } = await binding.poolDump()
  const pipesIn = []
  const pipesOut = []
  const pipes = [...[...objects.values()].map((object) => object.pipe), ...localPipes.values()]
  for (const pipe of pipes) {
    if (pipe?.from) pipesIn.push({ producerId: pipe.producerId, from: pipe.from })
    if (pipe?.to) pipesOut.push({ producerId: pipe.producerId, to: pipe.to })
  }
  return { workers, pipesIn, pipesOut }
}

/** The caller `from` is gone: what was served for it closes. */
function callerGone (from) {
  for (const room of [...rooms.keys()]) leaveRoom(from, room)
  for (const key of [...servers.keys()]) {
    const [caller, id] = key.split(' ')
    if (caller === from) closeServer(caller, id).catch(() => {})
  }
}

/** Rooms served here for other instances now (for draining). */
function servedRooms () {
  let served = 0
  for (const entry of rooms.values()) if (entry.callers.size > 0) served++
  return served
}

/** Closes what is served here for others (this instance leaves). */
function closeAll () {
  for (const [room, entry] of [...rooms]) {
    for (const from of [...entry.callers]) leaveRoom(from, room)
  }
  for (const key of [...servers.keys()]) {
    const [from, id] = key.split(' ')
    closeServer(from, id).catch(() => {})
  }
}

module.exports = {
  serve, dump, closeAll, callerGone, servedRooms, setWorkerSettings, setRoomHandler, holdOwn, releaseOwn, notePipe, forgetPipe
}
