//! The store against real alerts from the real matcher. All personal data is synthetic.

use doxwatch_detect::detectors::id_card::with_check;
use doxwatch_detect::{Scanner, Scratch};
use doxwatch_model::{Alert, KeyedHasher, Kind, VaultKey, Verdict};
use doxwatch_pipeline::keys::Keys;
use doxwatch_pipeline::matcher::Matcher;
use doxwatch_store::{export, CaseState, Checkpoint, SearchQuery, Sort, Store, StoreError};
use std::sync::Arc;

fn keys() -> Keys {
    Keys {
        hasher: Some(KeyedHasher::from_secret(b"test hash key")),
        vault: Some(VaultKey::new(&[9u8; 32])),
    }
}

/// The i-th synthetic person: (ID number, phone).
fn person(i: usize) -> (String, String) {
    (
        with_check(&format!(
            "11010519{:02}0{}{:02}{:03}",
            70 + i % 30,
            1 + i % 9,
            10 + i % 18,
            i % 1000
        )),
        format!("1380013{:04}", i % 10_000),
    )
}

fn dox_post(post: &str, platform: &str, i: usize) -> String {
    let (id, phone) = person(i);
    dossier(post, platform, &format!("u{i}"), &id, &phone)
}

fn dossier(post: &str, platform: &str, author: &str, id: &str, phone: &str) -> String {
    serde_json::json!({
        "id": post, "platform": platform, "author": {"id": author},
        "url": format!("https://{platform}.example/p/{post}"),
        "ts": "2025-06-01T08:00:00Z",
        "text": format!("开盒：本名张伟，手机 {phone}，身份证 {id}，住址 北京市朝阳区建国路88号3单元502，大家冲他"),
    })
    .to_string()
}

fn ad_post(post: &str) -> String {
    serde_json::json!({
        "id": post, "platform": "tieba",
        "text": "专业查档 户籍 开房记录 轨迹 机主信息，社工库秒出，50元一条，TG @chadang_pro8 联系",
    })
    .to_string()
}

fn alerts(records: &[String]) -> Vec<Alert> {
    let k = keys();
    let m = Matcher::new(
        Arc::new(Scanner::new().unwrap()),
        k.hasher,
        k.vault,
        vec![Verdict::Doxxing, Verdict::DataSaleAd],
        1 << 20,
        Default::default(),
    );
    let raw: Vec<Vec<u8>> = records.iter().map(|r| r.as_bytes().to_vec()).collect();
    m.match_batch(&raw, &mut Scratch::default()).alerts
}

/// An alert whose evidence was sealed under a vault key other than [`keys`]'s.
fn alerts_sealed_under_another_key() -> Vec<Alert> {
    Matcher::new(
        Arc::new(Scanner::new().unwrap()),
        keys().hasher,
        Some(VaultKey::new(&[2u8; 32])),
        vec![Verdict::Doxxing],
        1 << 20,
        Default::default(),
    )
    .match_batch(
        &[dox_post("w9", "weibo", 9).into_bytes()],
        &mut Scratch::default(),
    )
    .alerts
}

fn cp(n: i64) -> Checkpoint {
    Checkpoint {
        source: "test".into(),
        positions: [("p0".to_string(), n)].into(),
    }
}

fn hash(kind: Kind, v: &str) -> String {
    keys().hasher.unwrap().hash_hex(kind, v)
}

#[test]
fn search_filters_identifiers_and_free_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    let mut recs: Vec<String> = (0..30)
        .map(|i| dox_post(&format!("w{i}"), "weibo", i))
        .collect();
    recs.push(dox_post("d1", "douban", 3)); // person 3 again, on another platform
    recs.push(ad_post("ad1"));
    let a = alerts(&recs);
    assert_eq!(a.len(), 32, "every planted post alerts");
    store.ingest(&a, &cp(32)).unwrap();
    assert_eq!(store.index.len(), 32);

    // By identifier: the query is a keyed hash; both posts exposing person 3 come back.
    let (id3, phone3) = person(3);
    let page = store
        .search(&SearchQuery {
            id_hashes: vec![hash(Kind::IdCard, &id3)],
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let mut posts: Vec<_> = page.hits.iter().map(|h| h.post_id.as_str()).collect();
    posts.sort();
    assert_eq!(posts, ["d1", "w3"]);
    let page = store
        .search(&SearchQuery {
            id_hashes: vec![hash(Kind::Phone, &phone3)],
            platform: Some("douban".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.total, 1);

    // Filters.
    let q = |f: &dyn Fn(&mut SearchQuery)| {
        let mut q = SearchQuery {
            limit: 100,
            ..Default::default()
        };
        f(&mut q);
        store.search(&q).unwrap().total
    };
    assert_eq!(q(&|q| q.verdicts = vec![Verdict::DataSaleAd]), 1);
    assert_eq!(q(&|q| q.verdicts = vec![Verdict::Doxxing]), 31);
    assert_eq!(q(&|q| q.platform = Some("weibo".into())), 30);
    assert_eq!(q(&|q| q.kinds = vec![Kind::IdCard]), 31);
    assert_eq!(q(&|q| q.region = Some("11".into())), 31);
    assert_eq!(q(&|q| q.region = Some("110105".into())), 31);
    assert_eq!(q(&|q| q.region = Some("31".into())), 0);
    assert_eq!(q(&|q| q.author = Some("u7".into())), 1);
    assert_eq!(q(&|q| q.since = Some(0)), 32);
    assert_eq!(q(&|q| q.until = Some(0)), 0);
    // Free text over the masked post, CJK bigrams.
    assert_eq!(q(&|q| q.text = Some("开房记录".into())), 1);
    assert_eq!(q(&|q| q.text = Some("大家冲他".into())), 31);
    // The masked address is not searchable in plaintext.
    assert_eq!(q(&|q| q.text = Some("建国路88号".into())), 0);
    assert_eq!(q(&|q| q.text = Some("不存在的词".into())), 0);
    // Seller handle.
    let handle = store
        .search(&SearchQuery {
            verdicts: vec![Verdict::DataSaleAd],
            limit: 1,
            ..Default::default()
        })
        .unwrap()
        .hits[0]
        .findings
        .iter()
        .find(|f| f.kind == Kind::Telegram)
        .and_then(|f| f.hash.clone())
        .unwrap();
    assert_eq!(q(&|q| q.handle_hashes = vec![handle.clone()]), 1);

    // Paging covers everything once; severity sort puts the most severe first.
    let mut seen = std::collections::BTreeSet::new();
    for page in 0..4 {
        let p = store
            .search(&SearchQuery {
                sort: Sort::Time,
                offset: page * 10,
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        for h in p.hits {
            assert!(seen.insert(h.alert_id));
        }
    }
    assert_eq!(seen.len(), 32);
    let p = store
        .search(&SearchQuery {
            sort: Sort::Severity,
            limit: 32,
            ..Default::default()
        })
        .unwrap();
    let sev: Vec<_> = p.hits.iter().map(|h| h.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, sorted);
}

#[test]
fn restart_mid_stream_indexes_every_alert_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let recs: Vec<String> = (0..40)
        .map(|i| dox_post(&format!("p{i}"), "weibo", i))
        .collect();
    let a = alerts(&recs);
    {
        let mut store = Store::open(dir.path(), &keys()).unwrap();
        store.ingest(&a[..20], &cp(20)).unwrap();
        // A crash after staging the next batch in the index and committing it to the
        // database (they commit in parallel), before the index commit.
        store.index.add(&a[20..30], |_| true).unwrap();
        let ids: Vec<&str> = a[20..30].iter().map(|x| x.alert_id.as_str()).collect();
        let recorded = store.db.known_alerts(&ids).unwrap();
        store
            .db
            .record_alerts(&a[20..30], &recorded, &[], &cp(30))
            .unwrap();
    }
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    let resume = store.checkpoint().unwrap().unwrap();
    assert_eq!(resume, cp(20));
    assert_eq!(store.index.len(), 20);
    // Resume from the checkpoint; an at-least-once source may also replay older alerts.
    let from = resume.positions["p0"] as usize;
    store.ingest(&a[from - 5..], &cp(40)).unwrap();
    store.ingest(&a[..3], &cp(40)).unwrap();
    assert_eq!(store.index.len(), 40);
    let all = store
        .search(&SearchQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    let ids: std::collections::BTreeSet<_> = all.hits.iter().map(|h| h.alert_id.clone()).collect();
    assert_eq!(ids.len(), 40);
    assert_eq!(all.total, 40);
}

/// The index finishes its segments while the database records the batch, and publishes them
/// only after the database committed: a failed database write leaves the index as it was.
#[test]
fn failed_database_write_publishes_nothing_in_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let recs: Vec<String> = (0..6)
        .map(|i| dox_post(&format!("p{i}"), "weibo", i))
        .collect();
    let a = alerts(&recs);
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    store.ingest(&a[..3], &cp(3)).unwrap();
    // Another writer holds the database (the store gives up after its busy timeout).
    let other = rusqlite::Connection::open(dir.path().join("cases.sqlite")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let e = store.ingest(&a[3..], &cp(6)).unwrap_err().to_string();
    assert!(e.contains("locked"), "{e}");
    assert_eq!(store.index.len(), 3);
    assert_eq!(store.index.checkpoint().unwrap(), Some(cp(3)));
    other.execute_batch("ROLLBACK").unwrap();
    store.ingest(&a[3..], &cp(6)).unwrap();
    assert_eq!(store.index.len(), 6);
    assert_eq!(store.checkpoint().unwrap(), Some(cp(6)));
}

/// The database records a batch while the vault is still checking its originals (on
/// another thread), and commits only once the vault has stored them: evidence the vault
/// refuses leaves the database as it was, not only the index.
#[test]
fn refused_evidence_records_nothing_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let recs: Vec<String> = (0..6)
        .map(|i| dox_post(&format!("p{i}"), "weibo", i))
        .collect();
    let a = alerts(&recs);
    let foreign = alerts_sealed_under_another_key();
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    store.ingest(&a[..3], &cp(3)).unwrap();
    let mut bad = a[3..].to_vec();
    bad.insert(1, foreign[0].clone());
    let e = store.ingest(&bad, &cp(7)).unwrap_err().to_string();
    assert!(e.contains("wrong vault key"), "{e}");
    assert_eq!(store.db.last_alert_position().unwrap(), 3);
    let ids: Vec<&str> = bad.iter().map(|x| x.alert_id.as_str()).collect();
    assert!(store.db.known_alerts(&ids).unwrap().is_empty());
    assert_eq!(store.db.checkpoint().unwrap(), Some(cp(3)));
    assert_eq!(store.index.len(), 3);
    store.ingest(&a[3..], &cp(7)).unwrap();
    assert_eq!(store.db.last_alert_position().unwrap(), 6);
    assert_eq!(store.index.len(), 6);
    assert_eq!(store.checkpoint().unwrap(), Some(cp(7)));
}

/// Newest-first search skips segments that cannot hold a result once it has counted enough;
/// the pages must be those of a full sort, whatever order the alerts arrived in.
#[test]
fn pruned_time_and_severity_pages_equal_a_full_sort() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    let recs: Vec<String> = (0..600)
        .map(|i| match i % 4 {
            3 => ad_post(&format!("ad{i}")),
            _ => dox_post(&format!("p{i}"), ["weibo", "douban"][i % 2], i),
        })
        .collect();
    let mut a = alerts(&recs);
    assert_eq!(a.len(), 600);
    // Mostly in arrival order; some alerts far older (a late replay), some a little newer
    // than their neighbours (a slow matcher).
    let base = 1_750_000_000i64;
    for (i, x) in a.iter_mut().enumerate() {
        let t = if i % 50 == 7 {
            base - 100_000 - i as i64
        } else if i % 7 == 3 {
            base + (i * 7919 % 600) as i64 * 60 + 7
        } else {
            base + i as i64 * 60
        };
        x.ts_detected = time::OffsetDateTime::from_unix_timestamp(t)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
    }
    // One commit (one segment) per 25 alerts.
    for (n, chunk) in a.chunks(25).enumerate() {
        store.ingest(chunk, &cp(n as i64)).unwrap();
    }
    let store = Store::open_read(dir.path(), &keys()).unwrap();
    let ids = |q: &SearchQuery| -> (Vec<String>, usize, bool) {
        let page = store.search(q).unwrap();
        let ids = page.hits.iter().map(|h| h.alert_id.clone()).collect();
        (ids, page.total, page.total_exact)
    };
    let mut pruned_somewhere = false;
    for (text, platform) in [
        (None, None),
        (Some("开盒"), Some("weibo")),
        (Some("查档"), None),
    ] {
        // The oracle: every match (fewer than a page of 1,000, so nothing is skipped),
        // ordered here by detection time (all distinct) or severity then time.
        let all = store
            .search(&SearchQuery {
                text: text.map(Into::into),
                platform: platform.map(Into::into),
                limit: 1000,
                ..Default::default()
            })
            .unwrap();
        assert!(all.total_exact && all.total == all.hits.len() && all.total > 100);
        for sort in [Sort::Time, Sort::Severity] {
            let mut expected: Vec<(u8, i64, String)> = all
                .hits
                .iter()
                .map(|h| {
                    let sev = if sort == Sort::Severity {
                        h.severity as u8
                    } else {
                        0
                    };
                    let ts = doxwatch_store::time_secs(&h.ts_detected).unwrap();
                    (sev, ts, h.alert_id.clone())
                })
                .collect();
            expected.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
            for (offset, count_up_to) in (0..all.total).step_by(20).flat_map(|o| [(o, 1), (o, 60)])
            {
                let q = SearchQuery {
                    text: text.map(Into::into),
                    platform: platform.map(Into::into),
                    sort,
                    offset,
                    limit: 20,
                    count_up_to: Some(count_up_to),
                    ..Default::default()
                };
                let (got, total, exact) = ids(&q);
                let want: Vec<String> = expected
                    .iter()
                    .skip(offset)
                    .take(20)
                    .map(|e| e.2.clone())
                    .collect();
                assert_eq!(got, want, "{text:?} {platform:?} {sort:?} offset {offset}");
                assert!(total >= count_up_to.min(all.total) && total <= all.total);
                if exact {
                    assert_eq!(total, all.total);
                }
                pruned_somewhere |= total < all.total;
            }
        }
    }
    assert!(pruned_somewhere, "some search skipped segments");
}

/// Dossiers sharing an identifier are one subject, whether they arrive in one batch (the
/// merge must see rows of the same batch) or in several.
#[test]
fn subjects_merge_within_and_across_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    let p: Vec<(String, String)> = (1..=4).map(person).collect();
    let post = |n: &str, a: usize, b: usize| dossier(n, "weibo", "u1", &p[a].0, &p[b].1);
    store
        .ingest(
            &alerts(&[post("m1", 0, 0), post("m2", 1, 1), post("m3", 0, 1)]),
            &cp(3),
        )
        .unwrap();
    let subject = |kind: Kind, v: &str| store.db.subject_of(&hash(kind, v)).unwrap().unwrap();
    let s = subject(Kind::IdCard, &p[0].0);
    for (kind, v) in [
        (Kind::Phone, &p[0].1),
        (Kind::IdCard, &p[1].0),
        (Kind::Phone, &p[1].1),
    ] {
        assert_eq!(subject(kind, v), s);
    }
    assert_eq!(store.db.subject(s).unwrap().alerts.len(), 3);
    assert_eq!(
        store.db.subject_of(&hash(Kind::IdCard, &p[2].0)).unwrap(),
        None
    );
    store.ingest(&alerts(&[post("m4", 2, 2)]), &cp(4)).unwrap();
    store.ingest(&alerts(&[post("m5", 2, 0)]), &cp(5)).unwrap();
    let s = store
        .db
        .subject_of(&hash(Kind::IdCard, &p[0].0))
        .unwrap()
        .unwrap();
    for (kind, v) in [(Kind::IdCard, &p[2].0), (Kind::Phone, &p[2].1)] {
        assert_eq!(store.db.subject_of(&hash(kind, v)).unwrap(), Some(s));
    }
    let subject = store.db.subject(s).unwrap();
    assert_eq!(subject.alerts.len(), 5);
    assert_eq!(subject.identifiers.len(), 6);
    assert_eq!(store.db.list_subjects(10).unwrap().len(), 1);
}

/// Store format 3 keeps hashes and alert ids as raw bytes when they are lower-case hex, and
/// as text otherwise: ids of other forms must come back exactly, never meet a hex id of the
/// same bytes, and sort as text.
#[test]
fn alert_ids_of_any_form_are_kept_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    let mut a = alerts(&[
        dox_post("w1", "weibo", 1),
        dox_post("w2", "weibo", 1),
        dox_post("w3", "weibo", 1),
        dox_post("w4", "weibo", 1),
    ]);
    let hex = a[0].alert_id.clone();
    a[1].alert_id = hex.to_uppercase();
    a[2].alert_id = "legacy-7".into();
    a[3].alert_id = "0a".into();
    for x in &mut a {
        x.ts_detected = "2025-06-01T08:00:00Z".into();
    }
    store.ingest(&a, &cp(4)).unwrap();
    let ids: Vec<&str> = a.iter().map(|x| x.alert_id.as_str()).collect();
    assert_eq!(store.db.known_alerts(&ids).unwrap().len(), 4);
    assert!(!store.db.has_alert("0A").unwrap());
    assert!(!store.db.has_alert(&hex[..30]).unwrap());
    let s = store
        .db
        .subject_of(&hash(Kind::IdCard, &person(1).0))
        .unwrap()
        .unwrap();
    let mut sorted: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    sorted.sort();
    assert_eq!(store.db.subject(s).unwrap().alerts, sorted);
    for x in &a {
        assert_eq!(store.db.subjects_of_alert(&x.alert_id).unwrap(), [s]);
        let digest = x.evidence.as_ref().map(|e| e.digest.clone());
        assert_eq!(store.db.evidence_of(&x.alert_id).unwrap(), digest);
    }
    let feed: Vec<String> = store
        .db
        .alerts_after(0, 10)
        .unwrap()
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    assert_eq!(feed, ids);
    let case = store
        .db
        .open_case("t", None, &[ids[2].to_string()], "a")
        .unwrap();
    assert_eq!(store.db.case(case).unwrap().alerts, [ids[2]]);
    assert!(store.read_evidence(ids[2], "inv", "case 1").is_ok());

    // A batch recorded again, with `recorded` missing it, changes nothing.
    let positions = store.db.last_alert_position().unwrap();
    store
        .db
        .record_alerts(&a, &Default::default(), &[], &cp(4))
        .unwrap();
    assert_eq!(store.db.last_alert_position().unwrap(), positions);
    assert_eq!(store.db.subject(s).unwrap().alerts, sorted);
    assert_eq!(store.db.list_subjects(10).unwrap()[0].1, 4);
}

#[test]
fn subjects_cases_takedown_and_referral() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    let recs = vec![
        dox_post("w1", "weibo", 1),
        dox_post("w2", "weibo", 2),
        dox_post("d1", "douban", 1),
        ad_post("ad1"),
    ];
    let a = alerts(&recs);
    store.ingest(&a, &cp(4)).unwrap();
    let (id1, phone1) = person(1);
    let s = store
        .db
        .subject_of(&hash(Kind::IdCard, &id1))
        .unwrap()
        .unwrap();
    assert_eq!(
        store.db.subject_of(&hash(Kind::Phone, &phone1)).unwrap(),
        Some(s)
    );
    let subject = store.db.subject(s).unwrap();
    assert_eq!(subject.alerts.len(), 2, "w1 and d1 expose the same person");
    assert!(subject
        .identifiers
        .iter()
        .all(|i| !i.masked.contains(&id1[6..14])));

    let ad = a
        .iter()
        .find(|x| x.verdict == Verdict::DataSaleAd)
        .unwrap()
        .alert_id
        .clone();
    let case = store
        .db
        .open_case("person 1 doxxed", Some(s), &[ad], "analyst-1")
        .unwrap();
    assert_eq!(store.db.case(case).unwrap().alerts.len(), 3);
    // Bad moves are refused.
    let e = store
        .db
        .transition(case, CaseState::Removed, "analyst-1", "")
        .unwrap_err();
    assert!(e.to_string().contains("cannot move"), "{e}");

    let files = export::export_takedown(&mut store, case, "analyst-1", out.path()).unwrap();
    assert_eq!(
        files.len(),
        6,
        "weibo, douban and tieba, JSON + CSV: {files:?}"
    );
    let req: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.path().join("takedown-case1-weibo.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(req["items"][0]["post_id"], "w1");
    assert!(req["legal_basis"][0]
        .as_str()
        .unwrap()
        .contains("个人信息保护法"));
    let cats = req["items"][0]["categories"].to_string();
    assert!(
        cats.contains("居民身份证号码") && cats.contains("手机号码"),
        "{cats}"
    );
    assert!(!req.to_string().contains(&id1) && !req.to_string().contains(&phone1));
    assert_eq!(
        store.db.case(case).unwrap().state,
        CaseState::TakedownRequested
    );

    let pkg = out.path().join("referral");
    let digest = export::export_referral(&mut store, case, "investigator-7", &pkg).unwrap();
    let report = export::verify_package(&pkg).unwrap();
    assert_eq!(report.manifest_blake3, digest);
    assert_eq!(report.case_id, case);
    assert_eq!(store.db.case(case).unwrap().state, CaseState::Referred);
    // The originals are in the package, decrypted; counts are stated.
    let originals = std::fs::read_dir(pkg.join("originals")).unwrap().count();
    assert_eq!(originals, 3);
    let counts: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("counts.json")).unwrap()).unwrap();
    assert_eq!(counts["per_kind"]["id_card"], 1);
    assert_eq!(counts["tiers"][2]["met"], "none");
    let sellers = std::fs::read_to_string(pkg.join("sellers.json")).unwrap();
    assert!(sellers.contains("telegram"), "{sellers}");
    // A package is never written over.
    assert!(export::export_referral(&mut store, case, "investigator-7", &pkg).is_err());

    // Tampering with any file, or adding one, is detected.
    let alerts_file = pkg.join("alerts.jsonl");
    let mut text = std::fs::read_to_string(&alerts_file).unwrap();
    text = text.replacen("weibo", "weib0", 1);
    std::fs::write(&alerts_file, text).unwrap();
    let e = export::verify_package(&pkg).unwrap_err().to_string();
    assert!(e.contains("alerts.jsonl does not match"), "{e}");
    let pkg2 = out.path().join("referral2");
    store
        .db
        .transition(case, CaseState::Referred, "x", "")
        .unwrap();
    // Referred cases can be exported again into a new directory.
    export::export_referral(&mut store, case, "investigator-7", &pkg2).unwrap();
    std::fs::write(pkg2.join("extra.txt"), "x").unwrap();
    let e = export::verify_package(&pkg2).unwrap_err().to_string();
    assert!(e.contains("extra.txt is not in the manifest"), "{e}");

    // Every action is in the audit chain, and the chain verifies.
    let n = store.db.verify_audit().unwrap();
    assert!(n >= 6, "{n}");
}

#[test]
fn tampered_audit_log_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    for i in 0..5 {
        store
            .db
            .audit("analyst", "search", "alerts", &format!("{{\"n\":{i}}}"))
            .unwrap();
    }
    assert_eq!(store.db.verify_audit().unwrap(), 5);
    let c = store.db.connection();
    // The log refuses edits through SQL ...
    assert!(c
        .execute("UPDATE audit SET actor = 'x' WHERE seq = 2", [])
        .is_err());
    // ... and an attacker who drops the guard is still caught by the chain.
    c.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        .unwrap();
    c.execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 3", [])
        .unwrap();
    match store.db.verify_audit() {
        Err(StoreError::AuditBroken { seq: 3, .. }) => {}
        other => panic!("{other:?}"),
    }
    c.execute("UPDATE audit SET actor = 'analyst' WHERE seq = 3", [])
        .unwrap();
    assert_eq!(store.db.verify_audit().unwrap(), 5);
    c.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    match store.db.verify_audit() {
        Err(StoreError::AuditBroken { seq: 3, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn keys_locks_corruption_and_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let a = alerts(&[dox_post("w1", "weibo", 1)]);
    let (id1, phone1) = person(1);
    {
        let mut store = Store::open(dir.path(), &keys()).unwrap();
        store.ingest(&a, &cp(1)).unwrap();
        // A second writer is refused while the first holds the lock.
        match Store::open(dir.path(), &keys()) {
            Err(StoreError::Locked(_)) => {}
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("second writer opened"),
        }
        // Readers are fine.
        assert_eq!(
            Store::open_read(dir.path(), &keys()).unwrap().index.len(),
            1
        );
        // Evidence reads are audited and give back the exact record.
        let text = store
            .read_evidence(&a[0].alert_id, "inv", "case 1")
            .unwrap();
        assert!(String::from_utf8(text).unwrap().contains(&id1));
        assert_eq!(
            store.db.audit_entries().unwrap().last().unwrap().action,
            "evidence.read"
        );
    }
    // No plaintext identifier anywhere outside the (encrypted) vault.
    for entry in walk(dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        for needle in [id1.as_bytes(), phone1.as_bytes(), "张伟".as_bytes()] {
            assert!(
                !contains(&bytes, needle),
                "{} holds plaintext",
                entry.display()
            );
        }
    }
    // Wrong keys and missing keys are named.
    let mut wrong = keys();
    wrong.vault = Some(VaultKey::new(&[1u8; 32]));
    let e = Store::open(dir.path(), &wrong).err().unwrap().to_string();
    assert!(e.contains("wrong vault key"), "{e}");
    let mut wrong = keys();
    wrong.hasher = Some(KeyedHasher::from_secret(b"other"));
    let e = Store::open(dir.path(), &wrong).err().unwrap().to_string();
    assert!(e.contains("wrong hash key"), "{e}");
    let e = Store::open(dir.path(), &Keys::default())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("needs the hash key and the vault key"), "{e}");
    // A store of an older format is refused by name, not misread.
    let meta = dir.path().join("store.json");
    let current = std::fs::read_to_string(&meta).unwrap();
    for format in [1, 2] {
        let old = current.replace("\"format\": 3", &format!("\"format\": {format}"));
        assert_ne!(old, current, "store.json names its format");
        std::fs::write(&meta, old).unwrap();
        let e = Store::open(dir.path(), &keys()).err().unwrap().to_string();
        assert!(
            e.contains(&format!("store format {format} is not supported"))
                && e.contains("ingest the alerts again into a new store directory"),
            "{e}"
        );
    }
    std::fs::write(&meta, current).unwrap();
    // Evidence sealed under another vault key is refused, and nothing of the batch lands.
    let other = alerts_sealed_under_another_key();
    let mut store = Store::open(dir.path(), &keys()).unwrap();
    let e = store.ingest(&other, &cp(2)).unwrap_err().to_string();
    assert!(e.contains("wrong vault key"), "{e}");
    assert_eq!(store.index.len(), 1);
    drop(store);
    // A damaged index is reported, not silently recreated.
    std::fs::write(dir.path().join("index/meta.json"), b"{ not json").unwrap();
    let e = Store::open(dir.path(), &keys()).err().unwrap().to_string();
    assert!(e.contains("damaged or unreadable"), "{e}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
