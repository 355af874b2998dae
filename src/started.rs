//! Worker requests started in call order.
//!
//! mediasoup-node writes each request to the worker's channel inside the
//! call itself, so requests reach the worker in the order JavaScript made
//! them: a `dump()` after `close()` never shows the closed object, `pause()`
//! then `resume()` without awaiting ends resumed, `dc.setSubchannels(s)`
//! then `dp.send(m)` delivers `m` with the new subchannels. An `async`
//! binding function would only queue its request when a runtime thread
//! first polls it, in any order. [`start`] hands the call to the core's
//! [`mafalda_core::pool::RequestOrder`], which queues its first request now
//! (on the JS thread, or behind closes still being sent) and finishes the
//! call on the thread that receives the answer; the promise is settled on
//! the JS thread (`completions.rs`).

use crate::engine;
use crate::error::Result;
use mafalda_core::Mafalda;
use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi::Env;
use std::future::Future;

/// Starts `call` in call order; resolves the returned promise with its
/// result. `call` must reach its worker request without awaiting anything
/// else first (a registry lookup, then the request).
pub fn start<T, F>(env: &Env, call: F) -> Result<PromiseRaw<'_, T>>
where
    T: 'static + Send + ToNapiValue,
    F: 'static + Send + Future<Output = Result<T>>,
{
    crate::completions::start(env, engine().pool().order(), call)
}

/// Runs a close the application made (`x.close()`, synchronous as in
/// mediasoup-node) in call order: now, or behind the calls made before it
/// that still wait to be started (see `RequestOrder::close`).
pub fn close_in_order(close: impl FnOnce(&Mafalda) + Send + 'static) {
    engine().pool().order().close(move || close(engine()));
}
