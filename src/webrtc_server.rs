//! Functions behind the JS `WebRtcServer` class.

use crate::convert::input;
use crate::engine;
use crate::error::{IntoNapi, Result};
use mafalda_core::mediasoup::webrtc_server::WebRtcServerId;
use napi_derive::napi;
use serde_json::Value;

fn server_id(id: &str) -> Result<WebRtcServerId> {
    input::id(id, "webRtcServer")
}

/// `worker.createWebRtcServer()`: resolves to the server's id.
#[napi]
pub async fn worker_create_webrtc_server(worker: String, listen_infos: Value) -> Result<String> {
    let listen_infos = input::listen_infos(listen_infos)?;
    let worker = input::id(&worker, "worker")?;
    let id = engine().create_webrtc_server(worker, listen_infos).await.napi()?;
    Ok(id.to_string())
}

/// Closes a WebRtcServer and the transports listening through it.
#[napi(catch_unwind)]
pub fn webrtc_server_close(id: String) -> Result<()> {
    engine().close_webrtc_server(server_id(&id)?);
    Ok(())
}

/// `webRtcServer.dump()`.
#[napi]
pub async fn webrtc_server_dump(id: String) -> Result<Value> {
    engine().dump_webrtc_server(server_id(&id)?).await.napi()
}
