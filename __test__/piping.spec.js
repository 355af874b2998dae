'use strict'

const mafalda = require('..')
const {
  mediaCodecs, opusRtpParameters, vp8RtpParameters, consumerCapabilities, rtpPacket, isRtcp, bindSocket, sleep, waitFor, startPump
} = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
const defaults = mafalda.getConfiguration()
const PIPE_LINGER = 300

let ssrc = 5000000

/** Real routers as their workers report them. */
async function realRouters () {
  const { workers } = await mafalda.dump()
  return workers.flatMap((w) => w.routers.map((r) => ({ ...r, pid: w.pid })))
}

function totals (routers) {
  const sum = (field) => routers.reduce((n, r) => n + r[field], 0)
  return {
    producers: sum('producers'),
    consumers: sum('consumers'),
    pipeProducers: sum('pipeProducers'),
    pipeConsumers: sum('pipeConsumers')
  }
}

async function poolEmpty () {
  return (await mafalda.dump()).workers.length === 0
}

describe('rooms spanning workers, pipes on demand', () => {
  beforeEach(async () => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0, pipeLinger: PIPE_LINGER })
    await waitFor(poolEmpty, { timeout: 8000 })
  })

  afterAll(() => mafalda.configure(defaults))

  test('all-to-all in a room over 3 workers uses exactly one pipe per (producer, other real router with a consumer of it)', async () => {
    mafalda.configure({ consumerBudget: 10, maxWorkers: 3 })
    const room = await mafalda.createRouter({ mediaCodecs })
    const peers = []
    const appConsumers = []
    for (let i = 0; i < 6; i++) {
      const transport = await room.createPlainTransport({ listenInfo, comedia: true })
      const producers = [
        await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) }),
        await transport.produce({ kind: 'video', rtpParameters: vp8RtpParameters(++ssrc) })
      ]
      const peer = { transport, producers }
      for (const other of peers) {
        for (const producer of other.producers) {
          appConsumers.push(await transport.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) }))
        }
        for (const producer of producers) {
          appConsumers.push(await other.transport.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) }))
        }
      }
      peers.push(peer)
    }
    expect(appConsumers).toHaveLength(6 * 5 * 2)

    const routers = await realRouters()
    expect(routers.every((r) => r.routerIds.length === 1 && r.routerIds[0] === room.id)).toBe(true)
    expect(new Set(routers.map((r) => r.pid)).size).toBe(3)

    // Where each application transport lives, from the real routers.
    const routerOfTransport = new Map()
    for (const r of routers) for (const id of r.transportIds) routerOfTransport.set(id, r.id)
    const home = new Map()
    for (const peer of peers) for (const p of peer.producers) home.set(p.id, routerOfTransport.get(peer.transport.id))
    // Σ over producers of the other real routers that have a consumer of it.
    const destinations = new Map()
    for (const peer of peers) {
      const at = routerOfTransport.get(peer.transport.id)
      for (const other of peers) {
        if (other === peer) continue
        for (const p of other.producers) {
          if (home.get(p.id) === at) continue
          if (!destinations.has(p.id)) destinations.set(p.id, new Set())
          destinations.get(p.id).add(at)
        }
      }
    }
    const expectedPipes = [...destinations.values()].reduce((n, set) => n + set.size, 0)
    expect(expectedPipes).toBeGreaterThan(0)

    const t = totals(routers)
    expect(t.pipeConsumers).toBe(expectedPipes)
    expect(t.pipeProducers).toBe(expectedPipes)
    // The real routers' own counts: application objects plus the pipes.
    expect(t.consumers).toBe(appConsumers.length + expectedPipes)
    expect(t.producers).toBe(12 + expectedPipes)

    // Closing the consumers makes the pipes go, after the linger.
    for (const consumer of appConsumers) consumer.close()
    await sleep(PIPE_LINGER / 3)
    expect(totals(await realRouters()).pipeConsumers).toBe(expectedPipes)
    await waitFor(async () => totals(await realRouters()).consumers === 0, { timeout: 5000 })
    const after = totals(await realRouters())
    expect(after).toEqual({ producers: 12, consumers: 0, pipeProducers: 0, pipeConsumers: 0 })
    // Pipe transports are gone too: only the application's remain.
    expect((await realRouters()).reduce((n, r) => n + r.transports, 0)).toBe(6)

    room.close()
    expect(await realRouters()).toEqual([])
    await waitFor(poolEmpty, { timeout: 8000 })
  }, 60000)

  async function roomOverTwoWorkers () {
    mafalda.configure({ consumerBudget: 1, maxWorkers: 2 })
    const room = await mafalda.createRouter({ mediaCodecs })
    const source = await room.createPlainTransport({ listenInfo, comedia: true })
    const producer = await source.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
    const local = await room.createPlainTransport({ listenInfo })
    await local.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    // The first worker is at its budget: the next transport is elsewhere.
    const remote = await room.createPlainTransport({ listenInfo })
    const routers = await realRouters()
    expect(routers).toHaveLength(2)
    expect(routers.find((r) => r.transportIds.includes(remote.id)).pid)
      .not.toBe(routers.find((r) => r.transportIds.includes(source.id)).pid)
    return { room, source, producer, remote }
  }

  test('real RTP reaches a consumer on another worker through the pipe; pause, resume and close follow', async () => {
    const { room, source, producer, remote } = await roomOverTwoWorkers()
    const receiver = await bindSocket()
    let received = 0
    receiver.on('message', (packet) => { if (!isRtcp(packet)) received++ })
    await remote.connect({ ip: '127.0.0.1', port: receiver.address().port })
    const consumer = await remote.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    expect(consumer.producerId).toBe(producer.id)

    const sender = await bindSocket()
    const sent = 300
    for (let i = 0; i < sent; i++) {
      sender.send(rtpPacket({ payloadType: 100, sequenceNumber: i, timestamp: i * 960, ssrc }), source.tuple.localPort, '127.0.0.1')
      if (i % 10 === 9) await sleep(5)
    }
    await waitFor(() => received >= sent, { timeout: 3000 }).catch(() => {})
    expect(received).toBeGreaterThanOrEqual(sent * 0.95)

    const events = []
    consumer.on('producerpause', () => events.push('producerpause'))
    consumer.on('producerresume', () => events.push('producerresume'))
    await producer.pause()
    await waitFor(() => consumer.producerPaused)
    await producer.resume()
    await waitFor(() => !consumer.producerPaused)
    expect(events).toEqual(['producerpause', 'producerresume'])

    const closed = new Promise((resolve) => consumer.on('producerclose', resolve))
    producer.close()
    await closed
    expect(consumer.closed).toBe(true)
    await waitFor(async () => totals(await realRouters()).pipeConsumers === 0)
    sender.close()
    receiver.close()
    room.close()
  }, 30000)

  test('a room lets go of the real router on a worker it no longer has transports on: that worker idles out while the room goes on', async () => {
    const { room, source, producer, remote } = await roomOverTwoWorkers()
    const consumer = await remote.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    expect(consumer.kind).toBe('audio')
    const sourcePid = (await realRouters()).find((r) => r.transportIds.includes(source.id)).pid

    remote.close()

    // idleWorkerTimeout is 0 here: the second worker goes once its router does.
    await waitFor(async () => {
      const pool = await mafalda.dump()
      return pool.workers.length === 1 && pool.threads === 1
    }, { timeout: 8000 })
    const routers = await realRouters()
    expect(routers.map((r) => r.pid)).toEqual([sourcePid])
    expect(totals(routers).pipeConsumers).toBe(0)
    // The room is whole: a new transport still consumes.
    mafalda.configure({ consumerBudget: defaults.consumerBudget })
    const again = await room.createPlainTransport({ listenInfo })
    await again.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    room.close()
  }, 30000)

  test('consumer.requestKeyFrame() on another worker reaches the source as an RTCP PLI', async () => {
    mafalda.configure({ consumerBudget: 1, maxWorkers: 2 })
    const room = await mafalda.createRouter({ mediaCodecs })
    const source = await room.createPlainTransport({ listenInfo, comedia: true })
    const videoSsrc = ++ssrc
    const producer = await source.produce({ kind: 'video', rtpParameters: vp8RtpParameters(videoSsrc) })
    const local = await room.createPlainTransport({ listenInfo })
    await local.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    const remote = await room.createPlainTransport({ listenInfo })
    const routers = await realRouters()
    expect(routers.find((r) => r.transportIds.includes(remote.id)).pid)
      .not.toBe(routers.find((r) => r.transportIds.includes(source.id)).pid)
    const consumer = await remote.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })

    // The endpoint feeding the producer: comedia learns it from its packets,
    // and RTCP feedback for the source goes back to it.
    const endpoint = await bindSocket()
    let plis = 0
    endpoint.on('message', (packet) => {
      // RTCP payload-specific feedback (206) with FMT 1 = PLI.
      if (packet[1] === 206 && (packet[0] & 0x1f) === 1) plis++
    })
    for (let i = 0; i < 10; i++) {
      endpoint.send(rtpPacket({ payloadType: 101, sequenceNumber: i, timestamp: i * 3000, ssrc: videoSsrc }), source.tuple.localPort, '127.0.0.1')
    }
    await waitFor(() => source.tuple.remotePort === endpoint.address().port)
    // Whatever the consumer's start asked for has arrived by now.
    await sleep(600)
    const before = plis
    await consumer.requestKeyFrame()
    await waitFor(() => plis > before, { timeout: 5000 })
    endpoint.close()
    room.close()
  }, 30000)

  test('50 concurrent consumes of the same remote producer create exactly one pipe', async () => {
    const { room, producer, remote } = await roomOverTwoWorkers()
    const consumers = await Promise.all(Array.from({ length: 50 }, () =>
      remote.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })))
    expect(consumers).toHaveLength(50)
    const routers = await realRouters()
    const t = totals(routers)
    expect(t.pipeConsumers).toBe(1)
    expect(t.pipeProducers).toBe(1)
    const destination = routers.find((r) => r.transportIds.includes(remote.id))
    expect(destination.producers).toBe(1)
    expect(destination.consumers).toBe(50)

    // A quick re-subscribe within the linger reuses the pipe.
    for (const c of consumers) c.close()
    const again = await remote.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(room) })
    expect(totals(await realRouters()).pipeConsumers).toBe(1)
    again.close()
    await waitFor(async () => totals(await realRouters()).pipeConsumers === 0)
    room.close()
  }, 30000)

  test('consume() of a producer of another room is not found', async () => {
    const a = await mafalda.createRouter({ mediaCodecs })
    const b = await mafalda.createRouter({ mediaCodecs })
    const ta = await a.createPlainTransport({ listenInfo, comedia: true })
    const producer = await ta.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
    const tb = await b.createPlainTransport({ listenInfo })
    await expect(tb.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(b) }))
      .rejects.toThrow(`Producer with id "${producer.id}" not found`)
    a.close()
    b.close()
  })
})

describe('RTP observers over a room spanning workers', () => {
  beforeEach(async () => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0, pipeLinger: PIPE_LINGER, consumerBudget: 1, maxWorkers: 2 })
    await waitFor(poolEmpty, { timeout: 8000 })
  })

  afterAll(() => mafalda.configure(defaults))

  async function speakers () {
    const room = await mafalda.createRouter({ mediaCodecs })
    const rtpParameters = (s) => opusRtpParameters(s, 100, { audioLevel: true })
    const t1 = await room.createPlainTransport({ listenInfo, comedia: true })
    const ssrc1 = ++ssrc
    const p1 = await t1.produce({ kind: 'audio', rtpParameters: rtpParameters(ssrc1) })
    const listener = await room.createPlainTransport({ listenInfo })
    await listener.consume({ producerId: p1.id, rtpCapabilities: consumerCapabilities(room) })
    // The first worker is at its consumer budget: the second speaker's
    // transport lands on another worker.
    const t2 = await room.createPlainTransport({ listenInfo, comedia: true })
    const ssrc2 = ++ssrc
    const p2 = await t2.produce({ kind: 'audio', rtpParameters: rtpParameters(ssrc2) })
    const routers = await realRouters()
    expect(routers).toHaveLength(2)
    const sender = await bindSocket()
    let sequenceNumber = 0
    const pump = startPump(() => {
      for (const [transport, s, level] of [[t1, ssrc1, 20], [t2, ssrc2, 40]]) {
        sender.send(rtpPacket({ payloadType: 100, sequenceNumber, timestamp: sequenceNumber * 960, ssrc: s, audioLevel: level }), transport.tuple.localPort, '127.0.0.1')
      }
      sequenceNumber++
    }, 20)
    const stop = async () => { await pump.stop(); sender.close() }
    return { room, p1, p2, stop }
  }

  test('an audio level observer reports the volumes of producers on both workers, as the application\'s Producer objects', async () => {
    const { room, p1, p2, stop } = await speakers()
    const observer = await room.createAudioLevelObserver({ maxEntries: 2, threshold: -90, interval: 200 })
    const added = []
    observer.observer.on('addproducer', (p) => added.push(p))
    await observer.addProducer({ producerId: p1.id })
    await observer.addProducer({ producerId: p2.id })
    expect(added).toEqual([p1, p2])
    // The remote speaker was piped to the observer's router.
    expect(totals(await realRouters()).pipeConsumers).toBe(1)

    const volumes = await new Promise((resolve) => {
      observer.on('volumes', (v) => { if (v.length === 2) resolve(v) })
    })
    await stop()
    expect(volumes.map((v) => v.producer)).toEqual(expect.arrayContaining([p1, p2]))
    expect(volumes.find((v) => v.producer === p1).volume).toBe(-20)
    expect(volumes.find((v) => v.producer === p2).volume).toBe(-40)

    // Removing the remote producer releases its pipe.
    await observer.removeProducer({ producerId: p2.id })
    await waitFor(async () => totals(await realRouters()).pipeConsumers === 0)
    room.close()
    expect(observer.closed).toBe(true)
  }, 30000)

  test('an active speaker observer names a producer of the room as dominant speaker', async () => {
    const { room, p1, p2, stop } = await speakers()
    const observer = await room.createActiveSpeakerObserver({ interval: 100 })
    await observer.addProducer({ producerId: p1.id })
    await observer.addProducer({ producerId: p2.id })
    const speaker = await new Promise((resolve) => observer.on('dominantspeaker', resolve))
    await stop()
    expect([p1, p2]).toContain(speaker.producer)
    observer.close()
    await waitFor(async () => totals(await realRouters()).pipeConsumers === 0)
    room.close()
  }, 30000)
})
