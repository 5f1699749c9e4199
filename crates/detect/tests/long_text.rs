//! Long texts are scanned in windows: every finding once, at its offset in the whole text.

use doxwatch_detect::{Scanner, Scratch, OVERLAP, WINDOW};

#[test]
fn windows_find_everything_once_at_global_offsets() {
    let scanner = Scanner::new().unwrap();
    let filler = "今天天气很好，我们去公园散步。";
    let phone = "手机 13800138000";
    // Place phones around every window seam, including inside the overlaps.
    let step = WINDOW - OVERLAP;
    let mut text = String::new();
    let mut expected = Vec::new();
    let mut chars = 0usize;
    for target in [
        10,
        step - 8,
        step + 3,
        step + OVERLAP / 2 - 2,
        2 * step - 5,
        2 * step + 700,
        3 * step + 10,
    ] {
        while chars < target {
            text.push_str(filler);
            chars += filler.chars().count();
        }
        text.push_str(phone);
        expected.push(chars + 3);
        chars += phone.chars().count();
    }
    for _ in 0..200 {
        text.push_str(filler);
    }
    assert!(text.len() > doxwatch_detect::LONG_TEXT);
    let r = scanner.scan_any(&text, &mut Scratch::default());
    let got: Vec<usize> = r
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "phone")
        .map(|f| f.span.start as usize)
        .collect();
    assert_eq!(got, expected);
    let all: Vec<char> = text.chars().collect();
    for f in &r.findings {
        let s: String = all[f.span.start as usize..f.span.end as usize]
            .iter()
            .collect();
        assert_eq!(s, "13800138000");
    }
}

#[test]
fn short_texts_take_the_direct_path() {
    let scanner = Scanner::new().unwrap();
    let a = scanner.scan_any("手机 13800138000", &mut Scratch::default());
    let b = scanner.scan("手机 13800138000");
    assert_eq!(a.findings.len(), b.findings.len());
    assert_eq!(a.verdict, b.verdict);
}
