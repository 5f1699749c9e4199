//! Exports that leave the store: takedown requests (one per platform, JSON and CSV) and
//! police-referral packages (a directory whose manifest lists the BLAKE3 of every file).
//!
//! Both are written completely or not at all: files go to a temporary name (a temporary
//! directory for packages), are synced, and are renamed into place last.

use crate::{now_rfc3339, write_atomic, Store, StoreError};
use doxwatch_model::{Alert, Kind, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The legal grounds quoted in takedown requests.
pub const LEGAL_BASIS: &[&str] = &[
    "《中华人民共和国个人信息保护法》第十条：任何组织、个人不得非法收集、使用、加工、传输他人个人信息，不得非法买卖、提供或者公开他人个人信息。(PIPL Art. 10)",
    "《网络暴力信息治理规定》：网络信息服务提供者应当及时处置非法公开他人个人信息等网络暴力信息。(Provisions on the Governance of Online Violence Information)",
];

/// The category of exposed data a kind belongs to, as a takedown request names it.
pub fn category(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::IdCard => "居民身份证号码 (resident ID number)",
        Kind::Phone => "手机号码 (mobile number)",
        Kind::BankCard => "银行卡号 (bank card number)",
        Kind::Email => "电子邮箱 (email)",
        Kind::Qq => "QQ号 (QQ number)",
        Kind::Wechat => "微信号 (WeChat id)",
        Kind::Telegram => "Telegram账号 (Telegram handle)",
        Kind::Address => "住址 (home address)",
        Kind::Name => "姓名 (name)",
        _ => return None,
    })
}

/// The three tiers of Art. 5 of the 2017 SPC/SPP interpretation on crimes against citizens'
/// personal information: (severe, especially severe) counts of items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 行踪轨迹信息、通信内容、征信信息、财产信息: 50 / 500.
    TrackCommsCreditProperty,
    /// 住宿信息、通信记录、健康生理信息、交易信息等: 500 / 5,000.
    LodgingRecordsHealthTransactions,
    /// 其他公民个人信息: 5,000 / 50,000.
    Other,
}

impl Tier {
    pub fn thresholds(self) -> (u64, u64) {
        match self {
            Tier::TrackCommsCreditProperty => (50, 500),
            Tier::LodgingRecordsHealthTransactions => (500, 5_000),
            Tier::Other => (5_000, 50_000),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::TrackCommsCreditProperty => "行踪轨迹/通信内容/征信/财产信息",
            Tier::LodgingRecordsHealthTransactions => "住宿/通信记录/健康生理/交易信息",
            Tier::Other => "其他公民个人信息",
        }
    }
}

/// Which tier an exposed identifier counts in. A bank card number is property information;
/// what the matcher finds otherwise (ID numbers, phones, names, addresses, handles) is
/// "other" personal information unless a prosecutor classifies it higher.
pub fn tier(kind: Kind) -> Option<Tier> {
    match kind {
        Kind::BankCard => Some(Tier::TrackCommsCreditProperty),
        Kind::IdCard
        | Kind::Phone
        | Kind::Email
        | Kind::Qq
        | Kind::Wechat
        | Kind::Address
        | Kind::Name => Some(Tier::Other),
        _ => None,
    }
}

#[derive(Debug, Serialize)]
pub struct TakedownItem {
    pub post_id: String,
    pub url: Option<String>,
    pub categories: Vec<String>,
    pub first_seen: String,
    pub posted_at: Option<String>,
    pub verdict: String,
    pub alert_ids: Vec<String>,
    pub evidence_digests: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TakedownRequest {
    pub request_id: String,
    pub case_id: i64,
    pub platform: String,
    pub created_at: String,
    pub requested_by: String,
    pub legal_basis: Vec<String>,
    pub items: Vec<TakedownItem>,
}

fn case_alerts(store: &Store, case_id: i64) -> Result<Vec<Alert>, StoreError> {
    let case = store.db.case(case_id)?;
    let mut out = Vec::with_capacity(case.alerts.len());
    for id in &case.alerts {
        out.push(
            store
                .index
                .get(id)?
                .ok_or_else(|| StoreError::NotFound(format!("alert {id} in the index")))?,
        );
    }
    Ok(out)
}

/// Builds the takedown requests of a case, one per platform.
pub fn takedown_requests(
    store: &Store,
    case_id: i64,
    actor: &str,
) -> Result<Vec<TakedownRequest>, StoreError> {
    let alerts = case_alerts(store, case_id)?;
    let mut by_platform: BTreeMap<String, BTreeMap<String, Vec<&Alert>>> = BTreeMap::new();
    for a in &alerts {
        by_platform
            .entry(a.platform.clone())
            .or_default()
            .entry(a.post_id.clone())
            .or_default()
            .push(a);
    }
    let created_at = now_rfc3339();
    let mut out = Vec::new();
    for (platform, posts) in by_platform {
        let items = posts
            .into_iter()
            .map(|(post_id, alerts)| {
                let cats: BTreeSet<String> = alerts
                    .iter()
                    .flat_map(|a| a.findings.iter())
                    .filter_map(|f| category(f.kind))
                    .map(str::to_string)
                    .chain(
                        alerts
                            .iter()
                            .filter(|a| a.verdict == Verdict::DataSaleAd)
                            .map(|_| "出售个人信息广告 (sale of personal data)".to_string()),
                    )
                    .collect();
                TakedownItem {
                    url: alerts.iter().find_map(|a| a.url.clone()),
                    categories: cats.into_iter().collect(),
                    first_seen: alerts
                        .iter()
                        .map(|a| a.ts_detected.clone())
                        .min()
                        .unwrap_or_default(),
                    posted_at: alerts.iter().find_map(|a| a.ts_post.clone()),
                    verdict: alerts[0].verdict.as_str().to_string(),
                    alert_ids: alerts.iter().map(|a| a.alert_id.clone()).collect(),
                    evidence_digests: alerts
                        .iter()
                        .filter_map(|a| a.evidence.as_ref().map(|e| e.digest.clone()))
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect(),
                    post_id,
                }
            })
            .collect();
        let request_id = blake3::hash(format!("{case_id}\0{platform}\0{created_at}").as_bytes())
            .to_hex()[..16]
            .to_string();
        out.push(TakedownRequest {
            request_id,
            case_id,
            platform,
            created_at: created_at.clone(),
            requested_by: actor.to_string(),
            legal_basis: LEGAL_BASIS.iter().map(|s| s.to_string()).collect(),
            items,
        });
    }
    Ok(out)
}

fn csv_field(s: &str) -> String {
    // Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe.
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn takedown_csv(req: &TakedownRequest) -> String {
    let mut out = String::from(
        "platform,post_id,url,categories,first_seen,posted_at,verdict,alert_ids,evidence_digests\n",
    );
    for i in &req.items {
        let row = [
            req.platform.as_str(),
            &i.post_id,
            i.url.as_deref().unwrap_or(""),
            &i.categories.join("; "),
            &i.first_seen,
            i.posted_at.as_deref().unwrap_or(""),
            &i.verdict,
            &i.alert_ids.join(" "),
            &i.evidence_digests.join(" "),
        ];
        out.push_str(
            &row.iter()
                .map(|c| csv_field(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    out
}

/// Writes `takedown-case<ID>-<platform>.json` and `.csv` into `out_dir`, audits the export and
/// moves an open case to `takedown_requested`. Returns the written paths.
pub fn export_takedown(
    store: &mut Store,
    case_id: i64,
    actor: &str,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, StoreError> {
    let reqs = takedown_requests(store, case_id, actor)?;
    if reqs.is_empty() {
        return Err(StoreError::Invalid(format!(
            "case {case_id} has no alerts to take down"
        )));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| StoreError::io(out_dir, e))?;
    let mut paths = Vec::new();
    for r in &reqs {
        let safe: String = r
            .platform
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let base = out_dir.join(format!("takedown-case{case_id}-{safe}"));
        let json = base.with_extension("json");
        let csv = base.with_extension("csv");
        write_atomic(
            &json,
            serde_json::to_string_pretty(r)
                .unwrap_or_default()
                .as_bytes(),
        )?;
        write_atomic(&csv, takedown_csv(r).as_bytes())?;
        paths.push(json);
        paths.push(csv);
    }
    store.db.audit(
        actor,
        "export.takedown",
        &format!("case:{case_id}"),
        &serde_json::json!({
            "platforms": reqs.iter().map(|r| r.platform.clone()).collect::<Vec<_>>(),
            "posts": reqs.iter().map(|r| r.items.len()).sum::<usize>(),
        })
        .to_string(),
    )?;
    if store.db.case(case_id)?.state == crate::CaseState::Open {
        store.db.transition(
            case_id,
            crate::CaseState::TakedownRequested,
            actor,
            "takedown requested",
        )?;
    }
    Ok(paths)
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: u64,
    pub blake3: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub case_id: i64,
    pub created_at: String,
    pub created_by: String,
    /// The store's audit chain head when the package was made: the export's own entry comes
    /// next and records this manifest's digest.
    pub audit_head: AuditHead,
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

#[derive(Debug, Serialize)]
pub struct TierCount {
    pub tier: Tier,
    pub label: &'static str,
    /// Distinct identifiers exposed (by keyed hash) in this tier.
    pub distinct_items: u64,
    pub severe_threshold: u64,
    pub especially_severe_threshold: u64,
    /// `none`, `severe` (情节严重) or `especially_severe` (情节特别严重).
    pub met: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Counts {
    pub basis: &'static str,
    pub note: &'static str,
    pub per_kind: BTreeMap<String, u64>,
    pub tiers: Vec<TierCount>,
    pub posts: u64,
    pub data_sale_ads: u64,
}

/// Distinct exposed items per kind and per tier, and the thresholds they reach.
pub fn counts(alerts: &[Alert]) -> Counts {
    let mut per_kind: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
    for a in alerts {
        // A seller's own contact in an ad is not an exposed citizen's item.
        for f in &a.findings {
            if a.verdict == Verdict::DataSaleAd && crate::index::HANDLE_KINDS.contains(&f.kind) {
                continue;
            }
            if tier(f.kind).is_some() {
                per_kind
                    .entry(f.kind)
                    .or_default()
                    .insert(f.hash.clone().unwrap_or_else(|| f.masked.clone()));
            }
        }
    }
    let mut tiers = Vec::new();
    for t in [
        Tier::TrackCommsCreditProperty,
        Tier::LodgingRecordsHealthTransactions,
        Tier::Other,
    ] {
        let n: u64 = per_kind
            .iter()
            .filter(|(k, _)| tier(**k) == Some(t))
            .map(|(_, v)| v.len() as u64)
            .sum();
        let (severe, especially) = t.thresholds();
        tiers.push(TierCount {
            tier: t,
            label: t.label(),
            distinct_items: n,
            severe_threshold: severe,
            especially_severe_threshold: especially,
            met: if n >= especially {
                "especially_severe"
            } else if n >= severe {
                "severe"
            } else {
                "none"
            },
        });
    }
    let posts: BTreeSet<&str> = alerts.iter().map(|a| a.post_id.as_str()).collect();
    Counts {
        basis: "最高人民法院、最高人民检察院《关于办理侵犯公民个人信息刑事案件适用法律若干问题的解释》(法释〔2017〕10号) 第五条",
        note: "Counts are distinct identifiers found by doxwatch in the posts of this case, classified by identifier kind; the classification and the final count are for the investigating authority to confirm.",
        per_kind: per_kind.into_iter().map(|(k, v)| (k.as_str().to_string(), v.len() as u64)).collect(),
        tiers,
        posts: posts.len() as u64,
        data_sale_ads: alerts.iter().filter(|a| a.verdict == Verdict::DataSaleAd).count() as u64,
    }
}

#[derive(Debug, Serialize)]
struct Seller {
    kind: String,
    masked: String,
    hash: Option<String>,
    alerts: Vec<String>,
    first_seen: String,
    last_seen: String,
}

fn sellers(alerts: &[Alert]) -> Vec<Seller> {
    let mut map: BTreeMap<(String, String), Seller> = BTreeMap::new();
    for a in alerts.iter().filter(|a| a.verdict == Verdict::DataSaleAd) {
        for f in a
            .findings
            .iter()
            .filter(|f| crate::index::HANDLE_KINDS.contains(&f.kind))
        {
            let key = (
                f.kind.as_str().to_string(),
                f.hash.clone().unwrap_or_else(|| f.masked.clone()),
            );
            let s = map.entry(key).or_insert_with(|| Seller {
                kind: f.kind.as_str().to_string(),
                masked: f.masked.clone(),
                hash: f.hash.clone(),
                alerts: Vec::new(),
                first_seen: a.ts_detected.clone(),
                last_seen: a.ts_detected.clone(),
            });
            if !s.alerts.contains(&a.alert_id) {
                s.alerts.push(a.alert_id.clone());
            }
            s.first_seen = s.first_seen.clone().min(a.ts_detected.clone());
            s.last_seen = s.last_seen.clone().max(a.ts_detected.clone());
        }
    }
    map.into_values().collect()
}

/// Writes the police-referral package of a case to `out` (which must not exist), audits it
/// (including every evidence read) and marks the case referred. Returns the BLAKE3 of the
/// manifest, which the audit entry records.
pub fn export_referral(
    store: &mut Store,
    case_id: i64,
    actor: &str,
    out: &Path,
) -> Result<String, StoreError> {
    if out.exists() {
        return Err(StoreError::Package {
            path: out.to_path_buf(),
            message: "already exists; a package is never written over".into(),
        });
    }
    let case = store.db.case(case_id)?;
    if !case.state.can_move_to(crate::CaseState::Referred)
        && case.state != crate::CaseState::Referred
    {
        return Err(StoreError::Invalid(format!(
            "case {case_id} is {}: reopen it before referring it",
            case.state.as_str()
        )));
    }
    let alerts = case_alerts(store, case_id)?;
    if alerts.is_empty() {
        return Err(StoreError::Invalid(format!("case {case_id} has no alerts")));
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| StoreError::io(parent, e))?;
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("package");
    let tmp = parent.join(format!(".{name}.partial{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| -> Result<String, StoreError> {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        let digests: BTreeSet<String> = alerts
            .iter()
            .filter_map(|a| a.evidence.as_ref().map(|e| e.digest.clone()))
            .collect();
        // One audit entry for the whole read, written before any plaintext is.
        store.db.audit(
            actor,
            "evidence.read",
            &format!("case:{case_id}"),
            &serde_json::json!({"purpose": "referral package", "digests": digests}).to_string(),
        )?;
        for d in &digests {
            files.push((format!("originals/{d}.json"), store.open_evidence(d)?));
        }
        let mut jsonl = String::new();
        for a in &alerts {
            let mut a = a.clone();
            if let Some(ev) = a.evidence.as_mut() {
                ev.sealed.clear();
            }
            jsonl.push_str(&serde_json::to_string(&a).unwrap_or_default());
            jsonl.push('\n');
        }
        files.push(("alerts.jsonl".into(), jsonl.into_bytes()));
        let subject = match case.subject_id {
            Some(s) => Some(store.db.subject(s)?),
            None => None,
        };
        files.push((
            "case.json".into(),
            serde_json::to_vec_pretty(&serde_json::json!({"case": case, "subject": subject}))
                .unwrap_or_default(),
        ));
        files.push((
            "sellers.json".into(),
            serde_json::to_vec_pretty(&sellers(&alerts)).unwrap_or_default(),
        ));
        let mut timeline: Vec<serde_json::Value> = Vec::new();
        for a in &alerts {
            if let Some(t) = &a.ts_post {
                timeline.push(serde_json::json!({"at": t, "event": "posted", "post_id": a.post_id, "url": a.url}));
            }
            timeline.push(serde_json::json!({"at": a.ts_detected, "event": "detected", "alert_id": a.alert_id, "verdict": a.verdict.as_str()}));
        }
        for e in &case.events {
            timeline.push(serde_json::json!({"at": e.at, "event": format!("case {}", e.event), "actor": e.actor}));
        }
        timeline.sort_by(|a, b| a["at"].as_str().cmp(&b["at"].as_str()));
        let first_seen = alerts.iter().map(|a| a.ts_detected.clone()).min();
        let last_seen = alerts.iter().map(|a| a.ts_detected.clone()).max();
        files.push((
            "timeline.json".into(),
            serde_json::to_vec_pretty(&serde_json::json!({"first_seen": first_seen, "last_seen": last_seen, "events": timeline}))
                .unwrap_or_default(),
        ));
        files.push((
            "counts.json".into(),
            serde_json::to_vec_pretty(&counts(&alerts)).unwrap_or_default(),
        ));
        let (seq, hash) = store.db.audit_head()?;
        let manifest = Manifest {
            format: "doxwatch.referral.v1".into(),
            case_id,
            created_at: now_rfc3339(),
            created_by: actor.to_string(),
            audit_head: AuditHead { seq, hash },
            files: files
                .iter()
                .map(|(p, b)| ManifestFile {
                    path: p.clone(),
                    bytes: b.len() as u64,
                    blake3: blake3::hash(b).to_hex().to_string(),
                })
                .collect(),
        };
        let manifest_bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
        files.push(("manifest.json".into(), manifest_bytes.clone()));
        for (p, b) in &files {
            let path = tmp.join(p);
            if let Some(d) = path.parent() {
                std::fs::create_dir_all(d).map_err(|e| StoreError::io(d, e))?;
            }
            let write = || -> std::io::Result<()> {
                use std::io::Write;
                let mut f = std::fs::File::create(&path)?;
                f.write_all(b)?;
                f.sync_all()
            };
            write().map_err(|e| StoreError::io(&path, e))?;
        }
        Ok(blake3::hash(&manifest_bytes).to_hex().to_string())
    })();
    let digest = match result {
        Ok(d) => d,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_dir_all(&tmp);
        StoreError::io(out, e)
    })?;
    if let Ok(d) = std::fs::File::open(parent) {
        let _ = d.sync_all();
    }
    store.db.audit(
        actor,
        "export.referral",
        &format!("case:{case_id}"),
        &serde_json::json!({"manifest_blake3": digest, "alerts": alerts.len()}).to_string(),
    )?;
    if store.db.case(case_id)?.state != crate::CaseState::Referred {
        store.db.transition(
            case_id,
            crate::CaseState::Referred,
            actor,
            &format!("referral package {}", &digest[..16]),
        )?;
    }
    Ok(digest)
}

/// What [`verify_package`] checked.
#[derive(Debug)]
pub struct PackageReport {
    pub case_id: i64,
    pub files: usize,
    pub manifest_blake3: String,
}

/// Checks a package against its manifest: every listed file present with its size and
/// BLAKE3, and no file that the manifest does not list.
pub fn verify_package(dir: &Path) -> Result<PackageReport, StoreError> {
    let bad = |message: String| StoreError::Package {
        path: dir.to_path_buf(),
        message,
    };
    let mpath = dir.join("manifest.json");
    let mbytes = std::fs::read(&mpath).map_err(|e| bad(format!("manifest.json: {e}")))?;
    let manifest: Manifest = serde_json::from_slice(&mbytes)
        .map_err(|e| bad(format!("manifest.json does not parse: {e}")))?;
    let mut listed = BTreeSet::new();
    for f in &manifest.files {
        if f.path.contains("..") || f.path.starts_with('/') {
            return Err(bad(format!(
                "manifest lists a path outside the package: {}",
                f.path
            )));
        }
        let bytes =
            std::fs::read(dir.join(&f.path)).map_err(|e| bad(format!("{}: {e}", f.path)))?;
        if bytes.len() as u64 != f.bytes || blake3::hash(&bytes).to_hex().as_str() != f.blake3 {
            return Err(bad(format!(
                "{} does not match its manifest digest",
                f.path
            )));
        }
        listed.insert(f.path.clone());
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| StoreError::io(&d, e))? {
            let e = e.map_err(|e| StoreError::io(&d, e))?;
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            if rel != "manifest.json" && !listed.contains(&rel) {
                return Err(bad(format!("{rel} is not in the manifest")));
            }
        }
    }
    Ok(PackageReport {
        case_id: manifest.case_id,
        files: manifest.files.len(),
        manifest_blake3: blake3::hash(&mbytes).to_hex().to_string(),
    })
}
