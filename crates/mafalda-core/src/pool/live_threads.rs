//! How many mediasoup worker threads are running, so that the process can
//! wait for them before it exits.
//!
//! A worker thread runs mediasoup's C++ worker, which uses process-wide
//! state (OpenSSL, libuv, static objects). Closing every worker and waiting
//! here first lets `process.exit()` end them the way mediasoup-node's
//! worker processes end. The wait is bounded; a thread still running after
//! it is safe because the addon never destroys the worker's static objects
//! (`worker_hooks.c`).

use parking_lot::{Condvar, Mutex};
use std::cell::RefCell;
use std::time::{Duration, Instant};

static LIVE: Mutex<usize> = Mutex::new(0);
static CHANGED: Condvar = Condvar::new();

/// Decrements the count when the thread that holds it ends (thread-local
/// destructors run after the thread's work returns).
struct ThreadGuard;

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        let mut live = LIVE.lock();
        *live = live.saturating_sub(1);
        CHANGED.notify_all();
    }
}

thread_local! {
    static GUARD: RefCell<Option<ThreadGuard>> = const { RefCell::new(None) };
}

/// Called on a worker thread as it starts: counts it until it ends.
pub(crate) fn enter_worker_thread() {
    super::driven::enter_worker_thread();
    *LIVE.lock() += 1;
    GUARD.with(|guard| *guard.borrow_mut() = Some(ThreadGuard));
}

/// Worker threads running now.
pub fn live_worker_threads() -> usize {
    *LIVE.lock()
}

/// Waits until no worker thread runs, at most `timeout`; whether none runs.
pub fn wait_for_worker_threads(timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut live = LIVE.lock();
    while *live > 0 {
        if CHANGED.wait_until(&mut live, deadline).timed_out() {
            return *live == 0;
        }
    }
    true
}
