//! `doxwatch.posts.v1`: a post as platforms and crawlers send it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Author {
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Accepts the wire form `{"author": {"id": …}}` and the flat form `{"author": "name"}` used by
/// exports and the evaluation corpus.
#[derive(Deserialize)]
#[serde(untagged)]
enum AuthorForm {
    Full(Author),
    Flat(String),
}

fn de_author<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Author, D::Error> {
    Ok(match Option::<AuthorForm>::deserialize(d)? {
        Some(AuthorForm::Full(a)) => a,
        Some(AuthorForm::Flat(s)) => Author { id: s, name: None },
        None => Author::default(),
    })
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
        if bytes.len() > limit {
            return Err(PostError::TooLarge {
                len: bytes.len(),
                limit,
            });
        }
        let post: Post = serde_json::from_slice(bytes).map_err(|e| {
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
        })?;
        Ok(post)
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
