'use strict'

// Calls that race each other without awaiting, as signalling handlers make
// them: whatever wins, the application ends with what mediasoup-node leaves
// it — every object it holds either rejected or open and told when it
// closes — and the pool's counts match what the real workers carry.

const crypto = require('node:crypto')
const mafalda = require('..')
const { mediaCodecs, opusRtpParameters, consumerCapabilities, waitFor } = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
const PIPE_LINGER = 100
let ssrc = 93000000

/** Per real worker: the pool's consumer count and what its routers report. */
async function consumerCounts () {
  const { workers } = await mafalda.dump()
  return workers.map((w) => ({
    pool: w.consumers,
    routers: w.routers.reduce((n, r) => n + r.consumers + r.pipeConsumers, 0)
  }))
}

describe('races', () => {
  const defaults = mafalda.getConfiguration()

  beforeEach(() => {
    // Workers fill by their consumer budget alone: with the CPU watermark
    // in play, a machine busy with other work could make the second worker
    // look as full as the first, and a room's next transport would stay.
    mafalda.configure({
      ...defaults, idleWorkerTimeout: 0, pipeLinger: PIPE_LINGER, consumerBudget: 4, maxWorkers: 2, cpuWatermark: 1e6
    })
  })

  afterAll(() => mafalda.configure(defaults))

  /**
   * A room over both workers: five receiving transports, four of them
   * filling the first worker's consumer budget, so that the consumes of a
   * producer on the first worker need a pipe for one receiver in five.
   */
  async function roomOverTwoWorkers () {
    const room = await mafalda.createRouter({ mediaCodecs })
    const { sender, receivers, filler } = await fillFirstWorker(room)
    receivers.push(await room.createDirectTransport())
    expect((await mafalda.dump()).workers).toHaveLength(2)
    return { room, sender, receivers, filler }
  }

  /** Four receivers consuming one producer: the room's first worker is full. */
  async function fillFirstWorker (room) {
    const receivers = []
    for (let i = 0; i < 4; i++) receivers.push(await room.createDirectTransport())
    const sender = await room.createDirectTransport()
    const filler = await sender.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) })
    for (const receiver of receivers) {
      await receiver.consume({ producerId: filler.id, rtpCapabilities: consumerCapabilities(room) })
    }
    return { sender, receivers, filler }
  }

  /** Closes `source` while each of `rounds` consumes of it is on its way; what each consume ended as. */
  async function raceCloses (rounds, { create, consume, closeEvent }) {
    let rejected = 0
    const resolved = []
    for (let round = 0; round < rounds; round++) {
      const source = await create()
      const consuming = consume(source, round)
      // Close while the consume is on its way (later in later rounds).
      if (round % 3 === 1) await null
      if (round % 3 === 2) await new Promise((resolve) => setImmediate(resolve))
      source.close()
      try {
        const consumer = await consuming
        const told = { closed: false }
        consumer.on(closeEvent, () => { told.closed = true })
        resolved.push({ consumer, told })
      } catch {
        rejected++
      }
    }
    // Every consumer that resolved is closed by its source, and told so.
    const stuck = () => resolved.filter(({ consumer, told }) => !consumer.closed || !told.closed)
    await waitFor(() => stuck().length === 0, { timeout: 3000 }).catch(() => {})
    return { rejected, resolved: resolved.length, stuck: stuck().map(({ consumer }) => consumer.id) }
  }

  test('consume() racing producer.close(): each consume rejects, or resolves and then closes with producerclose; counts stay right', async () => {
    const { room, sender, receivers, filler } = await roomOverTwoWorkers()

    const outcome = await raceCloses(150, {
      create: () => sender.produce({ kind: 'audio', rtpParameters: opusRtpParameters(++ssrc) }),
      consume: (producer, round) => receivers[round % receivers.length].consume({
        producerId: producer.id,
        rtpCapabilities: consumerCapabilities(room),
        paused: round % 2 === 0
      }),
      closeEvent: 'producerclose'
    })
    expect(outcome.rejected + outcome.resolved).toBe(150)
    expect(outcome.stuck).toEqual([])

    // The filler's consumers are all that is left, counted once each.
    await waitFor(async () => (await consumerCounts()).every(({ pool, routers }) => pool === routers)).catch(() => {})
    const counts = await consumerCounts()
    expect(counts.map(({ pool }) => pool)).toEqual(counts.map(({ routers }) => routers))
    filler.close()
    await waitFor(async () => (await consumerCounts()).every(({ pool, routers }) => pool === 0 && routers === 0))
    room.close()
  }, 60000)

  test('consumeData() racing dataProducer.close(): each rejects, or resolves and then closes with dataproducerclose; nothing is left', async () => {
    const { room, sender, receivers, filler } = await roomOverTwoWorkers()
    const outcome = await raceCloses(150, {
      create: () => sender.produceData(),
      consume: (dataProducer, round) => receivers[round % receivers.length].consumeData({ dataProducerId: dataProducer.id }),
      closeEvent: 'dataproducerclose'
    })
    expect(outcome.rejected + outcome.resolved).toBe(150)
    expect(outcome.stuck).toEqual([])
    filler.close()
    await waitFor(async () => {
      const routers = (await mafalda.dump()).workers.flatMap((w) => w.routers)
      return routers.every((r) => r.dataConsumers === 0 && r.pipeDataConsumers === 0 && r.dataProducers === 0)
    })
    room.close()
  }, 60000)

  test('two produce({ id }) with one id on PipeTransports of two workers: one succeeds, the other is a TypeError', async () => {
    const room = await mafalda.createRouter({ mediaCodecs })
    const pipeOptions = { listenInfo, enableSctp: true }
    const first = await room.createPipeTransport(pipeOptions)
    const { sender, receivers, filler } = await fillFirstWorker(room)
    const second = await room.createPipeTransport(pipeOptions)
    // One dump for both: a worker of an earlier test may still be going
    // away, and the list of workers changes with it.
    const { workers } = await mafalda.dump()
    const workerOf = (transport) => workers
      .find((w) => w.routers.some((r) => r.transportIds.includes(transport.id)))?.pid
    expect(workerOf(first)).toBeDefined()
    expect(workerOf(second)).toBeDefined()
    expect(workerOf(first)).not.toBe(workerOf(second))

    for (let round = 0; round < 20; round++) {
      const id = crypto.randomUUID()
      const rtpParameters = opusRtpParameters(++ssrc)
      const media = await Promise.allSettled([
        first.produce({ id, kind: 'audio', rtpParameters }),
        second.produce({ id, kind: 'audio', rtpParameters })
      ])
      const dataId = crypto.randomUUID()
      const data = await Promise.allSettled([
        first.produceData({ id: dataId, sctpStreamParameters: { streamId: round } }),
        second.produceData({ id: dataId, sctpStreamParameters: { streamId: round } })
      ])
      for (const [outcome, expectedId] of [[media, id], [data, dataId]]) {
        const won = outcome.filter((o) => o.status === 'fulfilled')
        const lost = outcome.filter((o) => o.status === 'rejected')
        expect(won).toHaveLength(1)
        expect(lost).toHaveLength(1)
        expect(lost[0].reason).toBeInstanceOf(TypeError)
        // The one that won is the one the room knows: it closes cleanly.
        expect(won[0].value.id).toBe(expectedId)
        won[0].value.close()
      }
    }
    const routers = (await mafalda.dump()).workers.flatMap((w) => w.routers)
    // Only the filler is left.
    expect(routers.reduce((n, r) => n + r.producers, 0)).toBe(1)
    expect(routers.reduce((n, r) => n + r.dataProducers, 0)).toBe(0)
    for (const receiver of receivers) receiver.close()
    sender.close()
    filler.close()
    room.close()
  }, 60000)
})
