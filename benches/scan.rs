//! Single-thread end-to-end throughput of the matcher on the development corpus.
//!
//! Run: `cargo bench --bench scan` (figures and how to read them: `benches/README.md`).
//!
//! Two benchmarks run over the same texts, the `text` of every post of
//! `../shared/eval/dev.jsonl` (read in place, relative to the workspace root):
//! * `scan`: one `Scanner` and one `Scratch`, `scanner.scan_with(text, &mut scratch)` per post,
//!   i.e. normalize + prefilter + detectors + verdict, one thread;
//! * `baseline_byte_count`: a plain pass that touches every byte (counts `b'1'` and sums bytes),
//!   the floor of what any scan over the same bytes costs.
//!
//! Both report `Throughput::Bytes` of the total UTF-8 text bytes, so criterion prints MB/s.
//!
//! NOTE: the scan benchmark asserts the total number of findings over the corpus
//! (`EXPECTED_FINDINGS`) before measuring, so a benchmark never silently measures a matcher that
//! finds something else. When the matcher changes ON PURPOSE, update `EXPECTED_FINDINGS` to the
//! number the bench prints (`total findings on dev.jsonl: N`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use doxwatch_detect::{Scanner, Scratch};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

// As in the `doxwatch` binary, so the figures are the scan's cost there.
#[path = "../src/mi_alloc.rs"]
mod mi_alloc;

#[global_allocator]
static ALLOC: mi_alloc::MiAlloc = mi_alloc::MiAlloc;

/// Total `findings.len()` over every post of dev.jsonl. Update when the matcher changes on
/// purpose (see the note at the top of this file).
const EXPECTED_FINDINGS: usize = 13315;

fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev.jsonl")
}

/// The `text` of every post of the development corpus, in file order.
fn load_texts() -> Vec<String> {
    let path = corpus_path();
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "benches/scan.rs needs the development corpus at {} (../shared/eval/dev.jsonl \
             beside the workspace): {e}",
            path.display()
        )
    });
    raw.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            let v: serde_json::Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}:{}: bad JSON: {e}", path.display(), n + 1));
            v.get("text")
                .and_then(|t| t.as_str())
                .unwrap_or_else(|| panic!("{}:{}: no string `text`", path.display(), n + 1))
                .to_owned()
        })
        .collect()
}

fn bench_scan(c: &mut Criterion) {
    let texts = load_texts();
    let bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let scanner = Scanner::new().expect("embedded dictionaries load");
    let mut scratch = Scratch::default();

    // Check what is being measured before measuring it.
    let findings: usize = texts
        .iter()
        .map(|t| scanner.scan_with(t, &mut scratch).findings.len())
        .sum();
    println!(
        "dev.jsonl: {} posts, {bytes} bytes of text; total findings on dev.jsonl: {findings}",
        texts.len()
    );
    assert_eq!(
        findings, EXPECTED_FINDINGS,
        "the matcher's findings on dev.jsonl changed; if on purpose, update EXPECTED_FINDINGS \
         in benches/scan.rs"
    );

    let mut g = c.benchmark_group("dev_corpus");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(2));
    g.measurement_time(Duration::from_secs(8));

    g.bench_function("scan", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for t in &texts {
                n += scanner.scan_with(black_box(t), &mut scratch).findings.len();
            }
            black_box(n)
        })
    });

    g.bench_function("baseline_byte_count", |b| {
        b.iter(|| {
            let (mut ones, mut sum) = (0usize, 0u64);
            for t in &texts {
                for &byte in black_box(t.as_bytes()) {
                    ones += usize::from(byte == b'1');
                    sum = sum.wrapping_add(u64::from(byte));
                }
            }
            black_box((ones, sum))
        })
    });
    g.finish();
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);
