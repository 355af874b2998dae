//! Settings: of a virtual worker, of the pool, and the limits and policy
//! placement decides with.

use mediasoup::prelude::*;
use mediasoup::types::sctp_parameters::SctpParameters;
use mediasoup::worker::{WorkerDtlsFiles, WorkerLogLevel, WorkerLogTag};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

/// Settings of a virtual worker. Only the DTLS certificate makes two of them
/// incompatible (see [`WorkerSettings::same_group`]); the rest is applied
/// per virtual worker or to the real worker it starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkerSettings {
    /// Log level of the worker thread.
    pub log_level: WorkerLogLevel,
    /// Log tags of the worker thread.
    pub log_tags: Vec<WorkerLogTag>,
    /// Ports the worker may bind when a listen info gives none.
    pub rtc_port_range: RangeInclusive<u16>,
    /// DTLS certificate and key files (PEM); a fresh certificate when `None`.
    pub dtls_files: Option<(PathBuf, PathBuf)>,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            log_level: WorkerLogLevel::Error,
            log_tags: Vec::new(),
            rtc_port_range: 10000..=59999,
            dtls_files: None,
        }
    }
}

impl WorkerSettings {
    /// Whether two virtual workers may share real workers. The DTLS
    /// certificate is the worker's identity towards peers, so it must
    /// match. The port range is applied per transport instead (to listen
    /// infos that name no port), and log level and tags only change what a
    /// worker would log, so neither splits the pool: splitting it left
    /// `maxWorkers` too small for a handful of distinct settings.
    pub fn same_group(&self, other: &WorkerSettings) -> bool {
        self.dtls_files == other.dtls_files
    }

    pub(crate) fn to_mediasoup(&self) -> mediasoup::worker::WorkerSettings {
        let mut settings = mediasoup::worker::WorkerSettings::default();
        settings.log_level = self.log_level;
        settings.log_tags = self.log_tags.clone();
        settings.rtc_port_range = self.rtc_port_range.clone();
        settings.dtls_files = self
            .dtls_files
            .as_ref()
            .map(|(certificate, private_key)| WorkerDtlsFiles {
                certificate: certificate.clone(),
                private_key: private_key.clone(),
            });
        settings
    }
}

/// How rooms are laid out over workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Fill the busiest worker that still has room before using another one
    /// (cache locality, fewer workers, no pipes). The default.
    #[default]
    Concentrate,
    /// Put new rooms on different workers (machines whose cores are fixed).
    Spread,
}

/// Limits a worker is kept under.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// CPU of one worker thread, in percent of one core, above which the
    /// worker takes no new work while another choice exists.
    pub cpu_watermark: f64,
    /// Consumers a worker may carry before it counts as full.
    pub consumer_budget: u32,
    /// Most real workers the pool may run.
    pub max_workers: usize,
    /// CPU (percent of a core) each recent placement is assumed to add
    /// until the worker's readings show it.
    pub ramp_cpu_per_placement: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cpu_watermark: 60.0,
            consumer_budget: 500,
            max_workers: 1,
            ramp_cpu_per_placement: 2.0,
        }
    }
}

/// Tunables of the pool.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolConfig {
    /// Limits every worker is kept under, and the cap on workers.
    pub limits: Limits,
    /// How rooms are laid out.
    pub policy: Policy,
    /// How long a real worker may carry nothing before it is closed.
    pub idle_worker_timeout: Duration,
    /// How long a pipe with no user is kept, so that a quick re-subscribe
    /// does not churn pipes.
    pub pipe_linger: Duration,
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            limits: Limits {
                max_workers: available_cores(),
                ..Limits::default()
            },
            policy: Policy::default(),
            idle_worker_timeout: Duration::from_secs(30),
            pipe_linger: Duration::from_secs(2),
        }
    }
}

/// A duration in microseconds from the environment variable `name`
/// (`default` when unset or unreadable); `None` when it is zero (off).
pub fn micros_from_env(name: &str, default: u64) -> Option<Duration> {
    let micros = std::env::var(name)
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .unwrap_or(default);
    (micros > 0).then(|| Duration::from_micros(micros))
}

/// Cores this process may run on (`sched_getaffinity` on Linux).
pub fn available_cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// UDP on 127.0.0.1, any port: what pipes between the workers of this
/// process listen on (and what tests and benchmarks use).
pub fn loopback_listen_info() -> ListenInfo {
    ListenInfo {
        protocol: Protocol::Udp,
        ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        announced_address: None,
        expose_internal_ip: false,
        port: None,
        port_range: None,
        flags: None,
        send_buffer_size: None,
        recv_buffer_size: None,
    }
}

/// The SCTP stream counts a transport reports (`numSctpStreams`, as the
/// application asked; mediasoup-node's default is 1024 each way). The
/// worker opens the most streams whatever is asked, so any count asked is
/// available; mediasoup-node reports the asked ones, and so does mafalda.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SctpStreams {
    /// Outgoing streams (`OS`).
    pub os: u16,
    /// Incoming streams (`MIS`).
    pub mis: u16,
}

impl Default for SctpStreams {
    fn default() -> Self {
        Self { os: 1024, mis: 1024 }
    }
}

impl SctpStreams {
    /// Reports these counts in `parameters`.
    pub(crate) fn apply(self, parameters: &mut Option<SctpParameters>) {
        if let Some(parameters) = parameters {
            parameters.os = self.os;
            parameters.mis = self.mis;
        }
    }
}
