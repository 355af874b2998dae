//! What the engine tells operators: its [`Logger`] (log records, formatted
//! only when selected) and its [`Counters`],
//! shared by the pool, the engine's operations and the registry's
//! [`crate::state::Garbage`] (which carries closes out).

use crate::events::{Event, EventSink};
use crate::logs::{LogCategory, LogLevel, LogRecord, LogSelection};
use crate::metrics::{Counters, PlacementOutcome};
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Writes records to the sink, for the pairs selected.
pub(crate) struct Logger {
    selection: AtomicU32,
    sink: Arc<dyn EventSink>,
}

impl Logger {
    pub fn new(sink: Arc<dyn EventSink>) -> Self {
        Self {
            selection: AtomicU32::new(0),
            sink,
        }
    }

    pub fn select(&self, selection: LogSelection) {
        self.selection.store(selection.0, Ordering::Relaxed);
    }

    pub fn selection(&self) -> LogSelection {
        LogSelection(self.selection.load(Ordering::Relaxed))
    }

    pub fn enabled(&self, category: LogCategory, level: LogLevel) -> bool {
        self.selection().contains(category, level)
    }

    /// Sends a record when its pair is selected; `message` is formatted
    /// only then.
    pub fn log(&self, category: LogCategory, level: LogLevel, message: fmt::Arguments<'_>) {
        if self.enabled(category, level) {
            self.emit(category, level, message.to_string());
        }
    }

    /// Sends a record, selected or not (the caller checked).
    pub fn emit(&self, category: LogCategory, level: LogLevel, message: String) {
        self.sink.emit(Event::Log(LogRecord {
            category,
            level,
            message,
        }));
    }
}

/// `log_debug!(logger, Category, "format", args…)`: a debug record,
/// formatted only when selected.
macro_rules! log_debug {
    ($logger:expr, $category:ident, $($arg:tt)+) => {
        $logger.log(
            $crate::logs::LogCategory::$category,
            $crate::logs::LogLevel::Debug,
            format_args!($($arg)+),
        )
    };
}

/// A warning record, formatted only when selected.
macro_rules! log_warn {
    ($logger:expr, $category:ident, $($arg:tt)+) => {
        $logger.log(
            $crate::logs::LogCategory::$category,
            $crate::logs::LogLevel::Warn,
            format_args!($($arg)+),
        )
    };
}

pub(crate) use {log_debug, log_warn};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Event;
    use crate::logs::{LogCategory, LogLevel, LogRecord, LogSelection};
    use parking_lot::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Event>>);

    impl EventSink for Recorder {
        fn emit(&self, event: Event) {
            self.0.lock().push(event);
        }
    }

    #[test]
    fn a_logger_sends_only_what_is_selected_and_formats_nothing_else() {
        let recorder = Arc::new(Recorder::default());
        let logger = Logger::new(recorder.clone());
        struct Panics;
        impl fmt::Display for Panics {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                panic!("formatted while not selected")
            }
        }
        log_debug!(logger, Pipe, "{}", Panics);
        assert!(recorder.0.lock().is_empty());

        logger.select(LogSelection::of(LogCategory::Pipe, LogLevel::Debug));
        log_debug!(logger, Pipe, "pipe {}", 1);
        log_warn!(logger, Pipe, "{}", Panics);
        log_debug!(logger, Pool, "{}", Panics);
        let events = recorder.0.lock();
        assert_eq!(events.len(), 1);
        assert!(matches!(
            &events[0],
            Event::Log(LogRecord { category: LogCategory::Pipe, level: LogLevel::Debug, message }) if message == "pipe 1"
        ));
    }
}
