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
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        match kind {
            Kind::IdCard => self.id_card(raw),
            Kind::Phone => self.phone(raw),
            Kind::BankCard => {
                let s = digits(raw, false)?;
                let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
                bank_card::validate(&s, &d, &self.dicts).map(|_| s)
            }
            _ => self.by_scan(kind, raw),
        }
    }

    fn id_card(&self, raw: &str) -> Option<String> {
        let s = digits(raw, true)?;
        // Only the check character may be X.
        if s[..s.len() - 1].contains('X') {
            return None;
        }
        let d: Vec<u8> = s
            .bytes()
            .map(|b| if b == b'X' { 10 } else { b - b'0' })
            .collect();
        let ok = match d.len() {
            18 => id_card::validate18(&d, &self.dicts, self.today).is_ok(),
            15 => id_card::validate15(&d, &self.dicts, self.today).is_ok(),
            _ => false,
        };
        ok.then_some(s)
    }

    fn phone(&self, raw: &str) -> Option<String> {
        let s = digits(raw.trim_start_matches('+'), false)?;
        let s = match s.len() {
            13 if s.starts_with("86") => &s[2..],
            15 if s.starts_with("0086") => &s[4..],
            _ => &s[..],
        };
        phone::carrier(s, &self.dicts).map(|_| s.to_string())
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

/// ASCII and full-width digits with the usual separators removed; `None` on anything else.
/// With `x`, an `x`/`X` is kept (upper case) for the check character of an ID number.
fn digits(raw: &str, x: bool) -> Option<String> {
    let mut s = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '0'..='9' => s.push(c),
            '０'..='９' => s.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            'x' | 'X' | 'ｘ' | 'Ｘ' if x => s.push('X'),
            ' ' | '-' | '.' | '(' | ')' | '\t' | '\u{3000}' => {}
            _ => return None,
        }
    }
    (!s.is_empty()).then_some(s)
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
}
