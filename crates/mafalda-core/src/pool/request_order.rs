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
//!   the closes and after each other.
//!
//! With nothing closed lately the check is one atomic load: the common path
//! costs no thread hop.

use crate::error::{Error, Result};
use async_executor::Executor;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

type BoxedCall<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Orders calls after the closes made before them. Shared by the pool.
pub struct RequestOrder {
    executor: Arc<Executor<'static>>,
    /// Close markers and executor-started calls whose first poll has not
    /// run yet. Calls may be polled directly only when it is zero.
    pending: Arc<AtomicUsize>,
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
            executor,
            pending: Arc::new(AtomicUsize::new(0)),
            _stop: stop,
        }
    }

    /// The executor mediasoup-rust spawns its tasks (closes among them) on.
    pub fn executor(&self) -> Arc<Executor<'static>> {
        Arc::clone(&self.executor)
    }

    /// Marks that handles were just dropped on this thread: calls started
    /// from now on queue their requests after the closes those drops sent.
    pub fn closed(&self) {
        self.closer().closed();
    }

    /// A handle that can mark closes, for whoever drops handles.
    pub fn closer(&self) -> Closer {
        Closer {
            executor: Arc::clone(&self.executor),
            pending: Arc::clone(&self.pending),
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
        let mut call: BoxedCall<T> = Box::pin(call);
        let started = if self.pending.load(Ordering::SeqCst) == 0 {
            Started::Here(poll_once(&mut call).map(Ok), Some(call))
        } else {
            self.pending.fetch_add(1, Ordering::SeqCst);
            let pending = Arc::clone(&self.pending);
            let (sender, receiver) = futures::channel::oneshot::channel();
            self.executor
                .spawn(async move {
                    let first = std::panic::catch_unwind(AssertUnwindSafe(|| poll_once(&mut call)));
                    pending.fetch_sub(1, Ordering::SeqCst);
                    let _ = sender.send(first.map(|first| (first, call)));
                })
                .detach();
            Started::Executor(receiver)
        };
        async move {
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
        }
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
    pending: Arc<AtomicUsize>,
}

impl Closer {
    /// See [`RequestOrder::closed`].
    pub fn closed(&self) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        let pending = Arc::clone(&self.pending);
        self.executor
            .spawn(async move {
                pending.fetch_sub(1, Ordering::SeqCst);
            })
            .detach();
    }
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
        while order.pending.load(Ordering::SeqCst) > 0 {
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
