//! The OpenAPI description, generated from the handlers' annotations and the request and
//! response types (utoipa), served at `/openapi.json`.

use crate::api;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "doxwatch API",
        description = "Alerts, search, subjects, cases, evidence and exports of a doxwatch store. \
            Authenticate with `Authorization: Bearer TOKEN` (`doxwatch token create`) or a browser \
            session (`POST /v1/session`; state-changing requests then need `X-CSRF-Token`). \
            Identifiers are only ever sent in request bodies."
    ),
    paths(
        api::healthz, api::metrics, api::login, api::whoami, api::logout,
        api::list_alerts, api::search, api::alert_page, api::evidence, api::stream,
        api::list_subjects, api::subject, api::list_cases, api::open_case, api::case,
        api::move_case, api::assign_case, api::note_case, api::takedown, api::referral,
        api::verify_export, api::export_file, api::audit_list, api::audit_verify,
        api::list_tokens, api::create_token, api::revoke_token,
    ),
    modifiers(&Security),
    tags(
        (name = "alerts", description = "The triage queue, alert pages, search, evidence"),
        (name = "cases", description = "Subjects and cases"),
        (name = "exports", description = "Takedown requests and police-referral packages"),
        (name = "admin", description = "Tokens and the audit log"),
        (name = "session", description = "Browser sessions"),
        (name = "system", description = "Health and metrics"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::auth::COOKIE))),
        );
    }
}

/// The description as JSON (built once).
pub fn json() -> &'static str {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_default())
}
