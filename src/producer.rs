//! Functions behind the JS `Producer` class.

use crate::convert::json::Json;
use crate::convert::{input, output};
use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::started::{close_in_order, start};
use crate::transport::transport_id;
use mafalda_core::mediasoup::producer::ProducerId;
use napi::bindgen_prelude::Buffer;
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

fn producer_id(id: &str) -> Result<ProducerId> {
    input::id(id, "producer")
}

/// `transport.produce()`.
#[napi(catch_unwind)]
pub fn transport_produce(env: &Env, transport: String, options: Json) -> Result<PromiseRaw<'_, String>> {
    start(env, async move {
        let (id, options) = input::producer_options(options.0)?;
        let transport = transport_id(&transport)?;
        let info = match id {
            Some(id) => engine().produce_with_id(transport, id, options).await,
            None => engine().produce(transport, options).await,
        }
        .napi()?;
        // As JSON text, which JS parses (see `transport.rs`).
        Ok(output::producer(&info))
    })
}

/// A further arrival of another instance's producer, on a PipeTransport of
/// the room on a real router it does not reach yet (the cluster's paths per
/// real router; options as `transportProduce`'s, with the producer's id).
#[napi(catch_unwind)]
pub fn transport_produce_arrival(
    env: &Env,
    transport: String,
    options: Json,
) -> Result<PromiseRaw<'_, String>> {
    start(env, async move {
        let (id, options) = input::producer_options(options.0)?;
        let id = id.ok_or_else(|| type_error("missing id"))?;
        let info = engine()
            .produce_arrival(transport_id(&transport)?, id, options)
            .await
            .napi()?;
        Ok(output::producer(&info))
    })
}

/// Closes a producer.
#[napi(catch_unwind)]
pub fn producer_close(id: String) -> Result<()> {
    let id = producer_id(&id)?;
    close_in_order(move |engine| engine.close_producer(id));
    Ok(())
}

/// `producer.pause()`.
#[napi(catch_unwind)]
pub fn producer_pause(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine().pause_producer(producer_id(&id)?).await.napi()
    })
}

/// `producer.resume()`.
#[napi(catch_unwind)]
pub fn producer_resume(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine().resume_producer(producer_id(&id)?).await.napi()
    })
}

/// `producer.send()` (producers of a DirectTransport): synchronous, as in
/// mediasoup-node.
#[napi(catch_unwind)]
pub fn producer_send(id: String, packet: Buffer) -> Result<()> {
    engine().send_rtp(producer_id(&id)?, packet.to_vec()).napi()
}

/// `producer.enableTraceEvent()`.
#[napi(catch_unwind)]
pub fn producer_enable_trace_event(env: &Env, id: String, types: Vec<String>) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        let types = input::trace_types(types);
        engine()
            .enable_producer_trace(producer_id(&id)?, types)
            .await
            .napi()
    })
}

/// `producer.getStats()`.
#[napi(catch_unwind)]
pub fn producer_get_stats(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let stats = engine().producer_stats(producer_id(&id)?).await.napi()?;
        Ok(output::stats(&stats, |_| "inbound-rtp"))
    })
}

/// `producer.dump()`.
#[napi(catch_unwind)]
pub fn producer_dump(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        Ok(output::dump(
            &engine().dump_producer(producer_id(&id)?).await.napi()?,
        ))
    })
}
