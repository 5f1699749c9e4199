//! Canonical identifiers, exactly as the matcher produces them: a leak set only works if a dump
//! row and a post yield the same canonical string, so the same validators decide.

use doxwatch_detect::detectors::{bank_card, id_card, phone};
use doxwatch_detect::{Date, Dictionaries, Scanner};
use doxwatch_model::Kind;
use std::sync::OnceLock;

/// Kinds a leak set can hold (the identifier kinds the matcher hashes).
pub const SET_KINDS: [Kind; 8] = [
    Kind::IdCard,
    Kind::Phone,
    Kind::BankCard,
    Kind::Email,
    Kind::Qq,
    Kind::Wechat,
    Kind::Telegram,
    Kind::Name,
];

pub fn kind_from_str(s: &str) -> Option<Kind> {
    SET_KINDS.into_iter().find(|k| k.as_str() == s)
}

pub struct Canonicalizer {
    dicts: Dictionaries,
    today: Date,
    /// The whole scanner, for the kinds whose canonical form is the detector's reading of
    /// free text (e-mail, QQ, WeChat, Telegram, names); built on first use only.
    scanner: OnceLock<Option<Scanner>>,
}

impl Canonicalizer {
    pub fn new() -> Result<Canonicalizer, doxwatch_detect::DictError> {
        Ok(Canonicalizer {
            dicts: Dictionaries::embedded()?,
            today: Date::today(),
            scanner: OnceLock::new(),
        })
    }

    /// The canonical form of `raw` as `kind`, or `None` when the matcher would not accept it.
    pub fn canonical(&self, kind: Kind, raw: &str) -> Option<String> {
        let mut out = String::new();
        self.canonical_into(kind, raw, &mut out).then_some(out)
    }

    /// [`Canonicalizer::canonical`] into a reused buffer (bulk builds): true when valid.
    pub fn canonical_into(&self, kind: Kind, raw: &str, out: &mut String) -> bool {
        self.canonical_into_cached(kind, raw, out, &mut CanonCache::default())
    }

    /// [`Canonicalizer::canonical_into`] remembering, in `cache`, lookups that depend on a
    /// prefix only (one cache per build thread).
    pub(crate) fn canonical_into_cached(
        &self,
        kind: Kind,
        raw: &str,
        out: &mut String,
        cache: &mut CanonCache,
    ) -> bool {
        out.clear();
        let raw = trim(raw);
        if raw.is_empty() {
            return false;
        }
        match kind {
            Kind::IdCard => self.id_card(raw, out),
            Kind::Phone => self.phone(raw, out, cache),
            Kind::BankCard => {
                if !digits(raw, false, out) {
                    return false;
                }
                let d: Vec<u8> = out.bytes().map(|b| b - b'0').collect();
                bank_card::validate(out, &d, &self.dicts).is_some()
            }
            _ => match self.by_scan(kind, raw) {
                Some(v) => {
                    out.push_str(&v);
                    true
                }
                None => false,
            },
        }
    }

    fn id_card(&self, raw: &str, out: &mut String) -> bool {
        if !digits(raw, true, out) || !matches!(out.len(), 15 | 18) {
            return false;
        }
        let mut d = [0u8; 18];
        for (i, b) in out.bytes().enumerate() {
            d[i] = if b == b'X' { 10 } else { b - b'0' };
        }
        // Only the check character may be X; the validators (not building facts) do the rest.
        let n = out.len();
        if d[..n - 1].contains(&10) {
            return false;
        }
        if n == 18 {
            id_card::is_valid18(&d, &self.dicts, self.today)
        } else {
            id_card::is_valid15(&d[..15], &self.dicts, self.today)
        }
    }

    fn phone(&self, raw: &str, out: &mut String, cache: &mut CanonCache) -> bool {
        if !digits(raw.trim_start_matches('+'), false, out) {
            return false;
        }
        let cc = match out.len() {
            13 if out.starts_with("86") => 2,
            15 if out.starts_with("0086") => 4,
            _ => 0,
        };
        out.drain(..cc);
        let b = out.as_bytes();
        // `carrier` reads an 11-digit 1[3-9] number by its segment (longest allocated prefix of
        // at most 7 digits): its answer for the first 7 digits holds for every such number.
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            // The 6 digits after the leading 1.
            let seg = b[1..7]
                .iter()
                .fold(0usize, |n, &d| n * 10 + usize::from(d - b'0'));
            if cache.segments.is_empty() {
                cache.segments = vec![0; 1_000_000];
            }
            return match cache.segments[seg] {
                1 => true,
                2 => false,
                _ => {
                    let ok = phone::carrier(out, &self.dicts).is_some();
                    cache.segments[seg] = if ok { 1 } else { 2 };
                    ok
                }
            };
        }
        phone::carrier(out, &self.dicts).is_some()
    }

    fn by_scan(&self, kind: Kind, raw: &str) -> Option<String> {
        let scanner = self
            .scanner
            .get_or_init(|| {
                Scanner::with_dictionaries(Dictionaries::embedded().ok()?, self.today).ok()
            })
            .as_ref()?;
        // A label in front, as a post would have it, so the detector reads the value as the kind.
        let framed = match kind {
            Kind::Qq => format!("QQ {raw}"),
            Kind::Wechat => format!("微信 {raw}"),
            Kind::Telegram => format!("TG {raw}"),
            Kind::Name => format!("姓名：{raw}"),
            _ => raw.to_string(),
        };
        let r = scanner.scan(&framed);
        let f = r.findings.iter().find(|f| f.kind == kind)?;
        Some(f.value.expose().to_string())
    }
}

/// What one build thread remembers between values: whether a mobile segment (the 6 digits
/// after the leading 1, as a number) is allocated: 0 not yet asked, 1 yes, 2 no. Up to five
/// dictionary lookups per phone were ~15% of a build's hashing time; the table (1 MB) is
/// allocated on the first phone.
#[derive(Default)]
pub(crate) struct CanonCache {
    segments: Vec<u8>,
}

/// `str::trim`, answering at once for a value that starts and ends with a printable ASCII
/// character (no Unicode white space can be there): the usual dump value, trimmed twice per
/// value in a build, where the general scan was ~3% of the time.
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if (b'!'..=b'~').contains(f) && (b'!'..=b'~').contains(l) => s,
        _ => s.trim(),
    }
}

/// ASCII and full-width digits with the usual separators removed, into `out`; false on
/// anything else. With `x`, an `x`/`X` is kept (upper case) for the check character of an ID.
fn digits(raw: &str, x: bool, out: &mut String) -> bool {
    out.clear();
    // Dumps mostly hold bare ASCII digits: copied at once, the same result as the loop below.
    if raw.bytes().all(|b| b.is_ascii_digit()) {
        out.push_str(raw);
        return !out.is_empty();
    }
    for c in raw.chars() {
        match c {
            '0'..='9' => out.push(c),
            '０'..='９' => out.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            'x' | 'X' | 'ｘ' | 'Ｘ' if x => out.push('X'),
            ' ' | '-' | '.' | '(' | ')' | '\t' | '\u{3000}' => {}
            _ => return false,
        }
    }
    !out.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_table() {
        let c = Canonicalizer::new().unwrap();
        let id = id_card::with_check("11010519491231002");
        let cases: &[(&str, Kind, &str, Option<&str>)] = &[
            ("id", Kind::IdCard, &id, Some(&id)),
            (
                "id lower x",
                Kind::IdCard,
                "11010519491231002x",
                Some("11010519491231002X"),
            ),
            (
                "id spaced",
                Kind::IdCard,
                "110105 19491231 002X",
                Some("11010519491231002X"),
            ),
            ("id bad check", Kind::IdCard, "110105194912310021", None),
            (
                "id bad region",
                Kind::IdCard,
                &id_card::with_check("99010519491231002"),
                None,
            ),
            (
                "id bad date",
                Kind::IdCard,
                &id_card::with_check("11010519491331002"),
                None,
            ),
            ("phone", Kind::Phone, "13800138000", Some("13800138000")),
            (
                "phone +86",
                Kind::Phone,
                "+86 138-0013-8000",
                Some("13800138000"),
            ),
            (
                "phone full width",
                Kind::Phone,
                "１３８００１３８０００",
                Some("13800138000"),
            ),
            ("phone unallocated", Kind::Phone, "10000138000", None),
            ("phone letters", Kind::Phone, "1380013800a", None),
            ("card luhn", Kind::BankCard, "6222 0200 0000 0000 008", None),
            ("empty", Kind::Phone, "  ", None),
            (
                "email",
                Kind::Email,
                "Zhang.Wei@Example.com",
                Some("zhang.wei@example.com"),
            ),
        ];
        for (name, kind, raw, want) in cases {
            assert_eq!(c.canonical(*kind, raw).as_deref(), *want, "{name}");
        }
    }

    #[test]
    fn quick_trim_is_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{3000}a",
            "a\u{3000}",
            "\ta\n",
            "~x!",
            "中",
            " 中 ",
            "\u{a0}1\u{a0}",
            "1 2",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn remembered_segments_agree_with_the_dictionary() {
        // Every 4-digit segment prefix 130-199 (allocated or not), twice through one cache,
        // with a +86 form: the cached answer is the dictionary's.
        let c = Canonicalizer::new().unwrap();
        let mut cache = CanonCache::default();
        let (mut yes, mut no) = (0, 0);
        for round in 0..2 {
            for seg in 1300..2000u32 {
                for tail in [0u32, 4_567, 9_999_999] {
                    let n = format!("{seg}{:07}", (tail + round) % 10_000_000);
                    let want = phone::carrier(&n, &c.dicts).is_some();
                    let mut out = String::new();
                    let raw = if tail == 4_567 {
                        format!("+86{n}")
                    } else {
                        n.clone()
                    };
                    let got = c.canonical_into_cached(Kind::Phone, &raw, &mut out, &mut cache);
                    assert_eq!(got, want, "{n}");
                    if want {
                        assert_eq!(out, n);
                        yes += 1;
                    } else {
                        no += 1;
                    }
                }
            }
        }
        assert!(yes > 100 && no > 100, "{yes} allocated, {no} not");
    }

    #[test]
    fn fast_id_check_agrees_with_the_detector() {
        // Every single-digit mutation of valid IDs: the fact-free check and validate18 agree.
        let c = Canonicalizer::new().unwrap();
        for i in 0..200u32 {
            let id = id_card::with_check(&format!(
                "4403051992{:02}{:02}{:03}",
                1 + i % 12,
                1 + i % 31,
                i
            ));
            for pos in 0..17 {
                for digit in [0u8, 3, 9] {
                    let mut d: Vec<u8> = id
                        .bytes()
                        .map(|b| if b == b'X' { 10 } else { b - b'0' })
                        .collect();
                    d[pos] = digit;
                    let s: String = d
                        .iter()
                        .map(|&x| if x == 10 { 'X' } else { char::from(b'0' + x) })
                        .collect();
                    let want = id_card::validate18(&d, &c.dicts, c.today).is_ok();
                    assert_eq!(
                        c.canonical(Kind::IdCard, &s).is_some(),
                        want,
                        "mutation {pos}"
                    );
                }
            }
        }
    }
}
