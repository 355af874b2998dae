'use strict'

const mafalda = require('..')
const path = require('node:path')

// A certificate from the conformance suite's test data (read, not copied).
const DATA = path.join(path.dirname(require.resolve('@mafalda-sfu/mediasoup-node-tests')), 'lib', 'data')
const withCertificate = {
  dtlsCertificateFile: path.join(DATA, 'dtls-cert.pem'),
  dtlsPrivateKeyFile: path.join(DATA, 'dtls-key.pem')
}
const pidusage = require('pidusage')
const {
  mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket, bindSocket, sleep, waitFor, startPump
} = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
const defaults = mafalda.getConfiguration()

// Ramp-up allowance window of the pool (placements count as load for 3 s).
const RAMP_WINDOW_MS = 3000

let ssrc = 1000

async function peer (router) {
  const transport = await router.createPlainTransport({ listenInfo, comedia: true })
  const producer = await transport.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
  return { transport, producer }
}

/** Real workers and the rooms on them, from the real routers' dumps. */
async function layout () {
  const { workers } = await mafalda.dump()
  return workers.map((w) => ({ pid: w.pid, rooms: w.routers.flatMap((r) => r.routerIds) }))
}

function workerOf (pool, routerId) {
  return pool.find((w) => w.rooms.includes(routerId))
}

async function poolEmpty () {
  return (await mafalda.dump()).workers.length === 0
}

describe('the load-aware pool', () => {
  beforeEach(async () => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0 })
    await waitFor(poolEmpty)
  })

  afterAll(() => mafalda.configure(defaults))

  test('configure() validates its options and reports the configuration in force', () => {
    expect(defaults).toEqual({
      maxWorkers: expect.any(Number),
      cpuWatermark: 60,
      consumerBudget: 500,
      idleWorkerTimeout: 30000,
      policy: 'concentrate',
      pipeLinger: 2000
    })
    expect(defaults.maxWorkers).toBeGreaterThanOrEqual(1)
    expect(() => mafalda.configure({ maxWorkers: -1 })).toThrow(TypeError)
    expect(() => mafalda.configure({ maxWorkers: 1.5 })).toThrow(TypeError)
    expect(() => mafalda.configure({ cpuWatermark: -1 })).toThrow(TypeError)
    expect(() => mafalda.configure({ consumerBudget: '500' })).toThrow(TypeError)
    expect(() => mafalda.configure({ idleWorkerTimeout: -5 })).toThrow(TypeError)
    expect(() => mafalda.configure({ policy: 'random' })).toThrow(TypeError)
    expect(() => mafalda.configure({ maxWorker: 2 })).toThrow(TypeError)
    expect(mafalda.configure({ consumerBudget: 42, policy: 'spread' })).toMatchObject({ consumerBudget: 42, policy: 'spread', cpuWatermark: 60 })
  })

  test('a room whose worker reaches the consumer budget gets its next transport on a second real worker', async () => {
    mafalda.configure({ consumerBudget: 6, maxWorkers: 2 })
    const room = await mafalda.createRouter({ mediaCodecs })
    const peers = [await peer(room), await peer(room), await peer(room)]
    // All-to-all: 3 peers × 2 consumers each = 6 consumers, the budget.
    for (const p of peers) {
      for (const other of peers) {
        if (other === p) continue
        await p.transport.consume({ producerId: other.producer.id, rtpCapabilities: consumerCapabilities(room) })
      }
    }
    let pool = await layout()
    expect(pool).toHaveLength(1)
    const { workers } = await mafalda.dump()
    expect(workers[0].routers[0]).toMatchObject({ routerIds: [room.id], transports: 3, producers: 3, consumers: 6 })

    const late = await room.createPlainTransport({ listenInfo })
    pool = await layout()
    expect(pool).toHaveLength(2)
    expect(pool[1].rooms).toEqual([room.id])
    const dump = await mafalda.dump()
    expect(dump.workers[1].routers[0]).toMatchObject({ routerIds: [room.id], transports: 1 })
    expect(late.closed).toBe(false)

    room.close()
    await waitFor(poolEmpty)
  })

  test('a worker whose measured CPU passes the watermark takes no new room', async () => {
    mafalda.configure({ maxWorkers: 2 })
    const roomA = await mafalda.createRouter({ mediaCodecs })
    const sender = await bindSocket()
    const sink = await bindSocket()
    sink.on('message', () => {})
    const { transport, producer } = await peer(roomA)
    const out = await roomA.createPlainTransport({ listenInfo })
    await out.connect({ ip: '127.0.0.1', port: sink.address().port })
    for (let i = 0; i < 5; i++) {
      await out.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(roomA) })
    }
    // Under the watermark, the busiest worker takes the next room.
    const [first] = await layout()
    const roomC = await mafalda.createRouter({ mediaCodecs })
    expect(workerOf(await layout(), roomC.id).pid).toBe(first.pid)
    roomC.close()

    // Real RTP through room A until its worker's measured CPU is clearly
    // above zero; then a watermark at half that reading puts the worker far
    // past it whatever else the machine is doing.
    let sequenceNumber = 0
    const pump = startPump(() => {
      for (let i = 0; i < 40; i++) {
        sender.send(rtpPacket({ payloadType: 100, sequenceNumber, timestamp: sequenceNumber * 960, ssrc: ssrc }), transport.tuple.localPort, '127.0.0.1')
        sequenceNumber++
      }
    }, 10)
    await sleep(RAMP_WINDOW_MS)
    const cpu = await waitFor(async () => {
      const { workers } = await mafalda.dump()
      return workers[0].cpu > 1 && workers[0].cpu
    }, { timeout: 15000 })
    mafalda.configure({ cpuWatermark: cpu / 2 })
    const roomB = await mafalda.createRouter({ mediaCodecs })
    await pump.stop()

    const pool = await layout()
    expect(pool).toHaveLength(2)
    expect(workerOf(pool, roomA.id).pid).toBe(first.pid)
    expect(workerOf(pool, roomB.id).pid).not.toBe(first.pid)
    roomA.close()
    roomB.close()
  }, 30000)

  test('the pool never exceeds maxWorkers and idle workers close after idleWorkerTimeout', async () => {
    mafalda.configure({ maxWorkers: 2, policy: 'spread', idleWorkerTimeout: 1500 })
    const rooms = []
    for (let i = 0; i < 5; i++) rooms.push(await mafalda.createRouter({ mediaCodecs }))
    const pool = await layout()
    expect(pool).toHaveLength(2)
    expect(new Set(pool.map((w) => w.pid)).size).toBe(2)
    // spread: the first two rooms went to different workers.
    expect(workerOf(pool, rooms[0].id).pid).not.toBe(workerOf(pool, rooms[1].id).pid)

    for (const room of rooms) room.close()
    await sleep(200)
    expect((await mafalda.dump()).workers).toHaveLength(2)
    await waitFor(poolEmpty, { timeout: 5000 })
  })

  test('a virtual worker keeps its real worker alive; worker.pid values are distinct thread ids pidusage reads', async () => {
    mafalda.configure({ maxWorkers: 2, policy: 'spread' })
    const w1 = await mafalda.createWorker()
    const r1 = await w1.createRouter({ mediaCodecs })
    // spread puts the second room on a second worker, which the next
    // virtual worker (bound to the least loaded) reports.
    const r2 = await mafalda.createRouter({ mediaCodecs })
    const pool = await layout()
    expect(pool).toHaveLength(2)
    expect(workerOf(pool, r1.id).pid).toBe(w1.pid)
    r2.close()
    const w2 = await mafalda.createWorker()
    expect(w2.pid).not.toBe(w1.pid)
    for (const pid of [w1.pid, w2.pid]) {
      const stats = await pidusage(pid)
      expect(stats.pid).toBe(pid)
    }
    r1.close()
    await sleep(100)
    // Both workers are still bound to their virtual workers.
    expect((await layout()).map((w) => w.pid).sort()).toEqual([w1.pid, w2.pid].sort())
    w1.close()
    w2.close()
    await waitFor(poolEmpty)
  })

  test('getResourceUsage() grows while media flows through the worker', async () => {
    const worker = await mafalda.createWorker()
    const router = await worker.createRouter({ mediaCodecs })
    const { transport, producer } = await peer(router)
    const out = await router.createPlainTransport({ listenInfo })
    const sink = await bindSocket()
    sink.on('message', () => {})
    await out.connect({ ip: '127.0.0.1', port: sink.address().port })
    for (let i = 0; i < 5; i++) await out.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    const before = await worker.getResourceUsage()
    const sender = await bindSocket()
    for (let n = 0; n < 8000; n++) {
      sender.send(rtpPacket({ payloadType: 100, sequenceNumber: n, timestamp: n * 960, ssrc }), transport.tuple.localPort, '127.0.0.1')
      if (n % 40 === 39) await sleep(5)
    }
    await sleep(200)
    const after = await worker.getResourceUsage()
    sender.close()
    sink.close()
    expect(after.ru_utime + after.ru_stime).toBeGreaterThan(before.ru_utime + before.ru_stime)
    worker.close()
  }, 30000)

  test('only a DTLS certificate splits the pool: its group shares the cap, an unused worker of another group makes room at once, a busy one does not', async () => {
    mafalda.configure({ maxWorkers: 1, idleWorkerTimeout: 60000 })
    // Log level and port range do not split the pool: one real worker.
    const quiet = await mafalda.createWorker({ logLevel: 'none' })
    const ranged = await mafalda.createWorker({ logLevel: 'warn', rtcMinPort: 41000, rtcMaxPort: 41999 })
    expect(ranged.pid).toBe(quiet.pid)
    const room = await ranged.createRouter({ mediaCodecs })
    const transport = await room.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
    // The port range applies per virtual worker.
    expect(transport.tuple.localPort).toBeGreaterThanOrEqual(41000)
    expect(transport.tuple.localPort).toBeLessThanOrEqual(41999)
    // Busy: the only worker runs another group's room.
    await expect(mafalda.createWorker(withCertificate)).rejects.toThrow('no worker available')
    room.close()
    ranged.close()
    quiet.close()
    // Unused now, long before its idle timeout and right after placements.
    const certified = await mafalda.createWorker(withCertificate)
    const pool = await mafalda.dump()
    expect(pool.workers.map((w) => w.pid)).toEqual([certified.pid])
    certified.close()
    mafalda.configure({ idleWorkerTimeout: 0 })
  }, 20000)
})
