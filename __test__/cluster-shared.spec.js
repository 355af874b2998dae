'use strict'

// One room served by two application (signalling) processes: this one,
// managing only, creates it; another, with a worker of its own, opens it
// by id with `cluster.router()`. Peers of both consume each other by
// producer id, with real RTP, across two media nodes and the second
// process. Real processes and a real redis-server.

const { randomUUID } = require('node:crypto')
const mafalda = require('..')
const { InvalidStateError } = mafalda.types
const { mediaCodecs, consumerCapabilities, waitFor } = require('./helpers')
const { startRedis, startTwoNodes, startAppInstance, stopAll } = require('./support/cluster')
const { RTP_PPS, joinPeer, sendFromAll, expectDelivered, expectFlowing, hostOf } = require('./support/peers')

const SECRET = 'shared-room-secret'
const COUNT = RTP_PPS * 2

let redis
let nodes = []

beforeAll(async () => {
  redis = await startRedis()
  nodes = await startTwoNodes(redis.url, SECRET)
}, 60000)

afterEach(async () => {
  await mafalda.cluster.leave()
})

afterAll(async () => {
  await mafalda.cluster.leave()
  await stopAll()
})

/** Waits until every consumer of `peer` (a remote summary) got ≥ 95 % of `count`. */
async function expectReceivedThere (app, name, count) {
  let received = {}
  await waitFor(async () => {
    received = await app.call('received', { name })
    return Object.values(received).every((got) => got >= count * 0.95)
  }, { timeout: 4000 }).catch(() => {})
  for (const [producerId, got] of Object.entries(received)) {
    if (got < count * 0.95) throw new Error(`${name} got ${got}/${count} packets of ${producerId}`)
  }
  return received
}

/**
 * Runs `body({ router, app, appSelf })`: a room created here (this process
 * managing only) and another application process joined with
 * `maxWorkers`, which is stopped afterwards even when `body` fails; both
 * make their pipes `interInstancePipes`. Spread: this process's peers go
 * over both nodes, so that its producers are piped too, whichever node the
 * other process's part is on.
 */
async function withAppInstance (maxWorkers, body, interInstancePipes = 'per-instance') {
  mafalda.configure({ maxWorkers: 0, policy: 'spread' })
  await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET, interInstancePipes })
  const router = await mafalda.createRouter({ mediaCodecs })
  const app = startAppInstance()
  try {
    const appSelf = await app.call('join', { redis: redis.url, address: '127.0.0.4', secret: SECRET, maxWorkers, interInstancePipes })
    await body({ router, app, appSelf })
  } finally {
    await app.stop('SIGKILL')
  }
}

test.each([
  ['with a worker of its own', 1, 'per-instance'],
  ['managing only', 0, 'per-instance'],
  // Each instance serves the room on one real router here: the same
  // pipes, made through the per-router paths (pairs between real routers).
  ['with a worker of its own, pipes per real router', 1, 'per-router']
])('cluster.router(id) opens a room another instance created (%s); peers of both consume each other by producer id', async (_, maxWorkers, pipes) => {
  await withAppInstance(maxWorkers, (room) => sharedRoom({ ...room, maxWorkers }), pipes)
}, 90000)

async function sharedRoom ({ router, app, appSelf, maxWorkers }) {
  await expect(app.call('open', { routerId: randomUUID() })).rejects.toThrow(/no router with id/)
  const opened = await app.call('open', { routerId: router.id })
  expect(opened.id).toBe(router.id)
  expect(opened.rtpCapabilities).toEqual(router.rtpCapabilities)
  expect(opened.same).toBe(true)

  // Here: two peers on the media nodes. There: two on its own worker
  // (local transports listen where told; delegated ones at their node).
  const here = [await joinPeer(router, 'ann'), await joinPeer(router, 'bob')]
  expect(new Set(here.flatMap((p) => [hostOf(p.send), hostOf(p.recv)])).has('127.0.0.1')).toBe(false)
  const there = [await app.call('joinPeer', { name: 'cid' }), await app.call('joinPeer', { name: 'dee' })]
  const nodeAddresses = nodes.map((n) => n.address)
  for (const peer of there) {
    for (const host of [peer.sendHost, peer.recvHost]) {
      if (maxWorkers > 0) expect(host).toBe('127.0.0.1')
      else expect(nodeAddresses).toContain(host)
    }
  }

  // Each side hears of the other's producers: canConsume() answers at once.
  await waitFor(() => there.every((p) => router.canConsume({ producerId: p.producerId, rtpCapabilities: consumerCapabilities(router) })))
  expect(router.canConsume({ producerId: there[0].producerId, rtpCapabilities: { codecs: [] } })).toBe(false)
  for (const peer of here) expect(await app.call('canConsume', { producerId: peer.producer.id })).toBe(true)

  // An observer here takes a producer made there, named with its appData.
  const observer = await router.createAudioLevelObserver()
  const added = new Promise((resolve) => observer.observer.once('addproducer', resolve))
  await observer.addProducer({ producerId: there[0].producerId })
  expect(await added).toEqual(expect.objectContaining({ id: there[0].producerId, kind: 'audio', appData: { peerId: 'cid' } }))
  await observer.removeProducer({ producerId: there[0].producerId })
  observer.close()

  // Everyone consumes everyone else, by producer id.
  const ids = [...here.map((p) => p.producer.id), ...there.map((p) => p.producerId)]
  for (const peer of here) {
    for (const producerId of ids) {
      if (producerId === peer.producer.id) continue
      const consumer = await peer.recv.consume({ producerId, rtpCapabilities: consumerCapabilities(router) })
      peer.consumers.push({ consumer, from: { name: producerId } })
    }
  }
  for (const peer of there) {
    await app.call('consume', { name: peer.name, producerIds: ids.filter((id) => id !== peer.producerId) })
  }

  // Real RTP from all four, both processes sending at once.
  await Promise.all([expectFlowing(here, COUNT, { timeout: 4000 }), app.call('send', { count: COUNT })])
  for (const peer of there) await expectReceivedThere(app, peer.name, COUNT)

  // Redis knows where each producer lives.
  const directory = await mafalda.cluster.directory(router.id)
  expect(Object.keys(directory).sort()).toEqual([...ids].sort())
  if (maxWorkers > 0) expect(directory[there[0].producerId]).toBe(appSelf.id)
  // One pipe per (producer, instance it is consumed on but not hosted),
  // whichever process made the producer.
  const hostId = new Map([...nodes.map((n) => [n.address, n.id]), ['127.0.0.1', appSelf.id], ['127.0.0.4', appSelf.id]])
  const expected = new Set()
  const consumedOn = [...here.map((p) => [p.producer.id, hostId.get(hostOf(p.recv))]), ...there.map((p) => [p.producerId, hostId.get(p.recvHost)])]
  for (const producerId of ids) {
    for (const [consumerOf, dest] of consumedOn) {
      if (consumerOf !== producerId && directory[producerId] !== dest) expected.add(`${producerId} ${directory[producerId]}->${dest}`)
    }
  }
  const { instances } = await mafalda.cluster.dump()
  const pipesOut = instances.flatMap((i) => i.pipesOut.map((p) => `${p.producerId} ${i.id}->${p.to}`))
  const pipesIn = instances.flatMap((i) => i.pipesIn.map((p) => `${p.producerId} ${p.from}->${i.id}`))
  expect(expected.size).toBeGreaterThan(0)
  expect(pipesOut.sort()).toEqual([...expected].sort())
  expect(pipesIn.sort()).toEqual([...expected].sort())

  // A producer closed there: consumers here of it get producerclose.
  const closedHere = here.map((peer) => peer.consumers.find((c) => c.from.name === there[0].producerId).consumer)
  const closes = closedHere.map((consumer) => new Promise((resolve) => consumer.once('producerclose', resolve)))
  await app.call('closeProducer', { name: 'cid' })
  await Promise.all(closes)
  await waitFor(() => !router.canConsume({ producerId: there[0].producerId, rtpCapabilities: consumerCapabilities(router) }))

  // A producer closed here: the consumers there of it get producerclose.
  here[1].producer.close()
  await waitFor(() => app.events.filter((e) => e.producerId === here[1].producer.id).length === 2)

  // The other process lets go of the room: the room goes on here.
  const left = here.map((peer) => peer.consumers.find((c) => c.from.name === there[1].producerId).consumer)
  const leftCloses = left.map((consumer) => new Promise((resolve) => consumer.once('producerclose', resolve)))
  await app.call('closeRouter')
  await Promise.all(leftCloses)
  await waitFor(async () => Object.keys(await mafalda.cluster.directory(router.id)).length === 1)
  expect(await mafalda.cluster.directory(router.id)).toEqual({ [here[0].producer.id]: expect.any(String) })
  if (maxWorkers > 0) {
    // Its transports there closed with its Router; the pipe transports this
    // instance made to it closed with the last pipe through them, and the
    // room's part this instance held there for them with the last pair.
    await waitFor(async () => {
      const { instances } = await mafalda.cluster.dump()
      const workers = instances.find((i) => i.id === appSelf.id).workers
      return workers.every((w) => w.routers.length === 0)
    }, { timeout: 8000 })
  }
  here[1].consumers = here[1].consumers.filter((c) => c.from.name === here[0].producer.id)
  await sendFromAll([here[0]], COUNT)
  await waitFor(() => {
    try { expectDelivered([here[1]], COUNT * 2); return true } catch (_) { return false }
  }, { timeout: 4000 }).catch(() => {})
  expectDelivered([here[1]], COUNT * 2)

  // Closed here too: nothing of the room is left on any instance.
  router.close()
  await waitFor(async () => Object.keys(await mafalda.cluster.directory(router.id)).length === 0)
  await waitFor(async () => {
    const { instances } = await mafalda.cluster.dump()
    return instances.every((i) => i.workers.every((w) => w.routers.length === 0) && i.pipesIn.length === 0 && i.pipesOut.length === 0)
  }, { timeout: 5000 })
  await app.call('leave')
}

test('a user of the room killed: consumers here of its producers close, its producers leave the record, the room goes on', async () => {
  await withAppInstance(0, async ({ router, app, appSelf }) => {
    await app.call('open', { routerId: router.id })
    const there = await app.call('joinPeer', { name: 'eve' })
    const [ann, bob] = [await joinPeer(router, 'ann'), await joinPeer(router, 'bob')]
    await waitFor(() => router.canConsume({ producerId: there.producerId, rtpCapabilities: consumerCapabilities(router) }))
    const consumer = await ann.recv.consume({ producerId: there.producerId, rtpCapabilities: consumerCapabilities(router) })
    const kept = await bob.recv.consume({ producerId: ann.producer.id, rtpCapabilities: consumerCapabilities(router) })
    bob.consumers.push({ consumer: kept, from: ann })
    const closed = new Promise((resolve) => consumer.once('producerclose', resolve))
    const killed = Date.now()
    await app.stop('SIGKILL')
    await closed
    expect(Date.now() - killed).toBeLessThan(4000)
    await waitFor(async () => !(there.producerId in await mafalda.cluster.directory(router.id)))
    // Its set of rooms, which the survivors read, goes with its clean-up.
    await waitFor(() => redis.keys(`*:rooms-of:${appSelf.id}`).length === 0)
    expect(redis.keys('*:rooms-of:*').length).toBeGreaterThan(0)
    // Known here until this instance notices the death too (each reads the
    // announcements on its own).
    await waitFor(() => !router.canConsume({ producerId: there.producerId, rtpCapabilities: consumerCapabilities(router) }))
    // Bob's consumer of ann's producer goes on (ann consumes nothing).
    await expectFlowing([ann, bob], COUNT, { timeout: 4000 })
    router.close()
  })
}, 60000)

test('a data producer made through one application instance is consumed by id through another', async () => {
  await withAppInstance(1, async ({ router, app }) => {
    await app.call('open', { routerId: router.id })
    const transport = await router.createDirectTransport()
    const { id } = await app.call('produceData')
    // Consumed at once: the producer's note may still be on its way.
    const dataConsumer = await transport.consumeData({ dataProducerId: id })
    expect([dataConsumer.label, dataConsumer.protocol]).toEqual(['chat', 'text'])
    const got = []
    dataConsumer.on('message', (message) => got.push(message.toString()))
    const sent = Array.from({ length: 20 }, (_, i) => `message ${i}`)
    await app.call('sendData', { messages: sent })
    await waitFor(() => got.length === sent.length, { timeout: 4000 })
    expect(got).toEqual(sent)
    const closed = new Promise((resolve) => dataConsumer.once('dataproducerclose', resolve))
    await app.call('closeRouter')
    await closed
    router.close()
  })
}, 60000)

test('cluster.router() needs a joined instance and a string id', async () => {
  await expect(mafalda.cluster.router('x')).rejects.toThrow(InvalidStateError)
  await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
  await expect(mafalda.cluster.router(42)).rejects.toThrow(TypeError)
  await expect(mafalda.cluster.router(randomUUID())).rejects.toThrow(InvalidStateError)
})
