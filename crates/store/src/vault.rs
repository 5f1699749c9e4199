//! The evidence vault: original posts, content-addressed by the BLAKE3 of their bytes and kept
//! as sealed by the matcher (XChaCha20-Poly1305 under the vault key, the digest as associated
//! data). Reading plaintext is [`Vault::read`], which callers audit.

use crate::StoreError;
use doxwatch_model::{Evidence, VaultKey};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Vault {
    dir: PathBuf,
    key: VaultKey,
}

fn valid_digest(d: &str) -> bool {
    d.len() == 64
        && d.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Vault {
    pub fn open(dir: &Path, key: VaultKey) -> Result<Vault, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            key,
        })
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(&digest[..2]).join(format!("{digest}.sealed"))
    }

    pub fn contains(&self, digest: &str) -> bool {
        valid_digest(digest) && self.path(digest).exists()
    }

    /// Stores sealed evidence after checking that it opens under the vault key and matches its
    /// digest, so the vault never holds what it could not give back. Returns false when it was
    /// already there. The file is synced before this returns.
    pub fn put(&self, ev: &Evidence) -> Result<bool, StoreError> {
        if !valid_digest(&ev.digest) {
            return Err(StoreError::Evidence(format!(
                "evidence digest `{}` is not a BLAKE3 hex digest",
                ev.digest.chars().take(80).collect::<String>()
            )));
        }
        let path = self.path(&ev.digest);
        if path.exists() {
            return Ok(false);
        }
        self.key
            .open(ev)
            .map_err(|e| StoreError::Evidence(format!("evidence {}: {e}", &ev.digest[..16])))?;
        let blob = ev
            .blob()
            .map_err(|e| StoreError::Evidence(format!("evidence {}: {e}", &ev.digest[..16])))?;
        let dir = path.parent().expect("vault paths have a parent");
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let tmp = dir.join(format!(".{}.tmp{}", ev.digest, std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&blob)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            StoreError::io(&path, e)
        })?;
        Ok(true)
    }

    /// The plaintext original of `digest`, checked against the digest. Callers write an audit
    /// entry first: this is the only way plaintext leaves the vault.
    pub fn read(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        if !valid_digest(digest) {
            return Err(StoreError::NotFound(format!("evidence {digest}")));
        }
        let path = self.path(digest);
        let blob = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::NotFound(format!("evidence {digest}")),
            _ => StoreError::io(&path, e),
        })?;
        let pt = self
            .key
            .open_raw(&blob, digest.as_bytes())
            .map_err(|e| StoreError::Evidence(format!("evidence {}: {e}", &digest[..16])))?;
        if blake3::hash(&pt).to_hex().as_str() != digest {
            return Err(StoreError::Evidence(format!(
                "evidence {}: content does not match its digest",
                &digest[..16]
            )));
        }
        Ok(pt)
    }
}
