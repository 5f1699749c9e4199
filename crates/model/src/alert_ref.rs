//! `AlertRef`: an alert as the JSON writer reads it, borrowed. The matcher builds one straight
//! from the post, the scan result and the facts its detectors produced, and writes it without
//! first copying all of that into an owned [`Alert`]; an owned `Alert` is written through the
//! same view ([`Alert::write_json`]), so there is one writer for both.

use crate::{Alert, Evidence, Facts, Kind, Severity, Verdict, WireFinding, PRIVATE_FACTS};
use std::collections::BTreeMap;

/// A finding's facts, in key order, as they go on the wire.
#[derive(Clone, Copy, Debug)]
pub enum FactsRef<'a> {
    /// An owned finding's facts (the private ones were left out when it was made).
    Wire(&'a BTreeMap<String, String>),
    /// A detector's facts: the [`PRIVATE_FACTS`] are left out here.
    Detector(&'a Facts),
}

impl<'a> FactsRef<'a> {
    /// Calls `f` on every fact that travels, in key order (both maps order keys as strings).
    pub fn each(self, mut f: impl FnMut(&'a str, &'a str)) {
        match self {
            FactsRef::Wire(m) => m.iter().for_each(|(k, v)| f(k, v)),
            FactsRef::Detector(m) => m
                .iter()
                .filter(|(k, _)| !PRIVATE_FACTS.contains(k))
                .for_each(|(k, v)| f(k, v)),
        }
    }

    pub fn to_owned(self) -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        self.each(|k, v| {
            m.insert(k.to_string(), v.to_string());
        });
        m
    }
}

/// A [`WireFinding`], borrowed.
#[derive(Clone, Copy, Debug)]
pub struct FindingRef<'a> {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
    pub masked: &'a str,
    pub hash: Option<&'a str>,
    pub known_leaks: &'a [String],
    pub facts: FactsRef<'a>,
}

impl<'a> From<&'a WireFinding> for FindingRef<'a> {
    fn from(f: &'a WireFinding) -> FindingRef<'a> {
        FindingRef {
            kind: f.kind,
            start: f.start,
            end: f.end,
            masked: &f.masked,
            hash: f.hash.as_deref(),
            known_leaks: &f.known_leaks,
            facts: FactsRef::Wire(&f.facts),
        }
    }
}

impl FindingRef<'_> {
    pub fn to_owned(&self) -> WireFinding {
        WireFinding {
            kind: self.kind,
            start: self.start,
            end: self.end,
            masked: self.masked.to_string(),
            hash: self.hash.map(str::to_string),
            known_leaks: self.known_leaks.to_vec(),
            facts: self.facts.to_owned(),
        }
    }
}

/// An [`Alert`], borrowed: the same fields, the same JSON ([`AlertRef::write_json`]).
#[derive(Clone, Copy, Debug)]
pub struct AlertRef<'a> {
    pub alert_id: &'a str,
    pub post_id: &'a str,
    pub platform: &'a str,
    pub url: Option<&'a str>,
    pub ts_post: Option<&'a str>,
    pub ts_detected: &'a str,
    pub verdict: Verdict,
    pub labels: &'a [&'a str],
    pub severity: Severity,
    pub score: f32,
    pub findings: &'a [FindingRef<'a>],
    pub reasons: &'a [String],
    pub dict_version: &'a str,
    pub author: Option<&'a str>,
    pub text_masked: Option<&'a str>,
    pub evidence: Option<&'a Evidence>,
}

impl AlertRef<'_> {
    pub fn to_owned(&self) -> Alert {
        Alert {
            alert_id: self.alert_id.to_string(),
            post_id: self.post_id.to_string(),
            platform: self.platform.to_string(),
            url: self.url.map(str::to_string),
            ts_post: self.ts_post.map(str::to_string),
            ts_detected: self.ts_detected.to_string(),
            verdict: self.verdict,
            labels: self.labels.iter().map(|l| l.to_string()).collect(),
            severity: self.severity,
            score: self.score,
            findings: self.findings.iter().map(FindingRef::to_owned).collect(),
            reasons: self.reasons.to_vec(),
            dict_version: self.dict_version.to_string(),
            author: self.author.map(str::to_string),
            text_masked: self.text_masked.map(str::to_string),
            evidence: self.evidence.cloned(),
        }
    }
}

impl Alert {
    /// Appends this alert as one line of JSON (no newline): byte for byte
    /// `serde_json::to_vec(self)`, through the writer of [`AlertRef::write_json`].
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let labels: Vec<&str> = self.labels.iter().map(String::as_str).collect();
        let findings: Vec<FindingRef> = self.findings.iter().map(FindingRef::from).collect();
        AlertRef {
            alert_id: &self.alert_id,
            post_id: &self.post_id,
            platform: &self.platform,
            url: self.url.as_deref(),
            ts_post: self.ts_post.as_deref(),
            ts_detected: &self.ts_detected,
            verdict: self.verdict,
            labels: &labels,
            severity: self.severity,
            score: self.score,
            findings: &findings,
            reasons: &self.reasons,
            dict_version: &self.dict_version,
            author: self.author.as_deref(),
            text_masked: self.text_masked.as_deref(),
            evidence: self.evidence.as_ref(),
        }
        .write_json(out)
    }

    /// `alert_id` is a pure function of the post id and what was found, so a replayed post
    /// yields the same id and downstream stores can de-duplicate.
    pub fn derive_id(post_id: &str, findings: &[WireFinding], verdict: Verdict) -> String {
        let findings: Vec<FindingRef> = findings.iter().map(FindingRef::from).collect();
        AlertId::derive(post_id, &findings, verdict)
            .as_str()
            .to_string()
    }
}

/// An alert id (32 lower-case hex digits) without an allocation of its own.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AlertId([u8; 32]);

impl AlertId {
    /// See [`Alert::derive_id`].
    pub fn derive(post_id: &str, findings: &[FindingRef], verdict: Verdict) -> AlertId {
        AlertId::derive_in(post_id, findings, verdict, &mut Vec::new())
    }

    /// [`derive`](AlertId::derive), the hash input gathered in `input` (cleared first): a
    /// caller deriving many ids reuses one buffer instead of an allocation an id.
    pub fn derive_in(
        post_id: &str,
        findings: &[FindingRef],
        verdict: Verdict,
        input: &mut Vec<u8>,
    ) -> AlertId {
        // The input gathered first and hashed in one call: the same bytes (so the same ids as
        // before), without the streaming hasher's cost on each of its many short pieces.
        input.clear();
        input.reserve(64 + post_id.len() + findings.len() * 64);
        input.extend_from_slice(b"doxwatch.alert.v1\0");
        input.extend_from_slice(post_id.as_bytes());
        input.push(0);
        input.extend_from_slice(verdict.as_str().as_bytes());
        for f in findings {
            input.push(0);
            input.extend_from_slice(f.kind.as_str().as_bytes());
            input.extend_from_slice(&f.start.to_le_bytes());
            input.extend_from_slice(&f.end.to_le_bytes());
            input.extend_from_slice(f.hash.unwrap_or(f.masked).as_bytes());
        }
        AlertId(crate::hex16_bytes(blake3::hash(input).as_bytes()))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex is ASCII")
    }
}

impl std::fmt::Debug for AlertId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
