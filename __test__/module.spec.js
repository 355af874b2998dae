'use strict'

const mafalda = require('..')
const { mediaCodecs } = require('./helpers')
const pidusage = require('pidusage')

describe('the mediasoup module surface', () => {
  test('exports what mediasoup exports', () => {
    expect(typeof mafalda.version).toBe('string')
    expect(typeof mafalda.createWorker).toBe('function')
    expect(typeof mafalda.createRouter).toBe('function')
    expect(typeof mafalda.getSupportedRtpCapabilities).toBe('function')
    expect(typeof mafalda.parseScalabilityMode).toBe('function')
    expect(typeof mafalda.observer.on).toBe('function')
    expect(new mafalda.types.InvalidStateError('x').name).toBe('InvalidStateError')
    expect(new mafalda.types.UnsupportedError('x')).toBeInstanceOf(Error)
  })

  test('getSupportedRtpCapabilities() returns a fresh object each call', () => {
    const first = mafalda.getSupportedRtpCapabilities()
    first.codecs.length = 0
    const second = mafalda.getSupportedRtpCapabilities()
    expect(second.codecs.length).toBeGreaterThan(5)
    expect(second.codecs.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']))
    expect(second.headerExtensions.length).toBeGreaterThan(0)
  })

  test('parseScalabilityMode() reads spatial and temporal layers', () => {
    expect(mafalda.parseScalabilityMode('L3T2_KEY')).toEqual({ spatialLayers: 3, temporalLayers: 2, ksvc: true })
    expect(mafalda.parseScalabilityMode('S2T3')).toEqual({ spatialLayers: 2, temporalLayers: 3, ksvc: false })
    expect(mafalda.parseScalabilityMode('wrong')).toEqual({ spatialLayers: 1, temporalLayers: 1, ksvc: false })
    expect(mafalda.parseScalabilityMode()).toEqual({ spatialLayers: 1, temporalLayers: 1, ksvc: false })
  })

  test('appData is the very object the caller passed, and may be replaced', async () => {
    const appData = { rooms: new Map(), foo: 'bar' }
    const worker = await mafalda.createWorker({ appData })
    expect(worker.appData).toBe(appData)
    const routerData = { room: 'a' }
    const router = await worker.createRouter({ mediaCodecs, appData: routerData })
    expect(router.appData).toBe(routerData)
    const replacement = {}
    router.appData = replacement
    expect(router.appData).toBe(replacement)
    const defaulted = await worker.createRouter({ mediaCodecs })
    expect(defaulted.appData).toEqual({})
    worker.close()
  })

  test('router.rtpCapabilities is the same object every time', async () => {
    const router = await mafalda.createRouter({ mediaCodecs })
    expect(router.rtpCapabilities).toBe(router.rtpCapabilities)
    const opus = router.rtpCapabilities.codecs.find((c) => c.mimeType === 'audio/opus')
    expect(opus).toMatchObject({ kind: 'audio', clockRate: 48000, channels: 2 })
    expect(typeof opus.preferredPayloadType).toBe('number')
    router.close()
  })

  test('mafalda.createRouter() needs no worker', async () => {
    const router = await mafalda.createRouter({ mediaCodecs })
    const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
    expect(transport.iceCandidates[0]).toMatchObject({ address: '127.0.0.1', ip: '127.0.0.1', protocol: 'udp', type: 'host' })
    expect(transport.iceParameters.usernameFragment).toEqual(expect.any(String))
    expect(transport.dtlsParameters.fingerprints.length).toBeGreaterThan(0)
    expect(transport.iceState).toBe('new')
    expect(transport.dtlsState).toBe('new')
    router.close()
    expect(transport.closed).toBe(true)
    expect(transport.iceState).toBe('closed')
  })

  test('legacy listenIps / listenIp / announcedIp are accepted', async () => {
    const router = await mafalda.createRouter({ mediaCodecs })
    const webrtc = await router.createWebRtcTransport({
      listenIps: [{ ip: '127.0.0.1', announcedIp: '192.0.2.10' }], enableUdp: true, enableTcp: true, preferUdp: true
    })
    expect(webrtc.iceCandidates.map((c) => c.protocol)).toEqual(['udp', 'tcp'])
    expect(webrtc.iceCandidates.every((c) => c.ip === '192.0.2.10' && c.address === '192.0.2.10')).toBe(true)
    const plain = await router.createPlainTransport({ listenIp: '127.0.0.1' })
    expect(plain.tuple).toMatchObject({ localAddress: '127.0.0.1', localIp: '127.0.0.1', protocol: 'udp' })
    router.close()
  })

  test('worker.pid is a thread id pidusage can read, and getResourceUsage() reports its CPU time', async () => {
    const worker = await mafalda.createWorker()
    expect(Number.isInteger(worker.pid)).toBe(true)
    expect(worker.pid).not.toBe(process.pid)
    const stats = await pidusage(worker.pid)
    expect(stats.pid).toBe(worker.pid)
    expect(stats.ctime).toBeGreaterThanOrEqual(0)
    const usage = await worker.getResourceUsage()
    expect(usage.ru_utime).toBeGreaterThanOrEqual(0)
    expect(usage.ru_stime).toBeGreaterThanOrEqual(0)
    worker.close()
  })

  test('native calls do not block the main thread', async () => {
    const router = await mafalda.createRouter({ mediaCodecs })
    let ticks = 0
    let done = false
    const tick = () => { ticks++; if (!done) setImmediate(tick) }
    setImmediate(tick)
    // A call that needs a worker's answer settles in a later turn of the
    // event loop, as mediasoup-node's answer through its pipe does. If the
    // calls ran on the main thread, each would settle in the turn it was
    // made and the loop would not turn at all.
    const calls = 30
    try {
      for (let i = 0; i < calls; i++) {
        await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
      }
      done = true
      expect(ticks).toBeGreaterThanOrEqual(calls / 2)
    } finally {
      done = true
      router.close()
    }
  })
})
