//! Delivers core events to JavaScript through one weak threadsafe function
//! per Node environment.
//!
//! The functions are unreferenced (`weak`), so they never keep Node's event
//! loop alive. The main thread and each `worker_threads` worker that loads
//! the addon is an environment of its own with its own function; every
//! event goes to each of them, and each environment's dispatcher acts on
//! the ids it created (the others expire unread). Loading the module again
//! in the same environment (each Jest test file, a new context) replaces
//! that environment's function; the pool stays process-wide.

use crate::convert::output;
use mafalda_core::{Event, EventSink, LogSelection};
use napi::bindgen_prelude::{Buffer, FnArgs, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

/// Packet-rate events (a DirectTransport's `rtp` and `rtcp`, data
/// `message`s, `trace`) waiting for the JS thread, at most. mediasoup-node
/// gets back-pressure from its pipe; here a JS thread slower than a worker
/// would queue them without limit, so past this many the newest are
/// dropped and counted (`mafalda.dump().droppedEvents`). Every other event
/// (closes, pauses, scores) is always delivered.
pub const MAX_PENDING_FLOOD_EVENTS: usize = 50_000;

/// Target id, event name, data, and the bytes of an event that carries a
/// packet or a message (a Node Buffer, `undefined` otherwise). One function
/// for every event, so that they reach JS in the order they were raised.
pub type EventArgs = FnArgs<(String, String, serde_json::Value, Option<Buffer>)>;
type Tsfn = ThreadsafeFunction<Event, (), EventArgs, Status, false, true>;

/// One Node environment's function and the log records it asked for.
struct Environment {
    key: usize,
    function: Tsfn,
    logs: LogSelection,
}

/// The sink the engine writes to.
#[derive(Default)]
pub struct JsEventSink {
    /// One function per Node environment.
    functions: RwLock<Vec<Environment>>,
    /// Packet-rate events queued and not yet delivered.
    pending_floods: Arc<AtomicUsize>,
    dropped: AtomicU64,
}

impl JsEventSink {
    /// Sets the JS function events go to in environment `env`, replacing
    /// the one that environment had. The environment asks for no log
    /// records until it says which (`select_logs`).
    pub fn set(&self, env: usize, function: Tsfn) {
        let mut functions = self.functions.write().unwrap_or_else(|e| e.into_inner());
        functions.retain(|e| e.key != env);
        functions.push(Environment {
            key: env,
            function,
            logs: LogSelection::NONE,
        });
    }

    /// Forgets environment `env` (it is being torn down); the log records
    /// every environment left asks for.
    pub fn remove(&self, env: usize) -> LogSelection {
        let mut functions = self.functions.write().unwrap_or_else(|e| e.into_inner());
        functions.retain(|e| e.key != env);
        wanted(&functions)
    }

    /// Sets the log records environment `env` asks for; returns those that
    /// every environment asks for, which the engine should produce.
    pub fn select_logs(&self, env: usize, logs: LogSelection) -> LogSelection {
        let mut functions = self.functions.write().unwrap_or_else(|e| e.into_inner());
        if let Some(environment) = functions.iter_mut().find(|e| e.key == env) {
            environment.logs = logs;
        }
        wanted(&functions)
    }

    /// Counts packet-rate events delivered (see [`build`]).
    pub fn pending_floods(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.pending_floods)
    }

    /// Packet-rate events dropped since the process started.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl EventSink for JsEventSink {
    fn emit(&self, event: Event) {
        let functions = self.functions.read().unwrap_or_else(|e| e.into_inner());
        if let Event::Log(record) = &event {
            // Only to the environments that asked for it (each prints it).
            for environment in functions.iter() {
                if environment.logs.contains(record.category, record.level) {
                    environment
                        .function
                        .call(event.clone(), ThreadsafeFunctionCallMode::NonBlocking);
                }
            }
            return;
        }
        let flood = is_flood(&event);
        let mut event = Some(event);
        for (index, environment) in functions.iter().enumerate() {
            let function = &environment.function;
            if flood && self.pending_floods.fetch_add(1, Ordering::SeqCst) >= MAX_PENDING_FLOOD_EVENTS {
                self.pending_floods.fetch_sub(1, Ordering::SeqCst);
                self.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            // The last environment (the only one, usually) gets the event
            // itself, the others a copy.
            let this_one = if index + 1 == functions.len() {
                event.take()
            } else {
                event.clone()
            };
            let Some(this_one) = this_one else { return };
            // Non-blocking: this runs on mediasoup's threads. The queue itself
            // is unbounded, so the call fails only while Node is shutting down.
            let status = function.call(this_one, ThreadsafeFunctionCallMode::NonBlocking);
            if flood && status != Status::Ok {
                self.pending_floods.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

/// The log records any of `environments` asks for.
fn wanted(environments: &[Environment]) -> LogSelection {
    environments
        .iter()
        .fold(LogSelection::NONE, |all, e| all.union(e.logs))
}

/// Events raised per packet or message, which a busy JS thread may drop.
fn is_flood(event: &Event) -> bool {
    matches!(event.name(), "rtp" | "rtcp" | "message" | "trace")
}

/// Builds the JS arguments of an event: target id, event name, data, bytes.
pub fn event_args(mut event: Event) -> (String, String, serde_json::Value, Option<Buffer>) {
    let payload = event.take_payload().map(Buffer::from);
    (
        event.target(),
        event.name().to_string(),
        output::event_data(&event),
        payload,
    )
}

/// Creates the threadsafe function from the JS callback; `pending_floods`
/// goes down as packet-rate events are delivered.
pub fn build(callback: Function<'_, EventArgs, ()>, pending_floods: Arc<AtomicUsize>) -> napi::Result<Tsfn> {
    callback
        .build_threadsafe_function::<Event>()
        .weak::<true>()
        .callee_handled::<false>()
        .build_callback(move |ctx| {
            if is_flood(&ctx.value) {
                pending_floods.fetch_sub(1, Ordering::SeqCst);
            }
            Ok(FnArgs::from(event_args(ctx.value)))
        })
}
