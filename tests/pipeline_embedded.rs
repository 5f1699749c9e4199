//! The embedded pipeline end to end, as real processes: `doxwatch run` on an inbox directory,
//! alerts into a file; a `kill -9` in the middle and a restart lose no alert. All data here is
//! synthetic: made-up names, `1380013xxxx`-style phones, IDs with computed check characters.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{free_port, http, posts};

const BIN: &str = env!("CARGO_BIN_EXE_doxwatch");

fn setup(name: &str, batch_records: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("doxwatch-pipeline-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    std::fs::write(
        dir.join("p.toml"),
        format!(
            "version = 1\n[matcher]\nbatch_records = {batch_records}\n[[sources]]\ntype = \"inbox\"\ndir = \"{}\"\nfollow = false\n[[sinks]]\ntype = \"alerts_file\"\npath = \"{}\"\n",
            dir.join("inbox").display(),
            dir.join("alerts.jsonl").display()
        ),
    )
    .unwrap();
    dir
}

fn alerts(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("alerts.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("alert is JSON"))
        .collect()
}

fn run_once(dir: &Path) {
    let out = Command::new(BIN)
        .args(["run", dir.join("p.toml").to_str().unwrap(), "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_expected_alert_once_and_benign_posts_none() {
    let dir = setup("once", 50);
    let (jsonl, positive) = posts("test", 600);
    std::fs::write(dir.join("inbox/a.jsonl"), &jsonl).unwrap();
    // A malformed line in the middle is rejected and counted, the rest goes on.
    std::fs::write(dir.join("inbox/b.jsonl"), "{broken\n").unwrap();
    run_once(&dir);
    let got: Vec<String> = alerts(&dir)
        .iter()
        .map(|a| a["post_id"].as_str().unwrap().to_string())
        .collect();
    let unique: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), unique.len(), "duplicate alerts in a clean run");
    assert_eq!(unique, positive);
    assert!(dir.join("inbox/done/a.jsonl").exists() && dir.join("inbox/done/b.jsonl").exists());
    let text = std::fs::read_to_string(dir.join("alerts.jsonl")).unwrap();
    assert!(
        !text.contains("138 0013") && !text.contains("1101051980"),
        "plaintext in alerts"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kill_nine_mid_stream_then_restart_loses_nothing() {
    let dir = setup("kill", 20);
    let (jsonl, positive) = posts("test", 6000);
    std::fs::write(dir.join("inbox/big.jsonl"), &jsonl).unwrap();
    let mut child = Command::new(BIN)
        .args(["run", dir.join("p.toml").to_str().unwrap(), "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill as soon as some progress is checkpointed, well before the end.
    let checkpoint = dir.join("inbox/.doxwatch/big.jsonl.offset");
    let t0 = Instant::now();
    while !checkpoint.exists() && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        checkpoint.exists(),
        "no checkpoint was written before the kill"
    );
    assert!(
        !dir.join("inbox/done/big.jsonl").exists(),
        "the run finished before it could be killed; make the input larger"
    );
    // A torn last line from the kill is repaired by the restart, not read here.
    let before = std::fs::read_to_string(dir.join("alerts.jsonl"))
        .unwrap_or_default()
        .matches('\n')
        .count();
    assert!(
        before < positive.len(),
        "the kill came too late to test anything"
    );
    run_once(&dir);
    let all = alerts(&dir);
    let mut by_post: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in &all {
        by_post
            .entry(a["post_id"].as_str().unwrap().to_string())
            .or_default()
            .insert(a["alert_id"].as_str().unwrap().to_string());
    }
    let seen: BTreeSet<String> = by_post.keys().cloned().collect();
    assert_eq!(seen, positive, "missing or unexpected alerts after restart");
    // Duplicates only as exact replays: one alert_id per post.
    assert!(by_post.values().all(|ids| ids.len() == 1));
    assert!(dir.join("inbox/done/big.jsonl").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The offset that completes a file is not written: moving the file to `done/` records it. A
/// crash after the last alerts sync and before that move leaves the file in the inbox with the
/// checkpoint written before; the restart replays the records after it (the same alert ids)
/// and loses nothing. Here that state is made from a finished run: the file put back, the
/// checkpoint at a record boundary near its end.
#[test]
fn crash_before_the_move_to_done_replays_from_the_last_checkpoint() {
    let dir = setup("lastcp", 20);
    let (jsonl, positive) = posts("test", 600);
    std::fs::write(dir.join("inbox/f.jsonl"), &jsonl).unwrap();
    run_once(&dir);
    let checkpoint = dir.join("inbox/.doxwatch/f.jsonl.offset");
    assert!(dir.join("inbox/done/f.jsonl").exists() && !checkpoint.exists());
    let first = alerts(&dir);
    let ids = |all: &[Value]| -> BTreeMap<String, BTreeSet<String>> {
        let mut by_post: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for a in all {
            by_post
                .entry(a["post_id"].as_str().unwrap().to_string())
                .or_default()
                .insert(a["alert_id"].as_str().unwrap().to_string());
        }
        by_post
    };
    assert_eq!(
        ids(&first).keys().cloned().collect::<BTreeSet<_>>(),
        positive
    );
    assert_eq!(first.len(), positive.len());

    // The state after such a crash: the last 50 records past the checkpoint on disk.
    std::fs::rename(dir.join("inbox/done/f.jsonl"), dir.join("inbox/f.jsonl")).unwrap();
    let lines: Vec<&str> = jsonl.lines().collect();
    let kept = lines.len() - 50;
    let offset: usize = lines[..kept].iter().map(|l| l.len() + 1).sum();
    std::fs::write(&checkpoint, offset.to_string()).unwrap();
    let tail: BTreeSet<String> = lines[kept..]
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .filter(|id| positive.contains(id))
        .collect();
    assert!(!tail.is_empty(), "the replayed records hold no leak");

    run_once(&dir);
    let all = alerts(&dir);
    let by_post = ids(&all);
    assert_eq!(by_post.keys().cloned().collect::<BTreeSet<_>>(), positive);
    // Replays only: the same alert id, and only for the records after the checkpoint.
    assert!(by_post.values().all(|ids| ids.len() == 1));
    assert_eq!(all.len(), first.len() + tail.len());
    assert!(dir.join("inbox/done/f.jsonl").exists() && !checkpoint.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_config_accepts_shipped_and_rejects_bad() {
    let ok = Command::new(BIN)
        .args([
            "check-config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/pipelines/local.toml"),
        ])
        .output()
        .unwrap();
    assert!(ok.status.success());
    let dir = setup("badcfg", 10);
    std::fs::write(dir.join("bad.toml"), "version = 1\nsurprise = true\n").unwrap();
    let bad = Command::new(BIN)
        .args(["check-config", dir.join("bad.toml").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("surprise"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn http_intake_metrics_and_graceful_stop() {
    let dir = setup("http", 100);
    let (intake, metrics) = (free_port(), free_port());
    std::fs::write(
        dir.join("h.toml"),
        format!(
            "version = 1\n[metrics]\nlisten = \"127.0.0.1:{metrics}\"\n[[sources]]\ntype = \"http\"\nlisten = \"127.0.0.1:{intake}\"\n[[sinks]]\ntype = \"alerts_file\"\npath = \"{}\"\n",
            dir.join("alerts.jsonl").display()
        ),
    )
    .unwrap();
    let token = "test-token-0123456789";
    let mut child = Command::new(BIN)
        .args(["run", dir.join("h.toml").to_str().unwrap()])
        .env("DOXWATCH_INTAKE_TOKEN", token)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{intake}");
    let t0 = Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() && t0.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let (jsonl, positive) = posts("test", 30);
    let body = format!("{jsonl}{{broken\n{{\"id\":\"no-text\"}}\n");
    assert_eq!(http(&addr, "POST", "/v1/posts", None, &body).0, 401);
    assert_eq!(
        http(
            &addr,
            "POST",
            "/v1/posts",
            Some("wrong-token-0000000"),
            &body
        )
        .0,
        401
    );
    let (status, resp) = http(&addr, "POST", "/v1/posts", Some(token), &body);
    assert_eq!(status, 200, "{resp}");
    let r: Value = serde_json::from_str(&resp).unwrap();
    assert_eq!(r["accepted"], 30);
    assert_eq!(r["rejected"], 2);
    assert_eq!(r["errors"][0]["line"], 31);
    assert_eq!(r["errors"][1]["line"], 32);
    // A 200 means the alerts are already written.
    let ids: BTreeSet<String> = alerts(&dir)
        .iter()
        .map(|a| a["post_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, positive);
    let (status, m) = http(&format!("127.0.0.1:{metrics}"), "GET", "/metrics", None, "");
    assert_eq!(status, 200);
    assert!(m.contains("doxwatch_posts_total 30"), "{m}");
    assert!(m.contains(&format!(
        "doxwatch_alerts_total{{verdict=\"doxxing\"}} {}",
        positive.len()
    )));
    assert!(m.contains("doxwatch_findings_total{kind=\"id_card\"}"));
    // SIGTERM: drain and exit cleanly.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A loopback HTTP receiver: answers 503 to the first `fail` requests, 200 after; returns the
/// bodies it accepted.
fn receiver(fail: usize) -> (String, std::sync::mpsc::Receiver<(usize, String)>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for (n, conn) in l.incoming().enumerate() {
            let Ok(mut conn) = conn else { break };
            let mut r = BufReader::new(conn.try_clone().unwrap());
            let mut len = 0usize;
            let mut auth = String::new();
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("authorization:") {
                    auth = line.trim().to_string();
                }
            }
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            let status = if n < fail {
                "503 Service Unavailable"
            } else {
                "200 OK"
            };
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            if n >= fail {
                let _ = tx.send((n, format!("{auth}\n{}", String::from_utf8_lossy(&body))));
            }
        }
    });
    (url, rx)
}

#[test]
fn webhook_sink_retries_with_backoff_until_delivered() {
    let dir = setup("webhook", 1000);
    let (url, bodies) = receiver(2);
    std::fs::write(
        dir.join("w.toml"),
        format!(
            "version = 1\n[[sources]]\ntype = \"inbox\"\ndir = \"{}\"\nfollow = false\n[[sinks]]\ntype = \"webhook\"\nurl = \"{url}\"\ntoken_env = \"HOOK_TOKEN\"\n",
            dir.join("inbox").display()
        ),
    )
    .unwrap();
    let (jsonl, positive) = posts("test", 60);
    std::fs::write(dir.join("inbox/a.jsonl"), &jsonl).unwrap();
    let out = Command::new(BIN)
        .args(["run", dir.join("w.toml").to_str().unwrap(), "--once"])
        .env("HOOK_TOKEN", "hook-secret")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (n, body) = bodies
        .recv_timeout(Duration::from_secs(5))
        .expect("delivered");
    assert_eq!(n, 2, "two 503 answers, then delivery on the third attempt");
    let (auth, json) = body.split_once('\n').unwrap();
    assert_eq!(
        auth.to_ascii_lowercase(),
        "authorization: bearer hook-secret"
    );
    let alerts: Vec<Value> = serde_json::from_str(json).unwrap();
    let ids: BTreeSet<String> = alerts
        .iter()
        .map(|a| a["post_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, positive);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn webhook_down_stops_the_pipeline_without_committing() {
    let dir = setup("webhookdown", 1000);
    // Nothing listens on this port.
    let url = format!("http://127.0.0.1:{}/hook", free_port());
    std::fs::write(
        dir.join("w.toml"),
        format!(
            "version = 1\n[[sources]]\ntype = \"inbox\"\ndir = \"{}\"\nfollow = false\n[[sinks]]\ntype = \"webhook\"\nurl = \"{url}\"\n",
            dir.join("inbox").display()
        ),
    )
    .unwrap();
    let (jsonl, _) = posts("test", 30);
    std::fs::write(dir.join("inbox/a.jsonl"), &jsonl).unwrap();
    let out = Command::new(BIN)
        .args(["run", dir.join("w.toml").to_str().unwrap(), "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("webhook failed"));
    // The file is neither done nor checkpointed past its alerts.
    assert!(dir.join("inbox/a.jsonl").exists());
    assert!(!dir.join("inbox/.doxwatch/a.jsonl.offset").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
