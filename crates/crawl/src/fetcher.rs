//! `Fetcher`: one HTTP exchange, guarded and bounded.
//!
//! Redirects are not followed here (the client's policy is `none`): the crawler follows them
//! itself so that every hop passes the host allow-list, robots.txt and the SSRF guard, and a
//! loop stops at the hop limit. Retries are the crawler's too, so that each attempt waits for
//! the host's rate limiter. What stays here: the SSRF guard (IP literals checked before the
//! request, names through [`GuardedResolver`]), the whole-request timeout, the streamed body
//! cap and the conditional headers.

use crate::guard::{refusal_in, AddressRefused, GuardedResolver};
use crate::profile::{Limits, Profile};
use crate::state::Validators;
use crate::CrawlError;
use reqwest::header::{self, HeaderMap};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// The result of one request that got an HTTP response.
#[derive(Debug)]
pub enum Exchange {
    /// 2xx with its body (at most `max_body_bytes`).
    Body(Body),
    /// 304 to a conditional request.
    NotModified,
    /// 3xx with a usable `Location`, resolved against the request URL.
    Redirect(Url),
    /// 429 or 5xx: worth another attempt later.
    Retry {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// Any other status (4xx, a 3xx without `Location`, 1xx oddities).
    Status(u16),
}

#[derive(Debug)]
pub struct Body {
    pub status: u16,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub validators: Validators,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Refused(#[from] AddressRefused),
    #[error("body larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("timed out")]
    Timeout,
    /// Connection refused or reset, DNS failure, TLS error…: retried like a 5xx.
    #[error("network: {0}")]
    Network(String),
}

impl FetchError {
    /// The reason counted in the crawl report.
    pub fn reason(&self) -> &'static str {
        match self {
            FetchError::Refused(_) => "address_refused",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Timeout => "timeout",
            FetchError::Network(_) => "network",
        }
    }
}

pub struct Fetcher {
    client: reqwest::Client,
    policy: crate::guard::AddressPolicy,
    limits: Limits,
}

impl Fetcher {
    pub fn new(profile: &Profile) -> Result<Fetcher, CrawlError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            header::HeaderValue::from_static(
                "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
            ),
        );
        headers.insert(
            header::ACCEPT_LANGUAGE,
            header::HeaderValue::from_static("zh-CN,zh;q=0.9,zh-TW;q=0.8,en;q=0.5"),
        );
        let client = reqwest::Client::builder()
            .user_agent(profile.politeness.user_agent.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would resolve names itself, out of the guard's sight.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: profile.network,
            }))
            .timeout(profile.limits.timeout)
            .connect_timeout(profile.limits.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(profile.concurrency)
            .build()
            .map_err(|e| CrawlError::Client(e.to_string()))?;
        Ok(Fetcher {
            client,
            policy: profile.network,
            limits: profile.limits.clone(),
        })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// One GET of `url`, with `If-None-Match` / `If-Modified-Since` from `validators`.
    pub async fn get(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        max_body_bytes: u64,
    ) -> Result<Exchange, FetchError> {
        self.policy.check_url(url)?;
        let mut req = self.client.get(url.clone());
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let mut resp = req.send().await.map_err(classify)?;
        let status = resp.status().as_u16();
        let h = resp.headers();
        match status {
            200..=299 => {}
            304 => return Ok(Exchange::NotModified),
            301 | 302 | 303 | 307 | 308 => {
                return Ok(
                    match h
                        .get(header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|l| url.join(l.trim()).ok())
                    {
                        Some(next) => Exchange::Redirect(next),
                        None => Exchange::Status(status),
                    },
                )
            }
            429 | 500..=599 => {
                let retry_after = h
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                return Ok(Exchange::Retry {
                    status,
                    retry_after,
                });
            }
            _ => return Ok(Exchange::Status(status)),
        }
        let text = |name| {
            h.get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = text(header::CONTENT_TYPE);
        let validators = Validators {
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
        };
        // Refuse early when the server says how big it is; otherwise count while streaming, so
        // a huge page never sits in memory.
        if resp.content_length().is_some_and(|n| n > max_body_bytes) {
            return Err(FetchError::TooLarge {
                limit: max_body_bytes,
            });
        }
        let mut bytes = Vec::with_capacity(resp.content_length().unwrap_or(16 << 10) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if bytes.len() as u64 + chunk.len() as u64 > max_body_bytes {
                return Err(FetchError::TooLarge {
                    limit: max_body_bytes,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Exchange::Body(Body {
            status,
            bytes,
            content_type,
            validators,
        }))
    }
}

fn classify(e: reqwest::Error) -> FetchError {
    if let Some(r) = refusal_in(&e) {
        return FetchError::Refused(r.clone());
    }
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    // The chain names hosts and OS errors, never page content.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    FetchError::Network(msg)
}
