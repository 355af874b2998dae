//! Virtual routers: one per room, what `createRouter()` returns.
//!
//! A virtual router is served by real mediasoup routers on real workers. It
//! starts with one, placed by the pool when the room is created.

use crate::error::{Error, Result};
use crate::mafalda::Mafalda;
use crate::pool::RealWorker;
use crate::registry::Garbage;
use crate::worker::{VirtualWorkerId, WorkerSettings};
use mediasoup::prelude::*;
use mediasoup::producer::ProducerId;
use std::collections::HashSet;
use std::fmt;
use uuid::Uuid;

/// Id of a virtual router (a room).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VirtualRouterId(Uuid);

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

/// A real mediasoup router serving a room, and the worker it runs on.
pub(crate) struct RealRouter {
    pub router: Router,
    pub worker: RealWorker,
}

pub(crate) struct RouterEntry {
    /// The virtual worker it was created through, if any.
    pub worker: Option<VirtualWorkerId>,
    pub real: RealRouter,
    pub transports: HashSet<TransportId>,
}

/// What the application learns of a new router.
#[derive(Debug, Clone)]
pub struct RouterInfo {
    /// The virtual router's id.
    pub id: VirtualRouterId,
    /// Its RTP capabilities (identical on every real router of the room).
    pub rtp_capabilities: RtpCapabilitiesFinalized,
}

impl Mafalda {
    /// Creates a room. With `worker`, through that virtual worker (mediasoup
    /// style); without, on the default group (mafalda style).
    pub async fn create_router(
        &self,
        worker: Option<VirtualWorkerId>,
        media_codecs: Vec<RtpCodecCapability>,
    ) -> Result<RouterInfo> {
        let settings = match worker {
            Some(worker) => self
                .registry()
                .workers
                .get(&worker)
                .map(|entry| entry.settings.clone())
                .ok_or_else(|| Error::invalid_state("Worker closed"))?,
            None => WorkerSettings::default(),
        };
        let placed = self.pool().place_router(&settings).await?;
        // Counted before the await so that concurrent placements see it.
        placed.worker.add_routers(1);
        let created = placed
            .worker
            .worker()
            .create_router(RouterOptions::new(media_codecs))
            .await;
        let router = match created {
            Ok(router) => router,
            Err(error) => {
                placed.worker.add_routers(-1);
                self.collect_idle_workers();
                return Err(router_error(error));
            }
        };
        let id = VirtualRouterId(Uuid::new_v4());
        let rtp_capabilities = router.rtp_capabilities().clone();
        let entry = RouterEntry {
            worker,
            real: RealRouter {
                router,
                worker: placed.worker,
            },
            transports: HashSet::new(),
        };
        let orphan = {
            let mut registry = self.registry();
            match worker {
                Some(worker) => match registry.workers.get_mut(&worker) {
                    Some(owner) => {
                        owner.routers.insert(id);
                        registry.routers.insert(id, entry);
                        None
                    }
                    // The worker was closed while the router was being made.
                    None => Some(entry),
                },
                None => {
                    registry.routers.insert(id, entry);
                    None
                }
            }
        };
        if let Some(entry) = orphan {
            entry.real.worker.add_routers(-1);
            drop(entry);
            self.collect_idle_workers();
            return Err(Error::invalid_state("Worker closed"));
        }
        Ok(RouterInfo { id, rtp_capabilities })
    }

    /// Closes a room and everything in it. Closing twice is a no-op.
    pub fn close_router(&self, id: VirtualRouterId) {
        let mut garbage = Garbage::default();
        self.registry().take_router(id, &mut garbage);
        drop(garbage);
        self.collect_idle_workers();
    }

    /// `dump()` of a room, in mediasoup-node's shape, ids as the application
    /// knows them.
    pub async fn dump_router(&self, id: VirtualRouterId) -> Result<serde_json::Value> {
        let router = self.real_router(id)?;
        let dump = router.dump().await?;
        let mut value = serde_json::to_value(dump).map_err(|e| Error::failed(e.to_string()))?;
        value["id"] = serde_json::Value::String(id.to_string());
        Ok(value)
    }

    /// Whether `producer` can be consumed with `rtp_capabilities` here.
    pub fn can_consume(
        &self,
        id: VirtualRouterId,
        producer: ProducerId,
        rtp_capabilities: &RtpCapabilities,
    ) -> Result<bool> {
        let router = self.real_router(id)?;
        Ok(router.can_consume(&producer, rtp_capabilities))
    }

    pub(crate) fn real_router(&self, id: VirtualRouterId) -> Result<Router> {
        self.registry()
            .routers
            .get(&id)
            .map(|entry| entry.real.router.clone())
            .ok_or_else(|| Error::invalid_state("Router closed"))
    }
}

fn router_error(error: mediasoup::worker::CreateRouterError) -> Error {
    use mediasoup::worker::CreateRouterError;
    match error {
        CreateRouterError::FailedRtpCapabilitiesGeneration(error) => match error {
            mediasoup::ortc::RtpCapabilitiesError::UnsupportedCodec { mime_type } => {
                Error::unsupported(format!("media codec not supported [mimeType:{mime_type:?}]"))
            }
            other => Error::type_error(other.to_string()),
        },
        CreateRouterError::Request(error) => error.into(),
    }
}
