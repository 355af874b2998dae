'use strict'

const dgram = require('node:dgram')

const mediaCodecs = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 1000 } }
]

/** RTP parameters of an Opus producer sent by a plain endpoint. */
function opusRtpParameters (ssrc, payloadType = 100, { audioLevel = false } = {}) {
  return {
    codecs: [{ mimeType: 'audio/opus', payloadType, clockRate: 48000, channels: 2 }],
    headerExtensions: audioLevel
      ? [{ uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: AUDIO_LEVEL_EXTENSION_ID }]
      : [],
    encodings: [{ ssrc }]
  }
}

/** RTP parameters of a VP8 producer (NACK, PLI, FIR) sent by a plain endpoint. */
function vp8RtpParameters (ssrc) {
  return {
    codecs: [{
      mimeType: 'video/VP8',
      payloadType: 101,
      clockRate: 90000,
      rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }]
    }],
    encodings: [{ ssrc }]
  }
}

/** A consumer endpoint's capabilities: just what the router offers. */
function consumerCapabilities (router) {
  return { codecs: router.rtpCapabilities.codecs, headerExtensions: [] }
}

/** The RTP header extension id tests use for ssrc-audio-level. */
const AUDIO_LEVEL_EXTENSION_ID = 1

/**
 * A minimal RTP packet (RFC 3550 header + payload); with `audioLevel` (dBov,
 * 0..127 below full scale) it carries an RFC 6464 one-byte header extension.
 */
function rtpPacket ({ payloadType, sequenceNumber, timestamp, ssrc, payloadSize = 100, audioLevel }) {
  const extension = audioLevel === undefined ? 0 : 8
  const packet = Buffer.alloc(12 + extension + payloadSize, 0xab)
  packet[0] = audioLevel === undefined ? 0x80 : 0x90
  packet[1] = payloadType & 0x7f
  packet.writeUInt16BE(sequenceNumber & 0xffff, 2)
  packet.writeUInt32BE(timestamp >>> 0, 4)
  packet.writeUInt32BE(ssrc >>> 0, 8)
  if (extension) {
    packet.writeUInt16BE(0xbede, 12)
    packet.writeUInt16BE(1, 14) // one 32-bit word of elements
    packet[16] = (AUDIO_LEVEL_EXTENSION_ID << 4) | 0 // id, length - 1
    packet[17] = 0x80 | (audioLevel & 0x7f) // voice activity + level
    packet[18] = 0
    packet[19] = 0
  }
  return packet
}

/** RTCP packet types are 200-207; with RTCP mux they arrive on the RTP port. */
function isRtcp (packet) {
  return packet.length >= 2 && packet[1] >= 192 && packet[1] <= 223
}

/** Sockets bound by a test; the isolation setup closes those left open. */
const sockets = new Set()

function bindSocket () {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4')
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => resolve(socket))
  })
}

/** Closes the sockets still open, except those in `keep`. */
function closeSockets (keep = new Set()) {
  for (const socket of [...sockets]) {
    if (keep.has(socket)) continue
    sockets.delete(socket)
    try { socket.close() } catch (_) {}
  }
}

/** Pumps (loops that send media) running; stopped after each test. */
const pumps = new Set()

/**
 * Calls `step()` every `intervalMs` until stopped: `await pump.stop()`. The
 * isolation setup stops every pump a test left running, so a failed test
 * never leaves a loop that keeps the process alive.
 */
function startPump (step, intervalMs) {
  let running = true
  const loop = (async () => {
    while (running) {
      step()
      await sleep(intervalMs)
    }
  })()
  const pump = {
    async stop () {
      running = false
      pumps.delete(pump)
      await loop
    }
  }
  pumps.add(pump)
  return pump
}

/** Stops every pump still running. */
async function stopPumps () {
  await Promise.all([...pumps].map((pump) => pump.stop()))
}

/** The sockets still open. */
function openSockets () {
  return new Set(sockets)
}

function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function waitFor (predicate, { timeout = 5000, interval = 20 } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await predicate()
    if (value) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await sleep(interval)
  }
}

module.exports = {
  mediaCodecs, opusRtpParameters, vp8RtpParameters, consumerCapabilities, rtpPacket, isRtcp, bindSocket, closeSockets, openSockets, startPump, stopPumps, sleep, waitFor
}
