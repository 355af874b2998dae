//! Several machines: this process as a member of a cluster of mafalda
//! instances that share a Redis. Redis holds who is live and how loaded
//! (announcements with a time to live), each room's record (its codecs,
//! the instances using it, which instance hosts and which made each
//! producer), and carries the signed messages between instances. What the
//! messages ask for (creating a transport on another machine, piping a
//! producer across) is carried out by the binding's callers; placement
//! over instances is the pure `decide::instances`.

pub mod announce;
pub mod envelope;
pub mod keys;
mod member;
pub mod membership;
pub mod room;

pub use announce::{snapshot, Announcement, WorkerAnnouncement};
pub use member::{runtime, Announce, Counters, Deliver, JoinOptions, Member, RedisTls, HEARTBEAT, TTL};
