//! Per-code-point folding and classification: the first step of normalization.
//!
//! Every original code point maps to exactly one folded code point (or is ignorable), so a match
//! in any folded view maps back to original offsets through a plain index table. The table for
//! the Basic Multilingual Plane is computed once at start-up from NFKC (`unicode-normalization`),
//! OpenCC's traditional → simplified character table and a few hand-listed forms NFKC leaves
//! alone (dingbat digits, parenthesised digits, separators used as evasion); code points above
//! the BMP (emoji, mathematical digits) are classified by range.

use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// The role of a code point after folding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Class {
    Other = 0,
    /// A Han ideograph (Chinese numerals are `Cjk` with a digit value).
    Cjk = 1,
    /// An ASCII letter after folding (`Ａ`, `é` fold to letters).
    Letter = 2,
    /// A digit after folding: ASCII, full-width, circled, mathematical.
    Digit = 3,
    Space = 4,
    Newline = 5,
    /// Punctuation that evasion inserts between characters (`-`, `·`, `、`, `丶` …).
    Sep = 6,
    /// Zero-width and format characters, variation selectors: ignored everywhere.
    Invisible = 7,
    /// Emoji and pictographic symbols: separators in every folded view.
    Emoji = 8,
    /// A symbol that stands for a keyword (`✈`, `🛩` for Telegram).
    KeySymbol = 9,
}

/// Folded form, class and digit value of one code point, packed in 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct CharInfo(u32);

const NO_DIGIT: u32 = 15;
/// The class code of an emoji that stands for a character (`📦` for `盒`, `🏠` for `房`): read
/// as [`Class::Emoji`] (a gap: it ends no name, breaks no label or number), yet in the skeleton
/// with its character, so a keyword reads through it (`开🏠记录`). The loader keeps every class
/// code but the gaps' ones.
const STANDS_FOR: u32 = 10;
const SPECIAL: u32 = 1 << 29;
const SUFFIX_START: u32 = 1 << 30;
const NAME_BREAK: u32 = 1 << 31;

/// Characters an address component's name may not contain: they end components themselves.
pub const ADDRESS_NAME_BREAK: &str = "省市区县路街栋幢室村镇乡，。；、：:,;|";

/// Folded characters whose positions the loader lists in [`crate::text::Text::marks`]: what
/// later passes look for (`@` handles, `|` table cells, `就是他`, role words, price numerals,
/// the sex after a name, WeChat's `wxid_`),
/// so they need not read every character.
pub fn is_mark(f: char) -> bool {
    matches!(
        f,
        '@' | '|' | '就' | '收' | '阿' | '百' | '千' | '万' | '¥' | '￥' | '男' | '女' | '_'
    )
}

/// Folded characters the loader notes in [`crate::text::Flags`] or in its position lists.
fn is_special(f: char) -> bool {
    is_mark(f)
        || matches!(
            f,
            '#' | '艾'
                | '号'
                | '栋'
                | '幢'
                | '座'
                | '室'
                | '层'
                | '楼'
                | '组'
                | '排'
                | '户'
                | '期'
                | '弄'
                | '舍'
                | '单'
                | '门'
                | '元'
                | '-'
                | '十'
        )
}

impl CharInfo {
    fn new(fold: char, class: Class, digit: Option<u8>) -> CharInfo {
        let d = digit.map_or(NO_DIGIT, u32::from);
        let mut bits = if is_special(fold) { SPECIAL } else { 0 };
        if crate::detectors::address::starts_suffix(fold) {
            bits |= SUFFIX_START;
        }
        // Every breaking character is in the BMP: an emoji (the scan builds entries for code
        // points above the BMP as it meets them, see `CharTable::astral`) skips the search.
        if (fold as u32) < 0x10000 && ADDRESS_NAME_BREAK.contains(fold) {
            bits |= NAME_BREAK;
        }
        CharInfo(fold as u32 | (class as u32) << 21 | d << 25 | bits)
    }

    /// An emoji standing for the character `fold` (see [`STANDS_FOR`]).
    fn stands_for(fold: char) -> CharInfo {
        CharInfo(CharInfo::new(fold, Class::Other, None).0 | STANDS_FOR << 21)
    }

    /// Whether this is an emoji standing for a character ([`STANDS_FOR`]): an emoji to
    /// [`CharInfo::class`], its character in the skeleton.
    #[cfg(test)]
    pub fn stands_for_char(self) -> bool {
        self.0 >> 21 & 0xF == STANDS_FOR
    }

    /// Whether an address suffix may start here (a bit test instead of a string search).
    #[inline]
    pub fn may_start_suffix(self) -> bool {
        self.0 & SUFFIX_START != 0
    }

    /// Whether this character ends an address component's name.
    #[inline]
    pub fn breaks_address_name(self) -> bool {
        self.0 & NAME_BREAK != 0
    }

    /// No digit value and no loader flag ([`CharInfo::is_special`]): the loader needs only its
    /// class and folded form.
    #[inline]
    pub const fn is_plain(self) -> bool {
        self.0 & (SPECIAL | 0xF << 25) == NO_DIGIT << 25
    }

    /// Whether the loader must look at this character for its flags (rare characters).
    #[inline]
    pub fn is_special(self) -> bool {
        self.0 & SPECIAL != 0
    }

    /// The folded code point as a number: [`CharInfo::fold`] without the validity check, for
    /// scans that compare it with a few ASCII characters.
    #[inline]
    pub fn fold_code(self) -> u32 {
        self.0 & 0x1F_FFFF
    }

    /// [`CharInfo::fold_code`] with the bits of `low` set, for `low` below bit 21 (its higher
    /// bits are dropped): one `or` and one mask, for the loader, which lower-cases letters by
    /// setting bit 5 of their fold with a value whose high bits say other things.
    #[inline]
    pub fn fold_code_or(self, low: u32) -> u32 {
        (self.0 | low) & 0x1F_FFFF
    }

    #[inline]
    pub fn fold(self) -> char {
        // SAFETY: every `CharInfo` is made by `CharInfo::new`, whose low 21 bits are a `char`
        // (`fold as u32`): always a valid scalar value. The checked conversion was 2.6 % of a
        // scan's instructions: the detectors read folds of most characters, several times.
        unsafe { char::from_u32_unchecked(self.0 & 0x1F_FFFF) }
    }

    #[inline]
    pub fn class(self) -> Class {
        // A table of all 16 values of the field: one load, where the `match` compiled to a
        // range test and adjustments on every call (the detectors ask for classes of most
        // characters, several times).
        const CLASSES: [Class; 16] = {
            use Class::*;
            [
                Other, Cjk, Letter, Digit, Space, Newline, Sep, Invisible, Emoji, KeySymbol, Emoji,
                Other, Other, Other, Other, Other,
            ]
        };
        CLASSES[(self.0 >> 21 & 0xF) as usize]
    }

    /// The entry's bits above its folded form (class, digit value, flags) as a number below
    /// [`CharInfo::KINDS`]: for the loader, which looks up what it does with a character in a
    /// table indexed by it ([`CharInfo::kind_parts`] says what each number stands for).
    #[inline]
    pub fn kind_code(self) -> usize {
        (self.0 >> 21) as usize
    }

    /// How many [`CharInfo::kind_code`]s there are.
    pub const KINDS: usize = 1 << 11;

    /// The class field (the discriminant of [`CharInfo::class`]; code 10 is an emoji standing
    /// for a character, read as [`Class::Emoji`], and the unused codes 11 to 15 stand for
    /// [`Class::Other`]) and [`CharInfo::is_plain`] of the entries whose
    /// [`CharInfo::kind_code`] is `k`.
    pub const fn kind_parts(k: usize) -> (u32, bool) {
        let e = CharInfo((k as u32) << 21);
        (e.0 >> 21 & 0xF, e.is_plain())
    }

    /// The digit this code point stands for (`3`, `３`, `③`, `三`, `叁`, `幺`).
    #[inline]
    pub fn digit(self) -> Option<u8> {
        let d = (self.0 >> 25) & 0xF;
        (d != NO_DIGIT).then_some(d as u8)
    }

    /// For entries combined with `&` (`a & b & …`): true when none of them is [`Class::Cjk`].
    /// Its class code (1) is the only one with bit 0 set and bit 1 clear, and bit 1 is set in
    /// `Digit` (3): a block of ASCII or full-width digits answers in one test, where a count
    /// of the numerals among them took five instructions a digit. False says nothing sure
    /// (an `Other` entry clears the bit too): count then.
    #[inline]
    pub fn and_holds_no_cjk(self) -> bool {
        self.0 & 1 << 22 != 0
    }

    /// True for Chinese numerals used as digits, which count only in long runs.
    #[inline]
    pub fn is_cjk_digit(self) -> bool {
        self.class() == Class::Cjk && self.digit().is_some()
    }

    /// Characters skipped when reading a keyword or a number: separators, emoji, invisibles.
    #[inline]
    pub fn is_gap(self) -> bool {
        matches!(
            self.class(),
            Class::Space | Class::Sep | Class::Invisible | Class::Emoji | Class::Newline
        )
    }
}

/// The bits both entries have: only for [`CharInfo::and_holds_no_cjk`] (the result is no
/// character's entry).
impl std::ops::BitAnd for CharInfo {
    type Output = CharInfo;
    #[inline]
    fn bitand(self, other: CharInfo) -> CharInfo {
        CharInfo(self.0 & other.0)
    }
}

/// A small fixed set of characters tested without branches on the text: `N` slots indexed by
/// a multiplicative hash of the code point (the top bits of `u * mul`), each holding the one
/// member that hashes there or `u32::MAX` (no code point). A character is a member iff its
/// slot holds it: one multiply, one load, one comparison. `mul` is chosen for the members so
/// that no two share a slot; building the set fails at compile time otherwise (after adding a
/// member, try odd multipliers until none collide, or double `N`).
pub struct CharSet<const N: usize> {
    slots: [u32; N],
    mul: u32,
}

impl<const N: usize> CharSet<N> {
    /// `N` must be a power of two.
    pub const fn new(members: &[char], mul: u32) -> Self {
        assert!(N.is_power_of_two() && N > 1);
        let mut slots = [u32::MAX; N];
        let mut k = 0;
        while k < members.len() {
            let u = members[k] as u32;
            let slot = Self::slot_of(u, mul);
            assert!(
                slots[slot] == u32::MAX || slots[slot] == u,
                "two members share a slot"
            );
            slots[slot] = u;
            k += 1;
        }
        CharSet { slots, mul }
    }

    const fn slot_of(u: u32, mul: u32) -> usize {
        (u.wrapping_mul(mul) >> (32 - N.trailing_zeros())) as usize
    }

    #[inline]
    pub fn contains_code(&self, u: u32) -> bool {
        self.slots[Self::slot_of(u, self.mul)] == u
    }

    #[inline]
    pub fn contains(&self, c: char) -> bool {
        self.contains_code(c as u32)
    }
}

/// A set of characters as 64 bits, one per hash of a character: `may_contain` is one multiply,
/// a shift and a bit test, and false only for characters not in the set. It turns away the
/// characters of prose before a word list is compared word by word (the names' title lists
/// were compared with every name read, about 400 instructions each).
#[derive(Clone, Copy)]
pub struct CharBloom(u64);

impl CharBloom {
    const fn bit(c: char) -> u64 {
        1 << ((c as u32).wrapping_mul(0x9E37_79B1) >> 26)
    }

    /// The first (`last` false) or last characters of the words of `lens` characters.
    pub const fn of(words: &[&[char]], last: bool, lens: std::ops::RangeInclusive<usize>) -> Self {
        let mut bits = 0;
        let mut k = 0;
        while k < words.len() {
            let w = words[k];
            if w.len() >= *lens.start() && w.len() <= *lens.end() {
                bits |= Self::bit(if last { w[w.len() - 1] } else { w[0] });
            }
            k += 1;
        }
        CharBloom(bits)
    }

    pub const fn with(self, other: CharBloom) -> Self {
        CharBloom(self.0 | other.0)
    }

    #[inline]
    pub fn may_contain(self, c: char) -> bool {
        self.0 & Self::bit(c) != 0
    }
}

/// The folding table. Built once; cheap to share behind an `Arc`.
pub struct CharTable {
    /// One entry per BMP code point. A fixed-size array: an index below 0x10000 needs no
    /// bounds check against a length kept in memory.
    bmp: Box<[CharInfo; 0x10000]>,
    /// Code points outside the BMP that the fold map names (traditional characters of the
    /// supplementary planes, emoji that stand for a character), sorted by code point.
    astral_folds: Vec<(char, CharInfo)>,
    /// The entries of the emoji blocks (`EMOJI`), where nearly all code points above the BMP
    /// in posts lie, computed at start-up by [`CharTable::classify_astral`]: that search (a
    /// binary search of `astral_folds`, then range tests) cost about 250 instructions an
    /// emoji, 1 M a pass of the dev corpus.
    emoji: Vec<CharInfo>,
}

/// The emoji blocks: Mahjong tiles to Symbols and Pictographs Extended-A.
const EMOJI: std::ops::Range<u32> = 0x1F000..0x1FB00;

fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}' | '\u{00AD}'
        | '\u{FE00}'..='\u{FE0F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}'
        // The blank Braille cell, a blank that platforms do not trim.
        | '\u{2800}'
        | '\u{E0000}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}' | '\u{1F3FB}'..='\u{1F3FF}')
}

fn cjk_digit(c: char) -> Option<u8> {
    Some(match c {
        '零' | '〇' | '洞' | '○' => 0,
        '一' | '壹' | '幺' | '弌' => 1,
        '二' | '贰' | '两' | '弍' => 2,
        // `參` (traditional) folds to `参`, the formal 3 of traditional-script amounts (`貳參`).
        '三' | '叁' | '弎' | '参' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' | '拐' => 7,
        '八' | '捌' => 8,
        '九' | '玖' | '勾' => 9,
        _ => return None,
    })
}

/// Digit forms NFKC leaves alone (or expands to several code points).
fn special_digit(c: char) -> Option<u8> {
    let u = c as u32;
    let d = match u {
        0x2474..=0x247C => u - 0x2474 + 1, // ⑴
        0x2488..=0x2490 => u - 0x2488 + 1, // ⒈
        0x24F5..=0x24FD => u - 0x24F5 + 1, // ⓵
        0x2776..=0x277E => u - 0x2776 + 1, // ❶
        0x2780..=0x2788 => u - 0x2780 + 1, // ➀
        0x278A..=0x2792 => u - 0x278A + 1, // ➊
        0x3220..=0x3228 => u - 0x3220 + 1, // ㈠
        0x3280..=0x3288 => u - 0x3280 + 1, // ㊀
        0x24EA | 0x24FF | 0x1F10B | 0x1F10C => 0,
        0x1D7CE..=0x1D7FF => (u - 0x1D7CE) % 10,
        // The decimal digits of other scripts, a reader still reads them as digits: Arabic-Indic
        // and its extended (Persian, Uyghur) form, Devanagari, Thai, Tibetan, Mongolian.
        0x0660..=0x0669 => u - 0x0660,
        0x06F0..=0x06F9 => u - 0x06F0,
        0x0966..=0x096F => u - 0x0966,
        0x0E50..=0x0E59 => u - 0x0E50,
        0x0F20..=0x0F29 => u - 0x0F20,
        0x1810..=0x1819 => u - 0x1810,
        0x1F100..=0x1F10A => (u - 0x1F100).saturating_sub(1) % 10,
        _ => return None,
    };
    Some(d as u8)
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

fn is_emoji_like(c: char) -> bool {
    matches!(c, '\u{2190}'..='\u{21FF}' | '\u{2300}'..='\u{23FF}' | '\u{2460}'..='\u{24FF}'
        | '\u{25A0}'..='\u{27BF}' | '\u{2900}'..='\u{297F}' | '\u{2B00}'..='\u{2BFF}'
        | '\u{3200}'..='\u{32FF}' | '\u{1F000}'..='\u{1FAFF}' | '\u{2122}' | '\u{2139}'
        | '\u{203C}' | '\u{2049}' | '\u{20E3}')
}

fn is_sep(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c, '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{3001}'..='\u{3003}'
            | '\u{3008}'..='\u{3020}' | '\u{30FB}' | '\u{00B7}' | '\u{00D7}' | '\u{00A1}'..='\u{00BF}'
            | '丶' | '\u{FF5E}' | '\u{FE30}'..='\u{FE6F}' | '\u{2E80}'..='\u{2E99}'
            // Box-drawing lines (`开─盒`, `户═籍`), the wavy dash `〰` and the katakana
            // prolonged sound mark `ー`, written as dashes.
            | '\u{2500}'..='\u{257F}' | '\u{3030}' | '\u{30FC}')
}

/// Folds one code point: NFKC when it yields a single code point, then traditional →
/// simplified, then Latin diacritics stripped (pinyin `hé` → `he`).
fn fold_one(c: char, t2s: &HashMap<char, char>) -> char {
    let mut it = std::iter::once(c).nfkc();
    let f = match (it.next(), it.next()) {
        (Some(a), None) => a,
        _ => c,
    };
    let f = t2s.get(&f).copied().unwrap_or(f);
    if matches!(f, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') {
        if let Some(base) = std::iter::once(f).nfd().next() {
            if base.is_ascii_alphabetic() {
                return base;
            }
        }
        if matches!(f, 'ü' | 'ǖ' | 'ǘ' | 'ǚ' | 'ǜ') {
            return 'v';
        }
    }
    f
}

fn classify(c: char, t2s: &HashMap<char, char>) -> CharInfo {
    if is_invisible(c) {
        return CharInfo::new(c, Class::Invisible, None);
    }
    if let Some(d) = special_digit(c) {
        return CharInfo::new((b'0' + d) as char, Class::Digit, Some(d));
    }
    if matches!(c, '\u{2708}' | '\u{1F6E9}' | '\u{1F6EB}' | '\u{1F6EC}') {
        return CharInfo::new(c, Class::KeySymbol, None);
    }
    if c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}' {
        return CharInfo::new('\n', Class::Newline, None);
    }
    let f = fold_one(c, t2s);
    if f != c && is_han(f) && (is_emoji_like(c) || EMOJI.contains(&(c as u32))) {
        return CharInfo::stands_for(f);
    }
    if let Some(d) = f.to_digit(10).filter(|_| f.is_ascii_digit()) {
        return CharInfo::new(f, Class::Digit, Some(d as u8));
    }
    if f.is_ascii_alphabetic() {
        return CharInfo::new(f, Class::Letter, None);
    }
    if let Some(d) = cjk_digit(f) {
        return CharInfo::new(f, Class::Cjk, Some(d));
    }
    if f.is_whitespace() {
        return CharInfo::new(' ', Class::Space, None);
    }
    // `丶` is written as a dot, `丨` (a stroke) as a bar, and `杠` ("dash") is read out as
    // one: `138杠0013杠8000`.
    if f == '丶' || f == '丨' || f == '杠' || is_sep(f) {
        return CharInfo::new(f, Class::Sep, None);
    }
    if is_han(f) {
        return CharInfo::new(f, Class::Cjk, None);
    }
    if is_emoji_like(f) {
        return CharInfo::new(f, Class::Emoji, None);
    }
    CharInfo::new(f, Class::Other, None)
}

impl CharTable {
    pub fn new(t2s: &HashMap<char, char>) -> CharTable {
        let bmp: Vec<CharInfo> = (0u32..0x10000)
            .map(|u| match char::from_u32(u) {
                Some(c) => classify(c, t2s),
                None => CharInfo::new('\u{FFFD}', Class::Other, None),
            })
            .collect();
        let bmp = bmp
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("0x10000 entries"));
        let mut astral_folds: Vec<(char, CharInfo)> = t2s
            .keys()
            .filter(|&&c| c as u32 >= 0x10000)
            .map(|&c| (c, classify(c, t2s)))
            .collect();
        astral_folds.sort_unstable_by_key(|&(c, _)| c);
        let mut table = CharTable {
            bmp,
            astral_folds,
            emoji: Vec::new(),
        };
        table.emoji = EMOJI
            .filter_map(char::from_u32)
            .map(|c| table.classify_astral(c))
            .collect();
        table
    }

    #[inline]
    pub fn info(&self, c: char) -> CharInfo {
        let u = c as u32;
        if u < 0x10000 {
            self.bmp[u as usize]
        } else {
            self.astral(c)
        }
    }

    /// The entry of a BMP code point, by its number: for the loader, which decodes UTF-8
    /// itself and so knows a sequence's range from its length.
    #[inline]
    pub fn bmp_info(&self, u: u16) -> CharInfo {
        self.bmp[usize::from(u)]
    }

    /// The entry of a code point above the BMP if it lies in the emoji blocks, where nearly
    /// all of them in posts do: one bounds test and a load, no call, for the loader's loop.
    #[inline]
    pub fn emoji_info(&self, u: u32) -> Option<CharInfo> {
        self.emoji
            .get(u.wrapping_sub(EMOJI.start) as usize)
            .copied()
    }

    #[cold]
    fn astral(&self, c: char) -> CharInfo {
        match self
            .emoji
            .get((c as u32).wrapping_sub(EMOJI.start) as usize)
        {
            Some(&info) => info,
            None => self.classify_astral(c),
        }
    }

    /// The entry of a code point above the BMP.
    fn classify_astral(&self, c: char) -> CharInfo {
        if let Ok(k) = self.astral_folds.binary_search_by_key(&c, |&(a, _)| a) {
            return self.astral_folds[k].1;
        }
        if is_invisible(c) {
            return CharInfo::new(c, Class::Invisible, None);
        }
        if let Some(d) = special_digit(c) {
            return CharInfo::new((b'0' + d) as char, Class::Digit, Some(d));
        }
        if matches!(c, '\u{1F6E9}' | '\u{1F6EB}' | '\u{1F6EC}') {
            return CharInfo::new(c, Class::KeySymbol, None);
        }
        // The mouse is the `@` (`小老鼠`, "little mouse", is its everyday name):
        // `wjg🐭163.com`.
        if matches!(c, '\u{1F42D}' | '\u{1F401}') {
            return CharInfo::new('@', Class::Other, None);
        }
        if matches!(c, '\u{1D400}'..='\u{1D7CB}') {
            let mut it = std::iter::once(c).nfkc();
            if let (Some(a), None) = (it.next(), it.next()) {
                if a.is_ascii_alphabetic() {
                    return CharInfo::new(a, Class::Letter, None);
                }
            }
        }
        if is_han(c) {
            return CharInfo::new(c, Class::Cjk, None);
        }
        if is_emoji_like(c) {
            return CharInfo::new(c, Class::Emoji, None);
        }
        CharInfo::new(c, Class::Other, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hashed set holds exactly its members among all code points (the name detector's stop
    /// characters as the example; every set is built by the same constructor).
    #[test]
    fn char_set_holds_exactly_its_members() {
        const STOP: &str =
            "的是收在阿和与就这那家住电手微身号码邮地他她们了也都被已叫名姓说去给很从到啊呀吗呢吧，。";
        let members: Vec<char> = STOP.chars().collect();
        let set = CharSet::<128>::new(&members, 0x0024_4781);
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(set.contains(c), STOP.contains(c), "{c:?}");
        }
    }

    /// The precomputed emoji entries are those the search gives.
    /// Every `Cjk` entry clears the bit `and_holds_no_cjk` reads, so no `&` of entries that
    /// holds one says it holds none; a block of ASCII digits says it.
    #[test]
    fn an_and_with_a_numeral_holds_cjk() {
        let t = CharTable::new(&crate::testutil::dicts().t2s);
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let e = t.info(c);
            if e.class() == Class::Cjk {
                assert!(!e.and_holds_no_cjk(), "{c:?}");
                assert!(
                    !(t.info('7') & e & t.info('３')).and_holds_no_cjk(),
                    "{c:?}"
                );
            }
        }
        let ascii = "0123456789".chars().map(|c| t.info(c)).reduce(|a, b| a & b);
        assert!(ascii.is_some_and(CharInfo::and_holds_no_cjk));
    }

    #[test]
    fn emoji_entries_as_classified() {
        let t = CharTable::new(&crate::testutil::dicts().t2s);
        for c in (0x1EF00..0x1FC00).filter_map(char::from_u32) {
            assert_eq!(t.info(c), t.classify_astral(c), "{c:?}");
        }
    }

    fn table() -> CharTable {
        let t2s: HashMap<char, char> = [('開', '开'), ('機', '机'), ('陸', '陆'), ('兩', '两')]
            .into_iter()
            .collect();
        CharTable::new(&t2s)
    }

    #[test]
    fn folds_and_classifies() {
        let t = table();
        let cases: &[(char, char, Class, Option<u8>)] = &[
            ('７', '7', Class::Digit, Some(7)),
            ('⑦', '7', Class::Digit, Some(7)),
            ('❼', '7', Class::Digit, Some(7)),
            ('𝟕', '7', Class::Digit, Some(7)),
            ('柒', '柒', Class::Cjk, Some(7)),
            ('陸', '陆', Class::Cjk, Some(6)),
            ('兩', '两', Class::Cjk, Some(2)),
            ('幺', '幺', Class::Cjk, Some(1)),
            ('〇', '〇', Class::Cjk, Some(0)),
            ('開', '开', Class::Cjk, None),
            ('Ｋ', 'K', Class::Letter, None),
            ('é', 'e', Class::Letter, None),
            ('\u{200B}', '\u{200B}', Class::Invisible, None),
            ('\u{FE0F}', '\u{FE0F}', Class::Invisible, None),
            ('\u{3000}', ' ', Class::Space, None),
            ('丶', '丶', Class::Sep, None),
            ('、', '、', Class::Sep, None),
            ('－', '-', Class::Sep, None),
            ('丨', '丨', Class::Sep, None),
            ('─', '─', Class::Sep, None),
            ('═', '═', Class::Sep, None),
            ('〰', '〰', Class::Sep, None),
            ('ー', 'ー', Class::Sep, None),
            ('\u{2800}', '\u{2800}', Class::Invisible, None),
            ('🔥', '🔥', Class::Emoji, None),
            ('⭐', '⭐', Class::Emoji, None),
            ('✈', '✈', Class::KeySymbol, None),
            ('\n', '\n', Class::Newline, None),
        ];
        for &(c, fold, class, digit) in cases {
            let i = t.info(c);
            assert_eq!(
                (i.fold(), i.class(), i.digit()),
                (fold, class, digit),
                "{c:?}"
            );
        }
    }
}
