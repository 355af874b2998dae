//! The load generator: real RTP over loopback UDP.
//!
//! Each peer sends an audio stream (Opus-like, 50 packets/s, ~100 B) and a
//! video stream (VP8-like, ~90 packets/s, ~1,200 B: about 1 Mbit/s) to its
//! send transport; every peer's receive transport sends what it consumes to
//! a socket of its own, where packets are counted.

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const AUDIO_PT: u8 = 100;
pub const VIDEO_PT: u8 = 101;
pub const AUDIO_PPS: u64 = 50;
pub const VIDEO_PPS: u64 = 90;
const AUDIO_BYTES: usize = 100;
const VIDEO_BYTES: usize = 1200;

/// Where one peer's two streams go.
#[derive(Clone, Copy)]
pub struct Stream {
    pub port: u16,
    pub audio_ssrc: u32,
    pub video_ssrc: u32,
}

fn packet(payload_type: u8, seq: u16, timestamp: u32, ssrc: u32, size: usize, video: bool) -> Vec<u8> {
    let mut p = Vec::with_capacity(12 + size);
    p.extend_from_slice(&[0x80, payload_type | if video { 0x80 } else { 0 }]);
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&timestamp.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    if video {
        // VP8 payload descriptor: start of partition 0; payload header with
        // the key frame bit clear (= key frame), so every consumer can start
        // at any packet.
        p.extend_from_slice(&[0x10, 0x00, 0x9d, 0x01, 0x2a]);
        p.resize(12 + size, 0xcd);
    } else {
        p.resize(12 + size, 0xab);
    }
    p
}

/// The streams being sent, each with its sent-packet counter.
type Streams = Arc<std::sync::Mutex<Vec<(Stream, Arc<AtomicU64>)>>>;

/// Sends the streams of every peer added so far, until stopped, counting
/// the packets sent per peer.
pub struct Sender {
    stop: Arc<AtomicBool>,
    streams: Streams,
    handle: Option<JoinHandle<()>>,
}

impl Sender {
    pub fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let streams: Streams = Arc::default();
        let flag = Arc::clone(&stop);
        let list = Arc::clone(&streams);
        let handle = std::thread::spawn(move || {
            let socket = UdpSocket::bind("127.0.0.1:0").expect("bind sender");
            let started = Instant::now();
            // Packets due so far, per kind: (payload type, packets/s,
            // timestamp step, bytes, video, sent so far).
            let mut kinds = [
                (AUDIO_PT, AUDIO_PPS, 960u64, AUDIO_BYTES, false, 0u64),
                (VIDEO_PT, VIDEO_PPS, 1000, VIDEO_BYTES, true, 0),
            ];
            while !flag.load(Ordering::Relaxed) {
                let elapsed = started.elapsed().as_micros() as u64;
                let streams = list.lock().expect("streams").clone();
                for (payload_type, pps, step, bytes, video, due) in &mut kinds {
                    while *due < elapsed * *pps / 1_000_000 {
                        for (s, sent) in &streams {
                            let ssrc = if *video { s.video_ssrc } else { s.audio_ssrc };
                            let p = packet(
                                *payload_type,
                                *due as u16,
                                (*due * *step) as u32,
                                ssrc,
                                *bytes,
                                *video,
                            );
                            if socket.send_to(&p, ("127.0.0.1", s.port)).is_ok() {
                                sent.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        *due += 1;
                    }
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        Self {
            stop,
            streams,
            handle: Some(handle),
        }
    }

    /// Starts sending a peer's streams; returns its sent-packet counter.
    pub fn add(&self, stream: Stream) -> Arc<AtomicU64> {
        let counter = Arc::new(AtomicU64::new(0));
        self.streams
            .lock()
            .expect("streams")
            .push((stream, Arc::clone(&counter)));
        counter
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// A socket that counts the RTP packets it receives.
pub struct Receiver {
    pub port: u16,
    pub count: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Receiver {
    pub fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind receiver");
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let port = socket.local_addr().expect("addr").port();
        let count = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (Arc::clone(&count), Arc::clone(&stop));
        let handle = std::thread::spawn(move || {
            let mut buffer = [0u8; 2048];
            while !s.load(Ordering::Relaxed) {
                if let Ok((len, _)) = socket.recv_from(&mut buffer) {
                    // RTCP (payload types 192-223) is not media.
                    if len >= 12 && !(192..=223).contains(&buffer[1]) {
                        c.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
        Self {
            port,
            count,
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}
