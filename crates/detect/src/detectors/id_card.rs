//! Resident identity card numbers (GB 11643): 18 characters with an ISO 7064 MOD 11-2 check
//! character, a region code from the historical GB/T 2260 tables (old cards keep retired codes),
//! a real birth date not in the future; and the legacy 15-digit form (region + 19YYMMDD).

use crate::date::Date;
use crate::dict::Dictionaries;
use doxwatch_model::{FactValue, Facts};
use std::borrow::Cow;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2];

/// Why a number that looks like an ID is not one (shown by `--explain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    Checksum,
    Region,
    BirthDate,
    Future,
}

impl Reject {
    pub fn as_str(self) -> &'static str {
        match self {
            Reject::Checksum => "check character fails ISO 7064 MOD 11-2",
            Reject::Region => "region code never existed",
            Reject::BirthDate => "impossible birth date",
            Reject::Future => "birth date out of range",
        }
    }
}

/// The ISO 7064 MOD 11-2 check value (10 = `X`) of the first 17 digits.
pub fn check_digit(d: &[u8]) -> u8 {
    let sum: u32 = d[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(&x, w)| u32::from(x) * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// `first17` completed with its check character: how tests and benchmarks make synthetic ID
/// numbers that pass validation. Panics unless given 17 ASCII digits.
pub fn with_check(first17: &str) -> String {
    let d: Vec<u8> = first17.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    assert!(
        d.len() == 17 && d.iter().all(|&x| x < 10),
        "17 digits expected"
    );
    let c = check_digit(&d);
    format!(
        "{first17}{}",
        if c == 10 { 'X' } else { char::from(b'0' + c) }
    )
}

fn num(d: &[u8]) -> u32 {
    d.iter().fold(0, |a, &x| a * 10 + u32::from(x))
}

/// The region and birth-date checks, without facts: shared by the detector and by bulk
/// canonicalisation (known-leak sets), which needs only the yes or no.
fn check_region_and_birth<'d>(
    d: &[u8],
    year: u16,
    md: &[u8],
    dicts: &'d Dictionaries,
    today: Date,
) -> Result<(&'d crate::dict::Region, bool, Date), Reject> {
    let code = num(&d[..6]);
    // GB 11643 requires a province-level prefix; the county part is looked up in the historical
    // tables (1980 on), falling back to the prefecture, since old cards carry codes (`xxxx01`
    // 市辖区, `xxxx20` 市区) that no yearly table lists. Not to the province alone: a prefecture
    // no table lists (`1111xx`) is no code a card carries, and a 15-digit number has no check
    // digit, so `111111111111111` (a province, then a date 1911-11-11) read as an ID.
    dicts.region(code / 10_000 * 10_000).ok_or(Reject::Region)?;
    let exact = dicts.region(code);
    let region = exact
        .or_else(|| dicts.region(code / 100 * 100))
        .ok_or(Reject::Region)?;
    let birth =
        Date::new(year, num(&md[..2]) as u8, num(&md[2..4]) as u8).ok_or(Reject::BirthDate)?;
    if birth.year < 1900 || birth > today {
        return Err(Reject::Future);
    }
    Ok((region, exact.is_some(), birth))
}

/// Whether 18 digit values (the last may be 10 for `X`) pass [`validate18`], without its facts.
pub fn is_valid18(d: &[u8], dicts: &Dictionaries, today: Date) -> bool {
    d.len() == 18
        && d[..17].iter().all(|&x| x <= 9)
        && check_digit(d) == d[17]
        && check_region_and_birth(d, num(&d[6..10]) as u16, &d[10..14], dicts, today).is_ok()
}

/// Whether 15 digits pass [`validate15`], without its facts.
pub fn is_valid15(d: &[u8], dicts: &Dictionaries, today: Date) -> bool {
    d.len() == 15
        && d.iter().all(|&x| x <= 9)
        && check_region_and_birth(d, 1900 + num(&d[6..8]) as u16, &d[8..12], dicts, today).is_ok()
}

/// The facts of a valid ID: region, birth date, age, sex (from `sex_digit`) and `format`.
/// `year` is the birth year's four digit values (`19` and two for the 15-digit form).
fn region_and_birth(
    d: &[u8],
    (year, md): ([u8; 4], &[u8]),
    (sex_digit, format): (u8, &'static str),
    dicts: &Dictionaries,
    today: Date,
) -> Result<Facts, Reject> {
    let (region, exact, birth) = check_region_and_birth(d, num(&year) as u16, md, dicts, today)?;
    let age = birth.age_on(today);
    // The birth date and the region code are the ID's own digits: the date checked above was
    // read from them, so `Date`'s `Display` (`{:04}-{:02}-{:02}`) writes them back as they are,
    // and the code is its six digits. An age is one of a few words known at compile time.
    // Numbers written by hand: the formatting machinery was most of an ID's facts. The facts
    // are written in key order, so each insert is one comparison with the last key (a
    // `BTreeMap` from an array sorted its entries first: 1,300 instructions an ID).
    let mut f = Facts::with_capacity(8);
    f.insert("age", age_word(age));
    let mut date = [b'-'; 10];
    put_digits(&mut date[..4], &year);
    put_digits(&mut date[5..7], &md[..2]);
    put_digits(&mut date[8..10], &md[2..4]);
    f.insert("birth_date", ascii(&date));
    f.insert("format", format);
    f.insert("minor", if age < 14 { "true" } else { "false" });
    f.insert("region", region.name.clone());
    let mut code = [0u8; 6];
    put_digits(&mut code, &d[..6]);
    f.insert("region_code", ascii(&code));
    if !exact {
        f.insert("region_unlisted", "true");
    } else if region.to < 2024 {
        f.insert("region_retired", region.to.to_string());
    }
    f.insert("sex", if sex_digit % 2 == 1 { "male" } else { "female" });
    Ok(f)
}

/// Writes digit values as ASCII digits into `to` (as many as fit).
fn put_digits(to: &mut [u8], d: &[u8]) {
    for (to, &x) in to.iter_mut().zip(d) {
        *to = b'0' + x;
    }
}

/// ASCII bytes as an owned string.
fn ascii(b: &[u8]) -> String {
    debug_assert!(b.is_ascii());
    // SAFETY: ASCII is UTF-8.
    unsafe { std::str::from_utf8_unchecked(b) }.to_owned()
}

/// The decimal numbers below `AGES`, each in three bytes, left-aligned.
const AGES: usize = 200;
static AGE_DIGITS: [u8; 3 * AGES] = {
    let mut t = [b'0'; 3 * AGES];
    let mut n = 0;
    while n < AGES {
        let (a, b, c) = ((n / 100) as u8, (n / 10 % 10) as u8, (n % 10) as u8);
        let at = 3 * n;
        if n >= 100 {
            t[at] = b'0' + a;
            t[at + 1] = b'0' + b;
            t[at + 2] = b'0' + c;
        } else if n >= 10 {
            t[at] = b'0' + b;
            t[at + 1] = b'0' + c;
        } else {
            t[at] = b'0' + c;
        }
        n += 1;
    }
    t
};

/// An age in decimal, borrowed from [`AGE_DIGITS`] below [`AGES`] (every age from a birth
/// year of 1900 on, until 2100).
fn age_word(age: u16) -> FactValue {
    let n = usize::from(age);
    if n >= AGES {
        return Cow::Owned(age.to_string());
    }
    let len = 1 + usize::from(n >= 10) + usize::from(n >= 100);
    let at = 3 * n;
    // SAFETY: the table holds ASCII digits only.
    Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(&AGE_DIGITS[at..at + len]) })
}

/// Validates 18 digit values (the last may be 10 for `X`).
pub fn validate18(d: &[u8], dicts: &Dictionaries, today: Date) -> Result<Facts, Reject> {
    debug_assert_eq!(d.len(), 18);
    if d[..17].iter().any(|&x| x > 9) || check_digit(d) != d[17] {
        return Err(Reject::Checksum);
    }
    let year = [d[6], d[7], d[8], d[9]];
    region_and_birth(d, (year, &d[10..14]), (d[16], "18"), dicts, today)
}

/// Validates a legacy 15-digit number: region code and a 19YYMMDD birth date, no check digit.
pub fn validate15(d: &[u8], dicts: &Dictionaries, today: Date) -> Result<Facts, Reject> {
    debug_assert_eq!(d.len(), 15);
    if d.iter().any(|&x| x > 9) {
        return Err(Reject::Checksum);
    }
    let year = [1, 9, d[6], d[7]];
    region_and_birth(d, (year, &d[8..12]), (d[14], "15"), dicts, today)
}

/// GB 32100 unified social credit code check (18 characters over a 31-symbol alphabet). An
/// all-digit credit code can also pass the ID check: a credit code label decides, not the digits.
pub fn is_credit_code(s: &str) -> bool {
    const ALPHA: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let v: Option<Vec<u32>> = s
        .chars()
        .map(|c| ALPHA.find(c.to_ascii_uppercase()).map(|i| i as u32))
        .collect();
    let Some(v) = v.filter(|v| v.len() == 18) else {
        return false;
    };
    let sum: u32 = v[..17].iter().zip(W).map(|(a, w)| a * w).sum();
    (31 - sum % 31) % 31 == v[17]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testutil::dicts;

    pub fn digits(s: &str) -> Vec<u8> {
        s.chars()
            .map(|c| {
                if c == 'X' {
                    10
                } else {
                    c.to_digit(10).unwrap() as u8
                }
            })
            .collect()
    }

    /// Completes 17 digits with their check character (for building synthetic fixtures).
    pub fn with_check(s17: &str) -> String {
        let d = digits(s17);
        let mut full = d.clone();
        full.push(0);
        match check_digit(&full) {
            10 => format!("{s17}X"),
            c => format!("{s17}{c}"),
        }
    }

    #[test]
    fn table() {
        let today = Date::new(2025, 11, 23).unwrap();
        let d = dicts();
        let cases: &[(&str, &str, Result<&str, Reject>)] = &[
            ("valid", &with_check("11010519491231002"), Ok("北京市")),
            ("valid X", "11010519491231002X", Ok("北京市")),
            ("bad check", "110105194912310021", Err(Reject::Checksum)),
            (
                "unknown region",
                &with_check("99010519491231002"),
                Err(Reject::Region),
            ),
            (
                "a province, no prefecture of it",
                &with_check("11110519491231002"),
                Err(Reject::Region),
            ),
            (
                "an unlisted county of a prefecture",
                &with_check("11019919491231002"),
                Ok("北京市"),
            ),
            (
                "feb 30",
                &with_check("11010519490230002"),
                Err(Reject::BirthDate),
            ),
            (
                "future",
                &with_check("11010520300101002"),
                Err(Reject::Future),
            ),
            (
                "before 1900",
                &with_check("11010518991231002"),
                Err(Reject::Future),
            ),
        ];
        for (name, id, want) in cases {
            let got = validate18(&digits(id), d, today);
            match (want, got) {
                (Ok(region), Ok(f)) => assert!(f["region"].starts_with(region), "{name}"),
                (Err(w), Err(g)) => assert_eq!(*w, g, "{name}"),
                (w, g) => panic!("{name}: want {w:?}, got {g:?}"),
            }
        }
    }

    #[test]
    fn ages_are_written_as_display_does() {
        for n in 0..=300u16 {
            assert_eq!(age_word(n), n.to_string(), "{n}");
        }
    }

    #[test]
    fn dates_and_codes_are_the_digits() {
        let today = Date::new(2025, 11, 23).unwrap();
        let f = validate18(&digits(&with_check("11010519490301002")), dicts(), today).unwrap();
        assert_eq!(&f["birth_date"], "1949-03-01");
        assert_eq!(&f["region_code"], "110105");
        assert_eq!(&f["age"], "76");
        let f = validate15(&digits("110105090709002"), dicts(), today).unwrap();
        assert_eq!(&f["birth_date"], "1909-07-09");
        assert_eq!(&f["age"], "116");
    }

    #[test]
    fn facts_and_minor() {
        let today = Date::new(2025, 11, 23).unwrap();
        let f = validate18(&digits(&with_check("11010520150101003")), dicts(), today).unwrap();
        assert_eq!(&f["birth_date"], "2015-01-01");
        assert_eq!(&f["age"], "10");
        assert_eq!(&f["minor"], "true");
        assert_eq!(&f["sex"], "male");
    }

    #[test]
    fn legacy_15() {
        let today = Date::new(2025, 11, 23).unwrap();
        assert!(validate15(&digits("110105491231002"), dicts(), today).is_ok());
        // No check digit: the region stands in for it. `1111` is no prefecture.
        assert_eq!(
            validate15(&digits("111111111111111"), dicts(), today).err(),
            Some(Reject::Region)
        );
        assert_eq!(
            validate15(&digits("110105491331002"), dicts(), today).err(),
            Some(Reject::BirthDate)
        );
    }

    #[test]
    fn every_single_digit_mutation_fails_the_check() {
        let id = digits(&with_check("44030419900101001"));
        for pos in 0..18 {
            for v in 0..=9u8 {
                if v == id[pos] {
                    continue;
                }
                let mut m = id.clone();
                m[pos] = v;
                assert_ne!(check_digit(&m), m[17], "pos {pos} value {v}");
            }
        }
    }

    #[test]
    fn credit_code() {
        assert!(is_credit_code("91350100M000100Y43"));
        assert!(!is_credit_code("91350100M000100Y44"));
        assert!(!is_credit_code("short"));
    }
}
