//! The private self-check: "is my phone number in a known leak?" without telling the server the
//! number, and without handing anyone a table to brute-force. RFC 9497 OPRF, ristretto255-SHA512,
//! OPRF mode (the `voprf` crate). See `crates/leakset/PRIVACY.md` for the argument.
//!
//! - Build: for every identifier x of a checkable kind, the server computes F_k(x) (the full
//!   OPRF output under its secret key k, truncated to [`VALUE_BYTES`]) and files it under
//!   `bucket(x)`, a short prefix of an *unkeyed* hash of x: `oprf.bin` in the set directory;
//!   the OPRF key lives in its own file (mode 0600), never in the set.
//! - Query: the client sends `bucket(x)` and a blinded element; the server answers with its
//!   evaluation of the blinded element and every value of that bucket, padded with random filler
//!   to a fixed count (so the answer's size says nothing about the bucket); the client unblinds,
//!   computes F_k(x) and looks for it locally.
//!
//! The server sees a bucket (one of 2^bits, shared by tens of thousands of identifiers) and a
//! uniformly random group element; the client learns F_k of its own x only, and a bucket of
//! values it cannot invert without k (each guess costs one rate-limited online query).

use crate::error::LeakSetError;
use base64::Engine;
use doxwatch_model::Kind;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use voprf::{BlindedElement, EvaluationElement, OprfClient, OprfServer, Ristretto255};

type Suite = Ristretto255;

pub const OPRF_FILE: &str = "oprf.bin";
const OPRF_MAGIC: &[u8; 8] = b"DXOPRF01";
/// Bytes of F_k(x) kept per identifier: 128 bits, so a false match among a padded bucket of a
/// few thousand values has probability ~2^-116.
pub const VALUE_BYTES: usize = 16;
/// One entry of `oprf.bin`: kind tag, bucket (big-endian), value.
const ENTRY: usize = 1 + 4 + VALUE_BYTES;
const BUCKET_DOMAIN: &[u8] = b"doxwatch.bucket.v1";

/// Kinds the self-check answers for, with their bucket prefix length in bits.
///
/// Phones: ~1.9·10^9 numbers on allocated mobile segments / 2^16 buckets ≈ 29,000 numbers per
/// bucket. ID numbers: ~10^11 well-formed numbers (regions × birth dates × sequence) / 2^20 ≈
/// 95,000 per bucket. Fewer bits would grow the answer (values per bucket = set size / 2^bits)
/// without a privacy gain that matters; more would shrink the anonymity set below ~10^4.
pub const CHECK_KINDS: [(Kind, u8); 2] = [(Kind::Phone, 16), (Kind::IdCard, 20)];

pub fn bucket_bits(kind: Kind) -> Option<u8> {
    CHECK_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, b)| *b)
}

fn kind_tag(kind: Kind) -> u8 {
    match kind {
        Kind::Phone => 1,
        Kind::IdCard => 2,
        _ => 0,
    }
}

/// The OPRF input for an identifier: kind, NUL, canonical value (kinds never collide).
pub fn oprf_input(kind: Kind, canonical: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + canonical.len());
    v.extend_from_slice(kind.as_str().as_bytes());
    v.push(0);
    v.extend_from_slice(canonical.as_bytes());
    v
}

/// The public bucket of an identifier: the first `bucket_bits(kind)` bits of the unkeyed
/// BLAKE3 of domain, kind, NUL, canonical value. The browser client computes the same.
pub fn bucket(kind: Kind, canonical: &str) -> Option<u32> {
    let bits = bucket_bits(kind)?;
    let mut h = blake3::Hasher::new();
    h.update(BUCKET_DOMAIN);
    h.update(&oprf_input(kind, canonical));
    let top = u32::from_be_bytes(h.finalize().as_bytes()[..4].try_into().expect("4 bytes"));
    Some(top >> (32 - u32::from(bits)))
}

/// The server's OPRF key.
#[derive(Clone)]
pub struct OprfKey(OprfServer<Suite>);

impl std::fmt::Debug for OprfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OprfKey({})", self.key_id())
    }
}

impl OprfKey {
    pub fn generate() -> OprfKey {
        OprfKey(OprfServer::new(&mut rand_core::OsRng).expect("random key"))
    }

    /// Loads a key file (64 hex characters), refusing one readable by group or others; with
    /// `generate`, a missing file is created (mode 0600).
    pub fn load(path: &Path, generate: bool) -> Result<OprfKey, LeakSetError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::metadata(path)
                        .map_err(LeakSetError::io(path))?
                        .permissions()
                        .mode();
                    if mode & 0o077 != 0 {
                        return Err(LeakSetError::corrupt(
                            path,
                            format!("OPRF key file is readable by group or others (mode {:o}); chmod 600 it", mode & 0o777),
                        ));
                    }
                }
                let bytes = hex::decode(text.trim()).ok().ok_or_else(|| {
                    LeakSetError::corrupt(path, "an OPRF key is 64 hex characters")
                })?;
                OprfServer::<Suite>::deserialize(&bytes)
                    .map(OprfKey)
                    .map_err(|_| LeakSetError::corrupt(path, "not a ristretto255 scalar"))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && generate => {
                let key = OprfKey::generate();
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut f = opts.open(path).map_err(LeakSetError::io(path))?;
                let text = hex::encode(key.0.serialize()) + "\n";
                std::io::Write::write_all(&mut f, text.as_bytes())
                    .map_err(LeakSetError::io(path))?;
                f.sync_all().map_err(LeakSetError::io(path))?;
                Ok(key)
            }
            Err(e) => Err(LeakSetError::Io {
                path: path.to_path_buf(),
                source: e,
            }),
        }
    }

    /// A public fingerprint (reveals nothing of the key): recorded in the manifest so a server
    /// started with another key refuses the table.
    pub fn key_id(&self) -> String {
        hex::encode(&blake3::derive_key("doxwatch oprf key id v1", &self.0.serialize())[..8])
    }

    /// F_k(x), truncated: the value filed in the table.
    pub fn value(&self, kind: Kind, canonical: &str) -> Option<[u8; VALUE_BYTES]> {
        let out = self.0.evaluate(&oprf_input(kind, canonical)).ok()?;
        Some(out[..VALUE_BYTES].try_into().expect("16 bytes"))
    }

    fn blind_evaluate(&self, blinded: &BlindedElement<Suite>) -> EvaluationElement<Suite> {
        self.0.blind_evaluate(blinded)
    }
}

/// Table entries gathered during a build.
#[derive(Debug, Default)]
pub struct OprfTableBuilder {
    entries: Vec<[u8; ENTRY]>,
}

impl OprfTableBuilder {
    pub fn add(&mut self, key: &OprfKey, kind: Kind, canonical: &str) {
        let (Some(b), Some(v)) = (bucket(kind, canonical), key.value(kind, canonical)) else {
            return;
        };
        let mut e = [0u8; ENTRY];
        e[0] = kind_tag(kind);
        e[1..5].copy_from_slice(&b.to_be_bytes());
        e[5..].copy_from_slice(&v);
        self.entries.push(e);
    }

    /// Takes another builder's entries (one per build worker).
    pub fn extend(&mut self, other: OprfTableBuilder) {
        self.entries.extend(other.entries);
    }

    /// The file bytes and the padded bucket size: the largest bucket, rounded up to a multiple
    /// of 64 (at least 64), so every answer of this set has the same length.
    pub fn finish(mut self) -> (Vec<u8>, u32) {
        self.entries.sort_unstable();
        self.entries.dedup();
        let mut largest = 0usize;
        let mut i = 0;
        while i < self.entries.len() {
            let j = i + self.entries[i..].partition_point(|e| e[..5] == self.entries[i][..5]);
            largest = largest.max(j - i);
            i = j;
        }
        let pad_to = largest.div_ceil(64).max(1) * 64;
        let mut out = Vec::with_capacity(12 + self.entries.len() * ENTRY);
        out.extend_from_slice(OPRF_MAGIC);
        out.extend_from_slice(&(pad_to as u32).to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(e);
        }
        (out, pad_to as u32)
    }
}

/// The server's side: its key and the table, in memory.
pub struct OprfTable {
    key: OprfKey,
    entries: Vec<[u8; ENTRY]>,
    pad_to: usize,
}

impl std::fmt::Debug for OprfTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OprfTable")
            .field("entries", &self.entries.len())
            .field("pad_to", &self.pad_to)
            .finish()
    }
}

impl OprfTable {
    /// Loads `oprf.bin` of a set (verified against the manifest) with the key it was built with.
    pub fn open(dir: &Path, key: OprfKey) -> Result<OprfTable, LeakSetError> {
        let manifest = crate::set::read_manifest(dir)?;
        let params = manifest.oprf.as_ref().ok_or_else(|| {
            LeakSetError::corrupt(
                dir,
                "the set has no self-check table (build it with --oprf-key)",
            )
        })?;
        if params.key_id != key.key_id() {
            return Err(LeakSetError::WrongKey {
                path: dir.to_path_buf(),
                expected: params.key_id.clone(),
                actual: key.key_id(),
            });
        }
        let path = dir.join(OPRF_FILE);
        let bytes = std::fs::read(&path).map_err(LeakSetError::io(&path))?;
        let entry = manifest
            .files
            .get(OPRF_FILE)
            .ok_or_else(|| LeakSetError::corrupt(dir, "manifest lists no oprf.bin"))?;
        if bytes.len() as u64 != entry.bytes
            || blake3::hash(&bytes).to_hex().as_str() != entry.blake3
        {
            return Err(LeakSetError::corrupt(
                &path,
                "size or BLAKE3 differs from the manifest (file damaged)",
            ));
        }
        if bytes.len() < 12 || &bytes[..8] != OPRF_MAGIC || (bytes.len() - 12) % ENTRY != 0 {
            return Err(LeakSetError::corrupt(&path, "not a self-check table"));
        }
        let pad_to = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        let entries: Vec<[u8; ENTRY]> = bytes[12..]
            .chunks_exact(ENTRY)
            .map(|c| c.try_into().expect("entry"))
            .collect();
        if pad_to == 0 || pad_to > 1 << 20 || !entries.windows(2).all(|w| w[0] < w[1]) {
            return Err(LeakSetError::corrupt(
                &path,
                "entries out of order or bad padding",
            ));
        }
        Ok(OprfTable {
            key,
            entries,
            pad_to,
        })
    }

    pub fn pad_to(&self) -> usize {
        self.pad_to
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Answers one query: the evaluation and the bucket's values padded with random filler to
    /// `pad_to`, sorted (so real values and filler cannot be told apart by position).
    pub fn answer(&self, req: &CheckRequest) -> Result<CheckResponse, CheckError> {
        let kind = crate::canon::kind_from_str(&req.kind).ok_or(CheckError::Kind)?;
        let bits = bucket_bits(kind).ok_or(CheckError::Kind)?;
        if req.bucket >> bits != 0 {
            return Err(CheckError::Bucket);
        }
        let blinded = b64()
            .decode(&req.blinded)
            .ok()
            .and_then(|b| BlindedElement::<Suite>::deserialize(&b).ok())
            .ok_or(CheckError::Element)?;
        let evaluated = self.key.blind_evaluate(&blinded);
        let mut prefix = [0u8; 5];
        prefix[0] = kind_tag(kind);
        prefix[1..].copy_from_slice(&req.bucket.to_be_bytes());
        let lo = self.entries.partition_point(|e| e[..5] < prefix[..]);
        let hi = lo + self.entries[lo..].partition_point(|e| e[..5] == prefix[..]);
        let mut values: Vec<[u8; VALUE_BYTES]> = self.entries[lo..hi]
            .iter()
            .map(|e| e[5..].try_into().expect("16 bytes"))
            .collect();
        let mut filler = vec![0u8; (self.pad_to.saturating_sub(values.len())) * VALUE_BYTES];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut filler);
        values.extend(
            filler
                .chunks_exact(VALUE_BYTES)
                .map(|c| <[u8; VALUE_BYTES]>::try_from(c).expect("16 bytes")),
        );
        values.sort_unstable();
        Ok(CheckResponse {
            evaluated: b64().encode(evaluated.serialize()),
            values: b64().encode(values.concat()),
        })
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// `POST /v1/check` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// `phone` or `id_card`.
    pub kind: String,
    pub bucket: u32,
    /// The blinded element, base64 (32 bytes).
    pub blinded: String,
}

/// `POST /v1/check` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResponse {
    /// The server's evaluation of the blinded element, base64 (32 bytes).
    pub evaluated: String,
    /// `pad_to` values of 16 bytes, concatenated, base64.
    pub values: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("the self-check answers for phone and id_card only")]
    Kind,
    #[error("bucket out of range for the kind")]
    Bucket,
    #[error("not a valid blinded ristretto255 element")]
    Element,
    #[error("the answer is malformed")]
    Answer,
    #[error("the value is not a valid {0}")]
    Invalid(&'static str),
    #[error("self-check server: {0}")]
    Http(String),
    #[error("too many queries from this address; try again later")]
    RateLimited,
}

/// The client's state between request and answer.
pub struct CheckQuery {
    input: Vec<u8>,
    client: OprfClient<Suite>,
    pub request: CheckRequest,
}

impl CheckQuery {
    /// Blinds a canonical identifier (see [`crate::Canonicalizer`]) and makes the request.
    pub fn new(kind: Kind, canonical: &str) -> Result<CheckQuery, CheckError> {
        let b = bucket(kind, canonical).ok_or(CheckError::Kind)?;
        let input = oprf_input(kind, canonical);
        let r = OprfClient::<Suite>::blind(&input, &mut rand_core::OsRng)
            .map_err(|_| CheckError::Element)?;
        Ok(CheckQuery {
            request: CheckRequest {
                kind: kind.as_str().into(),
                bucket: b,
                blinded: b64().encode(r.message.serialize()),
            },
            input,
            client: r.state,
        })
    }

    /// Unblinds the answer and decides locally whether the identifier is in the set.
    pub fn decide(&self, resp: &CheckResponse) -> Result<bool, CheckError> {
        let ev = b64()
            .decode(&resp.evaluated)
            .ok()
            .and_then(|b| EvaluationElement::<Suite>::deserialize(&b).ok())
            .ok_or(CheckError::Answer)?;
        let out = self
            .client
            .finalize(&self.input, &ev)
            .map_err(|_| CheckError::Answer)?;
        let values = b64().decode(&resp.values).map_err(|_| CheckError::Answer)?;
        if values.len() % VALUE_BYTES != 0 {
            return Err(CheckError::Answer);
        }
        Ok(values
            .chunks_exact(VALUE_BYTES)
            .any(|v| v == &out[..VALUE_BYTES]))
    }
}

/// Asks a self-check server (`URL` is its base, e.g. `http://127.0.0.1:8790`).
pub async fn check_remote(base: &str, kind: Kind, canonical: &str) -> Result<bool, CheckError> {
    let q = CheckQuery::new(kind, canonical)?;
    let url = format!("{}/v1/check", base.trim_end_matches('/'));
    let resp = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&q.request).expect("request serializes"))
        .send()
        .await
        .map_err(|e| CheckError::Http(e.without_url().to_string()))?;
    if resp.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(CheckError::RateLimited);
    }
    if !resp.status().is_success() {
        return Err(CheckError::Http(format!("status {}", resp.status())));
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| CheckError::Http(e.without_url().to_string()))?;
    let answer: CheckResponse = serde_json::from_slice(&body).map_err(|_| CheckError::Answer)?;
    q.decide(&answer)
}

type Limiter = governor::DefaultKeyedRateLimiter<IpAddr>;

/// What the router serves: the table, the per-address limiter.
pub struct SelfCheckState {
    table: OprfTable,
    limiter: Limiter,
}

impl SelfCheckState {
    /// `per_minute` queries per client address, with bursts of up to `burst`.
    pub fn new(table: OprfTable, per_minute: u32, burst: u32) -> SelfCheckState {
        let quota = governor::Quota::per_minute(
            std::num::NonZeroU32::new(per_minute.max(1)).expect("nonzero"),
        )
        .allow_burst(std::num::NonZeroU32::new(burst.max(1)).expect("nonzero"));
        SelfCheckState {
            table,
            limiter: governor::RateLimiter::keyed(quota),
        }
    }
}

/// Largest request body accepted: a request is ~100 bytes.
const MAX_BODY: usize = 1024;

/// `POST /v1/check` and the browser client under `/selfcheck/`. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`: the rate limit is per peer address.
/// Nothing of a request (bucket, element) is logged.
pub fn router(state: Arc<SelfCheckState>) -> axum::Router {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/v1/check", post(check_handler))
        .route("/selfcheck/", get(|| async { static_file("index.html") }))
        .route("/selfcheck/{file}", get(|axum::extract::Path(f): axum::extract::Path<String>| async move { static_file(&f) }))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// The browser client, bundled at build time (web/selfcheck, `npm run build`).
fn static_file(name: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (body, ctype): (&'static str, &str) = match name {
        "index.html" => (
            include_str!("../../../web/selfcheck/index.html"),
            "text/html; charset=utf-8",
        ),
        "selfcheck.css" => (
            include_str!("../../../web/selfcheck/selfcheck.css"),
            "text/css; charset=utf-8",
        ),
        "selfcheck.js" => (
            include_str!("../../../web/selfcheck/dist/selfcheck.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    ([(axum::http::header::CONTENT_TYPE, ctype)], body).into_response()
}

async fn check_handler(
    axum::extract::State(state): axum::extract::State<Arc<SelfCheckState>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    if state.limiter.check_key(&peer.ip()).is_err() {
        return (StatusCode::TOO_MANY_REQUESTS, "too many queries\n").into_response();
    }
    let req: CheckRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            return (
                StatusCode::BAD_REQUEST,
                "expected {kind, bucket, blinded}\n",
            )
                .into_response()
        }
    };
    match state.table.answer(&req) {
        Ok(a) => axum::Json(a).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

/// Serves [`router`] on `listen` until `stop` resolves.
pub async fn serve(
    state: Arc<SelfCheckState>,
    listener: tokio::net::TcpListener,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
}

/// Default OPRF key file of a set: beside it, never inside (a set directory may be copied to
/// matchers; the OPRF key belongs to the self-check server alone).
pub fn default_key_path(set_dir: &Path) -> PathBuf {
    let mut p = set_dir.as_os_str().to_owned();
    p.push(".oprf.key");
    PathBuf::from(p)
}
