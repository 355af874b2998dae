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

mod consumer;
mod data_consumer;
mod data_dump;
mod data_producer;
mod direct;
mod error;
mod events;
mod import;
mod introspection;
pub mod logs;
mod mafalda;
pub mod metrics;
pub mod negotiation;
mod observer;
mod piping;
pub mod placement;
pub mod pool;
mod producer;
pub mod prometheus;
mod registry;
pub mod router;
mod telemetry;
mod transport;
mod webrtc_server;
mod worker;
mod worker_logs;

pub use consumer::ConsumerInfo;
pub use data_consumer::{DataConsumeOptions, DataConsumerInfo, SubchannelChange};
pub use data_producer::{DataProduceOptions, DataProducerInfo};
pub use error::{Error, ErrorKind, Result};
pub use events::{Event, EventSink};
pub use introspection::{PoolDump, RealRouterDump, RealWorkerDump};
pub use logs::{LogCategory, LogLevel, LogRecord, LogSelection};
pub use mafalda::Mafalda;
pub use metrics::Metrics;
pub use observer::ObserverOptions;
pub use producer::ProducerInfo;
pub use router::RouterInfo;
pub use transport::{
    loopback_listen_info, TransportData, TransportInfo, TransportKind, TransportOptions,
    TransportRemoteParameters,
};
pub use worker::{VirtualWorkerId, WorkerInfo, WorkerSettings};

/// Re-export of the mediasoup crate, so that users of the core build option
/// types from the same version the core was compiled with.
pub use mediasoup;
