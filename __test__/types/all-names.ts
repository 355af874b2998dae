// Compiled (not run) by types.spec.js: every type name mediasoup 3.19's
// `mediasoup/types` exports must be exported by mafalda's index.d.ts too,
// so that code written against mediasoup's types compiles against mafalda.
// types.spec.js also checks that this file names each of them (the list
// is read from the installed mediasoup package), so it cannot fall behind.

import type {
  // indexTypes
  ObserverEvents, Observer, LogEventListeners, Index,
  // WorkerTypes
  WorkerLogLevel, WorkerLogTag, WorkerSettings, WorkerUpdateableSettings, WorkerResourceUsage, WorkerDump,
  WorkerEvents, WorkerObserver, WorkerObserverEvents, Worker,
  // WebRtcServerTypes
  WebRtcServerOptions, WebRtcServerListenInfo, IpPort, IceUserNameFragment, TupleHash, WebRtcServerDump,
  WebRtcServerEvents, WebRtcServerObserver, WebRtcServerObserverEvents, WebRtcServer,
  // RouterTypes
  RouterOptions, PipeToRouterOptions, PipeToRouterResult, PipeTransportPair, RouterDump, RouterEvents,
  RouterObserver, RouterObserverEvents, Router,
  // TransportTypes
  TransportType, TransportListenInfo, TransportListenIp, TransportProtocol, TransportPortRange,
  TransportSocketFlags, TransportTuple, SctpState, RtpListenerDump, SctpListenerDump,
  RecvRtpHeaderExtensions, BaseTransportDump, BaseTransportStats, TransportTraceEventType,
  TransportTraceEventData, TransportEvents, TransportObserver, TransportObserverEvents, Transport,
  // WebRtcTransportTypes
  WebRtcTransportOptions, IceParameters, IceCandidate, DtlsParameters, FingerprintAlgorithm, DtlsFingerprint,
  IceRole, IceState, IceCandidateType, IceCandidateTcpType, DtlsRole, DtlsState, WebRtcTransportDump,
  WebRtcTransportStat, WebRtcTransportEvents, WebRtcTransportObserver, WebRtcTransportObserverEvents,
  WebRtcTransport,
  // PlainTransportTypes
  PlainTransportOptions, PlainTransportDump, PlainTransportStat, PlainTransportEvents,
  PlainTransportObserver, PlainTransportObserverEvents, PlainTransport,
  // PipeTransportTypes
  PipeTransportOptions, PipeConsumerOptions, PipeTransportDump, PipeTransportStat, PipeTransportEvents,
  PipeTransportObserver, PipeTransportObserverEvents, PipeTransport,
  // DirectTransportTypes
  DirectTransportOptions, DirectTransportDump, DirectTransportStat, DirectTransportEvents,
  DirectTransportObserver, DirectTransportObserverEvents, DirectTransport,
  // ProducerTypes
  ProducerOptions, ProducerType, ProducerScore, ProducerVideoOrientation, ProducerDump, ProducerStat,
  ProducerTraceEventType, ProducerTraceEventData, ProducerEvents, ProducerObserver, ProducerObserverEvents,
  Producer,
  // ConsumerTypes
  ConsumerOptions, ConsumerType, ConsumerScore, ConsumerLayers, ConsumerDump, SimpleConsumerDump,
  SimulcastConsumerDump, SvcConsumerDump, PipeConsumerDump, BaseConsumerDump, RtpStreamDump,
  RtpStreamParametersDump, RtxStreamDump, RtxStreamParameters, ConsumerStat, ConsumerTraceEventType,
  ConsumerTraceEventData, ConsumerEvents, ConsumerObserver, ConsumerObserverEvents, Consumer,
  // DataProducerTypes
  DataProducerOptions, DataProducerType, DataProducerDump, DataProducerStat, DataProducerEvents,
  DataProducerObserver, DataProducerObserverEvents, DataProducer,
  // DataConsumerTypes
  DataConsumerOptions, DataConsumerType, DataConsumerDump, DataConsumerStat, DataConsumerEvents,
  DataConsumerObserver, DataConsumerObserverEvents, DataConsumer,
  // RtpObserverTypes
  RtpObserverType, RtpObserverEvents, RtpObserverObserver, RtpObserverObserverEvents, RtpObserver,
  // ActiveSpeakerObserverTypes
  ActiveSpeakerObserverOptions, ActiveSpeakerObserverDominantSpeaker, ActiveSpeakerObserverEvents,
  ActiveSpeakerObserverObserver, ActiveSpeakerObserverObserverEvents, ActiveSpeakerObserver,
  // AudioLevelObserverTypes
  AudioLevelObserverOptions, AudioLevelObserverVolume, AudioLevelObserverEvents, AudioLevelObserverObserver,
  AudioLevelObserverObserverEvents, AudioLevelObserver,
  // rtpParametersTypes
  MediaKind, RtpCapabilities, RouterRtpCapabilities, RtpCodecCapability, RouterRtpCodecCapability,
  RtpHeaderExtensionDirection, RtpHeaderExtension, RtpParameters, RtpCodecParameters, RtcpFeedback,
  RtpEncodingParameters, RtpHeaderExtensionUri, RtpHeaderExtensionParameters, RtcpParameters,
  // rtpStreamStatsTypes
  RtpStreamRecvStats, RtpStreamSendStats, BaseRtpStreamStats, BitrateByLayer,
  // sctpParametersTypes
  SctpCapabilities, NumSctpStreams, SctpParameters, SctpStreamParameters, SctpParametersDump,
  // srtpParametersTypes
  SrtpParameters, SrtpCryptoSuite,
  // scalabilityModesTypes
  ScalabilityMode,
  // errors
  UnsupportedError, InvalidStateError,
  // types
  Either, AppData
} from '../..'

// Each name used once; generic ones with their defaults (Either has none).
export type _All = [
  // indexTypes
  ObserverEvents, Observer, LogEventListeners, Index,
  // WorkerTypes
  WorkerLogLevel, WorkerLogTag, WorkerSettings, WorkerUpdateableSettings, WorkerResourceUsage, WorkerDump,
  WorkerEvents, WorkerObserver, WorkerObserverEvents, Worker,
  // WebRtcServerTypes
  WebRtcServerOptions, WebRtcServerListenInfo, IpPort, IceUserNameFragment, TupleHash, WebRtcServerDump,
  WebRtcServerEvents, WebRtcServerObserver, WebRtcServerObserverEvents, WebRtcServer,
  // RouterTypes
  RouterOptions, PipeToRouterOptions, PipeToRouterResult, PipeTransportPair, RouterDump, RouterEvents,
  RouterObserver, RouterObserverEvents, Router,
  // TransportTypes
  TransportType, TransportListenInfo, TransportListenIp, TransportProtocol, TransportPortRange,
  TransportSocketFlags, TransportTuple, SctpState, RtpListenerDump, SctpListenerDump,
  RecvRtpHeaderExtensions, BaseTransportDump, BaseTransportStats, TransportTraceEventType,
  TransportTraceEventData, TransportEvents, TransportObserver, TransportObserverEvents, Transport,
  // WebRtcTransportTypes
  WebRtcTransportOptions, IceParameters, IceCandidate, DtlsParameters, FingerprintAlgorithm, DtlsFingerprint,
  IceRole, IceState, IceCandidateType, IceCandidateTcpType, DtlsRole, DtlsState, WebRtcTransportDump,
  WebRtcTransportStat, WebRtcTransportEvents, WebRtcTransportObserver, WebRtcTransportObserverEvents,
  WebRtcTransport,
  // PlainTransportTypes
  PlainTransportOptions, PlainTransportDump, PlainTransportStat, PlainTransportEvents,
  PlainTransportObserver, PlainTransportObserverEvents, PlainTransport,
  // PipeTransportTypes
  PipeTransportOptions, PipeConsumerOptions, PipeTransportDump, PipeTransportStat, PipeTransportEvents,
  PipeTransportObserver, PipeTransportObserverEvents, PipeTransport,
  // DirectTransportTypes
  DirectTransportOptions, DirectTransportDump, DirectTransportStat, DirectTransportEvents,
  DirectTransportObserver, DirectTransportObserverEvents, DirectTransport,
  // ProducerTypes
  ProducerOptions, ProducerType, ProducerScore, ProducerVideoOrientation, ProducerDump, ProducerStat,
  ProducerTraceEventType, ProducerTraceEventData, ProducerEvents, ProducerObserver, ProducerObserverEvents,
  Producer,
  // ConsumerTypes
  ConsumerOptions, ConsumerType, ConsumerScore, ConsumerLayers, ConsumerDump, SimpleConsumerDump,
  SimulcastConsumerDump, SvcConsumerDump, PipeConsumerDump, BaseConsumerDump, RtpStreamDump,
  RtpStreamParametersDump, RtxStreamDump, RtxStreamParameters, ConsumerStat, ConsumerTraceEventType,
  ConsumerTraceEventData, ConsumerEvents, ConsumerObserver, ConsumerObserverEvents, Consumer,
  // DataProducerTypes
  DataProducerOptions, DataProducerType, DataProducerDump, DataProducerStat, DataProducerEvents,
  DataProducerObserver, DataProducerObserverEvents, DataProducer,
  // DataConsumerTypes
  DataConsumerOptions, DataConsumerType, DataConsumerDump, DataConsumerStat, DataConsumerEvents,
  DataConsumerObserver, DataConsumerObserverEvents, DataConsumer,
  // RtpObserverTypes
  RtpObserverType, RtpObserverEvents, RtpObserverObserver, RtpObserverObserverEvents, RtpObserver,
  // ActiveSpeakerObserverTypes
  ActiveSpeakerObserverOptions, ActiveSpeakerObserverDominantSpeaker, ActiveSpeakerObserverEvents,
  ActiveSpeakerObserverObserver, ActiveSpeakerObserverObserverEvents, ActiveSpeakerObserver,
  // AudioLevelObserverTypes
  AudioLevelObserverOptions, AudioLevelObserverVolume, AudioLevelObserverEvents, AudioLevelObserverObserver,
  AudioLevelObserverObserverEvents, AudioLevelObserver,
  // rtpParametersTypes
  MediaKind, RtpCapabilities, RouterRtpCapabilities, RtpCodecCapability, RouterRtpCodecCapability,
  RtpHeaderExtensionDirection, RtpHeaderExtension, RtpParameters, RtpCodecParameters, RtcpFeedback,
  RtpEncodingParameters, RtpHeaderExtensionUri, RtpHeaderExtensionParameters, RtcpParameters,
  // rtpStreamStatsTypes
  RtpStreamRecvStats, RtpStreamSendStats, BaseRtpStreamStats, BitrateByLayer,
  // sctpParametersTypes
  SctpCapabilities, NumSctpStreams, SctpParameters, SctpStreamParameters, SctpParametersDump,
  // srtpParametersTypes
  SrtpParameters, SrtpCryptoSuite,
  // scalabilityModesTypes
  ScalabilityMode,
  // errors
  UnsupportedError, InvalidStateError,
  // types
  Either<{ a: 1 }, { b: 2 }>, AppData
]
