//! `AlertsFileSink`: alerts appended to a JSONL file. A batch's alerts are written, flushed and
//! synced to disk before the batch is acknowledged, so a checkpoint never runs ahead of them.

use crate::runtime::PipelineError;
use doxwatch_model::Alert;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct AlertsFileSink {
    path: PathBuf,
    file: std::fs::File,
}

impl AlertsFileSink {
    pub fn open(path: &Path) -> Result<AlertsFileSink, PipelineError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| PipelineError::Io(format!("creating {}: {e}", dir.display())))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| PipelineError::Io(format!("opening {}: {e}", path.display())))?;
        Ok(AlertsFileSink {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Appends and syncs (blocking: call from a blocking context).
    pub fn write(&mut self, alerts: &[Alert]) -> Result<(), PipelineError> {
        if alerts.is_empty() {
            return Ok(());
        }
        let mut buf = Vec::with_capacity(alerts.len() * 512);
        for a in alerts {
            serde_json::to_writer(&mut buf, a).map_err(|e| PipelineError::Io(e.to_string()))?;
            buf.push(b'\n');
        }
        self.file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| PipelineError::Io(format!("writing {}: {e}", self.path.display())))
    }
}
