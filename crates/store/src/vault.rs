//! The evidence vault: original posts kept as the matcher sealed them (XChaCha20-Poly1305
//! under the vault key, the BLAKE3 digest of the plaintext as associated data), addressed by
//! that digest.
//!
//! Blobs are appended to pack files (`vault/NNNNNN.pack`, a new one past 1 GiB) and synced
//! once per batch: a file and an fsync per post would cap ingestion near a thousand posts a
//! second. Where each digest lives is recorded by the caller (the case database) in the same
//! transaction as the alerts that cite it. A crash after the append and before that
//! transaction leaves unreferenced bytes in a pack, never a reference to missing bytes.
//! Reading plaintext is [`Vault::read`], which callers audit.

use crate::StoreError;
use doxwatch_model::{Evidence, VaultKey};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const PACK_LIMIT: u64 = 1 << 30;
const MAGIC: &[u8; 4] = b"DXV1";

/// Where a blob is: pack number, offset of the blob, length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    pub pack: u32,
    pub offset: u64,
    pub len: u32,
}

pub struct Vault {
    dir: PathBuf,
    key: VaultKey,
    pack: u32,
    file: Option<File>,
    /// Logical size of the current pack, including `pending`.
    size: u64,
    /// Appended records not yet written: one write per batch (or per [`FLUSH_AT`] bytes)
    /// instead of two per blob.
    pending: Vec<u8>,
}

const FLUSH_AT: usize = 8 << 20;

pub fn valid_digest(d: &str) -> bool {
    d.len() == 64
        && d.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Vault {
    pub fn open(dir: &Path, key: VaultKey) -> Result<Vault, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let mut last = 0u32;
        for e in std::fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))? {
            let name = e.map_err(|e| StoreError::io(dir, e))?.file_name();
            if let Some(n) = name
                .to_str()
                .and_then(|n| n.strip_suffix(".pack"))
                .and_then(|n| n.parse::<u32>().ok())
            {
                last = last.max(n);
            }
        }
        Ok(Vault {
            dir: dir.to_path_buf(),
            key,
            pack: last.max(1),
            file: None,
            size: 0,
            pending: Vec::new(),
        })
    }

    fn pack_path(&self, pack: u32) -> PathBuf {
        self.dir.join(format!("{pack:06}.pack"))
    }

    /// Checks that sealed evidence opens under the vault key and matches its digest, so the
    /// vault never takes what it could not give back.
    pub fn check(&self, ev: &Evidence) -> Result<Vec<u8>, StoreError> {
        let short = ev.digest.get(..16).unwrap_or(&ev.digest);
        if !valid_digest(&ev.digest) {
            return Err(StoreError::Evidence(format!(
                "evidence digest `{}` is not a BLAKE3 hex digest",
                ev.digest.chars().take(80).collect::<String>()
            )));
        }
        let blob = ev
            .blob()
            .map_err(|e| StoreError::Evidence(format!("evidence {short}: {e}")))?;
        let pt = self
            .key
            .open_raw(&blob, ev.digest.as_bytes())
            .map_err(|_| {
                StoreError::Evidence(format!(
                    "evidence {short} does not open: sealed under a wrong vault key, or altered"
                ))
            })?;
        if blake3::hash(&pt).to_hex().as_str() != ev.digest {
            return Err(StoreError::Evidence(format!(
                "evidence {short}: content does not match its digest"
            )));
        }
        Ok(blob)
    }

    /// Appends blobs (not yet synced: call [`Vault::sync`] before recording their locations).
    pub fn append(&mut self, digest: &str, blob: &[u8]) -> Result<Location, StoreError> {
        if self.file.is_none() || self.size >= PACK_LIMIT {
            if self.file.is_some() {
                self.sync()?;
                self.pack += 1;
            }
            let path = self.pack_path(self.pack);
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .read(true)
                .open(&path)
                .map_err(|e| StoreError::io(&path, e))?;
            self.size = f
                .seek(SeekFrom::End(0))
                .map_err(|e| StoreError::io(&path, e))?;
            if self.size >= PACK_LIMIT {
                self.pack += 1;
                return self.append(digest, blob);
            }
            self.file = Some(f);
        }
        // A record: magic, digest, length, blob; the header lets a pack be audited alone.
        let digest = blake3::Hash::from_hex(digest)
            .map_err(|_| StoreError::Evidence("evidence digest is not hex".into()))?;
        let header = MAGIC.len() + 32 + 4;
        self.pending.extend_from_slice(MAGIC);
        self.pending.extend_from_slice(digest.as_bytes());
        self.pending
            .extend_from_slice(&(blob.len() as u32).to_le_bytes());
        self.pending.extend_from_slice(blob);
        let loc = Location {
            pack: self.pack,
            offset: self.size + header as u64,
            len: blob.len() as u32,
        };
        self.size += (header + blob.len()) as u64;
        if self.pending.len() >= FLUSH_AT {
            self.write_pending()?;
        }
        Ok(loc)
    }

    /// Writes the pending records. After a failed write the pack may end in a partial
    /// record, so the file is closed: the next append reopens it and takes its real length
    /// as the next offset (the failed batch's locations are never recorded).
    fn write_pending(&mut self) -> Result<(), StoreError> {
        let Some(f) = self.file.as_mut() else {
            return Ok(());
        };
        let result = f.write_all(&self.pending);
        self.pending.clear();
        if let Err(e) = result {
            self.file = None;
            return Err(StoreError::io(&self.pack_path(self.pack), e));
        }
        Ok(())
    }

    /// Makes appended blobs durable.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        self.write_pending()?;
        if let Some(f) = &self.file {
            if let Err(e) = f.sync_data() {
                self.file = None;
                return Err(StoreError::io(&self.pack_path(self.pack), e));
            }
        }
        Ok(())
    }

    /// The plaintext original at `loc`, checked against `digest`. Callers write an audit
    /// entry first: this is the only way plaintext leaves the vault.
    pub fn read(&self, digest: &str, loc: Location) -> Result<Vec<u8>, StoreError> {
        let path = self.pack_path(loc.pack);
        let mut f = File::open(&path).map_err(|e| StoreError::io(&path, e))?;
        let mut blob = vec![0u8; loc.len as usize];
        f.seek(SeekFrom::Start(loc.offset))
            .and_then(|_| f.read_exact(&mut blob))
            .map_err(|e| StoreError::io(&path, e))?;
        let short = digest.get(..16).unwrap_or(digest);
        let pt = self
            .key
            .open_raw(&blob, digest.as_bytes())
            .map_err(|e| StoreError::Evidence(format!("evidence {short}: {e}")))?;
        if blake3::hash(&pt).to_hex().as_str() != digest {
            return Err(StoreError::Evidence(format!(
                "evidence {short}: content does not match its digest"
            )));
        }
        Ok(pt)
    }
}
