//! An allocator for processes that run mediasoup-rust (the addon declares
//! it as its global allocator): mimalloc, except that large blocks (32 KiB
//! and more) come straight from the kernel as anonymous mappings and go
//! back to it when freed. The C++ worker's own allocations do not pass
//! here.
//!
//! Why mimalloc: the JS thread and the worker threads hand Rust blocks to
//! each other all the time (a request's future and its data, an answer, an
//! event), and glibc's malloc frees a block under the lock of the arena it
//! came from. With the JS thread freeing blocks the worker thread made and
//! the other way round, each kept waiting for and waking the other: with
//! 16 `connect()`s in flight, `perf` put 9 % of the JS thread in futex
//! wake-ups of malloc's lock and 13 % more in malloc itself. mimalloc gives
//! each thread its own pages and takes blocks freed by other threads back
//! without a lock; the same loop went from 55-64 to 105-111 thousand
//! connects per second. Built with `local_dynamic_tls` (the addon is loaded
//! with `dlopen`, where the static TLS block has no room for it) and from
//! mimalloc's v2 line: with the crate's default v3, one of many full test
//! runs (under Node 22) ended in a segmentation fault that could not be
//! reproduced or traced to a cause, so the long-established line is used
//! until that is understood (v3 ran the connect loop about 8 % faster).
//!
//! Why mappings: mediasoup-rust gives every WebRtcTransport a 64 KiB table
//! of SCTP stream ids (`vec![false; 65535]`), used or not. From a general
//! allocator that block is zeroed by writing whenever freed memory is
//! reused, so each transport costs 64 KiB of resident memory on top of the
//! C++ transport (~24 KiB): idle rooms cost more than under mediasoup-node.
//! A fresh mapping is zero already and stays off the resident set until a
//! page is written, so the table costs only the pages a transport's data
//! channels touch. Blocks that large are rare on Rust's side (one per
//! transport, a large dump), so the system call per block costs nothing
//! that matters.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};

/// Blocks of at least this many bytes are mapped.
const MAPPED: usize = 32 * 1024;
/// Mappings are page aligned; larger alignments go to mimalloc.
const PAGE: usize = 4096;

/// See the module documentation.
pub struct Allocator;

fn mapped(layout: Layout) -> bool {
    layout.size() >= MAPPED && layout.align() <= PAGE
}

unsafe fn map(size: usize) -> *mut u8 {
    let address = libc::mmap(
        std::ptr::null_mut(),
        size,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
        -1,
        0,
    );
    if address == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        address.cast()
    }
}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            map(layout.size())
        } else {
            MiMalloc.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            // Anonymous mappings are zero-filled by the kernel.
            map(layout.size())
        } else {
            MiMalloc.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped(layout) {
            libc::munmap(ptr.cast(), layout.size());
        } else {
            MiMalloc.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if !mapped(layout) && !mapped(new_layout) {
            return MiMalloc.realloc(ptr, layout, new_size);
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_are_mapped_zeroed_and_resized_with_their_contents() {
        unsafe {
            let layout = Layout::from_size_align(MAPPED, 1).unwrap();
            let block = Allocator.alloc_zeroed(layout);
            assert!(!block.is_null());
            assert_eq!(block as usize % PAGE, 0, "a mapping");
            assert!(std::slice::from_raw_parts(block, MAPPED).iter().all(|b| *b == 0));
            block.write(7);
            // Down below the threshold and back up: the contents travel.
            let small = Allocator.realloc(block, layout, 16);
            assert_eq!(small.read(), 7);
            let small_layout = Layout::from_size_align(16, 1).unwrap();
            let big = Allocator.realloc(small, small_layout, 2 * MAPPED);
            assert_eq!(big.read(), 7);
            Allocator.dealloc(big, Layout::from_size_align(2 * MAPPED, 1).unwrap());
            let bytes = vec![1u8; 3 * MAPPED];
            assert_eq!(bytes.iter().map(|b| *b as usize).sum::<usize>(), 3 * MAPPED);
        }
    }
}
