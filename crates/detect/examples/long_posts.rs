//! Scan cost against post length, for posts that repeat one pattern (a labelled number, a
//! table row, an e-mail, an ad line …): the cost of a character must not grow with the post,
//! or one long post of many numbers stalls a matcher thread (a pattern that read every hit of
//! the post for every number took 3,400 ns a character at 256,000 characters, 80 at 4,000).
//!
//! `cargo run --release -p doxwatch-detect --example long_posts` prints, for every pattern,
//! the wall time a character at 4,000, 16,000, 64,000 and 256,000 characters (the last two
//! scanned in windows past `LONG_TEXT` bytes). `-- --once CHARS PATTERN` scans one such post,
//! for an instruction count that the machine's load does not move:
//!
//! ```sh
//! for n in 8000 32000; do valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!   --toggle-collect='*Scanner*scan_with*' target/release/examples/long_posts --once $n '手机 13912345678 '; done
//! ```
//! (four times the characters should take four times the instructions).

use doxwatch_detect::{Scanner, Scratch};
use std::time::Instant;

/// (name, pattern repeated; `\n` is a line break).
const PATTERNS: &[(&str, &str)] = &[
    ("plain", "今天天气很好我们去公园玩吧 "),
    ("phone", "手机 13912345678 "),
    ("phone-nl", "手机\n13912345678\n"),
    ("id", "身份证 110101199003071233 "),
    ("qq", "QQ 12345678 "),
    ("wechat", "微信 abc_12345 "),
    ("email", "abc@qq.com "),
    ("email-word", "abc艾特qq点com "),
    ("neg", "订单号 123456789012 "),
    ("name", "姓名 王建国 电话 13912345678 "),
    ("pointer", "李刚就是这个人 手机13912345678 "),
    ("dox", "开盒 王建国 13912345678 "),
    ("ad", "开盒 查档 户籍 tg@abc12345 100元/条 "),
    ("address", "北京市朝阳区建国路88号院3号楼2单元501室 "),
    ("table", "|姓名|手机|\n|王建国|13912345678|\n"),
    ("labels", "身份证号码 手机号码 银行卡号 "),
    ("spaced", "1 "),
    ("zero-width", "1\u{200b}3\u{200b}9\u{200b}1\u{200b}2\u{200b}3\u{200b}4\u{200b}5\u{200b}6\u{200b}7\u{200b}8 "),
];

fn post(chars: usize, pattern: &str) -> String {
    pattern.repeat((chars / pattern.chars().count()).max(1))
}

fn main() {
    let scanner = Scanner::new().expect("embedded dictionaries");
    let mut scratch = Scratch::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--once") {
        let chars: usize = args[1].parse().expect("CHARS");
        let r = scanner.scan_any(&post(chars, &args[2].replace("\\n", "\n")), &mut scratch);
        println!("{} findings", r.findings.len());
        return;
    }
    println!("ns a character (findings) at 4,000 / 16,000 / 64,000 / 256,000 characters");
    for (name, pattern) in PATTERNS {
        let mut line = format!("{name:12}");
        for chars in [4_000, 16_000, 64_000, 256_000] {
            let text = post(chars, pattern);
            let n = text.chars().count();
            // The best of three: the first scan of a size also grows the scratch.
            let mut best = f64::MAX;
            let mut found = 0;
            for _ in 0..3 {
                let t = Instant::now();
                found = scanner.scan_any(&text, &mut scratch).findings.len();
                best = best.min(t.elapsed().as_nanos() as f64 / n as f64);
            }
            line += &format!(" {best:7.0} ({found:5})");
        }
        println!("{line}");
    }
}
