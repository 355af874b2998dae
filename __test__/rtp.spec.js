'use strict'

const mafalda = require('..')
const {
  mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket, isRtcp, bindSocket, sleep, waitFor
} = require('./helpers')

describe('real RTP through PlainTransports', () => {
  let worker
  let router

  beforeAll(async () => {
    worker = await mafalda.createWorker()
    router = await worker.createRouter({ mediaCodecs })
  })

  afterAll(() => worker.close())

  test('packets sent to a producer reach a consumer on another transport and show in getStats()', async () => {
    const sendTransport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true
    })
    const recvTransport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' }
    })
    const ssrc = 22222222
    const producer = await sendTransport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(ssrc) })

    const receiver = await bindSocket()
    let received = 0
    const sequenceNumbers = []
    receiver.on('message', (packet) => {
      if (isRtcp(packet)) return
      received++
      sequenceNumbers.push(packet.readUInt16BE(2))
    })
    await recvTransport.connect({ ip: '127.0.0.1', port: receiver.address().port })
    expect(recvTransport.tuple.remotePort).toBe(receiver.address().port)

    const consumer = await recvTransport.consume({
      producerId: producer.id, rtpCapabilities: consumerCapabilities(router)
    })
    expect(consumer.producerId).toBe(producer.id)
    expect(consumer.kind).toBe('audio')

    const sender = await bindSocket()
    const sent = 300
    for (let i = 0; i < sent; i++) {
      const packet = rtpPacket({ payloadType: 100, sequenceNumber: 1000 + i, timestamp: i * 960, ssrc })
      sender.send(packet, sendTransport.tuple.localPort, '127.0.0.1')
      if (i % 10 === 9) await sleep(5)
    }
    await waitFor(() => received >= sent, { timeout: 3000 }).catch(() => {})
    sender.close()
    receiver.close()

    expect(received).toBeGreaterThanOrEqual(sent * 0.95)
    // Forwarded in order, with the consumer's own sequence numbering: each
    // packet one step after the previous one, or a few more where packets
    // were lost (a packet sent back in time would step by ~65535).
    const lost = sent - received
    const steps = sequenceNumbers.slice(1).map((seq, i) => (seq - sequenceNumbers[i] + 65536) % 65536)
    expect(steps.filter((step) => step < 1 || step > lost + 1)).toEqual([])

    const producerStats = await producer.getStats()
    expect(producerStats[0].type).toBe('inbound-rtp')
    expect(producerStats[0].ssrc).toBe(ssrc)
    expect(producerStats[0].packetCount).toBeGreaterThanOrEqual(sent * 0.95)

    const consumerStats = await consumer.getStats()
    const outbound = consumerStats.find((stat) => stat.type === 'outbound-rtp')
    expect(outbound.packetCount).toBe(received)
    expect(consumerStats.find((stat) => stat.type === 'inbound-rtp').packetCount)
      .toBeGreaterThanOrEqual(sent * 0.95)

    const transportStats = await sendTransport.getStats()
    expect(transportStats[0].type).toBe('plain-rtp-transport')
    expect(transportStats[0].bytesReceived).toBeGreaterThan(0)
  })

  test('comedia learns the sender address and emits "tuple"', async () => {
    const transport = await router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true
    })
    const ssrc = 33333333
    await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(ssrc) })
    const tuple = new Promise((resolve) => transport.once('tuple', resolve))
    const sender = await bindSocket()
    sender.send(rtpPacket({ payloadType: 100, sequenceNumber: 1, timestamp: 0, ssrc }), transport.tuple.localPort, '127.0.0.1')
    const learned = await tuple
    sender.close()
    expect(learned.remoteIp).toBe('127.0.0.1')
    expect(learned.localIp).toBe(learned.localAddress)
    expect(transport.tuple.remotePort).toBe(learned.remotePort)
  })

  test('producer pause and resume reach the consumer as producerpause / producerresume', async () => {
    const sendTransport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true })
    const recvTransport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
    const producer = await sendTransport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(44444444) })
    const consumer = await recvTransport.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    const events = []
    consumer.on('producerpause', () => events.push('producerpause'))
    consumer.on('producerresume', () => events.push('producerresume'))
    consumer.observer.on('pause', () => events.push('observer:pause'))
    consumer.observer.on('resume', () => events.push('observer:resume'))

    await producer.pause()
    await waitFor(() => consumer.producerPaused)
    expect(producer.paused).toBe(true)
    await producer.resume()
    await waitFor(() => !consumer.producerPaused)
    expect(events).toEqual(['producerpause', 'observer:pause', 'producerresume', 'observer:resume'])

    const closed = new Promise((resolve) => consumer.on('producerclose', resolve))
    producer.close()
    await closed
    expect(consumer.closed).toBe(true)
    await expect(consumer.getStats()).rejects.toThrow(mafalda.types.InvalidStateError)
  })

  test('enableTraceEvent(): producer and consumer emit "rtp" traces for real packets; bad types are TypeErrors', async () => {
    const sendTransport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true })
    const recvTransport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
    const traceSsrc = 55555555
    const producer = await sendTransport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(traceSsrc) })
    const receiver = await bindSocket()
    await recvTransport.connect({ ip: '127.0.0.1', port: receiver.address().port })
    const consumer = await recvTransport.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    await expect(producer.enableTraceEvent('rtp')).rejects.toThrow(TypeError)
    await expect(consumer.enableTraceEvent([1])).rejects.toThrow(TypeError)
    // Unknown types are ignored, as mediasoup's worker does.
    await expect(consumer.enableTraceEvent(['nope'])).resolves.toBeUndefined()
    await expect(sendTransport.enableTraceEvent(['bwe', 'probation'])).resolves.toBeUndefined()
    await producer.enableTraceEvent(['rtp'])
    await consumer.enableTraceEvent(['rtp'])
    const producerTrace = new Promise((resolve) => producer.on('trace', resolve))
    const consumerTrace = new Promise((resolve) => consumer.observer.on('trace', resolve))
    const sender = await bindSocket()
    for (let i = 0; i < 5; i++) {
      sender.send(rtpPacket({ payloadType: 100, sequenceNumber: i, timestamp: i * 960, ssrc: traceSsrc }), sendTransport.tuple.localPort, '127.0.0.1')
    }
    const [inbound, outbound] = await Promise.all([producerTrace, consumerTrace])
    sender.close()
    receiver.close()
    expect(inbound).toMatchObject({ type: 'rtp', direction: 'in' })
    expect(outbound).toMatchObject({ type: 'rtp', direction: 'out' })
  })

  test('pause()/resume() called without awaiting apply in call order', async () => {
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true })
    const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(66666666) })
    const pauses = []
    producer.observer.on('pause', () => pauses.push('pause'))
    producer.observer.on('resume', () => pauses.push('resume'))
    for (let round = 0; round < 20; round++) {
      const calls = []
      for (let i = 0; i < 6; i++) calls.push((i + round) % 3 === 0 ? producer.resume() : producer.pause())
      await Promise.all(calls)
      expect((await producer.dump()).paused).toBe(producer.paused)
    }
    // Every observer event reflects a change of state.
    for (let i = 1; i < pauses.length; i++) expect(pauses[i]).not.toBe(pauses[i - 1])
    transport.close()
  })
})
