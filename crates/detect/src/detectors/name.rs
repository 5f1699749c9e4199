//! Person names, only where they belong to a record: after a name label (姓名, 本名, 叫 …), or
//! right next to an identifier of the same record (`样例：赵桂荣 330…`, `电话…（邱博）`,
//! `王婷收`). A name is a known surname (compound first) plus one or two given characters.
//! Masked names (`张某某`, `李*`) and a surname with a title (`王经理`) are not names.

use crate::chars::{self, CharBloom, CharSet, Class};
use crate::dict::Dictionaries;
use crate::lexicon::{hits_near, Field, Group, Hit};
use crate::text::Text;
use crate::Found;
use doxwatch_model::{Facts, Kind, Span};
use std::sync::OnceLock;

/// Characters that end a given name when they follow it.
/// (Hashed slots instead of `str::contains`, which encoded the character and searched the
/// string's bytes at every test.)
const STOP: CharSet<256> = CharSet::new(
    &[
        '的', '是', '收', '在', '阿', '和', '与', '就', '这', '那', '家', '住', '电', '手', '微',
        '身', '号', '码', '邮', '地', '他', '她', '们', '了', '也', '都', '被', '已', '叫', '名',
        '姓', '说', '去', '给', '很', '从', '到', '啊', '呀', '吗', '呢', '吧', '，', '。', '此',
        // Words of a sentence no given name holds (`骗了我两 千块 钱不还`, `去他单位 门口`,
        // `欢 迎 来玩`: letter-spaced prose puts a surname's character at a word's start).
        '不', '还', '看', '玩', '口', '迹', '猫', '吃', '喝', '要', '没', '把', '让', '又', '再',
        // The start of a form's next label glued to the name (`姓名王芳性别女`, `李娜籍贯…`).
        '性', '籍',
    ],
    0x34EC_F2ED,
);
/// Titles (as characters: compared without building a string). Glued to a surname they make no
/// name (`王经理`, `李某`); written after a name and a gap, between it and its contact details
/// (`张伟 总经理 手机…`), they are read over.
const TITLES: &[&[char]] = &[
    &['经', '理'],
    &['总', '经', '理'],
    &['女', '士'],
    &['先', '生'],
    &['老', '师'],
    &['师', '傅'],
    &['小', '姐'],
    &['总'],
    &['总', '裁'],
    &['总', '监'],
    &['董', '事', '长'],
    &['阿', '姨'],
    &['同', '学'],
    &['医', '生'],
    &['律', '师'],
    &['主', '任'],
    &['主', '管'],
    &['店', '长'],
    &['老', '板'],
    &['顾', '问'],
    &['会', '计'],
    &['销', '售'],
    &['业', '务', '员'],
    &['警', '官'],
    &['某'],
    &['某', '某'],
    &['大', '爷'],
    &['大', '妈'],
    &['哥'],
    &['姐'],
    &['叔'],
];

/// The characters that may make a given name a title (see [`name_at`]): a one-character
/// title, or the first character of a two-character one.
const TITLE_IN_GIVEN: CharBloom =
    CharBloom::of(TITLES, false, 1..=1).with(CharBloom::of(TITLES, false, 2..=2));
/// One-character titles.
const TITLE_ONE: CharBloom = CharBloom::of(TITLES, false, 1..=1);
/// The last characters of the titles.
const TITLE_LAST: CharBloom = CharBloom::of(TITLES, true, 1..=usize::MAX);
/// The first characters of the titles of two characters or more ([`title_at`]).
const TITLE_FIRST: CharBloom = CharBloom::of(TITLES, false, 2..=usize::MAX);

/// Reads a name starting at `i`: (end, value) on success. Zero-width and other invisible
/// characters inside the name (`王\u{200B}芳`) are skipped; the span covers them.
pub fn read_name(t: &Text, dicts: &Dictionaries, i: usize) -> Option<(usize, String)> {
    name_at(t, dicts, i).map(|n| (n.end, n.value(t)))
}

/// A name read by [`name_at`], its value not yet written: callers that may still reject it
/// (it must end at a given point) build the `String` only for the names they keep.
struct NameAt {
    end: usize,
    /// The positions of the name's visible characters (the first `len`).
    pos: [usize; 5],
    len: usize,
    /// A transliterated name in dotted parts (`买买提·艾力`): every visible character from
    /// `pos[0]` to `end`, each dot written `·`.
    dotted: bool,
}

impl NameAt {
    fn value(&self, t: &Text) -> String {
        if self.dotted {
            return (self.pos[0]..self.end)
                .filter(|&k| t.class(k) != Class::Invisible)
                .map(|k| {
                    if is_name_dot(t.chars[k]) {
                        '·'
                    } else {
                        t.fold(k)
                    }
                })
                .collect();
        }
        let mut name = String::with_capacity(3 * self.len);
        name.extend(self.pos[..self.len].iter().map(|&k| t.fold(k)));
        name
    }
}

/// Brackets that may close around a name (`《孙丽娟》就是他`, `（【文勇】）`, `〔王磊〕收`).
fn closes_name(c: char) -> bool {
    matches!(
        c,
        ')' | '）' | '】' | '」' | '』' | ']' | '］' | '》' | '〉' | '>' | '〕' | '”' | '’' | '"'
    )
}

/// Brackets that may open around a name.
fn opens_name(c: char) -> bool {
    matches!(
        c,
        '(' | '（' | '【' | '「' | '『' | '[' | '［' | '《' | '〈' | '<' | '〔' | '“' | '‘' | '"'
    )
}

/// The dots between the parts of a transliterated name (`买买提·艾力`, `阿依古丽•买买提`).
fn is_name_dot(c: char) -> bool {
    matches!(c, '·' | '•' | '・' | '‧' | '∙' | '．' | '.')
}

/// A part of a dotted name: two to six Han characters, none a numeral.
const DOTTED_PART: std::ops::RangeInclusive<usize> = 2..=6;

/// Whether `k` holds a character of a dotted name's part.
fn dotted_char(t: &Text, k: usize) -> bool {
    t.class(k) == Class::Cjk && t.info[k].digit().is_none() && chars::is_han(t.chars[k])
}

/// A transliterated name of two or three parts joined by dots from `i` (`姓名：阿依古丽·买买提`,
/// Uygur, Kazakh and Tibetan names have no Han surname): the dotted parts, each of
/// [`DOTTED_PART`] characters, and no Han character right after the last.
#[cold]
#[inline(never)]
fn dotted_name_at(t: &Text, i: usize) -> Option<NameAt> {
    let mut k = i;
    let mut parts = 0;
    loop {
        let from = k;
        while k < t.len() && dotted_char(t, k) && k - from <= *DOTTED_PART.end() {
            k += 1;
        }
        if !DOTTED_PART.contains(&(k - from)) {
            return None;
        }
        parts += 1;
        if parts == 3 || k + 1 >= t.len() || !is_name_dot(t.chars[k]) || !dotted_char(t, k + 1) {
            break;
        }
        k += 1;
    }
    (parts >= 2 && (k >= t.len() || !dotted_char(t, k))).then_some(NameAt {
        end: k,
        pos: [i; 5],
        len: 0,
        dotted: true,
    })
}

/// A dotted name (see [`dotted_name_at`]) that ends exactly at `k`, where a label or an
/// identifier starts (`玛丽·艾力手机…`), and starts after a character that is not Han, or at the
/// start.
#[cold]
#[inline(never)]
fn dotted_name_ending_at(t: &Text, k: usize) -> Option<(usize, NameAt)> {
    let mut b = k;
    let mut parts = 0;
    loop {
        let to = b;
        while b > 0 && dotted_char(t, b - 1) && to - b <= *DOTTED_PART.end() {
            b -= 1;
        }
        if !DOTTED_PART.contains(&(to - b)) {
            return None;
        }
        parts += 1;
        if parts == 3 || b < 2 || !is_name_dot(t.chars[b - 1]) || !dotted_char(t, b - 2) {
            break;
        }
        b -= 1;
    }
    if parts < 2 || b > 0 && dotted_char(t, b - 1) {
        return None;
    }
    Some((
        b,
        NameAt {
            end: k,
            pos: [b; 5],
            len: 0,
            dotted: true,
        },
    ))
}

/// [`read_name`] without the value.
fn name_at(t: &Text, dicts: &Dictionaries, i: usize) -> Option<NameAt> {
    name_at_with(t, dicts, i, false)
}

/// [`name_at`] right after a label and its colon if `after_label`: there a one-character
/// given name may be a numeral (`姓名：张三`, `名字：钱七`: the placeholder names of forms and
/// the many real names written with a numeral are names, not a weekday or a grade), and a
/// common noun is a name (`姓名：金花`).
fn name_at_with(t: &Text, dicts: &Dictionaries, i: usize, after_label: bool) -> Option<NameAt> {
    let cjk_at = |k: usize| k < t.len() && t.class(k) == Class::Cjk && t.info[k].digit().is_none();
    // The positions of the next five visible characters from `i` (`t.len()` past the end).
    // After a label and its colon, a space, a dash or an emoji between a one-character surname
    // and the given name is evasion, not a word's end (`姓名：王-芳`, `名字：张 伟`,
    // `姓名：刘🌸洋`): read over.
    let mut pos = [t.len(); 5];
    pos[0] = i;
    pos[1] = t.skip_invisible(i + 1).min(t.len());
    if after_label
        && pos[1] + 1 < t.len()
        && (matches!(t.class(pos[1]), Class::Space | Class::Emoji)
            || matches!(t.fold(pos[1]), '-' | '_' | '·' | '.'))
        && cjk_at(pos[1] + 1)
    {
        pos[1] += 1;
    }
    // Surnames that are also formal numerals (陆 6, 伍 5) start a name when no numeral follows.
    // Asked only of a numeral (looked up for every call, 0.37 M instructions of a 119.8 M pass).
    let numeral_surname = || {
        i < t.len() && t.class(i) == Class::Cjk && cjk_at(pos[1]) && dicts.is_surname1(t.fold(i))
    };
    // A name starts with a Han character as written, not with an emoji read as one (`🔍🔍`
    // reads `查查`).
    if !cjk_at(i) && !numeral_surname() || !chars::is_han(t.chars[i]) {
        return None;
    }
    let c0 = t.fold(i);
    let mut sur_len = 0;
    if cjk_at(pos[1]) && dicts.is_surname2(c0, t.fold(pos[1])) {
        sur_len = 2;
    }
    if sur_len == 0 && dicts.is_surname1(c0) {
        sur_len = 1;
    }
    if sur_len == 0 {
        return None;
    }
    // A surname's character glued to a digit is the number's unit or counter (`5元一套`,
    // `3周`, `2毛`): a name stands apart from the number before it; so is a unit after a
    // number in numerals (`一九九零年生`, `三时许`), invisible characters or emoji between.
    // (Asked after the surname: most calls end above.)
    if i > 0 && t.fold(i - 1).is_ascii_digit()
        || UNITS.contains(&t.fold(i))
            && word_char_before(t, i).is_some_and(|p| t.info[p].digit().is_some())
    {
        return None;
    }
    // The rest only after a surname: most calls end above (reading all five positions first
    // was 0.36 M instructions of a 120.1 M pass).
    for k in 2..pos.len() {
        pos[k] = t.skip_invisible(pos[k - 1] + 1).min(t.len());
    }
    // A given name may hold a common numeral (`张三丰`, `李一鸣`) beside a character that is
    // none: a numeral alone after a surname is a weekday or a grade (`周一`, `高三`), two are
    // digits (`王一三八…`), and a numeral with a digit after it begins a number (`李明一三九…`).
    let numeral_at = |k: usize| {
        k < t.len()
            && matches!(
                t.fold(k),
                '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九'
            )
    };
    let mut given = 0;
    let mut numerals = 0;
    while given < 2 {
        let k = pos[sur_len + given];
        if k >= t.len() || STOP.contains(t.fold(k)) {
            break;
        }
        if numeral_at(k) {
            numerals += 1;
        } else if !cjk_at(k) {
            break;
        }
        given += 1;
    }
    // A title right after a one-character given name (`王芳女士`, `李娜同学`) is not part of it.
    if given == 2 && title_at(t, pos[sur_len + 1]) {
        given = 1;
    }
    while given > 0 && numeral_at(pos[sur_len + given - 1]) && {
        let next = pos[sur_len + given];
        next < t.len() && t.info[next].digit().is_some()
    } {
        given -= 1;
        numerals -= 1;
    }
    if given == 0 || numerals == given && !(after_label && given == 1) {
        return None;
    }
    // `小王`, `老李`, `阿丽`: a nickname, not a full name; so is a doubled character (`宝宝`,
    // `乐乐`: nobody's given name is their surname).
    if sur_len == 1 && given == 1 && (matches!(c0, '小' | '老' | '阿') || t.fold(pos[1]) == c0) {
        return None;
    }
    let last = sur_len + given - 1;
    let end = pos[last] + 1;
    // The visible character after the name (`t.len()` at the end).
    let next = pos[last + 1];
    // The given name (one or two characters) against the titles.
    let gv = [t.fold(pos[sur_len]), t.fold(pos[last])];
    let gv = &gv[2 - given..];
    // (A title the given name starts or ends with is a one-character title at either end or a
    // two-character title that is the whole of it: only a character of those sends it to the
    // list.)
    if (TITLE_IN_GIVEN.may_contain(gv[0]) || TITLE_ONE.may_contain(gv[given - 1]))
        && TITLES.iter().any(|ti| match **ti {
            // Compared character by character: as slices (`starts_with`, `ends_with`) every
            // title was a `memcmp` call, 0.57 M instructions of a 121.4 M pass.
            [a] => gv[0] == a || gv[given - 1] == a,
            [a, b] => given == 2 && gv[0] == a && gv[1] == b,
            _ => false,
        })
    {
        return None;
    }
    if next < t.len() && matches!(t.fold(next), '*' | '某' | 'x' | 'X' | '×' | '○') {
        return None;
    }
    // A third CJK character right after a two-character given name means we are inside a
    // longer word, unless it is a stop character or begins a title (`王建国先生`).
    // (Nor is it when it gives the person's sex, the end of a form's field: `王建国男，1990年`.)
    let sex = || {
        matches!(t.fold(next), '男' | '女') && {
            let k = t.skip_invisible(next + 1);
            k >= t.len() || t.class(k) != Class::Cjk
        }
    };
    if given == 2
        && cjk_at(next)
        && !STOP.contains(t.fold(next))
        && sur_len == 1
        && !title_at(t, next)
        && !sex()
    {
        return None;
    }
    // A common word that reads as a name (`计算`, `有意`, `马上`), alone or as the start of a
    // single surname's three characters (`马上来`).
    let mut word = ['\0'; 4];
    for (w, &k) in word.iter_mut().zip(&pos[..=last]) {
        *w = t.fold(k);
    }
    // (An ethnic group, `汉族`, `回族`, reads as a surname and a given name too.)
    if dicts.not_a_name(&word[..=last], after_label)
        || sur_len == 1 && last == 2 && dicts.not_a_name(&word[..2], after_label)
        || last == 1 && word[1] == '族'
    {
        return None;
    }
    Some(NameAt {
        end,
        pos,
        len: last + 1,
        dotted: false,
    })
}

/// Whether a title of two or more characters (`先生`, `女士`, `总经理`) starts at `k`.
fn title_at(t: &Text, k: usize) -> bool {
    // The list read only for a character that may start one of its words: read after every
    // two-character given name, it was 0.7 M instructions of a 117.6 M pass.
    k < t.len()
        && TITLE_FIRST.may_contain(t.fold(k))
        && TITLES
            .iter()
            .any(|w| w.len() >= 2 && w[0] != '某' && t.word_at(k, w))
}

/// The character before `i` that is neither invisible nor an emoji: evasion puts those
/// inside words, so they separate nothing.
fn word_char_before(t: &Text, i: usize) -> Option<usize> {
    (0..i)
        .rev()
        .find(|&j| !matches!(t.class(j), Class::Invisible | Class::Emoji))
}

/// Whether a finding of `kind` identifies a person, so that a name beside it belongs to a
/// record (a masked number, a landline or a handle does not).
fn identifies(kind: Kind) -> bool {
    kind.is_sensitive_identifier() || matches!(kind, Kind::Email | Kind::Qq | Kind::Wechat)
}

/// The first character from `i` that is neither invisible, an emoji nor a space, inside a fixed
/// phrase (`就😂是他`, `阿💯姨`, `就 是 他`: letter-spaced prose splits its words).
fn phrase_char_after(t: &Text, i: usize) -> Option<usize> {
    (i..t.len()).find(|&j| !matches!(t.class(j), Class::Invisible | Class::Emoji | Class::Space))
}

/// Jobs, relations and accusations written right before a name (`中介刘强`, `前男友王磊`), besides the
/// [`TITLES`] and the jobs ending in `员` or `官`.
const ROLES: &[&[char]] = &[
    &['中', '介'],
    &['房', '东'],
    &['司', '机'],
    &['主', '播'],
    &['博', '主'],
    &['网', '红'],
    &['同', '事'],
    &['邻', '居'],
    &['前', '任'],
    &['男', '友'],
    &['女', '友'],
    &['老', '公'],
    &['老', '婆'],
    // Not a job, but written before a name the same way (`骗子马涛`), as are the target of a
    // call to harass and the one reported (`冲！目标刘洋 139…`, `举报王芳 138…`).
    &['骗', '子'],
    &['目', '标'],
    &['举', '报'],
];
/// The last characters of the titles and roles of two or more characters.
const ROLE_LAST: CharBloom =
    CharBloom::of(TITLES, true, 2..=usize::MAX).with(CharBloom::of(ROLES, true, 2..=usize::MAX));

/// The titles and roles of two or more characters that end in `c`. From a list sorted by last
/// character, found by a binary search: [`ROLE_LAST`] lets through about half of the characters
/// of prose, and the whole lists compared with each (47 words) cost 1.2 M instructions a pass.
fn roles_ending_in(c: char) -> impl Iterator<Item = &'static [char]> {
    static BY_LAST: OnceLock<Vec<(char, &'static [char])>> = OnceLock::new();
    let words = BY_LAST.get_or_init(|| {
        let mut v: Vec<(char, &'static [char])> = TITLES
            .iter()
            .chain(ROLES)
            .filter(|w| w.len() >= 2)
            .map(|&w| (w[w.len() - 1], w))
            .collect();
        v.sort_by_key(|&(last, _)| last);
        v
    });
    let from = words.partition_point(|&(last, _)| last < c);
    words[from..]
        .iter()
        .take_while(move |&&(last, _)| last == c)
        .map(|&(_, w)| w)
}

/// Surnames that are also units after a number (`1990年`, `3时`, `5万`, `2楼`, `4路`).
const UNITS: [char; 9] = ['年', '时', '万', '周', '米', '区', '楼', '路', '位'];

/// A name that ends exactly at `k` and starts after a non-CJK character or right after a
/// context word (`骗子马涛`, `渣男王强`: a doxxing, reporting or sale word ends where it starts).
fn name_ending_at(
    t: &Text,
    dicts: &Dictionaries,
    hits: &[Hit],
    k: usize,
) -> Option<(usize, NameAt)> {
    // A name in brackets ends inside them (`《孙丽娟》就是他`); its span leaves them out.
    let k = if k > 2 && closes_name(t.chars[k - 1]) {
        k - 1
    } else {
        k
    };
    for len in [3usize, 2, 4] {
        if k < len {
            continue;
        }
        let b = k - len;
        // No name starts at `b` without a surname there (what `name_at` asks first): tested
        // before the words and hits around `b` are read for it. Most tries have none, and
        // reading what stands before them was 0.7 M instructions of a 118.3 M pass.
        let c0 = t.fold(b);
        let next = t.skip_invisible(b + 1);
        if !dicts.is_surname1(c0) && (next >= t.len() || !dicts.is_surname2(c0, t.fold(next))) {
            continue;
        }
        // The character before: an invisible one or an emoji does not separate words
        // (`欢迎👉来玩` holds no name).
        let before = word_char_before(t, b);
        let before_ok = before
            .is_none_or(|p| t.class(p) != Class::Cjk || t.info[p].digit().is_some())
            // A copula before the name (`这人就是赵强，电话…`, `认准了为郑颖`; Cantonese `係` as
            // written, `呢個人係王建國`: its fold `系` ends `联系`, `联系房东…` holds no name).
            || before.is_some_and(|p| matches!(t.fold(p), '是' | '为') || t.chars[p] == '係')
            // An arrow written for a colon (`公开了→李刚就是他`): an emoji between words
            // separates none (`欢迎👉来玩`), but the name is pointed at.
            || (before.map_or(0, |p| p + 1)..b)
                .any(|q| matches!(t.chars[q], '→' | '➡' | '⇒' | '➜' | '👉' | '⟶'))
            // A job or a relation before the name (`快递员李军`, `老板陈伟`, `房东王建国`).
            || before.is_some_and(|p| {
                let c = t.fold(p);
                // The last character compared first: nearly always a word of prose before.
                matches!(c, '员' | '官')
                    || ROLE_LAST.may_contain(c)
                        && roles_ending_in(c).any(|w| t.word_before(p + 1, w))
            })
            // (The hits come by start: one ending at `b` starts before it, and within reach.)
            || hits_near(hits, b, b).any(|h| h.end == b && matches!(h.group, Group::Dox | Group::News | Group::Ad(_)))
            // A hostile word and `一下` (`曝光一下张建华这个人`).
            || b >= 2
                && t.fold(b - 2) == '一'
                && t.fold(b - 1) == '下'
                && hits_near(hits, b - 2, b - 2).any(|h| h.end == b - 2 && h.group == Group::Dox);
        if !before_ok {
            continue;
        }
        if let Some(name) = name_at(t, dicts, b) {
            if name.end == k {
                return Some((b, name));
            }
        }
    }
    None
}

/// A name that is the whole of the line above an identifier starting its own line, or of the
/// line above a line holding only the sex (`开盒结果如下` / `王建国` / `139…`, `王建国` / `男` /
/// `139…`): a record written one field a line, without labels. Asked only in a post with a
/// doxxing word: a shop's card puts a word on a line above its phone too (`家政服务` / `保洁` /
/// `139…`).
fn name_line_above(t: &Text, dicts: &Dictionaries, s: usize) -> Option<(usize, NameAt)> {
    // Back over the spaces before `s` to the line break that starts its line.
    let line_start = |i: usize| {
        let mut k = i;
        while k > 0 && matches!(t.class(k - 1), Class::Space | Class::Invisible) {
            k -= 1;
        }
        (k > 0 && t.class(k - 1) == Class::Newline).then(|| k - 1)
    };
    // The line ending at break `nl`, without its spaces: (start, end).
    let line_before = |nl: usize| {
        let mut e = nl;
        while e > 0 && matches!(t.class(e - 1), Class::Space | Class::Invisible) {
            e -= 1;
        }
        let mut b = e;
        while b > 0 && t.class(b - 1) != Class::Newline && e - b <= 4 {
            b -= 1;
        }
        let whole = b == 0 || t.class(b - 1) == Class::Newline;
        while b < e && matches!(t.class(b), Class::Space | Class::Invisible) {
            b += 1;
        }
        whole.then_some((b, e))
    };
    let mut nl = line_start(s)?;
    let (mut b, mut e) = line_before(nl)?;
    if e == b + 1 && matches!(t.fold(b), '男' | '女') {
        nl = line_start(b)?;
        (b, e) = line_before(nl)?;
    }
    let name = name_at(t, dicts, b)?;
    (e - b >= 2 && name.end == e).then_some((b, name))
}

/// Where a name may end before an identifier that starts at `s`: back over up to three gap
/// characters, then over a field label (`身份证`, `电话`) or a residence word (`住`, `家住`)
/// and up to three gaps more. `None` when nothing separates a name from the identifier.
fn name_end_before(t: &Text, hits: &[Hit], s: usize) -> Option<usize> {
    // Back over gap characters; a line break only with `lines` (a label or a name on the line
    // above: `身份证\n3201…`, `许晴\n电话：139…`).
    // A separator written as a row of one character counts once, up to eight of it (`----`,
    // the leak dumps' field separator: `张伟----139…`).
    let back_over = |mut k: usize, lines: bool| {
        let mut gaps = 0;
        let mut row = 0;
        while k > 0 && t.info[k - 1].is_gap() && (lines || t.class(k - 1) != Class::Newline) {
            // (`row > 0`: the character at `k` was read over.)
            let same = row > 0 && t.chars[k - 1] == t.chars[k];
            if same && row < 8 {
                row += 1;
            } else if gaps < 3 {
                gaps += 1;
                row = 1;
            } else {
                break;
            }
            k -= 1;
        }
        (k, gaps)
    };
    // (Of the hits that may reach `k`, as they come by start: not every hit of the post for
    // every identifier, quadratic in a long post of many.)
    let label_ending_at =
        |k: usize| hits_near(hits, k, k).find(|h| matches!(h.group, Group::Label(_)) && h.end == k);
    let (mut k, mut gaps) = back_over(s, false);
    // A copula between the label and the identifier (`身份证是…`).
    if k > 0 && matches!(t.fold(k - 1), '是' | '为') && label_ending_at(k - 1).is_some() {
        k -= 1;
    }
    let mut label = label_ending_at(k);
    if label.is_none() {
        let (k2, gaps2) = back_over(s, true);
        if let Some(h) = label_ending_at(k2).filter(|_| k2 < k) {
            (k, gaps, label) = (k2, gaps2, Some(h));
        }
    }
    let lead = match label {
        Some(h) => Some(h.start),
        None if k > 0 && t.fold(k - 1) == '住' => {
            Some(if k > 1 && matches!(t.fold(k - 2), '家' | '现') {
                k - 2
            } else {
                k - 1
            })
        }
        None => None,
    };
    let end = match lead {
        // A label written right after the name separates them (`王芳身份证…`); a residence
        // word needs a gap (`周杰，住…`).
        Some(b) => {
            // `王芳的手机号…`: a possessive between the name and its label.
            let b = if label.is_some() && b > 0 && t.fold(b - 1) == '的' {
                b - 1
            } else {
                b
            };
            let (k2, more) = back_over(b, label.is_some());
            (more > 0 || label.is_some()).then_some(k2)
        }
        None => (gaps > 0).then_some(k),
    }?;
    // Sex, age and a job title between the name and the record (`张伟 男 35岁 138…`,
    // `张伟 总经理 手机…`), each after a gap.
    let mut end = end;
    for _ in 0..2 {
        let mut a = end;
        // Most identifiers have none of these before them: one look at the last character
        // turns them away before the word lists are compared.
        let Some(last) = a.checked_sub(1).map(|k| t.fold(k)) else {
            break;
        };
        if let Some(d) = date_ending_at(t, a) {
            // A date of birth written in groups (`张伟 男 1990-03-07 138…`).
            a = d;
        } else if last.is_ascii_digit() || last == ')' {
            // A bare age (`张伟 28 138…`, `王芳(35) 138…`): in brackets it may be glued to
            // the name.
            match bare_age_ending_at(t, a) {
                Some((b, true)) => {
                    end = b;
                    break;
                }
                Some((b, false)) => a = b,
                None => break,
            }
        } else {
            let title_last =
                TITLE_LAST.may_contain(last) && TITLES.iter().any(|w| w[w.len() - 1] == last);
            if !matches!(last, '岁' | '生' | '后' | '男' | '女') && !title_last {
                break;
            }
            // The longest title ending here (`总经理`, not its `经理`).
            if let Some(w) = TITLES
                .iter()
                .filter(|w| t.word_before(a, w))
                .max_by_key(|w| w.len())
            {
                a -= w.len();
                // A courtesy title glued to the name (`王建国先生 138…`): the name ends where it
                // starts. (Role words such as `阿姨` and `师傅` are read by the role rule.)
                if matches!(w, ['先', '生'] | ['女', '士'] | ['小', '姐'] | ['同', '学'])
                    && a > 0
                    && !t.info[a - 1].is_gap()
                {
                    end = a;
                    break;
                }
            } else if let Some(unit) = AGES.iter().find(|u| t.word_before(a, u)) {
                // An age or a year of birth: `35岁`, `1990年生`, `1990年出生`, `90后`.
                a -= unit.len();
                let digits = a;
                while a > 0 && digits - a < 4 && t.info[a - 1].digit().is_some() {
                    a -= 1;
                }
                if a == digits {
                    break;
                }
            } else if a > 0 && matches!(t.fold(a - 1), '男' | '女') {
                a -= 1;
            } else {
                break;
            }
        }
        let (k2, more) = back_over(a, false);
        if more == 0 {
            break;
        }
        end = k2;
    }
    Some(end)
}

/// The start of a date written `1990-03-07`, `1990.03.07` or `1990/03/07` that ends at `a`.
fn date_ending_at(t: &Text, a: usize) -> Option<usize> {
    let s = a.checked_sub(10)?;
    let digit = |k: usize| t.class(k) == Class::Digit;
    let sep = t.fold(s + 4);
    ((s..s + 4).all(digit)
        && matches!(sep, '-' | '.' | '/')
        && digit(s + 5)
        && digit(s + 6)
        && t.fold(s + 7) == sep
        && digit(s + 8)
        && digit(s + 9))
    .then_some(s)
}

/// Words after a number that give an age or a year of birth (`35岁`, `1990年生`, `90后`).
const AGES: [&[char]; 4] = [&['岁'], &['年', '生'], &['年', '出', '生'], &['后']];

/// A bare age of one to three ASCII digits ending at `a`, or one in brackets (`(35)`, `（35）`,
/// folded alike): where it starts, and whether it is bracketed.
fn bare_age_ending_at(t: &Text, a: usize) -> Option<(usize, bool)> {
    let bracket = a > 0 && t.fold(a - 1) == ')';
    let end = if bracket { a - 1 } else { a };
    let mut k = end;
    while k > 0 && end - k < 3 && t.fold(k - 1).is_ascii_digit() {
        k -= 1;
    }
    if k == end || k > 0 && t.fold(k - 1).is_ascii_digit() {
        return None;
    }
    if !bracket {
        return Some((k, false));
    }
    (k > 0 && t.fold(k - 1) == '(').then(|| (k - 1, true))
}

/// From a label's end `i` to where its value starts; over one line break when the label, which
/// starts at `label`, ends its line outside a table (`姓名` / `王伟`).
fn skip_label_tail(t: &Text, label: usize, mut i: usize) -> usize {
    let mut n = 0;
    let mut broken = false;
    while i < t.len() && n < 4 {
        let c = t.fold(i);
        let newline = t.class(i) == Class::Newline;
        if newline && !broken && !t.in_table_row(label) {
            broken = true;
            i += 1;
            n += 1;
            continue;
        }
        if (t.info[i].is_gap() && !newline)
            || matches!(c, '：' | ':' | '是' | '叫' | '为')
            || t.chars[i] == '係'
        {
            i += 1;
            n += 1;
        } else {
            break;
        }
    }
    i
}

/// `exposing` tells the keywords after which a name may follow with only a space: doxxing
/// words (`开盒 许晴`), not any sale word (`户籍 加群`).
#[allow(clippy::too_many_arguments)]
pub fn detect(
    t: &Text,
    dicts: &Dictionaries,
    hits: &[Hit],
    exposing: impl Fn(&Hit) -> bool,
    cells: &[Option<Field>],
    claimed: &mut [bool],
    found: &[Found],
    out: &mut Vec<Found>,
) {
    let push = |s: usize,
                e: usize,
                name: &NameAt,
                how: &'static str,
                claimed: &mut [bool],
                out: &mut Vec<Found>| {
        // A keyword is not a name (`银行卡` starts with the surname 银, `保真` with 保); a kind
        // of record may be one (`高铁柱`). The hits come by start: none from the name's end on
        // overlaps it, nor any that cannot reach past its start.
        let label = hits_near(hits, s + 1, e)
            .any(|h| s < h.end && !matches!(h.group, Group::Record { .. }));
        if label || claimed[s..e].iter().any(|&c| c) {
            return;
        }
        for c in &mut claimed[s..e] {
            *c = true;
        }
        let f = Facts::from([("context", how)]);
        // The value only now, for a name kept.
        out.push(Found::new(
            Kind::Name,
            Span::new(s, e),
            name.value(t),
            f,
            0.8,
        ));
    };
    // A name is personal data only as part of a record: with no identifier in the post there
    // is none to find (`都是自己编的名字和故事`, `头５年减收２０％`; `叫` and `本人` are
    // everyday speech: `叫后悔`, a dog `叫查理`, `本人承诺`). Every pass below reads a post
    // with an identifier.
    let record = found.iter().any(|f| identifies(f.kind));
    if !record {
        return;
    }
    for h in hits.iter().filter(|h| h.group == Group::Label(Field::Name)) {
        let i = skip_label_tail(t, h.start, h.end);
        // A colon, or a label of two characters or more (`名字叫张 伟`, `真名王-芳`), announces
        // the name as a field's value; `叫` alone is everyday speech (`叫后悔`).
        let field = h.end - h.start >= 2
            || t.info[h.end..i]
                .iter()
                .any(|c| matches!(c.fold(), '：' | ':'));
        // A dotted name only where the name read is not followed by a space or punctuation
        // (`阿依古丽·买买提` reads no name, or one that the next character goes on).
        let plain = name_at_with(t, dicts, i, field);
        let whole = plain
            .as_ref()
            .is_some_and(|n| n.end >= t.len() || t.class(n.end) != Class::Cjk);
        let named = if whole {
            plain
        } else {
            dotted_name_at(t, i).or(plain)
        };
        if let Some(name) = named {
            let e = name.end;
            push(i, e, &name, "label", claimed, out);
        }
    }
    // A dossier's opening, the name and then the sex (`王建国，男，1987年生，身份证…`,
    // `李娜 女 汉族`): read from each `男` or `女` (listed among the loader's marks) that is a
    // word of its own.
    for g in t.marks.iter().map(|&p| p as usize) {
        if !matches!(t.fold(g), '男' | '女')
            || t.next_visible(g + 1)
                .is_some_and(|k| t.class(k) == Class::Cjk)
        {
            continue;
        }
        let mut k = g;
        while k > 0
            && g - k < 2
            && (t.info[k - 1].is_gap() && t.class(k - 1) != Class::Newline
                || matches!(t.fold(k - 1), '，' | ',' | '、'))
        {
            k -= 1;
        }
        if k == g {
            continue;
        }
        if let Some((b, name)) = name_ending_at(t, dicts, hits, k) {
            push(b, name.end, &name, "adjacent", claimed, out);
        }
    }
    // Next to an identifier of the record.
    // Whether a doxxing word is in the post, asked once and only when a name is looked for on
    // the line above an identifier.
    let mut hostile: Option<bool> = None;
    for f in found.iter().filter(|f| identifies(f.kind)) {
        let (s, e) = (f.span.start as usize, f.span.end as usize);
        // Before: `样例： 赵桂荣 330…`, `王芳 身份证 510…`, `周杰，住杭州市…`.
        if let Some(k) = name_end_before(t, hits, s) {
            // A dotted name only where a word exposes the person (`开盒 买买提·艾力 手机…`):
            // shops sign with dotted places (`中国·杭州 139…`).
            // Looked for where the name read starts right after a dot (`买买提·艾力`: 艾力), or
            // where none was read and a dot stands two to four characters before (`…·吐尔逊`).
            let plain = name_ending_at(t, dicts, hits, k);
            let dot_before = match &plain {
                Some((b, _)) => *b > 0 && is_name_dot(t.chars[b - 1]),
                // (A last part of two to four characters: the window of six cost 0.18 M
                // instructions a pass, asked beside every identifier without a name.)
                None => (3..=5).any(|d| k >= d && is_name_dot(t.chars[k - d])),
            };
            let dotted = (dot_before && *hostile.get_or_insert_with(|| hits.iter().any(&exposing)))
                .then(|| dotted_name_ending_at(t, k))
                .flatten();
            let named = dotted.or(plain);
            if let Some((b, name)) = named {
                push(b, name.end, &name, "adjacent", claimed, out);
            }
        } else if let Some((b, name)) = hostile
            .get_or_insert_with(|| hits.iter().any(&exposing))
            .then(|| name_line_above(t, dicts, s))
            .flatten()
        {
            let e = name.end;
            push(b, e, &name, "line_above", claimed, out);
        }
        // After: `电话 138…（邱博）`, `…，王婷收`.
        let mut a = e;
        while a < t.len()
            && (t.info[a].is_gap() || opens_name(t.chars[a]))
            && t.class(a) != Class::Newline
            && a - e < 3
        {
            a += 1;
        }
        let opened = t
            .prev_visible(a)
            .is_some_and(|p| p >= e && opens_name(t.chars[p]));
        if a > e && a < t.len() && opened {
            if let Some(name) = name_at(t, dicts, a) {
                let ne = name.end;
                if t.next_visible(ne).is_some_and(|k| closes_name(t.chars[k])) {
                    push(a, ne, &name, "adjacent", claimed, out);
                }
            }
        } else if a > e && a < t.len() && t.class(a - 1) == Class::Space {
            // After a space, a name that ends its phrase: `联系方式：139… 许文强`. (Ending the
            // phrase keeps `139… 万达广场` and `139… 周一至周五` out.)
            if let Some(name) = name_at(t, dicts, a) {
                let ne = name.end;
                if t.next_visible(ne).is_none_or(|k| {
                    t.class(k) == Class::Newline
                        || matches!(t.fold(k), '，' | '。' | ',' | '；' | ';')
                }) {
                    push(a, ne, &name, "adjacent", claimed, out);
                }
            }
        }
    }
    // Cells of a name column.
    for k in 0..cells.len() {
        if cells[k] == Some(Field::Name) && (k == 0 || cells[k - 1] != Some(Field::Name)) {
            if let Some(name) = name_at(t, dicts, k) {
                let e = name.end;
                push(k, e, &name, "table", claimed, out);
            }
        }
    }
    // `孙丽娟就是他`: a name followed by the accusation. (This and the next two passes start
    // from the loader's marks instead of reading every character.)
    let marks = |c: char| {
        t.marks
            .iter()
            .map(|&p| p as usize)
            .filter(move |&p| t.fold(p) == c)
    };
    // `张建华这个人`, `刘洋此人`, `王强这货`: a name pointed at.
    // (The pointing words are lexicon terms: as loader marks, `这` made the marks list longer
    // for every pass that reads it, 2.2 M instructions a pass.)
    for h in hits.iter().filter(|h| h.group == Group::Pointer) {
        let k = t.prev_visible(h.start).map_or(0, |p| p + 1);
        if let Some((b, name)) = name_ending_at(t, dicts, hits, k) {
            push(b, name.end, &name, "accused", claimed, out);
        }
    }
    for i in marks('就') {
        // Invisible characters, emoji and spaces may sit anywhere around the phrase
        // (`孙丽娟\u{2060}就\u{200C}是他`, `朱兵就🎯是他`, `马帆 就 是 他`).
        let Some(shi) = phrase_char_after(t, i + 1) else {
            continue;
        };
        let Some(ta) = phrase_char_after(t, shi + 1) else {
            continue;
        };
        if t.fold(shi) == '是' && matches!(t.fold(ta), '他' | '她' | '这') {
            let mut k = t.prev_visible(i).map_or(0, |p| p + 1);
            while k > 0 && t.class(k - 1) == Class::Space {
                k = t.prev_visible(k - 1).map_or(0, |p| p + 1);
            }
            if let Some((b, name)) = name_ending_at(t, dicts, hits, k) {
                push(b, name.end, &name, "accused", claimed, out);
            }
            // `就是他，张志强`: the name after it, ending its phrase, in a post with an
            // identifier.
            let mut a = ta + 1;
            while a < t.len()
                && a - ta < 4
                && (t.info[a].is_gap() || matches!(t.fold(a), '，' | ',' | '：' | ':'))
                && t.class(a) != Class::Newline
            {
                a += 1;
            }
            if a > ta + 1 {
                if let Some(name) = name_at(t, dicts, a) {
                    let e = name.end;
                    if t.next_visible(e).is_none_or(|k| t.class(k) != Class::Cjk) {
                        push(a, e, &name, "accused", claimed, out);
                    }
                }
            }
        }
    }
    // Table cells under a name column: `| 李淑珍，`, `| 裴玉 |`.
    let has_name_label = hits.iter().any(|h| h.group == Group::Label(Field::Name));
    if has_name_label {
        for i in marks('|') {
            let mut s = i + 1;
            while s < t.len() && matches!(t.class(s), Class::Space | Class::Invisible) {
                s += 1;
            }
            if let Some(name) = name_at(t, dicts, s) {
                let e = name.end;
                let after =
                    (e..t.len()).find(|&k| !matches!(t.class(k), Class::Space | Class::Invisible));
                let cell_end = after.is_none_or(|k| {
                    matches!(t.fold(k), '|' | '，' | '。' | ',' | '\n')
                        || t.class(k) == Class::Newline
                });
                if cell_end {
                    push(s, e, &name, "table", claimed, out);
                }
            }
        }
    }
    // A record's row without a header (`朱军 | wxid_… | 内蒙古…`, `…5149 | 李淑珍，这就是…`): on
    // a line with `|` and an identifier, a cell that is a name alone, or the first cell's last
    // words after a sentence's end (`你不是很狂吗？朱军 | …`).
    if !has_name_label {
        let mut done = 0;
        for i in marks('|') {
            if i < done {
                continue;
            }
            let a = (0..i)
                .rev()
                .find(|&k| t.class(k) == Class::Newline)
                .map_or(0, |k| k + 1);
            let b = (i..t.len())
                .find(|&k| t.class(k) == Class::Newline)
                .unwrap_or(t.len());
            done = b;
            if !found
                .iter()
                .any(|f| a <= f.span.start as usize && (f.span.end as usize) <= b)
            {
                continue;
            }
            let cells = super::table::split_cells(t, a, b);
            for (n, &(x, y)) in cells.iter().enumerate() {
                if let Some(name) = name_at(t, dicts, x).filter(|name| name.end == y) {
                    push(x, y, &name, "table", claimed, out);
                } else if n == 0 {
                    if let Some((s, name)) = name_ending_at(t, dicts, hits, y) {
                        push(s, name.end, &name, "table", claimed, out);
                    }
                }
            }
        }
    }
    // The first characters of words ending in 收 (`回收`, `验收`, `查收` …), which end no
    // recipient's name. Not those that end common names too (`超`, `秋`, `丰`: `张超收`).
    const NOT_RECIPIENT: [char; 12] = [
        '回', '验', '接', '吸', '没', '税', '签', '催', '查', '代', '歉', '预',
    ];
    // `王婷收`, `高斌阿姨`: a name followed by a role word. A name has two to four characters:
    // it starts two to four (five across an invisible) before a 收 or 阿; ascending starts, each tried once.
    let role_at = t
        .marks
        .iter()
        .map(|&p| p as usize)
        .filter(|&p| matches!(t.fold(p), '收' | '阿'));
    let mut next_start = 0;
    let starts = role_at.flat_map(|e| {
        let from = e.saturating_sub(5).max(next_start);
        let to = e.saturating_sub(1);
        next_start = next_start.max(to);
        from..to
    });
    for i in starts {
        if claimed[i] || t.class(i) != Class::Cjk {
            continue;
        }
        if word_char_before(t, i).is_some_and(|p| t.class(p) == Class::Cjk) {
            continue;
        }
        if let Some(name) = name_at(t, dicts, i) {
            let e = name.end;
            // (Invisible characters skipped: `黄岩\u{200B}阿姨`; emoji inside the word too:
            // `杨红阿🙏姨`.)
            // (Over a closing bracket: `〔王磊〕收`.)
            let after = t
                .next_visible(e)
                .filter(|&r| closes_name(t.chars[r]) && i > 0 && opens_name(t.chars[i - 1]))
                .map_or(e, |r| r + 1);
            let role = t.next_visible(after).is_some_and(|r| match t.fold(r) {
                // Not a word ending in 收 (`高价回收`, `货到验收`, `请查收`).
                '收' => {
                    t.next_visible(r + 1)
                        .is_none_or(|k| t.class(k) != Class::Cjk)
                        && !t
                            .prev_visible(r)
                            .is_some_and(|p| NOT_RECIPIENT.contains(&t.fold(p)))
                }
                '阿' => phrase_char_after(t, r + 1).is_some_and(|k| t.fold(k) == '姨'),
                _ => false,
            });
            if role {
                push(i, e, &name, "role", claimed, out);
            }
        }
    }
    // After a doxxing word and a colon, `扒皮：张伟`, `开盒：王芳`; after a space only when the
    // name ends its phrase (`开盒 许晴\n电话…`). Last: the contexts above name a name first.
    let skip_spaces = |mut i: usize| {
        while i < t.len() && matches!(t.class(i), Class::Space | Class::Invisible) {
            i += 1;
        }
        i
    };
    for h in hits
        .iter()
        .filter(|h| matches!(h.group, Group::Dox | Group::Ad(_)))
    {
        let colon = t.skip_invisible(h.end);
        if colon >= t.len() {
            continue;
        }
        if matches!(t.fold(colon), ':' | '：') {
            let i = skip_spaces(colon + 1);
            if let Some(name) = name_at(t, dicts, i) {
                let e = name.end;
                push(i, e, &name, "after_keyword", claimed, out);
            }
        } else if t.class(colon) == Class::Space && exposing(h) {
            let i = skip_spaces(colon);
            if let Some(name) = name_at(t, dicts, i) {
                let e = name.end;
                let ends_phrase = t.next_visible(e).is_none_or(|k| t.class(k) != Class::Cjk);
                if ends_phrase {
                    push(i, e, &name, "after_keyword", claimed, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Transliterated names in dotted parts, after a label or beside an identifier under a
    /// doxxing word, whole and with their dots as `·`; and what is no dotted name.
    #[test]
    fn dotted_names() {
        let s = crate::Scanner::new().unwrap();
        for (text, want) in [
            (
                "开盒 买买提·艾力 手机 13912345678",
                Some(("买买提·艾力", "买买提·艾力")),
            ),
            (
                "开盒：姓名 阿依古丽•买买提 身份证 110105197802037716",
                Some(("阿依古丽•买买提", "阿依古丽·买买提")),
            ),
            (
                "开盒 阿卜杜·热合曼·艾力 身份证 110105197802037716",
                Some(("阿卜杜·热合曼·艾力", "阿卜杜·热合曼·艾力")),
            ),
            (
                "姓名：扎西・多吉 电话13912345678",
                Some(("扎西・多吉", "扎西·多吉")),
            ),
            // No doxxing word: a shop's dotted place is no name.
            ("中国·杭州 欢迎来电 13912345678", None),
            // A one-character part, and a title in brackets, are no dotted names.
            ("开盒 艾·力 13912345678", None),
            (
                "开盒 玛丽·艾力手机 13912345678",
                Some(("玛丽·艾力", "玛丽·艾力")),
            ),
            ("开盒 《三体·黑暗森林》 13912345678", None),
        ] {
            let r = s.scan(text);
            let names: Vec<_> = r.findings.iter().filter(|f| f.kind == Kind::Name).collect();
            match want {
                Some((span, value)) => {
                    assert_eq!(names.len(), 1, "{text}");
                    let got = crate::testutil::span_text(text, names[0].span);
                    assert_eq!(
                        (got.as_str(), names[0].value.expose()),
                        (span, value),
                        "{text}"
                    );
                }
                None => assert!(
                    names.iter().all(|n| !n.value.expose().contains('·')),
                    "{text}"
                ),
            }
        }
    }

    /// A form's next label glued to the name ends it (`性别`, `籍贯`); a surname's character
    /// glued to a number is its unit (`5元一套`), and a given name may end in `男` (`张胜男`);
    /// `为` or an arrow for a colon before a name pointed at.
    #[test]
    fn names_at_glued_labels_digits_and_colons_written_otherwise() {
        let s = crate::Scanner::new().unwrap();
        for (text, want) in [
            ("姓名王建国性别男身份证号440306199003151232", Some("王建国")),
            ("姓名王芳性别女电话13912345678", Some("王芳")),
            ("开盒 张胜男 13912345678", Some("张胜男")),
            ("收 身份证正反面 手持 5元一套 q 12345678", None),
            ("扒出来了 电话13912345678周一到周五都在", None),
            // A colon written as `为` or an arrow before a name pointed at (`…就是他`).
            ("大家认准了为郑颖就是他，手机13912345678", Some("郑颖")),
            ("只能公开了→李刚就是他，手机13912345678", Some("李刚")),
            ("欢迎👉来玩，手机13912345678", None),
            // A bare age between the name and the record, or one in brackets.
            ("张伟 28 13912345678", Some("张伟")),
            ("张伟,28,13912345678", Some("张伟")),
            ("王建国(35) 13912345678", Some("王建国")),
            ("王建国（35）13912345678", Some("王建国")),
            ("房间 302 13912345678", None),
            ("张伟 2024 13912345678", None),
        ] {
            let r = s.scan(text);
            let names: Vec<_> = r
                .findings
                .iter()
                .filter(|f| f.kind == Kind::Name)
                .map(|f| crate::testutil::span_text(text, f.span))
                .collect();
            assert_eq!(names, want.into_iter().collect::<Vec<_>>(), "{text}");
        }
    }

    /// The filters in front of the word lists let every character the lists need through, and
    /// turn away most characters of given names and prose (else they would filter nothing).
    #[test]
    fn char_blooms_pass_what_the_lists_need() {
        for w in TITLES {
            assert!(TITLE_LAST.may_contain(w[w.len() - 1]), "{w:?}");
            match w.len() {
                1 => assert!(TITLE_ONE.may_contain(w[0]) && TITLE_IN_GIVEN.may_contain(w[0])),
                2 => assert!(TITLE_IN_GIVEN.may_contain(w[0]), "{w:?}"),
                _ => {}
            }
            if w.len() >= 2 {
                assert!(TITLE_FIRST.may_contain(w[0]), "{w:?}");
            }
        }
        for w in TITLES.iter().chain(ROLES).filter(|w| w.len() >= 2) {
            assert!(ROLE_LAST.may_contain(w[w.len() - 1]), "{w:?}");
        }
        let prose: Vec<char> = "建国丽娟志强海涛美玲德明晓梅振华国栋小燕我们今天去了公园天气很好"
            .chars()
            .collect();
        for bloom in [
            TITLE_IN_GIVEN,
            TITLE_ONE,
            TITLE_LAST,
            TITLE_FIRST,
            ROLE_LAST,
        ] {
            let passed = prose.iter().filter(|&&c| bloom.may_contain(c)).count();
            assert!(passed * 2 < prose.len(), "{passed} of {} pass", prose.len());
        }
    }
}
