//! A search as users write it (CLI flags, API JSON): strings to parse, identifiers to
//! canonicalise and hash. [`SearchRequest::to_query`] turns it into the index's
//! [`SearchQuery`]; [`Store::search_audited`] runs it with an audit entry. Errors name the
//! field, never its value.

use crate::{time_secs, SearchPage, SearchQuery, Sort, Store, StoreError};
use doxwatch_leakset::Canonicalizer;
use doxwatch_model::{KeyedHasher, Kind, Severity, Verdict};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct SearchRequest {
    /// Free text over the masked posts, reasons and labels (CJK: two characters or more);
    /// quotes, `OR` and parentheses switch to the query syntax.
    pub text: Option<String>,
    /// Any of these verdicts: doxxing, data_sale_ad, leak_repost, pii_exposure.
    pub verdicts: Vec<String>,
    /// Minimum severity: low, medium, high, critical.
    pub severity: Option<String>,
    /// Any of these finding kinds (id_card, phone, bank_card, address, …).
    pub kinds: Vec<String>,
    pub platform: Option<String>,
    pub author: Option<String>,
    /// Detected at or after (RFC 3339 or YYYY-MM-DD).
    pub since: Option<String>,
    /// Detected at or before.
    pub until: Option<String>,
    /// Region code prefix of exposed ID numbers: 2, 4 or 6 digits.
    pub region: Option<String>,
    /// Posts exposing this ID number (canonicalised and hashed; never stored or logged).
    pub id_card: Option<String>,
    pub phone: Option<String>,
    pub bank_card: Option<String>,
    /// A seller's contact: Telegram, WeChat or QQ handle, or an email address.
    pub handle: Option<String>,
    /// time (default), severity or relevance.
    pub sort: Option<String>,
    /// 1-based.
    pub page: Option<usize>,
    /// 1 to 1000, default 20.
    pub per_page: Option<usize>,
    /// Count every match (slower on broad queries). By default the total is exact up to
    /// 10,000 matches and a lower bound beyond.
    pub exact_total: bool,
}

fn invalid(m: impl Into<String>) -> StoreError {
    StoreError::Invalid(m.into())
}

fn enum_value<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|_| invalid(format!("unknown {what} `{s}`")))
}

pub fn parse_severity(s: &str) -> Result<Severity, StoreError> {
    match s {
        "low" => Ok(Severity::Low),
        "medium" => Ok(Severity::Medium),
        "high" => Ok(Severity::High),
        "critical" => Ok(Severity::Critical),
        other => Err(invalid(format!(
            "unknown severity `{other}` (low, medium, high, critical)"
        ))),
    }
}

impl SearchRequest {
    pub fn page(&self) -> usize {
        self.page.unwrap_or(1).max(1)
    }

    pub fn per_page(&self) -> usize {
        self.per_page.unwrap_or(20).clamp(1, 1000)
    }

    /// The index query: enumerations parsed, identifiers canonicalised the way the matcher
    /// extracts them and hashed with the deployment key.
    pub fn to_query(
        &self,
        canon: &Canonicalizer,
        hasher: &KeyedHasher,
    ) -> Result<SearchQuery, StoreError> {
        let mut q = SearchQuery {
            text: self.text.clone(),
            platform: self.platform.clone().filter(|s| !s.is_empty()),
            author: self.author.clone().filter(|s| !s.is_empty()),
            region: self.region.clone().filter(|s| !s.is_empty()),
            limit: self.per_page(),
            offset: (self.page() - 1).saturating_mul(self.per_page()),
            count_up_to: self.exact_total.then_some(usize::MAX),
            ..Default::default()
        };
        if let Some(r) = &q.region {
            if !matches!(r.len(), 2 | 4 | 6) || !r.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("region is a 2, 4 or 6-digit code prefix"));
            }
        }
        for v in &self.verdicts {
            q.verdicts.push(enum_value::<Verdict>("verdict", v)?);
        }
        for k in &self.kinds {
            q.kinds.push(enum_value::<Kind>("kind", k)?);
        }
        q.min_severity = self
            .severity
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(parse_severity)
            .transpose()?;
        let time = |s: &Option<String>| -> Result<Option<i64>, StoreError> {
            match s.as_deref().filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(t) => time_secs(t).map(Some).ok_or_else(|| {
                    invalid(format!("`{t}` is not a time (RFC 3339 or YYYY-MM-DD)"))
                }),
            }
        };
        q.since = time(&self.since)?;
        q.until = time(&self.until)?;
        q.sort = match self.sort.as_deref().unwrap_or("time") {
            "time" | "" => Sort::Time,
            "severity" => Sort::Severity,
            "relevance" => Sort::Relevance,
            other => {
                return Err(invalid(format!(
                    "unknown sort `{other}` (time, severity, relevance)"
                )))
            }
        };
        for (kind, field, v) in [
            (Kind::IdCard, "id_card", &self.id_card),
            (Kind::Phone, "phone", &self.phone),
            (Kind::BankCard, "bank_card", &self.bank_card),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                let c = canon
                    .canonical(kind, v)
                    .ok_or_else(|| invalid(format!("the {field} value is not a valid {field}")))?;
                q.id_hashes.push(hasher.hash_hex(kind, &c));
            }
        }
        if let Some(h) = self.handle.as_deref().filter(|v| !v.trim().is_empty()) {
            for kind in crate::index::HANDLE_KINDS {
                if let Some(c) = canon.canonical(*kind, h) {
                    q.handle_hashes.push(hasher.hash_hex(*kind, &c));
                }
            }
            if q.handle_hashes.is_empty() {
                return Err(invalid(
                    "the handle value is not a Telegram, WeChat or QQ handle or an email address",
                ));
            }
        }
        Ok(q)
    }
}

impl SearchRequest {
    /// What the audit log keeps of a search: identifiers as their hashes, free text as a
    /// digest, filters as given.
    pub fn audit_detail(&self, q: &SearchQuery) -> String {
        serde_json::json!({
            "text_blake3": self.text.as_deref().map(|t| blake3::hash(t.as_bytes()).to_hex()[..16].to_string()),
            "id_hashes": q.id_hashes,
            "handle_hashes": q.handle_hashes,
            "verdicts": self.verdicts, "kinds": self.kinds, "platform": self.platform,
            "region": self.region, "since": self.since, "until": self.until,
        })
        .to_string()
    }
}

impl Store {
    /// Runs `req` and writes who searched for what to the audit log first: identifiers as
    /// their hashes, free text as a digest.
    pub fn search_audited(
        &mut self,
        req: &SearchRequest,
        canon: &Canonicalizer,
        hasher: &KeyedHasher,
        actor: &str,
    ) -> Result<SearchPage, StoreError> {
        let q = req.to_query(canon, hasher)?;
        self.db
            .audit(actor, "search", "alerts", &req.audit_detail(&q))?;
        self.search(&q)
    }
}
