//! Wire types shared by every doxwatch crate: what a post is, what the matcher finds in it, and
//! the alert that leaves the matcher.
//!
//! The types here carry no I/O. The one rule they enforce: a plaintext identifier only travels
//! inside [`Redacted`], whose `Debug` and `Display` print a masked form and which cannot be
//! serialized, so it cannot leak into a log line, an error message or an alert by accident.
//!
//! ```
//! use doxwatch_model::{Kind, Redacted};
//! let phone = Redacted::new(Kind::Phone, "13800138000".to_string());
//! assert_eq!(format!("{phone}"), "138****8000");
//! assert_eq!(phone.expose(), "13800138000");
//! ```

mod alert_ref;
mod blake3_lanes;
pub mod bytes;
mod evidence;
mod facts;
mod hash;
mod json;
mod mask;
mod post;
mod post_reader;
mod time;

pub use alert_ref::{AlertId, AlertRef, FactsRef, FindingRef};
pub use evidence::{Evidence, EvidenceError, VaultKey};
pub use facts::{FactValue, Facts};
pub use hash::{hex16, hex16_bytes, hex16_into, KeyedHasher};
pub use mask::{mask, mask_into};
pub use post::{Author, Capture, Post, PostError, PostRef, Text};
pub use time::{now_rfc3339, rfc3339, rfc3339_millis};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What a finding is. The first ten are the scored kinds of the evaluation corpus; the rest are
/// *signals*: worth showing to a reviewer, never personal data on their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    IdCard,
    Phone,
    BankCard,
    Email,
    Qq,
    Wechat,
    Telegram,
    Address,
    Name,
    AdKeyword,
    /// A fixed-line number: personal only rarely, reported at low severity.
    Landline,
    /// `110101********123X`: a partly hidden ID; an exposure, not an identifier.
    MaskedIdCard,
    /// `138****8000`.
    MaskedPhone,
    /// `6222 **** **** 1234`.
    MaskedBankCard,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::IdCard,
        Kind::Phone,
        Kind::BankCard,
        Kind::Email,
        Kind::Qq,
        Kind::Wechat,
        Kind::Telegram,
        Kind::Address,
        Kind::Name,
        Kind::AdKeyword,
        Kind::Landline,
        Kind::MaskedIdCard,
        Kind::MaskedPhone,
        Kind::MaskedBankCard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::IdCard => "id_card",
            Kind::Phone => "phone",
            Kind::BankCard => "bank_card",
            Kind::Email => "email",
            Kind::Qq => "qq",
            Kind::Wechat => "wechat",
            Kind::Telegram => "telegram",
            Kind::Address => "address",
            Kind::Name => "name",
            Kind::AdKeyword => "ad_keyword",
            Kind::Landline => "landline",
            Kind::MaskedIdCard => "masked_id_card",
            Kind::MaskedPhone => "masked_phone",
            Kind::MaskedBankCard => "masked_bank_card",
        }
    }

    /// Signals are shown to reviewers but are not personal-data findings.
    pub fn is_signal(self) -> bool {
        matches!(
            self,
            Kind::Landline | Kind::MaskedIdCard | Kind::MaskedPhone | Kind::MaskedBankCard
        )
    }

    /// Identifiers that single out a person on their own (the core of a dossier).
    pub fn is_sensitive_identifier(self) -> bool {
        matches!(
            self,
            Kind::IdCard | Kind::Phone | Kind::BankCard | Kind::Address
        )
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A half-open range of Unicode code points (`text.chars()` indices) in the original post text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// A matched value that must not leak: `Debug`/`Display` mask it, and it has no `Serialize`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Redacted<T> {
    kind: Kind,
    value: T,
}

impl<T: AsRef<str>> Redacted<T> {
    pub fn new(kind: Kind, value: T) -> Self {
        Redacted { kind, value }
    }

    /// The plaintext. Call sites are the places to audit: hashing, the evidence vault, tests.
    pub fn expose(&self) -> &str {
        self.value.as_ref()
    }

    pub fn masked(&self) -> String {
        mask(self.kind, self.value.as_ref())
    }
}

impl<T: AsRef<str>> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redacted({})", self.masked())
    }
}

impl<T: AsRef<str>> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// How urgently a post needs a human.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// The post-level decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Identifiers of a person bundled together, exposed by someone else.
    Doxxing,
    /// An offer to look up or sell personal data.
    DataSaleAd,
    /// Many identifiers, most of them in known leak sets.
    LeakRepost,
    /// Personal data without the marks of doxxing (a seller's own phone, a business contact).
    PiiExposure,
    None,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Doxxing => "doxxing",
            Verdict::DataSaleAd => "data_sale_ad",
            Verdict::LeakRepost => "leak_repost",
            Verdict::PiiExposure => "pii_exposure",
            Verdict::None => "none",
        }
    }

    /// Whether the verdict calls for action (an alert), as opposed to information.
    pub fn is_actionable(self) -> bool {
        matches!(
            self,
            Verdict::Doxxing | Verdict::DataSaleAd | Verdict::LeakRepost
        )
    }
}

/// One thing the matcher found in a post.
#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: Kind,
    pub span: Span,
    /// The canonical value (`13800138000`, `11010119900307123X`, `开盒`).
    pub value: Redacted<String>,
    pub facts: Facts,
    /// Detector confidence in 0..=1 (validated checksums are near 1).
    pub confidence: f32,
}

impl Finding {
    pub fn masked(&self) -> String {
        self.value.masked()
    }
}

/// Facts a detector knows that must not travel: together with a masked value they restore it.
pub const PRIVATE_FACTS: &[&str] = &["birth_date"];

/// A finding as it travels on the wire: masked value and keyed hash, never plaintext.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireFinding {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
    pub masked: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub hash: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub known_leaks: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub facts: BTreeMap<String, String>,
}

impl WireFinding {
    /// Converts a finding; `hasher` (the deployment key) fills `hash` for identifier kinds.
    pub fn from_finding(f: &Finding, hasher: Option<&KeyedHasher>) -> WireFinding {
        let hash = match (hasher, f.kind) {
            (_, Kind::AdKeyword) | (None, _) => None,
            (Some(h), kind) => Some(h.hash_hex(kind, f.value.expose())),
        };
        WireFinding {
            kind: f.kind,
            start: f.span.start,
            end: f.span.end,
            masked: f.masked(),
            hash,
            known_leaks: Vec::new(),
            // The birth date is the middle of an ID number: with the masked form (first six,
            // last four) it would give the whole number back, so it never leaves the matcher.
            facts: f
                .facts
                .iter()
                .filter(|(k, _)| !PRIVATE_FACTS.contains(k))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }
}

/// What leaves the matcher for one post worth acting on (`doxwatch.alerts.v1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub alert_id: String,
    pub post_id: String,
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts_post: Option<String>,
    pub ts_detected: String,
    pub verdict: Verdict,
    pub labels: Vec<String>,
    pub severity: Severity,
    pub score: f32,
    pub findings: Vec<WireFinding>,
    pub reasons: Vec<String>,
    pub dict_version: String,
    /// The author's platform id (an account, not a victim's identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The post text with every finding replaced by its masked form, for search and review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_masked: Option<String>,
    /// The original post sealed under the vault key (absent when the matcher has no vault key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_never_prints_plaintext() {
        let id = Redacted::new(Kind::IdCard, "11010519491231002X".to_string());
        assert_eq!(format!("{id}"), "110105********002X");
        assert!(!format!("{id:?}").contains("19491231"));
    }

    #[test]
    fn span_relations() {
        let a = Span::new(2, 5);
        assert!(a.overlaps(Span::new(4, 9)));
        assert!(!a.overlaps(Span::new(5, 9)));
        assert!(Span::new(0, 9).contains(a));
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn alert_id_is_deterministic_and_depends_on_findings() {
        let f = WireFinding {
            kind: Kind::Phone,
            start: 1,
            end: 12,
            masked: "138****8000".into(),
            hash: Some("ab".into()),
            known_leaks: vec![],
            facts: BTreeMap::new(),
        };
        let a = Alert::derive_id("weibo:1", std::slice::from_ref(&f), Verdict::Doxxing);
        let b = Alert::derive_id("weibo:1", std::slice::from_ref(&f), Verdict::Doxxing);
        let c = Alert::derive_id("weibo:2", std::slice::from_ref(&f), Verdict::Doxxing);
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Pinned: ids of alerts already stored must not change.
        assert_eq!(a, "d3dc618a9d58adc380e0b41bf82c1085");
    }
}
