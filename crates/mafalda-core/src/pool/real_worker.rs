//! One real mediasoup worker (a thread of this process) and its counters.

use super::thread_stats::{thread_cpu_time, ThreadCpuTime};
use crate::config::WorkerSettings;
use crate::decide::placement::WorkerLoad;
use crate::error::{Error, Result};
use mediasoup::worker::{Worker, WorkerId};
use mediasoup::worker_manager::WorkerManager;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a placement counts as ramp-up load (see [`crate::decide::placement`]):
/// a few CPU samples, so that the smoothed reading has caught up.
pub const RAMP_WINDOW: Duration = Duration::from_secs(3);

/// Weight of a new CPU sample in the smoothed value.
const SMOOTHING: f64 = 0.5;

struct Inner {
    worker: Worker,
    /// Linux thread id of the worker thread: what `worker.pid` reports.
    tid: u32,
    settings: WorkerSettings,
    routers: AtomicU32,
    consumers: AtomicU32,
    /// Virtual workers bound to it (reporting its thread id as `pid`).
    bound: AtomicU32,
    /// Smoothed CPU in percent of one core, as `f64` bits.
    cpu: AtomicU64,
    /// When placements were made here, for the ramp-up allowance.
    placements: Mutex<VecDeque<Instant>>,
    /// Since when nothing lives here (`None` while something does).
    idle_since: Mutex<Option<Instant>>,
    /// The previous CPU reading, to turn CPU time into a rate.
    last_sample: Mutex<Option<(ThreadCpuTime, Instant)>>,
    handlers: Mutex<Vec<event_listener_primitives::HandlerId>>,
}

/// A cheap handle to a real worker. The pool holds one per live worker;
/// mediasoup routers hold the underlying worker alive too.
#[derive(Clone)]
pub struct RealWorker {
    inner: Arc<Inner>,
}

impl RealWorker {
    pub(super) async fn start(manager: WorkerManager, settings: WorkerSettings) -> Result<Self> {
        let tid = Arc::new(AtomicU32::new(0));
        let mut ms_settings = settings.to_mediasoup();
        {
            let tid = Arc::clone(&tid);
            // Runs on the worker thread before the worker starts: the only
            // place where its thread id can be read.
            ms_settings.thread_initializer = Some(Arc::new(move || {
                let id = current_thread_id();
                tid.store(id, Ordering::SeqCst);
                super::thread_ids::note_worker_thread(id);
                super::live_threads::enter_worker_thread();
                super::worker_heap::grow_worker_heap();
            }));
        }
        let worker = manager
            .create_worker(ms_settings)
            .await
            .map_err(|error| Error::failed(format!("cannot start a mediasoup worker: {error}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                worker,
                tid: tid.load(Ordering::SeqCst),
                settings,
                routers: AtomicU32::new(0),
                consumers: AtomicU32::new(0),
                bound: AtomicU32::new(0),
                cpu: AtomicU64::new(0f64.to_bits()),
                placements: Mutex::new(VecDeque::new()),
                idle_since: Mutex::new(None),
                last_sample: Mutex::new(None),
                handlers: Mutex::new(Vec::new()),
            }),
        })
    }

    pub(super) fn on_dead(&self, callback: Box<dyn FnOnce(String) + Send + Sync>) {
        let handler = self.inner.worker.on_dead(move |result| {
            let message = match result {
                Ok(()) => "worker thread exited".to_string(),
                Err(error) => error.to_string(),
            };
            callback(message);
        });
        self.inner.handlers.lock().push(handler);
    }

    /// mediasoup's id of the worker.
    pub fn id(&self) -> WorkerId {
        self.inner.worker.id()
    }

    /// The mediasoup worker.
    pub fn worker(&self) -> &Worker {
        &self.inner.worker
    }

    /// Linux thread id of the worker thread.
    pub fn tid(&self) -> u32 {
        self.inner.tid
    }

    /// Settings the worker runs with.
    pub fn settings(&self) -> &WorkerSettings {
        &self.inner.settings
    }

    /// CPU time of the worker thread so far.
    pub fn cpu_time(&self) -> Option<ThreadCpuTime> {
        thread_cpu_time(self.inner.tid)
    }

    /// Smoothed CPU in percent of one core.
    pub fn cpu(&self) -> f64 {
        f64::from_bits(self.inner.cpu.load(Ordering::Relaxed))
    }

    /// Records a new smoothed CPU reading.
    pub fn set_cpu(&self, percent: f64) {
        self.inner.cpu.store(percent.to_bits(), Ordering::Relaxed);
    }

    /// Rooms placed on this worker: one per room that has a real router
    /// here, though rooms with the same codecs share one real router.
    pub fn routers(&self) -> u32 {
        self.inner.routers.load(Ordering::SeqCst)
    }

    /// Consumers on this worker.
    pub fn consumers(&self) -> u32 {
        self.inner.consumers.load(Ordering::SeqCst)
    }

    /// Whether nothing lives here: no router, no virtual worker bound, no
    /// placement in the ramp-up window.
    pub fn is_idle(&self, now: Instant) -> bool {
        let load = self.load(now);
        load.routers == 0 && load.recent == 0 && self.inner.bound.load(Ordering::SeqCst) == 0
    }

    /// Whether nothing but the pool's own handle refers to this worker: no
    /// router, no bound virtual worker and no placement in progress holds
    /// a handle. Such a worker can be closed at once to make room.
    pub(crate) fn unreferenced(&self) -> bool {
        Arc::strong_count(&self.inner) == 1
    }

    /// Binds a virtual worker to this worker until the returned guard drops.
    pub(crate) fn bind(&self) -> HomeBinding {
        self.inner.bound.fetch_add(1, Ordering::SeqCst);
        HomeBinding { worker: self.clone() }
    }

    pub(crate) fn add_routers(&self, delta: i32) {
        add(&self.inner.routers, delta);
    }

    /// Counts one consumer (of the application's or feeding a pipe) against
    /// this worker's budget until the returned guard drops. Tied to the
    /// consumer's handle rather than to bookkeeping steps, so that a
    /// consumer made while its producer closes is uncounted exactly once.
    pub(crate) fn count_consumer(&self) -> CountedConsumer {
        add(&self.inner.consumers, 1);
        CountedConsumer { worker: self.clone() }
    }

    /// Records a placement made here at `now` (ramp-up allowance).
    pub(crate) fn note_placement(&self, now: Instant) {
        let mut placements = self.inner.placements.lock();
        placements.push_back(now);
        prune(&mut placements, now);
    }

    /// This worker's load at `now`, for placement.
    pub fn load(&self, now: Instant) -> WorkerLoad {
        let recent = {
            let mut placements = self.inner.placements.lock();
            prune(&mut placements, now);
            placements.len() as u32
        };
        WorkerLoad {
            id: self.id(),
            cpu: self.cpu(),
            routers: self.routers(),
            consumers: self.consumers(),
            recent,
        }
    }

    /// Reads the thread's CPU time and updates the smoothed CPU percentage.
    pub fn sample_cpu(&self, now: Instant) {
        let Some(time) = self.cpu_time() else { return };
        let previous = self.inner.last_sample.lock().replace((time, now));
        let Some((before, then)) = previous else { return };
        let elapsed = now.saturating_duration_since(then).as_micros() as f64;
        if elapsed <= 0.0 {
            return;
        }
        let used = (time.user_us + time.system_us).saturating_sub(before.user_us + before.system_us) as f64;
        let percent = 100.0 * used / elapsed;
        let smoothed = self.cpu() + SMOOTHING * (percent - self.cpu());
        self.set_cpu(smoothed);
    }

    /// Marks the worker idle (from `now`, unless it already was) or busy;
    /// returns since when it is idle.
    pub(crate) fn set_idle(&self, idle: bool, now: Instant) -> Option<Instant> {
        let mut since = self.inner.idle_since.lock();
        if !idle {
            *since = None;
        } else if since.is_none() {
            *since = Some(now);
        }
        *since
    }
}

/// A virtual worker's hold on its real worker: keeps it alive and counted
/// as in use until dropped.
pub struct HomeBinding {
    worker: RealWorker,
}

impl HomeBinding {
    /// The real worker.
    pub fn worker(&self) -> &RealWorker {
        &self.worker
    }
}

impl Drop for HomeBinding {
    fn drop(&mut self) {
        self.worker.inner.bound.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One consumer counted against a real worker (see
/// [`RealWorker::count_consumer`]).
pub(crate) struct CountedConsumer {
    worker: RealWorker,
}

impl Drop for CountedConsumer {
    fn drop(&mut self) {
        add(&self.worker.inner.consumers, -1);
    }
}

fn prune(placements: &mut VecDeque<Instant>, now: Instant) {
    while placements
        .front()
        .is_some_and(|at| now.saturating_duration_since(*at) > RAMP_WINDOW)
    {
        placements.pop_front();
    }
}

fn add(counter: &AtomicU32, delta: i32) {
    let _ = counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |value| {
        Some(value.saturating_add_signed(delta))
    });
}

#[cfg(target_os = "linux")]
fn current_thread_id() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}

#[cfg(not(target_os = "linux"))]
fn current_thread_id() -> u32 {
    std::process::id()
}
