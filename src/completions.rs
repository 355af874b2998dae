//! Promises of worker calls, settled on the JS thread in batches.
//!
//! Each Node environment has one queue of finished calls and one
//! threadsafe function that drains it. A call that finishes on another
//! thread (a worker thread, mostly: see the core's `pool::driven`) pushes
//! its result and wakes the JS thread only if the queue was empty; one
//! wake-up settles every call that finished meanwhile. A call that needs
//! no worker answer (an unknown id, bad arguments) is settled before its
//! binding function returns; one that did settles in a later turn of the
//! loop, wherever it finished.
//!
//! The function keeps Node's event loop alive only while calls are in
//! flight, as a pending request to mediasoup-node's worker does.

use napi::bindgen_prelude::ToNapiValue;
use napi::sys;
use parking_lot::Mutex;
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;

/// Builds the JS value of a result (or the error to reject with).
type Settle = Box<dyn FnOnce(sys::napi_env) -> napi::Result<sys::napi_value> + Send>;

/// A finished call: the promise to settle and how.
struct Completion {
    deferred: Deferred,
    settle: Settle,
}

/// A `napi_deferred`; only ever used on its environment's JS thread.
#[derive(Clone, Copy)]
struct Deferred(sys::napi_deferred);

// SAFETY: the pointer travels with its completion but is dereferenced by
// Node-API calls on the JS thread only (`settle`).
unsafe impl Send for Deferred {}

/// A `napi_threadsafe_function`, callable from any thread until released.
#[derive(Clone, Copy)]
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: Node-API allows `napi_call_threadsafe_function` from any thread.
unsafe impl Send for Tsfn {}

/// What other threads share with an environment.
struct Shared {
    state: Mutex<State>,
}

struct State {
    queue: Vec<Completion>,
    /// `None` once the environment is being torn down.
    tsfn: Option<Tsfn>,
}

impl Shared {
    /// Queues a finished call; wakes the JS thread if it is the first.
    fn push(&self, completion: Completion) {
        let mut state = self.state.lock();
        let Some(tsfn) = state.tsfn else { return };
        state.queue.push(completion);
        if state.queue.len() == 1 {
            // SAFETY: the function is live while `tsfn` is set (the cleanup
            // hook unsets it under this lock before releasing it).
            unsafe {
                sys::napi_call_threadsafe_function(
                    tsfn.0,
                    ptr::null_mut(),
                    sys::ThreadsafeFunctionCallMode::nonblocking,
                )
            };
        }
    }
}

/// The JS thread's side of its environment.
struct Local {
    env: sys::napi_env,
    shared: Arc<Shared>,
    tsfn: Tsfn,
    /// Calls queued from other threads and not yet settled.
    in_flight: Cell<usize>,
    /// Keeps the loop awake while they are (`None` when turned off).
    busy_poll: Option<crate::busy_poll::BusyPoll>,
}

thread_local! {
    static LOCAL: RefCell<Option<Rc<Local>>> = const { RefCell::new(None) };
    /// Set while [`start`] drives a call on this thread: a call finishing
    /// then is settled by `start` itself.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static CAPTURED: RefCell<Option<Settle>> = const { RefCell::new(None) };
}

/// Sets up the calling environment's queue (once per environment).
pub fn init(env: &napi::Env) -> napi::Result<()> {
    if LOCAL.with(|local| local.borrow().is_some()) {
        return Ok(());
    }
    let raw_env = env.raw();
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            queue: Vec::new(),
            tsfn: None,
        }),
    });
    let context = Arc::into_raw(Arc::clone(&shared)) as *mut c_void;
    let mut name = ptr::null_mut();
    let mut tsfn = ptr::null_mut();
    // SAFETY: plain Node-API calls on the JS thread; `context` is an `Arc`
    // given to the function, dropped by `finalize`.
    unsafe {
        check(sys::napi_create_string_utf8(
            raw_env,
            c"mafalda completions".as_ptr(),
            -1,
            &mut name,
        ))?;
        if let Err(error) = check(sys::napi_create_threadsafe_function(
            raw_env,
            ptr::null_mut(),
            ptr::null_mut(),
            name,
            0,
            1,
            context,
            Some(finalize),
            context,
            Some(drain),
            &mut tsfn,
        )) {
            drop(Arc::from_raw(context as *const Shared));
            return Err(error);
        }
        check(sys::napi_unref_threadsafe_function(raw_env, tsfn))?;
    }
    shared.state.lock().tsfn = Some(Tsfn(tsfn));
    LOCAL.with(|local| {
        *local.borrow_mut() = Some(Rc::new(Local {
            env: raw_env,
            shared: Arc::clone(&shared),
            tsfn: Tsfn(tsfn),
            in_flight: Cell::new(0),
            busy_poll: crate::busy_poll::BusyPoll::new(raw_env),
        }))
    });
    // Registered after the function, so it runs before Node finalizes it:
    // calls finishing later are dropped instead of reaching a freed function.
    env.add_env_cleanup_hook(shared, |shared| {
        if let Some(local) = LOCAL.with(|local| local.borrow_mut().take()) {
            if let Some(busy_poll) = &local.busy_poll {
                busy_poll.close();
            }
        }
        if let Some(tsfn) = shared.state.lock().tsfn.take() {
            // SAFETY: released once, on the JS thread, while still live.
            unsafe {
                sys::napi_release_threadsafe_function(tsfn.0, sys::ThreadsafeFunctionReleaseMode::abort)
            };
        }
    })?;
    Ok(())
}

/// A promise for `call`: driven in call order by the core (see
/// `mafalda_core::pool::RequestOrder::run`), settled with its result. Before
/// [`init`] (never, from the JS layer) it falls back to napi-rs's runtime.
pub fn start<'env, T, F>(
    env: &'env napi::Env,
    order: &mafalda_core::pool::RequestOrder,
    call: F,
) -> napi::Result<napi::bindgen_prelude::PromiseRaw<'env, T>>
where
    T: 'static + Send + ToNapiValue,
    F: 'static + Send + std::future::Future<Output = napi::Result<T>>,
{
    let Some(local) = LOCAL.with(|local| local.borrow().clone()) else {
        let started = order.start(call);
        return env.spawn_future(async move { crate::error::IntoNapi::napi(started.await)? });
    };
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    // SAFETY: Node-API call on the JS thread.
    check(unsafe { sys::napi_create_promise(local.env, &mut deferred, &mut promise) })?;
    let shared = Arc::clone(&local.shared);
    let deferred = Deferred(deferred);
    CAPTURING.with(|capturing| capturing.set(true));
    order.run(call, move |result, at_once| {
        let settle: Settle = Box::new(move |env| {
            let value = crate::error::IntoNapi::napi(result).and_then(|result| result)?;
            // SAFETY: called on the JS thread with its live env.
            unsafe { T::to_napi_value(env, value) }
        });
        // A call that needed a worker's answer settles in a later turn of
        // the loop, even if the answer came while it was being started, as
        // an answer through mediasoup-node's pipe does.
        if at_once && CAPTURING.with(Cell::get) {
            CAPTURED.with(|captured| *captured.borrow_mut() = Some(settle));
        } else {
            shared.push(Completion { deferred, settle });
        }
    });
    CAPTURING.with(|capturing| capturing.set(false));
    match CAPTURED.with(|captured| captured.borrow_mut().take()) {
        // SAFETY: on the JS thread, the deferred was created above.
        Some(settle) => unsafe { settle_one(local.env, deferred.0, settle) },
        None => {
            if local.in_flight.get() == 0 {
                // SAFETY: on the JS thread, the function is live.
                unsafe { sys::napi_ref_threadsafe_function(local.env, local.tsfn.0) };
            }
            local.in_flight.set(local.in_flight.get() + 1);
            if let Some(busy_poll) = &local.busy_poll {
                busy_poll.arm(local.in_flight.get());
            }
        }
    }
    Ok(napi::bindgen_prelude::PromiseRaw::new(local.env, promise))
}

/// Settles every queued call (the threadsafe function's callback).
unsafe extern "C" fn drain(
    env: sys::napi_env,
    _js: sys::napi_value,
    context: *mut c_void,
    _data: *mut c_void,
) {
    if env.is_null() || context.is_null() {
        return;
    }
    // SAFETY: `context` is the `Arc<Shared>` the function holds.
    let shared = unsafe { &*(context as *const Shared) };
    let batch = std::mem::take(&mut shared.state.lock().queue);
    let settled = batch.len();
    for completion in batch {
        // SAFETY: on the JS thread of `env`, which created the deferred.
        unsafe { settle_one(env, completion.deferred.0, completion.settle) };
    }
    LOCAL.with(|local| {
        if let Some(local) = local.borrow().as_ref() {
            let left = local.in_flight.get().saturating_sub(settled);
            local.in_flight.set(left);
            if left == 0 {
                // SAFETY: on the JS thread, the function is live.
                unsafe { sys::napi_unref_threadsafe_function(local.env, local.tsfn.0) };
                if let Some(busy_poll) = &local.busy_poll {
                    busy_poll.disarm();
                }
            }
        }
    });
}

/// Resolves or rejects one promise, in a handle scope of its own.
unsafe fn settle_one(env: sys::napi_env, deferred: sys::napi_deferred, settle: Settle) {
    let mut scope = ptr::null_mut();
    // SAFETY (whole function): Node-API calls on the JS thread of `env`.
    unsafe {
        sys::napi_open_handle_scope(env, &mut scope);
        match settle(env) {
            Ok(value) => {
                sys::napi_resolve_deferred(env, deferred, value);
            }
            Err(error) => {
                let reason = pending_exception(env)
                    .or_else(|| napi::Error::to_napi_value(env, error).ok())
                    .unwrap_or(ptr::null_mut());
                sys::napi_reject_deferred(env, deferred, reason);
            }
        }
        sys::napi_close_handle_scope(env, scope);
    }
}

/// A JS exception left pending by a failed conversion, cleared.
unsafe fn pending_exception(env: sys::napi_env) -> Option<sys::napi_value> {
    let mut pending = false;
    // SAFETY: Node-API calls on the JS thread of `env`.
    unsafe {
        sys::napi_is_exception_pending(env, &mut pending);
        if !pending {
            return None;
        }
        let mut exception = ptr::null_mut();
        sys::napi_get_and_clear_last_exception(env, &mut exception);
        Some(exception)
    }
}

unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Arc<Shared>` given at creation, dropped once.
    drop(unsafe { Arc::from_raw(data as *const Shared) });
}

fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            napi::Status::from(status),
            "Node-API call failed",
        ))
    }
}
