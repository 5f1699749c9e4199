//! Embedded-mode throughput: dev-corpus posts through `doxwatch_pipeline::runtime::run`, inbox
//! source → matcher pool → alerts file, as `doxwatch run` does. Prints posts/s; asserts the
//! number of alerts so a faster-but-wrong pipeline cannot pass.
//!
//! `cargo bench --bench pipeline` (env `COPIES`, default 40: 320,000 posts).

use doxwatch_pipeline::config::{Config, SinkConfig, SourceConfig};
use std::sync::Arc;
use std::time::Instant;

/// Alerts per copy of dev.jsonl with the default `alert_on`; update when the matcher changes
/// on purpose (the bench prints the count it saw).
const ALERTS_PER_COPY: u64 = 2_397;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/dev.jsonl");
    let dev = std::fs::read_to_string(&corpus).unwrap_or_else(|e| {
        panic!(
            "the development corpus is missing ({}): {e}",
            corpus.display()
        )
    });
    let copies: u64 = std::env::var("COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let dir = std::env::temp_dir().join(format!("doxwatch-bench-pipeline-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    let mut all = String::with_capacity(dev.len() * copies as usize);
    for _ in 0..copies {
        all.push_str(&dev);
    }
    std::fs::write(dir.join("inbox/posts.jsonl"), &all).unwrap();
    let posts = all.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cfg = Config {
        workers,
        max_record_bytes: 1 << 20,
        batch_records: 2048,
        queue_batches: 2 * workers,
        hash_key_env: "DOXWATCH_BENCH_HASH_KEY".into(),
        alert_on: vec![
            doxwatch_model::Verdict::Doxxing,
            doxwatch_model::Verdict::DataSaleAd,
            doxwatch_model::Verdict::LeakRepost,
        ],
        sources: vec![SourceConfig::Inbox {
            dir: dir.join("inbox"),
            follow: false,
        }],
        sinks: vec![SinkConfig::AlertsFile {
            path: dir.join("alerts.jsonl"),
        }],
        metrics_listen: None,
    };
    std::env::set_var("DOXWATCH_BENCH_HASH_KEY", "bench-key");
    let scanner = Arc::new(doxwatch_detect::Scanner::new().unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let t0 = Instant::now();
    let stats = rt
        .block_on(async {
            let (_tx, rx) = tokio::sync::watch::channel(false);
            doxwatch_pipeline::runtime::run(cfg, scanner, rx).await
        })
        .unwrap();
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "embedded pipeline: {posts} posts ({:.1} MB) in {secs:.2} s = {:.0} posts/s, {:.1} MB/s, {workers} worker(s); {} alerts",
        all.len() as f64 / 1e6,
        posts as f64 / secs,
        all.len() as f64 / 1e6 / secs,
        stats.alerts
    );
    assert_eq!(stats.posts, posts);
    assert_eq!(
        stats.alerts,
        ALERTS_PER_COPY * copies,
        "alert count changed: {} per copy",
        stats.alerts / copies.max(1)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
