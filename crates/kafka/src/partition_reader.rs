//! Reading a topic by manual partition assignment from offsets the caller keeps itself.
//!
//! The indexer stores its position in the tantivy commit that holds the records, so it must not
//! use consumer-group commits (they would be a second, disagreeing checkpoint) nor share the
//! topic with another reader of the same store: one store has one writer.

use crate::kerr;
use doxwatch_pipeline::runtime::PipelineError;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Message, Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A record: partition, offset, payload.
pub type Record = (i32, i64, Vec<u8>);

pub struct PartitionReader {
    consumer: BaseConsumer,
    topic: String,
}

impl PartitionReader {
    /// Assigns every partition of `topic`, each at `start[partition]` (next offset to read)
    /// or at the beginning.
    pub fn assign(
        cluster: &crate::Cluster,
        topic: &str,
        start: &BTreeMap<i32, i64>,
    ) -> Result<PartitionReader, PipelineError> {
        let consumer: BaseConsumer = cluster
            .client()?
            .set("group.id", "doxwatch-indexer-unused")
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .map_err(|e| kerr("creating consumer", e))?;
        let meta = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|e| kerr("reading topic metadata", e))?;
        let partitions: Vec<i32> = meta
            .topics()
            .iter()
            .filter(|t| t.name() == topic)
            .flat_map(|t| t.partitions().iter().map(|p| p.id()))
            .collect();
        if partitions.is_empty() {
            return Err(PipelineError::Io(format!(
                "topic {topic} has no partitions (does it exist?)"
            )));
        }
        let mut tpl = TopicPartitionList::new();
        for p in &partitions {
            let offset = start
                .get(p)
                .map_or(Offset::Beginning, |&o| Offset::Offset(o));
            tpl.add_partition_offset(topic, *p, offset)
                .map_err(|e| kerr("assigning partitions", e))?;
        }
        consumer
            .assign(&tpl)
            .map_err(|e| kerr("assigning partitions", e))?;
        tracing::info!(%topic, partitions = partitions.len(), resumed = start.len(), "indexer assigned");
        Ok(PartitionReader {
            consumer,
            topic: topic.to_string(),
        })
    }

    /// Up to `max` records, waiting at most `wait` for the first.
    pub fn poll_batch(&self, max: usize, wait: Duration) -> Result<Vec<Record>, PipelineError> {
        let mut out = Vec::new();
        let deadline = Instant::now() + wait;
        while out.len() < max {
            let left = deadline.saturating_duration_since(Instant::now());
            let timeout = if out.is_empty() { left } else { Duration::ZERO };
            match self.consumer.poll(timeout) {
                None => {
                    if out.is_empty() && !left.is_zero() {
                        continue;
                    }
                    break;
                }
                Some(Ok(m)) => out.push((
                    m.partition(),
                    m.offset(),
                    m.payload().unwrap_or_default().to_vec(),
                )),
                Some(Err(e)) => {
                    tracing::warn!(topic = %self.topic, error = %e, "kafka poll error");
                    if out.is_empty() && Instant::now() >= deadline {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}
