//! Where a new real router goes: pure functions over a snapshot of loads.
//!
//! Nothing here performs I/O or reads a clock; the pool takes a snapshot,
//! asks for a [`Decision`] and carries it out. Tests drive these functions
//! with made-up loads.

use mediasoup::worker::WorkerId;

/// How rooms are laid out over workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Fill the busiest worker that still has room before using another one
    /// (cache locality, fewer workers, no pipes). The default.
    #[default]
    Concentrate,
    /// Put new rooms on different workers (machines whose cores are fixed).
    Spread,
}

/// Limits a worker is kept under.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// CPU of one worker thread, in percent of one core, above which the
    /// worker takes no new work while another choice exists.
    pub cpu_watermark: f64,
    /// Consumers a worker may carry before it counts as full.
    pub consumer_budget: u32,
    /// Most real workers the pool may run.
    pub max_workers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cpu_watermark: 60.0,
            consumer_budget: 500,
            max_workers: 1,
        }
    }
}

/// Load of one real worker as the pool sees it at decision time.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerLoad {
    /// The worker.
    pub id: WorkerId,
    /// Smoothed CPU of the worker thread, percent of one core.
    pub cpu: f64,
    /// Real routers on it.
    pub routers: u32,
    /// Consumers on it (pipe consumers included).
    pub consumers: u32,
}

impl WorkerLoad {
    fn is_full(&self, limits: &Limits) -> bool {
        self.cpu >= limits.cpu_watermark || self.consumers >= limits.consumer_budget
    }

    /// Orders by business: CPU first, consumers and routers break ties.
    fn busyness(&self) -> (f64, u32, u32) {
        (self.cpu, self.consumers, self.routers)
    }
}

/// The loads of one group of compatible workers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Workers of the group, in creation order.
    pub workers: Vec<WorkerLoad>,
    /// Real workers alive or being created in the whole pool (every group),
    /// compared with `max_workers`.
    pub total_workers: usize,
}

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Use this existing worker.
    UseWorker(WorkerId),
    /// Start a new real worker and use it.
    CreateWorker,
}

fn by_busyness(a: &&WorkerLoad, b: &&WorkerLoad) -> std::cmp::Ordering {
    a.busyness()
        .partial_cmp(&b.busyness())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// Chooses the worker for a new real router.
///
/// * `Concentrate`: the busiest worker under the limits; else a new worker
///   while the pool is under `max_workers`; else the least loaded one.
/// * `Spread`: an idle worker (no router); else a new worker while under
///   `max_workers`; else the least loaded one.
pub fn place_router(snapshot: &Snapshot, limits: &Limits, policy: Policy) -> Decision {
    let can_grow = snapshot.total_workers < limits.max_workers.max(1);
    let chosen = match policy {
        Policy::Concentrate => snapshot
            .workers
            .iter()
            .filter(|w| !w.is_full(limits))
            .max_by(by_busyness),
        Policy::Spread => snapshot
            .workers
            .iter()
            .filter(|w| w.routers == 0 && !w.is_full(limits))
            .min_by(by_busyness),
    };
    if let Some(worker) = chosen {
        return Decision::UseWorker(worker.id);
    }
    if can_grow || snapshot.workers.is_empty() {
        return Decision::CreateWorker;
    }
    let least = snapshot
        .workers
        .iter()
        .min_by(by_busyness)
        .expect("workers is not empty");
    Decision::UseWorker(least.id)
}

/// Chooses the worker a new virtual worker reports as its own (its `pid`):
/// any live worker of the group, the least loaded, or a new one if the group
/// has none.
pub fn place_virtual_worker(snapshot: &Snapshot, limits: &Limits) -> Decision {
    match snapshot.workers.iter().min_by(by_busyness) {
        Some(worker) => Decision::UseWorker(worker.id),
        None if snapshot.total_workers < limits.max_workers.max(1) => Decision::CreateWorker,
        // The pool is full of other groups' workers: a group still needs one
        // worker of its own settings, so it exceeds the cap by one rather
        // than fail.
        None => Decision::CreateWorker,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<WorkerId> {
        (0..n)
            .map(|i| format!("00000000-0000-4000-8000-{i:012}").parse().unwrap())
            .collect()
    }

    fn load(id: WorkerId, cpu: f64, routers: u32, consumers: u32) -> WorkerLoad {
        WorkerLoad {
            id,
            cpu,
            routers,
            consumers,
        }
    }

    fn limits(max_workers: usize) -> Limits {
        Limits {
            cpu_watermark: 60.0,
            consumer_budget: 500,
            max_workers,
        }
    }

    fn snapshot(workers: Vec<WorkerLoad>) -> Snapshot {
        let total_workers = workers.len();
        Snapshot {
            workers,
            total_workers,
        }
    }

    #[test]
    fn an_empty_pool_starts_a_worker() {
        let decision = place_router(&Snapshot::default(), &limits(4), Policy::Concentrate);
        assert_eq!(decision, Decision::CreateWorker);
        assert_eq!(
            place_router(&Snapshot::default(), &limits(4), Policy::Spread),
            Decision::CreateWorker
        );
    }

    #[test]
    fn concentrate_picks_the_busiest_worker_under_the_watermark() {
        let w = ids(3);
        let loads = snapshot(vec![
            load(w[0], 20.0, 1, 40),
            load(w[1], 55.0, 3, 300),
            load(w[2], 5.0, 1, 10),
        ]);
        assert_eq!(
            place_router(&loads, &limits(4), Policy::Concentrate),
            Decision::UseWorker(w[1])
        );
    }

    #[test]
    fn concentrate_skips_workers_over_the_watermark_or_the_consumer_budget() {
        let w = ids(3);
        let loads = snapshot(vec![
            load(w[0], 75.0, 4, 100), // over CPU
            load(w[1], 30.0, 4, 500), // consumer budget used up
            load(w[2], 10.0, 1, 20),
        ]);
        assert_eq!(
            place_router(&loads, &limits(4), Policy::Concentrate),
            Decision::UseWorker(w[2])
        );
    }

    #[test]
    fn concentrate_grows_the_pool_when_every_worker_is_full() {
        let w = ids(2);
        let loads = snapshot(vec![load(w[0], 80.0, 4, 100), load(w[1], 65.0, 2, 600)]);
        assert_eq!(
            place_router(&loads, &limits(4), Policy::Concentrate),
            Decision::CreateWorker
        );
    }

    #[test]
    fn at_max_workers_the_least_loaded_worker_takes_the_room() {
        let w = ids(2);
        let loads = snapshot(vec![load(w[0], 80.0, 4, 100), load(w[1], 65.0, 2, 600)]);
        assert_eq!(
            place_router(&loads, &limits(2), Policy::Concentrate),
            Decision::UseWorker(w[1])
        );
        assert_eq!(
            place_router(&loads, &limits(2), Policy::Spread),
            Decision::UseWorker(w[1])
        );
    }

    #[test]
    fn workers_of_other_groups_count_against_max_workers() {
        let w = ids(1);
        let mut loads = snapshot(vec![load(w[0], 90.0, 1, 0)]);
        loads.total_workers = 2;
        assert_eq!(
            place_router(&loads, &limits(2), Policy::Concentrate),
            Decision::UseWorker(w[0])
        );
    }

    #[test]
    fn spread_prefers_an_idle_worker_then_a_new_one() {
        let w = ids(2);
        let loads = snapshot(vec![load(w[0], 10.0, 1, 10), load(w[1], 0.0, 0, 0)]);
        assert_eq!(
            place_router(&loads, &limits(4), Policy::Spread),
            Decision::UseWorker(w[1])
        );
        let busy = snapshot(vec![load(w[0], 10.0, 1, 10), load(w[1], 5.0, 1, 0)]);
        assert_eq!(
            place_router(&busy, &limits(4), Policy::Spread),
            Decision::CreateWorker
        );
    }

    #[test]
    fn a_virtual_worker_binds_to_the_least_loaded_worker_of_its_group() {
        let w = ids(2);
        let loads = snapshot(vec![load(w[0], 40.0, 2, 10), load(w[1], 10.0, 1, 0)]);
        assert_eq!(
            place_virtual_worker(&loads, &limits(1)),
            Decision::UseWorker(w[1])
        );
        assert_eq!(
            place_virtual_worker(&Snapshot::default(), &limits(1)),
            Decision::CreateWorker
        );
    }
}
