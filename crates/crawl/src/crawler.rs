//! `Crawler`: passes over a site. A pass starts from the profile's start URLs, follows the
//! links its selectors find (breadth first, up to `max_depth`, `max_pages` pages), extracts
//! the posts of every page and hands new ones to a [`PostSink`]. The next pass (a re-visit)
//! starts `revisit` after the end of the last one and sends the stored validators, so unchanged
//! pages answer 304 and cost nothing; an unchanged page's links are not followed again (forum
//! index and pagination pages change when their threads get replies).
//!
//! One task owns the state (frontier, seen keys, validators, emitted digests); fetches run as
//! up to `concurrency` spawned tasks that return owned results. The state is saved every few
//! seconds and on stop, always after the sink has taken the posts it records as emitted, and
//! with the in-flight pages put back in the frontier, so a crash loses no page and re-emits at
//! most the last batch (with the same ids).

use crate::canon::{canonical, hex, key, url_key, Key};
use crate::decode::decode;
use crate::extract::{extract, Extracted};
use crate::fetcher::{Exchange, FetchError, Fetcher};
use crate::host_gate::{Admission, HostGate};
use crate::profile::Profile;
use crate::sink::PostSink;
use crate::state::{CrawlState, FrontierEntry, Validators};
use crate::time::unix_secs;
use crate::CrawlError;
use doxwatch_model::{rfc3339_millis, Author, Capture, Post};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;
use tokio::task::JoinSet;
use url::Url;

/// What one pass (or one run of passes) did. Skips are counted by reason: `robots`,
/// `address_refused`, `too_large`, `timeout`, `network`, `too_many_redirects`,
/// `redirect_loop`, `host_not_allowed`, `not_html`, `http_NNN`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    /// HTTP requests for pages, retries and redirect hops included (robots.txt not).
    pub requests: u64,
    /// Pages that answered 2xx with an HTML body and were extracted.
    pub pages_fetched: u64,
    /// Pages that answered 304 to a conditional request.
    pub not_modified: u64,
    pub posts_found: u64,
    /// Posts handed to the sink (found minus those emitted before).
    pub posts_emitted: u64,
    pub skipped: BTreeMap<String, u64>,
    /// Links not queued because `max_pages` was reached.
    pub over_max_pages: u64,
    /// The pass reached its end (false: stopped, the state resumes it).
    pub finished: bool,
}

impl PassReport {
    fn add(&mut self, o: &PassReport) {
        self.requests += o.requests;
        self.pages_fetched += o.pages_fetched;
        self.not_modified += o.not_modified;
        self.posts_found += o.posts_found;
        self.posts_emitted += o.posts_emitted;
        self.over_max_pages += o.over_max_pages;
        for (k, v) in &o.skipped {
            *self.skipped.entry(k.clone()).or_default() += v;
        }
        self.finished = o.finished;
    }
}

pub struct Crawler {
    profile: Arc<Profile>,
    fetcher: Arc<Fetcher>,
    gate: Arc<HostGate>,
    state: CrawlState,
    state_dir: Option<PathBuf>,
    /// Posts per sink write (an inbox file each).
    pub batch_posts: usize,
    /// Longest time between two state saves while crawling.
    pub save_every: Duration,
    /// Stop (as on a signal: drain, save) once this many pages were started in this run.
    pub fetch_budget: Option<u64>,
}

/// A fetched page, ready for the state owner.
struct Visit {
    entry: FrontierEntry,
    key: Key,
    requests: u64,
    outcome: Outcome,
}

enum Outcome {
    Page(Box<Page>),
    NotModified,
    Skipped(String),
}

struct Page {
    final_url: Url,
    status: u16,
    fetched_at: SystemTime,
    content_digest: String,
    validators: Validators,
    extracted: Extracted,
}

impl Crawler {
    /// A crawler for `profile`; with a state directory, loads (and later saves) its state.
    pub fn new(profile: Profile, state_dir: Option<PathBuf>) -> Result<Crawler, CrawlError> {
        let state = match &state_dir {
            Some(d) => CrawlState::load(d, &profile.name)?,
            None => CrawlState::default(),
        };
        let fetcher = Arc::new(Fetcher::new(&profile)?);
        let gate = Arc::new(HostGate::new(profile.politeness.clone()));
        Ok(Crawler {
            profile: Arc::new(profile),
            fetcher,
            gate,
            state,
            state_dir,
            batch_posts: 1000,
            save_every: Duration::from_secs(5),
            fetch_budget: None,
        })
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn state(&self) -> &CrawlState {
        &self.state
    }

    /// Runs passes until `stop`, re-visiting `revisit` after each; `once`: one pass (resuming
    /// an unfinished one, else starting a new one).
    pub async fn run(
        &mut self,
        sink: &mut dyn PostSink,
        mut stop: watch::Receiver<bool>,
        once: bool,
    ) -> Result<PassReport, CrawlError> {
        let mut total = PassReport::default();
        loop {
            if !self.state.pass_open && !once {
                if let Some(end) = self.state.last_pass_end {
                    let due = end + self.profile.revisit.as_secs();
                    let now = unix_secs(SystemTime::now());
                    if due > now {
                        tracing::info!(profile = %self.profile.name, in_secs = due - now, "next pass");
                        let sleep = tokio::time::sleep(Duration::from_secs(due - now));
                        tokio::select! {
                            _ = sleep => {}
                            _ = stop.wait_for(|s| *s) => return Ok(total),
                        }
                    }
                }
            }
            let r = self.run_pass(sink, stop.clone()).await?;
            total.add(&r);
            if once || !r.finished || *stop.borrow() {
                return Ok(total);
            }
        }
    }

    fn start_pass(&mut self) {
        let s = &mut self.state;
        s.seen.clear();
        s.frontier.clear();
        for u in &self.profile.start_urls {
            let c = canonical(u, false);
            if s.seen.insert(key(c.as_str().as_bytes())) {
                s.frontier.push_back(FrontierEntry {
                    url: c.into(),
                    depth: 0,
                });
            }
        }
        s.pass_open = true;
        tracing::info!(profile = %self.profile.name, pass = s.passes + 1, "pass started");
    }

    /// One pass: resumes the open one or starts a new one; returns when the frontier is empty
    /// or `stop` turns true (then in-flight pages finish, posts are written, state is saved).
    pub async fn run_pass(
        &mut self,
        sink: &mut dyn PostSink,
        mut stop: watch::Receiver<bool>,
    ) -> Result<PassReport, CrawlError> {
        if !self.state.pass_open {
            self.start_pass();
        } else {
            tracing::info!(
                profile = %self.profile.name,
                frontier = self.state.frontier.len(),
                seen = self.state.seen.len(),
                "resuming pass"
            );
        }
        let mut report = PassReport::default();
        let mut inflight: JoinSet<Visit> = JoinSet::new();
        let mut inflight_entries: HashMap<tokio::task::Id, FrontierEntry> = HashMap::new();
        let mut buffer: Vec<Post> = Vec::new();
        let mut stopping = *stop.borrow();
        let mut stop_alive = true;
        let mut started = 0u64;
        let mut last_save = Instant::now();
        let mut save_every = self.save_every;
        loop {
            while !stopping && inflight.len() < self.profile.concurrency {
                if self.fetch_budget.is_some_and(|b| started >= b) {
                    stopping = true;
                    break;
                }
                let Some(entry) = self.state.frontier.pop_front() else {
                    break;
                };
                let k = key(entry.url.as_bytes());
                let validators = self.state.validators.get(&k).cloned();
                let h = inflight.spawn(visit(
                    self.profile.clone(),
                    self.fetcher.clone(),
                    self.gate.clone(),
                    entry.clone(),
                    k,
                    validators,
                ));
                inflight_entries.insert(h.id(), entry);
                started += 1;
            }
            if inflight.is_empty() {
                break;
            }
            tokio::select! {
                changed = stop.changed(), if !stopping && stop_alive => match changed {
                    Ok(()) => stopping = *stop.borrow(),
                    Err(_) => stop_alive = false,
                },
                Some(joined) = inflight.join_next_with_id() => match joined {
                    Ok((id, v)) => {
                        inflight_entries.remove(&id);
                        self.absorb(v, &mut report, &mut buffer);
                    }
                    Err(e) => {
                        // A panic in one page's extraction must not stop the crawl.
                        let entry = inflight_entries.remove(&e.id());
                        tracing::error!(url = ?entry.map(|e| e.url), "page task failed: {e}");
                        *report.skipped.entry("panic".into()).or_default() += 1;
                    }
                },
            }
            if last_save.elapsed() >= save_every {
                let t0 = Instant::now();
                self.checkpoint(sink, &mut buffer, inflight_entries.values())
                    .await?;
                last_save = Instant::now();
                // Saving costs O(state); on a big crawl, keep it under a tenth of the time.
                save_every = self.save_every.max(last_save.duration_since(t0) * 10);
            } else if buffer.len() >= self.batch_posts {
                sink.write(&buffer).await?;
                buffer.clear();
            }
        }
        if !stopping && self.state.frontier.is_empty() {
            let s = &mut self.state;
            s.pass_open = false;
            s.passes += 1;
            s.last_pass_end = Some(unix_secs(SystemTime::now()));
            // Only the open pass needs them; the next one starts afresh.
            s.seen = Default::default();
            report.finished = true;
        }
        self.checkpoint(sink, &mut buffer, std::iter::empty())
            .await?;
        tracing::info!(
            profile = %self.profile.name,
            requests = report.requests,
            pages = report.pages_fetched,
            not_modified = report.not_modified,
            posts_found = report.posts_found,
            posts_emitted = report.posts_emitted,
            skipped = ?report.skipped,
            finished = report.finished,
            "pass {}",
            if report.finished { "finished" } else { "stopped" }
        );
        Ok(report)
    }

    /// Writes the buffered posts, then saves the state (in-flight pages back in the frontier).
    async fn checkpoint<'a>(
        &mut self,
        sink: &mut dyn PostSink,
        buffer: &mut Vec<Post>,
        in_flight: impl Iterator<Item = &'a FrontierEntry>,
    ) -> Result<(), CrawlError> {
        if !buffer.is_empty() {
            sink.write(buffer).await?;
            buffer.clear();
        }
        if let Some(dir) = &self.state_dir {
            let mut extra: Vec<FrontierEntry> = in_flight.cloned().collect();
            if extra.is_empty() {
                self.state.save(dir, &self.profile.name)?;
            } else {
                let n = extra.len();
                for e in extra.drain(..).rev() {
                    self.state.frontier.push_front(e);
                }
                let saved = self.state.save(dir, &self.profile.name);
                self.state.frontier.drain(..n);
                saved?;
            }
        }
        Ok(())
    }

    fn absorb(&mut self, v: Visit, report: &mut PassReport, buffer: &mut Vec<Post>) {
        report.requests += v.requests;
        let page = match v.outcome {
            Outcome::Skipped(reason) => {
                tracing::info!(url = %v.entry.url, %reason, "page skipped");
                *report.skipped.entry(reason).or_default() += 1;
                return;
            }
            Outcome::NotModified => {
                tracing::debug!(url = %v.entry.url, "not modified");
                report.not_modified += 1;
                return;
            }
            Outcome::Page(p) => p,
        };
        let p = &self.profile;
        report.pages_fetched += 1;
        if page.validators.is_empty() {
            self.state.validators.remove(&v.key);
        } else {
            self.state.validators.insert(v.key, page.validators.clone());
        }
        let final_key = url_key(&page.final_url);
        if final_key != v.key {
            self.state.seen.insert(final_key);
        }
        let n = page.extracted.posts.len();
        report.posts_found += n as u64;
        tracing::debug!(url = %page.final_url, status = page.status, posts = n, "page");
        let page_url = canonical(&page.final_url, false);
        let fetched_at = rfc3339_millis(page.fetched_at);
        let Page {
            extracted,
            content_digest,
            status,
            ..
        } = *page;
        for (i, fp) in extracted.posts.into_iter().enumerate() {
            let author = fp.author.unwrap_or_default();
            let digest = key(format!("{}\0{}\0{}", p.platform, author, fp.text).as_bytes());
            if !self.state.emitted.insert(digest) {
                continue;
            }
            let permalink = fp.permalink.map(|u| canonical(&u, true));
            // Stable across re-crawls: the permalink, else the page and the post's position.
            let id_source = match &permalink {
                Some(u) => u.to_string(),
                None => format!("{page_url}#{i}"),
            };
            let url = permalink.map_or_else(|| page_url.to_string(), String::from);
            buffer.push(Post {
                id: format!("{}:{}", p.platform, hex(&key(id_source.as_bytes()))),
                platform: p.platform.clone(),
                url: Some(url),
                author: Author {
                    id: author,
                    name: None,
                },
                ts: fp.time,
                text: fp.text,
                thread_id: None,
                reply_to: None,
                capture: Some(Capture {
                    source: format!("crawl:{}", p.name),
                    fetched_at: Some(fetched_at.clone()),
                    http_status: Some(status),
                    content_digest: Some(content_digest.clone()),
                }),
            });
            report.posts_emitted += 1;
        }
        let depth = v.entry.depth;
        for link in extracted.links {
            self.enqueue(&link, depth + 1, report);
        }
        for link in extracted.next {
            self.enqueue(&link, depth, report);
        }
    }

    fn enqueue(&mut self, url: &Url, depth: u32, report: &mut PassReport) {
        if depth > self.profile.max_depth || !self.profile.host_allowed(url) {
            return;
        }
        let c = canonical(url, false);
        let k = key(c.as_str().as_bytes());
        let s = &mut self.state;
        if s.seen.contains(&k) {
            return;
        }
        // `seen` counts every page admitted to this pass: it bounds the frontier as well.
        if s.seen.len() as u64 >= self.profile.max_pages {
            report.over_max_pages += 1;
            return;
        }
        s.seen.insert(k);
        s.frontier.push_back(FrontierEntry {
            url: c.into(),
            depth,
        });
    }
}

/// Delay before retry `attempt` (0-based): `Retry-After` when the server gave one (capped),
/// else exponential from `base` with jitter (half fixed, half random), so that many crawlers
/// rejected together do not come back together.
fn backoff(base: Duration, attempt: u32, retry_after: Option<Duration>, cap: Duration) -> Duration {
    if let Some(ra) = retry_after {
        return ra.min(cap);
    }
    let exp = base
        .saturating_mul(1u32 << attempt.min(16))
        .min(Duration::from_secs(60));
    let random =
        std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), attempt);
    let half = exp / 2;
    half + Duration::from_nanos(random % (half.as_nanos() as u64 + 1))
}

fn is_html(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return true;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(mime.as_str(), "text/html" | "application/xhtml+xml" | "")
}

/// Fetches one frontier entry (robots, rate limit, retries, redirects) and extracts it.
async fn visit(
    profile: Arc<Profile>,
    fetcher: Arc<Fetcher>,
    gate: Arc<HostGate>,
    entry: FrontierEntry,
    key: Key,
    validators: Option<Validators>,
) -> Visit {
    let mut requests = 0;
    let outcome = fetch_page(
        &profile,
        &fetcher,
        &gate,
        &entry,
        validators.as_ref(),
        &mut requests,
    )
    .await;
    Visit {
        entry,
        key,
        requests,
        outcome,
    }
}

async fn fetch_page(
    profile: &Profile,
    fetcher: &Fetcher,
    gate: &HostGate,
    entry: &FrontierEntry,
    validators: Option<&Validators>,
    requests: &mut u64,
) -> Outcome {
    let skip = |r: &str| Outcome::Skipped(r.to_string());
    let Ok(mut url) = Url::parse(&entry.url) else {
        return skip("bad_url");
    };
    let limits = fetcher.limits();
    let mut chain = vec![url_key(&url)];
    loop {
        if !profile.host_allowed(&url) {
            return skip("host_not_allowed");
        }
        // IP literals are judged before robots.txt is asked for, so no request goes out.
        if profile.network.check_url(&url).is_err() {
            return skip("address_refused");
        }
        match gate.admit(fetcher, &url).await {
            Admission::Allowed => {}
            Admission::Disallowed => return skip("robots"),
            Admission::Refused(_) => return skip("address_refused"),
        }
        // Validators belong to the frontier URL, not to a redirect target.
        let conditional = if chain.len() == 1 { validators } else { None };
        let mut attempt = 0;
        let exchange = loop {
            gate.wait(fetcher, &url).await;
            *requests += 1;
            let fetched_at = SystemTime::now();
            let r = fetcher.get(&url, conditional, limits.max_body_bytes).await;
            let (status, retry_after) = match r {
                Ok(Exchange::Retry {
                    status,
                    retry_after,
                }) => (format!("http_{status}"), retry_after),
                Err(FetchError::Network(msg)) => {
                    tracing::debug!(url = %url, error = %msg, "network error");
                    ("network".to_string(), None)
                }
                Ok(x) => break Ok((x, fetched_at)),
                Err(e) => break Err(e.reason().to_string()),
            };
            attempt += 1;
            if attempt >= limits.max_attempts {
                break Err(status);
            }
            let wait = backoff(
                limits.retry_base,
                attempt - 1,
                retry_after,
                limits.max_retry_after,
            );
            tracing::debug!(url = %url, reason = %status, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        };
        let (exchange, fetched_at) = match exchange {
            Ok(x) => x,
            Err(reason) => return Outcome::Skipped(reason),
        };
        match exchange {
            Exchange::Redirect(next) => {
                if chain.len() > limits.max_redirects as usize {
                    return skip("too_many_redirects");
                }
                let k = url_key(&next);
                if chain.contains(&k) {
                    return skip("redirect_loop");
                }
                chain.push(k);
                url = next;
            }
            Exchange::NotModified => return Outcome::NotModified,
            Exchange::Status(s) => return Outcome::Skipped(format!("http_{s}")),
            Exchange::Retry { status, .. } => return Outcome::Skipped(format!("http_{status}")),
            Exchange::Body(body) => {
                if !is_html(body.content_type.as_deref()) {
                    return skip("not_html");
                }
                let content_digest = blake3::hash(&body.bytes).to_hex().to_string();
                let (text, _) = decode(&body.bytes, body.content_type.as_deref());
                drop(body.bytes);
                let extracted = extract(profile, &url, &text);
                return Outcome::Page(Box::new(Page {
                    final_url: url,
                    status: body.status,
                    fetched_at,
                    content_digest,
                    validators: body.validators,
                    extracted,
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_honours_retry_after() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(5);
        for attempt in 0..5 {
            let exp = base * (1 << attempt);
            let d = backoff(base, attempt, None, cap);
            assert!(d >= exp / 2 && d <= exp, "{attempt}: {d:?}");
        }
        assert_eq!(
            backoff(base, 0, Some(Duration::from_secs(2)), cap),
            Duration::from_secs(2)
        );
        assert_eq!(backoff(base, 0, Some(Duration::from_secs(3600)), cap), cap);
    }

    #[test]
    fn html_content_types() {
        assert!(is_html(None));
        assert!(is_html(Some("text/html; charset=gbk")));
        assert!(is_html(Some("Application/XHTML+XML")));
        assert!(!is_html(Some("image/png")));
        assert!(!is_html(Some("application/octet-stream")));
    }
}
