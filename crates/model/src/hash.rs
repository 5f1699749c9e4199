//! Keyed hashing of canonical identifiers.
//!
//! Phones (~10^10) and ID numbers (~10^11) are few enough that a plain or globally salted hash
//! is reversed by brute force in hours, so every identifier hash is keyed with the deployment
//! key (BLAKE3 keyed mode). The kind is part of the input: the same digits as a phone and as a
//! QQ number hash differently.

use crate::Kind;

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

    pub fn hash(&self, kind: Kind, canonical: &str) -> [u8; 32] {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(kind.as_str().as_bytes());
        h.update(b"\0");
        h.update(canonical.as_bytes());
        *h.finalize().as_bytes()
    }

    /// A public fingerprint of the key (it reveals nothing of the key), recorded beside
    /// hashes so a store opened with another key says so.
    pub fn key_id(&self) -> String {
        blake3::keyed_hash(&self.key, b"key id").to_hex()[..16].to_string()
    }

    /// The first 16 bytes, hex: what alerts and the index carry.
    pub fn hash_hex(&self, kind: Kind, canonical: &str) -> String {
        let h = self.hash(kind, canonical);
        let mut s = String::with_capacity(32);
        for b in &h[..16] {
            s.push_str(&format!("{b:02x}"));
        }
        s
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
}
