//! Functions behind the JS transport classes.

use crate::convert::json::{Json, JsonLater};
use crate::convert::{input, output};
use crate::engine;
use crate::error::{type_error, IntoNapi, Result};
use crate::router::router_id;
use crate::started::{close_in_order, start};
use mafalda_core::mediasoup::transport::TransportId;
use mafalda_core::SctpStreams;
use mafalda_core::TransportOptions;
use napi::bindgen_prelude::Buffer;
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
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
/// Resolves to JSON text, which JS parses: a new transport's data (ICE
/// candidates, DTLS fingerprints, tuples) is a large object, and `JSON.parse`
/// builds it several times faster than Node-API does property by property.
/// The text is made on the JS thread ([`JsonLater`]).
async fn create(router: &str, options: TransportOptions, sctp_streams: SctpStreams) -> Result<JsonLater> {
    create_near(router, options, sctp_streams, None).await
}

/// [`create`] on the real router of transport `near` of the room.
async fn create_near(
    router: &str,
    options: TransportOptions,
    sctp_streams: SctpStreams,
    near: Option<TransportId>,
) -> Result<JsonLater> {
    let info = engine()
        .create_transport_with(router_id(router)?, options, sctp_streams, near)
        .await
        .napi()?;
    Ok(JsonLater::new(move || output::transport(&info)))
}

/// `router.createWebRtcTransport()` with normalised options.
#[napi(catch_unwind)]
pub fn router_create_webrtc_transport(
    env: &Env,
    router: String,
    options: Json,
) -> Result<PromiseRaw<'_, JsonLater>> {
    start(env, async move {
        let sctp_streams = input::sctp_streams(&options.0)?;
        create(&router, input::webrtc_transport_options(options.0)?, sctp_streams).await
    })
}

/// `router.createPlainTransport()` with normalised options.
#[napi(catch_unwind)]
pub fn router_create_plain_transport(
    env: &Env,
    router: String,
    options: Json,
) -> Result<PromiseRaw<'_, JsonLater>> {
    start(env, async move {
        let sctp_streams = input::sctp_streams(&options.0)?;
        create(
            &router,
            TransportOptions::Plain(input::plain_transport_options(options.0)?),
            sctp_streams,
        )
        .await
    })
}

/// `router.createPipeTransport()` with normalised options. `near`: a
/// transport of the room whose real router the pipe transport goes on (the
/// cluster's paths per real router), not part of mediasoup's API.
#[napi(catch_unwind)]
pub fn router_create_pipe_transport(
    env: &Env,
    router: String,
    options: Json,
    near: Option<String>,
) -> Result<PromiseRaw<'_, JsonLater>> {
    start(env, async move {
        let sctp_streams = input::sctp_streams(&options.0)?;
        let near = near.as_deref().map(transport_id).transpose()?;
        create_near(
            &router,
            TransportOptions::Pipe(input::pipe_transport_options(options.0)?),
            sctp_streams,
            near,
        )
        .await
    })
}

/// The id of the real router a transport is on (the cluster asks where a
/// path from another instance must arrive).
#[napi(catch_unwind)]
pub fn transport_site(id: String) -> Result<String> {
    Ok(engine().transport_site(transport_id(&id)?).napi()?.to_string())
}

/// `router.createDirectTransport()` with normalised options.
#[napi(catch_unwind)]
pub fn router_create_direct_transport(
    env: &Env,
    router: String,
    options: Value,
) -> Result<PromiseRaw<'_, JsonLater>> {
    start(env, async move {
        create(
            &router,
            TransportOptions::Direct(input::direct_transport_options(options)?),
            SctpStreams::default(),
        )
        .await
    })
}

/// `directTransport.sendRtcp()`: synchronous, as in mediasoup-node.
#[napi(catch_unwind)]
pub fn direct_transport_send_rtcp(id: String, packet: Buffer) -> Result<()> {
    engine().send_rtcp(transport_id(&id)?, packet.to_vec()).napi()
}

/// `transport.connect()` with its parameters as JSON text; resolves to what
/// the connect changed.
#[napi(catch_unwind)]
pub fn transport_connect(
    env: &Env,
    id: String,
    kind: String,
    parameters: String,
) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let parameters = input::connect_parameters(&kind, &parameters)?;
        let info = engine()
            .connect_transport(transport_id(&id)?, parameters)
            .await
            .napi()?;
        Ok(output::connected(&info))
    })
}

/// Closes a transport with its producers and consumers.
#[napi(catch_unwind)]
pub fn transport_close(id: String) -> Result<()> {
    let id = transport_id(&id)?;
    close_in_order(move |engine| engine.close_transport(id));
    Ok(())
}

/// `transport.getStats()`.
#[napi(catch_unwind)]
pub fn transport_get_stats(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let stats = engine().transport_stats(transport_id(&id)?).await.napi()?;
        Ok(output::transport_stats(&stats))
    })
}

/// `transport.dump()`.
#[napi(catch_unwind)]
pub fn transport_dump(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let dump = engine().dump_transport(transport_id(&id)?).await.napi()?;
        Ok(output::as_mediasoup_node(dump))
    })
}

/// `transport.setMaxIncomingBitrate()`.
#[napi(catch_unwind)]
pub fn transport_set_max_incoming_bitrate(env: &Env, id: String, value: f64) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine()
            .set_max_incoming_bitrate(transport_id(&id)?, bitrate(value)?)
            .await
            .napi()
    })
}

/// `transport.setMaxOutgoingBitrate()`.
#[napi(catch_unwind)]
pub fn transport_set_max_outgoing_bitrate(env: &Env, id: String, value: f64) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine()
            .set_max_outgoing_bitrate(transport_id(&id)?, bitrate(value)?)
            .await
            .napi()
    })
}

/// `transport.setMinOutgoingBitrate()`.
#[napi(catch_unwind)]
pub fn transport_set_min_outgoing_bitrate(env: &Env, id: String, value: f64) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        engine()
            .set_min_outgoing_bitrate(transport_id(&id)?, bitrate(value)?)
            .await
            .napi()
    })
}

/// `transport.enableTraceEvent()`.
#[napi(catch_unwind)]
pub fn transport_enable_trace_event(env: &Env, id: String, types: Vec<String>) -> Result<PromiseRaw<'_, ()>> {
    start(env, async move {
        let types = input::trace_types(types);
        engine()
            .enable_transport_trace(transport_id(&id)?, types)
            .await
            .napi()
    })
}

/// `transport.restartIce()`: the new ICE parameters.
#[napi(catch_unwind)]
pub fn transport_restart_ice(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        let parameters = engine().restart_ice(transport_id(&id)?).await.napi()?;
        Ok(output::to_value(&parameters))
    })
}
