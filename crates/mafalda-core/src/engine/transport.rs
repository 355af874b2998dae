//! Transports of a room. Each lives on one real router; its id is the real
//! transport's id.

use crate::config::SctpStreams;
use crate::engine::Mafalda;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::VirtualRouterId;
use crate::json::to_json;
use crate::state::AnyTransport;
use crate::state::TransportEntry;
use event_listener_primitives::HandlerId;
use mediasoup::prelude::*;
use mediasoup::types::data_structures::{DtlsRole, DtlsState, IceRole, IceState, SctpState, TransportTuple};
use mediasoup::types::sctp_parameters::SctpParameters;
use mediasoup::types::srtp_parameters::SrtpParameters;
use mediasoup::webrtc_server::WebRtcServerId;
use mediasoup::webrtc_transport::{WebRtcTransportListen, WebRtcTransportListenInfos};
use std::collections::HashSet;
use std::ops::RangeInclusive;
use std::sync::Arc;

/// Options of a new transport.
#[derive(Debug)]
pub enum TransportOptions {
    /// For `createWebRtcTransport()` with listen infos.
    WebRtc(WebRtcTransportOptions),
    /// For `createWebRtcTransport({ webRtcServer })`: `options.listen` is
    /// replaced by the server's real server on the worker the transport is
    /// placed on.
    WebRtcOnServer {
        /// The (virtual) WebRtcServer.
        server: WebRtcServerId,
        /// Everything else.
        options: WebRtcTransportOptions,
    },
    /// For `createPlainTransport()`.
    Plain(PlainTransportOptions),
    /// For `createDirectTransport()`.
    Direct(DirectTransportOptions),
    /// For `createPipeTransport()`.
    Pipe(PipeTransportOptions),
}

/// Remote parameters given to `connect()`.
#[derive(Debug)]
pub enum TransportRemoteParameters {
    /// For a WebRtcTransport.
    WebRtc(WebRtcTransportRemoteParameters),
    /// For a PlainTransport.
    Plain(PlainTransportRemoteParameters),
    /// For a PipeTransport.
    Pipe(PipeTransportRemoteParameters),
}

/// What the application learns of a new transport, or of a transport after
/// `connect()`.
#[derive(Debug, Clone)]
pub struct TransportInfo {
    /// The transport's id.
    pub id: TransportId,
    /// Kind-specific state.
    pub data: TransportData,
}

/// `getStats()` of a transport, by kind.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum TransportStats {
    WebRtc(Vec<mediasoup::webrtc_transport::WebRtcTransportStat>),
    Plain(Vec<mediasoup::plain_transport::PlainTransportStat>),
    Direct(Vec<mediasoup::direct_transport::DirectTransportStat>),
    Pipe(Vec<mediasoup::pipe_transport::PipeTransportStat>),
}

/// Kind-specific state of a transport, as mediasoup-node exposes it.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum TransportData {
    WebRtc {
        ice_role: IceRole,
        ice_parameters: IceParameters,
        ice_candidates: Vec<IceCandidate>,
        ice_state: IceState,
        ice_selected_tuple: Option<TransportTuple>,
        dtls_parameters: DtlsParameters,
        dtls_state: DtlsState,
        dtls_remote_cert: Option<String>,
        sctp_parameters: Option<SctpParameters>,
        sctp_state: Option<SctpState>,
    },
    Plain {
        tuple: TransportTuple,
        rtcp_tuple: Option<TransportTuple>,
        sctp_parameters: Option<SctpParameters>,
        sctp_state: Option<SctpState>,
        srtp_parameters: Option<SrtpParameters>,
    },
    /// A DirectTransport has no state of its own to show.
    Direct,
    Pipe {
        tuple: TransportTuple,
        sctp_parameters: Option<SctpParameters>,
        sctp_state: Option<SctpState>,
        srtp_parameters: Option<SrtpParameters>,
    },
}

/// What `connect()` changed, which is all mediasoup-node's `connect()`
/// updates on its transport object.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum Connected {
    /// The DTLS role the transport took.
    WebRtc {
        dtls_role: DtlsRole,
    },
    /// The tuples learnt, and the SRTP parameters if SRTP is on.
    Plain {
        tuple: TransportTuple,
        rtcp_tuple: Option<TransportTuple>,
        srtp_parameters: Option<SrtpParameters>,
    },
    Pipe {
        tuple: TransportTuple,
    },
}

impl TransportInfo {
    fn of(transport: &AnyTransport, sctp_streams: SctpStreams) -> Self {
        let mut data = match transport {
            AnyTransport::WebRtc(t) => TransportData::WebRtc {
                ice_role: t.ice_role(),
                ice_parameters: t.ice_parameters().clone(),
                ice_candidates: t.ice_candidates().clone(),
                ice_state: t.ice_state(),
                ice_selected_tuple: t.ice_selected_tuple(),
                dtls_parameters: t.dtls_parameters(),
                dtls_state: t.dtls_state(),
                dtls_remote_cert: t.dtls_remote_cert(),
                sctp_parameters: t.sctp_parameters(),
                sctp_state: t.sctp_state(),
            },
            AnyTransport::Plain(t) => TransportData::Plain {
                tuple: t.tuple(),
                rtcp_tuple: t.rtcp_tuple(),
                sctp_parameters: t.sctp_parameters(),
                sctp_state: t.sctp_state(),
                srtp_parameters: t.srtp_parameters(),
            },
            AnyTransport::Direct(_) => TransportData::Direct,
            AnyTransport::Pipe(t) => TransportData::Pipe {
                tuple: t.tuple(),
                sctp_parameters: t.sctp_parameters(),
                sctp_state: t.sctp_state(),
                srtp_parameters: t.srtp_parameters(),
            },
        };
        match &mut data {
            TransportData::WebRtc { sctp_parameters, .. }
            | TransportData::Plain { sctp_parameters, .. }
            | TransportData::Pipe { sctp_parameters, .. } => sctp_streams.apply(sctp_parameters),
            TransportData::Direct => {}
        }
        Self {
            id: transport.as_dyn().id(),
            data,
        }
    }
}

impl Mafalda {
    /// Creates a transport in a room, on the room's real router.
    pub async fn create_transport(
        &self,
        router_id: VirtualRouterId,
        options: TransportOptions,
    ) -> Result<TransportInfo> {
        self.create_transport_with(router_id, options, SctpStreams::default(), None)
            .await
    }

    /// [`Mafalda::create_transport`], reporting `sctp_streams` as its SCTP
    /// stream counts (see [`SctpStreams`]); `near`: on the real router of
    /// that transport of the room, not where placement would put it (a
    /// pipe transport from another instance for that transport's consumers).
    pub async fn create_transport_with(
        &self,
        router_id: VirtualRouterId,
        options: TransportOptions,
        sctp_streams: SctpStreams,
        near: Option<TransportId>,
    ) -> Result<TransportInfo> {
        // Until the transport is in the registry (`real` is dropped), its
        // real router stays in the room even if the room's last transport
        // there closes meanwhile.
        let real = match near {
            Some(near) => {
                let site = self
                    .registry()
                    .transports
                    .get(&near)
                    .filter(|entry| entry.router == router_id)
                    .map(|entry| entry.site.router)
                    .ok_or_else(|| Error::invalid_state(format!("Transport with id \"{near}\" not found")))?;
                self.room_router(router_id, site)?
            }
            None => self.place_transport(router_id).await?,
        };
        let router = &real.router;
        let port_range = self.room_port_range(router_id)?;
        let mut webrtc_server = None;
        let transport = match options {
            TransportOptions::WebRtcOnServer { server, mut options } => {
                let real_server = self.real_webrtc_server(server, &real.worker).await?;
                options.listen = WebRtcTransportListen::Server {
                    webrtc_server: real_server.clone(),
                };
                webrtc_server = Some((server, real_server));
                router
                    .create_webrtc_transport(options)
                    .await
                    .map(AnyTransport::WebRtc)
                    .map_err(|e| transport_error(e.to_string()))
            }
            TransportOptions::WebRtc(mut options) => {
                if let WebRtcTransportListen::Individual { listen_infos } = &options.listen {
                    let infos = listen_infos
                        .iter()
                        .cloned()
                        .map(|i| with_port_range(i, &port_range));
                    options.listen = WebRtcTransportListen::Individual {
                        listen_infos: listen_infos_of(infos),
                    };
                }
                router
                    .create_webrtc_transport(options)
                    .await
                    .map(AnyTransport::WebRtc)
                    .map_err(|e| transport_error(e.to_string()))
            }
            TransportOptions::Plain(mut options) => {
                options.enable_bwe = crate::decide::negotiation::PLAIN_TRANSPORT_BWE;
                options.listen_info = with_port_range(options.listen_info, &port_range);
                options.rtcp_listen_info = options.rtcp_listen_info.map(|i| with_port_range(i, &port_range));
                router
                    .create_plain_transport(options)
                    .await
                    .map(AnyTransport::Plain)
                    .map_err(|e| transport_error(e.to_string()))
            }
            TransportOptions::Direct(options) => router
                .create_direct_transport(options)
                .await
                .map(AnyTransport::Direct)
                .map_err(|e| transport_error(e.to_string())),
            TransportOptions::Pipe(mut options) => {
                options.listen_info = with_port_range(options.listen_info, &port_range);
                router
                    .create_pipe_transport(options)
                    .await
                    .map(AnyTransport::Pipe)
                    .map_err(|e| transport_error(e.to_string()))
            }
        }?;
        let info = TransportInfo::of(&transport, sctp_streams);
        let handlers = self.subscribe_transport(router_id, &transport);
        let entry = TransportEntry {
            transport,
            router: router_id,
            site: real.location(),
            sctp_streams,
            webrtc_server: webrtc_server.as_ref().map(|(id, _)| *id),
            producers: HashSet::new(),
            consumers: HashSet::new(),
            data_producers: HashSet::new(),
            data_consumers: HashSet::new(),
            _handlers: handlers,
        };
        let mut registry = self.registry();
        let server_open = webrtc_server
            .as_ref()
            .is_none_or(|(id, _)| registry.webrtc_servers.contains_key(id));
        match registry.routers.get_mut(&router_id) {
            Some(router) if server_open => {
                router.transports.insert(info.id);
                if let Some((id, real_server)) = webrtc_server {
                    if let Some(server) = registry.webrtc_servers.get_mut(&id) {
                        let worker = real.worker.id();
                        server.transports.insert(info.id, worker);
                        // Its worker's last transport may have closed (and
                        // taken the real server out) while this one was
                        // being created: this one keeps it alive, so list it.
                        server.real.entry(worker).or_insert(real_server);
                    }
                }
                registry.transports.insert(info.id, entry);
                Ok(info)
            }
            _ => {
                drop(registry);
                drop(entry);
                Err(Error::invalid_state(if server_open {
                    "Router closed"
                } else {
                    "WebRtcServer closed"
                }))
            }
        }
    }

    /// Ports the room's virtual worker gives transports whose listen infos
    /// name none (its `rtcMinPort` - `rtcMaxPort`).
    fn room_port_range(&self, id: VirtualRouterId) -> Result<RangeInclusive<u16>> {
        self.registry()
            .routers
            .get(&id)
            .map(|room| room.settings.rtc_port_range.clone())
            .ok_or_else(|| Error::invalid_state("Router closed"))
    }

    fn subscribe_transport(&self, room: VirtualRouterId, transport: &AnyTransport) -> Vec<HandlerId> {
        let id = transport.as_dyn().id();
        let sink = self.events(Some(room));
        let mut handlers = Vec::new();
        {
            let s = Arc::clone(&sink);
            handlers.push(
                transport
                    .as_dyn()
                    .on_trace(Arc::new(move |data| s.emit(Event::trace(id, data)))),
            );
        }
        match transport {
            AnyTransport::WebRtc(t) => {
                let s = Arc::clone(&sink);
                handlers.push(t.on_ice_state_change(move |state| {
                    s.emit(Event::IceStateChange { transport: id, state })
                }));
                let s = Arc::clone(&sink);
                handlers.push(t.on_ice_selected_tuple_change(move |tuple| {
                    s.emit(Event::IceSelectedTupleChange {
                        transport: id,
                        tuple: tuple.clone(),
                    })
                }));
                let s = Arc::clone(&sink);
                let weak = t.downgrade();
                handlers.push(t.on_dtls_state_change(move |state| {
                    let remote_cert = weak.upgrade().and_then(|t| t.dtls_remote_cert());
                    s.emit(Event::DtlsStateChange {
                        transport: id,
                        state,
                        remote_cert,
                    })
                }));
                let s = Arc::clone(&sink);
                handlers.push(t.on_sctp_state_change(move |state| {
                    s.emit(Event::SctpStateChange { transport: id, state })
                }));
            }
            AnyTransport::Plain(t) => {
                let s = Arc::clone(&sink);
                handlers.push(t.on_tuple(move |tuple| {
                    s.emit(Event::Tuple {
                        transport: id,
                        tuple: tuple.clone(),
                    })
                }));
                let s = Arc::clone(&sink);
                handlers.push(t.on_rtcp_tuple(move |tuple| {
                    s.emit(Event::RtcpTuple {
                        transport: id,
                        tuple: tuple.clone(),
                    })
                }));
                let s = Arc::clone(&sink);
                handlers.push(t.on_sctp_state_change(move |state| {
                    s.emit(Event::SctpStateChange { transport: id, state })
                }));
            }
            AnyTransport::Pipe(t) => {
                let s = Arc::clone(&sink);
                handlers.push(t.on_sctp_state_change(move |state| {
                    s.emit(Event::SctpStateChange { transport: id, state })
                }));
            }
            AnyTransport::Direct(t) => {
                let s = Arc::clone(&sink);
                handlers.push(t.on_rtcp(move |packet| {
                    s.emit(Event::DirectTransportRtcp {
                        transport: id,
                        packet: packet.to_vec(),
                    })
                }));
            }
        }
        handlers
    }

    /// `connect()`: gives the remote parameters; returns what changed (a
    /// PlainTransport learns its tuple and SRTP parameters here).
    pub async fn connect_transport(
        &self,
        id: TransportId,
        parameters: TransportRemoteParameters,
    ) -> Result<Connected> {
        let transport = self.transport(id)?;
        Ok(match (&transport, parameters) {
            (AnyTransport::WebRtc(t), TransportRemoteParameters::WebRtc(p)) => {
                t.connect(p).await?;
                Connected::WebRtc {
                    dtls_role: t.dtls_parameters().role,
                }
            }
            (AnyTransport::Plain(t), TransportRemoteParameters::Plain(p)) => {
                t.connect(p).await?;
                Connected::Plain {
                    tuple: t.tuple(),
                    rtcp_tuple: t.rtcp_tuple(),
                    srtp_parameters: t.srtp_parameters(),
                }
            }
            (AnyTransport::Pipe(t), TransportRemoteParameters::Pipe(p)) => {
                t.connect(p).await?;
                Connected::Pipe { tuple: t.tuple() }
            }
            _ => {
                return Err(Error::type_error(
                    "connect parameters do not match the transport type",
                ))
            }
        })
    }

    /// Closes a transport and its producers and consumers. Closing twice is
    /// a no-op.
    pub fn close_transport(&self, id: TransportId) {
        let mut garbage = self.garbage();
        self.registry().take_transport(id, &mut garbage);
        drop(garbage);
    }

    /// `getStats()` of a transport.
    pub async fn transport_stats(&self, id: TransportId) -> Result<TransportStats> {
        Ok(match self.transport(id)? {
            AnyTransport::WebRtc(t) => TransportStats::WebRtc(t.get_stats().await?),
            AnyTransport::Plain(t) => TransportStats::Plain(t.get_stats().await?),
            AnyTransport::Direct(t) => TransportStats::Direct(t.get_stats().await?),
            AnyTransport::Pipe(t) => TransportStats::Pipe(t.get_stats().await?),
        })
    }

    /// `dump()` of a transport.
    pub async fn dump_transport(&self, id: TransportId) -> Result<serde_json::Value> {
        let mut dump = match self.transport(id)? {
            AnyTransport::WebRtc(t) => to_json(t.dump().await?),
            AnyTransport::Plain(t) => to_json(t.dump().await?),
            AnyTransport::Direct(t) => to_json(t.dump().await?),
            AnyTransport::Pipe(t) => to_json(t.dump().await?),
        }?;
        self.retain_open_data_ids(id, &mut dump);
        let sctp_streams = self
            .registry()
            .transports
            .get(&id)
            .map(|entry| entry.sctp_streams);
        if let (Some(streams), Some(sctp)) = (sctp_streams, dump.get_mut("sctpParameters")) {
            if sctp.is_object() {
                sctp["OS"] = streams.os.into();
                sctp["MIS"] = streams.mis.into();
            }
        }
        Ok(dump)
    }

    /// `setMaxIncomingBitrate()`.
    pub async fn set_max_incoming_bitrate(&self, id: TransportId, bitrate: u64) -> Result<()> {
        match self.transport(id)? {
            AnyTransport::WebRtc(t) => t.set_max_incoming_bitrate(bitrate).await?,
            AnyTransport::Plain(t) => t.set_max_incoming_bitrate(bitrate).await?,
            AnyTransport::Direct(_) => return Err(not_in_direct("setMaxIncomingBitrate")),
            AnyTransport::Pipe(t) => t.set_max_incoming_bitrate(bitrate).await?,
        }
        Ok(())
    }

    /// `setMaxOutgoingBitrate()` (WebRtcTransport only).
    pub async fn set_max_outgoing_bitrate(&self, id: TransportId, bitrate: u64) -> Result<()> {
        match self.transport(id)? {
            AnyTransport::WebRtc(t) => Ok(t.set_max_outgoing_bitrate(bitrate).await?),
            AnyTransport::Plain(_) | AnyTransport::Pipe(_) => Err(Error::unsupported("not implemented")),
            AnyTransport::Direct(_) => Err(not_in_direct("setMaxOutgoingBitrate")),
        }
    }

    /// `setMinOutgoingBitrate()` (WebRtcTransport only).
    pub async fn set_min_outgoing_bitrate(&self, id: TransportId, bitrate: u64) -> Result<()> {
        match self.transport(id)? {
            AnyTransport::WebRtc(t) => Ok(t.set_min_outgoing_bitrate(bitrate).await?),
            AnyTransport::Plain(_) | AnyTransport::Pipe(_) => Err(Error::unsupported("not implemented")),
            AnyTransport::Direct(_) => Err(not_in_direct("setMinOutgoingBitrate")),
        }
    }

    /// `enableTraceEvent()` of a transport.
    pub async fn enable_transport_trace(
        &self,
        id: TransportId,
        types: Vec<mediasoup::transport::TransportTraceEventType>,
    ) -> Result<()> {
        Ok(self.transport(id)?.as_dyn().enable_trace_event(types).await?)
    }

    /// `restartIce()` (WebRtcTransport only): the new ICE parameters.
    pub async fn restart_ice(&self, id: TransportId) -> Result<IceParameters> {
        match self.transport(id)? {
            AnyTransport::WebRtc(t) => Ok(t.restart_ice().await?),
            AnyTransport::Plain(_) | AnyTransport::Direct(_) | AnyTransport::Pipe(_) => {
                Err(Error::unsupported("not implemented"))
            }
        }
    }

    /// The real router a transport is on (where a path from another
    /// instance for its consumers must arrive).
    pub fn transport_site(&self, id: TransportId) -> Result<mediasoup::router::RouterId> {
        self.registry()
            .transports
            .get(&id)
            .map(|entry| entry.site.router)
            .ok_or_else(|| Error::invalid_state("Transport closed"))
    }

    pub(crate) fn transport(&self, id: TransportId) -> Result<AnyTransport> {
        self.registry()
            .transports
            .get(&id)
            .map(|entry| entry.transport.clone())
            .ok_or_else(|| Error::invalid_state("Transport closed"))
    }
}

/// Real workers are shared by virtual workers with different port ranges,
/// so the range is given per listen info, as mediasoup does with the
/// worker's own range when a listen info names no port.
fn with_port_range(mut info: ListenInfo, range: &RangeInclusive<u16>) -> ListenInfo {
    if info.port.is_none() && info.port_range.is_none() {
        info.port_range = Some(range.clone());
    }
    info
}

fn listen_infos_of(infos: impl Iterator<Item = ListenInfo>) -> WebRtcTransportListenInfos {
    let mut infos = infos;
    let first = infos.next().expect("mediasoup-rust keeps listen infos non-empty");
    infos.fold(WebRtcTransportListenInfos::new(first), |all, info| {
        all.insert(info)
    })
}

/// mediasoup-node's refusal of bitrate knobs on a DirectTransport.
fn not_in_direct(method: &str) -> Error {
    Error::unsupported(format!("{method}() not implemented in DirectTransport"))
}

/// Creation failures arrive wrapped ("Request to worker failed: Received
/// response error: …"); the worker's own reason decides the class.
fn transport_error(message: String) -> Error {
    const WRAPPER: &str = "Received response error: ";
    match message.find(WRAPPER) {
        Some(at) => Error::from_worker_reason(message[at + WRAPPER.len()..].to_string()),
        None => Error::failed(message),
    }
}
