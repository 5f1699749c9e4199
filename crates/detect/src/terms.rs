//! A fixed set of terms (UTF-8 strings) found at chosen positions of UTF-8 text: the keyword
//! lexicon ([`crate::lexicon`]) and the gazetteer of place names ([`crate::detectors::address`]).
//!
//! [`Triggers`] answer, from one or two characters, whether any term may start there: a bitmap of
//! first characters, a bitmap of whole one-character terms and a hashed bitmap of (first,
//! second) character pairs, 24 KB in all, so they stay in cache. Where they say yes,
//! [`Terms::prefixes_of`] looks up the terms with those first characters in a small open-
//! addressing table and compares their bytes (kept one after the other in one buffer).
//! Replacing Aho-Corasick automata, which read every byte of the text: Chinese prose has a
//! candidate about once in ten characters, and nearly every candidate is a match.

/// Where a term may start, as cheap tests on characters. May over-report; never misses a
/// term's start.
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

/// (first character, second character or NUL): the group a term belongs to. Terms of one
/// character and terms starting above the BMP are grouped by their first character alone.
fn key_of(term: &str) -> (char, char) {
    let mut cs = term.chars();
    let a = cs.next().unwrap_or('\0');
    match cs.next() {
        Some(b) if (a as u32) < 0x10000 => (a, b),
        _ => (a, '\0'),
    }
}

/// The first character of valid UTF-8 bytes (`None` when empty or cut short). Decoded by hand:
/// validating with `str::from_utf8` at every candidate was 2 % of a scan.
#[inline]
pub fn first_char(b: &[u8]) -> Option<char> {
    let x = *b.first()?;
    let cont = |k: usize| b.get(k).map(|&y| u32::from(y & 0x3F));
    let u = match x {
        0..=0x7F => return Some(char::from(x)),
        0xC0..=0xDF => (u32::from(x & 0x1F) << 6) | cont(1)?,
        0xE0..=0xEF => (u32::from(x & 0x0F) << 12) | cont(1)? << 6 | cont(2)?,
        0xF0..=0xF7 => (u32::from(x & 0x07) << 18) | cont(1)? << 12 | cont(2)? << 6 | cont(3)?,
        // A continuation byte: not at a character boundary.
        _ => return None,
    };
    char::from_u32(u)
}

/// The terms, indexed by their first two characters.
pub struct Terms {
    /// (term id, offset and length in `bytes`), grouped by [`key_of`], ascending ids within a
    /// group.
    grouped: Vec<(u32, u32, u32)>,
    /// Every term's bytes, one after the other.
    bytes: Vec<u8>,
    /// (first, second or NUL) → range in `grouped`: an open-addressing table probed linearly.
    groups: Vec<(char, char, u32, u32)>,
    pub triggers: Triggers,
}

impl Terms {
    /// Term ids are indices into `terms`; empty terms are never found.
    pub fn new(terms: &[String]) -> Terms {
        let mut ids: Vec<u32> = (0..terms.len() as u32)
            .filter(|&i| !terms[i as usize].is_empty())
            .collect();
        ids.sort_by_key(|&i| (key_of(&terms[i as usize]), i));
        let mut bytes = Vec::new();
        let mut grouped = Vec::new();
        for &i in &ids {
            let t = terms[i as usize].as_bytes();
            grouped.push((i, bytes.len() as u32, t.len() as u32));
            bytes.extend_from_slice(t);
        }
        let mut ranges: Vec<(char, char, u32, u32)> = Vec::new();
        for (k, &i) in ids.iter().enumerate() {
            let (a, b) = key_of(&terms[i as usize]);
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
        Terms {
            grouped,
            bytes,
            groups,
            triggers: Triggers::build(terms),
        }
    }

    /// Heap bytes of the tables.
    pub fn memory_usage(&self) -> usize {
        let t = &self.triggers;
        self.grouped.len() * 12
            + self.bytes.len()
            + self.groups.len() * 16
            + (t.first.len() + t.single.len() + t.pairs.len()) * 8
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

    /// Calls `each(id, byte length)` for every term that `rest` (valid UTF-8 from a character
    /// boundary) starts with, in ascending id order (as an automaton reports the terms that
    /// end at one place). `scratch` is a reusable buffer.
    #[inline]
    pub fn prefixes_of(
        &self,
        rest: &[u8],
        scratch: &mut Vec<(u32, u32, u32)>,
        mut each: impl FnMut(usize, usize),
    ) {
        let tr = &self.triggers;
        let Some(a) = first_char(rest) else { return };
        // The trigger bits (in cache) say which of the two groups can be non-empty.
        let singles = if tr.alone(a) {
            self.group(a, '\0')
        } else {
            &[]
        };
        let pairs = match first_char(&rest[a.len_utf8()..]) {
            Some(b) if tr.first(a) && tr.pair(a, b) => self.group(a, b),
            _ => &[],
        };
        let cands: &[(u32, u32, u32)] = if singles.is_empty() {
            pairs
        } else if pairs.is_empty() {
            singles
        } else {
            scratch.clear();
            scratch.extend_from_slice(singles);
            scratch.extend_from_slice(pairs);
            scratch.sort_unstable();
            scratch
        };
        for &(id, at, len) in cands {
            let term = &self.bytes[at as usize..(at + len) as usize];
            if rest.starts_with(term) {
                each(id as usize, term.len());
            }
        }
    }
}
