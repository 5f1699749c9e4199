//! The JSON API under `/v1/`. Identifiers only ever travel in request bodies (`POST
//! /v1/search`), never in paths or query strings, so they stay out of access logs and browser
//! history. Store work runs on the blocking pool.

use crate::auth::{self, Caller};
use crate::feed::Next;
use crate::{ApiError, AppState};
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use doxwatch_model::{Alert, Kind, WireFinding};
use doxwatch_store::{export, CaseState, Role, SearchRequest, Store};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type S = State<Arc<AppState>>;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/v1/session", post(login).get(whoami).delete(logout))
        .route("/v1/alerts", get(list_alerts))
        .route("/v1/alerts/stream", get(stream))
        .route("/v1/alerts/{id}", get(alert_page))
        .route("/v1/alerts/{id}/evidence", post(evidence))
        .route("/v1/search", post(search))
        .route("/v1/subjects", get(list_subjects))
        .route("/v1/subjects/{id}", get(subject))
        .route("/v1/cases", get(list_cases).post(open_case))
        .route("/v1/cases/{id}", get(case))
        .route("/v1/cases/{id}/move", post(move_case))
        .route("/v1/cases/{id}/assign", post(assign_case))
        .route("/v1/cases/{id}/notes", post(note_case))
        .route("/v1/cases/{id}/takedown", post(takedown))
        .route("/v1/cases/{id}/referral", post(referral))
        .route("/v1/exports/{name}/verify", get(verify_export))
        .route("/v1/exports/{name}/files/{file}", get(export_file))
        .route("/v1/audit", get(audit_list))
        .route("/v1/audit/verify", get(audit_verify))
        .route("/v1/tokens", get(list_tokens).post(create_token))
        .route("/v1/tokens/{name}", axum::routing::delete(revoke_token))
}

/// A JSON request body: `Content-Type: application/json` (else 415), within the size limit
/// (else 413), parsed into `T` (else 400 naming the line, column and kind of problem).
pub struct JsonBody<T>(pub T);

impl<St: Send + Sync, T: DeserializeOwned> FromRequest<St> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &St) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as Content-Type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                let status = e.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(status, "request body too large")
                } else {
                    ApiError::new(status, "could not read the request body")
                }
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::from_json(&e))
    }
}

/// Runs `f` on the blocking pool with the store locked; the store's index reader is reloaded
/// first so it sees the writer's latest commit.
async fn with_store<T, F>(s: &Arc<AppState>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
{
    let s = s.clone();
    tokio::task::spawn_blocking(move || {
        let mut st = s.locked_store()?;
        st.index.reload()?;
        f(&mut st)
    })
    .await?
}

/// Runs `f` on the blocking pool with the shared state (index reads need no lock).
async fn blocking<T, F>(s: &Arc<AppState>, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
{
    let s = s.clone();
    tokio::task::spawn_blocking(move || f(&s)).await?
}

impl AppState {
    fn locked_store(&self) -> Result<std::sync::MutexGuard<'_, Store>, ApiError> {
        self.store
            .lock()
            .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store unavailable"))
    }

    /// The feed's connection, for short reads (subjects of an alert, tokens, case counts).
    fn locked_db(&self) -> Result<std::sync::MutexGuard<'_, doxwatch_store::CaseDb>, ApiError> {
        self.feed_db
            .lock()
            .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store unavailable"))
    }
}

// ---------------------------------------------------------------------------------------------
// Types

/// One line of the triage queue: no identifier, only masked values.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertSummary {
    pub alert_id: String,
    pub post_id: String,
    pub platform: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub ts_detected: String,
    pub ts_post: Option<String>,
    /// doxxing, data_sale_ad, leak_repost, pii_exposure.
    pub verdict: String,
    /// low, medium, high, critical.
    pub severity: String,
    pub score: f32,
    pub kinds: Vec<String>,
    pub reasons: Vec<String>,
    /// The start of the masked post.
    pub snippet: String,
}

const SNIPPET_CHARS: usize = 140;

impl AlertSummary {
    pub fn of(a: &Alert) -> AlertSummary {
        let mut kinds: Vec<String> = a
            .findings
            .iter()
            .map(|f| f.kind.as_str().to_string())
            .collect();
        kinds.sort();
        kinds.dedup();
        let text = a.text_masked.as_deref().unwrap_or("");
        let mut snippet: String = text.chars().take(SNIPPET_CHARS).collect();
        if snippet.len() < text.len() {
            snippet.push('…');
        }
        AlertSummary {
            alert_id: a.alert_id.clone(),
            post_id: a.post_id.clone(),
            platform: a.platform.clone(),
            url: a.url.clone(),
            author: a.author.clone(),
            ts_detected: a.ts_detected.clone(),
            ts_post: a.ts_post.clone(),
            verdict: a.verdict.as_str().to_string(),
            severity: a.severity.as_str().to_string(),
            score: a.score,
            kinds,
            reasons: a.reasons.clone(),
            snippet,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    /// Matches counted: exact when `total_exact`, else a lower bound (past 10,000 matches;
    /// ask with `exact_total` to count them all).
    pub total: usize,
    pub total_exact: bool,
    pub page: usize,
    pub per_page: usize,
    pub alerts: Vec<AlertSummary>,
    /// The feed position these results are current to: pass it as `after` to
    /// `/v1/alerts/stream` to receive only what comes next.
    pub position: i64,
}

/// A piece of the masked post: plain text, or a finding (`kind` set) to highlight.
#[derive(Debug, Serialize, ToSchema)]
pub struct Segment {
    pub text: String,
    pub kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertPage {
    /// The alert as stored (masked values, identifier hashes, reasons; the sealed original
    /// is not included).
    #[schema(value_type = Object)]
    pub alert: Alert,
    /// The masked post cut into plain and highlighted pieces, in order.
    pub segments: Vec<Segment>,
    /// Subjects (people) this alert exposes.
    pub subjects: Vec<i64>,
    /// Whether the original is in the evidence vault.
    pub has_evidence: bool,
}

/// Filters of the alert list (no identifiers: those are searched with `POST /v1/search`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct ListParams {
    pub verdict: Option<String>,
    pub severity: Option<String>,
    pub platform: Option<String>,
    pub kind: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// time (default), severity.
    pub sort: Option<String>,
    pub page: Option<usize>,
    pub per_page: Option<usize>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// An API token (`doxwatch token create`).
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    pub name: String,
    pub role: String,
    /// Send as `X-CSRF-Token` with every state-changing request made with the session cookie.
    pub csrf: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    /// Why the original is read; goes to the audit log.
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceResponse {
    pub alert_id: String,
    /// The original record as received (usually a JSON post).
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectLine {
    pub subject_id: i64,
    pub alerts: usize,
    pub last_seen: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LimitParams {
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StateParams {
    /// open, takedown_requested, removed, dismissed, referred.
    pub state: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    pub title: String,
    pub subject_id: Option<i64>,
    #[serde(default)]
    pub alert_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub case_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveCase {
    /// takedown_requested, removed, dismissed, referred, open (reopen).
    pub to: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignCase {
    pub assignee: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteCase {
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportResult {
    /// The export's name, for `/v1/exports/{name}/…`.
    pub export: String,
    pub files: Vec<String>,
    /// Referral packages: the BLAKE3 of the manifest.
    pub manifest_blake3: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResult {
    pub intact: bool,
    pub case_id: i64,
    pub files: usize,
    pub manifest_blake3: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerify {
    pub intact: bool,
    pub entries: u64,
    pub head: String,
    pub problem: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// analyst, investigator or admin.
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    pub name: String,
    pub role: String,
    /// Shown once; only its digest is kept.
    pub token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub alerts: u64,
}

// ---------------------------------------------------------------------------------------------
// Health, metrics, OpenAPI, session

fn limited(s: &AppState, ext: &axum::http::Extensions) -> Result<(), ApiError> {
    s.limiter.check_key(&auth::peer(ext)).map_err(|_| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many requests; slow down",
        )
    })
}

/// Liveness and the number of indexed alerts (public, rate-limited).
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health), (status = 429)))]
async fn healthz(State(s): S, req: Request) -> Result<Json<Health>, ApiError> {
    limited(&s, req.extensions())?;
    Ok(Json(Health {
        status: "ok".into(),
        alerts: s.index.len(),
    }))
}

/// Prometheus metrics: requests and latency per route, store gauges (any role).
#[utoipa::path(get, path = "/metrics", tag = "system", security(("bearer" = [])), responses((status = 200, body = String), (status = 401)))]
async fn metrics(_c: Caller, State(s): S) -> Result<Response, ApiError> {
    let cases = blocking(&s, |s| Ok(s.locked_db()?.case_counts()?)).await?;
    let mut out = String::new();
    s.metrics.render(&mut out);
    use std::fmt::Write;
    out.push_str(
        "# HELP doxwatch_store_alerts Alerts in the index.\n# TYPE doxwatch_store_alerts gauge\n",
    );
    let _ = writeln!(out, "doxwatch_store_alerts {}", s.index.len());
    out.push_str("# HELP doxwatch_cases Cases by state.\n# TYPE doxwatch_cases gauge\n");
    for (state, n) in cases {
        let _ = writeln!(out, "doxwatch_cases{{state=\"{state}\"}} {n}");
    }
    out.push_str("# HELP doxwatch_feed_position Position of the newest alert in the live feed.\n# TYPE doxwatch_feed_position gauge\n");
    let _ = writeln!(out, "doxwatch_feed_position {}", s.feed.latest());
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::json(),
    )
        .into_response()
}

/// Logs in with a token: sets the session cookie and returns the CSRF token (public,
/// rate-limited).
#[utoipa::path(post, path = "/v1/session", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401), (status = 429)))]
async fn login(State(s): S, req: Request) -> Result<Response, ApiError> {
    limited(&s, req.extensions())?;
    let JsonBody(body): JsonBody<LoginRequest> = JsonBody::from_request(req, &()).await?;
    let tokens = s
        .tokens
        .read()
        .map_err(|_| ApiError::unauthorized())?
        .clone();
    let (name, role) = tokens
        .check(body.token.trim())
        .ok_or_else(ApiError::unauthorized)?;
    let (cookie, csrf) = s.sessions.create(&name);
    tracing::info!(token = %name, role = role.as_str(), "session opened");
    let secure = if s.cookie_secure { "; Secure" } else { "" };
    let set = format!(
        "{}={cookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800{secure}",
        auth::COOKIE
    );
    Ok((
        [(header::SET_COOKIE, set)],
        Json(SessionInfo {
            name,
            role: role.as_str().into(),
            csrf: Some(csrf),
        }),
    )
        .into_response())
}

/// Who the caller is (and, for a browser session, its CSRF token).
#[utoipa::path(get, path = "/v1/session", tag = "session", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SessionInfo), (status = 401)))]
async fn whoami(c: Caller, State(s): S, headers: HeaderMap) -> Json<SessionInfo> {
    let csrf = auth::cookie_value(&headers).and_then(|v| s.sessions.csrf(&v));
    Json(SessionInfo {
        name: c.name,
        role: c.role.as_str().into(),
        csrf,
    })
}

/// Logs out: the session ends and its cookie is cleared.
#[utoipa::path(delete, path = "/v1/session", tag = "session", security(("cookie" = [])),
    responses((status = 204), (status = 401), (status = 403)))]
async fn logout(_c: Caller, State(s): S, headers: HeaderMap) -> Response {
    if let Some(v) = auth::cookie_value(&headers) {
        s.sessions.remove(&v);
    }
    (
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            format!(
                "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
                auth::COOKIE
            ),
        )],
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Alerts

/// The triage queue: newest (or most severe) alerts, filtered.
#[utoipa::path(get, path = "/v1/alerts", tag = "alerts", params(ListParams), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AlertList), (status = 400), (status = 401)))]
async fn list_alerts(
    _c: Caller,
    State(s): S,
    Query(p): Query<ListParams>,
) -> Result<Json<AlertList>, ApiError> {
    let req = SearchRequest {
        verdicts: p
            .verdict
            .clone()
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect(),
        kinds: p
            .kind
            .clone()
            .into_iter()
            .filter(|v| !v.is_empty())
            .collect(),
        severity: p.severity.clone(),
        platform: p.platform.clone(),
        since: p.since.clone(),
        until: p.until.clone(),
        sort: p.sort.clone(),
        page: p.page,
        per_page: p.per_page,
        ..Default::default()
    };
    blocking(&s, move |s| {
        let position = s.feed.latest();
        let q = req.to_query(&s.canon, &s.hasher)?;
        let page = s.index.search(&q)?;
        Ok(Json(AlertList {
            total: page.total,
            total_exact: page.total_exact,
            page: req.page(),
            per_page: req.per_page(),
            alerts: page.hits.iter().map(AlertSummary::of).collect(),
            position,
        }))
    })
    .await
}

/// Search: free text, filters and identifiers (canonicalised and hashed; the body is never
/// logged). Audited.
#[utoipa::path(post, path = "/v1/search", tag = "alerts", request_body = SearchRequest, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AlertList), (status = 400), (status = 401), (status = 413)))]
async fn search(
    c: Caller,
    State(s): S,
    JsonBody(req): JsonBody<SearchRequest>,
) -> Result<Json<AlertList>, ApiError> {
    blocking(&s, move |s| {
        let q = req.to_query(&s.canon, &s.hasher)?;
        s.audit.append(doxwatch_store::AuditRecord {
            actor: c.actor(),
            action: "search".into(),
            target: "alerts".into(),
            detail: req.audit_detail(&q),
        })?;
        let page = s.index.search(&q)?;
        Ok(Json(AlertList {
            total: page.total,
            total_exact: page.total_exact,
            page: req.page(),
            per_page: req.per_page(),
            alerts: page.hits.iter().map(AlertSummary::of).collect(),
            position: s.feed.latest(),
        }))
    })
    .await
}

/// Cuts the masked text into plain pieces and the findings' masked values.
pub fn segments(text: &str, findings: &[WireFinding]) -> Vec<Segment> {
    let mut marks: Vec<(usize, usize, Kind)> = Vec::new();
    for f in findings {
        if f.masked.is_empty() {
            continue;
        }
        for (i, m) in text.match_indices(f.masked.as_str()) {
            marks.push((i, i + m.len(), f.kind));
        }
    }
    marks.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end, kind) in marks {
        if start < at {
            continue;
        }
        if start > at {
            out.push(Segment {
                text: text[at..start].to_string(),
                kind: None,
            });
        }
        out.push(Segment {
            text: text[start..end].to_string(),
            kind: Some(kind.as_str().to_string()),
        });
        at = end;
    }
    if at < text.len() {
        out.push(Segment {
            text: text[at..].to_string(),
            kind: None,
        });
    }
    out
}

/// One alert: the masked post with its findings highlighted, reasons, subjects.
#[utoipa::path(get, path = "/v1/alerts/{id}", tag = "alerts", params(("id" = String, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AlertPage), (status = 401), (status = 404)))]
async fn alert_page(
    _c: Caller,
    State(s): S,
    Path(id): Path<String>,
) -> Result<Json<AlertPage>, ApiError> {
    blocking(&s, move |s| {
        let alert = s
            .index
            .get(&id)?
            .ok_or_else(|| ApiError::not_found(format!("alert {id}")))?;
        let (subjects, has_evidence) = {
            let db = s.locked_db()?;
            (db.subjects_of_alert(&id)?, db.evidence_of(&id)?.is_some())
        };
        let segments = segments(alert.text_masked.as_deref().unwrap_or(""), &alert.findings);
        Ok(Json(AlertPage {
            alert,
            segments,
            subjects,
            has_evidence,
        }))
    })
    .await
}

/// The original post (investigator). The read is audited with the caller and the reason
/// before it happens.
#[utoipa::path(post, path = "/v1/alerts/{id}/evidence", tag = "alerts", params(("id" = String, Path)), request_body = EvidenceRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = EvidenceResponse), (status = 400), (status = 401), (status = 403), (status = 404)))]
async fn evidence(
    c: Caller,
    State(s): S,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<EvidenceRequest>,
) -> Result<Json<EvidenceResponse>, ApiError> {
    c.require(Role::Investigator)?;
    if req.reason.trim().chars().count() < 4 {
        return Err(ApiError::bad_request(
            "say why the original is read (reason, 4 characters or more; it goes to the audit log)",
        ));
    }
    with_store(&s, move |st| {
        let bytes = st.read_evidence(&id, &c.actor(), req.reason.trim())?;
        let record = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
        });
        Ok(Json(EvidenceResponse {
            alert_id: id,
            record,
        }))
    })
    .await
}

/// The live queue as Server-Sent Events: `alert` events (data: an alert summary, id: its feed
/// position) from `Last-Event-ID`, `?after=` or now; a `reload` event when the client fell
/// too far behind.
#[utoipa::path(get, path = "/v1/alerts/stream", tag = "alerts", params(("after" = Option<i64>, Query)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, content_type = "text/event-stream"), (status = 401)))]
async fn stream(
    _c: Caller,
    State(s): S,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let cursor = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or_else(|| q.get("after").and_then(|v| v.parse().ok()))
        .unwrap_or_else(|| s.feed.latest());
    let rx = s.feed.subscribe();
    let state = (s, cursor, rx, std::collections::VecDeque::<Event>::new());
    let events =
        futures_util::stream::unfold(state, |(s, mut cursor, mut rx, mut pending)| async move {
            loop {
                if let Some(e) = pending.pop_front() {
                    return Some((
                        Ok::<_, std::convert::Infallible>(e),
                        (s, cursor, rx, pending),
                    ));
                }
                match s.feed.after(cursor, 200) {
                    Next::Events(items) => {
                        for (pos, json) in items {
                            cursor = pos;
                            pending.push_back(
                                Event::default()
                                    .event("alert")
                                    .id(pos.to_string())
                                    .data(&*json),
                            );
                        }
                    }
                    Next::Gap(to) => {
                        cursor = to;
                        pending.push_back(
                            Event::default()
                                .event("reload")
                                .id(to.to_string())
                                .data("{}"),
                        );
                    }
                    Next::Nothing => {
                        if rx.changed().await.is_err() {
                            return None;
                        }
                    }
                }
            }
        });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15)))
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Subjects and cases

/// Subjects (people) with the most alerts.
#[utoipa::path(get, path = "/v1/subjects", tag = "cases", params(LimitParams), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<SubjectLine>), (status = 401)))]
async fn list_subjects(
    _c: Caller,
    State(s): S,
    Query(p): Query<LimitParams>,
) -> Result<Json<Vec<SubjectLine>>, ApiError> {
    with_store(&s, move |st| {
        Ok(Json(
            st.db
                .list_subjects(p.limit.unwrap_or(50).clamp(1, 1000))?
                .into_iter()
                .map(|(subject_id, alerts, last_seen)| SubjectLine {
                    subject_id,
                    alerts,
                    last_seen,
                })
                .collect(),
        ))
    })
    .await
}

/// A subject: masked identifiers (with hashes) and alerts.
#[utoipa::path(get, path = "/v1/subjects/{id}", tag = "cases", params(("id" = i64, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Object), (status = 401), (status = 404)))]
async fn subject(_c: Caller, State(s): S, Path(id): Path<i64>) -> Result<Response, ApiError> {
    with_store(&s, move |st| Ok(Json(st.db.subject(id)?).into_response())).await
}

/// Cases, optionally in one state.
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(StateParams), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Object>), (status = 400), (status = 401)))]
async fn list_cases(
    _c: Caller,
    State(s): S,
    Query(p): Query<StateParams>,
) -> Result<Response, ApiError> {
    let state = match p.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(x) => Some(
            CaseState::parse(x)
                .ok_or_else(|| ApiError::bad_request(format!("unknown state `{x}`")))?,
        ),
    };
    with_store(&s, move |st| {
        Ok(Json(st.db.list_cases(state)?).into_response())
    })
    .await
}

/// Opens a case on a subject and/or alerts.
#[utoipa::path(post, path = "/v1/cases", tag = "cases", request_body = OpenCase, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Created), (status = 400), (status = 401), (status = 403)))]
async fn open_case(
    c: Caller,
    State(s): S,
    JsonBody(req): JsonBody<OpenCase>,
) -> Result<Response, ApiError> {
    if req.title.trim().is_empty() {
        return Err(ApiError::bad_request("a case needs a title"));
    }
    if req.subject_id.is_none() && req.alert_ids.is_empty() {
        return Err(ApiError::bad_request(
            "a case needs a subject_id or alert_ids",
        ));
    }
    with_store(&s, move |st| {
        let case_id =
            st.db
                .open_case(req.title.trim(), req.subject_id, &req.alert_ids, &c.actor())?;
        Ok((StatusCode::CREATED, Json(Created { case_id })).into_response())
    })
    .await
}

/// A case: state, assignee, alerts, events.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Object), (status = 401), (status = 404)))]
async fn case(_c: Caller, State(s): S, Path(id): Path<i64>) -> Result<Response, ApiError> {
    with_store(&s, move |st| Ok(Json(st.db.case(id)?).into_response())).await
}

/// Moves a case (`referred` needs the investigator role).
#[utoipa::path(post, path = "/v1/cases/{id}/move", tag = "cases", params(("id" = i64, Path)), request_body = MoveCase,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Object), (status = 400), (status = 401), (status = 403), (status = 404)))]
async fn move_case(
    c: Caller,
    State(s): S,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<MoveCase>,
) -> Result<Response, ApiError> {
    let to = CaseState::parse(&req.to)
        .ok_or_else(|| ApiError::bad_request(format!("unknown state `{}`", req.to)))?;
    if to == CaseState::Referred {
        c.require(Role::Investigator)?;
    }
    with_store(&s, move |st| {
        st.db.transition(id, to, &c.actor(), &req.note)?;
        Ok(Json(st.db.case(id)?).into_response())
    })
    .await
}

/// Assigns a case.
#[utoipa::path(post, path = "/v1/cases/{id}/assign", tag = "cases", params(("id" = i64, Path)), request_body = AssignCase,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Object), (status = 400), (status = 401), (status = 404)))]
async fn assign_case(
    c: Caller,
    State(s): S,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<AssignCase>,
) -> Result<Response, ApiError> {
    with_store(&s, move |st| {
        st.db.assign(id, req.assignee.trim(), &c.actor())?;
        Ok(Json(st.db.case(id)?).into_response())
    })
    .await
}

/// Adds a note to a case.
#[utoipa::path(post, path = "/v1/cases/{id}/notes", tag = "cases", params(("id" = i64, Path)), request_body = NoteCase,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Object), (status = 400), (status = 401), (status = 404)))]
async fn note_case(
    c: Caller,
    State(s): S,
    Path(id): Path<i64>,
    JsonBody(req): JsonBody<NoteCase>,
) -> Result<Response, ApiError> {
    if req.text.trim().is_empty() {
        return Err(ApiError::bad_request("an empty note"));
    }
    with_store(&s, move |st| {
        st.db.note(id, &req.text, &c.actor())?;
        Ok(Json(st.db.case(id)?).into_response())
    })
    .await
}

fn stamp() -> String {
    doxwatch_store::now_rfc3339()
        .chars()
        .filter(char::is_ascii_digit)
        .take(14)
        .collect()
}

fn files_of(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    files.sort();
    files
}

/// Writes the case's takedown requests (one JSON and one CSV per platform) and moves the case
/// to `takedown_requested`. Audited.
#[utoipa::path(post, path = "/v1/cases/{id}/takedown", tag = "exports", params(("id" = i64, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ExportResult), (status = 400), (status = 401), (status = 404)))]
async fn takedown(
    c: Caller,
    State(s): S,
    Path(id): Path<i64>,
) -> Result<Json<ExportResult>, ApiError> {
    let name = format!("takedown-case-{id}-{}", stamp());
    let dir = s.exports_dir.join(&name);
    with_store(&s, move |st| {
        export::export_takedown(st, id, &c.actor(), &dir)?;
        Ok(Json(ExportResult {
            export: name,
            files: files_of(&dir),
            manifest_blake3: None,
        }))
    })
    .await
}

/// Builds the case's police-referral package (investigator): originals, alerts, sellers,
/// timeline, counts per tier, manifest. Audited.
#[utoipa::path(post, path = "/v1/cases/{id}/referral", tag = "exports", params(("id" = i64, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ExportResult), (status = 401), (status = 403), (status = 404)))]
async fn referral(
    c: Caller,
    State(s): S,
    Path(id): Path<i64>,
) -> Result<Json<ExportResult>, ApiError> {
    c.require(Role::Investigator)?;
    let name = format!("referral-case-{id}-{}", stamp());
    let dir = s.exports_dir.join(&name);
    with_store(&s, move |st| {
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("exports directory: {e}"),
                )
            })?;
        }
        let digest = export::export_referral(st, id, &c.actor(), &dir)?;
        Ok(Json(ExportResult {
            export: name,
            files: files_of(&dir),
            manifest_blake3: Some(digest),
        }))
    })
    .await
}

/// An export directory by name: `takedown-…` for analysts, `referral-…` for investigators.
fn export_dir(s: &AppState, c: &Caller, name: &str) -> Result<std::path::PathBuf, ApiError> {
    let valid = !name.is_empty()
        && name.len() <= 80
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !valid {
        return Err(ApiError::not_found("export"));
    }
    if name.starts_with("referral-") {
        c.require(Role::Investigator)?;
    } else if !name.starts_with("takedown-") {
        return Err(ApiError::not_found("export"));
    }
    let dir = s.exports_dir.join(name);
    if !dir.is_dir() {
        return Err(ApiError::not_found(format!("export {name}")));
    }
    Ok(dir)
}

/// Checks a referral package against its manifest.
#[utoipa::path(get, path = "/v1/exports/{name}/verify", tag = "exports", params(("name" = String, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = VerifyResult), (status = 401), (status = 403), (status = 404), (status = 409)))]
async fn verify_export(
    c: Caller,
    State(s): S,
    Path(name): Path<String>,
) -> Result<Json<VerifyResult>, ApiError> {
    let dir = export_dir(&s, &c, &name)?;
    blocking(&s, move |_| {
        let r = export::verify_package(&dir)?;
        Ok(Json(VerifyResult {
            intact: true,
            case_id: r.case_id,
            files: r.files,
            manifest_blake3: r.manifest_blake3,
        }))
    })
    .await
}

/// Downloads one file of an export. Audited.
#[utoipa::path(get, path = "/v1/exports/{name}/files/{file}", tag = "exports", params(("name" = String, Path), ("file" = String, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, content_type = "application/octet-stream"), (status = 401), (status = 403), (status = 404)))]
async fn export_file(
    c: Caller,
    State(s): S,
    Path((name, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let dir = export_dir(&s, &c, &name)?;
    let ok_name = !file.is_empty()
        && !file.starts_with('.')
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok_name {
        return Err(ApiError::not_found("file"));
    }
    let path = dir.join(&file);
    with_store(&s, move |st| {
        let bytes =
            std::fs::read(&path).map_err(|_| ApiError::not_found(format!("file {file}")))?;
        st.db.audit(
            &c.actor(),
            "export.download",
            &format!("export:{name}/{file}"),
            &blake3::hash(&bytes).to_hex(),
        )?;
        let ctype = match file.rsplit('.').next() {
            Some("json") => "application/json",
            Some("csv") => "text/csv; charset=utf-8",
            _ => "application/octet-stream",
        };
        Ok((
            [
                (header::CONTENT_TYPE, ctype.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}-{file}\""),
                ),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Audit and tokens (admin)

/// The newest audit entries (admin).
#[utoipa::path(get, path = "/v1/audit", tag = "admin", params(LimitParams), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401), (status = 403)))]
async fn audit_list(
    c: Caller,
    State(s): S,
    Query(p): Query<LimitParams>,
) -> Result<Response, ApiError> {
    c.require(Role::Admin)?;
    let limit = p.limit.unwrap_or(100).clamp(1, 10_000);
    with_store(&s, move |st| {
        let mut all = st.db.audit_entries()?;
        let keep = all.split_off(all.len().saturating_sub(limit));
        Ok(Json(keep).into_response())
    })
    .await
}

/// Walks the audit hash chain (admin).
#[utoipa::path(get, path = "/v1/audit/verify", tag = "admin", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AuditVerify), (status = 401), (status = 403)))]
async fn audit_verify(c: Caller, State(s): S) -> Result<Json<AuditVerify>, ApiError> {
    c.require(Role::Admin)?;
    with_store(&s, move |st| {
        let (_, head) = st.db.audit_head()?;
        Ok(Json(match st.db.verify_audit() {
            Ok(entries) => AuditVerify {
                intact: true,
                entries,
                head,
                problem: None,
            },
            Err(e) => AuditVerify {
                intact: false,
                entries: 0,
                head,
                problem: Some(e.to_string()),
            },
        }))
    })
    .await
}

/// API tokens, live and revoked, without secrets (admin).
#[utoipa::path(get, path = "/v1/tokens", tag = "admin", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401), (status = 403)))]
async fn list_tokens(c: Caller, State(s): S) -> Result<Response, ApiError> {
    c.require(Role::Admin)?;
    with_store(&s, move |st| Ok(Json(st.db.list_tokens()?).into_response())).await
}

/// Creates a token (admin); its secret is in this answer only.
#[utoipa::path(post, path = "/v1/tokens", tag = "admin", request_body = NewToken, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = TokenCreated), (status = 400), (status = 401), (status = 403)))]
async fn create_token(
    c: Caller,
    State(s): S,
    JsonBody(req): JsonBody<NewToken>,
) -> Result<Response, ApiError> {
    c.require(Role::Admin)?;
    let role = Role::parse(&req.role)
        .ok_or_else(|| ApiError::bad_request("role is analyst, investigator or admin"))?;
    let st2 = s.clone();
    let resp = with_store(&s, move |st| {
        let token = st.db.create_token(&req.name, role, &c.actor())?;
        Ok(TokenCreated {
            name: req.name.trim().to_string(),
            role: role.as_str().into(),
            token,
        })
    })
    .await?;
    refresh_tokens(&st2).await?;
    Ok((StatusCode::CREATED, Json(resp)).into_response())
}

/// Revokes a token (admin); its sessions end.
#[utoipa::path(delete, path = "/v1/tokens/{name}", tag = "admin", params(("name" = String, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
async fn revoke_token(
    c: Caller,
    State(s): S,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    c.require(Role::Admin)?;
    with_store(&s, move |st| Ok(st.db.revoke_token(&name, &c.actor())?)).await?;
    refresh_tokens(&s).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn refresh_tokens(s: &Arc<AppState>) -> Result<(), ApiError> {
    blocking(s, |s| {
        let set = s.locked_db()?.token_set()?;
        if let Ok(mut t) = s.tokens.write() {
            *t = set;
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(kind: Kind, masked: &str) -> WireFinding {
        WireFinding {
            kind,
            start: 0,
            end: 0,
            masked: masked.into(),
            hash: None,
            known_leaks: vec![],
            facts: Default::default(),
        }
    }

    #[test]
    fn segments_mark_every_occurrence_without_overlap() {
        let text = "手机 138****8000，再说一遍 138****8000，身份证 110101********123X";
        let segs = segments(
            text,
            &[
                finding(Kind::Phone, "138****8000"),
                finding(Kind::IdCard, "110101********123X"),
                finding(Kind::Name, "****"),
            ],
        );
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text, "segments cover the text exactly once");
        let marked: Vec<(&str, &str)> = segs
            .iter()
            .filter_map(|s| Some((s.kind.as_deref()?, s.text.as_str())))
            .collect();
        assert_eq!(
            marked,
            vec![
                ("phone", "138****8000"),
                ("phone", "138****8000"),
                ("id_card", "110101********123X")
            ]
        );
        assert_eq!(segments("", &[finding(Kind::Phone, "x")]).len(), 0);
    }
}
