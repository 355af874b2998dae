//! What an instance publishes about itself every second, and how the
//! others read it back into the snapshot placement decides over.

use crate::config::Limits;
use crate::decide::instances::{ClusterSnapshot, InstanceLoad};
use crate::decide::placement::WorkerLoad;
use crate::pool::Pool;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Instant;

/// One real worker of an instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkerAnnouncement {
    /// The worker's id.
    pub id: String,
    /// Smoothed CPU of its thread, percent of one core.
    pub cpu: f64,
    /// Rooms on it.
    pub routers: u32,
    /// Consumers on it.
    pub consumers: u32,
    /// Placements not yet visible in `cpu`.
    pub recent: u32,
}

/// An instance's announcement: who it is, where it is reached, its load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    /// The instance's id.
    pub id: String,
    /// The IP its media (and its pipe transports) are reached at.
    pub address: String,
    /// Its process id (for operators).
    pub pid: u32,
    /// Sum of its workers' CPU, percent of one core.
    pub cpu: f64,
    /// Sum of its workers' consumers.
    pub consumers: u32,
    /// Its workers.
    pub workers: Vec<WorkerAnnouncement>,
    /// Most workers it may run (0: it only manages).
    pub max_workers: usize,
    /// Its CPU watermark per worker.
    pub cpu_watermark: f64,
    /// Its consumer budget per worker.
    pub consumer_budget: u32,
    /// It takes no new work.
    pub draining: bool,
}

impl Announcement {
    /// The announcement of this process's pool.
    pub fn of_pool(pool: &Pool, id: &str, address: &str, draining: bool) -> Self {
        let now = Instant::now();
        let limits = pool.config().limits;
        let workers: Vec<WorkerAnnouncement> = pool
            .workers()
            .iter()
            .map(|worker| {
                let load = worker.load(now);
                WorkerAnnouncement {
                    id: load.id.to_string(),
                    cpu: load.cpu,
                    routers: load.routers,
                    consumers: load.consumers,
                    recent: load.recent,
                }
            })
            .collect();
        Self {
            id: id.to_owned(),
            address: address.to_owned(),
            pid: std::process::id(),
            cpu: workers.iter().map(|w| w.cpu).sum(),
            consumers: workers.iter().map(|w| w.consumers).sum(),
            workers,
            max_workers: limits.max_workers,
            cpu_watermark: limits.cpu_watermark,
            consumer_budget: limits.consumer_budget,
            draining,
        }
    }

    /// The instance as placement sees it.
    pub fn load(&self) -> InstanceLoad {
        InstanceLoad {
            id: self.id.clone(),
            workers: self
                .workers
                .iter()
                .map(|w| WorkerLoad {
                    // Ids only break ties inside one instance; an unreadable
                    // one (another version's) still counts as a worker.
                    id: w
                        .id
                        .parse()
                        .unwrap_or_else(|_| uuid::Uuid::nil().to_string().parse().expect("nil uuid")),
                    cpu: w.cpu,
                    routers: w.routers,
                    consumers: w.consumers,
                    recent: w.recent,
                })
                .collect(),
            limits: Limits {
                max_workers: self.max_workers,
                cpu_watermark: self.cpu_watermark,
                consumer_budget: self.consumer_budget,
                ..Limits::default()
            },
            draining: self.draining,
        }
    }
}

/// The snapshot for placement: `local` and every other live announcement,
/// each with the placements this instance sent it since it last announced
/// itself (`recent`: instance id → count), as a worker's own recent
/// placements count until its CPU readings show them. Without that, every
/// transport placed within one heartbeat would go to the same instance.
pub fn snapshot(
    local: &Announcement,
    live: &[Announcement],
    recent: &HashMap<String, u32>,
) -> ClusterSnapshot {
    let others = live
        .iter()
        .filter(|a| a.id != local.id)
        .map(|a| {
            let mut load = a.load();
            if let Some(&count) = recent.get(&a.id) {
                add_recent(&mut load, count);
            }
            load
        })
        .collect();
    ClusterSnapshot {
        local: local.load(),
        others,
    }
}

/// Counts `count` placements on the instance's least loaded worker, or on
/// the worker it will start for them.
fn add_recent(load: &mut InstanceLoad, count: u32) {
    let limits = load.limits;
    let running = load.workers.len();
    let least = load
        .workers
        .iter_mut()
        .filter(|w| !w.is_full(&limits))
        .min_by(|a, b| a.projected_cpu(&limits).total_cmp(&b.projected_cpu(&limits)));
    if let Some(worker) = least {
        worker.recent += count;
    } else if running < limits.max_workers {
        load.workers.push(WorkerLoad {
            id: uuid::Uuid::new_v4()
                .to_string()
                .parse()
                .expect("a uuid is a worker id"),
            cpu: 0.0,
            routers: 0,
            consumers: 0,
            recent: count,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::instances::{place_on_instance, InstanceDecision};

    fn announcement(id: &str, max_workers: usize, workers: &[(f64, u32)]) -> Announcement {
        Announcement {
            id: id.into(),
            address: "127.0.0.2".into(),
            pid: 1,
            cpu: workers.iter().map(|w| w.0).sum(),
            consumers: workers.iter().map(|w| w.1).sum(),
            workers: workers
                .iter()
                .enumerate()
                .map(|(i, &(cpu, consumers))| WorkerAnnouncement {
                    id: format!("00000000-0000-4000-8000-{i:012}"),
                    cpu,
                    routers: 1,
                    consumers,
                    recent: 0,
                })
                .collect(),
            max_workers,
            cpu_watermark: 60.0,
            consumer_budget: 10,
            draining: false,
        }
    }

    #[test]
    fn announcements_round_trip_as_json_and_feed_placement() {
        let manager = announcement("manager", 0, &[]);
        let busy = announcement("busy", 1, &[(10.0, 10)]);
        let free = announcement("free", 1, &[(10.0, 2)]);
        let text = serde_json::to_string(&free).unwrap();
        assert!(text.contains("\"maxWorkers\":1"), "{text}");
        let read: Announcement = serde_json::from_str(&text).unwrap();
        assert_eq!(read, free);
        let live = [manager.clone(), busy, read];
        assert_eq!(
            place_on_instance(&snapshot(&manager, &live, &HashMap::new())),
            InstanceDecision::Delegate("free".into())
        );
    }

    #[test]
    fn placements_sent_since_the_last_announcement_spread_the_next_ones() {
        let manager = announcement("manager", 0, &[]);
        let a = announcement("a", 2, &[]);
        let b = announcement("b", 2, &[]);
        let live = [manager.clone(), a, b];
        let mut recent = HashMap::new();
        let mut chosen = Vec::new();
        for _ in 0..4 {
            let InstanceDecision::Delegate(id) = place_on_instance(&snapshot(&manager, &live, &recent))
            else {
                panic!("delegates")
            };
            *recent.entry(id.clone()).or_insert(0) += 1;
            chosen.push(id);
        }
        assert_eq!(chosen, ["a", "b", "a", "b"]);
    }
}
