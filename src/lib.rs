//! Node binding of mafalda: thin functions over [`mafalda_core::Mafalda`],
//! one file per JS class, conversions in `convert/`, errors in `error.rs`.
//!
//! JavaScript holds ids; every mediasoup handle is owned by the core's
//! registry. The classes users see are written in JS (lib/) on top of these
//! functions.
#![deny(clippy::all)]

mod busy_poll;
mod cluster;
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

/// Large Rust blocks straight from the kernel (see `mafalda_core::alloc`).
#[global_allocator]
static ALLOCATOR: mafalda_core::alloc::Allocator = mafalda_core::alloc::Allocator;

struct Engine {
    mafalda: Mafalda,
    sink: Arc<JsEventSink>,
}

/// One engine, and so one pool of real workers, per process.
fn engine_cell() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let sink = Arc::new(JsEventSink::default());
        let mafalda = Mafalda::new(PoolConfig::default(), sink.clone());
        // The addon is the only Rust code of the process, so the `log`
        // logger is free: mediasoup's worker lines become log records,
        // produced only while JS selects them (see `select_logs`).
        mafalda.install_worker_logs();
        Engine { mafalda, sink }
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
    env.add_env_cleanup_hook(key, |key| {
        let wanted = engine_cell().sink.remove(key);
        engine().select_logs(wanted);
    })?;
    Ok(())
}

/// Sets the log records the calling environment wants, as a bit set of
/// (category, level) pairs (`mafalda_core::LogSelection`); the engine
/// produces those any environment wants, and nothing else. Called by the
/// JS layer after `init`, from the `debug` namespaces enabled.
#[napi(catch_unwind)]
pub fn select_logs(env: &Env, selection: u32) {
    let wanted = engine_cell()
        .sink
        .select_logs(env.raw() as usize, mafalda_core::LogSelection(selection));
    engine().select_logs(wanted);
}

/// Packet-rate events (DirectTransport `rtp` / `rtcp`, data `message`,
/// `trace`) dropped because the JS thread fell behind by more than
/// [`events::MAX_PENDING_FLOOD_EVENTS`].
#[napi(catch_unwind)]
pub fn dropped_events() -> f64 {
    engine_dropped_events() as f64
}

pub(crate) fn engine_dropped_events() -> u64 {
    engine_cell().sink.dropped()
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
