//! What the engine tells operators: its [`Logger`] and its [`Counters`],
//! shared by the pool, the engine's operations and the registry's
//! [`crate::registry::Garbage`] (which carries closes out).

use crate::events::EventSink;
use crate::logs::{log_debug, Logger};
use crate::metrics::{Counters, PlacementOutcome};
use std::fmt;
use std::sync::Arc;

pub(crate) struct Telemetry {
    pub logger: Logger,
    pub counters: Counters,
}

impl Telemetry {
    pub fn new(sink: Arc<dyn EventSink>) -> Arc<Self> {
        Arc::new(Self {
            logger: Logger::new(sink),
            counters: Counters::default(),
        })
    }
}

impl Telemetry {
    /// Counts a placement carried out, and logs it unless it is a
    /// transport going where its room already is (the common case, which
    /// the counter shows well enough). `started`: a real worker was
    /// started for it.
    pub fn placed(&self, outcome: PlacementOutcome, started: bool, what: fmt::Arguments<'_>, pid: u32) {
        let outcome = if started { outcome.on_new_worker() } else { outcome };
        self.counters.placed(outcome);
        let how = match outcome {
            PlacementOutcome::TransportOnRoomRouter => return,
            PlacementOutcome::RoomOnWorker | PlacementOutcome::VirtualWorkerOnWorker => "placed on",
            PlacementOutcome::RoomOnNewWorker | PlacementOutcome::VirtualWorkerOnNewWorker => {
                "placed on a new"
            }
            PlacementOutcome::RoomGrown => "grown (its workers are full) onto",
            PlacementOutcome::RoomGrownOnNewWorker => "grown (its workers are full) onto a new",
        };
        log_debug!(self.logger, Placement, "{what} {how} real worker [pid:{pid}]");
    }
}
