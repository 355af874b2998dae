//! A worker thread's C heap, grown as the thread starts
//! (`pool/worker_heap.rs`). A test binary of its own: in a process with
//! other tests' threads, glibc may hand the thread an arena those threads
//! use too.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use mafalda_core::pool::grow_worker_heap;
use std::ops::Range;

/// The read-write mapping of this process that holds `address`.
fn writable_mapping(address: usize) -> Option<Range<usize>> {
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

/// How many pages of `range` are resident.
fn resident_pages(range: Range<usize>) -> usize {
    const PAGE: usize = 4096;
    let len = range.len();
    let mut pages = vec![0u8; len.div_ceil(PAGE)];
    // SAFETY: a query over a mapped, page-aligned range into a buffer of
    // one byte per page.
    let status = unsafe { libc::mincore(range.start as *mut _, len, pages.as_mut_ptr()) };
    assert_eq!(status, 0, "mincore");
    pages.iter().filter(|page| *page & 1 == 1).count()
}

#[test]
fn a_new_thread_heap_is_made_usable_at_once_and_given_back() {
    std::thread::spawn(|| {
        let first = grow_worker_heap().expect("blocks allocated");
        // The heap the blocks came from is usable over most of glibc's 64
        // MiB now, not only as far as its allocations reached.
        let mapping = writable_mapping(first).expect("the heap's mapping");
        assert!(
            mapping.len() >= 55 << 20,
            "usable span of {} bytes",
            mapping.len()
        );
        // The memory went back: a few pages stay resident at most.
        let resident = resident_pages(mapping);
        assert!(resident < 64, "{resident} pages still resident");
    })
    .join()
    .unwrap();
}
