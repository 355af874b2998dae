// Public types of mafalda, named as mediasoup's (`mediasoup/types`), so
// that code written for mediasoup type-checks against mafalda.

import { EventEmitter } from 'node:events'

export type AppData = { [key: string]: unknown }

// ---------------------------------------------------------------- errors

export class InvalidStateError extends Error {
  constructor (message: string)
}

export class UnsupportedError extends Error {
  constructor (message: string)
}

// ---------------------------------------------------------------- events

export type ObserverEvents = { [eventName: string]: unknown[] }

/**
 * mediasoup's EventEmitter: a listener that throws makes the emitter emit
 * `listenererror` instead of crashing.
 */
export class EnhancedEventEmitter<Events extends ObserverEvents = ObserverEvents> extends EventEmitter {
  on<K extends keyof Events & string> (eventName: K, listener: (...args: Events[K]) => void): this
  once<K extends keyof Events & string> (eventName: K, listener: (...args: Events[K]) => void): this
  off<K extends keyof Events & string> (eventName: K, listener: (...args: Events[K]) => void): this
  safeEmit<K extends keyof Events & string> (eventName: K, ...args: Events[K]): boolean
}

// ---------------------------------------------------------------- RTP

export type MediaKind = 'audio' | 'video'

export type RtcpFeedback = { type: string; parameter?: string }

export type RtpCodecCapability = {
  kind: MediaKind
  mimeType: string
  preferredPayloadType?: number
  clockRate: number
  channels?: number
  parameters?: any
  rtcpFeedback?: RtcpFeedback[]
}

export type RtpHeaderExtensionDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'

export type RtpHeaderExtension = {
  kind: MediaKind
  uri: string
  preferredId: number
  preferredEncrypt?: boolean
  direction?: RtpHeaderExtensionDirection
}

export type RtpCapabilities = {
  codecs?: RtpCodecCapability[]
  headerExtensions?: RtpHeaderExtension[]
}

export type RouterRtpCodecCapability = RtpCodecCapability & { preferredPayloadType: number }

export type RouterRtpCapabilities = {
  codecs: RouterRtpCodecCapability[]
  headerExtensions: RtpHeaderExtension[]
}

export type RtpCodecParameters = {
  mimeType: string
  payloadType: number
  clockRate: number
  channels?: number
  parameters?: any
  rtcpFeedback?: RtcpFeedback[]
}

export type RtpHeaderExtensionParameters = {
  uri: string
  id: number
  encrypt?: boolean
  parameters?: any
}

export type RtpEncodingParameters = {
  ssrc?: number
  rid?: string
  codecPayloadType?: number
  rtx?: { ssrc: number }
  dtx?: boolean
  scalabilityMode?: string
  maxBitrate?: number
}

export type RtcpParameters = { cname?: string; reducedSize?: boolean }

export type RtpParameters = {
  mid?: string
  codecs: RtpCodecParameters[]
  headerExtensions?: RtpHeaderExtensionParameters[]
  encodings?: RtpEncodingParameters[]
  rtcp?: RtcpParameters
  msid?: string
}

export type ScalabilityMode = { spatialLayers: number; temporalLayers: number; ksvc: boolean }

// ---------------------------------------------------------------- transports

export type TransportProtocol = 'udp' | 'tcp'

export type TransportPortRange = { min: number; max: number }

export type TransportSocketFlags = { ipv6Only?: boolean; udpReusePort?: boolean }

export type TransportListenInfo = {
  protocol: TransportProtocol
  ip: string
  announcedAddress?: string
  /** @deprecated Use announcedAddress. */
  announcedIp?: string
  exposeInternalIp?: boolean
  port?: number
  portRange?: TransportPortRange
  flags?: TransportSocketFlags
  sendBufferSize?: number
  recvBufferSize?: number
}

/** @deprecated Use TransportListenInfo. */
export type TransportListenIp = { ip: string; announcedIp?: string }

export type TransportTuple = {
  localAddress: string
  /** @deprecated Use localAddress. */
  localIp: string
  localPort: number
  remoteIp?: string
  remotePort?: number
  protocol: TransportProtocol
}

export type NumSctpStreams = { OS: number; MIS: number }

export type SctpParameters = { port: number; OS: number; MIS: number; maxMessageSize: number }

export type SctpState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed'

/** How an SCTP stream delivers: in order (reliable), or with a life time or a retransmission limit. */
export type SctpStreamParameters = {
  streamId: number
  ordered?: boolean
  maxPacketLifeTime?: number
  maxRetransmits?: number
}

export type SrtpCryptoSuite =
  | 'AEAD_AES_256_GCM'
  | 'AEAD_AES_128_GCM'
  | 'AES_CM_128_HMAC_SHA1_80'
  | 'AES_CM_128_HMAC_SHA1_32'

export type SrtpParameters = { cryptoSuite: SrtpCryptoSuite; keyBase64: string }

export type TransportTraceEventType = 'probation' | 'bwe'
export type ProducerTraceEventType = 'rtp' | 'keyframe' | 'nack' | 'pli' | 'fir' | 'sr'
export type ConsumerTraceEventType = 'rtp' | 'keyframe' | 'nack' | 'pli' | 'fir'

/** A 'trace' event, in mediasoup's shape (`type`, `timestamp`, `direction`, `info`). */
export type TraceEventData = { type: string; timestamp: number; direction: 'in' | 'out'; info: any }

export type TransportEvents = {
  trace: [TraceEventData]
  routerclose: []
  listenserverclose: []
  listenererror: [string, Error]
}

export type TransportObserverEvents = {
  close: []
  newproducer: [Producer]
  newconsumer: [Consumer]
  newdataproducer: [DataProducer]
  newdataconsumer: [DataConsumer]
}

export declare class Transport<
  TransportAppData extends AppData = AppData,
  Events extends TransportEvents = TransportEvents,
  Observer extends TransportObserverEvents = TransportObserverEvents
> extends EnhancedEventEmitter<Events> {
  get id (): string
  get closed (): boolean
  get appData (): TransportAppData
  set appData (appData: TransportAppData)
  get observer (): EnhancedEventEmitter<Observer>
  close (): void
  dump (): Promise<any>
  getStats (): Promise<any[]>
  enableTraceEvent (types?: TransportTraceEventType[]): Promise<void>
  setMaxIncomingBitrate (bitrate: number): Promise<void>
  setMaxOutgoingBitrate (bitrate: number): Promise<void>
  setMinOutgoingBitrate (bitrate: number): Promise<void>
  produce<ProducerAppData extends AppData = AppData> (options: ProducerOptions<ProducerAppData>): Promise<Producer<ProducerAppData>>
  consume<ConsumerAppData extends AppData = AppData> (options: ConsumerOptions<ConsumerAppData>): Promise<Consumer<ConsumerAppData>>
  produceData<DataProducerAppData extends AppData = AppData> (
    options?: DataProducerOptions<DataProducerAppData>
  ): Promise<DataProducer<DataProducerAppData>>
  consumeData<DataConsumerAppData extends AppData = AppData> (
    options: DataConsumerOptions<DataConsumerAppData>
  ): Promise<DataConsumer<DataConsumerAppData>>
}

export type IceRole = 'controlled' | 'controlling'
export type IceState = 'new' | 'connected' | 'completed' | 'disconnected' | 'closed'
export type DtlsRole = 'auto' | 'client' | 'server'
export type DtlsState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed'

export type IceParameters = { usernameFragment: string; password: string; iceLite?: boolean }

export type IceCandidate = {
  foundation: string
  priority: number
  address: string
  /** @deprecated Use address. */
  ip: string
  protocol: TransportProtocol
  port: number
  type: 'host'
  tcpType?: 'passive'
}

export type DtlsFingerprint = { algorithm: string; value: string }
export type DtlsParameters = { role?: DtlsRole; fingerprints: DtlsFingerprint[] }

export type WebRtcTransportOptions<WebRtcTransportAppData extends AppData = AppData> = {
  /** Listen through this server instead of sockets of the transport's own. */
  webRtcServer?: WebRtcServer
  listenInfos?: TransportListenInfo[]
  /** @deprecated Use listenInfos. */
  listenIps?: (TransportListenIp | string)[]
  /** @deprecated Use listenInfos. */
  port?: number
  enableUdp?: boolean
  enableTcp?: boolean
  preferUdp?: boolean
  preferTcp?: boolean
  iceConsentTimeout?: number
  initialAvailableOutgoingBitrate?: number
  enableSctp?: boolean
  numSctpStreams?: NumSctpStreams
  maxSctpMessageSize?: number
  sctpSendBufferSize?: number
  appData?: WebRtcTransportAppData
}

export type WebRtcTransportEvents = TransportEvents & {
  icestatechange: [IceState]
  iceselectedtuplechange: [TransportTuple]
  dtlsstatechange: [DtlsState]
  sctpstatechange: [SctpState]
}

export type WebRtcTransportObserverEvents = TransportObserverEvents & {
  icestatechange: [IceState]
  iceselectedtuplechange: [TransportTuple]
  dtlsstatechange: [DtlsState]
  sctpstatechange: [SctpState]
}

export declare class WebRtcTransport<WebRtcTransportAppData extends AppData = AppData>
  extends Transport<WebRtcTransportAppData, WebRtcTransportEvents, WebRtcTransportObserverEvents> {
  get type (): 'webrtc'
  get iceRole (): 'controlled'
  get iceParameters (): IceParameters
  get iceCandidates (): IceCandidate[]
  get iceState (): IceState
  get iceSelectedTuple (): TransportTuple | undefined
  get dtlsParameters (): DtlsParameters
  get dtlsState (): DtlsState
  get dtlsRemoteCert (): string | undefined
  get sctpParameters (): SctpParameters | undefined
  get sctpState (): SctpState | undefined
  connect (params: { dtlsParameters: DtlsParameters }): Promise<void>
  restartIce (): Promise<IceParameters>
}

export type PlainTransportOptions<PlainTransportAppData extends AppData = AppData> = {
  listenInfo?: TransportListenInfo
  rtcpListenInfo?: TransportListenInfo
  /** @deprecated Use listenInfo. */
  listenIp?: TransportListenIp | string
  /** @deprecated Use listenInfo. */
  port?: number
  rtcpMux?: boolean
  comedia?: boolean
  enableSctp?: boolean
  numSctpStreams?: NumSctpStreams
  maxSctpMessageSize?: number
  sctpSendBufferSize?: number
  enableSrtp?: boolean
  srtpCryptoSuite?: SrtpCryptoSuite
  appData?: PlainTransportAppData
}

export type PlainTransportEvents = TransportEvents & {
  tuple: [TransportTuple]
  rtcptuple: [TransportTuple]
  sctpstatechange: [SctpState]
}

export type PlainTransportObserverEvents = TransportObserverEvents & {
  tuple: [TransportTuple]
  rtcptuple: [TransportTuple]
  sctpstatechange: [SctpState]
}

export declare class PlainTransport<PlainTransportAppData extends AppData = AppData>
  extends Transport<PlainTransportAppData, PlainTransportEvents, PlainTransportObserverEvents> {
  get type (): 'plain'
  get tuple (): TransportTuple
  get rtcpTuple (): TransportTuple | undefined
  get sctpParameters (): SctpParameters | undefined
  get sctpState (): SctpState | undefined
  get srtpParameters (): SrtpParameters | undefined
  connect (params: { ip?: string; port?: number; rtcpPort?: number; srtpParameters?: SrtpParameters }): Promise<void>
}

// ---------------------------------------------------------------- PipeTransport

export type PipeTransportOptions<PipeTransportAppData extends AppData = AppData> = {
  listenInfo?: TransportListenInfo
  /** @deprecated Use listenInfo. */
  listenIp?: TransportListenIp | string
  /** @deprecated Use listenInfo. */
  port?: number
  enableSctp?: boolean
  numSctpStreams?: NumSctpStreams
  maxSctpMessageSize?: number
  sctpSendBufferSize?: number
  enableRtx?: boolean
  enableSrtp?: boolean
  appData?: PipeTransportAppData
}

export type PipeTransportEvents = TransportEvents & {
  sctpstatechange: [SctpState]
}

export type PipeTransportObserverEvents = TransportObserverEvents & {
  sctpstatechange: [SctpState]
}

export type PipeConsumerOptions<ConsumerAppData extends AppData = AppData> = {
  producerId: string
  appData?: ConsumerAppData
}

/**
 * A transport to another router, usually another host's (EduMeet 4 pipes
 * rooms between media nodes this way); the other end may be mafalda or
 * mediasoup. `produce({ id })` takes the id of the producer piped in.
 */
export declare class PipeTransport<PipeTransportAppData extends AppData = AppData>
  extends Transport<PipeTransportAppData, PipeTransportEvents, PipeTransportObserverEvents> {
  get type (): 'pipe'
  get tuple (): TransportTuple
  get sctpParameters (): SctpParameters | undefined
  get sctpState (): SctpState | undefined
  get srtpParameters (): SrtpParameters | undefined
  connect (params: { ip: string; port: number; srtpParameters?: SrtpParameters }): Promise<void>
  consume<ConsumerAppData extends AppData = AppData> (options: PipeConsumerOptions<ConsumerAppData>): Promise<Consumer<ConsumerAppData>>
}

export type DirectTransportOptions<DirectTransportAppData extends AppData = AppData> = {
  /** Largest message its data producers and consumers carry, in bytes. Default 262144. */
  maxMessageSize?: number
  appData?: DirectTransportAppData
}

export type DirectTransportEvents = TransportEvents & { rtcp: [Buffer] }

/** A transport with no network endpoint: the application sends and receives RTP, RTCP and messages itself. */
export declare class DirectTransport<DirectTransportAppData extends AppData = AppData>
  extends Transport<DirectTransportAppData, DirectTransportEvents, TransportObserverEvents> {
  get type (): 'direct'
  connect (): Promise<void>
  /** Feeds an RTCP packet into the room, as if this transport had received it. */
  sendRtcp (rtcpPacket: Buffer): void
}

// ---------------------------------------------------------------- producers / consumers

export type ProducerType = 'simple' | 'simulcast' | 'svc'

export type ProducerScore = { encodingIdx: number; ssrc: number; rid?: string; score: number }

export type ProducerOptions<ProducerAppData extends AppData = AppData> = {
  id?: string
  kind: MediaKind
  rtpParameters: RtpParameters
  paused?: boolean
  keyFrameRequestDelay?: number
  appData?: ProducerAppData
}

export declare class Producer<ProducerAppData extends AppData = AppData> extends EnhancedEventEmitter<{
  transportclose: []
  score: [ProducerScore[]]
  trace: [TraceEventData]
  videoorientationchange: [{ camera: boolean; flip: boolean; rotation: number }]
  listenererror: [string, Error]
}> {
  get id (): string
  get closed (): boolean
  get kind (): MediaKind
  get rtpParameters (): RtpParameters
  get type (): ProducerType
  get consumableRtpParameters (): RtpParameters
  get paused (): boolean
  get score (): ProducerScore[]
  get appData (): ProducerAppData
  set appData (appData: ProducerAppData)
  get observer (): EnhancedEventEmitter<{ close: []; pause: []; resume: []; score: [ProducerScore[]] }>
  close (): void
  dump (): Promise<any>
  getStats (): Promise<any[]>
  pause (): Promise<void>
  resume (): Promise<void>
  enableTraceEvent (types?: ProducerTraceEventType[]): Promise<void>
  /** Sends an RTP packet into the room (producers of a DirectTransport). */
  send (rtpPacket: Buffer): void
}

export type ConsumerType = 'simple' | 'simulcast' | 'svc' | 'pipe'

export type ConsumerLayers = { spatialLayer: number; temporalLayer?: number }

export type ConsumerScore = { score: number; producerScore: number; producerScores: number[] }

export type ConsumerOptions<ConsumerAppData extends AppData = AppData> = {
  producerId: string
  rtpCapabilities: RtpCapabilities
  paused?: boolean
  mid?: string
  preferredLayers?: ConsumerLayers
  ignoreDtx?: boolean
  enableRtx?: boolean
  pipe?: boolean
  appData?: ConsumerAppData
}

export declare class Consumer<ConsumerAppData extends AppData = AppData> extends EnhancedEventEmitter<{
  transportclose: []
  producerclose: []
  producerpause: []
  producerresume: []
  score: [ConsumerScore]
  layerschange: [ConsumerLayers | undefined]
  trace: [TraceEventData]
  /** Consumers of a DirectTransport: each RTP packet they send. */
  rtp: [Buffer]
  listenererror: [string, Error]
}> {
  get id (): string
  get producerId (): string
  get closed (): boolean
  get kind (): MediaKind
  get rtpParameters (): RtpParameters
  get type (): ConsumerType
  get paused (): boolean
  get producerPaused (): boolean
  get priority (): number
  get score (): ConsumerScore
  get preferredLayers (): ConsumerLayers | undefined
  get currentLayers (): ConsumerLayers | undefined
  get appData (): ConsumerAppData
  set appData (appData: ConsumerAppData)
  get observer (): EnhancedEventEmitter<{
    close: []; pause: []; resume: []; score: [ConsumerScore]; layerschange: [ConsumerLayers | undefined]
  }>
  close (): void
  dump (): Promise<any>
  getStats (): Promise<any[]>
  pause (): Promise<void>
  resume (): Promise<void>
  setPreferredLayers (layers: ConsumerLayers): Promise<void>
  setPriority (priority: number): Promise<void>
  unsetPriority (): Promise<void>
  requestKeyFrame (): Promise<void>
  enableTraceEvent (types?: ConsumerTraceEventType[]): Promise<void>
}

// ---------------------------------------------------------------- data producers / consumers

export type DataProducerType = 'sctp' | 'direct'

export type DataConsumerType = 'sctp' | 'direct'

export type DataProducerOptions<DataProducerAppData extends AppData = AppData> = {
  id?: string
  /** Required except on a DirectTransport, where it is ignored. */
  sctpStreamParameters?: SctpStreamParameters
  label?: string
  protocol?: string
  paused?: boolean
  appData?: DataProducerAppData
}

export declare class DataProducer<DataProducerAppData extends AppData = AppData> extends EnhancedEventEmitter<{
  transportclose: []
  listenererror: [string, Error]
}> {
  get id (): string
  get closed (): boolean
  get type (): DataProducerType
  get sctpStreamParameters (): SctpStreamParameters | undefined
  get label (): string
  get protocol (): string
  get paused (): boolean
  get appData (): DataProducerAppData
  set appData (appData: DataProducerAppData)
  get observer (): EnhancedEventEmitter<{ close: []; pause: []; resume: [] }>
  close (): void
  dump (): Promise<any>
  getStats (): Promise<any[]>
  pause (): Promise<void>
  resume (): Promise<void>
  /**
   * Sends a message (DataProducers of a DirectTransport). PPID by default:
   * 51 for a string, 53 for a Buffer, 56 / 57 when empty. With
   * `subchannels`, only data consumers subscribed to one of them get it
   * (and to `requiredSubchannel`, if given).
   */
  send (message: string | Buffer, ppid?: number, subchannels?: number[], requiredSubchannel?: number): void
}

export type DataConsumerOptions<DataConsumerAppData extends AppData = AppData> = {
  dataProducerId: string
  ordered?: boolean
  maxPacketLifeTime?: number
  maxRetransmits?: number
  paused?: boolean
  subchannels?: number[]
  appData?: DataConsumerAppData
}

export declare class DataConsumer<DataConsumerAppData extends AppData = AppData> extends EnhancedEventEmitter<{
  transportclose: []
  dataproducerclose: []
  dataproducerpause: []
  dataproducerresume: []
  /** DataConsumers of a DirectTransport: each message, with its PPID. */
  message: [Buffer, number]
  sctpsendbufferfull: []
  bufferedamountlow: [number]
  listenererror: [string, Error]
}> {
  get id (): string
  get dataProducerId (): string
  get closed (): boolean
  get type (): DataConsumerType
  get sctpStreamParameters (): SctpStreamParameters | undefined
  get label (): string
  get protocol (): string
  get paused (): boolean
  get dataProducerPaused (): boolean
  get subchannels (): number[]
  get bufferedAmountLowThreshold (): number
  get appData (): DataConsumerAppData
  set appData (appData: DataConsumerAppData)
  get observer (): EnhancedEventEmitter<{ close: []; pause: []; resume: [] }>
  close (): void
  dump (): Promise<any>
  getStats (): Promise<any[]>
  pause (): Promise<void>
  resume (): Promise<void>
  setBufferedAmountLowThreshold (threshold: number): Promise<void>
  getBufferedAmount (): Promise<number>
  /** Sends a message to the endpoint of an SCTP data consumer. */
  send (message: string | Buffer, ppid?: number): Promise<void>
  setSubchannels (subchannels: number[]): Promise<void>
  addSubchannel (subchannel: number): Promise<void>
  removeSubchannel (subchannel: number): Promise<void>
}

// ---------------------------------------------------------------- RTP observers

export type RtpObserverObserverEvents = {
  close: []
  pause: []
  resume: []
  addproducer: [Producer]
  removeproducer: [Producer]
}

export declare class RtpObserver<
  RtpObserverAppData extends AppData = AppData,
  Events extends ObserverEvents = { routerclose: []; listenererror: [string, Error] },
  Observer extends RtpObserverObserverEvents = RtpObserverObserverEvents
> extends EnhancedEventEmitter<Events> {
  get id (): string
  get closed (): boolean
  get paused (): boolean
  get appData (): RtpObserverAppData
  set appData (appData: RtpObserverAppData)
  get observer (): EnhancedEventEmitter<Observer>
  close (): void
  pause (): Promise<void>
  resume (): Promise<void>
  addProducer (params: { producerId: string }): Promise<void>
  removeProducer (params: { producerId: string }): Promise<void>
}

export type AudioLevelObserverOptions<AudioLevelObserverAppData extends AppData = AppData> = {
  maxEntries?: number
  threshold?: number
  interval?: number
  appData?: AudioLevelObserverAppData
}

export type AudioLevelObserverVolume = { producer: Producer; volume: number }

export declare class AudioLevelObserver<AudioLevelObserverAppData extends AppData = AppData> extends RtpObserver<
  AudioLevelObserverAppData,
  { routerclose: []; listenererror: [string, Error]; volumes: [AudioLevelObserverVolume[]]; silence: [] },
  RtpObserverObserverEvents & { volumes: [AudioLevelObserverVolume[]]; silence: [] }
> {
  get type (): 'audiolevel'
}

export type ActiveSpeakerObserverOptions<ActiveSpeakerObserverAppData extends AppData = AppData> = {
  interval?: number
  appData?: ActiveSpeakerObserverAppData
}

export type ActiveSpeakerObserverDominantSpeaker = { producer: Producer }

export declare class ActiveSpeakerObserver<ActiveSpeakerObserverAppData extends AppData = AppData> extends RtpObserver<
  ActiveSpeakerObserverAppData,
  { routerclose: []; listenererror: [string, Error]; dominantspeaker: [ActiveSpeakerObserverDominantSpeaker] },
  RtpObserverObserverEvents & { dominantspeaker: [ActiveSpeakerObserverDominantSpeaker] }
> {
  get type (): 'activespeaker'
}

// ---------------------------------------------------------------- router / worker

export type RouterOptions<RouterAppData extends AppData = AppData> = {
  mediaCodecs?: RtpCodecCapability[]
  appData?: RouterAppData
}

export type PipeToRouterOptions = {
  producerId?: string
  dataProducerId?: string
  router: Router
  /** Only `true` (the default) between routers of one process. */
  keepId?: boolean
  /** Accepted for compatibility: nothing goes over a socket between routers of one process. */
  listenInfo?: TransportListenInfo
  /** @deprecated Use listenInfo. */
  listenIp?: TransportListenIp | string
  enableSctp?: boolean
  numSctpStreams?: NumSctpStreams
  /** Shapes the pipe ends' RTP parameters. */
  enableRtx?: boolean
  enableSrtp?: boolean
}

/**
 * What `pipeToRouter()` returns: the application's view of an import of the
 * (data) producer into the target router (no PipeTransport is created).
 */
export type PipeToRouterResult = {
  pipeConsumer?: Consumer
  pipeProducer?: Producer
  pipeDataConsumer?: DataConsumer
  pipeDataProducer?: DataProducer
}

export declare class Router<RouterAppData extends AppData = AppData> extends EnhancedEventEmitter<{
  workerclose: []
  listenererror: [string, Error]
}> {
  get id (): string
  get closed (): boolean
  get rtpCapabilities (): RouterRtpCapabilities
  get appData (): RouterAppData
  set appData (appData: RouterAppData)
  get observer (): EnhancedEventEmitter<{ close: []; newtransport: [Transport]; newrtpobserver: [RtpObserver] }>
  close (): void
  dump (): Promise<any>
  createWebRtcTransport<T extends AppData = AppData> (options: WebRtcTransportOptions<T>): Promise<WebRtcTransport<T>>
  createPlainTransport<T extends AppData = AppData> (options: PlainTransportOptions<T>): Promise<PlainTransport<T>>
  createDirectTransport<T extends AppData = AppData> (options?: DirectTransportOptions<T>): Promise<DirectTransport<T>>
  createPipeTransport<T extends AppData = AppData> (options: PipeTransportOptions<T>): Promise<PipeTransport<T>>
  createAudioLevelObserver<T extends AppData = AppData> (options?: AudioLevelObserverOptions<T>): Promise<AudioLevelObserver<T>>
  createActiveSpeakerObserver<T extends AppData = AppData> (options?: ActiveSpeakerObserverOptions<T>): Promise<ActiveSpeakerObserver<T>>
  /**
   * Makes a (data) producer of this router consumable in `router`, another
   * router of this process: nothing is created when both rooms share the
   * producer's real router, one internal pipe otherwise.
   */
  pipeToRouter (options: PipeToRouterOptions): Promise<PipeToRouterResult>
  canConsume (params: { producerId: string; rtpCapabilities: RtpCapabilities }): boolean
}

export type WorkerLogLevel = 'debug' | 'warn' | 'error' | 'none'

export type WorkerLogTag =
  | 'info' | 'ice' | 'dtls' | 'rtp' | 'srtp' | 'rtcp' | 'rtx' | 'bwe' | 'score'
  | 'simulcast' | 'svc' | 'sctp' | 'message'

export type WorkerSettings<WorkerAppData extends AppData = AppData> = {
  logLevel?: WorkerLogLevel
  logTags?: WorkerLogTag[]
  rtcMinPort?: number
  rtcMaxPort?: number
  dtlsCertificateFile?: string
  dtlsPrivateKeyFile?: string
  /** Accepted for compatibility; the worker built into mafalda ignores it. */
  libwebrtcFieldTrials?: string
  /** Accepted for compatibility; the worker built into mafalda ignores it. */
  disableLiburing?: boolean
  appData?: WorkerAppData
}

export type WorkerUpdateableSettings = Pick<WorkerSettings, 'logLevel' | 'logTags'>

/** CPU time of the real worker thread, in ms; the other fields are 0. */
export type WorkerResourceUsage = {
  ru_utime: number
  ru_stime: number
  ru_maxrss: number
  ru_ixrss: number
  ru_idrss: number
  ru_isrss: number
  ru_minflt: number
  ru_majflt: number
  ru_nswap: number
  ru_inblock: number
  ru_oublock: number
  ru_msgsnd: number
  ru_msgrcv: number
  ru_nsignals: number
  ru_nvcsw: number
  ru_nivcsw: number
}

// ---------------------------------------------------------------- WebRtcServer

export type WebRtcServerListenInfo = TransportListenInfo

export type WebRtcServerOptions<WebRtcServerAppData extends AppData = AppData> = {
  /**
   * Where to listen. On the worker it is created on, exactly these; on
   * other real workers its transports are placed on, the same addresses
   * with a port picked from `portRange` or the worker's rtcMinPort-rtcMaxPort.
   */
  listenInfos: WebRtcServerListenInfo[]
  appData?: WebRtcServerAppData
}

export type IpPort = { ip: string; port: number }
export type IceUserNameFragment = { localIceUsernameFragment: string; webRtcTransportId: string }
export type TupleHash = { tupleHash: number; webRtcTransportId: string }

export type WebRtcServerDump = {
  id: string
  udpSockets: IpPort[]
  tcpServers: IpPort[]
  webRtcTransportIds: string[]
  localIceUsernameFragments: IceUserNameFragment[]
  tupleHashes: TupleHash[]
}

export type WebRtcServerEvents = {
  workerclose: []
  listenererror: [string, Error]
}

export type WebRtcServerObserverEvents = {
  close: []
  webrtctransporthandled: [WebRtcTransport]
  webrtctransportunhandled: [WebRtcTransport]
}

export declare class WebRtcServer<WebRtcServerAppData extends AppData = AppData> extends EnhancedEventEmitter<WebRtcServerEvents> {
  get id (): string
  get closed (): boolean
  get appData (): WebRtcServerAppData
  set appData (appData: WebRtcServerAppData)
  get observer (): EnhancedEventEmitter<WebRtcServerObserverEvents>
  close (): void
  dump (): Promise<WebRtcServerDump>
}

export declare class Worker<WorkerAppData extends AppData = AppData> extends EnhancedEventEmitter<{
  died: [Error]
  subprocessclose: []
  listenererror: [string, Error]
}> {
  /** Thread id of the real mediasoup worker this virtual worker is bound to. */
  get pid (): number
  get closed (): boolean
  get died (): boolean
  get subprocessClosed (): boolean
  get appData (): WorkerAppData
  set appData (appData: WorkerAppData)
  get observer (): EnhancedEventEmitter<{ close: []; newwebrtcserver: [WebRtcServer]; newrouter: [Router] }>
  close (): void
  dump (): Promise<any>
  getResourceUsage (): Promise<WorkerResourceUsage>
  updateSettings (settings?: WorkerUpdateableSettings): Promise<void>
  createWebRtcServer<WebRtcServerAppData extends AppData = AppData> (
    options: WebRtcServerOptions<WebRtcServerAppData>
  ): Promise<WebRtcServer<WebRtcServerAppData>>
  createRouter<RouterAppData extends AppData = AppData> (options?: RouterOptions<RouterAppData>): Promise<Router<RouterAppData>>
}

// ---------------------------------------------------------------- module

export declare const version: string

export declare const observer: EnhancedEventEmitter<{ newworker: [Worker] }>

/** mediasoup's createWorker(): a virtual worker over the shared pool. */
export declare function createWorker<WorkerAppData extends AppData = AppData> (
  settings?: WorkerSettings<WorkerAppData>
): Promise<Worker<WorkerAppData>>

/** The Mafalda way: a router (a room) with no worker to manage. */
export declare function createRouter<RouterAppData extends AppData = AppData> (
  options?: RouterOptions<RouterAppData>
): Promise<Router<RouterAppData>>

/** Tunables of the process-wide pool of real workers. */
export type MafaldaConfiguration = {
  /** Most real workers in the process. Default: the cores the process may use. */
  maxWorkers: number
  /** CPU of one worker, percent of one core, above which it takes no new work. Default 60. */
  cpuWatermark: number
  /** Consumers (pipe consumers included) a worker may carry before it counts as full. Default 500. */
  consumerBudget: number
  /** Milliseconds a real worker may carry nothing before it is closed. Default 30000. */
  idleWorkerTimeout: number
  /** `concentrate` (default): fill the busiest worker first; `spread`: rooms on different workers. */
  policy: 'concentrate' | 'spread'
  /** Milliseconds a pipe with no consumer left is kept before it closes. Default 2000. */
  pipeLinger: number
}

/**
 * Changes the given tunables (the others keep their values) and returns the
 * configuration in force. Never closes live work. Throws TypeError on bad values.
 */
export declare function configure (options: Partial<MafaldaConfiguration>): MafaldaConfiguration

/** The configuration in force. */
export declare function getConfiguration (): MafaldaConfiguration

/** One real mediasoup router, as its worker reports it. */
export type MafaldaRealRouterDump = {
  /** The real router's id. */
  id: string
  /**
   * The virtual routers (rooms) it serves, by the `id` the application sees:
   * on a real worker, rooms with the same media codecs share one real router.
   */
  routerIds: string[]
  /** Transports on it, pipe transports included. */
  transports: number
  transportIds: string[]
  /** Producers on it, pipe producers included. */
  producers: number
  /** Consumers on it, pipe consumers included. */
  consumers: number
  pipeProducers: number
  pipeConsumers: number
  /** Data producers on it, pipe data producers included. */
  dataProducers: number
  /** Data consumers on it, pipe data consumers included. */
  dataConsumers: number
  pipeDataProducers: number
  pipeDataConsumers: number
}

/** One real mediasoup worker (a thread of this process). */
export type MafaldaRealWorkerDump = {
  /** Its thread id (what `worker.pid` reports). */
  pid: number
  /** Smoothed CPU, percent of one core. */
  cpu: number
  /** Consumers mafalda placed on it, pipe consumers included. */
  consumers: number
  routers: MafaldaRealRouterDump[]
  /** Ids of every object the real worker still serves (for leak checks). */
  handlers: string[]
}

/** The pool as it is, counts read from the real routers. */
export declare function dump (): Promise<{ workers: MafaldaRealWorkerDump[] }>

export declare function getSupportedRtpCapabilities (): RouterRtpCapabilities

export declare function parseScalabilityMode (scalabilityMode?: string): ScalabilityMode

export declare const types: {
  InvalidStateError: typeof InvalidStateError
  UnsupportedError: typeof UnsupportedError
  Worker: typeof Worker
  WebRtcServer: typeof WebRtcServer
  Router: typeof Router
  Transport: typeof Transport
  WebRtcTransport: typeof WebRtcTransport
  PlainTransport: typeof PlainTransport
  PipeTransport: typeof PipeTransport
  DirectTransport: typeof DirectTransport
  Producer: typeof Producer
  Consumer: typeof Consumer
  DataProducer: typeof DataProducer
  DataConsumer: typeof DataConsumer
  RtpObserver: typeof RtpObserver
  AudioLevelObserver: typeof AudioLevelObserver
  ActiveSpeakerObserver: typeof ActiveSpeakerObserver
}
