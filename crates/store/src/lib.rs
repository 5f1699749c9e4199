//! The investigators' store: everything doxwatch found, searchable, with the evidence to act.
//!
//! - [`AlertIndex`] (tantivy): one document per alert — filters, identifier hashes, seller
//!   handles, region codes and CJK free text over the masked post; commits carry the source
//!   checkpoint.
//! - [`Vault`]: the original posts, sealed by the matcher (XChaCha20-Poly1305), stored by the
//!   BLAKE3 of their bytes; reading plaintext is an audited operation.
//! - [`CaseDb`] (SQLite): subjects (a person across posts), cases and their states, and the
//!   hash-chained audit log.
//! - [`export`]: takedown requests per platform and self-verifying police-referral packages.
//!
//! ```no_run
//! # fn main() -> Result<(), doxwatch_store::StoreError> {
//! use doxwatch_store::{SearchQuery, Store};
//! let keys = doxwatch_pipeline::keys::Keys::default(); // loaded from config in practice
//! let store = Store::open_read(std::path::Path::new("data/store"), &keys)?;
//! let page = store.search(&SearchQuery { text: Some("开盒".into()), limit: 20, ..Default::default() })?;
//! println!("{} alerts", page.total);
//! # Ok(()) }
//! ```
//!
//! Nothing here holds a plaintext identifier outside the vault: the index and the database
//! keep masked values and keyed hashes.

pub mod cases;
pub mod export;
pub mod index;
pub mod request;
pub mod tokenizer;
pub mod tokens;
pub mod vault;

pub use cases::{AuditEntry, AuditRecord, Case, CaseDb, CaseState, Subject};
pub use index::{AlertIndex, Checkpoint, SearchPage, SearchQuery, Sort};
pub use request::SearchRequest;
pub use tokens::{Role, TokenInfo, TokenSet};
pub use vault::Vault;

use doxwatch_model::Alert;
use doxwatch_pipeline::keys::Keys;
use doxwatch_pipeline::runtime::{BoxFuture, PipelineError, Sink};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no store at {0} (run a pipeline with a store sink first)")]
    Missing(PathBuf),
    #[error("{0} is locked by another writer (an indexer or pipeline is running on it)")]
    Locked(PathBuf),
    #[error("{path}: damaged or unreadable: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("index: {0}")]
    Index(String),
    #[error("database: {0}")]
    Db(String),
    #[error("the store was opened read-only")]
    ReadOnly,
    #[error("{0}")]
    Key(String),
    #[error("{0}")]
    Evidence(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("audit log broken at entry {seq}: {message}")]
    AuditBroken { seq: i64, message: String },
    #[error("package {path}: {message}")]
    Package { path: PathBuf, message: String },
}

impl StoreError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn corrupt(path: &Path, e: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }

    pub(crate) fn index(e: tantivy::TantivyError) -> StoreError {
        StoreError::Index(e.to_string())
    }
}

/// `store.json`: which keys a store was written with, by fingerprint, so opening it with
/// another key fails with a clear message instead of unreadable evidence and hashes that
/// never match.
/// The on-disk layout this build writes and reads. 2: numbers are index columns only and the
/// unsearched post id is no longer a term (format 1 indexes hold both). 3: the database keys
/// hashes and alert ids by their raw bytes and links alerts by position (format 2 databases
/// hold hex text).
const STORE_FORMAT: u32 = 3;

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct StoreMeta {
    format: u32,
    hash_key_id: String,
    vault_key_id: String,
}

pub struct Store {
    dir: PathBuf,
    pub index: AlertIndex,
    pub vault: Vault,
    pub db: CaseDb,
}

/// Totals of one [`Store::ingest`].
#[derive(Debug, Default, Clone, Copy)]
pub struct IngestStats {
    pub alerts: usize,
    pub evidence_new: usize,
    pub without_evidence: usize,
    /// Time in each stage. They overlap: staging into tantivy, then finishing its segments
    /// and publishing them once the other two are done; the vault's checks, appends and sync
    /// (on a thread of its own); the database transaction (on a thread of its own). `[3]` is
    /// the commit after staging, including any wait for the database.
    pub stage: [std::time::Duration; 4],
}

impl Store {
    /// Opens the store for writing (creating it), holding the index lock.
    pub fn open(dir: &Path, keys: &Keys) -> Result<Store, StoreError> {
        Store::open_mode(dir, keys, true)
    }

    /// Opens an existing store for reading and casework (no index lock: a pipeline may be
    /// writing at the same time).
    pub fn open_read(dir: &Path, keys: &Keys) -> Result<Store, StoreError> {
        Store::open_mode(dir, keys, false)
    }

    fn open_mode(dir: &Path, keys: &Keys, writable: bool) -> Result<Store, StoreError> {
        let (Some(hasher), Some(vault_key)) = (&keys.hasher, &keys.vault) else {
            return Err(StoreError::Key(
                "the store needs the hash key and the vault key (set DOXWATCH_HASH_KEY and \
                 DOXWATCH_VAULT_KEY, or keys.hash_key_file and keys.vault_key_file in the config)"
                    .into(),
            ));
        };
        let meta = StoreMeta {
            format: STORE_FORMAT,
            hash_key_id: hasher.key_id(),
            vault_key_id: vault_key.id().to_string(),
        };
        let meta_path = dir.join("store.json");
        match std::fs::read(&meta_path) {
            Ok(bytes) => {
                let found: StoreMeta = serde_json::from_slice(&bytes)
                    .map_err(|e| StoreError::corrupt(&meta_path, e))?;
                if found.format != STORE_FORMAT {
                    return Err(StoreError::corrupt(
                        &meta_path,
                        format!(
                            "store format {} is not supported by this build (format {STORE_FORMAT}): \
                             ingest the alerts again into a new store directory",
                            found.format
                        ),
                    ));
                }
                if found.hash_key_id != meta.hash_key_id {
                    return Err(StoreError::Key(format!(
                        "wrong hash key for {}: the store was written with key {}, this key is {}",
                        dir.display(),
                        found.hash_key_id,
                        meta.hash_key_id
                    )));
                }
                if found.vault_key_id != meta.vault_key_id {
                    return Err(StoreError::Key(format!(
                        "wrong vault key for {}: the store was written with key {}, this key is {}",
                        dir.display(),
                        found.vault_key_id,
                        meta.vault_key_id
                    )));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !writable {
                    return Err(StoreError::Missing(dir.to_path_buf()));
                }
                std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
                write_atomic(
                    &meta_path,
                    serde_json::to_string_pretty(&meta)
                        .unwrap_or_default()
                        .as_bytes(),
                )?;
            }
            Err(e) => return Err(StoreError::io(&meta_path, e)),
        }
        let index = AlertIndex::open(&dir.join("index"), writable)?;
        let vault = Vault::open(&dir.join("vault"), vault_key.clone())?;
        let db = CaseDb::open(&dir.join("cases.sqlite"))?;
        Ok(Store {
            dir: dir.to_path_buf(),
            index,
            vault,
            db,
        })
    }

    /// Where to resume the source: per position, the older of the index's and the
    /// database's checkpoints (the database commits first; see [`Store::ingest`]).
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let index = self.index.checkpoint()?;
        let db = self.db.checkpoint()?;
        Ok(match (index, db) {
            (Some(mut i), Some(d)) => {
                for (k, v) in i.positions.iter_mut() {
                    if let Some(dv) = d.positions.get(k) {
                        *v = (*v).min(*dv);
                    }
                }
                Some(i)
            }
            // One side never committed: start over (replays are harmless).
            _ => None,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a batch of alerts: evidence into the vault, summaries and subjects into the
    /// database, documents into the index, then one index commit carrying `checkpoint`.
    /// Every step is idempotent, so replaying from an older checkpoint changes nothing.
    /// On error nothing of the batch is committed to the index.
    pub fn ingest(
        &mut self,
        alerts: &[Alert],
        checkpoint: &Checkpoint,
    ) -> Result<IngestStats, StoreError> {
        let mut stats = IngestStats {
            alerts: alerts.len(),
            ..Default::default()
        };
        let result = (|| {
            // Three things happen at once, on three threads: the documents are staged into
            // tantivy here (which indexes them on its own thread), the vault checks, appends
            // and syncs the new originals, and the database records the batch, asking for the
            // evidence locations last. The durable commits keep their order: the vault syncs
            // before the database commits the locations, and the index publishes the batch
            // and its checkpoint only after the database committed. A failure in between
            // leaves alerts recorded but not indexed, which the replay from the older
            // checkpoint adds; never the reverse, which would need a delete.
            let t = std::time::Instant::now();
            let ids: Vec<&str> = alerts.iter().map(|a| a.alert_id.as_str()).collect();
            let recorded = self.db.known_alerts(&ids)?;
            let digests: Vec<&str> = alerts
                .iter()
                .filter_map(|a| a.evidence.as_ref().map(|e| e.digest.as_str()))
                .collect();
            let known = self.db.known_evidence(&digests)?;
            let mut in_batch = std::collections::HashSet::new();
            let new: Vec<&doxwatch_model::Evidence> = alerts
                .iter()
                .filter_map(|a| a.evidence.as_ref())
                .filter(|ev| in_batch.insert(ev.digest.as_str()) && !known.contains(&ev.digest))
                .collect();
            stats.without_evidence = alerts.len() - digests.len();
            let (index, vault, db) = (&mut self.index, &mut self.vault, &mut self.db);
            let recorded = &recorded;
            std::thread::scope(|s| {
                let (located_tx, located_rx) = std::sync::mpsc::sync_channel(1);
                let vaulting = s.spawn(move || {
                    let t = std::time::Instant::now();
                    let r = store_evidence(vault, &new);
                    // On an error the database thread gets nothing and drops the batch.
                    let _ = located_tx.send(r.as_ref().ok().cloned());
                    (r.map(|l| l.len()), t.elapsed())
                });
                let recording = s.spawn(move || {
                    let t = std::time::Instant::now();
                    let r = db.record_alerts_then(alerts, recorded, checkpoint, || {
                        located_rx.recv().ok().flatten().ok_or_else(|| {
                            StoreError::Evidence("the vault did not store the batch".into())
                        })
                    });
                    (r, t.elapsed())
                });
                index.add(alerts, |id| recorded.contains(id))?;
                stats.stage[0] = t.elapsed();
                let t = std::time::Instant::now();
                index.commit_when(checkpoint, || {
                    let (stored, vault_time) = vaulting.join().expect("vault thread panicked");
                    let (r, db_time) = recording.join().expect("database thread panicked");
                    stats.stage[1] = vault_time;
                    stats.stage[2] = db_time;
                    // The vault's own error, if it failed: the database's only says so.
                    stats.evidence_new = stored?;
                    r
                })?;
                stats.stage[3] = t.elapsed();
                Ok(())
            })
        })();
        if let Err(e) = result {
            let _ = self.index.rollback();
            return Err(e);
        }
        Ok(stats)
    }

    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage, StoreError> {
        self.index.search(q)
    }

    /// The plaintext original of an alert's post, with an audit entry naming who read it and
    /// why. The entry is written first: a read that cannot be audited does not happen.
    pub fn read_evidence(
        &mut self,
        alert_id: &str,
        actor: &str,
        reason: &str,
    ) -> Result<Vec<u8>, StoreError> {
        let digest = self
            .db
            .evidence_of(alert_id)?
            .ok_or_else(|| StoreError::NotFound(format!("evidence of alert {alert_id}")))?;
        self.db.audit(
            actor,
            "evidence.read",
            &format!("alert:{alert_id}"),
            &serde_json::json!({"digest": digest, "reason": reason}).to_string(),
        )?;
        self.open_evidence(&digest)
    }

    /// Plaintext of the evidence `digest`; callers audit the read first.
    pub(crate) fn open_evidence(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        let loc = self
            .db
            .evidence_location(digest)?
            .ok_or_else(|| StoreError::NotFound(format!("evidence {digest}")))?;
        self.vault.read(digest, loc)
    }
}

/// Checks the new originals of a batch, appends them to the vault and syncs it: the
/// locations the database may then record.
fn store_evidence(
    vault: &mut Vault,
    new: &[&doxwatch_model::Evidence],
) -> Result<Vec<(String, vault::Location)>, StoreError> {
    let mut located = Vec::with_capacity(new.len());
    for ev in new {
        let blob = vault.check(ev)?;
        located.push((ev.digest.clone(), vault.append(&ev.digest, &blob)?));
    }
    if !located.is_empty() {
        vault.sync()?;
    }
    Ok(located)
}

/// The bytes `s` spells if it is lower-case hex of even, non-zero length, the form of every
/// hash and alert id doxwatch makes (the index and the database key those by their bytes).
pub(crate) fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    // Upper-case hex is another id, kept as text: the bytes must spell `s` back exactly.
    if s.is_empty() || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    hex::decode(s).ok()
}

/// Lower-case hex of `raw`: what [`hex_bytes`] decodes.
pub(crate) fn to_hex(raw: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(raw.len() * 2);
    for b in raw {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Writes `path` completely or not at all: a temporary file, synced, renamed over.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let res = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    res.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        StoreError::io(path, e)
    })
}

/// Seconds since the Unix epoch of an RFC 3339 time, or of the looser forms posts carry
/// (`2025-06-01 12:00:00`, `2025-06-01`), read as UTC.
pub fn time_secs(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    if let Ok(t) = time::PrimitiveDateTime::parse(
        s,
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    ) {
        return Some(t.assume_utc().unix_timestamp());
    }
    if let Ok(t) = time::PrimitiveDateTime::parse(
        s,
        format_description!("[year]-[month]-[day] [hour]:[minute]"),
    ) {
        return Some(t.assume_utc().unix_timestamp());
    }
    time::Date::parse(s, format_description!("[year]-[month]-[day]"))
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}

pub use doxwatch_model::now_rfc3339;

/// The store as a pipeline sink: each batch is one [`Store::ingest`] (one index commit), so a
/// batch is acknowledged only when its alerts are durable in the store.
pub struct StoreSink {
    store: Option<Store>,
    batches: i64,
}

impl StoreSink {
    pub fn new(store: Store) -> StoreSink {
        let batches = store
            .checkpoint()
            .ok()
            .flatten()
            .and_then(|c| c.positions.get("batches").copied())
            .unwrap_or(0);
        StoreSink {
            store: Some(store),
            batches,
        }
    }
}

impl Sink for StoreSink {
    fn write<'a>(&'a mut self, alerts: &'a [Alert]) -> BoxFuture<'a, Result<(), PipelineError>> {
        Box::pin(async move {
            if alerts.is_empty() {
                return Ok(());
            }
            self.batches += 1;
            let mut store = self
                .store
                .take()
                .ok_or_else(|| PipelineError::Io("store sink failed earlier".into()))?;
            let alerts = alerts.to_vec();
            let checkpoint = Checkpoint {
                source: "pipeline".into(),
                positions: [("batches".to_string(), self.batches)].into(),
            };
            // Index commits fsync: off the async threads.
            let (store, res) = tokio::task::spawn_blocking(move || {
                let r = store.ingest(&alerts, &checkpoint);
                (store, r)
            })
            .await
            .map_err(|e| PipelineError::Task(e.to_string()))?;
            self.store = Some(store);
            res.map(|_| ())
                .map_err(|e| PipelineError::Io(format!("store: {e}")))
        })
    }
}
