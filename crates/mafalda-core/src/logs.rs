//! Log records of the engine's own decisions and of the real workers,
//! produced only when someone listens.
//!
//! A record is an [`Event::Log`] on the engine's [`EventSink`], so it
//! reaches the application in order with every other event. Whoever
//! consumes them says which (category, level) pairs it wants with
//! [`LogSelection`]; until then the [`Logger`] formats nothing: a check is
//! one atomic load.

use crate::events::{Event, EventSink};
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// What a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogCategory {
    /// Real workers started and closed, and why.
    Pool,
    /// Rooms placed on a real worker, rooms grown onto another one.
    Placement,
    /// Pipes between real routers opened and closed.
    Pipe,
    /// Lines a real mediasoup worker logs itself (its `logLevel` and
    /// `logTags` decide which it sends).
    Worker,
}

impl LogCategory {
    /// Every category, in bit order.
    pub const ALL: [LogCategory; 4] = [
        LogCategory::Pool,
        LogCategory::Placement,
        LogCategory::Pipe,
        LogCategory::Worker,
    ];

    /// Its name, as records carry it.
    pub fn name(self) -> &'static str {
        match self {
            LogCategory::Pool => "pool",
            LogCategory::Placement => "placement",
            LogCategory::Pipe => "pipe",
            LogCategory::Worker => "worker",
        }
    }
}

/// How much a record matters (mediasoup's worker levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogLevel {
    /// What happened, for whoever traces it.
    Debug,
    /// Something went wrong and was dealt with.
    Warn,
    /// Something went wrong.
    Error,
}

impl LogLevel {
    /// Every level, in bit order.
    pub const ALL: [LogLevel; 3] = [LogLevel::Debug, LogLevel::Warn, LogLevel::Error];

    /// Its name, as records carry it.
    pub fn name(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// What it is about.
    pub category: LogCategory,
    /// How much it matters.
    pub level: LogLevel,
    /// The line, without category or level.
    pub message: String,
}

/// A set of (category, level) pairs, one bit each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogSelection(pub u32);

impl LogSelection {
    /// Nothing.
    pub const NONE: LogSelection = LogSelection(0);

    /// The bit of one pair.
    pub fn of(category: LogCategory, level: LogLevel) -> Self {
        LogSelection(1 << (category as u32 * 3 + level as u32))
    }

    /// Whether the pair is in the set.
    pub fn contains(self, category: LogCategory, level: LogLevel) -> bool {
        self.0 & Self::of(category, level).0 != 0
    }

    /// Both sets.
    pub fn union(self, other: LogSelection) -> Self {
        LogSelection(self.0 | other.0)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Event>>);

    impl EventSink for Recorder {
        fn emit(&self, event: Event) {
            self.0.lock().push(event);
        }
    }

    #[test]
    fn every_pair_has_its_own_bit() {
        let mut seen = 0u32;
        for category in LogCategory::ALL {
            for level in LogLevel::ALL {
                let bit = LogSelection::of(category, level).0;
                assert_eq!(bit.count_ones(), 1);
                assert_eq!(seen & bit, 0);
                seen |= bit;
            }
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
