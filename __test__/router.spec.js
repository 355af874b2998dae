'use strict'

const mafalda = require('..')
const { opusRtpParameters, vp8RtpParameters } = require('./helpers')

const opus = { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }
const vp8 = { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }
const vp8Parameters = vp8RtpParameters(91001)

describe('router.updateMediaCodecs()', () => {
  let worker

  beforeEach(async () => { worker = await mafalda.createWorker() })
  afterEach(() => worker.close())

  test('producers made afterwards use the new codecs; rtpCapabilities is a new object', async () => {
    // Codecs no other room of this test file uses: the room has its own real router.
    const router = await worker.createRouter({ mediaCodecs: [{ ...opus, parameters: { useinbandfec: 1 } }] })
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
    await expect(transport.produce({ kind: 'video', rtpParameters: vp8Parameters }))
      .rejects.toThrow(mafalda.types.UnsupportedError)
    const before = router.rtpCapabilities

    router.updateMediaCodecs([{ ...opus, parameters: { useinbandfec: 1 } }, vp8])

    expect(router.rtpCapabilities).not.toBe(before)
    expect(router.rtpCapabilities.codecs.map((c) => c.mimeType)).toContain('video/VP8')
    const producer = await transport.produce({ kind: 'video', rtpParameters: vp8Parameters })
    expect(producer.kind).toBe('video')
    expect(() => router.updateMediaCodecs('opus')).toThrow(TypeError)
    // As mediasoup's ortc: a codec it does not know is unsupported.
    expect(() => router.updateMediaCodecs([{ kind: 'audio', mimeType: 'audio/chicken', clockRate: 1 }]))
      .toThrow(mafalda.types.UnsupportedError)
    router.close()
    expect(() => router.updateMediaCodecs([opus])).toThrow(mafalda.types.InvalidStateError)
  })

  test('a room sharing its real router with another room cannot change its codecs (UnsupportedError), and nothing changed', async () => {
    const a = await worker.createRouter({ mediaCodecs: [opus] })
    const b = await worker.createRouter({ mediaCodecs: [opus] })
    const pool = await mafalda.dump()
    const shared = pool.workers.flatMap((w) => w.routers).find((r) => r.routerIds.includes(a.id))
    expect(shared.routerIds).toContain(b.id)

    expect(() => a.updateMediaCodecs([opus, vp8])).toThrow(mafalda.types.UnsupportedError)
    const transport = await a.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
    await expect(transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(91002) })).resolves.toBeDefined()
    a.close()
    b.close()
  })
})
