//! Store commands: `search`, `subject`, `case`, `evidence`, `audit`, `verify-package`, and the
//! `--role indexer` loop. The store and its keys come from the pipeline config's store sink
//! and `[keys]` table (default `pipelines/local.toml`).

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use doxwatch_pipeline::config::{self, SinkConfig};
use doxwatch_pipeline::keys::Keys;
use doxwatch_store::{export, CaseState, SearchRequest, Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the store is and which keys open it.
#[derive(Args, Clone)]
pub struct StoreArgs {
    /// Pipeline config whose store sink and `[keys]` to use.
    #[arg(long, global = true, default_value = crate::run::DEFAULT_CONFIG)]
    config: PathBuf,
    /// Store directory (overrides the config's store sink).
    #[arg(long, global = true)]
    store: Option<PathBuf>,
    /// Who is acting, for the audit log (default: $DOXWATCH_ACTOR, else $USER).
    #[arg(long, global = true)]
    actor: Option<String>,
}

impl StoreArgs {
    fn actor(&self) -> String {
        self.actor
            .clone()
            .or_else(|| std::env::var("DOXWATCH_ACTOR").ok())
            .or_else(|| std::env::var("USER").ok())
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "unknown".into())
    }

    fn resolve(&self) -> Result<(PathBuf, Keys)> {
        let cfg = config::load(&self.config)?;
        let keys = Keys::load(&cfg.keys)?;
        let dir = match &self.store {
            Some(d) => d.clone(),
            None => cfg
                .sinks
                .iter()
                .find_map(|s| match s {
                    SinkConfig::Store { dir } => Some(dir.clone()),
                    _ => None,
                })
                .with_context(|| {
                    format!(
                        "{} has no store sink; pass --store DIR",
                        self.config.display()
                    )
                })?,
        };
        Ok((dir, keys))
    }

    fn open_read(&self) -> Result<(Store, Keys)> {
        let (dir, keys) = self.resolve()?;
        Ok((Store::open_read(&dir, &keys)?, keys))
    }
}

#[derive(Args)]
pub struct SearchArgs {
    /// Free text over the masked posts, reasons and labels (CJK: two characters or more).
    query: Option<String>,
    #[arg(long = "verdict")]
    verdicts: Vec<String>,
    /// Minimum severity: low, medium, high, critical.
    #[arg(long)]
    severity: Option<String>,
    #[arg(long = "kind")]
    kinds: Vec<String>,
    #[arg(long)]
    platform: Option<String>,
    #[arg(long)]
    author: Option<String>,
    /// Detected at or after (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Detected at or before.
    #[arg(long)]
    until: Option<String>,
    /// Region code prefix of exposed ID numbers: 2, 4 or 6 digits.
    #[arg(long)]
    region: Option<String>,
    /// Posts exposing this ID number (canonicalised and hashed with the deployment key;
    /// never stored or logged).
    #[arg(long)]
    id_card: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    bank_card: Option<String>,
    /// A seller's contact: Telegram, WeChat or QQ handle, or an email address.
    #[arg(long)]
    handle: Option<String>,
    /// time, severity or relevance.
    #[arg(long, default_value = "time")]
    sort: String,
    #[arg(long, default_value_t = 1)]
    page: usize,
    #[arg(long, default_value_t = 20)]
    per_page: usize,
    /// Count every match; by default the count stops being exact past 10,000.
    #[arg(long)]
    exact_total: bool,
    /// Alerts as JSON lines instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum SubjectCmd {
    /// Subjects with the most alerts.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    Show {
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum CaseCmd {
    /// Open a case on a subject and/or alerts.
    Open {
        #[arg(long)]
        title: String,
        #[arg(long)]
        subject: Option<i64>,
        #[arg(long = "alert")]
        alerts: Vec<String>,
    },
    List {
        #[arg(long)]
        state: Option<String>,
    },
    Show {
        id: i64,
    },
    Assign {
        id: i64,
        assignee: String,
    },
    Note {
        id: i64,
        text: String,
    },
    /// Move a case: takedown_requested, removed, dismissed, referred, open (reopen).
    Move {
        id: i64,
        state: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Takedown requests per platform (JSON and CSV) into OUT_DIR.
    ExportTakedown {
        id: i64,
        out_dir: PathBuf,
    },
    /// A police-referral package in OUT (a new directory).
    ExportReferral {
        id: i64,
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum EvidenceCmd {
    /// Print the original post of an alert (plaintext; audited with the reason).
    Show {
        alert_id: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Create a token and print it (once: only its digest is kept).
    Create {
        /// Who or what uses it (unique); the audit log names this.
        #[arg(long)]
        name: String,
        /// analyst, investigator or admin.
        #[arg(long)]
        role: String,
    },
    /// Tokens, live and revoked (no secrets).
    List,
    /// Revoke a token; the server refuses it within seconds and ends its sessions.
    Revoke { name: String },
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Walk the hash chain; exit 0 if intact, 1 if broken.
    Verify,
    List,
}

pub fn search(sa: &StoreArgs, a: SearchArgs) -> Result<ExitCode> {
    let (mut store, keys) = sa.open_read()?;
    let hasher = keys.hasher.as_ref().context("no hash key")?;
    let canon = doxwatch_leakset::Canonicalizer::new().context("loading dictionaries")?;
    let req = SearchRequest {
        text: a.query.clone(),
        verdicts: a.verdicts.clone(),
        severity: a.severity.clone(),
        kinds: a.kinds.clone(),
        platform: a.platform.clone(),
        author: a.author.clone(),
        since: a.since.clone(),
        until: a.until.clone(),
        region: a.region.clone(),
        id_card: a.id_card.clone(),
        phone: a.phone.clone(),
        bank_card: a.bank_card.clone(),
        handle: a.handle.clone(),
        sort: Some(a.sort.clone()),
        page: Some(a.page),
        per_page: Some(a.per_page),
        exact_total: a.exact_total,
    };
    let page = store.search_audited(&req, &canon, hasher, &sa.actor())?;
    if a.json {
        for h in &page.hits {
            println!("{}", serde_json::to_string(h)?);
        }
    } else {
        println!(
            "{}{} alert(s); page {} ({} shown)",
            page.total,
            if page.total_exact { "" } else { "+" },
            a.page.max(1),
            page.hits.len()
        );
        for h in &page.hits {
            let kinds: std::collections::BTreeSet<&str> =
                h.findings.iter().map(|f| f.kind.as_str()).collect();
            println!(
                "{}  {:<12} {:<8} {:<10} {:<24} {}",
                h.alert_id,
                h.verdict.as_str(),
                h.severity.as_str(),
                h.platform,
                h.post_id,
                kinds.into_iter().collect::<Vec<_>>().join(",")
            );
        }
    }
    Ok(if page.total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn subject(sa: &StoreArgs, cmd: SubjectCmd) -> Result<ExitCode> {
    let (store, _) = sa.open_read()?;
    match cmd {
        SubjectCmd::List { limit } => {
            for (id, n, last) in store.db.list_subjects(limit)? {
                println!("subject {id}: {n} alert(s), last seen {last}");
            }
        }
        SubjectCmd::Show { id } => {
            println!("{}", serde_json::to_string_pretty(&store.db.subject(id)?)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn case(sa: &StoreArgs, cmd: CaseCmd) -> Result<ExitCode> {
    let (mut store, _) = sa.open_read()?;
    let actor = sa.actor();
    match cmd {
        CaseCmd::Open {
            title,
            subject,
            alerts,
        } => {
            let id = store.db.open_case(&title, subject, &alerts, &actor)?;
            println!("case {id} opened");
        }
        CaseCmd::List { state } => {
            let state = state
                .map(|s| CaseState::parse(&s).with_context(|| format!("unknown state `{s}`")))
                .transpose()?;
            for c in store.db.list_cases(state)? {
                println!(
                    "case {}  {:<18} {:>4} alert(s)  {}  {}",
                    c.case_id,
                    c.state.as_str(),
                    c.alerts.len(),
                    c.assignee.as_deref().unwrap_or("-"),
                    c.title
                );
            }
        }
        CaseCmd::Show { id } => println!("{}", serde_json::to_string_pretty(&store.db.case(id)?)?),
        CaseCmd::Assign { id, assignee } => store.db.assign(id, &assignee, &actor)?,
        CaseCmd::Note { id, text } => store.db.note(id, &text, &actor)?,
        CaseCmd::Move { id, state, note } => {
            let to =
                CaseState::parse(&state).with_context(|| format!("unknown state `{state}`"))?;
            store.db.transition(id, to, &actor, &note)?;
            println!("case {id} is {}", to.as_str());
        }
        CaseCmd::ExportTakedown { id, out_dir } => {
            for p in export::export_takedown(&mut store, id, &actor, &out_dir)? {
                println!("{}", p.display());
            }
        }
        CaseCmd::ExportReferral { id, out } => {
            let digest = export::export_referral(&mut store, id, &actor, &out)?;
            println!("{}: manifest blake3 {digest}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn evidence(sa: &StoreArgs, cmd: EvidenceCmd) -> Result<ExitCode> {
    let (mut store, _) = sa.open_read()?;
    match cmd {
        EvidenceCmd::Show { alert_id, reason } => {
            if reason.trim().len() < 4 {
                bail!("--reason must say why the original is read (it goes to the audit log)");
            }
            let bytes = store.read_evidence(&alert_id, &sa.actor(), &reason)?;
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn audit(sa: &StoreArgs, cmd: AuditCmd) -> Result<ExitCode> {
    let (store, _) = sa.open_read()?;
    match cmd {
        AuditCmd::Verify => match store.db.verify_audit() {
            Ok(n) => {
                let (_, head) = store.db.audit_head()?;
                println!("audit log intact: {n} entries, head {head}");
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("doxwatch: {e}");
                Ok(ExitCode::from(1))
            }
        },
        AuditCmd::List => {
            for e in store.db.audit_entries()? {
                println!("{}", serde_json::to_string(&e)?);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn token(sa: &StoreArgs, cmd: TokenCmd) -> Result<ExitCode> {
    let (mut store, _) = sa.open_read()?;
    match cmd {
        TokenCmd::Create { name, role } => {
            let role = doxwatch_store::Role::parse(&role)
                .with_context(|| format!("unknown role `{role}` (analyst, investigator, admin)"))?;
            let token = store.db.create_token(&name, role, &sa.actor())?;
            eprintln!(
                "token `{}` ({}) created; it is shown once:",
                name.trim(),
                role.as_str()
            );
            println!("{token}");
        }
        TokenCmd::List => {
            for t in store.db.list_tokens()? {
                println!(
                    "{:<24} {:<12} created {}{}",
                    t.name,
                    t.role.as_str(),
                    t.created_at,
                    t.revoked_at
                        .map(|r| format!(", revoked {r}"))
                        .unwrap_or_default()
                );
            }
        }
        TokenCmd::Revoke { name } => {
            store.db.revoke_token(&name, &sa.actor())?;
            println!("token `{name}` revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn verify_package(dir: &Path) -> Result<ExitCode> {
    match export::verify_package(dir) {
        Ok(r) => {
            println!(
                "{}: intact (case {}, {} files, manifest blake3 {})",
                dir.display(),
                r.case_id,
                r.files,
                r.manifest_blake3
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("doxwatch: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
