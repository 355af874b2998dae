//! Log records of the engine's own decisions and of the real workers,
//! produced only when someone listens.
//!
//! A record is an `Event::Log` on the engine's `EventSink`, so it reaches
//! the application in order with every other event. Whoever consumes them
//! says which (category, level) pairs it wants with [`LogSelection`]; until
//! then the engine's logger (`telemetry.rs`) formats nothing: a check is one
//! atomic load.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
