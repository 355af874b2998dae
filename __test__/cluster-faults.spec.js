'use strict'

// The cluster under faults, with real processes: a media node killed, a
// media node drained, forged and replayed messages, Redis going away.

const crypto = require('node:crypto')
const { spawnSync } = require('node:child_process')
const mafalda = require('..')
const { mediaCodecs, consumerCapabilities, waitFor } = require('./helpers')
const { startRedis, startNode, startTwoNodes, stopAll, withoutIdleWorkers } = require('./support/cluster')
const { joinPeer, consumeAll, sendFromAll, expectDelivered, expectFlowing, hostOf } = require('./support/peers')

const SECRET = 'faults-test-secret'

let redis

beforeAll(async () => {
  redis = await startRedis()
}, 30000)

afterEach(async () => {
  await mafalda.cluster.leave()
  await stopAll()
  if (redis.child.exitCode !== null || redis.child.signalCode !== null) redis = await startRedis()
})

afterAll(async () => {
  await mafalda.cluster.leave()
  await stopAll()
})


/** Consumers for `peer` of every producer of `others`, and theirs of its. */
async function connect (router, peer, others) {
  const caps = consumerCapabilities(router)
  for (const other of others) {
    peer.consumers.push({ consumer: await peer.recv.consume({ producerId: other.producer.id, rtpCapabilities: caps }), from: other })
    other.consumers.push({ consumer: await other.recv.consume({ producerId: peer.producer.id, rtpCapabilities: caps }), from: peer })
  }
}

describe('a media node dies', () => {
  test('SIGKILL: within 3 s its transports close (routerclose), consumers elsewhere of its producers get producerclose; the room goes on on the survivor', async () => {
    const nodes = await startTwoNodes(redis.url, SECRET)
    // Spread: each transport to the roomiest node, so that the room spans both.
    mafalda.configure({ maxWorkers: 0, policy: 'spread' })
    await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
    const router = await mafalda.createRouter({ mediaCodecs })
    const peers = []
    for (const name of ['ann', 'bob', 'cid', 'dee']) peers.push(await joinPeer(router, name))
    await consumeAll(router, peers)
    await expectFlowing(peers)

    // The victim hosts a producer that someone on the other node consumes
    // (whatever the layout placement chose, one of the two does).
    const hosts = (node, kind) => peers.some((p) => hostOf(p[kind]) === node.address)
    const victim = nodes.find((n) => hosts(n, 'send') && nodes.some((o) => o !== n && hosts(o, 'recv')))
    const survivor = nodes.find((n) => n !== victim)
    const onVictim = (t) => hostOf(t) === victim.address
    const doomedTransports = peers.flatMap((p) => [p.send, p.recv]).filter(onVictim)
    const orphanedConsumers = peers.filter((p) => !onVictim(p.recv))
      .flatMap((p) => p.consumers.filter((c) => onVictim(c.from.send)).map((c) => c.consumer))
    expect(doomedTransports.length).toBeGreaterThan(0)
    expect(orphanedConsumers.length).toBeGreaterThan(0)
    const gone = new Promise((resolve) => mafalda.cluster.observer.once('instancegone', resolve))
    const closes = [
      ...doomedTransports.map((t) => new Promise((resolve) => t.once('routerclose', resolve))),
      ...orphanedConsumers.map((c) => new Promise((resolve) => c.once('producerclose', resolve)))
    ]
    const killedAt = Date.now()
    await victim.stop('SIGKILL')
    expect(await gone).toEqual({ id: victim.id })
    await Promise.all(closes)
    const elapsed = Date.now() - killedAt
    // Noticed at most TTL (2.5 s) + one reading (0.5 s) after its last beat.
    expect(elapsed).toBeLessThan(3500)

    // Nothing of the dead node is left: no pipe from or to it, no
    // directory entry, and it is not among the instances.
    const { instances } = await mafalda.cluster.dump()
    expect(instances.map((i) => i.id)).not.toContain(victim.id)
    for (const instance of instances) {
      expect(instance.pipesIn.filter((p) => p.from === victim.id)).toEqual([])
      expect(instance.pipesOut.filter((p) => p.to === victim.id)).toEqual([])
    }
    const directory = await mafalda.cluster.directory(router.id)
    expect(Object.values(directory)).not.toContain(victim.id)
    expect(Object.keys(directory).sort()).toEqual(peers.filter((p) => !onVictim(p.send)).map((p) => p.producer.id).sort())

    // The room's next peers land on the survivor and media flows again
    // between them and what is left of the others.
    const eve = await joinPeer(router, 'eve')
    const fay = await joinPeer(router, 'fay')
    for (const peer of [eve, fay]) expect([hostOf(peer.send), hostOf(peer.recv)]).toEqual([survivor.address, survivor.address])
    const senders = [eve, fay, ...peers.filter((p) => !onVictim(p.send))]
    const receivers = [eve, fay, ...peers.filter((p) => !onVictim(p.recv))]
    for (const peer of receivers) {
      peer.counts.clear()
      peer.consumers = peer.consumers.filter((c) => !c.consumer.closed)
      expect(peer.consumers.every((c) => !onVictim(c.from.send))).toBe(true)
    }
    const caps = consumerCapabilities(router)
    for (const peer of receivers) {
      for (const other of senders) {
        if (other === peer || peer.consumers.some((c) => c.from === other)) continue
        peer.consumers.push({ consumer: await peer.recv.consume({ producerId: other.producer.id, rtpCapabilities: caps }), from: other })
      }
    }
    await sendFromAll(senders, 100)
    await waitFor(() => {
      try { expectDelivered(receivers, 100); return true } catch (_) { return false }
    }, { timeout: 3000 }).catch(() => {})
    expectDelivered(receivers, 100)
    router.close()
    console.log(`media node death noticed and handled ${elapsed} ms after SIGKILL`)
  }, 60000)
})

describe('draining', () => {
  test('SIGTERM: no new transport lands on the node, its room keeps flowing until closed, then it exits 0', async () => {
    const nodes = await startTwoNodes(redis.url, SECRET)
    mafalda.configure({ maxWorkers: 0 })
    await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
    const router = await mafalda.createRouter({ mediaCodecs })
    const ann = await joinPeer(router, 'ann')
    const bob = await joinPeer(router, 'bob')
    await connect(router, ann, [bob])
    await expectFlowing([ann, bob])
    const draining = nodes.find((n) => n.address === hostOf(ann.send))
    const other = nodes.find((n) => n !== draining)
    draining.child.kill('SIGTERM')
    await waitFor(async () => (await mafalda.cluster.instances()).find((i) => i.id === draining.id)?.draining, { timeout: 3000 })
    for (let i = 0; i < 4; i++) {
      const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
      expect(hostOf(transport)).toBe(other.address)
    }
    ann.counts.clear()
    bob.counts.clear()
    await expectFlowing([ann, bob])
    expect(draining.child.exitCode).toBeNull()
    router.close()
    expect(await draining.exited).toEqual({ code: 0, signal: null })
    expect((await mafalda.cluster.instances()).map((i) => i.id)).not.toContain(draining.id)
  }, 60000)
})

/** The channel an instance receives on, and a message signed as the cluster signs them. */
function inbox (secret, id) {
  const namespace = crypto.createHash('sha256').update(`mafalda-cluster-namespace\n${secret}`).digest('hex').slice(0, 16)
  return `mafalda:${namespace}:inbox:${id}`
}

function seal (secret, from, to, body, { ts = Date.now(), nonce = crypto.randomUUID() } = {}) {
  const mac = crypto.createHmac('sha256', secret)
  for (const part of [from, to, String(ts), nonce, body]) {
    const length = Buffer.alloc(8)
    length.writeBigUInt64BE(BigInt(Buffer.byteLength(part)))
    mac.update(length)
    mac.update(part)
  }
  return JSON.stringify({ from, to, ts, nonce, body, mac: mac.digest('hex') })
}

function publish (channel, text) {
  const run = spawnSync('redis-cli', ['-p', String(redis.port), 'PUBLISH', channel, text], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`redis-cli failed: ${run.stderr}`)
}

describe('authenticated instances', () => {
  test('a wrong MAC, an unknown sender and a replay are refused, counted, and change nothing', async () => {
    const node = await startNode({ redis: redis.url, address: '127.0.0.2', secret: SECRET })
    mafalda.configure({ maxWorkers: 1 })
    const self = await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
    const channel = inbox(SECRET, self.id)
    const before = (await mafalda.dump()).cluster
    // Each would make this instance open a room for the sender.
    const roomOpen = (n) => JSON.stringify({ t: 'req', id: n, fn: 'roomOpen', args: [crypto.randomUUID(), mediaCodecs] })
    publish(channel, seal('not-the-secret', node.id, self.id, roomOpen(1)))
    publish(channel, seal(SECRET, 'mallory', self.id, roomOpen(2)))
    publish(channel, seal(SECRET, node.id, self.id, roomOpen(3), { ts: Date.now() - 60000 }))
    // Signed with the secret, as the node: accepted once, refused replayed.
    const harmless = seal(SECRET, node.id, self.id, JSON.stringify({ t: 'res', id: -1, ok: true }))
    publish(channel, harmless)
    publish(channel, harmless)
    await waitFor(async () => {
      const { refused } = (await mafalda.dump()).cluster
      return refused.replayed > before.refused.replayed
    }, { timeout: 3000 })
    const after = (await mafalda.dump()).cluster
    expect(after.refused.badMac - before.refused.badMac).toBe(1)
    expect(after.refused.unknownSender - before.refused.unknownSender).toBe(1)
    expect(after.refused.stale - before.refused.stale).toBe(1)
    expect(after.refused.replayed - before.refused.replayed).toBe(1)
    expect(after.received - before.received).toBe(1)
    // Nothing was opened here for anyone.
    const { workers } = await mafalda.dump()
    expect(workers.flatMap((w) => w.routers)).toEqual([])
  }, 60000)
})

describe('Redis outage', () => {
  test('local and piped media keep flowing, a new cross-instance consume rejects, and everything comes back with Redis', async () => {
    const node = await startNode({ redis: redis.url, address: '127.0.0.2', secret: SECRET })
    await withoutIdleWorkers(mafalda)
    mafalda.configure({ maxWorkers: 1, consumerBudget: 2 })
    await mafalda.cluster.join({ redis: redis.url, address: '127.0.0.1', secret: SECRET })
    const router = await mafalda.createRouter({ mediaCodecs })
    const ann = await joinPeer(router, 'ann')
    const cid = await joinPeer(router, 'cid')
    await connect(router, ann, [cid])
    const bob = await joinPeer(router, 'bob')
    expect(hostOf(bob.send)).toBe(node.address)
    await connect(router, bob, [ann])
    await expectFlowing([ann, bob, cid])

    const port = redis.port
    await redis.stop('SIGKILL')
    for (const peer of [ann, bob, cid]) peer.counts.clear()
    await expectFlowing([ann, bob, cid])
    // A consume that needs a new pipe between the instances cannot be made.
    const started = Date.now()
    await expect(bob.recv.consume({ producerId: cid.producer.id, rtpCapabilities: consumerCapabilities(router) }))
      .rejects.toThrow(/did not answer/)
    expect(Date.now() - started).toBeLessThan(11000)

    redis = await startRedis({ port })
    await waitFor(async () => {
      const ids = (await mafalda.cluster.instances().catch(() => [])).map((i) => i.id)
      return ids.includes(node.id)
    }, { timeout: 10000, interval: 250 })
    for (const peer of [ann, bob, cid]) peer.counts.clear()
    bob.consumers.push({ consumer: await bob.recv.consume({ producerId: cid.producer.id, rtpCapabilities: consumerCapabilities(router) }), from: cid })
    await expectFlowing([ann, bob, cid])
    // The directory was written again when Redis came back.
    expect(await mafalda.cluster.directory(router.id)).toEqual({
      [ann.producer.id]: mafalda.cluster.self.id,
      [cid.producer.id]: mafalda.cluster.self.id,
      [bob.producer.id]: node.id
    })
    router.close()
  }, 90000)
})
