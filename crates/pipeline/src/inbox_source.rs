//! `InboxSource`: a directory of JSONL files, read in name order.
//!
//! Contract with producers: a file appears in the inbox complete (write it elsewhere, then
//! rename it in). For each file the source keeps a checkpoint, `.doxwatch/NAME.offset`: the byte
//! offset up to which every record's alerts have been written by every sink. Batches may finish
//! out of order; the checkpoint only advances over a contiguous prefix of acknowledged batches.
//! A restart resumes from the checkpoint (records after it are read again: at-least-once, and
//! replays produce the same `alert_id`). A file whose records are all acknowledged moves to
//! `done/` and its checkpoint is removed.

use crate::file_reader::FileReader;
use crate::line_reader::{close_record, read_record, take_lines};
use crate::records::{Pool, Records};
use crate::runtime::{Batch, PipelineError, SourceStats};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncSeekExt};
use tokio::sync::{mpsc, watch};

pub struct InboxSource {
    pub dir: PathBuf,
    pub follow: bool,
    pub batch_records: usize,
    pub max_record_bytes: usize,
    /// Batch buffers the matchers handed back, filled again before new ones are allocated.
    pub pool: Option<Pool>,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> PipelineError {
    PipelineError::Io(format!("{what} {}: {e}", path.display()))
}

/// Writes a checkpoint atomically (temporary file, sync, rename).
async fn write_checkpoint(p: &Path, offset: u64) -> Result<(), PipelineError> {
    let tmp = p.with_extension("offset.tmp");
    let data = offset.to_string();
    let tmp2 = tmp.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp2)?;
        f.write_all(data.as_bytes())?;
        f.sync_data()
    })
    .await
    .map_err(|e| PipelineError::Io(e.to_string()))?
    .map_err(|e| io_err("writing", &tmp, e))?;
    tokio::fs::rename(&tmp, p)
        .await
        .map_err(|e| io_err("renaming", p, e))
}

/// Acknowledged progress of one file.
struct Progress {
    /// seq → end offset of every batch sent and not yet folded into `committed`.
    pending: BTreeMap<u64, u64>,
    acked: std::collections::BTreeSet<u64>,
    committed: u64,
}

impl Progress {
    /// Folds acknowledgements into the contiguous committed offset; true if it moved.
    fn fold(&mut self) -> bool {
        let mut moved = false;
        while let Some((&seq, &end)) = self.pending.iter().next() {
            if !self.acked.remove(&seq) {
                break;
            }
            self.pending.remove(&seq);
            self.committed = end;
            moved = true;
        }
        moved
    }
}

/// How many records the next batch of a file takes, given how many batches of it were sent,
/// the bytes left to read and the bytes a record took in the batch before (0 before the first).
///
/// - The first batches are smaller (an eighth of `batch_records`, then doubling): the matchers
///   sat idle ~27 ms at the start of a run while the source read and copied a whole first
///   batch into fresh memory (benches/README.md, branch `pipeline-speed16`).
/// - The last ones are too (a quarter of what is left, down to a sixteenth of
///   `batch_records`): with full batches to the end, one matcher went on with the last batch
///   for up to ~13 ms while the other had nothing left.
///
/// Batch boundaries are only where checkpoints may fall; the alerts do not depend on them.
fn batch_target(batch_records: usize, sent: u64, left: u64, record_bytes: usize) -> usize {
    let full = batch_records.max(1);
    let ramp = full >> 3u64.saturating_sub(sent).min(3);
    let tail = match record_bytes as u64 {
        0 => full,
        n => usize::try_from(left / (4 * n)).unwrap_or(usize::MAX),
    };
    ramp.min(tail.max(full / 16)).clamp(1, full)
}

impl InboxSource {
    fn state_dir(&self) -> PathBuf {
        self.dir.join(".doxwatch")
    }

    fn checkpoint_path(&self, name: &str) -> PathBuf {
        self.state_dir().join(format!("{name}.offset"))
    }

    async fn read_checkpoint(&self, name: &str) -> Result<u64, PipelineError> {
        let p = self.checkpoint_path(name);
        match tokio::fs::read_to_string(&p).await {
            Ok(s) => s
                .trim()
                .parse()
                .map_err(|_| PipelineError::Io(format!("corrupt checkpoint {}", p.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(io_err("reading", &p, e)),
        }
    }

    /// Starts the task that keeps `name`'s checkpoint file at the latest committed offset sent
    /// on the returned channel. The reading loop only sends offsets and goes on reading: with
    /// the file written and synced in line, the source read nothing during each sync and the
    /// matchers could run dry. Offsets sent while a write is under way are folded into the
    /// next write, so the file only ever moves forward. Dropping the sender ends the task once
    /// the last offset sent is written; its result is the first error.
    fn checkpointer(
        &self,
        name: &str,
        start: u64,
    ) -> (
        watch::Sender<u64>,
        tokio::task::JoinHandle<Result<(), PipelineError>>,
    ) {
        let (tx, mut rx) = watch::channel(start);
        let p = self.checkpoint_path(name);
        let task = tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let offset = *rx.borrow_and_update();
                write_checkpoint(&p, offset).await?;
            }
            Ok(())
        });
        (tx, task)
    }

    /// Appends refused records to `.doxwatch/dead-letter.jsonl` with their reason, before the
    /// checkpoint moves past them: nothing is dropped silently. The file sits beside the inbox
    /// and holds what the inbox held.
    async fn park(
        &self,
        name: &str,
        rejected: &[(Vec<u8>, crate::matcher::Reject)],
    ) -> Result<(), PipelineError> {
        if rejected.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::new();
        for (raw, why) in rejected {
            let line = serde_json::json!({
                "file": name,
                "reason": why.as_str(),
                "record": String::from_utf8_lossy(raw),
            });
            buf.extend_from_slice(line.to_string().as_bytes());
            buf.push(b'\n');
        }
        let p = self.state_dir().join("dead-letter.jsonl");
        let p2 = p.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&p2)?;
            f.write_all(&buf)?;
            f.sync_data()
        })
        .await
        .map_err(|e| PipelineError::Io(e.to_string()))?
        .map_err(|e| io_err("writing", &p, e))
    }

    async fn list(&self) -> Result<Vec<String>, PipelineError> {
        let mut names = Vec::new();
        let mut rd = tokio::fs::read_dir(&self.dir)
            .await
            .map_err(|e| io_err("listing", &self.dir, e))?;
        while let Some(e) = rd
            .next_entry()
            .await
            .map_err(|e| io_err("listing", &self.dir, e))?
        {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_file = e.file_type().await.map(|t| t.is_file()).unwrap_or(false);
            if is_file
                && (name.ends_with(".jsonl") || name.ends_with(".ndjson"))
                && !name.starts_with('.')
            {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    pub async fn run(
        self,
        id: usize,
        out: mpsc::Sender<Batch>,
        mut acks: mpsc::UnboundedReceiver<crate::runtime::Ack>,
        mut stop: watch::Receiver<bool>,
    ) -> Result<SourceStats, PipelineError> {
        let mut stats = SourceStats::default();
        for d in [self.dir.clone(), self.state_dir(), self.dir.join("done")] {
            tokio::fs::create_dir_all(&d)
                .await
                .map_err(|e| io_err("creating", &d, e))?;
        }
        let mut seq = 0u64;
        loop {
            if *stop.borrow() {
                break;
            }
            let files = self.list().await?;
            if files.is_empty() {
                if !self.follow {
                    break;
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                    _ = stop.changed() => {}
                }
                continue;
            }
            for name in files {
                let finished = self
                    .run_file(id, &name, &mut seq, &out, &mut acks, &mut stop, &mut stats)
                    .await?;
                if !finished {
                    return Ok(stats);
                }
            }
        }
        Ok(stats)
    }

    /// Reads one file from its checkpoint; returns false when stopped before the end.
    #[allow(clippy::too_many_arguments)]
    async fn run_file(
        &self,
        id: usize,
        name: &str,
        seq: &mut u64,
        out: &mpsc::Sender<Batch>,
        acks: &mut mpsc::UnboundedReceiver<crate::runtime::Ack>,
        stop: &mut watch::Receiver<bool>,
        stats: &mut SourceStats,
    ) -> Result<bool, PipelineError> {
        let path = self.dir.join(name);
        let start = self.read_checkpoint(name).await?;
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| io_err("opening", &path, e))?;
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(|e| io_err("seeking", &path, e))?;
        let file = file.into_std().await;
        // Files appear in the inbox complete (the contract above); if one grows anyway, its
        // last batches are merely small.
        let len = file
            .metadata()
            .map_err(|e| io_err("reading", &path, e))?
            .len();
        let mut reader = FileReader::new(file, 1 << 20);
        let mut progress = Progress {
            pending: BTreeMap::new(),
            acked: Default::default(),
            committed: start,
        };
        let (checkpoint, checkpointer) = self.checkpointer(name, start);
        let mut offset = start;
        let mut stopped = false;
        let mut eof = false;
        let mut sent = 0u64;
        let mut record_bytes = 0usize;
        while !eof {
            if *stop.borrow() {
                stopped = true;
                break;
            }
            let target = batch_target(
                self.batch_records,
                sent,
                len.saturating_sub(offset),
                record_bytes,
            );
            // Sized from the batch before, so that a batch of like records fills it without
            // growing (the first one guesses 1 KB a record).
            let bytes = target.saturating_mul(match record_bytes {
                0 => 1 << 10,
                n => n + n / 8,
            });
            let mut records = match self.pool.as_ref().and_then(Pool::take) {
                Some(mut r) => {
                    r.clear_for(target, bytes);
                    r
                }
                None => Records::with_capacity(target, bytes),
            };
            while records.len() < target {
                // The whole lines already read, then one line (read_record refills the buffer,
                // or reads a line longer than it) until the batch is full.
                let used = take_lines(reader.buffer(), self.max_record_bytes, target, &mut records);
                if used > 0 {
                    reader.consume(used);
                    offset += used as u64;
                    continue;
                }
                let Some(n) = read_record(&mut reader, self.max_record_bytes, records.buffer())
                    .await
                    .map_err(|e| io_err("reading", &path, e))?
                else {
                    eof = true;
                    break;
                };
                offset += n;
                close_record(&mut records);
            }
            if records.is_empty() {
                continue;
            }
            record_bytes = records.bytes().div_ceil(records.len());
            sent += 1;
            stats.records += records.len() as u64;
            *seq += 1;
            progress.pending.insert(*seq, offset);
            let batch = Batch {
                source: id,
                seq: *seq,
                records,
            };
            tokio::select! {
                r = out.send(batch) => if r.is_err() { stopped = true; break; },
                _ = stop.changed() => { stopped = true; break; }
            }
            while let Ok(a) = acks.try_recv() {
                self.park(name, &a.rejected).await?;
                progress.acked.insert(a.seq);
            }
            if progress.fold() && !(eof && progress.pending.is_empty()) {
                checkpoint.send_replace(progress.committed);
            }
            if checkpointer.is_finished() {
                // It only ends early on an error: stop reading and report it.
                break;
            }
        }
        // Drain: every batch sent is matched and written before the checkpoint is final.
        if stopped {
            // Batches not yet sent were never read past; pending ones finish below.
            progress.pending.retain(|&s, _| s <= *seq);
        }
        while !progress.pending.is_empty() {
            match acks.recv().await {
                Some(a) => {
                    self.park(name, &a.rejected).await?;
                    progress.acked.insert(a.seq);
                    // The offset that completes a file is not written: the file moves to
                    // done/ right after, and that rename is what records it. Writing it (a
                    // sync and a rename) held both cores idle at the end of a run, after the
                    // last alerts sync (~32 ms under load, benches/README.md,
                    // `pipeline-speed16`). A crash between the last alerts sync and the move
                    // replays the file from the offset written before: at least once, as
                    // after any crash.
                    if progress.fold() && !(eof && !stopped && progress.pending.is_empty()) {
                        checkpoint.send_replace(progress.committed);
                    }
                }
                // The pipeline is gone (a sink failed): what is pending was never written, so
                // the file is not done and the checkpoint stays where it is.
                None => {
                    drop(checkpoint);
                    checkpointer
                        .await
                        .map_err(|e| PipelineError::Task(e.to_string()))??;
                    return Ok(false);
                }
            }
        }
        // The last committed offset is on disk before the file moves to done/ (or the run
        // stops), and the checkpoint's removal below cannot race a write.
        drop(checkpoint);
        checkpointer
            .await
            .map_err(|e| PipelineError::Task(e.to_string()))??;
        if stopped {
            return Ok(false);
        }
        let done = self.dir.join("done").join(name);
        tokio::fs::rename(&path, &done)
            .await
            .map_err(|e| io_err("moving", &path, e))?;
        let cp = self.checkpoint_path(name);
        let _ = tokio::fs::remove_file(&cp).await;
        stats.files += 1;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checkpoint task writes the last offset sent before it ends, however many were sent
    /// while a write was under way, and never leaves an earlier one behind.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_checkpointer_ends_on_the_last_offset_sent() {
        let dir = std::env::temp_dir().join(format!("doxwatch-cp-{}", std::process::id()));
        let src = InboxSource {
            dir: dir.clone(),
            follow: false,
            batch_records: 1,
            max_record_bytes: 1 << 10,
            pool: None,
        };
        tokio::fs::create_dir_all(src.state_dir()).await.unwrap();
        for last in [1u64, 7, 300] {
            let (tx, task) = src.checkpointer("a.jsonl", 0);
            for offset in 1..=last {
                tx.send_replace(offset);
                if offset % 5 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            drop(tx);
            task.await.unwrap().unwrap();
            assert_eq!(src.read_checkpoint("a.jsonl").await.unwrap(), last);
        }
        // Nothing sent: nothing written (a file read from its checkpoint keeps it).
        let (tx, task) = src.checkpointer("b.jsonl", 42);
        drop(tx);
        task.await.unwrap().unwrap();
        assert!(!src.checkpoint_path("b.jsonl").exists());
        // A write that fails ends the task with the error.
        let (tx, task) = src.checkpointer("missing/c.jsonl", 0);
        tx.send_replace(9);
        assert!(task.await.unwrap().is_err());
        drop(tx);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn batches_ramp_up_at_the_start_and_down_at_the_end() {
        let full = 2048;
        let far = 1 << 40;
        let sizes: Vec<usize> = (0..6).map(|i| batch_target(full, i, far, 600)).collect();
        assert_eq!(sizes, [256, 512, 1024, 2048, 2048, 2048]);
        // The first batch, the record size not yet known: the ramp alone.
        assert_eq!(batch_target(full, 0, 1000, 0), 256);
        // Near the end, a quarter of what is left, not under a sixteenth of a full batch.
        assert_eq!(batch_target(full, 9, 600 * 4096, 600), 1024);
        assert_eq!(batch_target(full, 9, 600 * 1000, 600), 250);
        assert_eq!(batch_target(full, 9, 600, 600), 128);
        assert_eq!(batch_target(full, 9, 0, 600), 128);
        // Small batches stay at least one record.
        assert_eq!(batch_target(1, 0, 0, 600), 1);
        assert_eq!(batch_target(10, 0, 0, 600), 1);
        assert_eq!(batch_target(0, 5, far, 0), 1);
    }

    #[test]
    fn progress_commits_contiguous_prefix_only() {
        let mut p = Progress {
            pending: [(1, 10), (2, 20), (3, 30)].into_iter().collect(),
            acked: Default::default(),
            committed: 0,
        };
        p.acked.insert(2);
        assert!(!p.fold());
        assert_eq!(p.committed, 0);
        p.acked.insert(1);
        assert!(p.fold());
        assert_eq!(p.committed, 20);
        p.acked.insert(3);
        assert!(p.fold());
        assert_eq!(p.committed, 30);
        assert!(p.pending.is_empty());
    }
}
