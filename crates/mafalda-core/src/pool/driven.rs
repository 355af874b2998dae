//! Calls driven to their end by the thread that wakes them.
//!
//! A call to a worker is a future that waits for the worker's response. An
//! async runtime would wake one of its own threads to poll it again, and
//! that thread would then hand the result to Node: two thread switches
//! after the worker answered. Here the future is polled again *by the
//! thread whose wake-up completes it* — the worker thread that received
//! the response, inside mediasoup's channel callback, which holds no lock
//! then — and its result goes straight to whoever waits for it (the
//! binding queues it for the JS thread): one thread switch, as in
//! mediasoup-node, where the worker process answers through a pipe.
//!
//! A wake-up is polled in place only where that is known to be safe: on a
//! mediasoup worker thread, while this thread is neither polling another
//! call nor holding the registry lock ([`DeferWakes`]). A call woken
//! anywhere else (the JS thread, mediasoup's executor, inside another
//! call's poll, under the lock) is polled on mediasoup's executor thread,
//! in wake-up order, as every call was before.
//!
//! That rests on one fact of mediasoup-rust: on a worker thread, a call
//! awaiting a request is woken by the channel handing over the response,
//! outside any lock. The one other wake-up there, a new worker's "running"
//! notification, comes from inside the channel's list of notification
//! handlers (going on there would drop a handler of that list and
//! deadlock), so the pool awaits a worker's start on the executor. mafalda's
//! own event handlers wake no call: they emit events or hand work to the
//! janitor or the executor.

use async_executor::Executor;
use futures::FutureExt;
use parking_lot::Mutex;
use std::cell::Cell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Not being polled, not scheduled.
const IDLE: u8 = 0;
/// Handed to a thread that will poll it.
const SCHEDULED: u8 = 1;
/// Being polled.
const RUNNING: u8 = 2;
/// Woken while being polled: poll again.
const NOTIFIED: u8 = 3;
/// Finished (its result was handed over).
const DONE: u8 = 4;

thread_local! {
    /// Whether this thread runs a mediasoup worker.
    static WORKER_THREAD: Cell<bool> = const { Cell::new(false) };
    /// Reasons not to poll wake-ups here now (see [`DeferWakes`]).
    static DEFERRING: Cell<usize> = const { Cell::new(0) };
}

/// Marks the calling thread as a mediasoup worker thread.
pub(crate) fn enter_worker_thread() {
    WORKER_THREAD.with(|worker| worker.set(true));
}

/// While alive, calls woken on this thread are polled on the executor, not
/// here: held while a call is being polled (a wake-up from inside a poll
/// must not poll a second call inside the first) and with the registry
/// lock (the woken call may need the lock).
pub(crate) struct DeferWakes(());

impl DeferWakes {
    pub(crate) fn enter() -> Self {
        DEFERRING.with(|depth| depth.set(depth.get() + 1));
        Self(())
    }
}

impl Drop for DeferWakes {
    fn drop(&mut self) {
        DEFERRING.with(|depth| depth.set(depth.get() - 1));
    }
}

fn may_poll_here() -> bool {
    WORKER_THREAD.with(Cell::get) && DEFERRING.with(Cell::get) == 0
}

/// What a finished call does with its output, once the call (and every
/// handle it held) is dropped.
type Finish = Box<dyn FnOnce() + Send>;
type Call = Pin<Box<dyn Future<Output = Finish> + Send>>;

/// One call: its future and where it stands.
struct Task {
    state: AtomicU8,
    /// Taken when finished. Only the thread that moved `state` to
    /// `RUNNING` polls it; the lock only makes that visible to the next.
    call: Mutex<Option<Call>>,
    executor: Arc<Executor<'static>>,
}

impl Task {
    /// Polls until the call finishes or waits with no wake-up pending.
    /// The caller moved the state to `SCHEDULED`.
    fn run(self: &Arc<Self>) {
        let _deferring = DeferWakes::enter();
        let waker = Waker::from(Arc::clone(self));
        let mut context = Context::from_waker(&waker);
        self.state.store(RUNNING, Ordering::Release);
        loop {
            let finished = {
                let mut slot = self.call.lock();
                let Some(call) = slot.as_mut() else {
                    self.state.store(DONE, Ordering::Release);
                    return;
                };
                match call.as_mut().poll(&mut context) {
                    Poll::Ready(finish) => {
                        *slot = None;
                        Some(finish)
                    }
                    Poll::Pending => None,
                }
            };
            if let Some(finish) = finished {
                self.state.store(DONE, Ordering::Release);
                if WORKER_THREAD.with(Cell::get) {
                    // Answered here: the next request may be close behind.
                    super::worker_poll::arm();
                }
                // This may run inside mediasoup's channel callback, which a
                // panic must not unwind into.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(finish));
                return;
            }
            match self
                .state
                .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                // Woken meanwhile: poll again.
                Err(_) => self.state.store(RUNNING, Ordering::Release),
            }
        }
    }

    fn schedule(self: Arc<Self>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = match state {
                IDLE => SCHEDULED,
                RUNNING => NOTIFIED,
                _ => return,
            };
            match self
                .state
                .compare_exchange(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if next == NOTIFIED => return,
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        if may_poll_here() {
            self.run();
        } else {
            let executor = Arc::clone(&self.executor);
            executor.spawn(async move { self.run() }).detach();
        }
    }
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        self.schedule();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        Arc::clone(self).schedule();
    }
}

/// Polls `call` now, on this thread, then wherever it is woken (see the
/// module docs) until it finishes; `done` receives its output, or an error
/// if it panicked, on the thread that finished it (possibly this one,
/// before `drive` returns), after the call itself was dropped: the handles
/// it held are gone by then.
pub(crate) fn drive<T, F, D>(executor: &Arc<Executor<'static>>, call: F, done: D)
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
    D: FnOnce(std::thread::Result<T>) + Send + 'static,
{
    let call = AssertUnwindSafe(call)
        .catch_unwind()
        .map(|output| Box::new(move || done(output)) as Finish);
    let task = Arc::new(Task {
        state: AtomicU8::new(SCHEDULED),
        call: Mutex::new(Some(Box::pin(call))),
        executor: Arc::clone(executor),
    });
    task.run();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    fn executor() -> (Arc<Executor<'static>>, futures::channel::oneshot::Sender<()>) {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = futures::channel::oneshot::channel::<()>();
        let runner = Arc::clone(&executor);
        thread::spawn(move || futures::executor::block_on(runner.run(stopped)));
        (executor, stop)
    }

    #[test]
    fn a_ready_call_finishes_before_drive_returns() {
        let (executor, _stop) = executor();
        let (sender, receiver) = mpsc::channel();
        drive(&executor, async { 7 }, move |result| {
            sender.send(result.unwrap()).unwrap()
        });
        assert_eq!(receiver.try_recv(), Ok(7));
    }

    #[test]
    fn a_worker_thread_that_wakes_a_call_finishes_it() {
        let (executor, _stop) = executor();
        let (answer, answered) = futures::channel::oneshot::channel::<u32>();
        let (sender, receiver) = mpsc::channel();
        drive(
            &executor,
            async move { answered.await.unwrap() + 1 },
            move |result| sender.send((result.unwrap(), thread::current().id())).unwrap(),
        );
        let worker = thread::spawn(move || {
            enter_worker_thread();
            answer.send(41).unwrap();
            thread::current().id()
        });
        let worker = worker.join().unwrap();
        assert_eq!(receiver.recv_timeout(Duration::from_secs(5)), Ok((42, worker)));
    }

    #[test]
    fn other_threads_hand_the_call_to_the_executor() {
        let (executor, _stop) = executor();
        let (answer, answered) = futures::channel::oneshot::channel::<u32>();
        let (sender, receiver) = mpsc::channel();
        drive(&executor, async move { answered.await.unwrap() }, move |result| {
            sender.send((result.unwrap(), thread::current().id())).unwrap()
        });
        let other = thread::spawn(move || {
            answer.send(5).unwrap();
            thread::current().id()
        })
        .join()
        .unwrap();
        let (value, ran_on) = receiver.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(value, 5);
        assert_ne!(ran_on, other);
        assert_ne!(ran_on, thread::current().id());
    }

    #[test]
    fn a_wake_under_defer_wakes_goes_to_the_executor() {
        let (executor, _stop) = executor();
        let (answer, answered) = futures::channel::oneshot::channel::<u32>();
        let (sender, receiver) = mpsc::channel();
        drive(&executor, async move { answered.await.unwrap() }, move |result| {
            sender.send((result.unwrap(), thread::current().id())).unwrap()
        });
        let worker = thread::spawn(move || {
            enter_worker_thread();
            let _held = DeferWakes::enter();
            answer.send(9).unwrap();
            thread::current().id()
        })
        .join()
        .unwrap();
        let (value, ran_on) = receiver.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(value, 9);
        assert_ne!(ran_on, worker);
    }

    #[test]
    fn a_panic_is_reported_not_lost() {
        let (executor, _stop) = executor();
        let (sender, receiver) = mpsc::channel();
        drive(
            &executor,
            async { panic!("boom") },
            move |result: thread::Result<()>| sender.send(result.is_err()).unwrap(),
        );
        assert_eq!(receiver.try_recv(), Ok(true));
    }

    #[test]
    fn wakes_racing_a_poll_are_not_lost() {
        // Each call is answered by a worker thread while it is being
        // started: before, during or after its first poll. Every one must
        // finish exactly once.
        let (executor, _stop) = executor();
        let (sender, receiver) = mpsc::channel();
        let (to_worker, answers) = mpsc::channel::<futures::channel::oneshot::Sender<u32>>();
        let worker = thread::spawn(move || {
            enter_worker_thread();
            for answer in answers {
                answer.send(1).unwrap();
            }
        });
        for i in 0..2_000u32 {
            let (answer, answered) = futures::channel::oneshot::channel::<u32>();
            to_worker.send(answer).unwrap();
            let sender = sender.clone();
            drive(
                &executor,
                async move { answered.await.unwrap() + i },
                move |result| sender.send(result.unwrap()).unwrap(),
            );
        }
        drop(to_worker);
        worker.join().unwrap();
        let mut got: Vec<u32> = (0..2_000)
            .map(|_| receiver.recv_timeout(Duration::from_secs(5)).unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, (1..=2_000).collect::<Vec<_>>());
        assert!(receiver.recv_timeout(Duration::from_millis(100)).is_err());
    }
}
