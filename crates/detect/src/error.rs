//! Errors of building a scanner. Scanning itself cannot fail: bad input is decoded lossily,
//! counted and scanned.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum DictError {
    #[error("{file}:{line}: expected {want} tab-separated columns, found {got}")]
    Columns {
        file: &'static str,
        line: usize,
        want: usize,
        got: usize,
    },
    #[error("{file}:{line}: expected {what}")]
    Value {
        file: &'static str,
        line: usize,
        what: &'static str,
    },
}
