//! `CrawlState`: what survives a restart — the frontier of the open pass, the URLs it has seen,
//! the HTTP validators of every page (for conditional re-visits) and the digests of the posts
//! already emitted (so a post goes out once across passes and restarts).
//!
//! URLs and posts are kept as 16-byte BLAKE3 keys, so a 100k-page crawl holds a few MB. The
//! state is one JSON file, `DIR/state.json`, written atomically (temporary file, fsync, rename,
//! directory fsync).

use crate::canon::{hex, unhex16, Key};
use crate::CrawlError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

const STATE_VERSION: u32 = 1;

/// `ETag` / `Last-Modified` of a page, sent back as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// A page waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontierEntry {
    pub url: String,
    pub depth: u32,
}

#[derive(Debug, Default)]
pub struct CrawlState {
    pub frontier: VecDeque<FrontierEntry>,
    /// Canonical URLs admitted to the open pass (fetched, in flight or in the frontier).
    pub seen: HashSet<Key>,
    pub validators: HashMap<Key, Validators>,
    /// Posts already emitted (platform + author + text).
    pub emitted: HashSet<Key>,
    /// A pass was started and has not finished: a restart resumes it.
    pub pass_open: bool,
    pub passes: u64,
    /// Unix seconds at the end of the last finished pass.
    pub last_pass_end: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    version: u32,
    profile: String,
    pass_open: bool,
    passes: u64,
    last_pass_end: Option<u64>,
    frontier: Vec<FrontierEntry>,
    /// Keys as one string of 32-hex-digit runs: compact and quick to write.
    seen: String,
    validators: Vec<(String, Validators)>,
    emitted: String,
}

fn state_err(path: &Path, message: impl std::fmt::Display) -> CrawlError {
    CrawlError::State {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

impl CrawlState {
    pub fn file(dir: &Path) -> PathBuf {
        dir.join("state.json")
    }

    /// Loads the state of `profile` from `dir`; an absent file is a fresh state.
    pub fn load(dir: &Path, profile: &str) -> Result<CrawlState, CrawlError> {
        let path = Self::file(dir);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CrawlState::default()),
            Err(source) => return Err(CrawlError::Read { path, source }),
        };
        let f: StateFile = serde_json::from_slice(&bytes).map_err(|e| state_err(&path, e))?;
        if f.version != STATE_VERSION {
            return Err(state_err(
                &path,
                format!("version {} is not supported", f.version),
            ));
        }
        if f.profile != profile {
            return Err(state_err(
                &path,
                format!("belongs to profile `{}`, not `{profile}`", f.profile),
            ));
        }
        let keys = |s: String| -> Result<HashSet<Key>, CrawlError> {
            // unhex16 refuses a short last chunk.
            s.as_bytes()
                .chunks(32)
                .map(|c| {
                    std::str::from_utf8(c)
                        .ok()
                        .and_then(unhex16)
                        .ok_or_else(|| state_err(&path, "bad key"))
                })
                .collect()
        };
        let validators = f
            .validators
            .into_iter()
            .map(|(k, v)| Ok((unhex16(&k).ok_or_else(|| state_err(&path, "bad key"))?, v)))
            .collect::<Result<_, CrawlError>>()?;
        Ok(CrawlState {
            frontier: f.frontier.into(),
            seen: keys(f.seen)?,
            validators,
            emitted: keys(f.emitted)?,
            pass_open: f.pass_open,
            passes: f.passes,
            last_pass_end: f.last_pass_end,
        })
    }

    /// Writes the state atomically into `dir` (created if missing).
    pub fn save(&self, dir: &Path, profile: &str) -> Result<(), CrawlError> {
        let path = Self::file(dir);
        std::fs::create_dir_all(dir).map_err(|e| state_err(dir, e))?;
        let joined = |set: &HashSet<Key>| {
            let mut s = vec![0u8; set.len() * 32];
            for (k, out) in set.iter().zip(s.chunks_exact_mut(32)) {
                hex::encode_to_slice(k, out).expect("32 hex digits for 16 bytes");
            }
            String::from_utf8(s).expect("hex digits")
        };
        // Borrowed and streamed to the file: a save must not double the state in memory.
        let f = StateFileRef {
            version: STATE_VERSION,
            profile,
            pass_open: self.pass_open,
            passes: self.passes,
            last_pass_end: self.last_pass_end,
            frontier: &self.frontier,
            seen: joined(&self.seen),
            validators: ValidatorsRef(&self.validators),
            emitted: joined(&self.emitted),
        };
        let tmp = dir.join(".state.json.tmp");
        (|| -> std::io::Result<()> {
            let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            serde_json::to_writer(&mut w, &f)?;
            let file = w.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            // The rename itself must reach the disk before we count on it.
            std::fs::File::open(dir)?.sync_all()
        })()
        .map_err(|e| state_err(&path, e))
    }
}

/// The saving side of [`StateFile`].
#[derive(Serialize)]
struct StateFileRef<'a> {
    version: u32,
    profile: &'a str,
    pass_open: bool,
    passes: u64,
    last_pass_end: Option<u64>,
    frontier: &'a VecDeque<FrontierEntry>,
    seen: String,
    validators: ValidatorsRef<'a>,
    emitted: String,
}

struct ValidatorsRef<'a>(&'a HashMap<Key, Validators>);

impl Serialize for ValidatorsRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(k, v)| (hex(k), v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canon::key;

    #[test]
    fn round_trip_and_profile_check() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = CrawlState::default();
        s.frontier.push_back(FrontierEntry {
            url: "http://f.example/a".into(),
            depth: 2,
        });
        s.seen.insert(key(b"a"));
        s.emitted.insert(key(b"p"));
        s.validators.insert(
            key(b"a"),
            Validators {
                etag: Some("\"v1\"".into()),
                last_modified: None,
            },
        );
        s.pass_open = true;
        s.passes = 3;
        s.save(dir.path(), "t").unwrap();
        let l = CrawlState::load(dir.path(), "t").unwrap();
        assert_eq!(l.frontier, s.frontier);
        assert_eq!(l.seen, s.seen);
        assert_eq!(l.emitted, s.emitted);
        assert_eq!(l.validators, s.validators);
        assert!(l.pass_open);
        assert_eq!(l.passes, 3);
        let e = CrawlState::load(dir.path(), "other")
            .unwrap_err()
            .to_string();
        assert!(e.contains("belongs to profile"), "{e}");
        // A torn key list is an error, not a silently smaller set.
        let text = std::fs::read_to_string(CrawlState::file(dir.path())).unwrap();
        let torn = text.replacen("\"seen\":\"", "\"seen\":\"abc", 1);
        std::fs::write(CrawlState::file(dir.path()), torn).unwrap();
        assert!(CrawlState::load(dir.path(), "t").is_err());
        let fresh = CrawlState::load(&dir.path().join("none"), "t").unwrap();
        assert!(fresh.frontier.is_empty() && !fresh.pass_open);
    }
}
