//! `mafalda.dump()`: the pool as it is, with counts read from the real
//! mediasoup routers (not from mafalda's own bookkeeping), for tests,
//! benchmarks and metrics.

use crate::engine::Mafalda;
use crate::error::Result;
use crate::ids::PipeSource;
use crate::ids::VirtualRouterId;
use mediasoup::router::{Router, RouterId};
use serde::Serialize;

/// The whole pool.
#[derive(Debug, Clone, Serialize)]
pub struct PoolDump {
    /// Live real workers, in creation order.
    pub workers: Vec<RealWorkerDump>,
    /// mediasoup worker threads running: `workers.len()`, plus any worker
    /// still ending or kept alive by something the pool no longer holds (a
    /// leak if it stays).
    pub threads: usize,
}

/// One real worker.
#[derive(Debug, Clone, Serialize)]
pub struct RealWorkerDump {
    /// Thread id of the worker (what `worker.pid` reports).
    pub pid: u32,
    /// Smoothed CPU, percent of one core.
    pub cpu: f64,
    /// Consumers mafalda placed on it (pipe consumers included).
    pub consumers: u32,
    /// Its real routers.
    pub routers: Vec<RealRouterDump>,
    /// Ids of every object the worker's channel still serves (routers,
    /// transports, producers, consumers, servers…): what a leak shows in.
    pub handlers: Vec<String>,
}

/// One real router and what the worker reports it holds.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RealRouterDump {
    /// The real router's id.
    pub id: RouterId,
    /// The virtual routers (rooms) it serves: rooms with the same codecs
    /// share a worker's real router.
    pub router_ids: Vec<String>,
    /// Transports on it (pipe transports included).
    pub transports: usize,
    /// Their ids (the application's transport ids are among them).
    pub transport_ids: Vec<String>,
    /// Producers on it, pipe producers included.
    pub producers: usize,
    /// Consumers on it, pipe consumers included.
    pub consumers: usize,
    /// Producers that are the far end of a pipe from another real router.
    pub pipe_producers: usize,
    /// Consumers that feed a pipe to another real router.
    pub pipe_consumers: usize,
    /// Data producers on it, pipe data producers included.
    pub data_producers: usize,
    /// Data consumers on it, pipe data consumers included.
    pub data_consumers: usize,
    /// Data producers that are the far end of a data pipe.
    pub pipe_data_producers: usize,
    /// Data consumers that feed a data pipe to another real router.
    pub pipe_data_consumers: usize,
}

impl Mafalda {
    /// Dumps the pool: every real worker and the real routers on it.
    pub async fn dump(&self) -> Result<PoolDump> {
        let workers = self.pool().workers();
        type Rooms = Vec<(Vec<VirtualRouterId>, Router, mediasoup::worker::WorkerId)>;
        type Pipes = Vec<(RouterId, RouterId, bool)>;
        let (rooms, pipes): (Rooms, Pipes) = {
            let registry = self.registry();
            let rooms = registry
                .shared_routers
                .values()
                .filter_map(|shared| {
                    let router = shared.ready.get()?;
                    let mut ids: Vec<_> = registry
                        .routers
                        .iter()
                        .filter(|(_, room)| room.site(router.id()).is_some())
                        .map(|(id, _)| *id)
                        .collect();
                    ids.sort_by_key(ToString::to_string);
                    Some((ids, router.clone(), shared.worker.id()))
                })
                .collect();
            let pipes = registry
                .pipes
                .iter()
                .filter(|(_, pipe)| pipe.ready.initialized() && !pipe.route.is_arrival())
                .map(|((source, destination), pipe)| {
                    (
                        pipe.source.router,
                        *destination,
                        matches!(source, PipeSource::Data(_)),
                    )
                })
                .collect();
            (rooms, pipes)
        };
        let mut dump = PoolDump {
            workers: Vec::with_capacity(workers.len()),
            threads: crate::pool::live_worker_threads(),
        };
        for worker in workers {
            let mut routers = Vec::new();
            for (room, router, _) in rooms.iter().filter(|(_, _, on)| *on == worker.id()) {
                let real = router.dump().await?;
                // Pipes (from, to, carries data) matching `f`.
                let count = |f: &dyn Fn(RouterId, RouterId, bool) -> bool| {
                    pipes
                        .iter()
                        .filter(|(from, to, data)| f(*from, *to, *data))
                        .count()
                };
                routers.push(RealRouterDump {
                    id: router.id(),
                    router_ids: room.iter().map(ToString::to_string).collect(),
                    transports: real.transport_ids.len(),
                    transport_ids: real.transport_ids.iter().map(ToString::to_string).collect(),
                    producers: real.map_producer_id_consumer_ids.len(),
                    consumers: real.map_consumer_id_producer_id.len(),
                    pipe_producers: count(&|_, to, data| !data && to == router.id()),
                    pipe_consumers: count(&|from, _, data| !data && from == router.id()),
                    data_producers: real.map_data_producer_id_data_consumer_ids.len(),
                    data_consumers: real.map_data_consumer_id_data_producer_id.len(),
                    pipe_data_producers: count(&|_, to, data| data && to == router.id()),
                    pipe_data_consumers: count(&|from, _, data| data && from == router.id()),
                });
            }
            let handlers = worker
                .worker()
                .dump()
                .await?
                .channel_message_handlers
                .channel_request_handlers
                .iter()
                .map(ToString::to_string)
                .collect();
            dump.workers.push(RealWorkerDump {
                pid: worker.tid(),
                cpu: worker.cpu(),
                consumers: worker.consumers(),
                routers,
                handlers,
            });
        }
        Ok(dump)
    }
}
