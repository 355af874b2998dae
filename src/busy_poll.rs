//! Keeps Node's event loop awake for a short while after a worker call
//! starts, so that the answer finds the JS thread running.
//!
//! On a virtual machine, waking a thread whose CPU has gone idle costs
//! tens of microseconds (the hypervisor has to resume the CPU), more than
//! a small call's whole round trip to the worker. A call therefore pays two
//! such wake-ups if the JS thread sleeps while it waits: the worker's CPU,
//! then the JS thread's own. mediasoup-node's JS thread tends to be still
//! busy with its own request when its worker answers; mafalda's is done
//! sooner and went to sleep. While a call is in flight, and at most
//! [`budget`] after the last one started, an idle handle makes the loop
//! poll without blocking: other events are handled as usual, timers fire,
//! and the answer is picked up without a wake-up. Past the budget (a long
//! call, such as a transport's creation under load), the loop sleeps as
//! before.
//!
//! `MAFALDA_BUSY_POLL_US` sets the budget in microseconds (`0` turns this
//! off); read once per process.
//!
//! The functions are Node's own libuv, looked up at run time: the addon
//! also carries the worker's copy of libuv, which must not touch Node's
//! loop.

use napi::sys;
use std::cell::Cell;
use std::ffi::{c_int, c_void, CStr};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The default budget: a small call's round trip on an idle machine, with
/// room to spare.
const DEFAULT_BUDGET_US: u64 = 200;

/// Above this many calls in flight, the loop is left to sleep (see
/// [`BusyPoll::arm`]).
const MAX_IN_FLIGHT: usize = 4;

/// `UV_IDLE` in libuv's `uv_handle_type` (stable across libuv 1.x).
const UV_IDLE: c_int = 6;

type IdleCallback = unsafe extern "C" fn(*mut c_void);

/// The libuv functions used, from the Node executable.
struct Uv {
    handle_size: unsafe extern "C" fn(c_int) -> usize,
    idle_init: unsafe extern "C" fn(*mut c_void, *mut c_void) -> c_int,
    idle_start: unsafe extern "C" fn(*mut c_void, IdleCallback) -> c_int,
    idle_stop: unsafe extern "C" fn(*mut c_void) -> c_int,
    unref: unsafe extern "C" fn(*mut c_void),
    close: unsafe extern "C" fn(*mut c_void, Option<IdleCallback>),
}

fn uv() -> Option<&'static Uv> {
    static UV: OnceLock<Option<Uv>> = OnceLock::new();
    UV.get_or_init(|| {
        // SAFETY: each symbol, if Node exports it, has libuv's documented
        // signature, stable across libuv 1.x.
        unsafe {
            Some(Uv {
                handle_size: function(c"uv_handle_size")?,
                idle_init: function(c"uv_idle_init")?,
                idle_start: function(c"uv_idle_start")?,
                idle_stop: function(c"uv_idle_stop")?,
                unref: function(c"uv_unref")?,
                close: function(c"uv_close")?,
            })
        }
    })
    .as_ref()
}

/// A function of the process's global scope (the executable first):
/// Node's libuv, never the addon's own copy, which is not exported.
///
/// # Safety
/// `F` must be the function pointer type of the symbol `name`.
unsafe fn function<F: Copy>(name: &CStr) -> Option<F> {
    assert_eq!(std::mem::size_of::<F>(), std::mem::size_of::<*mut c_void>());
    // SAFETY: a lookup by a NUL-terminated name.
    let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    // SAFETY: a non-null address of a function of type `F` (the caller's
    // promise), as large as a pointer.
    (!address.is_null()).then(|| unsafe { std::mem::transmute_copy::<*mut c_void, F>(&address) })
}

/// The budget, from `MAFALDA_BUSY_POLL_US`; `None` when off.
fn budget() -> Option<Duration> {
    static BUDGET: OnceLock<Option<Duration>> = OnceLock::new();
    *BUDGET.get_or_init(|| mafalda_core::micros_from_env("MAFALDA_BUSY_POLL_US", DEFAULT_BUDGET_US))
}

/// One environment's idle handle (on its JS thread).
pub(crate) struct BusyPoll {
    uv: &'static Uv,
    budget: Duration,
    /// libuv's `uv_idle_t`, as sized by the running libuv; freed once
    /// libuv let it go after [`BusyPoll::close`], or never (if the loop
    /// never runs again, the process is ending).
    handle: *mut c_void,
}

thread_local! {
    /// Until when the loop of this thread polls without blocking; `None`
    /// once no call is in flight (read by the idle callback).
    static UNTIL: Cell<Option<Instant>> = const { Cell::new(None) };
}

impl BusyPoll {
    /// An idle handle on `env`'s loop, or `None` when turned off or when
    /// Node's libuv is out of reach.
    pub(crate) fn new(env: sys::napi_env) -> Option<Self> {
        let budget = budget()?;
        let uv = uv()?;
        let mut event_loop = std::ptr::null_mut();
        // SAFETY: Node-API call on the JS thread.
        if unsafe { sys::napi_get_uv_event_loop(env, &mut event_loop) } != sys::Status::napi_ok {
            return None;
        }
        // SAFETY: libuv calls on the loop's own thread; the handle is as
        // large as libuv says and 8-byte aligned (`u64` words).
        unsafe {
            let handle = Box::into_raw(vec![0u64; idle_words(uv)].into_boxed_slice()) as *mut c_void;
            if (uv.idle_init)(event_loop.cast(), handle) != 0 {
                free_handle(handle);
                return None;
            }
            // Never keeps the process alive: the calls in flight do.
            (uv.unref)(handle);
            Some(Self { uv, budget, handle })
        }
    }

    /// A call went in flight, `in_flight` are now: keep the loop awake
    /// until the budget ends, unless many are. Then answers keep coming
    /// one after another, the loop has their work to do and seldom sleeps,
    /// and polling between them only takes CPU from the worker threads
    /// (16 `connect()`s in flight, polling throughout: 42-47 thousand per
    /// second, against 50-56 without the poll).
    pub(crate) fn arm(&self, in_flight: usize) {
        if in_flight > MAX_IN_FLIGHT {
            UNTIL.with(|until| until.set(None));
            return;
        }
        UNTIL.with(|until| until.set(Some(Instant::now() + self.budget)));
        // SAFETY: on the loop's thread, the handle is initialised; starting
        // a running handle does nothing.
        unsafe { (self.uv.idle_start)(self.handle, on_idle) };
    }

    /// No call is in flight any more: let the loop sleep.
    pub(crate) fn disarm(&self) {
        UNTIL.with(|until| until.set(None));
    }

    /// Closes the handle (environment teardown).
    pub(crate) fn close(&self) {
        UNTIL.with(|until| until.set(None));
        // SAFETY: on the loop's thread; closing stops the handle, and libuv
        // calls `free_handle` once it let go of it.
        unsafe { (self.uv.close)(self.handle, Some(free_handle)) };
    }
}

/// Each turn of the loop while the handle runs: stops it once the budget is
/// spent or nothing is in flight.
unsafe extern "C" fn on_idle(handle: *mut c_void) {
    let keep = UNTIL.with(|until| until.get().is_some_and(|until| Instant::now() < until));
    if keep {
        // The thread that will answer may be waiting for this CPU (when
        // the process is pinned to one, or every CPU is busy): let it run.
        // SAFETY: a plain system call.
        unsafe { libc::sched_yield() };
    } else if let Some(uv) = uv() {
        // SAFETY: called by libuv on the loop's thread with the handle.
        unsafe { (uv.idle_stop)(handle) };
    }
}

/// The size of libuv's `uv_idle_t`, in `u64` words.
fn idle_words(uv: &Uv) -> usize {
    // SAFETY: a pure query of the running libuv.
    unsafe { (uv.handle_size)(UV_IDLE) }.div_ceil(8)
}

/// Frees a handle made by [`BusyPoll::new`] (libuv's close callback).
unsafe extern "C" fn free_handle(handle: *mut c_void) {
    // Only handles made with `uv()` exist, so it is there.
    let Some(uv) = uv() else { return };
    // SAFETY: allocated by `BusyPoll::new` as `idle_words` u64s.
    drop(unsafe {
        Box::from_raw(std::ptr::slice_from_raw_parts_mut(
            handle as *mut u64,
            idle_words(uv),
        ))
    });
}
