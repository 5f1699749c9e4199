//! Masked display forms. A masked value keeps enough to recognise a record in review
//! (the region prefix of an ID, the segment of a phone) and hides what identifies the person.

use crate::Kind;

/// Masks `value` (a canonical value of `kind`) for display.
pub fn mask(kind: Kind, value: &str) -> String {
    let mut s = String::with_capacity(value.len());
    mask_into(kind, value, &mut s);
    s
}

/// [`mask`], appended to `out`: the matcher gathers an alert's masked values in one buffer.
pub fn mask_into(kind: Kind, value: &str, out: &mut String) {
    // Sale keywords are shown as they are; an email keeps the first character of its local
    // part and its domain.
    if kind == Kind::AdKeyword {
        return out.push_str(value);
    }
    if kind == Kind::Email {
        if let Some((local, domain)) = value.split_once('@') {
            let mut chars = local.chars();
            out.extend(chars.next());
            push_stars(out, chars.count());
            out.push('@');
            return out.push_str(domain);
        }
    }
    // Byte positions instead of a `Vec<char>` copy of the value; an ASCII value (most phones,
    // ID and card numbers, QQ numbers) needs no decoding to find them.
    let ascii = value.is_ascii();
    let n = if ascii {
        value.len()
    } else {
        value.chars().count()
    };
    let byte_at = |c: usize| match ascii {
        true => c.min(value.len()),
        false => value.char_indices().nth(c).map_or(value.len(), |(b, _)| b),
    };
    let (head, tail) = kept(kind, n);
    if n <= head + tail {
        return push_stars(out, n);
    }
    let (h, t) = (byte_at(head), byte_at(n - tail));
    out.push_str(&value[..h]);
    push_stars(out, n - head - tail);
    out.push_str(&value[t..]);
}

/// How many characters a value of `n` characters of `kind` keeps at its head and at its tail
/// (the rest become asterisks; all of it when it has no more than those). Not asked for sale
/// keywords (shown as they are) nor for emails with an `@` (see [`mask_into`]).
fn kept(kind: Kind, n: usize) -> (usize, usize) {
    match kind {
        Kind::IdCard | Kind::MaskedIdCard | Kind::BankCard | Kind::MaskedBankCard => (6, 4),
        Kind::Phone | Kind::MaskedPhone => (3, 4),
        Kind::Landline => (4, 2),
        Kind::Qq | Kind::Wechat | Kind::Telegram => (2.min(n / 3), 2.min(n / 3)),
        // A name keeps the surname; an address keeps its administrative prefix; an email
        // without an `@` its first character.
        Kind::Name | Kind::Email => (1, 0),
        Kind::Address => (n.min(6), 0),
        Kind::AdKeyword => (n, 0),
    }
}

/// `n` asterisks, copied from a constant a slice at a time (`extend` with `repeat_n('*', n)`
/// pushed one `char` at a time, each with its own capacity check).
fn push_stars(out: &mut String, mut n: usize) {
    const STARS: &str = "********************************";
    while n > STARS.len() {
        out.push_str(STARS);
        n -= STARS.len();
    }
    out.push_str(&STARS[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind at every length up to past the asterisks' constant, ASCII and not, against
    /// the masking written over a `Vec<char>` with one asterisk pushed at a time (the kinds'
    /// rules themselves are held by `masks_by_kind`).
    #[test]
    fn masks_as_char_by_char() {
        let naive = |kind: Kind, value: &str| -> String {
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
            match (kind, value.split_once('@')) {
                (Kind::AdKeyword, _) => value.to_string(),
                (Kind::Email, Some((local, domain))) => {
                    let mut c = local.chars();
                    let mut s: String = c.next().into_iter().collect();
                    s.extend(c.map(|_| '*'));
                    format!("{s}@{domain}")
                }
                _ => {
                    let (head, tail) = kept(kind, n);
                    keep(head, tail)
                }
            }
        };
        for n in 0..80 {
            for unit in ["7", "字", "😀"] {
                let v = unit.repeat(n);
                let email = format!("{v}@例子.cn");
                for kind in Kind::ALL {
                    for value in [v.as_str(), email.as_str()] {
                        assert_eq!(mask(kind, value), naive(kind, value), "{kind} {value}");
                    }
                }
            }
        }
    }

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
            (Kind::Email, "@example.com", "@example.com"),
            (Kind::Email, "张三@例子.cn", "张*@例子.cn"),
            (Kind::Email, "no-at-sign", "n*********"),
            (Kind::Address, "北京市朝阳区建国路1号", "北京市朝阳区*****"),
            (Kind::Address, "北京市", "***"),
            (Kind::Qq, "12345", "1***5"),
            (Kind::Landline, "01012345678", "0101*****78"),
            (Kind::IdCard, "", ""),
        ];
        for (kind, value, want) in cases {
            assert_eq!(mask(kind, value), want, "{kind} {want}");
            let mut after = "before|".to_string();
            mask_into(kind, value, &mut after);
            assert_eq!(after, format!("before|{want}"), "{kind} {want}");
        }
    }
}
