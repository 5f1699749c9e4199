//! Group commit for the audit entries of searches.
//!
//! Every search is audited before it runs, and an audit entry is durable only after SQLite
//! syncs the log (`synchronous=FULL`, several milliseconds on a VM disk). One writer thread
//! with its own connection appends whatever searches are waiting in one transaction, so
//! concurrent searches share one sync instead of queueing behind each other's, and none of
//! them holds the store lock meanwhile. A search still gets its answer only after its entry
//! is durable.

use doxwatch_store::{AuditRecord, CaseDb, StoreError};
use std::sync::mpsc;

type Done = mpsc::SyncSender<Result<(), String>>;

pub(crate) struct AuditWriter {
    jobs: mpsc::Sender<(AuditRecord, Done)>,
}

/// At most this many entries per transaction.
const MAX_BATCH: usize = 256;

impl AuditWriter {
    pub(crate) fn start(mut db: CaseDb) -> Result<AuditWriter, StoreError> {
        let (jobs, rx) = mpsc::channel::<(AuditRecord, Done)>();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || {
                // Ends when the server state (the only sender) is dropped.
                while let Ok(first) = rx.recv() {
                    let mut batch = vec![first];
                    while batch.len() < MAX_BATCH {
                        match rx.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    let records: Vec<AuditRecord> = batch.iter().map(|(r, _)| r.clone()).collect();
                    let result = db.audit_batch(&records).map_err(|e| e.to_string());
                    for (_, done) in batch {
                        let _ = done.send(result.clone());
                    }
                }
            })
            .map_err(|e| StoreError::Db(format!("starting the audit writer: {e}")))?;
        Ok(AuditWriter { jobs })
    }

    /// Appends `record` and waits until it is durable. Blocking: call it on the blocking pool.
    pub(crate) fn append(&self, record: AuditRecord) -> Result<(), StoreError> {
        let (done, wait) = mpsc::sync_channel(1);
        self.jobs
            .send((record, done))
            .map_err(|_| StoreError::Db("the audit writer has stopped".into()))?;
        wait.recv()
            .map_err(|_| StoreError::Db("the audit writer has stopped".into()))?
            .map_err(StoreError::Db)
    }
}
