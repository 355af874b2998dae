//! Functions behind the JS transport classes.

use crate::convert::json::Json;
use crate::convert::{input, output};
use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::router::router_id;
use mafalda_core::mediasoup::transport::TransportId;
use mafalda_core::TransportOptions;
use napi::bindgen_prelude::Buffer;
use napi_derive::napi;
use serde_json::Value;

pub(crate) fn transport_id(id: &str) -> Result<TransportId> {
    input::id(id, "transport")
}

fn bitrate(value: f64) -> Result<u64> {
    if !value.is_finite() || value < 0.0 {
        return Err(type_error(format!("invalid bitrate {value}")));
    }
    Ok(value as u64)
}

/// Creates a transport of any kind in a room.
async fn create(router: &str, options: TransportOptions) -> Result<Value> {
    let info = engine()
        .create_transport(router_id(router)?, options)
        .await
        .napi()?;
    Ok(output::transport(&info))
}

/// `router.createWebRtcTransport()` with normalised options.
#[napi]
pub async fn router_create_webrtc_transport(router: String, options: Json) -> Result<Value> {
    create(&router, input::webrtc_transport_options(options.0)?).await
}

/// `router.createPlainTransport()` with normalised options.
#[napi]
pub async fn router_create_plain_transport(router: String, options: Json) -> Result<Value> {
    create(
        &router,
        TransportOptions::Plain(input::plain_transport_options(options.0)?),
    )
    .await
}

/// `router.createPipeTransport()` with normalised options.
#[napi]
pub async fn router_create_pipe_transport(router: String, options: Json) -> Result<Value> {
    create(
        &router,
        TransportOptions::Pipe(input::pipe_transport_options(options.0)?),
    )
    .await
}

/// `router.createDirectTransport()` with normalised options.
#[napi]
pub async fn router_create_direct_transport(router: String, options: Value) -> Result<Value> {
    create(
        &router,
        TransportOptions::Direct(input::direct_transport_options(options)?),
    )
    .await
}

/// `directTransport.sendRtcp()`: synchronous, as in mediasoup-node.
#[napi(catch_unwind)]
pub fn direct_transport_send_rtcp(id: String, packet: Buffer) -> Result<()> {
    engine().send_rtcp(transport_id(&id)?, packet.to_vec()).napi()
}

/// `transport.connect()`; resolves to the transport's data afterwards.
#[napi]
pub async fn transport_connect(id: String, kind: String, parameters: Json) -> Result<Value> {
    let parameters = input::connect_parameters(&kind, parameters.0)?;
    let info = engine()
        .connect_transport(transport_id(&id)?, parameters)
        .await
        .napi()?;
    Ok(output::transport(&info))
}

/// Closes a transport with its producers and consumers.
#[napi(catch_unwind)]
pub fn transport_close(id: String) -> Result<()> {
    engine().close_transport(transport_id(&id)?);
    Ok(())
}

/// `transport.getStats()`.
#[napi]
pub async fn transport_get_stats(id: String) -> Result<Value> {
    let stats = engine().transport_stats(transport_id(&id)?).await.napi()?;
    Ok(output::as_mediasoup_node(stats))
}

/// `transport.dump()`.
#[napi]
pub async fn transport_dump(id: String) -> Result<Value> {
    let dump = engine().dump_transport(transport_id(&id)?).await.napi()?;
    Ok(output::as_mediasoup_node(dump))
}

/// `transport.setMaxIncomingBitrate()`.
#[napi]
pub async fn transport_set_max_incoming_bitrate(id: String, value: f64) -> Result<()> {
    engine()
        .set_max_incoming_bitrate(transport_id(&id)?, bitrate(value)?)
        .await
        .napi()
}

/// `transport.setMaxOutgoingBitrate()`.
#[napi]
pub async fn transport_set_max_outgoing_bitrate(id: String, value: f64) -> Result<()> {
    engine()
        .set_max_outgoing_bitrate(transport_id(&id)?, bitrate(value)?)
        .await
        .napi()
}

/// `transport.setMinOutgoingBitrate()`.
#[napi]
pub async fn transport_set_min_outgoing_bitrate(id: String, value: f64) -> Result<()> {
    engine()
        .set_min_outgoing_bitrate(transport_id(&id)?, bitrate(value)?)
        .await
        .napi()
}

/// `transport.enableTraceEvent()`.
#[napi]
pub async fn transport_enable_trace_event(id: String, types: Vec<String>) -> Result<()> {
    let types = input::trace_types(types);
    engine()
        .enable_transport_trace(transport_id(&id)?, types)
        .await
        .napi()
}

/// `transport.restartIce()`: the new ICE parameters.
#[napi]
pub async fn transport_restart_ice(id: String) -> Result<Value> {
    let parameters = engine().restart_ice(transport_id(&id)?).await.napi()?;
    Ok(output::to_value(&parameters))
}
