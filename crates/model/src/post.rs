//! `doxwatch.posts.v1`: a post as platforms and crawlers send it.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Author {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Accepts the wire form `{"author": {"id": …}}`, the flat form `{"author": "name"}` used by
/// exports and the evaluation corpus, and `null`. A visitor that looks at the JSON type once,
/// instead of an untagged enum: that buffered the value and, for every flat author, built (and
/// dropped) a formatted "invalid type" error before trying the second form, which cost more
/// than the rest of the post's parsing.
fn de_author<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Author, D::Error> {
    struct AuthorVisitor;

    impl<'de> serde::de::Visitor<'de> for AuthorVisitor {
        type Value = Author;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an author object, an author name or null")
        }

        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Author, E> {
            Ok(Author {
                id: s.to_owned(),
                name: None,
            })
        }

        fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Author, E> {
            Ok(Author { id: s, name: None })
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Author, E> {
            Ok(Author::default())
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Author, E> {
            Ok(Author::default())
        }

        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Author, D2::Error> {
            d.deserialize_any(AuthorVisitor)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Author, A::Error> {
            Author::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }

        /// `["id", "name"]`: derived structs accept their fields in order, and so did the
        /// untagged enum this visitor replaces.
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Author, A::Error> {
            Author::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
        }
    }

    d.deserialize_option(AuthorVisitor)
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub id: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "de_author")]
    pub author: Author,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// How the post was obtained, kept with the evidence for takedowns and referrals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<Capture>,
}

/// The capture record of a post: where and when it was fetched, so evidence can be referred.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// What brought the post in: `crawl:PROFILE`, `feed`, `inbox`, …
    #[serde(default)]
    pub source: String,
    /// RFC 3339 time the page was fetched (crawlers) or the record was received (feeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// HTTP status of the fetch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// BLAKE3 (hex) of the fetched response body, before decoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_digest: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum PostError {
    Json(String),
    MissingField(&'static str),
    TooLarge { len: usize, limit: usize },
}

impl std::fmt::Display for PostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PostError::Json(e) => write!(f, "bad json: {e}"),
            PostError::MissingField(name) => write!(f, "missing field `{name}`"),
            PostError::TooLarge { len, limit } => {
                write!(f, "record of {len} bytes exceeds the limit of {limit}")
            }
        }
    }
}

impl std::error::Error for PostError {}

impl Post {
    /// Parses one JSON record. Serde's messages name fields and positions, never values.
    pub fn from_json(bytes: &[u8], limit: usize) -> Result<Post, PostError> {
        check_limit(bytes.len(), limit)?;
        serde_json::from_slice(bytes).map_err(post_error)
    }
}

/// A string of a record: borrowed from it when it holds no escape, else unescaped into an
/// owned copy. (`Cow` fields only borrow with `#[serde(borrow)]`, and not inside `Option`.)
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text<'a>(pub Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

/// Borrows a string that needs no unescaping, copies one that does.
struct TextVisitor;

impl<'de> serde::de::Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(s)))
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(s)))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text<'a>, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

/// The author id of [`PostRef`]: the forms [`de_author`] accepts; the flat form (the common
/// one) borrowed.
fn de_author_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Text<'de>, D::Error> {
    struct AuthorIdVisitor;

    impl<'de> serde::de::Visitor<'de> for AuthorIdVisitor {
        type Value = Text<'de>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an author object, an author name or null")
        }

        // The flat form: a name, read as any other string.
        fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Text<'de>, E> {
            TextVisitor.visit_borrowed_str(s)
        }

        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Text<'de>, E> {
            TextVisitor.visit_str(s)
        }

        fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Text<'de>, E> {
            TextVisitor.visit_string(s)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Text<'de>, E> {
            Ok(Text::default())
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Text<'de>, E> {
            Ok(Text::default())
        }

        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Text<'de>, D2::Error> {
            d.deserialize_any(AuthorIdVisitor)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Text<'de>, A::Error> {
            let a = Author::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
            Ok(Text(Cow::Owned(a.id)))
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Text<'de>, A::Error> {
            let a = Author::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
            Ok(Text(Cow::Owned(a.id)))
        }
    }

    d.deserialize_option(AuthorIdVisitor)
}

/// The fields of a post the matcher reads, borrowed from the record where they hold no
/// escape: parsing a [`Post`] copied every string (the text twice its length in the worst
/// case) only for most of them to be dropped with the post. Accepts and refuses exactly what
/// [`Post`] does, with the same errors.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct PostRef<'a> {
    #[serde(borrow)]
    pub id: Text<'a>,
    #[serde(default, borrow)]
    pub platform: Text<'a>,
    #[serde(default, borrow)]
    pub url: Option<Text<'a>>,
    /// The author's id (`""` when absent); the name is not read.
    #[serde(default, borrow, rename = "author", deserialize_with = "de_author_id")]
    pub author_id: Text<'a>,
    #[serde(default, borrow)]
    pub ts: Option<Text<'a>>,
    #[serde(borrow)]
    pub text: Text<'a>,
    #[serde(default, borrow)]
    pub thread_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub reply_to: Option<Text<'a>>,
    #[serde(default)]
    pub capture: Option<Capture>,
}

impl<'a> PostRef<'a> {
    /// [`Post::from_json`] of a record already known to be UTF-8 (callers that check it to
    /// report bad encoding separately): the strings are not validated a second time. The
    /// common record is read by [`crate::post_reader`]; what it leaves (every bad record among
    /// them) is parsed by serde_json, so the errors are serde's.
    pub fn from_json_str(text: &'a str, limit: usize) -> Result<PostRef<'a>, PostError> {
        check_limit(text.len(), limit)?;
        match crate::post_reader::read(text) {
            Some(post) => Ok(post),
            None => serde_json::from_str(text).map_err(post_error),
        }
    }

    /// The `id` string of a post record, if `serde_json::Value` would parse the record, read
    /// by the post reader without building the `Value` (the Kafka key of every record that
    /// `doxwatch produce` loads and the intake produces). `None` when the reader leaves the
    /// record to serde_json (an unusual form, no `id` or `text`, or one `Value` refuses): the
    /// caller asks serde_json then.
    pub fn value_id(text: &'a str) -> Option<Text<'a>> {
        crate::post_reader::read_as_value(text).map(|p| p.id)
    }
}

fn check_limit(len: usize, limit: usize) -> Result<(), PostError> {
    if len > limit {
        return Err(PostError::TooLarge { len, limit });
    }
    Ok(())
}

fn post_error(e: serde_json::Error) -> PostError {
    let msg = e.to_string();
    if msg.starts_with("missing field `text`") {
        PostError::MissingField("text")
    } else if msg.starts_with("missing field `id`") {
        PostError::MissingField("id")
    } else {
        PostError::Json(format!(
            "line {} column {}: {:?}",
            e.line(),
            e.column(),
            e.classify()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wire_and_flat_authors() {
        let p = Post::from_json(
            br#"{"id":"weibo:1","platform":"weibo","author":{"id":"u1","name":"n"},"text":"hi"}"#,
            1 << 20,
        )
        .unwrap();
        assert_eq!(p.author.id, "u1");
        let p = Post::from_json(br#"{"id":"p1","author":"someone","text":"hi"}"#, 1 << 20).unwrap();
        assert_eq!(p.author.id, "someone");
        let p = Post::from_json(br#"{"id":"p1","author":null,"text":"hi"}"#, 1 << 20).unwrap();
        assert_eq!(p.author, Author::default());
        let p = Post::from_json(
            br#"{"id":"p1","author":{"name":"n","x":[1]},"text":"hi"}"#,
            1 << 20,
        )
        .unwrap();
        assert_eq!(
            (p.author.id.as_str(), p.author.name.as_deref()),
            ("", Some("n"))
        );
        let p = Post::from_json(br#"{"id":"p1","author":"a\u0062","text":"hi"}"#, 1 << 20).unwrap();
        assert_eq!(p.author.id, "ab");
        assert!(matches!(
            Post::from_json(br#"{"id":"p1","author":7,"text":"hi"}"#, 1 << 20),
            Err(PostError::Json(_))
        ));
        let p =
            Post::from_json(br#"{"id":"p1","author":["u2","n"],"text":"hi"}"#, 1 << 20).unwrap();
        assert_eq!(
            (p.author.id.as_str(), p.author.name.as_deref()),
            ("u2", Some("n"))
        );
    }

    /// `PostRef` reads what `Post` reads, refuses what it refuses with the same error, and
    /// borrows every string that holds no escape.
    #[test]
    fn post_ref_parses_as_post() {
        let records = [
            r#"{"id":"weibo:1","platform":"weibo","url":"https://x/1","author":{"id":"u1","name":"n"},"ts":"2026-01-01T00:00:00Z","text":"手机 138","gold":[{"kind":"phone"}]}"#,
            r#"{"id":"p1","author":"someone","text":"hi"}"#,
            r#"{"id":"p1","author":"a\u0062","text":"line\nbreak \"q\""}"#,
            r#"{"id":"p1","author":null,"url":null,"text":"hi"}"#,
            r#"{"id":"p1","author":{"name":"n","x":[1]},"text":"hi"}"#,
            r#"{"id":"p1","author":["u2","n"],"text":"hi"}"#,
            r#"{"id":"p1","thread_id":"t","reply_to":"r","capture":{"source":"feed"},"text":"hi"}"#,
            r#"{"id":"p1","author":7,"text":"hi"}"#,
            r#"{"id":"p1","capture":5,"text":"hi"}"#,
            r#"{"id":"p1","thread_id":5,"text":"hi"}"#,
            r#"{"id":5,"text":"hi"}"#,
            r#"{"id":"p1","platform":null,"text":"hi"}"#,
            r#"{"id":"p1","text":"a","text":"b"}"#,
            r#"{"id":"p1"}"#,
            r#"{"text":"hi"}"#,
            r#"{"id":"p1","text":"hi"} x"#,
            r#"{nope"#,
            r#"[]"#,
            // Escapes in keys: `te\u0078t` is `text` to serde.
            r#"{"id":"p1","te\u0078t":"hi"}"#,
            r#"{"id":"p1","text":"hi","te\u0078t":"again"}"#,
            r#"{"id":"p1","text":"hi","g\"old":1}"#,
            r#"{"id":"p1","text":"hi","g\qold":1}"#,
            // Unknown fields: nesting, strings holding braces, quotes and escapes.
            r#"{"id":"p1","gold":[{"kind":"phone","start":13,"value":"}]\"{["}],"text":"hi"}"#,
            r#"{"id":"p1","meta":{"a":{"b":[[],{},[{}],[1,[2,[3]]]]},"c":null,"d":true,"e":false},"text":"hi"}"#,
            r#"{"id":"p1","meta":{"s":"\ud800 lone \uDFFF \u00e9 \/ \b\f\n\r\t"},"text":"hi"}"#,
            r#"{"id":"p1","gold":[],"gold":{},"text":"hi"}"#,
            // Invalid JSON inside an unknown field.
            r#"{"id":"p1","gold":[1,],"text":"hi"}"#,
            r#"{"id":"p1","gold":{"a":1,},"text":"hi"}"#,
            r#"{"id":"p1","gold":{"a" 1},"text":"hi"}"#,
            r#"{"id":"p1","gold":{1:1},"text":"hi"}"#,
            r#"{"id":"p1","gold":[1 2],"text":"hi"}"#,
            r#"{"id":"p1","gold":[1}],"text":"hi"}"#,
            r#"{"id":"p1","gold":{"a":1],"text":"hi"}"#,
            r#"{"id":"p1","gold":"\x","text":"hi"}"#,
            r#"{"id":"p1","gold":"\u12g4","text":"hi"}"#,
            r#"{"id":"p1","gold":"tab	in","text":"hi"}"#,
            r#"{"id":"p1","gold":nul,"text":"hi"}"#,
            r#"{"id":"p1","gold":tru,"text":"hi"}"#,
            r#"{"id":"p1","gold":[,"text":"hi"}"#,
            r#"{"id":"p1","gold":"#,
            r#"{"id":"p1","text":"hi","gold":[[[["#,
            // Numbers, valid and not.
            r#"{"id":"p1","n":[0,-0,1,-12,3.25,-0.5e10,1E+2,2e-3,123456789012345678901234567890],"text":"hi"}"#,
            r#"{"id":"p1","n":01,"text":"hi"}"#,
            r#"{"id":"p1","n":-,"text":"hi"}"#,
            r#"{"id":"p1","n":1.,"text":"hi"}"#,
            r#"{"id":"p1","n":.5,"text":"hi"}"#,
            r#"{"id":"p1","n":1e,"text":"hi"}"#,
            r#"{"id":"p1","n":1e+,"text":"hi"}"#,
            r#"{"id":"p1","n":+1,"text":"hi"}"#,
            r#"{"id":"p1","n":1.5.3,"text":"hi"}"#,
            // Whitespace everywhere JSON allows it, and where it does not.
            " \t\r\n{ \"id\" :\t\"p1\" ,\n\"gold\" : [ { \"a\" : 1 } , 2 ] , \"text\" : \"hi\" }\n ",
            "{\"id\":\"p1\",\"text\":\"hi\"}\u{c}",
            // Escapes and control bytes in the fields that are read.
            r#"{"id":"p\u00311","text":"\ud83d\ude00 \u4e2d \"\\\/\b\f\n\r\t end"}"#,
            r#"{"id":"p1","text":"\ud83d"}"#,
            r#"{"id":"p1","text":"\ud83d\u0041"}"#,
            r#"{"id":"p1","text":"\ude00"}"#,
            r#"{"id":"p1","text":"\u00"}"#,
            r#"{"id":"p1","text":"bad \q"}"#,
            "{\"id\":\"p1\",\"text\":\"line\nbreak\"}",
            r#"{"id":"p1","text":"unterminated}"#,
            r#"{"id":"p1","text":true}"#,
            r#"{"id":"p1","text":"hi","capture":null,"ts":null,"thread_id":null,"reply_to":null}"#,
            r#"{"id":"p1","text":"hi","capture":{"source":"feed","http_status":200}}"#,
            r#"{"id":"p1","text":"hi","author":nul}"#,
            r#"{"id":"p1","text":"hi","url":nullx}"#,
            r#"{"id":"p1","text":"hi",}"#,
            r#"{"id":"p1","text":"hi""#,
            r#"{"id":"p1","text":"hi"}}"#,
            r#"{}"#,
            r#""#,
        ];
        for r in records {
            let want = Post::from_json(r.as_bytes(), 1 << 20);
            let got = PostRef::from_json_str(r, 1 << 20);
            match (&want, &got) {
                (Ok(w), Ok(g)) => {
                    assert_eq!(&*g.id, w.id, "{r}");
                    assert_eq!(&*g.platform, w.platform, "{r}");
                    assert_eq!(g.url.as_deref(), w.url.as_deref(), "{r}");
                    assert_eq!(&*g.author_id, w.author.id, "{r}");
                    assert_eq!(g.ts.as_deref(), w.ts.as_deref(), "{r}");
                    assert_eq!(&*g.text, w.text, "{r}");
                    assert_eq!(g.thread_id.as_deref(), w.thread_id.as_deref(), "{r}");
                    assert_eq!(g.reply_to.as_deref(), w.reply_to.as_deref(), "{r}");
                    assert_eq!(g.capture, w.capture, "{r}");
                }
                (Err(w), Err(g)) => assert_eq!(w, g, "{r}"),
                _ => panic!("{r}: Post {want:?}, PostRef {got:?}"),
            }
            assert_reader_sound(r);
        }
        let p = PostRef::from_json_str(records[0], 1 << 20).unwrap();
        assert!(matches!(p.text.0, Cow::Borrowed(_)));
        assert!(matches!(p.id.0, Cow::Borrowed(_)));
        let p = PostRef::from_json_str(records[1], 1 << 20).unwrap();
        assert!(matches!(p.author_id.0, Cow::Borrowed(_)));
        let p = PostRef::from_json_str(records[2], 1 << 20).unwrap();
        assert_eq!(&*p.text, "line\nbreak \"q\"");
        assert!(matches!(
            PostRef::from_json_str(records[1], 10),
            Err(PostError::TooLarge { .. })
        ));
    }

    /// What `post_reader::read` answers, serde_json's derive answers the same: the reader may
    /// leave a record to serde (`None`), but never accepts one serde refuses or reads one
    /// differently.
    fn assert_reader_sound(r: &str) {
        let serde: Result<PostRef, _> = serde_json::from_str(r);
        match (crate::post_reader::read(r), serde) {
            (Some(fast), Ok(slow)) => {
                assert_eq!(fast, slow, "{r:?}");
                // Borrowed exactly where serde borrows.
                for (f, s) in [(&fast.id, &slow.id), (&fast.text, &slow.text)] {
                    assert_eq!(
                        matches!(f.0, Cow::Borrowed(_)),
                        matches!(s.0, Cow::Borrowed(_)),
                        "{r:?}"
                    );
                }
            }
            (Some(fast), Err(e)) => panic!("{r:?}: read {fast:?}, serde {e}"),
            (None, _) => {}
        }
    }

    /// What `post_reader::read_as_value` answers, `serde_json::Value` answers the same: a
    /// record it reads is one `Value` parses, with the same `id`, and `read` reads it too.
    fn assert_value_reader_sound(r: &str) {
        if let Some(fast) = crate::post_reader::read_as_value(r) {
            let v: serde_json::Value = serde_json::from_str(r)
                .unwrap_or_else(|e| panic!("{r:?}: read {fast:?}, Value {e}"));
            assert_eq!(
                v.get("id").and_then(|i| i.as_str()),
                Some(&*fast.id),
                "{r:?}"
            );
            assert_eq!(crate::post_reader::read(r).as_ref(), Some(&fast), "{r:?}");
        }
    }

    /// The forms `serde_json::Value` refuses and the derive's `IgnoredAny` lets through (a lone
    /// surrogate escape in a skipped string or key, a number past `f64`'s range), and their
    /// neighbours that both parse: `value_id` answers only where `Value` gives that id.
    #[test]
    fn value_id_refuses_what_value_refuses() {
        let post = |rest: &str| format!(r#"{{"id":"p1","text":"t",{rest}}}"#);
        // `n` digits: `lead` then zeros (f64's range ends at ~1.8e308, 309 digits).
        let digits = |lead: char, n: usize| format!("{lead}{}", "0".repeat(n - 1));
        let cases = [
            // (the record's extra field, `Value` parses it, the reader answers)
            (r#""x":1e400"#.to_string(), false, false),
            (r#""x":-1e400"#.to_string(), false, false),
            (r#""x":[1E+999]"#.to_string(), false, false),
            (r#""x":1e2"#.to_string(), true, false),
            (r#""x":-0.5e-400"#.to_string(), true, false),
            (format!(r#""x":{}"#, digits('1', 400)), false, false),
            (format!(r#""x":{}"#, digits('9', 309)), false, false),
            (format!(r#""x":-{}.5"#, digits('9', 309)), false, false),
            (format!(r#""x":{}"#, digits('1', 309)), true, false),
            (format!(r#""x":{}"#, digits('9', 308)), true, true),
            (format!(r#""x":-{}.25"#, digits('9', 308)), true, true),
            (
                r#""x":123456789012345678901234567890"#.to_string(),
                true,
                true,
            ),
            (r#""x":-0.25"#.to_string(), true, true),
            (r#""x":"\ud800""#.to_string(), false, false),
            (r#""x":"\udc00""#.to_string(), false, false),
            (r#""x":"\ud800\u0041""#.to_string(), false, false),
            (r#""x":"\ud800\n""#.to_string(), false, false),
            (r#""x":"\ud800\ud800\udc00""#.to_string(), false, false),
            (r#""x":["a","\udbff"]"#.to_string(), false, false),
            (r#""x":{"\ud800":1}"#.to_string(), false, false),
            (r#""x":{"k\udfff":1}"#.to_string(), false, false),
            (r#""\ud800x":1"#.to_string(), false, false),
            (r#""x":"\ud83d\ude00""#.to_string(), true, true),
            (
                r#""x":{"\ud83d\ude00\u4e2d":"\uDBFF\uDFFF"}"#.to_string(),
                true,
                true,
            ),
            (r#""x":"\u0000\u00e9\uffff""#.to_string(), true, true),
            (r#""post_id":"other","x":null"#.to_string(), true, true),
        ];
        for (rest, value_parses, reads) in cases {
            let r = post(&rest);
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&r).is_ok(),
                value_parses,
                "{r}"
            );
            assert_eq!(PostRef::value_id(&r).is_some(), reads, "{r}");
            assert_value_reader_sound(&r);
        }
        // Nesting: the reader leaves past 64 to serde (`Value` stops at 128).
        for depth in [63, 64, 65, 127, 128, 129] {
            let r = post(&format!(
                r#""x":{}1{}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            ));
            assert_eq!(PostRef::value_id(&r).is_some(), depth <= 64, "{depth}");
            assert_value_reader_sound(&r);
        }
    }

    /// The common records take the fast path (the soundness checks above would also pass if
    /// the reader gave up on everything).
    #[test]
    fn reader_reads_common_records() {
        for r in [
            r#"{"id":"p00001","platform":"douban","author":"今天也少年_","ts":"2024-09-29T20:12:41+08:00","text":"婚车租赁，电话（文勇）","gold":[{"kind":"phone","start":13,"end":24,"value":"x"}],"labels":["benign"],"meta":{"gen":"self_pii","sources":["synthetic"],"decoy":null,"hard_negatives":[]}}"#,
            r#"{"id":"p1","text":"a\nb \u4e2d \ud83d\ude00","author":null,"url":"https://x/1","n":[-0.5e10,true,false]}"#,
            " { \"text\" : \"hi\" , \"id\" : \"p1\" }\n",
        ] {
            let fast = crate::post_reader::read(r).unwrap_or_else(|| panic!("{r:?}"));
            assert_eq!(fast, serde_json::from_str::<PostRef>(r).unwrap(), "{r:?}");
        }
    }

    /// Every record made from a few valid ones by deleting one byte, or putting one of a set of
    /// JSON-significant bytes in place of one, at every position: the reader stays sound, and
    /// so does its `serde_json::Value` form.
    #[test]
    fn reader_sound_under_mutation() {
        let bases = [
            r#"{"id":"p1","platform":"w","author":"a\u0062","ts":null,"text":"x\"y\\z\u4e2d\ud83d\ude00","gold":[{"k":"p","s":13,"v":"1e-5"}],"m":{"d":null,"t":true,"f":false,"n":-0.25E+3,"e":[]}}"#,
            r#"{"text":"t","id":"i","url":"u","thread_id":"th","reply_to":"r","capture":null,"x":"\/\b\f\n\r\t"}"#,
            // The forms `Value` checks beyond the derive: surrogate pairs in skipped strings
            // and keys, numbers a digit or an exponent away from out of range.
            r#"{"id":"p1","text":"t","gold":[{"\ud83d\ude00k":"\udbff\udfff","s":-12.5,"n":1}],"meta":{"a\u00e9":"\ud800\udc00x","big":99999999999999999999}}"#,
        ];
        let swaps = b"\"\\{}[],:0123456789-+.eEuntfl \t\n\x01aAdD/";
        for base in bases {
            assert!(crate::post_reader::read(base).is_some(), "{base}");
            let bytes = base.as_bytes();
            for i in 0..bytes.len() {
                let mut v = bytes.to_vec();
                v.remove(i);
                if let Ok(s) = std::str::from_utf8(&v) {
                    assert_reader_sound(s);
                    assert_value_reader_sound(s);
                }
                for &c in swaps {
                    let mut v = bytes.to_vec();
                    v[i] = c;
                    if let Ok(s) = std::str::from_utf8(&v) {
                        assert_reader_sound(s);
                        assert_value_reader_sound(s);
                    }
                }
            }
        }
    }

    /// Unknown values nested deeper than the reader's stack are left to serde, which skips
    /// them at any depth.
    #[test]
    fn reader_leaves_deep_nesting_to_serde() {
        let deep = format!(
            r#"{{"id":"p1","text":"hi","x":{}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(crate::post_reader::read(&deep).is_none());
        assert!(PostRef::from_json_str(&deep, 1 << 20).is_ok());
        let ok = format!(
            r#"{{"id":"p1","text":"hi","x":{}1{}}}"#,
            "[{\"a\":".repeat(30),
            "}]".repeat(30)
        );
        assert!(crate::post_reader::read(&ok).is_some());
        assert_reader_sound(&ok);
    }

    #[test]
    fn reports_missing_fields_and_limits() {
        assert_eq!(
            Post::from_json(br#"{"id":"p1"}"#, 100),
            Err(PostError::MissingField("text"))
        );
        assert!(matches!(
            Post::from_json(br#"{"id":"p1","text":"x"}"#, 5),
            Err(PostError::TooLarge { .. })
        ));
        assert!(matches!(
            Post::from_json(b"{nope", 100),
            Err(PostError::Json(_))
        ));
    }
}
