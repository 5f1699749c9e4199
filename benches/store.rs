//! Store throughput and search latency with synthetic alerts (all values made up).
//!
//! 1. Ingest `ALERTS` alerts (default 1,000,000) in batches of 5,000 through `Store::ingest`,
//!    exactly as the store sink and the indexer do: evidence into the vault (one sync per
//!    batch), subjects into SQLite, documents into tantivy, one commit per batch. Prints
//!    alerts/s (target ≥ 20,000).
//! 2. On the full index, 600 searches mixing filters with free text and identifier lookups,
//!    newest first, 20 per page. Prints p50/p95/p99 latency (target p99 ≤ 50 ms).
//!
//! Asserts the indexed count and the hits of identifier and filter queries, so a faster but
//! wrong store cannot pass. `cargo bench --bench store` (env `ALERTS`, `STORE_DIR`).

use doxwatch_detect::detectors::id_card::with_check;
use doxwatch_model::{Alert, KeyedHasher, Kind, Severity, VaultKey, Verdict, WireFinding};
use doxwatch_pipeline::keys::Keys;
use doxwatch_store::{Checkpoint, SearchQuery, Sort, Store};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const PLATFORMS: [&str; 5] = ["weibo", "douban", "tieba", "zhihu", "bilibili"];
const REGIONS: [&str; 8] = [
    "110105", "310104", "440305", "330106", "510107", "420106", "320102", "610113",
];
const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"];

/// Person `p`: (ID number, phone). 200,000 people, so identifiers repeat across alerts.
fn person(p: usize) -> (String, String) {
    let id = with_check(&format!(
        "{}19{:02}{:02}{:02}{:03}",
        REGIONS[p % REGIONS.len()],
        60 + p % 40,
        1 + p % 12,
        1 + p % 28,
        p % 1000
    ));
    (id, format!("1380{:07}", p % 10_000_000))
}

const PEOPLE: usize = 200_000;

fn finding(
    h: &KeyedHasher,
    kind: Kind,
    value: &str,
    start: u32,
    facts: &[(&str, &str)],
) -> WireFinding {
    WireFinding {
        kind,
        start,
        end: start + value.chars().count() as u32,
        masked: doxwatch_model::mask(kind, value),
        hash: Some(h.hash_hex(kind, value)),
        known_leaks: Vec::new(),
        facts: facts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn alert(i: usize, h: &KeyedHasher, vault: &VaultKey) -> Alert {
    let platform = PLATFORMS[i % PLATFORMS.len()];
    let post_id = format!("{platform}:{i}");
    let day = i % 365;
    let ts = format!(
        "2025-{:02}-{:02}T{:02}:{:02}:00Z",
        1 + day / 31 % 12,
        1 + day % 28,
        i % 24,
        i % 60
    );
    // Alerts reach the store in about the order the matcher made them: detection times
    // grow with `i` (30 s apart), while the posts' own times are all over the year.
    let detected = time::OffsetDateTime::from_unix_timestamp(1_735_689_600 + i as i64 * 30)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (verdict, text, findings) = if i % 5 == 4 {
        let handle = format!("seller_{:05}", i % 20_000);
        (
            Verdict::DataSaleAd,
            format!(
                "专业查档 户籍 开房记录 轨迹 机主信息 第{i}号 社工库秒出 50元一条 飞机 @{handle}"
            ),
            vec![
                WireFinding {
                    kind: Kind::AdKeyword,
                    start: 2,
                    end: 4,
                    masked: "查档".into(),
                    hash: None,
                    known_leaks: vec![],
                    facts: Default::default(),
                },
                finding(h, Kind::Telegram, &handle, 40, &[]),
            ],
        )
    } else {
        let p = (i * 7919) % PEOPLE;
        let (id, phone) = person(p);
        let name = format!("{}某{}", SURNAMES[p % 8], p % 10);
        let region = &id[..6];
        (
            Verdict::Doxxing,
            format!("开盒 第{i}帖 这个键盘侠被扒出来了 本名{name} 手机 {phone} 身份证 {id} 家住某市某区某路{}号 大家冲他", i % 300),
            vec![
                finding(h, Kind::Name, &name, 20, &[]),
                finding(h, Kind::Phone, &phone, 28, &[("carrier", "中国移动")]),
                finding(h, Kind::IdCard, &id, 45, &[("region_code", region), ("sex", "male"), ("minor", "false")]),
            ],
        )
    };
    let post = serde_json::json!({"id": post_id, "platform": platform, "author": {"id": format!("u{}", i % 50_000)}, "ts": ts, "text": text});
    let masked = {
        let mut t = text.clone();
        for f in &findings {
            if f.kind != Kind::AdKeyword {
                // Good enough for a bench: the masked form replaces the plain one.
                t = t.replace(&f.masked.replace('*', ""), &f.masked);
            }
        }
        t
    };
    Alert {
        alert_id: Alert::derive_id(&post_id, &findings, verdict),
        post_id,
        platform: platform.into(),
        url: Some(format!("https://{platform}.example/p/{i}")),
        ts_post: Some(ts),
        ts_detected: detected,
        verdict,
        labels: vec![if verdict == Verdict::Doxxing {
            "doxxing_post"
        } else {
            "data_sale_ad"
        }
        .into()],
        severity: [Severity::Medium, Severity::High, Severity::Critical][i % 3],
        score: 0.9,
        findings,
        reasons: vec!["identifiers bundled with a call to harass".into()],
        dict_version: "bench".into(),
        author: Some(format!("u{}", i % 50_000)),
        text_masked: Some(masked),
        evidence: Some(vault.seal(post.to_string().as_bytes())),
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("ALERTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::var("STORE_DIR")
        .map(Into::into)
        .unwrap_or_else(|_| {
            std::env::temp_dir().join(format!("doxwatch-bench-store-{}", std::process::id()))
        });
    // SEARCH_ONLY=1 with STORE_DIR: reuse a store built by an earlier run of the same ALERTS.
    let search_only = std::env::var("SEARCH_ONLY").is_ok() && dir.join("store.json").exists();
    if !search_only {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let h = KeyedHasher::from_secret(b"bench hash key");
    let vk = VaultKey::new(&[5u8; 32]);
    let keys = Keys {
        hasher: Some(h.clone()),
        vault: Some(vk.clone()),
    };
    let mut store = Store::open(&dir, &keys).unwrap();
    if search_only {
        drop(store);
        search(&dir, &keys, n, &h);
        return;
    }

    // 1. Ingest. Alerts are built (and sealed, the matcher's work) outside the timed part.
    let batch_size: usize = std::env::var("BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut ingest = Duration::ZERO;
    let mut stages = [Duration::ZERO; 4];
    let mut i = 0;
    while i < n {
        let end = (i + batch_size).min(n);
        let batch: Vec<Alert> = (i..end).map(|j| alert(j, &h, &vk)).collect();
        let cp = Checkpoint {
            source: "bench".into(),
            positions: BTreeMap::from([("next".to_string(), end as i64)]),
        };
        let t = Instant::now();
        let st = store.ingest(&batch, &cp).unwrap();
        for (acc, d) in stages.iter_mut().zip(st.stage) {
            *acc += d;
        }
        ingest += t.elapsed();
        i = end;
        if end % 100_000 == 0 {
            eprintln!(
                "  {end} alerts, {:.0} alerts/s so far",
                end as f64 / ingest.as_secs_f64()
            );
        }
    }
    assert_eq!(store.index.len(), n as u64, "every alert indexed once");
    let rate = n as f64 / ingest.as_secs_f64();
    println!("ingest: {n} alerts in {:.1} s = {rate:.0} alerts/s (vault + SQLite + tantivy, commit per {batch_size})", ingest.as_secs_f64());

    println!(
        "  stages: index add {:.1} s, vault {:.1} s, database {:.1} s, index commit {:.1} s",
        stages[0].as_secs_f64(),
        stages[1].as_secs_f64(),
        stages[2].as_secs_f64(),
        stages[3].as_secs_f64()
    );

    drop(store);
    search(&dir, &keys, n, &h);
    if std::env::var("STORE_DIR").is_err() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// 2. Search latency on the full index (a fresh reader, as the CLI and API open it).
fn search(dir: &std::path::Path, keys: &Keys, n: usize, h: &KeyedHasher) {
    let store = Store::open_read(dir, keys).unwrap();
    let doxxing = (0..n).filter(|i| i % 5 != 4).count();
    let probe = (0..n)
        .find(|i| i % 5 != 4)
        .map(|i| (i * 7919) % PEOPLE)
        .unwrap();
    let expected_probe = (0..n)
        .filter(|i| i % 5 != 4 && (i * 7919) % PEOPLE == probe)
        .count();
    let (probe_id, probe_phone) = person(probe);
    // Made-up IDs repeat every 21,000 people (their fields cycle); phones do not.
    let expected_id = (0..n)
        .filter(|i| i % 5 != 4 && person((i * 7919) % PEOPLE).0 == probe_id)
        .count();
    let queries: Vec<(&str, SearchQuery)> = vec![
        (
            "text+platform",
            SearchQuery {
                text: Some("键盘侠".into()),
                platform: Some("weibo".into()),
                limit: 20,
                ..Default::default()
            },
        ),
        (
            "text+verdict+severity",
            SearchQuery {
                text: Some("开房记录".into()),
                verdicts: vec![Verdict::DataSaleAd],
                min_severity: Some(Severity::High),
                limit: 20,
                ..Default::default()
            },
        ),
        (
            "region+kind+time",
            SearchQuery {
                region: Some("4403".into()),
                kinds: vec![Kind::IdCard],
                since: doxwatch_store::time_secs("2025-03-01"),
                until: doxwatch_store::time_secs("2025-06-30"),
                limit: 20,
                ..Default::default()
            },
        ),
        (
            "id_card hash",
            SearchQuery {
                id_hashes: vec![h.hash_hex(Kind::IdCard, &probe_id)],
                limit: 20,
                ..Default::default()
            },
        ),
        (
            "phone hash+text",
            SearchQuery {
                id_hashes: vec![h.hash_hex(Kind::Phone, &probe_phone)],
                text: Some("冲他".into()),
                limit: 20,
                ..Default::default()
            },
        ),
        (
            "text, severity sort",
            SearchQuery {
                text: Some("扒出来".into()),
                sort: Sort::Severity,
                offset: 40,
                limit: 20,
                ..Default::default()
            },
        ),
    ];
    // Result counts first: a fast wrong answer fails here.
    let total = |q: &SearchQuery| {
        let exact = SearchQuery {
            count_up_to: Some(usize::MAX),
            ..q.clone()
        };
        store.search(&exact).unwrap().total
    };
    assert_eq!(
        total(&queries[0].1),
        (0..n).filter(|i| i % 5 != 4 && i % 5 == 0).count()
    );
    assert_eq!(
        total(&queries[1].1),
        (0..n).filter(|i| i % 5 == 4 && i % 3 != 0).count()
    );
    assert_eq!(total(&queries[3].1), expected_id);
    assert_eq!(total(&queries[4].1), expected_probe);
    assert_eq!(total(&queries[5].1), doxxing);
    // The database linked everyone sharing the probe's ID number into one subject.
    let subject = store
        .db
        .subject_of(&h.hash_hex(Kind::Phone, &probe_phone))
        .unwrap()
        .unwrap();
    assert_eq!(store.db.subject(subject).unwrap().alerts.len(), expected_id);
    let mut lat = Vec::new();
    let mut per_query: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    for round in 0..100 {
        for (qi, (_, q)) in queries.iter().enumerate() {
            let mut q = q.clone();
            q.offset += (round % 5) * 20;
            let t = Instant::now();
            let page = store.search(&q).unwrap();
            lat.push(t.elapsed());
            per_query[qi].push(t.elapsed());
            assert!(page.hits.len() <= 20);
        }
    }
    for (qi, l) in per_query.iter_mut().enumerate() {
        l.sort();
        println!(
            "  {:<24} p50 {:.2} ms, p99 {:.2} ms",
            queries[qi].0,
            pct(l, 0.5),
            pct(l, 0.99)
        );
    }
    lat.sort();
    println!(
        "search: {} queries on {n} alerts: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        lat.len(),
        pct(&lat, 0.50),
        pct(&lat, 0.95),
        pct(&lat, 0.99),
        pct(&lat, 1.0)
    );
    println!("peak RSS {:.0} MB; store at {}", rss_mb(), dir.display());
}
