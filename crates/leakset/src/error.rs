use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong building, opening or merging a leak set. Messages name files,
/// line numbers and key fingerprints, never an identifier.
#[derive(Debug, Error)]
pub enum LeakSetError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: corrupt leak set: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "{path}: the set was built with hash key {expected}, the key given is {actual}; \
         open it with the key it was built with"
    )]
    WrongKey {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error(
        "{path}: leak set format version {found}, this build reads versions {oldest} to {supported}"
    )]
    Version {
        path: PathBuf,
        found: u32,
        oldest: u32,
        supported: u32,
    },
    #[error("{path}: {message}")]
    Dump { path: PathBuf, message: String },
    #[error("{0} exists already")]
    Exists(PathBuf),
    #[error("invalid column map: {0}")]
    Map(String),
    #[error("building the filter: {0}")]
    Filter(String),
}

impl LeakSetError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> LeakSetError {
        let path = path.into();
        move |source| LeakSetError::Io { path, source }
    }

    pub(crate) fn corrupt(path: impl Into<PathBuf>, reason: impl Into<String>) -> LeakSetError {
        LeakSetError::Corrupt {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
