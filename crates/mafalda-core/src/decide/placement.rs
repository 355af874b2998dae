//! Where a new real router goes: pure functions over a snapshot of loads.
//!
//! Nothing here performs I/O or reads a clock; the pool takes a snapshot,
//! asks for a [`Decision`] and carries it out. Tests drive these functions
//! with made-up loads.
//!
//! Ramp-up: a worker's CPU reading lags (it is sampled and smoothed), so a
//! burst of joins could all land on a worker that looks idle. Each
//! placement made on a worker in the last few seconds counts as
//! `ramp_cpu_per_placement` percent of extra CPU until the readings catch up,
//! up to half the watermark: the allowance anticipates load, it never makes a
//! worker full on its own (a burst of empty rooms, as a test suite or a
//! reconnect storm makes, costs next to nothing until media flows).

use crate::config::Limits;
use crate::config::Policy;
use mediasoup::router::RouterId;
use mediasoup::worker::WorkerId;
use std::time::{Duration, Instant};

/// Load of one real worker as the pool sees it at decision time.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerLoad {
    /// The worker.
    pub id: WorkerId,
    /// Smoothed CPU of the worker thread, percent of one core.
    pub cpu: f64,
    /// Rooms placed on it (each with a real router here; rooms with the same
    /// codecs share one, but each counts: `spread` looks for a worker with no
    /// room, and a room's weight does not depend on what it shares).
    pub routers: u32,
    /// Consumers on it (pipe consumers included).
    pub consumers: u32,
    /// Placements (routers, transports) made on it within the ramp-up
    /// window, not yet visible in `cpu`.
    pub recent: u32,
}

impl WorkerLoad {
    /// CPU including the ramp-up allowance.
    pub(crate) fn projected_cpu(&self, limits: &Limits) -> f64 {
        let ramp = f64::from(self.recent) * limits.ramp_cpu_per_placement;
        self.cpu + ramp.min(limits.cpu_watermark / 2.0)
    }

    pub(crate) fn is_full(&self, limits: &Limits) -> bool {
        self.projected_cpu(limits) >= limits.cpu_watermark || self.consumers >= limits.consumer_budget
    }
}

/// Orders by business: projected CPU first, consumers and routers break ties.
fn by_busyness(limits: &Limits) -> impl Fn(&&WorkerLoad, &&WorkerLoad) -> std::cmp::Ordering + '_ {
    move |a, b| {
        let key = |w: &WorkerLoad| (w.projected_cpu(limits), w.consumers, w.routers);
        key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal)
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

/// Chooses the worker for a new real router.
///
/// * `Concentrate`: the busiest worker under the limits; else a new worker
///   while the pool is under `max_workers`; else the least loaded one.
/// * `Spread`: an idle worker (no router); else a new worker while under
///   `max_workers`; else the least loaded one.
pub fn place_router(snapshot: &Snapshot, limits: &Limits, policy: Policy) -> Decision {
    let can_grow = snapshot.total_workers < limits.max_workers.max(1);
    let order = by_busyness(limits);
    let chosen = match policy {
        Policy::Concentrate => snapshot
            .workers
            .iter()
            .filter(|w| !w.is_full(limits))
            .max_by(&order),
        Policy::Spread => snapshot
            .workers
            .iter()
            .filter(|w| w.routers == 0 && !w.is_full(limits))
            .min_by(&order),
    };
    if let Some(worker) = chosen {
        return Decision::UseWorker(worker.id);
    }
    match snapshot.workers.iter().min_by(&order) {
        Some(least) if !can_grow => Decision::UseWorker(least.id),
        _ => Decision::CreateWorker,
    }
}

/// Where a room created through a virtual worker goes: that worker's home
/// (the real worker its `pid` names) while the home is under the limits, so
/// that a WebRtcServer made on the same virtual worker serves the room on
/// the very ports it was given, as with mediasoup; otherwise wherever
/// [`place_router`] says.
pub fn place_router_near(snapshot: &Snapshot, limits: &Limits, policy: Policy, home: WorkerId) -> Decision {
    match snapshot.workers.iter().find(|w| w.id == home) {
        Some(worker) if !worker.is_full(limits) => Decision::UseWorker(home),
        _ => place_router(snapshot, limits, policy),
    }
}

/// A real router of a room and the load of the worker it runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomRouter {
    /// The real router.
    pub router: RouterId,
    /// Its worker's load.
    pub worker: WorkerLoad,
}

/// Where a new transport of a room goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportDecision {
    /// On this real router of the room.
    UseRouter(RouterId),
    /// On a new real router of the room, on this existing worker.
    NewRouterOn(WorkerId),
    /// On a new real router of the room, on a new worker.
    NewRouterOnNewWorker,
}

/// Chooses the real router for a new transport of a room: the room's
/// busiest real router whose worker is not full (locality, no pipes); when
/// all are full, a new real router where [`place_router`] says, reusing the
/// room's router if that lands on a worker the room already uses.
pub fn place_transport(
    room: &[RoomRouter],
    group: &Snapshot,
    limits: &Limits,
    policy: Policy,
) -> TransportDecision {
    let order = by_busyness(limits);
    let best = room
        .iter()
        .filter(|r| !r.worker.is_full(limits))
        .max_by(|a, b| order(&&a.worker, &&b.worker));
    if let Some(best) = best {
        return TransportDecision::UseRouter(best.router);
    }
    match place_router(group, limits, policy) {
        Decision::UseWorker(worker) => match room.iter().find(|r| r.worker.id == worker) {
            Some(existing) => TransportDecision::UseRouter(existing.router),
            None => TransportDecision::NewRouterOn(worker),
        },
        Decision::CreateWorker => TransportDecision::NewRouterOnNewWorker,
    }
}

/// Whether a worker idle since `idle_since` should be closed at `now`.
pub fn idle_expired(idle_since: Option<Instant>, now: Instant, timeout: Duration) -> bool {
    idle_since.is_some_and(|since| now.saturating_duration_since(since) >= timeout)
}

/// Chooses the worker a new virtual worker reports as its own (its `pid`):
/// any live worker of the group, the least loaded, or a new one if the group
/// has none.
pub fn place_virtual_worker(snapshot: &Snapshot, limits: &Limits) -> Decision {
    match snapshot.workers.iter().min_by(by_busyness(limits)) {
        Some(worker) => Decision::UseWorker(worker.id),
        // When the pool is full of other groups' workers, the pool refuses
        // to create one (it never exceeds `max_workers`).
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
            recent: 0,
        }
    }

    fn limits(max_workers: usize) -> Limits {
        Limits {
            cpu_watermark: 60.0,
            consumer_budget: 500,
            max_workers,
            ramp_cpu_per_placement: 2.0,
        }
    }

    fn router_id(i: usize) -> RouterId {
        format!("00000000-0000-4000-9000-{i:012}").parse().unwrap()
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

    #[test]
    fn ramp_up_counts_recent_placements_as_load() {
        let w = ids(2);
        // Reads 50 %, but 6 transports were just put there: 50 + 6 × 2 ≥ 60.
        let mut burst = load(w[0], 50.0, 1, 10);
        burst.recent = 6;
        let loads = snapshot(vec![burst.clone(), load(w[1], 10.0, 1, 10)]);
        assert_eq!(
            place_router(&loads, &limits(4), Policy::Concentrate),
            Decision::UseWorker(w[1])
        );
        burst.recent = 4;
        let loads = snapshot(vec![burst, load(w[1], 10.0, 1, 10)]);
        assert_eq!(
            place_router(&loads, &limits(4), Policy::Concentrate),
            Decision::UseWorker(w[0])
        );
    }

    #[test]
    fn ramp_up_alone_never_fills_a_worker() {
        let w = ids(2);
        let mut burst = load(w[0], 5.0, 40, 0);
        burst.recent = 100;
        let loads = snapshot(vec![burst, load(w[1], 1.0, 1, 0)]);
        assert_eq!(
            place_router(&loads, &limits(2), Policy::Concentrate),
            Decision::UseWorker(w[0])
        );
    }

    #[test]
    fn a_transport_goes_to_the_rooms_busiest_router_that_is_not_full() {
        let w = ids(3);
        let room = vec![
            RoomRouter {
                router: router_id(0),
                worker: load(w[0], 20.0, 1, 100),
            },
            RoomRouter {
                router: router_id(1),
                worker: load(w[1], 40.0, 2, 200),
            },
        ];
        // A busier worker of the group that the room does not use is not
        // considered while the room's own routers have room.
        let group = snapshot(vec![
            room[0].worker.clone(),
            room[1].worker.clone(),
            load(w[2], 55.0, 5, 10),
        ]);
        assert_eq!(
            place_transport(&room, &group, &limits(4), Policy::Concentrate),
            TransportDecision::UseRouter(router_id(1))
        );
    }

    #[test]
    fn a_full_room_spills_to_the_busiest_worker_with_room_then_to_a_new_worker() {
        let w = ids(3);
        let room = vec![RoomRouter {
            router: router_id(0),
            worker: load(w[0], 10.0, 1, 500),
        }];
        let group = snapshot(vec![
            room[0].worker.clone(),
            load(w[1], 30.0, 2, 50),
            load(w[2], 5.0, 1, 5),
        ]);
        assert_eq!(
            place_transport(&room, &group, &limits(4), Policy::Concentrate),
            TransportDecision::NewRouterOn(w[1])
        );
        let alone = snapshot(vec![room[0].worker.clone()]);
        assert_eq!(
            place_transport(&room, &alone, &limits(4), Policy::Concentrate),
            TransportDecision::NewRouterOnNewWorker
        );
    }

    #[test]
    fn at_max_workers_a_full_room_stays_on_its_own_router_if_that_is_least_loaded() {
        let w = ids(2);
        let room = vec![RoomRouter {
            router: router_id(0),
            worker: load(w[0], 70.0, 1, 10),
        }];
        let group = snapshot(vec![room[0].worker.clone(), load(w[1], 90.0, 3, 10)]);
        assert_eq!(
            place_transport(&room, &group, &limits(2), Policy::Concentrate),
            TransportDecision::UseRouter(router_id(0))
        );
    }

    #[test]
    fn idle_workers_expire_after_the_timeout() {
        let now = Instant::now();
        let timeout = Duration::from_secs(30);
        assert!(!idle_expired(None, now, timeout));
        assert!(!idle_expired(Some(now - Duration::from_secs(29)), now, timeout));
        assert!(idle_expired(Some(now - Duration::from_secs(30)), now, timeout));
        assert!(idle_expired(Some(now), now, Duration::ZERO));
    }

    #[test]
    fn a_room_of_a_virtual_worker_goes_home_unless_home_is_full() {
        let [home, other] = ids(2).try_into().unwrap();
        let loads = Snapshot {
            workers: vec![load(home, 1.0, 1, 0), load(other, 30.0, 3, 10)],
            total_workers: 2,
        };
        // Concentrate alone would pick the busier `other`.
        assert_eq!(
            place_router(&loads, &limits(2), Policy::Concentrate),
            Decision::UseWorker(other)
        );
        assert_eq!(
            place_router_near(&loads, &limits(2), Policy::Concentrate, home),
            Decision::UseWorker(home)
        );
        let full_home = Snapshot {
            workers: vec![load(home, 95.0, 1, 0), load(other, 30.0, 3, 10)],
            total_workers: 2,
        };
        assert_eq!(
            place_router_near(&full_home, &limits(2), Policy::Concentrate, home),
            Decision::UseWorker(other)
        );
    }
}
