//! `doxwatch leakset build|info|merge`: known-leak sets (crates/leakset). Every command that
//! hashes identifiers needs the deployment hash key and refuses to run without one; the key is
//! never printed, only its fingerprint.

use anyhow::{Context, Result};
use doxwatch_leakset::{merge, parse_map, BuildOptions, Builder, LeakSet, Manifest};
use doxwatch_model::KeyedHasher;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct KeyArgs {
    /// Hash key file (64 hex characters, mode 0600, from `doxwatch key generate FILE`);
    /// `$DOXWATCH_HASH_KEY`, when set, wins. Must be the key of the pipeline that will use the set.
    #[arg(long, value_name = "FILE")]
    key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The deployment hash key, loaded exactly as the pipeline loads it.
    pub fn hasher(&self) -> Result<KeyedHasher> {
        let keys = doxwatch_pipeline::keys::Keys::load(&doxwatch_pipeline::keys::KeysConfig {
            hash_key_env: "DOXWATCH_HASH_KEY".into(),
            hash_key_file: self.key_file.clone(),
            ..Default::default()
        })?;
        keys.hasher.context(
            "no hash key: set DOXWATCH_HASH_KEY or pass --key-file FILE \
             (`doxwatch key generate FILE` makes one); identifiers are never hashed without a key",
        )
    }
}

#[derive(clap::Subcommand)]
pub enum LeaksetCmd {
    /// Build a set from dumps (CSV, TSV, JSONL or plain lists, `.gz` accepted) into a new
    /// directory OUT (conventionally NAME.leakset).
    Build {
        #[command(flatten)]
        key: KeyArgs,
        /// The new set's directory; must not exist.
        #[arg(long, short)]
        out: PathBuf,
        /// Name of the set (shown in alerts' `known_leaks`).
        #[arg(long)]
        name: String,
        /// Where the dump came from (free text, recorded in the manifest).
        #[arg(long)]
        source: String,
        /// Date of the leak or dump, e.g. 2025-06-01.
        #[arg(long)]
        date: String,
        /// `kind=column` pairs: 1-based columns for CSV/TSV (plain lists: column 1), field
        /// names for JSONL. Kinds: id_card, phone, bank_card, email, qq, wechat, telegram, name.
        #[arg(long)]
        map: String,
        /// Digests held in memory before a sorted run spills to a temporary file (MiB).
        #[arg(long, default_value_t = 512)]
        memory_mb: u64,
        /// Also build the self-check table (phones and IDs) under this OPRF key file, created
        /// (mode 0600) if missing. Keep it beside the set, not inside: matchers never need it.
        #[arg(long, value_name = "FILE")]
        oprf_key: Option<PathBuf>,
        /// The dumps.
        #[arg(required = true)]
        dumps: Vec<PathBuf>,
    },
    /// Show a set's manifest (verifies every file; needs no key).
    Info {
        dir: PathBuf,
        /// Print the manifest as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the private self-check (`POST /v1/check`, browser page at `/selfcheck/`) for a
    /// set built with `--oprf-key`.
    Serve {
        set: PathBuf,
        /// The OPRF key file the set's table was built with.
        #[arg(long, value_name = "FILE")]
        oprf_key: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8790")]
        listen: std::net::SocketAddr,
        /// Queries per minute per client address.
        #[arg(long, default_value_t = 30)]
        per_minute: u32,
        /// Queries a client may make at once before the per-minute rate applies.
        #[arg(long, default_value_t = 10)]
        burst: u32,
    },
    /// Merge sets built with the same key into a new set OUT.
    Merge {
        #[command(flatten)]
        key: KeyArgs,
        /// Name of the merged set (default: OUT's file stem).
        #[arg(long)]
        name: Option<String>,
        out: PathBuf,
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
}

pub fn run(cmd: LeaksetCmd) -> Result<ExitCode> {
    match cmd {
        LeaksetCmd::Build {
            key,
            out,
            name,
            source,
            date,
            map,
            memory_mb,
            oprf_key,
            dumps,
        } => {
            let hasher = key.hasher()?;
            let map = parse_map(&map)?;
            let started = std::time::Instant::now();
            let opts = BuildOptions {
                name,
                source,
                date,
                map,
                memory_mb,
                progress: true,
                oprf: oprf_key
                    .as_deref()
                    .map(|p| doxwatch_leakset::selfcheck::OprfKey::load(p, true))
                    .transpose()?,
            };
            let mut b = Builder::new(&out, hasher, opts)?;
            for d in &dumps {
                b.add_dump(d)?;
            }
            let m = b.finish()?;
            let secs = started.elapsed().as_secs_f64();
            print_manifest(&out, &m);
            println!(
                "built in {secs:.1} s ({:.0} rows/s)",
                m.rows as f64 / secs.max(1e-9)
            );
            Ok(ExitCode::SUCCESS)
        }
        LeaksetCmd::Serve {
            set,
            oprf_key,
            listen,
            per_minute,
            burst,
        } => serve(&set, &oprf_key, listen, per_minute, burst),
        LeaksetCmd::Info { dir, json } => {
            let set = LeakSet::open_keyless(&dir)?;
            if json {
                println!("{}", serde_json::to_string_pretty(set.manifest())?);
            } else {
                print_manifest(&dir, set.manifest());
            }
            Ok(ExitCode::SUCCESS)
        }
        LeaksetCmd::Merge {
            key,
            name,
            out,
            inputs,
        } => {
            let hasher = key.hasher()?;
            let sets = inputs
                .iter()
                .map(|p| LeakSet::open(p, &hasher))
                .collect::<Result<Vec<_>, _>>()?;
            let name = name.unwrap_or_else(|| stem(&out));
            let m = merge(&out, &sets, &name)?;
            print_manifest(&out, &m);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "merged".into())
}

fn print_manifest(dir: &Path, m: &Manifest) {
    println!("set      {} ({})", m.name, dir.display());
    println!("source   {}", m.source);
    println!("date     {}", m.date);
    println!("key      {}", m.key_id);
    println!("rows     {}", m.rows);
    println!("distinct {}", m.distinct);
    for (k, v) in &m.counts {
        let bad = m.invalid.get(k).copied().unwrap_or(0);
        println!("  {k:<10} {v} valid, {bad} invalid");
    }
    for (k, v) in m.invalid.iter().filter(|(k, _)| !m.counts.contains_key(*k)) {
        println!("  {k:<10} 0 valid, {v} invalid");
    }
    if !m.build.merged_from.is_empty() {
        println!("merged   {}", m.build.merged_from.join(", "));
    }
    let bytes: u64 = m.files.values().map(|f| f.bytes).sum();
    println!(
        "disk     {bytes} bytes ({}, {} spilled runs)",
        m.build.filter, m.build.spilled_runs
    );
}

fn serve(
    set: &Path,
    key: &Path,
    listen: std::net::SocketAddr,
    per_minute: u32,
    burst: u32,
) -> Result<ExitCode> {
    use doxwatch_leakset::selfcheck::{OprfKey, OprfTable, SelfCheckState};
    let table = OprfTable::open(set, OprfKey::load(key, false)?)?;
    tracing::info!(
        entries = table.len(),
        pad_to = table.pad_to(),
        "self-check table loaded"
    );
    let state = std::sync::Arc::new(SelfCheckState::new(table, per_minute, burst));
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        tracing::info!(%listen, "self-check on POST /v1/check, page on /selfcheck/");
        doxwatch_leakset::selfcheck::serve(state, listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// `doxwatch check`: asks a self-check server whether an identifier is in its set, without
/// sending the identifier.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// A mobile number (any common spelling: +86, separators, full-width).
    #[arg(long, conflicts_with = "id_card", required_unless_present = "id_card")]
    phone: Option<String>,
    /// A resident ID number.
    #[arg(long)]
    id_card: Option<String>,
    /// The self-check server, e.g. http://127.0.0.1:8790.
    #[arg(long)]
    server: String,
}

pub fn check(a: CheckArgs) -> Result<ExitCode> {
    use doxwatch_model::Kind;
    let (kind, raw) = match (&a.phone, &a.id_card) {
        (Some(p), _) => (Kind::Phone, p),
        (None, Some(i)) => (Kind::IdCard, i),
        (None, None) => anyhow::bail!("give --phone or --id-card"),
    };
    let canon = doxwatch_leakset::Canonicalizer::new()?;
    let value = canon
        .canonical(kind, raw)
        .with_context(|| format!("the value is not a valid {}", kind.as_str()))?;
    let rt = tokio::runtime::Runtime::new()?;
    let found = rt.block_on(doxwatch_leakset::selfcheck::check_remote(
        &a.server, kind, &value,
    ))?;
    if found {
        println!(
            "found: this {} is in the server's known-leak set",
            kind.as_str()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("not found in the server's known-leak set");
        Ok(ExitCode::from(1))
    }
}
