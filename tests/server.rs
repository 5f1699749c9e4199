//! The HTTP API through the real binary on loopback: `doxwatch run` with a store sink, the
//! feed intake and the `[server]` table. Every endpoint, the roles (401 without a token, 403
//! with too small a role), the browser session with its CSRF token, bad input (400, 413, 415),
//! the live stream fed through the intake, and no plaintext identifier in the server's log.
//! All data is synthetic.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{free_port, posts, request, with_check, Resp};

const BIN: &str = env!("CARGO_BIN_EXE_doxwatch");
const INTAKE_TOKEN: &str = "intake-token-for-tests-0001";

struct Server {
    child: Child,
    dir: PathBuf,
    api: String,
    intake: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(dir: &Path, api_port: u16, intake_port: u16) -> PathBuf {
    let p = dir.join("p.toml");
    std::fs::write(
        &p,
        format!(
            r#"version = 1
[matcher]
batch_records = 100
[[sources]]
type = "inbox"
dir = "{inbox}"
[[sources]]
type = "http"
listen = "127.0.0.1:{intake_port}"
token_env = "TEST_INTAKE_TOKEN"
[[sinks]]
type = "store"
dir = "{store}"
[keys]
hash_key_file = "{keys}/hash.key"
vault_key_file = "{keys}/vault.key"
generate_missing = true
[server]
listen = "127.0.0.1:{api_port}"
max_body_bytes = 65536
public_per_minute = 1000
"#,
            inbox = dir.join("inbox").display(),
            store = dir.join("store").display(),
            keys = dir.join("keys").display(),
        ),
    )
    .unwrap();
    p
}

fn doxwatch(cfg: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .args(["--config", cfg.to_str().unwrap(), "--actor", "test-admin"])
        .env_remove("DOXWATCH_HASH_KEY")
        .env_remove("DOXWATCH_VAULT_KEY")
        .output()
        .unwrap()
}

/// A store with the posts of `jsonl` in it, three tokens, and the server running over it.
/// Returns the server and the tokens (analyst, investigator, admin).
fn start(name: &str, jsonl: &str) -> (Server, [String; 3]) {
    let dir = std::env::temp_dir().join(format!("doxwatch-server-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("inbox")).unwrap();
    std::fs::write(dir.join("inbox/posts.jsonl"), jsonl).unwrap();
    let (api_port, intake_port) = (free_port(), free_port());
    let cfg = config(&dir, api_port, intake_port);
    let once = Command::new(BIN)
        .args(["run", cfg.to_str().unwrap(), "--once"])
        .env("TEST_INTAKE_TOKEN", INTAKE_TOKEN)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        once.status.success(),
        "{}",
        String::from_utf8_lossy(&once.stderr)
    );
    let mut tokens = Vec::new();
    for role in ["analyst", "investigator", "admin"] {
        let out = doxwatch(
            &cfg,
            &[
                "token",
                "create",
                "--role",
                role,
                "--name",
                &format!("{role}-1"),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tokens.push(String::from_utf8(out.stdout).unwrap().trim().to_string());
    }
    let log = dir.join("server.log");
    let child = Command::new(BIN)
        .args(["run", cfg.to_str().unwrap()])
        .env("TEST_INTAKE_TOKEN", INTAKE_TOKEN)
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        dir,
        api: format!("127.0.0.1:{api_port}"),
        intake: format!("127.0.0.1:{intake_port}"),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    // Both listeners: the API comes up before the feed intake, and a test that posts to the
    // intake right after the API answered was refused now and then (CI, 2026-11-24).
    loop {
        if std::net::TcpStream::connect(&server.api).is_ok()
            && std::net::TcpStream::connect(&server.intake).is_ok()
            && get(&server, "/openapi.json", None).status == 200
        {
            break;
        }
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, tokens.try_into().unwrap())
}

fn get(s: &Server, path: &str, token: Option<&str>) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h = vec![];
    if let Some(a) = &auth {
        h.push(("Authorization", a.as_str()));
    }
    request(&s.api, "GET", path, &h, b"")
}

fn send(s: &Server, method: &str, path: &str, token: Option<&str>, body: &Value) -> Resp {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut h = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        h.push(("Authorization", a.as_str()));
    }
    request(&s.api, method, path, &h, body.to_string().as_bytes())
}

const PHONE: &str = "13800138000";

fn sample() -> (String, String) {
    let id = with_check("11010519900307123");
    let mut jsonl = posts("t", 30).0;
    jsonl.push_str(
        &json!({"id": "dox:1", "platform": "weibo", "url": "https://weibo.example/p/1", "author": "u1",
            "text": format!("开盒：这个人叫王芳，手机{PHONE}，身份证{id}，住北京市朝阳区建国路88号3号楼2单元501，大家去骂她")})
            .to_string(),
    );
    jsonl.push('\n');
    (jsonl, id)
}

#[test]
fn api_endpoints_roles_sessions_and_bad_input() {
    let (jsonl, idno) = sample();
    let (s, [analyst, investigator, admin]) = start("api", &jsonl);
    let (an, inv, adm) = (
        Some(analyst.as_str()),
        Some(investigator.as_str()),
        Some(admin.as_str()),
    );

    // Public: health, OpenAPI, the UI with its security headers.
    let h = get(&s, "/healthz", None);
    assert_eq!(h.status, 200);
    assert!(h.json()["alerts"].as_u64().unwrap() >= 11);
    let doc = get(&s, "/openapi.json", None).json();
    for path in [
        "/v1/search",
        "/v1/alerts/{id}",
        "/v1/cases/{id}/referral",
        "/v1/alerts/stream",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI lacks {path}");
    }
    let page = get(&s, "/", None);
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(get(&s, "/app.js", None).status, 200);

    // Every API route wants a token: 401 with WWW-Authenticate.
    for path in [
        "/v1/alerts",
        "/v1/subjects",
        "/v1/cases",
        "/v1/audit",
        "/v1/tokens",
        "/metrics",
        "/v1/session",
    ] {
        let r = get(&s, path, None);
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    }
    assert_eq!(get(&s, "/v1/alerts", Some("dxw_not-a-token")).status, 401);
    assert_eq!(send(&s, "POST", "/v1/search", None, &json!({})).status, 401);

    // The queue.
    let list = get(&s, "/v1/alerts?per_page=5&sort=severity", an);
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    assert!(list["total"].as_u64().unwrap() >= 11);
    assert_eq!(list["alerts"].as_array().unwrap().len(), 5);
    assert_eq!(get(&s, "/v1/alerts?severity=extreme", an).status, 400);
    let dox = get(&s, "/v1/alerts?platform=weibo", an).json();
    assert_eq!(dox["total"], 1);
    let alert_id = dox["alerts"][0]["alert_id"].as_str().unwrap().to_string();
    assert!(!dox.to_string().contains(PHONE));

    // The alert page: masked text cut into segments, findings highlighted.
    let a = get(&s, &format!("/v1/alerts/{alert_id}"), an);
    assert_eq!(a.status, 200);
    let a = a.json();
    let marked: Vec<&str> = a["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["kind"].as_str())
        .collect();
    assert!(
        marked.contains(&"phone") && marked.contains(&"id_card"),
        "{marked:?}"
    );
    assert!(!a.to_string().contains(PHONE) && !a.to_string().contains(&idno));
    assert_eq!(a["has_evidence"], true);
    let subject = a["subjects"][0].as_i64().unwrap();
    assert_eq!(
        get(&s, "/v1/alerts/0123456789abcdef0123456789abcdef", an).status,
        404
    );

    // Evidence: investigators only, with a reason; audited.
    let ev = format!("/v1/alerts/{alert_id}/evidence");
    assert_eq!(
        send(&s, "POST", &ev, an, &json!({"reason": "triage check"})).status,
        403
    );
    assert_eq!(
        send(&s, "POST", &ev, inv, &json!({"reason": "x"})).status,
        400
    );
    let r = send(&s, "POST", &ev, inv, &json!({"reason": "case review"}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["record"]["text"].as_str().unwrap().contains(PHONE));

    // Search by identifier (in the body), by text; bad input.
    let r = send(
        &s,
        "POST",
        "/v1/search",
        an,
        &json!({"phone": "138 0013 8000"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["total"], 1);
    let r = send(&s, "POST", "/v1/search", an, &json!({"id_card": idno}));
    assert_eq!(r.json()["total"], 1);
    let r = send(
        &s,
        "POST",
        "/v1/search",
        an,
        &json!({"text": "开盒", "verdicts": ["doxxing"]}),
    );
    assert!(r.json()["total"].as_u64().unwrap() >= 1);
    let r = send(
        &s,
        "POST",
        "/v1/search",
        an,
        &json!({"phone": "1380013800"}),
    );
    assert_eq!(r.status, 400);
    assert!(!r.body.contains("1380013800"), "{}", r.body);
    let auth = format!("Bearer {analyst}");
    let r = request(
        &s.api,
        "POST",
        "/v1/search",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        b"{\"text\": ",
    );
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"].as_str().unwrap().contains("JSON"),
        "{}",
        r.body
    );
    let r = request(
        &s.api,
        "POST",
        "/v1/search",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        format!("{{\"phone\": {PHONE}}}").as_bytes(),
    );
    assert_eq!(r.status, 400);
    assert!(!r.body.contains(PHONE), "{}", r.body);
    let r = send(&s, "POST", "/v1/search", an, &json!({"colour": "red"}));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("unknown field `colour`"), "{}", r.body);
    let r = request(
        &s.api,
        "POST",
        "/v1/search",
        &[("Authorization", &auth)],
        b"{}",
    );
    assert_eq!(r.status, 415);
    let big = format!("{{\"text\": \"{}\"}}", "x".repeat(100_000));
    let r = request(
        &s.api,
        "POST",
        "/v1/search",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        big.as_bytes(),
    );
    assert_eq!(r.status, 413);

    // Subjects.
    let subs = get(&s, "/v1/subjects", an).json();
    assert!(subs
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["subject_id"] == subject));
    let sub = get(&s, &format!("/v1/subjects/{subject}"), an).json();
    assert!(sub["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x == alert_id.as_str()));
    assert_eq!(get(&s, "/v1/subjects/999999", an).status, 404);

    // Cases: open, note, assign, takedown, refer (investigator), referral package, verify.
    assert_eq!(
        send(&s, "POST", "/v1/cases", an, &json!({"title": ""})).status,
        400
    );
    let r = send(
        &s,
        "POST",
        "/v1/cases",
        an,
        &json!({"title": "王芳 doxxing", "subject_id": subject}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.json()["case_id"].as_i64().unwrap();
    let c = format!("/v1/cases/{case}");
    assert_eq!(
        send(
            &s,
            "POST",
            &format!("{c}/notes"),
            an,
            &json!({"text": "seen on weibo"})
        )
        .status,
        200
    );
    assert_eq!(
        send(
            &s,
            "POST",
            &format!("{c}/assign"),
            an,
            &json!({"assignee": "investigator-1"})
        )
        .status,
        200
    );
    assert_eq!(
        send(
            &s,
            "POST",
            &format!("{c}/move"),
            an,
            &json!({"to": "sideways"})
        )
        .status,
        400
    );
    let r = send(&s, "POST", &format!("{c}/takedown"), an, &json!(null));
    assert_eq!(r.status, 200, "{}", r.body);
    let td = r.json();
    let td_name = td["export"].as_str().unwrap().to_string();
    assert!(td["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f.as_str().unwrap().ends_with(".csv")));
    let file = td["files"][0].as_str().unwrap().to_string();
    let dl = get(&s, &format!("/v1/exports/{td_name}/files/{file}"), an);
    assert_eq!(dl.status, 200);
    assert!(dl
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    assert!(!dl.body.contains(PHONE));
    assert_eq!(
        get(&s, &format!("/v1/exports/{td_name}/files/..%2Fp.toml"), an).status,
        404
    );
    assert_eq!(get(&s, &c, an).json()["state"], "takedown_requested");
    assert_eq!(
        send(
            &s,
            "POST",
            &format!("{c}/move"),
            an,
            &json!({"to": "referred"})
        )
        .status,
        403
    );
    assert_eq!(
        send(&s, "POST", &format!("{c}/referral"), an, &json!(null)).status,
        403
    );
    let r = send(&s, "POST", &format!("{c}/referral"), inv, &json!(null));
    assert_eq!(r.status, 200, "{}", r.body);
    let pkg = r.json();
    let pkg_name = pkg["export"].as_str().unwrap().to_string();
    assert_eq!(
        get(&s, &format!("/v1/exports/{pkg_name}/verify"), an).status,
        403
    );
    let v = get(&s, &format!("/v1/exports/{pkg_name}/verify"), inv);
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.json()["intact"], true);
    assert_eq!(v.json()["manifest_blake3"], pkg["manifest_blake3"]);
    // The package verifies with the CLI too, and a changed file is caught.
    let dir = s.dir.join("store/exports").join(&pkg_name);
    let out = Command::new(BIN)
        .args(["verify-package", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        send(
            &s,
            "POST",
            &format!("{c}/move"),
            inv,
            &json!({"to": "referred", "note": "sent"})
        )
        .status,
        200
    );
    let cases = get(&s, "/v1/cases?state=referred", an).json();
    assert!(cases
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["case_id"] == case));
    assert_eq!(get(&s, "/v1/cases?state=nowhere", an).status, 400);
    assert_eq!(get(&s, "/v1/cases/424242", an).status, 404);

    // Browser session: cookie flags, CSRF on state changes, logout.
    assert_eq!(
        send(
            &s,
            "POST",
            "/v1/session",
            None,
            &json!({"token": "dxw_nope"})
        )
        .status,
        401
    );
    let r = request(
        &s.api,
        "POST",
        "/v1/session",
        &[("Content-Type", "application/json")],
        b"{\"token\":",
    );
    assert_eq!(r.status, 400);
    let r = send(&s, "POST", "/v1/session", None, &json!({"token": analyst}));
    assert_eq!(r.status, 200);
    let set_cookie = r.header("set-cookie").unwrap().to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set_cookie.contains(flag), "{set_cookie}");
    }
    let csrf = r.json()["csrf"].as_str().unwrap().to_string();
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let who = request(&s.api, "GET", "/v1/session", &[("Cookie", &cookie)], b"");
    assert_eq!(who.json()["name"], "analyst-1");
    assert_eq!(who.json()["csrf"], csrf.as_str());
    let body = json!({"title": "by cookie", "alert_ids": [alert_id]}).to_string();
    let r = request(
        &s.api,
        "POST",
        "/v1/cases",
        &[("Cookie", &cookie), ("Content-Type", "application/json")],
        body.as_bytes(),
    );
    assert_eq!(
        r.status, 403,
        "a cookie without the CSRF token must not change state"
    );
    let r = request(
        &s.api,
        "POST",
        "/v1/cases",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/json"),
            ("X-CSRF-Token", "wrong"),
        ],
        body.as_bytes(),
    );
    assert_eq!(r.status, 403);
    let r = request(
        &s.api,
        "POST",
        "/v1/cases",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/json"),
            ("X-CSRF-Token", &csrf),
        ],
        body.as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = request(
        &s.api,
        "DELETE",
        "/v1/session",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        request(&s.api, "GET", "/v1/alerts", &[("Cookie", &cookie)], b"").status,
        401
    );

    // Metrics: per route template, never a path with an id in it.
    let m = get(&s, "/metrics", an);
    assert_eq!(m.status, 200);
    assert!(
        m.body
            .contains("doxwatch_http_requests_total{route=\"/v1/alerts/{id}\",status=\"2xx\"}"),
        "{}",
        m.body
    );
    assert!(!m.body.contains(&alert_id));

    // Concurrent searches share syncs of the audit log (group commit): each one is still
    // audited, in a chain that verifies.
    let searches = |a: &Value| {
        a.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "search")
            .count()
    };
    let before = searches(&get(&s, "/v1/audit?limit=1000", adm).json());
    std::thread::scope(|scope| {
        for i in 0..12 {
            let s = &s;
            scope.spawn(move || {
                let r = send(
                    s,
                    "POST",
                    "/v1/search",
                    an,
                    &json!({"text": format!("开盒 {i}")}),
                );
                assert_eq!(r.status, 200, "{}", r.body);
            });
        }
    });
    let after = searches(&get(&s, "/v1/audit?limit=1000", adm).json());
    assert_eq!(after, before + 12);

    // Admin: audit log and tokens.
    assert_eq!(get(&s, "/v1/audit", inv).status, 403);
    let audit = get(&s, "/v1/audit?limit=1000", adm).json();
    let actions: Vec<(String, String)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (action, actor) in [
        ("search", "analyst-1 (analyst)"),
        ("evidence.read", "investigator-1 (investigator)"),
        ("export.download", "analyst-1 (analyst)"),
    ] {
        assert!(
            actions.iter().any(|(a, w)| a == action && w == actor),
            "{action} by {actor} not audited: {actions:?}"
        );
    }
    assert!(!audit.to_string().contains(PHONE) && !audit.to_string().contains(&idno));
    let v = get(&s, "/v1/audit/verify", adm).json();
    assert_eq!(v["intact"], true);
    assert_eq!(
        send(
            &s,
            "POST",
            "/v1/tokens",
            inv,
            &json!({"name": "x", "role": "analyst"})
        )
        .status,
        403
    );
    assert_eq!(
        send(
            &s,
            "POST",
            "/v1/tokens",
            adm,
            &json!({"name": "x", "role": "boss"})
        )
        .status,
        400
    );
    let r = send(
        &s,
        "POST",
        "/v1/tokens",
        adm,
        &json!({"name": "temp", "role": "analyst"}),
    );
    assert_eq!(r.status, 201);
    let temp = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(get(&s, "/v1/alerts", Some(&temp)).status, 200);
    let list = get(&s, "/v1/tokens", adm);
    assert!(list.body.contains("\"temp\"") && !list.body.contains(&temp[4..]));
    assert_eq!(
        request(
            &s.api,
            "DELETE",
            "/v1/tokens/temp",
            &[("Authorization", &format!("Bearer {admin}"))],
            b""
        )
        .status,
        204
    );
    assert_eq!(get(&s, "/v1/alerts", Some(&temp)).status, 401);

    // Nothing the server logged carries a plaintext identifier.
    let log = std::fs::read_to_string(&s.log).unwrap();
    assert!(log.contains("request"), "debug request log expected");
    assert!(
        !log.contains(PHONE) && !log.contains(&idno),
        "identifier in the server log"
    );
}

/// Opens the alert stream (with `Last-Event-ID` if given) and reads it until a line holds
/// `needle` or `wait` passes; returns that line.
fn stream_until(
    s: &Server,
    token: &str,
    last_id: Option<i64>,
    needle: &str,
    wait: Duration,
    before_read: impl FnOnce(),
) -> Option<String> {
    let mut sse = std::net::TcpStream::connect(&s.api).unwrap();
    let last = last_id
        .map(|i| format!("Last-Event-ID: {i}\r\n"))
        .unwrap_or_default();
    write!(
        sse,
        "GET /v1/alerts/stream HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n{last}\r\n",
        s.api
    )
    .unwrap();
    sse.set_read_timeout(Some(wait)).unwrap();
    let mut reader = BufReader::new(sse);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    assert!(status.contains("200"), "{status}");
    before_read();
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        if line.contains(needle) {
            return Some(line);
        }
    }
    None
}

#[test]
fn intake_post_appears_live_on_the_stream() {
    let (s, [analyst, _, _]) = start("live", &posts("l", 6).0);
    let id = with_check("44030519850611002");
    let post = json!({"id": "live:1", "platform": "tieba", "text": format!("人肉出来了，他叫李强，电话 139 0013 9000，身份证 {id}，住址深圳市南山区科技园路1号")});
    // Subscribed first; then the post goes through the intake.
    let line = stream_until(
        &s,
        &analyst,
        None,
        "\"post_id\":\"live:1\"",
        Duration::from_secs(20),
        || {
            let r = common::http(
                &s.intake,
                "POST",
                "/v1/posts",
                Some(INTAKE_TOKEN),
                &format!("{post}\n"),
            );
            assert_eq!(r.0, 200, "{}", r.1);
        },
    )
    .expect("the intake's alert did not arrive on the stream");
    assert!(!line.contains("13900139000") && !line.contains(&id));
    let list = get(&s, "/v1/alerts?platform=tieba", Some(&analyst)).json();
    assert_eq!(list["total"], 1);
    // A browser reconnecting with the last event id it saw gets what came after it.
    let position = list["position"].as_i64().unwrap();
    let again = stream_until(
        &s,
        &analyst,
        Some(position - 1),
        "\"post_id\":\"live:1\"",
        Duration::from_secs(10),
        || {},
    );
    assert!(
        again.is_some(),
        "a reconnect from the previous position must replay the alert"
    );
}
