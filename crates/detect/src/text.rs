//! The analysed post: original code points, their folded forms, and the *skeleton* view the
//! keyword automaton runs on.
//!
//! The skeleton is the folded text with every gap character (space, separator punctuation,
//! emoji, zero-width and format characters) removed and ASCII lower-cased: `開 ‍盒`, `开丶盒`
//! and `开🔥盒` all read `开盒` there. `skel_pos[b]` gives, for each skeleton byte, the index of
//! the original code point it came from, so a match maps back to original offsets exactly.

use crate::chars::{CharInfo, CharTable, Class};

/// Reusable buffers for one post; keep one per worker thread to avoid allocation per post.
#[derive(Default)]
pub struct Text {
    pub chars: Vec<char>,
    pub info: Vec<CharInfo>,
    pub skel: Vec<u8>,
    pub skel_pos: Vec<u32>,
}

impl Text {
    pub fn load(&mut self, table: &CharTable, text: &str) {
        self.chars.clear();
        self.info.clear();
        self.skel.clear();
        self.skel_pos.clear();
        self.chars.extend(text.chars());
        self.info.reserve(self.chars.len());
        let mut buf = [0u8; 4];
        for (i, &c) in self.chars.iter().enumerate() {
            let info = table.info(c);
            self.info.push(info);
            let f = match info.class() {
                Class::Cjk | Class::Digit | Class::KeySymbol | Class::Other => info.fold(),
                Class::Letter => info.fold().to_ascii_lowercase(),
                _ => continue,
            };
            let bytes = f.encode_utf8(&mut buf).as_bytes();
            self.skel.extend_from_slice(bytes);
            self.skel_pos
                .extend(std::iter::repeat_n(i as u32, bytes.len()));
        }
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
        self.info[start..end]
            .iter()
            .filter(|i| !i.is_gap())
            .map(|i| i.fold())
            .collect()
    }

    /// Skeleton byte range → original code-point range (`end` exclusive).
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
