//! A transport as the registry keeps it.

use crate::config::SctpStreams;
use crate::ids::Location;
use crate::ids::TransportKind;
use crate::ids::VirtualRouterId;
use event_listener_primitives::HandlerId;
use mediasoup::consumer::ConsumerId;
use mediasoup::data_consumer::DataConsumerId;
use mediasoup::data_producer::DataProducerId;
use mediasoup::pipe_transport::PipeTransport;
use mediasoup::prelude::*;
use mediasoup::producer::ProducerId;
use mediasoup::webrtc_server::WebRtcServerId;
use std::collections::HashSet;

#[derive(Clone)]
pub(crate) enum AnyTransport {
    WebRtc(WebRtcTransport),
    Plain(PlainTransport),
    Direct(DirectTransport),
    Pipe(PipeTransport),
}

impl AnyTransport {
    pub fn as_dyn(&self) -> &dyn Transport {
        match self {
            AnyTransport::WebRtc(t) => t,
            AnyTransport::Plain(t) => t,
            AnyTransport::Direct(t) => t,
            AnyTransport::Pipe(t) => t,
        }
    }

    /// Which kind it is.
    pub fn kind(&self) -> TransportKind {
        match self {
            AnyTransport::WebRtc(_) => TransportKind::WebRtc,
            AnyTransport::Plain(_) => TransportKind::Plain,
            AnyTransport::Direct(_) => TransportKind::Direct,
            AnyTransport::Pipe(_) => TransportKind::Pipe,
        }
    }
}

pub(crate) struct TransportEntry {
    pub transport: AnyTransport,
    pub router: VirtualRouterId,
    /// Where it lives: its real router and worker.
    pub site: Location,
    /// The SCTP stream counts it reports.
    pub sctp_streams: SctpStreams,
    /// The WebRtcServer it listens through, if any.
    pub webrtc_server: Option<WebRtcServerId>,
    pub producers: HashSet<ProducerId>,
    pub consumers: HashSet<ConsumerId>,
    pub data_producers: HashSet<DataProducerId>,
    pub data_consumers: HashSet<DataConsumerId>,
    pub _handlers: Vec<HandlerId>,
}
