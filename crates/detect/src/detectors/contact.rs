//! Contact handles: e-mail (with obfuscated `@` and dots), links (claimed so their digits are
//! not read as numbers), Telegram links and handles, WeChat IDs after a WeChat label.

use crate::chars::{CharInfo, CharSet, Class};
use crate::lexicon::{hits_near, Field, Group, Hit};
use crate::text::Text;
use crate::Found;
use doxwatch_model::{Facts, Kind, Span};

const TLDS: &[&str] = &[
    "com", "cn", "net", "org", "edu", "gov", "io", "me", "info", "cc", "top", "vip", "xyz", "co",
    "hk", "tw", "jp", "us", "uk", "biz", "mobi", "name", "club", "site", "online", "ai", "app",
    "dev", "tech", "mo", "sg", "de", "fr", "ru", "ca", "au",
];

const MAIL_PROVIDERS: &[&str] = &[
    "qq.com",
    "163.com",
    "126.com",
    "foxmail.com",
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "sina.com",
    "sina.cn",
    "sohu.com",
    "yahoo.com",
    "aliyun.com",
    "139.com",
    "yeah.net",
    "icloud.com",
    "live.com",
    "189.cn",
    "tom.com",
    "21cn.com",
    "vip.qq.com",
    "msn.com",
    "protonmail.com",
    "proton.me",
];

/// The folded, lower-cased text of `t` from `i` matches `word` (invisibles skipped); returns
/// the end.
fn ascii_at(t: &Text, mut i: usize, word: &str) -> Option<usize> {
    for w in word.chars() {
        i = t.skip_invisible(i);
        if i >= t.len() {
            return None;
        }
        let f = t.fold(i).to_ascii_lowercase();
        if f != w {
            return None;
        }
        i += 1;
    }
    Some(i)
}

/// Like [`ascii_at`], but a `.` or `/` of `word` may have spaces around it and a `.` may be
/// written `。` or `点` (`t . me / x`, `t点me/x`).
fn loose_at(t: &Text, mut i: usize, word: &str) -> Option<usize> {
    let spaces = |mut i: usize| {
        while i < t.len() && matches!(t.class(i), Class::Space | Class::Invisible) {
            i += 1;
        }
        i
    };
    for w in word.chars() {
        i = t.skip_invisible(i);
        if matches!(w, '.' | '/') {
            i = spaces(i);
        }
        if i >= t.len() {
            return None;
        }
        let f = t.fold(i).to_ascii_lowercase();
        let same = f == w || w == '.' && matches!(f, '。' | '点');
        if !same {
            return None;
        }
        i += 1;
        if matches!(w, '.' | '/') {
            i = spaces(i);
        }
    }
    Some(i)
}

fn is_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')
}

fn is_handle(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads `[A-Za-z0-9_-]` from `i` skipping invisibles; returns (text, end).
fn read_token(t: &Text, mut i: usize, ok: impl Fn(char) -> bool) -> (String, usize) {
    let mut s = String::new();
    let mut end = i;
    while i < t.len() {
        if t.class(i) == Class::Invisible {
            i += 1;
            continue;
        }
        let f = t.fold(i);
        if !ok(f) {
            break;
        }
        if s.capacity() == 0 {
            // Room for a handle or a domain label at once, not grown from 8 bytes up (and
            // allocated at that size: `reserve` on the empty string took the vector's slow
            // path, 0.2 M instructions of a 118.2 M pass).
            s = String::with_capacity(24);
        }
        s.push(f);
        i += 1;
        end = i;
    }
    (s, end)
}

/// A handle written apart after `@ ` (`@ h e l l o 1 2 3`, `@ cd _ 2026`): up to two spaces
/// after the sign, then pieces of handle characters joined across one space each while the
/// piece before is short (at most four characters; a longer piece is a whole handle and what
/// follows a space is the next word). Returns (handle, end).
fn read_spaced_handle(t: &Text, mut i: usize) -> (String, usize) {
    let space = |k: usize| k < t.len() && matches!(t.class(k), Class::Space | Class::Invisible);
    let mut n = 0;
    while space(i) && n < 2 {
        i += 1;
        n += 1;
    }
    let mut handle = String::new();
    let mut end = i;
    loop {
        let (piece, e) = read_token(t, i, is_handle);
        if piece.is_empty() {
            break;
        }
        handle.push_str(&piece);
        end = e;
        let next = e + 1;
        if piece.chars().count() > 4
            || !(e < t.len() && t.class(e) == Class::Space)
            || !(next < t.len() && is_handle(t.fold(next)))
        {
            break;
        }
        i = next;
    }
    (handle, end)
}

/// The brackets an e-mail's sign or dot may be written in (`[at]`, `<at>`, `(a)`, `[.]`,
/// `【dot】`): [`LINK_OPENERS`] but the space.
#[inline]
fn opens_sign(c: char) -> bool {
    matches!(c, '[' | '(' | '{' | '<' | '【' | '〔')
}

/// The brackets closing [`opens_sign`]'s.
#[inline]
fn closes_sign(c: char) -> bool {
    matches!(c, ']' | ')' | '}' | '>' | '】' | '〕')
}

/// The `@` of an e-mail at `i`, in any written form: returns its end.
fn at_sign(t: &Text, i: usize) -> Option<usize> {
    let f = t.fold(i);
    if f == '@' {
        return Some(i + 1);
    }
    // Written-out names of the sign: `艾特` (at; `爱特`, `埃特` sound the same), `小老鼠`
    // (little mouse), `圈a` (circled a).
    match f {
        '艾' => return ascii_at(t, i, "艾特"),
        '爱' => return ascii_at(t, i, "爱特"),
        '埃' => return ascii_at(t, i, "埃特"),
        '小' => return ascii_at(t, i, "小老鼠"),
        '圈' => return ascii_at(t, i, "圈a"),
        _ => {}
    }
    // In brackets: `[at]`, `<at>`, `(艾特)`, `(a)`, `[@]` (defanged).
    if opens_sign(f) {
        if let Some(e) = ["at", "艾特", "a", "@"]
            .iter()
            .find_map(|w| ascii_at(t, i + 1, w))
        {
            // (Invisible characters before the closing bracket too: `(a\u{200b})`.)
            let e = t.skip_invisible(e);
            if e < t.len() && closes_sign(t.fold(e)) {
                return Some(e + 1);
            }
        }
    }
    if f == ' ' {
        if let Some(e) = ascii_at(t, i + 1, "at") {
            let e = t.skip_invisible(e);
            if e < t.len() && t.fold(e) == ' ' {
                return Some(e + 1);
            }
        }
    }
    None
}

/// A dot inside a domain in any written form: returns its end.
fn dot(t: &Text, i: usize) -> Option<usize> {
    let i = t.skip_invisible(i);
    if i >= t.len() {
        return None;
    }
    match t.fold(i) {
        '.' | '。' => Some(i + 1),
        '点' => Some(i + 1),
        // In brackets: `[dot]`, `[.]`, `(点)`.
        c if opens_sign(c) => {
            let e = ascii_at(t, i + 1, "dot").or_else(|| {
                let k = t.skip_invisible(i + 1);
                (k < t.len() && matches!(t.fold(k), '.' | '。' | '点')).then_some(k + 1)
            })?;
            let e = t.skip_invisible(e);
            (e < t.len() && closes_sign(t.fold(e))).then_some(e + 1)
        }
        ' ' => {
            if let Some(e) = ascii_at(t, i + 1, "dot") {
                let e = t.skip_invisible(e);
                return (e < t.len() && t.fold(e) == ' ').then_some(e + 1);
            }
            // A dot with spaces around it (`163 . com`, `163 (dot) com`): one space may
            // follow it.
            let d = t.skip_invisible(i + 1);
            let e = if d < t.len() && opens_sign(t.fold(d)) {
                dot(t, d)?
            } else if d < t.len() && matches!(t.fold(d), '.' | '。' | '点') {
                d + 1
            } else {
                return None;
            };
            let s = t.skip_invisible(e);
            Some(if s < t.len() && t.fold(s) == ' ' {
                s + 1
            } else {
                e
            })
        }
        _ => None,
    }
}

/// Reads a domain from `i`: (domain, end) for the longest run of labels that ends in a known
/// TLD and that `accept` takes. A sentence's full stop can look like one more dot
/// (`ping3773@163.com。qq …`, `…#126.com。Name: …`).
fn domain(t: &Text, mut i: usize, accept: impl Fn(&str) -> bool) -> Option<(String, usize)> {
    // Room for a domain's usual labels, each lower-cased in place (grown from empty and
    // copied lower-cased, they cost 0.08 M instructions more a pass).
    let mut labels: Vec<String> = Vec::with_capacity(4);
    let mut ends: Vec<usize> = Vec::with_capacity(4);
    loop {
        let (mut label, mut e) = read_token(t, i, |c| c.is_ascii_alphanumeric() || c == '-');
        // A label never ends with a dash, nor holds three in a row: such dashes separate
        // the next field (`…@qq.com----山东…`, `…@qq.com----abc`).
        // (Most labels hold no dash: not searched.)
        let cut = if label.contains('-') {
            label
                .find("---")
                .unwrap_or(label.len())
                .min(label.trim_end_matches('-').len())
        } else {
            label.len()
        };
        let separated = cut < label.len();
        if separated {
            label.truncate(cut);
            // The end after the label's `cut` visible characters.
            e = i;
            let mut left = cut;
            while left > 0 {
                if t.class(e) != Class::Invisible {
                    left -= 1;
                }
                e += 1;
            }
        }
        if label.is_empty() {
            break;
        }
        label.make_ascii_lowercase();
        labels.push(label);
        ends.push(e);
        if separated {
            break;
        }
        match dot(t, e) {
            Some(n) => i = n,
            None => break,
        }
    }
    (2..=labels.len()).rev().find_map(|n| {
        if !TLDS.contains(&labels[n - 1].as_str()) {
            return None;
        }
        let dom = labels[..n].join(".");
        accept(&dom).then_some((dom, ends[n - 1]))
    })
}

/// Not inlined (nor is [`telegram_link`]): inlined into [`detect_links`], the rare paths cost
/// the scan loop its registers (the loop's own code 0.4 M instructions a pass more).
#[inline(never)]
fn email_at(t: &Text, i: usize, claimed: &[bool]) -> Option<Found> {
    let hash_form = t.fold(i) == '#';
    let at_end = if hash_form { i + 1 } else { at_sign(t, i)? };
    // Local part, backwards from the sign (invisibles skipped; a sign other than ` at ` allows
    // one space around it: ` @ `, ` # `, ` 圈a `).
    let mut k = i;
    if t.fold(i) != ' ' {
        if let Some(p) = t.prev_visible(i) {
            if t.fold(p) == ' ' {
                k = p;
            }
        }
    }
    let mut start = k;
    while start > 0 {
        let p = start - 1;
        if claimed[p] {
            break;
        }
        if t.class(p) == Class::Invisible {
            start = p;
            continue;
        }
        let f = t.fold(p);
        // Two dashes in a row are a field separator (`张伟----li88@…`, the leak dumps'
        // `----`), not part of an address.
        if !is_local(f) || f == '-' && p > 0 && t.fold(p - 1) == '-' {
            break;
        }
        start = p;
    }
    while start < k && t.class(start) == Class::Invisible {
        start += 1;
    }
    // The local part read forwards once its start is known: put in front character by
    // character, it was moved and grown at every one (e-mails 1.15 -> 1.07 M instructions of
    // a 117.9 M pass).
    let mut local = String::with_capacity(k - start);
    for p in start..k {
        if t.class(p) != Class::Invisible {
            local.push(t.fold(p));
        }
    }
    let local = local.trim_start_matches(['.', '-', '+']).to_string();
    if local.is_empty() || !local.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut d = t.skip_invisible(at_end);
    if t.fold(i) != ' ' && d < t.len() && t.fold(d) == ' ' {
        d = t.skip_invisible(d + 1);
    }
    // `#` stands for `@` only before a mail provider's domain.
    let (dom, end) = domain(t, d, |dom| !hash_form || MAIL_PROVIDERS.contains(&dom))?;
    // Keep the start at the first local character.
    let first = local.chars().next()?;
    while start < k && t.fold(start) != first {
        start += 1;
    }
    // Lower-cased in place and joined into the local part's buffer (`format!` and a lower-cased
    // copy were two allocations and the formatting machinery a finding).
    let mut value = local;
    value.make_ascii_lowercase();
    value.push('@');
    value.push_str(&dom);
    let f = Facts::from([("domain", dom)]);
    Some(Found::new(
        Kind::Email,
        Span::new(start, end),
        value,
        f,
        0.95,
    ))
}

/// Folded characters where an e-mail's sign (`@ # [ ( { 【 〔`, a space before `at`, the `特` of
/// `艾特` and of its homophones `爱特` `埃特`, `小老鼠`, `圈a`) or a link (`t` `h`, either case) may start. Tested by hashed slots, without branches
/// on the text: a branch on ASCII versus Chinese (the previous bit test for ASCII, three
/// comparisons otherwise) was mispredicted often, Chinese and Latin alternating irregularly.
const LINK_START: CharSet<64> = CharSet::new(&link_start_members(), 0x9E37_9855);

/// [`LINK_START`]'s members but the letters, which [`next_link_start_avx2`] tests in either
/// case at once, and but [`LINK_OPENERS`].
const LINK_START_SIGNS: [char; 5] = ['@', '#', '特', '小', '圈'];

/// [`LINK_START`]'s members that start a sign only before an `a` or `艾` (`[at]`, ` at `, `(艾特)`;
/// invisibles between them skipped): [`next_link_start_avx2`] reports them only there, or
/// before an invisible character. Most candidates of the dev corpus were spaces before
/// anything else (11,100 of 17,400).
const LINK_OPENERS: [char; 7] = ['[', '(', '{', '<', '【', '〔', ' '];

/// [`LINK_START_SIGNS`], [`LINK_OPENERS`] and the first letters of links in both cases: the
/// one list both scans are made from.
const fn link_start_members() -> [char; 16] {
    let mut m = [
        't', 'T', 'h', 'H', '\0', '\0', '\0', '\0', '\0', '\0', '\0', '\0', '\0', '\0', '\0', '\0',
    ];
    let mut k = 0;
    while k < LINK_START_SIGNS.len() {
        m[4 + k] = LINK_START_SIGNS[k];
        k += 1;
    }
    while k < LINK_START_SIGNS.len() + LINK_OPENERS.len() {
        m[4 + k] = LINK_OPENERS[k - LINK_START_SIGNS.len()];
        k += 1;
    }
    m
}

/// The index of the first character of `infos` whose fold is in [`LINK_START`].
fn next_link_start(infos: &[CharInfo]) -> Option<usize> {
    // Four characters a round, their tests or-ed without a branch (a candidate comes about
    // once in 18 characters; one character a round, the loop's counter and test were a third
    // of the scan's instructions; `detect_links` 6.02 -> 5.91 M, a pass 139.81 -> 139.55 M.
    // Eight a round, as a fold, was slower: 140.68 M).
    let mut quads = infos.chunks_exact(4);
    let mut k = 0;
    for q in quads.by_ref() {
        if link_start(&q[0]) | link_start(&q[1]) | link_start(&q[2]) | link_start(&q[3]) {
            return q.iter().position(link_start).map(|j| k + j);
        }
        k += 4;
    }
    quads.remainder().iter().position(link_start).map(|j| k + j)
}

#[inline]
fn link_start(info: &CharInfo) -> bool {
    LINK_START.contains_code(info.fold_code())
}

/// [`next_link_start`] eight characters a round: each fold compared with every member at once
/// (`t` and `h` with bit 5 set, either case), no hashing and no table load. Inlined into
/// [`detect_links_avx2`], so that its constants are set once a post (as a call, setting them
/// took 20 instructions a candidate): `detect_links` 5.92 -> 4.99 M instructions a pass.
///
/// # Safety
///
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn next_link_start_avx2(infos: &[CharInfo]) -> Option<usize> {
    use std::arch::x86_64::*;
    let fold = _mm256_set1_epi32(0x1F_FFFF);
    let lower = _mm256_set1_epi32(0x20);
    let (t, h) = (_mm256_set1_epi32('t' as i32), _mm256_set1_epi32('h' as i32));
    let signs = LINK_START_SIGNS.map(|c| _mm256_set1_epi32(c as i32));
    let openers = LINK_OPENERS.map(|c| _mm256_set1_epi32(c as i32));
    let (a, ai) = (
        _mm256_set1_epi32('a' as i32),
        _mm256_set1_epi32('艾' as i32),
    );
    let (class, invisible) = (
        _mm256_set1_epi32(0xF << 21),
        _mm256_set1_epi32((Class::Invisible as i32) << 21),
    );
    let mut k = 0;
    // Each round reads the eight characters after its eight too: the last round ends one
    // before the slice's end.
    while k + 9 <= infos.len() {
        // SAFETY: `CharInfo` is a transparent `u32`: eight of them are 32 bytes, read
        // unaligned, from `k` and from `k + 1`, both within `infos` (`k + 9 <= len`).
        let (raw, next) = unsafe {
            let p = infos.as_ptr().add(k);
            (
                _mm256_loadu_si256(p.cast()),
                _mm256_loadu_si256(p.add(1).cast()),
            )
        };
        let v = _mm256_and_si256(raw, fold);
        let l = _mm256_or_si256(v, lower);
        let mut hit = _mm256_or_si256(_mm256_cmpeq_epi32(l, t), _mm256_cmpeq_epi32(l, h));
        for s in signs {
            hit = _mm256_or_si256(hit, _mm256_cmpeq_epi32(v, s));
        }
        let mut open = _mm256_cmpeq_epi32(v, openers[0]);
        for s in &openers[1..] {
            open = _mm256_or_si256(open, _mm256_cmpeq_epi32(v, *s));
        }
        // An opener counts before `a`, `A`, `艾` or an invisible character (after which
        // `links` looks further).
        let nf = _mm256_and_si256(next, fold);
        let next_a = _mm256_or_si256(
            _mm256_cmpeq_epi32(_mm256_or_si256(nf, lower), a),
            _mm256_cmpeq_epi32(nf, ai),
        );
        let next_ok = _mm256_or_si256(
            next_a,
            _mm256_cmpeq_epi32(_mm256_and_si256(next, class), invisible),
        );
        hit = _mm256_or_si256(hit, _mm256_and_si256(open, next_ok));
        // Four bits a lane.
        let bits = _mm256_movemask_epi8(hit) as u32;
        if bits != 0 {
            return Some(k + bits.trailing_zeros() as usize / 4);
        }
        k += 8;
    }
    // The last characters (one to eight) as the plain scan reads them, openers and all.
    infos[k..].iter().position(link_start).map(|j| k + j)
}

/// What [`next_link_start_avx2`] reports but in its last characters: a [`LINK_START`] member,
/// and an opener ([`LINK_OPENERS`]) only before `a`, `A`, `艾` or an invisible character. At the
/// others `links` finds nothing: an opener starts a sign only before an `a` (invisibles
/// skipped), and no link.
#[cfg(test)]
fn link_candidate(infos: &[CharInfo], k: usize) -> bool {
    link_start(&infos[k])
        && (!LINK_OPENERS.contains(&infos[k].fold())
            || infos.get(k + 1).is_none_or(|x| {
                matches!(x.fold(), 'a' | 'A' | '艾') || x.class() == Class::Invisible
            }))
}

/// E-mails, links and Telegram links: these claim their code points first.
pub fn detect_links(t: &Text, claimed: &mut [bool], out: &mut Vec<Found>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (tested just above).
        return unsafe { detect_links_avx2(t, claimed, out) };
    }
    links(t, claimed, out, next_link_start);
}

/// [`detect_links`] with [`next_link_start_avx2`] inlined into its loop.
///
/// # Safety
///
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn detect_links_avx2(t: &Text, claimed: &mut [bool], out: &mut Vec<Found>) {
    // SAFETY: the CPU has AVX2 (the caller's contract).
    links(t, claimed, out, |infos| unsafe {
        next_link_start_avx2(infos)
    });
}

#[inline(always)]
fn links(
    t: &Text,
    claimed: &mut [bool],
    out: &mut Vec<Found>,
    next_link_start: impl Fn(&[CharInfo]) -> Option<usize>,
) {
    let n = t.len();
    let mut i = 0;
    while i < n {
        // Straight to the next candidate: every other character only moves `i` on.
        match next_link_start(&t.info[i..]) {
            Some(k) => i += k,
            None => break,
        }
        if claimed[i] {
            i += 1;
            continue;
        }
        let f = t.fold(i);
        // Where the sign starts.
        let mut at = i;
        let sign = match f {
            // An `@` in brackets (`[@]`): the sign starts at the bracket.
            '@' => {
                if let Some(p) = t
                    .prev_visible(i)
                    .filter(|&p| opens_sign(t.fold(p)) && !claimed[p])
                {
                    at = p;
                }
                true
            }
            '#' | '小' | '圈' => true,
            // `艾特` and its homophones `爱特` `埃特`, found at their common `特`: one member
            // of the set for the three (with 14 members, the eight-wide scan ran out of
            // registers: a pass 129.3 -> 135.2 M instructions).
            '特' => match t.prev_visible(i) {
                Some(p) if matches!(t.fold(p), '艾' | '爱' | '埃') && !claimed[p] => {
                    at = p;
                    true
                }
                _ => false,
            },
            // A bracket or a space starts a sign only as `[at]`, ` at `: tested for its `a`
            // here, most spaces and brackets of a text make no call (`email_at` was called
            // 14,000 times a pass of the dev corpus instead of 2,100: 0.6 M instructions of a
            // 155.0 M pass). The test is `ascii_at(t, i + 1, "a")` spelt out: as that call, it
            // cost 0.36 M more.
            '[' | '(' | '{' | '<' | '【' | '〔' | ' ' => {
                let k = t.skip_invisible(i + 1);
                k < n && matches!(t.fold(k), 'a' | 'A' | '艾')
            }
            _ => false,
        };
        if sign {
            if let Some(e) = email_at(t, at, claimed) {
                for c in &mut claimed[e.span.start as usize..e.span.end as usize] {
                    *c = true;
                }
                i = e.span.end as usize;
                out.push(e);
                continue;
            }
        }
        // A link starts `http`, `t.me` (dot loosely written), `telegram` or `tg:`: the
        // character after the first (invisibles skipped; a space may stand before a loose
        // dot) is tested here, most words starting with `t` or `h` make no call (1,193 calls
        // of `telegram_link` a pass instead of 677: 0.19 M instructions of a 153.4 M pass).
        let link = match f {
            't' | 'T' | 'h' | 'H' if i == 0 || t.ascii_alnum(i - 1).is_none() => {
                let k = t.skip_invisible(i + 1);
                k < n
                    && match t.fold(k) {
                        't' | 'T' => matches!(f, 'h' | 'H'),
                        'e' | 'E' | 'g' | 'G' | '.' | '。' | '点' => matches!(f, 't' | 'T'),
                        _ => matches!(f, 't' | 'T') && t.class(k) == Class::Space,
                    }
            }
            _ => false,
        };
        if link {
            if let Some((found, end)) = telegram_link(t, i) {
                for c in &mut claimed[i..end] {
                    *c = true;
                }
                out.extend(found);
                i = end;
                continue;
            }
        }
        i += 1;
    }
}

/// `t.me/x`, `https://t.me/x`, `telegram.me/x`, `tg://resolve?domain=x`, invite links; other
/// URLs are claimed without a finding (numbers inside URLs are not personal data).
#[inline(never)]
fn telegram_link(t: &Text, i: usize) -> Option<(Option<Found>, usize)> {
    let mut j = i;
    let mut scheme = false;
    for s in ["https://", "http://"] {
        if let Some(e) = ascii_at(t, i, s) {
            j = e;
            scheme = true;
            break;
        }
    }
    let after = ["t.me/", "telegram.me/", "telegram.dog/"]
        .iter()
        .find_map(|h| loose_at(t, j, h))
        .or_else(|| {
            (!scheme)
                .then(|| ascii_at(t, j, "tg://resolve?domain="))
                .flatten()
        });
    let Some(mut k) = after else {
        if scheme {
            let (_, e) = read_token(t, j, |c| c.is_ascii_graphic());
            return Some((None, e));
        }
        return None;
    };
    let mut prefix = String::new();
    if k < t.len() && t.fold(k) == '@' {
        k += 1;
    } else if k < t.len() && t.fold(k) == '+' {
        prefix.push('+');
        k += 1;
    } else if let Some(e) = ascii_at(t, k, "joinchat/") {
        prefix.push_str("joinchat/");
        k = e;
    }
    let (h, end) = read_token(t, k, |c| is_handle(c) || c == '-');
    if h.len() < 3 {
        return None;
    }
    // The prefix is lower case already: the whole value lower-cased in place (`format!` and a
    // lower-cased copy were two allocations and the formatting machinery a handle).
    let form = if prefix.is_empty() { "link" } else { "invite" };
    let mut value = if prefix.is_empty() { h } else { prefix + &h };
    value.make_ascii_lowercase();
    let f = Facts::from([("form", form)]);
    Some((
        Some(Found::new(
            Kind::Telegram,
            Span::new(i, end),
            value,
            f,
            0.95,
        )),
        end,
    ))
}

fn is_label_word(s: &str) -> bool {
    matches!(
        s,
        "vx" | "wx"
            | "v"
            | "qq"
            | "q"
            | "tg"
            | "telegram"
            | "id"
            | "wechat"
            | "weixin"
            | "tel"
            | "email"
            | "mail"
            | "name"
            | "sfz"
            | "sj"
    )
}

fn is_wechat_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A WeChat ID from `i`: its characters, across one or two inserted emoji or dots
/// (`liu😊yang-2020`, `du.juan_1990`) when more of the ID follows them. Not across sentence
/// punctuation, not into a label (`abc123、QQ…`) or a domain (`abc.com`).
fn read_wechat_id(t: &Text, i: usize) -> (String, usize) {
    let (mut id, mut end) = read_token(t, i, is_wechat_char);
    while !id.is_empty() {
        let mut k = end;
        let mut dot = false;
        while k < t.len() && k - end < 2 {
            let inserted = match t.class(k) {
                Class::Emoji => true,
                Class::Sep => matches!(
                    t.fold(k),
                    '.' | '·' | '・' | '丶' | '、' | '~' | '^' | '*' | '+'
                ),
                _ => false,
            };
            if !inserted {
                break;
            }
            dot |= t.fold(k) == '.';
            k += 1;
        }
        if k == end {
            break;
        }
        let (more, e) = read_token(t, k, is_wechat_char);
        let lower = more.to_ascii_lowercase();
        if more.is_empty()
            || id.len() + more.len() > 20
            || is_label_word(&lower)
            || dot && TLDS.contains(&lower.as_str())
        {
            break;
        }
        id.push_str(&more);
        end = e;
    }
    (id, end)
}

/// WeChat IDs after a WeChat label: 6–20 characters, a letter first. Inserted spaces and
/// zero-width characters are skipped; a space is crossed only when what follows it still
/// looks like part of an ID (digits or `_`).
pub fn detect_wechat(
    t: &Text,
    hits: &[Hit],
    cells: &[Option<Field>],
    claimed: &mut [bool],
    out: &mut Vec<Found>,
) {
    let mut starts = Vec::new();
    for h in hits
        .iter()
        .filter(|h| h.group == Group::Label(Field::Wechat))
    {
        let mut i = h.end;
        let mut skipped = 0;
        // A label that ends its line (not a table's header) announces the value on the next (`微信` / `abc_123`):
        // one line break is read over.
        let mut broken = false;
        while i < t.len() && skipped < 4 {
            let c = t.fold(i);
            if t.info[i].is_gap() || matches!(c, '是' | '为' | '号' | '：' | ':') {
                if t.class(i) == Class::Newline {
                    if broken || t.in_table_row(h.start) {
                        break;
                    }
                    broken = true;
                }
                i += 1;
                skipped += 1;
            } else {
                break;
            }
        }
        starts.push(i);
    }
    // WeChat's own form of an ID, `wxid_` and letters and digits, says what it is without a
    // label (`朱军 | wxid_7lnmzhevnjt | …`). Read from the `_`s the loader lists among its
    // marks (a walk over every character of the posts with a letter cost 8 M instructions a
    // pass).
    starts.extend(
        t.marks
            .iter()
            .map(|&p| p as usize)
            .filter(|&p| {
                t.fold(p) == '_'
                    && p >= 4
                    && ascii_at(t, p - 4, "wxid") == Some(p)
                    && (p == 4 || t.ascii_alnum(p - 5).is_none())
            })
            .map(|p| p - 4),
    );
    // The first code point of every WeChat table cell.
    // (`cells` is empty in a post without a table.)
    for k in 0..cells.len() {
        if cells[k] == Some(Field::Wechat) && (k == 0 || cells[k - 1] != Some(Field::Wechat)) {
            starts.push(k);
        }
    }
    for i in starts {
        if i >= t.len() || claimed[i] || t.class(i) != Class::Letter {
            continue;
        }
        let (mut id, mut end) = read_wechat_id(t, i);
        // `wx id_2wfm…`, `wxid_cwp8dn1 fv0k`: one inserted space (invisible characters
        // around it: `yan\u{200b} 959638`).
        let space = t.skip_invisible(end);
        if space < t.len() && t.fold(space) == ' ' {
            let (more, e2) = read_wechat_id(t, t.skip_invisible(space + 1));
            // A price after the ID is not more of it (`abc123 50元`).
            let price =
                more.bytes().all(|b| b.is_ascii_digit()) && crate::verdict::price_unit_at(t, e2);
            if !more.is_empty()
                && !price
                && !is_label_word(&more.to_ascii_lowercase())
                && (more.contains(|c: char| c.is_ascii_digit() || c == '_')
                    || id.len() < 6
                    // A split `wxid_` + 14 characters, however the halves look; or any
                    // `wxid_` ID whose second half ends the token (`wxid_r6ui6zbf spdi。`).
                    || id.starts_with("wxid_")
                        && (id.len() + more.len() == 19 || token_ends(t, e2)))
                && id.len() + more.len() <= 20
            {
                id.push_str(&more);
                end = e2;
            }
        }
        if !(6..=20).contains(&id.len()) || is_label_word(&id.to_ascii_lowercase()) {
            continue;
        }
        if end < t.len()
            && matches!(t.fold(end), '@' | '.')
            && end + 1 < t.len()
            && t.ascii_alnum(end + 1).is_some()
        {
            continue;
        }
        for c in &mut claimed[i..end] {
            *c = true;
        }
        out.push(Found::new(
            Kind::Wechat,
            Span::new(i, end),
            id,
            Facts::new(),
            0.9,
        ));
    }
}

/// Whether a token ending at `e` ends there for good: the text's end, or no Latin letter or
/// digit at `e` or after the spaces there.
fn token_ends(t: &Text, e: usize) -> bool {
    let mut k = e;
    while k < t.len() && matches!(t.class(k), Class::Space | Class::Invisible) {
        k += 1;
    }
    k >= t.len() || !matches!(t.class(k), Class::Letter | Class::Digit)
}

/// Whether the token at `i` is a sale keyword alone or with its price (`KFJL（近三年）`,
/// `kfjl300米`, `jzxx170r一条`) rather than a handle that starts with one (`guiji5926`).
fn keyword_with_price(t: &Text, hits: &[Hit], i: usize) -> bool {
    let (token, end) = read_token(t, i, is_handle);
    let from = hits.partition_point(|k| k.start < i);
    hits[from..]
        .iter()
        .take_while(|k| k.start == i)
        .filter(|k| matches!(k.group, Group::Ad(_)))
        .any(|k| {
            let rest = &token[(k.end - i).min(token.len())..];
            let digits = rest.trim_end_matches(['r', 'u', 'R', 'U']);
            if rest.is_empty() {
                return true;
            }
            let unit_letter = digits.len() < rest.len();
            // A zero may be written `O` (`jzxx6O/条`), after a digit.
            digits.starts_with(|c: char| c.is_ascii_digit())
                && digits
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'o' | b'O'))
                && (unit_letter
                    || crate::verdict::price_unit_at(t, end)
                    || end < t.len() && matches!(t.fold(end), '百' | '千' | '万'))
        })
}

/// Telegram handles: `@handle`, and a bare handle right after a name of Telegram or a
/// contact phrase of a sale ad (`飞机：abc_123`, `下单找 abc_123`).
pub fn detect_telegram_handles(t: &Text, hits: &[Hit], claimed: &mut [bool], out: &mut Vec<Found>) {
    let n = t.len();
    // `plain`: whether a word of letters only may be a handle here. After a sale word it may
    // not (`可定制logo`): one there has a digit or an underscore (`下单找 cd_ming93`).
    let take = |start: usize,
                tok_start: usize,
                plain: bool,
                claimed: &mut [bool],
                out: &mut Vec<Found>|
     -> Option<usize> {
        let (mut h, end) = if t.class(tok_start) == Class::Space && t.fold(start) == '@' {
            read_spaced_handle(t, tok_start)
        } else {
            read_token(t, tok_start, is_handle)
        };
        if !(4..=32).contains(&h.len())
            || !h.starts_with(|c: char| c.is_ascii_alphabetic())
            || !plain && !h.contains(|c: char| c == '_' || c.is_ascii_digit())
        {
            return None;
        }
        // Lower-cased once, in place, for the label test and the value (a lower-cased copy
        // for each was two allocations a handle).
        h.make_ascii_lowercase();
        if is_label_word(&h) {
            return None;
        }
        if end < n
            && (t.fold(end) == '@' || t.fold(end) == '.')
            && end + 1 < n
            && t.ascii_alnum(end + 1).is_some()
        {
            return None;
        }
        if claimed[start..end].iter().any(|&c| c) {
            return None;
        }
        for c in &mut claimed[start..end] {
            *c = true;
        }
        let f = Facts::from([("form", "handle")]);
        out.push(Found::new(Kind::Telegram, Span::new(start, end), h, f, 0.7));
        Some(end)
    };
    // The loader lists every `@` among its marks.
    for i in t.marks.iter().map(|&p| p as usize) {
        if t.fold(i) == '@'
            && !claimed[i]
            && (i == 0 || t.ascii_alnum(i - 1).is_none())
            && i + 1 < n
        {
            take(i, i + 1, true, claimed, out);
        }
    }
    // Words between a sale word and a handle (hashed slots: `str::contains` encoded the
    // character and searched the string's bytes at every step).
    const BRIDGE: CharSet<64> = CharSet::new(
        &[
            '私', '聊', '搜', '索', '联', '系', '号', '是', '加', '后', '台', '找', '群', '道',
            '频', '进', '下', '单', '咨', '询', '请', '详', '情', '@', '为',
        ],
        0x0034_7FD5,
    );
    for h in hits
        .iter()
        .filter(|h| matches!(h.group, Group::Tg | Group::Sale(_)))
        // After an English sale word (`lookup, phone owner`) the next word is prose.
        .filter(|h| !(matches!(h.group, Group::Sale(_)) && t.class(h.end - 1) == Class::Letter))
    {
        let mut i = h.end;
        let mut steps = 0;
        while i < n && steps < 8 {
            let c = t.fold(i);
            if t.class(i) == Class::Newline {
                break;
            }
            if t.info[i].is_gap() || BRIDGE.contains(c) || c == '：' {
                i += 1;
                steps += 1;
            } else {
                break;
            }
        }
        let after_sale = matches!(h.group, Group::Sale(_));
        if i < n
            && t.class(i) == Class::Letter
            && !claimed[i]
            && !(after_sale && keyword_with_price(t, hits, i))
            // The name of Telegram itself is no handle (`飞机”（Telegra👉m）`, `Tele🙏gram`), nor
            // the pinyin half of a keyword (`开房jilu`, `机主xinxi`).
            // (Of the hits that may reach past `i`: they come by start.)
            && !hits_near(hits, i + 1, i + 1).any(|k| {
                    i < k.end
                        && (k.group == Group::Tg || matches!(k.group, Group::Ad(_)) && k.start < i)
                })
        {
            let start = if i > 0 && t.fold(i - 1) == '@' && !claimed[i - 1] {
                i - 1
            } else {
                i
            };
            take(start, i, !after_sale, claimed, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chars::CharTable;

    /// The link scan stops at every bracket a sign may be written in, and at nothing else but
    /// the space.
    #[test]
    fn sign_brackets_are_the_link_openers() {
        let openers: Vec<char> = LINK_OPENERS.into_iter().filter(|&c| c != ' ').collect();
        let all: Vec<char> = (0..=0xFFFF).filter_map(char::from_u32).collect();
        let brackets: Vec<char> = all.iter().copied().filter(|&c| opens_sign(c)).collect();
        assert_eq!(brackets, {
            let mut o = openers.clone();
            o.sort_unstable();
            o
        });
    }

    /// The scan for link starts finds the characters the hashed set holds, and the AVX2 scan
    /// those of them [`link_candidate`] keeps, in every code point of the BMP and the
    /// development corpus when present.
    #[test]
    fn finds_every_link_start() {
        let table = CharTable::new(&crate::testutil::dicts().t2s);
        let mut texts = crate::testutil::texts_with_dev_corpus(&[
            "@#[({<【〔 tThH艾小圈 at",
            "ab [at] c (艾特) d \u{200B}a 【A 〔x {y <at> [@]",
            "  a  a  a  a  a  a  a  a  a  a  a  a  a (",
        ]);
        texts.push((0..=0xFFFF).filter_map(char::from_u32).collect());
        for s in &texts {
            let infos: Vec<CharInfo> = s.chars().map(|c| table.info(c)).collect();
            let mut i = 0;
            loop {
                let want = infos[i..].iter().position(link_start);
                assert_eq!(next_link_start(&infos[i..]), want, "{s:?} from {i}");
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU has AVX2 (tested just above).
                    let avx2 = unsafe { next_link_start_avx2(&infos[i..]) };
                    let rest = &infos[i..];
                    // The rounds of eight end where fewer than nine characters are left.
                    let mut e = 0;
                    while e + 9 <= rest.len() {
                        e += 8;
                    }
                    let kept = (0..e)
                        .find(|&k| link_candidate(rest, k))
                        .or_else(|| (e..rest.len()).find(|&k| link_start(&rest[k])));
                    assert_eq!(avx2, kept, "{s:?} from {i}");
                }
                match want {
                    Some(k) => i += k + 1,
                    None => break,
                }
            }
        }
    }
}
