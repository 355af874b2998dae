//! `rtp-load`: a native RTP sender and counting receiver for benchmarks
//! driven from Node (a Node socket cannot read more than ~60k packets/s on
//! a small machine; this reads several hundred thousand).
//!
//! Commands arrive on stdin, one JSON object per line; each gets one JSON
//! line back on stdout:
//!
//! * `{"cmd":"receive","sockets":K,"pollMs":P}` binds K UDP sockets on
//!   127.0.0.1, each read by a thread of its own that counts RTP packets
//!   (not RTCP): `{"ports":[...]}`. Without `pollMs` a thread blocks in
//!   `recvmmsg`, so the kernel wakes it for arriving packets, and the
//!   sender's `sendmsg` pays for that wake-up (an inter-processor interrupt,
//!   expensive in a virtual machine). With `pollMs` it sleeps P ms and then
//!   drains what queued meanwhile: the sender pays what it pays sending to
//!   another machine, which is what a benchmark of the sender wants.
//! * `{"cmd":"send","streams":[{"port":P,"ssrc":S,"pt":100,"pps":1000,
//!   "bytes":100,"video":false}, ...]}` starts sending those streams from
//!   one thread, paced per millisecond: `{"ok":true}`. Another `send` adds
//!   its streams to the ones already flowing.
//! * `{"cmd":"count"}`: `{"sent":N,"received":M}` so far.
//! * `{"cmd":"stop"}` ends the process.

use serde_json::{json, Value};
use std::io::{BufRead, Write};
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
struct Stream {
    port: u16,
    ssrc: u32,
    payload_type: u8,
    pps: u64,
    bytes: usize,
    video: bool,
}

fn packet(s: &Stream, seq: u64) -> Vec<u8> {
    let mut p = Vec::with_capacity(12 + s.bytes);
    p.extend_from_slice(&[0x80, s.payload_type]);
    p.extend_from_slice(&(seq as u16).to_be_bytes());
    // 20 ms of audio at 48 kHz, or a 90 kHz clock for video.
    let step = if s.video { 90_000 / s.pps.max(1) } else { 960 };
    p.extend_from_slice(&((seq * step) as u32).to_be_bytes());
    p.extend_from_slice(&s.ssrc.to_be_bytes());
    if s.video {
        // VP8 descriptor: start of partition 0, key frame, so that every
        // consumer may start at any packet.
        p.extend_from_slice(&[0x10, 0x00, 0x9d, 0x01, 0x2a]);
        p.resize(12 + s.bytes, 0xcd);
    } else {
        p.resize(12 + s.bytes, 0xab);
    }
    p
}

fn stream(value: &Value) -> Option<Stream> {
    Some(Stream {
        port: value["port"].as_u64()? as u16,
        ssrc: value["ssrc"].as_u64()? as u32,
        payload_type: value["pt"].as_u64()? as u8,
        pps: value["pps"].as_u64()?,
        bytes: value["bytes"].as_u64().unwrap_or(100) as usize,
        video: value["video"].as_bool().unwrap_or(false),
    })
}

/// One thread sends every stream, paced per millisecond; streams added
/// later (another `send`) start from their own sequence number 0.
fn start_sender(
    streams: Arc<Mutex<Vec<(Stream, Instant, u64)>>>,
    sent: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) {
    std::thread::spawn(move || {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind sender");
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            for (s, started, done) in streams.lock().expect("streams").iter_mut() {
                let elapsed = now.duration_since(*started).as_micros() as u64;
                while *done < elapsed * s.pps / 1_000_000 {
                    if socket.send_to(&packet(s, *done), ("127.0.0.1", s.port)).is_ok() {
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                    *done += 1;
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    });
}

/// Reads with `recvmmsg` in batches: one system call per up to 64 packets.
fn start_receiver(socket: UdpSocket, received: Arc<AtomicU64>, poll: Option<Duration>) {
    std::thread::spawn(move || {
        const BATCH: usize = 64;
        let fd = socket.as_raw_fd();
        let big: libc::c_int = 8 << 20;
        // SO_RCVBUFFORCE passes net.core.rmem_max (root only); SO_RCVBUF is
        // capped by it. A polling reader needs room for a whole interval.
        for option in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
            // SAFETY: a valid socket and a c_int option value.
            let done = unsafe {
                libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    option,
                    &big as *const _ as *const libc::c_void,
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
            if done == 0 {
                break;
            }
        }
        let flags = if poll.is_some() {
            libc::MSG_DONTWAIT
        } else {
            libc::MSG_WAITFORONE
        };
        let mut buffers = vec![[0u8; 2048]; BATCH];
        let mut iovecs: Vec<libc::iovec> = buffers
            .iter_mut()
            .map(|b| libc::iovec {
                iov_base: b.as_mut_ptr() as *mut libc::c_void,
                iov_len: b.len(),
            })
            .collect();
        // SAFETY: mmsghdr is plain data; zero is a valid empty header.
        let mut headers: Vec<libc::mmsghdr> = (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect();
        for (header, iovec) in headers.iter_mut().zip(iovecs.iter_mut()) {
            header.msg_hdr.msg_iov = iovec;
            header.msg_hdr.msg_iovlen = 1;
        }
        loop {
            // SAFETY: headers point at live buffers owned by this thread.
            let n = unsafe {
                libc::recvmmsg(
                    fd,
                    headers.as_mut_ptr(),
                    BATCH as libc::c_uint,
                    flags,
                    std::ptr::null_mut(),
                )
            };
            if n <= 0 {
                if let Some(interval) = poll {
                    std::thread::sleep(interval);
                }
                continue;
            }
            let mut rtp = 0;
            for (header, buffer) in headers.iter().zip(buffers.iter()).take(n as usize) {
                // RTCP (packet types 192-223) is not media.
                if header.msg_len >= 12 && !(192..=223).contains(&buffer[1]) {
                    rtp += 1;
                }
            }
            received.fetch_add(rtp, Ordering::Relaxed);
        }
    });
}

fn main() {
    let sent = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let streams = Arc::new(Mutex::new(Vec::new()));
    let mut sending = false;
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let command: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        let reply = match command["cmd"].as_str() {
            Some("receive") => {
                let count = command["sockets"].as_u64().unwrap_or(1);
                let poll = command["pollMs"]
                    .as_f64()
                    .filter(|ms| *ms > 0.0)
                    .map(|ms| Duration::from_secs_f64(ms / 1000.0));
                let mut ports = Vec::new();
                for _ in 0..count {
                    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind receiver");
                    ports.push(socket.local_addr().expect("address").port());
                    start_receiver(socket, Arc::clone(&received), poll);
                }
                json!({ "ports": ports })
            }
            Some("send") => {
                let added: Option<Vec<Stream>> = command["streams"]
                    .as_array()
                    .map(|list| list.iter().map(stream).collect())
                    .unwrap_or(None);
                match added {
                    Some(added) => {
                        let now = Instant::now();
                        let mut list = streams.lock().expect("streams");
                        list.extend(added.into_iter().map(|s| (s, now, 0)));
                        if !sending {
                            sending = true;
                            start_sender(Arc::clone(&streams), Arc::clone(&sent), Arc::clone(&stop));
                        }
                        json!({ "ok": true })
                    }
                    None => json!({ "error": "bad streams" }),
                }
            }
            Some("count") => json!({
                "sent": sent.load(Ordering::Relaxed),
                "received": received.load(Ordering::Relaxed),
            }),
            Some("stop") => {
                stop.store(true, Ordering::Relaxed);
                break;
            }
            _ => json!({ "error": format!("unknown command: {line}") }),
        };
        let mut out = stdout.lock();
        let _ = writeln!(out, "{reply}");
        let _ = out.flush();
    }
}
