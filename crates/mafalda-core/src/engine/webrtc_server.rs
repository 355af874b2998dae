//! WebRtcServers of virtual workers.
//!
//! A virtual worker's rooms may grow onto several real workers, and a real
//! WebRtcServer serves only transports of its own worker. So a virtual
//! WebRtcServer is a set of real ones, one per real worker a transport using
//! it was placed on:
//!
//! * the first is created at once on the virtual worker's home worker with
//!   the listen infos exactly as given (same ports: a deployment that fits
//!   one worker behaves as with mediasoup), and its id is the virtual id;
//! * the others are created on demand, with the same listen infos minus the
//!   fixed `port`: the worker picks a free one, from the listen info's
//!   `portRange` when it has one, else from the worker's `rtcMinPort` -
//!   `rtcMaxPort`. Their ports are announced in each transport's ICE
//!   candidates, as any port of a WebRtcServer is.

use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::ids::VirtualWorkerId;
use crate::pool::RealWorker;
use crate::state::WebRtcServerEntry;
use mediasoup::prelude::*;
use mediasoup::webrtc_server::{WebRtcServerId, WebRtcServerListenInfos, WebRtcServerOptions};
use std::collections::HashMap;
use std::sync::Arc;

impl Mafalda {
    /// `worker.createWebRtcServer()`.
    pub async fn create_webrtc_server(
        &self,
        worker: VirtualWorkerId,
        listen_infos: Vec<ListenInfo>,
    ) -> Result<WebRtcServerId> {
        let home = {
            let registry = self.registry();
            let entry = registry
                .workers
                .get(&worker)
                .ok_or_else(|| Error::invalid_state("Worker closed"))?;
            entry.home.worker().clone()
        };
        let server = start_server(&home, listen_infos.clone()).await?;
        let id = server.id();
        let mut registry = self.registry();
        let Some(worker_entry) = registry.workers.get_mut(&worker) else {
            drop(registry);
            drop(server);
            return Err(Error::invalid_state("Worker closed"));
        };
        worker_entry.webrtc_servers.insert(id);
        registry.webrtc_servers.insert(
            id,
            WebRtcServerEntry {
                worker,
                listen_infos,
                home: home.id(),
                real: HashMap::from([(home.id(), server)]),
                transports: HashMap::new(),
                grow: Arc::default(),
            },
        );
        Ok(id)
    }

    /// The real server of a virtual one on the given real worker, created
    /// if the server has none there yet.
    pub(crate) async fn real_webrtc_server(
        &self,
        id: WebRtcServerId,
        worker: &RealWorker,
    ) -> Result<WebRtcServer> {
        let grow = {
            let registry = self.registry();
            let entry = registry.webrtc_servers.get(&id).ok_or_else(server_closed)?;
            if let Some(server) = entry.real.get(&worker.id()) {
                return Ok(server.clone());
            }
            Arc::clone(&entry.grow)
        };
        let _growing = grow.lock().await;
        let listen_infos = {
            let registry = self.registry();
            let entry = registry.webrtc_servers.get(&id).ok_or_else(server_closed)?;
            if let Some(server) = entry.real.get(&worker.id()) {
                return Ok(server.clone());
            }
            entry.listen_infos.iter().cloned().map(any_port).collect()
        };
        let server = start_server(worker, listen_infos).await?;
        let mut registry = self.registry();
        match registry.webrtc_servers.get_mut(&id) {
            Some(entry) => {
                entry.real.insert(worker.id(), server.clone());
                Ok(server)
            }
            None => {
                drop(registry);
                drop(server);
                Err(server_closed())
            }
        }
    }

    /// Closes a WebRtcServer and the transports using it. Closing twice is a
    /// no-op.
    pub fn close_webrtc_server(&self, id: WebRtcServerId) {
        let mut garbage = self.garbage();
        self.registry().take_webrtc_server(id, &mut garbage);
        drop(garbage);
    }

    /// `webRtcServer.dump()`: the real servers' dumps merged under the
    /// virtual id, listing only transports the application still has.
    pub async fn dump_webrtc_server(&self, id: WebRtcServerId) -> Result<serde_json::Value> {
        let (servers, transports) = {
            let registry = self.registry();
            let entry = registry.webrtc_servers.get(&id).ok_or_else(server_closed)?;
            let mut servers: Vec<_> = entry.real.values().cloned().collect();
            // The home server (whose id is the virtual id) first.
            servers.sort_by_key(|server| server.id() != id);
            (servers, entry.transports.clone())
        };
        let mut udp_sockets = Vec::new();
        let mut tcp_servers = Vec::new();
        let mut fragments = Vec::new();
        for server in servers {
            let dump = server.dump().await?;
            udp_sockets.extend(
                crate::json::to_json(dump.udp_sockets)?
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
            tcp_servers.extend(
                crate::json::to_json(dump.tcp_servers)?
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
            for fragment in dump.local_ice_username_fragments {
                if transports.contains_key(&fragment.webrtc_transport_id) {
                    fragments.push(crate::json::to_json(fragment)?);
                }
            }
        }
        let transport_ids: Vec<String> = transports.keys().map(|t| t.to_string()).collect();
        Ok(serde_json::json!({
            "id": id.to_string(),
            "udpSockets": udp_sockets,
            "tcpServers": tcp_servers,
            "webRtcTransportIds": transport_ids,
            "localIceUsernameFragments": fragments,
            "tupleHashes": [],
        }))
    }
}

async fn start_server(worker: &RealWorker, listen_infos: Vec<ListenInfo>) -> Result<WebRtcServer> {
    let listen_infos = WebRtcServerListenInfos::try_from(listen_infos)
        .map_err(|_| Error::type_error("empty listenInfos array provided"))?;
    worker
        .worker()
        .create_webrtc_server(WebRtcServerOptions::new(listen_infos))
        .await
        .map_err(|mediasoup::worker::CreateWebRtcServerError::Request(error)| error.into())
}

/// A listen info for an extra real server: the same address and options,
/// any free port.
fn any_port(mut info: ListenInfo) -> ListenInfo {
    info.port = None;
    info
}

fn server_closed() -> Error {
    Error::invalid_state("WebRtcServer closed")
}
