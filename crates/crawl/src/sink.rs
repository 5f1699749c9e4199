//! Where extracted posts go. [`PostSink`] is the seam: this crate has the inbox directory of
//! the embedded pipeline, stdout and memory; the binary adds the Kafka posts topic.
//!
//! Contract: `write` returns once the batch is durable at the destination (for the inbox, the
//! file is synced and renamed in). The crawler records posts as emitted only in state it saves
//! after a successful write, so a crash re-emits at most the last batch (same ids).

use crate::CrawlError;
use doxwatch_model::Post;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait PostSink: Send {
    fn write<'a>(&'a mut self, posts: &'a [Post]) -> BoxFuture<'a, Result<(), CrawlError>>;
}

/// JSONL posts, one line each.
pub fn to_jsonl(posts: &[Post]) -> Result<Vec<u8>, CrawlError> {
    let mut buf = Vec::new();
    for p in posts {
        serde_json::to_writer(&mut buf, p).map_err(|e| CrawlError::Sink(e.to_string()))?;
        buf.push(b'\n');
    }
    Ok(buf)
}

/// The embedded pipeline's inbox: each batch becomes `DIR/crawl-PROFILE-SEQ.jsonl`, written as
/// the hidden `DIR/.crawl-PROFILE-SEQ.tmp` (the inbox lists only visible `.jsonl` names),
/// synced, then renamed in — a file appears in the inbox complete, as the inbox requires.
pub struct InboxSink {
    dir: PathBuf,
    profile: String,
    next_seq: u64,
}

impl InboxSink {
    pub fn new(dir: PathBuf, profile: &str) -> Result<InboxSink, CrawlError> {
        std::fs::create_dir_all(&dir).map_err(|source| CrawlError::Read {
            path: dir.clone(),
            source,
        })?;
        // Continue after the highest sequence number in the inbox or its done/ folder, so a
        // restart never overwrites a file the pipeline has not read.
        let prefix = format!("crawl-{profile}-");
        let mut next_seq = 0;
        for d in [dir.clone(), dir.join("done")] {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(seq) = name
                    .strip_prefix(&prefix)
                    .and_then(|r| r.strip_suffix(".jsonl"))
                    .and_then(|s| s.parse::<u64>().ok())
                {
                    next_seq = next_seq.max(seq + 1);
                }
            }
        }
        Ok(InboxSink {
            dir,
            profile: profile.to_string(),
            next_seq,
        })
    }
}

impl PostSink for InboxSink {
    fn write<'a>(&'a mut self, posts: &'a [Post]) -> BoxFuture<'a, Result<(), CrawlError>> {
        Box::pin(async move {
            if posts.is_empty() {
                return Ok(());
            }
            let buf = to_jsonl(posts)?;
            let name = format!("crawl-{}-{:010}", self.profile, self.next_seq);
            self.next_seq += 1;
            let tmp = self.dir.join(format!(".{name}.tmp"));
            let dst = self.dir.join(format!("{name}.jsonl"));
            tokio::task::spawn_blocking(move || -> std::io::Result<()> {
                use std::io::Write;
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(&buf)?;
                f.sync_all()?;
                std::fs::rename(&tmp, &dst)
            })
            .await
            .map_err(|e| CrawlError::Sink(e.to_string()))?
            .map_err(|e| CrawlError::Sink(format!("writing into {}: {e}", self.dir.display())))
        })
    }
}

/// JSONL on standard output.
pub struct StdoutSink;

impl PostSink for StdoutSink {
    fn write<'a>(&'a mut self, posts: &'a [Post]) -> BoxFuture<'a, Result<(), CrawlError>> {
        Box::pin(async move {
            use std::io::Write;
            let buf = to_jsonl(posts)?;
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)
                .and_then(|()| out.flush())
                .map_err(|e| CrawlError::Sink(format!("stdout: {e}")))
        })
    }
}

/// Posts kept in memory (tests, benchmarks). Clones share the same list.
#[derive(Clone, Default)]
pub struct MemorySink {
    pub posts: Arc<Mutex<Vec<Post>>>,
    /// Only count, keep nothing (benchmarks of big crawls).
    pub count_only: bool,
    pub count: Arc<std::sync::atomic::AtomicU64>,
}

impl MemorySink {
    pub fn take(&self) -> Vec<Post> {
        std::mem::take(&mut self.posts.lock().unwrap())
    }
}

impl PostSink for MemorySink {
    fn write<'a>(&'a mut self, posts: &'a [Post]) -> BoxFuture<'a, Result<(), CrawlError>> {
        Box::pin(async move {
            self.count
                .fetch_add(posts.len() as u64, std::sync::atomic::Ordering::Relaxed);
            if !self.count_only {
                self.posts.lock().unwrap().extend_from_slice(posts);
            }
            Ok(())
        })
    }
}
