//! Alerts written as JSON without serde's string escaping.
//!
//! serde_json escapes a string one byte at a time through a lookup table. An alert is mostly
//! string bytes (the masked post text, reasons, masked values; ~1.2 kB, mostly CJK), and that
//! loop was 82 % of serializing one (callgrind, dev corpus: 70 of 86 M instructions for 4,798
//! alerts). [`write_str`] looks at sixteen bytes at a time (SSE2; eight elsewhere) and copies
//! the runs that need no escape whole. Enum names are written from their `as_str`, integers by `itoa` (what serde_json
//! uses); the score and the evidence are still written by serde_json. One writer,
//! [`AlertRef::write_json`], serves the matcher's borrowed alerts and owned [`Alert`](crate::Alert)s
//! alike (`Alert::write_json` goes through an `AlertRef` of itself). It is tested byte for byte
//! against `serde_json::to_vec` (see the tests below, the matcher's test over the dev corpus,
//! and the alerts files of `doxwatch run --once` in benches/README.md).

use crate::bytes::{find_by_words, zero_bytes, HIGHS, LOW7, ONES};
use crate::{AlertRef, FindingRef};
use serde::Serialize;

/// The bytes of `w` that are `"`, `\` or a control character below 0x20, as the high bit of
/// each, exactly: each test is done on a byte's low seven bits, where no carry crosses into the
/// next byte (a byte below 0x20 has its high bit clear and `low + 0x60` below 0x80; a byte equal
/// to `c` is a zero byte of `w ^ c…`). Bytes >= 0x80 (UTF-8 continuations and leads) never
/// match. Exact, so a word that overlaps bytes already searched can be shifted past them.
#[inline]
fn specials(w: u64) -> u64 {
    let below_space = !(((w & LOW7) + ONES * (0x80 - 0x20)) | w) & HIGHS;
    below_space | zero_bytes(w ^ (ONES * b'"' as u64)) | zero_bytes(w ^ (ONES * b'\\' as u64))
}

/// Writes `s` as a JSON string exactly as serde_json's compact serializer does: `"` and `\`
/// backslashed, `\b \f \n \r \t` by name, the other control characters as `\u00XX` (lowercase
/// hex), everything else (including DEL and non-ASCII) as is.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Most strings of an alert need no escape (fact names and values, masked values, hashes:
    // ~160,000 strings for 4,798 alerts, most of them short). The escaping loop is kept out of
    // this function so that the common case is a search and one copy.
    if quote_short(out, bytes) {
        return;
    }
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    match find_special(bytes, 0) {
        None => out.extend_from_slice(bytes),
        Some(i) => write_escaped(out, bytes, i),
    }
    out.push(b'"');
}

/// Appends `b` quoted when it holds at most 32 bytes and none to escape, and says whether it
/// did. Such a string is tested as two pieces of a fixed size, its first and its last, that
/// overlap in the middle (one test), and goes out with its quotes as one fixed-size copy
/// ([`quoted`]). Most of an alert's ~24 strings are short (fact values, masked values, hashes,
/// the id).
#[inline(always)]
fn quote_short(out: &mut Vec<u8>, b: &[u8]) -> bool {
    let n = b.len();
    match n {
        0..=3 => {
            if b.iter().any(|&c| matches!(c, b'"' | b'\\' | 0..=0x1f)) {
                return false;
            }
            let mut block = [b'"'; 8];
            block[1..=n].copy_from_slice(b);
            let at = out.len();
            out.extend_from_slice(&block);
            out.truncate(at + n + 2);
            true
        }
        4..=7 => {
            let half = |at: usize| -> [u8; 4] { b[at..at + 4].try_into().expect("4 bytes") };
            let (head, tail) = (half(0), half(n - 4));
            let word =
                u64::from(u32::from_le_bytes(head)) | u64::from(u32::from_le_bytes(tail)) << 32;
            plain_words(word, word) && quoted(out, n, &head, &tail)
        }
        8..=15 => {
            let word = |at: usize| -> [u8; 8] { b[at..at + 8].try_into().expect("8 bytes") };
            let (head, tail) = (word(0), word(n - 8));
            plain_words(u64::from_le_bytes(head), u64::from_le_bytes(tail))
                && quoted(out, n, &head, &tail)
        }
        #[cfg(target_arch = "x86_64")]
        16..=32 => {
            let block = |at: usize| -> &[u8; 16] { b[at..at + 16].try_into().expect("16 bytes") };
            let (head, tail) = (block(0), block(n - 16));
            specials16(head) | specials16(tail) == 0 && quoted(out, n, head, tail)
        }
        _ => false,
    }
}

/// Whether the sixteen bytes of two little-endian words hold no byte to escape: one SSE2 test
/// on x86-64 (two [`specials`] words were ~45 instructions), the word test elsewhere.
#[inline(always)]
fn plain_words(a: u64, b: u64) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::_mm_set_epi64x;
        // SAFETY: SSE2 is part of every x86-64 target.
        special_mask(unsafe { _mm_set_epi64x(b as i64, a as i64) }) == 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        specials(a) | specials(b) == 0
    }
}

/// Appends `"`, the `n` bytes whose first `K` are `head` and last `K` are `tail`
/// (`K <= n <= 2K <= 32`), and `"`. They are put together in a stack block (the tail written
/// over the head where the two overlap) that goes out as one 48-byte copy, cut back to `n + 2`
/// bytes: one capacity check and plain stores, where the quotes' pushes and the two pieces'
/// copies each checked the capacity (`write_str`: 111 -> 99 instructions a call, callgrind).
#[inline(always)]
fn quoted<const K: usize>(out: &mut Vec<u8>, n: usize, head: &[u8; K], tail: &[u8; K]) -> bool {
    // Filled with quotes: the closing one, at `n + 1`, is past both pieces.
    let mut block = [b'"'; 48];
    block[1..=K].copy_from_slice(head);
    block[n + 1 - K..=n].copy_from_slice(tail);
    let at = out.len();
    out.extend_from_slice(&block);
    out.truncate(at + n + 2);
    true
}

/// The bytes of a string whose first special byte is at `first`, escaped (see [`write_str`]).
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8], first: usize) {
    let (mut start, mut next) = (0, Some(first));
    while let Some(i) = next {
        out.extend_from_slice(&bytes[start..i]);
        let b = bytes[i];
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\x08' => out.extend_from_slice(b"\\b"),
            b'\x0c' => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xf)],
                ]);
            }
        }
        start = i + 1;
        next = find_special(bytes, start);
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The index of the first `"`, `\` or control byte of `b` at or after `from`: sixteen bytes at
/// a time by [`specials16`] on x86-64 with one more step over the last sixteen bytes, or, for
/// fewer than sixteen bytes and elsewhere, eight by [`specials`] through [`find_by_words`].
#[inline(always)]
pub(crate) fn find_special(b: &[u8], from: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if b.len() >= 16 {
        return crate::bytes::find_by_blocks16(b, from, specials16);
    }
    find_by_words(b, from, specials, |c| matches!(c, b'"' | b'\\' | 0..=0x1f))
}

/// [`specials`] for sixteen bytes with SSE2, one bit per byte. The post reader's eight-byte
/// search was ~15 instructions a word (1.0 k of its 5.0 k a dev.jsonl record, most of it in
/// the text), and the writer's the same on ~1.2 kB an alert; this is ~8 instructions for
/// sixteen bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn specials16(w: &[u8; 16]) -> u32 {
    use std::arch::x86_64::_mm_loadu_si128;
    // SAFETY: SSE2 is part of every x86-64 target; the load reads the sixteen bytes of `w`
    // (`loadu`: no alignment needed).
    special_mask(unsafe { _mm_loadu_si128(w.as_ptr().cast()) })
}

/// [`specials16`] of the bytes in a register.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn special_mask(x: std::arch::x86_64::__m128i) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of every x86-64 target; no memory is read.
    unsafe {
        let quote = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
        // Unsigned x <= 0x1f: max(x, 0x1f) == 0x1f (a signed compare would take bytes >= 0x80).
        let low = _mm_set1_epi8(0x1f);
        let control = _mm_cmpeq_epi8(_mm_max_epu8(x, low), low);
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
    }
}

/// A value serde_json writes in a line's middle (the score, evidence): infallible for these
/// types into a `Vec`.
fn write_value<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(&mut *out, v).expect("serializing into a Vec cannot fail");
}

/// An enum's wire name (its `as_str`, the same snake_case name serde writes; tested for every
/// variant): no escape needed.
fn write_name(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

fn write_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// A key with its quotes, colon and, but for the first field, the comma before it, written as
/// one constant (`,"name":`): one copy instead of four pieces.
fn key(out: &mut Vec<u8>, key: &'static str) {
    out.extend_from_slice(key.as_bytes());
}

/// `,"name":"value"` when there is a value (serde's `skip_serializing_if = "Option::is_none"`).
fn opt_str(out: &mut Vec<u8>, name: &'static str, value: Option<&str>) {
    if let Some(v) = value {
        key(out, name);
        write_str(out, v);
    }
}

fn write_strs<S: AsRef<str>>(out: &mut Vec<u8>, items: &[S]) {
    out.push(b'[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, s.as_ref());
    }
    out.push(b']');
}

fn write_finding(out: &mut Vec<u8>, f: &FindingRef) {
    key(out, "{\"kind\":");
    write_name(out, f.kind.as_str());
    key(out, ",\"start\":");
    write_u32(out, f.start);
    key(out, ",\"end\":");
    write_u32(out, f.end);
    key(out, ",\"masked\":");
    write_str(out, f.masked);
    opt_str(out, ",\"hash\":", f.hash);
    if !f.known_leaks.is_empty() {
        key(out, ",\"known_leaks\":");
        write_strs(out, f.known_leaks);
    }
    // `{` goes out with the first fact: no facts (none, or only private ones), no field.
    let mut first = true;
    f.facts.each(|k, v| {
        if first {
            key(out, ",\"facts\":{");
            first = false;
        } else {
            out.push(b',');
        }
        fact_name(out, k);
        write_str(out, v);
    });
    if !first {
        out.push(b'}');
    }
    out.push(b'}');
}

/// A fact's name with its quotes and colon (`"carrier":`): one copy from a table of the names
/// the detectors write (by their counts in the dev corpus' alerts), [`write_str`] and a colon
/// for any other. `write_str` on the name was ~120 instructions of a fact's ~320.
#[inline]
fn fact_name(out: &mut Vec<u8>, name: &str) {
    match quoted_fact_name(name) {
        Some(quoted) => out.extend_from_slice(quoted),
        None => {
            write_str(out, name);
            out.push(b':');
        }
    }
}

/// The table of [`fact_name`], each name written once: [`FACT_NAMES`] and their quoted forms.
macro_rules! fact_names {
    ($($n:literal),* $(,)?) => {
        /// The fact names [`fact_name`] copies pre-quoted.
        #[cfg(test)]
        const FACT_NAMES: &[&str] = &[$($n),*];

        /// `"name":` for a name of the table.
        #[inline]
        fn quoted_fact_name(name: &str) -> Option<&'static [u8]> {
            Some(match name {
                $($n => concat!("\"", $n, "\":").as_bytes(),)*
                _ => return None,
            })
        }
    };
}

fact_names!(
    "form",
    "context",
    "carrier",
    "sex",
    "region_code",
    "region",
    "minor",
    "format",
    "age",
    "resolution",
    "domain",
    "country_code",
    "bank",
    "card_type",
    "region_unlisted",
    "region_retired",
    "network",
    "city",
);

impl AlertRef<'_> {
    /// Appends this alert as one line of JSON (no newline): byte for byte
    /// `serde_json::to_vec(&self.to_owned())`, the fields in the same order with the same ones
    /// left out, written faster (see the module doc). What the alerts file and topic carry.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        key(out, "{\"alert_id\":");
        write_str(out, self.alert_id);
        key(out, ",\"post_id\":");
        write_str(out, self.post_id);
        key(out, ",\"platform\":");
        write_str(out, self.platform);
        opt_str(out, ",\"url\":", self.url);
        opt_str(out, ",\"ts_post\":", self.ts_post);
        key(out, ",\"ts_detected\":");
        write_str(out, self.ts_detected);
        key(out, ",\"verdict\":");
        write_name(out, self.verdict.as_str());
        key(out, ",\"labels\":");
        write_strs(out, self.labels);
        key(out, ",\"severity\":");
        write_name(out, self.severity.as_str());
        key(out, ",\"score\":");
        write_value(out, &self.score);
        key(out, ",\"findings\":");
        out.push(b'[');
        for (i, f) in self.findings.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_finding(out, f);
        }
        out.push(b']');
        key(out, ",\"reasons\":");
        write_strs(out, self.reasons);
        key(out, ",\"dict_version\":");
        write_str(out, self.dict_version);
        opt_str(out, ",\"author\":", self.author);
        opt_str(out, ",\"text_masked\":", self.text_masked);
        if let Some(e) = self.evidence {
            key(out, ",\"evidence\":");
            write_value(out, e);
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Alert, Evidence, Kind, Severity, Verdict, WireFinding};

    #[test]
    fn strings_escape_as_serde_json_does() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain ascii, longer than one word".into(),
            "扒出来了，本名张*，手机 138****8000".into(),
            "\"quoted\" and \\back\\slashed\\".into(),
            "tab\there\nnewline\r\u{8}\u{c}\u{1}\u{1f}\u{7f}\u{0}".into(),
            "𝄞 emoji 😀 and U+2028 \u{2028} U+2029 \u{2029}".into(),
            "</script>".into(),
        ];
        // Every ASCII byte at every position of a word (and past the last whole word), and of
        // each length class of `quote_short` (its two pieces overlap).
        for len in [2, 3, 5, 7, 8, 12, 15, 16, 17, 31, 32, 33] {
            for b in 0u8..0x80 {
                for pos in 0..len {
                    let mut s = "x".repeat(len);
                    s.replace_range(pos..pos + 1, &(b as char).to_string());
                    cases.push(s);
                }
            }
        }
        // Every length around the word size and `quote_short`'s classes, with an escape at each
        // position (the bytes after the last whole word are read one by one).
        for len in 1..40 {
            for pos in 0..len {
                for esc in ['"', '\n', '\u{1}'] {
                    let mut s = "字".repeat(len / 3) + &"y".repeat(len % 3);
                    s.insert(s.char_indices().nth(pos).map_or(s.len(), |(b, _)| b), esc);
                    cases.push(s);
                }
            }
        }
        for s in cases {
            let mut ours = Vec::new();
            write_str(&mut ours, &s);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&s).unwrap(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn fact_names_are_written_as_serde_json_does() {
        // The table's names, names that are not in it (one needing an escape) and prefixes and
        // extensions of names that are.
        let names = FACT_NAMES.iter().copied().chain([
            "birth_date",
            "",
            "regio",
            "regions",
            "for\"m",
            "名字",
        ]);
        for name in names {
            let mut ours = Vec::new();
            fact_name(&mut ours, name);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(name).unwrap() + ":",
                "{name:?}"
            );
        }
    }

    #[test]
    fn find_special_finds_the_first_special_byte() {
        // Every byte value at every position of every length across the sixteen- and
        // eight-byte steps and the tail, from every start, against a byte-by-byte search.
        let naive = |b: &[u8], from: usize| {
            (from..b.len()).find(|&j| matches!(b[j], b'"' | b'\\' | 0..=0x1f))
        };
        for len in 0..48 {
            for pos in 0..len {
                for byte in 0..=255u8 {
                    let mut b = vec![b'a'; len];
                    b[pos] = byte;
                    if pos + 3 < len {
                        b[pos + 3] = 0xe5; // a non-ASCII byte after it
                    }
                    // Starts after the byte too: the last step overlaps it.
                    let starts = [0, 1, pos, pos + 1, pos + 2, len.saturating_sub(3)];
                    for from in starts.into_iter().filter(|&f| f <= len) {
                        assert_eq!(find_special(&b, from), naive(&b, from), "{b:?} {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn enum_names_are_serde_names() {
        let serde_name = |v: serde_json::Value| v.as_str().unwrap().to_string();
        for k in Kind::ALL {
            assert_eq!(k.as_str(), serde_name(serde_json::to_value(k).unwrap()));
        }
        use Verdict::*;
        for v in [Doxxing, DataSaleAd, LeakRepost, PiiExposure, None] {
            assert_eq!(v.as_str(), serde_name(serde_json::to_value(v).unwrap()));
        }
        for s in [
            Severity::None,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ] {
            assert_eq!(s.as_str(), serde_name(serde_json::to_value(s).unwrap()));
        }
    }

    fn finding(hash: Option<&str>, leaks: &[&str], facts: &[(&str, &str)]) -> WireFinding {
        WireFinding {
            kind: Kind::Phone,
            start: 3,
            end: 14,
            masked: "138****8000".into(),
            hash: hash.map(str::to_string),
            known_leaks: leaks.iter().map(|s| s.to_string()).collect(),
            facts: facts
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn alerts_serialize_as_serde_json_does() {
        let full = Alert {
            alert_id: "d3dc618a9d58adc380e0b41bf82c1085".into(),
            post_id: "weibo:1\"2".into(),
            platform: "weibo".into(),
            url: Some("https://example.com/p?a=1&b=\\2".into()),
            ts_post: Some("2025-01-01T00:00:00Z".into()),
            ts_detected: "2025-01-02T00:00:00Z".into(),
            verdict: Verdict::DataSaleAd,
            labels: vec!["doxxing".into(), "sale\n".into()],
            severity: Severity::Critical,
            score: 0.857,
            findings: vec![
                finding(
                    Some("ab12"),
                    &["set-a", "set\tb"],
                    &[("carrier", "移动"), ("region", "北京")],
                ),
                finding(None, &[], &[]),
            ],
            reasons: vec!["身份证 + 手机".into(), "known leak: 1 of 2".into()],
            dict_version: "2025.1".into(),
            author: Some("u\u{1}42".into()),
            text_masked: Some("扒出来了，本名张*，手机 138****8000\n\"引用\"".into()),
            evidence: Some(Evidence {
                digest: "00ff".into(),
                sealed: "AAAA+/==".into(),
            }),
        };
        let bare = Alert {
            url: None,
            ts_post: None,
            labels: vec![],
            score: 1.0,
            findings: vec![],
            reasons: vec![],
            author: None,
            text_masked: None,
            evidence: None,
            verdict: Verdict::None,
            severity: Severity::None,
            ..full.clone()
        };
        let odd_scores = [0.0, -0.0, 0.1, 1e-7, 123456.79, f32::NAN, f32::INFINITY];
        let mut alerts = vec![full.clone(), bare.clone()];
        alerts.extend(odd_scores.iter().map(|&score| Alert {
            score,
            ..bare.clone()
        }));
        for a in alerts {
            let mut ours = Vec::new();
            a.write_json(&mut ours);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&a).unwrap()
            );
        }
    }
}
