//! Virtual routers: one per room, what `createRouter()` returns.
//!
//! A virtual router is served by real mediasoup routers on real workers. It
//! starts with one, placed by the pool when the room is created, and grows
//! another one on a further worker when placement finds the room's workers
//! full (see [`crate::decide::placement::place_transport`]).
//!
//! Real routers are shared: on a real worker, every room with the same media
//! codecs uses one real router ([`SharedRouterEntry`], counted per room). A
//! mediasoup worker serves one producer per id, so sharing is what lets a
//! producer be seen by several rooms of one worker without a second producer
//! with its id (`router.pipeToRouter()` between rooms); keeping rooms apart
//! (consume only your room's producers, or imported ones) is mafalda's job.

use crate::config::WorkerSettings;
use crate::decide::placement::{self, Decision, RoomRouter, TransportDecision};
use crate::decide::rooms::codec_key;
use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::ids::PipeSource;
use crate::ids::VirtualRouterId;
use crate::ids::VirtualWorkerId;
use crate::metrics::PlacementOutcome;
use crate::pool::RealWorker;
use crate::state::Placing;
use crate::state::RealRouter;
use crate::state::RoomSite;
use crate::state::RouterEntry;
use crate::state::SharedRouterEntry;
use mediasoup::prelude::*;
use mediasoup::producer::ProducerId;
use mediasoup::router::RouterId;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

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
        self.create_router_as(None, worker, media_codecs).await
    }

    /// As [`Self::create_router`], with the room's id given: the same room
    /// opened in several processes of a cluster has one id everywhere.
    pub async fn create_router_as(
        &self,
        id: Option<VirtualRouterId>,
        worker: Option<VirtualWorkerId>,
        media_codecs: Vec<RtpCodecCapability>,
    ) -> Result<RouterInfo> {
        let taken =
            |id: VirtualRouterId| Error::invalid_state(format!("a router with id \"{id}\" already exists"));
        if let Some(id) = id {
            if self.registry().routers.contains_key(&id) {
                return Err(taken(id));
            }
        }
        let (settings, home) = match worker {
            Some(worker) => self
                .registry()
                .workers
                .get(&worker)
                .map(|entry| (entry.settings.clone(), Some(entry.home.worker().id())))
                .ok_or_else(|| Error::invalid_state("Worker closed"))?,
            None => (WorkerSettings::default(), None),
        };
        let (placed, started) = self.pool().place_router(&settings, home).await?;
        let pid = placed.tid();
        let codec_key = codec_key(&media_codecs);
        let real = self
            .start_real_router(placed, media_codecs.clone(), &codec_key)
            .await?;
        let id = id.unwrap_or_else(VirtualRouterId::new);
        let mut rtp_capabilities = real.router.rtp_capabilities().clone();
        crate::decide::negotiation::offered_header_extensions(&mut rtp_capabilities.header_extensions);
        let entry = RouterEntry {
            worker,
            settings,
            media_codecs,
            codec_key,
            sites: vec![RoomSite {
                location: real.location(),
                placing: Arc::clone(&real.placing),
            }],
            transports: HashSet::new(),
            observers: HashSet::new(),
            imports: HashSet::new(),
            paused_imports: HashSet::new(),
            data_imports: HashSet::new(),
            grow: Arc::default(),
        };
        let orphan = {
            let mut registry = self.registry();
            if registry.routers.contains_key(&id) {
                // Opened meanwhile by a concurrent call with the same id.
                Some((entry, taken(id)))
            } else {
                match worker {
                    Some(worker) => match registry.workers.get_mut(&worker) {
                        Some(owner) => {
                            owner.routers.insert(id);
                            registry.routers.insert(id, entry);
                            None
                        }
                        // The worker was closed while the router was being made.
                        None => Some((entry, Error::invalid_state("Worker closed"))),
                    },
                    None => {
                        registry.routers.insert(id, entry);
                        None
                    }
                }
            }
        };
        if orphan.is_none() {
            self.telemetry().placed(
                PlacementOutcome::RoomOnWorker,
                started,
                format_args!("room {id}"),
                pid,
            );
        }
        if let Some((entry, error)) = orphan {
            let mut garbage = self.garbage();
            {
                let mut registry = self.registry();
                for site in &entry.sites {
                    registry.release_shared_router(site.location.worker, &entry.codec_key, &mut garbage);
                }
            }
            drop(entry);
            drop(garbage);
            self.collect_idle_workers();
            return Err(error);
        }
        Ok(RouterInfo { id, rtp_capabilities })
    }

    /// The shared real router on `worker` for rooms with these codecs,
    /// created if absent. The room is counted on the worker (`routers`: rooms
    /// placed there) and on the shared router from before any request, so
    /// that concurrent placements see it; release with
    /// [`crate::state::Registry::release_shared_router`].
    async fn start_real_router(
        &self,
        worker: RealWorker,
        media_codecs: Vec<RtpCodecCapability>,
        codec_key: &str,
    ) -> Result<RealRouter> {
        worker.add_routers(1);
        let cell = {
            let mut registry = self.registry();
            let shared = registry
                .shared_routers
                .entry((worker.id(), codec_key.to_string()))
                .or_insert_with(|| SharedRouterEntry {
                    ready: Arc::default(),
                    rooms: 0,
                    worker: worker.clone(),
                });
            shared.rooms += 1;
            Arc::clone(&shared.ready)
        };
        let made = cell
            .get_or_try_init(|| async {
                worker
                    .worker()
                    .create_router(RouterOptions::new(media_codecs))
                    .await
                    .map_err(router_error)
            })
            .await
            .cloned();
        match made {
            Ok(router) => Ok(RealRouter {
                router,
                worker,
                placing: Arc::default(),
            }),
            Err(error) => {
                let mut garbage = self.garbage();
                self.registry()
                    .release_shared_router(worker.id(), codec_key, &mut garbage);
                drop(garbage);
                self.collect_idle_workers();
                Err(error)
            }
        }
    }

    /// The real router a new transport of the room goes on, growing the
    /// room onto another worker when placement says so.
    pub(crate) async fn place_transport(&self, id: VirtualRouterId) -> Result<Placing> {
        let (decision, grow) = self.transport_decision(id)?;
        if let TransportDecision::UseRouter(router) = decision {
            return self.room_router(id, router);
        }
        let _growing = grow.lock().await;
        // Decide again: another join may have grown the room meanwhile.
        let (decision, _) = self.transport_decision(id)?;
        let (settings, codecs, codec_key) = {
            let registry = self.registry();
            let room = registry
                .routers
                .get(&id)
                .ok_or_else(|| Error::invalid_state("Router closed"))?;
            (
                room.settings.clone(),
                room.media_codecs.clone(),
                room.codec_key.clone(),
            )
        };
        let (worker, started) = match decision {
            TransportDecision::UseRouter(router) => return self.room_router(id, router),
            TransportDecision::NewRouterOn(worker) => self
                .pool()
                .worker(worker)
                .map(|worker| (worker, false))
                .ok_or_else(|| Error::failed(format!("worker {worker} went away while placing")))?,
            TransportDecision::NewRouterOnNewWorker => {
                self.pool().carry_out(Decision::CreateWorker, &settings).await?
            }
        };
        worker.note_placement(Instant::now());
        let real = self.start_real_router(worker, codecs, &codec_key).await?;
        let mut garbage = self.garbage();
        let mut registry = self.registry();
        match registry.routers.get_mut(&id) {
            // Placement never grows a room onto a worker it is already on;
            // should it, the room keeps one reference per real router.
            Some(room) if room.site(real.router.id()).is_some() => {
                registry.release_shared_router(real.worker.id(), &codec_key, &mut garbage);
                let placed = registry.real_router(id, real.router.id()).map(Placing::new);
                drop(registry);
                drop(garbage);
                placed.ok_or_else(|| Error::invalid_state("Router closed"))
            }
            Some(room) => {
                room.sites.push(RoomSite {
                    location: real.location(),
                    placing: Arc::clone(&real.placing),
                });
                let placed = Placing::new(real);
                drop(registry);
                self.telemetry().placed(
                    PlacementOutcome::RoomGrown,
                    started,
                    format_args!("room {id} (router {})", placed.router.id()),
                    placed.worker.tid(),
                );
                Ok(placed)
            }
            None => {
                registry.release_shared_router(real.worker.id(), &codec_key, &mut garbage);
                drop(registry);
                drop(garbage);
                drop(real);
                self.collect_idle_workers();
                Err(Error::invalid_state("Router closed"))
            }
        }
    }

    fn transport_decision(
        &self,
        id: VirtualRouterId,
    ) -> Result<(TransportDecision, Arc<tokio::sync::Mutex<()>>)> {
        let now = Instant::now();
        let (room, settings, grow) = {
            let registry = self.registry();
            let entry = registry
                .routers
                .get(&id)
                .ok_or_else(|| Error::invalid_state("Router closed"))?;
            let room: Vec<RoomRouter> = self
                .directory()
                .sites_of(&registry, id)
                .into_iter()
                .filter_map(|site| {
                    Some(RoomRouter {
                        router: site.router,
                        worker: self.pool().worker(site.worker)?.load(now),
                    })
                })
                .collect();
            (room, entry.settings.clone(), Arc::clone(&entry.grow))
        };
        let config = self.pool().config();
        let group = self.pool().snapshot(&settings, now);
        Ok((
            placement::place_transport(&room, &group, &config.limits, config.policy),
            grow,
        ))
    }

    pub(crate) fn room_router(&self, id: VirtualRouterId, router: RouterId) -> Result<Placing> {
        let registry = self.registry();
        let real = registry
            .real_router(id, router)
            .map(Placing::new)
            .ok_or_else(|| Error::invalid_state("Router closed"))?;
        real.worker.note_placement(Instant::now());
        drop(registry);
        self.telemetry().placed(
            PlacementOutcome::TransportOnRoomRouter,
            false,
            format_args!("transport of room {id}"),
            real.worker.tid(),
        );
        Ok(real)
    }

    /// `router.updateMediaCodecs()`: new codecs for the room's real routers
    /// (producers and consumers made from now on use them); the new RTP
    /// capabilities. A real router shared with other rooms (same worker,
    /// same codecs) cannot change under them: `UnsupportedError`.
    pub fn update_media_codecs(
        &self,
        id: VirtualRouterId,
        media_codecs: Vec<RtpCodecCapability>,
    ) -> Result<RtpCapabilitiesFinalized> {
        let mut registry = self.registry();
        let room = registry
            .routers
            .get(&id)
            .ok_or_else(|| Error::invalid_state("Router closed"))?;
        let old_key = room.codec_key.clone();
        let new_key = codec_key(&media_codecs);
        let reals = registry.real_routers(id).unwrap_or_default();
        for real in &reals {
            let worker = real.worker.id();
            let shared = registry
                .shared_routers
                .get(&(worker, old_key.clone()))
                .is_some_and(|s| s.rooms > 1);
            let taken =
                new_key != old_key && registry.shared_routers.contains_key(&(worker, new_key.clone()));
            if shared || taken {
                return Err(Error::unsupported(
                    "updateMediaCodecs() on a router whose real router is shared with other routers \
                     (same worker, same codecs): create a router with the new codecs instead",
                ));
            }
        }
        // The same codecs give every real router the same capabilities; a
        // bad list fails on the first one, before anything changed.
        let mut capabilities = None;
        for real in &reals {
            let mut router = real.router.clone();
            router
                .update_media_codecs(media_codecs.clone())
                .map_err(|e| Error::type_error(e.to_string()))?;
            let mut offered = router.rtp_capabilities().clone();
            crate::decide::negotiation::offered_header_extensions(&mut offered.header_extensions);
            capabilities = Some(offered);
        }
        for real in &reals {
            let worker = real.worker.id();
            if let Some(entry) = registry.shared_routers.remove(&(worker, old_key.clone())) {
                registry.shared_routers.insert((worker, new_key.clone()), entry);
            }
        }
        // Still there: the lock has been held since the lookup above.
        if let Some(room) = registry.routers.get_mut(&id) {
            room.media_codecs = media_codecs;
            room.codec_key = new_key;
        }
        capabilities.ok_or_else(|| Error::invalid_state("Router closed"))
    }

    /// Closes a room and everything in it. Closing twice is a no-op.
    pub fn close_router(&self, id: VirtualRouterId) {
        let mut garbage = self.garbage();
        self.registry().take_router(id, &mut garbage);
        drop(garbage);
        self.collect_idle_workers();
    }

    /// `dump()` of a room, in mediasoup-node's shape, ids as the application
    /// knows them: the dumps of its real routers merged.
    pub async fn dump_router(&self, id: VirtualRouterId) -> Result<serde_json::Value> {
        let routers = self.real_routers(id)?;
        let mut merged = serde_json::Map::new();
        for real in routers {
            let dump =
                serde_json::to_value(real.router.dump().await?).map_err(|e| Error::failed(e.to_string()))?;
            let serde_json::Value::Object(fields) = dump else {
                continue;
            };
            for (key, value) in fields {
                match (merged.get_mut(&key), value) {
                    (Some(serde_json::Value::Array(into)), serde_json::Value::Array(more)) => {
                        into.extend(more)
                    }
                    (Some(serde_json::Value::Object(into)), serde_json::Value::Object(more)) => {
                        into.extend(more)
                    }
                    (Some(_), _) => {}
                    (None, value) => {
                        merged.insert(key, value);
                    }
                }
            }
        }
        merged.insert("id".into(), serde_json::Value::String(id.to_string()));
        self.insert_room_data_maps(id, &mut merged);
        // Only what the application sees: not the pipe transports, and not
        // objects it closed whose close request the worker has yet to get
        // (mediasoup-rust sends it from a task once the handle drops).
        let visible = {
            let registry = self.registry();
            let room = registry
                .routers
                .get(&id)
                .ok_or_else(|| Error::invalid_state("Router closed"))?;
            let mut visible: HashSet<String> = room.transports.iter().map(ToString::to_string).collect();
            visible.extend(room.observers.iter().map(ToString::to_string));
            // Imported producers appear in the room, as mediasoup's pipe
            // producers do in the router they are piped to.
            visible.extend(room.imports.iter().map(ToString::to_string));
            for transport in room.transports.iter().filter_map(|t| registry.transports.get(t)) {
                visible.extend(transport.producers.iter().map(ToString::to_string));
                visible.extend(transport.consumers.iter().map(ToString::to_string));
            }
            visible
        };
        let seen = |id: &serde_json::Value| id.as_str().is_some_and(|id| visible.contains(id));
        for key in ["transportIds", "rtpObserverIds"] {
            if let Some(serde_json::Value::Array(ids)) = merged.get_mut(key) {
                ids.retain(|id| seen(id));
            }
        }
        // mediasoup-node lists maps as arrays of { key, values } / { key, value }.
        for key in ["mapProducerIdConsumerIds", "mapProducerIdObserverIds"] {
            if let Some(map) = merged.get_mut(key) {
                *map = key_values(map, &seen, "values");
            }
        }
        if let Some(map) = merged.get_mut("mapConsumerIdProducerId") {
            *map = key_values(map, &seen, "value");
        }
        for key in [
            "mapDataProducerIdDataConsumerIds",
            "mapDataConsumerIdDataProducerId",
        ] {
            let field = if key.ends_with("Ids") { "values" } else { "value" };
            if let Some(map) = merged.get_mut(key) {
                *map = key_values(map, &|_: &serde_json::Value| true, field);
            }
        }
        Ok(serde_json::Value::Object(merged))
    }

    /// Whether `producer` can be consumed with `rtp_capabilities` in this
    /// room (answered by the real router the producer lives on).
    pub fn can_consume(
        &self,
        id: VirtualRouterId,
        producer: ProducerId,
        rtp_capabilities: &RtpCapabilities,
    ) -> Result<bool> {
        let home = {
            let registry = self.registry();
            if !registry.routers.contains_key(&id) {
                return Err(Error::invalid_state("Router closed"));
            }
            if !registry.room_sees_producer(id, producer) {
                return Ok(false);
            }
            // The producer's home is a real router of its own room, which
            // for an imported producer is not this one.
            let home = self
                .directory()
                .home_of(&registry, PipeSource::Media(producer))
                .and_then(|home| registry.real_router(home.room, home.location.router))
                .map(|real| real.router);
            match home {
                Some(router) => router,
                None => return Ok(false),
            }
        };
        Ok(home.can_consume(&producer, rtp_capabilities))
    }

    pub(crate) fn real_routers(&self, id: VirtualRouterId) -> Result<Vec<RealRouter>> {
        self.registry()
            .real_routers(id)
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

/// A map of a router dump in mediasoup-node's shape, `[{ key, values }]` or
/// `[{ key, value }]`, with the entries (and values) `keep` accepts.
fn key_values(
    map: &serde_json::Value,
    keep: &dyn Fn(&serde_json::Value) -> bool,
    field: &str,
) -> serde_json::Value {
    let entries = match map {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(key, value)| (serde_json::Value::String(key.clone()), value.clone()))
            .collect(),
        serde_json::Value::Array(pairs) => pairs
            .iter()
            .map(|pair| (pair["key"].clone(), pair[field].clone()))
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let pairs = entries
        .into_iter()
        .filter(|(key, _)| keep(key))
        .map(|(key, mut value)| {
            if let serde_json::Value::Array(values) = &mut value {
                values.retain(|v| keep(v));
            }
            serde_json::json!({ "key": key, field: value })
        })
        .collect();
    serde_json::Value::Array(pairs)
}
