//! Sets built from synthetic dumps: exactly the planted identifiers are found, invalid rows are
//! counted, another key is refused, damaged files are refused with a clear error, merge works.

use doxwatch_detect::detectors::id_card::with_check;
use doxwatch_leakset::{merge, parse_map, BuildOptions, Builder, LeakSet, LeakSetError};
use doxwatch_model::{KeyedHasher, Kind};
use std::io::Write;
use std::path::{Path, PathBuf};

fn key() -> KeyedHasher {
    KeyedHasher::from_secret(b"leakset test key")
}

fn opts(name: &str, map: &str, memory_mb: u64) -> BuildOptions {
    BuildOptions {
        name: name.into(),
        source: "synthetic".into(),
        date: "2025-06-01".into(),
        map: parse_map(map).unwrap(),
        memory_mb,
        progress: false,
        oprf: None,
    }
}

/// Synthetic IDs (Beijing Chaoyang, born 1990, valid check character) and phones.
fn id(i: u32) -> String {
    with_check(&format!("110105199003{:02}{:03}", 1 + i % 28, i % 1000))
}
fn phone(i: u32) -> String {
    format!("1380013{:04}", i)
}

struct Dumps {
    _dir: tempfile::TempDir,
    root: PathBuf,
    planted_ids: Vec<String>,
    planted_phones: Vec<String>,
}

fn dumps() -> Dumps {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let mut planted_ids = Vec::new();
    let mut planted_phones = Vec::new();
    // CSV: name, gender, id, city, phone; plus a header and invalid rows.
    let mut csv = String::from("name,gender,id,city,phone\n");
    for i in 0..40 {
        csv.push_str(&format!("张{i},男,{},北京,\"{}\"\n", id(i), phone(i)));
        planted_ids.push(id(i));
        planted_phones.push(phone(i));
    }
    csv.push_str("李四,女,110105199003011230,北京,10000000000\n"); // bad check, unallocated phone
    csv.push_str("王五,女,,北京,\n"); // empty: neither valid nor invalid
    std::fs::write(root.join("a.csv"), &csv).unwrap();
    // The same shape gzipped, with other people, phones written loosely.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 40..60 {
        writeln!(
            gz,
            "赵{i},男,{},上海,+86 138-0013-{:04}",
            id(i).to_lowercase(),
            i
        )
        .unwrap();
        planted_ids.push(id(i));
        planted_phones.push(phone(i));
    }
    writeln!(gz, "钱,男,not-an-id,上海,138").unwrap();
    std::fs::write(root.join("b.csv.gz"), gz.finish().unwrap()).unwrap();
    // JSONL with field names.
    let mut jl = String::new();
    for i in 60..70 {
        jl.push_str(&format!(
            "{{\"sfz\":\"{}\",\"mobile\":{},\"extra\":[1]}}\n",
            id(i),
            phone(i)
        ));
        planted_ids.push(id(i));
        planted_phones.push(phone(i));
    }
    jl.push_str("{\"sfz\":\"110105199013011230\",\"mobile\":\"12345\"}\n");
    std::fs::write(root.join("c.jsonl"), jl).unwrap();
    // A plain list of phones.
    let mut txt = String::new();
    for i in 70..75 {
        txt.push_str(&format!("{}\r\n", phone(i)));
        planted_phones.push(phone(i));
    }
    txt.push_str("\n99999\n");
    std::fs::write(root.join("d.txt"), txt).unwrap();
    Dumps {
        _dir: dir,
        root,
        planted_ids,
        planted_phones,
    }
}

fn build(d: &Dumps, out: &Path) -> doxwatch_leakset::Manifest {
    let mut b = Builder::new(out, key(), opts("dump-a", "id_card=3,phone=5", 64)).unwrap();
    b.add_dump(&d.root.join("a.csv")).unwrap();
    b.add_dump(&d.root.join("b.csv.gz")).unwrap();
    b.finish().unwrap()
}

fn build_all(d: &Dumps, out: &Path) -> doxwatch_leakset::Manifest {
    let mut b = Builder::new(out, key(), opts("dump-all", "id_card=3,phone=5", 64)).unwrap();
    b.add_dump(&d.root.join("a.csv")).unwrap();
    b.add_dump(&d.root.join("b.csv.gz")).unwrap();
    b.finish().unwrap();
    let mut j = Builder::new(
        &out.with_extension("j"),
        key(),
        opts("dump-j", "id_card=sfz,phone=mobile", 64),
    )
    .unwrap();
    j.add_dump(&d.root.join("c.jsonl")).unwrap();
    let m = j.finish().unwrap();
    let mut t = Builder::new(
        &out.with_extension("t"),
        key(),
        opts("dump-t", "phone=1", 64),
    )
    .unwrap();
    t.add_dump(&d.root.join("d.txt")).unwrap();
    t.finish().unwrap();
    m
}

#[test]
fn finds_exactly_the_planted_identifiers() {
    let d = dumps();
    let out = d.root.join("a.leakset");
    let m = build(&d, &out);
    assert_eq!(
        m.rows,
        40 + 1 + 1 + 1 + 20 + 1,
        "header, bad row, empty row counted as rows"
    );
    assert_eq!(m.counts["id_card"], 60);
    assert_eq!(m.counts["phone"], 60);
    // Header `id`, the bad check digit, `not-an-id`; header `phone`, 10000000000, 138.
    assert_eq!(m.invalid["id_card"], 3);
    assert_eq!(m.invalid["phone"], 3);
    assert_eq!(m.distinct, 120);
    let k = key();
    let set = LeakSet::open(&out, &k).unwrap();
    for v in &d.planted_ids[..60] {
        assert!(set.contains_value(&k, Kind::IdCard, v));
        // Kind separation: the same characters as another kind are not in the set.
        assert!(!set.contains_value(&k, Kind::BankCard, v));
    }
    for v in &d.planted_phones[..60] {
        assert!(set.contains_value(&k, Kind::Phone, v));
        let hex = k.hash_hex(Kind::Phone, v);
        assert!(set.contains_hex(&hex), "an alert's hash finds the member");
    }
    // Clean identifiers: none found.
    for i in 100..2000 {
        let clean_id = with_check(&format!("110105199004{:02}{:03}", 1 + i % 28, i % 1000));
        assert!(!set.contains_value(&k, Kind::IdCard, &clean_id));
        assert!(!set.contains_value(&k, Kind::Phone, &phone(i)));
    }
    // Many at once: members among clean phones, exactly the members found.
    let digest = |kind, v: &str| -> [u8; 16] { k.hash(kind, v)[..16].try_into().unwrap() };
    let mut queries = Vec::new();
    let mut want = Vec::new();
    for i in 100..1100 {
        queries.push(digest(Kind::Phone, &phone(i)));
        want.push(false);
        if i % 17 == 0 {
            let v = &d.planted_phones[i as usize % 60];
            queries.push(digest(Kind::Phone, v));
            want.push(true);
        }
    }
    let mut found = vec![true; queries.len()];
    set.contains_many(&queries, &mut found);
    assert_eq!(found, want);
}

#[test]
fn jsonl_and_plain_lists() {
    let d = dumps();
    let out = d.root.join("all.leakset");
    let m = build_all(&d, &out);
    assert_eq!(m.counts["id_card"], 10);
    assert_eq!(m.counts["phone"], 10);
    assert_eq!(m.invalid["id_card"], 1);
    assert_eq!(m.invalid["phone"], 1);
    let k = key();
    let j = LeakSet::open(&out.with_extension("j"), &k).unwrap();
    assert!(d.planted_ids[60..70]
        .iter()
        .all(|v| j.contains_value(&k, Kind::IdCard, v)));
    assert!(d.planted_phones[60..70]
        .iter()
        .all(|v| j.contains_value(&k, Kind::Phone, v)));
    assert!(!j.contains_value(&k, Kind::Phone, &d.planted_phones[0]));
    let t = LeakSet::open(&out.with_extension("t"), &k).unwrap();
    assert_eq!(t.manifest().invalid["phone"], 1);
    assert_eq!(t.len(), 5);
    assert!(d.planted_phones[70..75]
        .iter()
        .all(|v| t.contains_value(&k, Kind::Phone, v)));
}

#[test]
fn wrong_key_is_refused() {
    let d = dumps();
    let out = d.root.join("a.leakset");
    build(&d, &out);
    let other = KeyedHasher::from_secret(b"another deployment");
    let e = LeakSet::open(&out, &other).unwrap_err();
    assert!(matches!(e, LeakSetError::WrongKey { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&key().key_id()) && msg.contains(&other.key_id()),
        "{msg}"
    );
    // Opened without the key check, the other key's digests find nothing.
    let set = LeakSet::open_keyless(&out).unwrap();
    assert!(d
        .planted_phones
        .iter()
        .all(|v| !set.contains_value(&other, Kind::Phone, v)));
}

#[test]
fn damaged_sets_are_refused() {
    let d = dumps();
    let good = d.root.join("a.leakset");
    build(&d, &good);
    let k = key();
    let copy = |name: &str| {
        let dst = d.root.join(name);
        std::fs::create_dir(&dst).unwrap();
        for f in ["manifest.json", "digests.bin", "filter.bin"] {
            std::fs::copy(good.join(f), dst.join(f)).unwrap();
        }
        dst
    };
    type Damage = fn(&Path);
    let cases: &[(&str, Damage, &str)] = &[
        (
            "truncated digests",
            |p| {
                let b = std::fs::read(p.join("digests.bin")).unwrap();
                std::fs::write(p.join("digests.bin"), &b[..b.len() - 16]).unwrap();
            },
            "truncated",
        ),
        (
            "bit flip in digests",
            |p| {
                let mut b = std::fs::read(p.join("digests.bin")).unwrap();
                b[100] ^= 0x10;
                std::fs::write(p.join("digests.bin"), b).unwrap();
            },
            "BLAKE3",
        ),
        (
            "bit flip in filter",
            |p| {
                let mut b = std::fs::read(p.join("filter.bin")).unwrap();
                b[9] ^= 1;
                std::fs::write(p.join("filter.bin"), b).unwrap();
            },
            "BLAKE3",
        ),
        (
            "manifest not json",
            |p| {
                std::fs::write(p.join("manifest.json"), b"{\"format\": ").unwrap();
            },
            "not JSON",
        ),
        (
            "manifest count edited",
            |p| {
                let t = std::fs::read_to_string(p.join("manifest.json")).unwrap();
                std::fs::write(
                    p.join("manifest.json"),
                    t.replace("\"distinct\": 120", "\"distinct\": 121"),
                )
                .unwrap();
            },
            "size disagrees",
        ),
        (
            "future version",
            |p| {
                let t = std::fs::read_to_string(p.join("manifest.json")).unwrap();
                std::fs::write(
                    p.join("manifest.json"),
                    t.replace("\"version\": 2", "\"version\": 9"),
                )
                .unwrap();
            },
            "format version 9",
        ),
        (
            "missing filter",
            |p| {
                std::fs::remove_file(p.join("filter.bin")).unwrap();
            },
            "filter.bin",
        ),
    ];
    for (i, (name, damage, want)) in cases.iter().enumerate() {
        let p = copy(&format!("bad{i}.leakset"));
        damage(&p);
        let e = LeakSet::open(&p, &k).expect_err(name).to_string();
        assert!(e.contains(want), "{name}: {e}");
    }
}

#[test]
fn merge_unions_and_dedups() {
    let d = dumps();
    let a = d.root.join("a.leakset");
    build(&d, &a);
    let out = d.root.join("all.leakset");
    build_all(&d, &out);
    let k = key();
    let sets = vec![
        LeakSet::open(&a, &k).unwrap(),
        LeakSet::open(&out.with_extension("j"), &k).unwrap(),
        LeakSet::open(&out.with_extension("t"), &k).unwrap(),
        // A duplicate input adds nothing.
        LeakSet::open(&a, &k).unwrap(),
    ];
    let merged = d.root.join("merged.leakset");
    let m = merge(&merged, &sets, "merged").unwrap();
    assert_eq!(m.distinct, 120 + 20 + 5);
    assert_eq!(
        m.build.merged_from,
        ["dump-a", "dump-j", "dump-t", "dump-a"]
    );
    let s = LeakSet::open(&merged, &k).unwrap();
    assert!(d
        .planted_phones
        .iter()
        .all(|v| s.contains_value(&k, Kind::Phone, v)));
    assert!(d
        .planted_ids
        .iter()
        .all(|v| s.contains_value(&k, Kind::IdCard, v)));
    assert!(!s.contains_value(&k, Kind::Phone, &phone(9000)));
    assert!(matches!(
        merge(&merged, &sets, "again"),
        Err(LeakSetError::Exists(_))
    ));
}

#[test]
fn spilled_runs_merge_to_the_same_set() {
    // 1 MiB holds 65,536 digests: 200,000 phones spill three runs.
    let dir = tempfile::tempdir().unwrap();
    let k = key();
    let mut b = Builder::new(
        &dir.path().join("big.leakset"),
        k.clone(),
        opts("big", "phone=1", 1),
    )
    .unwrap();
    for i in 0..200_000u32 {
        // Every phone twice: de-duplication across runs.
        b.add(Kind::Phone, &format!("13{}{:08}", 5 + i % 5, i / 5))
            .unwrap();
        b.add(Kind::Phone, &format!("13{}{:08}", 5 + i % 5, i / 5))
            .unwrap();
    }
    let m = b.finish().unwrap();
    assert!(m.build.spilled_runs >= 3, "{}", m.build.spilled_runs);
    assert_eq!(m.distinct, 200_000);
    let s = LeakSet::open(&dir.path().join("big.leakset"), &k).unwrap();
    let mut sorted: Vec<[u8; 16]> = s.digests().copied().collect();
    for i in (0..200_000u32).step_by(7) {
        assert!(s.contains_value(&k, Kind::Phone, &format!("13{}{:08}", 5 + i % 5, i / 5)));
    }
    // Misses agree with a plain binary search.
    sorted.sort_unstable();
    let mut fp = 0;
    for i in 0..100_000u32 {
        let h = k.hash(Kind::Qq, &i.to_string());
        let d: [u8; 16] = h[..16].try_into().unwrap();
        assert_eq!(s.contains(&d), sorted.binary_search(&d).is_ok());
        fp += usize::from(s.contains(&d));
    }
    assert_eq!(fp, 0);
}

#[test]
fn dump_read_by_workers_spills_and_merges() {
    // 150,000 rows, each phone twice (two columns), 1 MiB budget: the workers spill runs.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::new();
    for i in 0..150_000u32 {
        let p = format!("13{}{:08}", 5 + i % 5, i / 5);
        csv.push_str(&format!("{p},{p}\n"));
    }
    csv.push_str("x,y\n");
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    let k = key();
    let out = dir.path().join("w.leakset");
    let mut b = Builder::new(&out, k.clone(), opts("w", "phone=1,phone=2", 1)).unwrap();
    b.add_dump(&dir.path().join("d.csv")).unwrap();
    let m = b.finish().unwrap();
    assert!(m.build.spilled_runs >= 2, "{}", m.build.spilled_runs);
    assert_eq!(m.rows, 150_001);
    assert_eq!(m.counts["phone"], 300_000);
    assert_eq!(m.invalid["phone"], 2);
    assert_eq!(m.distinct, 150_000);
    let s = LeakSet::open(&out, &k).unwrap();
    assert!((0..150_000u32).step_by(11).all(|i| s.contains_value(
        &k,
        Kind::Phone,
        &format!("13{}{:08}", 5 + i % 5, i / 5)
    )));
}

/// A dump in the shapes the reader must handle alike: IDs with a lower-case `x` or spaces,
/// phones with `+86`, hyphens or full-width digits, invalid and empty values, duplicates,
/// CRLF line ends, quoted fields (with a comma and a line break inside), no final newline.
fn varied_dump(rows: u32, quoted: bool) -> String {
    let mut s = String::new();
    for i in 0..rows {
        let id = id(i);
        let id = match i % 7 {
            0 => id.to_lowercase(),
            1 => format!("{} {}", &id[..6], &id[6..]),
            _ => id,
        };
        let p = format!("13{}{:08}", 5 + i % 5, i / 3);
        let p = match i % 11 {
            0 => format!("+86 {}-{}-{}", &p[..3], &p[3..7], &p[7..]),
            1 => p
                .chars()
                .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
                .collect(),
            2 => format!("1000{}", &p[4..]),
            3 => String::new(),
            _ => p,
        };
        let name = if quoted && i % 13 == 0 {
            "\"张,\n三\"".to_string()
        } else {
            format!("张{}", i % 100)
        };
        let end = if i % 17 == 0 { "\r\n" } else { "\n" };
        s.push_str(&format!("{name},{id},{p}{end}"));
    }
    s.push_str("李四,110105199003011230,13800138000");
    s
}

/// The files a build writes, pinned: a faster reader, sort or writer must produce the same
/// bytes (`digests.bin`, `filter.bin`) from the same dumps and key, spilled or not.
#[test]
fn outputs_are_byte_identical_to_the_pinned_set() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("plain.csv"), varied_dump(60_000, false)).unwrap();
    std::fs::write(root.join("quoted.csv"), varied_dump(20_000, true)).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(varied_dump(20_000, false).as_bytes()).unwrap();
    std::fs::write(root.join("zipped.csv.gz"), gz.finish().unwrap()).unwrap();
    let mut seen = Vec::new();
    for memory_mb in [64, 1] {
        let out = root.join(format!("pinned-{memory_mb}.leakset"));
        let mut b =
            Builder::new(&out, key(), opts("pinned", "id_card=2,phone=3", memory_mb)).unwrap();
        for f in ["plain.csv", "quoted.csv", "zipped.csv.gz"] {
            b.add_dump(&root.join(f)).unwrap();
        }
        let m = b.finish().unwrap();
        assert_eq!(m.build.spilled_runs > 0, memory_mb == 1, "{memory_mb} MiB");
        let files: Vec<(String, u64, String)> = m
            .files
            .iter()
            .map(|(n, e)| (n.clone(), e.bytes, e.blake3.clone()))
            .collect();
        seen.push((
            m.rows,
            m.counts.clone(),
            m.invalid.clone(),
            m.distinct,
            files,
        ));
    }
    assert_eq!(seen[0], seen[1], "spilled and in-memory builds differ");
    let (rows, counts, invalid, distinct, files) = &seen[0];
    assert_eq!(*rows, 100_003);
    assert_eq!(counts["id_card"], 100_000);
    assert_eq!(counts["phone"], 81_821);
    assert_eq!(invalid["id_card"], 3);
    assert_eq!(invalid["phone"], 9_091);
    assert_eq!(*distinct, 56_091);
    // Recorded from the serial reader and the heap merge (before the parallel reader); the
    // filter re-pinned when it was split into 64 shards (set format 2).
    let want = [
        (
            "digests.bin",
            56_091 * 16,
            "00031c3cb66a157ca0fcb00408002750f370bba7e680516ef1975275e5f68a49",
        ),
        (
            "filter.bin",
            83_596,
            "441ec27a8c40cc7e749b82541e4e51dcfac033564070ef06041db0d3652157b1",
        ),
    ];
    assert_eq!(files.len(), want.len());
    for ((name, bytes, hash), (wname, wbytes, whash)) in files.iter().zip(want) {
        assert_eq!(
            (name.as_str(), *bytes, hash.as_str()),
            (wname, wbytes, whash)
        );
    }
}

/// Points the manifest's entry for `file` at its current bytes, so a damaged file reaches the
/// parser instead of being refused by its BLAKE3.
fn rehash(set: &Path, file: &str) {
    let mpath = set.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&mpath).unwrap()).unwrap();
    let bytes = std::fs::read(set.join(file)).unwrap();
    m["files"][file] = serde_json::json!({
        "bytes": bytes.len(),
        "blake3": blake3::hash(&bytes).to_hex().to_string(),
    });
    std::fs::write(&mpath, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

/// A filter whose shard header does not fit its bytes is refused by the parser itself (the
/// manifest is re-hashed, as a consistent but wrong writer would leave it).
#[test]
fn bad_filter_shard_headers_are_refused() {
    let d = dumps();
    let good = d.root.join("a.leakset");
    build(&d, &good);
    // Magic (8), shard bits (4), then per shard: fingerprint count (8), descriptor (20).
    const ENTRY: usize = 28;
    let count_at = |b: &[u8], s: usize| {
        let at = 12 + s * ENTRY;
        (at, u64::from_le_bytes(b[at..at + 8].try_into().unwrap()))
    };
    type Damage = fn(&mut Vec<u8>, &dyn Fn(&[u8], usize) -> (usize, u64));
    let cases: &[(&str, Damage, &str)] = &[
        ("shard bits", |b, _| b[8] = 40, "above 2^16"),
        (
            "header cut",
            |b, _| b.truncate(12 + ENTRY),
            "header truncated",
        ),
        (
            "count too large",
            |b, at| {
                let (i, n) = at(b, 0);
                b[i..i + 8].copy_from_slice(&(n + (1 << 40)).to_le_bytes());
            },
            "reaches past the file",
        ),
        (
            "bytes left over",
            |b, _| b.push(0),
            "bytes after the last filter shard",
        ),
        (
            "fingerprints moved between shards",
            |b, at| {
                let s = (0..64).find(|&s| at(b, s).1 > 0).unwrap();
                let (i, n) = at(b, s);
                b[i..i + 8].copy_from_slice(&(n - 4).to_le_bytes());
                let (j, m) = at(b, s + 1);
                b[j..j + 8].copy_from_slice(&(m + 4).to_le_bytes());
            },
            "descriptor does not fit",
        ),
    ];
    for (i, (name, damage, want)) in cases.iter().enumerate() {
        let p = d.root.join(format!("bad-shard{i}.leakset"));
        std::fs::create_dir(&p).unwrap();
        for f in ["manifest.json", "digests.bin", "filter.bin"] {
            std::fs::copy(good.join(f), p.join(f)).unwrap();
        }
        let mut b = std::fs::read(p.join("filter.bin")).unwrap();
        damage(&mut b, &count_at);
        std::fs::write(p.join("filter.bin"), b).unwrap();
        rehash(&p, "filter.bin");
        let e = LeakSet::open(&p, &key()).expect_err(name).to_string();
        assert!(e.contains("filter.bin") && e.contains(want), "{name}: {e}");
    }
}

/// A set of format version 1 holds one filter (`DXBFUSE8`, the xorf descriptor, the
/// fingerprints): written that way here, it still opens and finds exactly its members.
#[test]
fn version_1_sets_with_one_filter_still_open() {
    let d = dumps();
    let p = d.root.join("v1.leakset");
    build(&d, &p);
    let mut keys: Vec<u64> = LeakSet::open(&p, &key())
        .unwrap()
        .digests()
        .map(|d| u64::from_be_bytes(d[..8].try_into().unwrap()))
        .collect();
    keys.dedup();
    let filter = xorf::BinaryFuse8::try_from(&keys).unwrap();
    let mut bytes = b"DXBFUSE8".to_vec();
    let mut descriptor = [0u8; xorf::Descriptor::DMA_LEN];
    xorf::DmaSerializable::dma_copy_descriptor_to(&filter, &mut descriptor);
    bytes.extend_from_slice(&descriptor);
    bytes.extend_from_slice(&filter.fingerprints);
    std::fs::write(p.join("filter.bin"), bytes).unwrap();
    rehash(&p, "filter.bin");
    let mpath = p.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&mpath).unwrap()).unwrap();
    m["version"] = 1.into();
    m["build"]["filter"] = "binary_fuse8".into();
    std::fs::write(&mpath, serde_json::to_vec_pretty(&m).unwrap()).unwrap();

    let k = key();
    let set = LeakSet::open(&p, &k).unwrap();
    assert_eq!(set.manifest().version, 1);
    for v in &d.planted_ids[..60] {
        assert!(set.contains_value(&k, Kind::IdCard, v));
    }
    for v in &d.planted_phones[..60] {
        assert!(set.contains_value(&k, Kind::Phone, v));
    }
    for i in 100..2000 {
        assert!(!set.contains_value(&k, Kind::Phone, &phone(i)));
    }
}
