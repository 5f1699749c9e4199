//! Mainland mobile numbers: `1[3-9]` and nine more digits on an allocated segment (the table in
//! `dictionaries/mobile_segments.tsv`), and the service numbers that are never personal.

use crate::dict::Dictionaries;

/// Carrier of an 11-digit mobile number on an allocated segment.
pub fn carrier<'a>(digits: &str, dicts: &'a Dictionaries) -> Option<&'a str> {
    let b = digits.as_bytes();
    if b.len() != 11 || b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
        return None;
    }
    dicts.mobile_carrier(digits)
}

/// 400/800 hotlines, 95xxx and 10xxx short numbers, 106 SMS senders, 12xxx government lines:
/// on digit values, as the number detector holds them (no text needed for the test).
pub fn is_service_number(d: &[u8]) -> bool {
    let n = d.len();
    (n == 10 && (d.starts_with(&[4, 0, 0]) || d.starts_with(&[8, 0, 0])))
        || (d.starts_with(&[9, 5]) && (5..=8).contains(&n))
        || (d.starts_with(&[1, 0]) && (5..=8).contains(&n))
        || (d.starts_with(&[1, 0, 6]) && n >= 8)
        || (d.starts_with(&[1, 2]) && (5..=6).contains(&n))
}

/// A fixed-line number written with its area code (`010…`, `0755…`): the area's city.
pub fn landline<'a>(digits: &str, dicts: &'a Dictionaries) -> Option<&'a str> {
    if !digits.starts_with('0') || !(10..=12).contains(&digits.len()) {
        return None;
    }
    for n in [3usize, 4] {
        if let Some(city) = dicts.area_code(&digits[..n]) {
            let local = digits.len() - n;
            if (7..=8).contains(&local) && !digits[n..].starts_with('0') {
                return Some(city);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::dicts;

    #[test]
    fn table() {
        let d = dicts();
        let cases: &[(&str, bool)] = &[
            ("13800138000", true),
            ("19912345678", true),
            ("16612345678", true),
            ("12345678901", false),
            ("1380013800", false),
            ("10086123456", false),
        ];
        for &(n, ok) in cases {
            assert_eq!(carrier(n, d).is_some(), ok, "{n}");
        }
        let digits = crate::detectors::id_card::tests::digits;
        assert!(is_service_number(&digits("4008123123")));
        assert!(is_service_number(&digits("95588")));
        assert!(!is_service_number(&digits("13800138000")));
        assert_eq!(landline("01087765777", d), Some("北京"));
        assert_eq!(landline("075582494862", d), Some("深圳"));
        assert_eq!(landline("13800138000", d), None);
    }
}
