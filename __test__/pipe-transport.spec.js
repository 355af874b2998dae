'use strict'

// PipeTransports between mafalda and another SFU, as EduMeet 4 pipes rooms
// between media nodes. The other side is plain mediasoup (the npm package,
// its own worker processes): real RTP crosses the pipe both ways.

const mafalda = require('..')
const mediasoup = require('mediasoup')
const {
  mediaCodecs, opusRtpParameters, consumerCapabilities, rtpPacket, isRtcp, bindSocket, waitFor
} = require('./helpers')

const listenInfo = { protocol: 'udp', ip: '127.0.0.1' }
const PACKETS = 100

/** Sends PACKETS Opus packets to a comedia PlainTransport, 5 ms apart. */
async function sendRtp (transport, ssrc) {
  const sender = await bindSocket()
  for (let i = 0; i < PACKETS; i++) {
    sender.send(rtpPacket({ payloadType: 100, sequenceNumber: i, timestamp: i * 960, ssrc }), transport.tuple.localPort, '127.0.0.1')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  sender.close()
}

/** A socket that counts the RTP packets a consumer's PlainTransport sends it. */
async function countingEndpoint (router) {
  const transport = await router.createPlainTransport({ listenInfo, comedia: false })
  const socket = await bindSocket()
  const endpoint = { transport, socket, received: 0 }
  socket.on('message', (packet) => { if (!isRtcp(packet)) endpoint.received++ })
  await transport.connect({ ip: '127.0.0.1', port: socket.address().port })
  return endpoint
}

/** Two PipeTransports connected to each other. */
async function pipePair (mafaldaRouter, mediasoupRouter, options = {}) {
  const local = await mafaldaRouter.createPipeTransport({ listenInfo, ...options })
  const remote = await mediasoupRouter.createPipeTransport({ listenInfo, ...options })
  await local.connect({ ip: remote.tuple.localAddress, port: remote.tuple.localPort, srtpParameters: remote.srtpParameters })
  await remote.connect({ ip: local.tuple.localAddress, port: local.tuple.localPort, srtpParameters: local.srtpParameters })
  return { local, remote }
}

describe('PipeTransport between mafalda and plain mediasoup', () => {
  let worker, router, msWorker, msRouter

  beforeAll(async () => {
    worker = await mafalda.createWorker()
    router = await worker.createRouter({ mediaCodecs })
    msWorker = await mediasoup.createWorker({ logLevel: 'error' })
    msRouter = await msWorker.createRouter({ mediaCodecs })
  })

  afterAll(() => {
    worker.close()
    msWorker.close()
  })

  test('a mafalda producer piped out reaches a consumer on the other SFU, with SRTP', async () => {
    const { local, remote } = await pipePair(router, msRouter, { enableSrtp: true })
    expect(local.type).toBe('pipe')
    expect(local.srtpParameters.cryptoSuite).toBe(remote.srtpParameters.cryptoSuite)
    const sending = await router.createPlainTransport({ listenInfo, comedia: true })
    const producer = await sending.produce({ kind: 'audio', rtpParameters: opusRtpParameters(81001) })

    const pipeConsumer = await local.consume({ producerId: producer.id })
    expect(pipeConsumer.type).toBe('pipe')
    const pipeProducer = await remote.produce({
      id: producer.id, kind: pipeConsumer.kind, rtpParameters: pipeConsumer.rtpParameters
    })
    expect(pipeProducer.id).toBe(producer.id)
    const endpoint = await countingEndpoint(msRouter)
    await endpoint.transport.consume({ producerId: pipeProducer.id, rtpCapabilities: consumerCapabilities(msRouter) })

    await sendRtp(sending, 81001)
    await waitFor(() => endpoint.received >= PACKETS * 0.95, { timeout: 5000 })
    const [stats] = await local.getStats()
    expect(stats.type).toBe('pipe-transport')
    expect(stats.rtpBytesSent).toBeGreaterThan(0)
    endpoint.socket.close()
  })

  test('a producer of the other SFU piped in is consumed in mafalda with its own id (produce({ id }))', async () => {
    const { local, remote } = await pipePair(router, msRouter)
    const sending = await msRouter.createPlainTransport({ listenInfo, comedia: true })
    const producer = await sending.produce({ kind: 'audio', rtpParameters: opusRtpParameters(82001) })
    const pipeConsumer = await remote.consume({ producerId: producer.id })

    const pipeProducer = await local.produce({
      id: producer.id, kind: pipeConsumer.kind, rtpParameters: pipeConsumer.rtpParameters
    })
    expect(pipeProducer.id).toBe(producer.id)
    const endpoint = await countingEndpoint(router)
    const consumer = await endpoint.transport.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })

    await sendRtp(sending, 82001)
    await waitFor(() => endpoint.received >= PACKETS * 0.95, { timeout: 5000 })

    // The same id again in this process is refused, as by one mediasoup worker.
    await expect(local.produce({ id: producer.id, kind: 'audio', rtpParameters: pipeConsumer.rtpParameters }))
      .rejects.toThrow(TypeError)
    const closed = new Promise((resolve) => consumer.once('producerclose', resolve))
    pipeProducer.close()
    await closed
    endpoint.socket.close()
  })

  test('bad arguments: TypeError; an id is for PipeTransports only (UnsupportedError)', async () => {
    await expect(router.createPipeTransport({})).rejects.toThrow(TypeError)
    const pipe = await router.createPipeTransport({ listenInfo })
    await expect(pipe.connect({ ip: '127.0.0.1' })).rejects.toThrow(TypeError)
    await expect(pipe.connect({ port: 5000 })).rejects.toThrow(TypeError)
    const plain = await router.createPlainTransport({ listenInfo })
    await expect(plain.produce({
      id: '00000000-0000-4000-8000-000000000001', kind: 'audio', rtpParameters: opusRtpParameters(83001)
    })).rejects.toThrow(mafalda.types.UnsupportedError)
    pipe.close()
    plain.close()
  })
})
