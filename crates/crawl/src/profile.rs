//! Site profiles (`pipelines/sites/NAME.toml`): TOML parsed into [`RawProfile`]
//! (`deny_unknown_fields`, a `version`), then [`RawProfile::validate`] compiles the selectors,
//! parses the URLs and fills the defaults into a [`Profile`] the crawler trusts. Errors name the
//! field.

use crate::guard::AddressPolicy;
use crate::CrawlError;
use scraper::Selector;
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;
use url::Url;

pub const PROFILE_VERSION: u32 = 1;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub version: u32,
    /// Profile name: state directory, capture source (`crawl:NAME`) and inbox file names.
    pub name: String,
    /// `platform` of the emitted posts and the prefix of their ids.
    pub platform: String,
    pub start_urls: Vec<String>,
    /// Hosts the crawler may fetch: `forum.example.org`, or `*.example.org` for subdomains.
    pub allowed_hosts: Vec<String>,
    /// Link depth from the start URLs (pagination does not count as a level). Default 3.
    pub max_depth: Option<u32>,
    /// Pages per pass, all hosts together; bounds the frontier too. Default 10,000.
    pub max_pages: Option<u64>,
    /// Seconds between the end of a pass and the start of the next (re-visit). Default 3600.
    pub revisit_secs: Option<u64>,
    /// Fetches in flight at once. Default 8.
    pub concurrency: Option<usize>,
    #[serde(default)]
    pub links: RawLinks,
    pub posts: RawPosts,
    #[serde(default)]
    pub politeness: RawPoliteness,
    #[serde(default)]
    pub limits: RawLimits,
    #[serde(default)]
    pub network: RawNetwork,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLinks {
    /// CSS selectors of links to follow (`a.thread`); their `href` is resolved on the page.
    #[serde(default)]
    pub follow: Vec<String>,
    /// CSS selector of the "next page" link.
    pub next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPosts {
    /// CSS selector of one post on a page.
    pub selector: String,
    /// Inside a post: its text (default: the whole post element).
    pub text: Option<String>,
    pub author: Option<String>,
    /// Inside a post: its time (`datetime` attribute first, else the element's text).
    pub time: Option<String>,
    /// Inside a post: a link to the post itself (`href`); default: page URL + position.
    pub permalink: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPoliteness {
    /// false: no rate limit and no Crawl-delay (benchmarks against a local fixture).
    pub enabled: Option<bool>,
    /// Requests per second per host. Default 1; 0 disables the rate limit.
    pub requests_per_second: Option<f64>,
    /// Honour robots.txt (default true).
    pub obey_robots: Option<bool>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// A response body larger than this is refused (`too_large`). Default 5 MiB.
    pub max_body_bytes: Option<u64>,
    /// Whole-request timeout, connect to last body byte. Default 15,000 ms.
    pub timeout_ms: Option<u64>,
    /// Redirect hops followed per page. Default 5.
    pub max_redirects: Option<u32>,
    /// Attempts per request on 429, 5xx and connection errors. Default 3.
    pub max_attempts: Option<u32>,
    /// First retry delay; doubles per attempt, with jitter. Default 500 ms.
    pub retry_base_ms: Option<u64>,
    /// Longest `Retry-After` honoured, seconds. Default 60.
    pub max_retry_after_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// Allow private, loopback, link-local, CGNAT and ULA addresses (default false).
    pub allow_private_addresses: Option<bool>,
    /// Allow loopback only (tests against a local fixture). Default false.
    pub allow_loopback: Option<bool>,
}

/// A host pattern from `allowed_hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    /// `*.example.org`: example.org and its subdomains.
    Suffix(String),
}

impl HostPattern {
    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => host == h,
            HostPattern::Suffix(s) => {
                host == s
                    || (host.len() > s.len()
                        && host.ends_with(s.as_str())
                        && host.as_bytes()[host.len() - s.len() - 1] == b'.')
            }
        }
    }
}

/// The selectors that find posts on a page.
#[derive(Debug, Clone)]
pub struct PostSelectors {
    pub post: Selector,
    pub text: Option<Selector>,
    pub author: Option<Selector>,
    pub time: Option<Selector>,
    pub permalink: Option<Selector>,
}

#[derive(Debug, Clone)]
pub struct Politeness {
    /// None: no rate limit.
    pub requests_per_second: Option<f64>,
    pub obey_robots: bool,
    /// Honour robots.txt `Crawl-delay` (only when politeness is on).
    pub crawl_delay: bool,
    pub user_agent: String,
    /// The product token matched against robots.txt `User-agent` lines.
    pub robots_agent: String,
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: u64,
    pub timeout: Duration,
    pub max_redirects: u32,
    pub max_attempts: u32,
    pub retry_base: Duration,
    pub max_retry_after: Duration,
}

/// A validated site profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub platform: String,
    pub start_urls: Vec<Url>,
    pub allowed_hosts: Vec<HostPattern>,
    pub max_depth: u32,
    pub max_pages: u64,
    pub revisit: Duration,
    pub concurrency: usize,
    pub follow: Vec<Selector>,
    pub next_page: Option<Selector>,
    pub posts: PostSelectors,
    pub politeness: Politeness,
    pub limits: Limits,
    pub network: AddressPolicy,
}

pub const DEFAULT_USER_AGENT: &str = concat!(
    "doxwatch-crawler/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/doxwatch)"
);

impl RawProfile {
    pub fn parse(path: &Path, text: &str) -> Result<RawProfile, CrawlError> {
        toml::from_str(text).map_err(|e| CrawlError::Profile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    pub fn validate(self, path: &Path) -> Result<Profile, CrawlError> {
        let bad = |message: String| CrawlError::Profile {
            path: path.to_path_buf(),
            message,
        };
        if self.version != PROFILE_VERSION {
            return Err(bad(format!(
                "version: {} is not supported (expected {PROFILE_VERSION})",
                self.version
            )));
        }
        // The name ends up in file names (state directory, inbox files).
        if self.name.is_empty()
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(bad(
                "name: must be non-empty ASCII letters, digits, `-` or `_`".into(),
            ));
        }
        if self.platform.trim().is_empty() || self.platform.contains(':') {
            return Err(bad("platform: must be non-empty and contain no `:`".into()));
        }
        if self.allowed_hosts.is_empty() {
            return Err(bad("allowed_hosts: at least one host is needed".into()));
        }
        let mut allowed_hosts = Vec::new();
        for (i, h) in self.allowed_hosts.iter().enumerate() {
            let h = h.trim().to_ascii_lowercase();
            let pat = match h.strip_prefix("*.") {
                Some(rest) => HostPattern::Suffix(rest.to_string()),
                None => HostPattern::Exact(h.clone()),
            };
            let bare = match &pat {
                HostPattern::Exact(s) | HostPattern::Suffix(s) => s,
            };
            if bare.is_empty() || bare.contains(['/', ':', '*', ' ']) && !bare.starts_with('[') {
                return Err(bad(format!(
                    "allowed_hosts[{i}]: `{h}` is not a host name (no scheme, port or path)"
                )));
            }
            allowed_hosts.push(pat);
        }
        if self.start_urls.is_empty() {
            return Err(bad("start_urls: at least one URL is needed".into()));
        }
        let mut start_urls = Vec::new();
        for (i, u) in self.start_urls.iter().enumerate() {
            let url = Url::parse(u).map_err(|e| bad(format!("start_urls[{i}]: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(bad(format!("start_urls[{i}]: only http and https")));
            }
            let host = url.host_str().unwrap_or_default();
            if !allowed_hosts.iter().any(|p| p.matches(host)) {
                return Err(bad(format!(
                    "start_urls[{i}]: host `{host}` is not in allowed_hosts"
                )));
            }
            start_urls.push(url);
        }
        let sel = |field: &str, s: &str| {
            Selector::parse(s).map_err(|e| bad(format!("{field}: bad CSS selector `{s}`: {e}")))
        };
        let opt_sel =
            |field: &str, s: &Option<String>| s.as_deref().map(|s| sel(field, s)).transpose();
        let follow = self
            .links
            .follow
            .iter()
            .enumerate()
            .map(|(i, s)| sel(&format!("links.follow[{i}]"), s))
            .collect::<Result<Vec<_>, _>>()?;
        let next_page = opt_sel("links.next_page", &self.links.next_page)?;
        let posts = PostSelectors {
            post: sel("posts.selector", &self.posts.selector)?,
            text: opt_sel("posts.text", &self.posts.text)?,
            author: opt_sel("posts.author", &self.posts.author)?,
            time: opt_sel("posts.time", &self.posts.time)?,
            permalink: opt_sel("posts.permalink", &self.posts.permalink)?,
        };
        let max_pages = self.max_pages.unwrap_or(10_000);
        if max_pages == 0 {
            return Err(bad("max_pages: must be at least 1".into()));
        }
        let concurrency = self.concurrency.unwrap_or(8);
        if !(1..=1024).contains(&concurrency) {
            return Err(bad("concurrency: must be between 1 and 1024".into()));
        }
        let p = &self.politeness;
        let enabled = p.enabled.unwrap_or(true);
        let rps = p.requests_per_second.unwrap_or(1.0);
        if !rps.is_finite() || rps < 0.0 {
            return Err(bad(
                "politeness.requests_per_second: must be a number ≥ 0".into()
            ));
        }
        let user_agent = p
            .user_agent
            .clone()
            .unwrap_or_else(|| DEFAULT_USER_AGENT.to_string());
        if user_agent.trim().is_empty() || user_agent.contains(['\r', '\n']) {
            return Err(bad(
                "politeness.user_agent: must be one non-empty line".into()
            ));
        }
        let robots_agent = user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or_default()
            .to_string();
        let l = &self.limits;
        let limits = Limits {
            max_body_bytes: l.max_body_bytes.unwrap_or(5 << 20),
            timeout: Duration::from_millis(l.timeout_ms.unwrap_or(15_000)),
            max_redirects: l.max_redirects.unwrap_or(5),
            max_attempts: l.max_attempts.unwrap_or(3),
            retry_base: Duration::from_millis(l.retry_base_ms.unwrap_or(500)),
            max_retry_after: Duration::from_secs(l.max_retry_after_secs.unwrap_or(60)),
        };
        if limits.max_body_bytes == 0 {
            return Err(bad("limits.max_body_bytes: must be at least 1".into()));
        }
        if limits.timeout.is_zero() {
            return Err(bad("limits.timeout_ms: must be at least 1".into()));
        }
        if limits.max_attempts == 0 {
            return Err(bad("limits.max_attempts: must be at least 1".into()));
        }
        let allow_private = self.network.allow_private_addresses.unwrap_or(false);
        Ok(Profile {
            name: self.name,
            platform: self.platform,
            start_urls,
            allowed_hosts,
            max_depth: self.max_depth.unwrap_or(3),
            max_pages,
            revisit: Duration::from_secs(self.revisit_secs.unwrap_or(3600)),
            concurrency,
            follow,
            next_page,
            posts,
            politeness: Politeness {
                requests_per_second: (enabled && rps > 0.0).then_some(rps),
                obey_robots: p.obey_robots.unwrap_or(true),
                crawl_delay: enabled,
                user_agent,
                robots_agent,
            },
            limits,
            network: AddressPolicy {
                allow_private,
                allow_loopback: allow_private || self.network.allow_loopback.unwrap_or(false),
            },
        })
    }
}

impl Profile {
    /// Reads, parses and validates a profile file.
    pub fn load(path: &Path) -> Result<Profile, CrawlError> {
        let text = std::fs::read_to_string(path).map_err(|source| CrawlError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        RawProfile::parse(path, &text)?.validate(path)
    }

    pub fn host_allowed(&self, url: &Url) -> bool {
        matches!(url.scheme(), "http" | "https")
            && url
                .host_str()
                .is_some_and(|h| self.allowed_hosts.iter().any(|p| p.matches(h)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
version = 1
name = "t"
platform = "t"
start_urls = ["http://forum.example.org/"]
allowed_hosts = ["forum.example.org", "*.paste.example"]
[posts]
selector = "div.post"
"#;

    fn load(text: &str) -> Result<Profile, CrawlError> {
        let p = Path::new("t.toml");
        RawProfile::parse(p, text)?.validate(p)
    }

    #[test]
    fn defaults_and_host_patterns() {
        let p = load(MINIMAL).unwrap();
        assert_eq!(p.max_depth, 3);
        assert_eq!(p.limits.max_body_bytes, 5 << 20);
        assert!(p.politeness.obey_robots);
        assert_eq!(p.politeness.requests_per_second, Some(1.0));
        assert_eq!(p.politeness.robots_agent, "doxwatch-crawler");
        assert!(!p.network.allow_loopback && !p.network.allow_private);
        for (host, ok) in [
            ("forum.example.org", true),
            ("x.forum.example.org", false),
            ("paste.example", true),
            ("a.paste.example", true),
            ("apaste.example", false),
        ] {
            let u = Url::parse(&format!("https://{host}/x")).unwrap();
            assert_eq!(p.host_allowed(&u), ok, "{host}");
        }
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (MINIMAL.replacen("version = 1", "version = 2", 1), "version"),
            (format!("surprise = 1\n{MINIMAL}"), "surprise"),
            (MINIMAL.replacen("div.post", "div[", 1), "posts.selector"),
            (
                MINIMAL.replacen("http://forum.example.org/", "http://elsewhere.example/", 1),
                "start_urls[0]",
            ),
            (
                MINIMAL.replacen("http://forum.example.org/", "ftp://forum.example.org/", 1),
                "start_urls[0]",
            ),
            (
                MINIMAL.replacen("name = \"t\"", "name = \"a/b\"", 1),
                "name",
            ),
            (
                format!("{MINIMAL}[limits]\nmax_attempts = 0\n"),
                "limits.max_attempts",
            ),
        ];
        for (text, field) in cases {
            let e = load(&text).unwrap_err().to_string();
            assert!(e.contains(field), "{field}: {e}");
        }
    }

    #[test]
    fn politeness_off_disables_the_rate_limit() {
        let p = load(&format!("{MINIMAL}[politeness]\nenabled = false\n")).unwrap();
        assert_eq!(p.politeness.requests_per_second, None);
        assert!(!p.politeness.crawl_delay);
        let p = load(&format!("{MINIMAL}[politeness]\nrequests_per_second = 0\n")).unwrap();
        assert_eq!(p.politeness.requests_per_second, None);
    }
}
