//! The alert index (tantivy): one document per alert, searchable by filters, identifier hashes
//! and free text over the masked post.
//!
//! `alert_id` is unique: every add first deletes the id, so a replayed alert replaces itself.
//! Each commit carries the source checkpoint in its payload; an indexer resumes from it, so a
//! restart neither loses nor duplicates alerts.

use crate::tokenizer::CjkBigramTokenizer;
use crate::{time_secs, StoreError};
use doxwatch_model::{Alert, Kind, Severity, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Where the source of the indexed alerts stood at a commit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// `kafka:TOPIC`, `pipeline`, …
    pub source: String,
    /// Next position to read per partition or stream.
    pub positions: BTreeMap<String, i64>,
}

#[derive(Clone, Copy)]
struct Fields {
    alert_id: Field,
    verdict: Field,
    severity: Field,
    kind: Field,
    platform: Field,
    author: Field,
    ts: Field,
    ts_post: Field,
    rank: Field,
    text: Field,
    id_hash: Field,
    region: Field,
    handle_hash: Field,
    json: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let cjk = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    // Numbers are columns only: range filters and sorts read the fast field, and an indexed
    // number adds a term per document (times and ranks are nearly unique) to the term
    // dictionary, whose construction was the largest cost of indexing.
    let num = NumericOptions::default() | FAST;
    let f = Fields {
        // Hash-valued keys are indexed as bytes (see `key_bytes`): half the length of their
        // hex form, so half the term dictionary nodes to build and merge.
        alert_id: b.add_bytes_field("alert_id", INDEXED),
        verdict: b.add_text_field("verdict", STRING),
        severity: b.add_u64_field("severity", num.clone()),
        kind: b.add_text_field("kind", STRING),
        platform: b.add_text_field("platform", STRING),
        author: b.add_text_field("author", STRING),
        ts: b.add_i64_field("ts", num.clone()),
        ts_post: b.add_i64_field("ts_post", num.clone()),
        rank: b.add_u64_field("rank", num),
        text: b.add_text_field("text", cjk),
        id_hash: b.add_bytes_field("id_hash", INDEXED),
        region: b.add_text_field("region", STRING),
        handle_hash: b.add_bytes_field("handle_hash", INDEXED),
        json: b.add_text_field("json", STORED),
    };
    (b.build(), f)
}

const TOKENIZER: &str = "cjk_bigram";

/// Contact kinds that identify a seller in a data-sale ad.
pub const HANDLE_KINDS: &[Kind] = &[Kind::Telegram, Kind::Wechat, Kind::Qq, Kind::Email];

fn severity_num(s: Severity) -> u64 {
    match s {
        Severity::None => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest detection first.
    #[default]
    Time,
    /// Most severe first, then newest.
    Severity,
    /// Best free-text match first.
    Relevance,
}

/// A search: every set filter must hold. Identifier and handle filters take keyed hashes, so
/// the query value itself never reaches the store.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    pub text: Option<String>,
    pub verdicts: Vec<Verdict>,
    pub min_severity: Option<Severity>,
    pub kinds: Vec<Kind>,
    pub platform: Option<String>,
    pub author: Option<String>,
    /// Detection time bounds, Unix seconds, inclusive.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// A region code prefix: 2 (province), 4 (city) or 6 digits.
    pub region: Option<String>,
    /// Any of these identifier hashes.
    pub id_hashes: Vec<String>,
    /// Any of these seller-handle hashes.
    pub handle_hashes: Vec<String>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
    /// How many matches a time or severity search counts before it may skip segments that
    /// cannot hold a result of the page (the total is then a lower bound); `None` is
    /// [`EXACT_TOTAL_UP_TO`], `Some(usize::MAX)` counts every match.
    pub count_up_to: Option<usize>,
}

/// Below this many matches the total of a search is always exact.
pub const EXACT_TOTAL_UP_TO: usize = 10_000;

#[derive(Debug)]
pub struct SearchPage {
    /// Matches counted: all of them when `total_exact`, else a lower bound (at least the
    /// query's `count_up_to`).
    pub total: usize,
    pub total_exact: bool,
    pub hits: Vec<Alert>,
}

pub struct AlertIndex {
    index: Index,
    reader: IndexReader,
    writer: Option<IndexWriter>,
    f: Fields,
}

impl AlertIndex {
    /// Opens (or creates, when `writable`) the index in `dir`. A writable index holds the
    /// directory's lock: a second writer gets [`StoreError::Locked`].
    pub fn open(dir: &Path, writable: bool) -> Result<AlertIndex, StoreError> {
        let (schema, f) = schema();
        let exists = dir.join("meta.json").exists();
        let index = if exists {
            let index = Index::open_in_dir(dir).map_err(|e| StoreError::corrupt(dir, e))?;
            if index.schema() != schema {
                return Err(StoreError::Corrupt {
                    path: dir.to_path_buf(),
                    message: "index schema differs from this build's".into(),
                });
            }
            index
        } else if writable {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
            Index::create_in_dir(dir, schema).map_err(|e| StoreError::corrupt(dir, e))?
        } else {
            return Err(StoreError::Missing(dir.to_path_buf()));
        };
        index.tokenizers().register(TOKENIZER, CjkBigramTokenizer);
        // One indexing thread: a batch becomes one segment instead of one per thread, so less
        // merging. Indexing and merging are most of the ingest's CPU, and on two cores the
        // database and the document building keep the other core busy (issue 4). The merge
        // policy stays tantivy's default (8 segments): merging 16 at a time cut CPU a little
        // more but left a 1M-alert index with ~21 segments instead of ~9, and free-text search
        // through the API was already near its p99 limit.
        let writer = if writable {
            let w = index
                .writer_with_num_threads(1, 128 << 20)
                .map_err(|e| match e {
                    tantivy::TantivyError::LockFailure(..) => StoreError::Locked(dir.to_path_buf()),
                    e => StoreError::corrupt(dir, e),
                })?;
            Some(w)
        } else {
            None
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| StoreError::corrupt(dir, e))?;
        Ok(AlertIndex {
            index,
            reader,
            writer,
            f,
        })
    }

    /// The checkpoint of the last commit.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let metas = self.index.load_metas().map_err(StoreError::index)?;
        Ok(metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok()))
    }

    /// Stages `alerts`; visible and durable after [`commit_when`]. An alert for which `may_exist`
    /// says yes replaces any indexed copy; the others are added as they are, because a delete
    /// costs a term lookup in every segment at the next commit and almost every alert is new.
    /// Within one call, an id seen twice is staged once.
    ///
    /// [`commit_when`]: AlertIndex::commit_when
    pub fn add(
        &mut self,
        alerts: &[Alert],
        may_exist: impl Fn(&str) -> bool,
    ) -> Result<(), StoreError> {
        let f = self.f;
        let w = self.writer.as_mut().ok_or(StoreError::ReadOnly)?;
        let mut staged = std::collections::HashSet::with_capacity(alerts.len());
        for a in alerts {
            if !staged.insert(a.alert_id.as_str()) {
                continue;
            }
            if may_exist(&a.alert_id) {
                w.delete_term(key_term(f.alert_id, &a.alert_id));
            }
            w.add_document(document(&f, a)).map_err(StoreError::index)?;
        }
        Ok(())
    }

    /// Finishes the staged segments (written and synced, still invisible), then waits for
    /// `recorded` and publishes them with `checkpoint` only if it succeeded; otherwise they are
    /// dropped and its error returned. The store records the batch in its database on
    /// another thread meanwhile, and `recorded` waits for that commit, so the index never
    /// holds an alert the database does not.
    pub fn commit_when(
        &mut self,
        checkpoint: &Checkpoint,
        recorded: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let w = self.writer.as_mut().ok_or(StoreError::ReadOnly)?;
        let prepared = w.prepare_commit();
        let done = recorded();
        let mut prepared = prepared.map_err(StoreError::index)?;
        if let Err(e) = done {
            prepared.abort().map_err(StoreError::index)?;
            return Err(e);
        }
        prepared.set_payload(&serde_json::to_string(checkpoint).unwrap_or_default());
        prepared.commit().map_err(StoreError::index)?;
        self.reader.reload().map_err(StoreError::index)?;
        Ok(())
    }

    /// Drops what was staged since the last commit (after a failed write elsewhere).
    pub fn rollback(&mut self) -> Result<(), StoreError> {
        if let Some(w) = self.writer.as_mut() {
            w.rollback().map_err(StoreError::index)?;
        }
        Ok(())
    }

    pub fn reload(&self) -> Result<(), StoreError> {
        self.reader.reload().map_err(StoreError::index)
    }

    /// Number of alerts in the last commit.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, alert_id: &str) -> Result<Option<Alert>, StoreError> {
        let q = TermQuery::new(
            key_term(self.f.alert_id, alert_id),
            IndexRecordOption::Basic,
        );
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&q, &TopDocs::with_limit(1))
            .map_err(StoreError::index)?;
        match top.first() {
            Some((_, addr)) => Ok(Some(self.load(&searcher, *addr)?)),
            None => Ok(None),
        }
    }

    fn load(
        &self,
        searcher: &tantivy::Searcher,
        addr: tantivy::DocAddress,
    ) -> Result<Alert, StoreError> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(StoreError::index)?;
        let json = doc
            .get_first(self.f.json)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
            path: Default::default(),
            message: format!("stored alert does not parse: {e}"),
        })
    }

    pub fn search(&self, q: &SearchQuery) -> Result<SearchPage, StoreError> {
        let f = self.f;
        let exactly =
            |t: Term| -> Box<dyn Query> { Box::new(TermQuery::new(t, IndexRecordOption::Basic)) };
        let term = |field: Field, v: &str| exactly(Term::from_field_text(field, v));
        let any_of = |terms: Vec<Term>| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                terms
                    .into_iter()
                    .map(|t| (Occur::Should, exactly(t)))
                    .collect(),
            ))
        };
        let texts = |field: Field, vs: Vec<&str>| -> Vec<Term> {
            vs.into_iter()
                .map(|v| Term::from_field_text(field, v))
                .collect()
        };
        let keys = |field: Field, vs: &[String]| -> Vec<Term> {
            vs.iter().map(|v| key_term(field, v)).collect()
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(text) = q.text.as_deref().filter(|t| !t.trim().is_empty()) {
            if text.contains(['"', '(', ')', ':']) || text.contains(" OR ") {
                // Query syntax: quoted phrases, OR, grouping.
                let mut parser = QueryParser::for_index(&self.index, vec![f.text]);
                parser.set_conjunction_by_default();
                let (parsed, _errors) = parser.parse_query_lenient(text);
                must.push((Occur::Must, parsed));
            } else {
                // Plain words: every bigram and word must occur. Without the position check
                // of a phrase this stays fast on terms that match most of the index, and the
                // bigrams of one word rarely co-occur apart.
                let tokens = crate::tokenizer::tokenize(text);
                let terms: std::collections::BTreeSet<String> =
                    tokens.into_iter().map(|t| t.text).collect();
                // In the top-level conjunction, not a nested one: one intersection over
                // plain term postings is several times cheaper per candidate.
                for t in &terms {
                    must.push((Occur::Must, term(f.text, t)));
                }
            }
        }
        if !q.verdicts.is_empty() {
            let vs = q.verdicts.iter().map(|v| v.as_str()).collect();
            must.push((Occur::Must, any_of(texts(f.verdict, vs))));
        }
        if !q.kinds.is_empty() {
            let ks = q.kinds.iter().map(|k| k.as_str()).collect();
            must.push((Occur::Must, any_of(texts(f.kind, ks))));
        }
        if let Some(p) = &q.platform {
            must.push((Occur::Must, term(f.platform, p)));
        }
        if let Some(a) = &q.author {
            must.push((Occur::Must, term(f.author, a)));
        }
        if let Some(r) = &q.region {
            must.push((Occur::Must, term(f.region, r)));
        }
        if !q.id_hashes.is_empty() {
            must.push((Occur::Must, any_of(keys(f.id_hash, &q.id_hashes))));
        }
        if !q.handle_hashes.is_empty() {
            must.push((Occur::Must, any_of(keys(f.handle_hash, &q.handle_hashes))));
        }
        if let Some(s) = q.min_severity {
            must.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(f.severity, severity_num(s))),
                    Bound::Unbounded,
                )),
            ));
        }
        if q.since.is_some() || q.until.is_some() {
            let b = |v: Option<i64>| match v {
                Some(t) => Bound::Included(Term::from_field_i64(f.ts, t)),
                None => Bound::Unbounded,
            };
            must.push((
                Occur::Must,
                Box::new(RangeQuery::new(b(q.since), b(q.until))),
            ));
        }
        let query: Box<dyn Query> = if must.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(must))
        };
        let searcher = self.reader.searcher();
        let limit = q.limit.clamp(1, 1000);
        let (total, total_exact, addrs) = match q.sort {
            Sort::Relevance => {
                let top = TopDocs::with_limit(q.offset + limit);
                let (n, hits) = searcher
                    .search(&query, &(Count, top))
                    .map_err(StoreError::index)?;
                (n, true, hits.into_iter().map(|(_, a)| a).collect())
            }
            Sort::Time | Sort::Severity => {
                let count_up_to = q.count_up_to.unwrap_or(EXACT_TOTAL_UP_TO);
                newest_first(&searcher, &*query, q.sort, q.offset + limit, count_up_to)?
            }
        };
        let hits = addrs
            .into_iter()
            .skip(q.offset)
            .map(|a| self.load(&searcher, a))
            .collect::<Result<_, _>>()?;
        Ok(SearchPage {
            total,
            total_exact,
            hits,
        })
    }
}

enum KeyColumn {
    Ts(tantivy::columnar::Column<i64>),
    Rank(tantivy::columnar::Column<u64>),
}

impl KeyColumn {
    // Ranks are below 2^43 (see `document`): as i64 they keep their order.
    fn max_value(&self) -> i64 {
        match self {
            KeyColumn::Ts(c) => c.max_value(),
            KeyColumn::Rank(c) => c.max_value() as i64,
        }
    }

    fn first(&self, doc: tantivy::DocId) -> i64 {
        match self {
            KeyColumn::Ts(c) => c.first(doc).unwrap_or(i64::MIN),
            KeyColumn::Rank(c) => c.first(doc).map_or(i64::MIN, |v| v as i64),
        }
    }
}

/// The `want` matches with the highest `key`, best first, and the number of matches counted.
///
/// Why not tantivy's `Count` + `TopDocs::order_by_fast_field`: both read every match, and a
/// common word matches a fifth of the index. Alerts arrive roughly in detection order, so
/// segments (one per commit, merged with their neighbours) cover narrow time ranges. Visiting
/// segments newest first, a segment whose largest key cannot beat the page already collected
/// is skipped once `count_up_to` matches have been counted; the total is then a lower bound.
/// Skipping is only done when it cannot change the page, so results are the same as a full
/// sort whatever the order of arrival.
fn newest_first(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    sort: Sort,
    want: usize,
    count_up_to: usize,
) -> Result<(usize, bool, Vec<tantivy::DocAddress>), StoreError> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    use tantivy::query::EnableScoring;
    use tantivy::{DocSet, TERMINATED};

    let weight = query
        .weight(EnableScoring::disabled_from_searcher(searcher))
        .map_err(StoreError::index)?;
    // Per segment: its key column and largest key, newest segments first.
    let mut segments = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let column = match sort {
            // Relevance is tantivy's own collector; it never comes here.
            Sort::Time | Sort::Relevance => {
                KeyColumn::Ts(reader.fast_fields().i64("ts").map_err(StoreError::index)?)
            }
            Sort::Severity => KeyColumn::Rank(
                reader
                    .fast_fields()
                    .u64("rank")
                    .map_err(StoreError::index)?,
            ),
        };
        segments.push((column.max_value(), ord, column));
    }
    segments.sort_by_key(|(max, ord, _)| (Reverse(*max), *ord));

    // The best `want` so far, worst on top: (key, then earlier segment and doc first).
    type Hit = (i64, Reverse<(u32, u32)>);
    let mut best: BinaryHeap<Reverse<Hit>> = BinaryHeap::new();
    let mut counted = 0usize;
    let mut exact = true;
    for (max, ord, column) in &segments {
        let page_full = best.len() >= want;
        let competitive = !page_full || best.peek().is_some_and(|Reverse((k, _))| *max >= *k);
        if !competitive && counted >= count_up_to {
            exact = false;
            continue;
        }
        let reader = searcher.segment_reader(*ord as u32);
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0).map_err(StoreError::index)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                counted += 1;
                if competitive {
                    let k = column.first(doc);
                    let item = Reverse((k, Reverse((*ord as u32, doc))));
                    if best.len() < want {
                        best.push(item);
                    } else if best.peek().is_some_and(|worst| item < *worst) {
                        best.pop();
                        best.push(item);
                    }
                } else if counted >= count_up_to {
                    // Only counting, and counted enough.
                    exact = false;
                    break;
                }
            }
            doc = scorer.advance();
        }
    }
    let mut hits: Vec<_> = best.into_iter().map(|Reverse(x)| x).collect();
    hits.sort_by(|a, b| b.cmp(a));
    let addrs = hits
        .into_iter()
        .map(|(_, Reverse((seg, doc)))| tantivy::DocAddress::new(seg, doc))
        .collect();
    Ok((counted, exact, addrs))
}

/// The indexed form of an alert id or identifier hash: the 16 bytes of a 32-character
/// lower-case hex value after a tag byte 1, or any other string's UTF-8 after a tag byte 0
/// (ids from other producers stay exact and never collide with a decoded hash).
fn key_bytes(key: &str) -> Vec<u8> {
    match crate::hex_bytes(key).filter(|b| b.len() == 16) {
        Some(raw) => [&[1][..], &raw].concat(),
        None => [&[0][..], key.as_bytes()].concat(),
    }
}

fn key_term(field: Field, key: &str) -> Term {
    Term::from_field_bytes(field, &key_bytes(key))
}

/// The index document of an alert. The stored JSON drops the sealed post (the vault keeps it)
/// and keeps only its digest.
fn document(f: &Fields, a: &Alert) -> TantivyDocument {
    let mut d = TantivyDocument::default();
    d.add_bytes(f.alert_id, &key_bytes(&a.alert_id));
    d.add_text(f.verdict, a.verdict.as_str());
    let sev = severity_num(a.severity);
    d.add_u64(f.severity, sev);
    d.add_text(f.platform, &a.platform);
    if let Some(author) = &a.author {
        d.add_text(f.author, author);
    }
    let ts = time_secs(&a.ts_detected).unwrap_or(0);
    d.add_i64(f.ts, ts);
    if let Some(t) = a.ts_post.as_deref().and_then(time_secs) {
        d.add_i64(f.ts_post, t);
    }
    d.add_u64(f.rank, (sev << 40) | (ts.max(0) as u64 & ((1 << 40) - 1)));
    let mut kinds: Vec<&str> = a.findings.iter().map(|x| x.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for k in kinds {
        d.add_text(f.kind, k);
    }
    let mut text = a.text_masked.clone().unwrap_or_default();
    for r in a.reasons.iter().chain(&a.labels) {
        text.push('\n');
        text.push_str(r);
    }
    d.add_text(f.text, &text);
    for x in &a.findings {
        if let Some(h) = &x.hash {
            let h = key_bytes(h);
            d.add_bytes(f.id_hash, &h);
            if HANDLE_KINDS.contains(&x.kind) {
                d.add_bytes(f.handle_hash, &h);
            }
        }
        if let Some(code) = x.facts.get("region_code") {
            for n in [2, 4, 6] {
                if let Some(p) = code.get(..n) {
                    d.add_text(f.region, p);
                }
            }
        }
    }
    let mut stored = a.clone();
    if let Some(ev) = stored.evidence.as_mut() {
        ev.sealed.clear();
    }
    d.add_text(f.json, serde_json::to_string(&stored).unwrap_or_default());
    d
}

#[cfg(test)]
mod tests {
    use super::key_bytes;

    #[test]
    fn hash_keys_are_indexed_as_bytes_and_other_ids_stay_apart() {
        let h = "00ff10a5b6c7d8e9f00112233445566f";
        let k = key_bytes(h);
        assert_eq!(k.len(), 17);
        assert_eq!(&k[..4], &[1, 0x00, 0xff, 0x10]);
        assert_eq!(k[16], 0x6f);
        // Not 32 lower-case hex characters: the string itself, under another tag.
        assert_eq!(key_bytes("post-7"), b"\0post-7");
        let upper = h.to_uppercase();
        assert_eq!(key_bytes(&upper)[0], 0);
        assert_ne!(key_bytes(&upper), k);
        assert_eq!(key_bytes(&h[..30])[0], 0);
    }
}
