//! A virtual WebRtcServer as the registry keeps it.

use crate::ids::VirtualWorkerId;
use mediasoup::prelude::ListenInfo;
use mediasoup::transport::TransportId;
use mediasoup::webrtc_server::WebRtcServer;
use mediasoup::worker::WorkerId;
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) struct WebRtcServerEntry {
    pub worker: VirtualWorkerId,
    pub listen_infos: Vec<ListenInfo>,
    /// The real worker of the first real server (the one with the given
    /// ports), kept as long as the virtual server.
    pub home: WorkerId,
    /// One real server per real worker; the home one is created first.
    pub real: HashMap<WorkerId, WebRtcServer>,
    /// Its transports, and the real worker each runs on.
    pub transports: HashMap<TransportId, WorkerId>,
    /// Held while a real server is being added, so concurrent transports on
    /// a new worker create one server, not one each.
    pub grow: Arc<tokio::sync::Mutex<()>>,
}

impl WebRtcServerEntry {
    /// Forgets a closed transport. The real server of a worker other than
    /// the home one goes with its last transport (returned, to be dropped
    /// outside the registry lock): it would otherwise keep that worker's
    /// thread alive after the pool let the worker go.
    pub fn release_transport(&mut self, id: TransportId) -> Option<WebRtcServer> {
        let worker = self.transports.remove(&id)?;
        if worker == self.home || self.transports.values().any(|w| *w == worker) {
            return None;
        }
        self.real.remove(&worker)
    }
}
