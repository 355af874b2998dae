//! `npm run bench:rooms`: the seed's table, measured.
//!
//! For each (peers N, workers W) row, one room of N peers, each sending an
//! audio and a video producer and consuming all the others, is run twice in
//! this process with the same worker build and the same traffic:
//!
//! * eager: EduMeet 3's approach (a router per worker, peers round-robin,
//!   every producer piped to every other router at once);
//! * mafalda: one virtual router, default placement, `maxWorkers = W`.
//!
//! Media rows send real RTP over loopback while peers join one by one (so
//! mafalda's placement sees real CPU) and then measure for a few seconds.
//! Count rows set the room up without media and report counts only.
//!
//!   rooms [--smoke] [--seconds S]

mod rooms;
mod traffic;

use rooms::{cpu_us, Counts, Eager, MafaldaRoom, Room};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use traffic::{Receiver, Sender};

struct Measured {
    counts: Counts,
    cpu_cores: Option<f64>,
    pps: Option<f64>,
    loss: Option<f64>,
}

async fn run<R: Room>(mut room: R, peers: usize, media: bool, seconds: f64) -> Measured {
    let sender = Sender::start();
    let mut receivers = Vec::new();
    let mut sent = Vec::new();
    for i in 0..peers {
        let receiver = Receiver::start();
        let stream = room
            .join(receiver.port, 1_000_000 + i as u32 * 2, 1_000_001 + i as u32 * 2)
            .await;
        if media {
            sent.push(sender.add(stream));
            // Let the readings catch up, as with real joins spread in time.
            tokio::time::sleep(Duration::from_millis(600)).await;
        }
        receivers.push(receiver);
    }
    let counts = room.counts().await;
    if !media {
        return Measured {
            counts,
            cpu_cores: None,
            pps: None,
            loss: None,
        };
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let threads = room.worker_threads();
    let snapshot = |receivers: &[Receiver], sent: &[std::sync::Arc<std::sync::atomic::AtomicU64>]| {
        (
            receivers
                .iter()
                .map(|r| r.count.load(Ordering::Relaxed))
                .collect::<Vec<_>>(),
            sent.iter().map(|s| s.load(Ordering::Relaxed)).collect::<Vec<_>>(),
        )
    };
    let (received0, sent0) = snapshot(&receivers, &sent);
    let cpu0 = cpu_us(&threads);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    let (received1, sent1) = snapshot(&receivers, &sent);
    let cpu1 = cpu_us(&threads);
    let elapsed = t0.elapsed().as_secs_f64();
    drop(sender);
    // Each peer receives what every other peer sent.
    let sent_by: Vec<u64> = sent1.iter().zip(&sent0).map(|(a, b)| a - b).collect();
    let total_sent: u64 = sent_by.iter().sum();
    let expected: u64 = sent_by.iter().map(|s| total_sent - s).sum();
    let received: u64 = received1.iter().zip(&received0).map(|(a, b)| a - b).sum();
    Measured {
        counts,
        cpu_cores: Some((cpu1 - cpu0) as f64 / 1e6 / elapsed),
        pps: Some(received as f64 / elapsed),
        loss: Some(if expected == 0 {
            0.0
        } else {
            100.0 * (1.0 - received as f64 / expected as f64).max(0.0)
        }),
    }
}

fn opt(value: Option<f64>, digits: usize) -> String {
    value
        .map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "-".into(),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smoke = args.iter().any(|a| a == "--smoke");
    let seconds: f64 = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(if smoke { 1.0 } else { 5.0 });
    // (peers, workers, with media)
    let rows: Vec<(usize, usize, bool)> = if smoke {
        vec![(2, 2, true), (3, 2, false)]
    } else {
        let mut rows = Vec::new();
        for peers in [5, 10, 15] {
            for workers in [1, 2, 4] {
                rows.push((peers, workers, true));
            }
        }
        for (peers, workers) in [
            (5, 8),
            (5, 16),
            (10, 8),
            (10, 16),
            (15, 8),
            (15, 16),
            (20, 1),
            (20, 4),
            (20, 16),
            (20, 32),
            (30, 4),
            (30, 16),
            (40, 4),
            (40, 16),
        ] {
            rows.push((peers, workers, false));
        }
        rows
    };
    println!(
        "cores: {}, media window: {seconds} s; CPU = worker threads' CPU time / wall time (cores)",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    println!();
    println!("| peers | producers | workers | strategy | workers used | consumers | pipe consumers | CPU (cores) | forwarded pps | pps / core | loss % | CPU m/e | pipes m/e |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (peers, workers, media) in rows {
        let eager = run(Eager::new(workers).await, peers, media, seconds).await;
        let mafalda = run(MafaldaRoom::new(workers).await, peers, media, seconds).await;
        for (name, m) in [("eager", &eager), ("mafalda", &mafalda)] {
            let per_core = match (m.pps, m.cpu_cores) {
                (Some(p), Some(c)) if c > 0.0 => Some(p / c),
                _ => None,
            };
            let (cpu_ratio, pipe_ratio) = if name == "mafalda" {
                (
                    ratio(mafalda.cpu_cores, eager.cpu_cores),
                    ratio(
                        Some(mafalda.counts.pipe_consumers as f64),
                        Some(eager.counts.pipe_consumers as f64),
                    ),
                )
            } else {
                (String::new(), String::new())
            };
            let saturated = m.loss.is_some_and(|l| l > 5.0);
            println!(
                "| {peers} | {} | {workers} | {name} | {} | {} | {} | {} | {} | {} | {}{} | {cpu_ratio} | {pipe_ratio} |",
                peers * 2,
                m.counts.workers_used,
                m.counts.consumers,
                m.counts.pipe_consumers,
                opt(m.cpu_cores, 3),
                opt(m.pps, 0),
                opt(per_core, 0),
                opt(m.loss, 2),
                if saturated { " (saturated)" } else { "" },
            );
        }
    }
}
