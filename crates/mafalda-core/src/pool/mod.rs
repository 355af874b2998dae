//! The process-wide pool of real mediasoup workers.
//!
//! Workers are threads of this process, created on demand and grouped by
//! compatible settings: every virtual worker whose settings match shares the
//! same real workers. The pool carries out the [`crate::decide::placement`]
//! decisions; it never decides by itself.

mod driven;
mod live_threads;
mod real_worker;
mod request_order;
mod thread_ids;
mod thread_stats;
mod worker_heap;
mod worker_poll;

pub(crate) use driven::DeferWakes;
pub use live_threads::{live_worker_threads, wait_for_worker_threads};
pub(crate) use real_worker::CountedConsumer;
pub use real_worker::{HomeBinding, RealWorker, RAMP_WINDOW};
pub use request_order::{Closer, RequestOrder};
pub use thread_ids::worker_tid;
pub use thread_stats::{thread_cpu_time, ThreadCpuTime};
#[doc(hidden)]
pub use worker_heap::grow_worker_heap;
#[doc(hidden)]
pub use worker_poll::polled_turns;
// Where users of the core have always found it.
pub use crate::config::{available_cores, PoolConfig};

use crate::config::WorkerSettings;
use crate::decide::placement::{self, Decision, Snapshot};
use crate::error::{Error, Result};
use crate::metrics::WorkerCloseReason;
use crate::telemetry::log_debug;
use crate::telemetry::Telemetry;
use mediasoup::worker::WorkerId;
use mediasoup::worker_manager::WorkerManager;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Instant;

/// Called when a real worker dies, with its id and the reason.
pub type DeathCallback = Arc<dyn Fn(WorkerId, String) + Send + Sync>;

#[derive(Default)]
struct State {
    workers: Vec<RealWorker>,
    /// Workers being created: they count against `max_workers` already, so
    /// a burst of requests cannot overshoot the cap.
    creating: usize,
}

/// The pool. Cheap to share behind an `Arc`.
pub struct Pool {
    manager: WorkerManager,
    state: Mutex<State>,
    config: Mutex<PoolConfig>,
    on_death: Mutex<Option<DeathCallback>>,
    telemetry: Arc<Telemetry>,
    /// Keeps worker requests in call order (its executor is `manager`'s).
    /// Declared last: the workers above close through its executor.
    order: RequestOrder,
}

impl Pool {
    /// An empty pool with the given configuration, logging and counting
    /// through `telemetry`.
    pub(crate) fn new(config: PoolConfig, telemetry: Arc<Telemetry>) -> Self {
        let order = RequestOrder::new();
        Self {
            manager: WorkerManager::with_executor(order.executor()),
            state: Mutex::new(State::default()),
            config: Mutex::new(config),
            on_death: Mutex::new(None),
            telemetry,
            order,
        }
    }

    pub(crate) fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    /// The order every call's worker requests keep.
    pub fn order(&self) -> &RequestOrder {
        &self.order
    }

    /// Current configuration.
    pub fn config(&self) -> PoolConfig {
        self.config.lock().clone()
    }

    /// Replaces the configuration. Live workers are kept: a lower
    /// `max_workers` only stops new ones from being created.
    pub fn set_config(&self, config: PoolConfig) {
        *self.config.lock() = config;
    }

    /// Sets who hears about dying workers.
    pub fn on_worker_death(&self, callback: DeathCallback) {
        *self.on_death.lock() = Some(callback);
    }

    /// Live real workers, in creation order.
    pub fn workers(&self) -> Vec<RealWorker> {
        self.state.lock().workers.clone()
    }

    /// A live worker by id.
    pub fn worker(&self, id: WorkerId) -> Option<RealWorker> {
        self.state.lock().workers.iter().find(|w| w.id() == id).cloned()
    }

    /// Loads of the workers of one settings group, at `now`.
    pub fn snapshot(&self, settings: &WorkerSettings, now: Instant) -> Snapshot {
        let state = self.state.lock();
        Snapshot {
            workers: state
                .workers
                .iter()
                .filter(|w| w.settings().same_group(settings))
                .map(|w| w.load(now))
                .collect(),
            total_workers: state.workers.len() + state.creating,
        }
    }

    /// Picks (or starts) the worker for a new real router, preferring
    /// `home` (see [`placement::place_router_near`]); whether it was
    /// started for it.
    pub async fn place_router(
        &self,
        settings: &WorkerSettings,
        home: Option<WorkerId>,
    ) -> Result<(RealWorker, bool)> {
        let config = self.config();
        let now = Instant::now();
        let snapshot = self.snapshot(settings, now);
        let decision = match home {
            Some(home) => placement::place_router_near(&snapshot, &config.limits, config.policy, home),
            None => placement::place_router(&snapshot, &config.limits, config.policy),
        };
        let (worker, started) = self.carry_out(decision, settings).await?;
        worker.note_placement(now);
        Ok((worker, started))
    }

    /// Picks (or starts) the worker a new virtual worker is bound to;
    /// whether it was started for it.
    pub async fn place_virtual_worker(&self, settings: &WorkerSettings) -> Result<(RealWorker, bool)> {
        let config = self.config();
        let decision =
            placement::place_virtual_worker(&self.snapshot(settings, Instant::now()), &config.limits);
        self.carry_out(decision, settings).await
    }

    /// The worker a decision names, or a new one; whether it was started.
    pub(crate) async fn carry_out(
        &self,
        decision: Decision,
        settings: &WorkerSettings,
    ) -> Result<(RealWorker, bool)> {
        match decision {
            Decision::UseWorker(id) => self
                .worker(id)
                .map(|worker| (worker, false))
                .ok_or_else(|| Error::failed(format!("worker {id} went away while placing"))),
            Decision::CreateWorker => match self.create_worker(settings).await {
                Ok(worker) => Ok((worker, true)),
                // Another placement took the last slot meanwhile: share the
                // group's least loaded worker rather than fail.
                Err(error) => {
                    let now = Instant::now();
                    let least = self
                        .workers()
                        .into_iter()
                        .filter(|w| w.settings().same_group(settings))
                        .min_by(|a, b| a.load(now).cpu.total_cmp(&b.load(now).cpu));
                    least.map(|worker| (worker, false)).ok_or(error)
                }
            },
        }
    }

    async fn create_worker(&self, settings: &WorkerSettings) -> Result<RealWorker> {
        let evicted = {
            let mut state = self.state.lock();
            let max = self.config.lock().limits.max_workers.max(1);
            // At the cap, an unused worker of another settings group makes
            // room (before its idle timeout, even if it was just used): the
            // cap is never exceeded.
            let mut evicted = None;
            if state.workers.len() + state.creating >= max {
                if let Some(index) = state
                    .workers
                    .iter()
                    .position(|w| !w.settings().same_group(settings) && w.unreferenced())
                {
                    evicted = Some(state.workers.remove(index));
                }
            }
            if state.workers.len() + state.creating >= max {
                return Err(Error::failed(
                    "no worker available: maxWorkers real workers are busy with other settings",
                ));
            }
            state.creating += 1;
            evicted
        };
        // Dropped outside the lock: the worker thread ends here.
        if let Some(evicted) = evicted {
            self.telemetry.counters.worker_closed(WorkerCloseReason::Evicted);
            log_debug!(
                self.telemetry.logger,
                Pool,
                "real worker closed [pid:{}]: unused, and maxWorkers is reached while other settings need a worker",
                evicted.tid()
            );
            drop(evicted);
        }
        // Awaited through the executor: a worker says it is ready in a
        // notification, inside mediasoup's handler list, where the call
        // must not go on (see `driven`).
        let start = RealWorker::start(self.manager.clone(), settings.clone());
        let created = self.order.executor().spawn(start).await;
        let mut state = self.state.lock();
        state.creating -= 1;
        let worker = created?;
        state.workers.push(worker.clone());
        let running = state.workers.len();
        drop(state);
        self.telemetry.counters.worker_started();
        log_debug!(
            self.telemetry.logger,
            Pool,
            "real worker started [pid:{}]: placement needs one ({} of maxWorkers {} running)",
            worker.tid(),
            running,
            self.config.lock().limits.max_workers
        );

        // The callback holds ids only: whoever handles the death removes the
        // worker from the pool (see `remove_worker`).
        let id = worker.id();
        let on_death = self.on_death.lock().clone();
        worker.on_dead(Box::new(move |message| {
            if let Some(callback) = &on_death {
                callback(id, message);
            }
        }));
        Ok(worker)
    }

    /// Hands a worker's death to the death handler, as mediasoup-rust's
    /// `on_dead` does (see `Mafalda::kill_worker_for_test`).
    pub fn report_death(&self, id: WorkerId, message: String) {
        let on_death = self.on_death.lock().clone();
        if let Some(callback) = on_death {
            callback(id, message);
        }
    }

    /// Takes every worker out of the pool (for shutdown).
    pub fn remove_all(&self) -> Vec<RealWorker> {
        std::mem::take(&mut self.state.lock().workers)
    }

    /// Drops a worker from the pool (the worker thread ends once nothing
    /// else holds it). Used for dead workers and idle ones.
    pub fn remove_worker(&self, id: WorkerId) -> Option<RealWorker> {
        let mut state = self.state.lock();
        let index = state.workers.iter().position(|w| w.id() == id)?;
        Some(state.workers.remove(index))
    }
}
