//! API errors: a status and a message that never repeats a submitted value (identifiers may
//! be in a request body; serde's messages quote values, so they are summarised here).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use doxwatch_store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sign in: send `Authorization: Bearer TOKEN` or log in at POST /v1/session",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, format!("{} not found", what.into()))
    }

    /// A JSON body that does not parse into the expected shape: where and what kind of
    /// problem, without the offending value.
    pub fn from_json(e: &serde_json::Error) -> ApiError {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Syntax | Category::Io => "malformed JSON".to_string(),
            Category::Eof => "incomplete JSON".to_string(),
            Category::Data => {
                let msg = e.to_string();
                // Field names are the API's own; values are never quoted back.
                if let Some(i) = msg.find("unknown field `") {
                    let rest = &msg[i + 15..];
                    let name = rest.split('`').next().unwrap_or("");
                    format!("unknown field `{name}`")
                } else if let Some(i) = msg.find("missing field `") {
                    let rest = &msg[i + 15..];
                    let name = rest.split('`').next().unwrap_or("");
                    format!("missing field `{name}`")
                } else {
                    "a field has the wrong type or value".to_string()
                }
            }
        };
        ApiError::bad_request(format!("{what} at line {} column {}", e.line(), e.column()))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let status = match &e {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Invalid(_) => StatusCode::BAD_REQUEST,
            StoreError::Package { .. } => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %e, "store error");
        }
        ApiError::new(status, e.to_string())
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(_: tokio::task::JoinError) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "request handler failed")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            axum::Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}
