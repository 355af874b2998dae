//! Virtual workers: what `createWorker()` returns to the application.
//!
//! A virtual worker owns no thread. It names a group of compatible settings
//! in the pool and is bound to one real worker of that group, whose thread
//! id it reports as its `pid`; its routers may live on any worker of the
//! group.

use crate::config::WorkerSettings;
use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::ids::VirtualWorkerId;
use crate::pool::RealWorker;
use crate::state::VirtualWorkerEntry;
use mediasoup::worker::{WorkerLogLevel, WorkerLogTag};
use std::collections::HashSet;

/// What the application learns of a new virtual worker.
#[derive(Debug, Clone)]
pub struct WorkerInfo {
    /// Its id.
    pub id: VirtualWorkerId,
    /// Thread id of the real worker it is bound to.
    pub pid: u32,
}

/// CPU time of a worker thread in mediasoup's `getResourceUsage()` units
/// (milliseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResourceUsage {
    /// User CPU time used, ms.
    pub ru_utime: u64,
    /// System CPU time used, ms.
    pub ru_stime: u64,
}

impl Mafalda {
    /// Creates a virtual worker bound to a real worker of its settings'
    /// group, starting one if the group has none.
    pub async fn create_worker(&self, settings: WorkerSettings) -> Result<WorkerInfo> {
        let (placed, started) = self.pool().place_virtual_worker(&settings).await?;
        let id = VirtualWorkerId::new();
        let pid = placed.tid();
        self.telemetry().placed(
            crate::metrics::PlacementOutcome::VirtualWorkerOnWorker,
            started,
            format_args!("virtual worker {id}"),
            pid,
        );
        self.registry().workers.insert(
            id,
            VirtualWorkerEntry {
                settings,
                home: placed.bind(),
                routers: HashSet::new(),
                webrtc_servers: HashSet::new(),
            },
        );
        Ok(WorkerInfo { id, pid })
    }

    /// Closes a virtual worker and everything created through it. Closing
    /// twice is a no-op.
    pub fn close_worker(&self, id: VirtualWorkerId) {
        let garbage = {
            let mut registry = self.registry();
            let Some(entry) = registry.workers.remove(&id) else {
                return;
            };
            let mut garbage = self.garbage();
            for router in entry.routers.iter().copied() {
                registry.take_router(router, &mut garbage);
            }
            for server in entry.webrtc_servers.iter().copied() {
                registry.take_webrtc_server(server, &mut garbage);
            }
            garbage.workers.push(entry);
            garbage
        };
        drop(garbage);
        self.collect_idle_workers();
    }

    /// CPU time of the real worker a virtual worker reports as its own.
    pub fn worker_resource_usage(&self, id: VirtualWorkerId) -> Result<ResourceUsage> {
        let home = self.home_worker(id)?;
        let time = home.cpu_time().unwrap_or_default();
        Ok(ResourceUsage {
            ru_utime: time.user_us / 1000,
            ru_stime: time.system_us / 1000,
        })
    }

    /// Changes log level and tags of the real worker this virtual worker is
    /// bound to (the one its `pid` names), as mediasoup does for its worker.
    pub async fn update_worker_settings(
        &self,
        id: VirtualWorkerId,
        log_level: Option<WorkerLogLevel>,
        log_tags: Option<Vec<WorkerLogTag>>,
    ) -> Result<()> {
        let home = self.home_worker(id)?;
        let mut update = mediasoup::worker::WorkerUpdateSettings::default();
        update.log_level = log_level;
        update.log_tags = log_tags;
        home.worker().update_settings(update).await?;
        Ok(())
    }

    /// `dump()` of a virtual worker, in mediasoup-node's shape: its own id
    /// as `pid`, the routers created through it.
    pub async fn dump_worker(&self, id: VirtualWorkerId) -> Result<serde_json::Value> {
        let (home, routers, servers) = {
            let registry = self.registry();
            let entry = registry
                .workers
                .get(&id)
                .ok_or_else(|| Error::invalid_state("Worker closed"))?;
            (
                entry.home.worker().clone(),
                entry.routers.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
                entry
                    .webrtc_servers
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>(),
            )
        };
        // What the application created through this worker is what its
        // channel would serve in mediasoup: one request handler each.
        let handlers: Vec<&String> = servers.iter().chain(routers.iter()).collect();
        Ok(serde_json::json!({
            "pid": home.tid(),
            "webRtcServerIds": servers,
            "routerIds": routers,
            "channelMessageHandlers": {
                "channelRequestHandlers": handlers,
                "channelNotificationHandlers": [],
            },
        }))
    }

    fn home_worker(&self, id: VirtualWorkerId) -> Result<RealWorker> {
        self.registry()
            .workers
            .get(&id)
            .map(|entry| entry.home.worker().clone())
            .ok_or_else(|| Error::invalid_state("Worker closed"))
    }
}
