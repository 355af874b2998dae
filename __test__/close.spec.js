'use strict'

const mafalda = require('..')
const { mediaCodecs, opusRtpParameters, consumerCapabilities, waitFor } = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }

async function roomWithMedia (worker) {
  const router = await worker.createRouter({ mediaCodecs })
  const transport = await router.createPlainTransport({ listenInfo, comedia: true })
  const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(5555) })
  const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
  return { router, transport, producer, consumer }
}

function record (events, name, emitter, eventNames) {
  for (const eventName of eventNames) emitter.on(eventName, () => events.push(`${name}:${eventName}`))
}

/** The real worker's channel handlers: one per live mediasoup object. */
async function liveHandlers (worker) {
  const { workers } = await mafalda.dump()
  return workers.find((w) => w.pid === worker.pid).handlers
}

describe('closing cascades in mediasoup\'s order', () => {
  test('router.close() closes producers, consumers and transports with their events, and the real objects go', async () => {
    const worker = await mafalda.createWorker()
    const { router, transport, producer, consumer } = await roomWithMedia(worker)
    expect(await liveHandlers(worker)).toEqual(expect.arrayContaining([transport.id, producer.id, consumer.id]))

    const events = []
    record(events, 'producer', producer, ['transportclose'])
    record(events, 'producer.observer', producer.observer, ['close'])
    record(events, 'consumer', consumer, ['transportclose', 'producerclose'])
    record(events, 'consumer.observer', consumer.observer, ['close'])
    record(events, 'transport', transport, ['routerclose'])
    record(events, 'transport.observer', transport.observer, ['close'])
    record(events, 'router.observer', router.observer, ['close'])

    router.close()
    expect(events).toEqual([
      'producer:transportclose', 'producer.observer:close',
      'consumer:transportclose', 'consumer.observer:close',
      'transport:routerclose', 'transport.observer:close',
      'router.observer:close'
    ])
    expect([router.closed, transport.closed, producer.closed, consumer.closed]).toEqual([true, true, true, true])

    // The real mediasoup objects are gone from the worker, and no event of
    // theirs arrives later.
    await waitFor(async () => {
      const handlers = await liveHandlers(worker)
      return ![transport.id, producer.id, consumer.id].some((id) => handlers.includes(id))
    })
    expect(events).toHaveLength(7)
    worker.close()
  })

  test('transport.close() closes its producers and consumers; a consumer elsewhere gets producerclose', async () => {
    const worker = await mafalda.createWorker()
    const { router, transport, producer, consumer } = await roomWithMedia(worker)
    const other = await router.createPlainTransport({ listenInfo })
    const remoteConsumer = await other.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    const events = []
    record(events, 'producer', producer, ['transportclose'])
    record(events, 'consumer', consumer, ['transportclose'])
    record(events, 'transport', transport, ['routerclose'])
    record(events, 'transport.observer', transport.observer, ['close'])
    const producerClosed = new Promise((resolve) => remoteConsumer.on('producerclose', resolve))

    expect((await router.dump()).transportIds).toEqual(expect.arrayContaining([transport.id, other.id]))
    transport.close()
    expect(events).toEqual(['producer:transportclose', 'consumer:transportclose', 'transport.observer:close'])
    // The router's dump right after close() no longer lists it.
    expect((await router.dump()).transportIds).toEqual([other.id])
    await producerClosed
    expect(remoteConsumer.closed).toBe(true)
    expect(other.closed).toBe(false)
    worker.close()
  })

  test('worker.close() emits "workerclose" on its routers and closes everything', async () => {
    const worker = await mafalda.createWorker()
    const { router, transport } = await roomWithMedia(worker)
    const events = []
    record(events, 'router', router, ['workerclose'])
    record(events, 'transport', transport, ['routerclose'])
    record(events, 'worker.observer', worker.observer, ['close'])
    worker.close()
    expect(events).toEqual(['transport:routerclose', 'router:workerclose', 'worker.observer:close'])
    expect(worker.closed).toBe(true)
    worker.close()
    router.close()
    expect(events).toHaveLength(3)
  })

  test('observer events announce every new object', async () => {
    const created = []
    const onWorker = (w) => created.push(['newworker', w])
    mafalda.observer.on('newworker', onWorker)
    const worker = await mafalda.createWorker()
    mafalda.observer.off('newworker', onWorker)
    worker.observer.on('newrouter', (r) => created.push(['newrouter', r]))
    const router = await worker.createRouter({ mediaCodecs })
    router.observer.on('newtransport', (t) => {
      created.push(['newtransport', t])
      t.observer.on('newproducer', (p) => created.push(['newproducer', p]))
      t.observer.on('newconsumer', (c) => created.push(['newconsumer', c]))
    })
    const transport = await router.createPlainTransport({ listenInfo, comedia: true })
    const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(6) })
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    expect(created).toEqual([
      ['newworker', worker], ['newrouter', router], ['newtransport', transport],
      ['newproducer', producer], ['newconsumer', consumer]
    ])
    worker.close()
  })
})
