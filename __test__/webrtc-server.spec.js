'use strict'

const dgram = require('node:dgram')
const mafalda = require('..')
const { mediaCodecs, opusRtpParameters, consumerCapabilities, waitFor } = require('./helpers')

const defaults = mafalda.getConfiguration()

/** A UDP port free on 127.0.0.1 right now. */
function freeUdpPort () {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4')
    socket.on('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })
}

const udpPort = (transport) => transport.iceCandidates.find((c) => c.protocol === 'udp').port

/** Real routers as their workers report them. */
async function realRouters () {
  const { workers } = await mafalda.dump()
  return workers.flatMap((w) => w.routers.map((r) => ({ ...r, pid: w.pid })))
}

describe('WebRtcServer over several real workers', () => {
  let worker

  beforeEach(async () => {
    mafalda.configure({ ...defaults, idleWorkerTimeout: 0 })
    await waitFor(async () => (await mafalda.dump()).workers.length === 0, { timeout: 8000 })
    worker = await mafalda.createWorker()
  })

  afterEach(() => worker.close())
  afterAll(() => mafalda.configure(defaults))

  /**
   * A room whose first real worker is full (consumer budget 1, one
   * consumer), so the next transport goes to a second real worker.
   */
  async function roomOverTwoWorkers (webRtcServer) {
    const router = await worker.createRouter({ mediaCodecs })
    mafalda.configure({ consumerBudget: 1, maxWorkers: 2 })
    const first = await router.createWebRtcTransport({ webRtcServer })
    const producer = await first.produce({ kind: 'audio', rtpParameters: opusRtpParameters(7001) })
    await first.consume({ producerId: producer.id, rtpCapabilities: consumerCapabilities(router) })
    const second = await router.createWebRtcTransport({ webRtcServer })
    return { router, first, second }
  }

  test('keeps the given port on the worker it was created on, and listens on another worker with a port of its own', async () => {
    const port = await freeUdpPort()
    const webRtcServer = await worker.createWebRtcServer({
      listenInfos: [{ protocol: 'udp', ip: '127.0.0.1', announcedAddress: '203.0.113.7', port }]
    })
    const { first, second } = await roomOverTwoWorkers(webRtcServer)

    const routers = await realRouters()
    expect(new Set(routers.map((r) => r.pid)).size).toBe(2)
    expect(udpPort(first)).toBe(port)
    expect(udpPort(second)).not.toBe(port)
    for (const transport of [first, second]) {
      expect(transport.iceCandidates.map((c) => c.address ?? c.ip)).toEqual(['203.0.113.7'])
    }

    const dump = await webRtcServer.dump()
    expect(dump.id).toBe(webRtcServer.id)
    expect(dump.udpSockets.map((s) => s.port).sort()).toEqual([port, udpPort(second)].sort())
    expect(dump.webRtcTransportIds.sort()).toEqual([first.id, second.id].sort())
    expect(dump.localIceUsernameFragments.map((f) => f.webRtcTransportId).sort())
      .toEqual([first.id, second.id].sort())
  })

  test('closing it closes its transports on every worker ("listenserverclose") and frees its ports', async () => {
    const port = await freeUdpPort()
    const webRtcServer = await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1', port }] })
    const { router, first, second } = await roomOverTwoWorkers(webRtcServer)
    const secondPort = udpPort(second)
    const closed = []
    for (const transport of [first, second]) {
      transport.on('listenserverclose', () => closed.push(transport.id))
    }
    const unhandled = jest.fn()
    webRtcServer.observer.on('webrtctransportunhandled', unhandled)

    webRtcServer.close()

    expect(closed.sort()).toEqual([first.id, second.id].sort())
    expect(first.closed && second.closed).toBe(true)
    expect(first.iceState).toBe('closed')
    expect(unhandled).toHaveBeenCalledTimes(2)
    expect(router.transportsForTesting.size).toBe(0)
    await expect(webRtcServer.dump()).rejects.toThrow(mafalda.types.InvalidStateError)
    await waitFor(async () => (await realRouters()).every((r) => r.transports === 0))
    // Both ports are free again: a new server binds them.
    const again = await worker.createWebRtcServer({
      listenInfos: [{ protocol: 'udp', ip: '127.0.0.1', port }, { protocol: 'udp', ip: '127.0.0.1', port: secondPort }]
    })
    again.close()
  })

  test('the extra real server goes with its worker\'s last transport, and no worker thread outlives the pool', async () => {
    const webRtcServer = await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
    const { router, second } = await roomOverTwoWorkers(webRtcServer)
    expect((await webRtcServer.dump()).udpSockets).toHaveLength(2)
    second.close()
    expect((await webRtcServer.dump()).udpSockets).toHaveLength(1)
    router.close()
    // The second worker is idle now and closes (idleWorkerTimeout 0); its
    // thread ends with it: nothing (no real server) keeps it alive.
    await waitFor(async () => {
      const pool = await mafalda.dump()
      return pool.workers.length === 1 && pool.threads === 1
    }, { timeout: 8000 })
    webRtcServer.close()
  })

  test('a transport on a closed server rejects with InvalidStateError; closing the worker emits "workerclose"', async () => {
    const webRtcServer = await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
    const router = await worker.createRouter({ mediaCodecs })
    webRtcServer.close()
    await expect(router.createWebRtcTransport({ webRtcServer })).rejects.toThrow(mafalda.types.InvalidStateError)

    const other = await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
    const transport = await router.createWebRtcTransport({ webRtcServer: other })
    const workerclose = jest.fn()
    other.on('workerclose', workerclose)
    const routerclose = jest.fn()
    transport.on('routerclose', routerclose)
    worker.close()
    expect(workerclose).toHaveBeenCalledTimes(1)
    expect(routerclose).toHaveBeenCalledTimes(1)
    expect(other.closed && transport.closed).toBe(true)
  })
})
