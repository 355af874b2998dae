//! Ids and keys: what names a virtual worker, a room, a pipe and a couple
//! of real routers. The lowest layer: everything may use it, it uses only
//! errors.

use crate::error::{Error, Result};
use mediasoup::prelude::*;
use mediasoup::router::RouterId;
use mediasoup::worker::WorkerId;
use std::fmt;
use uuid::Uuid;

/// Id of a virtual worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VirtualWorkerId(Uuid);

impl VirtualWorkerId {
    pub(crate) fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for VirtualWorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for VirtualWorkerId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| Error::type_error(format!("invalid worker id \"{s}\"")))
    }
}

/// Id of a virtual router (a room).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VirtualRouterId(Uuid);

impl VirtualRouterId {
    pub(crate) fn new() -> Self {
        Self(Uuid::new_v4())
    }

    #[cfg(test)]
    pub(crate) fn new_for_tests() -> Self {
        Self::new()
    }
}

impl fmt::Display for VirtualRouterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for VirtualRouterId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| Error::type_error(format!("invalid router id \"{s}\"")))
    }
}

/// What real routers are shared by: a real worker and the rooms' codecs.
pub(crate) type SharedKey = (WorkerId, String);

/// The kinds of transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// WebRtcTransport.
    WebRtc,
    /// PlainTransport.
    Plain,
    /// DirectTransport.
    Direct,
    /// PipeTransport created by the application.
    Pipe,
}

/// What a pipe carries: a producer's media or a data producer's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PipeSource {
    Media(ProducerId),
    Data(DataProducerId),
}

impl From<ProducerId> for PipeSource {
    fn from(producer: ProducerId) -> Self {
        PipeSource::Media(producer)
    }
}

impl From<DataProducerId> for PipeSource {
    fn from(data_producer: DataProducerId) -> Self {
        PipeSource::Data(data_producer)
    }
}

impl PipeSource {
    /// mediasoup's error when the source is not in the room.
    pub(crate) fn not_found(self) -> Error {
        match self {
            PipeSource::Media(id) => Error::not_found(format!("Producer with id \"{id}\" not found")),
            PipeSource::Data(id) => Error::not_found(format!("DataProducer with id \"{id}\" not found")),
        }
    }
}

impl std::fmt::Display for PipeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipeSource::Media(id) => write!(f, "producer {id}"),
            PipeSource::Data(id) => write!(f, "dataProducer {id}"),
        }
    }
}

/// A pipe: (what it carries, destination real router).
pub(crate) type PipeKey = (PipeSource, RouterId);

/// One PipeTransport pair between a couple of real routers: the routers,
/// in a canonical order, and the pair's lane. Pipes between two routers go
/// over lane 0; a pipe that lane cannot take (one of its SSRCs is already
/// received there, or no SCTP stream is left) goes over the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PairKey {
    pub routers: (RouterId, RouterId),
    pub lane: u8,
}

impl PairKey {
    /// Whether one of the pair's ends is one of `routers`.
    pub fn touches(&self, routers: &[RouterId]) -> bool {
        routers.contains(&self.routers.0) || routers.contains(&self.routers.1)
    }

    /// The same two routers' pair in `lane`.
    pub fn in_lane(self, lane: u8) -> PairKey {
        PairKey { lane, ..self }
    }
}

/// The first lane's pair between `a` and `b`.
pub(crate) fn pair_key(a: RouterId, b: RouterId) -> PairKey {
    let routers = if a.to_string() <= b.to_string() {
        (a, b)
    } else {
        (b, a)
    };
    PairKey { routers, lane: 0 }
}

/// Where a real router is: the real worker it runs on and its id there.
/// State names places with it; the handles behind a location are looked up
/// where an effect needs them. One process has only local locations; the
/// instance an object lives on joins it once there are several machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Location {
    pub worker: WorkerId,
    pub router: RouterId,
}
