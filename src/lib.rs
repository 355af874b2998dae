//! Node binding of mafalda: thin functions over [`mafalda_core::Mafalda`],
//! one file per JS class, conversions in `convert/`, errors in `error.rs`.
//!
//! JavaScript holds ids; every mediasoup handle is owned by the core's
//! registry. The classes users see are written in JS (lib/) on top of these
//! functions.
#![deny(clippy::all)]

mod completions;
mod consumer;
mod convert;
mod data_consumer;
mod data_producer;
mod error;
mod events;
mod pool;
mod producer;
mod router;
mod rtp_observer;
mod started;
mod transport;
mod webrtc_server;
mod worker;

use events::JsEventSink;
use mafalda_core::pool::PoolConfig;
use mafalda_core::Mafalda;
use napi::bindgen_prelude::Function;
use napi::Env;
use napi_derive::napi;
use std::sync::{Arc, OnceLock};

struct Engine {
    mafalda: Mafalda,
    sink: Arc<JsEventSink>,
}

/// One engine, and so one pool of real workers, per process.
fn engine_cell() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let sink = Arc::new(JsEventSink::default());
        Engine {
            mafalda: Mafalda::new(PoolConfig::default(), sink.clone()),
            sink,
        }
    })
}

pub(crate) fn engine() -> &'static Mafalda {
    &engine_cell().mafalda
}

/// Sets the function every event is delivered to in the calling Node
/// environment, as `(targetId, eventName, data, bytes)`. Called by the JS
/// layer when it loads (once per context); the environment's function is
/// dropped when the environment ends (a `worker_threads` worker exits).
#[napi(catch_unwind)]
pub fn init(env: &Env, on_event: Function<'_, events::EventArgs, ()>) -> napi::Result<()> {
    completions::init(env)?;
    let sink = &engine_cell().sink;
    let function = events::build(on_event, sink.pending_floods())?;
    let key = env.raw() as usize;
    sink.set(key, function);
    env.add_env_cleanup_hook(key, |key| engine_cell().sink.remove(key))?;
    Ok(())
}

/// Packet-rate events (DirectTransport `rtp` / `rtcp`, data `message`,
/// `trace`) dropped because the JS thread fell behind by more than
/// [`events::MAX_PENDING_FLOOD_EVENTS`].
#[napi(catch_unwind)]
pub fn dropped_events() -> f64 {
    engine_cell().sink.dropped() as f64
}

/// Closes everything and waits (at most 2 s) for the worker threads to end,
/// so that the process exits cleanly: called from `process.on('exit')`.
#[napi(catch_unwind)]
pub fn shutdown() -> bool {
    engine().shutdown(std::time::Duration::from_secs(2))
}

/// mediasoup's supported RTP capabilities (a fresh object each call), as
/// mediasoup offers them (see `mafalda_core::negotiation`).
#[napi(catch_unwind)]
pub fn get_supported_rtp_capabilities() -> serde_json::Value {
    let mut capabilities =
        mafalda_core::mediasoup::supported_rtp_capabilities::get_supported_rtp_capabilities();
    mafalda_core::negotiation::offered_header_extensions(&mut capabilities.header_extensions);
    convert::output::to_value(&capabilities)
}

/// Version of the mediasoup worker linked in.
#[napi(catch_unwind)]
pub fn worker_version() -> String {
    "mediasoup-rust 0.33".to_string()
}
