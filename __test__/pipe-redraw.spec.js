'use strict'

// Pipes between instances (lib/cluster/pipes.js) all go over one
// PipeTransport pair per room and pair of instances, and a pipe consumer's
// SSRCs are drawn at random: the far end refuses a pipe producer whose
// SSRC it already receives. Such a draw is made again. Here both ends are
// PipeTransports of one real mafalda worker, and the refusal is a real
// one: the test produces, on the far end, a producer with the SSRC the
// pipe consumer drew, before the pipe's own producer arrives.

const mafalda = require('..')
const { drawUntilArrived, ssrcTaken } = require('../lib/cluster/pipes')
const { mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket, isRtcp, bindSocket, startPump, waitFor } = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }

describe('a pipe whose SSRC the far end already receives', () => {
  let worker, router, near, far, sending, producer

  beforeAll(async () => {
    worker = await mafalda.createWorker()
    router = await worker.createRouter({ mediaCodecs })
    near = await router.createPipeTransport({ listenInfo })
    far = await router.createPipeTransport({ listenInfo })
    await near.connect({ ip: far.tuple.localAddress, port: far.tuple.localPort })
    await far.connect({ ip: near.tuple.localAddress, port: near.tuple.localPort })
    sending = await router.createPlainTransport({ listenInfo, comedia: true })
    producer = await sending.produce({ kind: 'audio', rtpParameters: opusRtpParameters(84001) })
  })

  afterAll(() => worker?.close())

  /** A producer on the far end that takes `ssrc`. */
  function takeSsrc (ssrc) {
    return far.produce({ kind: 'audio', rtpParameters: opusRtpParameters(ssrc) })
  }

  test('the refusal of a taken SSRC is told from the pipe\'s other failures', async () => {
    const taker = await takeSsrc(84101)
    const taken = await far.produce({ kind: 'audio', rtpParameters: opusRtpParameters(84101) }).catch((e) => e)
    expect(taken).toBeInstanceOf(Error)
    expect(ssrcTaken(taken)).toBe(true)
    // A producer id the far end has already: the pipe itself is wrong, another draw would not help.
    const sameId = await far.produce({ id: taker.id, kind: 'audio', rtpParameters: opusRtpParameters(84102) }).catch((e) => e)
    expect(sameId).toBeInstanceOf(TypeError)
    expect(ssrcTaken(sameId)).toBe(false)
    taker.close()
  })

  test('a drawn pipe consumer whose SSRC is taken is closed, and another one carries the media', async () => {
    const drawn = []
    const dropped = []
    let arrived = null
    const takers = []
    const consumer = await drawUntilArrived(
      async () => {
        const consumer = await near.consume({ producerId: producer.id })
        drawn.push(consumer)
        return consumer
      },
      async (consumer) => {
        if (drawn.length === 1) takers.push(await takeSsrc(consumer.rtpParameters.encodings[0].ssrc))
        arrived = await far.produce({ kind: consumer.kind, rtpParameters: consumer.rtpParameters })
      },
      (consumer) => {
        dropped.push(consumer)
        consumer.close()
      }
    )
    expect(drawn).toHaveLength(2)
    expect(dropped).toEqual([drawn[0]])
    expect(drawn[0].closed).toBe(true)
    expect(consumer).toBe(drawn[1])
    expect(consumer.closed).toBe(false)
    expect(consumer.rtpParameters.encodings[0].ssrc).not.toBe(drawn[0].rtpParameters.encodings[0].ssrc)

    // The media goes over the second draw: sent to the producer, out of the arrived one.
    const receiving = await router.createPlainTransport({ listenInfo, comedia: false })
    const socket = await bindSocket()
    let received = 0
    socket.on('message', (packet) => { if (!isRtcp(packet)) received++ })
    await receiving.connect({ ip: '127.0.0.1', port: socket.address().port })
    await receiving.consume({ producerId: arrived.id, rtpCapabilities: consumerCapabilities(router) })
    const sender = await bindSocket()
    let seq = 0
    const pump = startPump(() => {
      sender.send(rtpPacket({ payloadType: 100, sequenceNumber: seq, timestamp: seq * 960, ssrc: 84001 }), sending.tuple.localPort, '127.0.0.1')
      seq++
    }, 5)
    try {
      await waitFor(() => received >= 50, { timeout: 5000 })
    } finally {
      await pump.stop()
      sender.close()
      socket.close()
      receiving.close()
      arrived.close()
      consumer.close()
      for (const taker of takers) taker.close()
    }
  })

  test('draws stop after three taken SSRCs, and other failures are not drawn again', async () => {
    const takers = []
    const dropped = []
    const drawn = []
    let draws = 0
    const draw = async () => {
      draws++
      const consumer = await near.consume({ producerId: producer.id })
      drawn.push(consumer)
      return consumer
    }
    const drop = (consumer) => {
      dropped.push(consumer)
      consumer.close()
    }
    let last = null
    const error = await drawUntilArrived(draw, async (consumer) => {
      last = consumer
      takers.push(await takeSsrc(consumer.rtpParameters.encodings[0].ssrc))
      await far.produce({ kind: consumer.kind, rtpParameters: consumer.rtpParameters })
    }, drop).catch((e) => e)
    expect(ssrcTaken(error)).toBe(true)
    expect(draws).toBe(3)
    // The last draw is left to the caller, which undoes the whole pipe.
    expect(dropped).toHaveLength(2)
    expect(dropped.every((consumer) => consumer.closed)).toBe(true)
    expect(last.closed).toBe(false)
    last.close()

    draws = 0
    const refused = await drawUntilArrived(draw, async () => {
      throw new mafalda.types.InvalidStateError('pipe closed')
    }, drop).catch((e) => e)
    expect(refused).toBeInstanceOf(mafalda.types.InvalidStateError)
    expect(draws).toBe(1)
    for (const consumer of drawn) consumer.close()
    for (const taker of takers) taker.close()
  })
})
