//! The engine driven through fakes of its seams, with real workers: it asks
//! the directory where a source lives, joins routers through the link, and
//! sends each room's events where the route says.

use super::link::{Joining, Link, LoopbackLink};
use super::{Mafalda, Seams};
use crate::config::{Limits, Policy, PoolConfig};
use crate::events::{Event, EventRoute, EventSink};
use crate::ids::{Location, PipeSource, VirtualRouterId};
use crate::state::{Directory, Home, LocalDirectory, RealRouter, Registry};
use crate::{Error, RouterInfo, TransportOptions};
use mediasoup::prelude::*;
use mediasoup::types::rtp_parameters::{MimeTypeAudio, RtpCodecParametersParameters};
use parking_lot::Mutex;
use std::num::{NonZeroU32, NonZeroU8};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn opus() -> RtpCodecCapability {
    RtpCodecCapability::Audio {
        mime_type: MimeTypeAudio::Opus,
        preferred_payload_type: None,
        clock_rate: NonZeroU32::new(48000).unwrap(),
        channels: NonZeroU8::new(2).unwrap(),
        parameters: RtpCodecParametersParameters::default(),
        rtcp_feedback: vec![],
    }
}

/// Rooms go to different workers (two at most).
fn two_workers() -> PoolConfig {
    PoolConfig {
        limits: Limits {
            max_workers: 2,
            ..Limits::default()
        },
        policy: Policy::Spread,
        idle_worker_timeout: Duration::ZERO,
        ..PoolConfig::default()
    }
}

fn engine(directory: Arc<dyn Directory>, link: Arc<dyn Link>, events: Arc<dyn EventRoute>) -> Mafalda {
    Mafalda::with_seams(
        two_workers(),
        Seams {
            directory,
            link,
            events,
        },
    )
}

fn to_everyone() -> Arc<dyn EventRoute> {
    Arc::new(crate::events::LocalRoute(Arc::new(())))
}

async fn room(mafalda: &Mafalda) -> RouterInfo {
    mafalda.create_router(None, vec![opus()]).await.unwrap()
}

async fn direct_transport(mafalda: &Mafalda, room: &RouterInfo) -> TransportId {
    mafalda
        .create_transport(
            room.id,
            TransportOptions::Direct(DirectTransportOptions::default()),
        )
        .await
        .unwrap()
        .id
}

async fn produce(mafalda: &Mafalda, transport: TransportId, ssrc: u32) -> ProducerId {
    let rtp_parameters = RtpParameters {
        codecs: vec![RtpCodecParameters::Audio {
            mime_type: MimeTypeAudio::Opus,
            payload_type: 100,
            clock_rate: NonZeroU32::new(48000).unwrap(),
            channels: NonZeroU8::new(2).unwrap(),
            parameters: RtpCodecParametersParameters::default(),
            rtcp_feedback: vec![],
        }],
        encodings: vec![RtpEncodingParameters {
            ssrc: Some(ssrc),
            ..Default::default()
        }],
        ..Default::default()
    };
    mafalda
        .produce(transport, ProducerOptions::new(MediaKind::Audio, rtp_parameters))
        .await
        .unwrap()
        .id
}

async fn consume(
    mafalda: &Mafalda,
    transport: TransportId,
    room: &RouterInfo,
    producer: ProducerId,
) -> crate::Result<ConsumerId> {
    let capabilities: RtpCapabilities =
        serde_json::from_value(serde_json::to_value(&room.rtp_capabilities).unwrap()).unwrap();
    mafalda
        .consume(transport, ConsumerOptions::new(producer, capabilities))
        .await
        .map(|info| info.id)
}

/// Two rooms on two workers; `b` imports the producers `a` makes.
struct TwoRooms {
    a: RouterInfo,
    b: RouterInfo,
    in_a: TransportId,
    in_b: TransportId,
}

async fn two_rooms(mafalda: &Mafalda) -> TwoRooms {
    let a = room(mafalda).await;
    let b = room(mafalda).await;
    let worker_of = |room: &RouterInfo| mafalda.registry().routers[&room.id].sites[0].location.worker;
    assert_ne!(
        worker_of(&a),
        worker_of(&b),
        "Spread puts the rooms on two workers"
    );
    let in_a = direct_transport(mafalda, &a).await;
    let in_b = direct_transport(mafalda, &b).await;
    TwoRooms { a, b, in_a, in_b }
}

/// The loopback link, counting the pairs it makes.
#[derive(Default)]
struct CountingLink(AtomicUsize);

impl Link for CountingLink {
    fn join<'a>(&'a self, a: &'a RealRouter, b: &'a RealRouter) -> Joining<'a> {
        self.0.fetch_add(1, Ordering::SeqCst);
        LoopbackLink.join(a, b)
    }
}

/// A link that cannot reach the other side.
#[derive(Default)]
struct BrokenLink(AtomicUsize);

impl Link for BrokenLink {
    fn join<'a>(&'a self, _a: &'a RealRouter, _b: &'a RealRouter) -> Joining<'a> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(Error::failed("the other side cannot be reached")) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipes_between_two_routers_share_the_one_pair_the_link_made() {
    let link = Arc::new(CountingLink::default());
    let mafalda = engine(Arc::new(LocalDirectory), link.clone(), to_everyone());
    let rooms = two_rooms(&mafalda).await;
    for ssrc in [1111, 2222] {
        let producer = produce(&mafalda, rooms.in_a, ssrc).await;
        mafalda.import_producer(rooms.b.id, producer).unwrap();
        consume(&mafalda, rooms.in_b, &rooms.b, producer).await.unwrap();
    }
    assert_eq!(link.0.load(Ordering::SeqCst), 1, "one pair for the two pipes");
    assert_eq!(mafalda.registry().pipes.len(), 2);
    assert_eq!(mafalda.registry().pipe_pairs.len(), 1);
    mafalda.close_router(rooms.a.id);
    mafalda.close_router(rooms.b.id);
    assert!(mafalda.registry().pipes.is_empty());
    assert!(mafalda.registry().pipe_pairs.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pair_that_already_receives_a_pipes_ssrc_is_told_apart_from_other_refusals() {
    let mafalda = engine(Arc::new(LocalDirectory), Arc::new(LoopbackLink), to_everyone());
    let rooms = two_rooms(&mafalda).await;
    let producer = produce(&mafalda, rooms.in_a, 5555).await;
    mafalda.import_producer(rooms.b.id, producer).unwrap();
    consume(&mafalda, rooms.in_b, &rooms.b, producer).await.unwrap();
    // The pair's end on room b's router receives the pipe, with SSRCs drawn
    // at random for it; a second pipe drawing one of them meets it there.
    let (b_end, kind, parameters) = {
        let registry = mafalda.registry();
        let b_router = registry.routers[&rooms.b.id].sites[0].location.router;
        let pair = registry.pipe_pairs.values().next().unwrap().ready.get().unwrap();
        let producer = &registry.producers[&producer].producer;
        (
            pair.transports[&b_router].clone(),
            producer.kind(),
            producer.consumable_rtp_parameters().clone(),
        )
    };
    let new_id = || -> ProducerId { uuid::Uuid::new_v4().to_string().parse().unwrap() };
    let pipe_options = |id: ProducerId, ssrc: u32| {
        let mut parameters = parameters.clone();
        parameters.encodings = vec![RtpEncodingParameters {
            ssrc: Some(ssrc),
            ..Default::default()
        }];
        ProducerOptions::new_pipe_transport(id, kind, parameters)
    };
    let first = match super::piping::pipe_producer(&b_end, pipe_options(new_id(), 424_242))
        .await
        .unwrap()
    {
        super::piping::Attempt::Made(first) => first,
        super::piping::Attempt::PairFull(error) => panic!("a free SSRC: {}", error.message),
    };
    match super::piping::pipe_producer(&b_end, pipe_options(new_id(), 424_242)).await {
        Ok(super::piping::Attempt::PairFull(error)) => assert!(
            error.message.contains("cannot pipe producer") && error.message.contains("ssrc already exists"),
            "{}",
            error.message
        ),
        Ok(super::piping::Attempt::Made(_)) => panic!("one SSRC received twice on one pair"),
        Err(error) => panic!("not read as a full pair: {}", error.message),
    }
    // Any other refusal is the pipe's own: another pair would not help.
    match super::piping::pipe_producer(&b_end, pipe_options(first.id(), 424_243)).await {
        Err(error) => assert!(
            error.message.contains("cannot pipe producer"),
            "{}",
            error.message
        ),
        Ok(super::piping::Attempt::PairFull(error)) => panic!("read as a full pair: {}", error.message),
        Ok(super::piping::Attempt::Made(_)) => panic!("two producers with one id"),
    }
    drop(first);
    mafalda.close_router(rooms.a.id);
    mafalda.close_router(rooms.b.id);
    assert!(mafalda.registry().pipe_pairs.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_fails_rejects_the_consume_and_leaves_nothing_behind() {
    let link = Arc::new(BrokenLink::default());
    let mafalda = engine(Arc::new(LocalDirectory), link.clone(), to_everyone());
    let rooms = two_rooms(&mafalda).await;
    let producer = produce(&mafalda, rooms.in_a, 3333).await;
    mafalda.import_producer(rooms.b.id, producer).unwrap();
    for attempt in 1..=2 {
        let error = consume(&mafalda, rooms.in_b, &rooms.b, producer)
            .await
            .unwrap_err();
        assert_eq!(error.message, "the other side cannot be reached");
        // Nothing half made stays: the next consume tries afresh.
        assert_eq!(link.0.load(Ordering::SeqCst), attempt);
        assert!(mafalda.registry().pipes.is_empty());
        assert!(mafalda.registry().pipe_pairs.is_empty());
        assert!(mafalda.registry().consumers.is_empty());
    }
    // Where no pipe is needed, the link is not asked.
    consume(&mafalda, rooms.in_a, &rooms.a, producer).await.unwrap();
    assert_eq!(link.0.load(Ordering::SeqCst), 2);
    mafalda.close_router(rooms.a.id);
    mafalda.close_router(rooms.b.id);
}

/// The registry's answers, except for one producer, which it places on
/// another room's router (as a cluster's directory would name a producer
/// living elsewhere).
struct Elsewhere {
    producer: Mutex<Option<(ProducerId, Home)>>,
    asked: AtomicUsize,
}

impl Directory for Elsewhere {
    fn home_of(&self, registry: &Registry, source: PipeSource) -> Option<Home> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        match *self.producer.lock() {
            Some((producer, home)) if source == PipeSource::Media(producer) => Some(home),
            _ => LocalDirectory.home_of(registry, source),
        }
    }

    fn sites_of(&self, registry: &Registry, room: VirtualRouterId) -> Vec<Location> {
        LocalDirectory.sites_of(registry, room)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_pipes_from_where_the_directory_says_a_producer_lives() {
    let directory = Arc::new(Elsewhere {
        producer: Mutex::new(None),
        asked: AtomicUsize::new(0),
    });
    let link = Arc::new(CountingLink::default());
    let mafalda = engine(directory.clone(), link.clone(), to_everyone());
    let rooms = two_rooms(&mafalda).await;
    let producer = produce(&mafalda, rooms.in_a, 4444).await;
    // Asked, the registry says the producer lives where the consumer is: no pipe.
    consume(&mafalda, rooms.in_a, &rooms.a, producer).await.unwrap();
    assert!(directory.asked.load(Ordering::SeqCst) >= 1);
    assert_eq!(link.0.load(Ordering::SeqCst), 0);
    // Told it lives on room b's router (another worker), the engine pipes
    // from there; that worker has no such producer, so the pipe fails, as
    // it must, and leaves nothing.
    let b_site = LocalDirectory.sites_of(&mafalda.registry(), rooms.b.id)[0];
    *directory.producer.lock() = Some((
        producer,
        Home {
            room: rooms.b.id,
            location: b_site,
        },
    ));
    let error = consume(&mafalda, rooms.in_a, &rooms.a, producer)
        .await
        .unwrap_err();
    assert_eq!(link.0.load(Ordering::SeqCst), 1, "a pair towards room b's router");
    assert!(
        error.message.contains("cannot pipe producer"),
        "{}",
        error.message
    );
    assert!(mafalda.registry().pipes.is_empty());
    assert!(mafalda.registry().pipe_pairs.is_empty());
    mafalda.close_router(rooms.a.id);
    mafalda.close_router(rooms.b.id);
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(String, &'static str)>>);

impl EventSink for Recorder {
    fn emit(&self, event: Event) {
        self.0.lock().push((event.target(), event.name()));
    }
}

impl Recorder {
    fn has(&self, target: &str, name: &str) -> bool {
        self.0.lock().iter().any(|(t, n)| t == target && *n == name)
    }
}

/// Room `a`'s events to one sink, everything else to another.
struct ByRoom {
    room: Mutex<Option<VirtualRouterId>>,
    a: Arc<Recorder>,
    others: Arc<Recorder>,
}

impl EventRoute for ByRoom {
    fn sink_for(&self, room: Option<VirtualRouterId>) -> Arc<dyn EventSink> {
        if room.is_some() && room == *self.room.lock() {
            self.a.clone()
        } else {
            self.others.clone()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_rooms_events_go_where_the_route_sends_them() {
    let route = Arc::new(ByRoom {
        room: Mutex::new(None),
        a: Arc::default(),
        others: Arc::default(),
    });
    let mafalda = engine(Arc::new(LocalDirectory), Arc::new(LoopbackLink), route.clone());
    let rooms = two_rooms(&mafalda).await;
    *route.room.lock() = Some(rooms.a.id);
    let in_a = direct_transport(&mafalda, &rooms.a).await;
    let in_b = direct_transport(&mafalda, &rooms.b).await;
    let producer_a = produce(&mafalda, in_a, 5555).await;
    let consumer_a = consume(&mafalda, in_a, &rooms.a, producer_a).await.unwrap();
    let producer_b = produce(&mafalda, in_b, 6666).await;
    let consumer_b = consume(&mafalda, in_b, &rooms.b, producer_b).await.unwrap();
    mafalda.close_producer(producer_a);
    mafalda.close_producer(producer_b);
    let (a, b) = (consumer_a.to_string(), consumer_b.to_string());
    let deadline = Instant::now() + Duration::from_secs(5);
    while !(route.a.has(&a, "producerclose") && route.others.has(&b, "producerclose")) {
        assert!(Instant::now() < deadline, "producerclose never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!route.others.has(&a, "producerclose"));
    assert!(!route.a.has(&b, "producerclose"));
    mafalda.close_router(rooms.a.id);
    mafalda.close_router(rooms.b.id);
}
