//! Who is calling. Two ways in:
//! - `Authorization: Bearer TOKEN` (scripts, other services): the token is checked against the
//!   live tokens' digests on every request.
//! - A browser session: `POST /v1/session` with a token sets a cookie (`HttpOnly`,
//!   `SameSite=Strict`, `Secure`, 8 hours) and returns a CSRF token. A state-changing request
//!   made with the cookie must echo that CSRF token in `X-CSRF-Token`. Sessions end with the
//!   token: revoking it logs its sessions out.
//!
//! Roles nest: analyst < investigator < admin ([`Role`]).

use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use base64::Engine;
use doxwatch_store::Role;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const COOKIE: &str = "dxw_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

pub type Limiter = governor::DefaultKeyedRateLimiter<IpAddr>;

pub fn limiter(per_minute: u32) -> Limiter {
    let n = std::num::NonZeroU32::new(per_minute.max(1)).expect("nonzero");
    governor::RateLimiter::keyed(governor::Quota::per_minute(n).allow_burst(n))
}

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The token's name: what the audit log records as the actor.
    pub name: String,
    pub role: Role,
}

impl Caller {
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs the {} role; token `{}` is {}",
                role.as_str(),
                self.name,
                self.role.as_str()
            )))
        }
    }

    /// The actor recorded in the audit log and case events.
    pub fn actor(&self) -> String {
        format!("{} ({})", self.name, self.role.as_str())
    }
}

struct Session {
    name: String,
    csrf: String,
    expires: Instant,
}

/// Browser sessions, in memory (a restart logs everyone out), keyed by the BLAKE3 of the
/// cookie value.
#[derive(Default)]
pub struct Sessions(Mutex<HashMap<[u8; 32], Session>>);

pub fn random_token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn key(cookie: &str) -> [u8; 32] {
    *blake3::hash(cookie.as_bytes()).as_bytes()
}

impl Sessions {
    /// A new session for token `name`: (cookie value, CSRF token).
    pub fn create(&self, name: &str) -> (String, String) {
        let (cookie, csrf) = (random_token(), random_token());
        if let Ok(mut m) = self.0.lock() {
            let now = Instant::now();
            m.retain(|_, s| s.expires > now);
            m.insert(
                key(&cookie),
                Session {
                    name: name.to_string(),
                    csrf: csrf.clone(),
                    expires: now + SESSION_TTL,
                },
            );
        }
        (cookie, csrf)
    }

    /// (token name, CSRF token) of a live session.
    fn get(&self, cookie: &str) -> Option<(String, String)> {
        let m = self.0.lock().ok()?;
        let s = m.get(&key(cookie))?;
        (s.expires > Instant::now()).then(|| (s.name.clone(), s.csrf.clone()))
    }

    /// The CSRF token of a live session.
    pub fn csrf(&self, cookie: &str) -> Option<String> {
        self.get(cookie).map(|(_, csrf)| csrf)
    }

    pub fn remove(&self, cookie: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(&key(cookie));
        }
    }
}

pub fn cookie_value(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(COOKIE)?
                .strip_prefix('=')
                .map(str::to_string)
        })
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Caller, ApiError> {
        let tokens = state
            .tokens
            .read()
            .map_err(|_| ApiError::unauthorized())?
            .clone();
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let presented = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(ApiError::unauthorized)?;
            let (name, role) = tokens
                .check(presented.trim())
                .ok_or_else(ApiError::unauthorized)?;
            return Ok(Caller { name, role });
        }
        let cookie = cookie_value(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        let (name, csrf) = state
            .sessions
            .get(&cookie)
            .ok_or_else(ApiError::unauthorized)?;
        // The session's token must still be live (revocation ends sessions).
        let role = tokens.role_of(&name).ok_or_else(ApiError::unauthorized)?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !doxwatch_pipeline::http_source::same(sent.as_bytes(), csrf.as_bytes()) {
                return Err(ApiError::forbidden(
                    "missing or wrong X-CSRF-Token for a state-changing request",
                ));
            }
        }
        Ok(Caller { name, role })
    }
}

/// The client's address, for the public endpoints' rate limit.
pub fn peer(parts_ext: &axum::http::Extensions) -> IpAddr {
    parts_ext
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}
