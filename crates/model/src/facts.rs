//! `Facts`: what a detector derived from a value, as a short list kept in key order.
//!
//! A finding has one to eight facts, most one. As a `BTreeMap` every finding's facts allocated
//! a node of eleven entries and an ID's eight were sorted before the map was built (about 1,300
//! instructions an ID card). Here the detectors write their facts in key order into a vector
//! sized for them (one key comparison a fact), and a value known at compile time (`"true"`,
//! `"room"`) is not copied: a matcher pass 124.56 -> 121.73 M instructions. With the first
//! fact inline (`SmallVec<[_; 1]>`) every finding is 24 bytes longer, and moving findings cost
//! more than the allocation saved (122.63 M).

use std::borrow::Cow;
use std::fmt;

/// A fact's value: a word known at compile time is borrowed, anything read or computed owned.
pub type FactValue = Cow<'static, str>;

/// Facts a detector derived from a value (region, birth date, carrier, bank …). Never the
/// value itself. Read like a map; iteration is in key order, as a `BTreeMap`'s (the JSON of
/// alerts and the CLI's output list facts in that order).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Facts(Vec<(&'static str, FactValue)>);

impl Facts {
    pub fn new() -> Facts {
        Facts::default()
    }

    /// Room for `n` facts at once (pushed into an empty vector, the first fact grew it through
    /// the allocator's slow path).
    pub fn with_capacity(n: usize) -> Facts {
        Facts(Vec::with_capacity(n))
    }

    /// Sets `key` to `value` (replacing the value it had). The detectors write their facts in
    /// key order: one key comparison and a push.
    #[inline]
    pub fn insert(&mut self, key: &'static str, value: impl Into<FactValue>) {
        let value = value.into();
        match self.0.last() {
            Some((last, _)) if !before(last, key) => self.insert_within(key, value),
            _ => self.0.push((key, value)),
        }
    }

    #[cold]
    fn insert_within(&mut self, key: &'static str, value: FactValue) {
        match self.0.binary_search_by(|(k, _)| (*k).cmp(key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| &**v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The facts in key order.
    pub fn iter(&self) -> Iter<'_> {
        self.0.iter().map(entry as _)
    }
}

/// `a < b` as `str` orders them (by bytes), in a loop the compiler inlines: `<` on `str` is a
/// `memcmp` call, about 25 instructions a fact of an ID card (0.12 M of a 117.3 M pass).
fn before(a: &str, b: &str) -> bool {
    a.bytes().lt(b.bytes())
}

fn entry<'a>((k, v): &'a (&'static str, FactValue)) -> (&'static str, &'a str) {
    (k, v)
}

/// [`Facts::iter`]'s iterator: `(key, value)` in key order.
pub type Iter<'a> = std::iter::Map<
    std::slice::Iter<'a, (&'static str, FactValue)>,
    fn(&'a (&'static str, FactValue)) -> (&'static str, &'a str),
>;

impl<'a> IntoIterator for &'a Facts {
    type Item = (&'static str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<V: Into<FactValue>, const N: usize> From<[(&'static str, V); N]> for Facts {
    fn from(entries: [(&'static str, V); N]) -> Facts {
        let mut f = Facts::with_capacity(N);
        for (k, v) in entries {
            f.insert(k, v);
        }
        f
    }
}

impl std::ops::Index<&str> for Facts {
    type Output = str;

    fn index(&self, key: &str) -> &str {
        self.get(key).expect("no such fact")
    }
}

/// As a map: `{"age": "10", "sex": "male"}`, the same text as the `BTreeMap` it replaces.
impl fmt::Debug for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn reads_and_orders_as_a_btreemap() {
        let entries = [
            ("sex", "female"),
            ("age", "31"),
            ("region", "x"),
            ("age", "32"),
            ("birth_date", "1994-01-01"),
        ];
        let mut f = Facts::new();
        let mut m = BTreeMap::new();
        for (k, v) in entries {
            f.insert(k, v.to_string());
            m.insert(k, v.to_string());
        }
        let got: Vec<(&str, &str)> = f.iter().collect();
        let want: Vec<(&str, &str)> = m.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(got, want);
        assert_eq!(format!("{f:?}"), format!("{m:?}"));
        assert_eq!(f.len(), 4);
        assert_eq!(f.get("age"), Some("32"));
        assert_eq!(&f["region"], "x");
        assert!(f.contains_key("sex") && !f.contains_key("minor"));
        assert_eq!(
            Facts::from([("b", "2"), ("a", "1")]).iter().next(),
            Some(("a", "1"))
        );
        assert!(Facts::new().is_empty());
        for (a, b) in [
            ("age", "sex"),
            ("region", "region_code"),
            ("b", "a"),
            ("x", "x"),
        ] {
            assert_eq!(before(a, b), a < b, "{a} {b}");
        }
    }
}
