//! A CJK-aware tokenizer for the masked post text: runs of Han, kana or Hangul become
//! overlapping bigrams (the Lucene CJK analyzer's scheme), other letters and digits become
//! lowercased words, everything else separates.
//!
//! Bigrams need no dictionary and find any substring of two or more characters: a query is cut
//! the same way and becomes a phrase of bigrams. A word segmenter (jieba) would add a 5 MB
//! dictionary and miss the slang and deliberate misspellings of 开盒 posts, which is what
//! investigators search for.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

#[derive(Clone, Default)]
pub struct CjkBigramTokenizer;

pub struct CjkTokenStream {
    tokens: Vec<Token>,
    at: usize,
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // kana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified
        | 0xAC00..=0xD7AF    // Hangul
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0x20000..=0x2FFFF) // extensions B and later
}

impl Tokenizer for CjkBigramTokenizer {
    type TokenStream<'a> = CjkTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkTokenStream {
        CjkTokenStream {
            tokens: tokenize(text),
            at: 0,
        }
    }
}

fn push(tokens: &mut Vec<Token>, from: usize, to: usize, text: String) {
    let position = tokens.len();
    tokens.push(Token {
        offset_from: from,
        offset_to: to,
        position,
        text,
        position_length: 1,
    });
}

/// The tokens of `text`, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i + 1).map_or(text.len(), |c| c.0);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if is_cjk(c) {
            let start = i;
            while i < chars.len() && is_cjk(chars[i].1) {
                i += 1;
            }
            if i - start == 1 {
                push(&mut tokens, chars[start].0, end_of(start), c.to_string());
            } else {
                for (j, &(from, _)) in chars.iter().enumerate().take(i - 1).skip(start) {
                    let to = end_of(j + 1);
                    push(&mut tokens, from, to, text[from..to].to_string());
                }
            }
        } else if c.is_alphanumeric() {
            let start = i;
            while i < chars.len() && chars[i].1.is_alphanumeric() && !is_cjk(chars[i].1) {
                i += 1;
            }
            let from = chars[start].0;
            let to = end_of(i - 1);
            push(&mut tokens, from, to, text[from..to].to_lowercase());
        } else {
            i += 1;
        }
    }
    tokens
}

impl TokenStream for CjkTokenStream {
    fn advance(&mut self) -> bool {
        if self.at < self.tokens.len() {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.at - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn bigrams_words_and_separators() {
        let cases: &[(&str, &[&str])] = &[
            ("开盒", &["开盒"]),
            ("户籍查档", &["户籍", "籍查", "查档"]),
            ("盒", &["盒"]),
            ("TG@Seller_01 出", &["tg", "seller", "01", "出"]),
            ("手机 138****8000。", &["手机", "138", "8000"]),
            ("", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(texts(input), *want, "{input}");
        }
        let t = tokenize("查档 x");
        assert_eq!((t[0].offset_from, t[0].offset_to), (0, 6));
        assert_eq!(t[1].position, 1);
    }
}
