//! `mafalda.metrics()`: counters of what the engine did and the pool's state
//! as the engine holds it.
//!
//! Nothing here asks a worker: per-worker counts come from the registry
//! (every object's entry names its real router) and CPU from the janitor's
//! last sample, so a scrape costs two short lock holds however often it
//! comes, and a wedged worker cannot stall it. [`crate::prometheus`]
//! renders the result.

use crate::error::ErrorKind;
use crate::mafalda::Mafalda;
use crate::piping::PipeSource;
use mediasoup::router::RouterId;
use mediasoup::worker::WorkerId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a real worker left the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerCloseReason {
    /// It carried nothing for `idleWorkerTimeout`.
    Idle,
    /// It died (its thread ended, or mediasoup reported it dead).
    Died,
    /// At `maxWorkers`, it carried nothing and another settings group
    /// needed its slot.
    Evicted,
    /// The process is exiting.
    Shutdown,
}

impl WorkerCloseReason {
    /// Every reason, in counter order.
    pub const ALL: [WorkerCloseReason; 4] = [
        WorkerCloseReason::Idle,
        WorkerCloseReason::Died,
        WorkerCloseReason::Evicted,
        WorkerCloseReason::Shutdown,
    ];

    /// The reason as a label value.
    pub fn name(self) -> &'static str {
        match self {
            WorkerCloseReason::Idle => "idle",
            WorkerCloseReason::Died => "died",
            WorkerCloseReason::Evicted => "evicted",
            WorkerCloseReason::Shutdown => "shutdown",
        }
    }
}

/// What placement decided, as carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementOutcome {
    /// A new room went on a running real worker.
    RoomOnWorker,
    /// A new room started a real worker.
    RoomOnNewWorker,
    /// A new virtual worker was bound to a running real worker.
    VirtualWorkerOnWorker,
    /// A new virtual worker started a real worker.
    VirtualWorkerOnNewWorker,
    /// A new transport went on one of its room's real routers.
    TransportOnRoomRouter,
    /// A new transport grew its room onto another running real worker.
    RoomGrown,
    /// A new transport grew its room onto a real worker it started.
    RoomGrownOnNewWorker,
}

impl PlacementOutcome {
    /// Every outcome, in counter order.
    pub const ALL: [PlacementOutcome; 7] = [
        PlacementOutcome::RoomOnWorker,
        PlacementOutcome::RoomOnNewWorker,
        PlacementOutcome::VirtualWorkerOnWorker,
        PlacementOutcome::VirtualWorkerOnNewWorker,
        PlacementOutcome::TransportOnRoomRouter,
        PlacementOutcome::RoomGrown,
        PlacementOutcome::RoomGrownOnNewWorker,
    ];

    /// What was placed, as a label value.
    pub fn placed(self) -> &'static str {
        match self {
            PlacementOutcome::RoomOnWorker | PlacementOutcome::RoomOnNewWorker => "room",
            PlacementOutcome::VirtualWorkerOnWorker | PlacementOutcome::VirtualWorkerOnNewWorker => {
                "virtual_worker"
            }
            PlacementOutcome::TransportOnRoomRouter
            | PlacementOutcome::RoomGrown
            | PlacementOutcome::RoomGrownOnNewWorker => "transport",
        }
    }

    /// Where it went, as a label value.
    pub fn outcome(self) -> &'static str {
        match self {
            PlacementOutcome::RoomOnWorker | PlacementOutcome::VirtualWorkerOnWorker => "existing_worker",
            PlacementOutcome::RoomOnNewWorker | PlacementOutcome::VirtualWorkerOnNewWorker => "new_worker",
            PlacementOutcome::TransportOnRoomRouter => "room_router",
            PlacementOutcome::RoomGrown => "grown",
            PlacementOutcome::RoomGrownOnNewWorker => "grown_new_worker",
        }
    }

    /// The same placement when it had to start a real worker (as
    /// [`crate::pool::Pool`] finds out while carrying it out).
    pub(crate) fn on_new_worker(self) -> Self {
        match self {
            PlacementOutcome::RoomOnWorker => PlacementOutcome::RoomOnNewWorker,
            PlacementOutcome::VirtualWorkerOnWorker => PlacementOutcome::VirtualWorkerOnNewWorker,
            PlacementOutcome::RoomGrown => PlacementOutcome::RoomGrownOnNewWorker,
            other => other,
        }
    }
}

/// What a pipe carries, as a label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeKind {
    /// A producer's media.
    Media,
    /// A data producer's messages.
    Data,
}

impl PipeKind {
    /// Both kinds, in counter order.
    pub const ALL: [PipeKind; 2] = [PipeKind::Media, PipeKind::Data];

    /// The kind as a label value.
    pub fn name(self) -> &'static str {
        match self {
            PipeKind::Media => "media",
            PipeKind::Data => "data",
        }
    }
}

impl From<PipeSource> for PipeKind {
    fn from(source: PipeSource) -> Self {
        match source {
            PipeSource::Media(_) => PipeKind::Media,
            PipeSource::Data(_) => PipeKind::Data,
        }
    }
}

const ERROR_KINDS: [ErrorKind; 4] = [
    ErrorKind::TypeError,
    ErrorKind::InvalidState,
    ErrorKind::Unsupported,
    ErrorKind::Failed,
];

/// Monotonic counters, bumped where the effect is carried out.
#[derive(Default)]
pub(crate) struct Counters {
    workers_started: AtomicU64,
    workers_closed: [AtomicU64; WorkerCloseReason::ALL.len()],
    placements: [AtomicU64; PlacementOutcome::ALL.len()],
    pipes_opened: [AtomicU64; PipeKind::ALL.len()],
    pipes_closed: [AtomicU64; PipeKind::ALL.len()],
    errors: [AtomicU64; ERROR_KINDS.len()],
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

fn read<T: Copy>(all: &[T], counters: &[AtomicU64]) -> Vec<(T, u64)> {
    all.iter()
        .zip(counters)
        .map(|(key, counter)| (*key, counter.load(Ordering::Relaxed)))
        .collect()
}

impl Counters {
    pub fn worker_started(&self) {
        bump(&self.workers_started);
    }

    pub fn worker_closed(&self, reason: WorkerCloseReason) {
        bump(&self.workers_closed[reason as usize]);
    }

    pub fn placed(&self, outcome: PlacementOutcome) {
        bump(&self.placements[outcome as usize]);
    }

    pub fn pipe_opened(&self, kind: PipeKind) {
        bump(&self.pipes_opened[kind as usize]);
    }

    pub fn pipe_closed(&self, kind: PipeKind) {
        bump(&self.pipes_closed[kind as usize]);
    }

    pub fn error(&self, kind: ErrorKind) {
        bump(&self.errors[kind as usize]);
    }
}

/// One real worker, as the engine holds it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerMetrics {
    /// Thread id of the worker (what `worker.pid` reports).
    pub pid: u32,
    /// Smoothed CPU, percent of one core (the janitor's last sample).
    pub cpu: f64,
    /// Real routers on it.
    pub routers: usize,
    /// Transports on it, pipe transports included.
    pub transports: usize,
    /// Producers on it, pipe producers included.
    pub producers: usize,
    /// Consumers on it, pipe consumers included.
    pub consumers: usize,
    /// Producers that are the far end of a pipe from another worker.
    pub pipe_producers: usize,
    /// Consumers that feed a pipe to another worker.
    pub pipe_consumers: usize,
    /// Data producers on it, pipe data producers included.
    pub data_producers: usize,
    /// Data consumers on it, pipe data consumers included.
    pub data_consumers: usize,
}

/// Everything `mafalda.metrics()` reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// Live real workers, in creation order.
    pub workers: Vec<WorkerMetrics>,
    /// Open rooms (virtual routers).
    pub rooms: usize,
    /// Pipes open now, by kind.
    pub pipes: Vec<(PipeKind, usize)>,
    /// Real workers started since the process started.
    pub workers_started: u64,
    /// Real workers closed, by reason.
    pub workers_closed: Vec<(WorkerCloseReason, u64)>,
    /// Placements carried out, by outcome.
    pub placements: Vec<(PlacementOutcome, u64)>,
    /// Pipes opened, by kind.
    pub pipes_opened: Vec<(PipeKind, u64)>,
    /// Pipes closed, by kind.
    pub pipes_closed: Vec<(PipeKind, u64)>,
    /// Errors the API returned, by class.
    pub errors: Vec<(ErrorKind, u64)>,
    /// Packet-rate events dropped on their way to the application; the
    /// core does not see them, whoever delivers events fills it in.
    pub dropped_events: u64,
}

impl Mafalda {
    /// Counts an error the API returned to the application (the binding
    /// calls it where it converts errors, so every error is counted once).
    pub fn count_error(&self, kind: ErrorKind) {
        self.telemetry().counters.error(kind);
    }

    /// The engine's counters and the pool as the registry holds it; no
    /// worker is asked anything.
    pub fn metrics(&self) -> Metrics {
        let workers = self.pool().workers();
        let counters = &self.telemetry().counters;
        let mut metrics = Metrics {
            workers: workers
                .iter()
                .map(|worker| WorkerMetrics {
                    pid: worker.tid(),
                    cpu: worker.cpu(),
                    ..WorkerMetrics::default()
                })
                .collect(),
            workers_started: counters.workers_started.load(Ordering::Relaxed),
            workers_closed: read(&WorkerCloseReason::ALL, &counters.workers_closed),
            placements: read(&PlacementOutcome::ALL, &counters.placements),
            pipes_opened: read(&PipeKind::ALL, &counters.pipes_opened),
            pipes_closed: read(&PipeKind::ALL, &counters.pipes_closed),
            errors: read(&ERROR_KINDS, &counters.errors),
            ..Metrics::default()
        };
        let index: HashMap<WorkerId, usize> = workers
            .iter()
            .enumerate()
            .map(|(index, worker)| (worker.id(), index))
            .collect();
        let registry = self.registry();
        // Where each real router lives, as an index into `metrics.workers`.
        let on: HashMap<RouterId, usize> = registry
            .shared_routers
            .values()
            .filter_map(|shared| Some((shared.ready.get()?.id(), *index.get(&shared.worker.id())?)))
            .collect();
        let workers = &mut metrics.workers;
        for router in on.keys() {
            if let Some(worker) = at(workers, &on, router) {
                worker.routers += 1;
            }
        }
        for transport in registry.transports.values() {
            if let Some(worker) = at(workers, &on, &transport.real_router) {
                worker.transports += 1;
            }
        }
        for pair in registry.pipe_pairs.values() {
            for router in pair
                .ready
                .get()
                .into_iter()
                .flat_map(|pair| pair.transports.keys())
            {
                if let Some(worker) = at(workers, &on, router) {
                    worker.transports += 1;
                }
            }
        }
        for producer in registry.producers.values() {
            if let Some(worker) = at(workers, &on, &producer.real_router) {
                worker.producers += 1;
            }
        }
        for data_producer in registry.data_producers.values() {
            if let Some(worker) = at(workers, &on, &data_producer.real_router) {
                worker.data_producers += 1;
            }
        }
        let router_of = |transport| registry.transports.get(transport).map(|t| t.real_router);
        for consumer in registry.consumers.values() {
            if let Some(worker) = router_of(&consumer.transport).and_then(|r| at(workers, &on, &r)) {
                worker.consumers += 1;
            }
        }
        for data_consumer in registry.data_consumers.values() {
            if let Some(worker) = router_of(&data_consumer.transport).and_then(|r| at(workers, &on, &r)) {
                worker.data_consumers += 1;
            }
        }
        let mut open = [0usize; PipeKind::ALL.len()];
        for ((source, destination), pipe) in registry.pipes.iter() {
            if !pipe.ready.initialized() {
                continue;
            }
            let kind = PipeKind::from(*source);
            open[kind as usize] += 1;
            if let Some(worker) = at(workers, &on, destination) {
                match kind {
                    PipeKind::Media => {
                        worker.producers += 1;
                        worker.pipe_producers += 1;
                    }
                    PipeKind::Data => worker.data_producers += 1,
                }
            }
            if let Some(worker) = at(workers, &on, &pipe.source) {
                match kind {
                    PipeKind::Media => {
                        worker.consumers += 1;
                        worker.pipe_consumers += 1;
                    }
                    PipeKind::Data => worker.data_consumers += 1,
                }
            }
        }
        metrics.rooms = registry.routers.len();
        drop(registry);
        metrics.pipes = PipeKind::ALL
            .iter()
            .map(|kind| (*kind, open[*kind as usize]))
            .collect();
        metrics
    }
}

/// The worker entry of the real router `router`, if it lives on a live worker.
fn at<'a>(
    workers: &'a mut [WorkerMetrics],
    on: &HashMap<RouterId, usize>,
    router: &RouterId,
) -> Option<&'a mut WorkerMetrics> {
    on.get(router).and_then(|index| workers.get_mut(*index))
}
