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
    let mut keep = |head: usize, tail: usize| {
        if n <= head + tail {
            out.extend(std::iter::repeat_n('*', n));
            return;
        }
        let (h, t) = (byte_at(head), byte_at(n - tail));
        out.push_str(&value[..h]);
        out.extend(std::iter::repeat_n('*', n - head - tail));
        out.push_str(&value[t..]);
    };
    match kind {
        Kind::IdCard | Kind::MaskedIdCard => keep(6, 4),
        Kind::Phone | Kind::MaskedPhone => keep(3, 4),
        Kind::BankCard | Kind::MaskedBankCard => keep(6, 4),
        Kind::Landline => keep(4, 2),
        Kind::Qq | Kind::Wechat | Kind::Telegram => keep(2.min(n / 3), 2.min(n / 3)),
        Kind::Email => match value.split_once('@') {
            Some((local, domain)) => {
                let mut chars = local.chars();
                out.extend(chars.next());
                out.extend(chars.map(|_| '*'));
                out.push('@');
                out.push_str(domain);
            }
            None => keep(1, 0),
        },
        // A name keeps the surname; an address keeps its administrative prefix.
        Kind::Name => keep(1, 0),
        Kind::Address => keep(n.min(6), 0),
        Kind::AdKeyword => out.push_str(value),
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
