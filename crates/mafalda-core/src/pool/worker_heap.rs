//! Grows a worker thread's C heap once, as the thread starts, so that the
//! worker does not grow it a page at a time later.
//!
//! mediasoup's C++ worker allocates with `malloc`. In its own process that
//! is glibc's main arena, which grows with `brk` and pads every growth
//! (`M_TOP_PAD`, 128 KiB). On a thread of this process glibc gives the
//! worker an arena of its own, a 64 MiB reservation that it makes usable
//! with one `mprotect` per growth, sized to the allocation that needed it
//! and never padded: with 16 `createWebRtcTransport()`s in flight,
//! `mprotect` (and the kernel merging the mappings it splits) took about 7 %
//! of the worker thread's time (`perf`), and mediasoup's worker process
//! never calls it. glibc remembers how far a heap was ever made usable and
//! does not shrink that when it gives memory back, so touching the whole
//! first heap once here makes every later growth within it free of the
//! system call. The memory is given back at once (glibc trims the freed
//! top of the heap with `MADV_DONTNEED`): it costs no resident memory,
//! only 896 allocations and frees at the worker's start.
//!
//! Only with glibc; a worker whose heap is elsewhere (another C library, an
//! arena shared with other threads) simply starts without it.

/// How much is allocated to grow the heap: under glibc's 64 MiB heap size,
/// so the blocks stay in this thread's first heap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const RESERVE: usize = 56 << 20;

/// Each block: under glibc's threshold for serving a block with a mapping
/// of its own (128 KiB at first), so it comes from the heap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const BLOCK: usize = 64 << 10;

/// Called on a worker thread before its worker starts. Returns where the
/// grown heap starts (its first block), for tests (`tests/worker_heap.rs`,
/// a process of its own: the thread there surely has an arena of its own).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn grow_worker_heap() -> Option<usize> {
    // glibc's heaps are aligned to their maximum size: a block outside the
    // first block's 64 MiB is in another heap, and growing stops there.
    const HEAP_ALIGN: usize = 64 << 20;
    let mut blocks = Vec::with_capacity(RESERVE / BLOCK);
    let mut heap = None;
    while blocks.len() < RESERVE / BLOCK {
        // SAFETY: plain allocation; each block is freed below.
        let block = unsafe { libc::malloc(BLOCK) };
        if block.is_null() {
            break;
        }
        blocks.push(block);
        let base = block as usize & !(HEAP_ALIGN - 1);
        if *heap.get_or_insert(base) != base {
            break;
        }
    }
    let first = blocks.first().map(|block| *block as usize);
    for block in blocks {
        // SAFETY: allocated above with `malloc`, freed once.
        unsafe { libc::free(block) };
    }
    first
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn grow_worker_heap() -> Option<usize> {
    None
}
