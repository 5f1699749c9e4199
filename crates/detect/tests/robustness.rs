//! Random mixes of the characters and fragments the detectors treat specially (numerals,
//! surnames, labels, separators, brackets, invisible characters, keycaps, emoji) never make a
//! scan panic, and every span lies inside the text, in order. A cheap, deterministic companion
//! of the fuzz targets (`fuzz/`) that runs with the tests: an index past the end in the name
//! reader was found this way before it was committed.

use doxwatch_detect::{Scanner, Scratch};

/// The pieces posts are built from: single characters and whole fragments.
const PIECES: &[&str] = &[
    "张",
    "王",
    "李",
    "欧阳",
    "诸葛",
    "周",
    "高",
    "初",
    "第",
    "明",
    "峰",
    "晓",
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "零",
    "两",
    "幺",
    "壹",
    "0",
    "1",
    "3",
    "8",
    "9",
    "０",
    "１",
    "３",
    "X",
    "x",
    "O",
    "l",
    "*",
    "-",
    "—",
    ".",
    "、",
    "。",
    "，",
    ":",
    "：",
    "(",
    ")",
    "（",
    "）",
    "【",
    "】",
    "[",
    "]",
    "@",
    "#",
    "艾特",
    "点",
    "at",
    "dot",
    "qq",
    "QQ",
    "微信",
    "vx",
    "飞机",
    "tg",
    "@a_b12",
    "t.me/",
    "电话",
    "手机",
    "身份证",
    "姓名",
    "名字",
    "叫",
    "住址",
    "路",
    "号",
    "栋",
    "单元",
    "室",
    "街道",
    "社区",
    "村",
    "组",
    "与",
    "交叉口",
    "东北角",
    "往北",
    "米",
    "R2-B栋",
    "3A栋",
    "136-5号",
    "南海大道北",
    " ",
    "  ",
    "\n",
    "\u{200B}",
    "\u{2060}",
    "\u{FE0F}",
    "\u{20E3}",
    "1\u{FE0F}\u{20E3}",
    "🔥",
    "😂",
    "开盒",
    "社工库",
    "人肉",
    "这人",
    "那个人",
    "他叫",
    "起底",
    "係",
    "计算",
    "有意",
    "男",
    "女",
    "岁",
    "总经理",
    "2. ",
    "3、",
    "元",
    "50元",
    "一条",
    "盲盒",
    "lookup",
    "per search",
];

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_mixes_never_panic_and_spans_stay_in_the_text() {
    let scanner = Scanner::new().unwrap();
    let mut scratch = Scratch::default();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let mut text = String::new();
        for _ in 0..1 + rng.below(40) {
            text.push_str(PIECES[rng.below(PIECES.len())]);
        }
        let n = text.chars().count() as u32;
        let r = scanner.scan_with(&text, &mut scratch);
        let mut last = 0;
        for f in r.findings.iter().chain(&r.signals) {
            assert!(
                f.span.start < f.span.end && f.span.end <= n,
                "{:?} {:?} in {text:?}",
                f.kind,
                f.span
            );
        }
        for f in &r.findings {
            assert!(f.span.start >= last, "findings out of order in {text:?}");
            last = f.span.start;
        }
    }
}
