//! The registry: the one owner of every strong mediasoup handle, its
//! entries, and every removal cascade (`take_*`, `release_*`) with the
//! [`Garbage`] that carries the closes out in mediasoup's order.
//!
//! Entries are removed under the lock and dropped after it is released
//! (through [`Garbage`]), because dropping a mediasoup handle closes the
//! object and runs its close handlers in place.

mod consumer;
mod data_consumer;
mod data_producer;
mod directory;
mod imports;
mod observer;
mod pipe;
mod producer;
mod router;
mod transport;
mod webrtc_server;
mod worker;

pub(crate) use consumer::ConsumerEntry;
pub(crate) use data_consumer::DataConsumerEntry;
pub(crate) use data_producer::DataProducerEntry;
pub(crate) use directory::{Directory, Home, LocalDirectory};
pub(crate) use observer::{AnyObserver, ObserverEntry};
pub(crate) use pipe::{
    ClosedPipe, PairHandles, PipeCell, PipeCloseReason, PipeEntry, PipeHandles, PipePairEntry, PipeRoute,
};
pub(crate) use producer::ProducerEntry;
pub(crate) use router::{Placing, RealRouter, RoomSite, RouterEntry, SharedRouterEntry};
pub(crate) use transport::{AnyTransport, TransportEntry};
pub(crate) use webrtc_server::WebRtcServerEntry;
pub(crate) use worker::VirtualWorkerEntry;

use crate::ids::{PairKey, PipeKey, SharedKey, VirtualRouterId, VirtualWorkerId};
use mediasoup::consumer::ConsumerId;
use mediasoup::data_consumer::DataConsumerId;
use mediasoup::data_producer::DataProducerId;
use mediasoup::producer::ProducerId;
use mediasoup::router::RouterId;
use mediasoup::transport::TransportId;
use mediasoup::webrtc_server::WebRtcServerId;
use mediasoup::worker::WorkerId;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[derive(Default)]
pub(crate) struct Registry {
    pub workers: HashMap<VirtualWorkerId, VirtualWorkerEntry>,
    pub routers: HashMap<VirtualRouterId, RouterEntry>,
    /// The real routers, shared by the rooms with the same codecs on a worker.
    pub shared_routers: HashMap<SharedKey, SharedRouterEntry>,
    pub transports: HashMap<TransportId, TransportEntry>,
    pub producers: HashMap<ProducerId, ProducerEntry>,
    pub consumers: HashMap<ConsumerId, ConsumerEntry>,
    pub data_producers: HashMap<DataProducerId, DataProducerEntry>,
    pub data_consumers: HashMap<DataConsumerId, DataConsumerEntry>,
    pub pipes: HashMap<PipeKey, PipeEntry>,
    pub pipe_pairs: HashMap<PairKey, PipePairEntry>,
    pub observers: HashMap<mediasoup::rtp_observer::RtpObserverId, ObserverEntry>,
    pub webrtc_servers: HashMap<WebRtcServerId, WebRtcServerEntry>,
    /// Ids given to (data) producers being created: taken before the worker
    /// is asked, so that two concurrent calls with one id cannot both
    /// succeed on two workers (see `Mafalda::reserve_id`).
    pub reserved_ids: HashSet<String>,
}

/// Entries taken out of the registry, to be dropped once the lock is
/// released. Fields drop in declaration order, which is mediasoup's closing
/// order: consumers, pipes, producers, pipe transports, transports,
/// WebRtcServers, routers, workers (data consumers and data producers
/// beside their media kin). Once they are dropped, the `closer` marks the
/// closes so that calls made after them reach the workers after them (see
/// [`crate::pool::RequestOrder`]); make one with `Mafalda::garbage()`.
#[derive(Default)]
pub(crate) struct Garbage {
    pub closer: Option<crate::pool::Closer>,
    /// Where the closes of pipes are counted and logged.
    pub telemetry: Option<std::sync::Arc<crate::telemetry::Telemetry>>,
    pub consumers: Vec<ConsumerEntry>,
    pub data_consumers: Vec<DataConsumerEntry>,
    pub observers: Vec<ObserverEntry>,
    pub pipes: Vec<ClosedPipe>,
    pub producers: Vec<ProducerEntry>,
    pub data_producers: Vec<DataProducerEntry>,
    pub pipe_pairs: Vec<PipePairEntry>,
    pub transports: Vec<TransportEntry>,
    pub real_webrtc_servers: Vec<mediasoup::webrtc_server::WebRtcServer>,
    pub webrtc_servers: Vec<WebRtcServerEntry>,
    pub routers: Vec<RouterEntry>,
    pub shared_routers: Vec<SharedRouterEntry>,
    pub workers: Vec<VirtualWorkerEntry>,
}

impl Drop for Garbage {
    fn drop(&mut self) {
        // Explicitly, in the order of the fields (see above): the closer
        // must run after every handle has gone.
        drop(std::mem::take(&mut self.consumers));
        drop(std::mem::take(&mut self.data_consumers));
        drop(std::mem::take(&mut self.observers));
        if let Some(telemetry) = &self.telemetry {
            for pipe in &self.pipes {
                pipe.report(telemetry);
            }
        }
        drop(std::mem::take(&mut self.pipes));
        drop(std::mem::take(&mut self.producers));
        drop(std::mem::take(&mut self.data_producers));
        drop(std::mem::take(&mut self.pipe_pairs));
        drop(std::mem::take(&mut self.transports));
        drop(std::mem::take(&mut self.real_webrtc_servers));
        drop(std::mem::take(&mut self.webrtc_servers));
        drop(std::mem::take(&mut self.routers));
        drop(std::mem::take(&mut self.shared_routers));
        drop(std::mem::take(&mut self.workers));
        if let Some(closer) = &self.closer {
            closer.closed();
        }
    }
}

impl Registry {
    pub fn take_consumer(&mut self, id: ConsumerId, garbage: &mut Garbage) {
        let Some(entry) = self.consumers.remove(&id) else {
            return;
        };
        if let Some(transport) = self.transports.get_mut(&entry.transport) {
            transport.consumers.remove(&id);
        }
        if let Some(pipe) = entry.pipe {
            self.release_pipe(pipe, std::time::Instant::now());
        }
        garbage.consumers.push(entry);
    }

    pub fn take_producer(&mut self, id: ProducerId, garbage: &mut Garbage) {
        let Some(entry) = self.producers.remove(&id) else {
            return;
        };
        if let Some(transport) = self.transports.get_mut(&entry.transport) {
            transport.producers.remove(&id);
        }
        self.forget_observed(id);
        self.forget_imports_of(id);
        self.take_pipes_of(id, garbage);
        garbage.producers.push(entry);
    }

    pub fn take_transport(&mut self, id: TransportId, garbage: &mut Garbage) {
        let Some(entry) = self.transports.remove(&id) else {
            return;
        };
        for consumer in entry.consumers.clone() {
            self.take_consumer(consumer, garbage);
        }
        for producer in entry.producers.clone() {
            self.take_producer(producer, garbage);
        }
        for data_consumer in entry.data_consumers.clone() {
            self.take_data_consumer(data_consumer, garbage);
        }
        for data_producer in entry.data_producers.clone() {
            self.take_data_producer(data_producer, garbage);
        }
        self.take_arrivals_over(id, garbage);
        if let Some(router) = self.routers.get_mut(&entry.router) {
            router.transports.remove(&id);
        }
        self.release_idle_room_router(entry.router, entry.site.router, garbage);
        if let Some(server) = entry.webrtc_server.and_then(|s| self.webrtc_servers.get_mut(&s)) {
            garbage.real_webrtc_servers.extend(server.release_transport(id));
        }
        garbage.transports.push(entry);
    }

    /// Takes a WebRtcServer and the transports listening through it, as
    /// closing a WebRtcServer does in mediasoup.
    pub fn take_webrtc_server(&mut self, id: WebRtcServerId, garbage: &mut Garbage) {
        let Some(entry) = self.webrtc_servers.remove(&id) else {
            return;
        };
        for transport in entry.transports.keys().copied() {
            self.take_transport(transport, garbage);
        }
        if let Some(worker) = self.workers.get_mut(&entry.worker) {
            worker.webrtc_servers.remove(&id);
        }
        garbage.webrtc_servers.push(entry);
    }

    pub fn take_router(&mut self, id: VirtualRouterId, garbage: &mut Garbage) {
        let observers: Vec<_> = self
            .routers
            .get(&id)
            .map(|room| room.observers.iter().copied().collect())
            .unwrap_or_default();
        for observer in observers {
            self.take_observer(observer, garbage);
        }
        let Some(entry) = self.routers.remove(&id) else {
            return;
        };
        for transport in entry.transports.clone() {
            self.take_transport(transport, garbage);
        }
        if let Some(worker) = entry.worker.and_then(|w| self.workers.get_mut(&w)) {
            worker.routers.remove(&id);
        }
        for site in &entry.sites {
            self.release_shared_router(site.location.worker, &entry.codec_key, garbage);
        }
        garbage.routers.push(entry);
    }

    /// Takes what a room had on one of its real routers (its worker died)
    /// and the room's hold on that router; the room goes on on the others.
    /// Returns the transports and observers taken. Observers live on the
    /// room's first real router, so they go only when that one does; the
    /// next first router takes the next observers.
    pub fn take_room_part(
        &mut self,
        room: VirtualRouterId,
        real_router: RouterId,
        garbage: &mut Garbage,
    ) -> (Vec<TransportId>, Vec<mediasoup::rtp_observer::RtpObserverId>) {
        let Some(entry) = self.routers.get(&room) else {
            return Default::default();
        };
        let transports: Vec<_> = entry
            .transports
            .iter()
            .filter(|t| {
                self.transports
                    .get(t)
                    .is_some_and(|t| t.site.router == real_router)
            })
            .copied()
            .collect();
        let observers: Vec<_> = if entry
            .sites
            .first()
            .is_some_and(|s| s.location.router == real_router)
        {
            entry.observers.iter().copied().collect()
        } else {
            Vec::new()
        };
        for observer in &observers {
            self.take_observer(*observer, garbage);
        }
        for transport in &transports {
            self.take_transport(*transport, garbage);
        }
        // Taking its last transport may have released the router already.
        if let Some(entry) = self.routers.get_mut(&room) {
            if let Some(index) = entry.sites.iter().position(|s| s.location.router == real_router) {
                let released = entry.sites.remove(index);
                let codec_key = entry.codec_key.clone();
                self.release_shared_router(released.location.worker, &codec_key, garbage);
            }
        }
        (transports, observers)
    }

    /// A room lets go of a real router it grew onto once none of its
    /// transports is there and none is being placed there, so that the
    /// worker can take other rooms or idle out while the room goes on. The
    /// room's first real router stays: its observers live there.
    fn release_idle_room_router(
        &mut self,
        room: VirtualRouterId,
        real_router: RouterId,
        garbage: &mut Garbage,
    ) {
        let Some(entry) = self.routers.get(&room) else {
            return;
        };
        let in_use = entry.transports.iter().any(|t| {
            self.transports
                .get(t)
                .is_some_and(|t| t.site.router == real_router)
        });
        let Some(index) = entry.sites.iter().position(|s| s.location.router == real_router) else {
            return;
        };
        if in_use
            || index == 0
            || entry.sites[index]
                .placing
                .load(std::sync::atomic::Ordering::SeqCst)
                > 0
        {
            return;
        }
        let codec_key = entry.codec_key.clone();
        let Some(entry) = self.routers.get_mut(&room) else {
            return;
        };
        let released = entry.sites.remove(index);
        self.release_shared_router(released.location.worker, &codec_key, garbage);
    }

    /// A room no longer uses the shared real router of `worker` for
    /// `codec_key`. With its last room the router goes, and with it every
    /// pipe to or from it (their users were in those rooms).
    pub fn release_shared_router(&mut self, worker: WorkerId, codec_key: &str, garbage: &mut Garbage) {
        let key = (worker, codec_key.to_string());
        let Some(shared) = self.shared_routers.get_mut(&key) else {
            return;
        };
        // Counted on the worker with the room's reference (see
        // `start_real_router`), so released with it.
        shared.worker.add_routers(-1);
        shared.rooms = shared.rooms.saturating_sub(1);
        if shared.rooms > 0 {
            return;
        }
        let Some(shared) = self.shared_routers.remove(&key) else {
            return;
        };
        if let Some(router) = shared.ready.get() {
            self.take_pipes_of_routers(&[router.id()], garbage);
        }
        garbage.shared_routers.push(shared);
    }

    /// The handles of `room`'s real router `router`, for an effect.
    pub fn real_router(&self, room: VirtualRouterId, router: RouterId) -> Option<RealRouter> {
        let entry = self.routers.get(&room)?;
        self.handles_of(entry, entry.site(router)?)
    }

    /// The handles of every real router of `room`, its first site first.
    pub fn real_routers(&self, room: VirtualRouterId) -> Option<Vec<RealRouter>> {
        let entry = self.routers.get(&room)?;
        Some(
            entry
                .sites
                .iter()
                .filter_map(|site| self.handles_of(entry, site))
                .collect(),
        )
    }

    fn handles_of(&self, room: &RouterEntry, site: &RoomSite) -> Option<RealRouter> {
        let shared = self
            .shared_routers
            .get(&(site.location.worker, room.codec_key.clone()))?;
        Some(RealRouter {
            router: shared.ready.get()?.clone(),
            worker: shared.worker.clone(),
            placing: Arc::clone(&site.placing),
        })
    }
}
