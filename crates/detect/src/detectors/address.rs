//! Postal addresses: an anchor from the gazetteer (province, city, county or town name, full or
//! short) or an address label, then a suffix grammar — administrative units (省 市 区 县 …),
//! road or village (路 街 大道 村 …), compound (小区 花园 苑 …), number, building, unit, room.
//! Place names need not be real (`艳市`, `张路` in synthetic records): the grammar reads any name
//! before a suffix. A bare province, city or district is not an address; the resolution reached
//! is reported as a fact.

use crate::chars::Class;
use crate::dict::{Dictionaries, PlaceLevel};
use crate::lexicon::{Field, Group, Hit};
use crate::text::Text;
use crate::Found;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use doxwatch_model::{Facts, Kind, Span};

/// Resolution levels, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Province = 1,
    City = 2,
    County = 3,
    Town = 4,
    Road = 5,
    Compound = 6,
    Number = 7,
    Building = 8,
    Unit = 9,
    Room = 10,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Town => "town",
            Level::Road => "road",
            Level::Compound => "compound",
            Level::Number => "number",
            Level::Building => "building",
            Level::Unit => "unit",
            Level::Room => "room",
        }
    }
}

/// The gazetteer automaton (full and short names), run on the skeleton.
pub struct Places {
    ac: AhoCorasick,
    levels: Vec<PlaceLevel>,
}

impl Places {
    pub fn build(d: &Dictionaries) -> Places {
        let mut names = Vec::new();
        let mut levels = Vec::new();
        for p in &d.places {
            names.push(p.name.clone());
            levels.push(p.level);
            if p.level != PlaceLevel::Town {
                if let Some(s) = &p.short {
                    names.push(s.clone());
                    levels.push(p.level);
                }
            }
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .expect("gazetteer automaton builds");
        Places { ac, levels }
    }
}

const ADMIN: &[(&str, Level)] = &[
    ("特别行政区", Level::Province),
    ("自治区", Level::Province),
    ("自治州", Level::City),
    ("自治县", Level::County),
    ("街道", Level::Town),
    ("省", Level::Province),
    ("市", Level::City),
    ("州", Level::City),
    ("盟", Level::City),
    ("区", Level::County),
    ("县", Level::County),
    ("旗", Level::County),
    ("镇", Level::Town),
    ("乡", Level::Town),
];
const ROAD: &[&str] = &[
    "大道", "大街", "胡同", "公路", "路", "街", "道", "巷", "弄", "村", "屯", "里",
];
const COMPOUND: &[&str] = &[
    "职工宿舍",
    "家属院",
    "小区",
    "花园",
    "花苑",
    "家园",
    "新村",
    "公寓",
    "大厦",
    "广场",
    "宿舍",
    "庄园",
    "中心",
    "大楼",
    "公馆",
    "山庄",
    "华庭",
    "天地",
    "社区",
    "新城",
    "名都",
    "佳园",
    "雅苑",
    "名苑",
    "苑",
    "城",
    "院",
    "府",
    "湾",
    "园",
    "阁",
    "居",
    "邸",
    "轩",
    "庭",
    "汇",
];
const NUMBER: &[(&str, Level)] = &[
    ("号楼", Level::Building),
    ("号院", Level::Compound),
    ("号房", Level::Room),
    ("单元", Level::Unit),
    ("号", Level::Number),
    ("栋", Level::Building),
    ("幢", Level::Building),
    ("座", Level::Building),
    ("室", Level::Room),
    ("层", Level::Unit),
    ("楼", Level::Unit),
    ("组", Level::Number),
    ("排", Level::Number),
    ("户", Level::Room),
    ("期", Level::Compound),
    ("弄", Level::Number),
];
/// Characters a component's *name* may not contain: they end components themselves.
const FORBIDDEN: &str = "省市区县路街栋幢室村镇乡，。；、：:,;|";

fn is_numeral(t: &Text, i: usize) -> bool {
    let info = t.info[i];
    info.class() == Class::Digit
        || info.digit().is_some()
        || matches!(info.fold(), '十' | '百' | '千')
}

/// Address positions skip spaces and zero-width characters (never a line break).
fn next_pos(t: &Text, mut i: usize) -> usize {
    while i < t.len() && matches!(t.class(i), Class::Space | Class::Invisible) {
        i += 1;
    }
    i
}

/// Reads a suffix at `i` from a list; returns its end.
fn suffix_at<'a, T: Copy>(t: &Text, i: usize, list: &'a [(&'a str, T)]) -> Option<(usize, T)> {
    for &(s, v) in list {
        let mut j = i;
        let mut ok = true;
        for c in s.chars() {
            j = next_pos(t, j);
            if j >= t.len() || t.fold(j) != c {
                ok = false;
                break;
            }
            j += 1;
        }
        if ok {
            return Some((j, v));
        }
    }
    None
}

fn with_unit<'a>(l: &'a [&'a str]) -> Vec<(&'a str, ())> {
    l.iter().map(|&s| (s, ())).collect()
}

/// A named component: 1..=max name characters then a suffix from `list`.
fn named<T: Copy>(
    t: &Text,
    q: usize,
    max: usize,
    list: &[(&str, T)],
    allow_digits: bool,
) -> Option<(usize, T)> {
    let mut i = q;
    let mut count = 0;
    while count < max {
        i = next_pos(t, i);
        if i >= t.len() {
            return None;
        }
        if count >= 1 {
            if let Some(r) = suffix_at(t, i, list) {
                return Some(r);
            }
        }
        let info = t.info[i];
        let ok = match info.class() {
            Class::Cjk => !FORBIDDEN.contains(info.fold()),
            Class::Letter | Class::Digit => allow_digits,
            _ => false,
        };
        if !ok {
            return None;
        }
        i += 1;
        count += 1;
    }
    None
}

fn number(t: &Text, q: usize, prev: Level) -> Option<(usize, Level)> {
    let mut i = next_pos(t, q);
    let start = i;
    while i < t.len() && is_numeral(t, i) {
        i += 1;
    }
    if i == start {
        // A single letter building or unit: `c座`, `A栋`.
        if i < t.len() && t.class(i) == Class::Letter {
            let (e, lv) = suffix_at(t, i + 1, NUMBER)?;
            return matches!(lv, Level::Building | Level::Unit).then_some((e, lv));
        }
        return None;
    }
    if let Some(r) = suffix_at(t, i, NUMBER) {
        return Some(r);
    }
    // `15-4-1304`, `3号楼1406`: a dashed or bare room number after a building.
    let ascii = (start..i).all(|k| t.class(k) == Class::Digit);
    if !ascii {
        return None;
    }
    let mut end = i;
    let mut parts = 1;
    while end + 1 < t.len() && matches!(t.fold(end), '-' | '－') && t.class(end + 1) == Class::Digit
    {
        let mut k = end + 1;
        while k < t.len() && t.class(k) == Class::Digit {
            k += 1;
        }
        end = k;
        parts += 1;
    }
    if parts >= 2 && prev >= Level::Road {
        return Some((end, Level::Room));
    }
    if prev >= Level::Building && (3..=4).contains(&(i - start)) {
        return Some((i, Level::Room));
    }
    None
}

/// Parses components from `q`; returns (end, deepest level, components).
fn parse(
    t: &Text,
    q: usize,
    place_at: &dyn Fn(usize) -> Option<(usize, Level)>,
) -> (usize, Level, usize) {
    let admin: Vec<(&str, Level)> = ADMIN.to_vec();
    let road = with_unit(ROAD);
    let compound = with_unit(COMPOUND);
    let mut pos = q;
    let mut deepest = Level::Province;
    let mut last = Level::Province;
    let mut end = q;
    let mut n = 0;
    loop {
        let p = next_pos(t, pos);
        if p >= t.len() {
            break;
        }
        let step = number(t, p, last)
            .or_else(|| {
                (last < Level::Road)
                    .then(|| named(t, p, 7, &admin, false))
                    .flatten()
            })
            .or_else(|| named(t, p, 8, &road, true).map(|(e, ())| (e, Level::Road)))
            .or_else(|| named(t, p, 8, &compound, true).map(|(e, ())| (e, Level::Compound)))
            .or_else(|| (last < Level::Road).then(|| place_at(p)).flatten());
        let Some((e, lv)) = step else { break };
        // Administrative units come before roads; a second address starts over.
        if lv <= Level::Town && last >= Level::Road {
            break;
        }
        n += 1;
        end = e;
        pos = e;
        last = lv;
        deepest = deepest.max(lv);
    }
    (end, deepest, n)
}

pub fn detect(t: &Text, places: &Places, hits: &[Hit], claimed: &mut [bool], out: &mut Vec<Found>) {
    // Gazetteer hits in original offsets: start → (end, level).
    let mut at: Vec<(usize, usize, Level)> = places
        .ac
        .find_iter(&t.skel)
        .map(|m| {
            let (s, e) = t.skel_span(m.start(), m.end());
            let lv = match places.levels[m.pattern().as_usize()] {
                PlaceLevel::Province => Level::Province,
                PlaceLevel::City => Level::City,
                PlaceLevel::County => Level::County,
                PlaceLevel::Town => Level::Town,
            };
            (s, e, lv)
        })
        .collect();
    for h in hits
        .iter()
        .filter(|h| h.group == Group::Label(Field::Address))
    {
        let mut s = h.end;
        while s < t.len()
            && (t.info[s].is_gap() || matches!(t.fold(s), '：' | ':' | '是' | '在'))
            && t.class(s) != Class::Newline
        {
            s += 1;
        }
        if s < t.len() && t.class(s) == Class::Cjk {
            at.push((s, s, Level::Province));
        }
    }
    at.sort_unstable();
    let place_at = |p: usize| -> Option<(usize, Level)> {
        at.iter()
            .find(|&&(s, e, _)| s == p && e > s)
            .map(|&(_, e, lv)| (e, lv))
    };
    let mut covered = 0;
    for &(s, _, _) in &at {
        if s < covered || claimed[s] {
            continue;
        }
        let (end, deepest, n) = parse(t, s, &place_at);
        if n < 2 || deepest < Level::Road {
            continue;
        }
        if claimed[s..end].iter().any(|&c| c) {
            continue;
        }
        covered = end;
        for c in &mut claimed[s..end] {
            *c = true;
        }
        let value = t.compact(s, end);
        let mut f = Facts::new();
        f.insert("resolution", deepest.as_str().into());
        let conf = if deepest >= Level::Building { 0.9 } else { 0.7 };
        out.push(Found::new(Kind::Address, Span::new(s, end), value, f, conf));
    }
}
