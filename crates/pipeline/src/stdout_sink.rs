//! `StdoutSink`: alerts as JSONL on standard output, flushed per batch. The sealed original
//! is left out (its digest stays): it is unreadable on a terminal and the store keeps it.

use crate::runtime::PipelineError;
use doxwatch_model::Alert;
use std::io::Write;

pub struct StdoutSink;

impl StdoutSink {
    pub fn write(&mut self, alerts: &[Alert]) -> Result<(), PipelineError> {
        let mut out = std::io::stdout().lock();
        for a in alerts {
            let mut shown;
            let a = match &a.evidence {
                Some(ev) if !ev.sealed.is_empty() => {
                    shown = a.clone();
                    if let Some(ev) = shown.evidence.as_mut() {
                        ev.sealed.clear();
                    }
                    &shown
                }
                _ => a,
            };
            serde_json::to_writer(&mut out, a).map_err(|e| PipelineError::Io(e.to_string()))?;
            out.write_all(b"\n")
                .map_err(|e| PipelineError::Io(format!("writing stdout: {e}")))?;
        }
        out.flush()
            .map_err(|e| PipelineError::Io(format!("writing stdout: {e}")))
    }
}
