'use strict'

// What the long-run scripts (soak.js, fuzz.js) send: the codecs of their
// rooms, a loopback listen info, and producers' RTP parameters with a fresh
// SSRC each.

const mediaCodecs = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }
]

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }

/** RTP parameters of an Opus or VP8 producer; with SSRC `ssrc`. */
function rtpParameters (kind, ssrc) {
  return kind === 'audio'
    ? { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] }
    : { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc }] }
}

module.exports = { mediaCodecs, listenInfo, rtpParameters }
