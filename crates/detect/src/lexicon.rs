//! The keyword prefilter: every lexicon term and its generated variants, found on the skeleton
//! view.
//!
//! Contract (as for aho-corasick's `Candidate`): the prefilter may report keywords that turn out
//! not to matter (a homophone in ordinary prose, `TG` in a blood test); it must never miss a
//! listed written form. Detectors and the verdict decide what a hit means.
//!
//! How ([`crate::terms`]): [`Triggers`] are small bitmaps the normalizer consults for every skeleton character
//! it writes (a term's first character, a hashed pair of first and second characters), so
//! [`crate::text::Text::load`] leaves the skeleton offsets where a term may start
//! (`lex_starts`, about one character in fifteen of Chinese prose). [`Lexicon::find`] compares the
//! terms beginning with that character there. The result is exactly an overlapping
//! Aho-Corasick search (the tests compare the two on the development corpus), without running
//! an automaton over every byte: the contiguous NFA that did so took 17 % of a scan.

use crate::dict::Dictionaries;
use crate::terms::{grouped_ids, key_len, key_of, Triggers};
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
    /// Other offer and sale vocabulary.
    Sale(SaleWord),
    Dox,
    SelfCtx,
    News,
    Label(Field),
    Neg,
    /// An everyday word that holds a keyword (`查档案`, `户籍制度`, `坐飞机`): the keyword
    /// inside it is none; or a self or reporting word (`店` in `酒店`): that word is none.
    Everyday,
    /// A word pointing at the person just named (`这个人`, `此人`, `这货`): the name before it
    /// is one.
    Pointer,
    /// A kind of record a lookup service lists among its goods (`户口`, `婚姻`, `航班`): alone an
    /// everyday word, in a list of such kinds with no values a catalogue of what is for sale.
    /// `personal` for a record about someone (`户口`, `开房`, `犯罪记录`); not for one that
    /// travel agents and one's own accounts list too (`航班`, `住宿`, `社保`), which only
    /// links such a list.
    Record {
        personal: bool,
    },
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
    /// A digit may follow the term (`kfjl300米`, `户j9O/条`): it ends with a letter and is
    /// long or partly Chinese, so no longer word is being cut (`cd4`, `kh2` stay out), or it
    /// labels a number (`QQ558417`).
    digit_may_follow: bool,
}

/// The most code points a hit spans: a term's characters with the separators, emoji and
/// invisible characters between them, and a label's tail word after it. A longer stretch is
/// no hit (no reader sees one word in it), and the bound lets a detector find the hits near a
/// position from their starts alone ([`hits_reaching`]) rather than reading every hit of the
/// post for every number or name (quadratic in a long post of many).
pub const MAX_HIT_SPAN: usize = 48;

/// A suffix of `hits` (which come by start) that holds every hit that may end at `from` or
/// after: from the first that starts at `from - MAX_HIT_SPAN` or after. All of them when they
/// are few: a post's few hits are read faster than searched (the search for every number and
/// name was 1.1 M instructions of a 103.3 M pass).
#[inline]
pub fn hits_reaching(hits: &[Hit], from: usize) -> &[Hit] {
    if hits.len() <= 32 {
        return hits;
    }
    let lo = from.saturating_sub(MAX_HIT_SPAN);
    &hits[hits.partition_point(|h| h.start < lo)..]
}

/// The hits of `hits` (which come by start) that may end at `from` or after and start before
/// `to`: [`hits_reaching`] read up to `to`. Callers test the ends they need.
#[inline]
pub fn hits_near(hits: &[Hit], from: usize, to: usize) -> impl Iterator<Item = &Hit> {
    hits_reaching(hits, from)
        .iter()
        .take_while(move |h| h.start < to)
}

/// A lexicon hit in original code-point offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub group: Group,
    pub form: Form,
    /// Which term matched (an index into the lexicon's terms): equal for two hits of the
    /// same word however it was written between its characters.
    pub term: u32,
    pub start: usize,
    pub end: usize,
}

pub struct Lexicon {
    /// Every term (lower case), indexed like `patterns`.
    terms: Vec<String>,
    patterns: Vec<Pattern>,
    /// The bits the loader reads to note where a term may start ([`Lexicon::find`] looks the
    /// terms up in `search`).
    triggers: Triggers,
    /// The search's own table of the same terms, with each hit's fields ready.
    search: Index,
    pub canonical: Vec<String>,
}

/// A term in [`Index::entries`]: what the search compares and what it pushes.
#[derive(Clone, Copy)]
struct Entry {
    /// The hit to push, but its span: its group, form and term in place, copied in one piece.
    hit: Hit,
    /// The first character after the group's key, [`NO_CHAR`] for none.
    first: u32,
    /// Where the characters after `first` start in [`Index::tails`].
    more: u32,
    /// The term's last character's offset from its start (its length less one).
    last: u32,
    /// It starts or ends with a Latin letter or digit: [`stands_alone`] decides.
    latin: bool,
}

/// A group's slot in [`Index::slots`]: its key (first character, and second or NUL, in one
/// word: one comparison a probe) and its entries, `start..start + tailed` those with a tail,
/// then `whole` without. `alone`: a pair's first character also keys a group of its own
/// (the search looks that one up only then, or when the pair has no group).
#[derive(Clone, Copy)]
struct Slot {
    key: u64,
    start: u32,
    tailed: u16,
    whole: u8,
    alone: bool,
}

/// Not a key: an empty slot.
const EMPTY: u64 = u64::MAX;
/// Not a character: the first tail character of an empty tail.
const NO_CHAR: u32 = u32::MAX;

/// The multiplier of [`slot_hash`]: odd, its bits spread (2^64 over the golden ratio).
const SLOT_K: u64 = 0x9E37_79B9_7F4A_7C15;

/// A key's home slot: the top `64 - shift` bits of its product with [`SLOT_K`] (one multiply
/// and one shift, where `terms::pair_hash` of the two halves took two multiplies, the halves' split
/// and a mask).
#[inline(always)]
fn slot_hash(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(SLOT_K) >> shift) as usize
}

#[inline(always)]
fn slot_key(a: char, b: char) -> u64 {
    a as u64 | (b as u64) << 32
}

/// The terms grouped and ordered as [`crate::terms::Terms`] groups them (by [`key_of`], longest first,
/// ascending ids among equal lengths), with the pattern's fields in each entry: the search
/// reads one table a hit instead of the entry, the pattern and the tails' table.
struct Index {
    slots: Vec<Slot>,
    /// 64 less the table's bits: a key's home slot is the top bits of its product with
    /// [`SLOT_K`].
    shift: u32,
    entries: Vec<Entry>,
    tails: Vec<char>,
}

impl Index {
    fn new(terms: &[String], patterns: &[Pattern]) -> Index {
        let ids = grouped_ids(terms);
        let mut tails = Vec::new();
        let mut entries = Vec::new();
        let mut ranges: Vec<((char, char), Slot)> = Vec::new();
        for &i in &ids {
            let term = &terms[i as usize];
            let key = key_of(term);
            let klen = key_len(key);
            let tail: Vec<char> = term.chars().skip(klen).collect();
            let p = patterns[i as usize];
            let k = entries.len() as u32;
            entries.push(Entry {
                hit: Hit {
                    group: p.group,
                    form: p.form,
                    term: i,
                    start: 0,
                    end: 0,
                },
                first: tail.first().map_or(NO_CHAR, |&c| c as u32),
                more: tails.len() as u32,
                last: (klen + tail.len() - 1) as u32,
                latin: p.latin_start || p.latin_end,
            });
            tails.extend(tail.iter().skip(1));
            let tailed = !tail.is_empty();
            match ranges.last_mut() {
                Some((rk, r)) if *rk == key => {
                    if tailed {
                        r.tailed += 1;
                    } else {
                        r.whole += 1;
                    }
                    assert!(r.tailed < u16::MAX && r.whole < u8::MAX);
                }
                _ => ranges.push((
                    key,
                    Slot {
                        key: slot_key(key.0, key.1),
                        start: k,
                        tailed: tailed as u16,
                        whole: !tailed as u8,
                        alone: false,
                    },
                )),
            }
        }
        // A group's terms with a tail by their first tail character (stably: longest first and
        // ascending ids within one character): the terms matching at a start all have the
        // skeleton's character there, so they come out in the same order, and the search
        // stops at the first entry past it.
        for (_, r) in &ranges {
            let (start, mid) = (r.start as usize, (r.start + u32::from(r.tailed)) as usize);
            entries[start..mid].sort_by_key(|e| e.first);
        }
        let alone: std::collections::HashSet<char> = ranges
            .iter()
            .filter(|((_, b), _)| *b == '\0')
            .map(|((a, _), _)| *a)
            .collect();
        for ((a, b), r) in &mut ranges {
            r.alone = *b != '\0' && alone.contains(a);
        }
        let size = (ranges.len() * 2).next_power_of_two().max(2);
        let empty = Slot {
            key: EMPTY,
            start: 0,
            tailed: 0,
            whole: 0,
            alone: false,
        };
        let shift = 64 - size.trailing_zeros();
        let mut slots = vec![empty; size];
        for (_, r) in ranges {
            assert!((r.start + u32::from(r.tailed) + u32::from(r.whole)) as usize <= entries.len());
            // Probed forward without wrapping: a slot past the end is added when needed.
            let mut h = slot_hash(r.key, shift);
            while slots[h].key != EMPTY {
                h += 1;
                if h == slots.len() {
                    slots.push(empty);
                }
            }
            slots[h] = r;
        }
        // The last slot is empty: every probe stops there at the latest.
        slots.push(empty);
        Index {
            slots,
            shift,
            entries,
            tails,
        }
    }

    /// Heap bytes of the tables.
    fn memory_usage(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.tails.capacity() * 4
    }

    /// The slot of the group whose key is `key` ([`slot_key`]), if there is one.
    #[inline(always)]
    fn slot_of(&self, key: u64) -> Option<&Slot> {
        let mut h = slot_hash(key, self.shift);
        loop {
            debug_assert!(h < self.slots.len());
            // SAFETY: a home slot is below `1 << (64 - shift)`, the table's size before the
            // slots `Index::new` added at the end, and a probe stops at the last, empty.
            let s = unsafe { self.slots.get_unchecked(h) };
            if s.key == key {
                return Some(s);
            }
            if s.key == EMPTY {
                return None;
            }
            h += 1;
        }
    }

    /// A group's entries: those with a tail, and those without.
    #[inline(always)]
    fn entries_of(&self, s: &Slot) -> (&[Entry], &[Entry]) {
        let (start, mid) = (s.start as usize, s.start as usize + s.tailed as usize);
        let end = mid + s.whole as usize;
        debug_assert!(end <= self.entries.len());
        // SAFETY: `Index::new` asserted every group's range within `entries`.
        unsafe {
            (
                self.entries.get_unchecked(start..mid),
                self.entries.get_unchecked(mid..end),
            )
        }
    }

    /// Calls `each(entry, off, skeleton index of its last character)` for the entries of a
    /// group keyed by `KEY` characters at `off` whose tail the skeleton holds after the key:
    /// of those with a tail, the ones whose first tail character is the skeleton's, compared
    /// further; then every one without.
    #[inline(always)]
    fn each_entry<const KEY: usize>(
        &self,
        (tailed, whole): (&[Entry], &[Entry]),
        skel: &[char],
        off: usize,
        each: &mut impl FnMut(&Entry, usize, usize),
    ) {
        if let Some(&r0) = skel.get(off + KEY) {
            for e in tailed {
                if e.first != r0 as u32 {
                    if e.first > r0 as u32 {
                        break;
                    }
                    continue;
                }
                let last = off + e.last as usize;
                let more = e.last as usize - KEY;
                if last >= skel.len() {
                    continue;
                }
                debug_assert!(e.more as usize + more <= self.tails.len());
                // SAFETY: `off + KEY + 1 + more - 1 = last < skel.len()`, and `Index::new`
                // put the `more` characters after `first` at `tails[e.more..]`.
                let ok = (0..more).all(|j| unsafe {
                    *skel.get_unchecked(off + KEY + 1 + j)
                        == *self.tails.get_unchecked(e.more as usize + j)
                });
                if ok {
                    each(e, off, last);
                }
            }
        }
        for e in whole {
            each(e, off, off + KEY - 1);
        }
    }
}

/// What a sale word says besides offering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SaleWord {
    Plain,
    /// It names personal data as the merchandise or as what a lookup finds (`个人信息`,
    /// `料子`, `查地址`): a price per set counts beside it.
    Data,
    /// It presents a sample of the goods (`样例`, `示例`, `实拍`): a record after it is the
    /// ad's sample, not a dossier.
    Sample,
}

fn parse_group(name: &str) -> Option<Group> {
    Some(match name {
        "tg" => Group::Tg,
        "sale" => Group::Sale(SaleWord::Plain),
        "sale.data" => Group::Sale(SaleWord::Data),
        "sale.sample" => Group::Sale(SaleWord::Sample),
        "dox" => Group::Dox,
        "self" => Group::SelfCtx,
        "news" => Group::News,
        "neg" => Group::Neg,
        "everyday" => Group::Everyday,
        "pointer" => Group::Pointer,
        "record" => Group::Record { personal: true },
        "record.also" => Group::Record { personal: false },
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

/// Generates the written forms of an ad keyword: an x between its characters (`开x盒`),
/// pinyin syllables or initials for some of its characters (`kai盒`, `K盒`, `户j`, `kf记录`),
/// all-initials (`sgk`), and one character swapped for a common homophone (`凯盒`, `户鸡`,
/// `蛇工库`).
fn variants(word: &str, dicts: &Dictionaries) -> Vec<(String, Form)> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = vec![(word.to_string(), Form::Plain)];
    // The letter x between the characters, as a filler the separators' folding leaves in
    // (`开x盒`, `查X档`, `开x房x记x录`).
    let filled: String = chars
        .iter()
        .enumerate()
        .flat_map(|(k, &c)| (k > 0).then_some('x').into_iter().chain([c]))
        .collect();
    out.push((filled, Form::Plain));
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
            // Folded as the text is (`搵人` is matched as `揾人`): a term written with a
            // character the table folds would never match.
            let term: String = term
                .chars()
                .map(|c| dicts.t2s.get(&c).copied().unwrap_or(c))
                .collect::<String>()
                .to_lowercase();
            if term.is_empty() || !seen.insert((term.clone(), format!("{group:?}"))) {
                return;
            }
            let latin_start = term.starts_with(|c: char| c.is_ascii_alphanumeric());
            let latin_end = term.ends_with(|c: char| c.is_ascii_alphanumeric());
            // A number's label may be glued to it too (`QQ558417`, `sfz1101…`).
            let digit_may_follow = term.ends_with(|c: char| c.is_ascii_alphabetic())
                && (term.len() >= 4
                    || !term.is_ascii()
                    || matches!(
                        group,
                        Group::Label(Field::Qq | Field::Phone | Field::Id | Field::Card)
                    ));
            terms.push(term);
            patterns.push(Pattern {
                group,
                form,
                latin_start,
                latin_end,
                digit_may_follow,
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
        let triggers = Triggers::build(&terms);
        let search = Index::new(&terms, &patterns);
        Lexicon {
            terms,
            patterns,
            triggers,
            search,
            canonical,
        }
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Heap bytes of the tables.
    pub fn memory_usage(&self) -> usize {
        self.terms.iter().map(String::capacity).sum::<usize>()
            + self.patterns.capacity() * std::mem::size_of::<Pattern>()
            + self.triggers.memory_usage()
            + self.search.memory_usage()
    }

    /// What the loader tests to note where a term may start ([`Text::load_with`]).
    pub fn triggers(&self) -> &Triggers {
        &self.triggers
    }

    /// Every (pattern, skeleton start, skeleton end) match, as an overlapping Aho-Corasick
    /// search over the skeleton would report them (order aside), in skeleton characters.
    #[cfg(test)]
    fn matches(&self, text: &Text, mut each: impl FnMut(usize, usize, usize)) {
        self.each_match(text, |e, sb, sl| each(e.hit.term as usize, sb, sl + 1));
    }

    /// Calls `each(entry, skeleton start, skeleton index of the last character)` for every
    /// term at every start of `text.lex_starts`: at one start, longest first, ascending ids
    /// among equal lengths ([`crate::terms::Terms::prefixes_of`]'s order).
    #[inline(always)]
    fn each_match(&self, text: &Text, mut each: impl FnMut(&Entry, usize, usize)) {
        let skel = &text.skel[..];
        let n = skel.len();
        let ix = &self.search;
        for &off in &text.lex_starts {
            let off = off as usize;
            let a;
            let mut alone = true;
            if off + 1 < n {
                // SAFETY: `off + 1 < n`: the two characters at `off` are in `skel`. Read in one
                // load: in little-endian order they are the slot's key already.
                let key = unsafe {
                    let w = skel.as_ptr().add(off).cast::<u64>().read_unaligned();
                    if cfg!(target_endian = "little") {
                        w
                    } else {
                        w.rotate_left(32)
                    }
                };
                a = key as u32;
                if let Some(s) = ix.slot_of(key) {
                    ix.each_entry::<2>(ix.entries_of(s), skel, off, &mut each);
                    alone = s.alone;
                }
            } else if off < n {
                a = skel[off] as u32;
            } else {
                continue;
            }
            // A start with no pair's group is one for `a` alone (or a collision of the
            // loader's pair bits: the lookup finds nothing then).
            if alone {
                if let Some(s) = ix.slot_of(u64::from(a)) {
                    ix.each_entry::<1>(ix.entries_of(s), skel, off, &mut each);
                }
            }
        }
    }

    /// All hits in the skeleton, in original offsets, longest first among equal starts.
    pub fn find(&self, text: &Text, out: &mut Vec<Hit>) {
        out.clear();
        // The loader makes the two equal in length (this panics if a caller did not).
        assert!(text.skel_pos.len() >= text.skel.len());
        let skel_pos = &text.skel_pos[..];
        let chars = &text.chars[..];
        self.each_match(text, |e, sb, sl| {
            debug_assert!(sb <= sl && sl < skel_pos.len());
            // SAFETY: `sb..=sl` is a stretch of the skeleton that a term matched
            // (`each_match` reads it in `skel`), so within `skel_pos`.
            let (start, end) = unsafe {
                (
                    *skel_pos.get_unchecked(sb) as usize,
                    *skel_pos.get_unchecked(sl) as usize + 1,
                )
            };
            let mut end = end;
            if e.latin && !stands_alone(text, self.patterns[e.hit.term as usize], start, end) {
                return;
            }
            // `✈️`: the emoji's variation selector belongs to it.
            while chars.get(end) == Some(&'\u{FE0F}') {
                end += 1;
            }
            if end - start > MAX_HIT_SPAN {
                return;
            }
            // The entry's hit copied whole, then its span written: its group, form and term
            // move as one word (as fields, four loads and six stores a hit).
            if out.len() == out.capacity() {
                out.reserve(1);
            }
            let len = out.len();
            // SAFETY: `len < capacity`: the slot is allocated and unused; it is initialised
            // (a copy of a whole `Hit`, then two of its fields) before the length covers it.
            unsafe {
                let dst = out.as_mut_ptr().add(len);
                std::ptr::copy_nonoverlapping(&e.hit, dst, 1);
                (*dst).start = start;
                (*dst).end = end;
                out.set_len(len + 1);
            }
        });
        // Sorted as they come: the starts ascend, and `Terms::prefixes_of` reports the terms
        // at one start longest first, ascending ids among equal lengths. The skeleton's
        // positions map to ascending code points, and an end grows over variation selectors
        // only, gaps before the next skeleton character: the order holds in original offsets.
        // (The sort cost 0.7 M instructions a pass, 5 % of the search.)
        debug_assert!(out.is_sorted_by_key(|h| (h.start, std::cmp::Reverse(h.end), h.term)));
        // No two hits share their span and group (`dedup_by_key` on them found nothing to
        // drop, 0.9 M instructions a pass): a span is one skeleton stretch (the skeleton's
        // positions ascend, and an end grows only over variation selectors, which are not in
        // the skeleton, so it stops before the next skeleton character), so two hits of one
        // span matched the same characters, the same term; and `build` lists a term once a
        // group.
        debug_assert!(out
            .windows(2)
            .all(|w| (w[0].start, w[0].end, w[0].group) != (w[1].start, w[1].end, w[1].group)));
    }
}

/// Latin terms stand alone: not inside a longer word, nor at either end of a handle
/// (`cd_ming93`, `kaihe_king`). A call of its own, for the one hit in ten of a Latin term:
/// inline, it made the judgement of every hit too large to inline into the search, a call
/// the search's loop spilled its state around (find 13.96 -> 13.87 M instructions a pass; the
/// loader and search alone 6.53-6.59 -> 6.35-6.40 ms).
#[inline(never)]
fn stands_alone(text: &Text, p: Pattern, start: usize, end: usize) -> bool {
    if p.latin_start {
        if let Some(j) = text.prev_visible(start) {
            if text.ascii_alnum(j).is_some() || text.fold(j) == '_' {
                return false;
            }
        }
    }
    if p.latin_end {
        if let Some(j) = text.next_visible(end) {
            match text.ascii_alnum(j) {
                Some(c) if c.is_ascii_digit() && p.digit_may_follow => {}
                Some(_) => return false,
                None if text.fold(j) == '_' => return false,
                None => {}
            }
        }
    }
    true
}

/// Keeps, among hits of the groups selected by `keep`, the longest non-overlapping ones.
pub fn longest_non_overlapping(hits: &[Hit], keep: impl Fn(Group) -> bool) -> Vec<Hit> {
    // Sized at once (collected from a filter, the list grew two or three times), and only
    // once a hit is kept: most callers' posts have none of their groups (the address labels'
    // in most posts with a house number), and the allocation was most of what they cost.
    let mut kept = hits.iter().filter(|h| keep(h.group));
    let Some(&first) = kept.next() else {
        return Vec::new();
    };
    let mut sel: Vec<Hit> = Vec::with_capacity(hits.len());
    sel.push(first);
    sel.extend(kept);
    // Hits that overlap none of the others (each starts at or after the end of the one
    // before: the hits come by start) are all kept, in this order: the two sorts and the
    // overlap tests below would give the same list.
    if sel.windows(2).all(|w| w[0].end <= w[1].start) {
        return sel;
    }
    sel.sort_by_key(|h| (std::cmp::Reverse(h.end - h.start), h.start));
    // The hits taken are kept at the front of `sel` (one vector instead of two), tested
    // against each other one by one while they are few; in a long post of many, by their
    // starts in an ordered map (one by one, that was quadratic in the post's length). The
    // hits taken never overlap, so a hit overlaps one of them if and only if it overlaps the
    // one that starts last before its end.
    let mut taken = 0;
    let mut by_start = std::collections::BTreeMap::new();
    let many = sel.len() > 64;
    for k in 0..sel.len() {
        let h = sel[k];
        let free = if many {
            by_start
                .range(..h.end)
                .next_back()
                .is_none_or(|(_, &end)| end <= h.start)
        } else {
            sel[..taken]
                .iter()
                .all(|t| t.end <= h.start || h.end <= t.start)
        };
        if free {
            if many {
                by_start.insert(h.start, h.end);
            }
            sel[taken] = h;
            taken += 1;
        }
    }
    sel.truncate(taken);
    sel.sort_by_key(|h| h.start);
    sel
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
        let texts = crate::testutil::texts_with_dev_corpus(&[
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
        ]);
        let mut t = Text::default();
        for s in &texts {
            t.load_with(&table, lex.triggers(), s);
            let mut got = Vec::new();
            lex.matches(&t, |id, a, b| got.push((id, a, b)));
            // The automaton runs on the skeleton as UTF-8; its byte offsets back to characters.
            let (skel, char_at) = crate::testutil::utf8_with_char_offsets(&t.skel);
            let mut want: Vec<(usize, usize, usize)> = ac
                .find_overlapping_iter(&skel)
                .map(|m| (m.pattern().as_usize(), char_at[m.start()], char_at[m.end()]))
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

    fn hits_of(text: &str) -> (Text, Vec<Hit>) {
        let dicts = crate::testutil::dicts();
        let lex = Lexicon::build(dicts);
        let table = CharTable::new(&dicts.t2s);
        let mut t = Text::default();
        t.load_with(&table, lex.triggers(), text);
        let mut hits = Vec::new();
        lex.find(&t, &mut hits);
        (t, hits)
    }

    /// A word spread over more than `MAX_HIT_SPAN` code points is no hit; up to it, one.
    #[test]
    fn hits_span_at_most_the_bound() {
        for (fill, hit) in [
            (0, true),
            (MAX_HIT_SPAN - 2, true),
            (MAX_HIT_SPAN - 1, false),
        ] {
            let text = format!("开{}盒", "🔥".repeat(fill));
            let (_, hits) = hits_of(&text);
            let found = hits.iter().any(|h| matches!(h.group, Group::Ad(_)));
            assert_eq!(found, hit, "{fill} emoji between");
        }
    }

    /// `hits_reaching` keeps every hit that ends at `from` or after, few hits or many.
    #[test]
    fn hits_reaching_keeps_every_hit_that_reaches() {
        for reps in [3, 200] {
            let text = "姓名：王建国 手机号码 13912345678 户籍 开 💥 盒 ".repeat(reps);
            let (t, hits) = hits_of(&text);
            assert!(hits.len() > if reps > 3 { 32 } else { 0 }, "{}", hits.len());
            for from in 0..=t.len() {
                let kept = hits_reaching(&hits, from);
                assert!(hits.ends_with(kept));
                let first = hits.len() - kept.len();
                assert!(hits[..first].iter().all(|h| h.end < from), "{reps} {from}");
            }
        }
    }

    /// Many overlapping hits (selected through the ordered map) give what the one-by-one
    /// tests give.
    #[test]
    fn longest_non_overlapping_many_as_few() {
        let unit = "身份证号码 手机号码 银行卡号 ";
        let n = unit.chars().count();
        let (_, hits) = hits_of(&unit.repeat(40));
        let keep = |g| matches!(g, Group::Label(_));
        let many = longest_non_overlapping(&hits, keep);
        // One by one, a window of the hits at a time (each under the many-hits threshold):
        // the labels of one window never overlap another's.
        let mut few = Vec::new();
        for chunk in hits.chunk_by(|a, b| a.start / n == b.start / n) {
            assert!(chunk.len() <= 64);
            few.extend(longest_non_overlapping(chunk, keep));
        }
        assert!(many.len() > 64, "{}", many.len());
        assert_eq!(many, few);
    }
}
