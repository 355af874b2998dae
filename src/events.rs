//! Delivers core events to JavaScript through one weak threadsafe function.
//!
//! The function is unreferenced (`weak`), so it never keeps Node's event loop
//! alive; it is replaced when the module is loaded again in another context
//! (e.g. each Jest test file), the pool staying process-wide.

use crate::convert::output;
use mafalda_core::{Event, EventSink};
use napi::bindgen_prelude::{Buffer, FnArgs, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use std::sync::RwLock;

/// Target id, event name, data, and the bytes of an event that carries a
/// packet or a message (a Node Buffer, `undefined` otherwise). One function
/// for every event, so that they reach JS in the order they were raised.
pub type EventArgs = FnArgs<(String, String, serde_json::Value, Option<Buffer>)>;
type Tsfn = ThreadsafeFunction<Event, (), EventArgs, Status, false, true>;

/// The sink the engine writes to.
#[derive(Default)]
pub struct JsEventSink {
    function: RwLock<Option<Tsfn>>,
}

impl JsEventSink {
    /// Replaces the JS function events go to.
    pub fn set(&self, function: Tsfn) {
        *self.function.write().unwrap_or_else(|e| e.into_inner()) = Some(function);
    }
}

impl EventSink for JsEventSink {
    fn emit(&self, event: Event) {
        let function = self.function.read().unwrap_or_else(|e| e.into_inner());
        if let Some(function) = function.as_ref() {
            // Non-blocking: this runs on mediasoup's threads. The queue is
            // unbounded, so the call fails only while Node is shutting down.
            let _ = function.call(event, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
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

/// Creates the threadsafe function from the JS callback.
pub fn build(callback: Function<'_, EventArgs, ()>) -> napi::Result<Tsfn> {
    callback
        .build_threadsafe_function::<Event>()
        .weak::<true>()
        .callee_handled::<false>()
        .build_callback(|ctx| Ok(FnArgs::from(event_args(ctx.value))))
}
