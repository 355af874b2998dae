//! Pipes on demand: a producer reaches a real router where it does not live
//! only when a consumer there needs it, once per (producer, destination real
//! router), shared by every consumer there, and goes after the last one.
//!
//! A pipe is a pipe consumer of the producer on its home router, sending
//! over a PipeTransport pair to a pipe producer with the same id on the
//! destination router. Pairs are per couple of real routers, shared by every
//! pipe between them (both directions), and close with their last pipe. A
//! pipe the pair cannot take (one of its random SSRCs is already received
//! there, or no SCTP stream is left) goes over a second pair of the same
//! routers, a *lane* (see `decide::pipes::next_lane`).
//! Data producers travel the same way, as a pipe data consumer and a pipe
//! data producer over the pair's SCTP association.
//!
//! Both kinds of entry carry a `OnceCell`: the first caller creates, the
//! concurrent ones await the same creation, so 50 simultaneous consumes
//! make one pipe. Reference counts are taken under the registry lock
//! *before* awaiting, so the idle collector never removes an entry that is
//! being set up.

use crate::decide::pipes::{next_lane, plan_pipe, taken_on_pair, PipePlan};
use crate::decide::placement;
use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::ids::pair_key;
use crate::ids::PipeKey;
use crate::ids::PipeSource;
use crate::pool::RealWorker;
use crate::state::Home;
use crate::state::PipeCell;
use crate::state::PipeCloseReason;
use crate::state::PipeEntry;
use crate::state::PipeHandles;
use crate::state::PipeRoute;
use crate::state::RealRouter;
use crate::telemetry::log_debug;
use mediasoup::prelude::*;
use mediasoup::worker::RequestError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a consume reaches a source.
enum Reach {
    /// It lives on the destination.
    Here,
    /// A path from another instance arrives there (set up or being set up).
    Arrival(PipeCell),
    /// A local pipe from its home: the home's handles and the pipe's cell.
    Pipe(RealRouter, PipeCell),
}

/// What a pipe transport pair did with a pipe, or a part of one.
pub(crate) enum Attempt<T> {
    Made(T),
    /// This pair cannot take it, another one could: the error to give if
    /// none can.
    PairFull(Error),
}

impl Mafalda {
    /// Makes `producer` available on the real router `destination` of the
    /// same room, piping it from its home router if it does not live there.
    /// Returns the pipe the caller now holds a reference on (release it with
    /// [`Registry::release_pipe`]), or `None` when no pipe was needed.
    pub(crate) async fn ensure_pipe(
        &self,
        producer: ProducerId,
        destination: &RealRouter,
    ) -> Result<Option<PipeKey>> {
        self.ensure_piped(PipeSource::Media(producer), destination).await
    }

    /// [`Mafalda::ensure_pipe`] for a data producer.
    pub(crate) async fn ensure_data_pipe(
        &self,
        data_producer: DataProducerId,
        destination: &RealRouter,
    ) -> Result<Option<PipeKey>> {
        self.ensure_piped(PipeSource::Data(data_producer), destination)
            .await
    }

    async fn ensure_piped(&self, source: PipeSource, destination: &RealRouter) -> Result<Option<PipeKey>> {
        let dest_id = destination.router.id();
        let key = (source, dest_id);
        let reach = self.reach(key, destination)?;
        let (home, pipe_cell) = match reach {
            Reach::Here => return Ok(None),
            Reach::Arrival(cell) => return self.await_arrival(key, &cell).await.map(Some),
            Reach::Pipe(home, pipe_cell) => (home, pipe_cell),
        };
        let made = async {
            pipe_cell
                .get_or_try_init(|| async {
                    let handles = self.pipe_over_lanes(key, &home, destination, &pipe_cell).await?;
                    // Once per pipe: concurrent consumes wait for this one.
                    let telemetry = self.telemetry();
                    telemetry.counters.pipe_opened(source.into());
                    log_debug!(
                        telemetry.logger,
                        Pipe,
                        "pipe opened [{}, from router {} (worker pid {}) to router {} (worker pid {})]: a consumer there needs it",
                        source,
                        home.router.id(),
                        home.worker.tid(),
                        dest_id,
                        destination.worker.tid()
                    );
                    Ok::<_, Error>(handles)
                })
                .await?;
            Ok::<_, Error>(())
        }
        .await;
        match made {
            Ok(()) => Ok(Some(key)),
            Err(error) => Err(self.pipe_failed(key, error)),
        }
    }

    /// How a consume on `destination` reaches `key`'s source: a pipe is
    /// referenced (and entered, if new) under the registry lock, before any
    /// await, so that the idle collector never removes it meanwhile.
    fn reach(&self, key: PipeKey, destination: &RealRouter) -> Result<Reach> {
        let (source, dest_id) = key;
        let mut registry = self.registry();
        // A path from another instance ends here already: use it.
        if let Some(pipe) = registry.pipes.get_mut(&key).filter(|p| p.route.is_arrival()) {
            pipe.users += 1;
            pipe.idle_since = None;
            return Ok(Reach::Arrival(Arc::clone(&pipe.ready)));
        }
        let home: Home = self
            .directory()
            .home_of(&registry, source)
            .ok_or_else(|| source.not_found())?;
        match plan_pipe(home.location, destination.location()) {
            PipePlan::Here => return Ok(Reach::Here),
            PipePlan::Refuse(reason) => return Err(Error::unsupported(reason)),
            PipePlan::Pipe => {}
        }
        let home_id = home.location.router;
        // The handles behind the location, for the effects below.
        let home = registry
            .real_router(home.room, home_id)
            .ok_or_else(|| Error::invalid_state("Router closed"))?;
        if !registry.pipes.contains_key(&key) {
            let pair = pair_key(home_id, dest_id);
            registry.use_pair(pair);
            registry.pipes.insert(
                key,
                PipeEntry {
                    ready: Arc::default(),
                    users: 0,
                    idle_since: None,
                    route: PipeRoute::Local(pair),
                    source: home.location(),
                    pids: (home.worker.tid(), destination.worker.tid()),
                },
            );
        }
        let pipe = registry.pipes.get_mut(&key).expect("inserted above");
        pipe.users += 1;
        pipe.idle_since = None;
        Ok(Reach::Pipe(home, Arc::clone(&pipe.ready)))
    }

    /// Sets up the pipe of `cell` over its pair, or over the routers' next
    /// lane when a pair cannot take it.
    async fn pipe_over_lanes(
        &self,
        key: PipeKey,
        home: &RealRouter,
        destination: &RealRouter,
        cell: &PipeCell,
    ) -> Result<PipeHandles> {
        let (source, dest_id) = key;
        // The pair as the registry has it now: an earlier attempt at this
        // pipe may have moved it to another lane.
        let (mut lane, mut pair_cell) = {
            let registry = self.registry();
            let pair = registry
                .pipes
                .get(&key)
                .filter(|p| Arc::ptr_eq(&p.ready, cell))
                .and_then(|p| p.route.pair())
                .ok_or_else(|| source.not_found())?;
            let pair_cell = &registry
                .pipe_pairs
                .get(&pair)
                .expect("a pipe's pair exists")
                .ready;
            (pair.lane, Arc::clone(pair_cell))
        };
        loop {
            let pair = pair_cell
                .get_or_try_init(|| self.link().join(home, destination))
                .await?;
            let local = pair
                .transports
                .get(&home.router.id())
                .expect("pair has both ends");
            let remote = pair.transports.get(&dest_id).expect("pair has both ends");
            let attempt = match source {
                PipeSource::Media(producer) => self.create_pipe(producer, local, remote, &home.worker).await,
                PipeSource::Data(data_producer) => self.create_data_pipe(data_producer, local, remote).await,
            }?;
            let error = match attempt {
                Attempt::Made(handles) => return Ok(handles),
                Attempt::PairFull(error) => error,
            };
            let Some(next) = next_lane(lane) else {
                return Err(error);
            };
            let mut garbage = self.garbage();
            let moved = self.registry().move_pipe_to_lane(key, cell, next, &mut garbage);
            drop(garbage);
            let telemetry = self.telemetry();
            log_debug!(
                telemetry.logger,
                Pipe,
                "pipe [{}, from router {} to router {}] goes over another pipe transport pair (lane {}): {}",
                source,
                home.router.id(),
                dest_id,
                next,
                error.message
            );
            pair_cell = moved.ok_or_else(|| source.not_found())?;
            lane = next;
        }
    }

    /// Waits for a path from another instance being set up (see
    /// `engine/arrival.rs`); the caller took a reference on it.
    async fn await_arrival(&self, key: PipeKey, cell: &PipeCell) -> Result<PipeKey> {
        let ready = cell
            .get_or_try_init(|| async { Err(Error::invalid_state("the pipe from another instance failed")) })
            .await;
        match ready {
            Ok(_) => Ok(key),
            Err(error) => Err(self.pipe_failed(key, error)),
        }
    }

    /// A pipe the caller held a reference on did not come up: the reference
    /// goes, and the pipe with it if nobody else waits for it, so that the
    /// next consume tries afresh.
    pub(crate) fn pipe_failed(&self, key: PipeKey, error: Error) -> Error {
        let mut garbage = self.garbage();
        {
            let mut registry = self.registry();
            registry.release_pipe(key, Instant::now());
            if registry
                .pipes
                .get(&key)
                .is_some_and(|p| p.users == 0 && !p.ready.initialized())
            {
                registry.take_pipe(key, PipeCloseReason::Failed, &mut garbage);
            }
        }
        drop(garbage);
        error
    }

    async fn create_pipe(
        &self,
        producer: ProducerId,
        local: &PipeTransport,
        remote: &PipeTransport,
        home: &RealWorker,
    ) -> Result<Attempt<PipeHandles>> {
        let mut options = ConsumerOptions::new(producer, RtpCapabilities::default());
        options.pipe = true;
        let pipe_consumer = local
            .consume(options)
            .await
            .map_err(|e| Error::failed(format!("cannot pipe producer: {e}")))?;
        let mut producer_options = ProducerOptions::new_pipe_transport(
            producer,
            pipe_consumer.kind(),
            pipe_consumer.rtp_parameters().clone(),
        );
        producer_options.paused = pipe_consumer.producer_paused();
        let pipe_producer = match pipe_producer(remote, producer_options).await? {
            Attempt::Made(pipe_producer) => pipe_producer,
            // The pipe consumer made for this pair closes as it drops.
            Attempt::PairFull(error) => return Ok(Attempt::PairFull(error)),
        };
        // Pause and resume of the source travel to the pipe producer, whose
        // consumers then get producerpause / producerresume. The requests
        // are made from tasks on the workers' executor, not inside
        // mediasoup's callback.
        let weak = pipe_producer.downgrade();
        let on_pause = pipe_consumer.on_producer_pause(self.relay(
            move || weak.upgrade(),
            |producer: Producer| async move { producer.pause().await },
        ));
        let weak = pipe_producer.downgrade();
        let on_resume = pipe_consumer.on_producer_resume(self.relay(
            move || weak.upgrade(),
            |producer: Producer| async move { producer.resume().await },
        ));
        Ok(Attempt::Made(PipeHandles::Media {
            _pipe_producer: pipe_producer,
            _pipe_consumer: pipe_consumer,
            _handlers: vec![on_pause, on_resume],
            // Only media pipes count against the consumer budget, as only
            // media consumers do.
            _counted: home.count_consumer(),
        }))
    }

    /// What mediasoup's `pipeToRouter({ dataProducerId })` makes: a pipe data
    /// consumer on the home side, a pipe data producer with the same id,
    /// label and protocol on the destination. Unlike mediasoup, pause and
    /// resume of the source travel too, so that data consumers anywhere in
    /// the room see `dataproducerpause` / `dataproducerresume`.
    async fn create_data_pipe(
        &self,
        data_producer: DataProducerId,
        local: &PipeTransport,
        remote: &PipeTransport,
    ) -> Result<Attempt<PipeHandles>> {
        let failed = |e: &dyn std::fmt::Display| Error::failed(format!("cannot pipe data producer: {e}"));
        let pipe_consumer = match local
            .consume_data(DataConsumerOptions::new_sctp(data_producer))
            .await
        {
            Ok(pipe_consumer) => pipe_consumer,
            // Every SCTP stream of this pair carries a pipe already.
            Err(e @ ConsumeDataError::NoSctpStreamId) => return Ok(Attempt::PairFull(failed(&e))),
            Err(e) => return Err(failed(&e)),
        };
        let sctp_stream_parameters = pipe_consumer
            .sctp_stream_parameters()
            .ok_or_else(|| failed(&"no SCTP stream on the pipe transport"))?;
        let mut options = DataProducerOptions::new_pipe_transport(data_producer, sctp_stream_parameters);
        options.label = pipe_consumer.label().clone();
        options.protocol = pipe_consumer.protocol().clone();
        options.paused = pipe_consumer.producer_paused();
        let pipe_producer = remote.produce_data(options).await.map_err(|e| failed(&e))?;
        let weak = pipe_producer.downgrade();
        let on_pause = pipe_consumer.on_data_producer_pause(self.relay(
            move || weak.upgrade(),
            |producer: DataProducer| async move { producer.pause().await },
        ));
        let weak = pipe_producer.downgrade();
        let on_resume = pipe_consumer.on_data_producer_resume(self.relay(
            move || weak.upgrade(),
            |producer: DataProducer| async move { producer.resume().await },
        ));
        Ok(Attempt::Made(PipeHandles::Data {
            _pipe_producer: pipe_producer,
            _pipe_consumer: pipe_consumer,
            _handlers: vec![on_pause, on_resume],
        }))
    }

    /// A handler for a pipe consumer's source events that has `act` done
    /// to the pipe producer `upgrade` finds, if it still exists, from a task
    /// on the workers' executor: never inside mediasoup's callback, where a
    /// request must not be made.
    fn relay<P, Fut>(
        &self,
        upgrade: impl Fn() -> Option<P> + Send + Sync + 'static,
        act: impl Fn(P) -> Fut + Send + Sync + 'static,
    ) -> impl Fn() + Send + Sync + 'static
    where
        Fut: std::future::Future + Send + 'static,
    {
        let executor = self.pool().order().executor();
        move || {
            if let Some(pipe_producer) = upgrade() {
                let request = act(pipe_producer);
                executor
                    .spawn(async move {
                        let _ = request.await;
                    })
                    .detach();
            }
        }
    }

    /// Closes pipes that have had no user for `linger`.
    pub(crate) fn collect_idle_pipes(&self, now: Instant) {
        let linger = self.pipe_linger();
        let mut garbage = self.garbage();
        {
            let mut registry = self.registry();
            let expired: Vec<_> = registry
                .pipes
                .iter()
                .filter(|(_, p)| {
                    // Paths from other instances live as long as the cluster keeps them.
                    !p.route.is_arrival()
                        && p.users == 0
                        && placement::idle_expired(p.idle_since, now, linger)
                })
                .map(|(key, _)| *key)
                .collect();
            for key in expired {
                registry.take_pipe(key, PipeCloseReason::Lingered, &mut garbage);
            }
        }
        drop(garbage);
    }

    pub(crate) fn pipe_linger(&self) -> Duration {
        self.pool().config().pipe_linger
    }
}

/// The pipe producer of a pipe, on the pair's end at its destination.
pub(crate) async fn pipe_producer(
    remote: &PipeTransport,
    options: ProducerOptions,
) -> Result<Attempt<Producer>> {
    match remote.produce(options).await {
        Ok(pipe_producer) => Ok(Attempt::Made(pipe_producer)),
        Err(e) => {
            let error = Error::failed(format!("cannot pipe producer: {e}"));
            let taken = matches!(&e, ProduceError::Request(RequestError::Response { reason }) if taken_on_pair(reason));
            if taken {
                Ok(Attempt::PairFull(error))
            } else {
                Err(error)
            }
        }
    }
}
