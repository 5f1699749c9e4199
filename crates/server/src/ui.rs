//! The web UI: a few static files compiled into the binary (`web/app/`), so users need no
//! build step. The page is one HTML shell and one script; it talks to the API with the
//! session cookie and the CSRF header.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

fn asset(body: &'static str, ctype: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/",
            get(|| async {
                asset(
                    include_str!("../../../web/app/index.html"),
                    "text/html; charset=utf-8",
                )
            }),
        )
        .route(
            "/app.js",
            get(|| async {
                asset(
                    include_str!("../../../web/app/app.js"),
                    "text/javascript; charset=utf-8",
                )
            }),
        )
        .route(
            "/app.css",
            get(|| async {
                asset(
                    include_str!("../../../web/app/app.css"),
                    "text/css; charset=utf-8",
                )
            }),
        )
}
