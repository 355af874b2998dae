'use strict'

// Several machines on one: a real redis-server and real mafalda-node
// processes on 127.0.0.2 and 127.0.0.3, this process as the application.

const fs = require('node:fs')
const mafalda = require('..')
const { InvalidStateError } = mafalda.types
const {
  mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket, bindSocket, sleep, waitFor
} = require('./helpers')
const { makeCertificates, startRedis, startNode, startTwoNodes, stopAll, freePort, withoutIdleWorkers } = require('./support/cluster')
const { RTP_PPS, joinPeer, sendFromAll, consumeAll, expectDelivered, expectFlowing, hostOf } = require('./support/peers')

const SECRET = 'cluster-test-secret'
const SEND_MS = 2000

let redis

beforeAll(async () => {
  redis = await startRedis()
}, 30000)

afterEach(async () => {
  await mafalda.cluster.leave()
})

afterAll(async () => {
  await mafalda.cluster.leave()
  await stopAll()
})

/**
 * Two media nodes for the tests of a describe block: `nodes.list` once
 * started; they leave at its end (SIGINT: at once; SIGTERM would drain,
 * which the drain tests use).
 */
function twoNodesForDescribe () {
  const nodes = { list: [] }
  beforeAll(async () => { nodes.list = await startTwoNodes(redis.url, SECRET) }, 60000)
  afterAll(async () => { await Promise.all(nodes.list.map((node) => node.stop('SIGINT'))) })
  return nodes
}

/**
 * A media node (`nodeOptions` for it) and this process (`options` for
 * `join()`) join through one Redis: each sees the other, and a request to
 * the node is answered through its inbox. Resolves with the node.
 */
async function joinWithNode (options, nodeOptions = {}) {
  const node = await startNode({ redis: options.redis, address: '127.0.0.2', secret: SECRET, ...nodeOptions })
  const self = await mafalda.cluster.join({ address: '127.0.0.1', secret: SECRET, ...options })
  expect((await mafalda.cluster.instances()).map((i) => i.id).sort()).toEqual([self.id, node.id].sort())
  const { instances } = await mafalda.cluster.dump()
  expect(instances.find((i) => i.id === node.id).workers).toEqual(expect.any(Array))
  return node
}

describe('joining', () => {
  test('join() checks its options and rejects clearly when Redis cannot be reached', async () => {
    await expect(mafalda.cluster.join({ redis: 'http://x', address: '127.0.0.1', secret: 's' })).rejects.toThrow(TypeError)
    await expect(mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1' })).rejects.toThrow(TypeError)
    await expect(mafalda.cluster.join({ redis: redis.url, address: 'not-an-ip', secret: 's' })).rejects.toThrow(TypeError)
    await expect(mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: 's', interInstancePipes: 'per-worker' }))
      .rejects.toThrow(/interInstancePipes must be per-instance or per-router/)
    const port = await freePort()
    const started = Date.now()
    await expect(mafalda.cluster.join({ redis: `redis://127.0.0.1:${port}`, address: '127.0.0.1', secret: 's' }))
      .rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1/)
    expect(Date.now() - started).toBeLessThan(10000)
    expect(mafalda.cluster.self).toBeNull()
    await expect(mafalda.cluster.instances()).rejects.toThrow(InvalidStateError)
  })

  test('a password in the Redis URL is used; a wrong one is refused clearly, and hidden in the error', async () => {
    const locked = await startRedis({ password: 'sesame' })
    try {
      const wrong = locked.url.replace('sesame', 'open-up')
      const error = await mafalda.cluster.join({ redis: wrong, address: '127.0.0.1', secret: SECRET }).catch((e) => e)
      expect(error.message).toMatch(/cannot reach Redis at redis:\/\/\*\*\*@127\.0\.0\.1/)
      expect(error.message).not.toContain('open-up')
      const self = await mafalda.cluster.join({ redis: locked.url, address: '127.0.0.1', secret: SECRET })
      expect((await mafalda.cluster.instances()).map((i) => i.id)).toEqual([self.id])
      await mafalda.cluster.leave()
    } finally {
      await locked.stop()
    }
  })

  test('an ACL user limited to the cluster\'s keys and channels is enough; without it Redis refuses', async () => {
    const acl = await startRedis({
      users: [['media', 'on', '>media-pw', '~mafalda:*', '&mafalda:*', '+@all'], ['default', 'off']]
    })
    const url = acl.url.replace('redis://', 'redis://media:media-pw@')
    let node
    try {
      const refused = await mafalda.cluster.join({ redis: acl.url, address: '127.0.0.1', secret: SECRET }).catch((e) => e)
      expect(refused.message).toMatch(/cannot reach Redis/)
      node = await joinWithNode({ redis: url })
    } finally {
      await mafalda.cluster.leave()
      await node?.stop('SIGINT')
      await acl.stop()
    }
  })

  test('rediss:// with the authority and a client certificate given; refused clearly without them', async () => {
    const certificates = makeCertificates()
    const secure = await startRedis({ tls: certificates })
    const read = (file) => fs.readFileSync(file, 'utf8')
    const tls = { ca: read(certificates.ca), cert: read(certificates.clientCert), key: read(certificates.clientKey) }
    let node
    try {
      expect(secure.url).toMatch(/^rediss:\/\//)
      await expect(mafalda.cluster.join({ redis: secure.url, address: '127.0.0.1', secret: SECRET, tls: { ca: 42 } }))
        .rejects.toThrow(TypeError)
      await expect(mafalda.cluster.join({ redis: secure.url.replace('rediss', 'redis'), address: '127.0.0.1', secret: SECRET, tls }))
        .rejects.toThrow(/rediss:\/\//)
      // The system's roots do not vouch for this server; with the
      // authority but no client certificate, the server hangs up.
      const started = Date.now()
      for (const partial of [undefined, { ca: tls.ca }]) {
        const error = await mafalda.cluster.join({ redis: secure.url, address: '127.0.0.1', secret: SECRET, tls: partial }).catch((e) => e)
        expect(error).toBeInstanceOf(Error)
        expect(error.message).toMatch(/cannot reach Redis at rediss:\/\/127\.0\.0\.1/)
      }
      expect(Date.now() - started).toBeLessThan(8000)
      node = await joinWithNode({ redis: secure.url, tls }, { tls: certificates })
    } finally {
      await mafalda.cluster.leave()
      await node?.stop('SIGINT')
      await secure.stop()
      certificates.remove()
    }
  })

  test('instances() lists the live instances; leaving removes one at once', async () => {
    const node = await startNode({ redis: redis.url, address: '127.0.0.2', secret: SECRET })
    try {
      const self = await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET, instanceId: 'app-1' })
      expect(self).toEqual({ id: 'app-1', address: '127.0.0.1' })
      await expect(mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET }))
        .rejects.toThrow(InvalidStateError)
      const instances = await mafalda.cluster.instances()
      expect(instances.map((i) => [i.id, i.address, i.self]).sort()).toEqual([
        ['app-1', '127.0.0.1', true], [node.id, '127.0.0.2', false]
      ].sort())
      for (const instance of instances) {
        expect(instance).toEqual(expect.objectContaining({
          cpu: expect.any(Number), consumers: expect.any(Number), workers: expect.any(Array), draining: false
        }))
      }
      // Another secret is another cluster, even on the same Redis.
      const stranger = await startNode({ redis: redis.url, address: '127.0.0.3', secret: 'other-secret' })
      expect((await mafalda.cluster.instances()).map((i) => i.id)).not.toContain(stranger.id)
      await stranger.stop()
      expect(await node.stop('SIGTERM')).toEqual({ code: 0, signal: null })
      expect((await mafalda.cluster.instances()).map((i) => i.id)).toEqual(['app-1'])
    } finally {
      await node.stop('SIGKILL')
    }
  }, 60000)
})

describe('a room over two media nodes, managed by an instance with no workers', () => {
  const nodes = twoNodesForDescribe()

  test('4 peers with PlainTransports: media flows between the machines through one pipe per (producer, instance)', async () => {
    // Spread: each transport to the roomiest node, so that the room spans both.
    mafalda.configure({ maxWorkers: 0, policy: 'spread' })
    const self = await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
    const router = await mafalda.createRouter({ mediaCodecs })
    const peers = []
    for (const name of ['ann', 'bob', 'cid', 'dee']) peers.push(await joinPeer(router, name))

    // Placed on both media nodes, none here: the tuples say where.
    const hosts = new Set(peers.flatMap((p) => [hostOf(p.send), hostOf(p.recv)]))
    expect([...hosts].sort()).toEqual(['127.0.0.2', '127.0.0.3'])
    // (A real worker an earlier test file left idling may still be there.)
    expect((await mafalda.dump()).workers.flatMap((w) => w.routers)).toEqual([])

    await consumeAll(router, peers)
    expect(router.canConsume({ producerId: peers[0].producer.id, rtpCapabilities: consumerCapabilities(router) })).toBe(true)
    expect(router.canConsume({ producerId: peers[0].producer.id, rtpCapabilities: { codecs: [] } })).toBe(false)

    const count = RTP_PPS * SEND_MS / 1000
    await sendFromAll(peers, count)
    await waitFor(() => {
      try { expectDelivered(peers, count); return true } catch (_) { return false }
    }, { timeout: 3000 }).catch(() => {})
    expectDelivered(peers, count)

    // Pipes: exactly one per (producer, instance other than its own) that
    // has a consumer of it, read from every instance.
    const idOf = new Map(nodes.list.map((n) => [n.address, n.id]))
    const expected = new Set()
    for (const peer of peers) {
      for (const { from } of peer.consumers) {
        const source = idOf.get(hostOf(from.send))
        const dest = idOf.get(hostOf(peer.recv))
        if (source !== dest) expected.add(`${from.producer.id} ${source}->${dest}`)
      }
    }
    expect(expected.size).toBeGreaterThan(0)
    const dump = await mafalda.cluster.dump()
    expect(dump.instances.map((i) => i.id).sort()).toEqual([self.id, ...nodes.list.map((n) => n.id)].sort())
    const pipesIn = dump.instances.flatMap((i) => i.pipesIn.map((p) => `${p.producerId} ${p.from}->${i.id}`))
    const pipesOut = dump.instances.flatMap((i) => i.pipesOut.map((p) => `${p.producerId} ${i.id}->${p.to}`))
    expect(pipesIn.sort()).toEqual([...expected].sort())
    expect(pipesOut.sort()).toEqual([...expected].sort())
    // The directory in Redis says where each producer lives.
    const directory = await mafalda.cluster.directory(router.id)
    expect(directory).toEqual(Object.fromEntries(peers.map((p) => [p.producer.id, idOf.get(hostOf(p.send))])))

    // Pausing and resuming a producer reaches its consumers on every machine.
    const [ann] = peers
    const annConsumers = peers.slice(1).map((peer) => peer.consumers.find((c) => c.from === ann).consumer)
    const paused = annConsumers.map((consumer) => new Promise((resolve) => consumer.once('producerpause', resolve)))
    await ann.producer.pause()
    await Promise.all(paused)
    expect(annConsumers.every((consumer) => consumer.producerPaused)).toBe(true)
    const resumed = annConsumers.map((consumer) => new Promise((resolve) => consumer.once('producerresume', resolve)))
    await ann.producer.resume()
    await Promise.all(resumed)
    await Promise.all(annConsumers.map((consumer) => consumer.requestKeyFrame()))
    const stats = await annConsumers[0].getStats()
    expect(stats.some((s) => s.type === 'outbound-rtp' && s.packetCount >= count * 0.95)).toBe(true)

    // Closing a producer closes its consumers on every machine.
    const closes = peers.slice(1).map((peer) => {
      const { consumer } = peer.consumers.find((c) => c.from === ann)
      return new Promise((resolve) => consumer.once('producerclose', resolve))
    })
    ann.producer.close()
    await Promise.all(closes)
    expect(await mafalda.cluster.directory(router.id)).not.toHaveProperty(ann.producer.id)

    // Closing the room leaves nothing on any instance.
    router.close()
    await waitFor(async () => {
      const { instances } = await mafalda.cluster.dump()
      return instances.every((i) =>
        i.pipesIn.length === 0 && i.pipesOut.length === 0 && i.workers.every((w) => w.routers.length === 0))
    }, { timeout: 5000 })
    expect(await mafalda.cluster.directory(router.id)).toEqual({})
  }, 60000)
})

describe('a manager-only instance used as EduMeet uses mediasoup', () => {
  const nodes = twoNodesForDescribe()

  test('createWorker(), a WebRtcServer and routers: no real worker here, every transport on a media node through its server there', async () => {
    // Spread: each transport to the roomiest node, so that the room spans both.
    mafalda.configure({ maxWorkers: 0, policy: 'spread' })
    await expect(mafalda.createWorker()).rejects.toThrow(InvalidStateError)
    await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
    const worker = await mafalda.createWorker()
    expect(worker.pid).toBe(process.pid)
    const webRtcServer = await worker.createWebRtcServer({
      listenInfos: [{ protocol: 'udp', ip: '127.0.0.1', port: await freePort() }]
    })
    const router = await worker.createRouter({ mediaCodecs })
    const transports = []
    for (let i = 0; i < 4; i++) transports.push(await router.createWebRtcTransport({ webRtcServer }))
    const addresses = new Set(transports.map((t) => t.iceCandidates[0].address))
    expect([...addresses].sort()).toEqual(['127.0.0.2', '127.0.0.3'])
    // One counterpart server per media node: all transports there share its port.
    for (const address of addresses) {
      const ports = new Set(transports.filter((t) => t.iceCandidates[0].address === address).map((t) => t.iceCandidates[0].port))
      expect(ports.size).toBe(1)
    }
    expect((await webRtcServer.dump()).webRtcTransportIds.sort()).toEqual(transports.map((t) => t.id).sort())
    expect(await worker.dump()).toEqual(expect.objectContaining({ pid: process.pid, routerIds: [router.id], webRtcServerIds: [webRtcServer.id] }))
    expect((await worker.getResourceUsage()).ru_utime).toBe(0)
    const { workers } = await mafalda.dump()
    expect(workers.flatMap((w) => w.routers)).toEqual([])

    // Closing the server closes its transports on the media nodes.
    const closed = transports.map((t) => new Promise((resolve) => t.once('listenserverclose', resolve)))
    webRtcServer.close()
    await Promise.all(closed)
    await waitFor(async () => {
      const { instances } = await mafalda.cluster.dump()
      return instances.every((i) => i.workers.every((w) => w.routers.every((r) => r.transports === 0)))
    }, { timeout: 5000 })
    worker.close()
    expect(router.closed).toBe(true)
    // Its rooms on the media nodes closed with it.
    await waitFor(async () => {
      const { instances } = await mafalda.cluster.dump()
      return instances.every((i) => i.workers.every((w) => w.routers.length === 0))
    }, { timeout: 5000 })
  }, 60000)
})

describe('data and observers across instances', () => {
  const nodes = twoNodesForDescribe()

  /** The instance whose workers hold transport `id`. */
  async function instanceOf (transport) {
    const { instances } = await mafalda.cluster.dump()
    return instances.find((i) => i.workers.some((w) => w.routers.some((r) => r.transportIds.includes(transport.id))))?.id
  }

  test('a DirectTransport\'s data producer on one media node reaches a data consumer on the other, in order', async () => {
    // Spread: each transport to the roomiest node, so that the room spans both.
    mafalda.configure({ maxWorkers: 0, policy: 'spread' })
    await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
    const router = await mafalda.createRouter({ mediaCodecs })
    const sending = await router.createDirectTransport()
    let receiving = await router.createDirectTransport()
    while (await instanceOf(receiving) === await instanceOf(sending)) receiving = await router.createDirectTransport()
    const dataProducer = await sending.produceData({ label: 'chat' })
    const dataConsumer = await receiving.consumeData({ dataProducerId: dataProducer.id })
    expect(dataConsumer.label).toBe('chat')
    const received = []
    dataConsumer.on('message', (message, ppid) => received.push([message.toString(), ppid]))
    const sent = Array.from({ length: 20 }, (_, i) => `message ${i}`)
    for (const message of sent) dataProducer.send(message)
    await waitFor(() => received.length === sent.length, { timeout: 5000 })
    expect(received).toEqual(sent.map((m) => [m, 51]))
    const { instances } = await mafalda.cluster.dump()
    expect(instances.flatMap((i) => i.pipesIn).map((p) => p.producerId)).toEqual([dataProducer.id])

    const paused = new Promise((resolve) => dataConsumer.once('dataproducerpause', resolve))
    await dataProducer.pause()
    await paused
    expect(dataConsumer.dataProducerPaused).toBe(true)
    const closed = new Promise((resolve) => dataConsumer.once('dataproducerclose', resolve))
    dataProducer.close()
    await closed
    expect(dataConsumer.closed).toBe(true)
    router.close()
  }, 60000)

  test('an audio level observer hears producers of both media nodes', async () => {
    // Spread: each transport to the roomiest node, so that the room spans both.
    mafalda.configure({ maxWorkers: 0, policy: 'spread' })
    await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
    const router = await mafalda.createRouter({ mediaCodecs })
    const observer = await router.createAudioLevelObserver({ maxEntries: 2, interval: 200, threshold: -127 })
    const speakers = []
    for (let i = 0; i < 2; i++) {
      const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, comedia: true })
      const ssrc = 5000 + i
      const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(ssrc, 100, { audioLevel: true }) })
      await observer.addProducer({ producerId: producer.id })
      speakers.push({ transport, producer, ssrc, socket: await bindSocket() })
    }
    expect(new Set(speakers.map((s) => hostOf(s.transport)))).toEqual(new Set(['127.0.0.2', '127.0.0.3']))
    const heard = new Set()
    observer.on('volumes', (volumes) => { for (const { producer } of volumes) heard.add(producer) })
    for (let i = 0; i < 100 && heard.size < 2; i++) {
      for (const { transport, ssrc, socket } of speakers) {
        socket.send(rtpPacket({ payloadType: 100, sequenceNumber: i, timestamp: i * 960, ssrc, audioLevel: 20 }),
          transport.tuple.localPort, transport.tuple.localAddress)
      }
      await sleep(20)
    }
    expect([...heard].map((p) => p.id).sort()).toEqual(speakers.map((s) => s.producer.id).sort())
    const { instances } = await mafalda.cluster.dump()
    expect(instances.flatMap((i) => i.pipesIn)).toHaveLength(1)
    observer.close()
    await waitFor(async () => (await mafalda.cluster.dump()).instances.every((i) => i.pipesIn.length === 0),
      { timeout: 5000 })
    router.close()
  }, 60000)
})

describe('delegation driven by load', () => {
  test('a full instance spills the room\'s next transports onto another, and media flows between the two', async () => {
    const node = await startNode({ redis: redis.url, address: '127.0.0.2', secret: SECRET })
    try {
      await withoutIdleWorkers(mafalda)
      mafalda.configure({ maxWorkers: 1, consumerBudget: 2 })
      await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
      const router = await mafalda.createRouter({ mediaCodecs })
      const ann = await joinPeer(router, 'ann')
      expect([hostOf(ann.send), hostOf(ann.recv)]).toEqual(['127.0.0.1', '127.0.0.1'])
      // Two consumers fill this instance's only worker.
      const cid = await joinPeer(router, 'cid')
      expect(hostOf(cid.recv)).toBe('127.0.0.1')
      await cid.recv.consume({ producerId: ann.producer.id, rtpCapabilities: consumerCapabilities(router) })
      await cid.recv.consume({ producerId: cid.producer.id, rtpCapabilities: consumerCapabilities(router) })
      const bob = await joinPeer(router, 'bob')
      expect([hostOf(bob.send), hostOf(bob.recv)]).toEqual(['127.0.0.2', '127.0.0.2'])
      const peers = [ann, bob]
      await consumeAll(router, peers)
      const count = RTP_PPS * SEND_MS / 1000
      await sendFromAll(peers, count)
      await waitFor(() => {
        try { expectDelivered(peers, count); return true } catch (_) { return false }
      }, { timeout: 3000 }).catch(() => {})
      expectDelivered(peers, count)
      router.close()
    } finally {
      await node.stop()
    }
  }, 60000)
  test('from a manager, a room stays on the node it started on until that node is full (concentrate), then spills', async () => {
    const nodes = await Promise.all(['127.0.0.2', '127.0.0.3'].map((address) =>
      startNode({ redis: redis.url, address, secret: SECRET, maxWorkers: 1, consumerBudget: 2 })))
    try {
      mafalda.configure({ maxWorkers: 0, policy: 'concentrate' })
      await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
      const router = await mafalda.createRouter({ mediaCodecs })
      const ann = await joinPeer(router, 'ann')
      const bob = await joinPeer(router, 'bob')
      // Both peers, each with its two transports, on one node: nothing piped.
      const first = hostOf(ann.send)
      expect([hostOf(ann.recv), hostOf(bob.send), hostOf(bob.recv)]).toEqual([first, first, first])
      await consumeAll(router, [ann, bob])
      // Its two consumers fill its one worker, as its next announcement says.
      const full = nodes.find((n) => n.address === first)
      await waitFor(async () => (await mafalda.cluster.instances()).find((i) => i.id === full.id).consumers >= 2)
      const cid = await joinPeer(router, 'cid')
      const second = hostOf(cid.send)
      expect(second).not.toBe(first)
      expect(hostOf(cid.recv)).toBe(second)
      cid.consumers.push({ consumer: await cid.recv.consume({ producerId: ann.producer.id, rtpCapabilities: consumerCapabilities(router) }), from: ann })
      ann.consumers.push({ consumer: await ann.recv.consume({ producerId: cid.producer.id, rtpCapabilities: consumerCapabilities(router) }), from: cid })
      await expectFlowing([ann, bob, cid], RTP_PPS * SEND_MS / 1000)
      const { instances } = await mafalda.cluster.dump()
      expect(instances.flatMap((i) => i.pipesOut.map((p) => p.producerId)).sort()).toEqual([ann.producer.id, cid.producer.id].sort())
      router.close()
    } finally {
      await Promise.all(nodes.map((node) => node.stop('SIGINT')))
    }
  }, 60000)
})

describe('inter-instance pipe modes', () => {
  /**
   * This instance's room over its two workers (a consumer budget of 2 each
   * fills them), a fourth peer spilled onto a media node: the node's
   * producer (dan's) is consumed on both of this instance's real routers.
   * Runs `body` with them; the node stops afterwards even when it fails.
   */
  async function danOnBothRoutersHere (mode, body) {
    const node = await startNode({ redis: redis.url, address: '127.0.0.2', secret: SECRET, maxWorkers: 1 })
    try {
      await withoutIdleWorkers(mafalda)
      mafalda.configure({ maxWorkers: 2, consumerBudget: 2, policy: 'concentrate' })
      await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET, interInstancePipes: mode })
      const router = await mafalda.createRouter({ mediaCodecs })
      const routerOf = async (transport) => {
        const routers = (await mafalda.dump()).workers.flatMap((w) => w.routers)
        return routers.find((r) => r.transportIds.includes(transport.id))?.id
      }
      const ann = await joinPeer(router, 'ann')
      const bob = await joinPeer(router, 'bob')
      await consumeAll(router, [ann, bob])
      const cid = await joinPeer(router, 'cid')
      for (const from of [ann, bob]) {
        cid.consumers.push({ consumer: await cid.recv.consume({ producerId: from.producer.id, rtpCapabilities: consumerCapabilities(router) }), from })
      }
      const dan = await joinPeer(router, 'dan')
      // Both workers here are full: the fourth peer is on the node.
      expect([hostOf(ann.recv), hostOf(cid.recv), hostOf(dan.send), hostOf(dan.recv)])
        .toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2'])
      const [annRouter, cidRouter] = await Promise.all([routerOf(ann.recv), routerOf(cid.recv)])
      expect(annRouter).toEqual(expect.any(String))
      expect(cidRouter).toEqual(expect.any(String))
      expect(cidRouter).not.toBe(annRouter)
      const ofDan = []
      for (const peer of [ann, cid]) {
        const consumer = await peer.recv.consume({ producerId: dan.producer.id, rtpCapabilities: consumerCapabilities(router) })
        peer.consumers.push({ consumer, from: dan })
        ofDan.push(consumer)
      }
      for (const from of [ann, cid]) {
        dan.consumers.push({ consumer: await dan.recv.consume({ producerId: from.producer.id, rtpCapabilities: consumerCapabilities(router) }), from })
      }
      await expectFlowing([ann, bob, cid, dan], RTP_PPS * SEND_MS / 1000)
      await body({ node, router, ann, bob, cid, dan, ofDan, cidRouter })
      router.close()
    } finally {
      await node.stop('SIGINT')
    }
  }

  /** The pipes of `producerId` that leave instance `id` (its paths), as the cluster's dump has them. */
  async function pathsFrom (id, producerId) {
    const { instances } = await mafalda.cluster.dump()
    return instances.find((i) => i.id === id).pipesOut.filter((p) => p.producerId === producerId)
  }

  test.each([
    ['per-instance', { pathsHere: 1, localPipes: 3 }],
    ['per-router', { pathsHere: 2, localPipes: 2 }]
  ])('%s: a producer on a media node consumed on two real routers here', async (mode, expected) => {
    await danOnBothRoutersHere(mode, async ({ node, dan, ofDan }) => {
      // Per instance: one pipe from the node, fanned out here by a local
      // pipe; per router: one to each real router, no local pipe for it.
      const { instances } = await mafalda.cluster.dump()
      const here = instances.find((i) => i.id === mafalda.cluster.self.id)
      expect(here.pipesIn.filter((p) => p.producerId === dan.producer.id)).toHaveLength(expected.pathsHere)
      expect(await pathsFrom(node.id, dan.producer.id)).toHaveLength(expected.pathsHere)
      const local = (await mafalda.dump()).workers.flatMap((w) => w.routers)
      expect(local.reduce((n, r) => n + r.pipeConsumers, 0)).toBe(expected.localPipes)

      // Its pause and its close reach the consumers on both real routers.
      const paused = ofDan.map((c) => new Promise((resolve) => c.on('producerpause', resolve)))
      await dan.producer.pause()
      await Promise.all(paused)
      expect(ofDan.map((c) => c.producerPaused)).toEqual([true, true])
      const resumed = ofDan.map((c) => new Promise((resolve) => c.on('producerresume', resolve)))
      await dan.producer.resume()
      await Promise.all(resumed)
      const closed = ofDan.map((c) => new Promise((resolve) => c.on('producerclose', resolve)))
      dan.producer.close()
      await Promise.all(closed)
      await waitFor(async () => {
        const { instances } = await mafalda.cluster.dump()
        return instances.every((i) => [...i.pipesIn, ...i.pipesOut].every((p) => p.producerId !== dan.producer.id))
      }, { timeout: 3000 })
    })
  }, 60000)

  test('per-router: the worker of a real router here dies; the node stops sending that router\'s path, the other flows on', async () => {
    await danOnBothRoutersHere('per-router', async ({ node, ann, dan, ofDan, cidRouter }) => {
      expect(await pathsFrom(node.id, dan.producer.id)).toHaveLength(2)
      // cid's real router arrived second: its path is a further one, which
      // ann's consumer keeps the pipe open past.
      const doomed = (await mafalda.dump()).workers.find((w) => w.routers.some((r) => r.id === cidRouter))
      const cidGone = new Promise((resolve) => ofDan[1].once('transportclose', resolve).once('producerclose', resolve))
      mafalda._test.killWorker(doomed.pid)
      await cidGone
      await waitFor(async () => (await pathsFrom(node.id, dan.producer.id)).length === 1, { timeout: 5000 })
      expect(ofDan[0].closed).toBe(false)
      // ann still gets dan's media, over the path left.
      const count = RTP_PPS * SEND_MS / 1000
      ann.counts.clear()
      await sendFromAll([dan], count)
      await waitFor(() => {
        try { expectDelivered([{ ...ann, consumers: [{ consumer: ofDan[0], from: dan }] }], count); return true } catch (_) { return false }
      }, { timeout: 3000 }).catch(() => {})
      expectDelivered([{ ...ann, consumers: [{ consumer: ofDan[0], from: dan }] }], count)
    })
  }, 60000)
})
