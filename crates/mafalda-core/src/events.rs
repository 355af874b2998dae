//! Events raised by mediasoup (or by the pool) that the application must see,
//! forwarded to the [`EventSink`] an [`EventRoute`] names for the object.
//!
//! Handlers registered on mediasoup objects capture only ids and the sink, so
//! they never keep the object they observe alive.

use crate::ids::VirtualRouterId;
use crate::ids::VirtualWorkerId;
use crate::logs::LogRecord;
use mediasoup::consumer::{ConsumerId, ConsumerLayers, ConsumerScore};
use mediasoup::data_consumer::DataConsumerId;
use mediasoup::producer::{ProducerId, ProducerScore, ProducerVideoOrientation};
use mediasoup::rtp_observer::RtpObserverId;
use mediasoup::transport::TransportId;
use mediasoup::types::data_structures::{DtlsState, IceState, SctpState, TransportTuple};
use std::sync::Arc;

/// One event, addressed to an object by the id the application knows it by.
#[derive(Debug, Clone)]
pub enum Event {
    /// The real worker behind a virtual worker died.
    WorkerDied {
        /// The virtual worker that dies with it.
        worker: VirtualWorkerId,
        /// Why, as mediasoup-rust reports it.
        message: String,
    },
    /// A room was closed because the real worker under it died.
    RouterWorkerClose {
        /// The room.
        router: VirtualRouterId,
    },
    /// A transport closed because the real worker it lived on died while
    /// its room goes on elsewhere (`routerclose`).
    TransportRouterClose {
        /// The transport.
        transport: TransportId,
    },
    /// An RTP observer closed because the real worker it lived on died
    /// while its room goes on elsewhere (`routerclose`).
    ObserverRouterClose {
        /// The observer.
        observer: RtpObserverId,
    },
    /// `icestatechange` of a WebRtcTransport.
    IceStateChange {
        /// The transport.
        transport: TransportId,
        /// New state.
        state: IceState,
    },
    /// `iceselectedtuplechange` of a WebRtcTransport.
    IceSelectedTupleChange {
        /// The transport.
        transport: TransportId,
        /// New selected tuple.
        tuple: TransportTuple,
    },
    /// `dtlsstatechange` of a WebRtcTransport.
    DtlsStateChange {
        /// The transport.
        transport: TransportId,
        /// New state.
        state: DtlsState,
        /// The remote certificate, once connected.
        remote_cert: Option<String>,
    },
    /// `sctpstatechange` of a transport with SCTP.
    SctpStateChange {
        /// The transport.
        transport: TransportId,
        /// New state.
        state: SctpState,
    },
    /// `tuple` of a PlainTransport (comedia learned the remote address).
    Tuple {
        /// The transport.
        transport: TransportId,
        /// The tuple.
        tuple: TransportTuple,
    },
    /// `rtcptuple` of a PlainTransport without RTCP mux.
    RtcpTuple {
        /// The transport.
        transport: TransportId,
        /// The tuple.
        tuple: TransportTuple,
    },
    /// `score` of a producer.
    ProducerScore {
        /// The producer.
        producer: ProducerId,
        /// Scores of its streams.
        score: Vec<ProducerScore>,
    },
    /// `videoorientationchange` of a producer.
    ProducerVideoOrientationChange {
        /// The producer.
        producer: ProducerId,
        /// The orientation.
        orientation: ProducerVideoOrientation,
    },
    /// The producer of a consumer closed; the consumer is closed too.
    ConsumerProducerClose {
        /// The consumer.
        consumer: ConsumerId,
    },
    /// The producer of a consumer paused.
    ConsumerProducerPause {
        /// The consumer.
        consumer: ConsumerId,
    },
    /// The producer of a consumer resumed.
    ConsumerProducerResume {
        /// The consumer.
        consumer: ConsumerId,
    },
    /// `score` of a consumer.
    ConsumerScore {
        /// The consumer.
        consumer: ConsumerId,
        /// The score.
        score: ConsumerScore,
    },
    /// `volumes` of an audio level observer.
    ObserverVolumes {
        /// The observer.
        observer: RtpObserverId,
        /// Producers and their volume (dBov).
        volumes: Vec<(ProducerId, i8)>,
    },
    /// `silence` of an audio level observer.
    ObserverSilence {
        /// The observer.
        observer: RtpObserverId,
    },
    /// `dominantspeaker` of an active speaker observer.
    ObserverDominantSpeaker {
        /// The observer.
        observer: RtpObserverId,
        /// The dominant producer.
        producer: ProducerId,
    },
    /// `trace` of a transport, producer or consumer (opaque data, in
    /// mediasoup's shape).
    Trace {
        /// The object's id.
        target: String,
        /// The trace event.
        data: serde_json::Value,
    },
    /// `layerschange` of a consumer.
    ConsumerLayersChange {
        /// The consumer.
        consumer: ConsumerId,
        /// Current layers, `None` when no layer is being sent.
        layers: Option<ConsumerLayers>,
    },
    /// `rtp` of a consumer on a DirectTransport: a packet it sends.
    ConsumerRtp {
        /// The consumer.
        consumer: ConsumerId,
        /// The RTP packet.
        packet: Vec<u8>,
    },
    /// `rtcp` of a DirectTransport: a packet it sends.
    DirectTransportRtcp {
        /// The transport.
        transport: TransportId,
        /// The RTCP packet.
        packet: Vec<u8>,
    },
    /// The data producer of a data consumer closed; the data consumer is
    /// closed too.
    DataConsumerDataProducerClose {
        /// The data consumer.
        data_consumer: DataConsumerId,
    },
    /// The data producer of a data consumer paused.
    DataConsumerDataProducerPause {
        /// The data consumer.
        data_consumer: DataConsumerId,
    },
    /// The data producer of a data consumer resumed.
    DataConsumerDataProducerResume {
        /// The data consumer.
        data_consumer: DataConsumerId,
    },
    /// `sctpsendbufferfull` of a data consumer.
    DataConsumerSctpSendBufferFull {
        /// The data consumer.
        data_consumer: DataConsumerId,
    },
    /// `bufferedamountlow` of a data consumer.
    DataConsumerBufferedAmountLow {
        /// The data consumer.
        data_consumer: DataConsumerId,
        /// Bytes still buffered.
        buffered_amount: u32,
    },
    /// `message` of a data consumer on a DirectTransport.
    DataConsumerMessage {
        /// The data consumer.
        data_consumer: DataConsumerId,
        /// SCTP payload protocol id (51 string, 53 binary, 56 / 57 empty).
        ppid: u32,
        /// The message.
        payload: Vec<u8>,
    },
    /// A log record of the engine or of a real worker, addressed to no
    /// object (its target is empty). Raised only for the categories and
    /// levels selected (see [`crate::Mafalda::select_logs`]).
    Log(LogRecord),
}

impl Event {
    /// A `trace` event for `target`.
    pub(crate) fn trace(target: impl ToString, data: &impl serde::Serialize) -> Self {
        Event::Trace {
            target: target.to_string(),
            data: serde_json::to_value(data).unwrap_or_default(),
        }
    }

    /// The id of the object the event is for.
    pub fn target(&self) -> String {
        match self {
            Event::WorkerDied { worker, .. } => worker.to_string(),
            Event::RouterWorkerClose { router } => router.to_string(),
            Event::TransportRouterClose { transport } => transport.to_string(),
            Event::ObserverRouterClose { observer } => observer.to_string(),
            Event::IceStateChange { transport, .. }
            | Event::IceSelectedTupleChange { transport, .. }
            | Event::DtlsStateChange { transport, .. }
            | Event::SctpStateChange { transport, .. }
            | Event::Tuple { transport, .. }
            | Event::RtcpTuple { transport, .. } => transport.to_string(),
            Event::ProducerScore { producer, .. }
            | Event::ProducerVideoOrientationChange { producer, .. } => producer.to_string(),
            Event::ConsumerProducerClose { consumer }
            | Event::ConsumerProducerPause { consumer }
            | Event::ConsumerProducerResume { consumer }
            | Event::ConsumerScore { consumer, .. }
            | Event::ConsumerLayersChange { consumer, .. } => consumer.to_string(),
            Event::Trace { target, .. } => target.clone(),
            Event::ObserverVolumes { observer, .. }
            | Event::ObserverSilence { observer }
            | Event::ObserverDominantSpeaker { observer, .. } => observer.to_string(),
            Event::ConsumerRtp { consumer, .. } => consumer.to_string(),
            Event::DirectTransportRtcp { transport, .. } => transport.to_string(),
            Event::DataConsumerDataProducerClose { data_consumer }
            | Event::DataConsumerDataProducerPause { data_consumer }
            | Event::DataConsumerDataProducerResume { data_consumer }
            | Event::DataConsumerSctpSendBufferFull { data_consumer }
            | Event::DataConsumerBufferedAmountLow { data_consumer, .. }
            | Event::DataConsumerMessage { data_consumer, .. } => data_consumer.to_string(),
            Event::Log(_) => String::new(),
        }
    }

    /// The event's name as mediasoup-node emits it.
    pub fn name(&self) -> &'static str {
        match self {
            Event::WorkerDied { .. } => "died",
            Event::RouterWorkerClose { .. } => "workerclose",
            Event::TransportRouterClose { .. } | Event::ObserverRouterClose { .. } => "routerclose",
            Event::IceStateChange { .. } => "icestatechange",
            Event::IceSelectedTupleChange { .. } => "iceselectedtuplechange",
            Event::DtlsStateChange { .. } => "dtlsstatechange",
            Event::SctpStateChange { .. } => "sctpstatechange",
            Event::Tuple { .. } => "tuple",
            Event::RtcpTuple { .. } => "rtcptuple",
            Event::ProducerScore { .. } | Event::ConsumerScore { .. } => "score",
            Event::ProducerVideoOrientationChange { .. } => "videoorientationchange",
            Event::ConsumerProducerClose { .. } => "producerclose",
            Event::ConsumerProducerPause { .. } => "producerpause",
            Event::ConsumerProducerResume { .. } => "producerresume",
            Event::ConsumerLayersChange { .. } => "layerschange",
            Event::Trace { .. } => "trace",
            Event::ObserverVolumes { .. } => "volumes",
            Event::ObserverSilence { .. } => "silence",
            Event::ObserverDominantSpeaker { .. } => "dominantspeaker",
            Event::ConsumerRtp { .. } => "rtp",
            Event::DirectTransportRtcp { .. } => "rtcp",
            Event::DataConsumerDataProducerClose { .. } => "dataproducerclose",
            Event::DataConsumerDataProducerPause { .. } => "dataproducerpause",
            Event::DataConsumerDataProducerResume { .. } => "dataproducerresume",
            Event::DataConsumerSctpSendBufferFull { .. } => "sctpsendbufferfull",
            Event::DataConsumerBufferedAmountLow { .. } => "bufferedamountlow",
            Event::DataConsumerMessage { .. } => "message",
            Event::Log(_) => "log",
        }
    }

    /// Moves the binary payload (an RTP / RTCP packet, a data message) out of
    /// the event, leaving it empty; `None` for events that carry none. Lets
    /// the binding hand the bytes to JavaScript without copying them twice.
    pub fn take_payload(&mut self) -> Option<Vec<u8>> {
        match self {
            Event::ConsumerRtp { packet, .. } | Event::DirectTransportRtcp { packet, .. } => {
                Some(std::mem::take(packet))
            }
            Event::DataConsumerMessage { payload, .. } => Some(std::mem::take(payload)),
            _ => None,
        }
    }
}

/// Receives every [`Event`]. Called from mediasoup's threads: implementations
/// must be cheap and must not block (queue the event and return).
pub trait EventSink: Send + Sync + 'static {
    /// Deliver one event.
    fn emit(&self, event: Event);
}

/// A sink that drops everything, for users that only need the control plane.
impl EventSink for () {
    fn emit(&self, _event: Event) {}
}

/// Where the events of an object go. Handlers ask it once, when they are
/// registered, for the sink of the object's room; in one process every
/// room's events go to the application ([`LocalRoute`]). A cluster routes
/// the events of an object created for another instance to that instance.
pub(crate) trait EventRoute: Send + Sync + 'static {
    /// The sink for events of objects of `room`; `None` for the engine's
    /// own (virtual workers, logs).
    fn sink_for(&self, room: Option<VirtualRouterId>) -> Arc<dyn EventSink>;
}

/// Every event to one sink: the application's.
pub(crate) struct LocalRoute(pub Arc<dyn EventSink>);

impl EventRoute for LocalRoute {
    fn sink_for(&self, _room: Option<VirtualRouterId>) -> Arc<dyn EventSink> {
        Arc::clone(&self.0)
    }
}
