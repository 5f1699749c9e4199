//! The keyword prefilter: every lexicon term and its generated variants, found on the skeleton
//! view.
//!
//! Contract (as for aho-corasick's `Candidate`): the prefilter may report keywords that turn out
//! not to matter (a homophone in ordinary prose, `TG` in a blood test); it must never miss a
//! listed written form. Detectors and the verdict decide what a hit means.
//!
//! How: [`Triggers`] are two small bitmaps the normalizer consults for every skeleton character
//! it writes (a term's first character, a hashed pair of first and second characters), so
//! [`crate::text::Text::load`] leaves the skeleton offsets where a term may start
//! (`lex_starts`, about one character in fifteen of Chinese prose). [`Lexicon::find`] compares the
//! terms beginning with that character there. The result is exactly an overlapping
//! Aho-Corasick search (the tests compare the two on the development corpus), without running
//! an automaton over every byte: the contiguous NFA that did so took 17 % of a scan.

use crate::dict::Dictionaries;
use crate::text::Text;
use std::collections::{BTreeSet, HashMap};

/// Which field a label announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    Phone,
    Card,
    Qq,
    Wechat,
    Email,
    Name,
    Address,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// A sale/doxxing keyword; the index is into [`Lexicon::canonical`].
    Ad(u8),
    /// A name of Telegram.
    Tg,
    Sale,
    Dox,
    SelfCtx,
    News,
    Label(Field),
    Neg,
}

/// How a keyword hit was written, for reasons and confidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// The listed form (after folding traditional, full-width and separators away).
    Plain,
    /// Pinyin syllables or initials for some characters.
    Pinyin,
    /// One character replaced by a homophone.
    Homophone,
}

#[derive(Clone, Copy, Debug)]
struct Pattern {
    group: Group,
    form: Form,
    latin_start: bool,
    latin_end: bool,
}

/// A lexicon hit in original code-point offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub group: Group,
    pub form: Form,
    pub start: usize,
    pub end: usize,
}

pub struct Lexicon {
    /// Every term (lower case), indexed like `patterns`.
    terms: Vec<String>,
    patterns: Vec<Pattern>,
    /// (pattern id, offset and length in `bytes`) grouped by the terms' first two characters
    /// (terms of one character and terms that start above the BMP: by their first character),
    /// ascending ids within a group.
    grouped: Vec<(u32, u32, u32)>,
    /// Every term's bytes, one after the other (compact: compared at every candidate).
    bytes: Vec<u8>,
    /// (first, second or NUL) → range in `grouped`: an open-addressing table probed linearly.
    groups: Vec<(char, char, u32, u32)>,
    pub triggers: Triggers,
    pub canonical: Vec<String>,
}

/// Where a lexicon term may start, as cheap tests on skeleton characters (see the module
/// documentation). May over-report; never misses a term's start.
pub struct Triggers {
    /// BMP characters that start a term of two or more characters (64 Ki bits).
    first: Vec<u64>,
    /// BMP characters that are a whole term (`售`, `q`, `✈`).
    single: Vec<u64>,
    /// Hashed (first, second) character pairs of every term of two or more characters.
    pairs: Vec<u64>,
    /// Some term starts above the BMP: every such character is a candidate.
    astral: bool,
}

const PAIR_BITS: u32 = 16;

#[inline]
fn pair_hash(a: char, b: char) -> usize {
    let x = (u64::from(a as u32) << 21 | u64::from(b as u32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x >> (64 - PAIR_BITS)) as usize
}

#[inline]
fn bit(set: &[u64], i: usize) -> bool {
    set[i >> 6] >> (i & 63) & 1 != 0
}

#[inline]
fn set_bit(set: &mut [u64], i: usize) {
    set[i >> 6] |= 1 << (i & 63);
}

impl Triggers {
    fn build(terms: &[String]) -> Triggers {
        let mut t = Triggers {
            first: vec![0; 0x10000 / 64],
            single: vec![0; 0x10000 / 64],
            pairs: vec![0; (1 << PAIR_BITS) / 64],
            astral: false,
        };
        for term in terms {
            let mut cs = term.chars();
            let Some(a) = cs.next() else { continue };
            if a as u32 >= 0x10000 {
                t.astral = true;
                continue;
            }
            match cs.next() {
                None => set_bit(&mut t.single, a as usize),
                Some(b) => {
                    set_bit(&mut t.first, a as usize);
                    set_bit(&mut t.pairs, pair_hash(a, b));
                }
            }
        }
        t
    }

    /// `c` is a whole term, or starts above the BMP while some term does: a candidate by itself.
    #[inline]
    pub fn alone(&self, c: char) -> bool {
        let u = c as usize;
        if u < 0x10000 {
            bit(&self.single, u)
        } else {
            self.astral
        }
    }

    /// `c` starts a term of two or more characters: a candidate if [`Triggers::pair`] holds
    /// for the next skeleton character.
    #[inline]
    pub fn first(&self, c: char) -> bool {
        let u = c as usize;
        u < 0x10000 && bit(&self.first, u)
    }

    #[inline]
    pub fn pair(&self, a: char, b: char) -> bool {
        bit(&self.pairs, pair_hash(a, b))
    }
}

fn parse_group(name: &str) -> Option<Group> {
    Some(match name {
        "tg" => Group::Tg,
        "sale" => Group::Sale,
        "dox" => Group::Dox,
        "self" => Group::SelfCtx,
        "news" => Group::News,
        "neg" => Group::Neg,
        "label.id" => Group::Label(Field::Id),
        "label.phone" => Group::Label(Field::Phone),
        "label.card" => Group::Label(Field::Card),
        "label.qq" => Group::Label(Field::Qq),
        "label.wechat" => Group::Label(Field::Wechat),
        "label.email" => Group::Label(Field::Email),
        "label.name" => Group::Label(Field::Name),
        "label.address" => Group::Label(Field::Address),
        _ => return None,
    })
}

/// Generates the written forms of an ad keyword: pinyin syllables or initials for some of its
/// characters (`kai盒`, `K盒`, `户j`, `kf记录`), all-initials (`sgk`), and one character swapped
/// for a common homophone (`凯盒`, `户鸡`, `蛇工库`).
fn variants(word: &str, dicts: &Dictionaries) -> Vec<(String, Form)> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = vec![(word.to_string(), Form::Plain)];
    // Options per position: the character, its pinyin syllables, their initials.
    let options: Vec<Vec<String>> = chars
        .iter()
        .map(|c| {
            let mut o = vec![c.to_string()];
            for py in dicts.pinyin_of(*c) {
                o.push(py.to_string());
                o.push(py[..1].to_string());
            }
            o.dedup();
            o
        })
        .collect();
    let mut idx = vec![0usize; chars.len()];
    loop {
        // Skip the all-characters form (already there) and forms that keep no character unless
        // they are all initials or all syllables (`sgk`, `shegongku`).
        let kept = idx.iter().filter(|&&i| i == 0).count();
        let s: String = idx
            .iter()
            .zip(&options)
            .map(|(&i, o)| o[i].as_str())
            .collect();
        let all_initials = idx
            .iter()
            .zip(&options)
            .all(|(&i, o)| i > 0 && o[i].len() == 1);
        let all_syllables = idx
            .iter()
            .zip(&options)
            .all(|(&i, o)| i > 0 && o[i].len() > 1);
        if kept < chars.len() && (kept > 0 || all_initials || all_syllables) {
            out.push((s, Form::Pinyin));
        }
        // Odometer increment.
        let mut p = 0;
        loop {
            if p == idx.len() {
                break;
            }
            idx[p] += 1;
            if idx[p] < options[p].len() {
                break;
            }
            idx[p] = 0;
            p += 1;
        }
        if p == idx.len() {
            break;
        }
    }
    for (i, c) in chars.iter().enumerate() {
        for h in dicts.homophones(*c) {
            let mut v = chars.clone();
            v[i] = h;
            out.push((v.into_iter().collect(), Form::Homophone));
        }
    }
    out
}

impl Lexicon {
    pub fn build(dicts: &Dictionaries) -> Lexicon {
        let mut canonical: Vec<String> = Vec::new();
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        let mut terms: Vec<String> = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut add = |term: String, group: Group, form: Form| {
            let term = term.to_lowercase();
            if term.is_empty() || !seen.insert((term.clone(), format!("{group:?}"))) {
                return;
            }
            let latin_start = term.starts_with(|c: char| c.is_ascii_alphanumeric());
            let latin_end = term.ends_with(|c: char| c.is_ascii_alphanumeric());
            terms.push(term);
            patterns.push(Pattern {
                group,
                form,
                latin_start,
                latin_end,
            });
        };
        let canon_idx = |canonical: &mut Vec<String>, word: &str| -> u8 {
            match canonical.iter().position(|c| c == word) {
                Some(i) => i as u8,
                None => {
                    canonical.push(word.to_string());
                    (canonical.len() - 1) as u8
                }
            }
        };
        for (group, term, canon) in dicts.lexicon_rows() {
            match group {
                "ad" => {
                    let i = canon_idx(&mut canonical, term);
                    for (v, form) in variants(term, dicts) {
                        add(v, Group::Ad(i), form);
                    }
                }
                "ad.alias" => {
                    let i = canon_idx(&mut canonical, canon.unwrap_or(term));
                    add(term.to_string(), Group::Ad(i), Form::Pinyin);
                }
                other => {
                    if let Some(g) = parse_group(other) {
                        add(term.to_string(), g, Form::Plain);
                    }
                }
            }
        }
        let key_of = |i: u32| -> (char, char) {
            let mut cs = terms[i as usize].chars();
            let a = cs.next().unwrap_or('\0');
            match cs.next() {
                Some(b) if (a as u32) < 0x10000 => (a, b),
                _ => (a, '\0'),
            }
        };
        let mut ids: Vec<u32> = (0..terms.len() as u32)
            .filter(|&i| !terms[i as usize].is_empty())
            .collect();
        ids.sort_by_key(|&i| (key_of(i), i));
        let mut bytes = Vec::new();
        let mut grouped = Vec::new();
        for &i in &ids {
            let t = terms[i as usize].as_bytes();
            grouped.push((i, bytes.len() as u32, t.len() as u32));
            bytes.extend_from_slice(t);
        }
        let mut ranges: Vec<(char, char, u32, u32)> = Vec::new();
        for (k, &i) in ids.iter().enumerate() {
            let (a, b) = key_of(i);
            match ranges.last_mut() {
                Some(r) if (r.0, r.1) == (a, b) => r.3 = k as u32 + 1,
                _ => ranges.push((a, b, k as u32, k as u32 + 1)),
            }
        }
        let size = (ranges.len() * 2).next_power_of_two();
        let mut groups = vec![('\0', '\0', 0, 0); size];
        for r in ranges {
            let mut h = pair_hash(r.0, r.1) & (size - 1);
            while groups[h].3 != 0 {
                h = (h + 1) & (size - 1);
            }
            groups[h] = r;
        }
        let triggers = Triggers::build(&terms);
        Lexicon {
            terms,
            patterns,
            grouped,
            bytes,
            groups,
            triggers,
            canonical,
        }
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Heap bytes of the tables.
    pub fn memory_usage(&self) -> usize {
        self.terms.iter().map(String::capacity).sum::<usize>()
            + self.grouped.len() * 12
            + self.bytes.len()
            + self.groups.len() * 16
            + (self.triggers.first.len() + self.triggers.single.len() + self.triggers.pairs.len())
                * 8
    }

    /// The terms of the group keyed (`a`, `b`), ascending ids.
    #[inline]
    fn group(&self, a: char, b: char) -> &[(u32, u32, u32)] {
        let mask = self.groups.len() - 1;
        let mut h = pair_hash(a, b) & mask;
        loop {
            let g = self.groups[h];
            if g.3 == 0 {
                return &[];
            }
            if g.0 == a && g.1 == b {
                return &self.grouped[g.2 as usize..g.3 as usize];
            }
            h = (h + 1) & mask;
        }
    }

    /// Every (pattern, skeleton start, skeleton end) match, as an overlapping Aho-Corasick
    /// search over the skeleton would report them (order aside).
    fn matches(&self, text: &Text, mut each: impl FnMut(usize, usize, usize)) {
        let skel = &text.skel[..];
        let tr = &self.triggers;
        let mut ids: Vec<(u32, u32, u32)> = Vec::new();
        for &off in &text.lex_starts {
            let off = off as usize;
            let rest = &skel[off..];
            let Some(a) = first_char(rest) else { continue };
            let second = first_char(&rest[a.len_utf8()..]);
            // Terms of one character (and those starting above the BMP) are grouped under
            // (first, NUL); longer ones under their first two characters. Pattern ids in
            // ascending order, as an automaton reports the terms ending at one place.
            // The trigger bits (in cache) say which of the two groups can be non-empty.
            let singles = if tr.alone(a) {
                self.group(a, '\0')
            } else {
                &[]
            };
            let pairs = match second {
                Some(b) if tr.first(a) && tr.pair(a, b) => self.group(a, b),
                _ => &[],
            };
            let both;
            let cands: &[(u32, u32, u32)] = if singles.is_empty() {
                pairs
            } else if pairs.is_empty() {
                singles
            } else {
                ids.clear();
                ids.extend_from_slice(singles);
                ids.extend_from_slice(pairs);
                ids.sort_unstable();
                both = &ids[..];
                both
            };
            for &(id, at, len) in cands {
                let term = &self.bytes[at as usize..(at + len) as usize];
                if rest.starts_with(term) {
                    each(id as usize, off, off + term.len());
                }
            }
        }
    }

    /// All hits in the skeleton, in original offsets, longest first among equal starts.
    pub fn find(&self, text: &Text, out: &mut Vec<Hit>) {
        out.clear();
        self.matches(text, |id, sb, se| {
            let p = self.patterns[id];
            let (start, end) = text.skel_span(sb, se);
            if p.latin_start {
                if let Some(j) = text.prev_visible(start) {
                    if text.ascii_alnum(j).is_some() {
                        return;
                    }
                }
            }
            let mut end = end;
            if p.latin_end {
                if let Some(j) = text.next_visible(end) {
                    if text.ascii_alnum(j).is_some() {
                        return;
                    }
                }
            }
            // `✈️`: the emoji's variation selector belongs to it.
            while end < text.len() && text.chars[end] == '\u{FE0F}' {
                end += 1;
            }
            out.push(Hit {
                group: p.group,
                form: p.form,
                start,
                end,
            });
        });
        out.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        out.dedup_by_key(|h| (h.start, h.end, h.group));
    }
}

/// The first character of valid UTF-8 bytes.
#[inline]
fn first_char(b: &[u8]) -> Option<char> {
    let n = match *b.first()? {
        x if x < 0x80 => return Some(char::from(x)),
        x if x >= 0xF0 => 4,
        x if x >= 0xE0 => 3,
        _ => 2,
    };
    std::str::from_utf8(b.get(..n)?).ok()?.chars().next()
}

/// Keeps, among hits of the groups selected by `keep`, the longest non-overlapping ones.
pub fn longest_non_overlapping(hits: &[Hit], keep: impl Fn(Group) -> bool) -> Vec<Hit> {
    let mut sel: Vec<Hit> = hits.iter().copied().filter(|h| keep(h.group)).collect();
    sel.sort_by_key(|h| (std::cmp::Reverse(h.end - h.start), h.start));
    let mut taken: Vec<Hit> = Vec::new();
    for h in sel {
        if taken.iter().all(|t| t.end <= h.start || h.end <= t.start) {
            taken.push(h);
        }
    }
    taken.sort_by_key(|h| h.start);
    taken
}

/// Counts hits per group (a bag of context words for scoring).
pub fn count_groups(hits: &[Hit]) -> HashMap<Group, usize> {
    let mut m = HashMap::new();
    for h in hits {
        *m.entry(h.group).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chars::CharTable;
    use aho_corasick::{AhoCorasickBuilder, MatchKind};

    /// The trigger-gated matcher reports exactly what an overlapping Aho-Corasick search over
    /// the whole skeleton reports, on evasions and on the development corpus when present.
    #[test]
    fn same_matches_as_an_automaton() {
        let dicts = Dictionaries::embedded().unwrap();
        let lex = Lexicon::build(&dicts);
        let table = CharTable::new(&dicts.t2s);
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&lex.terms)
            .unwrap();
        let mut texts: Vec<String> = [
            "开盒",
            "開 ‍盒",
            "开丶盒",
            "开🔥盒",
            "kai盒",
            "K盒",
            "sgk",
            "SGK社工库",
            "✈️ TG：abc",
            "户籍地址：",
            "查档 cd 查 档",
            "人肉搜索",
            "售",
            "q",
            "qq",
            "vx",
            "v",
            "打",
            "🛩",
            "姓名：张三 手机号",
            "机主信息",
            "kf记录",
            "凯盒",
            "蛇工库",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let corpus = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/eval/dev.jsonl"
        );
        if let Ok(raw) = std::fs::read_to_string(corpus) {
            for l in raw.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                texts.push(v["text"].as_str().unwrap().to_string());
            }
        }
        let mut t = Text::default();
        for s in &texts {
            t.load_with(&table, &lex.triggers, s);
            let mut got = Vec::new();
            lex.matches(&t, |id, a, b| got.push((id, a, b)));
            let mut want: Vec<(usize, usize, usize)> = ac
                .find_overlapping_iter(&t.skel)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{s}");
            // Without triggers every character start is tried: the same again.
            t.load(&table, s);
            let mut all = Vec::new();
            lex.matches(&t, |id, a, b| all.push((id, a, b)));
            all.sort_unstable();
            assert_eq!(all, want, "{s}");
        }
    }
}
