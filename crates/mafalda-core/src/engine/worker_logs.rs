//! The real workers' own log lines, as [`LogCategory::Worker`] records.
//!
//! mediasoup-rust receives them on the worker's channel and hands them to
//! the `log` crate, target `mediasoup::worker`, as `[id:<worker id>] <line>`
//! at the worker's level (debug, warn, error). A `log` logger is one per
//! process, so installing this one is the embedder's choice
//! ([`Mafalda::install_worker_logs`]); once it is installed, `log`'s global
//! level follows the selection, so with nothing selected a line costs
//! mediasoup one atomic load, as with no logger at all.

use crate::engine::{Inner, Mafalda};
use crate::logs::{LogCategory, LogLevel, LogSelection};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Weak;

/// The `log` target mediasoup-rust forwards worker lines under.
const TARGET: &str = "mediasoup::worker";

static INSTALLED: AtomicBool = AtomicBool::new(false);

struct WorkerLogs {
    engine: Weak<Inner>,
}

fn level_of(level: log::Level) -> Option<LogLevel> {
    match level {
        log::Level::Error => Some(LogLevel::Error),
        log::Level::Warn => Some(LogLevel::Warn),
        log::Level::Debug => Some(LogLevel::Debug),
        log::Level::Info | log::Level::Trace => None,
    }
}

impl log::Log for WorkerLogs {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == TARGET && level_of(metadata.level()).is_some()
    }

    fn log(&self, record: &log::Record<'_>) {
        if record.target() != TARGET {
            return;
        }
        let Some(level) = level_of(record.level()) else {
            return;
        };
        let Some(mafalda) = Mafalda::upgrade(&self.engine) else {
            return;
        };
        let logger = &mafalda.telemetry().logger;
        if !logger.enabled(LogCategory::Worker, level) {
            return;
        }
        let text = record.args().to_string();
        // mediasoup-rust's own traces share the target; the worker's lines
        // are the ones that name the worker.
        let Some(line) = with_pid(&text) else {
            return;
        };
        logger.emit(LogCategory::Worker, level, line);
    }

    fn flush(&self) {}
}

/// `[id:<worker id>] line` as `[pid:<thread id>] line`, the way
/// mediasoup-node prefixes a worker's lines; `None` for other lines.
fn with_pid(text: &str) -> Option<String> {
    let rest = text.strip_prefix("[id:")?;
    let (id, line) = rest.split_once("] ")?;
    Some(match crate::pool::worker_tid(id) {
        Some(pid) => format!("[pid:{pid}] {line}"),
        // A worker too long gone to be remembered.
        None => format!("[id:{id}] {line}"),
    })
}

/// `log`'s global level for a selection: the lowest worker level selected.
fn max_level(selection: LogSelection) -> log::LevelFilter {
    let wants = |level| selection.contains(LogCategory::Worker, level);
    if wants(LogLevel::Debug) {
        log::LevelFilter::Debug
    } else if wants(LogLevel::Warn) {
        log::LevelFilter::Warn
    } else if wants(LogLevel::Error) {
        log::LevelFilter::Error
    } else {
        log::LevelFilter::Off
    }
}

impl Mafalda {
    /// Makes the real workers' log lines [`LogCategory::Worker`] records
    /// of this engine, by installing the process's `log` logger. Whether it
    /// was installed (`false`: the process already has a logger, which then
    /// receives mediasoup's lines itself).
    pub fn install_worker_logs(&self) -> bool {
        // One per process, for the rest of its life (`log` wants it
        // 'static); a refused one is a few bytes.
        let logger: &'static WorkerLogs = Box::leak(Box::new(WorkerLogs {
            engine: self.downgrade(),
        }));
        if log::set_logger(logger).is_err() {
            return false;
        }
        INSTALLED.store(true, Ordering::SeqCst);
        log::set_max_level(max_level(self.telemetry().logger.selection()));
        true
    }

    /// Selects the log records this engine produces; nothing is formatted
    /// for the others.
    pub fn select_logs(&self, selection: LogSelection) {
        self.telemetry().logger.select(selection);
        // Only a logger of ours follows the selection: another one set
        // the level it needs.
        if INSTALLED.load(Ordering::SeqCst) {
            log::set_max_level(max_level(selection));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_global_level_is_the_lowest_worker_level_selected() {
        let of = LogSelection::of;
        assert_eq!(max_level(LogSelection::NONE), log::LevelFilter::Off);
        assert_eq!(
            max_level(of(LogCategory::Pipe, LogLevel::Debug)),
            log::LevelFilter::Off
        );
        assert_eq!(
            max_level(of(LogCategory::Worker, LogLevel::Error)),
            log::LevelFilter::Error
        );
        assert_eq!(
            max_level(
                of(LogCategory::Worker, LogLevel::Warn).union(of(LogCategory::Worker, LogLevel::Error))
            ),
            log::LevelFilter::Warn
        );
        assert_eq!(
            max_level(of(LogCategory::Worker, LogLevel::Debug)),
            log::LevelFilter::Debug
        );
    }
}
