//! Quick single-thread throughput check of the matcher on the development corpus, without
//! building the workspace's root package (which `cargo bench --bench scan` needs):
//!
//! `cargo run --release -p doxwatch-detect --example scan_corpus [passes]`
//!
//! Prints the total number of findings (compare with `EXPECTED_FINDINGS` in `benches/scan.rs`)
//! and the best-of-N time per pass. Handy under `perf record`. A second argument writes every
//! result to that file, which must not exist yet (diff two dumps to check an optimisation
//! changed nothing; the corpus is always `../shared/eval/dev.jsonl`);
//! `ONLY=Doxxing` (any verdict's `Debug` name) measures just the posts with that verdict,
//! `ONLY=nothing` the posts with no finding and no signal. `STAGES=1` also times the loader and
//! the lexicon search alone.

use doxwatch_detect::{Scanner, Scratch};
use doxwatch_model::Verdict;
use std::time::Instant;

// As in the `doxwatch` binary, so the figures are the scan's cost there (glibc's malloc and free
// were about 5 % of a scan's instructions, mimalloc's about 3 %: findings' values, facts, reasons).
#[path = "../../../src/mi_alloc.rs"]
mod mi_alloc;

#[global_allocator]
static ALLOC: mi_alloc::MiAlloc = mi_alloc::MiAlloc;

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/eval/dev.jsonl"
    );
    let raw = std::fs::read_to_string(path).expect("../shared/eval/dev.jsonl beside the workspace");
    let texts: Vec<String> = raw
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            v["text"].as_str().expect("text").to_owned()
        })
        .collect();
    let args: Vec<String> = std::env::args().collect();
    let passes: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let scanner = Scanner::new().expect("embedded dictionaries");
    let mut scratch = Scratch::default();
    if let Some(path) = args.get(2) {
        // Every result in full, one post a line: diff two dumps to check that an optimisation
        // changed nothing (values in clear: the corpus is synthetic).
        let mut out = String::new();
        for t in &texts {
            let r = scanner.scan_with(t, &mut scratch);
            let show = |fs: &[doxwatch_model::Finding]| -> Vec<String> {
                fs.iter()
                    .map(|f| {
                        format!(
                            "{}@{}..{}={}{:?}{}",
                            f.kind.as_str(),
                            f.span.start,
                            f.span.end,
                            f.value.expose(),
                            f.facts,
                            f.confidence
                        )
                    })
                    .collect()
            };
            out.push_str(&format!(
                "{:?} {:?} {:?} {} {:?} {:?} {:?}\n",
                r.verdict,
                r.labels,
                r.severity,
                r.score,
                show(&r.findings),
                show(&r.signals),
                r.reasons
            ));
        }
        // A new file only: the dump's path is easily mistaken for the corpus' (a session
        // overwrote the read-only dev.jsonl that way, as root).
        use std::io::Write;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut f| f.write_all(out.as_bytes()))
            .expect("write the dump to a new file (it must not exist)");
    }
    let texts: Vec<String> = match std::env::var("ONLY") {
        Ok(v) => texts
            .into_iter()
            .filter(|t| {
                let r = scanner.scan_with(t, &mut scratch);
                // `ONLY=nothing`: the posts with no finding and no signal at all.
                if v == "nothing" {
                    r.findings.is_empty() && r.signals.is_empty() && r.verdict == Verdict::None
                } else {
                    format!("{:?}", r.verdict) == v
                }
            })
            .collect(),
        Err(_) => texts,
    };
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut best = f64::MAX;
    let mut findings = 0;
    let cpu0 = cpu_seconds();
    for _ in 0..passes {
        let t0 = Instant::now();
        findings = 0;
        for t in &texts {
            findings += scanner
                .scan_with(std::hint::black_box(t), &mut scratch)
                .findings
                .len();
        }
        best = best.min(t0.elapsed().as_secs_f64());
    }
    let cpu = (cpu_seconds() - cpu0) / passes as f64;
    println!(
        "{} posts, {bytes} bytes, {findings} findings; best pass {:.2} ms = {:.1} MB/s; \
         mean CPU time per pass {:.2} ms",
        texts.len(),
        best * 1e3,
        bytes as f64 / best / 1e6,
        cpu * 1e3
    );
    if std::env::var_os("STAGES").is_some() {
        stages(&texts, passes);
    }
}

/// `STAGES=1`: the first stages of a scan timed alone over the same posts (best pass): the
/// loader without and with the lexicon's triggers, then the lexicon search after it. What the
/// detectors and the verdict may take is the rest of a scan's time.
fn stages(texts: &[String], passes: usize) {
    use doxwatch_detect::{chars::CharTable, lexicon::Lexicon, text::Text, Dictionaries};
    let dicts = Dictionaries::embedded().expect("embedded dictionaries");
    let table = CharTable::new(&dicts.t2s);
    let lexicon = Lexicon::build(&dicts);
    let bytes: usize = texts.iter().map(String::len).sum();
    let (mut t, mut hits, mut sink) = (Text::default(), Vec::new(), 0);
    let mut stage = |name: &str, f: &mut dyn FnMut(&str, &mut Text, &mut Vec<_>) -> usize| {
        let mut best = f64::MAX;
        for _ in 0..passes {
            let t0 = Instant::now();
            for s in texts {
                sink += f(std::hint::black_box(s), &mut t, &mut hits);
            }
            best = best.min(t0.elapsed().as_secs_f64());
        }
        let mbs = bytes as f64 / best / 1e6;
        println!("  {name}: best pass {:.2} ms = {mbs:.1} MB/s", best * 1e3);
    };
    stage("load", &mut |s, t, _| {
        t.load(&table, s);
        t.skel.len()
    });
    stage("load with triggers", &mut |s, t, _| {
        t.load_with(&table, lexicon.triggers(), s);
        t.lex_starts.len()
    });
    stage("load with triggers + lexicon search", &mut |s, t, hits| {
        t.load_with(&table, lexicon.triggers(), s);
        lexicon.find(t, hits);
        hits.len()
    });
    std::hint::black_box(sink);
}

/// User + system CPU time of this process (Linux `/proc`, 10 ms ticks; 0 elsewhere): less
/// disturbed than wall time when other work shares the machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, r)| r.split_whitespace().collect());
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / 100.0
}
