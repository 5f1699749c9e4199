//! The keyword prefilter: one Aho-Corasick automaton over every lexicon term and its generated
//! variants, run on the skeleton view.
//!
//! Contract (as for aho-corasick's `Candidate`): the prefilter may report keywords that turn out
//! not to matter (a homophone in ordinary prose, `TG` in a blood test); it must never miss a
//! listed written form. Detectors and the verdict decide what a hit means.

use crate::dict::Dictionaries;
use crate::text::Text;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
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
    ac: AhoCorasick,
    patterns: Vec<Pattern>,
    pub canonical: Vec<String>,
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
        // A contiguous NFA (~180 KB) stays in cache; the full DFA (~2.5 MB) was measured 30%
        // slower on the development corpus because its transitions miss the cache.
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .byte_classes(true)
            .build(&terms)
            .expect("lexicon automaton builds");
        Lexicon {
            ac,
            patterns,
            canonical,
        }
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Heap bytes of the automaton.
    pub fn memory_usage(&self) -> usize {
        self.ac.memory_usage()
    }

    /// All hits in the skeleton, in original offsets, longest first among equal starts.
    pub fn find(&self, text: &Text, out: &mut Vec<Hit>) {
        out.clear();
        for m in self.ac.find_overlapping_iter(&text.skel) {
            let p = self.patterns[m.pattern().as_usize()];
            let (start, end) = text.skel_span(m.start(), m.end());
            if p.latin_start {
                if let Some(j) = text.prev_visible(start) {
                    if text.ascii_alnum(j).is_some() {
                        continue;
                    }
                }
            }
            let mut end = end;
            if p.latin_end {
                if let Some(j) = text.next_visible(end) {
                    if text.ascii_alnum(j).is_some() {
                        continue;
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
        }
        out.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        out.dedup_by_key(|h| (h.start, h.end, h.group));
    }
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
