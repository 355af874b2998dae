// The demo page: joins a room, sends camera + microphone, shows every
// other peer's video. Bundled by server.js with esbuild.
import { Device } from 'mediasoup-client'

const params = new URLSearchParams(location.search)
const room = params.get('room') || 'demo'
const peerId = params.get('peer') || `peer-${Math.random().toString(36).slice(2, 8)}`

const socket = new WebSocket(`ws://${location.host}/ws?room=${encodeURIComponent(room)}&peer=${encodeURIComponent(peerId)}`)
const pending = new Map()
let nextId = 1
const handlers = {}

socket.onmessage = ({ data }) => {
  const message = JSON.parse(data)
  if (message.notification) return handlers[message.method]?.(message.data)
  const { resolve, reject } = pending.get(message.id)
  pending.delete(message.id)
  if (message.ok) resolve(message.data)
  else reject(new Error(message.error))
}

function request (method, data) {
  const id = nextId++
  socket.send(JSON.stringify({ id, method, data }))
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }))
}

const consumers = new Map() // consumerId -> { consumer, peerId, element }
const remotePeers = document.getElementById('peers')

function tileFor (remotePeerId) {
  let tile = document.getElementById(`peer-${remotePeerId}`)
  if (!tile) {
    tile = document.createElement('figure')
    tile.id = `peer-${remotePeerId}`
    tile.innerHTML = `<figcaption>${remotePeerId}</figcaption>`
    remotePeers.appendChild(tile)
  }
  return tile
}

async function consume (recvTransport, device, { producerId, peerId: remotePeerId, kind }) {
  const data = await request('consume', { transportId: recvTransport.id, producerId, kind })
  const consumer = await recvTransport.consume(data)
  const element = document.createElement(kind)
  element.autoplay = true
  element.playsInline = true
  element.muted = kind === 'audio' // autoplay policies; the test reads stats
  element.srcObject = new MediaStream([consumer.track])
  tileFor(remotePeerId).appendChild(element)
  consumers.set(consumer.id, { consumer, peerId: remotePeerId, element })
  await request('resumeConsumer', { consumerId: consumer.id })
}

async function main () {
  document.getElementById('me').textContent = `${peerId} in room ${room}`
  await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }))
  const device = new Device()
  await device.load({ routerRtpCapabilities: await request('getRouterRtpCapabilities') })

  const sendTransport = device.createSendTransport(await request('createWebRtcTransport', { direction: 'send' }))
  sendTransport.on('connect', ({ dtlsParameters }, done, fail) =>
    request('connectWebRtcTransport', { transportId: sendTransport.id, dtlsParameters }).then(done, fail))
  sendTransport.on('produce', ({ kind, rtpParameters }, done, fail) =>
    request('produce', { transportId: sendTransport.id, kind, rtpParameters }).then(done, fail))

  const recvTransport = device.createRecvTransport(await request('createWebRtcTransport', { direction: 'recv' }))
  recvTransport.on('connect', ({ dtlsParameters }, done, fail) =>
    request('connectWebRtcTransport', { transportId: recvTransport.id, dtlsParameters }).then(done, fail))

  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } })
  document.getElementById('local').srcObject = stream
  await sendTransport.produce({ track: stream.getAudioTracks()[0] })
  await sendTransport.produce({ track: stream.getVideoTracks()[0] })

  handlers.newProducer = (producer) => consume(recvTransport, device, producer)
  handlers.consumerClosed = ({ consumerId }) => {
    const entry = consumers.get(consumerId)
    if (!entry) return
    entry.consumer.close()
    entry.element.remove()
    consumers.delete(consumerId)
    const tile = document.getElementById(`peer-${entry.peerId}`)
    if (tile && !tile.querySelector('video, audio')) tile.remove()
  }
  const { producers } = await request('join', { rtpCapabilities: device.rtpCapabilities })
  for (const producer of producers) await consume(recvTransport, device, producer)
  window.demoReady = true
}

// For the end-to-end test: what this page receives from each remote peer,
// from the browser's own RTCPeerConnection stats.
window.demoStats = async () => {
  const result = {}
  for (const { consumer, peerId: remote } of consumers.values()) {
    const stats = await consumer.getStats()
    for (const stat of stats.values()) {
      if (stat.type !== 'inbound-rtp') continue
      result[remote] ??= {}
      result[remote][consumer.kind] = { packetsReceived: stat.packetsReceived, framesDecoded: stat.framesDecoded ?? 0 }
    }
  }
  return result
}
window.demoVideoElements = () => document.querySelectorAll('#peers video').length

main().catch((error) => {
  window.demoError = error.message
  document.getElementById('me').textContent = `error: ${error.message}`
})
