//! From findings and context words to a post verdict with reasons.
//!
//! Two scores, each a sum of named evidence so every verdict can say why:
//! - *sale*: keywords of the data trade (开盒, 社工库, 查档 …), sale vocabulary, prices per record,
//!   and a way to buy (a Telegram handle, WeChat, QQ);
//! - *dox*: identifiers of one person bundled together (a validated ID weighs most), a name that
//!   belongs to the record, hostile exposure context (扒出, 网暴, 冲他 …).
//!
//! Self-disclosure (联系人, 出租, 招聘 …) and reporting (记者, 警方, quotes around a keyword)
//! count against. A sale ad that shows a sample record is both.

use crate::chars::Class;
use crate::detectors::numbers::label_before;
use crate::lexicon::{Field, Form, Group, Hit, SaleWord};
use crate::text::Text;
use crate::Found;
use doxwatch_model::{Kind, Severity, Verdict};

#[derive(Debug, Clone)]
pub struct Decision {
    pub verdict: Verdict,
    pub sale_ad: bool,
    pub doxxing: bool,
    pub severity: Severity,
    pub score: f32,
    pub reasons: Vec<String>,
}

/// A set of sale keywords by canonical index (`Group::Ad(u8)`): 256 bits instead of a
/// `BTreeSet`, which allocated for every keyword of every post with one.
#[derive(Clone, Copy, Default)]
struct KwSet([u64; 4]);

impl KwSet {
    fn insert(&mut self, i: u8) {
        self.0[usize::from(i >> 6)] |= 1 << (i & 63);
    }

    fn len(self) -> usize {
        // Most posts have no keyword: without a `popcnt` target feature `count_ones` is a
        // dozen instructions a word, and the verdict asks six sizes per post.
        if self.0 == [0; 4] {
            return 0;
        }
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// For the tests (the verdict knows from its hits whether a set can hold anything).
    #[cfg(test)]
    fn is_empty(self) -> bool {
        self.0 == [0; 4]
    }

    fn minus(self, o: KwSet) -> KwSet {
        KwSet(std::array::from_fn(|k| self.0[k] & !o.0[k]))
    }

    fn union(self, o: KwSet) -> KwSet {
        KwSet(std::array::from_fn(|k| self.0[k] | o.0[k]))
    }

    /// The indices in ascending order (as a `BTreeSet` iterates).
    fn iter(self) -> impl Iterator<Item = usize> {
        (0..4).flat_map(move |k| {
            let mut w = self.0[k];
            std::iter::from_fn(move || {
                let bit = (w != 0).then(|| w.trailing_zeros() as usize)?;
                w &= w - 1;
                Some(k * 64 + bit)
            })
        })
    }
}

/// The next four folded, lower-cased characters from `j` (`'\0'` past the end), emoji and
/// invisible characters skipped (`6O/📌条`).
/// What a price may hold between its number and its unit: emoji, invisible characters and
/// spaces (`300 元/条`, `4百一 次`); inside the unit only the first two (`元/条`).
fn price_gap(t: &Text, k: usize) -> bool {
    matches!(t.class(k), Class::Emoji | Class::Invisible | Class::Space)
}

fn tail_at(t: &Text, j: usize) -> [char; 4] {
    let mut tail = ['\0'; 4];
    let mut n = 0;
    for k in j..t.len() {
        if n == tail.len() {
            break;
        }
        // Spaces only before the unit: after its first character a space ends a Latin unit
        // (`151u Telegram` is no `ut…` glued to the number).
        let class = t.class(k);
        if !matches!(class, Class::Emoji | Class::Invisible) && (n > 0 || class != Class::Space) {
            tail[n] = t.fold(k).to_ascii_lowercase();
            n += 1;
        }
    }
    tail
}

/// Whether a price unit starts at `j`, right after a number: 元 块 米 r u 刀 条 次 笔, /条 /次
/// /笔 一条 一次 一笔 包月 每条 每笔, 圆 美元 美金, rmb cny (`笔`, a record, in Taiwan's ads; a
/// match instead of comparing the tail with each unit's characters).
pub(crate) fn price_unit_at(t: &Text, j: usize) -> bool {
    is_price_unit(&tail_at(t, j))
}

/// Whether `c` (folded, lower-cased) is the first character of some price or set unit:
/// `false` means [`is_price_unit`] and [`is_set_unit`] are `false` for every tail that starts
/// with it.
fn starts_price_unit(c: char) -> bool {
    matches!(
        c,
        '元' | '块'
            | '米'
            | 'r'
            | 'u'
            | '刀'
            | '条'
            | '次'
            | '笔'
            | '/'
            | '一'
            | '包'
            | '每'
            | '圆'
            | '美'
            | 'c'
    )
}

/// Whether `tail` starts with a price unit (see [`price_unit_at`]).
// Always inlined: called alone, its call was 0.1 M instructions of a 118.5 M pass.
#[inline(always)]
fn is_price_unit(tail: &[char; 4]) -> bool {
    match tail[0] {
        '元' | '块' | '米' | 'r' | 'u' | '刀' | '条' | '次' | '笔' | '圆' => true,
        '/' | '一' => matches!(tail[1], '条' | '次' | '笔'),
        '美' => matches!(tail[1], '元' | '金'),
        'c' => tail[1] == 'n' && tail[2] == 'y',
        '包' => tail[1] == '月',
        '每' => matches!(tail[1], '条' | '笔'),
        _ => false,
    }
}

/// The prices a post names, read by [`prices`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prices {
    /// Price markers: `50元/次`, `300米`, `130r一条`, `55u`, `¥571`, `6O/条`, `500包月`,
    /// `4百一次`.
    pub per_record: usize,
    /// Prices of a set (`一套80`, `30一套`, `50/套`, `每套30`): one to five digits right before
    /// `一套`, `/套` or `每套`, or right after `一套` or `每套`. Second-hand goods and watches
    /// sell by the set too, so these count only where personal data is the merchandise (the
    /// caller's test).
    pub per_set: usize,
}

/// Whether a set unit (`一套`, `每套`, `/套`) starts the tail after a number.
fn is_set_unit(tail: &[char; 4]) -> bool {
    matches!(tail[0], '一' | '每' | '/') && tail[1] == '套'
}

/// Reads the prices of a post in one walk over its numbers.
pub fn prices(t: &Text) -> Prices {
    let n = t.len();
    let mut found = Prices::default();
    // The `套` of the last set counted after its number.
    let mut counted_set = None;
    let mut i = 0;
    let is_num = |k: usize| t.info[k].digit().is_some() || matches!(t.fold(k), '百' | '千' | '万');
    let ascii_digits =
        |r: std::ops::Range<usize>| r.filter(|&k| t.class(k) == Class::Digit).count();
    // A marker starts at a digit form, 百 千 万 or a yen sign: the loader lists them all, in two
    // ascending lists merged here, so the rest of the text is never read. The digits by index,
    // skipped past each number read in a tight loop: as a `peekable` merge every digit of a
    // number paid the merge's tests (about 15 instructions) only to be dropped as behind `i`.
    let digits = &t.digit_pos;
    let mut d = 0;
    let mut marks = t
        .marks
        .iter()
        .map(|&p| p as usize)
        .filter(|&p| matches!(t.fold(p), '百' | '千' | '万' | '¥' | '￥'))
        .peekable();
    loop {
        while d < digits.len() && (digits[d] as usize) < i {
            d += 1;
        }
        while marks.next_if(|&m| m < i).is_some() {}
        let p = match (digits.get(d), marks.peek()) {
            (Some(&dp), Some(&m)) if m < dp as usize => marks.next(),
            (Some(&dp), _) => {
                d += 1;
                Some(dp as usize)
            }
            (None, _) => marks.next(),
        };
        let Some(p) = p else { break };
        i = p;
        if t.fold(i) == '¥' || t.fold(i) == '￥' {
            if i + 1 < n && t.info[i + 1].digit().is_some() {
                found.per_record += 1;
            }
            i += 1;
            continue;
        }
        if !is_num(i) {
            i += 1;
            continue;
        }
        let mut j = i;
        // `十` inside a number written in numerals (`五十元/条`, `伍拾元`), not leading one
        // (`十条`).
        while j < n && (is_num(j) || (j > i && matches!(t.fold(j), 'O' | 'o' | '十' | '拾'))) {
            j += 1;
        }
        // A set's price after its unit (`一套80`, `每套 30`): the number follows `一套` or
        // `每套`, gaps between allowed, unless that `套` was counted for the number before it
        // (`30一套 50`: one set).
        let before = (0..i).rev().find(|&k| !t.info[k].is_gap());
        // The character before, and the one before it when that one is a unit (`'\0'` at the
        // start).
        let b1 = before.map_or('\0', |k| t.fold(k));
        let b2 = || before.filter(|&k| k > 0).map_or('\0', |k| t.fold(k - 1));
        if b1 == '套'
            && matches!(b2(), '一' | '每')
            && counted_set != before
            && (1..=5).contains(&ascii_digits(i..j))
        {
            found.per_set += 1;
        }
        // A price after its unit (`每次200`, `单条50`, `每笔 80`), counted below unless a unit
        // follows the number too (`每次200元` is one price).
        let unit_before = matches!(b1, '次' | '条' | '笔')
            && matches!(b2(), '每' | '单')
            && (1..=6).contains(&ascii_digits(i..j));
        let priced = found.per_record;
        // Most numbers are followed by no unit: the first character after the number decides
        // them before the unit's four characters are read and the ASCII digits counted
        // (then `price_count`: 5.5 -> 3.6 M instructions of a 159.1 M pass).
        let mut visible = (j..n).filter(|&k| !price_gap(t, k));
        let first = visible.next();
        let first_char = first.map(|k| t.fold(k).to_ascii_lowercase());
        if first_char == Some('套') && j - i >= 2 && t.fold(j - 1) == '一' {
            // `30一套`: the numeral 一 ends the number's run, and the set unit is what follows.
            if (1..=5).contains(&ascii_digits(i..j - 1)) {
                found.per_set += 1;
                counted_set = first;
            }
        } else if first_char.is_some_and(starts_price_unit) {
            let tail = tail_at(t, j);
            let digits = ascii_digits(i..j);
            // Letters glued to a number are a unit of measure (`3000rpm`) unless they name a
            // currency.
            let currency = || {
                tail == ['u', 's', 'd', 't']
                    || matches!(tail[..3], ['r', 'm', 'b'] | ['c', 'n', 'y'])
            };
            let glued_letter =
                tail[0].is_ascii_alphabetic() && tail[1].is_ascii_alphabetic() && !currency();
            // Numerals in `上一条`, `下一条`, `这一次`, `第一次`, `再一次`, `第五十条` count or
            // order, they price nothing (`前情提要见上一条` made every follow-up post name a
            // price).
            let count = digits == 0
                && matches!(tail[0], '条' | '次' | '笔')
                && before.is_some_and(|k| {
                    matches!(
                        t.fold(k),
                        '上' | '下' | '这' | '那' | '第' | '再' | '又' | '另' | '同' | '哪'
                    )
                });
            if is_price_unit(&tail) && !glued_letter && !count && digits <= 6 {
                found.per_record += 1;
            } else if is_set_unit(&tail) && (1..=5).contains(&digits) {
                found.per_set += 1;
                counted_set = visible.next();
            }
        }
        if unit_before && found.per_record == priced {
            found.per_record += 1;
        }
        i = j.max(i + 1);
    }
    found
}

/// A pinyin hit written in full syllables (`kaihe`, `huji`), not initials (`kh`, `sgk`): it
/// has a vowel.
fn spelled_out(t: &Text, h: &Hit) -> bool {
    (h.start..h.end).any(|k| {
        matches!(
            t.fold(k).to_ascii_lowercase(),
            'a' | 'e' | 'i' | 'o' | 'u' | 'v'
        )
    })
}

fn quoted(t: &Text, h: &Hit) -> bool {
    let before = h.start.checked_sub(1).map(|k| t.chars[k]);
    let after = t.chars.get(h.end).copied();
    matches!(before, Some('“' | '「' | '『' | '"' | '\'' | '‘' | '《'))
        && matches!(after, Some('”' | '」' | '』' | '"' | '\'' | '’' | '》'))
}

/// `prefix` and then `items` separated by `sep`, written into one string: a list, `join` and
/// `format!` were three allocations and the formatting machinery for every positive post.
/// Room for the longest list of identifiers at once (at 64 bytes, a third of the strings grew:
/// 0.18 M instructions of a 119.2 M pass).
fn joined<'a>(prefix: &str, sep: &str, items: impl Iterator<Item = &'a str>) -> String {
    let mut r = String::with_capacity(128);
    r.push_str(prefix);
    for (k, item) in items.enumerate() {
        if k > 0 {
            r.push_str(sep);
        }
        r.push_str(item);
    }
    r
}

/// `n` in decimal, then `what`, in one string of the right size: `format!` was about 400
/// instructions a reason (0.96 M of a 160.6 M pass for 2,366 reasons).
fn counted(n: usize, what: &str) -> String {
    let mut r = String::with_capacity(20 + what.len());
    crate::push_decimal(&mut r, n as u64, 1);
    r.push_str(what);
    r
}

/// The hit of some groups reaching furthest so far, (start, end), over hits that come by
/// start, longest first (as [`crate::lexicon::Lexicon::find`] gives them): a longer hit of
/// those groups holds a later hit exactly when this one does. One pass over the hits instead
/// of testing every hit against every other (1.8 M instructions a pass for the sale words).
#[derive(Default)]
struct Reach(Option<(usize, usize)>);

impl Reach {
    /// Whether a longer hit seen so far holds `h`.
    fn holds(&self, h: &Hit) -> bool {
        self.0
            .is_some_and(|(s, e)| e > h.end || e == h.end && s < h.start)
    }

    fn extend(&mut self, h: &Hit) {
        if self.0.is_none_or(|(_, e)| h.end > e) {
            self.0 = Some((h.start, h.end));
        }
    }
}

/// Whether a colon follows hit `d`.
fn opens_field(t: &Text, d: &Hit) -> bool {
    let k = t.skip_invisible(d.end);
    k < t.len() && matches!(t.fold(k), ':' | '：')
}

/// Whether `h` lies in the field a hostile word opens with a colon, on the same line and
/// within a few characters (`工作单位：某某公司`, `曝光：他的公司…`): the field's value, not
/// the poster's own framing. Part of a later field's label on that line (`in_label`:
/// `真实身份：郑凯，电话…，公司地址…`), it labels a field of the same dossier.
fn in_dox_field(t: &Text, hits: &[Hit], h: &Hit, in_label: bool) -> bool {
    hits.iter().any(|d| {
        d.group == Group::Dox
            && d.end < h.start
            && (h.start - d.end <= 12 || in_label)
            && opens_field(t, d)
            && !(d.end..h.start)
                .any(|k| t.class(k) == Class::Newline || matches!(t.fold(k), '；' | ';' | '。'))
    })
}

/// Whether name label `h` is `本人` right before a name, with no colon between: the poster
/// introducing themself (`本人刘洋，承接家电维修…`). With a colon it labels a record's field
/// (`本人：刘洋 父亲：…`).
fn introduces(t: &Text, h: &Hit, found: &[Found]) -> bool {
    h.end - h.start == 2
        && t.fold(h.start) == '本'
        && t.fold(h.start + 1) == '人'
        && !opens_field(t, h)
        && found
            .iter()
            .any(|f| f.kind == Kind::Name && f.span.start as usize == t.skip_invisible(h.end))
}

/// Whether characters `a..b`, at most three, are only separators, spaces, line breaks and
/// the characters `marks` accepts.
fn only_marks(t: &Text, a: usize, b: usize, marks: fn(char) -> bool) -> bool {
    a <= b && b - a <= 3 && (a..b).all(|k| t.info[k].is_gap() || marks(t.fold(k)))
}

/// Whether characters `a..b` only join two items of a list.
fn joins(t: &Text, a: usize, b: usize) -> bool {
    only_marks(t, a, b, |c| matches!(c, '，' | ',' | '/' | '|'))
}

/// Whether characters `a..b` only stand between a list and the word that offers it: list
/// punctuation, colons and brackets (`可查：户口 …`, `【查询】社保 …`).
fn frames(t: &Text, a: usize, b: usize) -> bool {
    only_marks(t, a, b, |c| {
        matches!(
            c,
            '，' | ',' | '/' | '|' | '：' | ':' | '【' | '】' | '[' | ']' | '(' | ')'
        )
    })
}

/// How many phone numbers a WeChat or QQ label announces (`微信同号 139…`, `VX：139…`,
/// `QQ/微信 139…`): accounts to reach someone by, as a WeChat ID is. The label is the one the
/// number detector reads before a number.
fn account_phones(t: &Text, hits: &[Hit], found: &[Found]) -> usize {
    found
        .iter()
        .filter(|f| {
            f.kind == Kind::Phone
                && matches!(
                    label_before(hits, t, f.span.start as usize),
                    Some(Group::Label(Field::Wechat | Field::Qq))
                )
        })
        .count()
}

/// Words before a list of records that ask for them: a form's, not an offer's.
const ASKS: [&[char]; 9] = [
    &['填', '写'],
    &['填'],
    &['提', '供'],
    &['携', '带'],
    &['准', '备'],
    &['输', '入'],
    &['上', '传'],
    &['需', '要'],
    &['需'],
];

/// Words that give a list's reach, between the word that offers it and its items (`出售全国车主
/// 数据 …`, `可查各地 户口 …`).
const SCOPES: [&[char]; 8] = [
    &['全', '国'],
    &['全', '网'],
    &['各', '地'],
    &['各', '类'],
    &['各', '种'],
    &['大', '量'],
    &['海', '量'],
    &['一', '手'],
];

/// Where the list starting at `s` starts with the words of its reach before it (at most two:
/// `出一手全国 手机号 …`), gaps between them included.
fn scope_start(t: &Text, mut s: usize) -> usize {
    for _ in 0..2 {
        let Some(k) = (0..s).rev().find(|&k| !t.info[k].is_gap()) else {
            break;
        };
        match SCOPES.iter().find(|w| t.word_before(k + 1, w)) {
            Some(w) => s = k + 1 - w.len(),
            None => break,
        }
    }
    s
}

/// A word of a list of records: a kind of record (`户口`, `手机号`, `名下房产`), about a person
/// or not (`航班`), or another sale word, which links a list without counting in it (`户口 开房
/// 航班`, `身份证 住址 全套`).
#[derive(Clone, Copy)]
enum ListItem {
    Kind { personal: bool },
    Link,
}

/// Whether the post offers a catalogue of personal records: three or more kinds of record
/// listed one after another with nothing but separators between them and no value after any
/// (`全国手机号 身份证 住址 银行卡`, `户口 开房 航班 婚姻 学历`), two of them about a person
/// (`航班 高铁 住宿` is a travel agent's list), next to a word of lookup or sale (`可查：`,
/// `一查便知`, `调取`, `出`). A dossier's labels carry values; a form's list stands by no
/// lookup word (`需要：身份证、银行卡、手机号，额度查询`).
fn offers_catalogue(t: &Text, hits: &[Hit], found: &[Found]) -> bool {
    let item = |h: &Hit| match h.group {
        Group::Record { personal } => Some(ListItem::Kind { personal }),
        Group::Sale(SaleWord::Data) | Group::Ad(_) => Some(ListItem::Kind { personal: true }),
        Group::Sale(_) => Some(ListItem::Link),
        Group::Label(Field::Id | Field::Phone | Field::Card | Field::Address | Field::Name)
            if h.end - h.start >= 2 =>
        {
            Some(ListItem::Kind { personal: true })
        }
        _ => None,
    };
    // A label followed by its value labels a field, it lists nothing.
    let has_value = |h: &Hit| {
        let k = t.skip_invisible(h.end);
        k < t.len() && matches!(t.fold(k), ':' | '：')
            || found.iter().any(|f| {
                let s = f.span.start as usize;
                s >= h.end && s - h.end <= 3
            })
    };
    let offered = |s: usize, e: usize| {
        let s = scope_start(t, s);
        let before = (0..s).rev().find(|&k| !t.info[k].is_gap());
        // A form's list of what to fill in or bring asks for the records
        // (`注册需要填写 姓名 手机号 身份证`, `需携带：身份证 …`).
        let asks = (0..s)
            .rev()
            .find(|&k| !(t.info[k].is_gap() || matches!(t.fold(k), '：' | ':')))
            .is_some_and(|k| ASKS.iter().any(|w| t.word_before(k + 1, w)));
        !asks
            && (before.is_some_and(|p| matches!(t.fold(p), '出' | '售' | '卖' | '收'))
                || hits.iter().any(|o| {
                    matches!(o.group, Group::Sale(_))
                        && t.info[o.start..o.end].iter().any(|c| {
                            matches!(c.fold(), '查' | '找' | '调' | '出' | '售' | '卖' | '收')
                        })
                        && (o.end <= s && frames(t, o.end, s)
                            || o.start >= e && frames(t, e, o.start)
                            || o.start < e && s < o.end)
                }))
    };
    // The list being read (`open`): its span, its distinct counted terms and how many of them
    // are personal; `last`, the span of the last item read, valued or not.
    let (mut open, mut s, mut e, mut last) = (false, 0, 0, (0, 0));
    let mut terms: Vec<u32> = Vec::new();
    let mut personal = 0;
    let listed = |s: usize, e: usize, terms: &[u32], personal: usize| {
        terms.len() >= 3 && personal >= 2 && offered(s, e)
    };
    let count = |terms: &mut Vec<u32>, personal: &mut usize, h: &Hit, item: ListItem| {
        if let ListItem::Kind { personal: p } = item {
            if !terms.contains(&h.term) {
                terms.push(h.term);
                *personal += usize::from(p);
            }
        }
    };
    for h in hits {
        let Some(kind) = item(h) else {
            continue;
        };
        if (h.start, h.end) == last {
            // The same word in another group (`开房`: a sale word and a record).
            if open {
                count(&mut terms, &mut personal, h, kind);
            }
            continue;
        }
        if h.start < last.1 {
            // Inside the last item (`手机` in `手机号`).
            continue;
        }
        last = (h.start, h.end);
        let value = has_value(h);
        if !open || value || !joins(t, e, h.start) {
            if open && listed(s, e, &terms, personal) {
                return true;
            }
            terms.clear();
            personal = 0;
            open = !value;
            if value {
                continue;
            }
            s = h.start;
        }
        e = h.end;
        count(&mut terms, &mut personal, h, kind);
    }
    open && listed(s, e, &terms, personal)
}

/// The first hits of distinct sale words: eight in place, more (rare) in a vector. As one
/// vector, it allocated and grew for every post with a sale word (0.46 M instructions of a
/// 124.7 M pass). `smallvec::SmallVec<[&Hit; 8]>` in its place cost 0.41 M more (its
/// spilled-or-not test on every access in `decide`'s loop).
#[derive(Default)]
struct FirstHits<'a> {
    inline: [Option<&'a Hit>; 8],
    n: usize,
    more: Vec<&'a Hit>,
}

impl<'a> FirstHits<'a> {
    fn iter(&self) -> impl Iterator<Item = &'a Hit> + '_ {
        self.inline
            .iter()
            .flatten()
            .copied()
            .chain(self.more.iter().copied())
    }

    fn all_differ(&self, term: u32) -> bool {
        self.inline[..self.n.min(8)]
            .iter()
            .all(|e| e.is_none_or(|e| e.term != term))
            && self.more.iter().all(|e| e.term != term)
    }

    fn push(&mut self, h: &'a Hit) {
        match self.inline.get_mut(self.n) {
            Some(slot) => *slot = Some(h),
            None => self.more.push(h),
        }
        self.n += 1;
    }
}

pub fn decide(t: &Text, hits: &[Hit], found: &[Found], canonical: &[String]) -> Decision {
    // Room for the usual one to four reasons at once: grown from empty, the first push took
    // the vector's slow path (0.32 M instructions of a 119.3 M pass).
    let mut reasons = Vec::with_capacity(4);
    // The kinds present and the counts the rules need, in one pass over the findings.
    // A count per kind, one increment a finding: the `match` that kept four counters and the
    // set of kinds cost 32 instructions a finding (0.36 M a pass).
    let mut per_kind = [0usize; Kind::ALL.len()];
    for f in found {
        per_kind[f.kind as usize] += 1;
    }
    let count = |k: Kind| per_kind[k as usize];
    let tg_handles = count(Kind::Telegram);
    let handles = tg_handles + count(Kind::Wechat) + count(Kind::Qq);
    let people = count(Kind::Name);
    let records = count(Kind::IdCard) + count(Kind::Phone) + count(Kind::BankCard);
    let has = |k: Kind| count(k) != 0;
    let mut kw_plain = KwSet::default();
    let mut kw_spelled = KwSet::default();
    let mut kw_other = KwSet::default();
    // Whether any keyword hit was put in one of the three sets: most posts have none, and
    // then the sets' differences and sizes below (SSE code of about 60 instructions) are
    // skipped.
    let mut any_kw = false;
    let mut kw_quoted = 0;
    // Every count over the hits in one pass (it was six passes, one per group, and a look back
    // over all earlier hits for each sale word).
    let (mut tg, mut news, mut dox, mut selfctx) = (0, 0, 0, 0);
    let mut trade = false;
    // The first hit of each distinct sale word: `价格` three times in a shopping
    // complaint is one word. A term has one group, so an earlier hit with the same term is an
    // earlier sale hit: only those are compared.
    let mut sale_first = FirstHits::default();
    // Whether a hostile word opens a field (tested once: most posts have none, and testing
    // every reporting or self word against every hit cost 3.8 M instructions a pass). Asked
    // at the first reporting or self word that no longer hit holds, the pass over the hits is
    // skipped for posts without one (`decide` 11.69 -> 11.47 M of a 136.0 M pass).
    let mut dox_field: Option<bool> = None;
    // Whether a longer keyword, sale word, hostile phrase, field label, everyday or reporting
    // word holds a hit.
    let (mut kw_reach, mut sale_reach, mut dox_reach, mut label_reach, mut everyday_reach) = (
        Reach::default(),
        Reach::default(),
        Reach::default(),
        Reach::default(),
        Reach::default(),
    );
    let mut news_reach = Reach::default();
    // Sale words outside every keyword (`机主` in `机主信息` is the keyword's own).
    let mut offer_words = 0;
    // First hits of distinct sale words that stand alone, not inside a longer one: each weighs
    // in the score (`价格私聊` says more than `价格`), but as evidence of an offer
    // `出售 … 价格私聊` is two words, not five.
    let mut separate = 0;
    let mut goods = false;
    // A word that presents a sample of the goods (`样例`, `实拍`).
    let mut shows_sample = false;
    for h in hits {
        // Each arm asks only the reaches it needs, before its own group's reach grows by `h`
        // (the second `match`): the five tests for every hit were about a quarter of the loop.
        match h.group {
            Group::Ad(i) => {
                trade = true;
                any_kw = true;
                if quoted(t, h) {
                    kw_quoted += 1;
                }
                match h.form {
                    Form::Plain => kw_plain.insert(i),
                    Form::Pinyin if spelled_out(t, h) => kw_spelled.insert(i),
                    _ => kw_other.insert(i),
                }
            }
            Group::Tg => {
                trade = true;
                tg += 1;
            }
            Group::Sale(_) => {
                trade = true;
                let in_sale = sale_reach.holds(h);
                offer_words += usize::from(!kw_reach.holds(h));
                if sale_first.all_differ(h.term) {
                    sale_first.push(h);
                    separate += usize::from(!in_sale);
                }
                // Personal data as the goods: a word naming it that stands alone (in
                // `征信修复` the data word `征信` names a service, not the goods).
                goods |= h.group == Group::Sale(SaleWord::Data) && !in_sale;
                shows_sample |= h.group == Group::Sale(SaleWord::Sample);
            }
            // A word inside a hostile phrase is part of it (`公司` in `去她公司`), as is a word
            // inside a sale word (`调查` in `婚前调查`) or an everyday word (`店` in `酒店`: the
            // hotels of a dossier's check-ins), and a word in the field a hostile label opens
            // (`工作单位：某某公司`).
            Group::News | Group::SelfCtx
                if dox_reach.holds(h)
                    || sale_reach.holds(h)
                    || everyday_reach.holds(h)
                    || *dox_field.get_or_insert_with(|| {
                        hits.iter()
                            .any(|d| d.group == Group::Dox && opens_field(t, d))
                    }) && in_dox_field(t, hits, h, label_reach.holds(h)) => {}
            Group::News => news += 1,
            // A hostile word inside a sale or reporting word is part of it (`骗子` in
            // `骗子勿扰`, `都是骗子`).
            Group::Dox if sale_reach.holds(h) || news_reach.holds(h) => {}
            Group::Dox => dox += 1,
            Group::SelfCtx => selfctx += 1,
            Group::Label(Field::Name) if introduces(t, h, found) => selfctx += 1,
            _ => {}
        }
        match h.group {
            Group::Ad(_) => kw_reach.extend(h),
            Group::Sale(_) => sale_reach.extend(h),
            Group::Dox => dox_reach.extend(h),
            Group::Label(_) => label_reach.extend(h),
            Group::Everyday => everyday_reach.extend(h),
            Group::News => news_reach.extend(h),
            _ => {}
        }
    }
    let sale = sale_first.n;
    // A phone number given as a WeChat or QQ account (`微信同号 139…`, `VX：139…`) is a
    // handle too. Handles only weigh in offers, and there is none without a trade word: the
    // labels are read only then (every dossier has a phone).
    let handles = handles
        + if trade && count(Kind::Phone) != 0 {
            account_phones(t, hits, found)
        } else {
            0
        };
    // Two distinct sale words that name a lookup (`手机号查`, `查姓名`, `找人`, `代查`), or
    // with `finding` false two that name a query (`查`: `找人` also means finding someone to do
    // a job): the count stops at the second (counted to the end, the test was 0.41 M
    // instructions of a 119.0 M pass; 0.25 M now).
    let two_lookups_by = |finding: bool| {
        sale_first
            .iter()
            .filter(|h| {
                t.info[h.start..h.end]
                    .iter()
                    .any(|c| c.fold() == '查' || finding && c.fold() == '找')
            })
            .nth(1)
            .is_some()
    };
    let two_lookups = || two_lookups_by(true);
    // Prices only matter next to sale vocabulary.
    let prices = if trade { prices(t) } else { Prices::default() };
    // A price per set counts where personal data is the merchandise: an ad keyword, or a sale
    // word that names the data.
    let sets_count = prices.per_set > 0 && (any_kw || goods);
    let price = prices.per_record + if sets_count { prices.per_set } else { 0 };

    // Sale score.
    // A keyword counts once, in its strongest form: written out, spelled in full pinyin
    // (`chadang`: no everyday word), or an initialism or homophone (`cd`, `茶档`).
    let kw_spelled = kw_spelled.minus(kw_plain);
    let kw_other = kw_other.minus(kw_plain.union(kw_spelled));
    let (n_plain, n_spelled, n_other) = if any_kw {
        (kw_plain.len(), kw_spelled.len(), kw_other.len())
    } else {
        (0, 0, 0)
    };
    let kw_n = n_plain + n_spelled + n_other;
    let mut sale_score = 2.0 * n_plain as f32 + 1.5 * n_spelled as f32 + 1.0 * n_other as f32;
    sale_score += 0.7 * sale.min(5) as f32;
    sale_score += 1.5 * price.min(3) as f32;
    if tg_handles > 0 {
        sale_score += 2.5;
    } else if handles > 0 {
        sale_score += 1.0;
    }
    if tg > 0 {
        sale_score += 1.0;
    }
    let news_weight = 1.5 * news.min(4) as f32 + 2.0 * kw_quoted as f32;
    if tg_handles == 0 {
        sale_score -= news_weight;
    }
    // Reporting about the trade (记者, 嫌疑人, quotes around 开盒) is not an offer unless it
    // carries a way to buy.
    let reporting = (news >= 2 || kw_quoted > 0) && handles == 0;
    // A dossier's own QQ or WeChat is the victim's, not a way to buy: a post that bundles a
    // person's identifiers is an offer only with a price or a Telegram contact.
    let (id, phone, card, addr, name) = (
        has(Kind::IdCard),
        has(Kind::Phone),
        has(Kind::BankCard),
        has(Kind::Address),
        has(Kind::Name),
    );
    let sensitive = [id, phone, card, addr].iter().filter(|&&b| b).count();
    // Under hostile calls a phone with the person's QQ or e-mail is a profile too (`我把他开盒了
    // 手机号码：… 企鹅号 … 常用邮箱 … 大家打电话问候一下`).
    let accounts = has(Kind::Qq) || has(Kind::Wechat) || has(Kind::Email);
    let dossier =
        sensitive >= 2 || (name && sensitive >= 1) || (sensitive >= 1 && accounts && dox >= 2);
    // A dossier under hostile calls (`别惹我`, `建议大家都去骚扰一下`) with a price is a
    // boast about what it cost, not an offer, unless it gives a Telegram contact.
    // A record presented as a sample (`样例：`, `实拍`) is the ad's goods, not a dossier; so is
    // one in an ad's words with no hostile call at all (`专业人肉团队 户籍 开房记录 价格私聊
    // 效果：…`).
    let dossier_only = dossier
        && (price == 0 || dox >= 2)
        && tg_handles == 0
        && !shows_sample
        && (dox >= 1 || offer_words == 0);
    // Two lookup phrases with a price and a contact offer a lookup service whatever the score
    // (`手机号查姓名身份证 50一次 加微信 …`).
    // Without a price, three separate sale words, two of them lookups and one naming personal
    // data, with a contact, offer a lookup service too (`查酒店记录 查通话清单 查聊天记录 私家侦探
    // V …`, `有需要查人的吗 给名字就能查 不准不要钱 加我vx …`); two of them queries (`物流查询
    // 快递查询 找人代寄 价格优惠` is a courier's).
    let lookup_offer = handles > 0
        && if price > 0 {
            two_lookups()
        } else {
            separate >= 3 && goods && news == 0 && two_lookups_by(false)
        };
    // An offer needs a way to buy: a price, a contact, or more sale vocabulary. Three distinct
    // keywords, or two with a name of Telegram (`kh 查dang 户ji … 联系tg`), with no word of
    // reporting or advice, are a listing of the trade's goods whose contact is left to the
    // reader. (A price per set, `一套30`, counts only beside personal data as the goods: sets
    // are what second-hand goods and watches are sold in.)
    let listing = (kw_n >= 3 || kw_n >= 2 && tg > 0) && news == 0 && kw_quoted == 0;
    // Two keywords, however written, with a sale word and a contact are an offer whatever the
    // score (`社公库 人R 秒出 ➕V：…`: homophones and initials weigh less than the words).
    let keyword_offer = kw_n >= 2 && sale >= 1 && handles > 0 && news == 0 && kw_quoted == 0;
    // Without a keyword, the offer must name personal data or two lookups as what it sells:
    // shops speak the trade's language too (`一站式 私人订制 价格美丽 需要的老板滴滴我`,
    // `一手货源 可定制 量大从优`), and only the goods tell a data seller from a bakery.
    let is_sale = !(reporting || dossier_only)
        && (lookup_offer
            || keyword_offer
            || sale_score >= 4.5
                && (kw_n > 0
                    || (separate >= 3 || price > 0 || tg_handles > 0) && (goods || two_lookups()))
                && (price > 0 || handles > 0 || sale >= 3 || listing));
    // Three kinds of record, two about a person, listed beside a lookup word, with a way to
    // buy or more sale vocabulary, are an offer without any keyword (`全国手机号 身份证 住址
    // 银行卡 一查便知 微信 …`, `可查：户口 开房 航班 婚姻 学历 V：…`). Read only when nothing
    // else made the post an offer: read for every post with a trade word, it and the phones'
    // labels read for every post with a phone cost 1.2 M instructions of a 126.9 M pass.
    let catalogue = !is_sale
        && trade
        && news == 0
        && kw_quoted == 0
        && (handles > 0 || price > 0 || tg > 0 || sale >= 3)
        && !(reporting || dossier_only)
        && offers_catalogue(t, hits, found);
    if catalogue {
        sale_score += 2.0;
    }
    let is_sale = is_sale || catalogue;
    if is_sale {
        if kw_n > 0 {
            reasons.push(joined(
                "sale keywords: ",
                ", ",
                kw_plain
                    .union(kw_spelled)
                    .union(kw_other)
                    .iter()
                    .map(|i| canonical[i].as_str()),
            ));
        }
        if catalogue {
            reasons.push("kinds of personal record listed for lookup".to_string());
        }
        if price > 0 {
            reasons.push(counted(price, " price-per-record marker(s)"));
        }
        if tg_handles > 0 {
            reasons.push("telegram contact".to_string());
        } else if handles > 0 {
            reasons.push("contact handle".to_string());
        }
    }

    // Dox score.
    let ident_kinds = sensitive + usize::from(accounts);
    let mut dox_score = 0.0f32;
    dox_score += if id { 3.0 } else { 0.0 };
    dox_score += if card { 1.5 } else { 0.0 };
    dox_score += if addr { 1.5 } else { 0.0 };
    dox_score += if phone { 1.0 } else { 0.0 };
    dox_score += if accounts { 0.7 } else { 0.0 };
    dox_score += if name && ident_kinds > 0 { 1.5 } else { 0.0 };
    dox_score += 1.5 * dox.min(3) as f32;
    if kw_n > 0 {
        dox_score += 1.5;
    }
    dox_score -= 1.2 * selfctx.min(3) as f32;
    dox_score -= 1.0 * news.min(3) as f32;
    let sample = is_sale && name && sensitive >= 1;
    // A validated ID next to the person's name, phone or address is a dossier whatever else
    // frames it (nobody posts their own ID card number with their phone), unless reporting or
    // self words frame a notice and nothing is hostile (a wanted or missing-person notice:
    // `悬赏通告：犯罪嫌疑人…`, `寻人启事：…`).
    let notice = (news >= 2 || selfctx >= 2) && dox == 0 && kw_n == 0;
    let id_bundle = id && (name || phone || addr) && !notice;
    // A doxxing word (开盒, 社工库, 机主信息 …) over a person's identifiers, or over a name and
    // an account (`开盒：刘洋 支付宝账号 …@163.com`): self-disclosure never says 开盒. Sale ads
    // are left to the sample rule (a seller gives a phone too).
    let kw_bundle =
        kw_n > 0 && !is_sale && (sensitive >= 2 || (name && (sensitive >= 1 || accounts)));
    // Nothing says self-disclosure or reporting.
    let unframed = selfctx == 0 && news == 0;
    // A validated ID number under a hostile exposure phrase (曝光, 扒出 …) or a doxxing word
    // that is not part of an offer (`开盒：…`): nobody exposes their own ID card.
    let id_exposed = id && (dox >= 1 || (kw_n > 0 && !is_sale)) && unframed;
    // A name with an identifier under as many hostile phrases as reporting words (`曝光 张伟
    // 手机…`, `这个骗子叫…，银行卡…，大家曝光他`): a warning that names the person still
    // exposes them.
    let named_dossier =
        name && (sensitive >= 1 || accounts) && dox >= 1 && dox >= news && dox > selfctx;
    // Several people's names and identifiers in one post (`王伟 139…；李娜 186…`), nothing
    // saying it is one's own or a report.
    let several = people >= 2 && records >= 2 && unframed && !is_sale;
    // An identifier under hostile calls outnumbering reporting words (`手机号 152…，建议大家
    // 都去骚扰一下`): exposed for harassment even without a name.
    let targeted = sensitive >= 1 && dox >= 2 && dox > news && selfctx == 0 && !is_sale;
    // A home down to the building, unit or room next to a person's name (not a shop's or an
    // office's address with a contact name: those carry self or business context).
    let home = name
        && unframed
        && found.iter().any(|f| {
            f.kind == Kind::Address
                && f.facts
                    .get("resolution")
                    .is_some_and(|r| matches!(r, "building" | "unit" | "room"))
        });
    // A name with three kinds of identifiers and nothing framing them (a table of 名字 | 电话
    // | 住址 | QQ): a profile of the person, not a contact line.
    let profile = name && (ident_kinds >= 3 || phone && addr) && unframed && !is_sale;
    let is_dox = id_bundle
        || profile
        || kw_bundle
        || id_exposed
        || named_dossier
        || several
        || targeted
        || home
        || (ident_kinds >= 1 && dox_score >= 5.0 && (name || ident_kinds >= 2 || id || dox >= 1))
        || sample;
    if is_dox {
        let what = [
            (id, "id_card"),
            (phone, "phone"),
            (card, "bank_card"),
            (addr, "address"),
            (accounts, "contact ids"),
            (name, "name"),
        ];
        reasons.push(joined(
            "identifiers of one person together: ",
            " + ",
            what.iter().filter(|w| w.0).map(|w| w.1),
        ));
        if dox > 0 {
            reasons.push(counted(dox, " hostile exposure phrase(s)"));
        }
        if sample {
            reasons.push("sale ad shows a sample record".into());
        }
    }

    let verdict = if is_dox {
        Verdict::Doxxing
    } else if is_sale {
        Verdict::DataSaleAd
    } else if found
        .iter()
        .any(|f| !f.kind.is_signal() && f.kind != Kind::AdKeyword && f.kind != Kind::Telegram)
    {
        Verdict::PiiExposure
    } else {
        Verdict::None
    };
    let severity = match verdict {
        Verdict::Doxxing
            if id
                || (found
                    .iter()
                    .any(|f| f.facts.get("minor").is_some_and(|m| m == "true"))) =>
        {
            Severity::Critical
        }
        Verdict::Doxxing => Severity::High,
        Verdict::DataSaleAd | Verdict::LeakRepost => Severity::High,
        Verdict::PiiExposure => Severity::Low,
        Verdict::None => Severity::None,
    };
    if verdict == Verdict::PiiExposure {
        reasons.push("personal data without marks of doxxing or sale".into());
    }
    let score = match verdict {
        Verdict::Doxxing => dox_score.max(sale_score),
        Verdict::DataSaleAd => sale_score,
        _ => dox_score.max(sale_score).max(0.0),
    };
    Decision {
        verdict,
        sale_ad: is_sale,
        doxxing: is_dox,
        severity,
        score: (score / 10.0).clamp(0.0, 1.0),
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::{counted, is_price_unit, is_set_unit, prices, starts_price_unit, KwSet, Prices};
    use crate::{chars::CharTable, testutil::dicts, text::Text};
    use std::collections::BTreeSet;

    /// Prices per record and per set, with the near misses: a unit glued to a word, a number
    /// too long for a price, a set unit apart from its number, a set without a number.
    #[test]
    fn prices_per_record_and_per_set() {
        let table = CharTable::new(&dicts().t2s);
        let cases: &[(&str, usize, usize)] = &[
            (
                "50元/次 300米 130r每条 55u ¥571 6O/条 500包月 4百一次",
                8,
                0,
            ),
            ("一套80 30一套 50/套 每套 30 2O/套", 0, 5),
            ("一套80元", 1, 1),
            ("全套300 三套房子", 0, 0),
            ("一套", 0, 0),
            ("123456一套 1234567元", 0, 0),
            // A space between the number and its unit (`300 元/条`, `4百一 次`), not inside a
            // Latin unit (`151u Telegram`: `u`, not `ut`).
            ("50 /套 30 元", 1, 1),
            ("300 元/条 4百一 次 151u Telegram 50 元 / 条", 4, 0),
            ("3000 rpm 20 美女", 0, 0),
            ("3000rpm 50usdt", 1, 0),
            // `一` that orders or counts (`上一条`, `第一次`) prices nothing; a bare `一条`
            // with or before a price is the price's unit.
            ("前情提要见上一条 第一次 再一次", 0, 0),
            ("一条50 记录一条只要90", 2, 0),
            // Units before the number, numerals with 十, currencies by name or code.
            ("每次200 单条50 每笔 80 每次200元", 4, 0),
            (
                "五十元/条 二十一次 伍拾元 50圆 8美元 9美金 50rmb 60CNY",
                8,
                0,
            ),
            ("第五十条 第一百条 十条 前十次 每次 次数200 单价50", 0, 0),
            ("3000rpm 50cnx 40c 20美女", 0, 0),
        ];
        let mut t = Text::default();
        for &(text, per_record, per_set) in cases {
            t.load(&table, text);
            assert_eq!(
                prices(&t),
                Prices {
                    per_record,
                    per_set
                },
                "{text}"
            );
        }
    }

    /// `starts_price_unit` lets through every character that starts some unit: the two lists
    /// are kept by hand, and a unit added to `is_price_unit` alone would never be read.
    #[test]
    fn every_unit_starts_with_a_listed_character() {
        // The characters the units' later positions are compared with, and none.
        let later = ['条', '次', '笔', '月', '元', '金', '套', 'n', 'y', '\0'];
        for c in (0..0x10000).filter_map(char::from_u32) {
            if starts_price_unit(c) {
                continue;
            }
            for a in later {
                for b in later {
                    let tail = [c, a, b, '\0'];
                    assert!(!is_price_unit(&tail) && !is_set_unit(&tail), "{tail:?}");
                }
            }
        }
    }

    /// The counted reasons read as `format!("{n} …")` wrote them.
    #[test]
    fn counted_as_format() {
        for n in [0usize, 1, 9, 10, 123, usize::MAX] {
            assert_eq!(counted(n, " marker(s)"), format!("{n} marker(s)"));
        }
    }

    /// The bitset answers as the `BTreeSet<u8>` it replaced: sizes, difference, union order.
    #[test]
    fn keyword_set_equals_a_btreeset() {
        let cases: &[(&[u8], &[u8])] = &[
            (&[], &[]),
            (&[0, 63, 64, 255], &[63, 1, 200]),
            (&[5, 5, 7], &[7, 128, 129, 5]),
        ];
        for &(a, b) in cases {
            let (mut x, mut y) = (KwSet::default(), KwSet::default());
            a.iter().for_each(|&i| x.insert(i));
            b.iter().for_each(|&i| y.insert(i));
            let (bx, by): (BTreeSet<u8>, BTreeSet<u8>) =
                (a.iter().copied().collect(), b.iter().copied().collect());
            assert_eq!(x.len(), bx.len());
            assert_eq!(x.is_empty(), bx.is_empty());
            assert_eq!(y.minus(x).len(), by.difference(&bx).count());
            let want: Vec<usize> = bx.union(&by).map(|&i| usize::from(i)).collect();
            assert_eq!(x.union(y).iter().collect::<Vec<_>>(), want);
        }
    }
}
