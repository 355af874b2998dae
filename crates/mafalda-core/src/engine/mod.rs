//! [`Mafalda`]: the handle everything goes through, and its operations,
//! one module per entity (as mediasoup's API groups them). The top layer:
//! it decides with `decide`, acts through `pool` and the registry in
//! `state`, and may use every layer below.

use crate::engine::link::Link;
use crate::engine::link::LoopbackLink;
use crate::events::EventRoute;
use crate::events::LocalRoute;
use crate::ids::VirtualRouterId;
use crate::state::Directory;
use crate::state::LocalDirectory;

mod arrival;
mod consumer;
mod data_consumer;
mod data_dump;
mod data_producer;
mod direct;
mod import;
mod introspection;
mod link;
mod metrics;
mod observer;
mod piping;
mod producer;
mod router;
#[cfg(test)]
mod seams_tests;
mod transport;
mod webrtc_server;
mod worker;
mod worker_logs;

pub use consumer::ConsumerInfo;
pub use data_consumer::{DataConsumeOptions, DataConsumerInfo, SubchannelChange};
pub use data_producer::{DataProduceOptions, DataProducerInfo};
pub use introspection::{PoolDump, RealRouterDump, RealWorkerDump};
pub use observer::ObserverOptions;
pub use producer::ProducerInfo;
pub use router::RouterInfo;
pub use transport::{
    Connected, TransportData, TransportInfo, TransportOptions, TransportRemoteParameters, TransportStats,
};
pub use worker::{ResourceUsage, WorkerInfo};

use crate::config::PoolConfig;
use crate::decide::placement;
use crate::error::{Error, Result};
use crate::events::{Event, EventSink};
use crate::metrics::WorkerCloseReason;
use crate::pool::{DeferWakes, Pool};
use crate::state::{Garbage, Registry};
use crate::telemetry::Telemetry;
use crate::telemetry::{log_debug, log_warn};
use mediasoup::consumer::ConsumerId;
use mediasoup::worker::WorkerId;
use parking_lot::{Mutex, MutexGuard};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Weak};
use std::time::{Duration, Instant};

/// Work that mediasoup's event handlers hand over instead of doing in place
/// (they run inside mediasoup's own callbacks, where dropping handles or
/// taking the registry lock is not safe).
pub(crate) enum Cleanup {
    /// The worker closed this consumer (its producer closed).
    Consumer(ConsumerId),
    /// The worker closed this data consumer (its data producer closed).
    DataConsumer(mediasoup::data_consumer::DataConsumerId),
    /// This real worker died.
    WorkerDied(WorkerId, String),
}

pub(crate) struct Inner {
    pool: Pool,
    registry: Mutex<Registry>,
    seams: Seams,
    cleanup: mpsc::Sender<Cleanup>,
}

/// What the engine reaches through a seam rather than directly: where
/// sources live, how real routers are joined, where events go. One process
/// uses the local implementation of each ([`Seams::local`]); the seams are
/// where several machines plug in, and where tests put fakes.
pub(crate) struct Seams {
    pub directory: Arc<dyn Directory>,
    pub link: Arc<dyn Link>,
    pub events: Arc<dyn EventRoute>,
}

impl Seams {
    /// Everything in this process, every event to `sink`.
    pub fn local(sink: Arc<dyn EventSink>) -> Self {
        Self {
            directory: Arc::new(LocalDirectory),
            link: Arc::new(LoopbackLink),
            events: Arc::new(LocalRoute(sink)),
        }
    }
}

/// The locked registry (see [`Mafalda::registry`]).
pub(crate) struct RegistryGuard<'a> {
    guard: MutexGuard<'a, Registry>,
    _defer: DeferWakes,
}

impl std::ops::Deref for RegistryGuard<'_> {
    type Target = Registry;
    fn deref(&self) -> &Registry {
        &self.guard
    }
}

impl std::ops::DerefMut for RegistryGuard<'_> {
    fn deref_mut(&mut self) -> &mut Registry {
        &mut self.guard
    }
}

/// The mafalda engine: a pool of real workers and the registry of every
/// mediasoup object created through it. Cheap to clone.
#[derive(Clone)]
pub struct Mafalda {
    inner: Arc<Inner>,
}

impl Mafalda {
    /// A new engine delivering events to `sink`.
    pub fn new(config: PoolConfig, sink: Arc<dyn EventSink>) -> Self {
        Self::with_seams(config, Seams::local(sink))
    }

    /// A new engine reaching sources, other routers and the application
    /// through `seams`.
    pub(crate) fn with_seams(config: PoolConfig, seams: Seams) -> Self {
        let (cleanup, janitor_queue) = mpsc::channel();
        let inner = Arc::new(Inner {
            pool: Pool::new(config, Telemetry::new(seams.events.sink_for(None))),
            registry: Mutex::new(Registry::default()),
            seams,
            cleanup: cleanup.clone(),
        });
        inner.pool.on_worker_death(Arc::new(move |id, message| {
            let _ = cleanup.send(Cleanup::WorkerDied(id, message));
        }));
        let weak = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("mafalda-janitor".into())
            .spawn(move || janitor(weak, janitor_queue))
            .expect("cannot spawn the janitor thread");
        Self { inner }
    }

    /// The pool of real workers.
    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// The registry, locked. Calls woken on this thread while it is held
    /// are polled elsewhere (they may need it).
    pub(crate) fn registry(&self) -> RegistryGuard<'_> {
        let defer = DeferWakes::enter();
        RegistryGuard {
            guard: self.inner.registry.lock(),
            _defer: defer,
        }
    }

    /// Where events of objects of `room` go (`None`: the engine's own).
    pub(crate) fn events(&self, room: Option<VirtualRouterId>) -> Arc<dyn EventSink> {
        self.inner.seams.events.sink_for(room)
    }

    /// Where sources live.
    pub(crate) fn directory(&self) -> &dyn Directory {
        self.inner.seams.directory.as_ref()
    }

    /// How real routers are joined for pipes.
    pub(crate) fn link(&self) -> &dyn Link {
        self.inner.seams.link.as_ref()
    }

    /// The engine's logger and counters.
    pub(crate) fn telemetry(&self) -> &Arc<Telemetry> {
        self.pool().telemetry()
    }

    /// A reference that does not keep the engine alive.
    pub(crate) fn downgrade(&self) -> Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    /// The engine behind `weak`, if it is still alive.
    pub(crate) fn upgrade(weak: &Weak<Inner>) -> Option<Self> {
        weak.upgrade().map(|inner| Self { inner })
    }

    /// An empty [`Garbage`] that marks its closes for the request order
    /// when dropped.
    pub(crate) fn garbage(&self) -> Garbage {
        let mut garbage = Garbage::default();
        garbage.closer = Some(self.pool().order().closer());
        garbage.telemetry = Some(Arc::clone(self.telemetry()));
        garbage
    }

    pub(crate) fn cleanup_sender(&self) -> mpsc::Sender<Cleanup> {
        self.inner.cleanup.clone()
    }

    /// Catches a close by the worker that came before anyone listened.
    ///
    /// A new (data) consumer's producer can close between the worker
    /// creating it and mafalda subscribing to its events; mediasoup-rust
    /// then calls no handler and spawns the consumer's close on the
    /// executor. A handler that did run may also have sent its cleanup
    /// before the entry was stored, so the cleanup found nothing. Call this
    /// once the entry is stored: `closed` runs on the executor behind any
    /// such close and says whether the worker closed it (`None`: the
    /// application dropped it meanwhile); then, unless the handler already
    /// did, the close is reported through `report` (once, guarded by
    /// `reported`), and `cleanup` is sent again.
    pub(crate) fn catch_early_close(
        &self,
        room: VirtualRouterId,
        closed: impl FnOnce() -> Option<bool> + Send + 'static,
        reported: Arc<AtomicBool>,
        report: impl FnOnce(&dyn EventSink) + Send + 'static,
        cleanup: Cleanup,
    ) {
        let sink = self.events(Some(room));
        let cleanups = self.cleanup_sender();
        let check = async move {
            let Some(closed) = closed() else { return };
            if !closed && !reported.load(Ordering::SeqCst) {
                return;
            }
            if !reported.swap(true, Ordering::SeqCst) {
                report(sink.as_ref());
            }
            let _ = cleanups.send(cleanup);
        };
        self.pool().order().executor().spawn(check).detach();
    }

    /// Closes real workers that have carried nothing (no router, no virtual
    /// worker reporting them as its own, no placement in the ramp-up window)
    /// for `idle_worker_timeout`. Called after closings and periodically.
    pub(crate) fn collect_idle_workers(&self) {
        let now = Instant::now();
        let timeout = self.pool().config().idle_worker_timeout;
        for worker in self.pool().workers() {
            let since = worker.set_idle(worker.is_idle(now), now);
            if placement::idle_expired(since, now, timeout) {
                // Dropped here, outside every lock.
                if let Some(closed) = self.pool().remove_worker(worker.id()) {
                    let telemetry = self.telemetry();
                    telemetry.counters.worker_closed(WorkerCloseReason::Idle);
                    log_debug!(
                        telemetry.logger,
                        Pool,
                        "real worker closed [pid:{}]: idle for idleWorkerTimeout ({} ms)",
                        closed.tid(),
                        timeout.as_millis()
                    );
                }
            }
        }
    }

    /// Samples the CPU of every real worker, closes pipes that lingered
    /// long enough, then expired idle workers.
    fn tick(&self) {
        let now = Instant::now();
        for worker in self.pool().workers() {
            worker.sample_cpu(now);
        }
        self.collect_idle_pipes(now);
        self.collect_idle_workers();
    }

    /// Closes everything (rooms, servers, virtual and real workers) and
    /// waits, at most `timeout`, until every worker thread has ended. For
    /// process exit: see [`crate::pool::wait_for_worker_threads`]. Whether
    /// all threads ended.
    pub fn shutdown(&self, timeout: std::time::Duration) -> bool {
        let garbage = {
            let mut registry = self.registry();
            let mut garbage = self.garbage();
            let routers: Vec<_> = registry.routers.keys().copied().collect();
            for router in routers {
                registry.take_router(router, &mut garbage);
            }
            let servers: Vec<_> = registry.webrtc_servers.keys().copied().collect();
            for server in servers {
                registry.take_webrtc_server(server, &mut garbage);
            }
            garbage
                .workers
                .extend(registry.workers.drain().map(|(_, worker)| worker));
            garbage
        };
        drop(garbage);
        let workers = self.pool().remove_all();
        let telemetry = self.telemetry();
        for worker in &workers {
            telemetry.counters.worker_closed(WorkerCloseReason::Shutdown);
            log_debug!(
                telemetry.logger,
                Pool,
                "real worker closed [pid:{}]: the process is exiting",
                worker.tid()
            );
        }
        drop(workers);
        crate::pool::wait_for_worker_threads(timeout)
    }

    /// Changes the pool's configuration; live work is never closed by it.
    pub fn configure(&self, config: PoolConfig) {
        self.pool().set_config(config);
        self.collect_idle_workers();
    }

    /// Reports real worker `tid` dead the way mediasoup-rust reports a
    /// worker whose thread ended (the same callback, the same cleanup), so
    /// that tests can exercise worker death. Only when the process runs with
    /// `MAFALDA_TEST_HOOKS=1`; a worker thread cannot be made to end from
    /// outside otherwise.
    pub fn kill_worker_for_test(&self, tid: u32) -> Result<()> {
        if std::env::var("MAFALDA_TEST_HOOKS").as_deref() != Ok("1") {
            return Err(Error::unsupported(
                "killing a worker is a test hook (set MAFALDA_TEST_HOOKS=1)",
            ));
        }
        let worker = self
            .pool()
            .workers()
            .into_iter()
            .find(|worker| worker.tid() == tid)
            .ok_or_else(|| Error::type_error(format!("no real worker with thread id {tid}")))?;
        self.pool()
            .report_death(worker.id(), "killed by a test hook".to_string());
        Ok(())
    }

    /// A real worker died. What lived on it is gone, and nothing else:
    /// * the virtual workers bound to it die with it, as a mediasoup worker
    ///   does (`died`; their rooms and WebRtcServers close);
    /// * a room of another virtual worker that also had real routers on
    ///   live workers loses only its part on the dead one: those transports
    ///   close with `routerclose` (their producers' consumers elsewhere get
    ///   `producerclose` from the worker), its observers too if they lived
    ///   there, and its next transports are placed on live workers; a room
    ///   that lived only there closes with `workerclose`.
    fn worker_died(&self, id: WorkerId, message: String) {
        if let Some(dead) = self.pool().remove_worker(id) {
            let telemetry = self.telemetry();
            telemetry.counters.worker_closed(WorkerCloseReason::Died);
            log_warn!(
                telemetry.logger,
                Pool,
                "real worker died [pid:{}]: {message}; its rooms lose what lived there",
                dead.tid()
            );
        }
        let mut events = Vec::new();
        let garbage = {
            let mut registry = self.registry();
            let mut garbage = self.garbage();
            let dead_workers: Vec<_> = registry
                .workers
                .iter()
                .filter(|(_, entry)| entry.home.worker().id() == id)
                .map(|(worker, _)| *worker)
                .collect();
            for worker in dead_workers {
                if let Some(entry) = registry.workers.remove(&worker) {
                    for router in entry.routers.iter() {
                        registry.take_router(*router, &mut garbage);
                    }
                    for server in entry.webrtc_servers.iter() {
                        registry.take_webrtc_server(*server, &mut garbage);
                    }
                    garbage.workers.push(entry);
                }
                events.push((
                    None,
                    Event::WorkerDied {
                        worker,
                        message: message.clone(),
                    },
                ));
            }
            let touched: Vec<_> = registry
                .routers
                .iter()
                .filter_map(|(room, entry)| {
                    let dead = entry.sites.iter().find(|site| site.location.worker == id)?;
                    let only_there = entry.sites.iter().all(|site| site.location.worker == id);
                    Some((*room, dead.location.router, only_there))
                })
                .collect();
            for (room, dead_router, only_there) in touched {
                if only_there {
                    registry.take_router(room, &mut garbage);
                    events.push((Some(room), Event::RouterWorkerClose { router: room }));
                } else {
                    let (transports, observers) = registry.take_room_part(room, dead_router, &mut garbage);
                    events.extend(
                        observers
                            .into_iter()
                            .map(|observer| (Some(room), Event::ObserverRouterClose { observer })),
                    );
                    events.extend(
                        transports
                            .into_iter()
                            .map(|transport| (Some(room), Event::TransportRouterClose { transport })),
                    );
                }
            }
            garbage
        };
        drop(garbage);
        for (room, event) in events {
            self.events(room).emit(event);
        }
        self.collect_idle_workers();
    }
}

/// How often worker CPU is sampled (and idle workers looked for).
pub const SAMPLE_INTERVAL: Duration = Duration::from_millis(500);

/// The engine's own thread: cleanups handed over by event handlers, and
/// every [`SAMPLE_INTERVAL`] a CPU sample of each worker (one small `/proc`
/// read per worker) and the idle-worker check. It ends with the engine.
///
/// It never waits on a worker (requests made on behalf of mediasoup's
/// callbacks run as tasks on the workers' executor instead), so a wedged
/// worker cannot stop cleanups, sampling, pipe linger or idle reaping. A
/// panic in one step is contained to that step, for the same reason.
fn janitor(engine: Weak<Inner>, queue: mpsc::Receiver<Cleanup>) {
    let mut next_tick = Instant::now() + SAMPLE_INTERVAL;
    loop {
        let job = queue.recv_timeout(next_tick.saturating_duration_since(Instant::now()));
        let Some(inner) = engine.upgrade() else { return };
        let mafalda = Mafalda { inner };
        let job = match job {
            Ok(job) => Some(job),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        contained("a cleanup", || match job {
            Some(Cleanup::Consumer(id)) => mafalda.close_consumer(id),
            Some(Cleanup::DataConsumer(id)) => mafalda.close_data_consumer(id),
            Some(Cleanup::WorkerDied(id, message)) => mafalda.worker_died(id, message),
            None => {}
        });
        if Instant::now() >= next_tick {
            contained("the periodic sample", || mafalda.tick());
            next_tick = Instant::now() + SAMPLE_INTERVAL;
        }
    }
}

/// Runs one janitor step; a panic in it is reported and the thread goes on.
fn contained(step: &str, run: impl FnOnce()) {
    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("mafalda: internal error in {step} (the engine goes on): {message}");
    }
}
