//! Known-leak set throughput: build rows/s from a generated CSV dump, and lookups/s on one core
//! against a large set, mostly misses. Prints the figures and asserts the counts, so a faster
//! but wrong build or lookup cannot pass.
//!
//! `cargo bench -p doxwatch-leakset --bench leakset` (env: `ROWS`, default 5,000,000 CSV rows;
//! `SET`, default 10,000,000 digests for the lookup part; `LOOKUPS`, default 20,000,000;
//! `ONLY=build|lookup|selfcheck`; `CHECK_SET`, default 200,000 phones in the self-check table;
//! `QUERIES`, default 20,000; `DIR` for the files, default the system temp dir).

use doxwatch_leakset::{parse_map, BuildOptions, Builder, LeakSet};
use doxwatch_model::{KeyedHasher, Kind};
use std::io::Write;
use std::time::Instant;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Anonymous memory in transparent huge pages (the filter's arena asks for them), in MB.
fn huge_pages_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("AnonHugePages:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU seconds (user + system, every thread) this process has used: beside wall time, a figure
/// that another build on the same cores inflates less.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces): utime and stime are 14, 15.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

fn dir_bytes(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

/// The ISO 7064 MOD 11-2 check character, written here so the generator does not go through
/// string formatting per row.
fn check(d: &[u8; 17]) -> u8 {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let s: u32 = d.iter().zip(W).map(|(&x, w)| u32::from(x - b'0') * w).sum();
    C[(s % 11) as usize]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let only = std::env::var("ONLY").unwrap_or_default();
    let base = std::env::var("DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let dir = base.join(format!("doxwatch-bench-leakset-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = KeyedHasher::from_secret(b"bench key");
    if only.is_empty() || only == "build" {
        build(&dir, &key);
    }
    if only.is_empty() || only == "lookup" {
        lookup(&dir, &key);
    }
    if only.is_empty() || only == "selfcheck" {
        selfcheck(&dir, &key);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CSV of `ROWS` people (name, ID, phone; every 1000th row with a bad check character and
/// an unallocated phone), built with `id_card=2,phone=3`.
fn build(dir: &std::path::Path, key: &KeyedHasher) {
    let rows = env("ROWS", 5_000_000);
    let csv = dir.join("dump.csv");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv).unwrap());
    let mut bad = 0u64;
    for i in 0..rows {
        // Region 110105, birth dates spread over 1950-01-01..1999-12-28, a sequence number:
        // distinct IDs for i < 50·12·28·1000 = 16.8M.
        let (seq, rest) = (i % 1000, i / 1000);
        let (day, rest) = (1 + rest % 28, rest / 28);
        let (month, rest) = (1 + rest % 12, rest / 12);
        let year = 1950 + rest % 50;
        let mut d = [0u8; 17];
        d.copy_from_slice(format!("110105{year:04}{month:02}{day:02}{seq:03}").as_bytes());
        let mut c = check(&d);
        let phone = if i % 1000 == 999 {
            bad += 1;
            c = if c == b'0' { b'1' } else { b'0' };
            format!("1000{:07}", i % 10_000_000)
        } else {
            format!("13{}{:08}", 5 + i % 5, i / 5)
        };
        w.write_all(b"\xe5\xbc\xa0\xe4\xb8\x89,").unwrap();
        w.write_all(&d).unwrap();
        writeln!(w, "{},{phone}", c as char).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let size = std::fs::metadata(&csv).unwrap().len();
    let out = dir.join("build.leakset");
    let opts = BuildOptions {
        name: "bench".into(),
        source: "generated".into(),
        date: "2025-01-01".into(),
        map: parse_map("id_card=2,phone=3").unwrap(),
        memory_mb: env("MEMORY_MB", 512),
        progress: false,
        oprf: None,
    };
    let (t, cpu0) = (Instant::now(), cpu_secs());
    let mut b = Builder::new(&out, key.clone(), opts).unwrap();
    let setup_secs = t.elapsed().as_secs_f64();
    b.add_dump(&csv).unwrap();
    let (read_secs, cpu1) = (t.elapsed().as_secs_f64(), cpu_secs());
    let m = b.finish().unwrap();
    let (secs, cpu2) = (t.elapsed().as_secs_f64(), cpu_secs());
    println!(
        "build: dictionaries {setup_secs:.2} s, read+canonicalise+hash {:.2} s (cpu {:.2} s), sort+merge+filter+write {:.2} s (cpu {:.2} s)",
        read_secs - setup_secs,
        cpu1 - cpu0,
        secs - read_secs,
        cpu2 - cpu1
    );
    println!(
        "build: {rows} CSV rows ({:.0} MB) in {secs:.2} s = {:.0} rows/s ({:.1} MB/s), {} distinct digests, {} spilled runs, set {:.1} MB on disk",
        size as f64 / 1e6,
        rows as f64 / secs,
        size as f64 / 1e6 / secs,
        m.distinct,
        m.build.spilled_runs,
        dir_bytes(&out) as f64 / 1e6
    );
    assert_eq!(m.rows, rows);
    assert_eq!(m.invalid["id_card"], bad);
    assert_eq!(m.invalid["phone"], bad);
    assert_eq!(m.distinct, 2 * (rows - bad));
}

/// A set of `SET` digests (keyed hashes of generated QQ numbers), then `LOOKUPS` queries of
/// which 1% are members, on one thread.
fn lookup(dir: &std::path::Path, key: &KeyedHasher) {
    let n = env("SET", 10_000_000);
    let q = env("LOOKUPS", 20_000_000);
    let out = dir.join("lookup.leakset");
    let opts = BuildOptions {
        name: "lookup".into(),
        source: "generated".into(),
        date: "2025-01-01".into(),
        map: parse_map("qq=1").unwrap(),
        memory_mb: env("MEMORY_MB", 512),
        progress: false,
        oprf: None,
    };
    let digest =
        |i: u64| -> [u8; 16] { key.hash(Kind::Qq, &i.to_string())[..16].try_into().unwrap() };
    let t = Instant::now();
    let mut b = Builder::new(&out, key.clone(), opts).unwrap();
    for i in 0..n {
        b.add_digest(digest(i)).unwrap();
    }
    let m = b.finish().unwrap();
    let build_secs = t.elapsed().as_secs_f64();
    assert_eq!(m.distinct, n);
    let disk = dir_bytes(&out);
    let rss0 = rss_mb();
    let t = Instant::now();
    let set = LeakSet::open(&out, key).unwrap();
    let open_secs = t.elapsed().as_secs_f64();
    let rss_open = rss_mb();
    // Queries prepared up front: the hash of a query is the matcher's cost, not the set's.
    let queries: Vec<[u8; 16]> = (0..q)
        .map(|i| {
            if i % 100 == 0 {
                digest(i / 100 % n)
            } else {
                digest(n + i)
            }
        })
        .collect();
    let want = q.div_ceil(100);
    // Warm pass, then the measured one.
    let hits = queries.iter().filter(|d| set.contains(d)).count() as u64;
    assert_eq!(hits, want);
    let (t, cpu) = (Instant::now(), cpu_secs());
    let hits = queries.iter().filter(|d| set.contains(d)).count() as u64;
    let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - cpu);
    assert_eq!(hits, want, "lookups found another number of members");
    // Many at once, as a caller holding a batch of digests asks (`LeakSet::contains_many`).
    let mut found = vec![false; queries.len()];
    set.contains_many(&queries, &mut found);
    assert_eq!(found.iter().filter(|&&f| f).count() as u64, want);
    let (t, many_cpu) = (Instant::now(), cpu_secs());
    set.contains_many(&queries, &mut found);
    let (many_secs, many_cpu) = (t.elapsed().as_secs_f64(), cpu_secs() - many_cpu);
    let many_hits = found.iter().filter(|&&f| f).count() as u64;
    assert_eq!(
        many_hits, want,
        "batched lookups found another number of members"
    );
    println!(
        "set: {n} digests built in {build_secs:.1} s ({} spilled runs), {:.1} MB on disk, opened (verified) in {open_secs:.2} s",
        m.build.spilled_runs,
        disk as f64 / 1e6
    );
    println!(
        "lookup: {q} queries (1% members), one core: one at a time {secs:.3} s = {:.1} M lookups/s ({cpu:.2} CPU s = {:.1} M per CPU s), batched (contains_many) {many_secs:.3} s = {:.1} M lookups/s ({many_cpu:.2} CPU s = {:.1} M per CPU s); RSS before open {rss0:.0} MB, after open {rss_open:.0} MB, after lookups {:.0} MB (queries {:.0} MB), of it in huge pages {:.0} MB",
        q as f64 / secs / 1e6,
        q as f64 / cpu / 1e6,
        q as f64 / many_secs / 1e6,
        q as f64 / many_cpu / 1e6,
        rss_mb(),
        q as f64 * 16.0 / 1e6 / 1.048_576,
        huge_pages_mb()
    );
}

/// The self-check server: a table of `CHECK_SET` phones, then `QUERIES` answers (evaluation of a
/// blinded element + the padded bucket) on one thread; the client's blinding and finalizing are
/// prepared or done outside the timed loop.
fn selfcheck(dir: &std::path::Path, key: &KeyedHasher) {
    use doxwatch_leakset::selfcheck::{CheckQuery, OprfKey, OprfTable};
    let n = env("CHECK_SET", 200_000);
    let q = env("QUERIES", 20_000);
    let okey = OprfKey::generate();
    let out = dir.join("check.leakset");
    let opts = BuildOptions {
        name: "check".into(),
        source: "generated".into(),
        date: "2025-01-01".into(),
        map: parse_map("phone=1").unwrap(),
        memory_mb: 512,
        progress: false,
        oprf: Some(okey.clone()),
    };
    let t = Instant::now();
    let mut b = Builder::new(&out, key.clone(), opts).unwrap();
    for i in 0..n {
        b.add(Kind::Phone, &format!("13{}{:08}", 5 + i % 5, i / 5))
            .unwrap();
    }
    let m = b.finish().unwrap();
    let build_secs = t.elapsed().as_secs_f64();
    let table = OprfTable::open(&out, okey).unwrap();
    let queries: Vec<CheckQuery> = (0..q)
        .map(|i| CheckQuery::new(Kind::Phone, &format!("13{}{:08}", 5 + i % 5, i / 5)).unwrap())
        .collect();
    let t = Instant::now();
    let answers: Vec<_> = queries
        .iter()
        .map(|c| table.answer(&c.request).unwrap())
        .collect();
    let secs = t.elapsed().as_secs_f64();
    let found = queries
        .iter()
        .zip(&answers)
        .filter(|(c, a)| c.decide(a).unwrap())
        .count() as u64;
    assert_eq!(found, q.min(n), "every queried phone is in the table");
    let resp = serde_json::to_vec(&answers[0]).unwrap().len();
    let req = serde_json::to_vec(&queries[0].request).unwrap().len();
    println!(
        "selfcheck: table of {n} phones built in {build_secs:.1} s ({:.0} OPRF evaluations/s), pad_to {} values; {q} answers in {secs:.2} s = {:.0} queries/s on one core; request {req} bytes, answer {resp} bytes of JSON",
        n as f64 / build_secs,
        m.oprf.unwrap().pad_to,
        q as f64 / secs
    );
}
