//! `mafalda.metrics()`, read from the registry and the pool.

use crate::engine::Mafalda;
use crate::error::ErrorKind;
use crate::metrics::Metrics;
use crate::metrics::PipeKind;
use crate::metrics::WorkerMetrics;
use mediasoup::router::RouterId;
use mediasoup::worker::WorkerId;
use std::collections::HashMap;

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
            ..counters.totals()
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
            if let Some(worker) = at(workers, &on, &transport.site.router) {
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
            if let Some(worker) = at(workers, &on, &producer.home.router) {
                worker.producers += 1;
            }
        }
        for data_producer in registry.data_producers.values() {
            if let Some(worker) = at(workers, &on, &data_producer.home.router) {
                worker.data_producers += 1;
            }
        }
        let router_of = |transport| registry.transports.get(transport).map(|t| t.site.router);
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
            // Paths from other instances: the cluster counts those.
            if !pipe.ready.initialized() || pipe.route.is_arrival() {
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
            if let Some(worker) = at(workers, &on, &pipe.source.router) {
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
