//! The Kafka source's records in batches: every partition the member is assigned forwards its
//! fetched records to one queue of ours, which the source empties with
//! `rd_kafka_consume_batch_queue` (rdkafka's safe API has no batch read).
//!
//! Through the consumer's `MessageStream` each record was one poll of the consumer queue:
//! ~1.0 k instructions a record in `BaseConsumer::poll_queue` (the poll's clock reads, the
//! queue's lock, an event and an `Arc` per message; callgrind, benches/kafka.rs). The consumer
//! queue keeps the group's events (assignments, revocations, commit results, errors), which
//! the source still serves through its stream, as before.
//!
//! Guarantees kept: a partition is forwarded before it is assigned (in the rebalance callback,
//! before rdkafka's `assign`), so its records arrive in offset order by one queue only, and
//! librdkafka drops the records of a revoked partition from the queue (their op version is
//! outdated). Offsets are still committed only by the source, after a batch's alerts.

use crate::kerr;
use doxwatch_pipeline::records::Records;
use doxwatch_pipeline::runtime::PipelineError;
use rdkafka::bindings as rdsys;
use rdkafka::types::RDKafkaErrorCode;
use std::ffi::{c_void, CString};
use tokio::sync::Notify;

/// Our queue: an owned librdkafka queue of the consumer's client, and the wake-up its
/// callback gives when the queue turns non-empty.
pub(crate) struct FetchQueue {
    queue: *mut rdsys::rd_kafka_queue_t,
    /// Boxed: its address is the callback's opaque pointer.
    ready: Box<Notify>,
    /// Reused for every batch read.
    slots: std::sync::Mutex<Vec<*mut rdsys::rd_kafka_message_t>>,
}

// SAFETY: librdkafka's queues are thread-safe (each call takes the queue's lock); `queue` is
// destroyed only in `Drop`, and the message pointers in `slots` live only within `take_into`.
unsafe impl Send for FetchQueue {}
unsafe impl Sync for FetchQueue {}

/// Called by librdkafka (a broker thread, under the queue's lock) when a record lands in the
/// empty queue.
unsafe extern "C" fn wake(_: *mut rdsys::rd_kafka_t, ready: *mut c_void) {
    // SAFETY: `ready` is the `FetchQueue`'s boxed `Notify`, alive until `Drop` has disabled
    // this callback (under the same lock, so no call is in flight after it).
    unsafe { (*(ready as *const Notify)).notify_one() }
}

impl FetchQueue {
    /// A new queue of the client `rk`.
    ///
    /// # Safety
    /// `rk` is a live consumer client that outlives the queue (the queue is destroyed in
    /// `Drop`, which must run before the client is destroyed: librdkafka's rule for the
    /// application's queues).
    pub(crate) unsafe fn new(rk: *mut rdsys::rd_kafka_t, capacity: usize) -> FetchQueue {
        let ready = Box::new(Notify::new());
        // SAFETY: `rk` is live (the caller's contract); the callback's opaque pointer is the
        // boxed `Notify`, which outlives the callback (see `wake`).
        let queue = unsafe {
            let q = rdsys::rd_kafka_queue_new(rk);
            rdsys::rd_kafka_queue_cb_event_enable(
                q,
                Some(wake),
                &*ready as *const Notify as *mut c_void,
            );
            q
        };
        FetchQueue {
            queue,
            ready,
            slots: std::sync::Mutex::new(Vec::with_capacity(capacity)),
        }
    }

    /// Forwards `topic`'s `partition` here, for good: librdkafka keeps a forward the
    /// application set when it later assigns or re-assigns the partition. Call before the
    /// partition is assigned, so that none of its records went to the consumer queue first.
    ///
    /// # Safety
    /// `rk` is the live client this queue was made of.
    pub(crate) unsafe fn forward(&self, rk: *mut rdsys::rd_kafka_t, topic: &str, partition: i32) {
        let Ok(topic) = CString::new(topic) else {
            return;
        };
        // SAFETY: `rk` is live; the partition queue handle is a reference we drop at once (the
        // forward holds its own reference to our queue).
        unsafe {
            let part = rdsys::rd_kafka_queue_get_partition(rk, topic.as_ptr(), partition);
            if part.is_null() {
                // Its records then come by the consumer queue, read as before.
                return;
            }
            rdsys::rd_kafka_queue_forward(part, self.queue);
            rdsys::rd_kafka_queue_destroy(part);
        }
    }

    /// Waits for the queue to turn non-empty, unless `more`: the last read filled its batch,
    /// so records may be left (the callback only fires on the empty queue's first record).
    pub(crate) async fn ready(&self, more: bool) {
        if !more {
            self.ready.notified().await;
        }
    }

    /// Moves up to `max` fetched records into the batch (payload copied; each record's next
    /// offset noted by `advance`) without waiting; returns how many it took.
    pub(crate) fn take_into(
        &self,
        max: usize,
        records: &mut Records,
        mut advance: impl FnMut(i32, i64),
    ) -> Result<usize, PipelineError> {
        let mut slots = self
            .slots
            .lock()
            .map_err(|_| kerr("consuming", "poisoned"))?;
        slots.clear();
        slots.reserve(max);
        // SAFETY: `slots` has room for `max` pointers; librdkafka writes `n <= max` of them,
        // which become ours (each destroyed below) and are set as the length.
        let n = unsafe {
            let n = rdsys::rd_kafka_consume_batch_queue(self.queue, 0, slots.as_mut_ptr(), max);
            let n = usize::try_from(n).map_err(|_| kerr("consuming", "batch read failed"))?;
            slots.set_len(n);
            n
        };
        let mut failed = None;
        for &m in slots.iter() {
            // SAFETY: `m` is a message librdkafka handed over, valid until destroyed here; its
            // payload is `len` bytes (or null when empty).
            unsafe {
                let msg = &*m;
                if msg.err != rdsys::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                    failed.get_or_insert(msg.err);
                } else if failed.is_none() {
                    let payload = if msg.payload.is_null() {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(msg.payload as *const u8, msg.len)
                    };
                    records.push(payload);
                    advance(msg.partition, msg.offset + 1);
                }
                rdsys::rd_kafka_message_destroy(m);
            }
        }
        slots.clear();
        match failed {
            // As a failed poll of the consumer's stream: the source stops with the error.
            Some(err) => Err(kerr("consuming", RDKafkaErrorCode::from(err))),
            None => Ok(n),
        }
    }
}

impl Drop for FetchQueue {
    fn drop(&mut self) {
        // SAFETY: the callback is disabled under the queue's lock before its `Notify` goes;
        // the queue (ours, `rd_kafka_queue_new`) is destroyed while the client lives (the
        // caller's contract in `new`); records still in it are purged with it.
        unsafe {
            rdsys::rd_kafka_queue_cb_event_enable(self.queue, None, std::ptr::null_mut());
            rdsys::rd_kafka_queue_destroy(self.queue);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};

    /// The queue's life without a broker: made of a client, a partition forwarded to it, read
    /// empty without waiting, and destroyed before its client (the order `BatchConsumer`
    /// keeps). The source's use with a broker is in tests/kafka.rs.
    #[test]
    fn queue_reads_empty_without_waiting_and_dies_before_its_client() {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", "127.0.0.1:1")
            .set("group.id", "doxwatch-fetch-queue-test")
            .create()
            .unwrap();
        let rk = consumer.client().native_ptr();
        // SAFETY: `consumer` outlives the queue (dropped after it below).
        let q = unsafe { FetchQueue::new(rk, 16) };
        // SAFETY: `rk` is the live client of `q`.
        unsafe { q.forward(rk, "doxwatch.posts.v1", 0) };
        let mut records = Records::default();
        let took = q.take_into(16, &mut records, |_, _| panic!("no record was fetched"));
        assert_eq!(took.unwrap(), 0);
        assert!(records.is_empty());
        assert!(q.ready(true).now_or_never().is_some());
        assert!(q.ready(false).now_or_never().is_none());
        drop(q);
        drop(consumer);
    }
}
