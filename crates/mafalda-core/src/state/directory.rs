//! Where a (data) producer lives and which real routers serve a room: the
//! directory the engine asks before it pipes, answered from the registry.
//!
//! In one process every answer is local ([`LocalDirectory`]). With several
//! machines a producer may live on another instance, and the answer comes
//! from the cluster's directory instead; the engine asks the same question.

use super::Registry;
use crate::ids::{Location, PipeSource, VirtualRouterId};

/// Where a source lives: its room, and the real router it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Home {
    pub room: VirtualRouterId,
    pub location: Location,
}

pub(crate) trait Directory: Send + Sync + 'static {
    /// Where `source` lives, if it exists.
    fn home_of(&self, registry: &Registry, source: PipeSource) -> Option<Home>;

    /// The real routers serving `room`, the one it was placed with first.
    fn sites_of(&self, registry: &Registry, room: VirtualRouterId) -> Vec<Location>;
}

/// The registry's own answers: every object of this process is local.
pub(crate) struct LocalDirectory;

impl Directory for LocalDirectory {
    fn home_of(&self, registry: &Registry, source: PipeSource) -> Option<Home> {
        let (room, location) = match source {
            PipeSource::Media(id) => registry.producers.get(&id).map(|e| (e.room, e.home)),
            PipeSource::Data(id) => registry.data_producers.get(&id).map(|e| (e.room, e.home)),
        }?;
        Some(Home { room, location })
    }

    fn sites_of(&self, registry: &Registry, room: VirtualRouterId) -> Vec<Location> {
        registry
            .routers
            .get(&room)
            .map(|entry| entry.sites.iter().map(|site| site.location).collect())
            .unwrap_or_default()
    }
}
