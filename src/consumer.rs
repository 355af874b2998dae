//! Functions behind the JS `Consumer` class.

use crate::convert::json::Json;
use crate::convert::{input, output};
use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::transport::transport_id;
use mafalda_core::mediasoup::consumer::ConsumerId;
use napi_derive::napi;
use serde_json::Value;

fn consumer_id(id: &str) -> Result<ConsumerId> {
    input::id(id, "consumer")
}

/// `transport.consume()`.
#[napi]
pub async fn transport_consume(transport: String, options: Json) -> Result<Value> {
    let options = input::consumer_options(options.0)?;
    let info = engine()
        .consume(transport_id(&transport)?, options)
        .await
        .napi()?;
    Ok(output::consumer(&info))
}

/// Closes a consumer.
#[napi(catch_unwind)]
pub fn consumer_close(id: String) -> Result<()> {
    engine().close_consumer(consumer_id(&id)?);
    Ok(())
}

/// `consumer.pause()`.
#[napi]
pub async fn consumer_pause(id: String) -> Result<()> {
    engine().pause_consumer(consumer_id(&id)?).await.napi()
}

/// `consumer.resume()`.
#[napi]
pub async fn consumer_resume(id: String) -> Result<()> {
    engine().resume_consumer(consumer_id(&id)?).await.napi()
}

/// `consumer.requestKeyFrame()`.
#[napi]
pub async fn consumer_request_key_frame(id: String) -> Result<()> {
    engine().request_key_frame(consumer_id(&id)?).await.napi()
}

/// `consumer.setPreferredLayers()`: the preferred layers afterwards.
#[napi]
pub async fn consumer_set_preferred_layers(id: String, layers: Value) -> Result<Value> {
    let layers = input::consumer_layers(layers)?;
    let now = engine()
        .set_preferred_layers(consumer_id(&id)?, layers)
        .await
        .napi()?;
    Ok(output::to_value(&now))
}

/// `consumer.setPriority()` / `unsetPriority()` (no priority): the priority
/// afterwards.
#[napi]
pub async fn consumer_set_priority(id: String, priority: Option<u32>) -> Result<u32> {
    let priority = priority
        .map(|p| {
            u8::try_from(p)
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| type_error("priority must be a positive number"))
        })
        .transpose()?;
    Ok(u32::from(
        engine().set_priority(consumer_id(&id)?, priority).await.napi()?,
    ))
}

/// `consumer.enableTraceEvent()`.
#[napi]
pub async fn consumer_enable_trace_event(id: String, types: Vec<String>) -> Result<()> {
    let types = input::trace_types(types);
    engine()
        .enable_consumer_trace(consumer_id(&id)?, types)
        .await
        .napi()
}

/// `consumer.getStats()`.
#[napi]
pub async fn consumer_get_stats(id: String) -> Result<Value> {
    engine().consumer_stats(consumer_id(&id)?).await.napi()
}

/// `consumer.dump()`.
#[napi]
pub async fn consumer_dump(id: String) -> Result<Value> {
    engine().dump_consumer(consumer_id(&id)?).await.napi()
}
