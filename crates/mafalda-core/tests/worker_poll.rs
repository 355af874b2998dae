//! A worker thread that answered a call keeps its loop polling for a short
//! while (`pool/worker_poll.rs`), then sleeps again. A test binary of its
//! own: the poll's budget is read once per process, and no other test's
//! workers answer calls meanwhile.

#![cfg(target_os = "linux")]

use mafalda_core::mediasoup::prelude::*;
use mafalda_core::pool::{polled_turns, PoolConfig};
use mafalda_core::{Mafalda, TransportOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_answered_polls_for_a_while_then_sleeps() {
    let mafalda = Mafalda::new(PoolConfig::default(), Arc::new(()));
    let router = mafalda.create_router(None, vec![]).await.unwrap();
    let direct = TransportOptions::Direct(DirectTransportOptions::default());
    let transport = mafalda.create_transport(router.id, direct).await.unwrap().id;
    let quiet = until_quiet().await;
    // As the binding makes its calls: finished on the thread the answer
    // wakes, the worker's. One request, one answer.
    let (answered, answer) = tokio::sync::oneshot::channel();
    let engine = mafalda.clone();
    mafalda.pool().order().run(
        async move { engine.transport_stats(transport).await },
        move |result, _at_once| {
            let _ = answered.send(result.and_then(|stats| stats).is_ok());
        },
    );
    assert!(answer.await.unwrap(), "the stats came");
    let deadline = Instant::now() + Duration::from_secs(2);
    while polled_turns() == quiet {
        assert!(
            Instant::now() < deadline,
            "the worker's loop never polled after its answer"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The budget is 50 µs: the loop goes back to sleep.
    until_quiet().await;
    mafalda.close_router(router.id);
}

/// Waits until no worker loop polls for 20 ms; the turns counted by then.
async fn until_quiet() -> u64 {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let before = polled_turns();
        tokio::time::sleep(Duration::from_millis(20)).await;
        if polled_turns() == before {
            return before;
        }
        assert!(Instant::now() < deadline, "worker loops kept polling");
    }
}
