//! Worker requests in the order the application made its calls.
//!
//! mediasoup-node writes every request to its worker's channel inside the
//! call, so a `dump()` made after `transport.close()` never shows the
//! transport, and `pause()` then `resume()` without awaiting ends resumed.
//! mediasoup-rust writes a request to the channel on the first poll of its
//! future, but it sends the *close* of an object from a task that dropping
//! the object spawns on the workers' executor: a request polled directly
//! after the drop could reach the worker before that close.
//!
//! [`RequestOrder`] restores mediasoup-node's guarantee for every real
//! worker at once (one executor serves them all):
//!
//! * every call is *started* through [`RequestOrder::start`] at the moment
//!   the application makes it: polled once, which queues its first worker
//!   request, in call order;
//! * after handles are dropped, [`RequestOrder::closed`] puts a marker on
//!   the executor behind the close tasks the drops spawned. While a marker
//!   is pending, calls are started *on the executor* instead, behind it.
//!   The executor runs its tasks in the order they were spawned (one runner
//!   thread, FIFO queues), so their first polls queue their requests after
//!   the closes and after each other;
//! * a close the application makes while calls wait there
//!   ([`RequestOrder::close`]) waits behind them too: a call made before
//!   `consumer.close()` finds the consumer, as its request would have in
//!   mediasoup-node, and resolves. The closes such a deferred close sends
//!   are spawned behind the calls made after it, so those go round once
//!   more (`spawn_drain`) and stay behind the closes.
//!
//! With nothing closed lately the check is one atomic load: the common path
//! costs no thread hop.

use crate::error::{Error, Result};
use async_executor::Executor;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

type BoxedCall<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Orders calls after the closes made before them. Shared by the pool.
pub struct RequestOrder {
    /// The executor and the counters, shared with whoever drops handles.
    closer: Closer,
    /// Calls and closes started on the executor, in call order.
    deferred: Arc<Deferred>,
    /// Ends the executor's thread when the order is dropped.
    _stop: futures::channel::oneshot::Sender<()>,
}

impl RequestOrder {
    /// A new executor for mediasoup (hand [`Self::executor`] to its
    /// `WorkerManager`) run by a thread of its own.
    pub fn new() -> Self {
        let executor = Arc::new(Executor::new());
        let (stop, stopped) = futures::channel::oneshot::channel::<()>();
        {
            let executor = Arc::clone(&executor);
            std::thread::Builder::new()
                .name("mafalda-executor".into())
                .spawn(move || {
                    let _ = futures::executor::block_on(executor.run(stopped));
                    drain_until_unused(&executor);
                })
                .expect("cannot spawn the executor thread");
        }
        Self {
            closer: Closer {
                executor,
                pending: Arc::new(AtomicUsize::new(0)),
                epoch: Arc::new(AtomicU64::new(0)),
                closes: Arc::new(AtomicU64::new(0)),
            },
            deferred: Arc::default(),
            _stop: stop,
        }
    }

    /// The executor mediasoup-rust spawns its tasks (closes among them) on.
    pub fn executor(&self) -> Arc<Executor<'static>> {
        Arc::clone(&self.closer.executor)
    }

    /// Marks that handles were just dropped on this thread: calls started
    /// from now on queue their requests after the closes those drops sent.
    pub fn closed(&self) {
        self.closer().closed();
    }

    /// A handle that can mark closes, for whoever drops handles.
    pub fn closer(&self) -> Closer {
        self.closer.clone()
    }

    /// Runs `close` (a close the application made: it drops handles) now,
    /// or, while calls made before it wait on the executor, behind them:
    /// those calls find what they act on, as they would have when made.
    pub fn close(&self, close: impl FnOnce() + Send + 'static) {
        if self.closer.pending.load(Ordering::SeqCst) == 0 {
            close();
        } else {
            self.defer(move || {
                // A panic must not end the executor's thread.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(close));
            });
        }
    }

    /// Queues `job` on the executor, behind what is there and behind the
    /// closes of handles dropped before it runs (see [`spawn_drain`]).
    fn defer(&self, job: impl FnOnce() + Send + 'static) {
        self.closer.pending.fetch_add(1, Ordering::SeqCst);
        let mut jobs = self.deferred.jobs.lock();
        jobs.queue.push_back(Box::new(job));
        if !jobs.draining {
            jobs.draining = true;
            spawn_drain(self.closer.clone(), Arc::clone(&self.deferred));
        }
    }

    /// Starts `call` now, in call order (see the module docs), and returns
    /// the rest of it to await anywhere. `call` must reach its first worker
    /// request without waiting for anything else first. Fails only if the
    /// call panicked in its first poll on the executor.
    pub fn start<T, F>(&self, call: F) -> impl Future<Output = Result<T>> + Send + 'static
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        self.start_here_or_behind(call).0
    }

    /// [`Self::start`], and whether the call was ready in its first poll.
    fn start_here_or_behind<T, F>(&self, call: F) -> (impl Future<Output = Result<T>> + Send + 'static, bool)
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
    {
        let mut call: BoxedCall<T> = Box::pin(call);
        let started = if self.closer.pending.load(Ordering::SeqCst) == 0 {
            Started::Here(poll_once(&mut call).map(Ok), Some(call))
        } else {
            let (sender, receiver) = futures::channel::oneshot::channel();
            self.defer(move || {
                let first = std::panic::catch_unwind(AssertUnwindSafe(|| poll_once(&mut call)));
                let _ = sender.send(first.map(|first| (first, call)));
            });
            Started::Executor(receiver)
        };
        let at_once = matches!(started, Started::Here(Poll::Ready(_), _));
        let rest = async move {
            let (first, call) = match started {
                Started::Here(first, call) => (first, call),
                Started::Executor(receiver) => match receiver.await {
                    Ok(Ok((first, call))) => (first.map(Ok), Some(call)),
                    Ok(Err(_panic)) => return Err(Error::failed("internal error: a call panicked")),
                    Err(_) => return Err(Error::failed("the workers' executor has stopped")),
                },
            };
            match (first, call) {
                (Poll::Ready(result), _) => result,
                (Poll::Pending, Some(call)) => Ok(call.await),
                (Poll::Pending, None) => unreachable!("a pending call is kept"),
            }
        };
        (rest, at_once)
    }

    /// Starts `call` in call order (as [`Self::start`]) and drives it to its
    /// end from the thread that wakes it (see the `driven` module); `done`
    /// receives its result on the thread that finished it, and whether it
    /// was ready at once, in its first poll, on this thread, before `run`
    /// returns (it needed no worker's answer: a bad id, say).
    pub fn run<T, F, D>(&self, call: F, done: D)
    where
        T: Send + 'static,
        F: Future<Output = T> + Send + 'static,
        D: FnOnce(Result<T>, bool) + Send + 'static,
    {
        let started_at = self.closer.closes.load(Ordering::SeqCst);
        let closer = self.closer();
        let (started, at_once) = self.start_here_or_behind(call);
        super::driven::drive(&self.closer.executor, started, move |result| {
            // The call held handles; if the application closed what they
            // point to meanwhile, dropping them just sent the close. Calls
            // the application makes once it hears of this one go behind it.
            if closer.closes.load(Ordering::SeqCst) != started_at {
                closer.dropped();
            }
            let result =
                result.unwrap_or_else(|_panic| Err(Error::failed("internal error: a call panicked")));
            done(result, at_once)
        });
    }
}

impl Default for RequestOrder {
    fn default() -> Self {
        Self::new()
    }
}

/// Marks closes for a [`RequestOrder`] (see [`RequestOrder::closed`]).
#[derive(Clone)]
pub struct Closer {
    executor: Arc<Executor<'static>>,
    /// Close markers and executor-started calls and closes that have not
    /// run yet. Calls may be polled directly only when it is zero.
    pending: Arc<AtomicUsize>,
    /// Counts the times handles were dropped (see [`Closer::dropped`]).
    epoch: Arc<AtomicU64>,
    /// Counts the closes (see [`Closer::closed`]).
    closes: Arc<AtomicU64>,
}

impl Closer {
    /// See [`RequestOrder::closed`].
    pub fn closed(&self) {
        self.closes.fetch_add(1, Ordering::SeqCst);
        self.dropped();
    }

    /// Handles that may have been the last of their objects were dropped
    /// (a finished call's, after a close): what they sent goes before the
    /// calls made from now on.
    fn dropped(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        self.pending.fetch_add(1, Ordering::SeqCst);
        let pending = Arc::clone(&self.pending);
        self.executor
            .spawn(async move {
                pending.fetch_sub(1, Ordering::SeqCst);
            })
            .detach();
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Calls and closes waiting their turn on the executor, in call order.
#[derive(Default)]
struct Deferred {
    jobs: parking_lot::Mutex<DeferredJobs>,
}

#[derive(Default)]
struct DeferredJobs {
    queue: std::collections::VecDeque<Job>,
    /// A drain task is spawned and will take the queue's jobs.
    draining: bool,
}

/// Runs the deferred jobs in order on the executor. Dropped handles send
/// their closes from tasks spawned at the drop, so a drop made after this
/// task was spawned (a deferred close it just ran, or the janitor's) put
/// them *behind* it: seeing the epoch moved, it spawns itself again behind
/// them before it takes the next job. The jobs themselves never change
/// order.
fn spawn_drain(closer: Closer, deferred: Arc<Deferred>) {
    let queued_at = closer.epoch.load(Ordering::SeqCst);
    let runner = Arc::clone(&closer.executor);
    runner
        .spawn(async move {
            loop {
                if closer.epoch.load(Ordering::SeqCst) != queued_at {
                    spawn_drain(closer, deferred);
                    return;
                }
                let job = {
                    let mut jobs = deferred.jobs.lock();
                    match jobs.queue.pop_front() {
                        Some(job) => job,
                        None => {
                            jobs.draining = false;
                            return;
                        }
                    }
                };
                job();
                closer.pending.fetch_sub(1, Ordering::SeqCst);
            }
        })
        .detach();
}

/// Runs what is still spawned after the order was dropped, for as long as
/// anyone else holds the executor. mediasoup handles that outlive the pool
/// (a router kept by the registry, a worker in flight) send their closes
/// from tasks on this executor, and dropping the last of them waits for the
/// worker thread to exit, which needs that close to run: stopping here
/// first would hang whoever drops them.
fn drain_until_unused(executor: &Arc<Executor<'static>>) {
    let mut idle = std::time::Duration::from_millis(1);
    while Arc::strong_count(executor) > 1 {
        if executor.try_tick() {
            idle = std::time::Duration::from_millis(1);
            continue;
        }
        std::thread::sleep(idle);
        idle = (idle * 2).min(std::time::Duration::from_millis(100));
    }
    while executor.try_tick() {}
}

enum Started<T> {
    Here(Poll<Result<T>>, Option<BoxedCall<T>>),
    Executor(futures::channel::oneshot::Receiver<std::thread::Result<(Poll<T>, BoxedCall<T>)>>),
}

/// One poll with a waker that does nothing: whoever awaits the call later
/// polls it again with its own waker (mediasoup's futures register the
/// current waker on every poll).
fn poll_once<T>(call: &mut BoxedCall<T>) -> Poll<T> {
    call.as_mut().poll(&mut Context::from_waker(Waker::noop()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn calls_start_here_when_nothing_was_closed() {
        let order = RequestOrder::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        let thread = std::thread::current().id();
        let l = Arc::clone(&log);
        let call = order.start(async move { l.lock().unwrap().push(std::thread::current().id() == thread) });
        // The first poll ran inside start().
        assert_eq!(*log.lock().unwrap(), vec![true]);
        futures::executor::block_on(call).unwrap();
    }

    #[test]
    fn calls_after_a_close_start_behind_it_in_call_order() {
        let order = RequestOrder::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        // Stands for the close task a dropped mediasoup handle spawns.
        {
            let log = Arc::clone(&log);
            order
                .executor()
                .spawn(async move { log.lock().unwrap().push("close".to_string()) })
                .detach();
        }
        order.closed();
        let calls: Vec<_> = (0..50)
            .map(|i| {
                let log = Arc::clone(&log);
                order.start(async move { log.lock().unwrap().push(format!("call {i}")) })
            })
            .collect();
        for call in calls {
            futures::executor::block_on(call).unwrap();
        }
        let log = log.lock().unwrap().clone();
        let expected: Vec<_> = std::iter::once("close".to_string())
            .chain((0..50).map(|i| format!("call {i}")))
            .collect();
        assert_eq!(log, expected);
        // Once the executor has caught up, calls start here again.
        while order.closer.pending.load(Ordering::SeqCst) > 0 {
            std::thread::yield_now();
        }
        let here = std::thread::current().id();
        let ran_on = Arc::new(Mutex::new(None));
        let r = Arc::clone(&ran_on);
        let call = order.start(async move { *r.lock().unwrap() = Some(std::thread::current().id()) });
        assert_eq!(*ran_on.lock().unwrap(), Some(here));
        futures::executor::block_on(call).unwrap();
    }

    #[test]
    fn a_close_made_while_calls_wait_runs_behind_them_and_its_closes_before_later_calls() {
        let order = RequestOrder::new();
        let log = Arc::new(Mutex::new(Vec::new()));
        let open = Arc::new(std::sync::atomic::AtomicBool::new(true));
        // Something was closed a moment ago: calls wait on the executor.
        order.closed();
        let before = {
            let (log, open) = (Arc::clone(&log), Arc::clone(&open));
            order.start(async move {
                log.lock()
                    .unwrap()
                    .push(format!("call made before: open {}", open.load(Ordering::SeqCst)))
            })
        };
        {
            // Stands for `consumer.close()`: takes the entry, drops the
            // handle (which spawns its close request), marks the close.
            let (log, open, executor, closer) = (
                Arc::clone(&log),
                Arc::clone(&open),
                order.executor(),
                order.closer(),
            );
            order.close(move || {
                open.store(false, Ordering::SeqCst);
                let log = Arc::clone(&log);
                executor
                    .spawn(async move { log.lock().unwrap().push("close request".to_string()) })
                    .detach();
                closer.closed();
            });
        }
        let after = {
            let (log, open) = (Arc::clone(&log), Arc::clone(&open));
            order.start(async move {
                log.lock()
                    .unwrap()
                    .push(format!("call made after: open {}", open.load(Ordering::SeqCst)))
            })
        };
        futures::executor::block_on(before).unwrap();
        futures::executor::block_on(after).unwrap();
        assert_eq!(
            *log.lock().unwrap(),
            vec![
                "call made before: open true".to_string(),
                "close request".to_string(),
                "call made after: open false".to_string(),
            ]
        );
    }

    #[test]
    fn a_pending_call_finishes_when_awaited_elsewhere() {
        let order = RequestOrder::new();
        order.closed();
        let (tx, rx) = futures::channel::oneshot::channel::<u32>();
        let call = order.start(async move { rx.await.unwrap() + 1 });
        tx.send(41).unwrap();
        assert_eq!(futures::executor::block_on(call).unwrap(), 42);
    }

    #[test]
    fn a_panicking_first_poll_is_an_error_not_a_dead_executor() {
        let order = RequestOrder::new();
        order.closed();
        let call = order.start(async { panic!("boom") });
        assert!(futures::executor::block_on(call).is_err());
        let call = order.start(async { 7 });
        assert_eq!(futures::executor::block_on(call).unwrap(), 7);
    }

    #[test]
    fn tasks_spawned_after_the_order_is_dropped_still_run() {
        // A mediasoup handle outliving the pool keeps the executor and
        // sends its close from a task on it.
        let order = RequestOrder::new();
        let kept = order.executor();
        drop(order);
        let (sender, receiver) = std::sync::mpsc::channel();
        kept.spawn(async move { sender.send("closed").unwrap() }).detach();
        let ran = receiver.recv_timeout(std::time::Duration::from_secs(5));
        assert_eq!(ran, Ok("closed"));
    }
}
