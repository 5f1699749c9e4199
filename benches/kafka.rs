//! Kafka-mode throughput against a real broker on this machine (tansu via
//! `scripts/kafka-broker`): preload a posts topic, measure the bare consume rate of the topic,
//! then the matcher end to end (consume → match → alerts acknowledged → offsets committed).
//! Prints posts/s for both; asserts the alert count.
//!
//! `cargo bench --bench kafka` (env `COPIES`, default 10: 80,000 posts). `SOURCE_PROPERTIES` and
//! `SINK_PROPERTIES` (a TOML inline table, `{ "fetch.wait.max.ms" = "100" }`) give the matcher's
//! source and sink librdkafka properties, as a config's `properties` tables do.

#[path = "../tests/common/mod.rs"]
mod common;

use doxwatch_pipeline::config::RawConfig;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The allocator `doxwatch` runs with (src/main.rs).
#[path = "../src/mi_alloc.rs"]
mod mi_alloc;

#[global_allocator]
static ALLOC: mi_alloc::MiAlloc = mi_alloc::MiAlloc;

const ALERTS_PER_COPY: u64 = 2_400;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dev = std::fs::read_to_string(root.join("../shared/eval/dev.jsonl")).expect("dev corpus");
    let copies: u64 = std::env::var("COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let broker = common::broker();
    let brokers = broker.addr.clone();
    let dir = std::env::temp_dir().join(format!("doxwatch-bench-kafka-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("posts.jsonl");
    let mut all = String::new();
    for _ in 0..copies {
        all.push_str(&dev);
    }
    std::fs::write(&file, &all).unwrap();
    let posts = all.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let t0 = Instant::now();
    rt.block_on(async {
        doxwatch_kafka::ensure_topics(
            &doxwatch_kafka::Cluster::plain(&brokers),
            &[
                "doxwatch.posts.v1",
                "doxwatch.posts.dlq.v1",
                "doxwatch.alerts.v1",
            ],
            2,
        )
        .await
        .unwrap();
        doxwatch_kafka::produce_file(
            &doxwatch_kafka::Cluster::plain(&brokers),
            "doxwatch.posts.v1",
            &file,
        )
        .await
        .unwrap();
    });
    println!(
        "preload: {posts} posts in {:.2} s",
        t0.elapsed().as_secs_f64()
    );

    // Bare consume rate of the same topic (its own group), first record to last.
    let consumed = rt.block_on(async {
        let c: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", "bench-bare")
            .set("auto.offset.reset", "earliest")
            .set("enable.auto.commit", "false")
            .set("session.timeout.ms", "10000")
            .create()
            .unwrap();
        c.subscribe(&["doxwatch.posts.v1"]).unwrap();
        let mut n = 0u64;
        let mut start = None;
        while n < posts {
            match tokio::time::timeout(Duration::from_secs(30), c.recv()).await {
                Ok(Ok(_)) => {
                    start.get_or_insert_with(Instant::now);
                    n += 1;
                }
                _ => break,
            }
        }
        (n, start.map_or(0.0, |s| s.elapsed().as_secs_f64()))
    });
    let bare = consumed.0 as f64 / consumed.1.max(1e-9);
    println!(
        "bare consume: {} posts in {:.2} s = {bare:.0} posts/s",
        consumed.0, consumed.1
    );

    // The matcher, as `doxwatch run pipelines/kafka.toml --role matcher` runs it.
    let properties = |var: &str| {
        std::env::var(var).map_or(String::new(), |t| {
            println!("{var} = {t}");
            format!("properties = {t}\n")
        })
    };
    let metrics_addr = format!("127.0.0.1:{}", common::free_port());
    // Through the same parse → validate path as `doxwatch run pipelines/kafka.toml`.
    let toml = format!(
        "version = 1\n[matcher]\nbatch_records = 2048\nhash_key_env = \"DOXWATCH_BENCH_HASH_KEY\"\n\
         [metrics]\nlisten = \"{metrics_addr}\"\n\
         [[sources]]\ntype = \"kafka\"\nbrokers = \"{brokers}\"\ngroup = \"bench-matchers\"\n{}\
         [[sinks]]\ntype = \"kafka\"\nbrokers = \"{brokers}\"\n{}",
        properties("SOURCE_PROPERTIES"),
        properties("SINK_PROPERTIES"),
    );
    let path = std::path::Path::new("bench-kafka.toml");
    let cfg = RawConfig::parse(path, &toml)
        .unwrap()
        .validate(path)
        .unwrap();
    let workers = cfg.workers;
    let scanner = Arc::new(doxwatch_detect::Scanner::new().unwrap());
    let plugins = doxwatch_kafka::KafkaPlugins {
        batch_records: 2048,
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Stop once every post is matched and its batch acknowledged: watch /metrics like an
    // operator would.
    let metrics_addr = metrics_addr.clone();
    let t0 = Instant::now();
    // The clock starts at the first acknowledged batch: a consumer-group join takes seconds on
    // this broker and is not throughput.
    let watcher = std::thread::spawn(move || {
        let mut first: Option<(Instant, u64)> = None;
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let n = common::metric(&metrics_addr, "doxwatch_posts_total").unwrap_or(0);
            if n > 0 && first.is_none() {
                first = Some((Instant::now(), n));
            }
            if n >= posts {
                let _ = stop_tx.send(true);
                let (t1, n1) = first.unwrap_or((t0, 0));
                return (
                    t0.elapsed().as_secs_f64(),
                    t1.elapsed().as_secs_f64(),
                    posts - n1,
                );
            }
            if t0.elapsed() > Duration::from_secs(900) {
                let _ = stop_tx.send(true);
                return (f64::NAN, f64::NAN, 0);
            }
        }
    });
    let stats = rt
        .block_on(doxwatch_pipeline::runtime::run_with(
            cfg, scanner, stop_rx, &plugins,
        ))
        .unwrap();
    let (total, secs, measured) = watcher.join().unwrap();
    let rate = measured as f64 / secs;
    println!(
        "kafka matcher: {posts} posts, {total:.2} s with the group join; steady state {measured} posts in {secs:.2} s = {rate:.0} posts/s ({:.0} % of the bare consume rate), {} alerts, {workers} worker(s)",
        100.0 * rate / bare,
        stats.alerts
    );
    assert_eq!(stats.posts, posts);
    assert_eq!(
        stats.alerts,
        ALERTS_PER_COPY * copies,
        "alert count changed"
    );
    drop(broker);
    let _ = std::fs::remove_dir_all(&dir);
}
