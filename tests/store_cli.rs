//! The store through the real binary: a pipeline with a store sink, then search, cases,
//! exports and the audit log as an investigator runs them; and the faults a store must survive
//! (missing keys, a full disk). All data is synthetic.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::posts;

const BIN: &str = env!("CARGO_BIN_EXE_doxwatch");

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("doxwatch-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("inbox")).unwrap();
    d
}

/// A pipeline config: inbox → store, with generated key files.
fn config(dir: &Path, keys: bool) -> PathBuf {
    let keys = if keys {
        format!(
            "[keys]\nhash_key_file = \"{0}/keys/hash.key\"\nvault_key_file = \"{0}/keys/vault.key\"\ngenerate_missing = true\n",
            dir.display()
        )
    } else {
        String::new()
    };
    let p = dir.join("p.toml");
    std::fs::write(
        &p,
        format!(
            "version = 1\n[matcher]\nbatch_records = 100\n{keys}[[sources]]\ntype = \"inbox\"\ndir = \"{}\"\nfollow = false\n[[sinks]]\ntype = \"store\"\ndir = \"{}\"\n",
            dir.join("inbox").display(),
            dir.join("store").display()
        ),
    )
    .unwrap();
    p
}

fn doxwatch(cfg: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "--actor",
            "test-investigator",
        ])
        .env_remove("DOXWATCH_HASH_KEY")
        .env_remove("DOXWATCH_VAULT_KEY")
        .output()
        .unwrap()
}

fn run_once(cfg: &Path) -> Output {
    Command::new(BIN)
        .args(["run", cfg.to_str().unwrap(), "--once"])
        .env_remove("DOXWATCH_HASH_KEY")
        .env_remove("DOXWATCH_VAULT_KEY")
        .output()
        .unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn total(cfg: &Path) -> usize {
    let out = doxwatch(cfg, &["search", "--per-page", "1"]);
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn pipeline_into_store_then_search_case_takedown_referral() {
    let dir = tmp("flow");
    let (jsonl, positive) = posts("st", 300);
    // The same person (post st:3's phone) exposed again on another platform.
    let again = serde_json::json!({"id": "again:1", "platform": "douban",
        "text": "又是他：手机 138 0016 0003，身份证 110105198303141003，地址自己查"});
    std::fs::write(dir.join("inbox/a.jsonl"), format!("{jsonl}{again}\n")).unwrap();
    let cfg = config(&dir, true);
    let out = run_once(&cfg);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(total(&cfg), positive.len() + 1);

    // Search by phone: every post exposing it, whatever its spelling in the query.
    let out = doxwatch(&cfg, &["search", "--json", "--phone", "+86 138-0016-0003"]);
    let mut got: Vec<String> = json_lines(&out)
        .iter()
        .map(|a| a["post_id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["again:1", "st:3"],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A value that is not a phone is refused without being echoed.
    let out = doxwatch(&cfg, &["search", "--phone", "12345"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("12345"));

    // The two posts are one subject; a case on it.
    let alert_id = json_lines(&doxwatch(
        &cfg,
        &["search", "--json", "--phone", "13800160003"],
    ))[0]["alert_id"]
        .as_str()
        .unwrap()
        .to_string();
    let subjects = doxwatch(&cfg, &["subject", "list", "--limit", "1"]);
    let first = String::from_utf8_lossy(&subjects.stdout).to_string();
    assert!(first.contains(": 2 alert(s)"), "{first}");
    let subject = first
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    let out = doxwatch(
        &cfg,
        &[
            "case",
            "open",
            "--title",
            "st:3 doxxed twice",
            "--subject",
            &subject,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exports = dir.join("exports");
    let out = doxwatch(
        &cfg,
        &["case", "export-takedown", "1", exports.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(exports.join("takedown-case1-douban.csv")).unwrap();
    assert!(csv.starts_with("platform,post_id,url,categories") && csv.contains("again:1"));
    let pkg = exports.join("referral-1");
    let out = doxwatch(
        &cfg,
        &["case", "export-referral", "1", pkg.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = Command::new(BIN)
        .args(["verify-package", pkg.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let case: Value =
        serde_json::from_slice(&doxwatch(&cfg, &["case", "show", "1"]).stdout).unwrap();
    assert_eq!(case["state"], "referred");

    // The original is readable only with a reason, and the read is audited.
    let out = doxwatch(
        &cfg,
        &["evidence", "show", &alert_id, "--reason", "verify case 1"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("138 0016 0003"));
    let audit = String::from_utf8_lossy(&doxwatch(&cfg, &["audit", "list"]).stdout).to_string();
    for action in [
        "search",
        "case.open",
        "export.takedown",
        "export.referral",
        "evidence.read",
    ] {
        assert!(
            audit.contains(&format!("\"action\":\"{action}\"")),
            "{action}"
        );
    }
    assert!(audit.contains("test-investigator"));
    // The audit log holds hashes, never the searched values.
    assert!(!audit.contains("13800160003") && !audit.contains("0016 0003"));
    assert!(doxwatch(&cfg, &["audit", "verify"]).status.success());

    // A tampered package is detected.
    let counts = pkg.join("counts.json");
    let text = std::fs::read_to_string(&counts)
        .unwrap()
        .replace("\"posts\": 2", "\"posts\": 1");
    std::fs::write(&counts, text).unwrap();
    let bad = Command::new(BIN)
        .args(["verify-package", pkg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("counts.json does not match"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn store_without_keys_is_refused_clearly() {
    let dir = tmp("nokeys");
    std::fs::write(dir.join("inbox/a.jsonl"), posts("nk", 3).0).unwrap();
    let out = run_once(&config(&dir, false));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs the hash key and the vault key"),
        "{err}"
    );
    // Nothing was consumed.
    assert!(dir.join("inbox/a.jsonl").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A disk that fills up mid-run (a file-size limit, EFBIG, with SIGXFSZ ignored): the run
/// fails with the reason, the inbox file is not marked done, and a rerun with room stores
/// every alert exactly once.
#[test]
fn full_disk_fails_clearly_and_loses_nothing() {
    let dir = tmp("full");
    let (jsonl, positive) = posts("fd", 3000);
    std::fs::write(dir.join("inbox/a.jsonl"), &jsonl).unwrap();
    let cfg = config(&dir, true);
    let out = Command::new("bash")
        .args([
            "-c",
            &format!(
                "trap '' XFSZ; ulimit -f 256; exec {BIN} run {} --once",
                cfg.display()
            ),
        ])
        .env_remove("DOXWATCH_HASH_KEY")
        .env_remove("DOXWATCH_VAULT_KEY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("File too large") || err.contains("disk is full"),
        "{err}"
    );
    assert!(
        dir.join("inbox/a.jsonl").exists(),
        "the file must not be marked done"
    );
    let out = run_once(&cfg);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(total(&cfg), positive.len());
    let out = doxwatch(&cfg, &["search", "--json", "--per-page", "1000"]);
    let ids: std::collections::BTreeSet<String> = json_lines(&out)
        .iter()
        .map(|a| a["post_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, positive);
    let _ = std::fs::remove_dir_all(&dir);
}
