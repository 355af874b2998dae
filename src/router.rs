//! Functions behind the JS `Router` class.

use crate::convert::{input, output};
use crate::engine;
use crate::error::{IntoNapi, Result};
use crate::started::{close_in_order, start};
use mafalda_core::VirtualRouterId;
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use serde_json::{json, Value};

pub(crate) fn router_id(id: &str) -> Result<VirtualRouterId> {
    input::id(id, "router")
}

/// Creates a room, through a virtual worker or (without one) mafalda style.
#[napi(catch_unwind)]
pub fn create_router(
    env: &Env,
    worker_id: Option<String>,
    media_codecs: Value,
    id: Option<String>,
) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let worker = worker_id
            .as_deref()
            .map(|id| input::id(id, "worker"))
            .transpose()?;
        let id = id.as_deref().map(router_id).transpose()?;
        let codecs = input::media_codecs(media_codecs)?;
        let info = engine().create_router_as(id, worker, codecs).await.napi()?;
        Ok(json!({ "id": info.id.to_string(), "rtpCapabilities": output::to_value(&info.rtp_capabilities) }))
    })
}

/// `router.updateMediaCodecs()`: synchronous, as in mediasoup-node; the
/// new RTP capabilities.
#[napi(catch_unwind)]
pub fn router_update_media_codecs(id: String, media_codecs: Value) -> Result<Value> {
    let codecs = input::media_codecs(media_codecs)?;
    let capabilities = engine().update_media_codecs(router_id(&id)?, codecs).napi()?;
    Ok(output::to_value(&capabilities))
}

/// Closes a room.
#[napi(catch_unwind)]
pub fn router_close(id: String) -> Result<()> {
    let id = router_id(&id)?;
    close_in_order(move |engine| engine.close_router(id));
    Ok(())
}

/// `router.dump()`.
#[napi(catch_unwind)]
pub fn router_dump(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        Ok(output::as_mediasoup_node(
            engine().dump_router(router_id(&id)?).await.napi()?,
        ))
    })
}

/// `router.canConsume()`: answered by mediasoup without a worker request.
/// The capabilities come as JSON text, as with `consume()` (an application
/// asks `canConsume()` before each consume, with the same capabilities).
#[napi(catch_unwind)]
pub fn router_can_consume(id: String, producer_id: String, rtp_capabilities: String) -> Result<bool> {
    let Ok(producer) = producer_id.parse() else {
        return Ok(false);
    };
    let capabilities = input::rtp_capabilities_text(&rtp_capabilities)?;
    engine()
        .can_consume(router_id(&id)?, producer, &capabilities)
        .napi()
}

/// `router.canConsume()` for a producer whose router is on another
/// instance: answered from its consumable parameters (JSON text), by the
/// rule a router applies (`mafalda_core::negotiation::can_consume_parameters`).
#[napi(catch_unwind)]
pub fn can_consume_parameters(consumable: String, rtp_capabilities: String) -> Result<bool> {
    let capabilities = input::rtp_capabilities_text(&rtp_capabilities)?;
    let consumable = serde_json::from_str(&consumable)
        .map_err(|e| crate::error::type_error(format!("invalid consumableRtpParameters: {e}")))?;
    Ok(mafalda_core::negotiation::can_consume_parameters(
        &consumable,
        &capabilities,
    ))
}

/// `router.pipeToRouter({ producerId, router })` between two rooms of this
/// process: the room `id` imports the producer (see `mafalda_core`'s import).
#[napi(catch_unwind)]
pub fn router_import_producer(id: String, producer_id: String) -> Result<()> {
    let producer = input::id(&producer_id, "producer")?;
    engine().import_producer(router_id(&id)?, producer).napi()
}

/// The pipe producer of an import closed: the room's consumers of it close.
#[napi(catch_unwind)]
pub fn router_unimport_producer(id: String, producer_id: String) -> Result<()> {
    let producer = input::id(&producer_id, "producer")?;
    engine().unimport_producer(router_id(&id)?, producer);
    Ok(())
}

/// `router.pipeToRouter({ dataProducerId, router })` between two rooms.
#[napi(catch_unwind)]
pub fn router_import_data_producer(id: String, data_producer_id: String) -> Result<()> {
    let data_producer = input::id(&data_producer_id, "data producer")?;
    engine()
        .import_data_producer(router_id(&id)?, data_producer)
        .napi()
}

/// The pipe data producer of an import closed.
#[napi(catch_unwind)]
pub fn router_unimport_data_producer(id: String, data_producer_id: String) -> Result<()> {
    let data_producer = input::id(&data_producer_id, "data producer")?;
    engine().unimport_data_producer(router_id(&id)?, data_producer);
    Ok(())
}

/// `pipeProducer.pause()` / `resume()` of an import between rooms.
#[napi(catch_unwind)]
pub fn router_set_import_paused(
    env: &Env,
    id: String,
    producer_id: String,
    paused: bool,
) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        let producer = input::id(&producer_id, "producer")?;
        engine()
            .set_import_paused(router_id(&id)?, producer, paused)
            .await
            .napi()
    })
}
