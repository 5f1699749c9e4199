//! `StdinSource`: JSONL posts on standard input until end of input. No checkpoint: what was
//! read is gone, so acknowledgements only pace the reader.

use crate::line_reader::read_record;
use crate::records::Records;
use crate::runtime::{Batch, PipelineError, SourceStats};
use tokio::io::BufReader;
use tokio::sync::{mpsc, watch};

pub struct StdinSource {
    pub batch_records: usize,
    pub max_record_bytes: usize,
}

impl StdinSource {
    pub async fn run(
        self,
        id: usize,
        out: mpsc::Sender<Batch>,
        mut acks: mpsc::UnboundedReceiver<crate::runtime::Ack>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<SourceStats, PipelineError> {
        let mut stats = SourceStats::default();
        let mut reader = BufReader::with_capacity(1 << 20, tokio::io::stdin());
        let mut seq = 0u64;
        let mut acked = 0u64;
        let mut eof = false;
        while !eof && !*stop.borrow() {
            let mut records = Records::default();
            while records.len() < self.batch_records {
                let read = read_record(&mut reader, self.max_record_bytes, records.buffer());
                tokio::select! {
                    r = read => match r.map_err(|e| PipelineError::Io(format!("reading stdin: {e}")))? {
                        Some(_) => {}
                        None => { eof = true; break; }
                    },
                    // A line cut short by the stop is not a record.
                    _ = stop.changed() => { records.drop_open(); eof = true; break; }
                };
                if records.open().iter().all(u8::is_ascii_whitespace) {
                    records.drop_open();
                } else {
                    records.end_record();
                }
                // Deliver what is there when input pauses (interactive use).
                if reader.buffer().is_empty() {
                    break;
                }
            }
            if records.is_empty() {
                continue;
            }
            stats.records += records.len() as u64;
            seq += 1;
            if out
                .send(Batch {
                    source: id,
                    seq,
                    records,
                })
                .await
                .is_err()
            {
                break;
            }
            while acks.try_recv().is_ok() {
                acked += 1;
            }
        }
        // Wait until every batch read is written before reporting the source finished.
        while acked < seq {
            match acks.recv().await {
                Some(_) => acked += 1,
                None => break,
            }
        }
        Ok(stats)
    }
}
