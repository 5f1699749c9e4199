//! `doxwatch.posts.v1`: a post as platforms and crawlers send it.

use serde::{Deserialize, Serialize};

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

    /// [`Post::from_json`] of a record already known to be UTF-8 (callers that check it to
    /// report bad encoding separately): the strings are not validated a second time.
    pub fn from_json_str(text: &str, limit: usize) -> Result<Post, PostError> {
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
        let p = Post::from_json_str(r#"{"id":"p1","author":null,"text":"hi"}"#, 1 << 20).unwrap();
        assert_eq!(p.author, Author::default());
        let p = Post::from_json_str(
            r#"{"id":"p1","author":{"name":"n","x":[1]},"text":"hi"}"#,
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
