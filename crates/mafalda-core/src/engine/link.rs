//! How two real routers are joined so that pipes can run between them:
//! the seam the engine creates pipe transport pairs through.
//!
//! In one process the pair is two PipeTransports connected over loopback
//! ([`LoopbackLink`]). Between machines the ends listen on each instance's
//! address and learn each other's tuple over the cluster; the pipes that
//! run over a pair are the same either way.

use crate::config::loopback_listen_info;
use crate::error::{Error, Result};
use crate::state::{PairHandles, RealRouter};
use mediasoup::prelude::*;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;

/// A future a [`Link`] returns.
pub(crate) type Joining<'a> = Pin<Box<dyn Future<Output = Result<PairHandles>> + Send + 'a>>;

pub(crate) trait Link: Send + Sync + 'static {
    /// A PipeTransport on each of `a` and `b`, connected to each other,
    /// with SCTP on (data pipes use the pair too).
    fn join<'a>(&'a self, a: &'a RealRouter, b: &'a RealRouter) -> Joining<'a>;
}

/// Both routers are in this process: a pair over loopback.
pub(crate) struct LoopbackLink;

impl Link for LoopbackLink {
    fn join<'a>(&'a self, a: &'a RealRouter, b: &'a RealRouter) -> Joining<'a> {
        Box::pin(create_pair(a, b))
    }
}

/// Creates a PipeTransport on each router, connected to each other over
/// loopback. SCTP is on (as in mediasoup's `pipeToRouter()`), so that data
/// producers can use the pair as well as media ones.
async fn create_pair(a: &RealRouter, b: &RealRouter) -> Result<PairHandles> {
    let listen = loopback_listen_info();
    let failed = |e: &dyn std::fmt::Display| Error::failed(format!("cannot create pipe transports: {e}"));
    let pipe_options = || {
        let mut options = PipeTransportOptions::new(listen.clone());
        options.enable_rtx = true;
        options.enable_sctp = true;
        options
    };
    let ta = a
        .router
        .create_pipe_transport(pipe_options())
        .await
        .map_err(|e| failed(&e))?;
    let tb = b
        .router
        .create_pipe_transport(pipe_options())
        .await
        .map_err(|e| failed(&e))?;
    let remote = |t: &PipeTransport| PipeTransportRemoteParameters {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: t.tuple().local_port(),
        srtp_parameters: None,
    };
    ta.connect(remote(&tb)).await.map_err(|e| failed(&e))?;
    tb.connect(remote(&ta)).await.map_err(|e| failed(&e))?;
    Ok(PairHandles {
        transports: HashMap::from([(a.router.id(), ta), (b.router.id(), tb)]),
    })
}
