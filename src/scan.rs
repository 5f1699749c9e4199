//! `doxwatch scan`: files, directories or stdin; JSONL posts or plain text; parallel over cores,
//! output in input order.

use anyhow::{Context, Result};
use clap::Args;
use doxwatch_detect::{ScanResult, Scanner, Scratch};
use doxwatch_model::{Finding, KeyedHasher, Post, Verdict, WireFinding};
use serde::Serialize;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Posts longer than this are scanned in overlapping windows so memory stays bounded.
const MAX_RECORD: usize = 1 << 30;

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories (`*.jsonl`, `*.txt`); `-` or nothing for stdin.
    pub paths: Vec<PathBuf>,
    /// One JSON object per post (the evaluation and alert format).
    #[arg(long)]
    pub json: bool,
    /// Inputs are plain text: every line is a post.
    #[arg(long)]
    pub plain: bool,
    /// Show keyword hits and detector evidence for every post.
    #[arg(long)]
    pub explain: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Colour: auto, always, never.
    #[arg(long, default_value = "auto")]
    pub color: String,
}

#[derive(Serialize)]
struct JsonOut<'a> {
    id: &'a str,
    verdict: &'static str,
    labels: &'a [&'static str],
    severity: &'static str,
    score: f32,
    findings: Vec<WireFinding>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    signals: Vec<WireFinding>,
    reasons: &'a [String],
}

struct Record {
    source: String,
    line: usize,
    id: String,
    text: String,
}

#[derive(Default)]
struct Stats {
    posts: usize,
    flagged: usize,
    bad_json: usize,
    bad_utf8: usize,
}

fn inputs(paths: &[PathBuf]) -> Result<Vec<Option<PathBuf>>> {
    if paths.is_empty() || paths.iter().any(|p| p.as_os_str() == "-") {
        return Ok(vec![None]);
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading directory {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .collect();
            files.sort();
            out.extend(files.into_iter().map(Some));
        } else {
            out.push(Some(p.clone()));
        }
    }
    Ok(out)
}

fn hasher() -> Option<KeyedHasher> {
    std::env::var("DOXWATCH_HASH_KEY")
        .ok()
        .filter(|k| !k.is_empty())
        .map(|k| KeyedHasher::from_secret(k.as_bytes()))
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let scanner = Scanner::new().context("loading dictionaries")?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let hasher = hasher();
    let mut stats = Stats::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for input in inputs(&args.paths)? {
        let (name, reader): (String, Box<dyn Read>) = match &input {
            None => ("<stdin>".into(), Box::new(std::io::stdin())),
            Some(p) => (
                p.display().to_string(),
                Box::new(
                    std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
                ),
            ),
        };
        let plain = args.plain || input.as_deref().is_some_and(is_plain_name);
        let mut reader = BufReader::with_capacity(1 << 20, reader);
        let mut line_no = 0;
        let mut buf = Vec::new();
        loop {
            // Read a batch of records, scan it in parallel, print in order.
            let mut batch: Vec<Record> = Vec::new();
            let mut bytes = 0;
            while batch.len() < 4096 && bytes < (32 << 20) {
                buf.clear();
                let n = reader
                    .by_ref()
                    .take(MAX_RECORD as u64)
                    .read_until(b'\n', &mut buf)
                    .with_context(|| format!("reading {name}"))?;
                if n == 0 {
                    break;
                }
                line_no += 1;
                bytes += n;
                while buf.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
                    buf.pop();
                }
                // Take the line's bytes without copying them (a record may be 100 MB).
                let text = match String::from_utf8(std::mem::take(&mut buf)) {
                    Ok(s) => s,
                    Err(e) => {
                        stats.bad_utf8 += 1;
                        String::from_utf8_lossy(e.as_bytes()).into_owned()
                    }
                };
                if plain {
                    if !text.trim().is_empty() {
                        batch.push(Record {
                            source: name.clone(),
                            line: line_no,
                            id: format!("{name}:{line_no}"),
                            text,
                        });
                    }
                    continue;
                }
                if text.trim().is_empty() {
                    continue;
                }
                match Post::from_json(text.as_bytes(), MAX_RECORD) {
                    Ok(p) => batch.push(Record {
                        source: name.clone(),
                        line: line_no,
                        id: p.id,
                        text: p.text,
                    }),
                    Err(e) => {
                        stats.bad_json += 1;
                        eprintln!("doxwatch: {name}:{line_no}: skipped: {e}");
                    }
                }
            }
            if batch.is_empty() {
                break;
            }
            let results = scan_parallel(&scanner, &batch, threads);
            for (rec, res) in batch.iter().zip(&results) {
                stats.posts += 1;
                if res.verdict != Verdict::None {
                    stats.flagged += 1;
                }
                if args.json {
                    let j = JsonOut {
                        id: &rec.id,
                        verdict: res.verdict.as_str(),
                        labels: &res.labels,
                        severity: res.severity.as_str(),
                        score: (res.score * 1000.0).round() / 1000.0,
                        findings: wire(&res.findings, hasher.as_ref()),
                        signals: wire(&res.signals, hasher.as_ref()),
                        reasons: &res.reasons,
                    };
                    serde_json::to_writer(&mut out, &j)?;
                    out.write_all(b"\n")?;
                } else {
                    print_human(&mut out, rec, res, color, args.explain)?;
                }
                if args.explain {
                    let e = scanner.explain(&rec.text);
                    for (surface, group, span) in &e.hits {
                        // Keyword surfaces are lexicon words, never identifiers.
                        writeln!(
                            out,
                            "    hit {group:<18} {surface:?} [{}..{})",
                            span.start, span.end
                        )?;
                    }
                    for (span, why) in &e.rejected {
                        writeln!(out, "    rejected [{}..{}) {why}", span.start, span.end)?;
                    }
                    for s in &res.signals {
                        writeln!(
                            out,
                            "    signal {} {} [{}..{})",
                            s.kind,
                            s.masked(),
                            s.span.start,
                            s.span.end
                        )?;
                    }
                }
            }
        }
    }
    out.flush()?;
    if stats.bad_utf8 > 0 {
        eprintln!(
            "doxwatch: {} record(s) had invalid UTF-8 and were decoded lossily",
            stats.bad_utf8
        );
    }
    if stats.bad_json > 0 {
        eprintln!(
            "doxwatch: {} line(s) were not valid posts and were skipped",
            stats.bad_json
        );
    }
    Ok(if stats.flagged > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn is_plain_name(p: &Path) -> bool {
    !matches!(
        p.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "json" | "ndjson")
    )
}

fn wire(f: &[Finding], h: Option<&KeyedHasher>) -> Vec<WireFinding> {
    f.iter().map(|f| WireFinding::from_finding(f, h)).collect()
}

fn scan_parallel(scanner: &Scanner, batch: &[Record], threads: usize) -> Vec<ScanResult> {
    if threads <= 1 || batch.len() < 64 {
        let mut s = Scratch::default();
        return batch
            .iter()
            .map(|r| scanner.scan_any(&r.text, &mut s))
            .collect();
    }
    let chunk = batch.len().div_ceil(threads);
    std::thread::scope(|sc| {
        let handles: Vec<_> = batch
            .chunks(chunk)
            .map(|part| {
                sc.spawn(move || {
                    let mut s = Scratch::default();
                    part.iter()
                        .map(|r| scanner.scan_any(&r.text, &mut s))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scan worker panicked"))
            .collect()
    })
}

fn print_human(
    out: &mut impl Write,
    rec: &Record,
    res: &ScanResult,
    color: bool,
    always: bool,
) -> std::io::Result<()> {
    if !always && res.verdict == Verdict::None && res.findings.is_empty() {
        return Ok(());
    }
    let (bold, red, yellow, green, dim, reset) = if color {
        (
            "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[2m", "\x1b[0m",
        )
    } else {
        ("", "", "", "", "", "")
    };
    let vcol = match res.verdict {
        Verdict::Doxxing | Verdict::LeakRepost => red,
        Verdict::DataSaleAd => yellow,
        _ => green,
    };
    writeln!(
        out,
        "{bold}{}:{}{reset} {dim}{}{reset} {vcol}{bold}{}{reset} severity={} score={:.2}",
        rec.source,
        rec.line,
        rec.id,
        res.verdict.as_str(),
        res.severity.as_str(),
        res.score
    )?;
    for f in &res.findings {
        let facts: Vec<String> = f.facts.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(
            out,
            "    {green}{:<10}{reset} {bold}{}{reset} [{}..{}) {dim}{}{reset}",
            f.kind.as_str(),
            f.masked(),
            f.span.start,
            f.span.end,
            facts.join(" ")
        )?;
    }
    for r in &res.reasons {
        writeln!(out, "    {dim}reason:{reset} {r}")?;
    }
    Ok(())
}
