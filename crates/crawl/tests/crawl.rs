//! The crawler against the fixture forum and paste site over real HTTP on 127.0.0.1: exactly
//! the allowed pages are fetched (the server counts requests), every planted post comes out
//! decoded to UTF-8 with its author, time, permalink and capture record; a restart resumes
//! without re-fetching or re-emitting; a re-visit is conditional and emits only what changed.

mod fixture;

use doxwatch_crawl::{Crawler, MemorySink, Profile, RawProfile};
use doxwatch_model::Post;
use fixture::{expected_requests, expected_skips, planted, Fixture, Planted};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn profile(text: &str) -> Profile {
    let p = Path::new("fixture.toml");
    RawProfile::parse(p, text).unwrap().validate(p).unwrap()
}

fn never() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    // Kept alive for the test's duration: a dropped sender is not a stop.
    std::mem::forget(tx);
    rx
}

fn find<'a>(posts: &'a [Post], p: &Planted) -> &'a Post {
    let found: Vec<&Post> = posts.iter().filter(|x| x.text == p.text).collect();
    assert_eq!(
        found.len(),
        1,
        "post on {} by {} found {} times",
        p.page,
        p.author,
        found.len()
    );
    found[0]
}

fn check_post(fx: &Fixture, post: &Post, p: &Planted) {
    let base = format!("http://{}", fx.addr);
    assert_eq!(post.platform, "fixture-forum");
    assert!(post.id.starts_with("fixture-forum:") && post.id.len() == "fixture-forum:".len() + 32);
    assert_eq!(post.author.id, p.author, "author on {}", p.page);
    assert_eq!(post.ts.as_deref(), p.time, "time on {}", p.page);
    let want_url = format!("{base}{}", p.permalink.as_deref().unwrap_or(p.page));
    assert_eq!(post.url.as_deref(), Some(want_url.as_str()));
    let c = post.capture.as_ref().expect("capture record");
    assert_eq!(c.source, "crawl:fixture");
    assert_eq!(c.http_status, Some(200));
    let digest = c.content_digest.as_deref().unwrap();
    assert!(digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()));
    let at = c.fetched_at.as_deref().unwrap();
    assert!(
        at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
        "{at}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_exactly_the_allowed_pages_and_extracts_every_post() {
    let fx = Fixture::start(0);
    let mut crawler =
        Crawler::new(profile(&fixture::profile_toml(fx.addr, "fixture")), None).unwrap();
    let sink = MemorySink::default();
    let report = crawler.run_pass(&mut sink.clone(), never()).await.unwrap();
    assert_eq!(
        fx.requests(),
        expected_requests(),
        "server-side request log"
    );
    assert_eq!(report.skipped, expected_skips());
    assert!(report.finished);
    let posts = sink.take();
    let planted = planted();
    assert_eq!(posts.len(), planted.len());
    assert_eq!(report.posts_emitted, planted.len() as u64);
    for p in &planted {
        check_post(&fx, find(&posts, p), p);
    }
    let ids: BTreeSet<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), posts.len(), "post ids are unique");
    // 3 index pages, 2 threads, the paste and the flaky page.
    assert_eq!(report.pages_fetched, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_resumes_without_refetching_or_reemitting() {
    let fx = Fixture::start(0);
    let state = tempfile::tempdir().unwrap();
    let toml = fixture::profile_toml(fx.addr, "fixture");
    let sink = MemorySink::default();
    let mut first = Crawler::new(profile(&toml), Some(state.path().into())).unwrap();
    first.fetch_budget = Some(5);
    let r1 = first.run_pass(&mut sink.clone(), never()).await.unwrap();
    assert!(!r1.finished, "the budget stops the first run mid-pass");
    let after_first = sink.posts.lock().unwrap().len();
    assert!(after_first < planted().len());
    drop(first);
    // A new crawler on the same state directory: a restarted process.
    let mut second = Crawler::new(profile(&toml), Some(state.path().into())).unwrap();
    let r2 = second.run_pass(&mut sink.clone(), never()).await.unwrap();
    assert!(r2.finished);
    let mut want = expected_requests();
    // Each process asks for robots.txt once.
    *want.get_mut("/robots.txt").unwrap() = 2;
    assert_eq!(fx.requests(), want, "a page was fetched twice or never");
    let posts = sink.take();
    assert_eq!(
        posts.len(),
        planted().len(),
        "a post was emitted twice or never"
    );
    for p in &planted() {
        check_post(&fx, find(&posts, p), p);
    }
    let mut skipped = r1.skipped.clone();
    for (k, v) in r2.skipped {
        *skipped.entry(k).or_default() += v;
    }
    assert_eq!(skipped, expected_skips());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revisit_is_conditional_and_emits_only_what_changed() {
    let fx = Fixture::start(0);
    let state = tempfile::tempdir().unwrap();
    let toml = fixture::profile_toml(fx.addr, "fixture");
    let sink = MemorySink::default();
    let run = |sink: MemorySink| {
        let toml = toml.clone();
        let dir = state.path().to_path_buf();
        async move {
            let mut c = Crawler::new(profile(&toml), Some(dir)).unwrap();
            c.run(&mut sink.clone(), never(), true).await.unwrap()
        }
    };
    let r1 = run(sink.clone()).await;
    assert_eq!(r1.posts_emitted, planted().len() as u64);
    sink.take();
    // Second pass: the index answers 304, nothing else is asked for, nothing is emitted.
    fx.reset_counts();
    let r2 = run(sink.clone()).await;
    assert!(r2.finished);
    assert_eq!(
        (r2.not_modified, r2.pages_fetched, r2.posts_emitted),
        (1, 0, 0)
    );
    assert!(sink.take().is_empty());
    let want: BTreeMap<String, u64> = [("/robots.txt", 1), ("/forum/", 1)]
        .into_iter()
        .map(|(p, n)| (p.to_string(), n))
        .collect();
    assert_eq!(fx.requests(), want);
    // A new reply: the index changes, the thread changes, only the reply is emitted.
    fx.add_reply();
    let r3 = run(sink.clone()).await;
    let posts = sink.take();
    assert_eq!(posts.len(), 1, "only the new reply");
    check_post(&fx, &posts[0], &fixture::late_reply());
    assert_eq!(
        r3.pages_fetched, 2,
        "the index and thread 2 changed: {r3:?}"
    );
    assert!(r3.not_modified >= 4, "unchanged pages answered 304: {r3:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_resolving_to_loopback_are_refused_without_the_profile_flag() {
    let fx = Fixture::start(0);
    let toml = fixture::profile_toml(fx.addr, "fixture")
        .replace("http://127.0.0.1:", "http://localhost:")
        .replace(
            "allowed_hosts = [\"127.0.0.1\"",
            "allowed_hosts = [\"localhost\"",
        )
        .replace("allow_loopback = true", "allow_loopback = false");
    let mut crawler = Crawler::new(profile(&toml), None).unwrap();
    let sink = MemorySink::default();
    let report = crawler.run_pass(&mut sink.clone(), never()).await.unwrap();
    assert_eq!(
        report.skipped.get("address_refused"),
        Some(&1),
        "{report:?}"
    );
    assert!(
        fx.requests().is_empty(),
        "no connection may reach the server"
    );
    assert!(sink.take().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_pass_loses_no_page_and_keeps_post_ids() {
    let fx = Fixture::start(0);
    let state = tempfile::tempdir().unwrap();
    let toml = fixture::profile_toml(fx.addr, "fixture");
    let sink = MemorySink::default();
    let mut first = Crawler::new(profile(&toml), Some(state.path().into())).unwrap();
    // Save at every step, then drop the pass while /slow (1 s timeout) is still in flight:
    // what a kill -9 leaves behind.
    first.save_every = std::time::Duration::ZERO;
    let cut = tokio::time::timeout(
        std::time::Duration::from_millis(700),
        first.run_pass(&mut sink.clone(), never()),
    )
    .await;
    assert!(cut.is_err(), "the pass ended before the cut");
    drop(first);
    assert!(fx.requests().contains_key("/slow"));
    let mut second = Crawler::new(profile(&toml), Some(state.path().into())).unwrap();
    let r2 = second.run_pass(&mut sink.clone(), never()).await.unwrap();
    assert!(r2.finished);
    // The page in flight at the cut is fetched again; none is missed.
    let got = fx.requests();
    for (path, n) in expected_requests() {
        assert!(
            got.get(&path).copied().unwrap_or(0) >= n,
            "{path} not fetched"
        );
    }
    assert_eq!(got.get("/slow"), Some(&2));
    assert!(!got.contains_key("/private/secret"));
    // At least once, with stable ids.
    let posts = sink.take();
    let mut by_text: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in &posts {
        by_text.entry(&p.text).or_default().insert(&p.id);
    }
    assert_eq!(by_text.len(), planted().len());
    assert!(by_text.values().all(|ids| ids.len() == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn politeness_spaces_requests_by_the_rate_and_crawl_delay() {
    let fx = Fixture::start(6);
    let base = fixture::tree_profile_toml(fx.addr, 6, 8);
    // 100 requests/s alone would take ~50 ms for 6 pages; robots.txt's Crawl-delay of 0.1 s wins.
    let polite = base.replace(
        "enabled = false",
        "enabled = true\nrequests_per_second = 100",
    );
    let mut crawler = Crawler::new(profile(&polite), None).unwrap();
    let sink = MemorySink::default();
    let t0 = std::time::Instant::now();
    let report = crawler.run_pass(&mut sink.clone(), never()).await.unwrap();
    let took = t0.elapsed();
    assert_eq!(report.pages_fetched, 6);
    assert!(took >= std::time::Duration::from_millis(480), "{took:?}");
    // Politeness off: no spacing at all.
    let mut fast = Crawler::new(profile(&base), None).unwrap();
    let t0 = std::time::Instant::now();
    fast.run_pass(&mut sink.clone(), never()).await.unwrap();
    assert!(
        t0.elapsed() < std::time::Duration::from_millis(400),
        "{:?}",
        t0.elapsed()
    );
}
