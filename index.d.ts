// Public types of mafalda, named as mediasoup's (`mediasoup/types`), so
// that code written for mediasoup type-checks against mafalda. Every name
// mediasoup 3.19's `types` module exports is exported here
// (__test__/types/all-names.ts checks it); where mafalda returns something
// else than mediasoup, the declaration says what mafalda returns and a
// comment says how mediasoup differs.

import { EventEmitter } from 'node:events'

// Only what is marked `export` below is exported (the helpers are not).
export {}

export type AppData = { [key: string]: unknown }

/** `T` or `U`, never members of both (mediasoup's helper for exclusive options). */
export type Either<T, U> = Exclusive<T, U> | Exclusive<U, T>

type Exclusive<T, U> = { [P in keyof T]: T[P] } & { [P in Exclude<keyof U, keyof T>]?: never }

// ---------------------------------------------------------------- errors

/**
 * What went wrong, on every error mafalda raises (`error.code`). The code
 * decides the class, as mediasoup would raise it; messages may change
 * between releases, codes do not.
 *
 * - `ERR_INVALID_ARGUMENT` (`TypeError`): an argument is missing, of the
 *   wrong type or out of range, found by mafalda or by the worker.
 * - `ERR_INVALID_STATE` (`InvalidStateError`): the object, or one it
 *   depends on, is closed.
 * - `ERR_UNSUPPORTED` (`UnsupportedError`): a codec, option or combination
 *   that is not supported.
 * - `ERR_NOT_FOUND` (`Error`): a (data) producer named by id does not exist
 *   or is not visible from this router.
 * - `ERR_WORKER_FAILED` (`Error`): the worker refused a request for a
 *   reason of its own.
 * - `ERR_FAILED` (`Error`): any other failure.
 * - `ERR_INTERNAL` (`Error`): a fault inside mafalda, caught at its
 *   boundary (the process goes on); worth a bug report.
 * - `ERR_WORKER_DIED` (`Error`): the error a worker's `died` event carries.
 */
export type ErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_STATE'
  | 'ERR_UNSUPPORTED'
  | 'ERR_NOT_FOUND'
  | 'ERR_WORKER_FAILED'
  | 'ERR_FAILED'
  | 'ERR_INTERNAL'
  | 'ERR_WORKER_DIED'

export class InvalidStateError extends Error {
  constructor (message: string, code?: ErrorCode)
  code: ErrorCode
}

export class UnsupportedError extends Error {
  constructor (message: string, code?: ErrorCode)
  code: ErrorCode
}

// ---------------------------------------------------------------- events

/** Event name → the arguments its listeners get. */
type EventMap = { [eventName: string]: unknown[] }

/** What every EnhancedEventEmitter emits besides its own events: the name of the event whose listener threw, and the error. */
type ListenerErrorEvent = { listenererror: [string, Error] }

type WithListenerError<Events extends EventMap> = Events & ListenerErrorEvent

/**
 * mediasoup's EventEmitter: a listener that throws makes the emitter emit
 * `listenererror` instead of crashing.
 */
export class EnhancedEventEmitter<Events extends EventMap = EventMap> extends EventEmitter {
  on<K extends keyof WithListenerError<Events> & string> (eventName: K, listener: (...args: WithListenerError<Events>[K]) => void): this
  once<K extends keyof WithListenerError<Events> & string> (eventName: K, listener: (...args: WithListenerError<Events>[K]) => void): this
  off<K extends keyof WithListenerError<Events> & string> (eventName: K, listener: (...args: WithListenerError<Events>[K]) => void): this
  safeEmit<K extends keyof WithListenerError<Events> & string> (eventName: K, ...args: WithListenerError<Events>[K]): boolean
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

/**
 * The RTP header extensions the worker knows. mafalda's worker (mediasoup-rust)
 * also offers `urn:mediasoup:params:rtp-hdrext:packet-id` in
 * `getSupportedRtpCapabilities()`, which mediasoup 3.19's list lacks and
 * mediasoup-client's has.
 */
export type RtpHeaderExtensionUri =
  | 'urn:ietf:params:rtp-hdrext:sdes:mid'
  | 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id'
  | 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id'
  | 'urn:ietf:params:rtp-hdrext:ssrc-audio-level'
  | 'urn:3gpp:video-orientation'
  | 'urn:ietf:params:rtp-hdrext:toffset'
  | 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'
  | 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time'
  | 'http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time'
  | 'http://www.webrtc.org/experiments/rtp-hdrext/playout-delay'
  | 'https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension'
  | 'urn:mediasoup:params:rtp-hdrext:packet-id'

export type RtpHeaderExtensionDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'

export type RtpHeaderExtension = {
  kind: MediaKind
  uri: RtpHeaderExtensionUri
  preferredId: number
  preferredEncrypt?: boolean
  direction?: RtpHeaderExtensionDirection
}

export type RtpCapabilities = {
  codecs?: RtpCodecCapability[]
  headerExtensions?: RtpHeaderExtension[]
}

/** A codec as `createRouter()` takes it (mediasoup 3.19's meaning): the payload type is optional. */
export type RouterRtpCodecCapability = RtpCodecCapability

/** A router's (and `getSupportedRtpCapabilities()`'s) capabilities: every codec has its payload type. */
export type RouterRtpCapabilities = {
  codecs: (RtpCodecCapability & { preferredPayloadType: number })[]
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
  uri: RtpHeaderExtensionUri
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

// ---------------------------------------------------------------- RTP stream stats

/**
 * What the stats of every RTP stream have. mafalda's come from
 * mediasoup-rust: `jitter` on sent streams too, and members mediasoup leaves
 * out when unknown are `null` instead.
 */
export type BaseRtpStreamStats = {
  timestamp: number
  ssrc: number
  rtxSsrc?: number | null
  /** Received streams only. */
  rid?: string | null
  kind: MediaKind
  mimeType: string
  packetsLost: number
  fractionLost: number
  /** mediasoup reports it for received streams only. */
  jitter: number
  packetsDiscarded: number
  packetsRetransmitted: number
  packetsRepaired: number
  nackCount: number
  nackPacketCount: number
  pliCount: number
  firCount: number
  score: number
  roundTripTime?: number | null
  rtxPacketsDiscarded?: number | null
}

/** Bitrate of each layer of a received stream. mediasoup: an object, layer → bitrate. */
export type BitrateByLayer = { layer: string; bitrate: number }[]

/** Stats of a stream mafalda receives (`type` 'inbound-rtp'). */
export type RtpStreamRecvStats = BaseRtpStreamStats & {
  type: string
  packetCount: number
  byteCount: number
  bitrate: number
  bitrateByLayer: BitrateByLayer
}

/** Stats of a stream mafalda sends (`type` 'outbound-rtp'). */
export type RtpStreamSendStats = BaseRtpStreamStats & {
  type: string
  packetCount: number
  byteCount: number
  bitrate: number
}

// ---------------------------------------------------------------- transports

export type TransportType = 'webrtc' | 'plain' | 'pipe' | 'direct'

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

/** An endpoint's SCTP capabilities (mafalda takes none: it is what mediasoup-client's device reports). */
export type SctpCapabilities = { numStreams: NumSctpStreams }

export type SctpParameters = { port: number; OS: number; MIS: number; maxMessageSize: number }

/**
 * SCTP parameters as mediasoup's worker dumps them. mafalda returns none:
 * its transport dumps carry `SctpParameters`.
 */
export type SctpParametersDump = SctpParameters & {
  sendBufferSize: number
  sctpBufferedAmount: number
  isDataChannel: boolean
}

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

/**
 * A transport's RTP routing tables, each entry a `[key, producerId]` pair.
 * mediasoup: `{ key, value }` objects.
 */
export type RtpListenerDump = {
  ssrcTable: [number, string][]
  midTable: [string, string][]
  ridTable: [string, string][]
}

/** A transport's SCTP stream table, each entry a `[streamId, dataProducerId]` pair. mediasoup: `{ key, value }` objects. */
export type SctpListenerDump = {
  streamIdTable: [number, string][]
}

/** Ids the transport reads incoming header extensions with (absent: not negotiated). */
export type RecvRtpHeaderExtensions = {
  mid?: number
  rid?: number
  rrid?: number
  absSendTime?: number
  transportWideCc01?: number
}

/**
 * What every transport's `dump()` has. mafalda's worker (mediasoup-rust)
 * dumps some members in other shapes than mediasoup: see each.
 */
export type BaseTransportDump = {
  id: string
  /** Whether it is a DirectTransport (mediasoup has no such member). */
  direct: boolean
  producerIds: string[]
  consumerIds: string[]
  /**
   * SSRC → consumer id: an object keyed by SSRC, or `[ssrc, consumerId]`
   * pairs on a DirectTransport. mediasoup: `{ key, value }` objects.
   */
  mapSsrcConsumerId: { [ssrc: string]: string } | [number, string][]
  /** Same shape as `mapSsrcConsumerId`, for RTX SSRCs. */
  mapRtxSsrcConsumerId: { [ssrc: string]: string } | [number, string][]
  recvRtpHeaderExtensions: RecvRtpHeaderExtensions
  rtpListener: RtpListenerDump
  /** mediasoup has one `maxMessageSize` instead of these two. */
  maxSendMessageSize: number
  maxReceiveMessageSize: number
  dataProducerIds: string[]
  dataConsumerIds: string[]
  sctpParameters?: SctpParameters
  sctpState?: SctpState
  /** Streams the SCTP association negotiated (mediasoup has no such member; not on a DirectTransport). */
  sctpNegotiatedCapabilities?: { negotiatedMaxOutboundStreams: number; negotiatedMaxInboundStreams: number }
  sctpListener?: SctpListenerDump
  traceEventTypes?: string[]
}

/** What every transport's `getStats()` entries have. */
export type BaseTransportStats = {
  transportId: string
  timestamp: number
  sctpState?: SctpState
  bytesReceived: number
  recvBitrate: number
  bytesSent: number
  sendBitrate: number
  rtpBytesReceived: number
  rtpRecvBitrate: number
  rtpBytesSent: number
  rtpSendBitrate: number
  rtxBytesReceived: number
  rtxRecvBitrate: number
  rtxBytesSent: number
  rtxSendBitrate: number
  probationBytesSent: number
  probationSendBitrate: number
  availableOutgoingBitrate?: number
  availableIncomingBitrate?: number
  maxIncomingBitrate?: number
  maxOutgoingBitrate?: number
  minOutgoingBitrate?: number
  /** Never present in mafalda's stats (its worker does not report it). */
  rtpPacketLossReceived?: number
  /** Never present in mafalda's stats (its worker does not report it). */
  rtpPacketLossSent?: number
  /** mafalda's worker reports it; mediasoup's stats have no such member. */
  roundTripTime?: number
}

export type TransportTraceEventType = 'probation' | 'bwe'
export type ProducerTraceEventType = 'rtp' | 'keyframe' | 'nack' | 'pli' | 'fir' | 'sr'
export type ConsumerTraceEventType = 'rtp' | 'keyframe' | 'nack' | 'pli' | 'fir'

/** A transport's 'trace' event. */
export type TransportTraceEventData = {
  type: TransportTraceEventType
  timestamp: number
  direction: 'in' | 'out'
  info: unknown
}

/** A producer's 'trace' event. */
export type ProducerTraceEventData = {
  type: ProducerTraceEventType
  timestamp: number
  direction: 'in' | 'out'
  info: Record<string, unknown>
}

/** A consumer's 'trace' event. */
export type ConsumerTraceEventData = {
  type: ConsumerTraceEventType
  timestamp: number
  direction: 'in' | 'out'
  info: Record<string, unknown>
}

/**
 * Any 'trace' event.
 * @deprecated mafalda's former name; use TransportTraceEventData,
 * ProducerTraceEventData or ConsumerTraceEventData (mediasoup's names).
 */
export type TraceEventData = TransportTraceEventData | ProducerTraceEventData | ConsumerTraceEventData

export type TransportEvents = {
  trace: [TransportTraceEventData]
  routerclose: []
  listenserverclose: []
  listenererror: [string, Error]
  '@close': []
  '@newproducer': [Producer]
  '@producerclose': [Producer]
  '@newdataproducer': [DataProducer]
  '@dataproducerclose': [DataProducer]
  '@listenserverclose': []
}

export type TransportObserverEvents = {
  close: []
  newproducer: [Producer]
  newconsumer: [Consumer]
  newdataproducer: [DataProducer]
  newdataconsumer: [DataConsumer]
  trace: [TransportTraceEventData]
}

export type TransportObserver = EnhancedEventEmitter<TransportObserverEvents>

export declare class Transport<
  TransportAppData extends AppData = AppData,
  Events extends TransportEvents = TransportEvents,
  Observer extends TransportObserver = TransportObserver
> extends EnhancedEventEmitter<Events> {
  get id (): string
  get closed (): boolean
  get type (): TransportType
  get appData (): TransportAppData
  set appData (appData: TransportAppData)
  get observer (): Observer
  close (): void
  dump (): Promise<BaseTransportDump>
  getStats (): Promise<BaseTransportStats[]>
  /** Each kind of transport takes its own parameters (see the subclasses). */
  connect (params: unknown): Promise<void>
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

// ---------------------------------------------------------------- WebRtcTransport

export type IceRole = 'controlled' | 'controlling'
export type IceState = 'new' | 'connected' | 'completed' | 'disconnected' | 'closed'
export type IceCandidateType = 'host'
export type IceCandidateTcpType = 'passive'
export type DtlsRole = 'auto' | 'client' | 'server'
export type DtlsState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed'
export type FingerprintAlgorithm = 'sha-1' | 'sha-224' | 'sha-256' | 'sha-384' | 'sha-512'

export type IceParameters = { usernameFragment: string; password: string; iceLite?: boolean }

export type IceCandidate = {
  foundation: string
  priority: number
  address: string
  /** @deprecated Use address. */
  ip: string
  protocol: TransportProtocol
  port: number
  type: IceCandidateType
  tcpType?: IceCandidateTcpType
}

export type DtlsFingerprint = { algorithm: FingerprintAlgorithm; value: string }
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

export type WebRtcTransportDump = BaseTransportDump & {
  iceRole: 'controlled'
  iceParameters: IceParameters
  iceCandidates: IceCandidate[]
  iceState: IceState
  iceSelectedTuple?: TransportTuple
  dtlsParameters: DtlsParameters
  dtlsState: DtlsState
  /** Never present in mafalda's dumps (read `transport.dtlsRemoteCert`). */
  dtlsRemoteCert?: string
}

export type WebRtcTransportStat = BaseTransportStats & {
  type: string
  iceRole: string
  iceState: IceState
  iceSelectedTuple?: TransportTuple
  dtlsState: DtlsState
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

export type WebRtcTransportObserver = EnhancedEventEmitter<WebRtcTransportObserverEvents>

export declare class WebRtcTransport<WebRtcTransportAppData extends AppData = AppData>
  extends Transport<WebRtcTransportAppData, WebRtcTransportEvents, WebRtcTransportObserver> {
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
  dump (): Promise<WebRtcTransportDump>
  getStats (): Promise<WebRtcTransportStat[]>
  connect (params: { dtlsParameters: DtlsParameters }): Promise<void>
  restartIce (): Promise<IceParameters>
}

// ---------------------------------------------------------------- PlainTransport

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

export type PlainTransportDump = BaseTransportDump & {
  rtcpMux: boolean
  comedia: boolean
  tuple: TransportTuple
  rtcpTuple?: TransportTuple
  srtpParameters?: SrtpParameters
}

export type PlainTransportStat = BaseTransportStats & {
  type: string
  rtcpMux: boolean
  comedia: boolean
  tuple: TransportTuple
  rtcpTuple?: TransportTuple
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

export type PlainTransportObserver = EnhancedEventEmitter<PlainTransportObserverEvents>

export declare class PlainTransport<PlainTransportAppData extends AppData = AppData>
  extends Transport<PlainTransportAppData, PlainTransportEvents, PlainTransportObserver> {
  get type (): 'plain'
  get tuple (): TransportTuple
  get rtcpTuple (): TransportTuple | undefined
  get sctpParameters (): SctpParameters | undefined
  get sctpState (): SctpState | undefined
  get srtpParameters (): SrtpParameters | undefined
  dump (): Promise<PlainTransportDump>
  getStats (): Promise<PlainTransportStat[]>
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

export type PipeTransportDump = BaseTransportDump & {
  tuple: TransportTuple
  rtx: boolean
  srtpParameters?: SrtpParameters
}

export type PipeTransportStat = BaseTransportStats & {
  type: string
  tuple: TransportTuple
}

export type PipeTransportEvents = TransportEvents & {
  sctpstatechange: [SctpState]
}

export type PipeTransportObserverEvents = TransportObserverEvents & {
  sctpstatechange: [SctpState]
}

export type PipeTransportObserver = EnhancedEventEmitter<PipeTransportObserverEvents>

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
  extends Transport<PipeTransportAppData, PipeTransportEvents, PipeTransportObserver> {
  get type (): 'pipe'
  get tuple (): TransportTuple
  get sctpParameters (): SctpParameters | undefined
  get sctpState (): SctpState | undefined
  get srtpParameters (): SrtpParameters | undefined
  dump (): Promise<PipeTransportDump>
  getStats (): Promise<PipeTransportStat[]>
  connect (params: { ip: string; port: number; srtpParameters?: SrtpParameters }): Promise<void>
  consume<ConsumerAppData extends AppData = AppData> (options: PipeConsumerOptions<ConsumerAppData>): Promise<Consumer<ConsumerAppData>>
}

// ---------------------------------------------------------------- DirectTransport

export type DirectTransportOptions<DirectTransportAppData extends AppData = AppData> = {
  /** Largest message its data producers and consumers carry, in bytes. Default 262144. */
  maxMessageSize?: number
  appData?: DirectTransportAppData
}

export type DirectTransportDump = BaseTransportDump

export type DirectTransportStat = BaseTransportStats & { type: string }

export type DirectTransportEvents = TransportEvents & { rtcp: [Buffer] }

export type DirectTransportObserverEvents = TransportObserverEvents & {
  /** Declared as mediasoup declares it; neither mediasoup nor mafalda emits 'rtcp' on the observer (only on the transport). */
  rtcp: [Buffer]
}

export type DirectTransportObserver = EnhancedEventEmitter<DirectTransportObserverEvents>

/** A transport with no network endpoint: the application sends and receives RTP, RTCP and messages itself. */
export declare class DirectTransport<DirectTransportAppData extends AppData = AppData>
  extends Transport<DirectTransportAppData, DirectTransportEvents, DirectTransportObserver> {
  get type (): 'direct'
  dump (): Promise<DirectTransportDump>
  getStats (): Promise<DirectTransportStat[]>
  connect (): Promise<void>
  /** Feeds an RTCP packet into the room, as if this transport had received it. */
  sendRtcp (rtcpPacket: Buffer): void
}

// ---------------------------------------------------------------- producers

export type ProducerType = 'simple' | 'simulcast' | 'svc'

export type ProducerScore = { encodingIdx: number; ssrc: number; rid?: string; score: number }

export type ProducerVideoOrientation = { camera: boolean; flip: boolean; rotation: number }

export type ProducerOptions<ProducerAppData extends AppData = AppData> = {
  id?: string
  kind: MediaKind
  rtpParameters: RtpParameters
  paused?: boolean
  keyFrameRequestDelay?: number
  appData?: ProducerAppData
}

export type ProducerDump = {
  id: string
  kind: string
  type: ProducerType
  rtpParameters: RtpParameters
  rtpMapping: unknown
  rtpStreams: unknown
  traceEventTypes: string[]
  paused: boolean
}

export type ProducerStat = RtpStreamRecvStats

export type ProducerEvents = {
  transportclose: []
  score: [ProducerScore[]]
  videoorientationchange: [ProducerVideoOrientation]
  trace: [ProducerTraceEventData]
  listenererror: [string, Error]
  '@close': []
}

export type ProducerObserverEvents = {
  close: []
  pause: []
  resume: []
  score: [ProducerScore[]]
  videoorientationchange: [ProducerVideoOrientation]
  trace: [ProducerTraceEventData]
}

export type ProducerObserver = EnhancedEventEmitter<ProducerObserverEvents>

export declare class Producer<ProducerAppData extends AppData = AppData> extends EnhancedEventEmitter<ProducerEvents> {
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
  get observer (): ProducerObserver
  close (): void
  dump (): Promise<ProducerDump>
  getStats (): Promise<ProducerStat[]>
  pause (): Promise<void>
  resume (): Promise<void>
  enableTraceEvent (types?: ProducerTraceEventType[]): Promise<void>
  /** Sends an RTP packet into the room (producers of a DirectTransport). */
  send (rtpPacket: Buffer): void
}

// ---------------------------------------------------------------- consumers

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

/**
 * A sent stream's parameters, as the worker dumps them. mafalda's worker
 * (mediasoup-rust) has no `useFir`, and gives `null` for what mediasoup
 * leaves out.
 */
export type RtpStreamParametersDump = {
  encodingIdx: number
  ssrc: number
  payloadType: number
  mimeType: string
  clockRate: number
  rid?: string | null
  cname: string
  rtxSsrc?: number | null
  rtxPayloadType?: number | null
  useNack: boolean
  usePli: boolean
  useInBandFec: boolean
  useDtx: boolean
  spatialLayers: number
  temporalLayers: number
}

export type RtxStreamParameters = {
  ssrc: number
  payloadType: number
  mimeType: string
  clockRate: number
  rrid?: string
  cname: string
}

export type RtxStreamDump = { params: RtxStreamParameters }

/** A sent stream, as the worker dumps it. mediasoup's also has `rtxStream`; mafalda's worker leaves it out. */
export type RtpStreamDump = {
  params: RtpStreamParametersDump
  score: number
}

/** What every consumer's `dump()` has. */
export type BaseConsumerDump = {
  id: string
  producerId: string
  kind: MediaKind
  rtpParameters: RtpParameters
  consumableRtpEncodings?: RtpEncodingParameters[]
  supportedCodecPayloadTypes: number[]
  traceEventTypes: string[]
  paused: boolean
  producerPaused: boolean
  priority: number
}

/**
 * What mafalda's worker (mediasoup-rust) dumps for every type of consumer:
 * all its streams in `rtpStreams` and the layers (`null` when unknown).
 * mediasoup dumps one `rtpStream` for simple, simulcast and SVC consumers
 * and the layers for simulcast and SVC ones only.
 */
type ConsumerDumpStreams = {
  rtpStreams: RtpStreamDump[]
  preferredSpatialLayer: number | null
  targetSpatialLayer: number | null
  currentSpatialLayer: number | null
  preferredTemporalLayer: number | null
  targetTemporalLayer: number | null
  currentTemporalLayer: number | null
}

export type SimpleConsumerDump = BaseConsumerDump & ConsumerDumpStreams & { type: 'simple' }
export type SimulcastConsumerDump = BaseConsumerDump & ConsumerDumpStreams & { type: 'simulcast' }
export type SvcConsumerDump = BaseConsumerDump & ConsumerDumpStreams & { type: 'svc' }
export type PipeConsumerDump = BaseConsumerDump & ConsumerDumpStreams & { type: 'pipe' }
export type ConsumerDump = SimpleConsumerDump | SimulcastConsumerDump | SvcConsumerDump | PipeConsumerDump

export type ConsumerStat = RtpStreamSendStats

export type ConsumerEvents = {
  transportclose: []
  producerclose: []
  producerpause: []
  producerresume: []
  score: [ConsumerScore]
  layerschange: [ConsumerLayers | undefined]
  trace: [ConsumerTraceEventData]
  /** Consumers of a DirectTransport: each RTP packet they send. */
  rtp: [Buffer]
  listenererror: [string, Error]
  '@close': []
  '@producerclose': []
}

export type ConsumerObserverEvents = {
  close: []
  pause: []
  resume: []
  score: [ConsumerScore]
  layerschange: [ConsumerLayers | undefined]
  trace: [ConsumerTraceEventData]
}

export type ConsumerObserver = EnhancedEventEmitter<ConsumerObserverEvents>

export declare class Consumer<ConsumerAppData extends AppData = AppData> extends EnhancedEventEmitter<ConsumerEvents> {
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
  get observer (): ConsumerObserver
  close (): void
  dump (): Promise<ConsumerDump>
  /** The consumer's sent stream, and the producer's received one when it has it. */
  getStats (): Promise<(ConsumerStat | ProducerStat)[]>
  pause (): Promise<void>
  resume (): Promise<void>
  setPreferredLayers (layers: ConsumerLayers): Promise<void>
  setPriority (priority: number): Promise<void>
  unsetPriority (): Promise<void>
  requestKeyFrame (): Promise<void>
  enableTraceEvent (types?: ConsumerTraceEventType[]): Promise<void>
}

// ---------------------------------------------------------------- data producers

export type DataProducerType = 'sctp' | 'direct'

export type DataProducerOptions<DataProducerAppData extends AppData = AppData> = {
  id?: string
  /** Required except on a DirectTransport, where it is ignored. */
  sctpStreamParameters?: SctpStreamParameters
  label?: string
  protocol?: string
  paused?: boolean
  appData?: DataProducerAppData
}

export type DataProducerDump = {
  id: string
  paused: boolean
  type: DataProducerType
  sctpStreamParameters?: SctpStreamParameters
  label: string
  protocol: string
}

export type DataProducerStat = {
  type: string
  timestamp: number
  label: string
  protocol: string
  messagesReceived: number
  bytesReceived: number
}

export type DataProducerEvents = {
  transportclose: []
  listenererror: [string, Error]
  '@close': []
}

export type DataProducerObserverEvents = {
  close: []
  pause: []
  resume: []
}

export type DataProducerObserver = EnhancedEventEmitter<DataProducerObserverEvents>

export declare class DataProducer<DataProducerAppData extends AppData = AppData> extends EnhancedEventEmitter<DataProducerEvents> {
  get id (): string
  get closed (): boolean
  get type (): DataProducerType
  get sctpStreamParameters (): SctpStreamParameters | undefined
  get label (): string
  get protocol (): string
  get paused (): boolean
  get appData (): DataProducerAppData
  set appData (appData: DataProducerAppData)
  get observer (): DataProducerObserver
  close (): void
  dump (): Promise<DataProducerDump>
  getStats (): Promise<DataProducerStat[]>
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

// ---------------------------------------------------------------- data consumers

export type DataConsumerType = 'sctp' | 'direct'

export type DataConsumerOptions<DataConsumerAppData extends AppData = AppData> = {
  dataProducerId: string
  ordered?: boolean
  maxPacketLifeTime?: number
  maxRetransmits?: number
  paused?: boolean
  subchannels?: number[]
  appData?: DataConsumerAppData
}

export type DataConsumerDump = {
  id: string
  paused: boolean
  dataProducerPaused: boolean
  subchannels: number[]
  dataProducerId: string
  type: DataConsumerType
  sctpStreamParameters?: SctpStreamParameters
  label: string
  protocol: string
  bufferedAmountLowThreshold: number
  /** mafalda's worker reports it; mediasoup's dump has no such member. */
  bufferedAmount: number
}

export type DataConsumerStat = {
  type: string
  timestamp: number
  label: string
  protocol: string
  messagesSent: number
  bytesSent: number
  bufferedAmount: number
}

export type DataConsumerEvents = {
  transportclose: []
  dataproducerclose: []
  dataproducerpause: []
  dataproducerresume: []
  /** DataConsumers of a DirectTransport: each message, with its PPID. */
  message: [Buffer, number]
  sctpsendbufferfull: []
  bufferedamountlow: [number]
  listenererror: [string, Error]
  '@close': []
  '@dataproducerclose': []
}

export type DataConsumerObserverEvents = {
  close: []
  pause: []
  resume: []
}

export type DataConsumerObserver = EnhancedEventEmitter<DataConsumerObserverEvents>

export declare class DataConsumer<DataConsumerAppData extends AppData = AppData> extends EnhancedEventEmitter<DataConsumerEvents> {
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
  get observer (): DataConsumerObserver
  close (): void
  dump (): Promise<DataConsumerDump>
  getStats (): Promise<DataConsumerStat[]>
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

export type RtpObserverType = 'audiolevel' | 'activespeaker'

export type RtpObserverEvents = {
  routerclose: []
  listenererror: [string, Error]
  '@close': []
}

export type RtpObserverObserverEvents = {
  close: []
  pause: []
  resume: []
  addproducer: [Producer]
  removeproducer: [Producer]
}

export type RtpObserverObserver = EnhancedEventEmitter<RtpObserverObserverEvents>

export declare class RtpObserver<
  RtpObserverAppData extends AppData = AppData,
  Events extends RtpObserverEvents = RtpObserverEvents,
  Observer extends RtpObserverObserver = RtpObserverObserver
> extends EnhancedEventEmitter<Events> {
  get id (): string
  get closed (): boolean
  get type (): RtpObserverType
  get paused (): boolean
  get appData (): RtpObserverAppData
  set appData (appData: RtpObserverAppData)
  get observer (): Observer
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

export type AudioLevelObserverEvents = RtpObserverEvents & {
  volumes: [AudioLevelObserverVolume[]]
  silence: []
}

export type AudioLevelObserverObserverEvents = RtpObserverObserverEvents & {
  volumes: [AudioLevelObserverVolume[]]
  silence: []
}

export type AudioLevelObserverObserver = EnhancedEventEmitter<AudioLevelObserverObserverEvents>

export declare class AudioLevelObserver<AudioLevelObserverAppData extends AppData = AppData>
  extends RtpObserver<AudioLevelObserverAppData, AudioLevelObserverEvents, AudioLevelObserverObserver> {
  get type (): 'audiolevel'
}

export type ActiveSpeakerObserverOptions<ActiveSpeakerObserverAppData extends AppData = AppData> = {
  interval?: number
  appData?: ActiveSpeakerObserverAppData
}

export type ActiveSpeakerObserverDominantSpeaker = { producer: Producer }

export type ActiveSpeakerObserverEvents = RtpObserverEvents & {
  dominantspeaker: [ActiveSpeakerObserverDominantSpeaker]
}

export type ActiveSpeakerObserverObserverEvents = RtpObserverObserverEvents & {
  dominantspeaker: [ActiveSpeakerObserverDominantSpeaker]
}

export type ActiveSpeakerObserverObserver = EnhancedEventEmitter<ActiveSpeakerObserverObserverEvents>

export declare class ActiveSpeakerObserver<ActiveSpeakerObserverAppData extends AppData = AppData>
  extends RtpObserver<ActiveSpeakerObserverAppData, ActiveSpeakerObserverEvents, ActiveSpeakerObserverObserver> {
  get type (): 'activespeaker'
}

// ---------------------------------------------------------------- router

export type RouterOptions<RouterAppData extends AppData = AppData> = {
  mediaCodecs?: RouterRtpCodecCapability[]
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

/**
 * The two ends of a pipe, by router id: mediasoup's bookkeeping for
 * `pipeToRouter()`. Nothing in mafalda's API takes or returns one (its
 * `pipeToRouter()` creates no PipeTransport).
 */
export type PipeTransportPair = { [routerId: string]: PipeTransport }

/** A room's `dump()`: what its real routers dump, merged, ids as the application knows them. */
export type RouterDump = {
  id: string
  transportIds: string[]
  rtpObserverIds: string[]
  mapProducerIdConsumerIds: { key: string; values: string[] }[]
  mapConsumerIdProducerId: { key: string; value: string }[]
  mapProducerIdObserverIds: { key: string; values: string[] }[]
  mapDataProducerIdDataConsumerIds: { key: string; values: string[] }[]
  mapDataConsumerIdDataProducerId: { key: string; value: string }[]
}

export type RouterEvents = {
  workerclose: []
  listenererror: [string, Error]
  '@close': []
}

export type RouterObserverEvents = {
  close: []
  newtransport: [Transport]
  newrtpobserver: [RtpObserver]
}

export type RouterObserver = EnhancedEventEmitter<RouterObserverEvents>

export declare class Router<RouterAppData extends AppData = AppData> extends EnhancedEventEmitter<RouterEvents> {
  get id (): string
  get closed (): boolean
  get rtpCapabilities (): RouterRtpCapabilities
  get appData (): RouterAppData
  set appData (appData: RouterAppData)
  get observer (): RouterObserver
  close (): void
  dump (): Promise<RouterDump>
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
  /**
   * New codecs for producers and consumers made from now on. Throws
   * `UnsupportedError` while the room shares its real router with other
   * routers (same worker, same codecs).
   */
  updateMediaCodecs (mediaCodecs: RouterRtpCodecCapability[]): void
}

// ---------------------------------------------------------------- worker

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

export type WorkerUpdateableSettings<WorkerAppData extends AppData = AppData> = Pick<WorkerSettings<WorkerAppData>, 'logLevel' | 'logTags'>

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

/** A virtual worker's `dump()`: what was created through it. */
export type WorkerDump = {
  /** Thread id of the real worker it is bound to (as `worker.pid`). */
  pid: number
  webRtcServerIds: string[]
  routerIds: string[]
  channelMessageHandlers: {
    channelRequestHandlers: string[]
    channelNotificationHandlers: string[]
  }
  /** Never present in mafalda's dumps. */
  liburing?: {
    sqeProcessCount: number
    sqeMissCount: number
    userDataMissCount: number
  }
}

/** mediasoup's private '@success' / '@failure' are not emitted: a virtual worker is ready once `createWorker()` resolves. */
export type WorkerEvents = {
  died: [Error]
  subprocessclose: []
  listenererror: [string, Error]
}

export type WorkerObserverEvents = {
  close: []
  newwebrtcserver: [WebRtcServer]
  newrouter: [Router]
}

export type WorkerObserver = EnhancedEventEmitter<WorkerObserverEvents>

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
  /** Always empty in mafalda's dumps. */
  tupleHashes: TupleHash[]
}

export type WebRtcServerEvents = {
  workerclose: []
  listenererror: [string, Error]
  '@close': []
}

export type WebRtcServerObserverEvents = {
  close: []
  webrtctransporthandled: [WebRtcTransport]
  webrtctransportunhandled: [WebRtcTransport]
}

export type WebRtcServerObserver = EnhancedEventEmitter<WebRtcServerObserverEvents>

export declare class WebRtcServer<WebRtcServerAppData extends AppData = AppData> extends EnhancedEventEmitter<WebRtcServerEvents> {
  get id (): string
  get closed (): boolean
  get appData (): WebRtcServerAppData
  set appData (appData: WebRtcServerAppData)
  get observer (): WebRtcServerObserver
  close (): void
  dump (): Promise<WebRtcServerDump>
}

export declare class Worker<WorkerAppData extends AppData = AppData> extends EnhancedEventEmitter<WorkerEvents> {
  /**
   * Thread id of the real mediasoup worker this virtual worker is bound to:
   * unique per real worker, and a valid pid for `process.kill(pid, 0)`,
   * `pidusage` and `/proc/<pid>`. But Linux answers `/proc/<tid>/stat`
   * (what `pidusage(worker.pid)` reads) with the CPU of the whole
   * application process, not of the worker's thread: for the worker's own
   * CPU use `getResourceUsage()` (read from `/proc/self/task/<tid>/stat`).
   */
  get pid (): number
  get closed (): boolean
  get died (): boolean
  get subprocessClosed (): boolean
  get appData (): WorkerAppData
  set appData (appData: WorkerAppData)
  get observer (): WorkerObserver
  close (): void
  dump (): Promise<WorkerDump>
  /**
   * The real worker's thread CPU time (`ru_utime`, `ru_stime`, ms; other
   * fields 0): the per-worker figure, unlike `pidusage(worker.pid)`.
   */
  getResourceUsage (): Promise<WorkerResourceUsage>
  updateSettings (settings?: WorkerUpdateableSettings<WorkerAppData>): Promise<void>
  createWebRtcServer<WebRtcServerAppData extends AppData = AppData> (
    options: WebRtcServerOptions<WebRtcServerAppData>
  ): Promise<WebRtcServer<WebRtcServerAppData>>
  createRouter<RouterAppData extends AppData = AppData> (options?: RouterOptions<RouterAppData>): Promise<Router<RouterAppData>>
}

// ---------------------------------------------------------------- module

/**
 * Events of the module's `observer`: `newworker` as in mediasoup, and
 * `newrouter` for a room made with `mafalda.createRouter()` (no worker, so
 * no worker observer announces it).
 */
export type ObserverEvents = { newworker: [Worker]; newrouter: [Router] }

export type Observer = EnhancedEventEmitter<ObserverEvents>

/**
 * mediasoup's listeners for the worker's logs. mafalda has no
 * `setLogEventListeners()` yet: nothing takes this type.
 */
export type LogEventListeners = {
  ondebug?: (namespace: string, log: string) => void
  onwarn?: (namespace: string, log: string) => void
  onerror?: (namespace: string, log: string, error?: Error) => void
}

export declare const version: string

export declare const observer: Observer

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
  /**
   * Most real workers in the process. Default: the cores the process may
   * use. 0: this instance only manages; joined to a cluster, its rooms and
   * transports live on other instances (see `cluster`).
   */
  maxWorkers: number
  /** CPU of one worker, percent of one core, above which it takes no new work. Default 60. */
  cpuWatermark: number
  /** Consumers (pipe consumers included) a worker may carry before it counts as full. Default 500. */
  consumerBudget: number
  /** Milliseconds a real worker may carry nothing before it is closed. Default 30000. */
  idleWorkerTimeout: number
  /**
   * `concentrate` (default): fill the busiest worker first; in a cluster, a
   * room's next transport goes to an instance the room is on while one has
   * room. `spread`: rooms on different workers; in a cluster, every
   * transport to the instance with the most spare capacity.
   */
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
export declare function dump (): Promise<{
  workers: MafaldaRealWorkerDump[]
  /** mediasoup worker threads running (more than `workers.length` only while some end, or if one leaked). */
  threads: number
  /**
   * Packet-rate events (DirectTransport `rtp` / `rtcp`, data `message`,
   * `trace`) dropped since the process started because the JS thread fell
   * more than 50,000 of them behind the workers.
   */
  droppedEvents: number
  /** Once joined to a cluster: this instance's messages with the others. */
  cluster?: MafaldaClusterCounters
}>

/** Messages between instances since joining, and those refused, by reason. */
export type MafaldaClusterCounters = {
  /** This instance's id. */
  id: string
  sent: number
  /** Messages not sent: Redis away longer than a request waits, or nobody listening. */
  dropped: number
  received: number
  refused: {
    /** Wrong HMAC: another secret, or altered on the way. */
    badMac: number
    /** Older than 30 s, or from the future. */
    stale: number
    /** A nonce seen before. */
    replayed: number
    /** From no live instance of the cluster. */
    unknownSender: number
    /** Not a message at all, or addressed to another instance. */
    malformed: number
  }
}

/** Options of `cluster.join()`. */
export type MafaldaClusterJoinOptions = {
  /** `redis://` or `rediss://` URL; a password (or ACL user and password) in it is used. */
  redis: string
  /**
   * The IP the other instances, and the clients of the transports delegated
   * to this instance, reach it at: its pipe transports listen on it, and a
   * delegated transport's listen infos get it in place of `ip` and
   * `announcedAddress`.
   */
  address: string
  /** Shared by the cluster: names its keys in Redis and signs every message (HMAC-SHA-256). */
  secret: string
  /** Default: a new UUID. */
  instanceId?: string
  /**
   * For `rediss://`, PEM texts: `ca`, the authority that signed Redis's
   * certificate (default: the system's roots); `cert` and `key`, a client
   * certificate for a Redis with `tls-auth-clients`.
   */
  tls?: { ca?: string; cert?: string; key?: string }
  /** Worker settings for the rooms served for other instances (`mafalda-node --rtc-min-port …`). */
  workerSettings?: { logLevel?: WorkerLogLevel; rtcMinPort?: number; rtcMaxPort?: number }
  /**
   * How the producers made through this instance reach other instances.
   * `per-instance` (default): one pipe per (producer, instance), fanned out
   * there over that instance's local pipes (least bandwidth and CPU at the
   * producer's end, one more local hop). `per-router`: one per real router
   * there with a consumer of it, from the producer's own real router
   * (equal latency for all consumers, more bandwidth; for instances on one
   * network). Data producers always travel per instance.
   */
  interInstancePipes?: 'per-instance' | 'per-router'
}

/** A live instance, as it announced itself (every 500 ms, with a 2.5 s time to live). */
export type MafaldaClusterInstance = {
  id: string
  address: string
  /** Sum of its workers' CPU, percent of one core. */
  cpu: number
  /** Sum of its workers' consumers. */
  consumers: number
  workers: { id: string; cpu: number; routers: number; consumers: number }[]
  /** 0: it only manages. */
  maxWorkers: number
  /** It takes no new work. */
  draining: boolean
  pid: number
  /** It is this instance. */
  self: boolean
}

/** One instance in `cluster.dump()`. */
export type MafaldaClusterInstanceDump = {
  id: string
  address: string
  /** As in `mafalda.dump()`. */
  workers: MafaldaRealWorkerDump[]
  /** Producers of other instances piped here, one per (producer, this instance). */
  pipesIn: { producerId: string; from: string }[]
  /** Producers of this instance piped to others. */
  pipesOut: { producerId: string; to: string }[]
}

/**
 * Several machines, one router: instances sharing a Redis. A room's next
 * transport goes to another instance when this one's workers are full (or
 * it has `maxWorkers: 0`); the application keeps ordinary mediasoup objects,
 * and a consumer of a producer on another instance gets it through a pipe
 * between the two made on demand. See README.md, "Several machines".
 */
export interface MafaldaCluster {
  /** Joins; rejects with a clear error when Redis cannot be reached. */
  join (options: MafaldaClusterJoinOptions): Promise<{ id: string; address: string }>
  /** Closes what it served for others and leaves (a no-op when not joined). */
  leave (): Promise<void>
  /**
   * Takes no new work (`draining: true` in `instances()`, so placement skips
   * it), lets the rooms it serves for others run until they end or
   * `timeout` ms (default 60000) pass, then leaves.
   */
  drain (options?: { timeout?: number }): Promise<void>
  /**
   * 'instancegone' `{ id }`: an instance stopped announcing itself (killed,
   * crashed, cut off), noticed at most 3 s after its last beat; its
   * transports and RTP observers have emitted `routerclose`, consumers
   * elsewhere of its producers `producerclose`, pipes from and to it are
   * gone. 'instancecame' `{ id }`. 'redisdown' / 'redisup'.
   */
  readonly observer: EnhancedEventEmitter<{
    instancegone: [{ id: string }]
    instancecame: [{ id: string }]
    redisdown: []
    redisup: []
  }>
  /** This instance once joined, else null. */
  readonly self: { id: string; address: string } | null
  /** The live instances, read now. */
  instances (): Promise<MafaldaClusterInstance[]>
  /** Every live instance's workers and pipes. */
  dump (): Promise<{ instances: MafaldaClusterInstanceDump[] }>
  /** Where each producer of a room lives, as Redis holds it: producer id → instance id. */
  directory (routerId: string): Promise<Record<string, string>>
  /**
   * The router (room) another application instance of the cluster created,
   * opened here: same id and RTP capabilities; the producers the other
   * instances make in it can be consumed here by id (and `canConsume()`
   * knows them). The same Router while it is open here; its `close()` closes
   * what this instance made in the room, not the room. Rejects with
   * InvalidStateError when no instance uses a room of that id.
   */
  router (routerId: string): Promise<Router>
}

export declare const cluster: MafaldaCluster

/**
 * The pool's metrics in Prometheus' text exposition format (0.0.4), as a
 * Promise like prom-client's `register.metrics()`: per real worker
 * (`worker="<pid>"`) CPU as a fraction of one core, real routers,
 * transports, producers, consumers, pipe producers and pipe consumers;
 * rooms; pipes open, opened and closed; placements by outcome; real
 * workers started and closed by reason; errors the native side returned
 * by class. Served from the engine's own counts and the last CPU sample:
 * a scrape asks no worker anything, however often it comes.
 */
export declare function metrics (): Promise<string>

/** The Content-Type of a `metrics()` scrape answer. */
export declare const metricsContentType: string

export declare function getSupportedRtpCapabilities (): RouterRtpCapabilities

export declare function parseScalabilityMode (scalabilityMode?: string): ScalabilityMode

// The classes (values) and every type name, as mediasoup's own `types`
// export: `mediasoup.types.WorkerResourceUsage` works in a type position.
export * as types from './types'

/**
 * The module (mediasoup's `Index`). mafalda has no `workerBin` (its workers
 * are threads of this process, not a binary) and no `setLogEventListeners()`
 * yet (its log lines go through the `debug` package, see README); it adds
 * createRouter, configure, getConfiguration, dump, cluster, metrics and types.
 */
export interface Index {
  version: string
  observer: Observer
  createWorker: typeof createWorker
  getSupportedRtpCapabilities: typeof getSupportedRtpCapabilities
  parseScalabilityMode: typeof parseScalabilityMode
  createRouter: typeof createRouter
  configure: typeof configure
  getConfiguration: typeof getConfiguration
  dump: typeof dump
  cluster: MafaldaCluster
  metrics: typeof metrics
  metricsContentType: typeof metricsContentType
  types: typeof import('./types')
}
