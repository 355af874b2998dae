//! The two ways of running one room: EduMeet's eager pipes, and mafalda.

use crate::traffic::{Stream, AUDIO_PT, VIDEO_PT};
use mafalda_core::mediasoup::prelude::*;
use mafalda_core::mediasoup::types::rtp_parameters::{
    MimeTypeAudio, MimeTypeVideo, RtpCodecParametersParameters,
};
use mafalda_core::mediasoup::worker::WorkerSettings as MsWorkerSettings;
use mafalda_core::pool::{thread_cpu_time, PoolConfig};
use mafalda_core::{Mafalda, TransportData, TransportOptions, TransportRemoteParameters};
use std::net::{IpAddr, Ipv4Addr};
use std::num::{NonZeroU32, NonZeroU8};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

pub fn media_codecs() -> Vec<RtpCodecCapability> {
    vec![
        RtpCodecCapability::Audio {
            mime_type: MimeTypeAudio::Opus,
            preferred_payload_type: None,
            clock_rate: NonZeroU32::new(48000).unwrap(),
            channels: NonZeroU8::new(2).unwrap(),
            parameters: RtpCodecParametersParameters::default(),
            rtcp_feedback: vec![],
        },
        RtpCodecCapability::Video {
            mime_type: MimeTypeVideo::Vp8,
            preferred_payload_type: None,
            clock_rate: NonZeroU32::new(90000).unwrap(),
            parameters: RtpCodecParametersParameters::default(),
            rtcp_feedback: vec![],
        },
    ]
}

fn rtp_parameters(video: bool, ssrc: u32) -> RtpParameters {
    let codec = if video {
        RtpCodecParameters::Video {
            mime_type: MimeTypeVideo::Vp8,
            payload_type: VIDEO_PT,
            clock_rate: NonZeroU32::new(90000).unwrap(),
            parameters: RtpCodecParametersParameters::default(),
            rtcp_feedback: vec![],
        }
    } else {
        RtpCodecParameters::Audio {
            mime_type: MimeTypeAudio::Opus,
            payload_type: AUDIO_PT,
            clock_rate: NonZeroU32::new(48000).unwrap(),
            channels: NonZeroU8::new(2).unwrap(),
            parameters: RtpCodecParametersParameters::default(),
            rtcp_feedback: vec![],
        }
    };
    RtpParameters {
        codecs: vec![codec],
        encodings: vec![RtpEncodingParameters {
            ssrc: Some(ssrc),
            ..Default::default()
        }],
        ..Default::default()
    }
}

pub fn producer_options(video: bool, ssrc: u32) -> ProducerOptions {
    let kind = if video { MediaKind::Video } else { MediaKind::Audio };
    ProducerOptions::new(kind, rtp_parameters(video, ssrc))
}

pub fn plain(comedia: bool) -> PlainTransportOptions {
    let mut options = PlainTransportOptions::new(mafalda_core::loopback_listen_info());
    options.rtcp_mux = true;
    options.comedia = comedia;
    options
}

pub fn send_to(port: u16) -> PlainTransportRemoteParameters {
    PlainTransportRemoteParameters {
        ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        port: Some(port),
        rtcp_port: None,
        srtp_parameters: None,
    }
}

/// A receiver's capabilities: what the router offers.
pub fn capabilities(router: &RtpCapabilitiesFinalized) -> RtpCapabilities {
    serde_json::from_value(serde_json::to_value(router).expect("serialise")).expect("capabilities")
}

/// What a strategy reports after setting a room up.
#[derive(Default, Debug, Clone)]
pub struct Counts {
    pub workers_used: usize,
    pub consumers: usize,
    pub pipe_consumers: usize,
}

/// A room being run: the hooks the benchmark needs.
pub trait Room {
    /// Adds a peer: send transport with audio + video producers (fed at
    /// the returned stream), receive transport sending to `receive_port`,
    /// all-to-all consumers with the peers already there.
    async fn join(&mut self, receive_port: u16, audio_ssrc: u32, video_ssrc: u32) -> Stream;
    /// Thread ids of the real workers that carry the room.
    fn worker_threads(&self) -> Vec<u32>;
    /// Counts as the workers report them.
    async fn counts(&self) -> Counts;
}

/// Sum of CPU time (µs) of the given threads.
pub fn cpu_us(threads: &[u32]) -> u64 {
    threads
        .iter()
        .filter_map(|tid| thread_cpu_time(*tid))
        .map(|t| t.user_us + t.system_us)
        .sum()
}

// ------------------------------------------------------------------ eager

struct EagerPeer {
    router: usize,
    producers: Vec<Producer>,
    recv: PlainTransport,
    _send: PlainTransport,
}

/// EduMeet 3: W workers, a router of the room on each, peers spread over
/// them round-robin, every producer piped to every other router at once.
pub struct Eager {
    _manager: WorkerManager,
    workers: Vec<(Worker, u32)>,
    routers: Vec<Router>,
    peers: Vec<EagerPeer>,
    pipes: Vec<PipeProducerToRouterPair>,
    consumers: Vec<Consumer>,
}

impl Eager {
    pub async fn new(workers: usize) -> Self {
        let manager = WorkerManager::new();
        let mut list = Vec::new();
        let mut routers = Vec::new();
        for _ in 0..workers {
            let tid = Arc::new(AtomicU32::new(0));
            let mut settings = MsWorkerSettings::default();
            settings.log_level = mafalda_core::mediasoup::worker::WorkerLogLevel::Error;
            settings.log_tags = vec![];
            let t = Arc::clone(&tid);
            settings.thread_initializer = Some(Arc::new(move || {
                // SAFETY: gettid has no preconditions.
                t.store(unsafe { libc::gettid() } as u32, Ordering::SeqCst)
            }));
            let worker = manager.create_worker(settings).await.expect("worker");
            let router = worker
                .create_router(RouterOptions::new(media_codecs()))
                .await
                .expect("router");
            list.push((worker, tid.load(Ordering::SeqCst)));
            routers.push(router);
        }
        Self {
            _manager: manager,
            workers: list,
            routers,
            peers: vec![],
            pipes: vec![],
            consumers: vec![],
        }
    }
}

impl Room for Eager {
    async fn join(&mut self, receive_port: u16, audio_ssrc: u32, video_ssrc: u32) -> Stream {
        let index = self.peers.len() % self.routers.len();
        let router = self.routers[index].clone();
        let send = router
            .create_plain_transport(plain(true))
            .await
            .expect("send transport");
        let mut producers = Vec::new();
        for (video, ssrc) in [(false, audio_ssrc), (true, video_ssrc)] {
            let producer = send
                .produce(producer_options(video, ssrc))
                .await
                .expect("produce");
            for (other, other_router) in self.routers.iter().enumerate() {
                if other != index {
                    let pair = router
                        .pipe_producer_to_router(
                            producer.id(),
                            PipeToRouterOptions::new(other_router.clone()),
                        )
                        .await
                        .expect("pipe");
                    self.pipes.push(pair);
                }
            }
            producers.push(producer);
        }
        let recv = router
            .create_plain_transport(plain(false))
            .await
            .expect("recv transport");
        recv.connect(send_to(receive_port)).await.expect("connect");
        let caps = capabilities(&router.rtp_capabilities());
        // The newcomer consumes everyone; everyone consumes the newcomer.
        for peer in &self.peers {
            for producer in &peer.producers {
                let c = recv
                    .consume(ConsumerOptions::new(producer.id(), caps.clone()))
                    .await
                    .expect("consume");
                self.consumers.push(c);
            }
            let their_caps = capabilities(&self.routers[peer.router].rtp_capabilities());
            for producer in &producers {
                let options = ConsumerOptions::new(producer.id(), their_caps.clone());
                self.consumers
                    .push(peer.recv.consume(options).await.expect("consume"));
            }
        }
        let port = send.tuple().local_port();
        self.peers.push(EagerPeer {
            router: index,
            producers,
            recv,
            _send: send,
        });
        Stream {
            port,
            audio_ssrc,
            video_ssrc,
        }
    }

    fn worker_threads(&self) -> Vec<u32> {
        self.workers.iter().map(|(_, tid)| *tid).collect()
    }

    async fn counts(&self) -> Counts {
        Counts {
            workers_used: self.workers.len(),
            consumers: self.consumers.len(),
            pipe_consumers: self.pipes.len(),
        }
    }
}

// ------------------------------------------------------------------ mafalda

struct MafaldaPeer {
    producers: Vec<ProducerId>,
    recv: TransportId,
}

/// The same room through one mafalda virtual router, default placement.
pub struct MafaldaRoom {
    engine: Mafalda,
    room: mafalda_core::VirtualRouterId,
    caps: RtpCapabilities,
    peers: Vec<MafaldaPeer>,
}

impl MafaldaRoom {
    pub async fn new(max_workers: usize) -> Self {
        let mut config = PoolConfig::default();
        config.limits.max_workers = max_workers;
        let engine = Mafalda::new(config, Arc::new(()));
        let info = engine.create_router(None, media_codecs()).await.expect("room");
        Self {
            engine,
            room: info.id,
            caps: capabilities(&info.rtp_capabilities),
            peers: vec![],
        }
    }
}

impl Room for MafaldaRoom {
    async fn join(&mut self, receive_port: u16, audio_ssrc: u32, video_ssrc: u32) -> Stream {
        let m = &self.engine;
        let send = m
            .create_transport(self.room, TransportOptions::Plain(plain(true)))
            .await
            .expect("send");
        let mut producers = Vec::new();
        for (video, ssrc) in [(false, audio_ssrc), (true, video_ssrc)] {
            producers.push(
                m.produce(send.id, producer_options(video, ssrc))
                    .await
                    .expect("produce")
                    .id,
            );
        }
        let recv = m
            .create_transport(self.room, TransportOptions::Plain(plain(false)))
            .await
            .expect("recv");
        m.connect_transport(recv.id, TransportRemoteParameters::Plain(send_to(receive_port)))
            .await
            .expect("connect");
        for peer in &self.peers {
            for producer in &peer.producers {
                m.consume(recv.id, ConsumerOptions::new(*producer, self.caps.clone()))
                    .await
                    .expect("consume");
            }
            for producer in &producers {
                m.consume(peer.recv, ConsumerOptions::new(*producer, self.caps.clone()))
                    .await
                    .expect("consume");
            }
        }
        self.peers.push(MafaldaPeer {
            producers,
            recv: recv.id,
        });
        let port = match send.data {
            TransportData::Plain { tuple, .. } => tuple.local_port(),
            _ => unreachable!("plain transport"),
        };
        Stream {
            port,
            audio_ssrc,
            video_ssrc,
        }
    }

    fn worker_threads(&self) -> Vec<u32> {
        self.engine.pool().workers().iter().map(|w| w.tid()).collect()
    }

    async fn counts(&self) -> Counts {
        let dump = self.engine.dump().await.expect("dump");
        let routers: Vec<_> = dump.workers.iter().flat_map(|w| w.routers.iter()).collect();
        let pipe_consumers: usize = routers.iter().map(|r| r.pipe_consumers).sum();
        let all_consumers: usize = routers.iter().map(|r| r.consumers).sum();
        Counts {
            workers_used: dump.workers.iter().filter(|w| !w.routers.is_empty()).count(),
            consumers: all_consumers - pipe_consumers,
            pipe_consumers,
        }
    }
}

impl Drop for MafaldaRoom {
    fn drop(&mut self) {
        self.engine.close_router(self.room);
    }
}
