//! Keeps a worker thread's loop awake for a short while after it answered
//! a call, so that the next request finds it running.
//!
//! A signalling handler makes its calls one after another: the next request
//! comes some tens of microseconds after the answer to the last. Sleeping
//! in between, the worker thread's CPU goes idle, and on a virtual machine
//! waking an idle CPU costs about as much as the whole call (the requester
//! spends 14-18 µs in the `write()` that wakes it and the request is read
//! 35-49 µs later). So for [`budget`] after each answer an idle handle
//! makes the worker's loop poll without blocking: media, timers and
//! requests are handled as in any turn of the loop, only without sleeping
//! in between, and each turn gives the CPU to any other thread that wants
//! it (`sched_yield`). The JS side does the same while its calls are in
//! flight (the binding's `busy_poll`).
//!
//! The handle is referenced while it runs and closed when the budget is
//! spent, so that a worker closing meanwhile finds its loop free of it
//! (mediasoup closes its loop once no handle is left) at most one budget
//! later.
//!
//! The functions are the worker's own libuv (linked with mediasoup-sys, and
//! not exported by the addon), on the loop mediasoup runs on this thread.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The default budget: the JS side's turn from one answer to the next
/// request of a sequence (tens of microseconds), not a whole round trip:
/// a worker pays it in full after an answer nothing follows.
const DEFAULT_BUDGET_US: u64 = 50;

/// `UV_IDLE` in libuv's `uv_handle_type` (stable across libuv 1.x).
const UV_IDLE: c_int = 6;

type HandleCallback = unsafe extern "C" fn(*mut c_void);

#[cfg(target_os = "linux")]
extern "C" {
    /// `src/pool/worker_hooks.c`: this thread's mediasoup loop, or null.
    fn mafalda_worker_loop() -> *mut c_void;
}

/// Elsewhere the loop is not looked for: no poll.
#[cfg(not(target_os = "linux"))]
unsafe fn mafalda_worker_loop() -> *mut c_void {
    std::ptr::null_mut()
}

extern "C" {
    fn uv_handle_size(kind: c_int) -> usize;
    fn uv_idle_init(event_loop: *mut c_void, handle: *mut c_void) -> c_int;
    fn uv_idle_start(handle: *mut c_void, callback: HandleCallback) -> c_int;
    fn uv_close(handle: *mut c_void, callback: Option<HandleCallback>);
}

/// The budget, from `MAFALDA_WORKER_POLL_US` (microseconds; `0` turns
/// this off); read once per process.
fn budget() -> Option<Duration> {
    static BUDGET: OnceLock<Option<Duration>> = OnceLock::new();
    *BUDGET.get_or_init(|| crate::config::micros_from_env("MAFALDA_WORKER_POLL_US", DEFAULT_BUDGET_US))
}

/// Turns of worker loops with the idle handle running, in this process.
static POLLED_TURNS: AtomicU64 = AtomicU64::new(0);

/// How many turns worker loops have made with the idle handle running (the
/// last one of each poll included) so far: a test reads it to see that an
/// answer arms the poll, which nothing else shows (its only effect is on
/// timing).
#[doc(hidden)]
pub fn polled_turns() -> u64 {
    POLLED_TURNS.load(Ordering::Relaxed)
}

thread_local! {
    /// This worker thread's running idle handle, or null.
    static HANDLE: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
    /// Until when its loop polls without blocking.
    static UNTIL: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The worker on this thread answered a call: keep its loop polling for
/// the budget. Called on a worker thread, from inside its loop.
pub(crate) fn arm() {
    let Some(budget) = budget() else { return };
    UNTIL.with(|until| until.set(Some(Instant::now() + budget)));
    if !HANDLE.with(Cell::get).is_null() {
        return;
    }
    // SAFETY: on a worker thread inside its loop (the caller's promise), so
    // the loop is this thread's and live; the handle is as large as libuv
    // says and 8-byte aligned, and freed only by libuv's close callback.
    unsafe {
        let event_loop = mafalda_worker_loop();
        if event_loop.is_null() {
            return;
        }
        let handle = Box::into_raw(vec![0u64; idle_words()].into_boxed_slice()) as *mut c_void;
        if uv_idle_init(event_loop, handle) != 0 {
            free_handle(handle);
            return;
        }
        uv_idle_start(handle, on_idle);
        HANDLE.with(|slot| slot.set(handle));
    }
}

/// Each turn of the worker's loop while the handle runs.
unsafe extern "C" fn on_idle(handle: *mut c_void) {
    POLLED_TURNS.fetch_add(1, Ordering::Relaxed);
    let keep = UNTIL.with(|until| until.get().is_some_and(|until| Instant::now() < until));
    if keep {
        // Another worker, or the JS thread, may be waiting for this CPU.
        // SAFETY: a plain system call.
        unsafe { libc::sched_yield() };
    } else {
        HANDLE.with(|slot| slot.set(std::ptr::null_mut()));
        // SAFETY: called by libuv on the loop's thread with the live
        // handle; closing stops it, and libuv frees it through the callback.
        unsafe { uv_close(handle, Some(free_handle)) };
    }
}

/// The size of libuv's `uv_idle_t`, in `u64` words.
fn idle_words() -> usize {
    // SAFETY: a pure query of the linked libuv.
    unsafe { uv_handle_size(UV_IDLE) }.div_ceil(8)
}

/// Frees a handle made by [`arm`] (libuv's close callback).
unsafe extern "C" fn free_handle(handle: *mut c_void) {
    // SAFETY: allocated by `arm` as `idle_words` u64s.
    drop(unsafe {
        Box::from_raw(std::ptr::slice_from_raw_parts_mut(
            handle as *mut u64,
            idle_words(),
        ))
    });
}
