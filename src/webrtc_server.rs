//! Functions behind the JS `WebRtcServer` class.

use crate::convert::{input, output};
use crate::engine;
use crate::error::{IntoNapi, Result};
use crate::started::{close_in_order, start};
use mafalda_core::mediasoup::webrtc_server::WebRtcServerId;
use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

fn server_id(id: &str) -> Result<WebRtcServerId> {
    input::id(id, "webRtcServer")
}

/// `worker.createWebRtcServer()`: resolves to the server's id.
#[napi(catch_unwind)]
pub fn worker_create_webrtc_server(
    env: &Env,
    worker: String,
    listen_infos: Value,
) -> Result<PromiseRaw<'_, String>> {
    start(env, async move {
        let listen_infos = input::listen_infos(listen_infos)?;
        let worker = input::id(&worker, "worker")?;
        let id = engine().create_webrtc_server(worker, listen_infos).await.napi()?;
        Ok(id.to_string())
    })
}

/// Closes a WebRtcServer and the transports listening through it.
#[napi(catch_unwind)]
pub fn webrtc_server_close(id: String) -> Result<()> {
    let id = server_id(&id)?;
    close_in_order(move |engine| engine.close_webrtc_server(id));
    Ok(())
}

/// `webRtcServer.dump()`.
#[napi(catch_unwind)]
pub fn webrtc_server_dump(env: &Env, id: String) -> Result<PromiseRaw<'_, Value>> {
    start(env, async move {
        Ok(output::as_mediasoup_node(
            engine().dump_webrtc_server(server_id(&id)?).await.napi()?,
        ))
    })
}
