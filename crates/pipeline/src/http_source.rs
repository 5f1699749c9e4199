//! `HttpSource`: the platform feed intake. `POST /v1/posts` with an NDJSON body (one post per
//! line) and `Authorization: Bearer TOKEN`. Each line is checked on arrival; the response lists
//! the lines that were refused and why (never their content), and is sent only once the
//! accepted posts' alerts are written by every sink, so a 200 means durable.

use crate::records::Records;
use crate::runtime::{Batch, PipelineError, SourceStats};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use doxwatch_model::{Post, PostError};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

pub struct HttpSource {
    pub listen: SocketAddr,
    pub token: String,
    pub max_record_bytes: usize,
    pub max_body_bytes: usize,
}

struct Shared {
    id: usize,
    out: mpsc::Sender<Batch>,
    seq: AtomicU64,
    waiters: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    token: String,
    max_record_bytes: usize,
    records: AtomicU64,
}

/// Compares in constant time so a secret cannot be guessed byte by byte.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn json(status: StatusCode, v: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

async fn intake(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !same(auth.as_bytes(), s.token.as_bytes()) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "missing or wrong bearer token"}),
        );
    }
    let mut records = Records::default();
    let mut errors = Vec::new();
    for (n, line) in body.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let why = if std::str::from_utf8(line).is_err() {
            Some("bad_utf8".to_string())
        } else {
            match Post::from_json(line, s.max_record_bytes) {
                Ok(_) => None,
                Err(PostError::TooLarge { .. }) => Some("too_large".into()),
                Err(PostError::MissingField(f)) => Some(format!("missing field `{f}`")),
                Err(PostError::Json(e)) => Some(format!("bad json: {e}")),
            }
        };
        match why {
            Some(e) => errors.push(serde_json::json!({"line": n + 1, "error": e})),
            None => records.push(line),
        }
    }
    let accepted = records.len();
    if accepted > 0 {
        let seq = s.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = s.waiters.lock() {
            w.insert(seq, tx);
        }
        s.records.fetch_add(accepted as u64, Ordering::Relaxed);
        let batch = Batch {
            source: s.id,
            seq,
            records,
        };
        if s.out.send(batch).await.is_err() {
            return json(
                StatusCode::SERVICE_UNAVAILABLE,
                serde_json::json!({"error": "pipeline is stopping"}),
            );
        }
        if tokio::time::timeout(Duration::from_secs(60), rx)
            .await
            .is_err()
        {
            return json(
                StatusCode::GATEWAY_TIMEOUT,
                serde_json::json!({"error": "alerts not written within 60 s; retry the batch", "accepted": accepted}),
            );
        }
    }
    json(
        StatusCode::OK,
        serde_json::json!({"accepted": accepted, "rejected": errors.len(), "errors": errors}),
    )
}

impl HttpSource {
    pub async fn run(
        self,
        id: usize,
        out: mpsc::Sender<Batch>,
        mut acks: mpsc::UnboundedReceiver<crate::runtime::Ack>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<SourceStats, PipelineError> {
        let shared = Arc::new(Shared {
            id,
            out,
            seq: AtomicU64::new(0),
            waiters: Mutex::new(HashMap::new()),
            token: self.token,
            max_record_bytes: self.max_record_bytes,
            records: AtomicU64::new(0),
        });
        let s2 = shared.clone();
        let acker = tokio::spawn(async move {
            while let Some(ack) = acks.recv().await {
                if let Some(tx) = s2.waiters.lock().ok().and_then(|mut w| w.remove(&ack.seq)) {
                    let _ = tx.send(());
                }
            }
        });
        let app = Router::new()
            .route("/v1/posts", post(intake))
            .layer(DefaultBodyLimit::max(self.max_body_bytes))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|e| PipelineError::Io(format!("binding {}: {e}", self.listen)))?;
        tracing::info!(listen = %self.listen, "feed intake on /v1/posts");
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                while !*stop.borrow() {
                    if stop.changed().await.is_err() {
                        break;
                    }
                }
            })
            .await
            .map_err(|e| PipelineError::Io(format!("serving {}: {e}", self.listen)))?;
        // The server is down: drop our sender so the pipeline can drain, keep acking until then.
        let records = shared.records.load(Ordering::Relaxed);
        drop(shared);
        acker.abort();
        Ok(SourceStats { records, files: 0 })
    }
}
