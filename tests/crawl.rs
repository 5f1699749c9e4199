//! The crawler end to end, as real processes: `doxwatch crawl PROFILE --inbox DIR --once`
//! against the fixture forum and paste site on 127.0.0.1, then `doxwatch run --once` on that
//! inbox: the planted 开盒 posts and the data-sale ad come out as alerts, the benign posts do
//! not. All data is synthetic (crates/crawl/tests/fixture).

mod common;
#[path = "../crates/crawl/tests/fixture/mod.rs"]
mod fixture;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_doxwatch");

fn setup(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("doxwatch-crawl-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    dir
}

fn doxwatch(args: &[&str]) -> std::process::Output {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "doxwatch {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Posts in the inbox's crawl files (pending or done), text → id.
fn inbox_posts(inbox: &Path) -> BTreeMap<String, String> {
    let mut posts = BTreeMap::new();
    for d in [inbox.to_path_buf(), inbox.join("done")] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".tmp"), "a temporary file was left: {name}");
            if !name.starts_with("crawl-fixture-") {
                continue;
            }
            for line in std::fs::read_to_string(e.path()).unwrap().lines() {
                let v: Value = serde_json::from_str(line).unwrap();
                let text = v["text"].as_str().unwrap().to_string();
                let id = v["id"].as_str().unwrap().to_string();
                assert!(posts.insert(text, id).is_none(), "a post was emitted twice");
            }
        }
    }
    posts
}

#[test]
fn planted_posts_are_crawled_into_the_inbox_and_raise_alerts() {
    let fx = fixture::Fixture::start(0);
    let dir = setup("e2e");
    let inbox = dir.join("inbox");
    std::fs::write(
        dir.join("site.toml"),
        fixture::profile_toml(fx.addr, "fixture"),
    )
    .unwrap();
    std::fs::write(
        dir.join("p.toml"),
        format!(
            "version = 1\n[[sources]]\ntype = \"inbox\"\ndir = \"{}\"\nfollow = false\n[[sinks]]\ntype = \"alerts_file\"\npath = \"{}\"\n",
            inbox.display(),
            dir.join("alerts.jsonl").display()
        ),
    )
    .unwrap();
    let site = dir.join("site.toml");
    let state = dir.join("state");
    let crawl = [
        "crawl",
        site.to_str().unwrap(),
        "--inbox",
        inbox.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--once",
    ];
    let out = doxwatch(&crawl);
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(fx.requests(), fixture::expected_requests());
    let posts = inbox_posts(&inbox);
    let planted = fixture::planted();
    assert_eq!(posts.len(), planted.len());
    // Logs carry URLs and counts, never post text.
    for p in &planted {
        assert!(!log.contains(p.text.as_str()), "post text in the log");
    }
    doxwatch(&["run", dir.join("p.toml").to_str().unwrap(), "--once"]);
    let alerted: BTreeSet<String> = std::fs::read_to_string(dir.join("alerts.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["post_id"].as_str().unwrap().to_string()
        })
        .collect();
    let want: BTreeSet<String> = planted
        .iter()
        .filter(|p| p.alert)
        .map(|p| posts[&p.text].clone())
        .collect();
    assert_eq!(want.len(), 3);
    assert_eq!(alerted, want, "alerts for exactly the planted 开盒 posts");
    // A second run re-visits conditionally: nothing new reaches the inbox.
    fx.reset_counts();
    doxwatch(&crawl);
    assert_eq!(inbox_posts(&inbox).len(), planted.len());
    assert!(
        std::fs::read_dir(&inbox)
            .unwrap()
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().ends_with(".jsonl")),
        "the second pass wrote a new inbox file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shipped_site_profiles_are_valid_and_bad_ones_name_the_field() {
    let sites = Path::new(env!("CARGO_MANIFEST_DIR")).join("pipelines/sites");
    let mut n = 0;
    for e in std::fs::read_dir(&sites).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "toml") {
            doxwatch(&["crawl", "--check", e.path().to_str().unwrap()]);
            n += 1;
        }
    }
    assert!(n >= 1);
    let dir = setup("badprofile");
    let bad = dir.join("bad.toml");
    let text = std::fs::read_to_string(sites.join("example-forum.toml"))
        .unwrap()
        .replace("selector = \"div.post\"", "selector = \"div[\"");
    std::fs::write(&bad, text).unwrap();
    let out = Command::new(BIN)
        .args(["crawl", "--check", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("posts.selector"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--kafka`: the posts land in the posts topic of a real broker (tansu, see tests/kafka.rs).
#[test]
fn crawled_posts_reach_the_kafka_posts_topic() {
    let b = common::broker();
    let fx = fixture::Fixture::start(0);
    let dir = setup("kafka");
    std::fs::write(
        dir.join("site.toml"),
        fixture::profile_toml(fx.addr, "fixture"),
    )
    .unwrap();
    // Creates the topic (the crawler produces into an existing one).
    std::fs::write(dir.join("empty.jsonl"), "").unwrap();
    let topic = "crawl.posts.test";
    let (empty, site, state) = (
        dir.join("empty.jsonl"),
        dir.join("site.toml"),
        dir.join("state"),
    );
    doxwatch(&[
        "produce",
        empty.to_str().unwrap(),
        "--brokers",
        &b.addr,
        "--topic",
        topic,
        "--create-partitions",
        "1",
    ]);
    doxwatch(&[
        "crawl",
        site.to_str().unwrap(),
        "--kafka",
        &b.addr,
        "--kafka-property",
        "client.id=doxwatch-test-crawl",
        "--topic",
        topic,
        "--state",
        state.to_str().unwrap(),
        "--once",
    ]);
    let out = doxwatch(&["consume", topic, "--brokers", &b.addr, "--idle-secs", "3"]);
    let posts: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(posts.len(), fixture::planted().len());
    assert!(posts
        .iter()
        .all(|p| p["capture"]["source"] == "crawl:fixture" && p["capture"]["http_status"] == 200));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without `--once` the crawler waits for the next re-visit; SIGTERM stops it cleanly with the
/// state saved.
#[test]
fn sigterm_stops_the_revisit_loop_with_state_saved() {
    let fx = fixture::Fixture::start(0);
    let dir = setup("sigterm");
    let (site, state, inbox) = (dir.join("site.toml"), dir.join("state"), dir.join("inbox"));
    std::fs::write(&site, fixture::profile_toml(fx.addr, "fixture")).unwrap();
    let mut child = Command::new(BIN)
        .args([
            "crawl",
            site.to_str().unwrap(),
            "--inbox",
            inbox.to_str().unwrap(),
        ])
        .args(["--state", state.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    // The first pass is over when the state says so; the next one is an hour away.
    while !std::fs::read_to_string(state.join("state.json"))
        .is_ok_and(|s| s.contains("\"passes\":1"))
    {
        assert!(t0.elapsed().as_secs() < 60, "the first pass did not finish");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(inbox_posts(&inbox).len(), fixture::planted().len());
    let _ = std::fs::remove_dir_all(&dir);
}
