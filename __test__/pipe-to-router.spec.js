'use strict'

// Rooms share real routers, and router.pipeToRouter() between two rooms of
// this process: nothing is created when both rooms are on the producer's
// real router, exactly one internal pipe when they are on different workers.

const mafalda = require('..')
const { UnsupportedError } = mafalda.types
const {
  mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket, isRtcp, bindSocket, sleep, waitFor
} = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
const defaults = mafalda.getConfiguration()
const PIPE_LINGER = 300

let ssrc = 7000000

async function realRouters () {
  const { workers } = await mafalda.dump()
  return workers.flatMap((w) => w.routers.map((r) => ({ ...r, pid: w.pid })))
}

function pipes (routers) {
  return routers.reduce((n, r) => n + r.pipeProducers + r.pipeConsumers + r.pipeDataProducers + r.pipeDataConsumers, 0)
}

async function poolEmpty () {
  return (await mafalda.dump()).workers.length === 0
}

/** A room's audio source: a comedia PlainTransport and its producer. */
async function source (room) {
  const transport = await room.createPlainTransport({ listenInfo, comedia: true })
  const s = ++ssrc
  const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(s) })
  return { transport, producer, ssrc: s }
}

/** A consumer of `producerId` in `room`, sending to a local socket; counts RTP. */
async function receiver (room, producerId) {
  const socket = await bindSocket()
  const counter = { received: 0, socket }
  socket.on('message', (packet) => { if (!isRtcp(packet)) counter.received++ })
  const transport = await room.createPlainTransport({ listenInfo })
  await transport.connect({ ip: '127.0.0.1', port: socket.address().port })
  counter.transport = transport
  counter.consumer = await transport.consume({ producerId, rtpCapabilities: consumerCapabilities(room) })
  return counter
}

/**
 * Sends `count` RTP packets to a source. Resolves with how many reached
 * `counter`, once 95 % of them did or (when they are held) once the
 * source's producer has received all of them and a moment has passed for
 * any forwarded one to land.
 */
async function flows (src, counter, count = 200) {
  const { transport, ssrc } = src
  // One socket per source: comedia keeps to the first address it hears from.
  const sender = src.sender ??= await bindSocket()
  const before = counter.received
  const producerBefore = await producerPackets(src)
  for (let i = 0; i < count; i++) {
    // Sequence numbers go on from call to call: a stream that starts over
    // would be taken for a reordering and dropped.
    const seq = src.seq = (src.seq ?? 0) + 1
    sender.send(rtpPacket({ payloadType: 100, sequenceNumber: seq, timestamp: seq * 960, ssrc }), transport.tuple.localPort, '127.0.0.1')
    if (i % 10 === 9) await sleep(5)
  }
  const arrived = await waitFor(() => counter.received - before >= count * 0.95, { timeout: 3000 }).catch(() => false)
  if (!arrived) {
    await waitFor(async () => (await producerPackets(src)) - producerBefore >= count * 0.95, { timeout: 3000 }).catch(() => {})
    await sleep(100)
  }
  return counter.received - before
}

async function producerPackets (src) {
  const [stats] = await src.producer.getStats()
  return stats?.packetCount ?? 0
}

/** Nearly all of `count` packets arrived (loopback under load may drop a few). */
const FLOWING = (count = 200) => count * 0.95
/** At most this many of a held stream arrive: one in flight when the hold began. */
const HELD = 1

describe('rooms share real routers', () => {
  beforeEach(async () => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0, pipeLinger: PIPE_LINGER })
    await waitFor(poolEmpty, { timeout: 8000 })
  })

  afterAll(() => mafalda.configure(defaults))

  test('two rooms with the same codecs on one worker use one real router; closing one leaves the other working', async () => {
    mafalda.configure({ maxWorkers: 1 })
    const a = await mafalda.createRouter({ mediaCodecs })
    const b = await mafalda.createRouter({ mediaCodecs })
    const src = await source(b)
    const counter = await receiver(b, src.producer.id)

    const { workers } = await mafalda.dump()
    expect(workers).toHaveLength(1)
    expect(workers[0].routers).toHaveLength(1)
    const [real] = workers[0].routers
    expect([...real.routerIds].sort()).toEqual([a.id, b.id].sort())
    expect(workers[0].handlers).toContain(real.id)

    // Another room's producer is not found, though it is on the same real router.
    const other = await a.createPlainTransport({ listenInfo })
    await expect(other.consume({ producerId: src.producer.id, rtpCapabilities: consumerCapabilities(a) }))
      .rejects.toThrow(`Producer with id "${src.producer.id}" not found`)
    expect(a.canConsume({ producerId: src.producer.id, rtpCapabilities: consumerCapabilities(a) })).toBe(false)
    expect(b.canConsume({ producerId: src.producer.id, rtpCapabilities: consumerCapabilities(b) })).toBe(true)
    // Each room's dump shows its own objects only.
    expect((await a.dump()).transportIds).toEqual([other.id])
    expect((await b.dump()).transportIds.sort()).toEqual([src.transport.id, counter.transport.id].sort())

    a.close()
    const after = await mafalda.dump()
    expect(after.workers[0].routers).toHaveLength(1)
    expect(after.workers[0].routers[0]).toMatchObject({ id: real.id, routerIds: [b.id], transports: 2 })
    expect(after.workers[0].handlers).not.toContain(other.id)
    expect(await flows(src, counter)).toBeGreaterThanOrEqual(FLOWING())

    b.close()
    expect(await realRouters()).toEqual([])
    expect((await mafalda.dump()).workers[0]?.handlers ?? []).not.toContain(real.id)
    counter.socket.close()
    src.sender?.close()
    await waitFor(poolEmpty, { timeout: 8000 })
  }, 30000)

  test('rooms with different codecs get different real routers', async () => {
    mafalda.configure({ maxWorkers: 1 })
    const a = await mafalda.createRouter({ mediaCodecs })
    const b = await mafalda.createRouter({ mediaCodecs: mediaCodecs.slice(0, 1) })
    const routers = await realRouters()
    expect(routers).toHaveLength(2)
    expect(routers.map((r) => r.routerIds)).toEqual(expect.arrayContaining([[a.id], [b.id]]))
    a.close()
    b.close()
  })
})

describe('router.pipeToRouter() between rooms', () => {
  beforeEach(async () => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0, pipeLinger: PIPE_LINGER })
    await waitFor(poolEmpty, { timeout: 8000 })
  })

  afterAll(() => mafalda.configure(defaults))

  test('on one real worker it creates nothing, and RTP reaches the target room', async () => {
    mafalda.configure({ maxWorkers: 1 })
    const a = await mafalda.createRouter({ mediaCodecs })
    const b = await mafalda.createRouter({ mediaCodecs })
    const src = await source(a)
    const handlersBefore = (await mafalda.dump()).workers[0].handlers.length

    const { pipeConsumer, pipeProducer } = await a.pipeToRouter({ producerId: src.producer.id, router: b })
    expect(pipeProducer.id).toBe(src.producer.id)
    expect(pipeProducer.kind).toBe('audio')
    expect(pipeProducer.closed).toBe(false)
    expect(pipeConsumer.producerId).toBe(src.producer.id)
    expect(pipeConsumer.type).toBe('pipe')
    expect((await mafalda.dump()).workers[0].handlers).toHaveLength(handlersBefore)

    const counter = await receiver(b, src.producer.id)
    expect(b.canConsume({ producerId: src.producer.id, rtpCapabilities: consumerCapabilities(b) })).toBe(true)
    const routers = await realRouters()
    expect(routers).toHaveLength(1)
    expect(pipes(routers)).toBe(0)
    expect(await flows(src, counter)).toBeGreaterThanOrEqual(FLOWING())
    const dump = await b.dump()
    expect(dump.mapProducerIdConsumerIds).toEqual([{ key: src.producer.id, values: [counter.consumer.id] }])

    // The source's pause reaches the target room's consumer, and the pipe ends mirror it.
    const events = []
    pipeConsumer.on('producerpause', () => events.push('pipeConsumer producerpause'))
    pipeProducer.observer.on('pause', () => events.push('pipeProducer pause'))
    await src.producer.pause()
    await waitFor(() => counter.consumer.producerPaused && pipeProducer.paused)
    await waitFor(() => events.length === 2)
    expect(events).toEqual(['pipeConsumer producerpause', 'pipeProducer pause'])
    await src.producer.resume()
    await waitFor(() => !counter.consumer.producerPaused && !pipeProducer.paused)

    // pipeProducer.pause() holds the target room's consumers, not the source's own room.
    const consumerEvents = []
    counter.consumer.on('producerpause', () => consumerEvents.push('producerpause'))
    counter.consumer.on('producerresume', () => consumerEvents.push('producerresume'))
    await pipeProducer.pause()
    expect(pipeProducer.paused).toBe(true)
    expect(src.producer.paused).toBe(false)
    await waitFor(() => counter.consumer.producerPaused)
    expect(await flows(src, counter, 50)).toBeLessThanOrEqual(HELD)
    // A consumer made meanwhile starts producer-paused; the application's own resume does not unhold it.
    const late = await counter.transport.consume({ producerId: src.producer.id, rtpCapabilities: consumerCapabilities(b) })
    expect(late.producerPaused).toBe(true)
    await counter.consumer.pause()
    await counter.consumer.resume()
    expect(await flows(src, counter, 50)).toBeLessThanOrEqual(HELD)
    await pipeProducer.resume()
    await waitFor(() => !counter.consumer.producerPaused && !late.producerPaused)
    expect(consumerEvents).toEqual(['producerpause', 'producerresume'])
    expect(await flows(src, counter)).toBeGreaterThanOrEqual(FLOWING())
    late.close()

    // Closing the pipe producer removes the import: the target room's consumer gets producerclose.
    const closed = new Promise((resolve) => counter.consumer.on('producerclose', resolve))
    const pipeConsumerClosed = new Promise((resolve) => pipeConsumer.observer.on('close', resolve))
    pipeProducer.close()
    await closed
    await pipeConsumerClosed
    expect(pipeConsumer.closed).toBe(true)
    const again = await b.createPlainTransport({ listenInfo })
    await expect(again.consume({ producerId: src.producer.id, rtpCapabilities: consumerCapabilities(b) }))
      .rejects.toThrow('not found')
    // The source itself goes on in its own room.
    expect(src.producer.closed).toBe(false)

    counter.socket.close()
    src.sender?.close()
    a.close()
    b.close()
  }, 30000)

  test('closing the source producer closes the import: producerclose in the target room, pipe ends closed', async () => {
    mafalda.configure({ maxWorkers: 1 })
    const a = await mafalda.createRouter({ mediaCodecs })
    const b = await mafalda.createRouter({ mediaCodecs })
    const src = await source(a)
    const { pipeConsumer, pipeProducer } = await a.pipeToRouter({ producerId: src.producer.id, router: b })
    const counter = await receiver(b, src.producer.id)
    const events = []
    counter.consumer.on('producerclose', () => events.push('consumer producerclose'))
    pipeConsumer.on('producerclose', () => events.push('pipeConsumer producerclose'))
    pipeProducer.observer.on('close', () => events.push('pipeProducer close'))
    src.producer.close()
    await waitFor(() => counter.consumer.closed)
    expect(pipeProducer.closed).toBe(true)
    expect(events).toEqual(expect.arrayContaining(['consumer producerclose', 'pipeConsumer producerclose', 'pipeProducer close']))
    counter.socket.close()
    src.sender?.close()
    a.close()
    b.close()
  }, 30000)

  test('closing the target router closes the pipe producer with transportclose', async () => {
    const a = await mafalda.createRouter({ mediaCodecs })
    const b = await mafalda.createRouter({ mediaCodecs })
    const src = await source(a)
    const { pipeConsumer, pipeProducer } = await a.pipeToRouter({ producerId: src.producer.id, router: b })
    const transportclose = new Promise((resolve) => pipeProducer.on('transportclose', resolve))
    b.close()
    await transportclose
    expect(pipeConsumer.closed).toBe(true)
    // The import can be made again into another room.
    const c = await mafalda.createRouter({ mediaCodecs })
    await a.pipeToRouter({ producerId: src.producer.id, router: c })
    a.close()
    c.close()
  })

  test('between real workers it creates exactly one pipe; RTP flows; the source closing removes it after the linger', async () => {
    mafalda.configure({ consumerBudget: 1, maxWorkers: 2 })
    const a = await mafalda.createRouter({ mediaCodecs })
    const src = await source(a)
    // Fill the first worker: the next room goes on a second one.
    const local = await receiver(a, src.producer.id)
    const b = await mafalda.createRouter({ mediaCodecs })
    const pidOf = async (room) => (await realRouters()).find((r) => r.routerIds.includes(room.id)).pid
    expect(await pidOf(b)).not.toBe(await pidOf(a))

    const { pipeProducer } = await a.pipeToRouter({ producerId: src.producer.id, router: b })
    expect(pipes(await realRouters())).toBe(0)
    const counter = await receiver(b, src.producer.id)
    const consumer2 = await counter.transport.consume({ producerId: src.producer.id, rtpCapabilities: consumerCapabilities(b) })
    let routers = await realRouters()
    expect(routers.reduce((n, r) => n + r.pipeConsumers, 0)).toBe(1)
    expect(routers.reduce((n, r) => n + r.pipeProducers, 0)).toBe(1)
    expect(await flows(src, counter)).toBeGreaterThanOrEqual(FLOWING())

    const closed = new Promise((resolve) => counter.consumer.on('producerclose', resolve))
    src.producer.close()
    await closed
    await waitFor(() => consumer2.closed)
    expect(pipeProducer.closed).toBe(true)
    await waitFor(async () => pipes(await realRouters()) === 0, { timeout: 5000 })
    routers = await realRouters()
    expect(routers.reduce((n, r) => n + r.producers, 0)).toBe(0)

    counter.socket.close()
    src.sender?.close()
    local.socket.close()
    a.close()
    b.close()
  }, 30000)

  test('data producers: the target room consumes them; closing the source gives dataproducerclose', async () => {
    mafalda.configure({ maxWorkers: 1 })
    const a = await mafalda.createRouter({ mediaCodecs })
    const b = await mafalda.createRouter({ mediaCodecs })
    const ta = await a.createDirectTransport()
    const dataProducer = await ta.produceData({ label: 'chat' })
    const tb = await b.createDirectTransport()
    await expect(tb.consumeData({ dataProducerId: dataProducer.id })).rejects.toThrow('not found')
    const { pipeDataConsumer, pipeDataProducer } = await a.pipeToRouter({ dataProducerId: dataProducer.id, router: b })
    await expect(pipeDataProducer.pause()).rejects.toThrow(UnsupportedError)
    expect(pipeDataProducer.id).toBe(dataProducer.id)
    expect(pipeDataProducer.label).toBe('chat')
    expect(pipeDataConsumer.dataProducerId).toBe(dataProducer.id)
    const dataConsumer = await tb.consumeData({ dataProducerId: dataProducer.id })
    const messages = []
    dataConsumer.on('message', (message) => messages.push(message.toString()))
    dataProducer.send('hello')
    await waitFor(() => messages.length === 1)
    expect(messages).toEqual(['hello'])
    expect(pipes(await realRouters())).toBe(0)

    const closed = new Promise((resolve) => dataConsumer.on('dataproducerclose', resolve))
    dataProducer.close()
    await closed
    expect(pipeDataProducer.closed).toBe(true)
    a.close()
    b.close()
  })

  test('errors', async () => {
    const a = await mafalda.createRouter({ mediaCodecs })
    const b = await mafalda.createRouter({ mediaCodecs })
    const src = await source(a)
    await expect(a.pipeToRouter({ producerId: src.producer.id, router: a })).rejects.toThrow(TypeError)
    await expect(a.pipeToRouter({ router: b })).rejects.toThrow(TypeError)
    await expect(a.pipeToRouter({ producerId: src.producer.id })).rejects.toThrow(TypeError)
    await expect(a.pipeToRouter({ producerId: src.producer.id, dataProducerId: 'x', router: b })).rejects.toThrow(TypeError)
    await expect(b.pipeToRouter({ producerId: src.producer.id, router: a })).rejects.toThrow('Producer not found')
    await expect(a.pipeToRouter({ producerId: src.producer.id, router: b, keepId: false })).rejects.toThrow(UnsupportedError)

    const { pipeProducer } = await a.pipeToRouter({ producerId: src.producer.id, router: b })
    await expect(a.pipeToRouter({ producerId: src.producer.id, router: b })).rejects.toThrow('already exists')
    // The original keeps its own events: the pipe producer did not take its id over.
    const scores = []
    src.producer.on('score', (s) => scores.push(s))
    expect(src.producer.closed).toBe(false)

    const closedTarget = await mafalda.createRouter({ mediaCodecs })
    closedTarget.close()
    await expect(a.pipeToRouter({ producerId: src.producer.id, router: closedTarget })).rejects.toThrow('Router closed')
    a.close()
    b.close()
  })
})
