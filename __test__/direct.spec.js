'use strict'

const mafalda = require('..')
const {
  mediaCodecs, opusRtpParameters, vp8RtpParameters, consumerCapabilities, rtpPacket, isRtcp, bindSocket, sleep, waitFor, startPump
} = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }

/** An RTCP PLI (payload-specific feedback 206, FMT 1) about `mediaSsrc`. */
function pli (mediaSsrc) {
  const packet = Buffer.alloc(12)
  packet[0] = 0x81
  packet[1] = 206
  packet.writeUInt16BE(2, 2) // length in 32-bit words, minus one
  packet.writeUInt32BE(1234, 4) // sender SSRC
  packet.writeUInt32BE(mediaSsrc >>> 0, 8)
  return packet
}

/** A VP8 RTP packet: a key frame or not (payload descriptor S=1, then the inverse key frame bit). */
function vp8Packet ({ sequenceNumber, ssrc, keyFrame }) {
  const packet = rtpPacket({ payloadType: 101, sequenceNumber, timestamp: sequenceNumber * 3000, ssrc })
  packet[12] = 0x10
  packet[13] = keyFrame ? 0x00 : 0x01
  return packet
}

function isPli (packet) {
  return packet[1] === 206 && (packet[0] & 0x1f) === 1
}

describe('DirectTransport', () => {
  let worker
  let router

  beforeAll(async () => {
    worker = await mafalda.createWorker()
    router = await worker.createRouter({ mediaCodecs })
  })

  afterAll(() => worker.close())

  test('is created, dumped and measured as in mediasoup; bitrate knobs are unsupported; connect() does nothing', async () => {
    const newTransports = []
    router.observer.on('newtransport', (t) => newTransports.push(t))
    const transport = await router.createDirectTransport({ maxMessageSize: 1024, appData: { foo: 'bar' } })
    expect(newTransports).toEqual([transport])
    expect(transport).toBeInstanceOf(mafalda.types.DirectTransport)
    expect(transport.type).toBe('direct')
    expect(transport.appData).toEqual({ foo: 'bar' })

    const dump = await transport.dump()
    expect(dump).toMatchObject({ id: transport.id, direct: true, producerIds: [], dataProducerIds: [] })
    expect(dump.sctpParameters).toBeUndefined()
    expect((await router.dump()).transportIds).toEqual([transport.id])
    const [stats] = await transport.getStats()
    expect(stats).toMatchObject({ type: 'direct-transport', transportId: transport.id, bytesReceived: 0 })

    await expect(transport.connect()).resolves.toBeUndefined()
    await expect(transport.setMaxIncomingBitrate(1000)).rejects.toThrow(mafalda.types.UnsupportedError)
    await expect(transport.setMaxOutgoingBitrate(1000)).rejects.toThrow(mafalda.types.UnsupportedError)
    await expect(transport.setMinOutgoingBitrate(1000)).rejects.toThrow(mafalda.types.UnsupportedError)
    expect(() => transport.sendRtcp('not a buffer')).toThrow(TypeError)

    transport.close()
    expect(transport.closed).toBe(true)
    await expect(transport.dump()).rejects.toThrow(mafalda.types.InvalidStateError)
    await expect(transport.getStats()).rejects.toThrow(mafalda.types.InvalidStateError)
    expect(() => transport.sendRtcp(pli(1))).toThrow(mafalda.types.InvalidStateError)
  })

  test('wrong options reject with TypeError', async () => {
    await expect(router.createDirectTransport({ maxMessageSize: 'foo' })).rejects.toThrow(TypeError)
    await expect(router.createDirectTransport({ maxMessageSize: -1 })).rejects.toThrow(TypeError)
  })

  test('producer.send() puts RTP into the room: a consumer on another DirectTransport emits it as "rtp"', async () => {
    const sending = await router.createDirectTransport()
    const receiving = await router.createDirectTransport()
    const ssrc = 31313131
    const producer = await sending.produce({ kind: 'audio', rtpParameters: opusRtpParameters(ssrc) })
    const consumer = await receiving.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities })
    const consumerSsrc = consumer.rtpParameters.encodings[0].ssrc
    const packets = []
    consumer.on('rtp', (packet) => packets.push(packet))

    const sent = 50
    for (let i = 0; i < sent; i++) {
      producer.send(rtpPacket({ payloadType: 100, sequenceNumber: 500 + i, timestamp: i * 960, ssrc }))
    }
    await waitFor(() => packets.length >= sent, { timeout: 3000 })
    expect(packets.every(Buffer.isBuffer)).toBe(true)
    // The consumer's own stream: its SSRC and payload type, the same payload.
    expect(packets[0].readUInt32BE(8)).toBe(consumerSsrc)
    expect(packets[0][1] & 0x7f).toBe(consumer.rtpParameters.codecs[0].payloadType)
    expect(packets[0].subarray(-100)).toEqual(Buffer.alloc(100, 0xab))
    const [stats] = await producer.getStats()
    expect(stats.packetCount).toBe(sent)

    expect(() => producer.send('not a buffer')).toThrow(TypeError)
    producer.close()
    expect(() => producer.send(Buffer.alloc(20))).toThrow(mafalda.types.InvalidStateError)
    sending.close()
    receiving.close()
  })

  test('producer.send() on a DirectTransport reaches an endpoint over UDP', async () => {
    const direct = await router.createDirectTransport()
    const plain = await router.createPlainTransport({ listenInfo })
    const receiver = await bindSocket()
    let received = 0
    receiver.on('message', (packet) => { if (!isRtcp(packet)) received++ })
    await plain.connect({ ip: '127.0.0.1', port: receiver.address().port })
    const ssrc = 41414141
    const producer = await direct.produce({ kind: 'audio', rtpParameters: opusRtpParameters(ssrc) })
    await plain.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    for (let i = 0; i < 50; i++) {
      producer.send(rtpPacket({ payloadType: 100, sequenceNumber: i, timestamp: i * 960, ssrc }))
    }
    await waitFor(() => received >= 50, { timeout: 3000 })
    receiver.close()
    direct.close()
    plain.close()
  })

  test('sendRtcp() feeds RTCP into the room (a PLI reaches the source endpoint); the transport emits its own RTCP as "rtcp"', async () => {
    const source = await router.createPlainTransport({ listenInfo, comedia: true })
    const ssrc = 51515151
    const producer = await source.produce({ kind: 'video', rtpParameters: vp8RtpParameters(ssrc) })
    const direct = await router.createDirectTransport()
    const consumer = await direct.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities })
    const rtcp = []
    direct.on('rtcp', (packet) => rtcp.push(packet))
    let rtpPackets = 0
    consumer.on('rtp', () => rtpPackets++)

    const endpoint = await bindSocket()
    let plis = 0
    endpoint.on('message', (packet) => { if (isPli(packet)) plis++ })
    let sequenceNumber = 0
    const pump = startPump(() => {
      const packet = vp8Packet({ sequenceNumber, ssrc, keyFrame: sequenceNumber === 0 })
      endpoint.send(packet, source.tuple.localPort, '127.0.0.1')
      sequenceNumber++
    }, 20)
    // The key frame that opens the stream answers the consumer's own request.
    await waitFor(() => rtpPackets > 0)
    await sleep(1200)
    const before = plis
    direct.sendRtcp(pli(consumer.rtpParameters.encodings[0].ssrc))
    await waitFor(() => plis > before, { timeout: 3000 })
    expect((await direct.getStats())[0].bytesReceived).toBeGreaterThanOrEqual(12)

    // Sender reports for its consumer, on mediasoup's RTCP timer.
    await waitFor(() => rtcp.length > 0, { timeout: 8000 })
    expect(Buffer.isBuffer(rtcp[0])).toBe(true)
    expect(rtcp[0][1]).toBeGreaterThanOrEqual(192)
    expect(rtcp[0][1]).toBeLessThanOrEqual(223)
    await pump.stop()
    endpoint.close()
    source.close()
    direct.close()
  }, 20000)

  test('closes with its router ("routerclose") and its worker', async () => {
    const room = await worker.createRouter({ mediaCodecs })
    const transport = await room.createDirectTransport()
    const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(61616161) })
    const closes = []
    transport.observer.on('close', () => closes.push('transport'))
    transport.on('routerclose', () => closes.push('routerclose'))
    producer.on('transportclose', () => closes.push('producer'))
    room.close()
    expect(closes).toEqual(['producer', 'routerclose', 'transport'])
    expect(transport.closed).toBe(true)
  })

  test('a JS thread that falls behind a flood of messages loses the excess, counted, never its memory or other events', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    const sending = await room.createDirectTransport()
    const receiving = await room.createDirectTransport()
    const dataProducer = await sending.produceData()
    const dataConsumer = await receiving.consumeData({ dataProducerId: dataProducer.id })
    let received = 0
    dataConsumer.on('message', () => received++)
    const before = (await mafalda.dump()).droppedEvents
    // One synchronous loop, then the JS thread held a while longer (as a
    // busy application's would be), so that the worker is far ahead even
    // on a loaded machine: nothing is delivered until then.
    const SENT = 120000
    for (let i = 0; i < SENT; i++) dataProducer.send('x')
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000)
    let dropped = 0
    await waitFor(async () => {
      dropped = (await mafalda.dump()).droppedEvents - before
      return received + dropped === SENT
    }, { timeout: 10000 })
    expect(dropped).toBeGreaterThan(0)
    expect(received).toBeGreaterThanOrEqual(50000)
    // Events that are not per packet still arrive.
    const closed = new Promise((resolve) => dataConsumer.once('dataproducerclose', resolve))
    dataProducer.close()
    await closed
    room.close()
  }, 30000)
})
