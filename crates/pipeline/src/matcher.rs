//! The matcher stage: raw records in, alerts out. Runs on a blocking thread, never on the async
//! workers. A record that is not a valid post is rejected with a reason, never fatal.

use crate::metrics::Tally;
use crate::records::Records;
use doxwatch_detect::{ScanResult, Scanner, Scratch};
use doxwatch_leakset::{Digest, KnownLeaks, DIGEST_LEN, SET_KINDS};
use doxwatch_model::{
    hex16_into, mask_into, now_rfc3339, Alert, AlertId, AlertRef, FactsRef, Finding, FindingRef,
    KeyedHasher, Kind, PostError, PostRef, Severity, VaultKey, Verdict,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Why a record was parked instead of matched (a metric label and a dead-letter header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reject {
    BadUtf8,
    BadJson,
    MissingField,
    TooLarge,
}

impl Reject {
    pub fn as_str(self) -> &'static str {
        match self {
            Reject::BadUtf8 => "bad_utf8",
            Reject::BadJson => "bad_json",
            Reject::MissingField => "missing_field",
            Reject::TooLarge => "too_large",
        }
    }
}

/// What [`Matcher::match_batch_as`] makes of a batch's alerts: values, JSON lines, both or
/// neither (their verdicts are always kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertsAs {
    pub values: bool,
    pub jsonl: bool,
}

/// A batch's alerts as the sinks that take JSONL get them.
#[derive(Debug, Default)]
pub struct AlertLines {
    /// One line per alert, in order: byte for byte what
    /// [`append_jsonl`](crate::alerts_file_sink::append_jsonl) writes for them.
    pub jsonl: Vec<u8>,
    /// Each alert's post id (the Kafka key), in the same order.
    pub post_ids: Records,
}

impl AlertLines {
    /// The lines of alerts made as values.
    pub fn of(alerts: &[Alert]) -> AlertLines {
        let mut lines = AlertLines::default();
        crate::alerts_file_sink::append_jsonl(&mut lines.jsonl, alerts);
        for a in alerts {
            lines.post_ids.push(a.post_id.as_bytes());
        }
        lines
    }
}

/// What matching one batch produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub posts: usize,
    /// The alerts as values (if asked for).
    pub alerts: Vec<Alert>,
    /// The alerts as JSONL, with their post ids (if asked for).
    pub lines: AlertLines,
    /// The verdict of every alert, in order.
    pub verdicts: Vec<Verdict>,
    /// (index of the record in its batch, reason).
    pub rejected: Vec<(usize, Reject)>,
}

pub struct Matcher {
    metrics: Arc<crate::metrics::Metrics>,
    scanner: Arc<Scanner>,
    hasher: Option<KeyedHasher>,
    vault: Option<VaultKey>,
    alert_on: Vec<Verdict>,
    max_record_bytes: usize,
    leaks: Arc<KnownLeaks>,
    /// The last batch's JSONL bytes per record, rounded up: a hint to size the next batch's
    /// lines at once (see [`Matcher::match_batch_as`]).
    jsonl_per_record: AtomicUsize,
}

/// The buffers a batch's alerts are built in, kept from one alert to the next so that their
/// capacity is reused: four allocations and frees an alert fewer (the masked text's ~1 kB
/// among them).
#[derive(Default)]
struct AlertBufs {
    /// Each finding's masked value, then its hash in hex, end to end.
    strs: String,
    /// Where each finding's masked value and hash end in `strs`.
    ends: Vec<(usize, usize)>,
    /// The masked text.
    text: String,
    /// The alert id's hash input.
    id_input: Vec<u8>,
    /// The alert's findings and the masked text's spans, empty between alerts: only their
    /// allocations are kept ([`recycle`]), two fewer allocations and frees an alert.
    findings: Vec<FindingRef<'static>>,
    spans: Vec<Span<'static>>,
}

/// An empty vector in `v`'s allocation, for items of another lifetime (the same type, so the
/// same layout). `collect` over a `Vec`'s own `IntoIter` reuses its allocation when the
/// layouts match (tested: `recycling_keeps_the_allocation`); were it ever not to, this would
/// only allocate again.
fn recycle<'a, 'b, T: Recyclable<'a, 'b>>(mut v: Vec<T>) -> Vec<T::As> {
    v.clear();
    v.into_iter().map(|_| unreachable!("cleared")).collect()
}

/// A type that borrows for `'a`, and the same type borrowing for `'b`.
trait Recyclable<'a, 'b> {
    type As;
}

impl<'a, 'b> Recyclable<'a, 'b> for FindingRef<'a> {
    type As = FindingRef<'b>;
}

impl<'a, 'b> Recyclable<'a, 'b> for Span<'a> {
    type As = Span<'b>;
}

/// What the known-leak sets said about one post's identifiers.
#[derive(Debug, Default)]
struct LeakLookup {
    /// Per finding (aligned with `ScanResult::findings`; empty when no set is loaded): the
    /// names of the sets that hold it.
    names: Vec<Vec<String>>,
    /// Per finding (aligned likewise): the digest it was looked up by, for the alert's hash.
    digests: Vec<Option<Digest>>,
    /// Identifier findings looked up, and how many of them some set holds.
    ids: usize,
    known: usize,
}

impl LeakLookup {
    /// The known-leak rule: any known-leaked identifier raises the severity one step; a post
    /// with two or more identifiers of which more than half are known-leaked, and no stronger
    /// verdict (doxxing and data-sale ads stay what they are: a doxxing post that reuses a leak
    /// is still doxxing), is a `leak_repost`.
    fn apply(&self, verdict: Verdict, severity: Severity) -> (Verdict, Severity) {
        if self.known == 0 {
            return (verdict, severity);
        }
        let severity = match severity {
            Severity::None => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        };
        let mostly_known = self.ids >= 2 && 2 * self.known > self.ids;
        let verdict = match verdict {
            Verdict::PiiExposure | Verdict::None if mostly_known => Verdict::LeakRepost,
            v => v,
        };
        (verdict, severity)
    }
}

impl Matcher {
    pub fn new(
        scanner: Arc<Scanner>,
        hasher: Option<KeyedHasher>,
        vault: Option<VaultKey>,
        alert_on: Vec<Verdict>,
        max_record_bytes: usize,
        metrics: Arc<crate::metrics::Metrics>,
    ) -> Matcher {
        Matcher {
            metrics,
            scanner,
            hasher,
            vault,
            alert_on,
            max_record_bytes,
            leaks: Arc::default(),
            jsonl_per_record: AtomicUsize::new(0),
        }
    }

    /// Looks every identifier up in `leaks` (opened with this matcher's hash key).
    pub fn with_known_leaks(mut self, leaks: Arc<KnownLeaks>) -> Matcher {
        self.leaks = leaks;
        self
    }

    fn lookup(&self, r: &ScanResult) -> LeakLookup {
        let mut l = LeakLookup::default();
        let Some(hasher) = self.hasher.as_ref().filter(|_| !self.leaks.is_empty()) else {
            return l;
        };
        let ids: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| SET_KINDS.contains(&f.kind))
            .collect();
        // Four hashes at a time (one BLAKE3 compression each, side by side), the rest one by
        // one (four lanes cost about three single hashes).
        let digest = |h: &[u8; 32]| -> Digest { h[..DIGEST_LEN].try_into().expect("16 bytes") };
        let mut digests: Vec<Digest> = Vec::with_capacity(ids.len());
        let mut groups = ids.chunks_exact(4);
        for g in &mut groups {
            let hashes = hasher.hash4([0, 1, 2, 3].map(|i| (g[i].kind, g[i].value.expose())));
            digests.extend(hashes.iter().map(digest));
        }
        for f in groups.remainder() {
            digests.push(digest(&hasher.hash(f.kind, f.value.expose())));
        }
        let mut names = self.leaks.names_containing_many(&digests).into_iter();
        let mut digests = digests.into_iter();
        for f in &r.findings {
            if !SET_KINDS.contains(&f.kind) {
                l.names.push(Vec::new());
                l.digests.push(None);
                continue;
            }
            let names = names.next().expect("one answer per identifier");
            l.ids += 1;
            l.known += usize::from(!names.is_empty());
            l.names.push(names);
            l.digests.push(digests.next());
        }
        l
    }

    /// Matches a batch: a [`Records`](crate::records::Records) (`&records`) or any list of
    /// byte strings (`&[Vec<u8>]`). Rejections refer to records by their index. The alerts come
    /// as values ([`Outcome::alerts`]).
    pub fn match_batch<R: AsRef<[u8]>>(
        &self,
        records: impl IntoIterator<Item = R>,
        scratch: &mut Scratch,
    ) -> Outcome {
        let values = AlertsAs {
            values: true,
            jsonl: false,
        };
        self.match_batch_as(records, scratch, values)
    }

    /// [`match_batch`](Matcher::match_batch), the alerts made as `how` says. An alert is written
    /// as JSON straight from the post and the scan result, without an owned [`Alert`] unless
    /// values are asked for.
    pub fn match_batch_as<R: AsRef<[u8]>>(
        &self,
        records: impl IntoIterator<Item = R>,
        scratch: &mut Scratch,
        how: AlertsAs,
    ) -> Outcome {
        let mut out = Outcome::default();
        let mut tally = Tally::default();
        let mut bufs = AlertBufs::default();
        let now = now_rfc3339();
        let records = records.into_iter();
        let count = records.size_hint().0;
        if how.jsonl {
            // The lines sized as the last batch's per record plus an eighth (as the inbox sizes
            // its batches): grown from empty, the buffer was copied ~7 times a batch
            // (`reserve` 4.3 M instructions for 16,000 posts, callgrind).
            let hint = self.jsonl_per_record.load(Ordering::Relaxed) * count;
            out.lines.jsonl.reserve(hint + hint / 8);
        }
        for (i, raw) in records.enumerate() {
            let raw = raw.as_ref();
            // Validated once here (SIMD: ~6% of the matcher's instructions through std's
            // per-character check of CJK text); the JSON parser then trusts the text.
            let Ok(text) = simdutf8::basic::from_utf8(raw) else {
                out.rejected.push((i, Reject::BadUtf8));
                continue;
            };
            let post = match PostRef::from_json_str(text, self.max_record_bytes) {
                Ok(p) => p,
                Err(PostError::TooLarge { .. }) => {
                    out.rejected.push((i, Reject::TooLarge));
                    continue;
                }
                Err(PostError::MissingField(_)) => {
                    out.rejected.push((i, Reject::MissingField));
                    continue;
                }
                Err(PostError::Json(_)) => {
                    out.rejected.push((i, Reject::BadJson));
                    continue;
                }
            };
            out.posts += 1;
            let mut r = self.scanner.scan_any(&post.text, scratch);
            let leaks = self.lookup(&r);
            (r.verdict, r.severity) = leaks.apply(r.verdict, r.severity);
            tally.verdict(r.verdict);
            for f in r.findings.iter().chain(&r.signals) {
                tally.finding(f.kind);
            }
            if self.alert_on.contains(&r.verdict) {
                out.verdicts.push(r.verdict);
                if how.values || how.jsonl {
                    self.alert(&post, raw, r, leaks, &now, how, &mut out, &mut bufs);
                }
            }
        }
        self.metrics.add(&tally);
        if how.jsonl && count > 0 {
            let per_record = out.lines.jsonl.len().div_ceil(count);
            self.jsonl_per_record.store(per_record, Ordering::Relaxed);
        }
        out
    }

    /// Makes one post's alert as `how` says: one [`AlertRef`] over the post, the scan result
    /// and the masked values and hashes gathered in one buffer, written as a JSON line and/or
    /// copied into an owned [`Alert`].
    #[allow(clippy::too_many_arguments)]
    fn alert(
        &self,
        post: &PostRef,
        raw: &[u8],
        mut r: ScanResult,
        leaks: LeakLookup,
        now: &str,
        how: AlertsAs,
        out: &mut Outcome,
        bufs: &mut AlertBufs,
    ) {
        // Each finding's masked value, then its hash in hex, end to end; `ends` marks where
        // each stops. The hash is the lookup's digest when it has one (the same key, the same
        // bytes); otherwise every kind but sale keywords is hashed here, one by one (four at
        // a time with `hash4` took more instructions here: benches/README.md).
        let mut strs = std::mem::take(&mut bufs.strs);
        strs.clear();
        let ends = &mut bufs.ends;
        ends.clear();
        for (i, f) in r.findings.iter().enumerate() {
            mask_into(f.kind, f.value.expose(), &mut strs);
            let masked_end = strs.len();
            match (leaks.digests.get(i), &self.hasher) {
                (Some(Some(d)), _) => hex16_into(d, &mut strs),
                (_, Some(h)) if f.kind != Kind::AdKeyword => {
                    hex16_into(&h.hash(f.kind, f.value.expose()), &mut strs)
                }
                _ => {}
            }
            ends.push((masked_end, strs.len()));
        }
        let no_names = Vec::new();
        let mut start = 0;
        let mut findings: Vec<FindingRef> = recycle(std::mem::take(&mut bufs.findings));
        findings.extend(r.findings.iter().zip(ends.iter()).enumerate().map(
            |(i, (f, &(masked_end, end)))| {
                let masked = &strs[start..masked_end];
                let hash = (end > masked_end).then(|| &strs[masked_end..end]);
                start = end;
                FindingRef {
                    kind: f.kind,
                    start: f.span.start,
                    end: f.span.end,
                    masked,
                    hash,
                    known_leaks: leaks.names.get(i).unwrap_or(&no_names),
                    facts: FactsRef::Detector(&f.facts),
                }
            },
        ));
        if leaks.known > 0 {
            r.reasons.push(format!(
                "known leak: {} of {} identifiers are in known-leak sets",
                leaks.known, leaks.ids
            ));
        }
        let text_masked = masked_text_in(
            &post.text,
            &findings,
            std::mem::take(&mut bufs.text),
            &mut bufs.spans,
        );
        let id = AlertId::derive_in(&post.id, &findings, r.verdict, &mut bufs.id_input);
        // The record exactly as received: the evidence a referral quotes.
        let evidence = self.vault.as_ref().map(|v| v.seal(raw));
        let alert = AlertRef {
            alert_id: id.as_str(),
            post_id: &post.id,
            platform: &post.platform,
            url: post.url.as_deref(),
            ts_post: post.ts.as_deref(),
            ts_detected: now,
            verdict: r.verdict,
            labels: &r.labels,
            severity: r.severity,
            score: (r.score * 1000.0).round() / 1000.0,
            findings: &findings,
            reasons: &r.reasons,
            dict_version: self.scanner.dict_version(),
            author: (!post.author_id.is_empty()).then_some(&*post.author_id),
            text_masked: Some(&text_masked),
            evidence: evidence.as_ref(),
        };
        if how.jsonl {
            alert.write_json(&mut out.lines.jsonl);
            out.lines.jsonl.push(b'\n');
            out.lines.post_ids.push(post.id.as_bytes());
        }
        if how.values {
            out.alerts.push(alert.to_owned());
        }
        bufs.findings = recycle(findings);
        (bufs.strs, bufs.text) = (strs, text_masked);
    }
}

/// Longest masked text an alert carries, in characters (the vault keeps the whole post).
pub const MASKED_TEXT_CHARS: usize = 16 * 1024;

/// The post text with every finding's span replaced by its masked value, and every other run
/// of seven or more digits masked too: a number that failed a check (a mistyped ID, a phone
/// on an unlisted segment) may still be someone's, and the masked text is stored and shown.
/// Takes the alert's findings, whose masked values are already computed.
pub fn masked_text(text: &str, findings: &[FindingRef]) -> String {
    masked_text_in(text, findings, String::new(), &mut Vec::new())
}

/// [`masked_text`], written in `buf` (cleared first) when it needs no other copy; `spans` lends
/// its allocation (see [`AlertBufs`]).
fn masked_text_in(
    text: &str,
    findings: &[FindingRef],
    mut buf: String,
    spans: &mut Vec<Span<'static>>,
) -> String {
    replace_findings_into(text, findings, &mut buf, spans);
    mask_long_digit_runs(buf)
}

/// `text` with every run of seven or more digits masked. Most texts have none left once the
/// findings are replaced: those are returned as they are, without a second copy (the copy was
/// ~1 kB and an allocation an alert).
fn mask_long_digit_runs(text: String) -> String {
    // Bytes, not chars: digits are ASCII or the full-width `０`-`９` (EF BC 90-99), and neither
    // starts inside another character, so a byte walk finds every run; the text between runs
    // is copied whole.
    let digit_len = |b: &[u8]| match b {
        [d, ..] if d.is_ascii_digit() => 1,
        [0xef, 0xbc, 0x90..=0x99, ..] => 3,
        _ => 0,
    };
    let bytes = text.as_bytes();
    // Made at the first run to mask.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip to the next byte that can start a digit.
        match find_digit_lead(bytes, i) {
            Some(n) => i = n,
            None => break,
        }
        let start = i;
        let mut chars = 0;
        loop {
            match digit_len(&bytes[i..]) {
                0 => break,
                n => (i, chars) = (i + n, chars + 1),
            }
        }
        if chars == 0 {
            i += 1;
            continue;
        }
        if chars >= 7 {
            let run = &text[start..i];
            let head = run.char_indices().nth(3).map_or(run.len(), |(b, _)| b);
            let tail = run
                .char_indices()
                .nth(chars - 2)
                .map_or(run.len(), |(b, _)| b);
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..start]);
            out.push_str(&run[..head]);
            out.extend(std::iter::repeat_n('*', chars - 5));
            out.push_str(&run[tail..]);
            copied = i;
        }
    }
    match out {
        Some(mut out) => {
            out.push_str(&text[copied..]);
            out
        }
        None => text,
    }
}

/// The index of the first ASCII digit or `0xEF` (the lead byte of a full-width digit, and of
/// much CJK punctuation) at or after `from`: sixteen bytes at a time on x86-64
/// ([`digit_leads16`](doxwatch_model::bytes::digit_leads16)) with one more step over the last
/// sixteen, eight at a time for shorter texts and elsewhere. The byte-by-byte search was most
/// of `masked_text`'s ~3.9 k instructions an alert (callgrind, dev corpus, 4,798 alerts); the
/// eight-byte word still ~1.5 k of its ~3.1 k over the ~1 kB texts.
fn find_digit_lead(b: &[u8], from: usize) -> Option<usize> {
    use doxwatch_model::bytes::{find_by_words, zero_bytes, HIGHS, LOW7, ONES};
    #[cfg(target_arch = "x86_64")]
    if b.len() >= 16 {
        use doxwatch_model::bytes::{digit_leads16, find_by_blocks16};
        return find_by_blocks16(b, from, digit_leads16);
    }
    let mask = |w: u64| {
        // Per byte on its low seven bits (no carry or borrow crosses a byte, so every bit is
        // exact): high bit set when >= '0', when <= '9', and (from `!w`) when ASCII.
        let low = w & LOW7;
        let ge_0 = low + ONES * (0x80 - b'0' as u64);
        let le_9 = ONES * (0x80 + b'9' as u64) - low;
        (ge_0 & le_9 & !w & HIGHS) | zero_bytes(w ^ (ONES * 0xef))
    };
    find_by_words(b, from, mask, |c| c.is_ascii_digit() || c == 0xef)
}

/// The byte offset `n` characters after byte `from` of `text` (its length if it has fewer).
/// A rest of at most `n` bytes has at most `n` characters: its end, without a walk (the last
/// call of [`replace_findings`] asks for 16 k characters, past the end of nearly every text).
fn char_offset(text: &str, from: usize, n: u32) -> usize {
    let rest = &text[from..];
    if rest.len() <= n as usize {
        return text.len();
    }
    let mut chars = rest.chars();
    if n > 0 {
        chars.nth(n as usize - 1);
    }
    from + rest.len() - chars.as_str().len()
}

/// A finding's (start, end, masked value).
type Span<'a> = (u32, u32, &'a str);

/// The findings' spans, by start, the longer of two at one start first, in `spans` (cleared
/// first).
fn masked_spans_into<'a>(findings: &[FindingRef<'a>], spans: &mut Vec<Span<'a>>) {
    spans.clear();
    spans.extend(findings.iter().map(|f| (f.start, f.end, f.masked)));
    spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
}

#[cfg(test)]
fn masked_spans<'a>(findings: &[FindingRef<'a>]) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    masked_spans_into(findings, &mut spans);
    spans
}

#[cfg(test)]
fn replace_findings(text: &str, findings: &[FindingRef]) -> String {
    let mut out = String::new();
    replace_findings_into(text, findings, &mut out, &mut Vec::new());
    out
}

/// `text` with every finding's span replaced by its masked value, cut at
/// [`MASKED_TEXT_CHARS`], in `out` (cleared first); `spans_buf` lends its allocation.
fn replace_findings_into(
    text: &str,
    findings: &[FindingRef],
    out: &mut String,
    spans_buf: &mut Vec<Span<'static>>,
) {
    let mut spans = recycle(std::mem::take(spans_buf));
    masked_spans_into(findings, &mut spans);
    let limit = MASKED_TEXT_CHARS as u32;
    out.clear();
    out.reserve(text.len().min(MASKED_TEXT_CHARS * 3));
    // Everything before `(at_char, at_byte)` is settled: copied, or replaced by a masked value.
    // Spans are in code points; the text between them is copied whole.
    let (mut at_char, mut at_byte) = (0u32, 0usize);
    for &(start, end, masked) in &spans {
        if start >= limit {
            break;
        }
        if start < at_char {
            // Starts inside a span already replaced (the longest at a position comes first).
            continue;
        }
        let start_byte = char_offset(text, at_byte, start - at_char);
        if start_byte == text.len() {
            break;
        }
        out.push_str(&text[at_byte..start_byte]);
        out.push_str(masked);
        let end = end.clamp(start, limit);
        (at_char, at_byte) = (end, char_offset(text, start_byte, end - start));
    }
    let end_byte = char_offset(text, at_byte, limit.saturating_sub(at_char));
    out.push_str(&text[at_byte..end_byte]);
    *spans_buf = recycle(spans);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_and_rejections() {
        let scanner = Arc::new(Scanner::new().unwrap());
        let m = Matcher::new(
            scanner,
            Some(KeyedHasher::from_secret(b"k")),
            Some(VaultKey::new(&[3u8; 32])),
            vec![Verdict::Doxxing],
            1 << 20,
            Default::default(),
        );
        let records: Vec<Vec<u8>> = vec![
            r#"{"id":"a","text":"扒出来了，本名张伟，手机 138 0013 8000，身份证 11010519491231002X"}"#
                .as_bytes()
                .to_vec(),
            r#"{"id":"b","text":"今天天气很好"}"#.as_bytes().to_vec(),
            b"{not json".to_vec(),
            br#"{"id":"c"}"#.to_vec(),
            vec![0xff, 0xfe],
        ];
        let o = m.match_batch(&records, &mut Scratch::default());
        assert_eq!(o.posts, 2);
        assert_eq!(o.alerts.len(), 1);
        let a = &o.alerts[0];
        assert_eq!(a.post_id, "a");
        assert!(a.findings.iter().all(|f| f.hash.is_some()));
        let json = serde_json::to_string(a).unwrap();
        assert!(!json.contains("13800138000") && !json.contains("19491231"));
        let masked = a.text_masked.as_deref().unwrap();
        assert!(
            masked.starts_with("扒出来了，本名张*，手机 138****8000，身份证 "),
            "{masked}"
        );
        assert!(
            !masked.contains("0013") && !masked.contains("19491231"),
            "{masked}"
        );
        // The evidence is the record exactly as received, sealed.
        let ev = a.evidence.as_ref().unwrap();
        assert_eq!(VaultKey::new(&[3u8; 32]).open(ev).unwrap(), records[0]);
        assert_eq!(
            o.rejected,
            vec![
                (2, Reject::BadJson),
                (3, Reject::MissingField),
                (4, Reject::BadUtf8)
            ]
        );
        // Replays give the same id.
        let again = m.match_batch(&records[..1], &mut Scratch::default());
        assert_eq!(again.alerts[0].alert_id, a.alert_id);
    }

    /// A known-leak set of `digests` (built with `key`) in `dir`.
    fn leak_set(
        dir: &std::path::Path,
        key: &KeyedHasher,
        digests: impl IntoIterator<Item = Digest>,
    ) -> doxwatch_leakset::LeakSet {
        let out = dir.join("t.leakset");
        let opts = doxwatch_leakset::BuildOptions {
            name: "t".into(),
            source: "synthetic".into(),
            date: "2025-01-01".into(),
            map: doxwatch_leakset::parse_map("phone=1").unwrap(),
            memory_mb: 16,
            progress: false,
            oprf: None,
        };
        let mut b = doxwatch_leakset::Builder::new(&out, key.clone(), opts).unwrap();
        for d in digests {
            b.add_digest(d).unwrap();
        }
        b.finish().unwrap();
        doxwatch_leakset::LeakSet::open(&out, key).unwrap()
    }

    #[test]
    fn known_leaks_mark_findings_and_keep_their_hashes() {
        let key = KeyedHasher::from_secret(b"k");
        let dir = tempfile::tempdir().unwrap();
        // Known: the second of five phones; the set's other members are never posted.
        let digests = ["13800138002", "13900139000", "13700137000"].map(|p| {
            let h = key.hash(doxwatch_model::Kind::Phone, p);
            h[..DIGEST_LEN].try_into().unwrap()
        });
        let set = leak_set(dir.path(), &key, digests);
        let matcher = || {
            Matcher::new(
                Arc::new(Scanner::new().unwrap()),
                Some(key.clone()),
                None,
                vec![Verdict::Doxxing],
                1 << 20,
                Default::default(),
            )
        };
        let plain = matcher();
        let leaky = matcher().with_known_leaks(Arc::new(KnownLeaks::from_sets(vec![set])));
        // Five identifiers: four hashed side by side, one alone.
        let records = vec![r#"{"id":"a","text":"扒出来了，本名张伟，身份证 11010519491231002X，手机 13800138001、13800138002、13800138003、13800138004"}"#
            .as_bytes()
            .to_vec()];
        let a = plain.match_batch(&records, &mut Scratch::default()).alerts;
        let b = leaky.match_batch(&records, &mut Scratch::default()).alerts;
        assert_eq!((a.len(), b.len()), (1, 1));
        let known: Vec<&str> = b[0]
            .findings
            .iter()
            .filter(|f| !f.known_leaks.is_empty())
            .map(|f| f.masked.as_str())
            .collect();
        assert_eq!(known, ["138****8002"]);
        assert!(
            b[0].findings
                .iter()
                .filter(|f| f.kind != doxwatch_model::Kind::Name)
                .count()
                >= 5
        );
        let hashes = |a: &Alert| {
            a.findings
                .iter()
                .map(|f| f.hash.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            hashes(&a[0]),
            hashes(&b[0]),
            "the lookup's digests are the alert's hashes"
        );
    }

    /// The alerts written straight from the scan results (`AlertsAs::jsonl`) are byte for
    /// byte serde_json's serialization of the same alerts made as values, over the whole dev
    /// corpus, once without and once with known-leak sets (known leaks, their reason, leak
    /// reposts), with evidence sealed. The corpus is read beside the workspace, as by
    /// tests/corpus.rs.
    #[test]
    fn json_lines_are_the_values_serialized_over_the_dev_corpus() {
        let corpus =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/dev.jsonl");
        let dev = std::fs::read_to_string(&corpus).expect("the dev corpus beside the workspace");
        let records: Vec<&[u8]> = dev.lines().map(str::as_bytes).collect();
        let key = KeyedHasher::from_secret(b"k");
        let matcher = || {
            Matcher::new(
                Arc::new(Scanner::new().unwrap()),
                Some(key.clone()),
                Some(VaultKey::new(&[3u8; 32])),
                vec![
                    Verdict::Doxxing,
                    Verdict::DataSaleAd,
                    Verdict::LeakRepost,
                    Verdict::PiiExposure,
                ],
                1 << 20,
                Default::default(),
            )
        };
        let both = AlertsAs {
            values: true,
            jsonl: true,
        };
        let check = |m: &Matcher| -> Vec<Alert> {
            let o = m.match_batch_as(&records, &mut Scratch::default(), both);
            let lines: Vec<&str> = std::str::from_utf8(&o.lines.jsonl)
                .unwrap()
                .lines()
                .collect();
            assert_eq!(lines.len(), o.alerts.len());
            assert_eq!(o.verdicts.len(), o.alerts.len());
            for ((line, a), v) in lines.iter().zip(&o.alerts).zip(&o.verdicts) {
                assert_eq!(*line, serde_json::to_string(a).unwrap());
                assert_eq!(*v, a.verdict);
            }
            let of_values = AlertLines::of(&o.alerts);
            assert_eq!(of_values.jsonl, o.lines.jsonl);
            assert_eq!(of_values.post_ids, o.lines.post_ids);
            o.alerts
        };
        let plain = check(&matcher());
        assert!(plain.len() > 2000, "{}", plain.len());
        // A set holding every other identifier hash the first pass found.
        let dir = tempfile::tempdir().unwrap();
        let hashes = plain
            .iter()
            .flat_map(|a| &a.findings)
            .filter(|f| doxwatch_leakset::SET_KINDS.contains(&f.kind))
            .filter_map(|f| f.hash.as_deref());
        let digests = hashes.step_by(2).map(|h| {
            let mut d = [0u8; DIGEST_LEN];
            hex::decode_to_slice(h, &mut d).unwrap();
            d
        });
        let set = leak_set(dir.path(), &key, digests);
        let leaky = matcher().with_known_leaks(Arc::new(KnownLeaks::from_sets(vec![set])));
        let known = check(&leaky);
        assert!(known
            .iter()
            .any(|a| a.findings.iter().any(|f| !f.known_leaks.is_empty())));
        assert!(known.iter().any(|a| a.verdict == Verdict::LeakRepost));
    }

    /// `recycle` hands the allocation over (the matcher's two per-alert vectors rely on it for
    /// their speed, not their correctness).
    #[test]
    fn recycling_keeps_the_allocation() {
        let text = String::from("138****8000");
        let mut v: Vec<Span> = Vec::with_capacity(7);
        v.push((1, 2, &text));
        let ptr = v.as_ptr() as usize;
        let v: Vec<Span<'static>> = recycle(v);
        assert!(v.is_empty() && v.capacity() >= 7);
        assert_eq!(v.as_ptr() as usize, ptr);
    }

    /// The replacement as it was first written, one character at a time: the oracle for
    /// `replace_findings`, which copies the text between spans whole.
    fn replace_findings_char_by_char(text: &str, findings: &[FindingRef]) -> String {
        let spans = masked_spans(findings);
        let mut out = String::new();
        let mut next = spans.iter().peekable();
        let mut skip_to = 0u32;
        for (i, c) in text.chars().enumerate().take(MASKED_TEXT_CHARS) {
            let i = i as u32;
            while let Some((start, end, masked)) = next.peek() {
                if *start > i {
                    break;
                }
                if *start == i && i >= skip_to {
                    out.push_str(masked);
                    skip_to = *end;
                }
                next.next();
            }
            if i >= skip_to {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn findings_are_replaced_as_char_by_char() {
        let no_facts = Default::default();
        let wf = |start, end, masked| FindingRef {
            kind: doxwatch_model::Kind::Phone,
            start,
            end,
            masked,
            hash: None,
            known_leaks: &[],
            facts: FactsRef::Wire(&no_facts),
        };
        let text = "手机13800138000，姓名张伟，地址北京市朝阳区";
        let long = "字".repeat(MASKED_TEXT_CHARS + 10);
        let cases: Vec<(&str, &str, Vec<FindingRef>)> = vec![
            ("none", text, vec![]),
            ("one", text, vec![wf(2, 13, "138****8000")]),
            ("at the start", text, vec![wf(0, 2, "**")]),
            ("at the end", text, vec![wf(20, 26, "北京市***")]),
            (
                "two, unsorted",
                text,
                vec![wf(17, 19, "张*"), wf(2, 13, "138****8000")],
            ),
            (
                "nested: the longest wins",
                text,
                vec![wf(2, 13, "A"), wf(2, 5, "B"), wf(4, 8, "C")],
            ),
            (
                "overlapping",
                text,
                vec![wf(2, 10, "A"), wf(8, 15, "B"), wf(15, 16, "C")],
            ),
            ("empty span", text, vec![wf(3, 3, "E"), wf(3, 6, "F")]),
            ("past the end", text, vec![wf(24, 40, "X"), wf(40, 41, "Y")]),
            ("empty text", "", vec![wf(0, 1, "X")]),
            (
                "truncated",
                &long,
                vec![
                    wf(5, 6, "a"),
                    wf(
                        MASKED_TEXT_CHARS as u32 - 1,
                        MASKED_TEXT_CHARS as u32 + 3,
                        "b",
                    ),
                    wf(
                        MASKED_TEXT_CHARS as u32 + 5,
                        MASKED_TEXT_CHARS as u32 + 6,
                        "c",
                    ),
                ],
            ),
            ("cut at the limit", &long, vec![wf(1, 2, "a")]),
        ];
        for (name, text, findings) in cases {
            assert_eq!(
                replace_findings(text, &findings),
                replace_findings_char_by_char(text, &findings),
                "{name}"
            );
        }
    }

    #[test]
    fn char_offsets_are_those_of_chars() {
        let by_chars = |text: &str, from: usize, n: u32| {
            text[from..]
                .char_indices()
                .nth(n as usize)
                .map_or(text.len(), |(b, _)| from + b)
        };
        let texts = [
            "",
            "a",
            "abc 123",
            "é",
            "手机号码１３８",
            "a\u{1F600}b手\u{10FFFF}é0",
            &"扒出来了，本名张伟 a é 😀 ".repeat(6),
            &"x".repeat(70),
            &"ab字😀é".repeat(9),
        ];
        for text in texts {
            for (from, _) in text.char_indices().chain([(text.len(), ' ')]) {
                for n in 0..=text.chars().count() as u32 + 40 {
                    assert_eq!(
                        char_offset(text, from, n),
                        by_chars(text, from, n),
                        "{text:?} from {from}, {n} chars"
                    );
                }
            }
        }
    }

    #[test]
    fn digit_leads_are_found_as_byte_by_byte() {
        let naive = |b: &[u8], from: usize| {
            (from..b.len()).find(|&j| b[j].is_ascii_digit() || b[j] == 0xef)
        };
        for len in 0..48 {
            for pos in 0..len {
                for byte in 0..=255u8 {
                    let mut b = vec![b'a'; len];
                    b[pos] = byte;
                    if pos + 2 < len {
                        b[pos + 2] = 0xee;
                    }
                    let froms = [0, pos.saturating_sub(17), pos, pos + 1, len];
                    for from in froms.into_iter().filter(|&f| f <= len) {
                        assert_eq!(find_digit_lead(&b, from), naive(&b, from), "{b:?} {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn long_digit_runs_are_masked() {
        let cases = [
            ("", ""),
            ("无数字", "无数字"),
            ("a123456b", "a123456b"),
            ("a1234567b", "a123**67b"),
            ("１２３４５６７８９", "１２３****８９"),
            ("号12３456７8 和 99", "号12３***７8 和 99"),
            ("0123456789", "012*****89"),
            ("1234567", "123**67"),
            (
                "电话１２３４５６７和1234567890末",
                "电话１２３**６７和123*****90末",
            ),
            ("ｘ１２３４５６", "ｘ１２３４５６"),
        ];
        for (text, want) in cases {
            assert_eq!(mask_long_digit_runs(text.to_string()), want, "{text}");
        }
    }
}

#[cfg(test)]
mod leak_rule_tests {
    use super::*;

    #[test]
    fn known_leak_rule() {
        let l = |ids, known| LeakLookup {
            names: vec![],
            digests: vec![],
            ids,
            known,
        };
        use Severity::*;
        use Verdict::*;
        let cases = [
            ("nothing known", l(3, 0), PiiExposure, Low, PiiExposure, Low),
            (
                "mostly known",
                l(3, 2),
                PiiExposure,
                Low,
                LeakRepost,
                Medium,
            ),
            (
                "half is not most",
                l(4, 2),
                PiiExposure,
                Low,
                PiiExposure,
                Medium,
            ),
            (
                "one identifier",
                l(1, 1),
                PiiExposure,
                Low,
                PiiExposure,
                Medium,
            ),
            (
                "doxxing stays",
                l(2, 2),
                Doxxing,
                Critical,
                Doxxing,
                Critical,
            ),
            (
                "sale ad stays",
                l(2, 2),
                DataSaleAd,
                High,
                DataSaleAd,
                Critical,
            ),
        ];
        for (name, lk, v, s, want_v, want_s) in cases {
            assert_eq!(lk.apply(v, s), (want_v, want_s), "{name}");
        }
    }
}
