//! Arbitrary bytes → lossy UTF-8 → `Scanner::scan`. The matcher promises never to panic on any
//! input; this target also checks that every finding's span is a non-empty code-point range
//! inside the text, that findings come in text order, and that masking a value never panics.
#![no_main]

use doxwatch_detect::Scanner;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static SCANNER: OnceLock<Scanner> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let scanner = SCANNER.get_or_init(|| Scanner::new().expect("embedded dictionaries load"));
    let text = String::from_utf8_lossy(data);
    let n = text.chars().count();
    let r = scanner.scan(&text);
    let mut prev = (0u32, 0u32);
    for f in r.findings.iter().chain(&r.signals) {
        assert!(
            f.span.start < f.span.end && f.span.end as usize <= n,
            "{} span {}..{} outside a {n}-code-point text",
            f.kind.as_str(),
            f.span.start,
            f.span.end
        );
        let _ = f.masked();
    }
    for f in &r.findings {
        let key = (f.span.start, f.span.end);
        assert!(key >= prev, "findings out of text order");
        prev = key;
    }
    assert!(!r.labels.is_empty(), "every post gets a label");
});
