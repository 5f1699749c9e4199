//! `doxwatch run` and `doxwatch check-config`.

use anyhow::{Context, Result};
use doxwatch_pipeline::config::{self, SinkConfig, SourceConfig};
use doxwatch_pipeline::keys::Keys;
use doxwatch_pipeline::runtime::{PipelineError, Plugins, Sink, Source};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

pub const DEFAULT_CONFIG: &str = "pipelines/local.toml";

pub fn check_config(file: &Path) -> Result<ExitCode> {
    let cfg = config::load(file)?;
    println!(
        "{}: valid ({} source(s), {} sink(s), {} matcher worker(s))",
        file.display(),
        cfg.sources.len(),
        cfg.sinks.len(),
        cfg.workers
    );
    Ok(ExitCode::SUCCESS)
}

/// Copies files into an inbox the way producers must: under a temporary name, then renamed.
fn enqueue(inbox: &Path, files: &[PathBuf]) -> Result<()> {
    std::fs::create_dir_all(inbox).with_context(|| format!("creating {}", inbox.display()))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for (i, f) in files.iter().enumerate() {
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or("posts");
        let tmp = inbox.join(format!(".{stem}-{stamp}-{i}.tmp"));
        let dst = inbox.join(format!("{stem}-{stamp}-{i}.jsonl"));
        std::fs::copy(f, &tmp).with_context(|| format!("copying {}", f.display()))?;
        std::fs::rename(&tmp, &dst).with_context(|| format!("moving into {}", inbox.display()))?;
    }
    Ok(())
}

pub fn run(path: Option<PathBuf>, once: bool, files: &[PathBuf], role: &str) -> Result<ExitCode> {
    let path = path.unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    let mut cfg = config::load(&path)?;
    if !files.is_empty() {
        let inbox = cfg
            .sources
            .iter()
            .find_map(|s| match s {
                SourceConfig::Inbox { dir, .. } => Some(dir.clone()),
                _ => None,
            })
            .context("--enqueue needs an inbox source in the config")?;
        enqueue(&inbox, files)?;
    }
    if once {
        for s in &mut cfg.sources {
            if let SourceConfig::Inbox { follow, .. } = s {
                *follow = false;
            }
        }
        // The intake never runs dry: a run that stops when the inboxes are empty leaves it off.
        let before = cfg.sources.len();
        cfg.sources
            .retain(|s| !matches!(s, SourceConfig::Http { .. }));
        if cfg.sources.len() < before {
            tracing::info!("--once: the HTTP feed intake is not started");
        }
    }
    match role {
        "embedded" => {}
        "matcher" => {
            if !cfg
                .sources
                .iter()
                .any(|s| matches!(s, SourceConfig::Kafka { .. }))
            {
                anyhow::bail!("--role matcher needs a kafka source in {}", path.display());
            }
        }
        "intake" => return intake(&path, &cfg),
        "indexer" => return indexer(&path, &cfg),
        "server" => return server_only(&path, &cfg),
        other => {
            anyhow::bail!(
                "unknown role `{other}` (roles: embedded, matcher, intake, indexer, server)"
            )
        }
    }
    // The UI beside the pipeline: its store must exist before the server opens it read-side.
    let server = match (&cfg.server, role) {
        (Some(settings), "embedded") => {
            let keys = Keys::load(&cfg.keys)?;
            drop(doxwatch_store::Store::open(&settings.store, &keys)?);
            Some(server_parts(settings, &keys)?)
        }
        _ => None,
    };
    let plugins = AllPlugins {
        kafka: doxwatch_kafka::KafkaPlugins {
            batch_records: cfg.batch_records,
        },
    };
    let scanner = Arc::new(doxwatch_detect::Scanner::new().context("loading dictionaries")?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let stats = rt.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stop_tx = Arc::new(stop_tx);
        let signal_tx = stop_tx.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("stopping: draining in-flight batches");
            let _ = signal_tx.send(true);
        });
        let server_task = match server {
            // A busy port does not stop the pipeline: the UI is off, and says why.
            Some((scfg, state)) => match tokio::net::TcpListener::bind(scfg.listen).await {
                Ok(listener) => Some(tokio::spawn(doxwatch_server::serve(
                    scfg,
                    state,
                    listener,
                    stop_rx.clone(),
                ))),
                Err(e) => {
                    tracing::error!(listen = %scfg.listen, error = %e, "web UI and API not started (change [server] listen)");
                    None
                }
            },
            None => None,
        };
        let stats = doxwatch_pipeline::runtime::run_with(cfg, scanner, stop_rx, &plugins).await;
        if let Some(task) = server_task {
            if !once {
                // The pipeline ended by itself (stdin closed, inboxes done): keep serving
                // the UI until a signal.
                let mut rx = stop_tx.subscribe();
                while !*rx.borrow() {
                    if rx.changed().await.is_err() {
                        break;
                    }
                }
            }
            let _ = stop_tx.send(true);
            let _ = task.await;
        }
        Ok::<_, anyhow::Error>(stats?)
    })?;
    tracing::info!(
        records = stats.records,
        posts = stats.posts,
        alerts = stats.alerts,
        alerts_by_verdict = ?stats.alerts_by_verdict,
        rejected = ?stats.rejected,
        files_done = stats.files_done,
        "pipeline stopped"
    );
    Ok(ExitCode::SUCCESS)
}

/// The server's settings and state from a pipeline config's `[server]` table.
fn server_parts(
    s: &config::ServerSettings,
    keys: &Keys,
) -> Result<(
    doxwatch_server::ServerConfig,
    Arc<doxwatch_server::AppState>,
)> {
    use doxwatch_leakset::selfcheck::{default_key_path, OprfKey, OprfTable, SelfCheckState};
    let selfcheck = match &s.selfcheck_set {
        None => None,
        Some(set) => {
            let key_path = s
                .selfcheck_oprf_key
                .clone()
                .unwrap_or_else(|| default_key_path(set));
            let table = OprfTable::open(set, OprfKey::load(&key_path, false)?)?;
            tracing::info!(entries = table.len(), "self-check table loaded");
            Some(Arc::new(SelfCheckState::new(
                table,
                s.selfcheck_per_minute,
                (s.selfcheck_per_minute / 3).max(1),
            )))
        }
    };
    let cfg = doxwatch_server::ServerConfig {
        listen: s.listen,
        store_dir: s.store.clone(),
        exports_dir: s.exports.clone(),
        cookie_secure: s.cookie_secure,
        selfcheck,
        public_per_minute: s.public_per_minute,
        max_body_bytes: s.max_body_bytes,
    };
    let state = doxwatch_server::AppState::open(&cfg, keys)
        .with_context(|| format!("opening the store {} for the server", s.store.display()))?;
    Ok((cfg, state))
}

/// `--role server`: the API and UI over a store another process writes.
fn server_only(path: &Path, cfg: &config::Config) -> Result<ExitCode> {
    let settings = cfg
        .server
        .as_ref()
        .with_context(|| format!("--role server needs a [server] table in {}", path.display()))?;
    let keys = Keys::load(&cfg.keys)?;
    let (scfg, state) = server_parts(settings, &keys)?;
    runtime()?.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop_tx.send(true);
        });
        let listener = tokio::net::TcpListener::bind(scfg.listen)
            .await
            .with_context(|| format!("binding {}", scfg.listen))?;
        doxwatch_server::serve(scfg, state, listener, stop_rx).await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Sources and sinks this binary builds beyond the pipeline crate's own: Kafka and the store.
struct AllPlugins {
    kafka: doxwatch_kafka::KafkaPlugins,
}

impl Plugins for AllPlugins {
    fn source(&self, cfg: &SourceConfig) -> Result<Box<dyn Source>, PipelineError> {
        self.kafka.source(cfg)
    }

    fn sink(&self, cfg: &SinkConfig, keys: &Keys) -> Result<Box<dyn Sink>, PipelineError> {
        match cfg {
            SinkConfig::Store { dir } => {
                let store = doxwatch_store::Store::open(dir, keys)
                    .map_err(|e| PipelineError::Io(format!("store {}: {e}", dir.display())))?;
                tracing::info!(dir = %dir.display(), alerts = store.index.len(), "store opened");
                Ok(Box::new(doxwatch_store::StoreSink::new(store)))
            }
            other => self.kafka.sink(other, keys),
        }
    }
}

/// `--role indexer`: the alerts topic into the store. Partitions are assigned by hand from the
/// offsets in the store's last index commit, and each batch is committed to the index together
/// with the offsets after it, so a restart resumes exactly where the index stands.
fn indexer(path: &Path, cfg: &config::Config) -> Result<ExitCode> {
    let (cluster, topic) = cfg
        .sources
        .iter()
        .find_map(|s| doxwatch_kafka::Cluster::of_source(s).map(|(c, t)| (c, t.to_string())))
        .with_context(|| {
            format!(
                "--role indexer needs a kafka source (the alerts topic) in {}",
                path.display()
            )
        })?;
    let dir = cfg
        .sinks
        .iter()
        .find_map(|s| match s {
            SinkConfig::Store { dir } => Some(dir.clone()),
            _ => None,
        })
        .with_context(|| format!("--role indexer needs a store sink in {}", path.display()))?;
    let keys = Keys::load(&cfg.keys)?;
    let mut store = doxwatch_store::Store::open(&dir, &keys)?;
    let key = |p: i32| format!("{topic}/{p}");
    let mut checkpoint = store.checkpoint()?.unwrap_or_default();
    checkpoint.source = format!("kafka:{topic}");
    let start: std::collections::BTreeMap<i32, i64> = checkpoint
        .positions
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(&format!("{topic}/"))?.parse().ok()?, *v)))
        .collect();
    let reader = doxwatch_kafka::PartitionReader::assign(&cluster, &topic, &start)?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let stop = stop.clone();
        std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(shutdown_signal());
            }
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    let (mut alerts_total, mut refused) = (0u64, 0u64);
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        let batch = reader.poll_batch(
            cfg.batch_records.max(1),
            std::time::Duration::from_millis(200),
        )?;
        if batch.is_empty() {
            continue;
        }
        let mut alerts = Vec::with_capacity(batch.len());
        for (p, offset, payload) in batch {
            match serde_json::from_slice::<doxwatch_model::Alert>(&payload) {
                Ok(a) => alerts.push(a),
                Err(e) => {
                    // Left in the topic for inspection; the position and reason are logged.
                    refused += 1;
                    tracing::warn!(partition = p, offset, error = %e.classify_str(), "alert record does not parse; skipped");
                }
            }
            checkpoint.positions.insert(key(p), offset + 1);
        }
        store.ingest(&alerts, &checkpoint)?;
        alerts_total += alerts.len() as u64;
    }
    tracing::info!(
        alerts = alerts_total,
        refused,
        indexed = store.index.len(),
        "indexer stopped"
    );
    Ok(ExitCode::SUCCESS)
}

trait ClassifyStr {
    fn classify_str(&self) -> &'static str;
}

impl ClassifyStr for serde_json::Error {
    fn classify_str(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "eof",
        }
    }
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
}

/// librdkafka client properties given on the command line (`produce`, `consume`, `crawl`), as a
/// config's `properties` table gives them to a pipeline's sources and sinks.
#[derive(clap::Args, Debug, Default)]
pub struct KafkaProperties {
    /// A librdkafka client property, `KEY=VALUE` (repeatable): TLS and SASL for a real cluster
    /// (`security.protocol=SASL_SSL`, `sasl.password=env:KAFKA_PASSWORD`: a value `env:NAME` is
    /// read from that variable). The properties doxwatch sets itself are refused.
    #[arg(long = "property", value_name = "KEY=VALUE")]
    properties: Vec<String>,
}

impl KafkaProperties {
    /// From `KEY=VALUE` arguments taken under another name (`crawl --kafka-property`).
    pub fn new(properties: Vec<String>) -> KafkaProperties {
        KafkaProperties { properties }
    }

    /// The cluster at `brokers` with these properties. Errors name the key, never the value
    /// (a value may be a password).
    pub fn cluster(&self, brokers: &str) -> Result<doxwatch_kafka::Cluster> {
        let mut pairs = Vec::with_capacity(self.properties.len());
        for (k, p) in self.properties.iter().enumerate() {
            let Some((key, value)) = p.split_once('=') else {
                anyhow::bail!("--property number {} is not KEY=VALUE", k + 1);
            };
            pairs.push((key.trim().to_string(), value.to_string()));
        }
        let properties = config::ClientProperties::from_pairs(pairs)
            .map_err(|e| anyhow::anyhow!("--property: {}", e.trim_start_matches("properties: ")))?;
        Ok(doxwatch_kafka::Cluster::with(brokers, &properties))
    }
}

pub fn produce(
    file: &Path,
    brokers: &str,
    properties: &KafkaProperties,
    topic: &str,
    partitions: Option<i32>,
) -> Result<ExitCode> {
    let cluster = properties.cluster(brokers)?;
    let n = runtime()?.block_on(async {
        if let Some(p) = partitions {
            doxwatch_kafka::ensure_topics(&cluster, &[topic], p).await?;
        }
        doxwatch_kafka::produce_file(&cluster, topic, file).await
    })?;
    tracing::info!(records = n, %topic, "produced");
    Ok(ExitCode::SUCCESS)
}

pub fn consume(
    topic: &str,
    brokers: &str,
    properties: &KafkaProperties,
    idle_secs: u64,
) -> Result<ExitCode> {
    let cluster = properties.cluster(brokers)?;
    let n = runtime()?.block_on(doxwatch_kafka::print_topic(&cluster, topic, idle_secs))?;
    eprintln!("doxwatch: {n} record(s) from {topic}");
    Ok(ExitCode::SUCCESS)
}

/// `--role intake`: the config's http source feeding the topic of its kafka sink.
fn intake(path: &Path, cfg: &config::Config) -> Result<ExitCode> {
    let (listen, token_env) = cfg
        .sources
        .iter()
        .find_map(|s| match s {
            SourceConfig::Http { listen, token_env } => Some((*listen, token_env.clone())),
            _ => None,
        })
        .with_context(|| format!("--role intake needs an http source in {}", path.display()))?;
    let (cluster, topic) = cfg
        .sinks
        .iter()
        .find_map(|s| doxwatch_kafka::Cluster::of_sink(s).map(|(c, t)| (c, t.to_string())))
        .with_context(|| {
            format!(
                "--role intake needs a kafka sink (the posts topic) in {}",
                path.display()
            )
        })?;
    let token = std::env::var(&token_env)
        .ok()
        .filter(|t| t.len() >= 16)
        .with_context(|| format!("set {token_env} to a bearer token of at least 16 characters"))?;
    let http = doxwatch_pipeline::http_source::HttpSource {
        listen,
        token,
        max_record_bytes: cfg.max_record_bytes,
        max_body_bytes: 64 << 20,
    };
    let t = topic.clone();
    let n = runtime()?.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop_tx.send(true);
        });
        doxwatch_kafka::run_intake(http, &cluster, &t, stop_rx).await
    })?;
    tracing::info!(posts = n, %topic, "intake stopped");
    Ok(ExitCode::SUCCESS)
}
