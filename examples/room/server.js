'use strict'

// A small mediasoup-style room server running on mafalda: HTTP for the page,
// WebSocket for signalling. It uses mafalda exactly as a mediasoup app
// would, except for `mafalda.createRouter()` (one router per room, no worker
// to manage). With `--webrtc-server-port` it works as EduMeet 4's media node
// does instead: one worker, one WebRtcServer on that port (UDP and TCP) that
// every WebRtcTransport listens through, rooms made by `worker.createRouter()`.
//
//   node examples/room/server.js [--port 3000] [--host 127.0.0.1] [--webrtc-server-port 40000]

const http = require('node:http')
const fs = require('node:fs')
const path = require('node:path')
const { WebSocketServer } = require('ws')
const mafalda = require('../..')

const mediaCodecs = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } }
]

const PUBLIC = path.join(__dirname, 'public')

// Signalling messages are small; anything larger is refused by the socket.
const MAX_MESSAGE_BYTES = 256 * 1024
// What a client may call, and the type of each field its `data` must carry.
const METHODS = {
  getRouterRtpCapabilities: {},
  createWebRtcTransport: { direction: 'string' },
  connectWebRtcTransport: { transportId: 'string', dtlsParameters: 'object' },
  join: { rtpCapabilities: 'object' },
  produce: { transportId: 'string', kind: 'string', rtpParameters: 'object' },
  consume: { transportId: 'string', producerId: 'string', kind: 'string' },
  resumeConsumer: { consumerId: 'string' }
}

/**
 * A request `{ id, method, data }` from a client's message, or an error
 * saying what is wrong with it. Never throws.
 */
function parseRequest (message) {
  let request
  try {
    request = JSON.parse(message)
  } catch {
    return { error: 'not JSON' }
  }
  if (!request || typeof request !== 'object' || Array.isArray(request)) return { error: 'not a request object' }
  const { id, method } = request
  if (typeof id !== 'number' && typeof id !== 'string') return { error: 'missing id' }
  const data = request.data ?? {}
  if (typeof method !== 'string' || !Object.hasOwn(METHODS, method)) return { id, error: `unknown method ${String(method).slice(0, 64)}` }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return { id, error: 'data must be an object' }
  for (const [field, type] of Object.entries(METHODS[method])) {
    if (typeof data[field] !== type || data[field] === null) return { id, error: `${method}: ${field} must be a ${type}` }
  }
  return { id, method, data }
}

/** Bundles the page's script (mediasoup-client) with esbuild. */
async function bundle () {
  const esbuild = require('esbuild')
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'client.js')],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    outfile: path.join(PUBLIC, 'bundle.js'),
    logLevel: 'warning'
  })
}

class Room {
  constructor (name, router) {
    this.name = name
    this.router = router
    this.peers = new Map()
  }

  static async create (name, worker) {
    const options = { mediaCodecs, appData: { room: name } }
    return new Room(name, await (worker ? worker.createRouter(options) : mafalda.createRouter(options)))
  }

  producers () {
    const list = []
    for (const peer of this.peers.values()) {
      for (const producer of peer.producers.values()) list.push({ peerId: peer.id, producerId: producer.id, kind: producer.kind })
    }
    return list
  }

  broadcast (from, method, data) {
    for (const peer of this.peers.values()) if (peer !== from && peer.joined) peer.notify(method, data)
  }
}

class Peer {
  constructor (id, socket, room, listenIp, webRtcServer) {
    this.id = id
    this.socket = socket
    this.room = room
    this.listenIp = listenIp
    this.webRtcServer = webRtcServer
    this.joined = false
    this.rtpCapabilities = undefined
    this.transports = new Map()
    this.producers = new Map()
    this.consumers = new Map()
  }

  notify (method, data) {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify({ notification: true, method, data }))
  }

  async handle (method, data) {
    const { router } = this.room
    switch (method) {
      case 'getRouterRtpCapabilities':
        return router.rtpCapabilities
      case 'createWebRtcTransport': {
        const transport = await router.createWebRtcTransport({
          ...(this.webRtcServer
            ? { webRtcServer: this.webRtcServer }
            : { listenInfos: [{ protocol: 'udp', ip: this.listenIp }] }),
          appData: { peerId: this.id, direction: data.direction }
        })
        this.transports.set(transport.id, transport)
        return {
          id: transport.id,
          iceParameters: transport.iceParameters,
          iceCandidates: transport.iceCandidates,
          dtlsParameters: transport.dtlsParameters
        }
      }
      case 'connectWebRtcTransport':
        await this.transport(data.transportId).connect({ dtlsParameters: data.dtlsParameters })
        return {}
      case 'join': {
        this.rtpCapabilities = data.rtpCapabilities
        this.joined = true
        return { peerId: this.id, producers: this.room.producers().filter((p) => p.peerId !== this.id) }
      }
      case 'produce': {
        const producer = await this.transport(data.transportId).produce({
          kind: data.kind, rtpParameters: data.rtpParameters, appData: { peerId: this.id }
        })
        this.producers.set(producer.id, producer)
        this.room.broadcast(this, 'newProducer', { peerId: this.id, producerId: producer.id, kind: producer.kind })
        return { id: producer.id }
      }
      case 'consume': {
        if (!this.room.router.canConsume({ producerId: data.producerId, rtpCapabilities: this.rtpCapabilities })) {
          throw new Error('cannot consume')
        }
        // Video starts paused, as EduMeet does; the client resumes it once
        // its consumer exists.
        const consumer = await this.transport(data.transportId).consume({
          producerId: data.producerId,
          rtpCapabilities: this.rtpCapabilities,
          paused: data.kind === 'video'
        })
        this.consumers.set(consumer.id, consumer)
        const forget = () => {
          this.consumers.delete(consumer.id)
          this.notify('consumerClosed', { consumerId: consumer.id })
        }
        consumer.on('producerclose', forget)
        consumer.on('transportclose', () => this.consumers.delete(consumer.id))
        return { id: consumer.id, producerId: consumer.producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters }
      }
      case 'resumeConsumer': {
        const consumer = this.consumers.get(data.consumerId)
        if (!consumer) throw new Error(`no consumer ${data.consumerId}`)
        await consumer.resume()
        return {}
      }
      default:
        throw new Error(`unknown method ${method}`)
    }
  }

  transport (id) {
    const transport = this.transports.get(id)
    if (!transport) throw new Error(`no transport ${id}`)
    return transport
  }

  close () {
    for (const transport of this.transports.values()) transport.close()
    this.room.peers.delete(this.id)
  }
}

/**
 * Starts the demo. Resolves to `{ url, close() }`.
 */
async function startServer ({ port = 3000, host = '127.0.0.1', listenIp = host, webRtcServerPort } = {}) {
  await bundle()
  let worker, webRtcServer
  if (webRtcServerPort !== undefined) {
    worker = await mafalda.createWorker()
    webRtcServer = await worker.createWebRtcServer({
      listenInfos: [
        { protocol: 'udp', ip: listenIp, port: webRtcServerPort },
        { protocol: 'tcp', ip: listenIp, port: webRtcServerPort }
      ]
    })
  }
  // Rooms by name (promises: a room is made while its first peer waits),
  // and how many sockets each has. A room closes with its last socket.
  const rooms = new Map()
  const sockets = new Map()
  const enter = (name) => {
    sockets.set(name, (sockets.get(name) ?? 0) + 1)
    if (!rooms.has(name)) rooms.set(name, Room.create(name, worker))
    return rooms.get(name)
  }
  const leave = (name) => {
    const left = sockets.get(name) - 1
    if (left > 0) return sockets.set(name, left)
    sockets.delete(name)
    const room = rooms.get(name)
    rooms.delete(name)
    room.then((room) => room.router.close(), () => {})
  }
  const server = http.createServer((req, res) => {
    const file = new URL(req.url, 'http://x').pathname === '/bundle.js' ? 'bundle.js' : 'index.html'
    res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' })
    fs.createReadStream(path.join(PUBLIC, file)).pipe(res)
  })
  const wss = new WebSocketServer({ server, path: '/ws', maxPayload: MAX_MESSAGE_BYTES })
  let nextPeer = 1
  wss.on('connection', (socket, req) => {
    const params = new URL(req.url, 'http://x').searchParams
    const roomName = params.get('room') || 'demo'
    const peerId = params.get('peer') || `peer-${nextPeer++}`
    // A socket error (an oversized or broken frame) closes that socket only.
    socket.on('error', () => socket.terminate())
    // Listen at once: the first request may arrive while the room is made.
    const joined = enter(roomName).then((room) => {
      // One socket per peer id: a second client cannot take over a peer.
      if (room.peers.has(peerId)) throw new Error(`peer ${peerId} is already in room ${roomName}`)
      const peer = new Peer(peerId, socket, room, listenIp, webRtcServer)
      room.peers.set(peer.id, peer)
      return peer
    })
    joined.catch((error) => socket.close(4409, error.message.slice(0, 120)))
    const reply = (response) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(response))
    }
    socket.on('message', async (message, isBinary) => {
      const request = isBinary ? { error: 'binary messages are not requests' } : parseRequest(message)
      if (request.error) return reply({ id: request.id ?? null, ok: false, error: request.error })
      try {
        const peer = await joined
        reply({ id: request.id, ok: true, data: await peer.handle(request.method, request.data) })
      } catch (error) {
        reply({ id: request.id, ok: false, error: String(error?.message ?? error) })
      }
    })
    socket.on('close', () => {
      joined.then((peer) => peer.close(), () => {}).finally(() => leave(roomName))
    })
  })
  await new Promise((resolve) => server.listen(port, host, resolve))
  const url = `http://${host}:${server.address().port}`
  return {
    url,
    rooms,
    async close () {
      for (const client of wss.clients) client.terminate()
      wss.close()
      await new Promise((resolve) => server.close(resolve))
      for (const room of rooms.values()) (await room.catch(() => undefined))?.router.close()
      worker?.close()
    }
  }
}

module.exports = { startServer }

if (require.main === module) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? process.argv[i + 1] : fallback
  }
  const webRtcServerPort = arg('webrtc-server-port')
  startServer({
    port: Number(arg('port', 3000)),
    host: arg('host', '127.0.0.1'),
    webRtcServerPort: webRtcServerPort === undefined ? undefined : Number(webRtcServerPort)
  }).then(({ url }) => {
    console.log(`mafalda room demo: open ${url}/?room=demo in a few browser tabs`)
  })
}
