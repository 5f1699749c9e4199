//! Known-leak sets end to end, as real processes: `doxwatch key generate`, `doxwatch leakset
//! build` from a synthetic dump, then `doxwatch run --once` with the set in the pipeline config:
//! known identifiers carry the set's name, a list of mostly known-leaked identifiers becomes
//! `leak_repost`, a wrong or missing key stops the pipeline with a clear error.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::with_check;

const BIN: &str = env!("CARGO_BIN_EXE_doxwatch");

fn doxwatch(args: &[&str], env_key: Option<&str>) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).env_remove("DOXWATCH_HASH_KEY");
    if let Some(k) = env_key {
        c.env("DOXWATCH_HASH_KEY", k);
    }
    c.output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn setup(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("doxwatch-leakset-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    // The leaked dump: 50 people, ID in column 2, phone in column 4, and one bad row.
    let mut csv = String::new();
    for i in 0..50 {
        let id = with_check(&format!("1101051990010{}{:03}", 1 + i % 9, i));
        csv.push_str(&format!("某{i},{id},北京,1380013{:04}\n", i));
    }
    csv.push_str("坏,110105199001011231,北京,12345\n");
    std::fs::write(dir.join("dump.csv"), csv).unwrap();
    ok(&doxwatch(
        &["key", "generate", s(&dir.join("hash.key"))],
        None,
    ));
    dir
}

/// Builds `dir/dump.leakset` from `dir/dump.csv` (ID in column 2, phone in column 4), with
/// `extra` options (e.g. `--oprf-key FILE`).
fn build(dir: &Path, extra: &[&str]) -> String {
    let out = dir.join("dump.leakset");
    let (key, csv) = (dir.join("hash.key"), dir.join("dump.csv"));
    let mut args = vec![
        "leakset",
        "build",
        "--key-file",
        s(&key),
        "--out",
        s(&out),
        "--name",
        "dump-2025",
        "--source",
        "synthetic test dump",
        "--date",
        "2025-06-01",
        "--map",
        "id_card=2,phone=4",
    ];
    args.extend_from_slice(extra);
    args.push(s(&csv));
    ok(&doxwatch(&args, None))
}

fn config(dir: &Path, key_file: &Path) {
    std::fs::write(
        dir.join("p.toml"),
        format!(
            "version = 1\n[matcher]\nleaksets = [\"{}\"]\nalert_on = [\"doxxing\", \"leak_repost\"]\n\
             [keys]\nhash_key_file = \"{}\"\n\
             [[sources]]\ntype = \"inbox\"\ndir = \"{}\"\nfollow = false\n\
             [[sinks]]\ntype = \"alerts_file\"\npath = \"{}\"\n",
            s(&dir.join("dump.leakset")),
            s(key_file),
            s(&dir.join("inbox")),
            s(&dir.join("alerts.jsonl"))
        ),
    )
    .unwrap();
}

#[test]
fn build_info_and_refusals() {
    let dir = setup("cli");
    // No key: refused before reading anything.
    let o = doxwatch(
        &[
            "leakset",
            "build",
            "--out",
            s(&dir.join("x.leakset")),
            "--name",
            "x",
            "--source",
            "s",
            "--date",
            "d",
            "--map",
            "phone=4",
            s(&dir.join("dump.csv")),
        ],
        None,
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no hash key"));
    let summary = build(&dir, &[]);
    assert!(summary.contains("distinct 100"), "{summary}");
    assert!(
        summary.contains("id_card    50 valid, 1 invalid"),
        "{summary}"
    );
    assert!(
        summary.contains("phone      50 valid, 1 invalid"),
        "{summary}"
    );
    let info = ok(&doxwatch(
        &["leakset", "info", s(&dir.join("dump.leakset")), "--json"],
        None,
    ));
    let m: Value = serde_json::from_str(&info).unwrap();
    assert_eq!(m["name"], "dump-2025");
    assert_eq!(m["counts"]["phone"], 50);
    // Merging with another key is refused by fingerprint.
    let o = doxwatch(
        &[
            "leakset",
            "merge",
            s(&dir.join("m.leakset")),
            s(&dir.join("dump.leakset")),
        ],
        Some("another deployment key"),
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("was built with hash key"));
    // The key never appears in any output.
    let key = std::fs::read_to_string(dir.join("hash.key")).unwrap();
    assert!(!summary.contains(key.trim()) && !info.contains(key.trim()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pipeline_marks_known_leaks() {
    let dir = setup("run");
    build(&dir, &[]);
    config(&dir, &dir.join("hash.key"));
    let id3 = with_check("11010519900104003");
    let posts = [
        // Three phones from the dump, no doxxing marks: pii_exposure → leak_repost.
        (
            "repost",
            "名单：13800130001，13800130002，13800130003".to_string(),
        ),
        // Three clean phones: stays pii_exposure, no alert.
        (
            "clean",
            "名单：13800138101，13800138102，13800138103".to_string(),
        ),
        // One known of three: not mostly known.
        (
            "mixed",
            "名单：13800130004，13800138105，13800138106".to_string(),
        ),
        // Doxxing with a known ID: still doxxing; the ID carries the set's name.
        (
            "dox",
            format!("扒出来了，本名张伟，手机 138 0013 8888，身份证 {id3}"),
        ),
    ];
    let jsonl: String = posts
        .iter()
        .map(|(id, text)| {
            serde_json::json!({"id": id, "platform": "test", "text": text}).to_string() + "\n"
        })
        .collect();
    std::fs::write(dir.join("inbox/a.jsonl"), jsonl).unwrap();
    let o = doxwatch(&["run", s(&dir.join("p.toml")), "--once"], None);
    ok(&o);
    let alerts: Vec<Value> = std::fs::read_to_string(dir.join("alerts.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_id = |id: &str| alerts.iter().find(|a| a["post_id"] == id);
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    let repost = by_id("repost").expect("leak repost alerted");
    assert_eq!(repost["verdict"], "leak_repost");
    assert_eq!(repost["severity"], "medium", "low raised one step");
    for f in repost["findings"].as_array().unwrap() {
        assert_eq!(f["known_leaks"], serde_json::json!(["dump-2025"]));
    }
    let dox = by_id("dox").expect("doxxing alerted");
    assert_eq!(dox["verdict"], "doxxing");
    let known: Vec<&str> = dox["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["known_leaks"].as_array().is_some_and(|a| !a.is_empty()))
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(known, ["id_card"]);
    assert!(dox["reasons"].to_string().contains("1 of 3 identifiers"));

    // Another key: the pipeline refuses to start and says why.
    let other = dir.join("other.key");
    ok(&doxwatch(&["key", "generate", s(&other)], None));
    config(&dir, &other);
    let o = doxwatch(&["run", s(&dir.join("p.toml")), "--once"], None);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("was built with hash key"));
    // A damaged set: refused.
    config(&dir, &dir.join("hash.key"));
    let d = dir.join("dump.leakset/digests.bin");
    let mut b = std::fs::read(&d).unwrap();
    b[7] ^= 4;
    std::fs::write(&d, b).unwrap();
    let o = doxwatch(&["run", s(&dir.join("p.toml")), "--once"], None);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("corrupt leak set"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn self_check_cli_against_leakset_serve() {
    let dir = setup("check");
    let out = dir.join("dump.leakset");
    let okey = dir.join("dump.oprf.key");
    build(&dir, &["--oprf-key", s(&okey)]);
    let port = common::free_port();
    let server = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args([
            "leakset",
            "serve",
            s(&out),
            "--oprf-key",
            s(&okey),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed().as_secs() < 20, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let check = |flag: &str, v: &str| doxwatch(&["check", flag, v, "--server", &server], None);
    let found = check("--phone", "+86 138 0013 0007");
    let clean = check("--phone", "13800138765");
    let id = with_check("11010519900104003");
    let id_found = check("--id-card", &id);
    let invalid = check("--phone", "12345");
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        found.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&found.stderr)
    );
    assert!(String::from_utf8_lossy(&found.stdout).starts_with("found"));
    assert_eq!(clean.status.code(), Some(1));
    assert_eq!(id_found.status.code(), Some(0));
    assert_eq!(invalid.status.code(), Some(2));
    // The server logs nothing of the queries.
    assert!(
        !log.contains("13800130007") && !log.contains("bucket"),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
