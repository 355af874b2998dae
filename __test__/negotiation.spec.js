'use strict'

// What consumers negotiate follows what mediasoup 3.x offers, so that the
// worker does the per-packet work mediasoup's does: transport-wide-cc for
// audio is receive-only, the linked worker's own packet-id extension is not
// offered, and PlainTransports run no send-side bandwidth estimation.

const mafalda = require('..')
const mediasoup = require('mediasoup')
const { mediaCodecs, opusRtpParameters, vp8RtpParameters } = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
const TWCC = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'
const ABS_SEND_TIME = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time'
const PACKET_ID = 'urn:mediasoup:params:rtp-hdrext:packet-id'

function extension (capabilities, kind, uri) {
  return capabilities.headerExtensions.find((e) => e.kind === kind && e.uri === uri)
}

describe('negotiation as mediasoup offers it', () => {
  test('router and supported capabilities offer transport-wide-cc for audio as recvonly, as mediasoup does, and no packet-id', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    for (const capabilities of [room.rtpCapabilities, mafalda.getSupportedRtpCapabilities()]) {
      expect(extension(capabilities, 'audio', TWCC).direction).toBe('recvonly')
      expect(extension(capabilities, 'audio', TWCC).direction).toBe(extension(mediasoup.getSupportedRtpCapabilities(), 'audio', TWCC).direction)
      expect(extension(capabilities, 'video', TWCC).direction).toBe('sendrecv')
      expect(capabilities.headerExtensions.filter((e) => e.uri === PACKET_ID)).toEqual([])
    }
  })

  test('an audio consumer never negotiates transport-wide-cc, even when the capabilities passed have it', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    const send = await room.createPlainTransport({ listenInfo, comedia: true })
    const recv = await room.createWebRtcTransport({ listenInfos: [listenInfo] })
    const producer = await send.produce({ kind: 'audio', rtpParameters: opusRtpParameters(90000001) })
    // What a browser would send: every extension, each claimed for both kinds.
    const all = room.rtpCapabilities.headerExtensions.flatMap((e) => [
      { ...e, kind: 'audio', direction: 'sendrecv' }, { ...e, kind: 'video', direction: 'sendrecv' }
    ])
    const consumer = await recv.consume({ producerId: producer.id, rtpCapabilities: { codecs: room.rtpCapabilities.codecs, headerExtensions: all } })
    const uris = consumer.rtpParameters.headerExtensions.map((e) => e.uri)
    expect(uris).not.toContain(TWCC)
    expect(uris).not.toContain(PACKET_ID)
    expect(uris).toContain('urn:ietf:params:rtp-hdrext:ssrc-audio-level')
    expect(consumer.rtpParameters.codecs[0].rtcpFeedback.map((f) => f.type)).not.toContain('transport-cc')
  })

  test('a video consumer on a WebRtcTransport keeps transport-wide-cc; on a PlainTransport it runs no bandwidth estimation', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    const send = await room.createPlainTransport({ listenInfo, comedia: true })
    const producer = await send.produce({ kind: 'video', rtpParameters: vp8RtpParameters(90000002) })
    const webrtc = await room.createWebRtcTransport({ listenInfos: [listenInfo] })
    const plain = await room.createPlainTransport({ listenInfo })
    const onWebRtc = await webrtc.consume({ producerId: producer.id, rtpCapabilities: room.rtpCapabilities })
    const onPlain = await plain.consume({ producerId: producer.id, rtpCapabilities: room.rtpCapabilities })
    expect(onWebRtc.rtpParameters.headerExtensions.map((e) => e.uri)).toEqual(expect.arrayContaining([TWCC, ABS_SEND_TIME]))
    const plainUris = onPlain.rtpParameters.headerExtensions.map((e) => e.uri)
    expect(plainUris).not.toContain(TWCC)
    expect(plainUris).not.toContain(ABS_SEND_TIME)
  })

  test('each consume negotiates by the capabilities it is given, even when an earlier one gave others or the same object changed', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    try {
      const send = await room.createPlainTransport({ listenInfo, comedia: true })
      const recv = await room.createPlainTransport({ listenInfo })
      const producer = await send.produce({ kind: 'video', rtpParameters: vp8RtpParameters(90000003) })
      const capabilities = JSON.parse(JSON.stringify(room.rtpCapabilities))
      const first = await recv.consume({ producerId: producer.id, rtpCapabilities: capabilities })
      expect(first.rtpParameters.codecs[0].mimeType).toBe('video/VP8')
      // The same object, changed: no video codec left to receive with.
      const video = capabilities.codecs.filter((c) => c.kind === 'video')
      capabilities.codecs = capabilities.codecs.filter((c) => c.kind !== 'video')
      expect(room.canConsume({ producerId: producer.id, rtpCapabilities: capabilities })).toBe(false)
      await expect(recv.consume({ producerId: producer.id, rtpCapabilities: capabilities })).rejects.toThrow()
      // And back again.
      capabilities.codecs.push(...video)
      expect(room.canConsume({ producerId: producer.id, rtpCapabilities: capabilities })).toBe(true)
      const again = await recv.consume({ producerId: producer.id, rtpCapabilities: capabilities })
      expect(again.rtpParameters.codecs[0].mimeType).toBe('video/VP8')
      // Bad capabilities are refused every time, not remembered as good.
      for (let i = 0; i < 2; i++) {
        await expect(recv.consume({ producerId: producer.id, rtpCapabilities: { codecs: 'none' } })).rejects.toThrow(TypeError)
      }
    } finally {
      room.close()
    }
  })
})
