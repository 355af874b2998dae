//! A room and the shared real routers as the registry keeps them.

use crate::config::WorkerSettings;
use crate::ids::Location;
use crate::ids::VirtualWorkerId;
use crate::pool::RealWorker;
use mediasoup::data_producer::DataProducerId;
use mediasoup::prelude::RtpCodecCapability;
use mediasoup::producer::ProducerId;
use mediasoup::router::Router;
use mediasoup::router::RouterId;
use mediasoup::transport::TransportId;
use std::collections::HashSet;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The handles behind a [`RoomSite`]: the real mediasoup router and the
/// worker it runs on. Looked up where an effect needs them
/// ([`crate::state::Registry::real_router`]); entries name sites instead.
#[derive(Clone)]
pub(crate) struct RealRouter {
    pub router: Router,
    pub worker: RealWorker,
    /// The site's count of transports being placed there (see [`Placing`]).
    pub placing: Arc<AtomicU32>,
}

impl RealRouter {
    /// Where it is.
    pub fn location(&self) -> Location {
        Location {
            worker: self.worker.id(),
            router: self.router.id(),
        }
    }
}

/// A real router serving a room, named by where it is.
pub(crate) struct RoomSite {
    pub location: Location,
    /// Transports of the room being created there right now (see
    /// [`Placing`]): while any is, the room keeps this router even with no
    /// transport on it.
    pub placing: Arc<AtomicU32>,
}

/// A transport of a room on its way to a real router: counted on the site
/// from placement until the guard drops, which `create_transport` does once
/// the transport is in the registry. A room's real router left with no
/// transport is released (`Registry::release_idle_room_router`), unless one
/// is on its way there.
pub(crate) struct Placing(RealRouter);

impl Placing {
    pub fn new(real: RealRouter) -> Self {
        real.placing.fetch_add(1, Ordering::SeqCst);
        Self(real)
    }
}

impl std::ops::Deref for Placing {
    type Target = RealRouter;
    fn deref(&self) -> &RealRouter {
        &self.0
    }
}

impl Drop for Placing {
    fn drop(&mut self) {
        self.0.placing.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A real router shared by the rooms using it. The `OnceCell` lets
/// concurrent placements of rooms on one worker create it once.
pub(crate) struct SharedRouterEntry {
    pub ready: Arc<OnceCell<Router>>,
    /// Rooms using it (references taken before creating it).
    pub rooms: u32,
    pub worker: RealWorker,
}

pub(crate) struct RouterEntry {
    /// The virtual worker it was created through, if any.
    pub worker: Option<VirtualWorkerId>,
    /// Settings group its real routers' workers belong to.
    pub settings: WorkerSettings,
    /// Codecs every real router of the room is created with, so that they
    /// all have the same RTP capabilities.
    pub media_codecs: Vec<RtpCodecCapability>,
    /// [`codec_key`] of `media_codecs`.
    pub codec_key: String,
    /// Where the real routers serving the room are (each shared with the
    /// other rooms of its worker that have the same codecs); the first one
    /// was placed with it, and the room's observers live there.
    pub sites: Vec<RoomSite>,
    pub transports: HashSet<TransportId>,
    pub observers: HashSet<mediasoup::rtp_observer::RtpObserverId>,
    /// Producers of other rooms piped in with `pipeToRouter()`: consumable
    /// here as if they were the room's own.
    pub imports: HashSet<ProducerId>,
    /// Imports whose pipe producer the application paused: the room's
    /// consumers of them are held paused (see `engine/import.rs`).
    pub paused_imports: HashSet<ProducerId>,
    /// Data producers of other rooms piped in with `pipeToRouter()`.
    pub data_imports: HashSet<DataProducerId>,
    /// Held while the room grows a real router, so that concurrent joins
    /// to a full room create one router, not one each.
    pub grow: Arc<tokio::sync::Mutex<()>>,
}

impl RouterEntry {
    /// Its site on the real router `router`, if it has one.
    pub fn site(&self, router: RouterId) -> Option<&RoomSite> {
        self.sites.iter().find(|site| site.location.router == router)
    }
}
