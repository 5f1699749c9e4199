//! Crawler throughput: the fixture site (crates/crawl/tests/fixture) serves `PAGES` GBK pages
//! as a tree (10 links a page, 2 posts a page) on 127.0.0.1 from its own thread and runtime;
//! the crawler fetches, decodes and extracts all of them with politeness off, keeping its state
//! in a temporary directory (saved every 5 s, as `doxwatch crawl` does). Prints pages/s and the
//! peak RSS of the process (VmHWM: crawler and server together); asserts the number of pages
//! and posts so that a faster-but-wrong crawler cannot pass.
//!
//! `cargo bench --bench crawl` (env `PAGES`, default 20,000; `CONCURRENCY`, default 32).

#[path = "../crates/crawl/tests/fixture/mod.rs"]
mod fixture;

use doxwatch_crawl::{Crawler, MemorySink, RawProfile};
use std::sync::atomic::Ordering;
use std::time::Instant;

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let pages = env_or("PAGES", 20_000);
    let concurrency = env_or("CONCURRENCY", 32) as usize;
    let fx = fixture::Fixture::start(pages);
    let path = std::path::Path::new("bench-crawl.toml");
    let profile = RawProfile::parse(
        path,
        &fixture::tree_profile_toml(fx.addr, pages, concurrency),
    )
    .unwrap()
    .validate(path)
    .unwrap();
    let state = std::env::temp_dir().join(format!("doxwatch-bench-crawl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut crawler = Crawler::new(profile, Some(state.clone())).unwrap();
    let sink = MemorySink {
        count_only: true,
        ..MemorySink::default()
    };
    let rss_before = vm_hwm_kib();
    let t0 = Instant::now();
    let report = rt
        .block_on(async {
            let (_tx, rx) = tokio::sync::watch::channel(false);
            crawler.run_pass(&mut sink.clone(), rx).await
        })
        .unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let state_bytes = std::fs::metadata(state.join("state.json")).map_or(0, |m| m.len());
    println!(
        "crawl: {} pages, {} posts in {secs:.2} s = {:.0} pages/s ({concurrency} in flight, politeness off); \
         peak RSS {:.1} MiB (before the crawl {:.1} MiB); state file {:.1} MB",
        report.pages_fetched,
        sink.count.load(Ordering::Relaxed),
        report.pages_fetched as f64 / secs,
        vm_hwm_kib() as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        state_bytes as f64 / 1e6,
    );
    assert!(report.finished && report.skipped.is_empty(), "{report:?}");
    assert_eq!(report.pages_fetched, pages);
    assert_eq!(report.posts_emitted, 2 * pages);
    assert_eq!(sink.count.load(Ordering::Relaxed), 2 * pages);
    let _ = std::fs::remove_dir_all(&state);
}
