//! mafalda's core: mediasoup's object model over a shared pool of real
//! mediasoup workers, with no knowledge of Node.
//!
//! The binding crate (and the Rust tests) drive a [`Mafalda`] value:
//!
//! * [`pool`] owns the real mediasoup workers (threads of this process),
//!   grouped by compatible settings and capped at `max_workers`.
//! * [`placement`] decides, without I/O, where a new room goes: a pure
//!   function over a [`placement::Snapshot`] of loads.
//! * [`negotiation`] decides what consumers negotiate, as mediasoup offers
//!   it (pure rules over capabilities).
//! * The registry owns every strong mediasoup handle (routers, transports,
//!   producers, consumers, data producers and data consumers); everything
//!   outside it refers to objects by id.
//!   Dropping a registry entry closes the mediasoup object, so closing is
//!   explicit, ordered, and never left to a garbage collector.
//! * Events raised by mediasoup (scores, state changes, closures caused by
//!   the worker) are forwarded to one [`EventSink`] as typed [`Event`]s.
//! * [`logs`]: the engine's decisions and the workers' own lines travel as
//!   [`Event::Log`] records too, only for the [`LogSelection`] asked for;
//!   [`metrics`] counts what the engine did and reads the pool from the
//!   registry, never from a worker ([`prometheus`] renders it).
//!
//! Invariants:
//! * no lock of the registry or the pool is held across an `.await`;
//! * mediasoup handles are dropped outside the registry lock, because
//!   mediasoup-rust runs close handlers synchronously on drop and those
//!   handlers may need the lock;
//! * event handlers capture ids and the sink only, never a strong handle, so
//!   no handle keeps itself alive.
#![deny(missing_docs)]

// Layers, lowest first. A module may use the ones above it in this list
// and never one below (`tests/layers.rs` fails otherwise):
//
// * ids, settings, errors, events, logs, counters: what everything names;
// * `decide`: pure decisions (placement, room rules, pipe plans);
// * `pool`: the real workers (effects only; decisions from `decide`);
// * `state`: the registry: entries, lookups, every removal cascade;
// * `engine`: `Mafalda` and its operations, one module per entity.
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

pub use config::{loopback_listen_info, Limits, Policy, PoolConfig, WorkerSettings};
pub use decide::{negotiation, placement};
pub use engine::{
    ConsumerInfo, DataConsumeOptions, DataConsumerInfo, DataProduceOptions, DataProducerInfo, Mafalda,
    ObserverOptions, PoolDump, ProducerInfo, RealRouterDump, RealWorkerDump, ResourceUsage, RouterInfo,
    SubchannelChange, TransportData, TransportInfo, TransportOptions, TransportRemoteParameters, WorkerInfo,
};
pub use error::{Error, ErrorCode, ErrorKind, Result};
pub use events::{Event, EventSink};
pub use ids::{TransportKind, VirtualRouterId, VirtualWorkerId};
pub use logs::{LogCategory, LogLevel, LogRecord, LogSelection};
pub use metrics::Metrics;

/// Re-export of the mediasoup crate, so that users of the core build option
/// types from the same version the core was compiled with.
pub use mediasoup;
