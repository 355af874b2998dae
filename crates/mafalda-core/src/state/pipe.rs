//! Pipes and pipe transport pairs as the registry keeps them, and their removal.

use crate::ids::Location;
use crate::ids::PairKey;
use crate::ids::PipeKey;
use crate::ids::PipeSource;
use crate::pool::CountedConsumer;
use crate::state::Garbage;
use crate::state::Registry;
use crate::telemetry::log_debug;
use crate::telemetry::Telemetry;
use event_listener_primitives::HandlerId;
use mediasoup::consumer::Consumer;
use mediasoup::data_consumer::DataConsumer;
use mediasoup::data_producer::DataProducer;
use mediasoup::pipe_transport::PipeTransport;
use mediasoup::producer::Producer;
use mediasoup::router::RouterId;
use mediasoup::transport::TransportId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::OnceCell;

/// Fields are declared producer first: dropped first, so consumers on the
/// destination learn of the close before the source side goes.
pub(crate) enum PipeHandles {
    Media {
        _pipe_producer: Producer,
        _pipe_consumer: Consumer,
        _handlers: Vec<HandlerId>,
        /// The pipe consumer counts against the source worker's budget.
        _counted: CountedConsumer,
    },
    Data {
        _pipe_producer: DataProducer,
        _pipe_consumer: DataConsumer,
        _handlers: Vec<HandlerId>,
    },
    /// A path from another instance: only the pipe producer is here, on a
    /// PipeTransport whose other end is on the producer's instance.
    Arrival { _pipe_producer: Producer },
}

/// Set once a pipe is up; concurrent users await the same setting.
pub(crate) type PipeCell = Arc<OnceCell<PipeHandles>>;

pub(crate) struct PipeEntry {
    pub ready: PipeCell,
    /// Consumers (and later observers) on the destination using it.
    pub users: u32,
    pub idle_since: Option<Instant>,
    pub route: PipeRoute,
    /// The producer's home real router, where the pipe consumer is (an
    /// arrival's own router).
    pub source: Location,
    /// Thread ids of the source's and the destination's workers, for logs.
    pub pids: (u32, u32),
}

/// What a pipe travels over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PipeRoute {
    /// A local pipe transport pair, from the source's home real router.
    Local(PairKey),
    /// A path from another instance (`interInstancePipes: 'per-router'`):
    /// the room's PipeTransport it arrives over. It has no local source
    /// and lives as long as the cluster keeps it (it never lingers out).
    Arrival(TransportId),
}

impl PipeRoute {
    /// The local pair it travels over, if any.
    pub fn pair(self) -> Option<PairKey> {
        match self {
            PipeRoute::Local(pair) => Some(pair),
            PipeRoute::Arrival(_) => None,
        }
    }

    pub fn is_arrival(self) -> bool {
        matches!(self, PipeRoute::Arrival(_))
    }
}

/// Why a pipe closes, as its log line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PipeCloseReason {
    /// Its last consumer left `pipeLinger` ago.
    Lingered,
    /// Its (data) producer closed.
    SourceClosed,
    /// A real router at one of its ends closed.
    RouterClosed,
    /// It never came up.
    Failed,
    /// The PipeTransport it arrived over from another instance closed.
    PathClosed,
}

impl PipeCloseReason {
    fn describe(self) -> &'static str {
        match self {
            PipeCloseReason::Lingered => "no consumer for pipeLinger",
            PipeCloseReason::SourceClosed => "its producer closed",
            PipeCloseReason::RouterClosed => "a router at one end closed",
            PipeCloseReason::Failed => "it could not be set up",
            PipeCloseReason::PathClosed => "its pipe transport from another instance closed",
        }
    }
}

/// A pipe taken out of the registry, closed when its [`Garbage`] drops.
pub(crate) struct ClosedPipe {
    pub key: PipeKey,
    pub entry: PipeEntry,
    pub why: PipeCloseReason,
}

impl ClosedPipe {
    /// Counts and logs the close of a pipe that was open (one that never
    /// came up was never counted as opened).
    pub fn report(&self, telemetry: &Telemetry) {
        if !self.entry.ready.initialized() {
            return;
        }
        let (source, destination) = self.key;
        // Paths from other instances are counted by the cluster, not here.
        if !self.entry.route.is_arrival() {
            telemetry.counters.pipe_closed(source.into());
        }
        log_debug!(
            telemetry.logger,
            Pipe,
            "pipe closed [{}, from router {} (worker pid {}) to router {} (worker pid {})]: {}",
            source,
            self.entry.source.router,
            self.entry.pids.0,
            destination,
            self.entry.pids.1,
            self.why.describe()
        );
    }
}

pub(crate) struct PairHandles {
    pub transports: HashMap<RouterId, PipeTransport>,
}

pub(crate) struct PipePairEntry {
    pub ready: Arc<OnceCell<PairHandles>>,
    /// Pipes using the pair.
    pub users: u32,
}

impl Registry {
    /// Takes a pipe out (its pair loses a user and goes with its last one).
    pub fn take_pipe(&mut self, key: PipeKey, why: PipeCloseReason, garbage: &mut Garbage) {
        let Some(entry) = self.pipes.remove(&key) else {
            return;
        };
        if let Some(pair) = entry.route.pair() {
            self.leave_pair(pair, garbage);
        }
        garbage.pipes.push(ClosedPipe { key, entry, why });
    }

    /// One more pipe uses `pair` (entered, if new): its cell, to set it up
    /// or await it.
    pub fn use_pair(&mut self, pair: PairKey) -> Arc<OnceCell<PairHandles>> {
        let entry = self.pipe_pairs.entry(pair).or_insert_with(|| PipePairEntry {
            ready: Arc::default(),
            users: 0,
        });
        entry.users += 1;
        Arc::clone(&entry.ready)
    }

    /// One pipe fewer uses `pair`; it goes with its last one.
    fn leave_pair(&mut self, pair: PairKey, garbage: &mut Garbage) {
        if let Some(entry) = self.pipe_pairs.get_mut(&pair) {
            entry.users = entry.users.saturating_sub(1);
            if entry.users == 0 {
                if let Some(entry) = self.pipe_pairs.remove(&pair) {
                    garbage.pipe_pairs.push(entry);
                }
            }
        }
    }

    /// Moves the pipe set up in `cell` from its pair to the same routers'
    /// pair in `lane`, whose cell it returns. `None` if that pipe is no
    /// longer in the registry (its source or a router closed meanwhile).
    pub fn move_pipe_to_lane(
        &mut self,
        key: PipeKey,
        cell: &PipeCell,
        lane: u8,
        garbage: &mut Garbage,
    ) -> Option<Arc<OnceCell<PairHandles>>> {
        let entry = self.pipes.get_mut(&key).filter(|p| Arc::ptr_eq(&p.ready, cell))?;
        let PipeRoute::Local(from) = entry.route else {
            return None;
        };
        let to = from.in_lane(lane);
        entry.route = PipeRoute::Local(to);
        self.leave_pair(from, garbage);
        Some(self.use_pair(to))
    }

    /// Takes every pipe of a producer or data producer (it is closing).
    pub fn take_pipes_of(&mut self, source: impl Into<PipeSource>, garbage: &mut Garbage) {
        let source = source.into();
        let keys: Vec<_> = self.pipes.keys().filter(|(s, _)| *s == source).copied().collect();
        for key in keys {
            self.take_pipe(key, PipeCloseReason::SourceClosed, garbage);
        }
    }

    /// Takes every pipe ending on, or pair touching, one of `routers`.
    pub fn take_pipes_of_routers(&mut self, routers: &[RouterId], garbage: &mut Garbage) {
        let keys: Vec<_> = self
            .pipes
            .iter()
            .filter(|(key, entry)| {
                routers.contains(&key.1) || entry.route.pair().is_some_and(|pair| pair.touches(routers))
            })
            .map(|(key, _)| *key)
            .collect();
        for key in keys {
            self.take_pipe(key, PipeCloseReason::RouterClosed, garbage);
        }
        let pairs: Vec<_> = self
            .pipe_pairs
            .keys()
            .filter(|pair| pair.touches(routers))
            .copied()
            .collect();
        for pair in pairs {
            if let Some(entry) = self.pipe_pairs.remove(&pair) {
                garbage.pipe_pairs.push(entry);
            }
        }
    }

    /// Takes the paths from other instances that arrive over `transport`
    /// (it is closing: their pipe producers close with it).
    pub fn take_arrivals_over(&mut self, transport: TransportId, garbage: &mut Garbage) {
        let keys: Vec<_> = self
            .pipes
            .iter()
            .filter(|(_, entry)| entry.route == PipeRoute::Arrival(transport))
            .map(|(key, _)| *key)
            .collect();
        for key in keys {
            self.take_pipe(key, PipeCloseReason::PathClosed, garbage);
        }
    }

    /// One user of a pipe fewer; it starts lingering at zero.
    pub fn release_pipe(&mut self, key: PipeKey, now: Instant) {
        if let Some(entry) = self.pipes.get_mut(&key) {
            entry.users = entry.users.saturating_sub(1);
            if entry.users == 0 {
                entry.idle_since = Some(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::pair_key;

    fn router(n: u8) -> RouterId {
        format!("00000000-0000-4000-9000-{n:012}").parse().unwrap()
    }

    /// Enters a local pipe of producer number `producer` over `pair`.
    fn pipe_on(registry: &mut Registry, producer: u8, pair: PairKey) -> (PipeKey, PipeCell) {
        let source: mediasoup::producer::ProducerId =
            format!("00000000-0000-4000-a000-{producer:012}").parse().unwrap();
        let key = (PipeSource::Media(source), pair.routers.1);
        let ready = PipeCell::default();
        registry.use_pair(pair);
        registry.pipes.insert(
            key,
            PipeEntry {
                ready: Arc::clone(&ready),
                users: 1,
                idle_since: None,
                route: PipeRoute::Local(pair),
                source: Location {
                    worker: "00000000-0000-4000-8000-000000000001".parse().unwrap(),
                    router: pair.routers.0,
                },
                pids: (1, 2),
            },
        );
        (key, ready)
    }

    #[test]
    fn a_pipe_moved_to_another_lane_is_counted_there_and_goes_with_it() {
        let mut registry = Registry::default();
        let mut garbage = Garbage::default();
        let lane_0 = pair_key(router(1), router(2));
        let (stays, _) = pipe_on(&mut registry, 1, lane_0);
        let (moves, cell) = pipe_on(&mut registry, 2, lane_0);
        assert!(registry
            .move_pipe_to_lane(moves, &cell, 1, &mut garbage)
            .is_some());
        let lane_1 = lane_0.in_lane(1);
        assert_eq!(registry.pipes[&moves].route, PipeRoute::Local(lane_1));
        assert_eq!(registry.pipe_pairs[&lane_0].users, 1);
        assert_eq!(registry.pipe_pairs[&lane_1].users, 1);
        assert!(garbage.pipe_pairs.is_empty(), "lane 0 still carries a pipe");
        // Each lane goes with its last pipe; the routers' pairs go with them.
        registry.take_pipe(moves, PipeCloseReason::SourceClosed, &mut garbage);
        assert!(!registry.pipe_pairs.contains_key(&lane_1));
        registry.take_pipe(stays, PipeCloseReason::SourceClosed, &mut garbage);
        assert!(registry.pipe_pairs.is_empty());
        assert_eq!(garbage.pipe_pairs.len(), 2);
    }

    #[test]
    fn a_pipe_gone_meanwhile_is_not_moved() {
        let mut registry = Registry::default();
        let mut garbage = Garbage::default();
        let lane_0 = pair_key(router(1), router(2));
        let (key, cell) = pipe_on(&mut registry, 1, lane_0);
        registry.take_pipe(key, PipeCloseReason::SourceClosed, &mut garbage);
        // Another consume entered a new pipe with the same key meanwhile.
        let (_, newer) = pipe_on(&mut registry, 1, lane_0);
        assert!(registry.move_pipe_to_lane(key, &cell, 1, &mut garbage).is_none());
        assert_eq!(registry.pipes[&key].route, PipeRoute::Local(lane_0));
        assert!(Arc::ptr_eq(&registry.pipes[&key].ready, &newer));
        assert_eq!(registry.pipe_pairs.len(), 1);
    }
}
