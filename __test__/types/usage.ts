// Compiled (not run) by types.spec.js: code written for mediasoup's types
// must type-check against mafalda's index.d.ts.
import * as mediasoup from '../..'
import type {
  Worker, Router, WebRtcTransport, Producer, Consumer, RtpCodecCapability, WorkerResourceUsage,
  DirectTransport, DataProducer, DataConsumer, WebRtcServer, WebRtcServerDump, PipeTransport,
  RouterRtpCodecCapability, WorkerObserver, WorkerDump, RouterObserver, TransportType, RouterDump,
  WebRtcTransportObserver, TransportTraceEventData, WebRtcTransportEvents, IceState, WebRtcTransportDump,
  FingerprintAlgorithm, WebRtcTransportStat, ProducerVideoOrientation, ProducerTraceEventData, ProducerStat,
  ConsumerObserver, ConsumerDump, ConsumerStat, AudioLevelObserverObserver, RtpObserverType,
  DataProducerObserver, Index
} from '../..'

const mediaCodecs: RtpCodecCapability[] = [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }]

export async function room (): Promise<void> {
  mediasoup.observer.on('newworker', (worker: Worker) => { void worker.pid })
  const worker: Worker<{ rooms: Map<string, Router> }> = await mediasoup.createWorker({ logLevel: 'warn', appData: { rooms: new Map() } })
  const router: Router = await worker.createRouter({ mediaCodecs })
  worker.appData.rooms.set('a', router)
  const transport: WebRtcTransport = await router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1', announcedIp: '1.2.3.4' }] })
  // EduMeet 4: one WebRtcServer per worker, every transport through it.
  const webRtcServer: WebRtcServer = await worker.createWebRtcServer({
    listenInfos: [{ protocol: 'udp', ip: '0.0.0.0', announcedAddress: '1.2.3.4', port: 40000 }]
  })
  worker.observer.on('newwebrtcserver', (server: WebRtcServer) => server.observer.on('close', () => {}))
  const viaServer: WebRtcTransport = await router.createWebRtcTransport({ webRtcServer, enableTcp: true })
  viaServer.on('listenserverclose', () => {})
  const serverDump: WebRtcServerDump = await webRtcServer.dump()
  // EduMeet 4 between media nodes: a pipe transport, a pipe consumer, a
  // producer with the piped producer's id.
  const pipe: PipeTransport = await router.createPipeTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, enableSrtp: true })
  await pipe.connect({ ip: '10.0.0.2', port: 40000, srtpParameters: pipe.srtpParameters })
  const pipeConsumer: Consumer = await pipe.consume({ producerId: 'x' })
  await pipe.produce({ id: pipeConsumer.producerId, kind: pipeConsumer.kind, rtpParameters: pipeConsumer.rtpParameters })
  void serverDump.udpSockets[0].port
  transport.on('dtlsstatechange', (state) => { if (state === 'closed') transport.close() })
  const producer: Producer = await transport.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }] } })
  const consumer: Consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, paused: true })
  consumer.on('producerclose', () => consumer.close())
  await consumer.resume()
  await transport.enableTraceEvent(['bwe'])
  transport.on('trace', (trace) => { if (trace.type === 'bwe' && trace.direction === 'out') void trace.info })
  const usage: WorkerResourceUsage = await worker.getResourceUsage()
  void (usage.ru_utime + usage.ru_stime)
  const levels = await router.createAudioLevelObserver({ maxEntries: 2 })
  levels.on('volumes', (volumes) => { void volumes[0].producer.id })
  await levels.addProducer({ producerId: producer.id })
  mediasoup.configure({ maxWorkers: 2, pipeLinger: 1000 })
  const pool = await mediasoup.dump()
  void pool.workers[0].routers[0].pipeConsumers
  const rooms: string[] = pool.workers[0].routers[0].routerIds
  void rooms
  const room2 = await mediasoup.createRouter({ mediaCodecs })
  const { pipeProducer } = await router.pipeToRouter({ producerId: producer.id, router: room2 })
  if (pipeProducer) await pipeProducer.pause()
  room2.close()
  if (!router.canConsume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities })) throw new mediasoup.types.UnsupportedError('x')
}

export async function data (router: Router, webRtcTransport: WebRtcTransport): Promise<void> {
  const direct: DirectTransport<{ bot: boolean }> = await router.createDirectTransport({ maxMessageSize: 1024, appData: { bot: true } })
  direct.on('rtcp', (packet: Buffer) => { void packet.length })
  direct.sendRtcp(Buffer.alloc(12))
  const chat: DataProducer = await direct.produceData({ label: 'chat' })
  chat.send('hi')
  chat.send(Buffer.from('hi'), 53, [1, 2], 1)
  const toPeer: DataConsumer = await webRtcTransport.consumeData({ dataProducerId: chat.id, ordered: false, maxRetransmits: 2 })
  toPeer.on('bufferedamountlow', (amount: number) => { void amount })
  void toPeer.sctpStreamParameters?.streamId
  const fromPeer = await webRtcTransport.produceData({ sctpStreamParameters: { streamId: 1 }, appData: { peer: 'a' } })
  const toBot = await direct.consumeData({ dataProducerId: fromPeer.id, subchannels: [1] })
  toBot.on('message', (message: Buffer, ppid: number) => { if (ppid === 51) void message.toString() })
  await toBot.addSubchannel(2)
  webRtcTransport.observer.on('newdataproducer', (dataProducer) => { void dataProducer.label })
  const producer = await direct.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }] } })
  producer.send(Buffer.alloc(112))
  const consumer = await direct.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities })
  consumer.on('rtp', (packet) => { void packet.readUInt32BE(8) })
  const pool = await mediasoup.dump()
  void pool.workers[0].routers[0].pipeDataConsumers
  const scrape: string = await mediasoup.metrics()
  void scrape.length
  const contentType: string = mediasoup.metricsContentType
  void contentType
}

// mediasoup 3.19's named types: codecs without payload types, observers,
// event maps, dumps and stats as its `mediasoup/types` names them.
export async function named (): Promise<void> {
  const codecs: RouterRtpCodecCapability[] = [{ kind: 'video', mimeType: 'video/VP8', clockRate: 90000 }]
  const worker = await mediasoup.createWorker()
  const workerObserver: WorkerObserver = worker.observer
  workerObserver.on('newrouter', (router: Router) => { void router.id })
  const workerDump: WorkerDump = await worker.dump()
  void workerDump.routerIds
  const router = await worker.createRouter({ mediaCodecs: codecs })
  const routerObserver: RouterObserver = router.observer
  routerObserver.on('newtransport', (transport) => { const type: TransportType = transport.type; void type })
  routerObserver.on('listenererror', (eventName, error) => { void eventName; void error.message })
  const routerDump: RouterDump = await router.dump()
  void routerDump.mapProducerIdConsumerIds[0]?.values
  const transport = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] })
  const transportObserver: WebRtcTransportObserver = transport.observer
  transportObserver.on('trace', (trace: TransportTraceEventData) => { void trace.info })
  const onIce: (...args: WebRtcTransportEvents['icestatechange']) => void = (state: IceState) => { void state }
  transport.on('icestatechange', onIce)
  const transportDump: WebRtcTransportDump = await transport.dump()
  const algorithm: FingerprintAlgorithm = transportDump.dtlsParameters.fingerprints[0].algorithm
  void algorithm
  const [transportStat]: WebRtcTransportStat[] = await transport.getStats()
  void transportStat?.bytesReceived
  const producer = await transport.produce({ kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }] } })
  producer.on('videoorientationchange', (orientation: ProducerVideoOrientation) => { void orientation.rotation })
  producer.observer.on('trace', (trace: ProducerTraceEventData) => { void trace.direction })
  const producerStats: ProducerStat[] = await producer.getStats()
  void producerStats[0]?.bitrate
  const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities })
  const consumerObserver: ConsumerObserver = consumer.observer
  consumerObserver.on('layerschange', (layers) => { void layers?.spatialLayer })
  const consumerDump: ConsumerDump = await consumer.dump()
  if (consumerDump.type === 'simulcast') void consumerDump.currentSpatialLayer
  const consumerStats: (ConsumerStat | ProducerStat)[] = await consumer.getStats()
  void consumerStats[0]?.score
  const levels = await router.createAudioLevelObserver()
  const levelsObserver: AudioLevelObserverObserver = levels.observer
  levelsObserver.on('silence', () => {})
  const type: RtpObserverType = levels.type
  void type
  const dataProducerObserver: DataProducerObserver = (await transport.produceData({ sctpStreamParameters: { streamId: 0 } })).observer
  dataProducerObserver.on('pause', () => {})
  const module: Index = mediasoup
  void module.version
}

// Several machines.
async function clusterUsage (): Promise<void> {
  const self = await mediasoup.cluster.join({ redis: 'redis://127.0.0.1:6379', address: '10.0.0.5', secret: 's' })
  const id: string = self.id
  const instances = await mediasoup.cluster.instances()
  const cpu: number = instances[0].cpu
  const dump = await mediasoup.cluster.dump()
  const from: string = dump.instances[0].pipesIn[0].from
  const directory: Record<string, string> = await mediasoup.cluster.directory('room')
  const refused: number | undefined = (await mediasoup.dump()).cluster?.refused.badMac
  mediasoup.cluster.observer.on('instancegone', ({ id }) => { void id })
  const dropped: number | undefined = (await mediasoup.dump()).cluster?.dropped
  await mediasoup.cluster.drain({ timeout: 1000 })
  await mediasoup.cluster.leave()
  void dropped
  void id, void cpu, void from, void directory, void refused
}
void clusterUsage
