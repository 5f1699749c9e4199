//! `doxwatch crawl PROFILE`: a site profile crawled into the posts stream — the embedded
//! pipeline's inbox (`--inbox DIR`), stdout, or the Kafka posts topic (`--kafka BROKERS`).

use anyhow::{bail, Context, Result};
use doxwatch_crawl::sink::{to_jsonl, BoxFuture};
use doxwatch_crawl::{CrawlError, Crawler, InboxSink, PostSink, Profile, StdoutSink};
use doxwatch_model::Post;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CrawlArgs {
    /// Site profile (TOML), e.g. pipelines/sites/example-forum.toml.
    profile: PathBuf,
    /// Write each batch of posts as a JSONL file into this inbox directory (the embedded
    /// pipeline's `inbox` source).
    #[arg(long, conflicts_with_all = ["stdout", "kafka"])]
    inbox: Option<PathBuf>,
    /// Print posts as JSONL on stdout.
    #[arg(long, conflicts_with = "kafka")]
    stdout: bool,
    /// Produce posts to the Kafka posts topic on these brokers (key = post id).
    #[arg(long, value_name = "BROKERS")]
    kafka: Option<String>,
    #[arg(long, default_value = "doxwatch.posts.v1", requires = "kafka")]
    topic: String,
    /// A librdkafka client property for `--kafka`, `KEY=VALUE` (repeatable; `env:NAME` values
    /// are read from the environment), as `doxwatch produce --property` takes it.
    #[arg(long = "kafka-property", value_name = "KEY=VALUE", requires = "kafka")]
    kafka_properties: Vec<String>,
    /// Crawl state directory (frontier, seen URLs, validators, emitted posts); default
    /// `.doxwatch/crawl-NAME`.
    #[arg(long)]
    state: Option<PathBuf>,
    /// One pass (resume the open one or start a new one), then exit; without it, re-visit per
    /// the profile's `revisit_secs` until SIGINT/SIGTERM.
    #[arg(long)]
    once: bool,
    /// Stop after starting this many page fetches (state saved; the next run resumes).
    #[arg(long, value_name = "N")]
    max_fetches: Option<u64>,
    /// Only parse and validate the profile; exit 0 if it is valid.
    #[arg(long)]
    check: bool,
}

/// The Kafka posts topic. Reuses `doxwatch_kafka::produce_file` on a temporary JSONL file per
/// batch: a batch is written once the broker acknowledged every post.
struct KafkaPosts {
    cluster: doxwatch_kafka::Cluster,
    topic: String,
    seq: u64,
}

impl PostSink for KafkaPosts {
    fn write<'a>(&'a mut self, posts: &'a [Post]) -> BoxFuture<'a, Result<(), CrawlError>> {
        Box::pin(async move {
            let buf = to_jsonl(posts)?;
            self.seq += 1;
            let tmp = std::env::temp_dir().join(format!(
                "doxwatch-crawl-{}-{}.jsonl",
                std::process::id(),
                self.seq
            ));
            std::fs::write(&tmp, &buf).map_err(|e| CrawlError::Sink(e.to_string()))?;
            let r = doxwatch_kafka::produce_file(&self.cluster, &self.topic, &tmp).await;
            let _ = std::fs::remove_file(&tmp);
            r.map(|_| ()).map_err(|e| CrawlError::Sink(e.to_string()))
        })
    }
}

pub fn run(args: CrawlArgs) -> Result<ExitCode> {
    let profile = Profile::load(&args.profile)?;
    if args.check {
        println!(
            "{}: valid site profile `{}` ({} start URL(s), {} allowed host(s))",
            args.profile.display(),
            profile.name,
            profile.start_urls.len(),
            profile.allowed_hosts.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut sink: Box<dyn PostSink> = match (&args.inbox, args.stdout, &args.kafka) {
        (Some(dir), _, _) => Box::new(InboxSink::new(dir.clone(), &profile.name)?),
        (None, true, _) => Box::new(StdoutSink),
        (None, false, Some(brokers)) => Box::new(KafkaPosts {
            cluster: crate::run::KafkaProperties::new(args.kafka_properties.clone())
                .cluster(brokers)?,
            topic: args.topic.clone(),
            seq: 0,
        }),
        (None, false, None) => {
            bail!("choose where posts go: --inbox DIR, --stdout or --kafka BROKERS")
        }
    };
    let state = args
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!(".doxwatch/crawl-{}", profile.name)));
    let name = profile.name.clone();
    let mut crawler = Crawler::new(profile, Some(state.clone()))
        .with_context(|| format!("opening crawl state {}", state.display()))?;
    crawler.fetch_budget = args.max_fetches;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let report = rt.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            crate::run::shutdown_signal().await;
            tracing::info!("stopping: finishing in-flight pages, saving state");
            let _ = stop_tx.send(true);
        });
        crawler.run(sink.as_mut(), stop_rx, args.once).await
    })?;
    tracing::info!(
        profile = %name,
        requests = report.requests,
        pages = report.pages_fetched,
        not_modified = report.not_modified,
        posts_emitted = report.posts_emitted,
        skipped = ?report.skipped,
        "crawl stopped"
    );
    Ok(ExitCode::SUCCESS)
}
