'use strict'

// A real worker that dies takes what lived on it and nothing else. The
// worker is made to die through the test hook (MAFALDA_TEST_HOOKS=1), which
// reports it exactly as mediasoup-rust reports a worker whose thread ended.
// Jest's global setup (setup/global.js) sets the variable.

const { execFileSync } = require('node:child_process')
const path = require('node:path')
const mafalda = require('..')
const { mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket, waitFor } = require('./helpers')

let ssrc = 71000000

/** Resolves with the arguments of the first `event` of `emitter`. */
function next (emitter, event) {
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)))
}

/**
 * Per real worker: its thread id, the pool's consumer count and the
 * consumers its real routers report (pipe consumers included).
 */
async function workers () {
  return (await mafalda.dump()).workers.map((w) => ({
    pid: w.pid,
    pool: w.consumers,
    routers: w.routers.reduce((n, r) => n + r.consumers, 0),
    rooms: w.routers.length
  }))
}

describe('worker death', () => {
  const defaults = mafalda.getConfiguration()

  beforeEach(() => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0, pipeLinger: 0, consumerBudget: 4, maxWorkers: 2 })
  })

  afterAll(() => mafalda.configure(defaults))

  test('the hook exists only with MAFALDA_TEST_HOOKS=1, and the native side refuses it without', async () => {
    const script = `
      const mafalda = require(${JSON.stringify(path.join(__dirname, '..'))})
      mafalda.createWorker().then((worker) => {
        let refused = 'no'
        try { require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'binding'))}).testKillWorker(worker.pid) } catch (e) { refused = e.name }
        console.log(JSON.stringify({ hooks: mafalda._test !== undefined, refused, died: worker.died }))
        worker.close()
      })`
    const env = { ...process.env }
    delete env.MAFALDA_TEST_HOOKS
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 20000 }).trim())
    expect(out).toEqual({ hooks: false, refused: 'UnsupportedError', died: false })

    expect(() => mafalda._test.killWorker(123456789)).toThrow(TypeError)
  })

  test('a room over two workers loses only its part on the dead one and goes on on the other', async () => {
    const worker = await mafalda.createWorker()
    const room = await worker.createRouter({ mediaCodecs })
    const died = jest.fn()
    const roomClosed = jest.fn()
    worker.on('died', died)
    room.on('workerclose', roomClosed)

    // The first worker: a sender and four receivers of its producer fill
    // the consumer budget, so the next transports go to the second worker.
    const sender = await room.createDirectTransport()
    const first = await sender.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
    const receivers = []
    for (let i = 0; i < 4; i++) receivers.push(await room.createDirectTransport())
    for (const receiver of receivers) {
      await receiver.consume({ producerId: first.id, rtpCapabilities: consumerCapabilities(room) })
    }
    const farSender = await room.createDirectTransport()
    const far = await farSender.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
    const farReceiver = await room.createDirectTransport()
    await farReceiver.consume({ producerId: first.id, rtpCapabilities: consumerCapabilities(room) })
    // A consumer on the first worker of the producer on the second.
    const nearOfFar = await receivers[0].consume({ producerId: far.id, rtpCapabilities: consumerCapabilities(room) })

    const before = await workers()
    expect(before).toHaveLength(2)
    const home = before.find((w) => w.pid === worker.pid)
    const other = before.find((w) => w.pid !== worker.pid)
    expect(home).toBeDefined()

    const farSenderClosed = next(farSender, 'routerclose')
    const farReceiverClosed = next(farReceiver, 'routerclose')
    const farProducerClosed = next(far, 'transportclose')
    const nearOfFarClosed = next(nearOfFar, 'producerclose')
    mafalda._test.killWorker(other.pid)
    await Promise.all([farSenderClosed, farReceiverClosed, farProducerClosed, nearOfFarClosed])

    expect(farSender.closed && farReceiver.closed && far.closed && nearOfFar.closed).toBe(true)
    expect(died).not.toHaveBeenCalled()
    expect(roomClosed).not.toHaveBeenCalled()
    expect(worker.closed).toBe(false)
    expect(room.closed).toBe(false)
    expect(sender.closed || first.closed || receivers.some((r) => r.closed)).toBe(false)

    // The pool knows one worker, and its counts come to match what its
    // routers carry (the pipe toward the dead worker is let go after the
    // events above, and its consumer is uncounted when its handle drops).
    const settled = async () => {
      const ws = await workers()
      return ws.length === 1 && ws[0].pool === ws[0].routers
    }
    await waitFor(settled).catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify(await workers())}`)
    })
    const [left] = await workers()
    expect(left.pid).toBe(worker.pid)
    expect(left.pool).toBe(left.routers)
    expect(left.routers).toBe(4)

    // The room goes on: media flows on the live worker, and its next
    // transports are placed on live workers (here a new second one).
    const received = []
    const listener = await room.createDirectTransport()
    const late = await listener.consume({ producerId: first.id, rtpCapabilities: consumerCapabilities(room) })
    late.on('rtp', (packet) => received.push(packet))
    for (let i = 0; i < 10; i++) {
      first.send(rtpPacket({ payloadType: 100, sequenceNumber: i, timestamp: i * 960, ssrc: first.rtpParameters.encodings[0].ssrc }))
    }
    await waitFor(() => received.length > 0)
    await waitFor(async () => (await workers()).every((w) => w.pool === w.routers))
    const after = await workers()
    expect(after.every((w) => w.pid !== other.pid)).toBe(true)
    expect(after.map((w) => w.pool)).toEqual(after.map((w) => w.routers))

    worker.close()
    await waitFor(async () => (await workers()).length === 0)
  })

  test('a dead worker takes the virtual workers bound to it, with their routers and WebRtcServers', async () => {
    const worker = await mafalda.createWorker()
    const server = await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
    const router = await worker.createRouter({ mediaCodecs })
    const transport = await router.createWebRtcTransport({ webRtcServer: server })
    const plain = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })
    const producer = await plain.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })

    const died = next(worker, 'died')
    const routerClosed = next(router, 'workerclose')
    const serverClosed = next(server, 'workerclose')
    const producerClosed = next(producer, 'transportclose')
    mafalda._test.killWorker(worker.pid)
    const [error] = await died
    await Promise.all([routerClosed, serverClosed, producerClosed])

    expect(error).toBeInstanceOf(Error)
    expect(error.message).toMatch(/killed by a test hook/)
    expect(worker.died && worker.closed && router.closed && server.closed && transport.closed && plain.closed).toBe(true)
    await expect(router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' } })).rejects.toThrow(mafalda.types.InvalidStateError)

    // Nothing of it is left in the pool, nothing holds its thread, and a
    // new worker works.
    await waitFor(async () => (await workers()).length === 0)
    await waitFor(async () => (await mafalda.dump()).threads === 0)
    const again = await mafalda.createWorker()
    const room = await again.createRouter({ mediaCodecs })
    await room.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
    expect(await workers()).toHaveLength(1)
    again.close()
    await waitFor(async () => (await workers()).length === 0)
  })
})
