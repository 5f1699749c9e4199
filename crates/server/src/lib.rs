//! The HTTP API and web UI (axum). One router serves the JSON API under `/v1/`, the live alert
//! stream (Server-Sent Events), the web UI (assets compiled into the binary), `/metrics`,
//! `/healthz`, the OpenAPI description at `/openapi.json` and, when a self-check table is
//! configured, the private self-check (`/v1/check`, `/selfcheck/`).
//!
//! The server reads the store a pipeline or indexer writes (it never takes the index lock) and
//! writes cases, audit entries, tokens and exports. Who may do what is in [`auth`]; every
//! search, evidence view and export is audited with the caller's token name.

pub mod api;
mod audit;
pub mod auth;
mod error;
mod feed;
mod headers;
pub mod metrics;
pub mod openapi;
mod ui;

pub use error::ApiError;

use doxwatch_leakset::selfcheck::SelfCheckState;
use doxwatch_leakset::Canonicalizer;
use doxwatch_model::KeyedHasher;
use doxwatch_pipeline::keys::Keys;
use doxwatch_store::{AlertIndex, CaseDb, Store, StoreError, TokenSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

/// What the server needs to run.
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The store a pipeline (store sink) or `--role indexer` writes.
    pub store_dir: PathBuf,
    /// Where takedown and referral exports are written (default `STORE/exports`).
    pub exports_dir: Option<PathBuf>,
    /// Mark the session cookie `Secure` (default on; browsers treat loopback as secure).
    pub cookie_secure: bool,
    /// The private self-check, when a table is configured.
    pub selfcheck: Option<Arc<SelfCheckState>>,
    /// Requests per minute per client address on the public endpoints (login, health).
    pub public_per_minute: u32,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
}

/// Shared by every handler.
pub struct AppState {
    /// Casework, audit, evidence and exports. Handlers lock it on the blocking pool only.
    pub(crate) store: Mutex<Store>,
    /// A second reader of the alert index for the hot read paths (lists, alert pages,
    /// searches): no lock needed.
    pub(crate) index: AlertIndex,
    /// The feed's own database connection (alert positions, tokens).
    pub(crate) feed_db: Mutex<CaseDb>,
    /// Appends the audit entries of searches, many per sync.
    pub(crate) audit: audit::AuditWriter,
    pub(crate) hasher: KeyedHasher,
    pub(crate) canon: Canonicalizer,
    pub(crate) tokens: RwLock<TokenSet>,
    pub(crate) sessions: auth::Sessions,
    pub(crate) feed: feed::Feed,
    pub(crate) limiter: auth::Limiter,
    pub(crate) metrics: metrics::HttpMetrics,
    pub(crate) exports_dir: PathBuf,
    pub(crate) cookie_secure: bool,
}

impl AppState {
    /// Opens the store read-side (the index lock stays with the writer) with `keys`' hash key
    /// and vault key.
    pub fn open(cfg: &ServerConfig, keys: &Keys) -> Result<Arc<AppState>, StoreError> {
        let store = Store::open_read(&cfg.store_dir, keys)?;
        let hasher = keys
            .hasher
            .clone()
            .ok_or_else(|| StoreError::Key("the server needs the hash key".into()))?;
        let index = AlertIndex::open(&cfg.store_dir.join("index"), false)?;
        let feed_db = CaseDb::open(&cfg.store_dir.join("cases.sqlite"))?;
        let tokens = feed_db.token_set()?;
        if tokens.is_empty() {
            tracing::warn!(
                "no API tokens yet: create one with `doxwatch token create --role admin --name YOU`"
            );
        }
        let canon = Canonicalizer::new().map_err(|e| StoreError::Invalid(e.to_string()))?;
        let start = feed_db.last_alert_position()?;
        Ok(Arc::new(AppState {
            store: Mutex::new(store),
            index,
            feed: feed::Feed::new(start),
            feed_db: Mutex::new(feed_db),
            audit: audit::AuditWriter::start(CaseDb::open(&cfg.store_dir.join("cases.sqlite"))?)?,
            hasher,
            canon,
            tokens: RwLock::new(tokens),
            sessions: auth::Sessions::default(),
            limiter: auth::limiter(cfg.public_per_minute),
            metrics: metrics::HttpMetrics::default(),
            exports_dir: cfg
                .exports_dir
                .clone()
                .unwrap_or_else(|| cfg.store_dir.join("exports")),
            cookie_secure: cfg.cookie_secure,
        }))
    }
}

impl AppState {
    /// Alerts in the index the server reads.
    pub fn alert_count(&self) -> u64 {
        self.index.len()
    }
}

/// The whole application: API, stream, UI, metrics, health, OpenAPI, self-check.
pub fn router(state: Arc<AppState>, cfg: &ServerConfig) -> axum::Router {
    let mut app = api::routes().merge(ui::routes()).with_state(state.clone());
    if let Some(sc) = &cfg.selfcheck {
        app = app.merge(doxwatch_leakset::selfcheck::router(sc.clone()));
    }
    app.layer(axum::extract::DefaultBodyLimit::max(cfg.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state,
            headers::security_and_metrics,
        ))
}

/// Serves until `stop` turns true: the feed task runs alongside, and open event streams end
/// so the shutdown does not wait for them.
pub async fn serve(
    cfg: ServerConfig,
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    stop: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    let app = router(state.clone(), &cfg);
    let feed = tokio::spawn(feed::run(state.clone(), stop.clone()));
    tracing::info!(listen = %listener.local_addr()?, "web UI and API");
    let mut stop2 = stop.clone();
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        while !*stop2.borrow() {
            if stop2.changed().await.is_err() {
                break;
            }
        }
    })
    .await;
    feed.abort();
    result
}
