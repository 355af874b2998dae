//! `mafalda.metrics()`: counters of what the engine did and the pool's state
//! as the engine holds it.
//!
//! Nothing here asks a worker: per-worker counts come from the registry
//! (every object's entry names its real router) and CPU from the janitor's
//! last sample, so a scrape costs two short lock holds however often it
//! comes, and a wedged worker cannot stall it. [`crate::prometheus`]
//! renders the result.

use crate::error::ErrorKind;
use crate::ids::PipeSource;
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
    /// The counters, in a [`Metrics`] whose pool figures the caller fills.
    pub fn totals(&self) -> Metrics {
        Metrics {
            workers_started: self.workers_started.load(Ordering::Relaxed),
            workers_closed: read(&WorkerCloseReason::ALL, &self.workers_closed),
            placements: read(&PlacementOutcome::ALL, &self.placements),
            pipes_opened: read(&PipeKind::ALL, &self.pipes_opened),
            pipes_closed: read(&PipeKind::ALL, &self.pipes_closed),
            errors: read(&ERROR_KINDS, &self.errors),
            ..Metrics::default()
        }
    }

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
