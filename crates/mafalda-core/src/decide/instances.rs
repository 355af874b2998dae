//! Which instance of a cluster takes a room's next transport (or RTP
//! observer): a level above `placement`, over a snapshot of every live
//! instance's workers. Pure, like the rest of `decide`; what gathers the
//! snapshot (the cluster's published loads) and carries the answer out
//! (delegating the creation) lives elsewhere.
//!
//! The rule: this instance while one of its workers has room or it may
//! start another; else the live instance, not draining, with the most
//! spare capacity; when nobody has room, this instance if it runs workers
//! at all (as a full pool gives the least loaded worker), else the least
//! loaded other instance. An instance configured with no workers (a
//! manager) always delegates.
//!
//! A room's next transport (`place_room_on_instance`), under the
//! `concentrate` policy, first goes to an instance the room already has a
//! part on while one has room, as rooms fill a worker before using
//! another: a peer's transports, and the peers of a room, stay together
//! and nothing is piped until an instance is full. Under `spread`, every
//! transport goes to the instance with the most spare capacity.

use crate::config::{Limits, Policy};
use crate::decide::placement::WorkerLoad;

/// One instance as the snapshot sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceLoad {
    /// The instance's id.
    pub id: String,
    /// Its real workers.
    pub workers: Vec<WorkerLoad>,
    /// Its limits (`max_workers: 0`: it only manages).
    pub limits: Limits,
    /// It takes no new work (it is leaving).
    pub draining: bool,
}

impl InstanceLoad {
    /// Whether it can take more work without going over its limits.
    fn has_room(&self) -> bool {
        !self.draining
            && (self.workers.len() < self.limits.max_workers
                || self.workers.iter().any(|w| !w.is_full(&self.limits)))
    }

    /// Capacity left, in percent of a core: the headroom of each worker
    /// under the watermark, and a whole watermark per worker it may still
    /// start.
    fn spare(&self) -> f64 {
        let limits = &self.limits;
        let running: f64 = self
            .workers
            .iter()
            .filter(|w| !w.is_full(limits))
            .map(|w| (limits.cpu_watermark - w.projected_cpu(limits)).max(0.0))
            .sum();
        let startable = self.limits.max_workers.saturating_sub(self.workers.len());
        running + startable as f64 * limits.cpu_watermark
    }

    /// Load, for choosing among instances that are all full.
    fn load(&self) -> f64 {
        let cpu: f64 = self.workers.iter().map(|w| w.projected_cpu(&self.limits)).sum();
        cpu / self.workers.len().max(1) as f64
    }
}

/// This instance and the others, live ones only.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSnapshot {
    /// This instance.
    pub local: InstanceLoad,
    /// The other live instances.
    pub others: Vec<InstanceLoad>,
}

/// Where the next transport goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceDecision {
    /// On this instance (placement among its workers decides further).
    Local,
    /// On the instance with this id.
    Delegate(String),
    /// No instance can take it: this one runs no workers and no other is
    /// live and open.
    Nowhere,
}

/// The instance for the next transport of a room with parts on
/// `room_instances` (ids), under `policy` (see the module).
pub fn place_room_on_instance(
    snapshot: &ClusterSnapshot,
    policy: Policy,
    room_instances: &[String],
) -> InstanceDecision {
    let local = &snapshot.local;
    let local_first = local.limits.max_workers > 0 && local.has_room();
    if policy == Policy::Concentrate && !local_first {
        let room = snapshot
            .others
            .iter()
            .filter(|i| i.limits.max_workers > 0 && room_instances.contains(&i.id));
        if let Some(instance) = roomiest(room) {
            return InstanceDecision::Delegate(instance.id.clone());
        }
    }
    place_on_instance(snapshot)
}

/// Of `instances`, the one with room and the most spare capacity (ties by
/// id, so that every manager agrees).
fn roomiest<'a>(instances: impl Iterator<Item = &'a InstanceLoad>) -> Option<&'a InstanceLoad> {
    instances.filter(|i| i.has_room()).max_by(|a, b| {
        a.spare()
            .partial_cmp(&b.spare())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| b.id.cmp(&a.id))
    })
}

/// The instance for a transport, wherever its room is (see the module).
pub fn place_on_instance(snapshot: &ClusterSnapshot) -> InstanceDecision {
    let local = &snapshot.local;
    if local.limits.max_workers > 0 && local.has_room() {
        return InstanceDecision::Local;
    }
    let open = || {
        snapshot
            .others
            .iter()
            .filter(|i| !i.draining && i.limits.max_workers > 0)
    };
    if let Some(instance) = roomiest(open()) {
        return InstanceDecision::Delegate(instance.id.clone());
    }
    if local.limits.max_workers > 0 && !local.draining {
        return InstanceDecision::Local;
    }
    open()
        .min_by(|a, b| {
            a.load()
                .partial_cmp(&b.load())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.id.cmp(&b.id))
        })
        .map_or(InstanceDecision::Nowhere, |i| {
            InstanceDecision::Delegate(i.id.clone())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(i: usize, cpu: f64, consumers: u32) -> WorkerLoad {
        WorkerLoad {
            id: format!("00000000-0000-4000-8000-{i:012}").parse().unwrap(),
            cpu,
            routers: 1,
            consumers,
            recent: 0,
        }
    }

    fn instance(id: &str, max_workers: usize, workers: Vec<WorkerLoad>) -> InstanceLoad {
        InstanceLoad {
            id: id.into(),
            workers,
            limits: Limits {
                max_workers,
                consumer_budget: 100,
                ..Limits::default()
            },
            draining: false,
        }
    }

    fn decide(local: InstanceLoad, others: Vec<InstanceLoad>) -> InstanceDecision {
        place_on_instance(&ClusterSnapshot { local, others })
    }

    fn delegate(id: &str) -> InstanceDecision {
        InstanceDecision::Delegate(id.into())
    }

    #[test]
    fn a_table_of_cluster_snapshots() {
        let full = || worker(1, 90.0, 0);
        let busy_budget = || worker(2, 5.0, 100);
        let half = || worker(3, 30.0, 10);
        let idle = || worker(4, 1.0, 0);
        let cases: Vec<(&str, InstanceLoad, Vec<InstanceLoad>, InstanceDecision)> = vec![
            (
                "a local worker with room keeps the transport here",
                instance("a", 1, vec![half()]),
                vec![instance("b", 2, vec![])],
                InstanceDecision::Local,
            ),
            (
                "full local workers but room to start one: here",
                instance("a", 2, vec![full()]),
                vec![instance("b", 2, vec![])],
                InstanceDecision::Local,
            ),
            (
                "local full at max_workers (CPU or consumer budget): the other instance",
                instance("a", 2, vec![full(), busy_budget()]),
                vec![instance("b", 1, vec![half()])],
                delegate("b"),
            ),
            (
                "among others with room, the one with the most spare capacity",
                instance("a", 1, vec![full()]),
                vec![instance("b", 1, vec![half()]), instance("c", 2, vec![idle()])],
                delegate("c"),
            ),
            (
                "a draining instance takes nothing, however idle",
                instance("a", 1, vec![full()]),
                vec![
                    InstanceLoad {
                        draining: true,
                        ..instance("b", 4, vec![])
                    },
                    instance("c", 1, vec![half()]),
                ],
                delegate("c"),
            ),
            (
                "everyone full: stays here, as a full pool gives its least loaded worker",
                instance("a", 1, vec![full()]),
                vec![instance("b", 1, vec![full()])],
                InstanceDecision::Local,
            ),
            (
                "a manager (no workers of its own) always delegates, to the roomiest",
                instance("m", 0, vec![]),
                vec![instance("b", 1, vec![half()]), instance("c", 1, vec![idle()])],
                delegate("c"),
            ),
            (
                "a manager with every instance full: the least loaded one",
                instance("m", 0, vec![]),
                vec![
                    instance("b", 1, vec![worker(1, 95.0, 0)]),
                    instance("c", 1, vec![worker(2, 70.0, 0)]),
                ],
                delegate("c"),
            ),
            (
                "a manager alone, or with only draining or manager instances: nowhere",
                instance("m", 0, vec![]),
                vec![
                    instance("n", 0, vec![]),
                    InstanceLoad {
                        draining: true,
                        ..instance("b", 1, vec![])
                    },
                ],
                InstanceDecision::Nowhere,
            ),
        ];
        for (what, local, others, expected) in cases {
            assert_eq!(decide(local, others), expected, "{what}");
        }
    }

    #[test]
    fn under_concentrate_a_room_stays_on_its_instances_while_they_have_room() {
        let manager = instance("m", 0, vec![]);
        let idle = || instance("b", 1, vec![worker(2, 0.0, 0)]);
        let busy = |consumers| instance("a", 1, vec![worker(1, 30.0, consumers)]);
        let room = ["a".to_string()];
        let cases = [
            // (policy, instance a's consumers, the room's parts, decision)
            (Policy::Concentrate, 10, &room[..], delegate("a")),
            (Policy::Concentrate, 100, &room[..], delegate("b")), // a is full
            (Policy::Concentrate, 10, &[][..], delegate("b")),    // a new room: roomiest
            (Policy::Spread, 10, &room[..], delegate("b")),
        ];
        for (policy, consumers, parts, expected) in cases {
            let snapshot = ClusterSnapshot {
                local: manager.clone(),
                others: vec![busy(consumers), idle()],
            };
            assert_eq!(
                place_room_on_instance(&snapshot, policy, parts),
                expected,
                "{policy:?}, a with {consumers} consumers, parts {parts:?}"
            );
        }
        // A local worker with room still comes first.
        let snapshot = ClusterSnapshot {
            local: instance("m", 1, vec![]),
            others: vec![busy(10)],
        };
        assert_eq!(
            place_room_on_instance(&snapshot, Policy::Concentrate, &room),
            InstanceDecision::Local
        );
    }

    #[test]
    fn equal_instances_are_chosen_by_id_so_every_manager_agrees() {
        let local = instance("m", 0, vec![]);
        let others = vec![instance("c", 1, vec![]), instance("b", 1, vec![])];
        assert_eq!(decide(local, others), delegate("b"));
    }
}
