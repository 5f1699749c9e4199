//! The runtime of an embedded pipeline: sources → bounded queue → matcher pool → sinks → acks.
//!
//! ```text
//!  source tasks ──Batch──► `workers` matcher threads ─────────────────► sink task ──► ack task
//!     (async)     bounded   (blocking pool, each takes the next batch)     writes,   awaits
//!                                                                              syncs,    the sinks'
//!        ▲                                                                     hands     acks in
//!        └──────────────────────────────── ack ◄────────────────────────────── over      order
//! ```
//!
//! Memory is bounded: the source queue holds at most `queue_batches` batches and at most
//! `workers` batches are being matched. Matching runs on tokio's blocking pool, never on the
//! async worker threads; the matching thread also serializes the batch's alerts for the alerts
//! files and for the sinks that take JSONL ([`Sink::wants_jsonl`]: Kafka), so the sink task
//! only writes bytes. Sinks that are acknowledged asynchronously (Kafka, [`Sink::start_jsonl`])
//! get the next batch while earlier batches' acknowledgements are outstanding; the ack task
//! awaits them in order. A batch is acknowledged to its source only after every sink has
//! written (and synced, or had acknowledged) its alerts; sources checkpoint on
//! acknowledgements. On stop (SIGINT, SIGTERM) sources stop reading, everything in flight
//! drains through the sinks, sources commit, then `run` returns.

use crate::alerts_file_sink::AlertsFileSink;
use crate::config::{Config, SinkConfig, SourceConfig};
use crate::http_source::HttpSource;
use crate::inbox_source::InboxSource;
use crate::keys::Keys;
use crate::matcher::{AlertLines, AlertsAs, Matcher, Outcome, Reject};
use crate::metrics::Metrics;
use crate::records::{Pool, Records};
use crate::stdin_source::StdinSource;
use crate::stdout_sink::StdoutSink;
use crate::webhook_sink::WebhookSink;
use doxwatch_detect::{Scanner, Scratch};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use thiserror::Error;
use tokio::sync::{mpsc, watch};

#[derive(Debug, Error)]
pub enum PipelineError {
    #[error("{0}")]
    Io(String),
    #[error("a pipeline task failed: {0}")]
    Task(String),
}

/// Records read from one source, in order.
pub struct Batch {
    pub source: usize,
    pub seq: u64,
    pub records: Records,
}

struct Matched {
    source: usize,
    seq: u64,
    outcome: Outcome,
    /// The batch's alerts as JSONL, written on the matching thread straight from the scan
    /// results (empty when no sink takes JSONL).
    lines: AlertLines,
    /// The verdict of every alert, in order (the alerts are made as values in `outcome` only
    /// for the sinks that need them).
    verdicts: Vec<doxwatch_model::Verdict>,
    read_at: std::time::Instant,
    /// The raw records the matcher refused, with the reason: the source parks them (a
    /// dead-letter file or topic) before it commits past them.
    rejected: Vec<(Vec<u8>, Reject)>,
}

/// Acknowledgement of a batch: every sink wrote its alerts.
#[derive(Debug)]
pub struct Ack {
    pub seq: u64,
    pub rejected: Vec<(Vec<u8>, Reject)>,
}

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// A source implemented outside this crate (Kafka). Contract: send batches in order with
/// increasing `seq`; commit a batch's position only after its [`Ack`]; on `stop`, stop reading,
/// wait for the acks of what was sent, commit, return.
pub trait Source: Send + 'static {
    fn run(
        self: Box<Self>,
        id: usize,
        out: mpsc::Sender<Batch>,
        acks: mpsc::UnboundedReceiver<Ack>,
        stop: watch::Receiver<bool>,
    ) -> BoxFuture<'static, Result<SourceStats, PipelineError>>;
}

/// A sink implemented outside this crate. Contract: return only when the alerts are durable
/// at the destination (the batch is acknowledged right after).
pub trait Sink: Send + 'static {
    fn write<'a>(
        &'a mut self,
        alerts: &'a [doxwatch_model::Alert],
    ) -> BoxFuture<'a, Result<(), PipelineError>>;

    /// Whether [`write_jsonl`](Sink::write_jsonl) uses the serialized alerts: the matching
    /// thread then serializes them, off the async threads.
    fn wants_jsonl(&self) -> bool {
        false
    }

    /// Whether the sink uses the alerts as values (`alerts` of the methods here). A sink that
    /// only takes JSONL says no, and is given none: the matching thread then writes the JSON
    /// lines straight from the scan results without making owned alerts.
    fn wants_values(&self) -> bool {
        true
    }

    /// [`write`](Sink::write), given also the batch's alerts as JSONL (one line per alert, in
    /// the order of `alerts`, byte for byte what the alerts file holds, and their post ids) when
    /// [`wants_jsonl`](Sink::wants_jsonl) says so; empty otherwise. `alerts` is empty unless
    /// some sink [`wants_values`](Sink::wants_values). Same contract as `write`.
    fn write_jsonl<'a>(
        &'a mut self,
        alerts: &'a [doxwatch_model::Alert],
        lines: &'a AlertLines,
    ) -> BoxFuture<'a, Result<(), PipelineError>> {
        let _ = lines;
        self.write(alerts)
    }

    /// Starts writing a batch: resolves once the alerts are handed over, to a future that
    /// resolves once they are durable at the destination. The runtime starts the next batch
    /// while that future is outstanding and acknowledges batches in the order they were started,
    /// each only after its future resolved. Default: [`write_jsonl`](Sink::write_jsonl), then
    /// nothing outstanding. A sink whose destination acknowledges asynchronously (Kafka) hands
    /// the alerts over here and returns the wait for the acknowledgements.
    fn start_jsonl<'a>(
        &'a mut self,
        alerts: &'a [doxwatch_model::Alert],
        lines: &'a AlertLines,
    ) -> BoxFuture<'a, Result<Outstanding, PipelineError>> {
        Box::pin(async move {
            self.write_jsonl(alerts, lines).await?;
            Ok(Box::pin(std::future::ready(Ok(()))) as Outstanding)
        })
    }
}

/// What a sink still waits for after [`Sink::start_jsonl`] handed a batch over.
pub type Outstanding = BoxFuture<'static, Result<(), PipelineError>>;

/// How many batches the sink stage may have handed to sinks without their acknowledgements (the
/// one being awaited not counted). Batches wait a producer linger plus a broker round trip for
/// their acknowledgements; with one batch at a time the sink stage idled through all of it.
const OUTSTANDING_BATCHES: usize = 4;

/// Builds the sources and sinks of config entries this crate cannot build itself.
pub trait Plugins {
    fn source(&self, cfg: &SourceConfig) -> Result<Box<dyn Source>, PipelineError>;
    fn sink(&self, cfg: &SinkConfig, keys: &Keys) -> Result<Box<dyn Sink>, PipelineError>;
}

/// No plugins: configs with Kafka entries are refused.
pub struct NoPlugins;

impl Plugins for NoPlugins {
    fn source(&self, _: &SourceConfig) -> Result<Box<dyn Source>, PipelineError> {
        Err(PipelineError::Io("this build has no Kafka support".into()))
    }
    fn sink(&self, _: &SinkConfig, _: &Keys) -> Result<Box<dyn Sink>, PipelineError> {
        Err(PipelineError::Io(
            "this build has no Kafka or store support".into(),
        ))
    }
}

#[derive(Debug, Default, Clone)]
pub struct SourceStats {
    pub records: u64,
    pub files: u64,
}

/// Totals of a run, for the closing log line and tests.
#[derive(Debug, Default, Clone)]
pub struct RunStats {
    pub records: u64,
    pub posts: u64,
    pub alerts: u64,
    pub alerts_by_verdict: BTreeMap<&'static str, u64>,
    pub rejected: BTreeMap<&'static str, u64>,
    pub files_done: u64,
}

enum AnySink {
    File(AlertsFileSink),
    Stdout(StdoutSink),
}

/// One matched batch's alerts, as the sinks take them.
type Part = (Arc<Vec<doxwatch_model::Alert>>, Arc<AlertLines>);

impl AnySink {
    /// Writes the batches in order; a file is synced once, after the last.
    fn write(&mut self, parts: &[Part]) -> Result<(), PipelineError> {
        match self {
            AnySink::File(s) => s.write_jsonls(parts.iter().map(|(_, l)| &l.jsonl[..])),
            AnySink::Stdout(s) => parts.iter().try_for_each(|(a, _)| s.write(a)),
        }
    }
}

/// At most this many matched batches go to the files together, under one sync each.
const SYNC_GROUP: usize = 16;

/// Runs the pipeline until its sources are exhausted (inboxes with `follow = false`, stdin at
/// end of input) or `stop` turns true.
pub async fn run(
    cfg: Config,
    scanner: Arc<Scanner>,
    stop: watch::Receiver<bool>,
) -> Result<RunStats, PipelineError> {
    run_with(cfg, scanner, stop, &NoPlugins).await
}

/// [`run`] with sources and sinks built by `plugins` for the entries this crate cannot build.
pub async fn run_with(
    cfg: Config,
    scanner: Arc<Scanner>,
    stop: watch::Receiver<bool>,
    plugins: &dyn Plugins,
) -> Result<RunStats, PipelineError> {
    let keys = crate::keys::Keys::load(&cfg.keys).map_err(|e| PipelineError::Io(e.to_string()))?;
    if keys.hasher.is_none() {
        tracing::warn!(
            env = %cfg.keys.hash_key_env,
            "no hash key (variable unset, no keys.hash_key_file): alerts carry masked values without identifier hashes"
        );
    }
    if keys.vault.is_none() {
        tracing::warn!(
            env = %cfg.keys.vault_key_env,
            "no vault key (variable unset, no keys.vault_key_file): alerts carry no sealed evidence"
        );
    }
    let metrics = Arc::new(Metrics::default());
    if let Some(addr) = cfg.metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| PipelineError::Io(format!("binding {addr}: {e}")))?;
        let m = metrics.clone();
        let mut stop = stop.clone();
        let app = axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let m = m.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "text/plain; version=0.0.4",
                        )],
                        m.render(),
                    )
                }
            }),
        );
        tracing::info!(%addr, "metrics on /metrics");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    while !*stop.borrow() {
                        if stop.changed().await.is_err() {
                            break;
                        }
                    }
                })
                .await;
        });
    }
    let leaks = match (&keys.hasher, cfg.leaksets.is_empty()) {
        (_, true) => doxwatch_leakset::KnownLeaks::default(),
        (None, false) => {
            return Err(PipelineError::Io(format!(
                "matcher.leaksets needs the hash key the sets were built with (${} or keys.hash_key_file)",
                cfg.keys.hash_key_env
            )))
        }
        (Some(h), false) => doxwatch_leakset::KnownLeaks::open(&cfg.leaksets, h)
            .map_err(|e| PipelineError::Io(e.to_string()))?,
    };
    for s in leaks.sets() {
        tracing::info!(set = s.name(), digests = s.len(), "known-leak set loaded");
    }
    let matcher = Arc::new(
        Matcher::new(
            scanner,
            keys.hasher.clone(),
            keys.vault.clone(),
            cfg.alert_on.clone(),
            cfg.max_record_bytes,
            metrics.clone(),
        )
        .with_known_leaks(Arc::new(leaks)),
    );
    let mut sinks = Vec::new();
    let mut webhooks = Vec::new();
    let mut external: Vec<Box<dyn Sink>> = Vec::new();
    for s in &cfg.sinks {
        match s {
            SinkConfig::AlertsFile { path } => {
                sinks.push(AnySink::File(AlertsFileSink::open(path)?))
            }
            SinkConfig::Stdout => sinks.push(AnySink::Stdout(StdoutSink)),
            SinkConfig::Webhook { url, token_env } => {
                let token = token_env.as_ref().and_then(|e| std::env::var(e).ok());
                webhooks.push(WebhookSink::new(url, token)?);
            }
            other => external.push(plugins.sink(other, &keys)?),
        }
    }

    // The matching thread writes the alerts as JSONL for the alerts files, straight from the
    // scan results, and makes them as values only if some sink needs them so: owned alerts
    // cost copies and frees that the JSON lines do not need.
    let want_jsonl = sinks.iter().any(|s| matches!(s, AnySink::File(_)))
        || external.iter().any(|s| s.wants_jsonl());
    let keep_alerts = sinks.iter().any(|s| matches!(s, AnySink::Stdout(_)))
        || !webhooks.is_empty()
        || external.iter().any(|s| s.wants_values());
    let (batch_tx, batch_rx) = mpsc::channel::<Batch>(cfg.queue_batches);
    let (matched_tx, mut matched_rx) = mpsc::channel::<Matched>(cfg.workers.max(1));
    // The matchers hand the inbox sources' batch buffers back (`Pool`). At most as many as can
    // be queued and matched at once are kept: no more are ever in use together.
    let pool = cfg
        .sources
        .iter()
        .any(|s| matches!(s, SourceConfig::Inbox { .. }))
        .then(|| Pool::new(cfg.queue_batches + cfg.workers.max(1)));
    let mut ack_txs = Vec::new();
    let mut source_tasks = Vec::new();
    for (id, s) in cfg.sources.iter().enumerate() {
        let (ack_tx, ack_rx) = mpsc::unbounded_channel::<Ack>();
        ack_txs.push(ack_tx);
        let tx = batch_tx.clone();
        let stop = stop.clone();
        let task = match s.clone() {
            SourceConfig::Inbox { dir, follow } => {
                let src = InboxSource {
                    dir,
                    follow,
                    batch_records: cfg.batch_records,
                    max_record_bytes: cfg.max_record_bytes,
                    pool: pool.clone(),
                };
                tokio::spawn(src.run(id, tx, ack_rx, stop))
            }
            SourceConfig::Stdin if std::io::IsTerminal::is_terminal(&std::io::stdin()) => {
                // Interactive: nothing is piped in, so there is nothing to read.
                drop((tx, ack_rx, stop));
                continue;
            }
            SourceConfig::Stdin => {
                let src = StdinSource {
                    batch_records: cfg.batch_records,
                    max_record_bytes: cfg.max_record_bytes,
                };
                tokio::spawn(src.run(id, tx, ack_rx, stop))
            }
            SourceConfig::Http { listen, token_env } => {
                // An intake without a token would accept posts from anyone on the network.
                let Some(token) = std::env::var(&token_env).ok().filter(|t| t.len() >= 16) else {
                    tracing::warn!(
                        %listen,
                        env = %token_env,
                        "feed intake disabled: the bearer token variable is unset or shorter than 16 characters"
                    );
                    drop((tx, ack_rx, stop));
                    continue;
                };
                let src = HttpSource {
                    listen,
                    token,
                    max_record_bytes: cfg.max_record_bytes,
                    max_body_bytes: 64 << 20,
                };
                tokio::spawn(src.run(id, tx, ack_rx, stop))
            }
            other => tokio::spawn(plugins.source(&other)?.run(id, tx, ack_rx, stop)),
        };
        source_tasks.push(task);
    }
    drop(batch_tx);

    // Matchers: `workers` threads of the blocking pool, each taking the next batch off the
    // source queue, matching it and handing it to the sink stage, until the queue ends. A
    // thread goes on to the next batch itself: with a task and a blocking call a batch, and a
    // permit released on an async worker before the dispatcher could start the next, each
    // batch waited for three wake-ups (a run with 512-record batches took ~0.13 s longer than
    // with 2,048 for the same 320,000 posts). Each thread keeps its scan scratch buffers.
    let how = AlertsAs {
        values: keep_alerts,
        jsonl: want_jsonl,
    };
    let batch_rx = Arc::new(Mutex::new(batch_rx));
    let workers: Vec<_> = (0..cfg.workers.max(1))
        .map(|_| {
            let (matcher, rx, tx) = (matcher.clone(), batch_rx.clone(), matched_tx.clone());
            let pool = pool.clone();
            tokio::task::spawn_blocking(move || {
                let mut scratch = Scratch::default();
                loop {
                    // The lock is held while waiting: one thread waits on the queue, the
                    // others on the lock.
                    let next = rx
                        .lock()
                        .map_err(|e| PipelineError::Task(e.to_string()))?
                        .blocking_recv();
                    let Some(batch) = next else {
                        return Ok::<(), PipelineError>(());
                    };
                    let matched = match_batch(&matcher, &batch, &mut scratch, how);
                    if let Some(pool) = &pool {
                        pool.put(batch.records);
                    }
                    if tx.blocking_send(matched).is_err() {
                        // The sink stage ended; its error is what the run returns.
                        return Ok(());
                    }
                }
            })
        })
        .collect();
    drop(matched_tx);
    let dispatcher = tokio::spawn(async move {
        for w in workers {
            w.await.map_err(|e| PipelineError::Task(e.to_string()))??;
        }
        Ok::<(), PipelineError>(())
    });

    // Acknowledgement stage: awaits, in order, what the sinks still wait for (the broker's
    // acknowledgements), then counts the batch and acknowledges it to its source.
    let (done_tx, mut done_rx) = mpsc::channel::<(Matched, Vec<Outstanding>)>(OUTSTANDING_BATCHES);
    let acker = tokio::spawn(async move {
        let mut stats = RunStats::default();
        let mut suppressed = 0u64;
        let mut last_reject_log: Option<std::time::Instant> = None;
        while let Some((m, outstanding)) = done_rx.recv().await {
            for o in outstanding {
                o.await?;
            }
            acknowledge(
                m,
                &mut stats,
                &metrics,
                &ack_txs,
                &mut suppressed,
                &mut last_reject_log,
            );
        }
        Ok::<_, PipelineError>(stats)
    });

    // Sink stage: write and sync the files, hand the alerts to the other sinks. The batches
    // matched while the last write and sync ran go to the files together, synced once: a sync
    // takes milliseconds, as long as matching a batch or longer on a busy disk, and one sync a
    // batch let the writes fall behind the matchers, to be caught up after the last batch
    // with the cores idle.
    let mut sinks = Some(sinks);
    let mut group = Vec::with_capacity(SYNC_GROUP);
    'sink: while let Some(first) = matched_rx.recv().await {
        group.push(first);
        while group.len() < SYNC_GROUP {
            match matched_rx.try_recv() {
                Ok(m) => group.push(m),
                Err(_) => break,
            }
        }
        let parts: Vec<Part> = group
            .iter_mut()
            .map(|m| {
                let alerts = Arc::new(std::mem::take(&mut m.outcome.alerts));
                (alerts, Arc::new(std::mem::take(&mut m.lines)))
            })
            .collect();
        let mut s = sinks.take().unwrap_or_default();
        if !s.is_empty() {
            let p2 = parts.clone();
            let (back, res) = tokio::task::spawn_blocking(move || {
                let r = s.iter_mut().try_for_each(|sink| sink.write(&p2));
                (s, r)
            })
            .await
            .map_err(|e| PipelineError::Task(e.to_string()))?;
            s = back;
            res?;
        }
        sinks = Some(s);
        for (m, (alerts, lines)) in group.drain(..).zip(parts) {
            for w in &webhooks {
                w.write(&alerts).await?;
            }
            let mut outstanding = Vec::with_capacity(external.len());
            for x in external.iter_mut() {
                outstanding.push(x.start_jsonl(&alerts, &lines).await?);
            }
            drop((alerts, lines));
            if done_tx.send((m, outstanding)).await.is_err() {
                break 'sink; // the acknowledgement stage failed: its error is returned below
            }
        }
    }
    drop(done_tx);
    let mut stats = acker
        .await
        .map_err(|e| PipelineError::Task(e.to_string()))??;
    dispatcher
        .await
        .map_err(|e| PipelineError::Task(e.to_string()))??;
    for t in source_tasks {
        let s = t.await.map_err(|e| PipelineError::Task(e.to_string()))??;
        stats.files_done += s.files;
    }
    Ok(stats)
}

/// Counts an acknowledged batch in the totals and metrics and acknowledges it to its source.
/// Matches one batch on a matcher thread: the alerts as `how` says, the refused records copied
/// out for the source to park.
fn match_batch(matcher: &Matcher, batch: &Batch, scratch: &mut Scratch, how: AlertsAs) -> Matched {
    let read_at = std::time::Instant::now();
    let mut outcome = matcher.match_batch_as(&batch.records, scratch, how);
    let rejected: Vec<(Vec<u8>, Reject)> = outcome
        .rejected
        .iter()
        .map(|&(i, r)| (batch.records.get(i).unwrap_or_default().to_vec(), r))
        .collect();
    let lines = std::mem::take(&mut outcome.lines);
    let verdicts = std::mem::take(&mut outcome.verdicts);
    Matched {
        source: batch.source,
        seq: batch.seq,
        outcome,
        lines,
        verdicts,
        read_at,
        rejected,
    }
}

fn acknowledge(
    m: Matched,
    stats: &mut RunStats,
    metrics: &Metrics,
    ack_txs: &[mpsc::UnboundedSender<Ack>],
    suppressed: &mut u64,
    last_reject_log: &mut Option<std::time::Instant>,
) {
    stats.records += (m.outcome.posts + m.outcome.rejected.len()) as u64;
    stats.posts += m.outcome.posts as u64;
    stats.alerts += m.verdicts.len() as u64;
    for v in &m.verdicts {
        *stats.alerts_by_verdict.entry(v.as_str()).or_default() += 1;
    }
    for (_, r) in &m.outcome.rejected {
        *stats.rejected.entry(Reject::as_str(*r)).or_default() += 1;
    }
    if !m.outcome.rejected.is_empty() {
        // Positions and reasons only (a rejected record may hold personal data), at most
        // one line per second; the counts are exact in the metrics.
        *suppressed += m.outcome.rejected.len() as u64;
        if last_reject_log.is_none_or(|t: std::time::Instant| t.elapsed().as_secs() >= 1) {
            let first = m.outcome.rejected[0];
            tracing::warn!(
                source = m.source,
                batch = m.seq,
                record = first.0,
                reason = first.1.as_str(),
                rejected_since_last_log = *suppressed,
                "records parked in the dead letters"
            );
            *suppressed = 0;
            *last_reject_log = Some(std::time::Instant::now());
        }
    }
    metrics.records_in.fetch_add(
        (m.outcome.posts + m.outcome.rejected.len()) as u64,
        Ordering::Relaxed,
    );
    metrics
        .posts
        .fetch_add(m.outcome.posts as u64, Ordering::Relaxed);
    for &v in &m.verdicts {
        metrics.alert(v);
    }
    for (_, r) in &m.outcome.rejected {
        metrics.rejected(r.as_str());
    }
    metrics.latency(m.read_at.elapsed().as_secs_f64());
    metrics.batches_acked.fetch_add(1, Ordering::Relaxed);
    let _ = ack_txs[m.source].send(Ack {
        seq: m.seq,
        rejected: m.rejected,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    const BATCHES: u64 = 6;

    /// Sends `BATCHES` one-record batches and records, for each ack, its seq and how many
    /// batches the sink had reported durable at that moment.
    struct TestSource {
        acks: Arc<Mutex<Vec<(u64, usize)>>>,
        durable: Arc<AtomicUsize>,
    }

    impl Source for TestSource {
        fn run(
            self: Box<Self>,
            id: usize,
            out: mpsc::Sender<Batch>,
            mut acks: mpsc::UnboundedReceiver<Ack>,
            _stop: watch::Receiver<bool>,
        ) -> BoxFuture<'static, Result<SourceStats, PipelineError>> {
            Box::pin(async move {
                for seq in 1..=BATCHES {
                    let record = format!(
                        r#"{{"id":"p{seq}","text":"扒出来了，本名张伟，手机 138 0013 8000，身份证 11010519491231002X"}}"#
                    );
                    let batch = Batch {
                        source: id,
                        seq,
                        records: [record].into_iter().collect(),
                    };
                    out.send(batch)
                        .await
                        .map_err(|e| PipelineError::Task(e.to_string()))?;
                }
                drop(out);
                for _ in 0..BATCHES {
                    let a = acks.recv().await.expect("an ack per batch");
                    let durable = self.durable.load(Ordering::SeqCst);
                    self.acks.lock().unwrap().push((a.seq, durable));
                }
                Ok(SourceStats::default())
            })
        }
    }

    /// Hands batches over at once; they become durable only when the gate opens, which it
    /// does once three batches were handed over (one outstanding batch at a time would hang).
    struct GatedSink {
        started: usize,
        gate: watch::Sender<bool>,
        durable: Arc<AtomicUsize>,
    }

    impl Sink for GatedSink {
        fn write<'a>(
            &'a mut self,
            _: &'a [doxwatch_model::Alert],
        ) -> BoxFuture<'a, Result<(), PipelineError>> {
            unreachable!("the runtime calls start_jsonl")
        }

        fn start_jsonl<'a>(
            &'a mut self,
            alerts: &'a [doxwatch_model::Alert],
            _: &'a AlertLines,
        ) -> BoxFuture<'a, Result<Outstanding, PipelineError>> {
            assert_eq!(alerts.len(), 1);
            self.started += 1;
            if self.started == 3 {
                let _ = self.gate.send(true);
            }
            let mut gate = self.gate.subscribe();
            let durable = self.durable.clone();
            Box::pin(async move {
                Ok(Box::pin(async move {
                    let _ = gate.wait_for(|open| *open).await;
                    durable.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }) as Outstanding)
            })
        }
    }

    struct TestPlugins {
        acks: Arc<Mutex<Vec<(u64, usize)>>>,
        durable: Arc<AtomicUsize>,
    }

    impl Plugins for TestPlugins {
        fn source(&self, _: &SourceConfig) -> Result<Box<dyn Source>, PipelineError> {
            Ok(Box::new(TestSource {
                acks: self.acks.clone(),
                durable: self.durable.clone(),
            }))
        }
        fn sink(&self, _: &SinkConfig, _: &Keys) -> Result<Box<dyn Sink>, PipelineError> {
            Ok(Box::new(GatedSink {
                started: 0,
                gate: watch::channel(false).0,
                durable: self.durable.clone(),
            }))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn batches_are_handed_over_before_earlier_acks_and_acked_in_order() {
        let path = std::path::Path::new("test.toml");
        let cfg = crate::config::RawConfig::parse(
            path,
            "version = 1\n[matcher]\nworkers = 1\n\
             [[sources]]\ntype = \"kafka\"\nbrokers = \"b\"\ntopic = \"t\"\ngroup = \"g\"\ndlq_topic = \"d\"\n\
             [[sinks]]\ntype = \"kafka\"\nbrokers = \"b\"\ntopic = \"a\"\n",
        )
        .unwrap()
        .validate(path)
        .unwrap();
        let plugins = TestPlugins {
            acks: Arc::default(),
            durable: Arc::default(),
        };
        let scanner = Arc::new(Scanner::new().unwrap());
        let (_stop_tx, stop) = watch::channel(false);
        let stats = run_with(cfg, scanner, stop, &plugins).await.unwrap();
        assert_eq!(stats.alerts, BATCHES);
        let acks = plugins.acks.lock().unwrap().clone();
        let seqs: Vec<u64> = acks.iter().map(|a| a.0).collect();
        assert_eq!(seqs, (1..=BATCHES).collect::<Vec<_>>());
        for (i, &(_, durable)) in acks.iter().enumerate() {
            assert!(durable > i, "batch {} acked before it was durable", i + 1);
        }
    }
}
