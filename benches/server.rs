//! API latency under load on loopback: the real server (`doxwatch_server::serve`, the router
//! `doxwatch run` serves) over a store of 1M synthetic alerts, driven by a Rust load generator
//! (keep-alive HTTP/1.1 connections, `CLIENTS` concurrent, `SECS` seconds per workload):
//!
//! - `alert page`: `GET /v1/alerts/{id}` for random ids (masked text cut into highlighted
//!   segments, subjects, evidence flag);
//! - `queue`: `GET /v1/alerts` newest first, 50 per page, with rotating filters;
//! - `search text`: `POST /v1/search` with free text and a platform filter (audited). The
//!   words match 200,000–800,000 alerts each; in the store bench's data 8 of the 12
//!   text/platform pairs match nothing, the slowest case: no page fills early, so every
//!   candidate of the words in every segment is checked;
//! - `search phone`: `POST /v1/search` by phone number (canonicalised, hashed, audited).
//!
//! Prints requests/s and p50/p95/p99/max per workload (target: p99 ≤ 50 ms for search and
//! alert pages). Asserts every answer's status and that identifier searches find their alerts.
//!
//! Needs a store built by the store bench with the same keys:
//! `ALERTS=1000000 STORE_DIR=/tmp/store-1m cargo bench --bench store`, then
//! `STORE_DIR=/tmp/store-1m cargo bench --bench server`.

use doxwatch_model::{KeyedHasher, VaultKey};
use doxwatch_pipeline::keys::Keys;
use doxwatch_server::{AppState, ServerConfig};
use doxwatch_store::{CaseDb, Role};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq)]
enum Work {
    AlertPage,
    Queue,
    SearchText,
    SearchPhone,
}

impl Work {
    fn name(self) -> &'static str {
        match self {
            Work::AlertPage => "alert page",
            Work::Queue => "queue",
            Work::SearchText => "search text",
            Work::SearchPhone => "search phone",
        }
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1e3
}

const TEXTS: [&str; 4] = ["开房记录", "社工库", "扒出来", "查档 户籍"];
const PLATFORMS: [&str; 3] = ["weibo", "douban", "tieba"];
const FILTERS: [&str; 4] = ["", "&verdict=doxxing", "&platform=weibo", "&severity=high"];

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let Ok(dir) = std::env::var("STORE_DIR") else {
        eprintln!("set STORE_DIR to a store built by the store bench (see benches/server.rs)");
        std::process::exit(2);
    };
    let clients: usize = std::env::var("CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let secs: u64 = std::env::var("SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = std::path::PathBuf::from(dir);
    // The store bench's keys.
    let keys = Keys {
        hasher: Some(KeyedHasher::from_secret(b"bench hash key")),
        vault: Some(VaultKey::new(&[5u8; 32])),
    };
    let token = CaseDb::open(&dir.join("cases.sqlite"))
        .unwrap()
        .create_token(
            &format!("bench-{}", std::process::id()),
            Role::Analyst,
            "bench",
        )
        .unwrap();
    let cfg = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        store_dir: dir.clone(),
        exports_dir: None,
        cookie_secure: true,
        selfcheck: None,
        public_per_minute: 60,
        max_body_bytes: 1 << 20,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let t = Instant::now();
        let state = AppState::open(&cfg, &keys).unwrap();
        println!(
            "server: store opened in {:.2} s ({} alerts)",
            t.elapsed().as_secs_f64(),
            state.alert_count()
        );
        let listener = tokio::net::TcpListener::bind(cfg.listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let server = tokio::spawn(doxwatch_server::serve(cfg, state, listener, stop_rx));
        let base = format!("http://{addr}");
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(clients)
            .build()
            .unwrap();
        let auth = format!("Bearer {token}");
        // Wait for the token refresh (the server reads tokens every 1.5 s).
        loop {
            let r = http
                .get(format!("{base}/v1/alerts?per_page=1"))
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap();
            if r.status() == 200 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Alert ids to open: a few pages of the queue.
        let mut ids: Vec<String> = Vec::new();
        for page in [1, 7, 42, 180] {
            let body = http
                .get(format!("{base}/v1/alerts?per_page=1000&page={page}"))
                .header("Authorization", &auth)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let r: serde_json::Value = serde_json::from_slice(&body).unwrap();
            for a in r["alerts"].as_array().unwrap() {
                ids.push(a["alert_id"].as_str().unwrap().to_string());
            }
        }
        assert!(ids.len() >= 4000, "the store holds too few alerts");
        let ids = Arc::new(ids);
        println!(
            "load: {clients} keep-alive clients, {secs} s per workload, server on {addr}"
        );
        println!("| workload | requests | req/s | p50 ms | p95 ms | p99 ms | max ms |");
        println!("|---|---|---|---|---|---|---|");
        for work in [Work::AlertPage, Work::Queue, Work::SearchText, Work::SearchPhone] {
            let started = Instant::now();
            let mut tasks = Vec::new();
            for c in 0..clients {
                let (http, base, auth, ids) = (http.clone(), base.clone(), auth.clone(), ids.clone());
                tasks.push(tokio::spawn(async move {
                    let mut lat = Vec::new();
                    let mut i = c * 7919;
                    let end = Instant::now() + Duration::from_secs(secs);
                    while Instant::now() < end {
                        i += 1;
                        let req = match work {
                            Work::AlertPage => http.get(format!("{base}/v1/alerts/{}", ids[(i * 2654435761) % ids.len()])),
                            Work::Queue => http.get(format!("{base}/v1/alerts?per_page=50&page={}{}", 1 + i % 5, FILTERS[i % FILTERS.len()])),
                            Work::SearchText => http
                                .post(format!("{base}/v1/search"))
                                .header("Content-Type", "application/json")
                                .body(serde_json::json!({"text": TEXTS[i % TEXTS.len()], "platform": PLATFORMS[i % PLATFORMS.len()]}).to_string()),
                            Work::SearchPhone => http
                                .post(format!("{base}/v1/search"))
                                .header("Content-Type", "application/json")
                                // The store bench's people: phone 1380 + 7 digits of person p < 200,000;
                                // its posts never expose people with p % 5 == 1, so ask for p % 5 == 0.
                                .body(serde_json::json!({"phone": format!("1380{:07}", (i * 7907) % 40_000 * 5)}).to_string()),
                        };
                        let t = Instant::now();
                        let r = req.header("Authorization", &auth).send().await.unwrap();
                        let status = r.status();
                        let body = r.bytes().await.unwrap();
                        lat.push(t.elapsed());
                        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                        if work == Work::SearchPhone {
                            let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                            assert!(v["total"].as_u64().unwrap() >= 1, "a person's phone finds their alerts");
                        }
                    }
                    lat
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await.unwrap());
            }
            let elapsed = started.elapsed().as_secs_f64();
            all.sort();
            println!(
                "| {} | {} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} |",
                work.name(),
                all.len(),
                all.len() as f64 / elapsed,
                pct(&all, 0.50),
                pct(&all, 0.95),
                pct(&all, 0.99),
                all.last().unwrap().as_secs_f64() * 1e3
            );
        }
        let _ = stop_tx.send(true);
        let _ = server.await;
    });
}
