//! End-to-end tests of the `doxwatch` binary: `scan` on synthetic fixtures written to a temporary
//! directory. Every value here is invented: the ID numbers are built from made-up parts with a
//! valid check character (`with_check`), `13800138000` is the usual placeholder mobile number.

use serde_json::{json, Value};
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

mod common;

use common::with_check;

const BIN: &str = env!("CARGO_BIN_EXE_doxwatch");

/// The synthetic mobile number of the masking checks.
const PHONE: &str = "13800138000";
/// A synthetic 18-character resident ID (region 110105, born 1985-06-12, valid check character).
const ID: &str = "110105198506120317";
/// The birth-date block of `ID`: must not leak either.
const ID_BIRTH: &str = "19850612";
/// A synthetic full name next to the identifiers.
const NAME: &str = "王建国";

/// A doxxing post: name, phone, ID and home address of one person, with hostile framing. The
/// leading emoji and the mathematical digit are outside the BMP, so code-point, UTF-16 and byte
/// offsets all differ.
fn dox_text() -> String {
    format!(
        "😂𝟏扒出来了，这个人叫{NAME}，手机{PHONE}，身份证{ID}，住北京市朝阳区建国路88号6栋501室，大家去问候他"
    )
}
const SALE_TEXT: &str = "专业查档 开房记录 户籍 机主信息 全国可查 一条50元 TG：@demo_lookup_01";
/// Posts that must not be flagged at all: everyday words shared with the sale vocabulary, news
/// about doxxing, and numbers that are not personal data.
const BENIGN_TEXTS: &[&str] = &[
    "今天天气不错，去公园跑步了，跑步轨迹很漂亮",
    "订单号：13800138000123，客服热线 400-800-8888，备案号：京ICP备12345678号",
    "网友被“开盒”后遭到大量骚扰电话，律师表示，受害者可以报警并保留证据。",
    "证件号码 110105********002X，手机 138****8000：这是打码后的截图",
    "盲盒开盒第56弹，这次终于不是重复款了 🎉",
    "户籍迁移需要带身份证和户口本到派出所办理",
    "联系电话：010-87765777，营业时间9:00-18:00",
];

#[test]
fn fixture_id_is_valid() {
    assert_eq!(with_check(&ID[..17]), ID);
    assert_eq!(&ID[6..14], ID_BIRTH);
}

// ---------------------------------------------------------------------------------------------
// Harness: a temporary directory and a runner.

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "doxwatch-cli-{}-{}-{tag}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Exited normally (not killed by a signal) and did not panic.
    fn assert_no_panic(&self, what: &str) {
        assert!(
            !self.stderr.contains("panicked"),
            "{what}: panicked:\n{}",
            self.stderr
        );
        assert!(
            (0..=2).contains(&self.code),
            "{what}: exit code {} (stderr: {})",
            self.code,
            self.stderr
        );
    }

    /// `--json` output: one object per line.
    fn json(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l:?}")))
            .collect()
    }

    fn ids(&self) -> Vec<String> {
        self.json()
            .iter()
            .map(|o| o["id"].as_str().expect("id is a string").to_owned())
            .collect()
    }
}

fn run<S: AsRef<OsStr>>(args: &[S], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DOXWATCH_HASH_KEY")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn doxwatch");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for doxwatch");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

fn scan(args: &[&Path]) -> Run {
    let mut all: Vec<&OsStr> = vec![OsStr::new("scan")];
    all.extend(args.iter().map(|p| p.as_os_str()));
    run(&all, None)
}

fn post(id: &str, text: &str) -> String {
    json!({"id": id, "platform": "test", "author": "tester", "text": text}).to_string()
}

fn jsonl(posts: &[(&str, &str)]) -> String {
    posts.iter().map(|(id, t)| post(id, t) + "\n").collect()
}

fn kinds(o: &Value) -> Vec<String> {
    o["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Code-point offsets of `needle` in `hay`.
fn char_span(hay: &str, needle: &str) -> (u64, u64) {
    let b = hay.find(needle).expect("needle in text");
    let start = hay[..b].chars().count() as u64;
    (start, start + needle.chars().count() as u64)
}

fn assert_masked(what: &str, out: &str) {
    for secret in [PHONE, ID, &ID.to_lowercase(), ID_BIRTH, NAME] {
        assert!(
            !out.contains(secret),
            "{what}: plaintext {secret:?} in the output:\n{out}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// (a) the shipped example.

#[test]
fn scan_example_reports_doxxing_and_sale_ad() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/posts.jsonl");
    let r = scan(&[&example]);
    r.assert_no_panic("examples");
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(r.stdout.contains("doxxing"), "{}", r.stdout);
    assert!(r.stdout.contains("data_sale_ad"), "{}", r.stdout);
    assert!(!r.stdout.contains("\x1b["), "no colour when not a terminal");
    // The example's phone is written 138-0013-8000; only the masked form may appear.
    assert!(r.stdout.contains("138****8000"));
    assert!(!r.stdout.contains(PHONE) && !r.stdout.contains("138-0013-8000"));
}

// ---------------------------------------------------------------------------------------------
// (b) `--json`: one object per post, the wire fields, code-point offsets, masking.

#[test]
fn json_output_is_one_masked_object_per_post() {
    let dir = TempDir::new("json");
    let dox = dox_text();
    // The same person written with separators: the output must not leak the digits either.
    let spaced = format!("这就是那个骗子 {NAME} 手机 138 0013 8000 身份证 1101 0519 8506 1203 17");
    let mut posts: Vec<(String, String)> = vec![
        ("dox".into(), dox.clone()),
        ("sale".into(), SALE_TEXT.into()),
        ("spaced".into(), spaced),
        (
            "self".into(),
            format!("出闲置：考研资料，价格80元，同城自提，有意者联系{PHONE}"),
        ),
    ];
    for (i, t) in BENIGN_TEXTS.iter().enumerate() {
        posts.push((format!("benign{i}"), (*t).into()));
    }
    let refs: Vec<(&str, &str)> = posts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let file = dir.write("posts.jsonl", jsonl(&refs));

    for hash_key in [None, Some("synthetic-test-key")] {
        let mut cmd = Command::new(BIN);
        cmd.arg("scan")
            .arg("--json")
            .arg(&file)
            .env("NO_COLOR", "1");
        match hash_key {
            Some(k) => cmd.env("DOXWATCH_HASH_KEY", k),
            None => cmd.env_remove("DOXWATCH_HASH_KEY"),
        };
        let out = cmd.output().expect("run doxwatch");
        let r = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        let what = format!("--json (hash key {hash_key:?})");
        r.assert_no_panic(&what);
        assert_eq!(r.code, 0, "{what}: {}", r.stderr);
        assert_masked(&what, &r.stdout);
        assert_masked(&what, &r.stderr);

        let objs = r.json();
        let want_ids: Vec<&str> = posts.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            r.ids(),
            want_ids,
            "{what}: one object per post, in input order"
        );
        for (o, (id, text)) in objs.iter().zip(&posts) {
            assert!(o["verdict"].is_string(), "{id}: verdict");
            let findings = o["findings"].as_array().expect("findings is an array");
            let len = text.chars().count() as u64;
            for f in findings {
                assert!(f["kind"].is_string(), "{id}: kind in {f}");
                assert!(f["masked"].is_string(), "{id}: masked in {f}");
                let (s, e) = (f["start"].as_u64().unwrap(), f["end"].as_u64().unwrap());
                assert!(
                    s < e && e <= len,
                    "{id}: span {s}..{e} of a {len}-char text"
                );
                // A keyed hash on every identifier when the deployment key is set, never
                // without it; sale keywords are words, not identifiers.
                let want_hash = hash_key.is_some() && f["kind"] != "ad_keyword";
                assert_eq!(
                    f.get("hash").is_some(),
                    want_hash,
                    "{id}: hash with key {hash_key:?}: {f}"
                );
            }
        }

        let by_id = |id: &str| &objs[want_ids.iter().position(|x| *x == id).unwrap()];
        let d = by_id("dox");
        assert_eq!(d["verdict"], "doxxing", "{d}");
        assert!(d["labels"]
            .as_array()
            .unwrap()
            .contains(&json!("doxxing_post")));
        let k = kinds(d);
        for want in ["phone", "id_card", "name", "address"] {
            assert!(k.iter().any(|x| x == want), "dox: no {want} in {k:?}");
        }
        // Offsets are code points into the original text (the text starts with two non-BMP
        // characters).
        let find = |kind: &str| {
            let f = d["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["kind"] == kind)
                .unwrap();
            (f["start"].as_u64().unwrap(), f["end"].as_u64().unwrap())
        };
        assert_eq!(find("phone"), char_span(&dox, PHONE));
        assert_eq!(find("id_card"), char_span(&dox, ID));
        assert_eq!(find("name"), char_span(&dox, NAME));

        let s = by_id("sale");
        assert_eq!(s["verdict"], "data_sale_ad", "{s}");
        assert!(kinds(s).iter().any(|k| k == "ad_keyword"), "{s}");

        for i in 0..BENIGN_TEXTS.len() {
            let b = by_id(&format!("benign{i}"));
            assert_eq!(b["verdict"], "none", "{b}");
            assert_eq!(b["labels"], json!(["benign"]), "{b}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (c) a bad line in the middle: reported with its line number, the other lines still scanned.

#[test]
fn bad_json_lines_are_reported_and_skipped() {
    // Every bad line sits between two good posts; each must be named by its line number.
    let bad_lines = [
        ("truncated", r#"{"id": "broken", "text": "#),
        ("not json", "this is not a post"),
        ("no text", r#"{"id": "no-text"}"#),
        ("no id", r#"{"text": "手机13800138000"}"#),
        ("array", "[1, 2, 3]"),
        ("text not a string", r#"{"id": "n", "text": 42}"#),
    ];
    let mut body = post("p0", &dox_text()) + "\n";
    let mut want_ids = vec!["p0".to_owned()];
    for (i, (_, bad)) in bad_lines.iter().enumerate() {
        body += bad;
        body += "\n";
        let id = format!("p{}", i + 1);
        body += &post(
            &id,
            if i % 2 == 0 {
                SALE_TEXT
            } else {
                BENIGN_TEXTS[0]
            },
        );
        body += "\n";
        want_ids.push(id);
    }
    let dir = TempDir::new("badjson");
    let file = dir.write("mixed.jsonl", body);
    let r = run(
        &[OsStr::new("scan"), OsStr::new("--json"), file.as_os_str()],
        None,
    );
    r.assert_no_panic("bad json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    for (i, (what, _)) in bad_lines.iter().enumerate() {
        let where_ = format!("{}:{}:", file.display(), 2 * i + 2);
        assert!(
            r.stderr.contains(&where_),
            "{what}: stderr should name its line ({where_}):\n{}",
            r.stderr
        );
    }
    assert!(
        r.stderr
            .contains(&format!("{} line(s) were not valid posts", bad_lines.len())),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.ids(),
        want_ids,
        "the good lines are all scanned, in order"
    );
    assert_eq!(r.json()[0]["verdict"], "doxxing");
    assert_eq!(r.json()[1]["verdict"], "data_sale_ad");
    assert_masked("bad json", &r.stderr);
}

// ---------------------------------------------------------------------------------------------
// (d) invalid UTF-8: decoded lossily, counted on stderr, the record still scanned.

#[test]
fn invalid_utf8_is_decoded_lossily_and_scanned() {
    let dox = format!("扒出来了 手机{PHONE} 身份证{ID} 大家冲");
    let damaged: [(&str, Vec<u8>); 3] = [
        // Bytes that never occur in UTF-8, before the text.
        ("lone", [b"\xff\xfe".as_slice(), dox.as_bytes()].concat()),
        // The first two bytes of a 3-byte character, in the middle of the text.
        ("cut", {
            let mid = dox.find("身份证").unwrap();
            [&dox.as_bytes()[..mid], b"\xe4\xb8", &dox.as_bytes()[mid..]].concat()
        }),
        // An encoded UTF-16 surrogate at the end.
        ("surrogate", [dox.as_bytes(), b"\xed\xa0\x80"].concat()),
    ];
    let dir = TempDir::new("utf8");
    for plain in [false, true] {
        let mut body = Vec::new();
        for (i, (_, text)) in damaged.iter().enumerate() {
            if plain {
                body.extend_from_slice(text);
            } else {
                body.extend_from_slice(format!(r#"{{"id": "u{i}", "text": ""#).as_bytes());
                body.extend_from_slice(text);
                body.extend_from_slice(b"\"}");
            }
            body.push(b'\n');
        }
        if plain {
            body.extend_from_slice(SALE_TEXT.as_bytes());
        } else {
            body.extend_from_slice(post("sale", SALE_TEXT).as_bytes());
        }
        body.push(b'\n');
        let file = dir.write(if plain { "bad.txt" } else { "bad.jsonl" }, &body);
        let what = format!("invalid UTF-8 (plain: {plain})");
        let r = run(
            &[OsStr::new("scan"), OsStr::new("--json"), file.as_os_str()],
            None,
        );
        r.assert_no_panic(&what);
        assert_eq!(r.code, 0, "{what}: {}", r.stderr);
        assert!(
            r.stderr.contains("3 record(s) had invalid UTF-8"),
            "{what}: stderr should count the invalid UTF-8 records:\n{}",
            r.stderr
        );
        let objs = r.json();
        assert_eq!(objs.len(), 4, "{what}: every record scanned: {}", r.stdout);
        for (o, (name, _)) in objs.iter().zip(&damaged) {
            let k = kinds(o);
            assert!(
                k.iter().any(|x| x == "phone") && k.iter().any(|x| x == "id_card"),
                "{what}, {name}: the damaged record is still scanned: {k:?}"
            );
        }
        assert_eq!(objs[3]["verdict"], "data_sale_ad", "{what}");
        assert_masked(&what, &r.stdout);
    }
}

// ---------------------------------------------------------------------------------------------
// (e), (f) and the other exit codes, table-driven: 0 flagged, 1 nothing, 2 error.

#[test]
fn exit_codes() {
    let dir = TempDir::new("exit");
    let benign_jsonl = {
        let posts: Vec<(String, &str)> = BENIGN_TEXTS
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("b{i}"), *t))
            .collect();
        let refs: Vec<(&str, &str)> = posts.iter().map(|(a, b)| (a.as_str(), *b)).collect();
        jsonl(&refs)
    };
    let benign_plain: String = BENIGN_TEXTS.iter().map(|t| format!("{t}\n")).collect();
    let empty = dir.write("empty.jsonl", "");
    let blank = dir.write("blank.jsonl", "\n\n  \n\r\n");
    let empty_txt = dir.write("empty.txt", "");
    let benign = dir.write("benign.jsonl", &benign_jsonl);
    let benign_txt = dir.write("benign.txt", &benign_plain);
    let dox = dir.write("dox.jsonl", post("d", &dox_text()) + "\n");
    let only_bad = dir.write("bad.jsonl", "{nope\n");
    let missing = dir.0.join("does-not-exist.jsonl");
    let sub = TempDir::new("exit-dir");
    sub.write("a.jsonl", &benign_jsonl);
    sub.write("b.txt", SALE_TEXT);

    let p = |p: &Path| p.to_str().unwrap().to_owned();
    let dox_stdin = dox_text().into_bytes();
    // (what, arguments after `scan`, stdin, expected exit code)
    type Case<'a> = (&'a str, Vec<String>, Option<&'a [u8]>, i32);
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("empty file",                 vec![p(&empty)],                    None, 1),
        ("blank lines only",           vec![p(&blank)],                    None, 1),
        ("empty plain file",           vec!["--plain".into(), p(&empty_txt)], None, 1),
        ("stdin '-' with no input",    vec!["-".into()],                   Some(b""), 1),
        ("stdin '-' blank lines",      vec!["-".into()],                   Some(b"\n \n"), 1),
        ("stdin without a path",       vec![],                             Some(b""), 1),
        ("stdin --plain no posts",     vec!["--plain".into(), "-".into()], Some(b""), 1),
        ("--json empty file",          vec!["--json".into(), p(&empty)],   None, 1),
        ("benign-only file",           vec![p(&benign)],                   None, 1),
        ("benign-only plain",          vec![p(&benign_txt)],               None, 1),
        ("only a bad line",            vec![p(&only_bad)],                 None, 1),
        ("a doxxing post",             vec![p(&dox)],                      None, 0),
        ("benign then doxxing",        vec![p(&benign), p(&dox)],          None, 0),
        ("plain text on stdin as JSONL", vec!["-".into()],                 Some(&dox_stdin), 1),
        ("doxxing on stdin --plain",   vec!["--plain".into(), "-".into()], Some(&dox_stdin), 0),
        ("a directory",                vec![p(&sub.0)],                    None, 0),
        ("a missing file",             vec![p(&missing)],                  None, 2),
    ];
    for (what, args, stdin, want) in cases {
        let mut all = vec!["scan".to_owned()];
        all.extend(args);
        let r = run(&all, stdin);
        r.assert_no_panic(what);
        assert_eq!(
            r.code, want,
            "{what}: exit code\nstdout: {}\nstderr: {}",
            r.stdout, r.stderr
        );
        if want == 1 && !what.contains("--json") {
            assert_eq!(
                r.stdout, "",
                "{what}: nothing printed when nothing is flagged"
            );
        }
        if want == 2 {
            assert!(
                r.stderr.contains("does-not-exist.jsonl"),
                "{what}: {}",
                r.stderr
            );
        }
        assert_masked(what, &r.stdout);
    }
}

#[test]
fn benign_only_json_has_verdict_none_for_every_post() {
    let dir = TempDir::new("benign");
    let posts: Vec<(String, &str)> = BENIGN_TEXTS
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("b{i}"), *t))
        .collect();
    let refs: Vec<(&str, &str)> = posts.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let file = dir.write("benign.jsonl", jsonl(&refs));
    let r = run(
        &[OsStr::new("scan"), OsStr::new("--json"), file.as_os_str()],
        None,
    );
    r.assert_no_panic("benign");
    assert_eq!(r.code, 1);
    let objs = r.json();
    assert_eq!(objs.len(), BENIGN_TEXTS.len());
    for (o, t) in objs.iter().zip(BENIGN_TEXTS) {
        assert_eq!(o["verdict"], "none", "{t}: {o}");
        assert_eq!(o["findings"], json!([]), "{t}: {o}");
    }
}

// ---------------------------------------------------------------------------------------------
// (g) `--plain`: every non-blank line is a post, JSON or not.

#[test]
fn plain_treats_every_line_as_a_post() {
    let dir = TempDir::new("plain");
    // Named .jsonl on purpose: `--plain` overrides the extension.
    let body = format!(
        "{}\n\n{}\n{}\r\n",
        dox_text(),
        post("looks-like-json", SALE_TEXT),
        BENIGN_TEXTS[0]
    );
    let file = dir.write("lines.jsonl", &body);
    let name = file.display().to_string();

    let r = run(
        &[
            OsStr::new("scan"),
            OsStr::new("--plain"),
            OsStr::new("--json"),
            file.as_os_str(),
        ],
        None,
    );
    r.assert_no_panic("--plain");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "", "no line is rejected in plain mode");
    let objs = r.json();
    // The blank line 2 is not a post; ids are `file:line`.
    assert_eq!(
        r.ids(),
        [
            format!("{name}:1"),
            format!("{name}:3"),
            format!("{name}:4")
        ]
    );
    assert_eq!(objs[0]["verdict"], "doxxing");
    // The JSON line is scanned as text: the sale ad inside it is still found.
    assert_eq!(objs[1]["verdict"], "data_sale_ad", "{}", objs[1]);
    assert_eq!(objs[2]["verdict"], "none");
    assert_masked("--plain", &r.stdout);

    // Without --plain the same file is JSONL: lines 1 and 4 are rejected, line 3 is a post.
    let r = run(
        &[OsStr::new("scan"), OsStr::new("--json"), file.as_os_str()],
        None,
    );
    r.assert_no_panic("jsonl");
    assert_eq!(r.ids(), ["looks-like-json"]);
    for line in [1, 4] {
        assert!(
            r.stderr.contains(&format!("{name}:{line}:")),
            "line {line}: {}",
            r.stderr
        );
    }
    assert_masked("jsonl", &r.stderr);

    // Plain text on stdin, and a .txt file without the flag.
    let input = format!("{}\n{}\n", BENIGN_TEXTS[1], SALE_TEXT);
    let r = run(&["scan", "--plain", "--json", "-"], Some(input.as_bytes()));
    r.assert_no_panic("stdin --plain");
    assert_eq!(r.ids(), ["<stdin>:1", "<stdin>:2"]);
    assert_eq!(r.json()[1]["verdict"], "data_sale_ad");

    let txt = dir.write("notes.txt", &input);
    let r = run(
        &[OsStr::new("scan"), OsStr::new("--json"), txt.as_os_str()],
        None,
    );
    assert_eq!(
        r.json().len(),
        2,
        ".txt is plain text by default: {}",
        r.stderr
    );
}

#[test]
fn a_multi_megabyte_post_is_scanned_in_windows() {
    // Over LONG_TEXT, so the binary takes the windowed path; the doxxing part sits near the end
    // and again across the first window seam.
    let filler = "今天天气很好，我们去公园散步。".repeat(5000);
    let text = format!("{filler}{}{filler}{}", dox_text(), dox_text());
    assert!(text.len() > 256 * 1024);
    let input = post("long", &text) + "\n";
    let r = run(&["scan", "--json", "-"], Some(input.as_bytes()));
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let o: Value = serde_json::from_str(r.stdout.trim()).expect("one JSON object");
    assert_eq!(o["verdict"], "doxxing");
    let phones: Vec<u64> = o["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "phone")
        .map(|f| f["start"].as_u64().unwrap())
        .collect();
    let (first, _) = char_span(&text, PHONE);
    let second = text.chars().count() as u64
        - (dox_text().chars().count() as u64 - (char_span(&dox_text(), PHONE).0));
    assert_eq!(phones, vec![first, second]);
    assert_masked("long post", &r.stdout);
}

/// `produce`, `consume` and `crawl --kafka` take librdkafka properties as a config does: the
/// keys doxwatch owns and malformed arguments are refused before any connection, naming the
/// key and never the value.
#[test]
fn kafka_command_properties_are_checked() {
    let secret = "hunter2-do-not-print";
    for args in [
        vec!["produce", "/dev/null", "--property", "acks=0"],
        vec!["consume", "t", "--property", "enable.auto.commit=true"],
        vec!["produce", "/dev/null", "--property", secret],
        vec![
            "crawl",
            "pipelines/sites/example-forum.toml",
            "--kafka",
            "127.0.0.1:1",
            "--kafka-property",
            "group.id=x",
        ],
    ] {
        let r = run(&args, None);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("--property"), "{args:?}: {}", r.stderr);
        assert!(!r.stderr.contains(secret), "{}", r.stderr);
    }
    let r = run(&["produce", "/dev/null", "--property", "acks=0"], None);
    assert!(r.stderr.contains("`acks`"), "{}", r.stderr);
    let r = run(&["consume", "t", "--property", "sasl.password=env:"], None);
    assert!(r.stderr.contains("sasl.password"), "{}", r.stderr);
}
