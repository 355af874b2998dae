//! Real RTP through the core, without Node: UDP socket -> PlainTransport
//! producer -> consumer on another PlainTransport -> UDP socket.

use mafalda_core::mediasoup::consumer::ConsumerRtpStreamStat;
use mafalda_core::mediasoup::prelude::*;
use mafalda_core::mediasoup::types::rtp_parameters::{MimeTypeAudio, RtpCodecParametersParameters};
use mafalda_core::pool::PoolConfig;
use mafalda_core::{
    Event, EventSink, Mafalda, TransportData, TransportOptions, TransportRemoteParameters, WorkerSettings,
};
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::num::{NonZeroU32, NonZeroU8};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Recorder(Mutex<Vec<(String, &'static str)>>);

impl EventSink for Recorder {
    fn emit(&self, event: Event) {
        self.0.lock().unwrap().push((event.target(), event.name()));
    }
}

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

fn plain_options(comedia: bool) -> PlainTransportOptions {
    let mut options = PlainTransportOptions::new(mafalda_core::loopback_listen_info());
    options.rtcp_mux = true;
    options.comedia = comedia;
    options
}

fn local_port(data: &TransportData) -> u16 {
    match data {
        TransportData::Plain { tuple, .. } => tuple.local_port(),
        _ => panic!("not a plain transport"),
    }
}

/// A minimal RTP packet: version 2, the given payload type, sequence
/// number, timestamp and SSRC, and an Opus-sized payload.
fn rtp_packet(payload_type: u8, seq: u16, timestamp: u32, ssrc: u32) -> Vec<u8> {
    let mut packet = vec![0x80, payload_type & 0x7f];
    packet.extend_from_slice(&seq.to_be_bytes());
    packet.extend_from_slice(&timestamp.to_be_bytes());
    packet.extend_from_slice(&ssrc.to_be_bytes());
    packet.extend(std::iter::repeat_n(0xab, 100));
    packet
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rtp_sent_to_a_producer_reaches_a_consumer_on_another_transport() {
    let recorder = Arc::new(Recorder::default());
    let config = PoolConfig {
        idle_worker_timeout: Duration::ZERO,
        ..PoolConfig::default()
    };
    let mafalda = Mafalda::new(config, recorder.clone());
    let worker = mafalda.create_worker(WorkerSettings::default()).await.unwrap();
    assert!(worker.pid > 0);
    let router = mafalda
        .create_router(Some(worker.id), vec![opus()])
        .await
        .unwrap();

    let send_transport = mafalda
        .create_transport(router.id, TransportOptions::Plain(plain_options(true)))
        .await
        .unwrap();
    let recv_transport = mafalda
        .create_transport(router.id, TransportOptions::Plain(plain_options(false)))
        .await
        .unwrap();

    let payload_type = 100;
    let ssrc = 11111111;
    let rtp_parameters = RtpParameters {
        codecs: vec![RtpCodecParameters::Audio {
            mime_type: MimeTypeAudio::Opus,
            payload_type,
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
    let producer = mafalda
        .produce(
            send_transport.id,
            ProducerOptions::new(MediaKind::Audio, rtp_parameters),
        )
        .await
        .unwrap();

    let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    mafalda
        .connect_transport(
            recv_transport.id,
            TransportRemoteParameters::Plain(PlainTransportRemoteParameters {
                ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                port: Some(receiver.local_addr().unwrap().port()),
                rtcp_port: None,
                srtp_parameters: None,
            }),
        )
        .await
        .unwrap();
    let consumer = mafalda
        .consume(
            recv_transport.id,
            ConsumerOptions::new(
                producer.id,
                serde_json::from_value(serde_json::to_value(&router.rtp_capabilities).unwrap()).unwrap(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(consumer.producer_id, producer.id);

    let sent = 200u16;
    let counter = std::thread::spawn(move || {
        let mut received = 0;
        let mut buffer = [0u8; 1500];
        while let Ok((len, _)) = receiver.recv_from(&mut buffer) {
            if len >= 12 && buffer[0] >> 6 == 2 && buffer[1] & 0x7f < 72 {
                continue; // RTCP
            }
            received += 1;
        }
        received
    });
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = ("127.0.0.1", local_port(&send_transport.data));
    for seq in 0..sent {
        sender
            .send_to(&rtp_packet(payload_type, seq, seq as u32 * 960, ssrc), target)
            .unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let received: u16 = counter.join().unwrap();
    assert!(received >= sent * 95 / 100, "received {received} of {sent}");

    let stats = mafalda.producer_stats(producer.id).await.unwrap();
    assert!(stats[0].packet_count >= u64::from(sent) * 95 / 100, "{stats:?}");
    let stats = mafalda.consumer_stats(consumer.id).await.unwrap();
    let outbound = stats
        .iter()
        .find_map(|s| match s {
            ConsumerRtpStreamStat::Outbound(stat) => Some(stat),
            ConsumerRtpStreamStat::Inbound(_) => None,
        })
        .unwrap();
    assert!(outbound.packet_count >= u64::from(sent) * 95 / 100, "{stats:?}");

    // Pausing the producer reaches the consumer.
    mafalda.pause_producer(producer.id).await.unwrap();
    for _ in 0..50 {
        if recorder
            .0
            .lock()
            .unwrap()
            .contains(&(consumer.id.to_string(), "producerpause"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(recorder
        .0
        .lock()
        .unwrap()
        .contains(&(consumer.id.to_string(), "producerpause")));

    // Closing the producer closes the consumer on the worker's side.
    mafalda.close_producer(producer.id);
    for _ in 0..50 {
        if recorder
            .0
            .lock()
            .unwrap()
            .iter()
            .any(|(target, name)| *target == consumer.id.to_string() && *name == "producerclose")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(recorder
        .0
        .lock()
        .unwrap()
        .contains(&(consumer.id.to_string(), "producerclose")));
    for _ in 0..50 {
        if mafalda.consumer_stats(consumer.id).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        mafalda.consumer_stats(consumer.id).await.unwrap_err().kind(),
        mafalda_core::ErrorKind::InvalidState
    );

    mafalda.close_router(router.id);
    assert_eq!(
        mafalda
            .transport_stats(send_transport.id)
            .await
            .unwrap_err()
            .kind(),
        mafalda_core::ErrorKind::InvalidState
    );
    // The worker stays while the virtual worker is open, then goes (once
    // the ramp-up window of its last placement has passed).
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(mafalda.pool().workers().len(), 1);
    mafalda.close_worker(worker.id);
    for _ in 0..50 {
        if mafalda.pool().workers().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(mafalda.pool().workers().len(), 0);
}
