//! Postal addresses: an anchor from the gazetteer (province, city, county or town name, full or
//! short) or an address label, then a suffix grammar — administrative units (省 市 区 县 …),
//! road or village (路 街 大道 村 …), compound (小区 花园 苑 …), number, building, unit, room.
//! Place names need not be real (`艳市`, `张路` in synthetic records): the grammar reads any name
//! before a suffix. A bare province, city or district is not an address; the resolution reached
//! is reported as a fact.

use crate::chars::Class;
use crate::dict::{Dictionaries, PlaceLevel};
use crate::lexicon::{Field, Group, Hit};
use crate::terms::Terms;
use crate::text::Text;
use crate::Found;
use doxwatch_model::{Facts, Kind, Span};
use std::sync::OnceLock;

/// How far before a house-number mark an address may start, in code points.
const WINDOW: usize = 48;

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

/// The gazetteer (full and short names), searched on the skeleton in windows before house-number
/// marks, leftmost-longest and without overlaps, as an Aho-Corasick automaton with that match
/// kind would (a test compares the two on the development corpus); [`Terms`] instead of the
/// automaton because the windows are short and many (the automaton's per-search cost and its
/// reads of every byte were 5–7 % of a scan).
pub struct Places {
    index: Terms,
    levels: Vec<PlaceLevel>,
}

impl Places {
    pub fn build(d: &Dictionaries) -> Places {
        let mut names = Vec::new();
        let mut levels = Vec::new();
        // Towns (43,000 names) are left out of the anchors: an address names its county or
        // city first, or follows a label; the grammar reads town names by their suffix.
        for p in d.places.iter().filter(|p| p.level != PlaceLevel::Town) {
            names.push(p.name.clone());
            levels.push(p.level);
            if p.level != PlaceLevel::Town {
                if let Some(s) = &p.short {
                    names.push(s.clone());
                    levels.push(p.level);
                }
            }
        }
        Places {
            index: Terms::new(&names),
            levels,
        }
    }

    /// Leftmost-longest, non-overlapping names in `hay`: `each(start, end, id)` in character
    /// offsets. Among equal names the first listed wins.
    fn find_iter(&self, hay: &[char], mut each: impl FnMut(usize, usize, usize)) {
        let tr = &self.index.triggers;
        let mut p = 0;
        while p < hay.len() {
            // Straight to the next character that may start a name: in the windows searched,
            // 78 % start none, and the search's set-up for each (its state on the stack) cost
            // about 20 instructions a character (`detect` 13.83 -> 13.50 M, a pass 139.55 ->
            // 139.09 M).
            // An index loop: `position` on the rest kept four induction variables, 14
            // instructions a character (75,000 characters a pass).
            while p < hay.len() && !tr.may_start(hay[p]) {
                p += 1;
            }
            if p == hay.len() {
                break;
            }
            let mut best: Option<(usize, usize)> = None;
            self.index.prefixes_of(&hay[p..], |id, len| {
                // Ascending ids: only a strictly longer name replaces the one found.
                if best.is_none_or(|(_, l)| len > l) {
                    best = Some((id, len));
                }
            });
            match best {
                Some((id, len)) => {
                    each(p, p + len, id);
                    p += len;
                }
                None => p += 1,
            }
        }
    }
}

const ADMIN: Suffixes<Level> = Suffixes {
    bit: 1,
    items: &[
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
        // A township of Inner Mongolia (`正蓝旗上都镇`, `…苏木`).
        ("苏木", Level::Town),
    ],
};
const ROAD: Suffixes<()> = Suffixes {
    bit: 2,
    items: &[
        ("大道", ()),
        ("大街", ()),
        ("胡同", ()),
        ("公路", ()),
        ("路", ()),
        ("街", ()),
        ("道", ()),
        ("巷", ()),
        ("弄", ()),
        ("村", ()),
        // A village of Inner Mongolia (`乌兰嘎查12号`).
        ("嘎查", ()),
        ("屯", ()),
        ("里", ()),
        // A section of a long road: 天府大道北段, 人民南路四段.
        ("段", ()),
        // A numbered lane of Beijing's old city (`西四北三条15号`, `东四十条`).
        ("条", ()),
    ],
};
const COMPOUND: Suffixes<()> = Suffixes {
    bit: 4,
    items: &[
        ("职工宿舍", ()),
        ("家属院", ()),
        // An industrial estate is a compound, not a district (`华强北路上步工业区102栋`).
        ("工业区", ()),
        // A business park (`西溪园区3号楼`): not a compound `…园` and a district `区`.
        ("园区", ()),
        // A campus and its parts: 华中科技大学东区宿舍12栋, 清华大学紫荆公寓3号楼.
        ("大学", ()),
        ("学院", ()),
        ("校区", ()),
        ("小区", ()),
        ("花园", ()),
        ("花苑", ()),
        ("家园", ()),
        ("新村", ()),
        ("公寓", ()),
        ("大厦", ()),
        ("广场", ()),
        ("宿舍", ()),
        ("庄园", ()),
        ("中心", ()),
        ("大楼", ()),
        ("公馆", ()),
        ("山庄", ()),
        ("华庭", ()),
        ("天地", ()),
        ("社区", ()),
        ("新城", ()),
        ("名都", ()),
        ("佳园", ()),
        ("雅苑", ()),
        ("名苑", ()),
        ("苑", ()),
        ("城", ()),
        ("院", ()),
        ("府", ()),
        ("湾", ()),
        ("园", ()),
        ("阁", ()),
        ("居", ()),
        ("邸", ()),
        ("轩", ()),
        ("庭", ()),
        ("汇", ()),
    ],
};
const NUMBER: Suffixes<Level> = Suffixes {
    bit: 8,
    items: &[
        ("号楼", Level::Building),
        // A courtyard at a street number (`学院路30号院`, `菊儿胡同3号院`): the number is its
        // address, as `号` alone.
        ("号院", Level::Number),
        ("号房", Level::Room),
        ("单元", Level::Unit),
        ("号", Level::Number),
        ("栋", Level::Building),
        ("幢", Level::Building),
        ("座", Level::Building),
        // A dormitory building on a campus (`南园12舍305`).
        ("舍", Level::Building),
        ("室", Level::Room),
        ("层", Level::Unit),
        // An entrance of a building (`2号楼3门301`), as a unit.
        ("门", Level::Unit),
        ("楼", Level::Unit),
        ("组", Level::Number),
        ("排", Level::Number),
        ("户", Level::Room),
        ("期", Level::Compound),
        ("弄", Level::Number),
    ],
};

fn is_numeral(t: &Text, i: usize) -> bool {
    let info = t.info[i];
    info.class() == Class::Digit
        || info.digit().is_some()
        || matches!(info.fold(), '十' | '百' | '千')
}

/// Address positions skip spaces, zero-width characters and emoji (`北京市🌸朝阳区`), never a
/// line break.
fn next_pos(t: &Text, mut i: usize) -> usize {
    while i < t.len() && matches!(t.class(i), Class::Space | Class::Invisible | Class::Emoji) {
        i += 1;
    }
    i
}

/// A list of suffixes, tried in order, and its bit in [`first_chars`].
struct Suffixes<T: 'static> {
    bit: u8,
    items: &'static [(&'static str, T)],
}

/// The five lists' bits and entries, in the order of their bits.
fn list_words() -> [(u8, Vec<&'static str>); 5] {
    [
        (ADMIN.bit, ADMIN.items.iter().map(|e| e.0).collect()),
        (ROAD.bit, ROAD.items.iter().map(|e| e.0).collect()),
        (COMPOUND.bit, COMPOUND.items.iter().map(|e| e.0).collect()),
        (NUMBER.bit, NUMBER.items.iter().map(|e| e.0).collect()),
        (POSITION.bit, POSITION.items.iter().map(|e| e.0).collect()),
    ]
}

/// For every BMP code point, the bits of the suffix lists with an entry starting with it: the
/// grammar asks "may a suffix of this list start here?" at nearly every character it reads.
fn first_chars() -> &'static [u8] {
    static FIRST: OnceLock<Vec<u8>> = OnceLock::new();
    FIRST.get_or_init(|| {
        let mut v = vec![0u8; 0x10000];
        for (bit, words) in list_words() {
            for w in words {
                if let Some(c) = w.chars().next().filter(|&c| (c as u32) < 0x10000) {
                    v[c as usize] |= bit;
                }
            }
        }
        v
    })
}

/// The five word lists' entries as `char`s, indexed like [`Suffixes::items`] (list `k` has
/// bit `1 << k`): the grammar compares entries at nearly every suffix start, and decoding the
/// `&str` literals there again each time was a third of `suffix_at`.
struct DecodedSuffixes {
    /// The entries' indices, grouped by first character, in the list's order within a group.
    order: Vec<u8>,
    /// Per slot of [`SuffixTables::slots`], the range of `order` whose entries start with the
    /// slot's character (empty where none does).
    groups: Vec<(u8, u8)>,
    /// Each entry's characters after the first, as a range of `rest`.
    span: Vec<(u32, u32)>,
    rest: Vec<char>,
}

struct SuffixTables {
    /// For every BMP code point, a small number (a slot) shared by the code points that start
    /// some entry of some list, 0 for the others: `suffix_at` reads only the entries of the
    /// slot's group, where it compared the first character of every entry of the list in turn
    /// (about ten a suffix start).
    slots: Vec<u8>,
    /// By the list's bit's position.
    lists: Vec<DecodedSuffixes>,
}

fn suffix_tables() -> &'static SuffixTables {
    static TABLES: OnceLock<SuffixTables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let lists = list_words().map(|(_, words)| words);
        let mut slots = vec![0u8; 0x10000];
        let mut n_slots = 1;
        for w in lists.iter().flatten() {
            let c = w.chars().next().expect("no empty suffix") as usize;
            assert!(c < 0x10000, "a suffix starts in the BMP");
            if slots[c] == 0 {
                slots[c] = u8::try_from(n_slots).expect("fewer than 256 first characters");
                n_slots += 1;
            }
        }
        let lists = lists
            .iter()
            .map(|words| {
                let first = |e: usize| slots[words[e].chars().next().unwrap() as usize];
                let mut order: Vec<u8> = (0..words.len() as u8).collect();
                // Stable: a group keeps the list's order, longer entries first.
                order.sort_by_key(|&e| first(e as usize));
                let mut groups = vec![(0u8, 0u8); n_slots];
                for (k, &e) in order.iter().enumerate() {
                    let g = &mut groups[first(e as usize) as usize];
                    if g.0 == g.1 {
                        g.0 = k as u8;
                    }
                    g.1 = k as u8 + 1;
                }
                let mut d = DecodedSuffixes {
                    order,
                    groups,
                    span: Vec::new(),
                    rest: Vec::new(),
                };
                for w in words {
                    let a = d.rest.len() as u32;
                    d.rest.extend(w.chars().skip(1));
                    d.span.push((a, d.rest.len() as u32));
                }
                d
            })
            .collect();
        SuffixTables { slots, lists }
    })
}

/// Whether some address suffix starts with `c`: the loader marks these characters
/// ([`crate::chars::CharInfo::may_start_suffix`]) so the grammar skips the others at once.
pub(crate) fn starts_suffix(c: char) -> bool {
    starts_suffix_of(c, u8::MAX)
}

/// Whether an entry of one of the lists in `bits` starts with `c`.
#[inline]
fn starts_suffix_of(c: char, bits: u8) -> bool {
    (c as u32) < 0x10000 && first_chars()[c as usize] & bits != 0
}

/// Reads a suffix at `i` from a list; returns its end.
///
/// Inlined up to the loader's bit that says whether any suffix starts at the character: about
/// half of the 36,000 calls a pass of the dev corpus end there, and the call's saving and
/// restoring of six registers was most of what they cost.
#[inline(always)]
fn suffix_at<T: Copy>(t: &Text, i: usize, list: &Suffixes<T>) -> Option<(usize, T)> {
    if i >= t.len() {
        return None;
    }
    suffix_at_pos(t, next_pos(t, i).min(t.len() - 1), list)
}

/// [`suffix_at`] at a position `k` of the text that [`next_pos`] would not move (`named` reads
/// its characters there): the gap test again was about 12 instructions a character it reads.
#[inline(always)]
fn suffix_at_pos<T: Copy>(t: &Text, k: usize, list: &Suffixes<T>) -> Option<(usize, T)> {
    debug_assert!(k < t.len() && (next_pos(t, k) == k || k == t.len() - 1));
    if !t.info[k].may_start_suffix() {
        return None;
    }
    suffix_from(t, k, list)
}

/// [`suffix_at`] from the suffix's first character, at `k`.
#[inline(never)]
fn suffix_from<T: Copy>(t: &Text, k: usize, list: &Suffixes<T>) -> Option<(usize, T)> {
    let first = t.fold(k) as usize;
    if first >= 0x10000 {
        return None;
    }
    let tables = suffix_tables();
    let dec = &tables.lists[list.bit.trailing_zeros() as usize];
    let (a, b) = dec.groups[usize::from(tables.slots[first])];
    // `k` is where the first character of every entry would be read; the group's entries all
    // start with it.
    for &e in &dec.order[usize::from(a)..usize::from(b)] {
        let e = usize::from(e);
        let (a, b) = dec.span[e];
        let mut j = k + 1;
        let mut ok = true;
        for &c in &dec.rest[a as usize..b as usize] {
            j = next_pos(t, j);
            if j >= t.len() || t.fold(j) != c {
                ok = false;
                break;
            }
            j += 1;
        }
        if ok {
            return Some((j, list.items[e].1));
        }
    }
    None
}

/// A named component: 1..=max name characters then a suffix from `list`.
///
/// Inlined into `parse`'s three calls (9,000 a pass of the dev corpus): each list's constant
/// tests fold away, and the call's prologue, epilogue and its arguments' reloads were about a
/// seventh of what it cost (a pass 101.22 -> 100.86 M instructions).
#[inline(always)]
fn named<T: Copy>(
    t: &Text,
    q: usize,
    max: usize,
    list: &Suffixes<T>,
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
            if let Some(r) = suffix_at_pos(t, i, list) {
                // A space after a numeral ends the name: `…八二七 临沂市` is a number's end in
                // numerals and a city, not a city named `二七临沂` (asked of a name found, not
                // at every character read).
                if (q + 1..i).any(|k| t.class(k) == Class::Space && t.info[k - 1].digit().is_some())
                {
                    return None;
                }
                // `广州市`, `贵州省`: a suffix character followed by another suffix is part of
                // the name.
                let next = next_pos(t, r.0);
                if next < t.len() && suffix_at_pos(t, next, list).is_some() && count < max - 1 {
                    i += 1;
                    count += 1;
                    continue;
                }
                return Some(r);
            }
        }
        let info = t.info[i];
        let ok = match info.class() {
            // Words of a sentence end an administrative unit's name (`地址改了是广东省…`: no
            // province named 改了是广东).
            Class::Cjk
                if list.bit == ADMIN.bit && matches!(t.fold(i), '了' | '是' | '为' | '在') =>
            {
                false
            }
            Class::Cjk => {
                !info.breaks_address_name()
                    || town_word_in_road(t, i, list.bit)
                    || list.bit == COMPOUND.bit && count == 1 && part_of_compound(t, i)
            }
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

/// `幸福小区东区5栋`, `华中科技大学东区宿舍`: a direction and `区` at the start of a
/// compound's name name a part of it, not a district (`区` at `i`, the name's second character).
fn part_of_compound(t: &Text, i: usize) -> bool {
    i > 0 && t.fold(i) == '区' && matches!(t.fold(i - 1), '东' | '西' | '南' | '北' | '中')
}

/// `北镇街232号`: a road named after a town or village word (`镇`, `乡`, `村` right before
/// a one-character road suffix and its number) keeps that word in its name.
fn town_word_in_road(t: &Text, i: usize, list_bit: u8) -> bool {
    if list_bit != ROAD.bit || !matches!(t.fold(i), '镇' | '乡' | '村') {
        return false;
    }
    let k = next_pos(t, i + 1);
    let n = next_pos(t, k + 1);
    k < t.len() && matches!(t.fold(k), '街' | '路' | '巷' | '道') && n < t.len() && is_numeral(t, n)
}

/// Words that place what follows relative to the road before them (`花园路与农业路交叉口东北角
/// 锦艺城`, `人民路对面`, `往北50米`); longer first.
const POSITION: Suffixes<()> = Suffixes {
    bit: 16,
    items: &[
        ("十字路口", ()),
        ("丁字路口", ()),
        ("交叉口", ()),
        ("交汇处", ()),
        ("路口", ()),
        ("东北角", ()),
        ("东南角", ()),
        ("西北角", ()),
        ("西南角", ()),
        ("东侧", ()),
        ("西侧", ()),
        ("南侧", ()),
        ("北侧", ()),
        ("东边", ()),
        ("西边", ()),
        ("南边", ()),
        ("北边", ()),
        ("对面", ()),
        ("旁边", ()),
        ("附近", ()),
        ("往东", ()),
        ("往西", ()),
        ("往南", ()),
        ("往北", ()),
        ("向东", ()),
        ("向西", ()),
        ("向南", ()),
        ("向北", ()),
    ],
};

/// The end of a [`POSITION`] word at `p`, with a distance after it (`往北50米`).
fn position_at(t: &Text, p: usize) -> Option<usize> {
    let (mut e, ()) = suffix_at(t, p, &POSITION)?;
    let mut k = next_pos(t, e);
    let digits = k;
    while k < t.len() && is_numeral(t, k) {
        k += 1;
    }
    if k > digits && k < t.len() && t.fold(k) == '米' {
        e = k + 1;
    }
    Some(e)
}

fn skip_invisible(t: &Text, mut i: usize) -> usize {
    while i < t.len() && t.class(i) == Class::Invisible {
        i += 1;
    }
    i
}

fn number(t: &Text, q: usize, prev: Level) -> Option<(usize, Level)> {
    let mut i = next_pos(t, q);
    let spaced = i > skip_invisible(t, q);
    let start = i;
    let mut last = i;
    while i < t.len() && is_numeral(t, i) {
        i += 1;
        last = i;
        i = skip_invisible(t, i);
    }
    let i = last;
    // A building or unit with a letter after its number: `3A栋`, `12B座`.
    if i > start && i + 1 < t.len() && t.class(i) == Class::Letter {
        if let Some((e, lv)) = suffix_at(t, i + 1, &NUMBER) {
            if matches!(lv, Level::Building | Level::Unit) {
                return Some((e, lv));
            }
        }
    }
    if i == start {
        // A letter building or unit, with digits after the letter or not, and a dashed part
        // after that: `c座`, `A1栋`, `R2-B栋`.
        if i < t.len() && t.class(i) == Class::Letter {
            let digits_from = |mut k: usize| {
                let from = k;
                while k < t.len() && t.class(k) == Class::Digit && k - from < 3 {
                    k += 1;
                }
                k
            };
            let mut k = digits_from(i + 1);
            // A tower and its room in dashes after a compound (`上实中心T3-2201`).
            if let Some(e) = tower_room(t, i, k, prev) {
                return Some((e, Level::Room));
            }
            if k + 1 < t.len() && matches!(t.fold(k), '-' | '－') {
                let part = if t.class(k + 1) == Class::Letter {
                    k + 2
                } else {
                    digits_from(k + 1)
                };
                if part > k + 1 && suffix_at(t, part, &NUMBER).is_some() {
                    k = part;
                }
            }
            let (e, lv) = suffix_at(t, k, &NUMBER)?;
            return matches!(lv, Level::Building | Level::Unit).then_some((e, lv));
        }
        return None;
    }
    // The suffix right after the number, or after one space (`南京路 189 号`): no suffix
    // starts with a space.
    let mut at = skip_invisible(t, i);
    if at < t.len() && t.class(at) == Class::Space {
        at = skip_invisible(t, at + 1);
    }
    if let Some(r) = suffix_at(t, at, &NUMBER) {
        // `号码` is a phone label, not a house number; `两室一厅` a flat's layout, not a room.
        let next = skip_invisible(t, r.0);
        let label = r.1 == Level::Number && next < t.len() && t.fold(next) == '码';
        let layout = r.1 == Level::Room
            && next + 1 < t.len()
            && is_numeral(t, next)
            && matches!(t.fold(next + 1), '厅' | '卫');
        // `建起一座`, `两座桥`: `座` after a lone `一` or `两` counts, it numbers no building.
        let measure = t.fold(at) == '座' && i == start + 1 && matches!(t.fold(start), '一' | '两');
        if !label && !layout && !measure {
            return Some(r);
        }
    }
    // Bare and dashed room numbers follow their building directly.
    if spaced {
        return None;
    }
    // A floor written with an `F` after a building or compound (`国际银行大厦15F`).
    if prev >= Level::Compound
        && prev < Level::Unit
        && i < t.len()
        && matches!(t.fold(i), 'F' | 'f')
        && (i + 1 >= t.len() || t.class(i + 1) != Class::Letter)
        && (start..i).all(|k| t.class(k) != Class::Cjk)
    {
        return Some((i + 1, Level::Unit));
    }
    // A room in Chinese digits after a building or unit (`二单元五零一`): three or four
    // digits, no `十` or `百` (those count floors and rooms in words, not a number).
    if matches!(prev, Level::Building | Level::Unit)
        && (start..i).all(|k| t.info[k].digit().is_some() || t.class(k) == Class::Invisible)
        && (start..i).any(|k| t.class(k) == Class::Cjk)
        && (3..=4).contains(&(start..i).filter(|&k| t.info[k].digit().is_some()).count())
    {
        return Some((i, Level::Room));
    }
    // `15-4-1304`, `3号楼1406`: a dashed or bare room number after a building; the dashed
    // parts in any digit form (`一二-一-八零一`), one character a digit (no `十` or `百`).
    let digit_form = |k: usize| t.info[k].digit().is_some();
    let ascii = (start..i).all(|k| matches!(t.class(k), Class::Digit | Class::Invisible));
    if !ascii && !(start..i).all(|k| digit_form(k) || t.class(k) == Class::Invisible) {
        return None;
    }
    // (Invisible characters may sit anywhere inside: `30-\u{FEFF}1-2804`, `2\u{FEFF}60\u{2060}5`.)
    let mut end = i;
    let mut parts = 1;
    loop {
        let dash = skip_invisible(t, end);
        if dash >= t.len() || !matches!(t.fold(dash), '-' | '－') {
            break;
        }
        let mut k = skip_invisible(t, dash + 1);
        if k >= t.len() || !digit_form(k) {
            break;
        }
        while k < t.len() && digit_form(k) {
            k += 1;
            end = k;
            k = skip_invisible(t, k);
        }
        parts += 1;
    }
    if parts >= 2 && prev >= Level::Road && prev < Level::Room {
        // A dashed house or building number with its suffix (`136-5号`, `3-2栋`) is at the
        // suffix's level, and the address goes on after it.
        if let Some((e, lv)) = suffix_at(t, skip_invisible(t, end), &NUMBER) {
            if lv < Level::Room {
                return Some((e, lv));
            }
        }
        return Some((end, Level::Room));
    }
    let digits = (start..i).filter(|&k| t.class(k) == Class::Digit).count();
    if matches!(prev, Level::Building | Level::Unit) && (3..=5).contains(&digits) {
        return Some((i, Level::Room));
    }
    None
}

/// `大桥村下屋组`: a village group with a name instead of a number, after its village (one to
/// three characters before `组`).
fn village_group(t: &Text, p: usize) -> Option<(usize, Level)> {
    let village = p > 0 && t.fold(p - 1) == '村';
    for i in p..(p + 4).min(t.len()) {
        if i > p && t.fold(i) == '组' {
            return village.then_some((i + 1, Level::Number));
        }
        let info = t.info[i];
        if info.class() != Class::Cjk || info.digit().is_some() || info.breaks_address_name() {
            return None;
        }
    }
    None
}

/// `望京西园三区`, `万科城二期`, `A区`: a numbered part of the compound just read, one or two
/// digit forms or letters and `区` or `期`.
fn compound_part(t: &Text, p: usize, last: Level) -> Option<(usize, Level)> {
    if last != Level::Compound {
        return None;
    }
    let mut i = p;
    let mut count = 0;
    while count < 2 && i < t.len() {
        let info = t.info[i];
        if info.digit().is_none() && info.class() != Class::Letter {
            break;
        }
        i = next_pos(t, i + 1);
        count += 1;
    }
    (count > 0 && i < t.len() && matches!(t.fold(i), '区' | '期'))
        .then_some((i + 1, Level::Compound))
}

/// `万科城市花园3号楼`, `阳光花园小区5栋`: a compound's name that holds a suffix (`城`, `花园`)
/// goes on to a later one when the building's number follows that one and not the first; up to
/// two characters between, any (`市` ends no compound). Returns the later suffix's end.
fn longer_compound(t: &Text, e: usize) -> Option<usize> {
    let building_at = |k: usize| {
        let k = next_pos(t, k);
        k < t.len() && (is_numeral(t, k) || t.class(k) == Class::Letter)
    };
    if building_at(e) {
        return None;
    }
    let mut k = next_pos(t, e);
    for _ in 0..3 {
        if k >= t.len() || t.class(k) != Class::Cjk || t.info[k].digit().is_some() {
            return None;
        }
        if let Some((e2, ())) = suffix_at(t, k, &COMPOUND) {
            return building_at(e2).then_some(e2);
        }
        k = next_pos(t, k + 1);
    }
    None
}

/// `3号楼1单元东户`, `8楼西户`: the door on one side of a landing, a room of the building or
/// unit just read.
fn side_door(t: &Text, p: usize, last: Level) -> Option<(usize, Level)> {
    if !(Level::Building..Level::Room).contains(&last)
        || !matches!(t.fold(p), '东' | '西' | '南' | '北' | '中' | '左' | '右')
    {
        return None;
    }
    let k = next_pos(t, p + 1);
    (k < t.len() && t.fold(k) == '户').then_some((k + 1, Level::Room))
}

/// `T3-2201` after a compound or its building (`上实中心T3-2201`): a letter, one or two
/// digits (`i+1..k`), a dash and a room of four digits (floor and door) that ends the number;
/// returns the room's end. (`地下车库B2-105` is a parking space on the second basement level.)
fn tower_room(t: &Text, i: usize, k: usize, prev: Level) -> Option<usize> {
    if !(Level::Compound..Level::Unit).contains(&prev)
        || !(2..=3).contains(&(k - i))
        || k + 1 >= t.len()
        || !matches!(t.fold(k), '-' | '－')
    {
        return None;
    }
    let room = k + 1;
    let mut e = room;
    while e < t.len() && t.class(e) == Class::Digit {
        e += 1;
    }
    (e - room == 4 && (e >= t.len() || t.class(e) != Class::Letter)).then_some(e)
}

/// `百隆广场写字楼1208`, `华润大厦办公楼`: the office or residential tower of the compound just
/// read, a building whose rooms follow it bare.
fn tower_of_compound(t: &Text, p: usize, last: Level) -> Option<(usize, Level)> {
    const TOWERS: [[char; 2]; 5] = [
        ['写', '字'],
        ['办', '公'],
        ['商', '务'],
        ['住', '宅'],
        ['公', '寓'],
    ];
    if last != Level::Compound || !matches!(t.fold(p), '写' | '办' | '商' | '住' | '公') {
        return None;
    }
    let k = next_pos(t, p + 1);
    let e = next_pos(t, k + 1);
    (e < t.len()
        && t.fold(e) == '楼'
        && TOWERS
            .iter()
            .any(|w| w[0] == t.fold(p) && w[1] == t.fold(k)))
    .then_some((e + 1, Level::Building))
}

/// `68号附2号`, `177号负一楼`: an annex of the street number just read (`附`), or a floor
/// below ground (`负`) of the number, compound, building or unit: the number after the prefix
/// at the level it reads (an annex only as a number, a basement only as a floor).
fn annex_or_basement(t: &Text, p: usize, last: Level) -> Option<(usize, Level)> {
    let want = match t.fold(p) {
        '附' if last == Level::Number => Level::Number,
        '负' if (Level::Number..Level::Room).contains(&last) => Level::Unit,
        _ => return None,
    };
    let k = next_pos(t, p + 1);
    if k >= t.len() || !is_numeral(t, k) {
        return None;
    }
    number(t, k, last).filter(|&(_, lv)| lv == want)
}

/// `书香门第7号楼`: a compound name without a suffix, directly followed by its building; after
/// a district or town, and on the line after a break (`broken`), only before a
/// building-unit-room in dashes (`兴业银行卡号4349-3272-9043-0320` is a county's name, a label
/// and a card number).
fn unsuffixed_compound(t: &Text, p: usize, last: Level, broken: bool) -> Option<(usize, Level)> {
    // After a road; after a district or town only with a dashed building-unit-room
    // (`浦东新区书香门第15-6-2401`).
    if last < Level::County || last >= Level::Building {
        return None;
    }
    let mut i = p;
    let mut count = 0;
    while count < 6 {
        i = skip_invisible(t, i);
        if i >= t.len() {
            return None;
        }
        let info = t.info[i];
        if info.class() != Class::Cjk
            || info.digit().is_some() && !numeral_in_name(t, i)
            || info.breaks_address_name()
                && !(count == 1 && last >= Level::Road && part_of_compound(t, i))
        {
            break;
        }
        i += 1;
        count += 1;
    }
    if count < 2 {
        return None;
    }
    match number(t, i, Level::Compound) {
        // (After a break: `朝阳区` / `书香门第28-2-202`; `身份证是230-722-…` is no compound and
        // its room.)
        Some((e, lv))
            if lv >= Level::Building
                && (last >= Level::Road || room_triple(t, i, e))
                && (!broken || room_triple(t, i, e)) =>
        {
            Some((i, Level::Compound))
        }
        _ => None,
    }
}

/// Whether the Chinese numeral at `i` is a character of a compound's name (`第一国际`,
/// `一品天下`), not the start of its building's number (`书香门第七号楼`, `二期`, `三区`): a
/// name's character follows it, neither another numeral nor the first of a number's suffix.
fn numeral_in_name(t: &Text, i: usize) -> bool {
    let k = skip_invisible(t, i + 1);
    k < t.len()
        && t.class(k) == Class::Cjk
        && !is_numeral(t, k)
        && !t.info[k].breaks_address_name()
        && !starts_suffix_of(t.fold(k), NUMBER.bit)
}

/// Whether `a..e`, a number [`number`] read, is a building-unit-room in dashes (`28-2-202`,
/// `15-6-2401`, `二八-二-二零二`): one to three digits, one or two, then three or four.
fn room_triple(t: &Text, a: usize, e: usize) -> bool {
    let mut sizes = [0usize; 3];
    let mut part = 0;
    for k in a..e {
        match t.class(k) {
            _ if t.info[k].digit().is_some() => sizes[part] += 1,
            Class::Invisible => {}
            _ if matches!(t.fold(k), '-' | '－') && part < 2 => part += 1,
            _ => return false,
        }
    }
    part == 2
        && (1..=3).contains(&sizes[0])
        && (1..=2).contains(&sizes[1])
        && (3..=4).contains(&sizes[2])
}

/// Parses components from `q`; returns (end, deepest level, components).
fn parse(
    t: &Text,
    q: usize,
    place_at: &dyn Fn(usize) -> Option<(usize, Level)>,
) -> (usize, Level, usize) {
    let (admin, road, compound) = (&ADMIN, &ROAD, &COMPOUND);
    let mut pos = q;
    let mut deepest = Level::Province;
    let mut last = Level::Province;
    let mut end = q;
    let mut n = 0;
    loop {
        let mut p = next_pos(t, pos);
        // One line break may split an address between two of its parts (`广东省深圳市南山区` /
        // `科技园路1号2栋`): read on when the next line goes deeper into the same address.
        let mut broken = false;
        if p < t.len() && t.class(p) == Class::Newline && n > 0 && last < Level::Room {
            p = next_pos(t, p + 1);
            broken = true;
        }
        if p >= t.len() {
            break;
        }
        // Among named components and gazetteer names the longest wins: `福州街` is a road,
        // not the city `福州`; `新城区` a district, not the compound `新城`; the district
        // `上街区` not the road `上街`. On a tie the finer level wins (`幸福小区` is a
        // compound, not a district).
        // (Read only when no number is there: the three scans were most of the grammar's cost.)
        let named_step = || {
            let road_name = named(t, p, 8, road, true).map(|(e, ())| (e, Level::Road));
            // A road with a number right after it is that road (`东四胡同30号院`: not a
            // compound named `东四胡同30号`).
            if road_name.is_some_and(|(e, _)| is_numeral(t, next_pos(t, e).min(t.len() - 1))) {
                return road_name;
            }
            [
                (last < Level::Road)
                    .then(|| named(t, p, 7, admin, false))
                    .flatten(),
                (last < Level::Road).then(|| place_at(p)).flatten(),
                road_name,
                named(t, p, 8, compound, true)
                    // A part of a compound (`东区宿舍`) only after one (`南区花园…` after a
                    // city is the district 南区 and a road).
                    .filter(|_| last >= Level::Road || !part_of_compound(t, next_pos(t, p + 1)))
                    .map(|(e, ())| (longer_compound(t, e).unwrap_or(e), Level::Compound)),
            ]
            .into_iter()
            .flatten()
            .max_by_key(|&(e, lv)| (e, lv))
        };
        // A room is the finest level: what follows it is not the address (`24-5-202 两室一厅`).
        if last == Level::Room {
            break;
        }
        // Where the next component lies from the road (`与农业路交叉口东北角`): read over,
        // and part of the address only when a component follows.
        if last == Level::Road {
            if let Some(e) = position_at(t, p) {
                pos = e;
                continue;
            }
        }
        let step = compound_part(t, p, last)
            .or_else(|| number(t, p, last))
            .or_else(|| side_door(t, p, last))
            .or_else(|| annex_or_basement(t, p, last))
            .or_else(|| tower_of_compound(t, p, last))
            .or_else(|| (last == Level::Road).then(|| village_group(t, p)).flatten())
            .or_else(named_step)
            .or_else(|| unsuffixed_compound(t, p, last, broken));
        let Some((mut e, lv)) = step else { break };
        // A community or subdistrict named after its road (`山西路社区`, `湖南路街道`) is one
        // component, read at the road's level: the roads inside it may follow.
        if lv == Level::Road {
            let k = next_pos(t, e);
            if k + 1 < t.len()
                && matches!(
                    (t.fold(k), t.fold(next_pos(t, k + 1))),
                    ('社', '区') | ('街', '道')
                )
            {
                e = next_pos(t, k + 1) + 1;
            }
        }
        // A direction after a road's suffix names a part of it (`南海大道北55号`).
        if lv == Level::Road {
            let k = next_pos(t, e);
            if k + 1 < t.len()
                && matches!(t.fold(k), '东' | '西' | '南' | '北' | '中')
                && is_numeral(t, next_pos(t, k + 1))
            {
                e = k + 1;
            }
        }
        // Administrative units come before roads; a second address starts over, as does a
        // coarser unit after a gap (`…八二七 北京市` is the end of a number in numerals and a
        // city, not the district 二七区 and a city; `越秀区环市东路` reads a road's name as a
        // city, and goes on).
        // Across a line break only a deeper part, or the compound after a road's number.
        if lv <= Level::Town && (last >= Level::Road || n > 0 && lv < last && p > pos)
            || broken && lv < last && !(lv == Level::Compound && last == Level::Number)
        {
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
    // Gazetteer hits in original offsets: start → (end, level). An address ends at most a
    // few dozen characters after its anchor, so only the skeleton before a house-number mark
    // is searched.
    // (Room for a few at once: grown from empty, 1,347 slow-path grows a pass.)
    let mut at: Vec<(usize, usize, Level)> = Vec::with_capacity(8);
    let mut window_end = 0usize;
    for &m in &t.address_marks {
        let m = m as usize;
        let from = t
            .skel_pos
            .partition_point(|&p| (p as usize) < m.saturating_sub(WINDOW));
        let to = t.skel_pos.partition_point(|&p| (p as usize) <= m);
        let from = from.max(window_end);
        if from >= to {
            continue;
        }
        window_end = to;
        places.find_iter(&t.skel[from..to], |ms, me, id| {
            let (s, e) = t.skel_span(from + ms, from + me);
            let lv = match places.levels[id] {
                PlaceLevel::Province => Level::Province,
                PlaceLevel::City => Level::City,
                PlaceLevel::County => Level::County,
                PlaceLevel::Town => Level::Town,
            };
            at.push((s, e, lv));
        });
    }
    let labels =
        crate::lexicon::longest_non_overlapping(hits, |g| g == Group::Label(Field::Address));
    for h in &labels {
        let mut s = h.end;
        while s < t.len()
            // (`系` is the fold of Cantonese `係`, "is"; `喺` is Cantonese "at".)
            && (t.info[s].is_gap() || matches!(t.fold(s), '：' | ':' | '是' | '在' | '为' | '系' | '喺'))
            && t.class(s) != Class::Newline
        {
            s += 1;
        }
        // Not where another label starts (`包吃住，地址北京市…`: that label's own anchor reads
        // the address, `地址北京` is no city's name).
        // Nor where one stray character and a space stand before a place's name (`住止 北京市…`:
        // the label written with a homophone, `址` as `止`): the place's anchor reads it.
        let stray = s + 1 < t.len() && t.info[s + 1].is_gap() && {
            let k = (s + 1..t.len()).find(|&k| !t.info[k].is_gap());
            k.is_some_and(|k| at.iter().any(|a| a.0 == k && a.1 > a.0))
        };
        if s < t.len() && t.class(s) == Class::Cjk && !stray && !labels.iter().any(|l| l.start == s)
        {
            at.push((s, s, Level::Province));
        }
    }
    // A place name is never read across punctuation: `…四九五、常住地址` holds no `五常`.
    at.retain(|&(s, e, _)| !(s..e).any(|k| t.class(k) == Class::Sep));
    at.sort_unstable();
    // `at` is sorted: the first anchor at `p` that is a name (not a label's start).
    let place_at = |p: usize| -> Option<(usize, Level)> {
        at[at.partition_point(|a| a.0 < p)..]
            .iter()
            .take_while(|a| a.0 == p)
            .find(|&&(s, e, _)| e > s)
            .map(|&(_, e, lv)| (e, lv))
    };
    let mut covered = 0;
    for &(s, _, _) in &at {
        if s < covered || claimed[s] {
            continue;
        }
        let (end, deepest, n) = parse(t, s, &place_at);
        // Down to a street number, village group, building or room; an institution (`…法院`)
        // or a bare district is not an address.
        if n < 2 || deepest < Level::Number {
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
        let f = Facts::from([("resolution", deepest.as_str())]);
        let conf = if deepest >= Level::Building { 0.9 } else { 0.7 };
        out.push(Found::new(Kind::Address, Span::new(s, end), value, f, conf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasickBuilder, MatchKind};

    /// Each list's groups hold every entry once, under its first character's slot, in the
    /// list's order: `suffix_from` tries the same entries in the same order as a scan of the
    /// whole list that skips entries with another first character.
    #[test]
    fn suffix_groups_keep_the_lists_order() {
        let tables = suffix_tables();
        for (k, ((bit, words), dec)) in list_words().iter().zip(&tables.lists).enumerate() {
            // `suffix_from` finds a list's tables at its bit's position.
            assert_eq!(usize::from(*bit), 1 << k);
            let first = |w: &str| w.chars().next().unwrap();
            for w in words {
                let (a, b) = dec.groups[usize::from(tables.slots[first(w) as usize])];
                let group: Vec<usize> = dec.order[usize::from(a)..usize::from(b)]
                    .iter()
                    .map(|&e| usize::from(e))
                    .collect();
                let scan: Vec<usize> = (0..words.len())
                    .filter(|&e| first(words[e]) == first(w))
                    .collect();
                assert_eq!(group, scan, "{w}");
                for &e in &group {
                    let (a, b) = dec.span[e];
                    let rest: String = dec.rest[a as usize..b as usize].iter().collect();
                    assert_eq!(rest, words[e][first(w).len_utf8()..]);
                }
            }
        }
    }

    /// A county's name before a label and a dashed card number is no compound and room
    /// (`兴业银行卡号4349-…`): the card is found, no address.
    #[test]
    fn no_address_in_a_label_and_a_card() {
        let s = crate::Scanner::new().unwrap();
        let r = s.scan("兴业银行卡号4349-3272-9043-0320");
        let kinds: Vec<_> = r.findings.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [Kind::BankCard]);
    }

    /// The one address a scan finds in each text, its span and resolution: road sections
    /// (`天府大道北段`); a courtyard at a street number, down to the number on a 胡同, 巷 or 路
    /// alike, a building inside it deeper; an industrial estate as a compound, not a district.
    #[test]
    fn spans_and_resolutions() {
        let s = crate::Scanner::new().unwrap();
        for (text, want, resolution) in [
            (
                "家住成都市武侯区天府大道北段1700号8栋2单元1503室",
                "成都市武侯区天府大道北段1700号8栋2单元1503室",
                "room",
            ),
            // A village (`嘎查`) of a banner; a business park (`园区`), not a park and a
            // district.
            (
                "住址：内蒙古自治区锡林郭勒盟正蓝旗上都镇乌兰嘎查12号",
                "内蒙古自治区锡林郭勒盟正蓝旗上都镇乌兰嘎查12号",
                "number",
            ),
            (
                "住址：浙江省杭州市余杭区仓前街道文一西路969号阿里巴巴西溪园区3号楼",
                "浙江省杭州市余杭区仓前街道文一西路969号阿里巴巴西溪园区3号楼",
                "building",
            ),
            (
                "家住成都市武侯区人民南路四段17号3栋1单元502室",
                "成都市武侯区人民南路四段17号3栋1单元502室",
                "room",
            ),
            // The label written with a homophone (`址` as `止`): its stray character is no part.
            (
                "曝光 王建国 住止 北京市朝阳区建国路88号3号楼2单元401",
                "北京市朝阳区建国路88号3号楼2单元401",
                "room",
            ),
            (
                "住在北京市东城区菊儿胡同3号院",
                "北京市东城区菊儿胡同3号院",
                "number",
            ),
            (
                "北京市东城区南锣鼓巷3号院",
                "北京市东城区南锣鼓巷3号院",
                "number",
            ),
            // An annex of a street number; a basement floor; a lane numbered with 条; a tower
            // and its room in dashes; a compound's office tower and its bare room.
            (
                "住四川省绵阳市涪城区临园路东段68号附2号",
                "四川省绵阳市涪城区临园路东段68号附2号",
                "number",
            ),
            (
                "重庆市渝中区解放碑八一路177号负一楼",
                "重庆市渝中区解放碑八一路177号负一楼",
                "unit",
            ),
            (
                "北京市西城区西四北三条15号",
                "北京市西城区西四北三条15号",
                "number",
            ),
            (
                "山东省青岛市崂山区香港东路195号上实中心T3-2201",
                "山东省青岛市崂山区香港东路195号上实中心T3-2201",
                "room",
            ),
            (
                "陕西省西安市雁塔区小寨东路126号百隆广场写字楼1208",
                "陕西省西安市雁塔区小寨东路126号百隆广场写字楼1208",
                "room",
            ),
            // Near misses: an annex needs a number before it; a parking space (three digits
            // after the level) is no room; `负责` is no basement.
            (
                "北京市朝阳区建国路88号地下车库B2-105",
                "北京市朝阳区建国路88号",
                "number",
            ),
            (
                "北京市朝阳区建国路88号负责人",
                "北京市朝阳区建国路88号",
                "number",
            ),
            // A phone in numerals ending in 二七 (the district 二七区) before a city: the
            // address starts at the city; a road named like a city goes on.
            (
                "手机 一三八五零七九七六二七 临沂市兰山区朝阳北路109号",
                "临沂市兰山区朝阳北路109号",
                "number",
            ),
            (
                "地址：广州市越秀区环市东路300号，联系人",
                "广州市越秀区环市东路300号",
                "number",
            ),
            // A building-unit-room in dashes written in Chinese numerals, after a compound
            // with a suffix and after one without.
            (
                "住杭州市西湖区幸福小区一二-一-八零一",
                "杭州市西湖区幸福小区一二-一-八零一",
                "room",
            ),
            (
                "住址：浦东新区书香门第一五-六-二四零一",
                "浦东新区书香门第一五-六-二四零一",
                "room",
            ),
            (
                "住在北京市海淀区学院路30号院",
                "北京市海淀区学院路30号院",
                "number",
            ),
            (
                "北京市海淀区学院路30号院3号楼2单元401",
                "北京市海淀区学院路30号院3号楼2单元401",
                "room",
            ),
            (
                "住在深圳市福田区华强北路上步工业区102栋6楼",
                "深圳市福田区华强北路上步工业区102栋6楼",
                "unit",
            ),
            // Numerals inside a compound's name without a suffix; the building's own number
            // in numerals is not part of the name.
            (
                "家住杭州市西湖区文三路100号第一国际12栋2单元1203室",
                "杭州市西湖区文三路100号第一国际12栋2单元1203室",
                "room",
            ),
            (
                "家住杭州市西湖区文三路100号一品天下B座2705",
                "杭州市西湖区文三路100号一品天下B座2705",
                "room",
            ),
            (
                "家住杭州市西湖区文三路100号书香门第七号楼",
                "杭州市西湖区文三路100号书香门第七号楼",
                "building",
            ),
            // A compound's name holding a suffix goes on to the one its building follows.
            (
                "家住杭州市西湖区文三路100号万科城市花园12栋2单元1203室",
                "杭州市西湖区文三路100号万科城市花园12栋2单元1203室",
                "room",
            ),
            // The door on one side of a landing.
            (
                "住址：郑州市金水区花园路39号院3号楼1单元8楼东户",
                "郑州市金水区花园路39号院3号楼1单元8楼东户",
                "room",
            ),
            (
                "住址：郑州市金水区花园路39号院3号楼西户，电话",
                "郑州市金水区花园路39号院3号楼西户",
                "room",
            ),
        ] {
            let r = s.scan(text);
            let a: Vec<_> = r
                .findings
                .iter()
                .filter(|f| f.kind == Kind::Address)
                .collect();
            assert_eq!(a.len(), 1, "{text}");
            let got = crate::testutil::span_text(text, a[0].span);
            assert_eq!(got, want, "{text}");
            assert_eq!(a[0].facts.get("resolution"), Some(resolution), "{text}");
        }
    }

    /// The gazetteer search equals a leftmost-longest Aho-Corasick search over the same names,
    /// on windows of the development corpus' skeletons (when present) and a few addresses.
    #[test]
    fn same_matches_as_an_automaton() {
        let dicts = Dictionaries::embedded().unwrap();
        let places = Places::build(&dicts);
        let mut names = Vec::new();
        for p in dicts.places.iter().filter(|p| p.level != PlaceLevel::Town) {
            names.push(p.name.clone());
            if let Some(s) = &p.short {
                names.push(s.clone());
            }
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .unwrap();
        let table = crate::chars::CharTable::new(&dicts.t2s);
        let lex = crate::lexicon::Lexicon::build(&dicts);
        let texts = crate::testutil::texts_with_dev_corpus(&[
            "北京市朝阳区建国路88号",
            "广东省广州市天河区体育西路103号",
            "上海市浦东新区张江路1号3栋",
            "江苏南京市鼓楼区",
            "",
        ]);
        let mut t = Text::default();
        for s in &texts {
            t.load_with(&table, lex.triggers(), s);
            let n = t.skel.len();
            // The whole skeleton and windows of 16 characters from every 5th character.
            let mut windows = vec![(0, n)];
            for k in (0..=n).step_by(5) {
                windows.push((k, (k + 16).min(n)));
            }
            for (from, to) in windows {
                let mut got = Vec::new();
                places.find_iter(&t.skel[from..to], |a, b, id| got.push((a, b, id)));
                // The automaton runs on the window as UTF-8; its byte offsets back to characters.
                let (hay, char_at) = crate::testutil::utf8_with_char_offsets(&t.skel[from..to]);
                let want: Vec<(usize, usize, usize)> = ac
                    .find_iter(&hay)
                    .map(|m| (char_at[m.start()], char_at[m.end()], m.pattern().as_usize()))
                    .collect();
                assert_eq!(got, want, "{s}");
            }
        }
    }
}
