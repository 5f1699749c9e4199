//! doxwatch's runtime: the pipeline that moves posts from sources through the matcher to
//! sinks, with checkpoints so that nothing is lost across a crash.
//!
//! - [`config`]: TOML pipeline configs (`pipelines/*.toml`), parsed then validated.
//! - [`runtime::run`]: sources → bounded queue → matcher pool (blocking threads) → sinks →
//!   acknowledgements → source checkpoints.
//! - [`records::Records`]: a batch's raw records in one buffer.
//! - Sources: [`inbox_source::InboxSource`] (a directory of JSONL files, resumable),
//!   [`stdin_source::StdinSource`]. Sinks: [`alerts_file_sink::AlertsFileSink`],
//!   [`stdout_sink::StdoutSink`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let cfg = doxwatch_pipeline::config::load("pipelines/local.toml".as_ref())?;
//! let scanner = std::sync::Arc::new(doxwatch_detect::Scanner::new()?);
//! let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
//! let stats = doxwatch_pipeline::runtime::run(cfg, scanner, stop_rx).await?;
//! println!("{} posts, {} alerts", stats.posts, stats.alerts);
//! # Ok(()) }
//! ```

pub mod alerts_file_sink;
pub mod config;
pub mod file_reader;
pub mod http_source;
pub mod inbox_source;
pub mod keys;
pub mod line_reader;
pub mod matcher;
pub mod metrics;
pub mod records;
pub mod runtime;
pub mod stdin_source;
pub mod stdout_sink;
pub mod webhook_sink;
