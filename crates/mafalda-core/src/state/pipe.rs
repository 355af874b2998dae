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
        if let Some(key) = entry.route.pair() {
            if let Some(pair) = self.pipe_pairs.get_mut(&key) {
                pair.users = pair.users.saturating_sub(1);
                if pair.users == 0 {
                    if let Some(pair) = self.pipe_pairs.remove(&key) {
                        garbage.pipe_pairs.push(pair);
                    }
                }
            }
        }
        garbage.pipes.push(ClosedPipe { key, entry, why });
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
                routers.contains(&key.1)
                    || entry
                        .route
                        .pair()
                        .is_some_and(|(a, b)| routers.contains(&a) || routers.contains(&b))
            })
            .map(|(key, _)| *key)
            .collect();
        for key in keys {
            self.take_pipe(key, PipeCloseReason::RouterClosed, garbage);
        }
        let pairs: Vec<_> = self
            .pipe_pairs
            .keys()
            .filter(|(a, b)| routers.contains(a) || routers.contains(b))
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
