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
    /// report bad encoding separately): the strings are not validated a second time.
    pub fn from_json_str(text: &'a str, limit: usize) -> Result<PostRef<'a>, PostError> {
        check_limit(text.len(), limit)?;
        serde_json::from_str(text).map_err(post_error)
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
