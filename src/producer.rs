//! Functions behind the JS `Producer` class.

use crate::convert::json::Json;
use crate::convert::{input, output};
use crate::engine;
use crate::error::{IntoNapi, Result};
use crate::transport::transport_id;
use mafalda_core::mediasoup::producer::ProducerId;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use serde_json::Value;

fn producer_id(id: &str) -> Result<ProducerId> {
    input::id(id, "producer")
}

/// `transport.produce()`.
#[napi]
pub async fn transport_produce(transport: String, options: Json) -> Result<Value> {
    let (id, options) = input::producer_options(options.0)?;
    let transport = transport_id(&transport)?;
    let info = match id {
        Some(id) => engine().produce_with_id(transport, id, options).await,
        None => engine().produce(transport, options).await,
    }
    .napi()?;
    Ok(output::producer(&info))
}

/// Closes a producer.
#[napi(catch_unwind)]
pub fn producer_close(id: String) -> Result<()> {
    engine().close_producer(producer_id(&id)?);
    Ok(())
}

/// `producer.pause()`.
#[napi]
pub async fn producer_pause(id: String) -> Result<()> {
    engine().pause_producer(producer_id(&id)?).await.napi()
}

/// `producer.resume()`.
#[napi]
pub async fn producer_resume(id: String) -> Result<()> {
    engine().resume_producer(producer_id(&id)?).await.napi()
}

/// `producer.send()` (producers of a DirectTransport): synchronous, as in
/// mediasoup-node.
#[napi(catch_unwind)]
pub fn producer_send(id: String, packet: Buffer) -> Result<()> {
    engine().send_rtp(producer_id(&id)?, packet.to_vec()).napi()
}

/// `producer.enableTraceEvent()`.
#[napi]
pub async fn producer_enable_trace_event(id: String, types: Vec<String>) -> Result<()> {
    let types = input::trace_types(types);
    engine()
        .enable_producer_trace(producer_id(&id)?, types)
        .await
        .napi()
}

/// `producer.getStats()`.
#[napi]
pub async fn producer_get_stats(id: String) -> Result<Value> {
    engine().producer_stats(producer_id(&id)?).await.napi()
}

/// `producer.dump()`.
#[napi]
pub async fn producer_dump(id: String) -> Result<Value> {
    engine().dump_producer(producer_id(&id)?).await.napi()
}
