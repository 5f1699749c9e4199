//! A fixed set of terms found at chosen positions of a text as `char`s: the keyword
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
    /// Two bits per BMP character, 32 characters a word: bit `2j` says the character is a
    /// whole term (`售`, `q`, `✈`), bit `2j + 1` that it starts a term of two or more
    /// characters (2 × 64 Ki bits): the loader asks the first for every skeleton character
    /// ([`Triggers::start`]), the lexicon search both, from one load. A character above the
    /// BMP reads the bits of its low 16 bits (a fixed-size array indexed by `c as u16 / 32`:
    /// no bounds check and no clamp, 2 instructions of a skeleton character's 29): the `whole`
    /// bit of `c as u16` is also set for every term that starts at `c` above the BMP, so a
    /// term's start is never missed there, and the other characters that share the bits only
    /// look up groups that do not exist.
    chars: Box<[u64; CHAR_WORDS]>,
    /// Hashed (first, second) character pairs of every term of two or more characters. A
    /// fixed-size array: a hash of [`PAIR_BITS`] bits indexes it without a bounds check.
    pairs: Box<[u64; PAIR_WORDS]>,
    /// One bit per code point of all planes: [`Triggers::alone`], for the loader's
    /// [`Triggers::start`]. Its own bitmap (136 KB, of which a text touches a few lines)
    /// indexed by the whole code point: no cut to 16 bits and no doubling of the bit's index,
    /// 3 instructions instead of 5 for every skeleton character.
    alone: Box<[u64; ALONE_WORDS]>,
}

const CHAR_WORDS: usize = 0x10000 / 32;

const ALONE_WORDS: usize = 0x11_0000 / 64;

const PAIR_BITS: u32 = 16;
const PAIR_WORDS: usize = (1 << PAIR_BITS) / 64;

/// The hash of a (first, second) character pair: [`PAIR_BITS`] bits. In 32-bit arithmetic, so
/// that the loader can hash eight pairs at once where AVX2 is available (it has no 64-bit
/// multiply).
#[inline]
fn pair_hash(a: char, b: char) -> usize {
    let x = (a as u32)
        .wrapping_mul(PAIR_K1)
        .wrapping_add(b as u32)
        .wrapping_mul(PAIR_K2);
    (x >> (32 - PAIR_BITS)) as usize
}

/// Where [`Triggers::pairs`] keeps the bit of a (first, second) character pair: the word, from
/// the top bits of [`pair_hash`]'s product, and the bit within it, from the product's low six
/// bits (a shift by a register takes them alone): one shift fewer than cutting the word and
/// the bit from one 16-bit hash. With [`Triggers::alone`], a pass 133.74 -> 132.18 M
/// instructions; the lexicon search also fell (13.89 -> 13.80 M), fewer collisions.
#[inline]
fn pair_slot(a: char, b: char) -> (usize, u32) {
    let x = (a as u32)
        .wrapping_mul(PAIR_K1)
        .wrapping_add(b as u32)
        .wrapping_mul(PAIR_K2);
    ((x >> (32 - PAIR_BITS + 6)) as usize, x & 63)
}

/// [`pair_hash`]'s multipliers: odd, with their bits spread (the golden ratio's and
/// MurmurHash3's finalizer constant).
const PAIR_K1: u32 = 0x9E37_79B1;
const PAIR_K2: u32 = 0x85EB_CA6B;

#[inline]
fn set_bit(set: &mut [u64], i: usize) {
    set[i >> 6] |= 1 << (i & 63);
}

impl Triggers {
    /// The bits of every non-empty term of `terms`.
    pub(crate) fn build(terms: &[String]) -> Triggers {
        let mut t = Triggers {
            chars: Box::new([0; CHAR_WORDS]),
            pairs: Box::new([0; PAIR_WORDS]),
            alone: Box::new([0; ALONE_WORDS]),
        };
        for term in terms {
            let mut cs = term.chars();
            let Some(a) = cs.next() else { continue };
            let j = 2 * (a as u32 & 31);
            match cs.next() {
                Some(b) if (a as u32) < 0x10000 => {
                    t.chars[usize::from(a as u16) >> 5] |= 2 << j;
                    let (w, k) = pair_slot(a, b);
                    t.pairs[w] |= 1 << k;
                }
                // A whole term, or any term starting above the BMP (grouped by its first
                // character alone, [`key_of`]).
                _ => {
                    t.chars[usize::from(a as u16) >> 5] |= 1 << j;
                    set_bit(&mut t.alone[..], a as usize);
                }
            }
        }
        t
    }

    /// Heap bytes of the bitmaps.
    pub fn memory_usage(&self) -> usize {
        (self.chars.len() + self.pairs.len() + self.alone.len()) * 8
    }

    /// `c` may be a whole term, or start a term above the BMP: a candidate by itself.
    #[inline]
    pub fn alone(&self, c: char) -> bool {
        self.kinds(c).0
    }

    /// ([`Triggers::alone`], `c` may start a term of two or more characters: a candidate if
    /// [`Triggers::pair`] holds for the next skeleton character) from one cache line.
    #[inline]
    pub fn kinds(&self, c: char) -> (bool, bool) {
        let bits = self.bits(c);
        (bits & 1 != 0, bits & 2 != 0)
    }

    /// Some term may start at `c`: [`Triggers::kinds`]' two bits in one test, for scans that
    /// skip the characters that start none.
    #[inline]
    pub fn may_start(&self, c: char) -> bool {
        self.bits(c) & 3 != 0
    }

    /// `c`'s two bits of [`Triggers::chars`] at the bottom.
    #[inline]
    fn bits(&self, c: char) -> u64 {
        self.chars[usize::from(c as u16) >> 5] >> (2 * (c as u32 & 31))
    }

    /// 1 if a term may start at `a` followed by `b`, else 0, in integer operations for the
    /// loader's branch-free count: [`Triggers::alone`] or [`Triggers::pair`], without the
    /// test that `a` starts a longer term (the pair's hash says so but for collisions). The
    /// collisions add 5.6 % to the candidates of the dev corpus (59,244 -> 62,554), which
    /// [`Terms::prefixes_of`] rejects at its own test of `a`; the test cost 3 of a skeleton
    /// character's 29 instructions, the bit tests as booleans 2 more (a pass 155.60 -> 153.68
    /// M instructions, the loader with triggers 4.16-4.23 -> 3.93-4.11 ms).
    #[inline]
    pub fn start(&self, a: char, b: char) -> usize {
        let (w, j) = pair_slot(a, b);
        let pair = self.pairs[w] >> j;
        let alone = self.alone[a as usize >> 6] >> (a as u32 & 63);
        ((alone | pair) & 1) as usize
    }

    /// [`Triggers::start`] of eight (first, second) pairs at once: bit `j` of the result is
    /// that of lanes `j` of `a` and `b` (characters, as `u32`). The two tables read as arrays
    /// of 32-bit words by two gathers: a bit `j` of a 64-bit word `w` is bit `j % 32` of the
    /// 32-bit word `2w + j / 32` (little-endian).
    ///
    /// # Safety
    ///
    /// The CPU must have AVX2; every lane of `a` must be a `char`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    pub unsafe fn start8(
        &self,
        a: std::arch::x86_64::__m256i,
        b: std::arch::x86_64::__m256i,
    ) -> u32 {
        use std::arch::x86_64::*;
        let low5 = _mm256_set1_epi32(31);
        // `pair_slot`'s product, lane by lane.
        let x = _mm256_mullo_epi32(
            _mm256_add_epi32(_mm256_mullo_epi32(a, _mm256_set1_epi32(PAIR_K1 as i32)), b),
            _mm256_set1_epi32(PAIR_K2 as i32),
        );
        // 2 * (x >> (32 - PAIR_BITS + 6)) + bit 5 of x: the 32-bit word of the pair's bit.
        let word = _mm256_or_si256(
            _mm256_and_si256(
                _mm256_srli_epi32::<{ 32 - PAIR_BITS as i32 + 5 }>(x),
                _mm256_set1_epi32(!1),
            ),
            _mm256_and_si256(_mm256_srli_epi32::<5>(x), _mm256_set1_epi32(1)),
        );
        // SAFETY: `word` is below `2 * PAIR_WORDS` (the product's top `PAIR_BITS - 6` bits,
        // doubled, plus one) and `a >> 5` below `2 * ALONE_WORDS` (`a` is a `char`): 32-bit
        // words within the two tables.
        let (pairs, alone) = unsafe {
            (
                _mm256_i32gather_epi32::<4>(self.pairs.as_ptr().cast(), word),
                _mm256_i32gather_epi32::<4>(self.alone.as_ptr().cast(), _mm256_srli_epi32::<5>(a)),
            )
        };
        // Shifts by 32 or more give 0 (not the count modulo 32): the counts masked.
        let bits = _mm256_or_si256(
            _mm256_srlv_epi32(pairs, _mm256_and_si256(x, low5)),
            _mm256_srlv_epi32(alone, _mm256_and_si256(a, low5)),
        );
        _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<31>(bits))) as u32
    }

    #[inline]
    pub fn pair(&self, a: char, b: char) -> bool {
        let (w, j) = pair_slot(a, b);
        self.pairs[w] >> j & 1 != 0
    }
}

/// (first character, second character or NUL): the group a term belongs to. Terms of one
/// character and terms starting above the BMP are grouped by their first character alone.
pub(crate) fn key_of(term: &str) -> (char, char) {
    let mut cs = term.chars();
    let a = cs.next().unwrap_or('\0');
    match cs.next() {
        Some(b) if (a as u32) < 0x10000 => (a, b),
        _ => (a, '\0'),
    }
}

/// The ids of the non-empty terms grouped by [`key_of`], longest first within a group and
/// ascending ids among equal lengths: see [`Terms::prefixes_of`].
pub(crate) fn grouped_ids(terms: &[String]) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..terms.len() as u32)
        .filter(|&i| !terms[i as usize].is_empty())
        .collect();
    ids.sort_by_key(|&i| {
        let term = &terms[i as usize];
        (key_of(term), std::cmp::Reverse(term.chars().count()), i)
    });
    ids
}

/// How many characters of a term its group's key holds.
pub(crate) fn key_len((_, b): (char, char)) -> usize {
    if b == '\0' {
        1
    } else {
        2
    }
}

/// One term of a group.
#[derive(Clone, Copy)]
struct Entry {
    id: u32,
    /// Offset and length of its tail in [`Terms::tails`].
    at: u32,
    len: u32,
    /// The tail's first character, [`NO_CHAR`] for an empty tail: tested before the tail is
    /// compared. A group the dev corpus looks up holds 3.4 terms on average, and 58 % of them
    /// differ from the text in their first tail character already: one comparison instead of
    /// setting up the comparison of slices.
    first: u32,
}

/// A group's slot in [`Terms::groups`]: its key and its entries, `start..end` in
/// [`Terms::grouped`], of which `mid..end` have an empty tail (the key is the whole term; they
/// come last, the shortest).
#[derive(Clone, Copy)]
struct Group {
    a: char,
    b: char,
    start: u32,
    mid: u32,
    /// 0 for an empty slot.
    end: u32,
}

/// Not a `char`: the first tail character of an empty tail.
const NO_CHAR: u32 = u32::MAX;

/// The terms, indexed by their first two characters.
pub struct Terms {
    /// The terms grouped by [`key_of`], longest first and ascending ids among equal lengths
    /// within a group.
    grouped: Vec<Entry>,
    /// Every term's characters after its group's key (the first character, or the first two),
    /// one term after the other: the key is equal already where a group is looked up, so only
    /// the tail is compared (most terms are two to four characters long).
    tails: Vec<char>,
    /// (first, second or NUL) → range in `grouped`: an open-addressing table probed linearly.
    groups: Vec<Group>,
    pub triggers: Triggers,
}

impl Terms {
    /// Term ids are indices into `terms`; empty terms are never found.
    pub fn new(terms: &[String]) -> Terms {
        let ids = grouped_ids(terms);
        let mut tails = Vec::new();
        let mut grouped = Vec::new();
        for &i in &ids {
            let term = &terms[i as usize];
            let at = tails.len() as u32;
            let mut tail = term.chars().skip(key_len(key_of(term))).peekable();
            let first = tail.peek().map_or(NO_CHAR, |&c| c as u32);
            tails.extend(tail);
            grouped.push(Entry {
                id: i,
                at,
                len: tails.len() as u32 - at,
                first,
            });
        }
        let mut ranges: Vec<Group> = Vec::new();
        for (k, &i) in ids.iter().enumerate() {
            let (a, b) = key_of(&terms[i as usize]);
            let k = k as u32;
            let tailed = grouped[k as usize].len != 0;
            match ranges.last_mut() {
                Some(r) if (r.a, r.b) == (a, b) => {
                    r.end = k + 1;
                    if tailed {
                        r.mid = k + 1;
                    }
                }
                _ => ranges.push(Group {
                    a,
                    b,
                    start: k,
                    mid: if tailed { k + 1 } else { k },
                    end: k + 1,
                }),
            }
        }
        let size = (ranges.len() * 2).next_power_of_two();
        let empty = Group {
            a: '\0',
            b: '\0',
            start: 0,
            mid: 0,
            end: 0,
        };
        let mut groups = vec![empty; size];
        for r in ranges {
            let mut h = pair_hash(r.a, r.b) & (size - 1);
            while groups[h].end != 0 {
                h = (h + 1) & (size - 1);
            }
            groups[h] = r;
        }
        Terms {
            grouped,
            tails,
            groups,
            triggers: Triggers::build(terms),
        }
    }

    /// Heap bytes of the tables.
    pub fn memory_usage(&self) -> usize {
        self.grouped.len() * std::mem::size_of::<Entry>()
            + self.tails.len() * 4
            + self.groups.len() * std::mem::size_of::<Group>()
            + self.triggers.memory_usage()
    }

    /// The terms of the group keyed (`a`, `b`), longest first: those with a tail, and those
    /// without.
    #[inline]
    fn group(&self, a: char, b: char) -> (&[Entry], &[Entry]) {
        let mask = self.groups.len() - 1;
        let mut h = pair_hash(a, b) & mask;
        loop {
            let g = self.groups[h];
            if g.end == 0 {
                return (&[], &[]);
            }
            if g.a == a && g.b == b {
                let (start, mid, end) = (g.start as usize, g.mid as usize, g.end as usize);
                debug_assert!(start <= mid && mid <= end && end <= self.grouped.len());
                // SAFETY: `Terms::new` made every group's `start <= mid <= end` indices of
                // `grouped` (its entries' positions, plus one for the end). Unchecked, the
                // search's slot lookups take 4 comparisons and branches fewer a candidate.
                return unsafe {
                    (
                        self.grouped.get_unchecked(start..mid),
                        self.grouped.get_unchecked(mid..end),
                    )
                };
            }
            h = (h + 1) & mask;
        }
    }

    /// Calls `each(id, length in characters)` for every term that `rest` starts with, longest
    /// first, ascending ids among terms of equal length: the terms of two or more characters
    /// first, then the one-character terms (and all terms that start above the BMP; a BMP
    /// character's group of its own holds only the character itself, so the two groups never
    /// share a length), each group ordered so ([`Terms::new`]). Among terms of equal length
    /// that is the order an automaton reports terms ending at one place in; the lexicon's hits
    /// come out in the order it sorted them in.
    #[inline]
    pub fn prefixes_of(&self, rest: &[char], mut each: impl FnMut(usize, usize)) {
        let tr = &self.triggers;
        let Some(&a) = rest.first() else { return };
        // The trigger bits (in cache) say which of the two groups can be non-empty.
        let (alone, first) = tr.kinds(a);
        match rest.get(1) {
            Some(&b) if first && tr.pair(a, b) => {
                self.each_tail(self.group(a, b), &rest[2..], 2, &mut each)
            }
            _ => {}
        }
        if alone {
            self.each_tail(self.group(a, '\0'), &rest[1..], 1, &mut each);
        }
    }

    /// Calls `each(id, key + tail length)` for the terms of a group whose tail `rest` starts
    /// with: of those with a tail, the ones whose tail's first character is `rest`'s first,
    /// compared further; then every one without (the key alone). Those apart, the loop over
    /// the others tests one field instead of two, and the search's closure, with fewer
    /// values live around it, is inlined (a pass 132.18 -> 130.75 M instructions; the
    /// unchecked slices of `group` and of the tails 129.65 M). Always inlined: as a call (from
    /// two places, one per start of nearly every hit) its prologue, epilogue and the caller's
    /// state on the stack cost 1.6 M instructions a pass.
    #[inline(always)]
    fn each_tail(
        &self,
        (tailed, whole): (&[Entry], &[Entry]),
        rest: &[char],
        key: usize,
        each: &mut impl FnMut(usize, usize),
    ) {
        if let Some((&r0, after)) = rest.split_first() {
            for &Entry { id, at, len, first } in tailed {
                if first != r0 as u32 {
                    continue;
                }
                // The tail but its first character, equal already.
                debug_assert!(len >= 1 && (at + len) as usize <= self.tails.len());
                // SAFETY: `Terms::new` made every entry's `at..at + len` a range of `tails`,
                // and an entry of `tailed` has `len >= 1`.
                let tail = unsafe {
                    self.tails
                        .get_unchecked(at as usize + 1..(at + len) as usize)
                };
                // A loop, not `==`: slices of `char` compare with a call to `memcmp`, too dear
                // for tails of none to three characters.
                let matches = after
                    .get(..tail.len())
                    .is_some_and(|r| r.iter().zip(tail).all(|(x, y)| x == y));
                if matches {
                    each(id as usize, key + len as usize);
                }
            }
        }
        for e in whole {
            each(e.id as usize, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Triggers::start8`] gives [`Triggers::start`]'s bit in every lane: for the pairs that
    /// start the lexicon's terms, and for pairs of characters spread over all planes (the
    /// collisions and the characters alone among them).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn start8_is_start_in_each_lane() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let terms: Vec<String> = crate::testutil::dicts()
            .lexicon_rows()
            .map(|(_, term, _)| term.to_lowercase())
            .collect();
        let tr = &Triggers::build(&terms);
        let mut pairs: Vec<(char, char)> = terms
            .iter()
            .map(|t| {
                let mut cs = t.chars();
                let a = cs.next().unwrap_or('a');
                (a, cs.next().unwrap_or(a))
            })
            .collect();
        let mut x = 1u32;
        let all: Vec<char> = (0..=0x10FFFF).filter_map(char::from_u32).collect();
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let pick = |v: u32| all[v as usize % all.len()];
            pairs.push((pick(x), pick(x.rotate_left(16))));
        }
        for eight in pairs.chunks_exact(8) {
            let lanes = |f: fn(&(char, char)) -> char| {
                let v: Vec<i32> = eight.iter().map(|p| f(p) as i32).collect();
                // SAFETY: eight `i32`s, read unaligned.
                unsafe { _mm256_loadu_si256(v.as_ptr().cast()) }
            };
            // SAFETY: the CPU has AVX2 (tested above); the lanes of `a` are `char`s.
            let bits = unsafe { tr.start8(lanes(|p| p.0), lanes(|p| p.1)) };
            for (j, &(a, b)) in eight.iter().enumerate() {
                assert_eq!((bits >> j & 1) as usize, tr.start(a, b), "{a:?} {b:?}");
            }
        }
    }
}
