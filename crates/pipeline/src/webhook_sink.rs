//! `WebhookSink`: each batch's alerts POSTed as a JSON array to a URL, with retries.
//!
//! Transient failures (connection errors, timeouts, 429, 5xx) are retried with exponential
//! backoff and jitter; other 4xx answers and exhausted retries are errors. An error stops the
//! pipeline *before* the batch is acknowledged, so no alert is dropped: the records are read
//! again from the last checkpoint when the pipeline restarts.

use crate::runtime::PipelineError;
use doxwatch_model::Alert;
use std::time::Duration;

pub struct WebhookSink {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
    pub max_attempts: u32,
    pub base_delay: Duration,
}

impl WebhookSink {
    pub fn new(url: &str, token: Option<String>) -> Result<WebhookSink, PipelineError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| PipelineError::Io(format!("webhook client: {e}")))?;
        Ok(WebhookSink {
            client,
            url: url.to_string(),
            token,
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
        })
    }

    pub async fn write(&self, alerts: &[Alert]) -> Result<(), PipelineError> {
        if alerts.is_empty() {
            return Ok(());
        }
        let body = serde_json::to_vec(alerts).map_err(|e| PipelineError::Io(e.to_string()))?;
        let mut last = String::new();
        for attempt in 0..self.max_attempts {
            if attempt > 0 {
                // 200 ms, 400 ms, 800 ms … capped at 10 s, with up to 25 % jitter.
                let base = self.base_delay.saturating_mul(1 << (attempt - 1).min(6));
                let base = base.min(Duration::from_secs(10));
                let jitter = base.mul_f64(0.25 * f64::from(jitter_unit()));
                tokio::time::sleep(base + jitter).await;
            }
            let mut req = self
                .client
                .post(&self.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            match req.send().await {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    last = format!("status {}", r.status().as_u16());
                }
                Ok(r) => {
                    return Err(PipelineError::Io(format!(
                        "webhook answered {}: not retried",
                        r.status().as_u16()
                    )))
                }
                Err(e) => {
                    last = if e.is_timeout() {
                        "timeout".into()
                    } else {
                        "connection failed".into()
                    }
                }
            }
        }
        Err(PipelineError::Io(format!(
            "webhook failed after {} attempts ({last})",
            self.max_attempts
        )))
    }
}

/// A value in [0, 1) from the clock: enough to spread retries, no RNG dependency.
fn jitter_unit() -> f32 {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (n % 1000) as f32 / 1000.0
}
