//! Dictionaries: code tables and lexicons from `dictionaries/`, embedded at compile time so the
//! matcher needs no file system (a deployment can still load its own copies with
//! [`Dictionaries::from_sources`]). Formats and provenance: `dictionaries/README.md`.

use crate::error::DictError;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The multiply-rotate hash of rustc's `FxHasher`, for the tables the scan looks up (mobile
/// segments, BINs, area codes, surnames): keys of a few bytes, where SipHash was most of a
/// lookup (2–3 % of a scan). The tables are fixed at build time, so text cannot grow a chain.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// The text of every dictionary file.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    pub regions: &'a str,
    pub mobile_segments: &'a str,
    pub landline_area_codes: &'a str,
    pub bins: &'a str,
    pub places: &'a str,
    pub t2s: &'a str,
    pub lookalikes: &'a str,
    pub surnames: &'a str,
    pub not_names: &'a str,
    pub pinyin: &'a str,
    pub lexicon: &'a str,
}

impl Sources<'static> {
    /// The dictionaries this build was compiled with.
    pub fn embedded() -> Sources<'static> {
        Sources {
            regions: include_str!("../../../dictionaries/regions.tsv"),
            mobile_segments: include_str!("../../../dictionaries/mobile_segments.tsv"),
            landline_area_codes: include_str!("../../../dictionaries/landline_area_codes.tsv"),
            bins: include_str!("../../../dictionaries/bins.tsv"),
            places: include_str!("../../../dictionaries/places.tsv"),
            t2s: include_str!("../../../dictionaries/t2s.tsv"),
            lookalikes: include_str!("../../../dictionaries/lookalikes.tsv"),
            surnames: include_str!("../../../dictionaries/surnames.txt"),
            not_names: include_str!("../../../dictionaries/not_names.tsv"),
            pinyin: include_str!("../../../dictionaries/pinyin.tsv"),
            lexicon: include_str!("../../../dictionaries/lexicon.tsv"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Region {
    pub name: String,
    pub from: u16,
    pub to: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceLevel {
    Province,
    City,
    County,
    Town,
}

#[derive(Clone, Debug)]
pub struct Place {
    pub level: PlaceLevel,
    pub name: String,
    pub short: Option<String>,
}

/// Region codes are six decimal digits: one index slot per possible code.
const REGION_CODES: usize = 1_000_000;
/// An index slot of a code no table lists.
const NO_REGION: u32 = u32::MAX;

/// Regions by code: a dense index (4 MB) into the list. The ID check looks up to three codes per
/// number, and a known-leak build checks millions of numbers: hashing the code (SipHash in a
/// `HashMap`) was ~10% of a build worker's CPU; here a lookup is two loads, and the ~6,800
/// listed codes (mostly runs of neighbours) touch under 430 KB of the index.
struct RegionTable {
    index: Vec<u32>,
    regions: Vec<Region>,
}

impl RegionTable {
    fn new() -> RegionTable {
        RegionTable {
            index: vec![NO_REGION; REGION_CODES],
            regions: Vec::new(),
        }
    }

    /// Adds `code` (below [`REGION_CODES`]); a code listed twice keeps its last row.
    fn insert(&mut self, code: u32, region: Region) {
        let slot = &mut self.index[code as usize];
        match *slot {
            NO_REGION => {
                *slot = self.regions.len() as u32;
                self.regions.push(region);
            }
            i => self.regions[i as usize] = region,
        }
    }

    #[inline]
    fn get(&self, code: u32) -> Option<&Region> {
        let i = *self.index.get(code as usize)?;
        self.regions.get(i as usize)
    }
}

pub struct Dictionaries {
    regions: RegionTable,
    mobile: FastMap<String, String>,
    /// Bit `n` set when some segment in `mobile` has `n` digits: the lengths worth looking up.
    mobile_lens: u32,
    /// For every four-digit prefix (its value as the index), the carrier of the longest
    /// segment of three or four digits that starts it, as an index into `carriers` plus one
    /// (0: none). One load a number where hashing both prefixes and comparing the keys was
    /// about 250 instructions (1.3 M of a 157 M pass of the dev corpus).
    mobile_short: Vec<u16>,
    carriers: Vec<String>,
    pub landline: FastMap<String, String>,
    bins: FastMap<String, (String, String)>,
    bin_lens: Vec<usize>,
    pub places: Vec<Place>,
    /// Traditional → simplified (`t2s.tsv`) and look-alike characters (`lookalikes.tsv`): one
    /// fold step.
    pub t2s: HashMap<char, char>,
    pub surnames: HashMap<String, u32>,
    /// Surnames keyed by their characters, for the hot path: ask [`Dictionaries::is_surname1`]
    /// and [`Dictionaries::is_surname2`].
    surname1: FastSet<char>,
    surname2: FastSet<(char, char)>,
    /// Two bits per code point of the BMP: a surname of one character (bit 0), the first
    /// character of a surname of two (bit 1). One load where a hashed lookup was about 40
    /// instructions: names ask of most characters that may start one.
    surname_bits: Box<[u64; 0x10000 / 32]>,
    /// Common words that read as a surname and a given name (`计算`, `有意`), keyed by
    /// [`Dictionaries::name_key`]; `true` for a common noun (`家长`, `单位`).
    not_names: FastMap<[char; 4], bool>,
    pinyin: HashMap<char, Vec<String>>,
    by_syllable: HashMap<String, Vec<(u32, char)>>,
    lexicon: Vec<(String, String, Option<String>)>,
    /// A digest of every source, carried on alerts so a decision can be reproduced.
    pub version: String,
}

fn rows(src: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    src.lines().enumerate().filter_map(|(n, l)| {
        let l = l.trim_end_matches('\r');
        if l.is_empty() || l.starts_with('#') {
            None
        } else {
            Some((n + 1, l.split('\t').collect()))
        }
    })
}

fn need(file: &'static str, line: usize, cols: &[&str], n: usize) -> Result<(), DictError> {
    if cols.len() < n {
        return Err(DictError::Columns {
            file,
            line,
            want: n,
            got: cols.len(),
        });
    }
    Ok(())
}

fn one_char(file: &'static str, line: usize, s: &str) -> Result<char, DictError> {
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(DictError::Value {
            file,
            line,
            what: "a single character",
        }),
    }
}

/// FNV-1a over the sources: stable across builds and platforms.
fn digest(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

impl Dictionaries {
    pub fn embedded() -> Result<Dictionaries, DictError> {
        Dictionaries::from_sources(Sources::embedded())
    }

    pub fn from_sources(s: Sources<'_>) -> Result<Dictionaries, DictError> {
        let mut regions = RegionTable::new();
        for (line, c) in rows(s.regions) {
            need("regions.tsv", line, &c, 4)?;
            let code: u32 = c[0]
                .parse()
                .ok()
                .filter(|&code| (code as usize) < REGION_CODES)
                .ok_or(DictError::Value {
                    file: "regions.tsv",
                    line,
                    what: "a 6-digit code",
                })?;
            let year = |x: &str| x.parse::<u16>().unwrap_or(0);
            regions.insert(
                code,
                Region {
                    name: c[1].to_string(),
                    from: year(c[2]),
                    to: year(c[3]),
                },
            );
        }
        let mut mobile = FastMap::default();
        for (line, c) in rows(s.mobile_segments) {
            need("mobile_segments.tsv", line, &c, 2)?;
            mobile.insert(c[0].to_string(), c[1].to_string());
        }
        let mut landline = FastMap::default();
        for (line, c) in rows(s.landline_area_codes) {
            need("landline_area_codes.tsv", line, &c, 2)?;
            landline.insert(c[0].to_string(), c[1].to_string());
        }
        let mut bins = FastMap::default();
        let mut bin_lens = HashSet::new();
        for (line, c) in rows(s.bins) {
            need("bins.tsv", line, &c, 3)?;
            bin_lens.insert(c[0].len());
            bins.insert(c[0].to_string(), (c[1].to_string(), c[2].to_string()));
        }
        let mut bin_lens: Vec<usize> = bin_lens.into_iter().collect();
        bin_lens.sort_unstable_by(|a, b| b.cmp(a));
        let mut places = Vec::new();
        for (line, c) in rows(s.places) {
            need("places.tsv", line, &c, 4)?;
            let level = match c[1] {
                "province" => PlaceLevel::Province,
                "city" => PlaceLevel::City,
                "county" => PlaceLevel::County,
                "town" => PlaceLevel::Town,
                _ => {
                    return Err(DictError::Value {
                        file: "places.tsv",
                        line,
                        what: "a level",
                    })
                }
            };
            places.push(Place {
                level,
                name: c[2].to_string(),
                short: (c[3] != "-" && c[3].chars().count() >= 2).then(|| c[3].to_string()),
            });
        }
        let mut t2s = HashMap::new();
        for (line, c) in rows(s.t2s) {
            need("t2s.tsv", line, &c, 2)?;
            t2s.insert(
                one_char("t2s.tsv", line, c[0])?,
                one_char("t2s.tsv", line, c[1])?,
            );
        }
        // Look-alikes fold in the same step (`戸籍` reads `户籍`, a Cyrillic `а` reads `a`).
        for (line, c) in rows(s.lookalikes) {
            need("lookalikes.tsv", line, &c, 3)?;
            t2s.insert(
                one_char("lookalikes.tsv", line, c[0])?,
                one_char("lookalikes.tsv", line, c[1])?,
            );
        }
        let mut surnames = HashMap::new();
        for (i, (_, c)) in rows(s.surnames).enumerate() {
            let rank = c
                .get(1)
                .and_then(|r| r.parse().ok())
                .unwrap_or(i as u32 + 1);
            surnames.insert(c[0].to_string(), rank);
        }
        let mut surname1 = FastSet::default();
        let mut surname2 = FastSet::default();
        for s in surnames.keys() {
            let cs: Vec<char> = s.chars().collect();
            match cs[..] {
                [a] => {
                    surname1.insert(a);
                }
                [a, b] => {
                    surname2.insert((a, b));
                }
                _ => {}
            }
        }
        let mut surname_bits = Box::new([0u64; 0x10000 / 32]);
        let firsts = surname1
            .iter()
            .map(|&a| (a, 1))
            .chain(surname2.iter().map(|&(a, _)| (a, 2)));
        for (a, bit) in firsts {
            if (a as u32) < 0x10000 {
                surname_bits[a as usize >> 5] |= bit << (2 * (a as u32 & 31));
            }
        }
        let mut not_names = FastMap::default();
        for (line, c) in rows(s.not_names) {
            need("not_names.tsv", line, &c, 3)?;
            let word: Vec<char> = c[0].chars().collect();
            if !(2..=4).contains(&word.len()) {
                return Err(DictError::Value {
                    file: "not_names.tsv",
                    line,
                    what: "a word of 2 to 4 characters",
                });
            }
            not_names.insert(Dictionaries::name_key(&word), c[1] == "n");
        }
        let mut pinyin = HashMap::new();
        let mut by_syllable: HashMap<String, Vec<(u32, char)>> = HashMap::new();
        for (i, (line, c)) in rows(s.pinyin).enumerate() {
            need("pinyin.tsv", line, &c, 2)?;
            let ch = one_char("pinyin.tsv", line, c[0])?;
            let rank = c
                .get(2)
                .and_then(|r| r.parse().ok())
                .unwrap_or(i as u32 + 1);
            let pys: Vec<String> = c[1].split(',').map(str::to_string).collect();
            // Homophones go by the first (commonest) reading only: `是` is `shi`, not `ti`.
            if let Some(py) = pys.first() {
                by_syllable.entry(py.clone()).or_default().push((rank, ch));
            }
            pinyin.insert(ch, pys);
        }
        for v in by_syllable.values_mut() {
            v.sort_unstable();
        }
        let lexicon = rows(s.lexicon)
            .filter(|(_, c)| c.len() >= 2)
            .map(|(_, c)| {
                (
                    c[0].to_string(),
                    c[1].to_string(),
                    c.get(2).map(|x| x.to_string()),
                )
            })
            .collect();
        let version = digest(&[
            s.regions,
            s.mobile_segments,
            s.landline_area_codes,
            s.bins,
            s.places,
            s.t2s,
            s.lookalikes,
            s.surnames,
            s.not_names,
            s.pinyin,
            s.lexicon,
        ]);
        let mobile_lens = mobile
            .keys()
            .filter(|k| k.len() < 32)
            .fold(0u32, |m, k| m | 1 << k.len());
        let mut carriers: Vec<String> = Vec::new();
        let mut mobile_short = vec![0u16; 10_000];
        // Three-digit segments first, so that a four-digit one (longer) overrides them.
        for len in [3, 4] {
            for (seg, carrier) in &mobile {
                if seg.len() != len || !seg.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                let at = match carriers.iter().position(|c| c == carrier) {
                    Some(at) => at,
                    None => {
                        carriers.push(carrier.clone());
                        carriers.len() - 1
                    }
                };
                let id = u16::try_from(at + 1).expect("fewer than 65,535 carriers");
                let p = seg.bytes().fold(0, |v, b| v * 10 + usize::from(b - b'0'));
                let (from, to) = if len == 3 {
                    (p * 10, p * 10 + 10)
                } else {
                    (p, p + 1)
                };
                mobile_short[from..to].fill(id);
            }
        }
        Ok(Dictionaries {
            regions,
            mobile,
            mobile_lens,
            mobile_short,
            carriers,
            landline,
            bins,
            bin_lens,
            places,
            t2s,
            surnames,
            surname1,
            surname2,
            surname_bits,
            not_names,
            pinyin,
            by_syllable,
            lexicon,
            version,
        })
    }

    /// `c` is a surname of one character.
    #[inline]
    pub fn is_surname1(&self, c: char) -> bool {
        match self.surname_bits(c) {
            Some(bits) => bits & 1 != 0,
            None => self.surname1.contains(&c),
        }
    }

    /// `a` and `b` are a surname of two characters.
    #[inline]
    pub fn is_surname2(&self, a: char, b: char) -> bool {
        self.surname_bits(a).is_none_or(|bits| bits & 2 != 0) && self.surname2.contains(&(a, b))
    }

    /// `c`'s two bits of `surname_bits` at the bottom, for a character of the BMP.
    #[inline]
    fn surname_bits(&self, c: char) -> Option<u64> {
        let u = c as u32;
        (u < 0x10000).then(|| self.surname_bits[u as usize >> 5] >> (2 * (u & 31)))
    }

    /// The key of a word of up to four characters in the not-a-name set.
    fn name_key(word: &[char]) -> [char; 4] {
        std::array::from_fn(|k| word.get(k).copied().unwrap_or('\0'))
    }

    /// Whether `word` (a candidate name's characters) is a common word, not a name.
    /// Whether `word` is a common word, not a name. After a name label and its colon
    /// (`after_label`) a common noun is a name (`姓名：金花`): a form's field holds a name,
    /// where the same word before a contact's label is a role (`家长电话…`).
    pub fn not_a_name(&self, word: &[char], after_label: bool) -> bool {
        word.len() <= 4
            && self
                .not_names
                .get(&Dictionaries::name_key(word))
                .is_some_and(|&noun| !(noun && after_label))
    }

    /// Carrier of a mainland mobile number, if its segment is allocated (longest prefix wins).
    pub fn mobile_carrier(&self, digits: &str) -> Option<&str> {
        // Only the prefix lengths some segment has are hashed and looked up (3 and 4 digits in
        // the shipped table: two lookups a number instead of five).
        let hashed = |lens: std::ops::RangeInclusive<usize>| {
            lens.rev()
                .filter(|&n| self.mobile_lens >> n & 1 != 0)
                .find_map(|n| self.mobile.get(&digits[..n]).map(String::as_str))
        };
        let b = digits.as_bytes();
        if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
            return hashed(3..=7.min(digits.len()));
        }
        // Segments longer than four digits (none in the shipped table) come first.
        if self.mobile_lens >> 5 != 0 {
            if let Some(c) = hashed(5..=7.min(digits.len())) {
                return Some(c);
            }
        }
        let p = b[..4]
            .iter()
            .fold(0, |v, &d| v * 10 + usize::from(d - b'0'));
        let id = usize::from(self.mobile_short[p]);
        id.checked_sub(1).map(|k| self.carriers[k].as_str())
    }

    /// Bank and card type of a card number, by the longest known BIN.
    pub fn bin(&self, digits: &str) -> Option<(&str, &str)> {
        self.bin_lens
            .iter()
            .filter(|&&n| n <= digits.len())
            .find_map(|&n| self.bins.get(&digits[..n]))
            .map(|(b, t)| (b.as_str(), t.as_str()))
    }

    /// City of a landline area code such as `010` or `0755`.
    pub fn area_code(&self, code: &str) -> Option<&str> {
        self.landline.get(code).map(String::as_str)
    }

    pub fn pinyin_of(&self, c: char) -> impl Iterator<Item = &str> {
        self.pinyin
            .get(&c)
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// Common characters that share a reading with `c` (rank ≤ 2500 of the frequency list).
    pub fn homophones(&self, c: char) -> Vec<char> {
        let mut out: Vec<char> = self
            .pinyin_of(c)
            .take(1)
            .flat_map(|py| self.by_syllable.get(py).into_iter().flatten())
            .filter(|&&(rank, h)| rank <= 2500 && h != c)
            .map(|&(_, h)| h)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    pub fn lexicon_rows(&self) -> impl Iterator<Item = (&str, &str, Option<&str>)> {
        self.lexicon
            .iter()
            .map(|(g, t, c)| (g.as_str(), t.as_str(), c.as_deref()))
    }

    /// Whether `code` is a resident-ID region code that ever existed (GB/T 2260, 1980 on).
    pub fn region(&self, code: u32) -> Option<&Region> {
        self.regions.get(code)
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil::dicts;

    /// The surname bits answer as the sets, for every character of the BMP and every pair that
    /// starts with a double surname's first character.
    #[test]
    fn surname_bits_equal_the_sets() {
        let d = dicts();
        for c in (0..0x10000).filter_map(char::from_u32) {
            assert_eq!(d.is_surname1(c), d.surname1.contains(&c), "{c}");
        }
        for &(a, b) in &d.surname2 {
            assert!(d.is_surname2(a, b));
            for &c in &d.surname1 {
                assert_eq!(d.is_surname2(a, c), d.surname2.contains(&(a, c)));
                assert_eq!(d.is_surname2(c, b), d.surname2.contains(&(c, b)));
            }
        }
    }

    /// The table of four-digit prefixes answers as the longest-prefix lookup in the segment
    /// map did, for every four-digit prefix of an 11-digit number, for shorter strings and for
    /// strings with other characters.
    #[test]
    fn mobile_carrier_equals_the_longest_prefix() {
        let d = dicts();
        let reference = |s: &str| {
            (3..=7.min(s.len()))
                .rev()
                .find_map(|n| d.mobile.get(&s[..n]).map(String::as_str))
        };
        let mut found = 0;
        for p in 0..10_000 {
            let s = format!("{p:04}5678901");
            assert_eq!(d.mobile_carrier(&s), reference(&s), "{s}");
            found += usize::from(reference(&s).is_some());
        }
        assert!(found > 100, "the shipped table has segments");
        for s in [
            "",
            "1",
            "13",
            "138",
            "1380",
            "13a8",
            "1a38000",
            "19912345678",
        ] {
            assert_eq!(d.mobile_carrier(s), reference(s), "{s}");
        }
    }
}
