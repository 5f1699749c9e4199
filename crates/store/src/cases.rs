//! Subjects, cases and the audit log, in one SQLite database (`cases.sqlite`, WAL mode).
//!
//! A *subject* is a person as the store sees them: the identifier hashes found together in
//! single-person posts, and every alert exposing one of them. A *case* follows a subject (and
//! any alerts added by hand) through `open → takedown_requested → removed | dismissed`, or to
//! `referred`. The audit log is append-only and hash-chained: each entry carries the BLAKE3 of
//! the previous one, so an edited, removed or reordered entry breaks the chain.

use crate::index::Checkpoint;
use crate::vault::Location;
use crate::{now_rfc3339, StoreError};
use doxwatch_model::{Alert, Kind, Verdict};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

/// Tables keyed by a hash or a pair are `WITHOUT ROWID`: the key's B-tree holds the row, so
/// an insert touches one tree instead of a rowid table plus a key index (store format 2).
/// Hashes and alert ids are stored as [`key`]s: 16 or 32 raw bytes instead of 32 or 64 hex
/// characters, and the subject and case links name an alert by its position `pos` (store
/// format 3). Each batch inserts at random into these trees, so their size is what a batch
/// writes. `alerts` is a rowid table: `pos` is the arrival order the alert feed pages by.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS alerts (
    pos INTEGER PRIMARY KEY,
    alert_id BLOB NOT NULL UNIQUE,
    post_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    url TEXT,
    ts_detected TEXT NOT NULL,
    verdict TEXT NOT NULL,
    severity TEXT NOT NULL,
    evidence BLOB
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS evidence (
    digest BLOB PRIMARY KEY,
    pack INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    len INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subjects (
    subject_id INTEGER PRIMARY KEY,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS subject_ids (
    id_hash BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    masked TEXT NOT NULL,
    subject_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS subject_ids_by_subject ON subject_ids(subject_id);
CREATE TABLE IF NOT EXISTS subject_alerts (
    subject_id INTEGER NOT NULL,
    alert_pos INTEGER NOT NULL,
    PRIMARY KEY (subject_id, alert_pos)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS subject_alerts_by_alert ON subject_alerts(alert_pos);
CREATE TABLE IF NOT EXISTS cases (
    case_id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    assignee TEXT,
    subject_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS case_alerts (
    case_id INTEGER NOT NULL,
    alert_pos INTEGER NOT NULL,
    PRIMARY KEY (case_id, alert_pos)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS case_events (
    case_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// Case states and the moves between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Open,
    TakedownRequested,
    Removed,
    Dismissed,
    Referred,
}

impl CaseState {
    pub const ALL: [CaseState; 5] = [
        CaseState::Open,
        CaseState::TakedownRequested,
        CaseState::Removed,
        CaseState::Dismissed,
        CaseState::Referred,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::TakedownRequested => "takedown_requested",
            CaseState::Removed => "removed",
            CaseState::Dismissed => "dismissed",
            CaseState::Referred => "referred",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether a case may move from `self` to `to`. A dismissed case may be reopened; a
    /// referral is possible from any live state and ends the platform's part.
    pub fn can_move_to(self, to: CaseState) -> bool {
        use CaseState::*;
        matches!(
            (self, to),
            (Open, TakedownRequested | Dismissed | Referred)
                | (TakedownRequested, Removed | Dismissed | Referred)
                | (Removed, Referred)
                | (Dismissed, Open)
        )
    }
}

/// An alert's person identifiers: hash → (kind, masked value).
type PersonIds<'a> = BTreeMap<&'a str, (Kind, &'a str)>;

/// Kinds that identify the exposed person (a subject). Contact handles count only outside
/// data-sale ads, where they belong to the seller.
const PERSON_KINDS: &[Kind] = &[Kind::IdCard, Kind::Phone, Kind::BankCard];
const CONTACT_KINDS: &[Kind] = &[Kind::Email, Kind::Qq, Kind::Wechat];

#[derive(Debug, Serialize)]
pub struct SubjectId {
    pub kind: String,
    pub masked: String,
    pub hash: String,
}

#[derive(Debug, Serialize)]
pub struct Subject {
    pub subject_id: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub identifiers: Vec<SubjectId>,
    pub alerts: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct CaseEvent {
    pub at: String,
    pub actor: String,
    pub event: String,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct Case {
    pub case_id: i64,
    pub title: String,
    pub state: CaseState,
    pub assignee: Option<String>,
    pub subject_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// The subject's alerts and those added by hand, oldest first.
    pub alerts: Vec<String>,
    pub events: Vec<CaseEvent>,
}

#[derive(Debug, Serialize, Clone)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev: String,
    pub hash: String,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn entry_hash(
    prev: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    let mut h = blake3::Hasher::new();
    for part in [prev, &seq.to_string(), at, actor, action, target, detail] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().to_hex().to_string()
}

pub struct CaseDb {
    pub(crate) conn: Connection,
}

pub(crate) fn db_err(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{DiskFull, SystemIoFailure};
    match e.sqlite_error_code() {
        // SQLite reports a write that hit a size limit as a generic I/O error.
        Some(SystemIoFailure | DiskFull) => StoreError::Db(format!(
            "{e} (the disk is full, or the file cannot be written); nothing of the batch was committed"
        )),
        _ => StoreError::Db(e.to_string()),
    }
}

impl CaseDb {
    pub fn open(path: &Path) -> Result<CaseDb, StoreError> {
        let conn = Connection::open(path)
            .map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db_err)?;
        // SQLite's default page cache is 2 MB; the subject and alert keys of a million alerts
        // are tens of MB, and each batch touches them at random.
        conn.pragma_update(None, "cache_size", -65536)
            .map_err(db_err)?;
        // Multi-row inserts of every remainder length come and go beside the fixed queries.
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(SCHEMA)
            .map_err(|e| StoreError::Db(format!("{}: {e}", path.display())))?;
        Ok(CaseDb { conn })
    }

    /// Records alert summaries and groups their identifiers into subjects. Idempotent: an
    /// alert in `recorded` (what [`CaseDb::known_alerts`] said of the batch) or earlier in the
    /// batch is skipped, and every row goes in with `OR IGNORE`; an alert that `recorded`
    /// missed keeps the row and links of the transaction that recorded it, so an incomplete
    /// `recorded` costs work, never a duplicate. One transaction per call; existing subjects
    /// are looked up for the whole batch at once, rows go in by multi-row inserts, and
    /// first/last-seen times are written once per subject.
    pub fn record_alerts(
        &mut self,
        alerts: &[Alert],
        recorded: &HashSet<String>,
        evidence: &[(String, Location)],
        checkpoint: &Checkpoint,
    ) -> Result<(), StoreError> {
        self.record_alerts_then(alerts, recorded, checkpoint, || Ok(evidence.to_vec()))
    }

    /// [`CaseDb::record_alerts`] with the evidence locations asked for last, just before the
    /// commit: the store records a batch while the vault is still checking and syncing its
    /// originals. If `evidence` fails, nothing is committed and its error is returned.
    pub fn record_alerts_then(
        &mut self,
        alerts: &[Alert],
        recorded: &HashSet<String>,
        checkpoint: &Checkpoint,
        evidence: impl FnOnce() -> Result<Vec<(String, Location)>, StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(db_err)?;
        tx.prepare_cached("INSERT OR REPLACE INTO meta VALUES ('checkpoint', ?1)")
            .and_then(|mut st| st.execute([serde_json::to_string(checkpoint).unwrap_or_default()]))
            .map_err(db_err)?;
        let mut rows = Rows::default();
        // 1. Alert rows; only alerts not seen before (in the database or earlier in the
        //    batch) go on. Their positions are given here, so the links below need no lookup.
        let first_pos: i64 = tx
            .query_row("SELECT coalesce(max(pos), 0) + 1 FROM alerts", [], |r| {
                r.get(0)
            })
            .map_err(db_err)?;
        let mut in_batch = HashSet::with_capacity(alerts.len());
        let mut fresh: Vec<(&Alert, i64, PersonIds)> = Vec::new();
        for a in alerts {
            if recorded.contains(&a.alert_id) || !in_batch.insert(a.alert_id.as_str()) {
                continue;
            }
            let pos = first_pos + in_batch.len() as i64 - 1;
            rows.push(&[
                int(pos),
                key(&a.alert_id),
                text(&a.post_id),
                text(&a.platform),
                opt_text(a.url.as_deref()),
                text(&a.ts_detected),
                text(a.verdict.as_str()),
                text(a.severity.as_str()),
                a.evidence.as_ref().map_or(null(), |e| key(&e.digest)),
            ]);
            let mut ids = BTreeMap::new();
            for f in &a.findings {
                let person = PERSON_KINDS.contains(&f.kind)
                    || (CONTACT_KINDS.contains(&f.kind) && a.verdict != Verdict::DataSaleAd);
                if let (true, Some(h)) = (person, &f.hash) {
                    ids.insert(h.as_str(), (f.kind, f.masked.as_str()));
                }
            }
            if !ids.is_empty() {
                fresh.push((a, pos, ids));
            }
        }
        let expected = in_batch.len();
        if rows.insert(&tx, "alerts", 9)? < expected {
            // Some were recorded before after all: group only the rows that went in now.
            let mut st = tx
                .prepare_cached("SELECT pos FROM alerts WHERE pos >= ?1")
                .map_err(db_err)?;
            let added = st
                .query_map([first_pos], |r| r.get(0))
                .map_err(db_err)?
                .collect::<Result<HashSet<i64>, _>>()
                .map_err(db_err)?;
            fresh.retain(|(_, pos, _)| added.contains(pos));
        }
        // 2. The subjects the store already knows for these identifiers, in a few queries.
        let mut known: HashMap<String, i64> = HashMap::new();
        {
            let all: Vec<&str> = fresh
                .iter()
                .flat_map(|(_, _, ids)| ids.keys().copied())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            for chunk in all.chunks(500) {
                let sql = format!(
                    "SELECT id_hash, subject_id FROM subject_ids WHERE id_hash IN ({})",
                    vec!["?"; chunk.len()].join(",")
                );
                let mut st = tx.prepare_cached(&sql).map_err(db_err)?;
                let rows = st
                    .query_map(
                        rusqlite::params_from_iter(chunk.iter().map(|h| key(h))),
                        |r| Ok((key_at(r, 0)?, r.get::<_, i64>(1)?)),
                    )
                    .map_err(db_err)?;
                for row in rows {
                    let (h, s) = row.map_err(db_err)?;
                    known.insert(h, s);
                }
            }
        }
        // 3. Group, in alert order. New identifier and subject-alert rows wait in `ids` and
        //    `links` until the end, or until a merge has to see them.
        let mut ids = Rows::default();
        let mut links = Rows::default();
        let mut seen: HashMap<i64, (String, String)> = HashMap::new();
        for (a, pos, person) in &fresh {
            let mut per_kind: BTreeMap<Kind, usize> = BTreeMap::new();
            for (k, _) in person.values() {
                *per_kind.entry(*k).or_default() += 1;
            }
            // One identifier of each kind: one person's dossier, so what it holds is linked.
            // A list of many people links nothing: each identifier stays its own subject.
            let single_person = per_kind.values().all(|&n| n == 1);
            let groups: Vec<Vec<(&str, &(Kind, &str))>> = if single_person {
                vec![person.iter().map(|(h, v)| (*h, v)).collect()]
            } else {
                person.iter().map(|(h, v)| vec![(*h, v)]).collect()
            };
            for group in groups {
                let existing: BTreeSet<i64> = group
                    .iter()
                    .filter_map(|(h, _)| known.get(*h).copied())
                    .collect();
                let subject = match existing.first() {
                    Some(&s) => s,
                    None => {
                        tx.prepare_cached(
                            "INSERT INTO subjects (first_seen, last_seen) VALUES (?1, ?1)",
                        )
                        .and_then(|mut st| st.execute([&a.ts_detected]))
                        .map_err(db_err)?;
                        tx.last_insert_rowid()
                    }
                };
                if existing.len() > 1 {
                    ids.insert(&tx, "subject_ids", 4)?;
                    links.insert(&tx, "subject_alerts", 2)?;
                }
                for &other in existing.iter().skip(1) {
                    merge_subject(&tx, subject, other)?;
                    for v in known.values_mut() {
                        if *v == other {
                            *v = subject;
                        }
                    }
                    if let Some((first, last)) = seen.remove(&other) {
                        let e = seen.entry(subject).or_insert((first.clone(), last.clone()));
                        e.0 = e.0.clone().min(first);
                        e.1 = e.1.clone().max(last);
                    }
                }
                for (h, (k, masked)) in &group {
                    if let std::collections::hash_map::Entry::Vacant(e) = known.entry(h.to_string())
                    {
                        ids.push(&[key(h), text(k.as_str()), text(masked), int(subject)]);
                        e.insert(subject);
                    }
                }
                links.push(&[int(subject), int(*pos)]);
                let e = seen
                    .entry(subject)
                    .or_insert_with(|| (a.ts_detected.clone(), a.ts_detected.clone()));
                if a.ts_detected < e.0 {
                    e.0 = a.ts_detected.clone();
                }
                if a.ts_detected > e.1 {
                    e.1 = a.ts_detected.clone();
                }
            }
        }
        ids.insert(&tx, "subject_ids", 4)?;
        links.insert(&tx, "subject_alerts", 2)?;
        for (subject, (first, last)) in seen {
            tx.prepare_cached(
                "UPDATE subjects SET first_seen = min(first_seen, ?2), last_seen = max(last_seen, ?3)
                 WHERE subject_id = ?1",
            )
            .and_then(|mut st| st.execute(params![subject, first, last]))
            .map_err(db_err)?;
        }
        // 4. Evidence locations, once the vault has synced the originals they point into.
        let evidence = evidence()?;
        let mut rows = Rows::default();
        for (digest, l) in &evidence {
            rows.push(&[
                key(digest),
                int(l.pack as i64),
                int(l.offset as i64),
                int(l.len as i64),
            ]);
        }
        rows.insert(&tx, "evidence", 4)?;
        tx.commit().map_err(db_err)
    }

    /// The source checkpoint of the last recorded batch.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'checkpoint'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err)?;
        Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// Which of `alert_ids` are recorded.
    pub fn known_alerts(&self, alert_ids: &[&str]) -> Result<HashSet<String>, StoreError> {
        present(
            &self.conn,
            "SELECT alert_id FROM alerts WHERE alert_id IN",
            alert_ids,
        )
    }

    /// Which of `digests` the vault already holds.
    pub fn known_evidence(&self, digests: &[&str]) -> Result<HashSet<String>, StoreError> {
        present(
            &self.conn,
            "SELECT digest FROM evidence WHERE digest IN",
            digests,
        )
    }

    /// Where the vault keeps `digest`, if it has it.
    pub fn evidence_location(&self, digest: &str) -> Result<Option<Location>, StoreError> {
        self.conn
            .prepare_cached("SELECT pack, offset, len FROM evidence WHERE digest = ?1")
            .and_then(|mut st| {
                st.query_row([key(digest)], |r| {
                    Ok(Location {
                        pack: r.get(0)?,
                        offset: r.get::<_, i64>(1)? as u64,
                        len: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(db_err)
    }

    pub fn subject_of(&self, id_hash: &str) -> Result<Option<i64>, StoreError> {
        self.conn
            .query_row(
                "SELECT subject_id FROM subject_ids WHERE id_hash = ?1",
                [key(id_hash)],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)
    }

    pub fn subjects_of_alert(&self, alert_id: &str) -> Result<Vec<i64>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.subject_id FROM alerts a JOIN subject_alerts s ON s.alert_pos = a.pos
                 WHERE a.alert_id = ?1 ORDER BY s.subject_id",
            )
            .map_err(db_err)?;
        let rows = st
            .query_map([key(alert_id)], |r| r.get(0))
            .map_err(db_err)?
            .collect::<Result<Vec<i64>, _>>()
            .map_err(db_err)?;
        Ok(rows)
    }

    pub fn subject(&self, id: i64) -> Result<Subject, StoreError> {
        let (first_seen, last_seen) = self
            .conn
            .query_row(
                "SELECT first_seen, last_seen FROM subjects WHERE subject_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| StoreError::NotFound(format!("subject {id}")))?;
        let mut st = self
            .conn
            .prepare("SELECT kind, masked, id_hash FROM subject_ids WHERE subject_id = ?1")
            .map_err(db_err)?;
        let mut identifiers: Vec<SubjectId> = st
            .query_map([id], |r| {
                Ok(SubjectId {
                    kind: r.get(0)?,
                    masked: r.get(1)?,
                    hash: key_at(r, 2)?,
                })
            })
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        // Sorted here, by the hash as text: SQLite would order keys by their stored form.
        identifiers.sort_by(|a, b| (&a.kind, &a.hash).cmp(&(&b.kind, &b.hash)));
        let alerts = self.alerts_by_time(
            "SELECT a.ts_detected, a.alert_id FROM subject_alerts s JOIN alerts a ON a.pos = s.alert_pos
             WHERE s.subject_id = ?1",
            id,
        )?;
        Ok(Subject {
            subject_id: id,
            first_seen,
            last_seen,
            identifiers,
            alerts,
        })
    }

    /// The alert ids `select` (time and id of each alert, given `id` as `?1`) finds, oldest
    /// first and by id at equal times. Sorted here: SQLite would order the ids by their
    /// stored form, which is not the text's order when hex and other ids mix.
    fn alerts_by_time(&self, select: &str, id: i64) -> Result<Vec<String>, StoreError> {
        let mut st = self.conn.prepare_cached(select).map_err(db_err)?;
        let mut rows = st
            .query_map([id], |r| Ok((r.get::<_, String>(0)?, key_at(r, 1)?)))
            .map_err(db_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_err)?;
        rows.sort_unstable();
        Ok(rows.into_iter().map(|(_, id)| id).collect())
    }

    /// Subjects with the most alerts first.
    pub fn list_subjects(&self, limit: usize) -> Result<Vec<(i64, usize, String)>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.subject_id, count(*), s.last_seen FROM subjects s
                 JOIN subject_alerts USING (subject_id)
                 GROUP BY s.subject_id ORDER BY count(*) DESC, s.last_seen DESC LIMIT ?1",
            )
            .map_err(db_err)?;
        let rows = st
            .query_map([limit as i64], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)? as usize, r.get(2)?))
            })
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        Ok(rows)
    }

    pub fn has_alert(&self, alert_id: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM alerts WHERE alert_id = ?1",
                [key(alert_id)],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(db_err)
    }

    /// The evidence digest recorded for an alert.
    pub fn evidence_of(&self, alert_id: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT evidence FROM alerts WHERE alert_id = ?1",
                [key(alert_id)],
                |r| opt_key_at(r, 0),
            )
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| StoreError::NotFound(format!("alert {alert_id}")))
    }

    /// Opens a case on a subject and/or alerts; audited.
    pub fn open_case(
        &mut self,
        title: &str,
        subject: Option<i64>,
        alerts: &[String],
        actor: &str,
    ) -> Result<i64, StoreError> {
        if let Some(s) = subject {
            self.subject(s)?;
        }
        for a in alerts {
            if !self.has_alert(a)? {
                return Err(StoreError::NotFound(format!("alert {a}")));
            }
        }
        if subject.is_none() && alerts.is_empty() {
            return Err(StoreError::Invalid(
                "a case needs a subject or at least one alert".into(),
            ));
        }
        let now = now_rfc3339();
        let tx = self.conn.transaction().map_err(db_err)?;
        tx.execute(
            "INSERT INTO cases (title, state, assignee, subject_id, created_at, updated_at)
             VALUES (?1, 'open', NULL, ?2, ?3, ?3)",
            params![title, subject, now],
        )
        .map_err(db_err)?;
        let id = tx.last_insert_rowid();
        for a in alerts {
            tx.execute(
                "INSERT OR IGNORE INTO case_alerts SELECT ?1, pos FROM alerts WHERE alert_id = ?2",
                params![id, key(a)],
            )
            .map_err(db_err)?;
        }
        event(&tx, id, actor, "opened", title)?;
        append_audit(
            &tx,
            actor,
            "case.open",
            &format!("case:{id}"),
            &serde_json::json!({"subject": subject, "alerts": alerts.len()}).to_string(),
        )?;
        tx.commit().map_err(db_err)?;
        Ok(id)
    }

    pub fn case(&self, id: i64) -> Result<Case, StoreError> {
        let mut case = self
            .conn
            .query_row(
                "SELECT case_id, title, state, assignee, subject_id, created_at, updated_at
                 FROM cases WHERE case_id = ?1",
                [id],
                |r| {
                    Ok(Case {
                        case_id: r.get(0)?,
                        title: r.get(1)?,
                        state: CaseState::parse(&r.get::<_, String>(2)?).unwrap_or(CaseState::Open),
                        assignee: r.get(3)?,
                        subject_id: r.get(4)?,
                        created_at: r.get(5)?,
                        updated_at: r.get(6)?,
                        alerts: Vec::new(),
                        events: Vec::new(),
                    })
                },
            )
            .optional()
            .map_err(db_err)?
            .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
        case.alerts = self.alerts_by_time(
            "SELECT ts_detected, alert_id FROM alerts WHERE pos IN (
                 SELECT alert_pos FROM case_alerts WHERE case_id = ?1
                 UNION
                 SELECT sa.alert_pos FROM subject_alerts sa JOIN cases c ON c.subject_id = sa.subject_id
                 WHERE c.case_id = ?1)",
            id,
        )?;
        let mut st = self
            .conn
            .prepare("SELECT at, actor, event, detail FROM case_events WHERE case_id = ?1 ORDER BY rowid")
            .map_err(db_err)?;
        case.events = st
            .query_map([id], |r| {
                Ok(CaseEvent {
                    at: r.get(0)?,
                    actor: r.get(1)?,
                    event: r.get(2)?,
                    detail: r.get(3)?,
                })
            })
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        Ok(case)
    }

    pub fn list_cases(&self, state: Option<CaseState>) -> Result<Vec<Case>, StoreError> {
        let ids: Vec<i64> = {
            let mut st = self
                .conn
                .prepare(
                    "SELECT case_id FROM cases WHERE ?1 IS NULL OR state = ?1 ORDER BY case_id",
                )
                .map_err(db_err)?;
            let rows = st
                .query_map([state.map(|s| s.as_str())], |r| r.get(0))
                .map_err(db_err)?
                .collect::<Result<_, _>>()
                .map_err(db_err)?;
            rows
        };
        ids.into_iter().map(|i| self.case(i)).collect()
    }

    /// Moves a case to `to`; refused unless the move is allowed from its current state.
    pub fn transition(
        &mut self,
        id: i64,
        to: CaseState,
        actor: &str,
        note: &str,
    ) -> Result<(), StoreError> {
        let from = self.case(id)?.state;
        if from == to {
            return Ok(());
        }
        if !from.can_move_to(to) {
            return Err(StoreError::Invalid(format!(
                "case {id} is {}: it cannot move to {}",
                from.as_str(),
                to.as_str()
            )));
        }
        let tx = self.conn.transaction().map_err(db_err)?;
        tx.execute(
            "UPDATE cases SET state = ?2, updated_at = ?3 WHERE case_id = ?1",
            params![id, to.as_str(), now_rfc3339()],
        )
        .map_err(db_err)?;
        event(&tx, id, actor, to.as_str(), note)?;
        append_audit(
            &tx,
            actor,
            "case.transition",
            &format!("case:{id}"),
            &serde_json::json!({"from": from.as_str(), "to": to.as_str()}).to_string(),
        )?;
        tx.commit().map_err(db_err)
    }

    pub fn assign(&mut self, id: i64, assignee: &str, actor: &str) -> Result<(), StoreError> {
        self.case(id)?;
        let tx = self.conn.transaction().map_err(db_err)?;
        tx.execute(
            "UPDATE cases SET assignee = ?2, updated_at = ?3 WHERE case_id = ?1",
            params![id, assignee, now_rfc3339()],
        )
        .map_err(db_err)?;
        event(&tx, id, actor, "assigned", assignee)?;
        append_audit(&tx, actor, "case.assign", &format!("case:{id}"), assignee)?;
        tx.commit().map_err(db_err)
    }

    pub fn note(&mut self, id: i64, text: &str, actor: &str) -> Result<(), StoreError> {
        self.case(id)?;
        let tx = self.conn.transaction().map_err(db_err)?;
        event(&tx, id, actor, "note", text)?;
        tx.execute(
            "UPDATE cases SET updated_at = ?2 WHERE case_id = ?1",
            params![id, now_rfc3339()],
        )
        .map_err(db_err)?;
        append_audit(
            &tx,
            actor,
            "case.note",
            &format!("case:{id}"),
            &blake3::hash(text.as_bytes()).to_hex()[..16],
        )?;
        tx.commit().map_err(db_err)
    }

    /// Appends an audit entry and returns its sequence number. `detail` must hold no
    /// plaintext personal data (ids, counts, digests).
    pub fn audit(
        &mut self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction().map_err(db_err)?;
        let seq = append_audit(&tx, actor, action, target, detail)?;
        tx.commit().map_err(db_err)?;
        Ok(seq)
    }

    /// Appends `entries` in one transaction: one sync of the log for all of them (group
    /// commit). The write lock is taken first, so the chain's head cannot move in between.
    pub fn audit_batch(&mut self, entries: &[AuditRecord]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db_err)?;
        for e in entries {
            append_audit(&tx, &e.actor, &e.action, &e.target, &e.detail)?;
        }
        tx.commit().map_err(db_err)
    }

    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT seq, at, actor, action, target, detail, prev, hash FROM audit ORDER BY seq",
            )
            .map_err(db_err)?;
        let rows = st
            .query_map([], |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    action: r.get(3)?,
                    target: r.get(4)?,
                    detail: r.get(5)?,
                    prev: r.get(6)?,
                    hash: r.get(7)?,
                })
            })
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        Ok(rows)
    }

    /// The last entry's sequence number and hash (`0` and the genesis hash when empty).
    pub fn audit_head(&self) -> Result<(i64, String), StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)?
            .unwrap_or((0, GENESIS.to_string())))
    }

    /// Walks the chain. Returns the number of entries, or where and how it breaks.
    pub fn verify_audit(&self) -> Result<u64, StoreError> {
        let mut prev = GENESIS.to_string();
        let mut n = 0u64;
        for e in self.audit_entries()? {
            let broken = |why: &str| StoreError::AuditBroken {
                seq: e.seq,
                message: why.to_string(),
            };
            if e.seq != n as i64 + 1 {
                return Err(broken(&format!(
                    "expected entry {}, found {}",
                    n + 1,
                    e.seq
                )));
            }
            if e.prev != prev {
                return Err(broken("does not follow the previous entry"));
            }
            if entry_hash(
                &e.prev, e.seq, &e.at, &e.actor, &e.action, &e.target, &e.detail,
            ) != e.hash
            {
                return Err(broken("its content does not match its hash"));
            }
            prev = e.hash;
            n += 1;
        }
        Ok(n)
    }

    /// Alerts recorded after `after` (a position from an earlier call, 0 for the start), in
    /// the order they were recorded, with their positions: the live feed of the store. The
    /// position is the row id, which only grows (alert rows are never deleted).
    pub fn alerts_after(&self, after: i64, limit: usize) -> Result<Vec<(i64, String)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT pos, alert_id FROM alerts WHERE pos > ?1 ORDER BY pos LIMIT ?2")
            .map_err(db_err)?;
        let rows = st
            .query_map(params![after, limit as i64], |r| {
                Ok((r.get(0)?, key_at(r, 1)?))
            })
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        Ok(rows)
    }

    /// The position of the newest recorded alert (0 when there is none).
    pub fn last_alert_position(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT coalesce(max(pos), 0) FROM alerts", [], |r| r.get(0))
            .map_err(db_err)
    }

    /// Number of cases per state.
    pub fn case_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT state, count(*) FROM cases GROUP BY state ORDER BY state")
            .map_err(db_err)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        Ok(rows)
    }

    /// Raw access for tests that tamper with the database.
    #[doc(hidden)]
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Which of `keys` `select … IN` finds, a few hundred per query.
fn present(conn: &Connection, select: &str, keys: &[&str]) -> Result<HashSet<String>, StoreError> {
    let mut out = HashSet::new();
    for chunk in keys.chunks(500) {
        let sql = format!("{select} ({})", vec!["?"; chunk.len()].join(","));
        let mut st = conn.prepare_cached(&sql).map_err(db_err)?;
        let rows = st
            .query_map(
                rusqlite::params_from_iter(chunk.iter().map(|k| key(k))),
                |r| key_at(r, 0),
            )
            .map_err(db_err)?;
        for r in rows {
            out.insert(r.map_err(db_err)?);
        }
    }
    Ok(out)
}

fn text(s: &str) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))
}

fn opt_text(s: Option<&str>) -> ToSqlOutput<'_> {
    s.map_or(null(), text)
}

fn null() -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(Value::Null)
}

/// A hash or an alert id as the database stores it: lower-case hex of even length as its raw
/// bytes (a BLOB of half the size), any other string as TEXT. SQLite never finds a TEXT equal
/// to a BLOB, so foreign ids stay exact and never collide with a hash.
fn key(s: &str) -> ToSqlOutput<'_> {
    match crate::hex_bytes(s) {
        Some(raw) => ToSqlOutput::Owned(Value::Blob(raw)),
        None => text(s),
    }
}

/// The string a [`key`] in column `i` stands for.
fn key_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<String> {
    opt_key_at(r, i)?.ok_or(rusqlite::Error::InvalidColumnType(
        i,
        "key".into(),
        rusqlite::types::Type::Null,
    ))
}

fn opt_key_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<String>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Blob(raw) => Ok(Some(crate::to_hex(raw))),
        v => v.as_str().map(|s| Some(s.to_string())).map_err(Into::into),
    }
}

fn int(i: i64) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(Value::Integer(i))
}

/// Rows waiting for one multi-row `INSERT OR IGNORE`: one statement per [`ROWS_PER_INSERT`]
/// rows instead of one per row (statement overhead was a large share of a batch).
#[derive(Default)]
struct Rows<'a>(Vec<ToSqlOutput<'a>>);

const ROWS_PER_INSERT: usize = 100;

impl<'a> Rows<'a> {
    fn push(&mut self, row: &[ToSqlOutput<'a>]) {
        self.0.extend_from_slice(row);
    }

    /// Inserts the waiting rows of `cols` values each into `table`, and forgets them.
    /// Returns how many went in (a row whose key is there already is ignored).
    fn insert(&mut self, tx: &Connection, table: &str, cols: usize) -> Result<usize, StoreError> {
        let row = format!("({})", vec!["?"; cols].join(","));
        let mut added = 0;
        for chunk in self.0.chunks(cols * ROWS_PER_INSERT) {
            let sql = format!(
                "INSERT OR IGNORE INTO {table} VALUES {}",
                vec![row.as_str(); chunk.len() / cols].join(",")
            );
            added += tx
                .prepare_cached(&sql)
                .and_then(|mut st| st.execute(rusqlite::params_from_iter(chunk)))
                .map_err(db_err)?;
        }
        self.0.clear();
        Ok(added)
    }
}

fn merge_subject(tx: &rusqlite::Transaction<'_>, keep: i64, other: i64) -> Result<(), StoreError> {
    for sql in [
        "UPDATE subject_ids SET subject_id = ?1 WHERE subject_id = ?2",
        "INSERT OR IGNORE INTO subject_alerts SELECT ?1, alert_pos FROM subject_alerts WHERE subject_id = ?2",
        "DELETE FROM subject_alerts WHERE subject_id = ?2",
        "UPDATE subjects SET
             first_seen = min(first_seen, (SELECT first_seen FROM subjects WHERE subject_id = ?2)),
             last_seen = max(last_seen, (SELECT last_seen FROM subjects WHERE subject_id = ?2))
         WHERE subject_id = ?1",
        "DELETE FROM subjects WHERE subject_id = ?2",
        "UPDATE cases SET subject_id = ?1 WHERE subject_id = ?2",
    ] {
        tx.execute(sql, params![keep, other]).map_err(db_err)?;
    }
    Ok(())
}

fn event(
    tx: &rusqlite::Transaction<'_>,
    case: i64,
    actor: &str,
    ev: &str,
    detail: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO case_events VALUES (?1, ?2, ?3, ?4, ?5)",
        params![case, now_rfc3339(), actor, ev, detail],
    )
    .map_err(db_err)?;
    Ok(())
}

/// One audit entry to append; see [`CaseDb::audit_batch`].
#[derive(Clone, Debug)]
pub struct AuditRecord {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

pub(crate) fn append_audit(
    tx: &rusqlite::Transaction<'_>,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    let (last, prev): (i64, String) = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db_err)?
        .unwrap_or((0, GENESIS.to_string()));
    let seq = last + 1;
    let at = now_rfc3339();
    let hash = entry_hash(&prev, seq, &at, actor, action, target, detail);
    tx.execute(
        "INSERT INTO audit VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, actor, action, target, detail, prev, hash],
    )
    .map_err(db_err)?;
    Ok(seq)
}
