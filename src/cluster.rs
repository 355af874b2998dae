//! `mafalda.cluster`'s native half: membership in Redis, signed messages to
//! and from other instances, the room directory, and where the next
//! transport of a room goes. What a message asks for is carried out in JS
//! (lib/cluster/), with the same binding functions a local call uses.

use crate::engine;
use crate::error::{to_napi, type_error, IntoNapi, Result};
use mafalda_core::cluster::{self, Announcement, JoinOptions, Member, RedisTls};
use mafalda_core::instances::InstanceDecision;
use mafalda_core::Error as CoreError;
use napi::bindgen_prelude::{FnArgs, Function, PromiseRaw};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Env;
use napi_derive::napi;
use parking_lot::Mutex;
use std::sync::Arc;

type MessageFn = ThreadsafeFunction<(String, String), (), FnArgs<(String, String)>, napi::Status, false>;

struct Joined {
    member: Arc<Member>,
    // Kept until `leave`: it keeps the Node process alive while joined, as
    // a listening server does.
    _on_message: Arc<MessageFn>,
}

static JOINED: Mutex<Option<Joined>> = Mutex::new(None);

fn member() -> Result<Arc<Member>> {
    JOINED
        .lock()
        .as_ref()
        .map(|joined| joined.member.clone())
        .ok_or_else(|| {
            to_napi(CoreError::invalid_state(
                "not joined to a cluster (call mafalda.cluster.join() first)",
            ))
        })
}

/// Options of `cluster.join()`, checked in JS.
#[napi(object)]
pub struct JsJoinOptions {
    pub redis: String,
    pub address: String,
    pub secret: String,
    pub instance_id: String,
    pub tls: Option<JsRedisTls>,
}

/// PEM texts for `rediss://` (`join({ tls })`).
#[napi(object)]
pub struct JsRedisTls {
    pub ca: Option<String>,
    pub cert: Option<String>,
    pub key: Option<String>,
}

/// Joins the cluster; `on_message(from, body)` receives every accepted
/// message, in arrival order. Resolves with this instance's announcement.
#[napi(catch_unwind)]
pub fn cluster_join<'env>(
    env: &'env Env,
    options: JsJoinOptions,
    on_message: Function<'_, FnArgs<(String, String)>, ()>,
) -> Result<PromiseRaw<'env, String>> {
    if JOINED.lock().is_some() {
        return Err(to_napi(CoreError::invalid_state("already joined to a cluster")));
    }
    let on_message: Arc<MessageFn> = Arc::new(
        on_message
            .build_threadsafe_function::<(String, String)>()
            .callee_handled::<false>()
            .build_callback(|ctx| Ok(FnArgs::from(ctx.value)))?,
    );
    // Weak: the function lives as long as the membership (`JOINED`), not as
    // long as the cluster's tasks hold their closures.
    let deliver = {
        let on_message = Arc::downgrade(&on_message);
        Arc::new(move |from: String, body: String| {
            if let Some(on_message) = on_message.upgrade() {
                on_message.call((from, body), ThreadsafeFunctionCallMode::NonBlocking);
            }
        })
    };
    let options = JoinOptions {
        redis: options.redis,
        address: options.address,
        secret: options.secret,
        instance_id: options.instance_id,
        tls: options.tls.map(|tls| RedisTls {
            ca: tls.ca,
            cert: tls.cert,
            key: tls.key,
        }),
    };
    let (id, address) = (options.instance_id.clone(), options.address.clone());
    let announce =
        Arc::new(move |draining: bool| Announcement::of_pool(engine().pool(), &id, &address, draining));
    let joining = cluster::runtime().spawn(Member::join(options, announce, deliver));
    env.spawn_future(async move {
        let member = joining
            .await
            .map_err(|e| type_error(format!("cluster: join failed: {e}")))?
            .napi()?;
        let text = serde_json::to_string(&member.announcement()).unwrap_or_default();
        let refused = {
            let mut joined = JOINED.lock();
            if joined.is_some() {
                Some(member)
            } else {
                *joined = Some(Joined {
                    member,
                    _on_message: on_message,
                });
                None
            }
        };
        if let Some(member) = refused {
            let _ = cluster::runtime()
                .spawn(async move { member.leave().await })
                .await;
            return Err(to_napi(CoreError::invalid_state("already joined to a cluster")));
        }
        Ok(text)
    })
}

/// Leaves the cluster (a no-op when not joined).
#[napi(catch_unwind)]
pub fn cluster_leave(env: &Env) -> Result<PromiseRaw<'_, ()>> {
    let joined = JOINED.lock().take();
    env.spawn_future(async move {
        if let Some(joined) = joined {
            let member = joined.member.clone();
            let _ = cluster::runtime()
                .spawn(async move { member.leave().await })
                .await;
            drop(joined);
        }
        Ok(())
    })
}

/// Whether this process is joined.
#[napi(catch_unwind)]
pub fn cluster_joined() -> bool {
    JOINED.lock().is_some()
}

/// This instance's announcement (JSON), or null when not joined.
#[napi(catch_unwind)]
pub fn cluster_self() -> Option<String> {
    let member = JOINED.lock().as_ref()?.member.clone();
    serde_json::to_string(&member.announcement()).ok()
}

/// The live instances, read now (JSON array of announcements).
#[napi(catch_unwind)]
pub fn cluster_instances(env: &Env) -> Result<PromiseRaw<'_, String>> {
    let member = member()?;
    env.spawn_future(async move {
        let live = cluster::runtime()
            .spawn(async move { member.instances().await })
            .await
            .map_err(|e| type_error(format!("cluster: {e}")))?
            .napi()?;
        Ok(serde_json::to_string(&live).unwrap_or_default())
    })
}

/// The live instances as last read (at most a heartbeat old), JSON.
#[napi(catch_unwind)]
pub fn cluster_live() -> Result<String> {
    Ok(serde_json::to_string(&member()?.live()).unwrap_or_default())
}

/// Sends `body` to instance `to`, after every message sent before it.
#[napi(catch_unwind)]
pub fn cluster_send(to: String, body: String) -> Result<()> {
    member()?.send(to, body);
    Ok(())
}

/// Records that instance `instance` hosts `producer` of `room`.
#[napi(catch_unwind)]
pub fn cluster_set_home(room: String, producer: String, instance: String) -> Result<()> {
    member()?.set_home(room, producer, instance);
    Ok(())
}

/// Forgets `producer` of `room` in the directory.
#[napi(catch_unwind)]
pub fn cluster_drop_home(room: String, producer: String) -> Result<()> {
    member()?.drop_home(room, producer);
    Ok(())
}

/// Forgets a whole room's directory.
#[napi(catch_unwind)]
pub fn cluster_drop_room(room: String) -> Result<()> {
    member()?.drop_room(room);
    Ok(())
}

/// Records this instance as a user of the room, with the room's codecs
/// (JSON) for instances that open it later by id.
#[napi(catch_unwind)]
pub fn cluster_open_room(room: String, codecs: String) -> Result<()> {
    member()?.open_room(room, codecs);
    Ok(())
}

/// The room's record (JSON: `{ codecs, users, hosts, owners }`).
#[napi(catch_unwind)]
pub fn cluster_room(env: &Env, room: String) -> Result<PromiseRaw<'_, String>> {
    let member = member()?;
    env.spawn_future(async move {
        let record = cluster::runtime()
            .spawn(async move { member.room(&room).await })
            .await
            .map_err(|e| type_error(format!("cluster: {e}")))?
            .napi()?;
        Ok(serde_json::to_string(&record).expect("a room record serializes"))
    })
}

/// Marks this instance as draining (or not).
#[napi(catch_unwind)]
pub fn cluster_set_draining(draining: bool) -> Result<()> {
    member()?.set_draining(draining);
    Ok(())
}

/// Where a room's next transport goes, from this instance's pool and the
/// live instances as last read: `{ "kind": "local" }`, `{ "kind":
/// "instance", "id", "address" }` or `{ "kind": "nowhere" }`. Local when not
/// joined. `room_instances`: the instances the room has parts on (under the
/// `concentrate` policy it stays there while one has room).
#[napi(catch_unwind)]
pub fn cluster_place(room_instances: Option<Vec<String>>) -> String {
    let Some(member) = JOINED.lock().as_ref().map(|joined| joined.member.clone()) else {
        return r#"{"kind":"local"}"#.into();
    };
    let policy = engine().pool().config().policy;
    match member.place(policy, room_instances.as_deref().unwrap_or_default()) {
        (InstanceDecision::Local, _) => r#"{"kind":"local"}"#.into(),
        (InstanceDecision::Delegate(id), chosen) => {
            let address = chosen.map(|a| a.address).unwrap_or_default();
            serde_json::json!({ "kind": "instance", "id": id, "address": address }).to_string()
        }
        (InstanceDecision::Nowhere, _) => r#"{"kind":"nowhere"}"#.into(),
    }
}

/// Messages sent, received and refused (JSON), or null when not joined.
#[napi(catch_unwind)]
pub fn cluster_counters() -> Option<String> {
    let member = JOINED.lock().as_ref()?.member.clone();
    Some(member.counters().to_json().to_string())
}
