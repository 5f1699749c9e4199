//! What known-leak lookups cost the matcher: the dev corpus through `Matcher::match_batch` on
//! one thread, without and with a 10M-digest set loaded (every identifier hashed and looked
//! up). Prints both rates and the slowdown; asserts the alert count is the same (the set holds
//! random digests, so no verdict changes) and that the slowdown stays within 10%.
//!
//! `cargo bench -p doxwatch-pipeline --bench known_leaks` (env `SET`, default 10,000,000;
//! `ROUNDS`, default 5 passes over dev.jsonl per measurement).

use doxwatch_detect::{Scanner, Scratch};
use doxwatch_leakset::{parse_map, BuildOptions, Builder, KnownLeaks, LeakSet};
use doxwatch_model::{KeyedHasher, Kind, Verdict};
use doxwatch_pipeline::matcher::Matcher;
use std::sync::Arc;
use std::time::Instant;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/dev.jsonl");
    let dev =
        std::fs::read_to_string(&corpus).unwrap_or_else(|e| panic!("{}: {e}", corpus.display()));
    let records: Vec<Vec<u8>> = dev
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.as_bytes().to_vec())
        .collect();
    let n = env("SET", 10_000_000);
    let rounds = env("ROUNDS", 5);
    let key = KeyedHasher::from_secret(b"bench key");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("big.leakset");
    let opts = BuildOptions {
        name: "big".into(),
        source: "generated".into(),
        date: "2025-01-01".into(),
        map: parse_map("qq=1").unwrap(),
        memory_mb: 512,
        progress: false,
        oprf: None,
    };
    let mut b = Builder::new(&out, key.clone(), opts).unwrap();
    for i in 0..n {
        b.add_digest(key.hash(Kind::Qq, &i.to_string())[..16].try_into().unwrap())
            .unwrap();
    }
    b.finish().unwrap();
    let set = LeakSet::open(&out, &key).unwrap();
    let scanner = Arc::new(Scanner::new().unwrap());
    let alert_on = vec![Verdict::Doxxing, Verdict::DataSaleAd, Verdict::LeakRepost];
    let plain = Matcher::new(
        scanner.clone(),
        Some(key.clone()),
        None,
        alert_on.clone(),
        1 << 20,
        Default::default(),
    );
    let leaky = Matcher::new(
        scanner,
        Some(key),
        None,
        alert_on,
        1 << 20,
        Default::default(),
    )
    .with_known_leaks(Arc::new(KnownLeaks::from_sets(vec![set])));
    let measure = |m: &Matcher| {
        let mut scratch = Scratch::default();
        let mut alerts = 0;
        for batch in records.chunks(2048) {
            alerts += m.match_batch(batch, &mut scratch).alerts.len();
        }
        let t = Instant::now();
        for _ in 0..rounds {
            for batch in records.chunks(2048) {
                std::hint::black_box(m.match_batch(batch, &mut scratch));
            }
        }
        (
            records.len() as f64 * rounds as f64 / t.elapsed().as_secs_f64(),
            alerts,
        )
    };
    // Interleaved, best of three each, so a noisy neighbour hurts both alike.
    let (mut best_plain, mut best_leaky) = (0f64, 0f64);
    let (mut a_plain, mut a_leaky) = (0, 0);
    for _ in 0..3 {
        let (r, a) = measure(&plain);
        best_plain = best_plain.max(r);
        a_plain = a;
        let (r, a) = measure(&leaky);
        best_leaky = best_leaky.max(r);
        a_leaky = a;
    }
    let slowdown = (best_plain / best_leaky - 1.0) * 100.0;
    println!(
        "matcher on dev.jsonl, one thread: {best_plain:.0} posts/s without sets, {best_leaky:.0} posts/s with a {n}-digest set ({slowdown:+.1}%); {a_plain} alerts per pass"
    );
    assert_eq!(
        a_plain, a_leaky,
        "a set of random digests changed a verdict"
    );
    assert!(
        slowdown <= 10.0,
        "known-leak lookups slow the matcher by {slowdown:.1}% (limit 10%)"
    );
}
