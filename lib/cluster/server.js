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
  'transportConsumeData', 'directTransportSendRtcp',
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

/** Rooms served here, by `${caller} ${room id on the caller}`. */
const rooms = new Map()
/** Objects created here for a caller: id → { room key, pipe }. */
const objects = new Map()
let workerSettings = null
// The virtual worker rooms and servers served here go through (a promise
// of its id), made at the first need.
let serving = null
/** Counterparts of callers' WebRtcServers: `${caller} ${server id}` → promise of the local id. */
const servers = new Map()

/**
 * Worker settings (`rtcMinPort`, `rtcMaxPort`, …) for the rooms served
 * here; without, they go to the pool's default group.
 */
function setWorkerSettings (settings) {
  workerSettings = settings
}

function roomKey (from, room) { return `${from} ${room}` }

async function openRoom (from, room, mediaCodecs) {
  const key = roomKey(from, room)
  let entry = rooms.get(key)
  if (!entry) {
    entry = { from, room, local: null, ids: new Set(), opening: null }
    rooms.set(key, entry)
  }
  entry.opening ??= (async () => {
    const worker = workerSettings ? await servingWorker() : undefined
    const data = await binding.createRouter(worker, mediaCodecs ?? [])
    if (rooms.get(key) !== entry) {
      binding.routerClose(data.id)
      throw new InvalidStateError('Router closed')
    }
    entry.local = data.id
    return { rtpCapabilities: data.rtpCapabilities }
  })()
  return entry.opening
}

function closeRoom (key) {
  const entry = rooms.get(key)
  if (!entry) return
  rooms.delete(key)
  if (entry.local) binding.routerClose(entry.local)
  for (const id of entry.ids) forget(id)
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

function adopt (from, entry, id, pipe) {
  objects.set(id, { key: roomKey(from, entry.room), pipe })
  entry.ids.add(id)
  dispatcher.register(id, forwarder(from, id, entry))
}

function forget (id) {
  const object = objects.get(id)
  if (!object) return
  objects.delete(id)
  rooms.get(object.key)?.ids.delete(id)
  dispatcher.unregister(id)
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
  if (fn === 'webrtcServerClose') return closeServer(from, args[0])
  if (!CALLABLE.has(fn)) throw typeError(`cluster: ${fn}() cannot be called from another instance`)
  let entry
  if (fn.startsWith('router')) {
    const key = roomKey(from, args[0])
    entry = rooms.get(key)
    if (fn === 'routerClose') {
      closeRoom(key)
      return
    }
    if (!entry?.local) throw new InvalidStateError('Router closed')
    args[0] = entry.local
    if (LISTENS.has(fn)) {
      return localOptions(from, args[1]).then((options) => {
        args[1] = options
        return run(from, message, fn, args, entry)
      })
    }
  } else {
    const owner = objects.get(args[0])
    entry = owner && rooms.get(owner.key)
  }
  return run(from, message, fn, args, entry)
}

function run (from, message, fn, args, entry) {
  const result = binding[fn](...args)
  if (fn.endsWith('Close')) forget(message.args[0])
  if (!CREATES.has(fn)) return result
  return Promise.resolve(result).then((result) => {
    const id = createdId(result)
    if (id && entry && rooms.get(roomKey(from, entry.room)) === entry) adopt(from, entry, id, message.pipe)
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
  for (const [key, entry] of [...rooms]) {
    if (entry.from === from) closeRoom(key)
  }
  for (const key of [...servers.keys()]) {
    const [caller, id] = key.split(' ')
    if (caller === from) closeServer(caller, id).catch(() => {})
  }
}

/** Rooms served here now (for draining). */
function servedRooms () {
  return rooms.size
}

/** Closes every room served here (this instance leaves). */
function closeAll () {
  for (const key of [...rooms.keys()]) closeRoom(key)
  for (const key of [...servers.keys()]) {
    const [from, id] = key.split(' ')
    closeServer(from, id).catch(() => {})
  }
}

module.exports = { serve, dump, closeAll, callerGone, servedRooms, setWorkerSettings, notePipe, forgetPipe }
