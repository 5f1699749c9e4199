//! `doxwatch`: the command line. `scan` reads posts from files or stdin and reports findings;
//! `eval` scores the matcher on a labelled corpus.

mod crawl;
mod eval;
mod leakset_cmd;
mod run;
mod scan;
mod store_cmd;

use clap::{Parser, Subcommand};

mod mi_alloc;

#[global_allocator]
static ALLOC: mi_alloc::MiAlloc = mi_alloc::MiAlloc;

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "doxwatch",
    version,
    about = "Finds doxxing (开盒) and leaked Chinese personal data in posts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan JSONL posts (a `text` field per line) or plain text; exit 0 if something was
    /// found, 1 if nothing, 2 on error.
    Scan(scan::ScanArgs),
    /// Run a pipeline (default: pipelines/local.toml, the embedded default: inbox directory →
    /// matcher → alerts file and stdout). Stops on SIGINT/SIGTERM after draining.
    Run {
        /// Pipeline config (TOML).
        config: Option<PathBuf>,
        /// Stop when the inboxes are empty instead of watching for new files.
        #[arg(long)]
        once: bool,
        /// Copy these JSONL files into the first inbox before starting.
        #[arg(long, num_args = 1..)]
        enqueue: Vec<PathBuf>,
        /// What this process does: `embedded` (everything in one process, the default),
        /// `matcher` (a consumer-group member: needs a kafka source), `intake` (the HTTP feed
        /// into the posts topic), `indexer` (the alerts topic into the store) or `server`
        /// (the API and web UI of the config's `[server]` table).
        #[arg(long, default_value = "embedded")]
        role: String,
    },
    /// Load JSONL posts into a Kafka topic (key = post id), for demos and benchmarks.
    Produce {
        file: PathBuf,
        #[arg(long, default_value = "127.0.0.1:9092")]
        brokers: String,
        #[arg(long, default_value = "doxwatch.posts.v1")]
        topic: String,
        /// Create the topic first (if missing) with this many partitions.
        #[arg(long)]
        create_partitions: Option<i32>,
        #[command(flatten)]
        kafka: run::KafkaProperties,
    },
    /// Print the records of a Kafka topic as JSON lines until it stays idle (debugging, tests).
    Consume {
        topic: String,
        #[arg(long, default_value = "127.0.0.1:9092")]
        brokers: String,
        /// Stop after this many seconds without a new record.
        #[arg(long, default_value_t = 5)]
        idle_secs: u64,
        #[command(flatten)]
        kafka: run::KafkaProperties,
    },
    /// Search the alert store: free text, filters, or an identifier (hashed, never stored).
    /// Exit 0 if something matched, 1 if nothing.
    Search {
        #[command(flatten)]
        store: store_cmd::StoreArgs,
        #[command(flatten)]
        args: Box<store_cmd::SearchArgs>,
    },
    /// Subjects: the same person across posts.
    Subject {
        #[command(flatten)]
        store: store_cmd::StoreArgs,
        #[command(subcommand)]
        cmd: store_cmd::SubjectCmd,
    },
    /// Cases: open, assign, note, move, export takedown requests and referral packages.
    Case {
        #[command(flatten)]
        store: store_cmd::StoreArgs,
        #[command(subcommand)]
        cmd: store_cmd::CaseCmd,
    },
    /// The original posts in the evidence vault (every read is audited).
    Evidence {
        #[command(flatten)]
        store: store_cmd::StoreArgs,
        #[command(subcommand)]
        cmd: store_cmd::EvidenceCmd,
    },
    /// The hash-chained audit log.
    Audit {
        #[command(flatten)]
        store: store_cmd::StoreArgs,
        #[command(subcommand)]
        cmd: store_cmd::AuditCmd,
    },
    /// Check a referral package against its manifest; exit 0 if intact, 1 if not.
    VerifyPackage { dir: PathBuf },
    /// API tokens for the web UI and the HTTP API (stored hashed in the store).
    Token {
        #[command(flatten)]
        store: store_cmd::StoreArgs,
        #[command(subcommand)]
        cmd: store_cmd::TokenCmd,
    },
    /// Deployment keys.
    Key {
        #[command(subcommand)]
        cmd: KeyCmd,
    },
    /// Parse and validate a pipeline config; exit 0 if it is valid.
    CheckConfig { file: PathBuf },
    /// Crawl a site profile (pipelines/sites/NAME.toml) into the posts stream: an inbox
    /// directory, stdout or the Kafka posts topic.
    Crawl(crawl::CrawlArgs),
    /// Known-leak sets: build from dumps, inspect, merge, serve the self-check.
    Leakset {
        #[command(subcommand)]
        cmd: leakset_cmd::LeaksetCmd,
    },
    /// Ask a self-check server whether a phone or ID is in a known leak (private: the server
    /// never sees the value); exit 0 if found, 1 if not.
    Check(leakset_cmd::CheckArgs),
    /// Score the matcher on a labelled JSONL corpus (per-kind exact-span P/R/F1, post labels).
    Eval {
        /// The labelled corpus, e.g. ../shared/eval/dev.jsonl.
        gold: PathBuf,
        /// Print the posts where the verdict disagrees with the label.
        #[arg(long)]
        errors: bool,
    },
}

#[derive(Subcommand)]
enum KeyCmd {
    /// Write a new random 32-byte key (64 hex characters) to FILE, readable by its owner only.
    /// Refuses to overwrite.
    Generate { file: PathBuf },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Structured logs on stderr: RUST_LOG filters (default info), DOXWATCH_LOG=json for JSON
    // lines. No log line carries a plaintext identifier: fields are ids, counts and reasons.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if std::env::var("DOXWATCH_LOG").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
    let result = match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Eval { gold, errors } => eval::run(&gold, errors),
        Command::Run {
            config,
            once,
            enqueue,
            role,
        } => run::run(config, once, &enqueue, &role),
        Command::Produce {
            file,
            brokers,
            topic,
            create_partitions,
            kafka,
        } => run::produce(&file, &brokers, &kafka, &topic, create_partitions),
        Command::Consume {
            topic,
            brokers,
            idle_secs,
            kafka,
        } => run::consume(&topic, &brokers, &kafka, idle_secs),
        Command::CheckConfig { file } => run::check_config(&file),
        Command::Search { store, args } => store_cmd::search(&store, *args),
        Command::Subject { store, cmd } => store_cmd::subject(&store, cmd),
        Command::Case { store, cmd } => store_cmd::case(&store, cmd),
        Command::Evidence { store, cmd } => store_cmd::evidence(&store, cmd),
        Command::Audit { store, cmd } => store_cmd::audit(&store, cmd),
        Command::Token { store, cmd } => store_cmd::token(&store, cmd),
        Command::VerifyPackage { dir } => store_cmd::verify_package(&dir),
        Command::Key {
            cmd: KeyCmd::Generate { file },
        } => doxwatch_pipeline::keys::generate_key_file(&file)
            .map(|_| {
                eprintln!(
                    "doxwatch: wrote a new key to {} (mode 0600)",
                    file.display()
                );
                ExitCode::SUCCESS
            })
            .map_err(Into::into),
        Command::Crawl(args) => crawl::run(args),
        Command::Leakset { cmd } => leakset_cmd::run(cmd),
        Command::Check(args) => leakset_cmd::check(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("doxwatch: {e:#}");
            ExitCode::from(2)
        }
    }
}
