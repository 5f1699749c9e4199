//! A fast reader for [`PostRef`] that handles the common record and gives up on anything else.
//!
//! serde_json's derive walks every token of the fields the matcher does not read (the dev
//! corpus' `gold`, `labels` and `meta`: ~260 of a record's ~570 bytes, in dozens of short
//! tokens) through `IgnoredAny`, and `PostRef::from_json_str` cost ~8.4 k instructions per
//! record (callgrind, 16,000 posts), half of it in those fields. [`read`] walks the record
//! once with a byte loop and `json::find_special` through strings: 5.0 k instructions per
//! dev.jsonl record against serde's 8.35 k (callgrind, the 8,000 records read 60 times each)
//! with an eight-byte search; 4.4 k with the sixteen-byte one (SSE2).
//! Most of what is left is per token (~50 tokens a record), spread over the loop. `skip_key`
//! (~14 calls a record), `string` and `opt_string` are inlined: their calls cost ~450
//! instructions a record (callgrind, dev.jsonl read five times: 234.6 -> 216.5 M). Between
//! tokens, [`Reader::next_token`] loads the byte once and looks for whitespace only when it
//! is at most a space (compact JSON has none), where `ws` then `next` loaded and checked it
//! twice: 4.17 k -> 3.77 k a record (callgrind, dev.jsonl read five times: 167.0 -> 150.9 M).
//!
//! The contract: when [`read`] returns `Some`, serde_json would have accepted the record and
//! produced the same `PostRef`; when it returns `None`, the caller parses the record again
//! with serde_json, which gives the answer (and, for a bad record, the error) as before. So
//! [`read`] only has to be *sound*, not complete: it checks unknown values exactly as serde_json's
//! `ignore_value` does (strings, escapes, numbers, literals, nesting), and returns `None` for
//! every form it does not handle itself: keys with escapes, known fields of an unusual type
//! (an author object or array, a `capture` object), duplicate known fields, missing `id` or
//! `text`, surrogate escapes in known fields, nesting deeper than 64, trailing data.
//!
//! [`read_as_value`] is the same reader held to `serde_json::Value`'s stricter contract, for
//! the Kafka key (`doxwatch produce`, the intake): `Value` also refuses a lone surrogate escape
//! in any string and a number past `f64`'s range, which the derive's `IgnoredAny` lets through.

use crate::json::find_special;
use crate::post::{PostRef, Text};
use std::borrow::Cow;

/// The known fields, as bits of the set of fields seen (a duplicate is serde's error).
const ID: u16 = 1;
const PLATFORM: u16 = 1 << 1;
const URL: u16 = 1 << 2;
const AUTHOR: u16 = 1 << 3;
const TS: u16 = 1 << 4;
const TEXT: u16 = 1 << 5;
const THREAD_ID: u16 = 1 << 6;
const REPLY_TO: u16 = 1 << 7;
const CAPTURE: u16 = 1 << 8;

/// Deeper unknown values are left to serde_json (which skips them at any depth).
const MAX_DEPTH: u32 = 64;

/// Reads `s` as serde_json would read it into a [`PostRef`], or `None` (see the module doc).
pub(crate) fn read(s: &str) -> Option<PostRef<'_>> {
    read_with::<false>(s)
}

/// [`read`] for a record that `serde_json::Value` would also parse: `None` as well for every
/// string with a surrogate escape other than a well-formed pair (`Value` refuses those in keys
/// and skipped values too) and for every number that could be past `f64`'s range.
pub(crate) fn read_as_value(s: &str) -> Option<PostRef<'_>> {
    read_with::<true>(s)
}

/// The reader; `AS_VALUE`: held to `serde_json::Value`'s checks (see [`read_as_value`]).
fn read_with<const AS_VALUE: bool>(s: &str) -> Option<PostRef<'_>> {
    let mut r = Reader::<AS_VALUE> {
        s,
        b: s.as_bytes(),
        i: 0,
    };
    let mut post = PostRef::default();
    let mut seen = 0u16;
    r.eat_token(b'{')?;
    loop {
        r.eat_token(b'"')?;
        let key = r.key()?;
        r.eat_token(b':')?;
        r.ws();
        let field = match key {
            b"id" => ID,
            b"platform" => PLATFORM,
            b"url" => URL,
            b"author" => AUTHOR,
            b"ts" => TS,
            b"text" => TEXT,
            b"thread_id" => THREAD_ID,
            b"reply_to" => REPLY_TO,
            b"capture" => CAPTURE,
            _ => 0,
        };
        if seen & field != 0 {
            return None;
        }
        seen |= field;
        match field {
            ID => post.id = r.string()?,
            PLATFORM => post.platform = r.string()?,
            URL => post.url = r.opt_string()?,
            AUTHOR => post.author_id = r.opt_string()?.unwrap_or_default(),
            TS => post.ts = r.opt_string()?,
            TEXT => post.text = r.string()?,
            THREAD_ID => post.thread_id = r.opt_string()?,
            REPLY_TO => post.reply_to = r.opt_string()?,
            // `null`; a capture object is left to serde.
            CAPTURE => r.literal(b"null")?,
            _ => r.skip_value()?,
        }
        match r.next_token()? {
            b',' => {}
            b'}' => break,
            _ => return None,
        }
    }
    r.ws();
    (r.i == r.b.len() && seen & (ID | TEXT) == ID | TEXT).then_some(post)
}

struct Reader<'a, const AS_VALUE: bool> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a, const AS_VALUE: bool> Reader<'a, AS_VALUE> {
    /// JSON's whitespace, as serde_json's `parse_whitespace`.
    #[inline]
    fn ws(&mut self) {
        // Tokens mostly follow each other with no space: one compare for that case.
        if self.b.get(self.i).is_some_and(|&c| c > b' ') {
            return;
        }
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        self.i += 1;
        Some(c)
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// The next byte after any whitespace, consumed: one load and compare when no whitespace
    /// comes first (the compact records' case), where `ws` then `next` loaded it twice.
    #[inline(always)]
    fn next_token(&mut self) -> Option<u8> {
        let mut c = *self.b.get(self.i)?;
        if c <= b' ' {
            self.ws();
            c = *self.b.get(self.i)?;
        }
        self.i += 1;
        Some(c)
    }

    /// [`Reader::next_token`] that must be `c`.
    #[inline(always)]
    fn eat_token(&mut self, c: u8) -> Option<()> {
        (self.next_token()? == c).then_some(())
    }

    /// The next byte after any whitespace, not consumed.
    #[inline(always)]
    fn peek_token(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        if c > b' ' {
            return Some(c);
        }
        self.ws();
        self.b.get(self.i).copied()
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// The index of the first `"`, `\` or control byte at or after `self.i`, or `None` at the
    /// end of the record. Most strings (keys, the skipped fields' values) end within sixteen
    /// bytes: one block from `self.i`, before the general search.
    #[inline(always)]
    fn find_special(&self) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(block) = self.b.get(self.i..self.i + 16) {
            let m = crate::json::specials16(block.try_into().expect("16 bytes"));
            if m != 0 {
                return Some(self.i + m.trailing_zeros() as usize);
            }
        }
        find_special(self.b, self.i)
    }

    /// A key after its opening quote, without escapes (a key with one is left to serde: an
    /// escaped key can name a known field).
    fn key(&mut self) -> Option<&'a [u8]> {
        let end = self.find_special()?;
        if self.b[end] != b'"' {
            return None;
        }
        let key = &self.b[self.i..end];
        self.i = end + 1;
        Some(key)
    }

    /// A string value, borrowed when it holds no escape.
    #[inline(always)]
    fn string(&mut self) -> Option<Text<'a>> {
        self.eat(b'"')?;
        let start = self.i;
        let end = self.find_special()?;
        match self.b[end] {
            b'"' => {
                self.i = end + 1;
                Some(Text(Cow::Borrowed(&self.s[start..end])))
            }
            b'\\' => self.unescape(start, end).map(|s| Text(Cow::Owned(s))),
            _ => None,
        }
    }

    /// `null` (`None`) or a string.
    #[inline(always)]
    fn opt_string(&mut self) -> Option<Option<Text<'a>>> {
        if self.b.get(self.i) == Some(&b'n') {
            self.literal(b"null")?;
            return Some(None);
        }
        self.string().map(Some)
    }

    /// The rest of a string whose first escape is at `esc`, unescaped as serde_json does for a
    /// `str`. Surrogate escapes other than a well-formed pair are left to serde.
    fn unescape(&mut self, start: usize, mut esc: usize) -> Option<String> {
        let mut out = String::with_capacity(self.b.len() - start);
        out.push_str(&self.s[start..esc]);
        loop {
            // self.b[esc] == b'\\'
            let c = *self.b.get(esc + 1)?;
            self.i = esc + 2;
            match c {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\x08'),
                b'f' => out.push('\x0c'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => out.push(self.code_point()?),
                _ => return None,
            }
            let run = self.i;
            let end = self.find_special()?;
            out.push_str(&self.s[run..end]);
            match self.b[end] {
                b'"' => {
                    self.i = end + 1;
                    return Some(out);
                }
                b'\\' => esc = end,
                _ => return None,
            }
        }
    }

    /// The character of a `\u` escape whose `u` was just read, as serde_json reads it into a
    /// `str`; `None` for a surrogate escape other than a well-formed pair (serde refuses a lone
    /// one).
    fn code_point(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        let code = match hi {
            0xD800..=0xDBFF => {
                self.literal(b"\\u")?;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return None;
                }
                0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00)
            }
            0xDC00..=0xDFFF => return None,
            _ => u32::from(hi),
        };
        char::from_u32(code)
    }

    fn hex4(&mut self) -> Option<u16> {
        let digits = self.b.get(self.i..self.i + 4)?;
        let mut v = 0u16;
        for &d in digits {
            let x = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return None,
            };
            v = v << 4 | u16::from(x);
        }
        self.i += 4;
        Some(v)
    }

    /// A string after its opening quote, checked as serde_json's `ignore_str` checks it: no
    /// control byte, known escapes, four hex digits after `\u` (any code unit: serde does not
    /// look at surrogates in a value it ignores; `Value` does, so `AS_VALUE` does too).
    #[inline(always)]
    fn skip_str(&mut self) -> Option<()> {
        loop {
            let end = self.find_special()?;
            self.i = end + 1;
            match self.b[end] {
                b'"' => return Some(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' if AS_VALUE => {
                        self.code_point()?;
                    }
                    b'u' => {
                        self.hex4()?;
                    }
                    _ => return None,
                },
                _ => return None,
            }
        }
    }

    /// A number as serde_json's `ignore_integer` checks it: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    /// `AS_VALUE`: `Value` makes an `f64` of a number past `u64`/`i64` and refuses one past
    /// `f64`'s range (~1.8e308); only a number with an exponent or with more than 308 digits
    /// before its point can be, so those are left to serde_json.
    fn skip_number(&mut self) -> Option<()> {
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        match self.next()? {
            b'0' => {
                if self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
            }
            b'1'..=b'9' => {
                if self.digits() >= 308 && AS_VALUE {
                    return None;
                }
            }
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            if AS_VALUE {
                return None;
            }
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    /// An object's key and colon, inside a skipped value.
    #[inline(always)]
    fn skip_key(&mut self) -> Option<()> {
        self.eat_token(b'"')?;
        self.skip_str()?;
        self.eat_token(b':')
    }

    /// Any JSON value, checked as serde_json's `ignore_value` checks it. Open containers are
    /// kept as bits of `stack` (1 = object).
    fn skip_value(&mut self) -> Option<()> {
        let mut stack = 0u64;
        let mut depth = 0u32;
        loop {
            match self.peek_token()? {
                b'"' => {
                    self.i += 1;
                    self.skip_str()?;
                }
                c @ (b'{' | b'[') => {
                    if depth == MAX_DEPTH {
                        return None;
                    }
                    self.i += 1;
                    let object = c == b'{';
                    stack = stack << 1 | u64::from(object);
                    depth += 1;
                    let close = if object { b'}' } else { b']' };
                    if self.peek_token() == Some(close) {
                        self.i += 1;
                        stack >>= 1;
                        depth -= 1;
                    } else {
                        if object {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                b'n' => self.literal(b"null")?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'-' | b'0'..=b'9' => self.skip_number()?,
                _ => return None,
            }
            // After a value: close what ends here, then a comma (and a key in an object).
            loop {
                if depth == 0 {
                    return Some(());
                }
                let object = stack & 1 == 1;
                match self.next_token()? {
                    b',' => {
                        if object {
                            self.skip_key()?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                stack >>= 1;
                depth -= 1;
            }
        }
    }
}
