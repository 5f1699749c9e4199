//! The process allocator: mimalloc, called without its aligned entry points where the alignment
//! asked for is one mimalloc gives every block anyway.
//!
//! The mimalloc crate's `MiMalloc` calls `mi_malloc_aligned` for every allocation; that path
//! (a good-size lookup and an alignment test before the plain allocation) was 3.5 % of a
//! matcher pass's instructions. mimalloc's blocks are word-aligned, and every block larger than a
//! word 16-aligned (on 64-bit targets its size classes up to 64 bytes are even numbers of words,
//! the larger ones multiples of those; `MI_MAX_ALIGN_SIZE` is 16), so for such requests the plain
//! calls give what the aligned ones would.
//!
//! Included by path (`#[path] mod`) from the `doxwatch` binary, its benches and the matcher's
//! `scan_corpus` example, which cannot depend on one another.

use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// Whether a block from `mi_malloc`, `mi_zalloc` or `mi_realloc` of `size` bytes is aligned to
/// `align` (every block is 8-aligned, every block over 8 bytes 16-aligned). Always so for a Rust
/// type's layout of at most 16-byte alignment (its size a non-zero multiple of it).
#[inline]
fn plain(size: usize, align: usize) -> bool {
    align <= 8 || (align <= 16 && size > 8)
}

/// mimalloc as the global allocator, by its plain calls where the alignment allows.
pub struct MiAlloc;

// SAFETY: every pointer handed out comes from mimalloc, by a call that returns blocks aligned at
// least to `layout.align()` (the plain calls only where `plain` holds), and every block is
// released or resized by mimalloc, which accepts blocks from its plain and aligned calls alike
// (`mi_free` frees both; `mi_realloc` returns the block in place or a plain new one).
unsafe impl GlobalAlloc for MiAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: mimalloc's allocation calls accept any size and a power-of-two alignment.
        unsafe {
            if plain(layout.size(), layout.align()) {
                mi::mi_malloc(layout.size()) as *mut u8
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if plain(layout.size(), layout.align()) {
                mi::mi_zalloc(layout.size()) as *mut u8
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the new block keeps its alignment.
        unsafe {
            if plain(new_size, layout.align()) {
                mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}
