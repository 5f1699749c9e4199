//! Kafka mode against a real broker (tansu, from `scripts/kafka-broker`), as real processes:
//! `doxwatch produce`, `doxwatch run --role matcher`, `doxwatch consume`. Each test starts its
//! own broker on a free loopback port. These tests FAIL (not skip) when the broker is missing:
//! `.ci/run` installs it with `scripts/kafka-broker install`.
//!
//! All posts are synthetic (made-up names, computed ID check characters).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{broker, free_port, http, metric, posts, Broker};

const BIN: &str = env!("CARGO_BIN_EXE_doxwatch");

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("doxwatch-kafka-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn produce(b: &Broker, dir: &Path, jsonl: &str) {
    let f = dir.join(format!("posts-{}.jsonl", free_port()));
    std::fs::write(&f, jsonl).unwrap();
    produce_to(b, &f, "doxwatch.posts.v1");
}

/// `doxwatch produce FILE` into `topic` (created with 2 partitions if missing).
fn produce_to(b: &Broker, file: &Path, topic: &str) {
    let out = Command::new(BIN)
        .args([
            "produce",
            file.to_str().unwrap(),
            "--brokers",
            &b.addr,
            "--topic",
            topic,
            "--create-partitions",
            "2",
            // Client properties from the command line, one read from the environment.
            "--property",
            "client.id=env:DOXWATCH_TEST_PRODUCE_ID",
            "--property",
            "message.timeout.ms=60000",
        ])
        .env("DOXWATCH_TEST_PRODUCE_ID", "doxwatch-test-produce")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes a matcher config and starts a matcher process; returns it with its metrics address.
fn matcher(b: &Broker, dir: &Path, name: &str, batch: usize) -> (Child, String) {
    let metrics = format!("127.0.0.1:{}", free_port());
    let cfg = dir.join(format!("{name}.toml"));
    std::fs::write(
        &cfg,
        format!(
            "version = 1\n[matcher]\nbatch_records = {batch}\n[metrics]\nlisten = \"{metrics}\"\n[[sources]]\ntype = \"kafka\"\nbrokers = \"{0}\"\ncreate_partitions = 2\nproperties = {{ \"client.id\" = \"env:DOXWATCH_TEST_CLIENT_ID\", \"fetch.wait.max.ms\" = \"100\" }}\n[[sinks]]\ntype = \"kafka\"\nbrokers = \"{0}\"\nproperties = {{ \"client.id\" = \"doxwatch-test-alerts\" }}\n",
            b.addr
        ),
    )
    .unwrap();
    let child = Command::new(BIN)
        .args(["run", cfg.to_str().unwrap(), "--role", "matcher"])
        // Client properties from the config, one read from the environment.
        .env("DOXWATCH_TEST_CLIENT_ID", format!("doxwatch-test-{name}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (child, metrics)
}

fn wait_for(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !ok() {
        assert!(
            t0.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn consume(b: &Broker, topic: &str) -> Vec<Value> {
    let out = Command::new(BIN)
        .args([
            "consume",
            topic,
            "--brokers",
            &b.addr,
            "--idle-secs",
            "3",
            "--property",
            "client.id=doxwatch-test-consume",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The keys of the first `n` records of `topic`, by a consumer of its own (`doxwatch consume`
/// prints payloads only), read from the start.
fn keys(b: &Broker, topic: &str, n: usize) -> Vec<String> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::Message;
    let c: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &b.addr)
        .set("group.id", "test-keys")
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    c.subscribe(&[topic]).unwrap();
    let mut keys = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while keys.len() < n && Instant::now() < deadline {
        if let Some(m) = c.poll(Duration::from_millis(200)) {
            let m = m.unwrap();
            keys.push(String::from_utf8(m.key().unwrap_or_default().to_vec()).unwrap());
        }
    }
    keys
}

fn stop(mut c: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &c.id().to_string()])
        .status();
    let t0 = Instant::now();
    while c.try_wait().unwrap().is_none() {
        if t0.elapsed() > Duration::from_secs(30) {
            let _ = c.kill();
            panic!("matcher did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// post_id → alert ids seen.
fn by_post(alerts: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in alerts {
        m.entry(a["post_id"].as_str().unwrap().to_string())
            .or_default()
            .insert(a["alert_id"].as_str().unwrap().to_string());
    }
    m
}

#[test]
fn matcher_alerts_every_positive_once_and_dead_letters_bad_records() {
    let b = broker();
    let dir = tmp("once");
    let (jsonl, positive) = posts("once", 300);
    let bad = "{broken json\n{\"id\":\"no-text\"}\n";
    produce(&b, &dir, &format!("{jsonl}{bad}"));
    let (m, metrics) = matcher(&b, &dir, "m", 50);
    wait_for("all records matched", 90, || {
        metric(&metrics, "doxwatch_records_in_total").is_some_and(|n| n >= 302)
            && metric(&metrics, "doxwatch_batches_acked_total").is_some()
    });
    assert_eq!(metric(&metrics, "doxwatch_posts_total"), Some(300));
    assert!(metric(&metrics, "doxwatch_consumer_lag").is_some());
    stop(m);
    let alerts = consume(&b, "doxwatch.alerts.v1");
    let seen = by_post(&alerts);
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), positive);
    assert_eq!(
        alerts.len(),
        positive.len(),
        "an alert was produced twice in a clean run"
    );
    // Keyed by post id (the matcher gives the sink the post ids beside the lines).
    let mut keyed = keys(&b, "doxwatch.alerts.v1", alerts.len());
    keyed.sort();
    let mut want: Vec<String> = alerts
        .iter()
        .map(|a| a["post_id"].as_str().unwrap().to_string())
        .collect();
    want.sort();
    assert_eq!(keyed, want);
    let dlq = consume(&b, "doxwatch.posts.dlq.v1");
    let reasons: BTreeSet<String> = dlq
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(dlq.len(), 2);
    assert_eq!(
        reasons,
        ["bad_json", "missing_field"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kill_nine_matcher_and_restart_loses_no_alert() {
    let b = broker();
    let dir = tmp("kill");
    let (jsonl, positive) = posts("kill", 3000);
    produce(&b, &dir, &jsonl);
    let (mut m, metrics) = matcher(&b, &dir, "m1", 20);
    wait_for("some progress", 90, || {
        metric(&metrics, "doxwatch_batches_acked_total").is_some_and(|n| n >= 3)
    });
    m.kill().unwrap(); // SIGKILL mid-stream
    m.wait().unwrap();
    let (m2, metrics2) = matcher(&b, &dir, "m2", 200);
    let mut alerts = Vec::new();
    wait_for("every expected alert after the restart", 120, || {
        if metric(&metrics2, "doxwatch_posts_total").unwrap_or(0) == 0 {
            return false;
        }
        alerts = consume(&b, "doxwatch.alerts.v1");
        by_post(&alerts).keys().cloned().collect::<BTreeSet<_>>() == positive
    });
    stop(m2);
    // Duplicates only as exact replays.
    assert!(by_post(&alerts).values().all(|ids| ids.len() == 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_matchers_in_one_group_split_the_work() {
    let b = broker();
    let dir = tmp("group");
    let (jsonl, positive) = posts("group", 2000);
    produce(&b, &dir, &jsonl);
    let (m1, metrics1) = matcher(&b, &dir, "a", 50);
    let (m2, metrics2) = matcher(&b, &dir, "b", 50);
    let mut alerts = Vec::new();
    wait_for("every expected alert from the group", 120, || {
        let done = metric(&metrics1, "doxwatch_posts_total").unwrap_or(0)
            + metric(&metrics2, "doxwatch_posts_total").unwrap_or(0);
        if done < 2000 {
            return false;
        }
        alerts = consume(&b, "doxwatch.alerts.v1");
        by_post(&alerts).keys().cloned().collect::<BTreeSet<_>>() == positive
    });
    let (p1, p2) = (
        metric(&metrics1, "doxwatch_posts_total").unwrap_or(0),
        metric(&metrics2, "doxwatch_posts_total").unwrap_or(0),
    );
    stop(m1);
    stop(m2);
    assert!(
        p1 > 0 && p2 > 0,
        "one matcher did all the work ({p1} / {p2})"
    );
    assert!(by_post(&alerts).values().all(|ids| ids.len() == 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn intake_role_writes_accepted_posts_to_the_posts_topic() {
    let b = broker();
    let dir = tmp("intake");
    let listen = format!("127.0.0.1:{}", free_port());
    let cfg = dir.join("intake.toml");
    std::fs::write(
        &cfg,
        format!(
            "version = 1\n[[sources]]\ntype = \"http\"\nlisten = \"{listen}\"\n[[sinks]]\ntype = \"kafka\"\nbrokers = \"{}\"\ntopic = \"doxwatch.posts.v1\"\n",
            b.addr
        ),
    )
    .unwrap();
    let token = "intake-token-0123456789";
    let child = Command::new(BIN)
        .args(["run", cfg.to_str().unwrap(), "--role", "intake"])
        .env("DOXWATCH_INTAKE_TOKEN", token)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the intake to listen", 30, || {
        std::net::TcpStream::connect(&listen).is_ok()
    });
    let (jsonl, _) = posts("intake", 40);
    let (status, resp) = http(
        &listen,
        "POST",
        "/v1/posts",
        Some(token),
        &format!("{jsonl}not json\n"),
    );
    assert_eq!(status, 200, "{resp}");
    let r: Value = serde_json::from_str(&resp).unwrap();
    assert_eq!(
        (r["accepted"].as_u64(), r["rejected"].as_u64()),
        (Some(40), Some(1))
    );
    stop(child);
    let got: BTreeSet<String> = consume(&b, "doxwatch.posts.v1")
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let want: BTreeSet<String> = (0..40).map(|i| format!("intake:{i}")).collect();
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Alerts in the store, as `doxwatch search` counts them.
fn store_count(cfg: &Path) -> usize {
    let out = Command::new(BIN)
        .args([
            "search",
            "--config",
            cfg.to_str().unwrap(),
            "--per-page",
            "1",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn indexer_killed_mid_stream_indexes_every_alert_exactly_once() {
    let b = broker();
    let dir = tmp("indexer");
    // Real alerts from the embedded pipeline, with their sealed evidence.
    let (jsonl, positive) = posts("ix", 1500);
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    std::fs::write(dir.join("inbox/p.jsonl"), &jsonl).unwrap();
    let keys = format!(
        "[keys]\nhash_key_file = \"{0}/hash.key\"\nvault_key_file = \"{0}/vault.key\"\ngenerate_missing = true\n",
        dir.display()
    );
    let emb = dir.join("embedded.toml");
    std::fs::write(
        &emb,
        format!(
            "version = 1\n{keys}[[sources]]\ntype = \"inbox\"\ndir = \"{}\"\nfollow = false\n[[sinks]]\ntype = \"alerts_file\"\npath = \"{}\"\n",
            dir.join("inbox").display(),
            dir.join("alerts.jsonl").display()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["run", emb.to_str().unwrap(), "--once"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Produced twice: an at-least-once upstream replays, the store keeps one of each.
    for _ in 0..2 {
        produce_to(&b, &dir.join("alerts.jsonl"), "doxwatch.alerts.v1");
    }
    let cfg = dir.join("indexer.toml");
    std::fs::write(
        &cfg,
        format!(
            "version = 1\n[matcher]\nbatch_records = 25\n{keys}[[sources]]\ntype = \"kafka\"\nbrokers = \"{}\"\ntopic = \"doxwatch.alerts.v1\"\n[[sinks]]\ntype = \"store\"\ndir = \"{}\"\n",
            b.addr,
            dir.join("store").display()
        ),
    )
    .unwrap();
    let indexer = || {
        Command::new(BIN)
            .args(["run", cfg.to_str().unwrap(), "--role", "indexer"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut ix = indexer();
    wait_for("the first index commits", 90, || store_count(&cfg) > 0);
    ix.kill().unwrap(); // SIGKILL, most likely mid-stream
    ix.wait().unwrap();
    let seen_before = store_count(&cfg);
    let ix2 = indexer();
    wait_for("every alert in the store", 120, || {
        store_count(&cfg) >= positive.len()
    });
    // Let it drain the replayed copies too, then stop it cleanly.
    std::thread::sleep(Duration::from_secs(2));
    stop(ix2);
    let out = Command::new(BIN)
        .args([
            "search",
            "--config",
            cfg.to_str().unwrap(),
            "--per-page",
            "1000",
            "--json",
        ])
        .output()
        .unwrap();
    let hits: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let posts_seen: BTreeSet<String> = hits
        .iter()
        .map(|h| h["post_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        hits.len(),
        positive.len(),
        "exactly once (killed at {seen_before})"
    );
    assert_eq!(posts_seen, positive);
    // Search by identifier: the phone of post ix:3 (see common::posts) finds exactly it.
    let out = Command::new(BIN)
        .args([
            "search",
            "--config",
            cfg.to_str().unwrap(),
            "--json",
            "--phone",
            "138 0016 0003",
        ])
        .output()
        .unwrap();
    let found: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(found.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(found[0]["post_id"], "ix:3");
    let _ = std::fs::remove_dir_all(&dir);
}
