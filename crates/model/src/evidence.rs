//! Sealed evidence: the original post travels with its alert encrypted, so neither the alerts
//! topic nor an alerts file holds it in plaintext, and the store keeps it as it came.
//!
//! The post's canonical JSON is hashed with BLAKE3 (the content address, and the digest quoted in
//! takedown requests and referral manifests) and encrypted with XChaCha20-Poly1305 under the
//! vault key; the digest is the associated data, so a blob cannot be swapped under another
//! address without the tag failing.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

const NONCE_LEN: usize = 24;

/// The original post of an alert, sealed under the vault key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// BLAKE3 (hex) of the plaintext: the vault address.
    pub digest: String,
    /// nonce ‖ ciphertext ‖ tag, base64 (standard alphabet, padded).
    pub sealed: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum EvidenceError {
    /// The blob is not base64 or is shorter than a nonce and a tag.
    Malformed,
    /// Authentication failed: another key, or the blob or its digest was altered.
    WrongKeyOrTampered,
}

impl std::fmt::Display for EvidenceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvidenceError::Malformed => f.write_str("sealed evidence is malformed"),
            EvidenceError::WrongKeyOrTampered => {
                f.write_str("sealed evidence does not open: wrong vault key, or it was altered")
            }
        }
    }
}

impl std::error::Error for EvidenceError {}

/// The vault key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct VaultKey {
    cipher: XChaCha20Poly1305,
    id: String,
}

impl VaultKey {
    pub fn new(key: &[u8; 32]) -> VaultKey {
        let key = blake3::derive_key("doxwatch evidence vault v1", key);
        let id = blake3::keyed_hash(&key, b"key id").to_hex()[..16].to_string();
        VaultKey {
            cipher: XChaCha20Poly1305::new((&key).into()),
            id,
        }
    }

    /// A public fingerprint of the key, stored beside the data it sealed so a wrong key is
    /// reported as such instead of as corruption.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plaintext` under a fresh random nonce.
    pub fn seal(&self, plaintext: &[u8]) -> Evidence {
        let digest = blake3::hash(plaintext).to_hex().to_string();
        let blob = self.seal_raw(plaintext, digest.as_bytes());
        Evidence {
            digest,
            sealed: b64().encode(blob),
        }
    }

    /// nonce ‖ ciphertext ‖ tag of `plaintext`, bound to `aad`.
    pub fn seal_raw(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source failed");
        let ct = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open_raw(&self, blob: &[u8], aad: &[u8]) -> Result<Vec<u8>, EvidenceError> {
        if blob.len() < NONCE_LEN + 16 {
            return Err(EvidenceError::Malformed);
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| EvidenceError::WrongKeyOrTampered)
    }

    /// Opens sealed evidence and checks the plaintext against its digest.
    pub fn open(&self, ev: &Evidence) -> Result<Vec<u8>, EvidenceError> {
        let blob = b64()
            .decode(ev.sealed.as_bytes())
            .map_err(|_| EvidenceError::Malformed)?;
        let pt = self.open_raw(&blob, ev.digest.as_bytes())?;
        if blake3::hash(&pt).to_hex().as_str() != ev.digest {
            return Err(EvidenceError::WrongKeyOrTampered);
        }
        Ok(pt)
    }
}

impl Evidence {
    /// The sealed blob as bytes (what the vault stores).
    pub fn blob(&self) -> Result<Vec<u8>, EvidenceError> {
        b64()
            .decode(self.sealed.as_bytes())
            .map_err(|_| EvidenceError::Malformed)
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

use base64::Engine as _;

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VaultKey(id {})", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens() {
        let k = VaultKey::new(&[7u8; 32]);
        let ev = k.seal(b"{\"id\":\"p1\",\"text\":\"x\"}");
        assert_eq!(k.open(&ev).unwrap(), b"{\"id\":\"p1\",\"text\":\"x\"}");
        // Fresh nonces: the same post seals differently.
        assert_ne!(k.seal(b"same").sealed, k.seal(b"same").sealed);
    }

    #[test]
    fn wrong_key_and_tampering_fail() {
        let k = VaultKey::new(&[7u8; 32]);
        let other = VaultKey::new(&[8u8; 32]);
        assert_ne!(k.id(), other.id());
        let ev = k.seal(b"post");
        assert_eq!(other.open(&ev), Err(EvidenceError::WrongKeyOrTampered));
        let mut moved = ev.clone();
        moved.digest = blake3::hash(b"other").to_hex().to_string();
        assert_eq!(k.open(&moved), Err(EvidenceError::WrongKeyOrTampered));
        let mut blob = ev.blob().unwrap();
        let last = blob.len() - 1;
        blob[last] ^= 1;
        let flipped = Evidence {
            digest: ev.digest.clone(),
            sealed: b64().encode(&blob),
        };
        assert_eq!(k.open(&flipped), Err(EvidenceError::WrongKeyOrTampered));
        let short = Evidence {
            digest: ev.digest,
            sealed: "AAAA".into(),
        };
        assert_eq!(k.open(&short), Err(EvidenceError::Malformed));
    }
}
