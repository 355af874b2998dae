'use strict'

const mafalda = require('..')
const { mediaCodecs, opusRtpParameters, consumerCapabilities, sleep, waitFor } = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
const { InvalidStateError } = mafalda.types

/** Collects a data consumer's messages as [text, ppid]. */
function collect (dataConsumer) {
  const messages = []
  dataConsumer.on('message', (message, ppid) => {
    expect(Buffer.isBuffer(message)).toBe(true)
    messages.push([message.toString(), ppid])
  })
  return messages
}

describe('data producers and consumers in one room', () => {
  let worker
  let router

  beforeAll(async () => {
    worker = await mafalda.createWorker()
    router = await worker.createRouter({ mediaCodecs })
  })

  afterAll(() => worker.close())

  test('a DirectTransport data producer\'s send() reaches a DirectTransport data consumer, with mediasoup\'s PPIDs', async () => {
    const transport = await router.createDirectTransport()
    const created = []
    transport.observer.on('newdataproducer', (p) => created.push(p))
    transport.observer.on('newdataconsumer', (c) => created.push(c))
    const dataProducer = await transport.produceData({ label: 'chat', protocol: 'json', appData: { a: 1 } })
    expect(dataProducer).toMatchObject({ type: 'direct', label: 'chat', protocol: 'json', paused: false, appData: { a: 1 } })
    expect(dataProducer.sctpStreamParameters).toBeUndefined()
    const dataConsumer = await transport.consumeData({ dataProducerId: dataProducer.id })
    expect(created).toEqual([dataProducer, dataConsumer])
    expect(dataConsumer).toMatchObject({
      dataProducerId: dataProducer.id, type: 'direct', label: 'chat', protocol: 'json', paused: false, dataProducerPaused: false, subchannels: []
    })
    expect(typeof dataConsumer.bufferedAmountLowThreshold).toBe('number')
    const messages = collect(dataConsumer)

    dataProducer.send('hello')
    dataProducer.send(Buffer.from('bytes'))
    dataProducer.send('')
    dataProducer.send(Buffer.alloc(0))
    dataProducer.send('as binary', 53)
    await waitFor(() => messages.length === 5)
    expect(messages).toEqual([['hello', 51], ['bytes', 53], [' ', 56], ['\0', 57], ['as binary', 53]])

    await expect(dataProducer.getStats()).resolves.toMatchObject([{ type: 'data-producer', label: 'chat', messagesReceived: 5 }])
    await expect(dataConsumer.getStats()).resolves.toMatchObject([{ type: 'data-consumer', label: 'chat', messagesSent: 5 }])
    const dump = await router.dump()
    expect(dump.mapDataProducerIdDataConsumerIds).toEqual([{ key: dataProducer.id, values: [dataConsumer.id] }])
    expect(dump.mapDataConsumerIdDataProducerId).toEqual([{ key: dataConsumer.id, value: dataProducer.id }])

    expect(() => dataProducer.send(42)).toThrow(TypeError)
    expect(() => dataProducer.send('x', undefined, 'not an array')).toThrow(TypeError)
    expect(() => dataProducer.send('x', 50)).toThrow(TypeError)
    transport.close()
  })

  test('pause and resume of either side: messages stop, events follow', async () => {
    const transport = await router.createDirectTransport()
    const dataProducer = await transport.produceData()
    const dataConsumer = await transport.consumeData({ dataProducerId: dataProducer.id })
    const messages = collect(dataConsumer)
    const events = []
    dataConsumer.on('dataproducerpause', () => events.push('dataproducerpause'))
    dataConsumer.on('dataproducerresume', () => events.push('dataproducerresume'))
    dataConsumer.observer.on('pause', () => events.push('observer pause'))
    dataConsumer.observer.on('resume', () => events.push('observer resume'))

    await dataProducer.pause()
    dataProducer.send('dropped')
    await waitFor(() => dataConsumer.dataProducerPaused)
    await dataProducer.resume()
    await waitFor(() => !dataConsumer.dataProducerPaused)
    await dataConsumer.pause()
    dataProducer.send('dropped too')
    await dataConsumer.resume()
    dataProducer.send('kept')
    await waitFor(() => messages.length === 1)
    expect(messages).toEqual([['kept', 51]])
    expect(events).toEqual([
      'dataproducerpause', 'observer pause', 'dataproducerresume', 'observer resume', 'observer pause', 'observer resume'
    ])
    transport.close()
  })

  test('subchannels: set, add, remove, and send() to some of them', async () => {
    const transport = await router.createDirectTransport()
    const dataProducer = await transport.produceData()
    const a = await transport.consumeData({ dataProducerId: dataProducer.id, subchannels: [1, 2, 65537] })
    expect(a.subchannels.sort()).toEqual([1, 2])
    const b = await transport.consumeData({ dataProducerId: dataProducer.id })
    await b.setSubchannels([3])
    await b.addSubchannel(4)
    await b.removeSubchannel(3)
    expect(b.subchannels).toEqual([4])
    const fromA = collect(a)
    const fromB = collect(b)
    dataProducer.send('to a', undefined, [1])
    dataProducer.send('to b', undefined, [4])
    dataProducer.send('to a too', undefined, [2, 4], 1)
    dataProducer.send('to all')
    await waitFor(() => fromA.length === 3 && fromB.length === 2)
    expect(fromA.map(([m]) => m)).toEqual(['to a', 'to a too', 'to all'])
    expect(fromB.map(([m]) => m)).toEqual(['to b', 'to all'])
    await expect(b.setSubchannels('nope')).rejects.toThrow(TypeError)
    transport.close()
  })

  test('SCTP data consumers on a PlainTransport: stream ids, buffered amount, threshold, send() to the endpoint', async () => {
    // The endpoint never connects: what is sent waits in the SCTP send queue.
    const plain = await router.createPlainTransport({ listenInfo, enableSctp: true })
    expect(plain.sctpParameters).toMatchObject({ port: 5000 })
    const direct = await router.createDirectTransport()
    const source = await direct.produceData({ label: 'l', protocol: 'p' })
    const first = await plain.consumeData({ dataProducerId: source.id })
    const second = await plain.consumeData({ dataProducerId: source.id, maxPacketLifeTime: 100 })
    expect(first).toMatchObject({ type: 'sctp', label: 'l', protocol: 'p', sctpStreamParameters: { streamId: 0, ordered: true } })
    expect(second.sctpStreamParameters).toEqual({ streamId: 1, ordered: false, maxPacketLifeTime: 100 })
    await expect(first.getBufferedAmount()).resolves.toBe(0)
    await first.setBufferedAmountLowThreshold(1000)
    expect(first.bufferedAmountLowThreshold).toBe(1000)
    await expect(first.dump()).resolves.toMatchObject({ bufferedAmountLowThreshold: 1000, sctpStreamParameters: { streamId: 0 } })
    await first.send('to the endpoint')
    await expect(first.getBufferedAmount()).resolves.toBeGreaterThan(0)
    await expect(first.setBufferedAmountLowThreshold(-1)).rejects.toThrow(TypeError)
    // A DataConsumer of a DirectTransport has no endpoint to send to.
    const local = await direct.consumeData({ dataProducerId: source.id })
    await expect(local.send('x')).rejects.toThrow(Error)
    // Stream ids are taken in turn, as mediasoup does.
    first.close()
    const third = await plain.consumeData({ dataProducerId: source.id })
    expect(third.sctpStreamParameters.streamId).toBe(2)
    plain.close()
    direct.close()
  })

  test('close cascades and closed-state errors', async () => {
    const transport = await router.createWebRtcTransport({ listenInfos: [listenInfo], enableSctp: true })
    const other = await router.createWebRtcTransport({ listenInfos: [listenInfo], enableSctp: true })
    const dataProducer = await transport.produceData({ sctpStreamParameters: { streamId: 1, maxRetransmits: 2 } })
    expect(dataProducer.sctpStreamParameters).toEqual({ streamId: 1, ordered: false, maxRetransmits: 2 })
    expect(() => dataProducer.send('x')).toThrow(TypeError)
    const dataConsumer = await other.consumeData({ dataProducerId: dataProducer.id, ordered: true })
    expect(dataConsumer.sctpStreamParameters).toMatchObject({ ordered: true })
    expect(dataConsumer.sctpStreamParameters.maxRetransmits).toBeUndefined()
    await expect(transport.produceData({ sctpStreamParameters: { streamId: 2, ordered: true, maxRetransmits: 1 } }))
      .rejects.toThrow(TypeError)
    await expect(transport.produceData({})).rejects.toThrow(TypeError)
    await expect(other.consumeData({})).rejects.toThrow(TypeError)
    await expect(other.consumeData({ dataProducerId: '00000000-0000-4000-8000-000000000000' }))
      .rejects.toThrow('DataProducer with id "00000000-0000-4000-8000-000000000000" not found')

    const order = []
    dataConsumer.on('dataproducerclose', () => order.push('dataproducerclose'))
    dataConsumer.observer.on('close', () => order.push('consumer closed'))
    dataProducer.observer.on('close', () => order.push('producer closed'))
    dataProducer.on('transportclose', () => order.push('transportclose'))
    transport.close()
    expect(dataProducer.closed).toBe(true)
    await waitFor(() => dataConsumer.closed)
    expect(order).toEqual(['transportclose', 'producer closed', 'dataproducerclose', 'consumer closed'])
    await expect(dataProducer.dump()).rejects.toThrow(InvalidStateError)
    await expect(dataConsumer.getStats()).rejects.toThrow(InvalidStateError)
    await expect(dataConsumer.pause()).rejects.toThrow(InvalidStateError)
    await expect(transport.produceData({ sctpStreamParameters: { streamId: 3 } })).rejects.toThrow(InvalidStateError)
    await expect((await other.dump()).dataConsumerIds).toEqual([])
    other.close()
  })

  test('a data producer of another room is not found', async () => {
    const other = await worker.createRouter({ mediaCodecs })
    const source = await (await other.createDirectTransport()).produceData()
    const transport = await router.createDirectTransport()
    await expect(transport.consumeData({ dataProducerId: source.id }))
      .rejects.toThrow(`DataProducer with id "${source.id}" not found`)
    other.close()
    transport.close()
  })
})

describe('data across the real routers of a room', () => {
  const defaults = mafalda.getConfiguration()
  const PIPE_LINGER = 300

  async function poolEmpty () {
    return (await mafalda.dump()).workers.length === 0
  }

  async function pipes () {
    const routers = (await mafalda.dump()).workers.flatMap((w) => w.routers)
    const sum = (field) => routers.reduce((n, r) => n + r[field], 0)
    return { producers: sum('pipeDataProducers'), consumers: sum('pipeDataConsumers'), dataConsumers: sum('dataConsumers') }
  }

  beforeEach(async () => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0, pipeLinger: PIPE_LINGER, consumerBudget: 1, maxWorkers: 2 })
    await waitFor(poolEmpty, { timeout: 8000 })
  })

  afterAll(() => mafalda.configure(defaults))

  /** A room whose first worker is full (one media consumer): the next transport lands on the second. */
  async function roomOverTwoWorkers () {
    const room = await mafalda.createRouter({ mediaCodecs })
    const source = await room.createDirectTransport()
    const audio = await source.produce({ kind: 'audio', rtpParameters: opusRtpParameters(7777) })
    const local = await room.createPlainTransport({ listenInfo })
    await local.consume({ producerId: audio.id, rtpCapabilities: consumerCapabilities(room) })
    const remote = await room.createDirectTransport()
    const routers = (await mafalda.dump()).workers.map((w) => w.routers.map((r) => r.transportIds))
    expect(routers).toHaveLength(2)
    expect(routers.findIndex((ids) => ids.flat().includes(source.id)))
      .not.toBe(routers.findIndex((ids) => ids.flat().includes(remote.id)))
    return { room, source, remote }
  }

  test('messages reach a data consumer on another worker through one data pipe, which goes after the last consumer', async () => {
    const { room, source, remote } = await roomOverTwoWorkers()
    const dataProducer = await source.produceData({ label: 'room chat', protocol: 'text' })
    const dataConsumers = await Promise.all(Array.from({ length: 10 }, () =>
      remote.consumeData({ dataProducerId: dataProducer.id })))
    expect(dataConsumers[0]).toMatchObject({ dataProducerId: dataProducer.id, label: 'room chat', protocol: 'text', type: 'direct' })
    expect(await pipes()).toEqual({ producers: 1, consumers: 1, dataConsumers: 11 })
    // The application's view: one data producer, its ten data consumers.
    const dump = await room.dump()
    expect(dump.mapDataProducerIdDataConsumerIds).toHaveLength(1)
    expect(dump.mapDataProducerIdDataConsumerIds[0].values.sort()).toEqual(dataConsumers.map((c) => c.id).sort())

    const received = dataConsumers.map(collect)
    for (let i = 0; i < 50; i++) dataProducer.send(i % 2 ? `text ${i}` : Buffer.from(`binary ${i}`))
    await waitFor(() => received.every((m) => m.length === 50), { timeout: 5000 })
    expect(received[3][0]).toEqual(['binary 0', 53])
    expect(received[3][49]).toEqual(['text 49', 51])

    // Pause and resume travel through the pipe.
    const events = []
    dataConsumers[0].on('dataproducerpause', () => events.push('pause'))
    dataConsumers[0].on('dataproducerresume', () => events.push('resume'))
    await dataProducer.pause()
    await waitFor(() => dataConsumers[0].dataProducerPaused)
    await dataProducer.resume()
    await waitFor(() => !dataConsumers[0].dataProducerPaused)
    expect(events).toEqual(['pause', 'resume'])

    for (const dataConsumer of dataConsumers) dataConsumer.close()
    await sleep(PIPE_LINGER / 3)
    expect((await pipes()).consumers).toBe(1)
    await waitFor(async () => (await pipes()).consumers === 0)
    expect(await pipes()).toEqual({ producers: 0, consumers: 0, dataConsumers: 0 })
    room.close()
  }, 30000)

  test('closing the data producer closes its data consumers on the other worker ("dataproducerclose")', async () => {
    const { room, source, remote } = await roomOverTwoWorkers()
    const dataProducer = await source.produceData()
    const dataConsumer = await remote.consumeData({ dataProducerId: dataProducer.id })
    const closed = new Promise((resolve) => dataConsumer.on('dataproducerclose', resolve))
    dataProducer.close()
    await closed
    expect(dataConsumer.closed).toBe(true)
    await waitFor(async () => (await pipes()).consumers === 0)
    expect((await remote.dump()).dataConsumerIds).toEqual([])
    room.close()
  }, 30000)

  test('a paused data producer is consumed paused on the other worker', async () => {
    const { room, source, remote } = await roomOverTwoWorkers()
    const dataProducer = await source.produceData({ paused: true })
    const dataConsumer = await remote.consumeData({ dataProducerId: dataProducer.id })
    expect(dataConsumer.dataProducerPaused).toBe(true)
    room.close()
    expect(dataConsumer.closed).toBe(true)
  }, 30000)
})
