//! `HostGate`: what a request waits for before it may go to a host — robots.txt (fetched once
//! per origin and cached) and the host's rate limiter (`governor`, one per host, at the
//! profile's requests per second, slowed to the robots.txt `Crawl-delay` when politeness is on).
//!
//! robots.txt outcomes follow RFC 9309: 2xx → its rules for our user agent; 4xx → everything
//! allowed; 5xx, timeouts and network errors → everything disallowed, re-tried after
//! [`ERROR_TTL`]; a good answer is cached for a day.

use crate::fetcher::{Exchange, FetchError, Fetcher};
use crate::guard::AddressRefused;
use crate::profile::Politeness;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use url::Url;

const TTL: Duration = Duration::from_secs(24 * 3600);
pub const ERROR_TTL: Duration = Duration::from_secs(600);
/// RFC 9309 asks parsers to read at least 500 KiB.
const MAX_ROBOTS_BYTES: u64 = 512 << 10;
const ROBOTS_REDIRECTS: u32 = 5;

/// What robots.txt says about one URL.
#[derive(Debug)]
pub enum Admission {
    Allowed,
    Disallowed,
    /// robots.txt could not even be asked: the host's address is refused by the SSRF guard.
    Refused(AddressRefused),
}

enum Rules {
    AllowAll,
    DisallowAll,
    Refused(AddressRefused),
    Robot(Box<texting_robots::Robot>),
}

struct Cached {
    rules: Arc<Rules>,
    delay: Option<Duration>,
    expires: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

pub struct HostGate {
    politeness: Politeness,
    robots: Mutex<HashMap<String, Slot>>,
    limiters: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
    /// robots.txt requests made (tests, logs).
    pub robots_fetches: AtomicU64,
}

impl HostGate {
    pub fn new(politeness: Politeness) -> HostGate {
        HostGate {
            politeness,
            robots: Mutex::new(HashMap::new()),
            limiters: Mutex::new(HashMap::new()),
            robots_fetches: AtomicU64::new(0),
        }
    }

    /// May `url` be fetched under robots.txt? Fetches the origin's robots.txt on first use.
    pub async fn admit(&self, fetcher: &Fetcher, url: &Url) -> Admission {
        if !self.politeness.obey_robots {
            return Admission::Allowed;
        }
        let (rules, _) = self.rules(fetcher, url).await;
        match &*rules {
            Rules::AllowAll => Admission::Allowed,
            Rules::DisallowAll => Admission::Disallowed,
            Rules::Refused(r) => Admission::Refused(r.clone()),
            Rules::Robot(r) => {
                // The rules match path and query.
                let mut pq = url.path().to_string();
                if let Some(q) = url.query() {
                    pq.push('?');
                    pq.push_str(q);
                }
                if r.allowed(&pq) {
                    Admission::Allowed
                } else {
                    Admission::Disallowed
                }
            }
        }
    }

    /// Waits until the host's rate limiter lets one request through.
    pub async fn wait(&self, fetcher: &Fetcher, url: &Url) {
        let Some(rps) = self.politeness.requests_per_second else {
            return;
        };
        let host = url.host_str().unwrap_or_default().to_string();
        let limiter = {
            let existing = self.limiters.lock().unwrap().get(&host).cloned();
            match existing {
                Some(l) => l,
                None => {
                    let delay = if self.politeness.crawl_delay && self.politeness.obey_robots {
                        self.rules(fetcher, url).await.1
                    } else {
                        None
                    };
                    let mut period = Duration::from_secs_f64(1.0 / rps);
                    if let Some(d) = delay {
                        period = period.max(d);
                    }
                    let quota = Quota::with_period(period.max(Duration::from_micros(1)))
                        .expect("non-zero period")
                        .allow_burst(NonZeroU32::MIN);
                    self.limiters
                        .lock()
                        .unwrap()
                        .entry(host)
                        .or_insert_with(|| Arc::new(RateLimiter::direct(quota)))
                        .clone()
                }
            }
        };
        limiter.until_ready().await;
    }

    async fn rules(&self, fetcher: &Fetcher, url: &Url) -> (Arc<Rules>, Option<Duration>) {
        let origin = url.origin().ascii_serialization();
        let slot = self
            .robots
            .lock()
            .unwrap()
            .entry(origin.clone())
            .or_default()
            .clone();
        // Held across the fetch: the other requests to this origin wait for one robots.txt.
        let mut cached = slot.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.expires > Instant::now()) {
            return (c.rules.clone(), c.delay);
        }
        let (rules, ttl) = self.fetch_rules(fetcher, &origin).await;
        let delay = match &rules {
            Rules::Robot(r) => r
                .delay
                .filter(|d| d.is_finite() && *d > 0.0)
                // A hostile Crawl-delay must not park the crawler for days.
                .map(|d| Duration::from_secs_f32(d.min(60.0))),
            _ => None,
        };
        let rules = Arc::new(rules);
        *cached = Some(Cached {
            rules: rules.clone(),
            delay,
            expires: Instant::now() + ttl,
        });
        (rules, delay)
    }

    async fn fetch_rules(&self, fetcher: &Fetcher, origin: &str) -> (Rules, Duration) {
        let Ok(mut url) = Url::parse(&format!("{origin}/robots.txt")) else {
            return (Rules::DisallowAll, ERROR_TTL);
        };
        for _ in 0..=ROBOTS_REDIRECTS {
            self.robots_fetches.fetch_add(1, Ordering::Relaxed);
            let outcome = fetcher.get(&url, None, MAX_ROBOTS_BYTES).await;
            let rules = match outcome {
                Ok(Exchange::Redirect(next)) => {
                    url = next;
                    continue;
                }
                Ok(Exchange::Body(b)) => {
                    match texting_robots::Robot::new(&self.politeness.robots_agent, &b.bytes) {
                        Ok(r) => (Rules::Robot(Box::new(r)), TTL),
                        Err(_) => (Rules::AllowAll, TTL),
                    }
                }
                Ok(Exchange::Status(s)) if (400..500).contains(&s) => (Rules::AllowAll, TTL),
                Ok(Exchange::NotModified | Exchange::Status(_) | Exchange::Retry { .. }) => {
                    (Rules::DisallowAll, ERROR_TTL)
                }
                // An oversized robots.txt: the first 512 KiB would do, but a site serving one is
                // not one to crawl blindly.
                Err(FetchError::TooLarge { .. }) => (Rules::DisallowAll, ERROR_TTL),
                Err(FetchError::Refused(r)) => (Rules::Refused(r), ERROR_TTL),
                Err(FetchError::Timeout | FetchError::Network(_)) => {
                    (Rules::DisallowAll, ERROR_TTL)
                }
            };
            tracing::debug!(%origin, "robots.txt loaded");
            return rules;
        }
        (Rules::DisallowAll, ERROR_TTL)
    }
}
