'use strict'

// Calls reach the workers in the order the application makes them, as
// mediasoup-node's one channel per worker guarantees: a request made after
// close() never sees the closed object; calls made without awaiting take
// effect in call order.

const mafalda = require('..')
const { mediaCodecs, opusRtpParameters, consumerCapabilities } = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
let ssrc = 81000000

/** Ids of every live object the real workers know of, and the real routers' transports. */
async function workerView () {
  const { workers } = await mafalda.dump()
  return {
    handlers: new Set(workers.flatMap((w) => w.handlers)),
    transportIds: new Set(workers.flatMap((w) => w.routers.flatMap((r) => r.transportIds))),
    transports: workers.reduce((n, w) => n + w.routers.reduce((m, r) => m + r.transports, 0), 0)
  }
}

describe('call order', () => {
  test('a dump() made right after close() never shows the closed objects (1,000 rounds)', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    const rtpCapabilities = consumerCapabilities(room)
    const keep = await room.createPlainTransport({ listenInfo })
    const seen = []
    for (let round = 0; round < 1000; round++) {
      const transport = await room.createPlainTransport({ listenInfo, comedia: true })
      const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
      const consumer = await keep.consume({ producerId: producer.id, rtpCapabilities })
      const own = await transport.consume({ producerId: producer.id, rtpCapabilities })
      // Not awaited: close() is synchronous, as in mediasoup-node.
      transport.close()
      const [roomDump, view] = await Promise.all([room.dump(), workerView()])
      const ids = [transport.id, producer.id, consumer.id, own.id]
      if (roomDump.transportIds.includes(transport.id) ||
        ids.some((id) => view.handlers.has(id)) ||
        view.transportIds.has(transport.id) ||
        view.transports !== 1) {
        seen.push({ round, roomTransports: roomDump.transportIds.length, transports: view.transports })
      }
    }
    expect(seen).toEqual([])
  }, 120000)

  test('every kind of close is ordered before the next request', async () => {
    const worker = await mafalda.createWorker()
    const room = await worker.createRouter({ mediaCodecs })
    const rtpCapabilities = consumerCapabilities(room)
    for (let round = 0; round < 50; round++) {
      const send = await room.createPlainTransport({ listenInfo, comedia: true })
      const recv = await room.createPlainTransport({ listenInfo })
      const producer = await send.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
      const consumer = await recv.consume({ producerId: producer.id, rtpCapabilities })
      const observer = await room.createAudioLevelObserver()

      consumer.close()
      expect((await workerView()).handlers.has(consumer.id)).toBe(false)
      observer.close()
      expect((await workerView()).handlers.has(observer.id)).toBe(false)
      producer.close()
      expect((await workerView()).handlers.has(producer.id)).toBe(false)
      recv.close()
      send.close()
      const view = await workerView()
      expect([send.id, recv.id].filter((id) => view.handlers.has(id))).toEqual([])
    }
    const server = await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1', port: 0 }] })
    const transport = await room.createWebRtcTransport({ webRtcServer: server })
    server.close()
    const view = await workerView()
    expect(view.handlers.has(server.id)).toBe(false)
    expect(view.handlers.has(transport.id)).toBe(false)
    room.close()
    expect([...(await workerView()).transportIds]).toEqual([])
    worker.close()
  }, 60000)

  test('pause() then resume() without awaiting ends resumed; resume() then pause() ends paused', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    const send = await room.createPlainTransport({ listenInfo, comedia: true })
    const recv = await room.createPlainTransport({ listenInfo })
    const producer = await send.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
    const consumer = await recv.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    for (let round = 0; round < 100; round++) {
      const pauseLast = round % 2 === 1
      const calls = pauseLast
        ? [producer.resume(), consumer.resume(), producer.pause(), consumer.pause()]
        : [producer.pause(), consumer.pause(), producer.resume(), consumer.resume()]
      await Promise.all(calls)
      const [producerDump, consumerDump] = await Promise.all([producer.dump(), consumer.dump()])
      expect(producerDump.paused).toBe(pauseLast)
      expect(consumerDump.paused).toBe(pauseLast)
      expect(producer.paused).toBe(pauseLast)
      expect(consumer.paused).toBe(pauseLast)
    }
  })

  test('pause() and resume() made without awaiting settle in call order: each observer event is there when the last call resolves', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    const send = await room.createDirectTransport()
    const recv = await room.createDirectTransport()
    const producer = await send.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
    const consumer = await recv.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    const dataProducer = await send.produceData()
    const dataConsumer = await recv.consumeData({ dataProducerId: dataProducer.id })
    const observer = await room.createAudioLevelObserver()
    // Consumers first: a producer's pause reaches its consumers' observers
    // too, as 'pause' / 'resume' of their own.
    for (const object of [consumer, dataConsumer, producer, dataProducer, observer]) {
      const events = []
      object.observer.on('pause', () => events.push('pause'))
      object.observer.on('resume', () => events.push('resume'))
      for (let round = 0; round < 30; round++) {
        events.length = 0
        // The sequence mediasoup's own suite makes on a data producer.
        object.pause()
        object.resume()
        object.pause()
        object.pause()
        object.pause()
        await object.resume()
        expect([object.constructor.name, round, events]).toEqual([object.constructor.name, round, ['pause', 'resume', 'pause', 'resume']])
        expect(object.paused).toBe(false)
      }
    }
  })

  test('16 concurrent loops of unawaited pause/resume/close sequences end in the state the calls imply', async () => {
    const rooms = [await mafalda.createRouter({ mediaCodecs }), await mafalda.createRouter({ mediaCodecs })]
    let seed = 20261202
    // A fixed pseudo-random sequence, so that a failure replays.
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x80000000
    }
    const problems = []
    const check = (what, actual, expected) => {
      if (actual !== expected) problems.push({ what, actual, expected })
    }
    async function lane (index) {
      const room = rooms[index % 2]
      const rtpCapabilities = consumerCapabilities(room)
      for (let round = 0; round < 25; round++) {
        const send = await room.createPlainTransport({ listenInfo, comedia: true })
        const recv = await room.createPlainTransport({ listenInfo })
        const producer = await send.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
        const consumer = await recv.consume({ producerId: producer.id, rtpCapabilities })
        // Nothing below is awaited until every call is made.
        const calls = []
        let producerPaused = false
        let consumerPaused = false
        for (let i = 0; i < 8; i++) {
          const pick = random()
          if (pick < 0.25) {
            calls.push(producer.pause())
            producerPaused = true
          } else if (pick < 0.5) {
            calls.push(producer.resume())
            producerPaused = false
          } else if (pick < 0.75) {
            calls.push(consumer.pause())
            consumerPaused = true
          } else {
            calls.push(consumer.resume())
            consumerPaused = false
          }
        }
        const closeConsumer = random() < 0.3
        if (closeConsumer) consumer.close()
        const producerDump = producer.dump()
        const consumerDump = closeConsumer ? undefined : consumer.dump()
        send.close()
        recv.close()
        await Promise.all(calls)
        const where = `lane ${index} round ${round}`
        check(`${where}: producer paused`, (await producerDump).paused, producerPaused)
        check(`${where}: producer.paused`, producer.paused, producerPaused)
        if (consumerDump) {
          const dump = await consumerDump
          check(`${where}: consumer paused`, dump.paused, consumerPaused)
          check(`${where}: consumer producerPaused`, dump.producerPaused, producerPaused)
          check(`${where}: consumer.paused`, consumer.paused, consumerPaused)
        }
        // Once the calls made before the closes have settled, the worker
        // has none of the closed objects.
        const { handlers } = await workerView()
        check(`${where}: closed objects on the worker`,
          [send.id, recv.id, producer.id, consumer.id].filter((id) => handlers.has(id)).length, 0)
      }
    }
    try {
      await Promise.all(Array.from({ length: 16 }, (_, index) => lane(index)))
      expect(problems).toEqual([])
    } finally {
      for (const room of rooms) room.close()
    }
  }, 120000)

  test('close() then create: the new transport is counted, the closed one is not', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    let transport = await room.createPlainTransport({ listenInfo })
    for (let round = 0; round < 200; round++) {
      const closed = transport
      closed.close()
      const next = room.createPlainTransport({ listenInfo })
      const view = workerView()
      transport = await next
      const { handlers, transportIds } = await view
      expect(handlers.has(closed.id)).toBe(false)
      expect(transportIds.has(closed.id)).toBe(false)
    }
  })
})
