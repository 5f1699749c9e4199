//! Byte searches eight bytes at a time (SWAR): the JSON writer's search for bytes to escape and
//! the matcher's search for digits to mask share the word loop and its overlapping tail; each
//! brings its own per-word test.

pub const ONES: u64 = 0x0101_0101_0101_0101;
pub const HIGHS: u64 = 0x8080_8080_8080_8080;
pub const LOW7: u64 = ONES * 0x7f;

/// The zero bytes of `x`, as the high bit of each, exactly (computed on each byte's low seven
/// bits, where no carry crosses into the next byte). `zero_bytes(w ^ ONES * c)` marks the bytes
/// equal to `c`.
#[inline(always)]
pub fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7) + LOW7) | x) & HIGHS
}

/// The index of the first byte of `b` at or after `from` that `hit` accepts. `mask` must mark
/// exactly those bytes of a little-endian word (the high bit of each byte, nothing else): the
/// end, shorter than a word, is searched in one more word over the last eight bytes, which
/// overlaps bytes already searched and is shifted past them, or by two four-byte halves; only
/// fewer than four bytes in all go byte by byte. (Byte-by-byte tails were 3.3 M of the JSON
/// writer's 24 M instructions: most of its strings are short.)
#[inline(always)]
pub fn find_by_words(
    b: &[u8],
    from: usize,
    mask: impl Fn(u64) -> u64,
    hit: impl Fn(u8) -> bool,
) -> Option<usize> {
    let len = b.len();
    let mut i = from;
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    while i + 8 <= len {
        let m = mask(word(i));
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if i >= len {
        return None;
    }
    if len >= 8 {
        let last = len - 8;
        let m = mask(word(last)) >> (8 * (i - last));
        return (m != 0).then(|| i + (m.trailing_zeros() / 8) as usize);
    }
    if len - i >= 4 {
        // Bytes i..i + 4 in the low half, len - 4..len (overlapping them) in the high half.
        let half = |at: usize| u64::from(u32::from_le_bytes(b[at..at + 4].try_into().expect("4")));
        let m = mask(half(i) | half(len - 4) << 32);
        return match m.trailing_zeros() / 8 {
            8 => None,
            k @ 0..=3 => Some(i + k as usize),
            k => Some(len + k as usize - 8),
        };
    }
    (i..len).find(|&j| hit(b[j]))
}

/// The index of the first byte of `b` at or after `from` that `mask16` marks (one bit per byte
/// of a sixteen-byte block, bit `k` for byte `k`), for `b` of at least sixteen bytes: blocks
/// from `from`, then one more block over the last sixteen bytes, shifted past those already
/// searched. The sixteen-byte counterpart of [`find_by_words`] (the JSON writer's specials and
/// the matcher's digit leads on x86-64).
#[inline(always)]
pub fn find_by_blocks16(b: &[u8], from: usize, mask16: impl Fn(&[u8; 16]) -> u32) -> Option<usize> {
    let len = b.len();
    debug_assert!(len >= 16);
    let block = |at: usize| mask16(b[at..at + 16].try_into().expect("16 bytes"));
    let mut i = from;
    while i + 16 <= len {
        let m = block(i);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 16;
    }
    if i >= len {
        return None;
    }
    let last = len - 16;
    let m = block(last) >> (i - last);
    (m != 0).then(|| i + m.trailing_zeros() as usize)
}

/// The bytes of `w` that are an ASCII digit or `0xEF` (the lead byte of a full-width digit),
/// one bit per byte, with SSE2: the matcher's search for digit runs to mask in an alert's text
/// (`masked_text`), ~6 instructions for sixteen bytes against ~12 for eight with the word test.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub fn digit_leads16(w: &[u8; 16]) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of every x86-64 target; the load reads the sixteen bytes of `w`
    // (`loadu`: no alignment needed).
    unsafe {
        let x = _mm_loadu_si128(w.as_ptr().cast());
        // A digit is a byte whose distance above '0' (wrapping) is at most 9, unsigned:
        // min(d, 9) == d.
        let d = _mm_sub_epi8(x, _mm_set1_epi8(b'0' as i8));
        let nine = _mm_set1_epi8(9);
        let digit = _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d);
        let lead = _mm_cmpeq_epi8(x, _mm_set1_epi8(0xefu8 as i8));
        _mm_movemask_epi8(_mm_or_si128(digit, lead)) as u32
    }
}
