//! Worker requests started in call order.
//!
//! mediasoup-node writes each request to the worker's channel inside the
//! call itself, so requests and notifications (`dataProducer.send()`) reach
//! the worker in the order JavaScript made them: `dc.setSubchannels(s)`
//! without `await`, then `dp.send(m)`, delivers `m` with the new
//! subchannels. An `async` binding function would only queue its request
//! when the runtime first polls it, after a synchronous `send()` made
//! later. [`start`] polls the call once on the JS thread, which queues the
//! request there (mediasoup-rust writes it to the channel on the first poll),
//! and leaves the wait for the answer to the runtime.

use crate::error::Result;
use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi::Env;
use std::future::Future;
use std::task::{Context, Poll, Waker};

/// Polls `call` once now, then lets the runtime finish it; resolves the
/// returned promise with its result. `call` must reach its worker request
/// without awaiting anything else first (a registry lookup, then the
/// request).
pub fn start<T, F>(env: &Env, call: F) -> Result<PromiseRaw<'_, T>>
where
    T: 'static + Send + ToNapiValue,
    F: 'static + Send + Future<Output = Result<T>>,
{
    let mut call = Box::pin(call);
    // The waker is dropped unused: the runtime polls again with its own.
    let first = call.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    env.spawn_future(async move {
        match first {
            Poll::Ready(result) => result,
            Poll::Pending => call.await,
        }
    })
}
