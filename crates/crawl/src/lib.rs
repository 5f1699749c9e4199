//! `doxwatch-crawl`: polite, robust crawling of forums and paste sites into posts.
//!
//! Much 开盒 content and most data-sale ads live outside the platform that runs doxwatch. This
//! crate fetches the pages a site profile describes and turns them into
//! [`doxwatch_model::Post`]s with a capture record (source, fetch time, HTTP status, BLAKE3 of
//! the body), handed to a [`PostSink`]: the embedded pipeline's inbox directory, stdout, or
//! anything the caller plugs in (the binary adds the Kafka posts topic, so this crate does not
//! link librdkafka).
//!
//! Main types:
//! - [`Profile`] (`pipelines/sites/NAME.toml`): parsed into [`RawProfile`], then validated.
//! - [`Crawler`]: the frontier, dedup and the pass loop; [`CrawlState`] is what survives a
//!   restart (frontier, seen URLs, validators, emitted post digests), kept as 16-byte digests.
//! - [`Fetcher`]: one HTTP exchange with the SSRF guard ([`AddressPolicy`]), size cap, timeout
//!   and conditional headers; redirects, retries and robots.txt are decided by the crawler.
//! - [`extract`]: charset decoding and the CSS selectors of the profile.
//!
//! ```no_run
//! # async fn demo() -> Result<(), doxwatch_crawl::CrawlError> {
//! use doxwatch_crawl::{Crawler, InboxSink, Profile};
//! let profile = Profile::load("pipelines/sites/example-forum.toml".as_ref())?;
//! let mut sink = InboxSink::new("data/inbox".into(), &profile.name)?;
//! let mut crawler = Crawler::new(profile, Some(".doxwatch/crawl-example-forum".into()))?;
//! let (_stop_tx, stop) = tokio::sync::watch::channel(false);
//! let report = crawler.run_pass(&mut sink, stop).await?;
//! println!("{} pages, {} new posts", report.pages_fetched, report.posts_emitted);
//! # Ok(()) }
//! ```
//!
//! Personal data hygiene: page and post text never reach a log line or an error message; logs
//! carry URLs, statuses, reasons and counts.

pub mod canon;
pub mod crawler;
pub mod decode;
pub mod extract;
pub mod fetcher;
pub mod guard;
pub mod host_gate;
pub mod profile;
pub mod sink;
pub mod state;
mod time;

pub use crawler::{Crawler, PassReport};
pub use fetcher::Fetcher;
pub use guard::AddressPolicy;
pub use profile::{Profile, RawProfile};
pub use sink::{InboxSink, MemorySink, PostSink, StdoutSink};
pub use state::CrawlState;

use std::path::PathBuf;
use thiserror::Error;

/// Errors that stop a crawl (a page that cannot be fetched is not one: it is counted and
/// skipped, see [`PassReport::skipped`]).
#[derive(Debug, Error)]
pub enum CrawlError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Profile { path: PathBuf, message: String },
    #[error("crawl state {path}: {message}")]
    State { path: PathBuf, message: String },
    #[error("building the HTTP client: {0}")]
    Client(String),
    #[error("post sink: {0}")]
    Sink(String),
}
