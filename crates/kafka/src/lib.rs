//! Kafka for doxwatch: the only crate that links librdkafka (rdkafka's bundled build).
//!
//! - [`KafkaSource`]: a consumer-group member reading `doxwatch.posts.v1`. Offsets are stored
//!   and committed only for batches whose alerts every sink wrote (at-least-once; `alert_id` is
//!   deterministic, so a replay is harmless). Records the matcher refuses are produced to the
//!   dead-letter topic with the reason in the `doxwatch-reason` header before their offsets are
//!   committed.
//! - [`KafkaSink`]: an idempotent producer (`acks=all`) writing alerts to `doxwatch.alerts.v1`,
//!   key = post id. `start_jsonl` enqueues a batch and returns the wait for the broker's
//!   acknowledgement of every alert (one counter per batch, decremented by the delivery
//!   callback); `write` awaits it.
//! - [`KafkaPlugins`]: builds both from pipeline config entries for
//!   `doxwatch_pipeline::runtime::run_with`.
//! - [`produce_file`], [`ensure_topics`]: `doxwatch produce` and topic set-up for demos/tests.

mod fetch_queue;
mod partition_reader;
use fetch_queue::FetchQueue;
pub use partition_reader::{PartitionReader, Record};

use doxwatch_model::{Alert, PostRef};
use doxwatch_pipeline::config::{ClientProperties, SinkConfig, SourceConfig};
use doxwatch_pipeline::matcher::AlertLines;
use doxwatch_pipeline::records::Records;
use doxwatch_pipeline::runtime::{
    Ack, Batch, BoxFuture, Outstanding, PipelineError, Plugins, Sink, Source, SourceStats,
};
use futures_util::{FutureExt, StreamExt};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{
    BaseRecord, DeliveryResult, FutureProducer, FutureRecord, ProducerContext, ThreadedProducer,
};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Message, Offset, TopicPartitionList};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

fn kerr(what: &str, e: impl std::fmt::Display) -> PipelineError {
    PipelineError::Io(format!("kafka: {what}: {e}"))
}

/// Producer settings a `properties` table may change.
const PRODUCER_DEFAULTS: &[(&str, &str)] = &[("linger.ms", "5"), ("message.timeout.ms", "30000")];

/// The matcher's consumer settings a `properties` table may change. Larger fetches (8 MiB a
/// partition instead of librdkafka's 1 MiB, at least 500,000 records prefetched instead of
/// 100,000, still capped by `queued.max.messages.kbytes`, 64 MiB) mean fewer fetch requests for
/// the broker to serve: about +5 % posts/s in `benches/kafka.rs` with the broker on the same two
/// cores (benches/README, Kafka mode, session 11).
const MATCHER_CONSUMER_DEFAULTS: &[(&str, &str)] = &[
    ("max.partition.fetch.bytes", "8388608"),
    ("queued.min.messages", "500000"),
    ("fetch.wait.max.ms", "100"),
    ("session.timeout.ms", "10000"),
];

/// A Kafka cluster as a config names it: its brokers, and the librdkafka properties its
/// clients need there (TLS, SASL, tuning; see [`ClientProperties`]).
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    pub brokers: String,
    pub properties: ClientProperties,
}

impl Cluster {
    /// A cluster reached with no properties (loopback brokers, the `produce` and `consume`
    /// commands).
    pub fn plain(brokers: &str) -> Cluster {
        Cluster::with(brokers, &ClientProperties::default())
    }

    /// The cluster and topic a Kafka source reads.
    pub fn of_source(cfg: &SourceConfig) -> Option<(Cluster, &str)> {
        match cfg {
            SourceConfig::Kafka {
                brokers,
                topic,
                properties,
                ..
            } => Some((Cluster::with(brokers, properties), topic)),
            _ => None,
        }
    }

    /// The cluster and topic a Kafka sink writes.
    pub fn of_sink(cfg: &SinkConfig) -> Option<(Cluster, &str)> {
        match cfg {
            SinkConfig::Kafka {
                brokers,
                topic,
                properties,
            } => Some((Cluster::with(brokers, properties), topic)),
            _ => None,
        }
    }

    /// A cluster reached with `properties` (the `produce`, `consume` and `crawl` commands'
    /// `--property` arguments, checked as a config's are).
    pub fn with(brokers: &str, properties: &ClientProperties) -> Cluster {
        Cluster {
            brokers: brokers.to_string(),
            properties: properties.clone(),
        }
    }

    /// A client configuration for this cluster: the brokers, then the properties (with their
    /// `env:` values read). Callers set the properties doxwatch owns after this.
    fn client(&self) -> Result<ClientConfig, PipelineError> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", &self.brokers);
        for (k, v) in self
            .properties
            .resolve()
            .map_err(|e| kerr("client properties", e))?
        {
            c.set(k, v);
        }
        Ok(c)
    }

    /// [`Cluster::client`] with `defaults` for the properties not given.
    fn client_with(&self, defaults: &[(&str, &str)]) -> Result<ClientConfig, PipelineError> {
        let mut c = self.client()?;
        for (k, v) in defaults {
            if !self.properties.has(k) {
                c.set(*k, *v);
            }
        }
        Ok(c)
    }

    fn producer_config(&self) -> Result<ClientConfig, PipelineError> {
        // Idempotence and `acks` are set last: a property may not change them (they are
        // refused in `properties`).
        let mut c = self.client_with(PRODUCER_DEFAULTS)?;
        c.set("enable.idempotence", "true").set("acks", "all");
        Ok(c)
    }

    fn producer(&self) -> Result<FutureProducer, PipelineError> {
        self.producer_config()?
            .create()
            .map_err(|e| kerr("creating producer", e))
    }
}

/// Enqueues a record (its payload is copied), waiting while the local queue is full; the
/// returned future resolves when the broker acknowledged it.
async fn enqueue<K: rdkafka::message::ToBytes + ?Sized, P: rdkafka::message::ToBytes + ?Sized>(
    producer: &FutureProducer,
    mut record: FutureRecord<'_, K, P>,
    what: &str,
) -> Result<rdkafka::producer::DeliveryFuture, PipelineError> {
    loop {
        match producer.send_result(record) {
            Ok(f) => return Ok(f),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                record = r;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err((e, _)) => return Err(kerr(what, e)),
        }
    }
}

/// Waits for the broker's acknowledgement of every enqueued record.
async fn delivered(
    futures: Vec<rdkafka::producer::DeliveryFuture>,
    what: &str,
) -> Result<u64, PipelineError> {
    let mut n = 0;
    for f in futures {
        match f.await {
            Ok(Ok(_)) => n += 1,
            Ok(Err((e, _))) => return Err(kerr(what, e)),
            Err(_) => return Err(kerr(what, "delivery canceled")),
        }
    }
    Ok(n)
}

/// Creates the topics that do not exist yet (one replica: tests and single-broker demos).
pub async fn ensure_topics(
    cluster: &Cluster,
    topics: &[&str],
    partitions: i32,
) -> Result<(), PipelineError> {
    let admin: AdminClient<DefaultClientContext> = cluster
        .client()?
        .create()
        .map_err(|e| kerr("creating admin client", e))?;
    let new: Vec<NewTopic> = topics
        .iter()
        .map(|t| NewTopic::new(t, partitions, TopicReplication::Fixed(1)))
        .collect();
    let res = admin
        .create_topics(
            &new,
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        )
        .await
        .map_err(|e| kerr("creating topics", e))?;
    for r in res {
        if let Err((t, code)) = r {
            if code != rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists {
                return Err(kerr(&format!("creating topic {t}"), code));
            }
        }
    }
    Ok(())
}

/// The Kafka key of a record: a post's `id` or an alert's `post_id` (empty if neither, or if
/// the record is not JSON), as `serde_json::Value` gives it
/// (`v.get("id").or_else(|| v.get("post_id")).and_then(Value::as_str)`). A common post record
/// is read by the matcher's post reader held to `Value`'s checks ([`PostRef::value_id`]),
/// without building the `Value` (a map, a `String` per key and string: ~26 k instructions a
/// dev.jsonl record, for every post `doxwatch produce` loads and the intake produces;
/// callgrind, benches/kafka.rs' preload, 14.6 k -> 6.4 k a record). Any other record (an
/// alert, an unusual form) is parsed as a `Value`.
fn record_key(record: &[u8]) -> String {
    if let Some(id) = std::str::from_utf8(record).ok().and_then(PostRef::value_id) {
        return id.0.into_owned();
    }
    serde_json::from_slice::<serde_json::Value>(record)
        .ok()
        .and_then(|v| {
            v.get("id")
                .or_else(|| v.get("post_id"))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

/// Loads a JSONL file of posts (key = `id`) or alerts (key = `post_id`) into a topic; returns
/// the number produced.
pub async fn produce_file(
    cluster: &Cluster,
    topic: &str,
    path: &std::path::Path,
) -> Result<u64, PipelineError> {
    let text = tokio::fs::read(path)
        .await
        .map_err(|e| PipelineError::Io(format!("reading {}: {e}", path.display())))?;
    let p = cluster.producer()?;
    let mut n = 0u64;
    let mut futures = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let key = record_key(line);
        let record = FutureRecord::to(topic).key(&key).payload(line);
        futures.push(enqueue(&p, record, "producing").await?);
        if futures.len() >= 10_000 {
            n += delivered(std::mem::take(&mut futures), "producing").await?;
        }
    }
    n += delivered(futures, "producing").await?;
    Ok(n)
}

/// Prints a topic's records (payload; the `doxwatch-reason` header as a JSON wrapper when
/// present) as lines until no record arrives for `idle_secs`. Reads with a throw-away group from
/// the beginning and commits nothing.
pub async fn print_topic(
    cluster: &Cluster,
    topic: &str,
    idle_secs: u64,
) -> Result<u64, PipelineError> {
    use std::io::Write;
    let group = format!(
        "doxwatch-consume-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let consumer: StreamConsumer = cluster
        .client()?
        .set("group.id", &group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("session.timeout.ms", "10000")
        .create()
        .map_err(|e| kerr("creating consumer", e))?;
    consumer
        .subscribe(&[topic])
        .map_err(|e| kerr("subscribing", e))?;
    let mut n = 0u64;
    let mut out = std::io::stdout().lock();
    // The first record can take a consumer-group join (seconds on some brokers).
    let mut wait = Duration::from_secs(idle_secs.max(1) + 10);
    while let Ok(m) = tokio::time::timeout(wait, consumer.recv()).await {
        let m = m.map_err(|e| kerr("consuming", e))?;
        let payload = String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned();
        let reason = m.headers().and_then(|h| {
            use rdkafka::message::Headers;
            h.iter()
                .find(|x| x.key == "doxwatch-reason")
                .and_then(|x| x.value.map(|v| String::from_utf8_lossy(v).into_owned()))
        });
        let line = match reason {
            Some(r) => serde_json::json!({"reason": r, "payload": payload}).to_string(),
            None => payload,
        };
        let _ = writeln!(out, "{line}");
        n += 1;
        wait = Duration::from_secs(idle_secs.max(1));
    }
    Ok(n)
}

/// `--role intake`: the HTTP feed intake writing accepted posts into a topic (key = post id).
/// A request is answered only after the broker acknowledged its records. Returns the number of
/// records produced.
pub async fn run_intake(
    http: doxwatch_pipeline::http_source::HttpSource,
    cluster: &Cluster,
    topic: &str,
    stop: watch::Receiver<bool>,
) -> Result<u64, PipelineError> {
    let producer = cluster.producer()?;
    let (tx, mut rx) = mpsc::channel::<Batch>(4);
    let (ack_tx, ack_rx) = mpsc::unbounded_channel::<Ack>();
    let server = tokio::spawn(http.run(0, tx, ack_rx, stop));
    let mut n = 0u64;
    while let Some(batch) = rx.recv().await {
        let mut futures = Vec::with_capacity(batch.records.len());
        for raw in &batch.records {
            // Records were validated by the intake: the id is there.
            let key = record_key(raw);
            let record = FutureRecord::to(topic).key(&key).payload(raw);
            futures.push(enqueue(&producer, record, "producing post").await?);
        }
        n += delivered(futures, "producing post").await?;
        let _ = ack_tx.send(Ack {
            seq: batch.seq,
            rejected: Vec::new(),
        });
    }
    server
        .await
        .map_err(|e| PipelineError::Task(e.to_string()))??;
    Ok(n)
}

/// One batch's acknowledgements, counted down by the producer's delivery callback: the sink's
/// wait is woken once, by the last acknowledgement or the first failure. (A `FutureProducer`
/// made a oneshot channel and a boxed future per alert, and the sink awaited them one by one:
/// ~9 k instructions per alert on the async threads.)
struct BatchAcks {
    remaining: AtomicUsize,
    /// The first failure's message (the error only: never the message, an alert).
    done: Mutex<Option<oneshot::Sender<Result<(), String>>>>,
}

impl BatchAcks {
    fn finish(&self, r: Result<(), String>) {
        let tx = self.done.lock().ok().and_then(|mut d| d.take());
        if let Some(tx) = tx {
            let _ = tx.send(r);
        }
    }
}

/// The alerts producer's context: every message carries its batch's [`BatchAcks`].
struct CountAcks;

impl rdkafka::client::ClientContext for CountAcks {}

impl ProducerContext for CountAcks {
    type DeliveryOpaque = Arc<BatchAcks>;

    fn delivery(&self, result: &DeliveryResult<'_>, acks: Arc<BatchAcks>) {
        match result {
            Ok(_) => {
                if acks.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                    acks.finish(Ok(()));
                }
            }
            Err((e, _)) => acks.finish(Err(e.to_string())),
        }
    }
}

pub struct KafkaSink {
    producer: ThreadedProducer<CountAcks>,
    topic: String,
}

impl KafkaSink {
    pub fn new(cluster: &Cluster, topic: &str) -> Result<KafkaSink, PipelineError> {
        let producer = cluster
            .producer_config()?
            .create_with_context(CountAcks)
            .map_err(|e| kerr("creating producer", e))?;
        Ok(KafkaSink {
            producer,
            topic: topic.to_string(),
        })
    }

    /// Enqueues one record per alert (key = post id, payload = its line of `payloads`; copied
    /// into librdkafka's queue) and returns the wait for the broker's acknowledgement of all of
    /// them.
    async fn enqueue_batch<'p>(
        &self,
        post_ids: &'p Records,
        payloads: impl Iterator<Item = &'p [u8]>,
    ) -> Result<Outstanding, PipelineError> {
        if post_ids.is_empty() {
            return Ok(Box::pin(std::future::ready(Ok(()))));
        }
        let (tx, rx) = oneshot::channel();
        let acks = Arc::new(BatchAcks {
            remaining: AtomicUsize::new(post_ids.len()),
            done: Mutex::new(Some(tx)),
        });
        for (key, payload) in post_ids.iter().zip(payloads) {
            let mut record = BaseRecord::with_opaque_to(&self.topic, acks.clone())
                .key(key)
                .payload(payload);
            loop {
                match self.producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                        record = r;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    Err((e, _)) => return Err(kerr("producing alert", e)),
                }
            }
        }
        Ok(Box::pin(async move {
            match rx.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(kerr("producing alert", e)),
                Err(_) => Err(kerr("producing alert", "delivery canceled")),
            }
        }))
    }
}

impl Sink for KafkaSink {
    fn write<'a>(&'a mut self, alerts: &'a [Alert]) -> BoxFuture<'a, Result<(), PipelineError>> {
        Box::pin(async move {
            let lines = AlertLines::of(alerts);
            self.write_jsonl(&[], &lines).await
        })
    }

    fn wants_jsonl(&self) -> bool {
        true
    }

    /// The lines and their post ids are all this sink needs: the matching thread writes them
    /// straight from the scan results, without owned alerts.
    fn wants_values(&self) -> bool {
        false
    }

    fn write_jsonl<'a>(
        &'a mut self,
        alerts: &'a [Alert],
        lines: &'a AlertLines,
    ) -> BoxFuture<'a, Result<(), PipelineError>> {
        Box::pin(async move { self.start_jsonl(alerts, lines).await?.await })
    }

    /// The payloads are the lines written on the matching thread (the bytes of
    /// `Alert::write_json`), the keys their post ids, so nothing is serialized on the async
    /// threads. Returns once they are in librdkafka's queue; the runtime hands the next batch
    /// over while the broker acknowledges this one.
    fn start_jsonl<'a>(
        &'a mut self,
        _: &'a [Alert],
        lines: &'a AlertLines,
    ) -> BoxFuture<'a, Result<Outstanding, PipelineError>> {
        Box::pin(async move {
            // The lines' ends by memchr: a byte-at-a-time split (and count) of the ~1.2 kB lines
            // cost ~5 k instructions per alert.
            let jsonl = &lines.jsonl;
            let ends: Vec<usize> = memchr::memchr_iter(b'\n', jsonl).collect();
            if ends.len() != lines.post_ids.len()
                || ends.last().map_or(0, |&e| e + 1) != jsonl.len()
            {
                return Err(kerr("producing alerts", "not one line per alert"));
            }
            let starts = std::iter::once(0).chain(ends.iter().map(|&e| e + 1));
            let payloads = starts.zip(&ends).map(|(s, &e)| &jsonl[s..e]);
            self.enqueue_batch(&lines.post_ids, payloads).await
        })
    }
}

pub struct KafkaSource {
    pub cluster: Cluster,
    pub topic: String,
    pub group: String,
    pub dlq_topic: String,
    pub create_partitions: Option<i32>,
    pub batch_records: usize,
}

/// The matcher's consumer context: logs partition assignments and revocations (ids only), and
/// forwards each assigned partition to the source's [`FetchQueue`] before rdkafka assigns it.
#[derive(Default)]
pub struct RebalanceLog {
    /// Set once the consumer exists; taken away before the queue is destroyed.
    fetch: Mutex<Option<Arc<FetchQueue>>>,
}

impl rdkafka::client::ClientContext for RebalanceLog {}

impl rdkafka::consumer::ConsumerContext for RebalanceLog {
    fn pre_rebalance(
        &self,
        consumer: &rdkafka::consumer::BaseConsumer<Self>,
        r: &rdkafka::consumer::Rebalance<'_>,
    ) {
        match r {
            rdkafka::consumer::Rebalance::Assign(tpl) => {
                tracing::info!(partitions = tpl.count(), "partitions assigned");
                let fetch = self.fetch.lock().ok().and_then(|f| f.clone());
                if let Some(fetch) = fetch {
                    let rk = consumer.client().native_ptr();
                    for e in tpl.elements() {
                        // SAFETY: `rk` is the live client the queue was made of (the queue
                        // is taken out of this context before it is destroyed).
                        unsafe { fetch.forward(rk, e.topic(), e.partition()) };
                    }
                }
            }
            rdkafka::consumer::Rebalance::Revoke(tpl) => {
                // Nothing past an acknowledged batch was ever committed, so whoever gets these
                // partitions resumes at or before our last alert: no loss.
                tracing::info!(partitions = tpl.count(), "partitions revoked")
            }
            rdkafka::consumer::Rebalance::Error(e) => tracing::warn!(error = %e, "rebalance error"),
        }
    }
}

/// Records not yet consumed by this member over its assigned partitions (high watermark minus
/// position). Blocking: call off the async threads.
fn lag_of(c: &StreamConsumer<RebalanceLog>) -> Option<i64> {
    let positions = c.position().ok()?;
    let mut lag = 0i64;
    for e in positions.elements() {
        let (_, high) = c
            .fetch_watermarks(e.topic(), e.partition(), Duration::from_secs(2))
            .ok()?;
        if let Offset::Offset(p) = e.offset() {
            lag += (high - p).max(0);
        }
    }
    Some(lag)
}

/// The lag as a process-wide gauge read by the metrics endpoint.
fn lag_gauge(group: &str, topic: &str, lag: Option<i64>) {
    if let Some(l) = lag {
        doxwatch_pipeline::metrics::set_consumer_lag(l.max(0) as u64);
        tracing::debug!(group, topic, lag = l, "consumer lag");
    }
}

/// Per batch: the next offset to commit for each partition it touched (a member reads a few
/// partitions, so a list searched from its end, where the last record's partition is: hashing
/// the partition of every record into a map was ~100 instructions a record).
type Positions = Vec<(i32, i64)>;

/// Notes that `offset` is the next one to commit for `partition`.
fn advance(positions: &mut Positions, partition: i32, offset: i64) {
    match positions.iter_mut().rev().find(|(p, _)| *p == partition) {
        Some((_, o)) => *o = offset,
        None => positions.push((partition, offset)),
    }
}

/// The matcher's consumer and its [`FetchQueue`], which must be destroyed while the consumer's
/// client lives: dropped queue first (the field order), after the context let go of it.
struct BatchConsumer {
    fetch: Arc<FetchQueue>,
    consumer: Arc<StreamConsumer<RebalanceLog>>,
}

impl BatchConsumer {
    fn new(consumer: StreamConsumer<RebalanceLog>, batch_records: usize) -> BatchConsumer {
        // SAFETY: the client lives as long as `consumer`, which `BatchConsumer` drops after
        // the queue (its field order; the context's copy is taken out in `drop` first).
        let fetch =
            Arc::new(unsafe { FetchQueue::new(consumer.client().native_ptr(), batch_records) });
        if let Ok(mut f) = consumer.context().fetch.lock() {
            *f = Some(fetch.clone());
        }
        BatchConsumer {
            fetch,
            consumer: Arc::new(consumer),
        }
    }
}

impl Drop for BatchConsumer {
    fn drop(&mut self) {
        if let Ok(mut f) = self.consumer.context().fetch.lock() {
            f.take();
        }
    }
}

/// Adds a consumed record to the batch being gathered.
fn take(
    m: Result<rdkafka::message::BorrowedMessage<'_>, KafkaError>,
    records: &mut Records,
    positions: &mut Positions,
) -> Result<(), PipelineError> {
    let m = m.map_err(|e| kerr("consuming", e))?;
    // Copied once, into the batch's one buffer: the message's memory belongs to librdkafka
    // until the message is dropped, here.
    records.push(m.payload().unwrap_or_default());
    advance(positions, m.partition(), m.offset() + 1);
    Ok(())
}

impl KafkaSource {
    async fn park(
        &self,
        dlq: &FutureProducer,
        rejected: &[(Vec<u8>, doxwatch_pipeline::matcher::Reject)],
    ) -> Result<(), PipelineError> {
        for (raw, why) in rejected {
            let headers = OwnedHeaders::new().insert(Header {
                key: "doxwatch-reason",
                value: Some(why.as_str()),
            });
            dlq.send(
                FutureRecord::<(), _>::to(&self.dlq_topic)
                    .payload(raw)
                    .headers(headers),
                Duration::from_secs(30),
            )
            .await
            .map_err(|(e, _)| kerr("producing to the dead-letter topic", e))?;
        }
        Ok(())
    }

    fn commit(
        &self,
        consumer: &StreamConsumer<RebalanceLog>,
        pending: &mut BTreeMap<u64, Positions>,
        acked: &mut BTreeSet<u64>,
        mode: CommitMode,
    ) -> Result<(), PipelineError> {
        let mut merged: HashMap<i32, i64> = HashMap::new();
        while let Some((&seq, _)) = pending.iter().next() {
            if !acked.remove(&seq) {
                break;
            }
            if let Some(pos) = pending.remove(&seq) {
                for (p, o) in pos {
                    let e = merged.entry(p).or_insert(o);
                    *e = (*e).max(o);
                }
            }
        }
        if merged.is_empty() {
            return Ok(());
        }
        let mut tpl = TopicPartitionList::new();
        for (p, o) in merged {
            tpl.add_partition_offset(&self.topic, p, Offset::Offset(o))
                .map_err(|e| kerr("building commit", e))?;
        }
        consumer
            .commit(&tpl, mode)
            .map_err(|e| kerr("committing offsets", e))
    }

    async fn run_inner(
        self,
        id: usize,
        out: mpsc::Sender<Batch>,
        mut acks: mpsc::UnboundedReceiver<Ack>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<SourceStats, PipelineError> {
        if let Some(p) = self.create_partitions {
            ensure_topics(&self.cluster, &[&self.topic, &self.dlq_topic], p).await?;
        }
        let consumer: StreamConsumer<RebalanceLog> = self
            .cluster
            .client_with(MATCHER_CONSUMER_DEFAULTS)?
            .set("group.id", &self.group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .create_with_context(RebalanceLog::default())
            .map_err(|e| kerr("creating consumer", e))?;
        let batch = BatchConsumer::new(consumer, self.batch_records);
        let (consumer, fetch) = (&batch.consumer, &*batch.fetch);
        consumer
            .subscribe(&[&self.topic])
            .map_err(|e| kerr("subscribing", e))?;
        let dlq = self.cluster.producer()?;
        let mut stats = SourceStats::default();
        let mut seq = 0u64;
        let mut pending: BTreeMap<u64, Positions> = BTreeMap::new();
        let mut acked: BTreeSet<u64> = BTreeSet::new();
        let mut records = Records::default();
        let mut positions: Positions = Vec::new();
        // A partial batch is sent at most `linger` after its first record. One timer, reset per
        // batch: a fresh `sleep` in every turn of the loop registered and dropped a timer per
        // record.
        let linger = Duration::from_millis(20);
        let flush = tokio::time::sleep(linger);
        tokio::pin!(flush);
        let mut lag_tick = tokio::time::interval(Duration::from_secs(5));
        // One stream for the whole loop: `recv()` makes a stream per message, and each one
        // registers its waker slot under the consumer's lock and removes it again.
        let mut messages = consumer.stream();
        // The last read from `fetch` filled the batch: more may wait there, with no wake-up.
        let mut more_fetched = false;
        loop {
            let flush_due = !records.is_empty();
            tokio::select! {
                _ = lag_tick.tick() => {
                    let c = consumer.clone();
                    if let Ok(lag) = tokio::task::spawn_blocking(move || lag_of(&c)).await {
                        lag_gauge(&self.group, &self.topic, lag);
                    }
                    continue;
                }
                _ = fetch.ready(more_fetched) => {
                    let was_empty = records.is_empty();
                    let want = self.batch_records - records.len();
                    let took = fetch.take_into(want, &mut records, |p, o| {
                        advance(&mut positions, p, o)
                    })?;
                    more_fetched = took == want;
                    if was_empty && took > 0 {
                        flush.as_mut().reset(tokio::time::Instant::now() + linger);
                    }
                    if records.len() < self.batch_records {
                        continue;
                    }
                }
                // The group's events, and the records of a partition not forwarded to `fetch`.
                Some(m) = messages.next() => {
                    if records.is_empty() {
                        flush.as_mut().reset(tokio::time::Instant::now() + linger);
                    }
                    take(m, &mut records, &mut positions)?;
                    // Take what librdkafka has already fetched without another turn of the
                    // `select!` (its five branches cost more than a record).
                    while records.len() < self.batch_records {
                        match messages.next().now_or_never() {
                            Some(Some(m)) => take(m, &mut records, &mut positions)?,
                            _ => break,
                        }
                    }
                    if records.len() < self.batch_records {
                        continue;
                    }
                }
                Some(a) = acks.recv() => {
                    self.park(&dlq, &a.rejected).await?;
                    acked.insert(a.seq);
                    self.commit(consumer, &mut pending, &mut acked, CommitMode::Async)?;
                    continue;
                }
                _ = &mut flush, if flush_due => {}
                r = stop.changed() => {
                    if r.is_err() || *stop.borrow() {
                        break;
                    }
                    continue;
                }
            }
            if records.is_empty() {
                continue;
            }
            seq += 1;
            stats.records += records.len() as u64;
            pending.insert(seq, std::mem::take(&mut positions));
            // The next batch's buffer is sized as this one's, so that it fills without growing.
            let next =
                Records::with_capacity(self.batch_records, records.bytes() + records.bytes() / 8);
            let batch = Batch {
                source: id,
                seq,
                records: std::mem::replace(&mut records, next),
            };
            if out.send(batch).await.is_err() {
                break;
            }
        }
        // Drain: wait for the acks of every batch sent, then commit synchronously.
        drop(out);
        while !pending.is_empty() {
            match acks.recv().await {
                Some(a) => {
                    self.park(&dlq, &a.rejected).await?;
                    acked.insert(a.seq);
                    self.commit(consumer, &mut pending, &mut acked, CommitMode::Sync)?;
                }
                None => break,
            }
        }
        Ok(stats)
    }
}

impl Source for KafkaSource {
    fn run(
        self: Box<Self>,
        id: usize,
        out: mpsc::Sender<Batch>,
        acks: mpsc::UnboundedReceiver<Ack>,
        stop: watch::Receiver<bool>,
    ) -> BoxFuture<'static, Result<SourceStats, PipelineError>> {
        Box::pin((*self).run_inner(id, out, acks, stop))
    }
}

/// Builds Kafka sources and sinks from pipeline config entries.
pub struct KafkaPlugins {
    pub batch_records: usize,
}

impl Plugins for KafkaPlugins {
    fn source(&self, cfg: &SourceConfig) -> Result<Box<dyn Source>, PipelineError> {
        match (cfg, Cluster::of_source(cfg)) {
            (
                SourceConfig::Kafka {
                    group,
                    dlq_topic,
                    create_partitions,
                    ..
                },
                Some((cluster, topic)),
            ) => Ok(Box::new(KafkaSource {
                cluster,
                topic: topic.to_string(),
                group: group.clone(),
                dlq_topic: dlq_topic.clone(),
                create_partitions: *create_partitions,
                batch_records: self.batch_records,
            })),
            (other, _) => Err(PipelineError::Io(format!("not a kafka source: {other:?}"))),
        }
    }

    fn sink(
        &self,
        cfg: &SinkConfig,
        _keys: &doxwatch_pipeline::keys::Keys,
    ) -> Result<Box<dyn Sink>, PipelineError> {
        match Cluster::of_sink(cfg) {
            Some((cluster, topic)) => Ok(Box::new(KafkaSink::new(&cluster, topic)?)),
            None => Err(PipelineError::Io(format!("not a kafka sink: {cfg:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key as `serde_json::Value` gave it, for the records `record_key` must agree on:
    /// the dev corpus, and the forms where `Value` refuses what a lenient skip would pass.
    #[test]
    fn record_keys_are_what_serde_json_value_gives() {
        let by_value = |r: &[u8]| {
            serde_json::from_slice::<serde_json::Value>(r)
                .ok()
                .and_then(|v| {
                    v.get("id")
                        .or_else(|| v.get("post_id"))
                        .and_then(|i| i.as_str())
                        .map(str::to_string)
                })
                .unwrap_or_default()
        };
        let deep = |n: usize| format!(r#"{{"id":"d","x":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
        let mut cases: Vec<String> = [
            r#"{"id":"weibo:1","text":"x"}"#,
            r#"{"post_id":"weibo:2","alert_id":"a"}"#,
            r#"{"id":"a","post_id":"b"}"#,
            r#"{"post_id":"b","id":"a"}"#,
            r#"{"id":7,"post_id":"b"}"#,
            r#"{"id":null,"post_id":"b"}"#,
            r#"{"id":["a"],"post_id":"b"}"#,
            r#"{"post_id":7}"#,
            r#"{"id":"a","id":"b"}"#,
            r#"{"id":"a","id":5}"#,
            r#"{"\u0069d":"esc"}"#,
            r#"{"id":"a\"b\u4e2d"}"#,
            r#"{"id":"a","x":1e400}"#,
            r#"{"id":"a","x":-1e400}"#,
            r#"{"id":"a","x":123456789012345678901234567890}"#,
            r#"{"id":"a","x":"\ud800"}"#,
            r#"{"id":"a","x":"\ud800\udc00"}"#,
            r#"{"id":"a","x":{"id":"inner"}}"#,
            r#"{"x":{"id":"inner"}}"#,
            r#"{"id":"a"} x"#,
            r#"{"id":"a",}"#,
            r#"["id","a"]"#,
            r#""id""#,
            "null",
            "",
            "{not json",
            "{\"id\":\"a\u{1}\"}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        cases.push(deep(126));
        cases.push(deep(127));
        cases.push(deep(128));
        let edge_cases = cases.len();
        let dev =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval/dev.jsonl");
        if let Ok(text) = std::fs::read_to_string(dev) {
            cases.extend(text.lines().map(str::to_string));
        }
        for c in &cases {
            assert_eq!(record_key(c.as_bytes()), by_value(c.as_bytes()), "{c}");
        }
        // Every dev.jsonl record takes the post reader's way.
        assert!(cases[edge_cases..]
            .iter()
            .all(|c| PostRef::value_id(c).is_some()));
        assert_eq!(
            record_key(b"{\"id\":\"\xff\"}"),
            by_value(b"{\"id\":\"\xff\"}")
        );
    }

    /// The properties reach librdkafka (an unknown one fails the client, naming it) with their
    /// `env:` values read, and a missing variable is named.
    #[test]
    fn cluster_properties_reach_the_client() {
        let with = |pairs: &[(&str, &str)]| Cluster {
            brokers: "127.0.0.1:1".into(),
            properties: ClientProperties::from_pairs(pairs.iter().copied()).unwrap(),
        };
        std::env::set_var("DOXWATCH_TEST_CLIENT_ID", "doxwatch-test");
        assert!(with(&[
            ("client.id", "env:DOXWATCH_TEST_CLIENT_ID"),
            ("linger.ms", "20")
        ])
        .producer()
        .is_ok());
        let e = with(&[("no.such.property", "1")]).producer().err().unwrap();
        assert!(e.to_string().contains("no.such.property"), "{e}");
        let e = with(&[("client.id", "env:DOXWATCH_TEST_UNSET_VAR")])
            .client()
            .err()
            .unwrap();
        assert!(e.to_string().contains("DOXWATCH_TEST_UNSET_VAR"), "{e}");
    }
}
