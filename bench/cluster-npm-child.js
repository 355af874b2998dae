'use strict'

// One media machine of bench/cluster-npm.js: the `mediasoup` npm package
// with W workers and a router of the room on each, every transport
// listening on this machine's address. Forked by the benchmark, which is
// the signalling and drives it over IPC.
//
// Parent → child: { id, op, args }; child → parent: { id, ok, value |
// error }, and { event: 'worker', pid } for each worker spawned, { event:
// 'died', pid, message } should one die.

const mediasoup = require('mediasoup')

let address = null
const workers = []
const routers = []
// Every transport of the room's routers, those pipeToRouter() makes too.
const transports = new Map()
// Ids of the PipeTransports to other machines (the others are pipeToRouter()'s).
const machinePipes = new Set()

const listenInfo = () => ({ protocol: 'udp', ip: address })
const send = (message) => { if (process.connected) process.send(message) }

const ops = {
  async start ({ address: at, workers: count, mediaCodecs }) {
    address = at
    for (let i = 0; i < count; i++) {
      const worker = await mediasoup.createWorker({ logLevel: 'warn' })
      workers.push(worker)
      send({ event: 'worker', pid: worker.pid })
      worker.on('died', (error) => send({ event: 'died', pid: worker.pid, message: String(error?.message ?? error) }))
      const router = await worker.createRouter({ mediaCodecs })
      router.observer.on('newtransport', (transport) => {
        transports.set(transport.id, transport)
        transport.observer.once('close', () => transports.delete(transport.id))
      })
      routers.push(router)
    }
    return { pids: workers.map((w) => w.pid), rtpCapabilities: routers[0].rtpCapabilities }
  },
  async plainTransport ({ router, comedia }) {
    const transport = await routers[router].createPlainTransport({ listenInfo: listenInfo(), comedia })
    return { id: transport.id, tuple: transport.tuple }
  },
  connect ({ transportId, ...params }) {
    return transports.get(transportId).connect(params)
  },
  async produce ({ transportId, kind, rtpParameters }) {
    const producer = await transports.get(transportId).produce({ kind, rtpParameters })
    return { id: producer.id }
  },
  /** Consumers of `producerIds` on a plain transport: their SSRCs. */
  async consume ({ transportId, producerIds, rtpCapabilities }) {
    const transport = transports.get(transportId)
    const consumers = await Promise.all(producerIds.map((producerId) => transport.consume({ producerId, rtpCapabilities })))
    return consumers.map((c) => c.rtpParameters.encodings[0].ssrc)
  },
  /** A pipe to another router of this machine, as EduMeet makes them. */
  async pipeToRouter ({ producerId, from, to }) {
    await routers[from].pipeToRouter({ producerId, router: routers[to], listenInfo: listenInfo() })
  },
  /** One end of a pipe to a router of another machine (EduMeet media-node's settings). */
  async pipeTransport ({ router }) {
    const transport = await routers[router].createPipeTransport({
      listenInfo: listenInfo(), enableSctp: true, numSctpStreams: { OS: 1024, MIS: 1024 }, enableRtx: true, enableSrtp: true
    })
    machinePipes.add(transport.id)
    return { id: transport.id, tuple: transport.tuple, srtpParameters: transport.srtpParameters }
  },
  async pipeConsume ({ transportId, producerId }) {
    const consumer = await transports.get(transportId).consume({ producerId })
    return { kind: consumer.kind, rtpParameters: consumer.rtpParameters, producerPaused: consumer.producerPaused }
  },
  async pipeProduce ({ transportId, id, kind, rtpParameters, paused }) {
    await transports.get(transportId).produce({ id, kind, rtpParameters, paused })
  },
  /** CPU time of each worker as it reports it (getrusage), in ms. */
  async usage () {
    const usages = await Promise.all(workers.map((w) => w.getResourceUsage()))
    return usages.map((u) => u.ru_utime + u.ru_stime)
  },
  /** What each router holds, from the workers' dumps. */
  async stats () {
    return Promise.all(routers.map(async (router) => {
      const out = { plainConsumers: 0, plainProducers: 0, machinePipeConsumers: 0, machinePipeProducers: 0, localPipeConsumers: 0, localPipeProducers: 0 }
      const { transportIds } = await router.dump()
      for (const id of transportIds) {
        const transport = transports.get(id)
        const { consumerIds, producerIds } = await transport.dump()
        const kind = transport.type === 'pipe' ? (machinePipes.has(id) ? 'machinePipe' : 'localPipe') : 'plain'
        out[`${kind}Consumers`] += consumerIds.length
        out[`${kind}Producers`] += producerIds.length
      }
      return out
    }))
  },
  async close () {
    await closeWorkers()
    setImmediate(() => process.exit(0))
  }
}

/** Closes the workers and waits (up to 3 s) until their processes ended. */
async function closeWorkers () {
  const ended = workers.map((worker) => worker.died || worker.subprocessClosed
    ? Promise.resolve()
    : new Promise((resolve) => worker.once('subprocessclose', resolve)))
  for (const worker of workers) worker.close()
  await Promise.race([Promise.all(ended), new Promise((resolve) => setTimeout(resolve, 3000))])
}

process.on('message', async ({ id, op, args }) => {
  try {
    const value = await ops[op](args)
    send({ id, ok: true, value })
  } catch (error) {
    send({ id, ok: false, error: { name: error.name, message: error.message } })
  }
})
// The benchmark gone or interrupted: the workers go with this process.
const quit = () => closeWorkers().finally(() => process.exit(0))
process.once('disconnect', quit)
process.once('SIGINT', quit)
process.once('SIGTERM', quit)
