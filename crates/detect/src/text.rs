//! The analysed post: original code points, their folded forms, and the *skeleton* view the
//! keyword automaton runs on.
//!
//! The skeleton is the folded text with every gap character (space, separator punctuation,
//! emoji, zero-width and format characters) removed and ASCII lower-cased: `開 ‍盒`, `开丶盒`
//! and `开🔥盒` all read `开盒` there. `skel_pos[k]` gives, for each skeleton character, the index
//! of the original code point it came from, so a match maps back to original offsets exactly.
//!
//! The skeleton is kept as `char`s, not UTF-8: one write and one position per character (a Han
//! character took three bytes and three positions), and the term searches read characters
//! without decoding.

use crate::chars::{self, CharInfo, CharTable, Class};
use crate::terms::Triggers;
use std::mem::MaybeUninit;

/// Reusable buffers for one post; keep one per worker thread to avoid allocation per post.
#[derive(Default)]
pub struct Text {
    pub chars: Vec<char>,
    pub info: Vec<CharInfo>,
    /// The skeleton's characters.
    pub skel: Vec<char>,
    /// Per skeleton character, the index of the original code point it came from.
    pub skel_pos: Vec<u32>,
    /// Cheap facts gathered while loading, used to skip detectors that cannot match.
    pub flags: Flags,
    /// Code points right after a number that may end an address component.
    pub address_marks: Vec<u32>,
    /// Skeleton indices where a lexicon term may start, ascending: every skeleton character
    /// after [`Text::load`], only those the [`Triggers`] allow after [`Text::load_with`].
    pub lex_starts: Vec<u32>,
    /// Code points that are digit forms (`info.digit()` is some), ascending.
    pub digit_pos: Vec<u32>,
    /// Code points whose folded form is a [`chars::is_mark`] character, ascending.
    pub marks: Vec<u32>,
    /// The loader's scratch: code points whose table entry is not plain, ascending.
    rare: Vec<u32>,
}

#[derive(Default, Clone, Copy, Debug)]
pub struct Flags {
    /// A digit form (ASCII, full-width, circled, Chinese numeral).
    pub digit: bool,
    /// An ASCII letter, `@`, `#` or `艾`: e-mails, links, handles are possible.
    pub contact: bool,
    /// A digit followed by a character that ends a house number, building or room (号 栋 室 …)
    /// or by a dash (`15-4-1304`).
    pub address_suffix: bool,
    /// `收` or `阿`: role words after a name.
    pub role: bool,
    /// A `|`: table cells are possible.
    pub bar: bool,
}

/// What the loader notes besides the views: flags and the positions of digits and marks.
struct Notes {
    flags: Flags,
    /// The last skeleton character was a digit form, `十` or `百`.
    prev_digit: bool,
    digit_pos: Vec<u32>,
    marks: Vec<u32>,
    address_marks: Vec<u32>,
}

impl Notes {
    /// Notes a character with a flag (marks, address suffixes) or a Chinese numeral at code
    /// point `i` (plain digits are noted by the caller), after the skeleton is written.
    fn special(&mut self, i: usize, info: CharInfo) {
        let flags = &mut self.flags;
        let class = info.class();
        let is_digit = info.digit().is_some();
        flags.digit |= is_digit;
        if is_digit {
            self.digit_pos.push(i as u32);
        }
        let f = info.fold();
        if info.is_special() {
            let mark = chars::is_mark(f);
            if mark {
                self.marks.push(i as u32);
            }
            match f {
                '@' | '#' | '艾' => flags.contact = true,
                '收' | '阿' => flags.role = true,
                '|' => flags.bar = true,
                '十' => {}
                _ if self.prev_digit && !mark => {
                    flags.address_suffix = true;
                    self.address_marks.push(i as u32);
                }
                _ => {}
            }
        }
        match class {
            Class::Cjk | Class::Digit | Class::KeySymbol | Class::Other | Class::Letter => {
                self.prev_digit = is_digit || matches!(f, '十' | '百');
            }
            Class::Invisible => {}
            _ => self.prev_digit = false,
        }
    }
}

/// Per kind code ([`CharInfo::kind_code`]: class, digit value and flags), what the loader does
/// with a character: [`KEEP`] if it is in the skeleton (not a gap; class code 10, an emoji
/// standing for a character, is kept, and so are the unused codes 11 to 15, read as
/// [`Class::Other`]), [`RARE`] if the notes look at it (not
/// [`CharInfo::is_plain`]), [`LOWER`] for letters. One load and no comparison for the three
/// (8 KB, of which a text touches a few lines): with the skeleton bit from a table of 16
/// classes, a comparison for letters and the plain test by mask and comparison, the loop took
/// 26 instructions a character and kept a pointer on the stack; 19 with a table of bytes (a
/// pass 158.04 -> 153.73 M instructions, the loader alone 3.58-3.78 -> 3.30-3.43 ms).
///
/// Entries of 32 bits, [`KEEP`] and [`RARE`] above the fold's 21 bits: the skeleton form is the
/// entry or-ed into the fold and masked ([`CharInfo::fold_code_or`]), and each count is a bit
/// test and an add with carry. With bytes (`KEEP` bit 0), each use needed a copy and a mask of
/// its own: the decoder's Han path 39 -> 35 instructions a character (a pass 145.10 -> 142.85 M).
const KIND_BITS: [u32; CharInfo::KINDS] = {
    let mut t = [0; CharInfo::KINDS];
    let mut k = 0;
    while k < CharInfo::KINDS {
        let (class, plain) = CharInfo::kind_parts(k);
        let gap = class == Class::Space as u32
            || class == Class::Newline as u32
            || class == Class::Sep as u32
            || class == Class::Invisible as u32
            || class == Class::Emoji as u32;
        if !gap {
            t[k] |= KEEP;
        }
        if !plain {
            t[k] |= RARE;
        }
        if class == Class::Letter as u32 {
            t[k] |= LOWER;
        }
        k += 1;
    }
    t
};

/// The bits of [`KIND_BITS`]: in the skeleton; listed for the notes; a letter (the bit that,
/// set in an ASCII letter, lower-cases it).
const KEEP_BIT: u32 = 24;
const RARE_BIT: u32 = 25;
const KEEP: u32 = 1 << KEEP_BIT;
const RARE: u32 = 1 << RARE_BIT;
const LOWER: u32 = 0x20;

/// Notes in `starts` the skeleton indices where a lexicon term may start: all of them without
/// `triggers`. A loop of its own over the finished skeleton (tested while the skeleton was
/// written, the notes took registers the loader's other state needed), and without branches on
/// the text: every index is written and the output advances by the test's result. About 37 % of
/// the characters of the dev corpus start some longer term, so a branch on that bit was
/// mispredicted often: testing every pair costs 3 M more instructions per pass but saves 0.2 M
/// simulated mispredictions and 5-7 % of a scan's wall time. Where the CPU has AVX2, eight
/// pairs a round ([`pair_starts_avx2`]): 8.02 -> 3.11 M instructions a pass of the dev corpus.
fn note_starts(skel: &[char], triggers: Option<&Triggers>, starts: &mut Vec<u32>) {
    starts.clear();
    let Some(tr) = triggers else {
        starts.extend(0..skel.len() as u32);
        return;
    };
    let Some((&last, _)) = skel.split_last() else {
        return;
    };
    // Written by index into the spare capacity, as the loader's views.
    starts.reserve(skel.len());
    let w = &mut starts.spare_capacity_mut()[..skel.len()];
    #[cfg(target_arch = "x86_64")]
    let m = if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (tested just above).
        unsafe { pair_starts_avx2(tr, skel, w) }
    } else if std::arch::is_x86_feature_detected!("bmi2") {
        // SAFETY: the CPU has BMI2 (tested just above).
        unsafe { pair_starts_bmi2(tr, skel, w) }
    } else {
        pair_starts(tr, skel, w)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let m = pair_starts(tr, skel, w);
    // SAFETY: every index writes `w[m]` before it counts `m`: the first `m` are initialized.
    unsafe { starts.set_len(m) };
    if tr.alone(last) {
        starts.push(skel.len() as u32 - 1);
    }
}

/// Writes to `w` the indices `k` of `skel` but the last where [`Triggers::start`] of the
/// character and the next is 1, in order; returns how many.
#[inline(always)]
fn pair_starts(tr: &Triggers, skel: &[char], w: &mut [MaybeUninit<u32>]) -> usize {
    assert!(w.len() >= skel.len());
    let mut m = 0;
    // Two characters a round, from windows of three: 23 instructions a character instead of
    // 26, one loop's counters and moves for two (a pass 152.69 -> 150.85 M instructions, the
    // loader with triggers 3.93-4.06 -> 3.89-3.95 ms).
    let mut k = 0;
    for p in skel.windows(3).step_by(2) {
        // SAFETY: `m` counts at most one per index before the one written (`k`, `k + 1`), so
        // it is at most that index, and `k + 1 < skel.len()` (`p` is `skel[k..k + 3]`):
        // within `w`.
        unsafe { w.get_unchecked_mut(m).write(k as u32) };
        m += tr.start(p[0], p[1]);
        unsafe { w.get_unchecked_mut(m).write(k as u32 + 1) };
        m += tr.start(p[1], p[2]);
        k += 2;
    }
    if k + 1 < skel.len() {
        // SAFETY: as above.
        unsafe { w.get_unchecked_mut(m).write(k as u32) };
        m += tr.start(skel[k], skel[k + 1]);
    }
    m
}

/// [`pair_starts`] compiled for CPUs with BMI2: its shifts by a register (the trigger bits of
/// a character and of a pair) are `shrx`, which takes the count from any register, where the
/// baseline `shr` needs it in `cl`: 18 instructions a character instead of 20 (a pass
/// 142.36 -> 141.05 M instructions).
///
/// # Safety
///
/// The CPU must have BMI2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2")]
unsafe fn pair_starts_bmi2(tr: &Triggers, skel: &[char], w: &mut [MaybeUninit<u32>]) -> usize {
    pair_starts(tr, skel, w)
}

/// [`pair_starts`] eight characters a round where the CPU has AVX2: the eight pairs' bits by
/// [`Triggers::start8`], and the indices of those set written at once (a table of their lanes
/// by the bits, widened and offset), then the output advanced by their count.
///
/// # Safety
///
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn pair_starts_avx2(tr: &Triggers, skel: &[char], w: &mut [MaybeUninit<u32>]) -> usize {
    use std::arch::x86_64::*;
    assert!(w.len() >= skel.len());
    let n = skel.len();
    let (mut k, mut m) = (0, 0);
    let at = skel.as_ptr().cast::<u32>();
    while k + 9 <= n {
        // SAFETY: `k + 9 <= n`: the eight characters from `k` and from `k + 1` are in `skel`
        // (a `char` is a `u32`); `m <= k` (at most one per index before `k`), so the eight
        // lanes written from `m` end at `k + 8 < n <= w.len()`; the CPU has AVX2.
        let bits = unsafe {
            let a = _mm256_loadu_si256(at.add(k).cast());
            let b = _mm256_loadu_si256(at.add(k + 1).cast());
            let bits = tr.start8(a, b);
            let lanes = _mm_cvtsi64_si128(START_LANES[bits as usize] as i64);
            let idx = _mm256_add_epi32(_mm256_cvtepu8_epi32(lanes), _mm256_set1_epi32(k as i32));
            _mm256_storeu_si256(w.as_mut_ptr().add(m).cast(), idx);
            bits
        };
        m += bits.count_ones() as usize;
        k += 8;
    }
    while k + 1 < n {
        // SAFETY: `m <= k < n <= w.len()`, as in `pair_starts`.
        unsafe { w.get_unchecked_mut(m).write(k as u32) };
        m += tr.start(skel[k], skel[k + 1]);
        k += 1;
    }
    m
}

/// For each byte of eight bits, the positions of its set bits in ascending order, one byte
/// each from the low byte up: the lanes [`pair_starts_avx2`] keeps.
#[cfg(target_arch = "x86_64")]
static START_LANES: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut bits = 0;
    while bits < 256 {
        let (mut lane, mut n) = (0, 0);
        while lane < 8 {
            if bits >> lane & 1 == 1 {
                t[bits] |= (lane as u64) << (8 * n);
                n += 1;
            }
            lane += 1;
        }
        bits += 1;
    }
    t
};

/// The skeleton and the list of rare characters as the loader writes them: by index into the
/// vectors' spare capacity, given their lengths after the loop (pushes kept every vector's
/// length and capacity on the stack, a load, a compare and a store per vector and character).
struct Views<'a> {
    skel: &'a mut [MaybeUninit<char>],
    pos: &'a mut [MaybeUninit<u32>],
    /// Code points whose entry is not [`CharInfo::is_plain`]: digit forms and flagged
    /// characters, noted after the loop.
    rare: &'a mut [MaybeUninit<u32>],
    /// Elements of `skel` and `pos` written, of `rare`.
    k: usize,
    r: usize,
    /// [`LOWER`] set if some character is a letter.
    contact: u32,
}

impl Views<'_> {
    /// Adds code point `i` (called for `0, 1, 2…`, fewer than the slices' length) without a
    /// branch on its kind: its skeleton form is its fold, lower-cased for a letter (digit forms
    /// fold to ASCII digits already), written at `k` and counted only if its class is kept;
    /// `i` is written to `rare` and counted only if the notes need it. In mixed text Han
    /// characters, digits and others alternate too irregularly for a branch on the class to be
    /// predicted; the slow path's call in the loop had made the loop's state stack slots.
    #[inline(always)]
    fn push(&mut self, i: usize, info: CharInfo) {
        let bits = KIND_BITS[info.kind_code()];
        self.contact |= bits;
        // Only letters fold to ASCII letters: setting bit 5 of a letter's fold lower-cases it.
        let f = info.fold_code_or(bits);
        debug_assert!(self.k <= i && self.r <= i && i < self.skel.len().min(self.rare.len()));
        // SAFETY: `f` is a folded form (`CharInfo::fold_code`, a `char`) or an ASCII letter's
        // fold with bit 5 set, its lower-case form. `k` and `r` count at most one per call, so
        // both are at most `i`, within the slices (which `pos` shares with `skel`).
        unsafe {
            self.skel
                .get_unchecked_mut(self.k)
                .write(char::from_u32_unchecked(f));
            self.pos.get_unchecked_mut(self.k).write(i as u32);
            self.rare.get_unchecked_mut(self.r).write(i as u32);
        }
        self.k += (bits >> KEEP_BIT & 1) as usize;
        self.r += (bits >> RARE_BIT & 1) as usize;
    }
}

/// Decodes `text` into `chars_w`, looks every code point up in `table` into `info_w` and adds
/// it to `views`; returns the number of code points (the first `len` elements of both are
/// initialized) and whether some code point above the BMP lies outside the emoji blocks.
///
/// UTF-8 decoded here rather than by `str::chars`: the text is valid UTF-8, so the lead byte
/// alone says how long a sequence is, and only a four-byte sequence lies above the BMP. The
/// loop makes no call, so its state stays in registers: a code point above the BMP outside the
/// emoji blocks (a rare Han character, a mathematical digit; 43 of the dev corpus's 8,000
/// posts) gets a BMP entry here, and the caller corrects the entries and the views after the
/// loop, only in texts that have one.
///
/// One loop for the decoder and the views, in a function of its own (not inlined, so that the
/// loader's other state does not take its registers; one call a post). As two loops, the views
/// reading the entries back, the second kept its input pointer on the stack and reloaded it
/// twice a character, and each loop paid its own counter and test: a pass 147.20 -> 145.10 M
/// instructions.
#[inline(never)]
fn decode(
    table: &CharTable,
    text: &str,
    chars_w: &mut [MaybeUninit<char>],
    info_w: &mut [MaybeUninit<CharInfo>],
    views: &mut Views,
) -> (usize, bool) {
    let bytes = text.as_bytes();
    assert!(chars_w.len() >= bytes.len() && info_w.len() >= bytes.len());
    assert!(views.skel.len() >= bytes.len() && views.rare.len() >= bytes.len());
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("movbe") {
        // SAFETY: the CPU has BMI2 and MOVBE (tested just above), and the slices have room for
        // one element a byte (asserted above).
        return unsafe { decode_bmi2(table, bytes, chars_w, info_w, views) };
    }
    // Byte by byte on other CPUs.
    let (mut p, mut len, mut astral) = (0, 0, false);
    while p < bytes.len() {
        let b0 = bytes[p];
        // SAFETY (the unchecked reads): `bytes` is valid UTF-8 and `p` is at the start of a
        // sequence, so the continuation bytes its lead byte announces are all within `bytes`.
        // Three bytes tested first: the Han block, 72 % of the corpus's characters. Their path
        // is then the loop's straight line, 18 instructions a character; 25 when ASCII was
        // tested first (a sign test more and a jump back to the stores) and the four-byte
        // sequence's checked slice kept the position in two registers, copied every time.
        // (A pass 153.73 -> 152.01 M instructions, the loader alone 3.30-3.48 -> 3.11-3.18 ms.)
        let (u, info) = if b0.wrapping_sub(0xE0) < 0x10 {
            // The lead byte's marker (0xE0) and the continuation bytes' (0x80 each) taken off
            // in one subtraction instead of a mask per byte.
            let (b1, b2) = unsafe { (*bytes.get_unchecked(p + 1), *bytes.get_unchecked(p + 2)) };
            p += 3;
            let u = (u32::from(b0) << 12) + (u32::from(b1) << 6) + u32::from(b2) - 0xE2080;
            (u, table.bmp_info(u as u16))
        } else if b0 < 0x80 {
            p += 1;
            let u = u32::from(b0);
            (u, table.bmp_info(u as u16))
        } else if b0 < 0xE0 {
            let b1 = unsafe { *bytes.get_unchecked(p + 1) };
            p += 2;
            let u = u32::from(b0 & 0x1F) << 6 | u32::from(b1 & 0x3F);
            (u, table.bmp_info(u as u16))
        } else {
            let s = unsafe { bytes.get_unchecked(p..p + 4) };
            p += 4;
            let u = u32::from(b0 & 0x07) << 18
                | u32::from(s[1] & 0x3F) << 12
                | u32::from(s[2] & 0x3F) << 6
                | u32::from(s[3] & 0x3F);
            let info = table.emoji_info(u).unwrap_or_else(|| {
                astral = true;
                table.bmp_info(u as u16)
            });
            (u, info)
        };
        // SAFETY: `u` is decoded from a complete UTF-8 sequence of a `str`: a scalar value.
        let c = unsafe { char::from_u32_unchecked(u) };
        // SAFETY: every code point takes at least one byte, so `len < p <= bytes.len()`, and
        // both slices hold at least `bytes.len()` elements (asserted in `decode`).
        unsafe {
            chars_w.get_unchecked_mut(len).write(c);
            info_w.get_unchecked_mut(len).write(info);
        }
        views.push(len, info);
        len += 1;
    }
    (len, astral)
}

/// [`decode`] for CPUs with BMI2 and MOVBE: each sequence read as one big-endian word of four
/// bytes (`movbe`), its lead byte the word's top byte, and its code point gathered from the
/// word's payload bits by one `pext`, where the byte-wise decoder loaded, shifted and added
/// each byte apart: the Han path 34 -> 32 instructions a character, the loop's input a pointer
/// instead of a base and an index, which freed the register the info slice's pointer had
/// been spilled from (a pass 135.63 -> 133.76 M instructions). The text but its last three
/// bytes is read in place; those (whose word would pass the end) from a copy padded with zeros.
///
/// Still a branch on the lead byte: length and mask from a table indexed by its top four bits,
/// without a branch, took 1.6 M instructions more a pass, and the loader 30 % more time: the
/// next position then waits on a load, a table load and an add, where the branches let the
/// CPU guess it.
///
/// # Safety
///
/// The CPU must have BMI2 and MOVBE; the slices have room for one element a byte of `bytes`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2,movbe")]
unsafe fn decode_bmi2(
    table: &CharTable,
    bytes: &[u8],
    chars_w: &mut [MaybeUninit<char>],
    info_w: &mut [MaybeUninit<CharInfo>],
    views: &mut Views,
) -> (usize, bool) {
    let n = bytes.len();
    let mut out = Decoded {
        chars_w,
        info_w,
        views,
        len: 0,
        astral: false,
    };
    let end = n.saturating_sub(3);
    // SAFETY: the CPU has BMI2 and MOVBE (the caller's contract); a word read at `p < end`
    // ends at `p + 4 <= n`; every sequence that starts before `end` ends within `bytes`.
    let p = unsafe { decode_words(table, bytes, end, &mut out) };
    let mut pad = [0; 6];
    pad[..n - p].copy_from_slice(&bytes[p..]);
    // SAFETY: as above, with `pad`: its last three bytes are beyond `n - p <= 3`.
    unsafe { decode_words(table, &pad, n - p, &mut out) };
    (out.len, out.astral)
}

/// Where [`decode_bmi2`] writes, and what it returns so far.
#[cfg(target_arch = "x86_64")]
struct Decoded<'o, 'v> {
    chars_w: &'o mut [MaybeUninit<char>],
    info_w: &'o mut [MaybeUninit<CharInfo>],
    views: &'o mut Views<'v>,
    len: usize,
    astral: bool,
}

/// Decodes the sequences of `bytes` that start before `end` into `out`, from the first;
/// returns the position after the last. Sets `out.astral` as [`decode`] says.
///
/// # Safety
///
/// The CPU must have BMI2 and MOVBE; `bytes` holds at least `end + 3` bytes (if `end` is not
/// 0), and is valid UTF-8 up to the end of the sequence that starts last before `end`; `out`'s
/// slices have room for one element a byte of that.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2,movbe")]
#[inline]
unsafe fn decode_words(table: &CharTable, bytes: &[u8], end: usize, out: &mut Decoded) -> usize {
    use std::arch::x86_64::_pext_u32;
    // The position as a pointer, compared with the end's: one register fewer than a base
    // and an index, which kept the info slice's pointer on the stack.
    let start = bytes.as_ptr();
    debug_assert!(end == 0 || end + 3 <= bytes.len());
    // SAFETY: `end <= bytes.len()`.
    let stop = unsafe { start.add(end) };
    let (mut p, mut len) = (start, out.len);
    while p < stop {
        // SAFETY: `p < stop` and `end + 3 <= bytes.len()`: four bytes from `p`. Each step
        // below moves `p` to the next sequence's start, within `bytes` (`p + 4` at most).
        let w = u32::from_be_bytes(unsafe { p.cast::<[u8; 4]>().read_unaligned() });
        // Three bytes first, as in `decode_bytes`: the lead byte's top four bits are 1110.
        let (u, info) = if w >> 28 == 0xE {
            // SAFETY: see above.
            p = unsafe { p.add(3) };
            let u = _pext_u32(w, 0x0F3F_3F00);
            (u, table.bmp_info(u as u16))
        } else if (w as i32) >= 0 {
            // SAFETY: see above.
            p = unsafe { p.add(1) };
            let u = w >> 24;
            (u, table.bmp_info(u as u16))
        } else if w < 0xE000_0000 {
            // SAFETY: see above.
            p = unsafe { p.add(2) };
            let u = _pext_u32(w, 0x1F3F_0000);
            (u, table.bmp_info(u as u16))
        } else {
            // SAFETY: see above.
            p = unsafe { p.add(4) };
            let u = _pext_u32(w, 0x073F_3F3F);
            let info = table.emoji_info(u).unwrap_or_else(|| {
                out.astral = true;
                table.bmp_info(u as u16)
            });
            (u, info)
        };
        // SAFETY: `u` is the code point of a complete UTF-8 sequence: a scalar value. Every
        // code point takes at least one byte, so `len` stays below the room the caller made.
        unsafe {
            let c = char::from_u32_unchecked(u);
            out.chars_w.get_unchecked_mut(len).write(c);
            out.info_w.get_unchecked_mut(len).write(info);
        }
        out.views.push(len, info);
        len += 1;
    }
    out.len = len;
    // SAFETY: `p` lies within `bytes`, after `start`.
    unsafe { p.offset_from_unsigned(start) }
}

impl Text {
    /// Loads `text`; every skeleton character is a possible start of a lexicon term.
    pub fn load(&mut self, table: &CharTable, text: &str) {
        self.load_inner(table, None, text);
    }

    /// Loads `text`, noting in `lex_starts` only where the lexicon's [`Triggers`] say a term
    /// may start.
    pub fn load_with(&mut self, table: &CharTable, triggers: &Triggers, text: &str) {
        self.load_inner(table, Some(triggers), text);
    }

    fn load_inner(&mut self, table: &CharTable, triggers: Option<&Triggers>, text: &str) {
        // The buffers are moved into locals for the loop: written through `self`, every
        // vector's length and capacity were reloaded from memory on each character.
        let mut chars = std::mem::take(&mut self.chars);
        let mut info_v = std::mem::take(&mut self.info);
        let mut skel = std::mem::take(&mut self.skel);
        let mut skel_pos = std::mem::take(&mut self.skel_pos);
        let mut starts = std::mem::take(&mut self.lex_starts);
        starts.clear();
        let mut notes = Notes {
            flags: Flags::default(),
            prev_digit: false,
            digit_pos: std::mem::take(&mut self.digit_pos),
            marks: std::mem::take(&mut self.marks),
            address_marks: std::mem::take(&mut self.address_marks),
        };
        for v in [
            &mut notes.digit_pos,
            &mut notes.marks,
            &mut notes.address_marks,
        ] {
            v.clear();
        }
        // The per-character vectors are written by index into their spare capacity, sized for
        // one byte a character (the most there can be), and given their lengths after the
        // loops: pushes kept every vector's length and capacity on the stack, a load, a compare
        // and a store per vector and character; filling the buffers first (`resize`) cost 2 %
        // of a scan.
        let n = text.len();
        for v in [&mut chars, &mut skel] {
            v.clear();
            v.reserve(n);
        }
        info_v.clear();
        info_v.reserve(n);
        skel_pos.clear();
        skel_pos.reserve(n);
        // Two loops, neither of which calls a function on the common path: the decoder with
        // the views (code points, their table entries, the skeleton and the list of rare
        // characters) and the notes over the rare characters. In the one loop they were
        // before, the state of both (the text, the table, five outputs and their counters, the
        // flags) did not fit the registers, and the slow path's call made every value that
        // lives across it a stack slot: the output pointers and counters were loaded from and
        // stored to the stack on every character (103 instructions a character, decoding and
        // `note_starts` included; 91 as three loops).
        let mut rare = std::mem::take(&mut self.rare);
        rare.clear();
        rare.reserve(n);
        let mut views = Views {
            skel: &mut skel.spare_capacity_mut()[..n],
            pos: &mut skel_pos.spare_capacity_mut()[..n],
            rare: &mut rare.spare_capacity_mut()[..n],
            k: 0,
            r: 0,
            contact: 0,
        };
        let (len, astral) = decode(
            table,
            text,
            &mut chars.spare_capacity_mut()[..n],
            &mut info_v.spare_capacity_mut()[..n],
            &mut views,
        );
        // SAFETY: `decode` initializes the first `len` elements of both (one per code point,
        // at most `n`).
        unsafe {
            chars.set_len(len);
            info_v.set_len(len);
        }
        if astral {
            // Code points above the BMP outside the emoji blocks: their real entries, and the
            // views again from all the entries.
            for (c, info) in chars.iter().zip(&mut info_v) {
                if *c as u32 >= 0x10000 {
                    *info = table.info(*c);
                }
            }
            (views.k, views.r, views.contact) = (0, 0, 0);
            for (i, &info) in info_v.iter().enumerate() {
                views.push(i, info);
            }
        }
        let (k, r, contact) = (views.k, views.r, views.contact & LOWER != 0);
        // SAFETY: `Views::push` writes `skel[k]`, `pos[k]` and `rare[r]` before it counts `k`
        // and `r` (by one or none): the first `k` and `r` elements are initialized, within
        // capacity.
        unsafe {
            skel.set_len(k);
            skel_pos.set_len(k);
            rare.set_len(r);
        }
        notes.flags.contact = contact;
        // The notes, in text order. Whether a number precedes the character (`prev_digit`):
        // the state the last listed character left, kept only across invisible characters and
        // one space (`南京路 189 号`; every other character between ends a number: a longer
        // gap, or a kept character that is no digit form).
        let plain_digit =
            |info: CharInfo| matches!((info.class(), info.is_special()), (Class::Digit, false));
        let mut last = 0;
        let mut k = 0;
        while k < rare.len() {
            let i = rare[k] as usize;
            let info = info_v[i];
            if plain_digit(info) {
                // Digits (ASCII, full-width, circled), most of the listed characters, in a loop
                // of their own over the next listed ones while they are digits: no call in it,
                // so its state stays in registers (around `special`'s call it lived on the stack:
                // 25 instructions a digit). Whatever lies between two digits, a digit leaves
                // `prev_digit` set. Written into the spare capacity, reserved for every listed
                // character left, and read unchecked: pushed and indexed, the list's length went
                // through memory and every index was checked, 20 instructions a digit.
                notes.flags.digit = true;
                let digit_pos = &mut notes.digit_pos;
                digit_pos.reserve(rare.len() - k);
                let spare = &mut digit_pos.spare_capacity_mut()[..rare.len() - k];
                let mut i = i;
                let mut m = 0;
                while let Some(&j) = rare.get(k) {
                    // SAFETY: `Views::push` lists code points' indices, all below `info_v`'s
                    // length.
                    if !plain_digit(unsafe { *info_v.get_unchecked(j as usize) }) {
                        break;
                    }
                    // SAFETY: `m` counts the listed characters read from the first, `k`'s
                    // when `spare` was cut: `m < rare.len() - k` then, `spare`'s length.
                    unsafe { spare.get_unchecked_mut(m).write(j) };
                    i = j as usize;
                    m += 1;
                    k += 1;
                }
                // SAFETY: the `m` elements after the length were written just above.
                unsafe { digit_pos.set_len(digit_pos.len() + m) };
                notes.prev_digit = true;
                last = i;
                continue;
            }
            if notes.prev_digit && i > last + 1 {
                // (Stops at the first character that ends the number: the stretch between two
                // listed characters is often a long run of prose.)
                let mut spaces = 0;
                notes.prev_digit = info_v[last + 1..i].iter().all(|x| match x.class() {
                    Class::Invisible => true,
                    Class::Space => {
                        spaces += 1;
                        spaces < 2
                    }
                    _ => false,
                });
            }
            last = i;
            notes.special(i, info);
            k += 1;
        }
        self.rare = rare;
        note_starts(&skel, triggers, &mut starts);
        self.chars = chars;
        self.info = info_v;
        self.skel = skel;
        self.skel_pos = skel_pos;
        self.lex_starts = starts;
        self.flags = notes.flags;
        self.digit_pos = notes.digit_pos;
        self.marks = notes.marks;
        self.address_marks = notes.address_marks;
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    #[inline]
    pub fn class(&self, i: usize) -> Class {
        self.info[i].class()
    }

    #[inline]
    pub fn fold(&self, i: usize) -> char {
        self.info[i].fold()
    }

    /// Whether the folded characters from `k` spell `w` (a word's tail, a title).
    #[inline]
    pub fn word_at(&self, k: usize, w: &[char]) -> bool {
        self.info
            .get(k..k + w.len())
            .is_some_and(|s| s.iter().zip(w).all(|(i, &c)| i.fold() == c))
    }

    /// Whether the folded characters ending right before `a` spell `w`.
    #[inline]
    pub fn word_before(&self, a: usize, w: &[char]) -> bool {
        a.checked_sub(w.len()).is_some_and(|k| self.word_at(k, w))
    }

    /// Folded, lower-cased ASCII letter or digit at `i`.
    #[inline]
    pub fn ascii_alnum(&self, i: usize) -> Option<char> {
        let f = self.info[i].fold();
        f.is_ascii_alphanumeric().then(|| f.to_ascii_lowercase())
    }

    /// Index of the next non-invisible code point at or after `i`.
    pub fn skip_invisible(&self, mut i: usize) -> usize {
        while i < self.len() && self.class(i) == Class::Invisible {
            i += 1;
        }
        i
    }

    /// Whether the line holding `i` is a table's row (it holds two or more `|` or `｜`): a
    /// label at the end of a line announces the value on the next (`他的QQ：` / `123456789`),
    /// unless the line is a table's header (`手机 | 姓名 | QQ`), whose next line is a row of
    /// values in order. One bar separates two fields of a line, as a comma would
    /// (`更新一下进度|这人冒充我…微信` / `ming60-4515`).
    pub fn in_table_row(&self, i: usize) -> bool {
        let is_bar = |j: &usize| matches!(self.chars[*j], '|' | '｜');
        let newline = |j: &usize| self.class(*j) == Class::Newline;
        let before = (0..i).rev().take_while(|j| !newline(j)).filter(is_bar);
        let after = (i..self.len()).take_while(|j| !newline(j)).filter(is_bar);
        before.chain(after).nth(1).is_some()
    }

    /// The previous non-invisible code point before `i`.
    pub fn prev_visible(&self, i: usize) -> Option<usize> {
        (0..i).rev().find(|&j| self.class(j) != Class::Invisible)
    }

    /// The next non-invisible code point at or after `i`.
    pub fn next_visible(&self, i: usize) -> Option<usize> {
        let j = self.skip_invisible(i);
        (j < self.len()).then_some(j)
    }

    /// The folded (simplified, half-width) text of `start..end`, without invisibles.
    pub fn folded(&self, start: usize, end: usize) -> String {
        self.info[start..end]
            .iter()
            .filter(|i| i.class() != Class::Invisible)
            .map(|i| i.fold())
            .collect()
    }

    /// Folded text of `start..end` with every gap character removed.
    pub fn compact(&self, start: usize, end: usize) -> String {
        // Sized for Han text at once (collecting from a filter grew it five times for an
        // address).
        let mut s = String::with_capacity(3 * (end - start));
        s.extend(
            self.info[start..end]
                .iter()
                .filter(|i| !i.is_gap())
                .map(|i| i.fold()),
        );
        s
    }

    /// Skeleton index range → original code-point range (`end` exclusive).
    pub fn skel_span(&self, sb: usize, se: usize) -> (usize, usize) {
        (
            self.skel_pos[sb] as usize,
            self.skel_pos[se - 1] as usize + 1,
        )
    }

    /// Whether the code points `a..b` contain a line break.
    pub fn has_newline(&self, a: usize, b: usize) -> bool {
        self.info[a..b].iter().any(|i| i.class() == Class::Newline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;

    /// What the loader wrote, for comparisons.
    type Views = (
        Vec<char>,
        Vec<CharInfo>,
        Vec<char>,
        Vec<u32>,
        [bool; 5],
        [Vec<u32>; 4],
    );

    fn views(t: &Text) -> Views {
        let f = t.flags;
        (
            t.chars.clone(),
            t.info.clone(),
            t.skel.clone(),
            t.skel_pos.clone(),
            [f.digit, f.contact, f.address_suffix, f.role, f.bar],
            [
                t.digit_pos.clone(),
                t.marks.clone(),
                t.address_marks.clone(),
                t.lex_starts.clone(),
            ],
        )
    }

    /// The loader as one plain loop over `str::chars`, with a branch per kind of character
    /// and the notes taken in order: what the decoder, the branch-free skeleton and the notes
    /// after it must reproduce.
    fn reference(table: &CharTable, triggers: &Triggers, text: &str) -> Views {
        let mut notes = Notes {
            flags: Flags::default(),
            prev_digit: false,
            digit_pos: Vec::new(),
            marks: Vec::new(),
            address_marks: Vec::new(),
        };
        let (mut chars, mut info, mut skel, mut pos) = (vec![], vec![], vec![], vec![]);
        // Spaces since the last character that is not plain: a number goes on across one.
        let mut spaces = 0;
        for (i, c) in text.chars().enumerate() {
            let x = table.info(c);
            chars.push(c);
            info.push(x);
            let f = if x.is_plain() {
                let class = x.class();
                notes.flags.contact |= class == Class::Letter;
                match class {
                    Class::Invisible => {}
                    Class::Space if spaces == 0 => spaces = 1,
                    _ => notes.prev_digit = false,
                }
                match class {
                    _ if x.stands_for_char() => Some(x.fold()),
                    Class::Other | Class::Cjk | Class::Letter | Class::Digit | Class::KeySymbol => {
                        Some(x.fold().to_ascii_lowercase())
                    }
                    _ => None,
                }
            } else if let (Class::Digit, Some(d), false) = (x.class(), x.digit(), x.is_special()) {
                notes.flags.digit = true;
                notes.digit_pos.push(i as u32);
                notes.prev_digit = true;
                spaces = 0;
                Some(char::from(b'0' + d))
            } else {
                notes.special(i, x);
                spaces = 0;
                match x.class() {
                    _ if x.stands_for_char() => Some(x.fold()),
                    Class::Cjk | Class::Digit | Class::KeySymbol | Class::Other => Some(x.fold()),
                    Class::Letter => Some(x.fold().to_ascii_lowercase()),
                    _ => None,
                }
            };
            if let Some(f) = f {
                skel.push(f);
                pos.push(i as u32);
            }
        }
        // Every index whose character and the next may start a term, and the last if it may
        // be a term alone: what `note_starts` writes, whichever loop the CPU takes.
        let mut starts: Vec<u32> = (0..skel.len().saturating_sub(1))
            .filter(|&k| triggers.start(skel[k], skel[k + 1]) == 1)
            .map(|k| k as u32)
            .collect();
        if skel.last().is_some_and(|&c| triggers.alone(c)) {
            starts.push(skel.len() as u32 - 1);
        }
        let f = notes.flags;
        (
            chars,
            info,
            skel,
            pos,
            [f.digit, f.contact, f.address_suffix, f.role, f.bar],
            [notes.digit_pos, notes.marks, notes.address_marks, starts],
        )
    }

    /// The loader equals the plain loop on evasions, every code point (in runs of 61, between
    /// digits and address suffixes) and the development corpus when present; one `Text`
    /// reused throughout, as the scanner does.
    #[test]
    fn loads_as_a_plain_loop() {
        let dicts = crate::testutil::dicts();
        let table = CharTable::new(&dicts.t2s);
        let lex = Lexicon::build(dicts);
        let mut texts = crate::testutil::texts_with_dev_corpus(&[
            "",
            "a",
            "開 ‍盒 开丶盒 开🔥盒 ✈️ TG：@Abc_9 #艾特",
            "住15号楼3单元1302室，138-0013-8000，十五栋二〇一",
            "1\u{200B}号 1\u{200B}\u{200B}栋 1 号 2  号 3 \u{200B} 号 4 a 号 ⑦\u{FE0F}室 𝟏𝟑𝟖 ❶❸❽ 十\u{200C}号 百户",
            "收件人：王芳阿姨 ¥300 ￥5万 就是他 |姓名|电话|",
            "éÉüÜ·×ＡＢＣ１２３ 𠀀𠀁 🛩✈ \r\n\u{2028}",
        ]);
        let all: Vec<char> = (0..=0x10FFFF).filter_map(char::from_u32).collect();
        for (n, run) in all.chunks(61).enumerate() {
            let mut s: String = run.iter().collect();
            s.push_str(["1号", "二", "-", ""][n % 4]);
            texts.push(s);
        }
        let mut t = Text::default();
        for s in &texts {
            t.load_with(&table, lex.triggers(), s);
            assert!(views(&t) == reference(&table, lex.triggers(), s), "{s:?}");
        }
    }
}
