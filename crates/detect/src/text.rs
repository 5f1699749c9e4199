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
    /// The loader's slow path, for a character with a flag (marks, address suffixes) or a
    /// Chinese numeral (plain digits are noted in the loop): notes it at code point `i` and
    /// returns its skeleton character, `None` for a gap. Not inlined: kept out of the loop, its
    /// state does not take the registers the common paths need.
    #[inline(never)]
    fn special(&mut self, i: usize, info: CharInfo) -> Option<char> {
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
                '十' => {}
                _ if self.prev_digit && !mark => {
                    flags.address_suffix = true;
                    self.address_marks.push(i as u32);
                }
                _ => {}
            }
        }
        let f = match class {
            Class::Cjk | Class::Digit | Class::KeySymbol | Class::Other => f,
            Class::Letter => {
                flags.contact = true;
                f.to_ascii_lowercase()
            }
            Class::Invisible => return None,
            _ => {
                self.prev_digit = false;
                return None;
            }
        };
        self.prev_digit = is_digit || matches!(f, '十' | '百');
        Some(f)
    }
}

/// Whether characters of `class` are in the skeleton (not gaps), as a bit test.
#[inline]
fn in_skeleton(class: Class) -> bool {
    const KEPT: u16 = 1 << Class::Other as u16
        | 1 << Class::Cjk as u16
        | 1 << Class::Letter as u16
        | 1 << Class::Digit as u16
        | 1 << Class::KeySymbol as u16;
    KEPT >> class as u16 & 1 != 0
}

/// Notes in `starts` the skeleton indices where a lexicon term may start: all of them without
/// `triggers`. A loop of its own over the finished skeleton (tested while the skeleton was
/// written, the notes took registers the loader's other state needed), and without branches on
/// the text: every index is written and the output advances by the test's result. About 37 % of
/// the characters of the dev corpus start some longer term, so a branch on that bit was
/// mispredicted often: testing every pair costs 3 M more instructions per pass but saves 0.2 M
/// simulated mispredictions and 5-7 % of a scan's wall time.
fn note_starts(skel: &[char], triggers: Option<&Triggers>, starts: &mut Vec<u32>) {
    let Some(tr) = triggers else {
        starts.extend(0..skel.len() as u32);
        return;
    };
    let Some((&last, _)) = skel.split_last() else {
        return;
    };
    starts.resize(skel.len(), 0);
    let mut m = 0;
    for (k, w) in skel.windows(2).enumerate() {
        let (alone, first) = tr.kinds(w[0]);
        starts[m] = k as u32;
        m += usize::from(alone | (first & tr.pair(w[0], w[1])));
    }
    starts.truncate(m);
    if tr.alone(last) {
        starts.push(skel.len() as u32 - 1);
    }
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
        // The four per-character vectors are written by index into their spare capacity, sized
        // for one byte a character (the most there can be), and given their lengths after the
        // loop: pushes kept every vector's length and capacity on the stack, a load, a compare
        // and a store per vector and character; filling the buffers first (`resize`) cost 2 %
        // of a scan. Sliced to the same length `n`, one bounds check serves all four.
        let n = text.len();
        for v in [&mut chars, &mut skel] {
            v.clear();
            v.reserve(n);
        }
        info_v.clear();
        info_v.reserve(n);
        skel_pos.clear();
        skel_pos.reserve(n);
        let chars_w = &mut chars.spare_capacity_mut()[..n];
        let info_w = &mut info_v.spare_capacity_mut()[..n];
        let skel_w = &mut skel.spare_capacity_mut()[..n];
        let pos_w = &mut skel_pos.spare_capacity_mut()[..n];
        // Code points and skeleton characters written so far.
        let (mut len, mut k) = (0, 0);
        for c in text.chars() {
            let i = len;
            len += 1;
            let info = table.info(c);
            chars_w[i].write(c);
            info_w[i].write(info);
            // `keep`: whether `f` joins the skeleton. It is written either way and counted only
            // if kept, so the common characters take no branch on their kind.
            let (f, keep) = if info.is_plain() {
                // Most characters: Han characters, punctuation, spaces, Latin letters, with no
                // digit value and no flag to note. Without branches on the class: in mixed
                // text Han and other characters alternate too irregularly to predict.
                let class = info.class();
                notes.flags.contact |= class == Class::Letter;
                // A gap leaves the skeleton and ends a number; an invisible character does
                // neither.
                notes.prev_digit &= class == Class::Invisible;
                // Only letters fold to ASCII letters, so lower-casing every fold is lower-casing
                // the letters.
                (info.fold().to_ascii_lowercase(), in_skeleton(class))
            } else if let (Class::Digit, Some(d), false) =
                (info.class(), info.digit(), info.is_special())
            {
                // A digit (ASCII, full-width, circled), whose folded form is the ASCII digit.
                notes.flags.digit = true;
                notes.digit_pos.push(i as u32);
                notes.prev_digit = true;
                (char::from(b'0' + d), true)
            } else {
                match notes.special(i, info) {
                    Some(f) => (f, true),
                    None => continue,
                }
            };
            skel_w[k].write(f);
            pos_w[k].write(i as u32);
            k += usize::from(keep);
        }
        // SAFETY: every iteration writes `chars_w[i]` and `info_w[i]` for its `i`, the code
        // points `0..len`, before anything else, and writes `skel_w[k]` and `pos_w[k]` before
        // it counts `k` (by one or none): the first `len` and `k` elements are initialized,
        // within capacity.
        unsafe {
            chars.set_len(len);
            info_v.set_len(len);
            skel.set_len(k);
            skel_pos.set_len(k);
        }
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
