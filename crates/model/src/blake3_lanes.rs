//! BLAKE3 keyed hashes of four one-block inputs at once, for bulk hashing of identifiers.
//!
//! An identifier with its kind fits one 64-byte block, so its keyed hash is one compression.
//! The `blake3` crate compresses a lone block with SIMD across the four columns of the state,
//! a chain of dependent steps; here the state word `i` of four inputs is one four-lane vector
//! (`[u32; 4]`, vectorised by the compiler), so four independent compressions share each
//! instruction. Same bytes as `blake3::keyed_hash` (tested against it at every length).

const IV: [u32; 8] = [
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19,
];
const MSG_PERMUTATION: [usize; 16] = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
/// The message words each round reads: the permutation applied `round` times, so the words are
/// picked where they are instead of moved between rounds.
const MSG_SCHEDULE: [[usize; 16]; 7] = {
    let mut s = [[0; 16]; 7];
    let mut round = 0;
    while round < 7 {
        let mut i = 0;
        while i < 16 {
            s[round][i] = if round == 0 {
                i
            } else {
                s[round - 1][MSG_PERMUTATION[i]]
            };
            i += 1;
        }
        round += 1;
    }
    s
};
/// CHUNK_START | CHUNK_END | ROOT | KEYED_HASH: the only block of a keyed hash.
const ONE_BLOCK_KEYED: u32 = 1 | 2 | 8 | 16;
pub(crate) const BLOCK_LEN: usize = 64;

/// Word `i` of four states, one per lane: SSE2 on x86-64 (always present there), plain arrays
/// elsewhere.
#[cfg(target_arch = "x86_64")]
mod lanes {
    use std::arch::x86_64::*;

    pub type Lanes = __m128i;

    #[inline(always)]
    pub fn from_words(w: [u32; 4]) -> Lanes {
        let [a, b, c, d] = w.map(|x| x as i32);
        // SAFETY (here and below): SSE2 is part of every x86-64 target.
        unsafe { _mm_set_epi32(d, c, b, a) }
    }

    #[inline(always)]
    pub fn words(x: Lanes) -> [u32; 4] {
        // SAFETY: both are 16 plain bytes.
        unsafe { std::mem::transmute::<Lanes, [u32; 4]>(x) }
    }

    #[inline(always)]
    pub fn add(a: Lanes, b: Lanes) -> Lanes {
        unsafe { _mm_add_epi32(a, b) }
    }

    /// Word `w` of the four blocks in lane order, for every `w`: four words of each block
    /// loaded at once and transposed in registers.
    #[inline(always)]
    pub fn transpose(blocks: &[[u8; 64]; 4]) -> [Lanes; 16] {
        let mut m = [from_words([0; 4]); 16];
        for q in 0..4 {
            unsafe {
                let load = |b: &[u8; 64]| _mm_loadu_si128(b[16 * q..].as_ptr().cast());
                let [a, b, c, d] = [0, 1, 2, 3].map(|l| load(&blocks[l]));
                let (ab0, ab1) = (_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
                let (cd0, cd1) = (_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
                m[4 * q] = _mm_unpacklo_epi64(ab0, cd0);
                m[4 * q + 1] = _mm_unpackhi_epi64(ab0, cd0);
                m[4 * q + 2] = _mm_unpacklo_epi64(ab1, cd1);
                m[4 * q + 3] = _mm_unpackhi_epi64(ab1, cd1);
            }
        }
        m
    }

    /// `(a ^ b)` rotated right by `R` bits in every lane (`L` = 32 - `R`).
    #[inline(always)]
    pub fn xor_rotr<const R: i32, const L: i32>(a: Lanes, b: Lanes) -> Lanes {
        unsafe {
            let x = _mm_xor_si128(a, b);
            _mm_or_si128(_mm_srli_epi32::<R>(x), _mm_slli_epi32::<L>(x))
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod lanes {
    pub type Lanes = [u32; 4];

    #[inline(always)]
    pub fn from_words(w: [u32; 4]) -> Lanes {
        w
    }

    #[inline(always)]
    pub fn words(x: Lanes) -> [u32; 4] {
        x
    }

    #[inline(always)]
    pub fn add(a: Lanes, b: Lanes) -> Lanes {
        std::array::from_fn(|i| a[i].wrapping_add(b[i]))
    }

    /// Word `w` of the four blocks in lane order, for every `w`.
    #[inline(always)]
    pub fn transpose(blocks: &[[u8; 64]; 4]) -> [Lanes; 16] {
        std::array::from_fn(|w| {
            blocks.map(|b| u32::from_le_bytes(b[4 * w..4 * w + 4].try_into().expect("4")))
        })
    }

    /// `(a ^ b)` rotated right by `R` bits in every lane (`L` = 32 - `R`).
    #[inline(always)]
    pub fn xor_rotr<const R: i32, const L: i32>(a: Lanes, b: Lanes) -> Lanes {
        std::array::from_fn(|i| (a[i] ^ b[i]).rotate_right(R as u32))
    }
}

use lanes::{add, from_words, transpose, words, xor_rotr, Lanes};

#[inline(always)]
fn g(v: &mut [Lanes; 16], a: usize, b: usize, c: usize, d: usize, x: Lanes, y: Lanes) {
    v[a] = add(add(v[a], v[b]), x);
    v[d] = xor_rotr::<16, 16>(v[d], v[a]);
    v[c] = add(v[c], v[d]);
    v[b] = xor_rotr::<12, 20>(v[b], v[c]);
    v[a] = add(add(v[a], v[b]), y);
    v[d] = xor_rotr::<8, 24>(v[d], v[a]);
    v[c] = add(v[c], v[d]);
    v[b] = xor_rotr::<7, 25>(v[b], v[c]);
}

/// `blake3::keyed_hash(key, input)` of four inputs of at most [`BLOCK_LEN`] bytes each.
pub(crate) fn keyed_hash4(key: &[u8; 32], inputs: [&[u8]; 4]) -> [[u8; 32]; 4] {
    let word = |b: &[u8], i: usize| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().expect("4"));
    let mut blocks = [[0u8; BLOCK_LEN]; 4];
    for (block, input) in blocks.iter_mut().zip(inputs) {
        block[..input.len()].copy_from_slice(input);
    }
    let m = transpose(&blocks);
    // The key as chaining value, the IV, a zero counter, the block lengths and the flags.
    let mut v: [Lanes; 16] = std::array::from_fn(|i| match i {
        0..8 => from_words([word(key, i); 4]),
        8..12 => from_words([IV[i - 8]; 4]),
        14 => from_words(inputs.map(|input| input.len() as u32)),
        15 => from_words([ONE_BLOCK_KEYED; 4]),
        _ => from_words([0; 4]),
    });
    for s in &MSG_SCHEDULE {
        g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    let out: [[u32; 4]; 8] = std::array::from_fn(|i| {
        let (a, b) = (words(v[i]), words(v[i + 8]));
        std::array::from_fn(|l| a[l] ^ b[l])
    });
    std::array::from_fn(|l| {
        let mut bytes = [0u8; 32];
        for (i, w) in out.iter().enumerate() {
            bytes[4 * i..4 * i + 4].copy_from_slice(&w[l].to_le_bytes());
        }
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_lanes_equal_blake3_at_every_length() {
        let key = blake3::derive_key("lanes test", b"secret");
        let data: Vec<u8> = (0..BLOCK_LEN as u32).map(|i| (i * 37 + 11) as u8).collect();
        for n in 0..=BLOCK_LEN {
            let inputs = [
                &data[..n],
                &data[BLOCK_LEN - n..],
                &data[..n / 2],
                &data[..BLOCK_LEN.min(n + 3)],
            ];
            let got = keyed_hash4(&key, inputs);
            for (h, input) in got.iter().zip(inputs) {
                assert_eq!(h, blake3::keyed_hash(&key, input).as_bytes(), "{n} bytes");
            }
        }
    }
}
