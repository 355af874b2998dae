//! A producer as the registry keeps it.

use event_listener_primitives::HandlerId;
use mediasoup::producer::Producer;
use mediasoup::transport::TransportId;

pub(crate) struct ProducerEntry {
    pub producer: Producer,
    pub transport: TransportId,
    /// The room, and the real router of it the producer lives on.
    pub room: crate::ids::VirtualRouterId,
    pub real_router: mediasoup::router::RouterId,
    pub _handlers: Vec<HandlerId>,
}
