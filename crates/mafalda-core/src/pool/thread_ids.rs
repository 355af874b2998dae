//! Each worker thread's Linux thread id by mediasoup's id of its worker,
//! known from the moment the thread starts.
//!
//! mediasoup-rust names a worker's thread `mediasoup-worker-<id>`, and the
//! worker's first log lines (its version, its settings) pass through the
//! log before `create_worker` returns, while the pool does not hold the
//! worker yet. The thread records itself here as it starts, so that every
//! line of a worker is named by its thread id, as mediasoup-node names them
//! by its worker process's pid. The last [`KEPT`] workers are kept: a
//! worker's last lines, logged after it left the pool, are named too.

use parking_lot::Mutex;
use std::collections::VecDeque;

/// How many workers are remembered, the newest last.
const KEPT: usize = 256;

/// The start of a worker thread's name; the worker's id follows.
const PREFIX: &str = "mediasoup-worker-";

/// Worker ids and their threads' ids, the newest last.
#[derive(Default)]
struct WorkerThreads(VecDeque<(String, u32)>);

impl WorkerThreads {
    fn note(&mut self, id: String, tid: u32) {
        if self.0.len() == KEPT {
            self.0.pop_front();
        }
        self.0.push_back((id, tid));
    }

    fn tid_of(&self, id: &str) -> Option<u32> {
        self.0
            .iter()
            .rev()
            .find(|(known, _)| known == id)
            .map(|(_, tid)| *tid)
    }
}

static TIDS: Mutex<WorkerThreads> = Mutex::new(WorkerThreads(VecDeque::new()));

/// Called on a worker thread as it starts, with its thread id.
pub(crate) fn note_worker_thread(tid: u32) {
    let current = std::thread::current();
    let Some(id) = current.name().and_then(|name| name.strip_prefix(PREFIX)) else {
        return;
    };
    TIDS.lock().note(id.to_owned(), tid);
}

/// The thread id of the worker whose mediasoup id is `id` (as text).
pub fn worker_tid(id: &str) -> Option<u32> {
    TIDS.lock().tid_of(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_thread_named(name: &str, tid: u32) {
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || note_worker_thread(tid))
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn a_worker_thread_is_found_by_the_id_in_its_name() {
        on_thread_named("mediasoup-worker-thread-ids-test-a", 4242);
        assert_eq!(worker_tid("thread-ids-test-a"), Some(4242));
        // Another thread's name is not a worker's.
        on_thread_named("tokio-runtime-worker", 4343);
        assert_eq!(worker_tid("tokio-runtime-worker"), None);
        assert_eq!(worker_tid("thread-ids-test-unknown"), None);
    }

    #[test]
    fn only_the_newest_workers_are_kept() {
        let mut threads = WorkerThreads::default();
        threads.note("oldest".to_owned(), 1);
        for n in 0..KEPT {
            threads.note(format!("filler-{n}"), 2);
        }
        assert_eq!(threads.tid_of("oldest"), None);
        assert_eq!(threads.tid_of("filler-0"), Some(2));
        assert_eq!(threads.tid_of(&format!("filler-{}", KEPT - 1)), Some(2));
    }
}
