//! Functions behind the JS `Consumer` class.

use crate::convert::json::Json;
use crate::convert::{input, output};
use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::started::{close_in_order, start};
use crate::transport::transport_id;
use mafalda_core::mediasoup::consumer::ConsumerId;
use mafalda_core::mediasoup::consumer::ConsumerRtpStreamStat;
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

fn consumer_id(id: &str) -> Result<ConsumerId> {
    input::id(id, "consumer")
}

/// `transport.consume()`.
#[napi(catch_unwind)]
pub fn transport_consume(
    env: &Env,
    transport: String,
    options: Json,
    rtp_capabilities: String,
) -> Result<PromiseRaw<'_, String>> {
    start(env, async move {
        let capabilities = input::rtp_capabilities_text(&rtp_capabilities)?;
        let options = input::consumer_options(options.0, capabilities)?;
        let info = engine()
            .consume(transport_id(&transport)?, options)
            .await
            .napi()?;
        // As JSON text, which JS parses (see `transport.rs`).
        Ok(output::consumer(&info))
    })
}

/// Closes a consumer.
#[napi(catch_unwind)]
pub fn consumer_close(id: String) -> Result<()> {
    let id = consumer_id(&id)?;
    close_in_order(move |engine| engine.close_consumer(id));
    Ok(())
}

/// `consumer.pause()`.
#[napi(catch_unwind)]
pub fn consumer_pause(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine().pause_consumer(consumer_id(&id)?).await.napi()
    })
}

/// `consumer.resume()`.
#[napi(catch_unwind)]
pub fn consumer_resume(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine().resume_consumer(consumer_id(&id)?).await.napi()
    })
}

/// `consumer.requestKeyFrame()`.
#[napi(catch_unwind)]
pub fn consumer_request_key_frame(env: &Env, id: String) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine().request_key_frame(consumer_id(&id)?).await.napi()
    })
}

/// `consumer.setPreferredLayers()`: the preferred layers afterwards.
#[napi(catch_unwind)]
pub fn consumer_set_preferred_layers(env: &Env, id: String, layers: Value) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let layers = input::consumer_layers(layers)?;
        let now = engine()
            .set_preferred_layers(consumer_id(&id)?, layers)
            .await
            .napi()?;
        Ok(output::to_value(&now))
    })
}

/// `consumer.setPriority()` / `unsetPriority()` (no priority): the priority
/// afterwards.
#[napi(catch_unwind)]
pub fn consumer_set_priority(env: &Env, id: String, priority: Option<u32>) -> Result<PromiseRaw<'_, u32>> {
    start(env, async move {
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
    })
}

/// `consumer.enableTraceEvent()`.
#[napi(catch_unwind)]
pub fn consumer_enable_trace_event(env: &Env, id: String, types: Vec<String>) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        let types = input::trace_types(types);
        engine()
            .enable_consumer_trace(consumer_id(&id)?, types)
            .await
            .napi()
    })
}

/// `consumer.getStats()`.
#[napi(catch_unwind)]
pub fn consumer_get_stats(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let stats = engine().consumer_stats(consumer_id(&id)?).await.napi()?;
        Ok(output::stats(&stats, |stat| match stat {
            ConsumerRtpStreamStat::Outbound(_) => "outbound-rtp",
            ConsumerRtpStreamStat::Inbound(_) => "inbound-rtp",
        }))
    })
}

/// `consumer.dump()`.
#[napi(catch_unwind)]
pub fn consumer_dump(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        Ok(output::dump(
            &engine().dump_consumer(consumer_id(&id)?).await.napi()?,
        ))
    })
}
