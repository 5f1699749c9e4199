//! Known-leak sets: which identifiers already circulate in leaked dumps.
//!
//! A set is a directory `NAME.leakset/` built offline from dumps ([`Builder`]): every value is
//! canonicalised with the matcher's own validators ([`Canonicalizer`]), hashed with the
//! deployment key ([`doxwatch_model::KeyedHasher`], the same 16 bytes an alert's `hash`
//! carries), and the sorted, de-duplicated digests are stored in `digests.bin`, memory-mapped at
//! lookup, behind a binary fuse filter (`filter.bin`), with a `manifest.json` (name, source,
//! date, counts per kind, build parameters, the key fingerprint, the BLAKE3 of each file).
//! [`LeakSet::open`] refuses a set made with another key or a damaged file.
//!
//! ```
//! use doxwatch_leakset::{BuildOptions, Builder, LeakSet, parse_map};
//! use doxwatch_model::{KeyedHasher, Kind};
//! let dir = tempfile::tempdir().unwrap();
//! let out = dir.path().join("demo.leakset");
//! let key = KeyedHasher::from_secret(b"example key");
//! let opts = BuildOptions {
//!     name: "demo".into(), source: "synthetic".into(), date: "2025-01-01".into(),
//!     map: parse_map("phone=1").unwrap(), memory_mb: 16, progress: false, oprf: None,
//! };
//! let mut b = Builder::new(&out, key.clone(), opts).unwrap();
//! b.add(Kind::Phone, "138 0013 8000").unwrap();
//! b.finish().unwrap();
//! let set = LeakSet::open(&out, &key).unwrap();
//! assert!(set.contains_value(&key, Kind::Phone, "13800138000"));
//! assert!(!set.contains_value(&key, Kind::Phone, "13800138001"));
//! ```

mod build;
mod canon;
mod error;
mod filter;
mod manifest;
pub mod selfcheck;
mod set;
mod sort;

pub use build::{merge, parse_map, BuildOptions, Builder, DumpFormat, Mapping};
pub use canon::{kind_from_str, Canonicalizer, SET_KINDS};
pub use error::LeakSetError;
pub use manifest::{
    BuildParams, Digest, FileEntry, Manifest, OprfParams, DIGEST_LEN, FORMAT_VERSION,
};
pub use set::{parse_digest_hex, KnownLeaks, LeakSet};
