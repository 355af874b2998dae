//! This process as a member of a cluster: its announcement kept alive in
//! Redis, its inbox subscribed, its outgoing messages published in the
//! order they were sent, and the live instances as last read.
//!
//! Redis does the tracking: an instance is live while its announcement key
//! is (written every [`HEARTBEAT`] with a time to live of [`TTL`], read back
//! as often, so that a dead instance is noticed at most `TTL + HEARTBEAT`
//! after its last beat; departures and arrivals reach the JS layer as
//! notices from `""`, the empty sender); messages
//! travel over pub/sub, one channel per instance, so an instance needs no
//! port of its own besides its media ports.

use super::announce::{snapshot, Announcement};
use super::envelope::{seal, Opener, Refusal};
use super::keys::Keys;
use super::membership::{Membership, Orphans};
use super::room::{self, RoomRecord};
use crate::config::Policy;
use crate::decide::instances::{place_room_on_instance, InstanceDecision};
use crate::error::{Error, Result};
use futures::StreamExt;
use parking_lot::Mutex;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot, watch};

/// How often an instance rewrites its announcement.
pub const HEARTBEAT: Duration = Duration::from_millis(500);
/// How long an announcement lives without being rewritten.
pub const TTL: Duration = Duration::from_millis(2500);
/// How long a message may wait to be sent (Redis away) before it is dropped.
const MAX_QUEUED: Duration = Duration::from_secs(4);
/// Tries again to reach a live instance with no subscribed inbox.
const RESEND_TRIES: u32 = 3;
const RESEND_PAUSE: Duration = Duration::from_millis(100);
/// How often, in heartbeats, the sets of rooms in Redis are swept for
/// instances that died with nobody live to take them out of their rooms
/// (`membership::Orphans`).
const SWEEP_EVERY: u32 = 10;
/// How long one write to Redis may take.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long connecting to Redis may take before `join` gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How to join.
#[derive(Debug, Clone)]
pub struct JoinOptions {
    /// `redis://` or `rediss://` URL (a password in it is used).
    pub redis: String,
    /// The IP this instance is reached at by the others and by clients of
    /// the transports delegated to it.
    pub address: String,
    /// Shared by the cluster: names its keys and signs its messages.
    pub secret: String,
    /// This instance's id.
    pub instance_id: String,
    /// For `rediss://`: certificates in PEM, when the system's roots do
    /// not vouch for the server or the server asks for a client's.
    pub tls: Option<RedisTls>,
}

/// PEM texts for a `rediss://` connection.
#[derive(Debug, Clone, Default)]
pub struct RedisTls {
    /// The authority that signed the server's certificate.
    pub ca: Option<String>,
    /// A client certificate (Redis with `tls-auth-clients`).
    pub cert: Option<String>,
    /// The client certificate's private key.
    pub key: Option<String>,
}

/// A client for `options`: certificates given are used in place of the
/// system's roots (and as this client's identity).
fn client_for(options: &JoinOptions) -> Result<redis::Client> {
    let invalid = |e: redis::RedisError| {
        Error::type_error(format!(
            "invalid redis URL {}: {e}",
            without_password(&options.redis)
        ))
    };
    let Some(tls) = &options.tls else {
        return redis::Client::open(options.redis.as_str()).map_err(invalid);
    };
    if !options.redis.starts_with("rediss://") {
        return Err(Error::type_error(
            "tls is given, so redis must be a rediss:// URL",
        ));
    }
    let client_tls = match (&tls.cert, &tls.key) {
        (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
            client_cert: cert.as_bytes().to_vec(),
            client_key: key.as_bytes().to_vec(),
        }),
        (None, None) => None,
        _ => return Err(Error::type_error("tls.cert and tls.key go together")),
    };
    let certificates = redis::TlsCertificates {
        client_tls,
        root_cert: tls.ca.as_ref().map(|ca| ca.as_bytes().to_vec()),
    };
    redis::Client::build_with_tls(options.redis.as_str(), certificates).map_err(|e| {
        Error::type_error(format!(
            "invalid TLS settings for {}: {e}",
            without_password(&options.redis)
        ))
    })
}

/// Called with (sender id, body) for every message accepted, in arrival
/// order, on the cluster's thread.
pub type Deliver = Arc<dyn Fn(String, String) + Send + Sync>;
/// Gives this instance's current announcement (`true`: draining).
pub type Announce = Arc<dyn Fn(bool) -> Announcement + Send + Sync>;

/// Messages received and refused, by reason.
#[derive(Debug, Default)]
pub struct Counters {
    sent: AtomicU64,
    dropped: AtomicU64,
    received: AtomicU64,
    bad_mac: AtomicU64,
    stale: AtomicU64,
    replayed: AtomicU64,
    unknown_sender: AtomicU64,
    malformed: AtomicU64,
}

impl Counters {
    fn refused(&self, refusal: Refusal) {
        let counter = match refusal {
            Refusal::BadMac => &self.bad_mac,
            Refusal::Stale => &self.stale,
            Refusal::Replayed => &self.replayed,
            Refusal::Malformed | Refusal::Misdirected => &self.malformed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// As JSON for `mafalda.dump().cluster`.
    pub fn to_json(&self) -> serde_json::Value {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        serde_json::json!({
            "sent": get(&self.sent),
            "dropped": get(&self.dropped),
            "received": get(&self.received),
            "refused": {
                "badMac": get(&self.bad_mac),
                "stale": get(&self.stale),
                "replayed": get(&self.replayed),
                "unknownSender": get(&self.unknown_sender),
                "malformed": get(&self.malformed),
            }
        })
    }
}

enum Outgoing {
    Publish {
        to: String,
        body: String,
        queued: Instant,
    },
    SetHome {
        room: String,
        producer: String,
        instance: String,
    },
    DropHome {
        room: String,
        producer: String,
    },
    OpenRoom {
        room: String,
        codecs: String,
    },
    LeaveRoom {
        room: String,
        instance: String,
    },
    ForgetInstance {
        instance: String,
    },
    Flush(oneshot::Sender<()>),
}

/// The runtime the cluster's I/O runs on: one thread, for the process's
/// life (a runtime cannot be dropped from inside another's task, which is
/// where `leave` is awaited).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("mafalda-cluster")
            .enable_all()
            .build()
            .expect("the cluster's runtime starts")
    })
}

/// A joined instance.
pub struct Member {
    id: String,
    address: String,
    keys: Keys,
    secret: String,
    conn: ConnectionManager,
    outbox: mpsc::UnboundedSender<Outgoing>,
    live: Arc<Mutex<Vec<Announcement>>>,
    // Placements sent to each instance since its announcement was last read.
    recent: Mutex<HashMap<String, u32>>,
    draining: Arc<AtomicBool>,
    stop: watch::Sender<bool>,
    counters: Arc<Counters>,
    announce: Announce,
    deliver: Deliver,
    membership: Mutex<Membership>,
    orphans: Mutex<Orphans>,
    redis_up: AtomicBool,
    // The inbox is subscribed: until it is (again), this instance does not
    // announce itself, so nobody sends it what it would not receive.
    subscribed: AtomicBool,
    // Held while an announcement is written, so that `leave` removes it
    // only after the last write.
    beating: tokio::sync::Mutex<()>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn redis_error(redis: &str, error: impl std::fmt::Display) -> Error {
    Error::failed(format!(
        "cluster: cannot reach Redis at {}: {error}",
        without_password(redis)
    ))
}

/// The URL with any password masked, for messages.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}***{}", &url[..scheme + 3], &url[at..]),
        _ => url.to_owned(),
    }
}

impl Member {
    /// Connects, announces this instance, subscribes its inbox and starts
    /// the heartbeat. Runs on [`runtime`].
    pub async fn join(options: JoinOptions, announce: Announce, deliver: Deliver) -> Result<Arc<Member>> {
        if options.instance_id.is_empty() || options.instance_id.contains(['*', ':', ' ']) {
            return Err(Error::type_error(
                "instanceId must be a non-empty string without '*', ':' or spaces",
            ));
        }
        if options.address.parse::<std::net::IpAddr>().is_err() {
            return Err(Error::type_error(format!(
                "address must be an IP address, got {:?}",
                options.address
            )));
        }
        if options.secret.is_empty() {
            return Err(Error::type_error("secret must be a non-empty string"));
        }
        let client = client_for(&options)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(CONNECT_TIMEOUT))
            .set_number_of_retries(2);
        let mut conn =
            tokio::time::timeout(CONNECT_TIMEOUT, client.get_connection_manager_with_config(config))
                .await
                .map_err(|_| redis_error(&options.redis, "timed out"))?
                .map_err(|e| redis_error(&options.redis, e))?;
        let _: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error(&options.redis, e))?;
        let keys = Keys::new(&options.secret);
        let mut pubsub = tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub())
            .await
            .map_err(|_| redis_error(&options.redis, "timed out"))?
            .map_err(|e| redis_error(&options.redis, e))?;
        pubsub
            .subscribe(keys.inbox(&options.instance_id))
            .await
            .map_err(|e| redis_error(&options.redis, e))?;
        let (outbox, outgoing) = mpsc::unbounded_channel();
        let (stop, stopped) = watch::channel(false);
        let member = Arc::new(Member {
            id: options.instance_id.clone(),
            address: options.address.clone(),
            keys,
            secret: options.secret.clone(),
            conn,
            outbox,
            live: Arc::default(),
            recent: Mutex::default(),
            draining: Arc::default(),
            stop,
            counters: Arc::default(),
            announce,
            deliver: deliver.clone(),
            membership: Mutex::default(),
            orphans: Mutex::default(),
            redis_up: AtomicBool::new(true),
            subscribed: AtomicBool::new(true),
            beating: tokio::sync::Mutex::new(()),
        });
        member.beat().await?;
        member.refresh().await?;
        let rt = runtime();
        rt.spawn(member.clone().heartbeat(stopped.clone()));
        rt.spawn(member.clone().publish(outgoing, stopped.clone()));
        rt.spawn(member.clone().receive(client, pubsub, deliver, stopped));
        Ok(member)
    }

    /// This instance's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// This instance's address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Marks the instance as taking no new work (announced at the next
    /// heartbeat).
    pub fn set_draining(&self, draining: bool) {
        self.draining.store(draining, Ordering::SeqCst);
    }

    /// Messages sent and received, refusals by reason.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Publishes `body` to instance `to`, after everything sent before.
    pub fn send(&self, to: String, body: String) {
        let _ = self.outbox.send(Outgoing::Publish {
            to,
            body,
            queued: Instant::now(),
        });
    }

    /// Records in the room's directory that `instance` hosts `producer`.
    pub fn set_home(&self, room: String, producer: String, instance: String) {
        let _ = self.outbox.send(Outgoing::SetHome {
            room,
            producer,
            instance,
        });
    }

    /// Removes `producer` from the room's directory.
    pub fn drop_home(&self, room: String, producer: String) {
        let _ = self.outbox.send(Outgoing::DropHome { room, producer });
    }

    /// Records this instance as a user of the room (and the room's codecs,
    /// if it is the first).
    pub fn open_room(&self, room: String, codecs: String) {
        let _ = self.outbox.send(Outgoing::OpenRoom { room, codecs });
    }

    /// This instance stops using the room: its producers leave the room's
    /// record, and the record goes with its last user.
    pub fn drop_room(&self, room: String) {
        let instance = self.id.clone();
        let _ = self.outbox.send(Outgoing::LeaveRoom { room, instance });
    }

    /// The room's record as Redis holds it.
    pub async fn room(&self, room: &str) -> Result<RoomRecord> {
        let mut conn = self.conn.clone();
        let fields: Vec<(String, String)> = conn
            .hgetall(self.keys.room(room))
            .await
            .map_err(|e| Error::failed(format!("cluster: Redis: {e}")))?;
        Ok(RoomRecord::from_fields(fields))
    }

    /// The live instances as last read (at most a heartbeat old).
    pub fn live(&self) -> Vec<Announcement> {
        self.live.lock().clone()
    }

    /// Where a room's next transport goes, from this instance's pool and
    /// the live instances as last read; a delegation is counted against
    /// the chosen instance until its next announcement is read.
    /// `room_instances`: the instances the room has parts on already.
    pub fn place(
        &self,
        policy: Policy,
        room_instances: &[String],
    ) -> (InstanceDecision, Option<Announcement>) {
        let live = self.live();
        let decision = {
            let mut recent = self.recent.lock();
            let decision = place_room_on_instance(
                &snapshot(&self.announcement(), &live, &recent),
                policy,
                room_instances,
            );
            if let InstanceDecision::Delegate(id) = &decision {
                *recent.entry(id.clone()).or_insert(0) += 1;
            }
            decision
        };
        let chosen = match &decision {
            InstanceDecision::Delegate(id) => live.into_iter().find(|a| &a.id == id),
            _ => None,
        };
        (decision, chosen)
    }

    /// Reads the live instances now.
    pub async fn instances(&self) -> Result<Vec<Announcement>> {
        self.refresh().await?;
        Ok(self.live())
    }

    /// This instance's announcement as it would be written now.
    pub fn announcement(&self) -> Announcement {
        (self.announce)(self.draining.load(Ordering::SeqCst))
    }

    /// Stops announcing and receiving, sends what is queued, and removes
    /// the announcement: the others stop seeing this instance at once.
    pub async fn leave(&self) -> Result<()> {
        let (done, flushed) = oneshot::channel();
        if self.outbox.send(Outgoing::Flush(done)).is_ok() {
            let _ = tokio::time::timeout(CONNECT_TIMEOUT, flushed).await;
        }
        let _ = self.stop.send(true);
        let _beating = self.beating.lock().await;
        let mut conn = self.conn.clone();
        let _: redis::RedisResult<()> = conn.del(self.keys.instance(&self.id)).await;
        Ok(())
    }

    async fn beat(&self) -> Result<()> {
        let _beating = self.beating.lock().await;
        if *self.stop.borrow() {
            return Ok(());
        }
        let text = serde_json::to_string(&self.announcement()).expect("an announcement serializes");
        let mut conn = self.conn.clone();
        let _: () = conn
            .pset_ex(self.keys.instance(&self.id), text, TTL.as_millis() as u64)
            .await
            .map_err(|e| Error::failed(format!("cluster: Redis: {e}")))?;
        Ok(())
    }

    async fn refresh(&self) -> Result<()> {
        let mut conn = self.conn.clone();
        let keys: Vec<String> = {
            let mut iter = conn
                .scan_match::<_, String>(self.keys.instances_pattern())
                .await
                .map_err(|e| Error::failed(format!("cluster: Redis: {e}")))?;
            let mut keys = Vec::new();
            while let Some(key) = iter.next_item().await {
                keys.push(key.map_err(|e| Error::failed(format!("cluster: Redis: {e}")))?);
            }
            keys
        };
        let mut live: Vec<Announcement> = if keys.is_empty() {
            Vec::new()
        } else {
            let values: Vec<Option<String>> = conn
                .mget(&keys)
                .await
                .map_err(|e| Error::failed(format!("cluster: Redis: {e}")))?;
            values
                .into_iter()
                .flatten()
                .filter_map(|text| serde_json::from_str(&text).ok())
                .collect()
        };
        live.sort_by(|a, b| a.id.cmp(&b.id));
        let change = self.membership.lock().read(
            Instant::now(),
            live.iter().filter(|a| a.id != self.id).map(|a| a.id.as_str()),
        );
        *self.live.lock() = live;
        self.recent.lock().clear();
        for id in change.came {
            (self.deliver)(
                String::new(),
                serde_json::json!({ "t": "came", "id": id }).to_string(),
            );
        }
        for id in change.gone {
            // Every survivor does it; leaving a room twice is harmless.
            let _ = self
                .outbox
                .send(Outgoing::ForgetInstance { instance: id.clone() });
            (self.deliver)(
                String::new(),
                serde_json::json!({ "t": "gone", "id": id }).to_string(),
            );
        }
        Ok(())
    }

    async fn heartbeat(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut beats: u32 = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.changed() => return,
            }
            if *stopped.borrow() {
                return;
            }
            // A failed beat is retried at the next tick: Redis may be back.
            let up = self.subscribed.load(Ordering::SeqCst)
                && self.beat().await.is_ok()
                && self.refresh().await.is_ok();
            beats = beats.wrapping_add(1);
            // A failed sweep is a failed reading too: its absences count
            // from after it, and departures wait out the grace.
            let read = up && (!beats.is_multiple_of(SWEEP_EVERY) || self.sweep().await.is_ok());
            if !read {
                self.membership.lock().failed(Instant::now());
                self.orphans.lock().failed();
            }
            if up != self.redis_up.swap(up, Ordering::SeqCst) {
                // Back after an outage: the JS layer writes its directory
                // again (writes made meanwhile were lost).
                (self.deliver)(
                    String::new(),
                    serde_json::json!({ "t": "redis", "up": up }).to_string(),
                );
            }
        }
    }

    async fn publish(
        self: Arc<Self>,
        mut outgoing: mpsc::UnboundedReceiver<Outgoing>,
        mut stopped: watch::Receiver<bool>,
    ) {
        let mut conn = self.conn.clone();
        loop {
            // Ends with the membership (`leave` flushes first): the task
            // holds the member, whose sender would keep it waiting forever.
            let message = tokio::select! {
                message = outgoing.recv() => message,
                _ = stopped.changed() => return,
            };
            let Some(message) = message else { return };
            let result: redis::RedisResult<()> = match message {
                Outgoing::Publish { to, body, queued } => {
                    // Queued while Redis was away for longer than a request
                    // waits for its answer: the caller has given up, and a
                    // late request must not act behind its back.
                    if queued.elapsed() > MAX_QUEUED {
                        self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let text = seal(&self.secret, &self.id, &to, now_ms(), body);
                    self.deliver_to(&mut conn, &to, &text).await.inspect_err(|_| {
                        self.counters.dropped.fetch_add(1, Ordering::Relaxed);
                    })
                }
                Outgoing::SetHome {
                    room,
                    producer,
                    instance,
                } => {
                    let owner = room::owner_field(&producer);
                    conn.hset_multiple(
                        self.keys.room(&room),
                        &[(producer, instance), (owner, self.id.clone())],
                    )
                    .await
                }
                Outgoing::DropHome { room, producer } => {
                    let owner = room::owner_field(&producer);
                    conn.hdel(self.keys.room(&room), &[producer, owner]).await
                }
                Outgoing::OpenRoom { room, codecs } => {
                    let key = self.keys.room(&room);
                    redis::pipe()
                        .hset_nx(&key, room::CODECS, codecs)
                        .ignore()
                        .hset(&key, room::user_field(&self.id), 1)
                        .ignore()
                        .sadd(self.keys.rooms_of(&self.id), &room)
                        .ignore()
                        .exec_async(&mut conn)
                        .await
                }
                Outgoing::LeaveRoom { room, instance } => self.leave_room(&mut conn, &room, &instance).await,
                Outgoing::ForgetInstance { instance } => self.forget_instance(&mut conn, &instance).await,
                Outgoing::Flush(done) => {
                    let _ = done.send(());
                    Ok(())
                }
            };
            if let Err(error) = result {
                log::warn!(target: "mafalda::cluster", "cluster: Redis write failed: {error}");
            }
        }
    }

    /// Takes instances that died with nobody live to see it (see
    /// `membership::Orphans`) out of their rooms, as the survivors of an
    /// instance do when it goes.
    async fn sweep(&self) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        let mut holders = Vec::new();
        {
            let mut iter = conn.scan_match::<_, String>(self.keys.rooms_of_pattern()).await?;
            while let Some(key) = iter.next_item().await {
                if let Some(instance) = self.keys.rooms_of_instance(&key?) {
                    holders.push(instance.to_owned());
                }
            }
        }
        let live: Vec<String> = self.live.lock().iter().map(|a| a.id.clone()).collect();
        let orphaned = self.orphans.lock().sweep(
            Instant::now(),
            holders.iter().map(String::as_str),
            live.iter().map(String::as_str).chain([self.id.as_str()]),
        );
        for instance in orphaned {
            log::info!(
                target: "mafalda::cluster",
                "cluster: instance {instance} still uses rooms but has not been announced for {} s: taking it out of them",
                super::membership::ORPHANED_AFTER.as_secs()
            );
            let _ = self.outbox.send(Outgoing::ForgetInstance { instance });
        }
        Ok(())
    }

    async fn leave_room(
        &self,
        conn: &mut ConnectionManager,
        room: &str,
        instance: &str,
    ) -> redis::RedisResult<()> {
        let _left: i64 = redis::Script::new(room::LEAVE_SCRIPT)
            .key(self.keys.room(room))
            .key(self.keys.rooms_of(instance))
            .arg(instance)
            .arg(room)
            .invoke_async(conn)
            .await?;
        Ok(())
    }

    /// A gone instance leaves every room it used (its producers with it):
    /// the rooms its set names, not every room of the cluster.
    async fn forget_instance(&self, conn: &mut ConnectionManager, instance: &str) -> redis::RedisResult<()> {
        let rooms: Vec<String> = conn.smembers(self.keys.rooms_of(instance)).await?;
        for room in rooms {
            self.leave_room(conn, &room, instance).await?;
        }
        conn.del(self.keys.rooms_of(instance)).await
    }

    /// Publishes `text` to `to`'s inbox. A live instance whose inbox has no
    /// subscriber right now (it is subscribing again after Redis came
    /// back) is given a few tries, briefly: the outbox is ordered, so a
    /// dead one must not hold it up.
    async fn deliver_to(&self, conn: &mut ConnectionManager, to: &str, text: &str) -> redis::RedisResult<()> {
        let channel = self.keys.inbox(to);
        for attempt in 0..=RESEND_TRIES {
            let receivers: i64 = match tokio::time::timeout(WRITE_TIMEOUT, conn.publish(&channel, text)).await
            {
                Ok(result) => result?,
                Err(_) => return Err(redis::RedisError::from((redis::ErrorKind::Io, "timed out"))),
            };
            if receivers > 0 {
                self.counters.sent.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
            let live = self.live.lock().iter().any(|a| a.id == to);
            if !live || attempt == RESEND_TRIES {
                break;
            }
            tokio::time::sleep(RESEND_PAUSE).await;
        }
        Err(redis::RedisError::from((
            redis::ErrorKind::Io,
            "no instance listens",
        )))
    }

    async fn receive(
        self: Arc<Self>,
        client: redis::Client,
        mut pubsub: redis::aio::PubSub,
        deliver: Deliver,
        mut stopped: watch::Receiver<bool>,
    ) {
        let mut opener = Opener::default();
        loop {
            {
                let mut messages = pubsub.on_message();
                loop {
                    let message = tokio::select! {
                        message = messages.next() => message,
                        _ = stopped.changed() => return,
                    };
                    let Some(message) = message else { break };
                    self.accept(&mut opener, &message, &deliver).await;
                }
            }
            // The connection dropped (Redis restarted or unreachable):
            // subscribe again once it answers.
            self.subscribed.store(false, Ordering::SeqCst);
            pubsub = loop {
                tokio::select! {
                    _ = tokio::time::sleep(HEARTBEAT) => {}
                    _ = stopped.changed() => return,
                }
                if let Ok(Ok(mut pubsub)) =
                    tokio::time::timeout(CONNECT_TIMEOUT, client.get_async_pubsub()).await
                {
                    if pubsub.subscribe(self.keys.inbox(&self.id)).await.is_ok() {
                        self.subscribed.store(true, Ordering::SeqCst);
                        break pubsub;
                    }
                }
            };
        }
    }

    async fn accept(&self, opener: &mut Opener, message: &redis::Msg, deliver: &Deliver) {
        let Ok(text) = message.get_payload::<String>() else {
            self.counters.malformed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let envelope = match opener.open(&self.secret, &self.id, now_ms(), &text) {
            Ok(envelope) => envelope,
            Err(refusal) => {
                self.counters.refused(refusal);
                return;
            }
        };
        if !self.is_member(&envelope.from).await {
            self.counters.unknown_sender.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.counters.received.fetch_add(1, Ordering::Relaxed);
        deliver(envelope.from, envelope.body);
    }

    /// Whether `id` is a live instance: in the last reading, or announced
    /// since (an instance that just joined).
    async fn is_member(&self, id: &str) -> bool {
        if id == self.id || self.live.lock().iter().any(|a| a.id == id) {
            return true;
        }
        let mut conn = self.conn.clone();
        conn.exists(self.keys.instance(id)).await.unwrap_or(false)
    }
}
