'use strict'

const mafalda = require('..')
const { InvalidStateError, UnsupportedError } = mafalda.types
const { mediaCodecs, opusRtpParameters, consumerCapabilities } = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }

describe('bad input is rejected with mediasoup\'s error classes', () => {
  let worker
  let router
  let transport

  beforeAll(async () => {
    worker = await mafalda.createWorker()
    router = await worker.createRouter({ mediaCodecs })
    transport = await router.createPlainTransport({ listenInfo, comedia: true })
  })

  afterAll(() => worker.close())

  test('createWorker() with wrong settings rejects with TypeError', async () => {
    await expect(mafalda.createWorker({ logLevel: 'chatty' })).rejects.toThrow(TypeError)
    await expect(mafalda.createWorker({ logTags: ['nope'] })).rejects.toThrow(TypeError)
    await expect(mafalda.createWorker({ rtcMinPort: 5000, rtcMaxPort: 4000 })).rejects.toThrow(TypeError)
    await expect(mafalda.createWorker({ rtcMinPort: 70000 })).rejects.toThrow(TypeError)
    await expect(mafalda.createWorker({ appData: 'not an object' })).rejects.toThrow(TypeError)
  })

  test('createRouter() with an unknown codec rejects with UnsupportedError, with a bad shape with TypeError', async () => {
    await expect(worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/chicken', clockRate: 8000 }] }))
      .rejects.toThrow(UnsupportedError)
    await expect(worker.createRouter({ mediaCodecs: 'opus' })).rejects.toThrow(TypeError)
    await expect(worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'video/VP8', clockRate: 90000 }] }))
      .rejects.toThrow(TypeError)
    await expect(worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 'fast', channels: 2 }] }))
      .rejects.toThrow(TypeError)
  })

  test('values Node-API cannot convert (undefined inside arrays) are a TypeError, not a napi error', async () => {
    const [opus] = mediaCodecs
    expect(() => router.updateMediaCodecs([opus, undefined])).toThrow(TypeError)
    await expect(worker.createRouter({ mediaCodecs: [opus, undefined] })).rejects.toThrow(TypeError)
    const error = (() => { try { router.updateMediaCodecs([undefined]) } catch (e) { return e } })()
    // Not Node-API's status ('InvalidArg'): mafalda's code for bad input.
    expect(error.code).toBe('ERR_INVALID_ARGUMENT')
    expect(router.rtpCapabilities.codecs.length).toBeGreaterThan(0)
  })

  test('create*Transport() with missing or wrong listen info rejects with TypeError', async () => {
    await expect(router.createPlainTransport({})).rejects.toThrow(TypeError)
    await expect(router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: 'not-an-ip' } })).rejects.toThrow(TypeError)
    await expect(router.createPlainTransport({ listenInfo: { protocol: 'sctp', ip: '127.0.0.1' } })).rejects.toThrow(TypeError)
    await expect(router.createWebRtcTransport({})).rejects.toThrow(TypeError)
    await expect(router.createWebRtcTransport({ listenInfos: [] })).rejects.toThrow(TypeError)
    await expect(router.createWebRtcTransport({ listenInfos: [listenInfo], appData: 1 })).rejects.toThrow(TypeError)
  })

  test('produce() with wrong kind or parameters rejects with TypeError, with a codec the router lacks with UnsupportedError', async () => {
    await expect(transport.produce({ kind: 'data', rtpParameters: opusRtpParameters(1) })).rejects.toThrow(TypeError)
    await expect(transport.produce({ kind: 'audio' })).rejects.toThrow(TypeError)
    await expect(transport.produce({ kind: 'audio', rtpParameters: { encodings: [{ ssrc: 1 }] } })).rejects.toThrow(TypeError)
    await expect(transport.produce({
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000 }], encodings: [{ ssrc: 2 }] }
    })).rejects.toThrow(UnsupportedError)
  })

  test('consume() of an unknown producer rejects with an Error naming it', async () => {
    const producerId = '3a0f6b57-7c1e-4c5d-9b55-0f3e4d5c6b7a'
    const promise = transport.consume({ producerId, rtpCapabilities: consumerCapabilities(router) })
    await expect(promise).rejects.toThrow(`Producer with id "${producerId}" not found`)
    await expect(transport.consume({ producerId: 'not-a-uuid', rtpCapabilities: consumerCapabilities(router) }))
      .rejects.toThrow('not found')
    await expect(transport.consume({ rtpCapabilities: consumerCapabilities(router) })).rejects.toThrow(TypeError)
  })

  test('consume() with capabilities that cannot receive the producer rejects', async () => {
    const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(3) })
    const videoOnly = { codecs: router.rtpCapabilities.codecs.filter((c) => c.kind === 'video'), headerExtensions: [] }
    expect(router.canConsume({ producerId: producer.id, rtpCapabilities: videoOnly })).toBe(false)
    expect(router.canConsume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })).toBe(true)
    await expect(transport.consume({ producerId: producer.id, rtpCapabilities: videoOnly })).rejects.toThrow(Error)
    producer.close()
  })

  test('numbers out of range are a TypeError, not wrapped or a panic', async () => {
    const defaults = mafalda.getConfiguration()
    try {
      expect(() => mafalda.configure({ idleWorkerTimeout: 1e300 })).toThrow(TypeError)
      expect(() => mafalda.configure({ pipeLinger: 1e300 })).toThrow(TypeError)
      expect(() => mafalda.configure({ maxWorkers: 2 ** 32 + 1 })).toThrow(TypeError)
      expect(() => mafalda.configure({ consumerBudget: 1e10 })).toThrow(TypeError)
      expect(mafalda.getConfiguration()).toEqual(defaults)
    } finally {
      mafalda.configure(defaults)
    }
    const direct = await router.createDirectTransport()
    const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(5151) })
    const consumer = await direct.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    await expect(consumer.setPriority(300)).rejects.toThrow(TypeError)
    await expect(consumer.setPriority(1.5)).rejects.toThrow(TypeError)
    const dataProducer = await direct.produceData()
    const receiving = await router.createDirectTransport()
    const dataConsumer = await receiving.consumeData({ dataProducerId: dataProducer.id })
    await expect(dataConsumer.setBufferedAmountLowThreshold(1e10)).rejects.toThrow(TypeError)
    await expect(dataConsumer.setBufferedAmountLowThreshold(-1)).rejects.toThrow(TypeError)
    // (A valid threshold is refused too on a DirectTransport, by the worker.)
    await expect(router.createAudioLevelObserver({ interval: 2 ** 40 })).rejects.toThrow(TypeError)
    await expect(router.createAudioLevelObserver({ maxEntries: 1e10 })).rejects.toThrow(TypeError)
    await expect(router.createActiveSpeakerObserver({ interval: -5 })).rejects.toThrow(TypeError)
    producer.close()
    direct.close()
    receiving.close()
  })

  test('calls on closed objects reject with InvalidStateError', async () => {
    const w = await mafalda.createWorker()
    const r = await w.createRouter({ mediaCodecs })
    const t = await r.createPlainTransport({ listenInfo, comedia: true })
    const p = await t.produce({ kind: 'audio', rtpParameters: opusRtpParameters(4) })
    p.close()
    await expect(p.pause()).rejects.toThrow(InvalidStateError)
    await expect(p.getStats()).rejects.toThrow(InvalidStateError)
    t.close()
    await expect(t.produce({ kind: 'audio', rtpParameters: opusRtpParameters(5) })).rejects.toThrow(InvalidStateError)
    await expect(t.getStats()).rejects.toThrow(InvalidStateError)
    r.close()
    await expect(r.createPlainTransport({ listenInfo })).rejects.toThrow(InvalidStateError)
    await expect(r.dump()).rejects.toThrow(InvalidStateError)
    w.close()
    await expect(w.createRouter({ mediaCodecs })).rejects.toThrow(InvalidStateError)
    await expect(w.dump()).rejects.toThrow(InvalidStateError)
  })

  test('a listener that throws emits "listenererror" instead of crashing', async () => {
    const w = await mafalda.createWorker()
    const r = await w.createRouter({ mediaCodecs })
    const t = await r.createPlainTransport({ listenInfo })
    const errors = []
    t.on('listenererror', (eventName, error) => errors.push([eventName, error.message]))
    t.on('routerclose', () => { throw new Error('boom') })
    const observed = []
    t.observer.on('close', () => observed.push('close'))
    r.close()
    expect(errors).toEqual([['routerclose', 'boom']])
    // The cascade went on after the throwing listener.
    expect(observed).toEqual(['close'])
    w.close()
  })

  test('every error carries a code, and the code decides the class', async () => {
    const caught = async (promise) => { try { await promise } catch (error) { return error } throw new Error('did not reject') }
    const expectations = [
      // Found by the JS layer, by the binding, by the core, by the worker.
      [mafalda.createWorker({ logLevel: 'chatty' }), TypeError, 'ERR_INVALID_ARGUMENT'],
      [router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: 'not-an-ip' } }), TypeError, 'ERR_INVALID_ARGUMENT'],
      [transport.produce({ kind: 'audio', rtpParameters: { encodings: [{ ssrc: 1 }] } }), TypeError, 'ERR_INVALID_ARGUMENT'],
      [worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/chicken', clockRate: 8000 }] }), UnsupportedError, 'ERR_UNSUPPORTED'],
      [transport.consume({ producerId: '3a0f6b57-7c1e-4c5d-9b55-0f3e4d5c6b7a', rtpCapabilities: consumerCapabilities(router) }), Error, 'ERR_NOT_FOUND'],
      [transport.consume({ producerId: 'not-a-uuid', rtpCapabilities: consumerCapabilities(router) }), Error, 'ERR_NOT_FOUND']
    ]
    for (const [promise, Class, code] of expectations) {
      const error = await caught(promise)
      expect(error).toBeInstanceOf(Class)
      expect(error.code).toBe(code)
    }
    const r = await worker.createRouter({ mediaCodecs })
    const t = await r.createPlainTransport({ listenInfo })
    t.close()
    const closed = await caught(t.getStats())
    expect(closed).toBeInstanceOf(InvalidStateError)
    expect(closed.code).toBe('ERR_INVALID_STATE')
    const observer = await r.createAudioLevelObserver()
    const missing = await caught(observer.addProducer({ producerId: '3a0f6b57-7c1e-4c5d-9b55-0f3e4d5c6b7a' }))
    expect(missing.code).toBe('ERR_NOT_FOUND')
    r.close()
  })
})
