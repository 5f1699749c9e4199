//! `manifest.json`: what a set holds, where it came from, how it was built, the key fingerprint
//! it was built with, and the BLAKE3 of each data file.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT: &str = "doxwatch-leakset";
/// Version 2: `filter.bin` is split into shards (see `filter.rs`); version 1 held one filter
/// and is still read.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const DIGESTS: &str = "digests.bin";
pub const FILTER: &str = "filter.bin";
/// Bytes of a stored digest: the first 16 bytes of `KeyedHasher::hash`, the same bytes an
/// alert's `hash` carries in hex.
pub const DIGEST_LEN: usize = 16;

pub type Digest = [u8; DIGEST_LEN];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub name: String,
    pub source: String,
    pub date: String,
    /// `KeyedHasher::key_id()` of the key the digests were made with.
    pub key_id: String,
    /// Distinct digests in `digests.bin`.
    pub distinct: u64,
    /// Rows read from the dumps.
    pub rows: u64,
    /// Valid identifiers per kind, before de-duplication.
    pub counts: BTreeMap<String, u64>,
    /// Non-empty values per kind that failed validation (counted, never hashed).
    pub invalid: BTreeMap<String, u64>,
    pub build: BuildParams,
    pub files: BTreeMap<String, FileEntry>,
    /// The self-check table (`oprf.bin`), when the set was built with an OPRF key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oprf: Option<OprfParams>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OprfParams {
    /// RFC 9497 suite and mode.
    pub suite: String,
    /// Fingerprint of the OPRF key (`OprfKey::key_id`).
    pub key_id: String,
    /// Values per answer (every bucket padded to this count).
    pub pad_to: u32,
    pub value_bytes: u32,
    /// Bucket prefix bits per kind.
    pub bucket_bits: BTreeMap<String, u8>,
    /// Identifiers in the table (all kinds).
    pub entries: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildParams {
    /// `kind=column` as given on the command line.
    pub map: Vec<String>,
    /// Input file names (no directories: they may name a person or a case).
    pub inputs: Vec<String>,
    pub memory_mb: u64,
    pub spilled_runs: u64,
    pub filter: String,
    pub tool: String,
    /// Sets merged into this one (by name), for `leakset merge`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub bytes: u64,
    pub blake3: String,
}
