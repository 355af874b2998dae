//! mafalda's core: mediasoup's object model over a shared pool of real
//! mediasoup workers, with no knowledge of Node.
//!
//! The binding crate (and the Rust tests) drive a [`Mafalda`] value. Its
//! modules form layers, each using only the ones below it (`tests/layers.rs`
//! fails on an import that points up):
//!
//! * ids, settings ([`PoolConfig`], [`WorkerSettings`]), [`Error`]s with a
//!   stable [`ErrorCode`], typed [`Event`]s, [`logs`], [`metrics`] and
//!   [`prometheus`]: what everything names;
//! * [`placement`], [`negotiation`], room rules and pipe plans: pure
//!   decisions over snapshots, with no handle, clock, lock or I/O;
//! * [`pool`]: the real mediasoup workers (threads of this process),
//!   grouped by compatible settings and capped at `max_workers`; it carries
//!   decisions out and never decides;
//! * the registry (`state/`): the one owner of every strong mediasoup handle
//!   (routers, transports, producers, consumers, data producers and data
//!   consumers) and of every removal cascade. Entries name *where* things
//!   live (a location: real worker and real router); the handles behind a
//!   location are looked up where an effect needs them. Dropping an entry
//!   closes the mediasoup object, so closing is explicit, ordered, and never
//!   left to a garbage collector;
//! * the engine (`engine/`): [`Mafalda`] and its operations, one module per
//!   entity. It reaches three things through seams with one local
//!   implementation each, which is where several machines plug in: a
//!   directory of where (data) producers live, the link that joins two real
//!   routers for pipes, and the route of each room's events to an
//!   [`EventSink`].
//!
//! Invariants:
//! * no lock of the registry or the pool is held across an `.await`;
//! * lock order: a room's (or a WebRtcServer's) `grow` lock, then the
//!   registry, then the pool; the pool never takes the registry, and
//!   nothing takes the registry while holding the pool;
//! * mediasoup handles are dropped outside the registry lock, because
//!   mediasoup-rust runs close handlers synchronously on drop and those
//!   handlers may need the lock;
//! * event handlers capture ids and the sink only, never a strong handle, so
//!   no handle keeps itself alive.
#![deny(missing_docs)]

// Layers, lowest first (their exact order is `LAYERS` in
// `tests/layers.rs`, which fails on an import pointing up):
//
// * the allocator; ids, settings, errors, events, logs, counters: what
//   everything names;
// * `decide`: pure decisions (placement, room rules, pipe plans);
// * `pool`: the real workers (effects only; decisions from `decide`);
// * `state`: the registry: entries, lookups, every removal cascade;
// * `engine`: `Mafalda` and its operations, one module per entity.
pub mod alloc;
pub mod cluster;
mod config;
mod decide;
mod engine;
mod error;
mod events;
mod ids;
mod json;
pub mod logs;
pub mod metrics;
pub mod pool;
pub mod prometheus;
mod state;
mod telemetry;

pub use config::{
    loopback_listen_info, micros_from_env, Limits, Policy, PoolConfig, SctpStreams, WorkerSettings,
};
pub use decide::{instances, negotiation, placement};
pub use engine::{
    Connected, ConsumerInfo, DataConsumeOptions, DataConsumerInfo, DataProduceOptions, DataProducerInfo,
    Mafalda, ObserverOptions, PoolDump, ProducerInfo, RealRouterDump, RealWorkerDump, ResourceUsage,
    RouterInfo, SubchannelChange, TransportData, TransportInfo, TransportOptions, TransportRemoteParameters,
    TransportStats, WorkerInfo,
};
pub use error::{Error, ErrorCode, ErrorKind, Result};
pub use events::{Event, EventSink};
pub use ids::{TransportKind, VirtualRouterId, VirtualWorkerId};
pub use logs::{LogCategory, LogLevel, LogRecord, LogSelection};
pub use metrics::Metrics;

/// Re-export of the mediasoup crate, so that users of the core build option
/// types from the same version the core was compiled with.
pub use mediasoup;
