//! Keyed hashing of canonical identifiers.
//!
//! Phones (~10^10) and ID numbers (~10^11) are few enough that a plain or globally salted hash
//! is reversed by brute force in hours, so every identifier hash is keyed with the deployment
//! key (BLAKE3 keyed mode). The kind is part of the input: the same digits as a phone and as a
//! QQ number hash differently.

use crate::blake3_lanes::{keyed_hash4, BLOCK_LEN};
use crate::Kind;

/// The first 16 bytes of a hash in lower-case hex: an identifier's hash as alerts carry it.
pub fn hex16(h: &[u8]) -> String {
    let mut s = String::with_capacity(32);
    hex16_into(h, &mut s);
    s
}

/// [`hex16`], appended to `out`.
pub fn hex16_into(h: &[u8], out: &mut String) {
    out.push_str(std::str::from_utf8(&hex16_bytes(h)).expect("hex is ASCII"));
}

/// [`hex16`]'s 32 ASCII bytes, on the stack (`hex::encode` pushes one `char` at a time). On
/// x86-64 the sixteen bytes' nibbles are spread and turned into digits in two SSE2 registers:
/// `hex::encode_to_slice` went a byte at a time, ~160 instructions a hash (an alert takes one
/// for its id and one per hashed finding: 3.6 M instructions for 4,800 alerts, callgrind).
pub fn hex16_bytes(h: &[u8]) -> [u8; 32] {
    let h: &[u8; 16] = h[..16].try_into().expect("16 bytes");
    #[cfg(target_arch = "x86_64")]
    {
        hex16_sse2(h)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut buf = [0u8; 32];
        hex::encode_to_slice(h, &mut buf).expect("32 bytes for 16");
        buf
    }
}

/// [`hex16_bytes`] with SSE2: each byte's high and low nibbles interleaved (high first), then
/// `'0' + v`, plus `'a' - '0' - 10` where `v > 9`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn hex16_sse2(h: &[u8; 16]) -> [u8; 32] {
    use std::arch::x86_64::*;
    let mut out = [0u8; 32];
    // SAFETY: SSE2 is part of every x86-64 target; the loads and stores are unaligned ones of
    // the sixteen bytes of `h` and of the two halves of `out`.
    unsafe {
        let x = _mm_loadu_si128(h.as_ptr().cast());
        let nibble = _mm_set1_epi8(0x0f);
        let hi = _mm_and_si128(_mm_srli_epi16::<4>(x), nibble);
        let lo = _mm_and_si128(x, nibble);
        let digits = |v: __m128i| {
            let letter = _mm_cmpgt_epi8(v, _mm_set1_epi8(9));
            let base = _mm_add_epi8(v, _mm_set1_epi8(b'0' as i8));
            _mm_add_epi8(
                base,
                _mm_and_si128(letter, _mm_set1_epi8((b'a' - b'0' - 10) as i8)),
            )
        };
        _mm_storeu_si128(out.as_mut_ptr().cast(), digits(_mm_unpacklo_epi8(hi, lo)));
        _mm_storeu_si128(
            out[16..].as_mut_ptr().cast(),
            digits(_mm_unpackhi_epi8(hi, lo)),
        );
    }
    out
}

#[derive(Clone)]
pub struct KeyedHasher {
    key: [u8; 32],
}

impl KeyedHasher {
    /// Derives the hashing key from deployment secret material of any length.
    pub fn from_secret(secret: &[u8]) -> KeyedHasher {
        KeyedHasher {
            key: blake3::derive_key("doxwatch identifier hash v1", secret),
        }
    }

    /// BLAKE3 keyed with the deployment key over `kind \0 canonical`.
    pub fn hash(&self, kind: Kind, canonical: &str) -> [u8; 32] {
        // Identifiers are short: one `keyed_hash` call over a stack copy of the input costs
        // ~105 ns against ~140 ns through the streaming `Hasher` (same bytes; measured in the
        // leak-set build, where this is a third of the hashing workers' time).
        let (k, v) = (kind.as_str().as_bytes(), canonical.as_bytes());
        let mut buf = [0u8; 128];
        if k.len() + 1 + v.len() <= buf.len() {
            buf[..k.len()].copy_from_slice(k);
            buf[k.len() + 1..k.len() + 1 + v.len()].copy_from_slice(v);
            return *blake3::keyed_hash(&self.key, &buf[..k.len() + 1 + v.len()]).as_bytes();
        }
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(k);
        h.update(b"\0");
        h.update(v);
        *h.finalize().as_bytes()
    }

    /// [`KeyedHasher::hash`] of four values (same bytes). Bulk builds hash millions of
    /// identifiers: when each `kind \0 value` fits one BLAKE3 block (64 bytes, so values up to
    /// 55 bytes), the four are compressed side by side in SIMD lanes: 54-72 instead of 104-115
    /// ns a value here; a longer value goes through [`KeyedHasher::hash`].
    pub fn hash4(&self, items: [(Kind, &str); 4]) -> [[u8; 32]; 4] {
        let input_len = |(k, v): &(Kind, &str)| k.as_str().len() + 1 + v.len();
        if items.iter().any(|i| input_len(i) > BLOCK_LEN) {
            return items.map(|(k, v)| self.hash(k, v));
        }
        let mut bufs = [[0u8; BLOCK_LEN]; 4];
        for (buf, (k, v)) in bufs.iter_mut().zip(items) {
            let k = k.as_str().as_bytes();
            buf[..k.len()].copy_from_slice(k);
            buf[k.len() + 1..k.len() + 1 + v.len()].copy_from_slice(v.as_bytes());
        }
        let inputs: [&[u8]; 4] = std::array::from_fn(|i| &bufs[i][..input_len(&items[i])]);
        keyed_hash4(&self.key, inputs)
    }

    /// A public fingerprint of the key (it reveals nothing of the key), recorded beside
    /// hashes so a store opened with another key says so.
    pub fn key_id(&self) -> String {
        blake3::keyed_hash(&self.key, b"key id").to_hex()[..16].to_string()
    }

    /// The first 16 bytes, hex: what alerts and the index carry.
    pub fn hash_hex(&self, kind: Kind, canonical: &str) -> String {
        hex16(&self.hash(kind, canonical))
    }
}

impl std::fmt::Debug for KeyedHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyedHasher(<key>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position, against the `hex` crate.
    #[test]
    fn hex16_is_hex_encode() {
        for pos in 0..16 {
            for b in 0..=255u8 {
                let mut h = [0u8; 20];
                for (i, x) in h.iter_mut().enumerate() {
                    *x = (i as u8).wrapping_mul(37) ^ 0x5a;
                }
                h[pos] = b;
                let want = hex::encode(&h[..16]);
                assert_eq!(&hex16_bytes(&h), want.as_bytes(), "{h:?}");
                assert_eq!(hex16(&h), want);
                let mut s = "x".to_string();
                hex16_into(&h, &mut s);
                assert_eq!(s, format!("x{want}"));
            }
        }
    }

    #[test]
    fn keyed_and_kind_separated() {
        let a = KeyedHasher::from_secret(b"deployment-a");
        let b = KeyedHasher::from_secret(b"deployment-b");
        assert_ne!(
            a.hash_hex(Kind::Phone, "13800138000"),
            b.hash_hex(Kind::Phone, "13800138000")
        );
        assert_ne!(
            a.hash_hex(Kind::Phone, "13800138000"),
            a.hash_hex(Kind::Qq, "13800138000")
        );
        assert_eq!(a.hash_hex(Kind::Phone, "13800138000").len(), 32);
    }

    #[test]
    fn four_at_once_hash_as_one_at_a_time() {
        let h = KeyedHasher::from_secret(b"deployment-a");
        for n in [0, 1, 11, 18, 40, 49, 50, 55, 56, 58, 59, 64, 200] {
            let v = "7".repeat(n);
            let items = [
                (Kind::Phone, v.as_str()),
                (Kind::IdCard, &v[..n / 2]),
                (Kind::Email, v.as_str()),
                (Kind::Qq, "10001"),
            ];
            assert_eq!(h.hash4(items), items.map(|(k, v)| h.hash(k, v)), "{n}");
        }
    }

    /// The one-call path for short inputs gives the bytes of the streaming one (hashes in
    /// stores and leak sets built before it must still match), at and around its limit.
    #[test]
    fn short_and_long_inputs_hash_as_one_stream() {
        let h = KeyedHasher::from_secret(b"deployment-a");
        for n in [0, 1, 11, 100, 121, 122, 123, 200, 5000] {
            let v = "9".repeat(n);
            let mut s = blake3::Hasher::new_keyed(&h.key);
            s.update(b"email\0");
            s.update(v.as_bytes());
            assert_eq!(
                h.hash(Kind::Email, &v),
                *s.finalize().as_bytes(),
                "length {n}"
            );
            let hex: String = s.finalize().as_bytes()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(h.hash_hex(Kind::Email, &v), hex);
        }
    }
}
