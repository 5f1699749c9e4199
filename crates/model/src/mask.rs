//! Masked display forms. A masked value keeps enough to recognise a record in review
//! (the region prefix of an ID, the segment of a phone) and hides what identifies the person.

use crate::Kind;

/// Masks `value` (a canonical value of `kind`) for display.
pub fn mask(kind: Kind, value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let keep = |head: usize, tail: usize| -> String {
        if n <= head + tail {
            return "*".repeat(n);
        }
        let mut s: String = chars[..head].iter().collect();
        s.extend(std::iter::repeat_n('*', n - head - tail));
        s.extend(&chars[n - tail..]);
        s
    };
    match kind {
        Kind::IdCard | Kind::MaskedIdCard => keep(6, 4),
        Kind::Phone | Kind::MaskedPhone => keep(3, 4),
        Kind::BankCard | Kind::MaskedBankCard => keep(6, 4),
        Kind::Landline => keep(4, 2),
        Kind::Qq | Kind::Wechat | Kind::Telegram => keep(2.min(n / 3), 2.min(n / 3)),
        Kind::Email => match value.split_once('@') {
            Some((local, domain)) => {
                let l: Vec<char> = local.chars().collect();
                let head: String = l.iter().take(1).collect();
                format!("{head}{}@{domain}", "*".repeat(l.len().saturating_sub(1)))
            }
            None => keep(1, 0),
        },
        // A name keeps the surname; an address keeps its administrative prefix.
        Kind::Name => keep(1, 0),
        Kind::Address => keep(n.min(6), 0),
        Kind::AdKeyword => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_by_kind() {
        let cases = [
            (Kind::IdCard, "11010519491231002X", "110105********002X"),
            (Kind::Phone, "13800138000", "138****8000"),
            (Kind::BankCard, "6222021234567890128", "622202*********0128"),
            (Kind::Email, "zhangsan@example.com", "z*******@example.com"),
            (Kind::Name, "张三丰", "张**"),
            (Kind::Qq, "12345678", "12****78"),
            (Kind::AdKeyword, "开盒", "开盒"),
            (Kind::Phone, "138", "***"),
        ];
        for (kind, value, want) in cases {
            assert_eq!(mask(kind, value), want, "{kind} {want}");
        }
    }
}
