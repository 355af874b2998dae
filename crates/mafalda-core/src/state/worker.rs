//! A virtual worker as the registry keeps it.

use crate::config::WorkerSettings;
use crate::ids::VirtualRouterId;
use crate::pool::HomeBinding;
use std::collections::HashSet;

pub(crate) struct VirtualWorkerEntry {
    pub settings: WorkerSettings,
    /// The real worker whose thread id is this worker's `pid`. Holding it
    /// keeps that worker alive as long as the virtual worker is open.
    pub home: HomeBinding,
    pub routers: HashSet<VirtualRouterId>,
    pub webrtc_servers: HashSet<mediasoup::webrtc_server::WebRtcServerId>,
}
