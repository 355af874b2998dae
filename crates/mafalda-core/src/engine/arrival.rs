//! Paths from other instances (`interInstancePipes: 'per-router'`).
//!
//! A producer of another instance normally arrives here once, as a pipe
//! producer on one real router of the room (the *primary*, an ordinary
//! producer of the registry), and reaches the room's other real routers
//! through local pipes. With one path per destination real router, the
//! other instance sends it straight to each real router that has a
//! consumer of it: every further arrival is a pipe producer with the same
//! id on a PipeTransport of that real router, kept as a pipe entry with no
//! local source. Consumers there find it as they find a local pipe.
//!
//! Arrivals live as long as the cluster keeps them: they go with the
//! primary (its close cascades over every pipe of the producer), with the
//! PipeTransport they came over, or with their real router, and never
//! linger out on their own.

use crate::engine::producer::{piped_options, ProducerInfo};
use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::ids::PipeSource;
use crate::ids::TransportKind;
use crate::state::PipeCloseReason;
use crate::state::PipeEntry;
use crate::state::PipeHandles;
use crate::state::PipeRoute;
use crate::telemetry::log_debug;
use mediasoup::prelude::*;
use std::sync::Arc;

impl Mafalda {
    /// A further arrival of the room's producer `id` (a pipe producer of
    /// another instance's producer) on the PipeTransport `transport_id`,
    /// whose real router the producer does not reach yet.
    pub async fn produce_arrival(
        &self,
        transport_id: TransportId,
        id: ProducerId,
        options: ProducerOptions,
    ) -> Result<ProducerInfo> {
        let (transport, key, cell) = {
            let mut registry = self.registry();
            let entry = registry
                .transports
                .get(&transport_id)
                .ok_or_else(|| Error::invalid_state("Transport closed"))?;
            if entry.transport.kind() != TransportKind::Pipe {
                return Err(Error::unsupported("a further arrival needs a PipeTransport"));
            }
            let (room, site, transport) = (entry.router, entry.site, entry.transport.clone());
            let primary = registry
                .producers
                .get(&id)
                .filter(|primary| primary.room == room)
                .ok_or_else(|| Error::invalid_state(format!("Producer with id \"{id}\" not found")))?;
            if primary.home.router == site.router {
                return Err(Error::type_error(format!(
                    "a Producer with same id \"{id}\" already exists"
                )));
            }
            let key = (PipeSource::Media(id), site.router);
            if registry.pipes.contains_key(&key) {
                return Err(Error::invalid_state(format!(
                    "producer \"{id}\" reaches router {} already",
                    site.router
                )));
            }
            let tid = registry
                .real_router(room, site.router)
                .ok_or_else(|| Error::invalid_state("Router closed"))?
                .worker
                .tid();
            let entry = PipeEntry {
                ready: Arc::default(),
                users: 0,
                idle_since: None,
                route: PipeRoute::Arrival(transport_id),
                source: site,
                pids: (tid, tid),
            };
            let cell = Arc::clone(&entry.ready);
            registry.pipes.insert(key, entry);
            (transport, key, cell)
        };
        let piped = piped_options(id, options);
        let made = cell
            .get_or_try_init(|| async {
                let producer =
                    transport.as_dyn().produce(piped).await.map_err(|e| {
                        Error::failed(format!("cannot take the pipe from another instance: {e}"))
                    })?;
                Ok::<_, Error>(PipeHandles::Arrival {
                    _pipe_producer: producer,
                })
            })
            .await;
        let handles = match made {
            Ok(handles) => handles,
            Err(error) => {
                let mut garbage = self.garbage();
                let mut registry = self.registry();
                if registry
                    .pipes
                    .get(&key)
                    .is_some_and(|p| Arc::ptr_eq(&p.ready, &cell))
                {
                    registry.take_pipe(key, PipeCloseReason::Failed, &mut garbage);
                }
                drop(registry);
                drop(garbage);
                return Err(error);
            }
        };
        let PipeHandles::Arrival {
            _pipe_producer: producer,
        } = handles
        else {
            unreachable!("an arrival's cell holds an arrival")
        };
        let info = ProducerInfo::of(producer);
        // Closed meanwhile (its transport, router or primary): it went with
        // the entry, or goes when `cell` drops here.
        if !self
            .registry()
            .pipes
            .get(&key)
            .is_some_and(|p| Arc::ptr_eq(&p.ready, &cell))
        {
            return Err(Error::invalid_state("Transport closed"));
        }
        log_debug!(
            self.telemetry().logger,
            Pipe,
            "pipe from another instance arrived [{}, on router {} over transport {}]",
            PipeSource::Media(id),
            key.1,
            transport_id
        );
        Ok(info)
    }

    /// The arrivals of producer `id` (see the module docs), to pause and
    /// resume with it.
    pub(crate) fn arrivals_of(&self, id: ProducerId) -> Vec<Producer> {
        self.registry()
            .pipes
            .iter()
            .filter(|((source, _), pipe)| *source == PipeSource::Media(id) && pipe.route.is_arrival())
            .filter_map(|(_, pipe)| match pipe.ready.get() {
                Some(PipeHandles::Arrival {
                    _pipe_producer: producer,
                }) => Some(producer.clone()),
                _ => None,
            })
            .collect()
    }
}
