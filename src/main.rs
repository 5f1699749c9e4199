//! `doxwatch`: the command line. `scan` reads posts from files or stdin and reports findings;
//! `eval` scores the matcher on a labelled corpus.

mod eval;
mod run;
mod scan;

use clap::{Parser, Subcommand};
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
    },
    /// Parse and validate a pipeline config; exit 0 if it is valid.
    CheckConfig { file: PathBuf },
    /// Score the matcher on a labelled JSONL corpus (per-kind exact-span P/R/F1, post labels).
    Eval {
        /// The labelled corpus, e.g. ../shared/eval/dev.jsonl.
        gold: PathBuf,
        /// Print the posts where the verdict disagrees with the label.
        #[arg(long)]
        errors: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Eval { gold, errors } => eval::run(&gold, errors),
        Command::Run {
            config,
            once,
            enqueue,
        } => run::run(config, once, &enqueue),
        Command::CheckConfig { file } => run::check_config(&file),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("doxwatch: {e:#}");
            ExitCode::from(2)
        }
    }
}
