//! A producer as the registry keeps it.

use crate::ids::Location;
use event_listener_primitives::HandlerId;
use mediasoup::producer::Producer;
use mediasoup::transport::TransportId;

pub(crate) struct ProducerEntry {
    pub producer: Producer,
    pub transport: TransportId,
    /// Its room, and where in the room it lives.
    pub room: crate::ids::VirtualRouterId,
    pub home: Location,
    pub _handlers: Vec<HandlerId>,
}
