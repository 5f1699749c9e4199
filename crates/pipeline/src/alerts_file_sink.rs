//! `AlertsFileSink`: alerts appended to a JSONL file. A batch's alerts are written, flushed and
//! synced to disk before the batch is acknowledged, so a checkpoint never runs ahead of them.

use crate::runtime::PipelineError;
use doxwatch_model::Alert;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A crash in the middle of a write can leave a partial last line. Its batch was never
/// acknowledged, so it will be written again: cut the file back to its last complete line.
fn repair_torn_tail(path: &Path) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let mut end = len;
    let mut buf = [0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        f.seek(SeekFrom::Start(start))?;
        let chunk = &mut buf[..(end - start) as usize];
        f.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            end = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    if end < len {
        f.set_len(end)?;
        f.sync_data()?;
    }
    Ok(())
}

/// Appends `alerts` to `buf` as the JSONL lines this sink writes (one alert a line).
pub fn append_jsonl(buf: &mut Vec<u8>, alerts: &[Alert]) {
    buf.reserve(alerts.len() * 1024);
    for a in alerts {
        a.write_json(buf);
        buf.push(b'\n');
    }
}

pub struct AlertsFileSink {
    path: PathBuf,
    file: std::fs::File,
    /// The serialized batch, kept between batches so its capacity is reused.
    buf: Vec<u8>,
}

impl AlertsFileSink {
    pub fn open(path: &Path) -> Result<AlertsFileSink, PipelineError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| PipelineError::Io(format!("creating {}: {e}", dir.display())))?;
        }
        repair_torn_tail(path)
            .map_err(|e| PipelineError::Io(format!("repairing {}: {e}", path.display())))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| PipelineError::Io(format!("opening {}: {e}", path.display())))?;
        Ok(AlertsFileSink {
            path: path.to_path_buf(),
            file,
            buf: Vec::new(),
        })
    }

    /// Appends and syncs (blocking: call from a blocking context).
    pub fn write(&mut self, alerts: &[Alert]) -> Result<(), PipelineError> {
        if alerts.is_empty() {
            return Ok(());
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        append_jsonl(&mut buf, alerts);
        let r = self.write_jsonl(&buf);
        self.buf = buf;
        r
    }

    /// Appends alerts already serialized as JSONL (whole lines) and syncs; the runtime
    /// serializes on the matching threads, which [`AlertsFileSink::write`] would not.
    pub fn write_jsonl(&mut self, jsonl: &[u8]) -> Result<(), PipelineError> {
        self.write_jsonls([jsonl])
    }

    /// Appends several batches' JSONL in order, then syncs once: the runtime writes together
    /// the batches that were matched while the last sync ran, each sync costing milliseconds.
    pub fn write_jsonls<'a>(
        &mut self,
        parts: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<(), PipelineError> {
        let mut wrote = false;
        for jsonl in parts.into_iter().filter(|j| !j.is_empty()) {
            debug_assert!(jsonl.ends_with(b"\n"));
            self.file
                .write_all(jsonl)
                .map_err(|e| PipelineError::Io(format!("writing {}: {e}", self.path.display())))?;
            wrote = true;
        }
        if wrote {
            self.file
                .sync_data()
                .map_err(|e| PipelineError::Io(format!("syncing {}: {e}", self.path.display())))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches written together land in order, the empty ones skipped, as one write each
    /// would have left them.
    #[test]
    fn batches_written_together_are_appended_in_order() {
        let dir = std::env::temp_dir().join(format!("doxwatch-group-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("alerts.jsonl");
        let _ = std::fs::remove_file(&p);
        let mut sink = AlertsFileSink::open(&p).unwrap();
        sink.write_jsonls([&b""[..]]).unwrap();
        assert!(std::fs::read(&p).unwrap().is_empty());
        sink.write_jsonl(b"{\"a\":1}\n").unwrap();
        sink.write_jsonls([&b"{\"b\":2}\n"[..], b"", b"{\"c\":3}\n{\"d\":4}\n"])
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n{\"d\":4}\n"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_torn_last_line_is_cut_back() {
        let dir = std::env::temp_dir().join(format!("doxwatch-torn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("alerts.jsonl");
        std::fs::write(&p, "{\"a\":1}\n{\"b\":2}\n{\"c\":").unwrap();
        let _ = AlertsFileSink::open(&p).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "{\"a\":1}\n{\"b\":2}\n"
        );
        std::fs::write(&p, "{\"c\":").unwrap();
        let _ = AlertsFileSink::open(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
