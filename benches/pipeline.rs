//! Embedded-mode throughput: dev-corpus posts through `doxwatch_pipeline::runtime::run`, inbox
//! source → matcher pool → alerts file, as `doxwatch run` does. Prints posts/s; asserts the
//! number of alerts so a faster-but-wrong pipeline cannot pass.
//!
//! `cargo bench --bench pipeline` (env `COPIES`, default 40: 320,000 posts).

use doxwatch_pipeline::config::RawConfig;
use std::sync::Arc;
use std::time::Instant;

/// The allocator `doxwatch` runs with (src/main.rs).
#[path = "../src/mi_alloc.rs"]
mod mi_alloc;

#[global_allocator]
static ALLOC: mi_alloc::MiAlloc = mi_alloc::MiAlloc;

/// Alerts per copy of dev.jsonl with the default `alert_on`; update when the matcher changes
/// on purpose (the bench prints the count it saw).
const ALERTS_PER_COPY: u64 = 2_400;

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
    // Through the same parse → validate path as `doxwatch run`.
    let toml = format!(
        "version = 1\n[matcher]\nbatch_records = 2048\nhash_key_env = \"DOXWATCH_BENCH_HASH_KEY\"\n\
         [[sources]]\ntype = \"inbox\"\ndir = \"{}\"\nfollow = false\n\
         [[sinks]]\ntype = \"alerts_file\"\npath = \"{}\"\n",
        dir.join("inbox").display(),
        dir.join("alerts.jsonl").display()
    );
    let path = std::path::Path::new("bench-pipeline.toml");
    let cfg = RawConfig::parse(path, &toml)
        .unwrap()
        .validate(path)
        .unwrap();
    let workers = cfg.workers;
    std::env::set_var("DOXWATCH_BENCH_HASH_KEY", "bench-key");
    let scanner = Arc::new(doxwatch_detect::Scanner::new().unwrap());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // The bench keeps a reference to the scanner until the clock stops: `run` would drop the
    // last one when its dispatcher ends (freeing the dictionaries, ~19 M instructions, as much
    // as building them is setup), inside the timed part.
    let keep = scanner.clone();
    let cpu0 = process_cpu_secs();
    let t0 = Instant::now();
    let stats = rt
        .block_on(async {
            let (_tx, rx) = tokio::sync::watch::channel(false);
            doxwatch_pipeline::runtime::run(cfg, scanner, rx).await
        })
        .unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let cpu = process_cpu_secs().zip(cpu0).map(|(b, a)| b - a);
    drop(keep);
    println!(
        "embedded pipeline: {posts} posts ({:.1} MB) in {secs:.2} s = {:.0} posts/s, {:.1} MB/s, {workers} worker(s); {} alerts",
        all.len() as f64 / 1e6,
        posts as f64 / secs,
        all.len() as f64 / 1e6 / secs,
        stats.alerts
    );
    if let Some(cpu) = cpu {
        // How busy the cores were while the clock ran (the process' user + system time over
        // the wall time): what the wall rate leaves on the table beside the CPU work itself.
        println!(
            "  CPU in the timed part: {cpu:.2} s over {secs:.2} s = {:.2} cores busy",
            cpu / secs
        );
    }
    assert_eq!(stats.posts, posts);
    assert_eq!(
        stats.alerts,
        ALERTS_PER_COPY * copies,
        "alert count changed: {} per copy",
        stats.alerts / copies.max(1)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The process' user + system CPU time so far, in seconds (`/proc/self/stat`, in clock ticks of
/// 1/100 s on Linux); `None` elsewhere.
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses and may hold spaces): utime
    // and stime are the 14th and 15th fields of the line, the 12th and 13th after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut f = rest.split(' ').skip(11);
    let utime: f64 = f.next()?.parse().ok()?;
    let stime: f64 = f.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}
