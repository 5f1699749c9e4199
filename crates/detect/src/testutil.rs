//! Shared fixtures for unit tests: the embedded dictionaries, parsed once.

use crate::dict::Dictionaries;
use std::sync::OnceLock;

pub fn dicts() -> &'static Dictionaries {
    static D: OnceLock<Dictionaries> = OnceLock::new();
    D.get_or_init(|| Dictionaries::embedded().expect("embedded dictionaries parse"))
}

/// `extra` followed by the `text` of every post of the development corpus
/// (`../shared/eval/dev.jsonl` beside the workspace) when it is there.
pub fn texts_with_dev_corpus(extra: &[&str]) -> Vec<String> {
    let mut texts: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let corpus = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/eval/dev.jsonl"
    );
    if let Ok(raw) = std::fs::read_to_string(corpus) {
        for l in raw.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(l).expect("dev.jsonl line");
            texts.push(v["text"].as_str().expect("text").to_string());
        }
    }
    texts
}

/// `chars` as UTF-8, and for every byte offset of it (end included) the index of the character
/// it falls in: reference automata run on bytes, the term searches on characters.
pub fn utf8_with_char_offsets(chars: &[char]) -> (String, Vec<usize>) {
    let s: String = chars.iter().collect();
    let mut char_at = vec![chars.len(); s.len() + 1];
    for (k, (b, c)) in s.char_indices().enumerate() {
        char_at[b..b + c.len_utf8()].fill(k);
    }
    (s, char_at)
}

/// The characters of `text` that `span` covers (spans count code points).
pub fn span_text(text: &str, span: doxwatch_model::Span) -> String {
    text.chars()
        .skip(span.start as usize)
        .take((span.end - span.start) as usize)
        .collect()
}
