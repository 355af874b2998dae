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
//! only the worker's start (about a millisecond).
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
/// grown heap starts (its first block), for tests.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(crate) fn grow() -> Option<usize> {
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
pub(crate) fn grow() -> Option<usize> {
    None
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// The read-write mapping of this process that holds `address`.
    fn writable_mapping(address: usize) -> Option<std::ops::Range<usize>> {
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        maps.lines().find_map(|line| {
            let mut fields = line.split_whitespace();
            let (start, end) = fields.next()?.split_once('-')?;
            let (start, end) = (
                usize::from_str_radix(start, 16).ok()?,
                usize::from_str_radix(end, 16).ok()?,
            );
            let writable = fields.next()?.starts_with("rw");
            (writable && (start..end).contains(&address)).then_some(start..end)
        })
    }

    /// How many pages of `[start, start + len)` are resident.
    fn resident_pages(start: usize, len: usize) -> usize {
        let page = 4096;
        let start = start & !(page - 1);
        let mut pages = vec![0u8; len.div_ceil(page)];
        // SAFETY: a query over a mapped range into a buffer of one byte
        // per page.
        let status = unsafe { libc::mincore(start as *mut _, len, pages.as_mut_ptr()) };
        assert_eq!(status, 0, "mincore");
        pages.iter().filter(|page| *page & 1 == 1).count()
    }

    #[test]
    fn a_new_thread_heap_is_made_usable_at_once_and_given_back() {
        std::thread::spawn(|| {
            let first = grow().expect("blocks allocated");
            // The heap the blocks came from is usable over most of its
            // size now, not only as far as its allocations reached.
            let mapping = writable_mapping(first).expect("the heap's mapping");
            assert!(
                mapping.len() >= RESERVE - BLOCK,
                "usable span of {} bytes",
                mapping.len()
            );
            // The memory went back: a few pages stay at most.
            let resident = resident_pages(mapping.start, mapping.len());
            assert!(resident < 64, "{resident} pages still resident");
        })
        .join()
        .unwrap();
    }
}
