//! doxwatch's matcher: finds Chinese personal data and 开盒 content in a post and decides what
//! the post is. No I/O, no async: a [`Scanner`] is built once from the dictionaries and scans
//! text on any thread.
//!
//! The pipeline of one scan (see `DESIGN.md` beside this crate):
//! 1. normalize: fold every code point (full-width, circled digits, traditional → simplified,
//!    zero-width removed) keeping a map back to original offsets ([`text::Text`]);
//! 2. prefilter: every lexicon term on the skeleton view, tried only where the loader's trigger
//!    bitmaps say a term may start ([`lexicon::Lexicon`]);
//! 3. detect and validate: links and e-mails, addresses, digit runs (ID check character, mobile
//!    segments, Luhn), WeChat, Telegram, names ([`detectors`]);
//! 4. decide: a verdict with severity and reasons ([`verdict`]).
//!
//! ```
//! let scanner = doxwatch_detect::Scanner::new().unwrap();
//! let r = scanner.scan("扒出来了，本名张伟，手机 138 0013 8000，身份证 11010519491231002X");
//! assert_eq!(r.verdict, doxwatch_model::Verdict::Doxxing);
//! let kinds: Vec<&str> = r.findings.iter().map(|f| f.kind.as_str()).collect();
//! assert_eq!(kinds, ["name", "phone", "id_card"]);
//! // Values never print in clear.
//! assert_eq!(r.findings[1].masked(), "138****8000");
//! ```

pub mod chars;
pub mod date;
pub mod detectors;
pub mod dict;
mod error;
pub mod lexicon;
pub mod terms;
#[cfg(test)]
mod testutil;
pub mod text;
pub mod verdict;

pub use date::Date;
pub use dict::{Dictionaries, Sources};
pub use error::DictError;

use chars::{CharTable, Class};
use detectors::{address, contact, name, numbers};
use doxwatch_model::{Facts, Finding, Kind, Redacted, Severity, Span, Verdict};
use lexicon::{Field, Group, Hit, Lexicon};

/// Texts longer than this (bytes) are scanned in windows by [`Scanner::scan_any`].
pub const LONG_TEXT: usize = 256 * 1024;
/// Window length in code points.
pub const WINDOW: usize = 64 * 1024;
/// Overlap between consecutive windows in code points: longer than any finding.
pub const OVERLAP: usize = 1024;

/// Context shared by detectors during one scan.
pub struct Ctx<'a> {
    pub dicts: &'a Dictionaries,
    pub today: Date,
}

/// A detector's finding before it becomes a public [`Finding`].
#[derive(Clone, Debug)]
pub struct Found {
    pub kind: Kind,
    pub span: Span,
    pub value: String,
    pub facts: Facts,
    pub confidence: f32,
}

impl Found {
    pub fn new(kind: Kind, span: Span, value: String, facts: Facts, confidence: f32) -> Found {
        Found {
            kind,
            span,
            value,
            facts,
            confidence,
        }
    }
}

/// The result of scanning one post.
#[derive(Clone, Debug)]
pub struct ScanResult {
    pub verdict: Verdict,
    /// Evaluation labels: `doxxing_post`, `data_sale_ad`, both, or `benign`.
    pub labels: Vec<&'static str>,
    pub severity: Severity,
    pub score: f32,
    /// Personal-data findings and (in positive posts) sale keywords and Telegram contacts,
    /// in text order.
    pub findings: Vec<Finding>,
    /// Signals: masked identifiers, landlines (shown to reviewers, not personal data).
    pub signals: Vec<Finding>,
    pub reasons: Vec<String>,
}

impl ScanResult {
    /// Nothing found: verdict none, benign.
    pub fn nothing() -> ScanResult {
        ScanResult {
            verdict: Verdict::None,
            labels: vec!["benign"],
            severity: Severity::None,
            score: 0.0,
            findings: Vec::new(),
            signals: Vec::new(),
            reasons: Vec::new(),
        }
    }
}

/// Reusable per-thread buffers.
#[derive(Default)]
pub struct Scratch {
    text: text::Text,
    hits: Vec<Hit>,
    runs: numbers::Runs,
    claimed: Vec<bool>,
    cells: Vec<Option<lexicon::Field>>,
    found: Vec<Found>,
    names: Vec<Found>,
    ad_hits: Vec<Hit>,
}

/// What `--explain` shows: keyword hits and the findings before the verdict filter.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub hits: Vec<(String, &'static str, Span)>,
    /// Digit runs that became no finding, with the failed check.
    pub rejected: Vec<(Span, String)>,
    pub result: ScanResult,
}

pub struct Scanner {
    table: CharTable,
    dicts: Dictionaries,
    lexicon: Lexicon,
    places: address::Places,
    today: Date,
}

impl Scanner {
    /// A scanner over the embedded dictionaries, dating ages from today's date.
    pub fn new() -> Result<Scanner, DictError> {
        Scanner::with_dictionaries(Dictionaries::embedded()?, Date::today())
    }

    pub fn with_dictionaries(dicts: Dictionaries, today: Date) -> Result<Scanner, DictError> {
        let table = CharTable::new(&dicts.t2s);
        let lexicon = Lexicon::build(&dicts);
        let places = address::Places::build(&dicts);
        Ok(Scanner {
            table,
            dicts,
            lexicon,
            places,
            today,
        })
    }

    /// The dictionary version stamped on alerts.
    pub fn dict_version(&self) -> &str {
        &self.dicts.version
    }

    pub fn dictionaries(&self) -> &Dictionaries {
        &self.dicts
    }

    pub fn scan(&self, text: &str) -> ScanResult {
        self.scan_with(text, &mut Scratch::default())
    }

    pub fn explain(&self, text: &str) -> Explanation {
        let mut s = Scratch::default();
        let result = self.scan_with(text, &mut s);
        let hits = s
            .hits
            .iter()
            .map(|h| {
                let group = match h.group {
                    Group::Ad(_) => "ad",
                    Group::Tg => "telegram-alias",
                    Group::Sale(_) => "sale",
                    Group::Dox => "dox-context",
                    Group::SelfCtx => "self-context",
                    Group::News => "news-context",
                    Group::Label(_) => "label",
                    Group::Neg => "not-personal-label",
                    Group::Everyday => "everyday-word",
                    Group::Pointer => "pointer",
                    Group::Record { .. } => "record-kind",
                };
                let surface: String = s.text.chars[h.start..h.end].iter().collect();
                (surface, group, Span::new(h.start, h.end))
            })
            .collect();
        // Numbers are read after links and addresses claimed their code points.
        let mut claimed = vec![false; s.text.len()];
        for f in &result.findings {
            if matches!(f.kind, Kind::Email | Kind::Telegram | Kind::Address) {
                for c in &mut claimed[f.span.start as usize..f.span.end as usize] {
                    *c = true;
                }
            }
        }
        let ctx = Ctx {
            dicts: &self.dicts,
            today: self.today,
        };
        let rejected = numbers::diagnose(&s.text, &ctx, &s.hits, &s.cells, &claimed)
            .into_iter()
            .map(|(a, b, why)| (Span::new(a, b), why))
            .filter(|(sp, _)| !result.findings.iter().any(|f| f.span.overlaps(*sp)))
            .collect();
        Explanation {
            hits,
            rejected,
            result,
        }
    }

    /// Scans text of any length in bounded memory: texts over [`LONG_TEXT`] bytes are scanned
    /// in overlapping windows of [`WINDOW`] code points. A finding belongs to the window whose
    /// core (the window less half the overlap at each inner edge) holds its start, so nothing
    /// is reported twice; the verdict is the most severe window's, with the labels of all.
    pub fn scan_any(&self, text: &str, s: &mut Scratch) -> ScanResult {
        if text.len() <= LONG_TEXT {
            return self.scan_with(text, s);
        }
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(b, _)| b)
            .step_by(WINDOW - OVERLAP)
            .chain(std::iter::once(text.len()))
            .collect();
        let mut out: Option<ScanResult> = None;
        let mut char_base = 0usize;
        for (w, pair) in bounds.windows(2).enumerate() {
            let start = pair[0];
            let core_chars = text[pair[0]..pair[1]].chars().count();
            let end = text[start..]
                .char_indices()
                .nth(WINDOW)
                .map_or(text.len(), |(b, _)| start + b);
            let r = self.scan_with(&text[start..end], s);
            let lo = if w == 0 { 0 } else { OVERLAP / 2 };
            let hi = core_chars + OVERLAP / 2;
            let keep = |f: &Finding| (lo..hi).contains(&(f.span.start as usize));
            let shift = |mut f: Finding| {
                f.span.start += char_base as u32;
                f.span.end += char_base as u32;
                f
            };
            let findings: Vec<Finding> = r
                .findings
                .into_iter()
                .filter(|f| keep(f))
                .map(shift)
                .collect();
            let signals: Vec<Finding> = r
                .signals
                .into_iter()
                .filter(|f| keep(f))
                .map(shift)
                .collect();
            match &mut out {
                None => {
                    out = Some(ScanResult {
                        findings,
                        signals,
                        ..r
                    })
                }
                Some(acc) => {
                    acc.findings.extend(findings);
                    acc.signals.extend(signals);
                    for l in r.labels {
                        if l != "benign" && !acc.labels.contains(&l) {
                            acc.labels.retain(|x| *x != "benign");
                            acc.labels.push(l);
                        }
                    }
                    if r.severity > acc.severity {
                        acc.verdict = r.verdict;
                        acc.severity = r.severity;
                        acc.score = r.score;
                        acc.reasons = r.reasons;
                    }
                }
            }
            char_base += core_chars;
        }
        out.unwrap_or_else(|| self.scan_with("", s))
    }

    /// Scans one post. Never fails and never panics on any input.
    pub fn scan_with(&self, text: &str, s: &mut Scratch) -> ScanResult {
        let t = &mut s.text;
        t.load_with(&self.table, self.lexicon.triggers(), text);
        let ctx = Ctx {
            dicts: &self.dicts,
            today: self.today,
        };
        self.lexicon.find(t, &mut s.hits);
        let flags = t.flags;
        // Both counts in one pass over the hits: as two filtered counts, each vectorized over
        // four hits a round, they cost about twice as much. The same pass notes the WeChat
        // labels, which the filter below may drop: it leaves the counts as they are.
        let (mut keywords, mut sale_words, mut wechat) = (0, 0, false);
        for h in &s.hits {
            match h.group {
                Group::Ad(_) | Group::Tg => keywords += 1,
                Group::Sale(_) => sale_words += 1,
                Group::Label(Field::Wechat) => wechat = true,
                _ => {}
            }
        }
        // Most posts have no WeChat label: the filter's test of every hit was 0.4 M
        // instructions a pass.
        if wechat {
            s.hits.retain(|h| !weak_wechat_label(t, h));
        }
        if keywords == 0 && sale_words < 3 && !flags.digit && !flags.contact {
            // Nothing any detector could confirm: the common case of ordinary prose.
            return ScanResult::nothing();
        }
        s.claimed.clear();
        s.claimed.resize(t.len(), false);
        s.found.clear();
        let found = &mut s.found;
        let wechat_cells = detectors::table::cell_fields(t, &s.hits, &mut s.cells);
        if flags.contact {
            contact::detect_links(t, &mut s.claimed, found);
        }
        if flags.digit && flags.address_suffix {
            address::detect(t, &self.places, &s.hits, &mut s.claimed, found);
        }
        if flags.digit {
            numbers::detect(t, &ctx, &s.hits, &s.cells, &s.claimed, &mut s.runs, found);
        }
        for f in found.iter() {
            if !f.kind.is_signal() {
                for c in &mut s.claimed[f.span.start as usize..f.span.end as usize] {
                    *c = true;
                }
            }
        }
        if flags.contact {
            // It reads the hits for WeChat labels and the cells for WeChat cells only: none to
            // read in most posts (the walks over all the hits and over every code point's cell
            // were 0.22 M and 0.19 M instructions a pass).
            let labels: &[Hit] = if wechat { &s.hits } else { &[] };
            let cells: &[Option<Field>] = if wechat_cells { &s.cells } else { &[] };
            contact::detect_wechat(t, labels, cells, &mut s.claimed, found);
            contact::detect_telegram_handles(t, &s.hits, &mut s.claimed, found);
        }
        s.names.clear();
        let canonical = &self.lexicon.canonical;
        name::detect(
            t,
            &self.dicts,
            &s.hits,
            |h: &Hit| match h.group {
                Group::Dox => true,
                Group::Ad(k) => matches!(canonical[k as usize].as_str(), "开盒" | "人肉"),
                _ => false,
            },
            &s.cells,
            &mut s.claimed,
            found,
            &mut s.names,
        );
        found.append(&mut s.names);
        if found.is_empty() && keywords == 0 && sale_words < 3 {
            // Context words alone decide nothing.
            return ScanResult::nothing();
        }
        // Sale keywords: the longest non-overlapping hits not inside another finding.
        // None without a keyword hit (most posts here): the selection allocates for all hits.
        // An everyday word that holds a keyword (`查档案`) takes part in the selection and is
        // then dropped with the keyword it covers.
        let kw = if keywords == 0 {
            Vec::new()
        } else {
            let mut kw = lexicon::longest_non_overlapping(&s.hits, |g| {
                matches!(g, Group::Ad(_) | Group::Tg | Group::Everyday)
            });
            kw.retain(|h| h.group != Group::Everyday);
            kw
        };
        // Without a keyword hit the filter keeps every hit: the verdict reads the hits
        // themselves (copied one push at a time, they were 25 instructions a hit, 1.05 M a
        // pass). Otherwise a buffer kept in the scratch: collected from a filter, the list grew
        // two or three times for most posts.
        //
        // When the selection kept every keyword hit (none overlapped another), the filter keeps
        // every hit too: `kw` holds distinct hits (no two hits share span and group), all of
        // them keyword hits, so as many as there are keyword hits are all of them. (Copied and
        // filtered, they were 0.5 M instructions a pass.)
        let ad_hits: &[Hit] = if kw.len() == keywords {
            &s.hits
        } else {
            s.ad_hits.clear();
            // `kw` is a sub-list of the hits, in their order (by start, at most one a start):
            // one walk along it beside the hits instead of a search of it for every keyword hit
            // (`kw.contains`; with `label_only`'s scan stopped at the keyword's start, a pass
            // 129.65 -> 129.03 M instructions).
            // Copied whole, then filtered in place: extended from the filter, every hit kept
            // was pushed alone, its capacity tested (1.27 M instructions of a 125.3 M pass).
            let mut k = 0;
            s.ad_hits.extend_from_slice(&s.hits);
            s.ad_hits.retain(|h| {
                if !matches!(h.group, Group::Ad(_) | Group::Tg) {
                    return true;
                }
                while kw.get(k).is_some_and(|w| w.start < h.start) {
                    k += 1;
                }
                kw.get(k) == Some(h)
            });
            &s.ad_hits
        };
        let d = verdict::decide(t, ad_hits, found, &self.lexicon.canonical);
        let positive = d.sale_ad || d.doxxing;
        // Both lists sized once (growing them from empty reallocated for most positive posts):
        // at most one finding a keyword.
        let signal_n = found.iter().filter(|f| f.kind.is_signal()).count();
        let kw_n = if positive { kw.len() } else { 0 };
        let mut findings = Vec::with_capacity(found.len() - signal_n + kw_n);
        let mut signals = Vec::with_capacity(signal_n);
        for f in found.drain(..) {
            // Sale keywords and Telegram contacts are annotated in positive posts only.
            if f.kind == Kind::Telegram && !positive {
                continue;
            }
            let fin = Finding {
                kind: f.kind,
                span: f.span,
                value: Redacted::new(f.kind, f.value),
                facts: f.facts,
                confidence: f.confidence,
            };
            if fin.kind.is_signal() {
                signals.push(fin);
            } else {
                findings.push(fin);
            }
        }
        // Keyword findings, only for the posts that report them, straight into the list after
        // the others (built as `Found`s first, each was moved twice more).
        let mut labels = LabelReach::default();
        let keywords = kw
            .iter()
            .filter(|_| positive)
            .filter(|h| !s.claimed[h.start..h.end].iter().any(|&c| c))
            .filter(|h| !label_only(t, &mut labels, &s.hits, h));
        for h in keywords {
            let canon = match h.group {
                Group::Ad(i) => self.lexicon.canonical[i as usize].clone(),
                _ => "TG".to_string(),
            };
            let form = match h.form {
                lexicon::Form::Plain => "plain",
                lexicon::Form::Pinyin => "pinyin",
                lexicon::Form::Homophone => "homophone",
            };
            findings.push(Finding {
                kind: Kind::AdKeyword,
                span: Span::new(h.start, h.end),
                value: Redacted::new(Kind::AdKeyword, canon),
                facts: Facts::from([("form", form)]),
                confidence: 0.8,
            });
        }
        findings.sort_by_key(|f| (f.span.start, f.span.end));
        signals.sort_by_key(|f| (f.span.start, f.span.end));
        let mut labels = Vec::with_capacity(2);
        if d.doxxing {
            labels.push("doxxing_post");
        }
        if d.sale_ad {
            labels.push("data_sale_ad");
        }
        if labels.is_empty() {
            labels.push("benign");
        }
        ScanResult {
            verdict: d.verdict,
            labels,
            severity: d.severity,
            score: d.score,
            findings,
            signals,
            reasons: d.reasons,
        }
    }
}

/// Appends `n` in decimal, zero-padded to `width` digits (as `{:0width$}` writes it, at most
/// 20 digits), without the formatting machinery: it was most of the cost of an ID's facts and
/// of the verdict's counted reasons.
pub(crate) fn push_decimal(s: &mut String, n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut at = buf.len();
    let mut v = n;
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let from = at.min(buf.len() - width.min(buf.len()));
    // SAFETY: `buf` holds ASCII digits only. Pushed character by character (a capacity check
    // and an encoding each), the digits cost about 300 instructions an ID fact (`padded`
    // 0.87 M of a 158.0 M pass, 2,760 calls).
    s.push_str(unsafe { std::str::from_utf8_unchecked(&buf[from..]) });
}

/// A keyword that is only part of a field label (`户籍地址：`) is not a sale keyword. Asked
/// for keywords in text order, with one [`LabelReach`] for all of them.
fn label_only(t: &text::Text, labels: &mut LabelReach, hits: &[Hit], h: &Hit) -> bool {
    labels.holds(hits, h) || {
        // The two characters after it, compared as characters: collecting them into a
        // `String` (an allocation and UTF-8 encoding per keyword of a positive post) was
        // 2.8 M instructions of a 171 M pass.
        h.end + 2 <= t.len()
            && matches!(
                [t.fold(h.end), t.fold(h.end + 1)],
                ['地', '址'] | ['所', '在'] | ['证', '明'] | ['迁', '移']
            )
    }
}

/// How far the field labels starting at or before a point reach, for points in text order:
/// one walk along the hits for all the keywords of a post. (Reading the hits before each
/// keyword again was about 100 instructions a keyword, 0.5 M of a 121.5 M pass: sale ads have
/// many keywords and many hits.)
#[derive(Default)]
struct LabelReach {
    /// The first hit not read yet.
    next: usize,
    /// The furthest end of the labels read.
    end: usize,
}

impl LabelReach {
    /// Whether a label starting at or before `h` ends after it (and so is longer: it holds
    /// `h`). The hits are sorted by start; `h` must not start before the last one asked about.
    fn holds(&mut self, hits: &[Hit], h: &Hit) -> bool {
        while let Some(l) = hits.get(self.next).filter(|l| l.start <= h.start) {
            if matches!(l.group, Group::Label(_)) {
                self.end = self.end.max(l.end);
            }
            self.next += 1;
        }
        self.end > h.end
    }
}

/// `微` alone starts many words (`微博`, `稍微`) and ends many names (`李小微`): a WeChat label
/// only right before a colon or an emoji (`微：abc…`, `微❤: abc…`), or as a word of its own
/// before a space and a Latin ID (`… 微 find_ren88`).
fn weak_wechat_label(t: &text::Text, h: &Hit) -> bool {
    let alone = || {
        h.start
            .checked_sub(1)
            .is_none_or(|p| t.class(p) != Class::Cjk)
            && h.end + 1 < t.len()
            && t.class(h.end) == Class::Space
            && t.class(h.end + 1) == Class::Letter
    };
    h.group == Group::Label(Field::Wechat)
        && h.end - h.start == 1
        && t.fold(h.start) == '微'
        && !(h.end < t.len()
            && (matches!(t.fold(h.end), '：' | ':') || t.class(h.end) == Class::Emoji)
            || alone())
}
