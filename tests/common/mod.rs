//! Helpers shared by the end-to-end tests. Every value is synthetic: IDs get a computed check
//! character, phones are in the 138 0013 xxxx placeholder range, names are common made-up ones.
#![allow(dead_code)]

use std::collections::BTreeSet;

/// ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID.
pub fn with_check(first17: &str) -> String {
    doxwatch_detect::detectors::id_card::with_check(first17)
}

/// `n` JSONL posts with ids `TAG:i`: every third a doxxing post about a distinct synthetic
/// person, the others benign. Returns the JSONL and the ids that must raise an alert.
pub fn posts(tag: &str, n: usize) -> (String, BTreeSet<String>) {
    let mut out = String::new();
    let mut positive = BTreeSet::new();
    for i in 0..n {
        let id = format!("{tag}:{i}");
        let text = if i % 3 == 0 {
            positive.insert(id.clone());
            let idno = with_check(&format!(
                "110105198{:01}0{:01}1{:01}{:03}",
                i % 10,
                1 + i % 9,
                i % 10,
                i % 1000
            ));
            format!(
                "扒出来了，本名张伟，手机 138 {:04} {:04}，身份证 {idno}，大家冲他",
                13 + i % 7,
                i % 10_000
            )
        } else {
            format!("今天第{i}次去公园散步，天气很好，心情不错。")
        };
        out.push_str(&serde_json::json!({"id": id, "platform": "test", "text": text}).to_string());
        out.push('\n');
    }
    (out, positive)
}

/// A free loopback port (released before use: good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A raw HTTP/1.1 request over loopback (no client library needed): (status, body).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    let body = resp
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A counter or gauge read from a `/metrics` endpoint.
pub fn metric(addr: &str, name: &str) -> Option<u64> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    write!(
        s,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut r = String::new();
    s.read_to_string(&mut r).ok()?;
    r.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

pub struct Broker {
    pub child: std::process::Child,
    pub addr: String,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tansu broker on a free loopback port (installed by `scripts/kafka-broker` if missing),
/// killed on drop.
pub fn broker() -> Broker {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka-broker");
    let out = std::process::Command::new(&script)
        .arg("path")
        .output()
        .expect("run scripts/kafka-broker");
    assert!(
        out.status.success(),
        "the test broker is missing and could not be installed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let port = free_port();
    let url = format!("tcp://127.0.0.1:{port}");
    let child = std::process::Command::new(bin)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
            "--storage-engine",
            "memory://tansu/",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start tansu");
    let addr = format!("127.0.0.1:{port}");
    let t0 = std::time::Instant::now();
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(20),
            "broker did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Broker { child, addr }
}

/// An HTTP answer: status, headers (names lower-case), body.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One HTTP/1.1 request over loopback with the given headers (`Connection: close`; chunked
/// answers are decoded).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before reading a large body; a reset is fine then.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.get(9..12))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || after.len() < n {
                break;
            }
            out.push_str(&after[..n]);
            rest = after[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        rest.to_string()
    };
    Resp {
        status,
        headers,
        body,
    }
}
