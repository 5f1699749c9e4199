//! Opening a set and looking digests up: a binary fuse filter in front (most identifiers in posts
//! are in no leak), then an interpolation search over the memory-mapped sorted digests.

use crate::error::LeakSetError;
use crate::filter::{prefetch, FilterTable};
use crate::manifest::{
    Digest, FileEntry, Manifest, DIGESTS, DIGEST_LEN, FILTER, FORMAT, FORMAT_VERSION, MANIFEST,
    OLDEST_FORMAT_VERSION,
};
use doxwatch_model::{KeyedHasher, Kind};
use memmap2::Mmap;
use std::path::{Path, PathBuf};

pub struct LeakSet {
    dir: PathBuf,
    manifest: Manifest,
    digests: Option<Mmap>,
    filter: Option<FilterTable>,
    len: usize,
}

impl std::fmt::Debug for LeakSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeakSet")
            .field("name", &self.manifest.name)
            .field("len", &self.len)
            .finish()
    }
}

/// The filter key of a digest: its first 8 bytes, big-endian, which also order the digests.
#[inline]
pub(crate) fn prefix(d: &[u8]) -> u64 {
    u64::from_be_bytes(d[..8].try_into().expect("digest of 16 bytes"))
}

impl LeakSet {
    /// Opens a set made with `hasher`'s key; another key is refused by fingerprint (its digests
    /// would match nothing). Every data file is checked against the manifest's size and BLAKE3.
    pub fn open(dir: &Path, hasher: &KeyedHasher) -> Result<LeakSet, LeakSetError> {
        let manifest = read_manifest(dir)?;
        let actual = hasher.key_id();
        if manifest.key_id != actual {
            return Err(LeakSetError::WrongKey {
                path: dir.to_path_buf(),
                expected: manifest.key_id,
                actual,
            });
        }
        Self::open_checked(dir, manifest)
    }

    /// Opens a set without a key (for `leakset info` and merging by digest): the manifest and
    /// the files are still verified.
    pub fn open_keyless(dir: &Path) -> Result<LeakSet, LeakSetError> {
        let manifest = read_manifest(dir)?;
        Self::open_checked(dir, manifest)
    }

    fn open_checked(dir: &Path, manifest: Manifest) -> Result<LeakSet, LeakSetError> {
        let len = usize::try_from(manifest.distinct)
            .map_err(|_| LeakSetError::corrupt(dir, "digest count too large"))?;
        let entry = |name: &str| -> Result<&FileEntry, LeakSetError> {
            manifest
                .files
                .get(name)
                .ok_or_else(|| LeakSetError::corrupt(dir, format!("manifest lists no {name}")))
        };
        let dpath = dir.join(DIGESTS);
        let digests = map_verified(&dpath, entry(DIGESTS)?)?;
        if digests.as_ref().map_or(0, |m| m.len()) != len * DIGEST_LEN {
            return Err(LeakSetError::corrupt(
                &dpath,
                format!("{len} digests in the manifest, file size disagrees"),
            ));
        }
        let fpath = dir.join(FILTER);
        let fmap = map_verified(&fpath, entry(FILTER)?)?;
        let filter = match (&fmap, len) {
            (_, 0) => None,
            (None, _) => return Err(LeakSetError::corrupt(&fpath, "empty filter")),
            (Some(m), _) => Some(FilterTable::parse(&fpath, m, len)?),
        };
        if let Some(m) = &digests {
            // Uniform keys, scattered probes: read-ahead would only waste page cache.
            #[cfg(unix)]
            let _ = m.advise(memmap2::Advice::Random);
            check_sorted(&dpath, m)?;
        }
        Ok(LeakSet {
            dir: dir.to_path_buf(),
            manifest,
            digests,
            filter,
            len,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sorted digests.
    pub fn digests(&self) -> impl ExactSizeIterator<Item = &Digest> + '_ {
        self.bytes()
            .chunks_exact(DIGEST_LEN)
            .map(|c| c.try_into().expect("16-byte chunk"))
    }

    fn bytes(&self) -> &[u8] {
        self.digests.as_deref().unwrap_or(&[])
    }

    /// Whether the set holds `kind`/`canonical` under `hasher`'s key.
    pub fn contains_value(&self, hasher: &KeyedHasher, kind: Kind, canonical: &str) -> bool {
        let h = hasher.hash(kind, canonical);
        self.contains(h[..DIGEST_LEN].try_into().expect("16 bytes"))
    }

    /// Whether the set holds the digest given as 32 hex characters (an alert's `hash`).
    pub fn contains_hex(&self, hex: &str) -> bool {
        parse_digest_hex(hex).is_some_and(|d| self.contains(&d))
    }

    /// Whether the set holds `d`. The filter answers most misses with three memory reads; a
    /// filter hit (every member, ~0.4% of the rest) is settled by the sorted table.
    #[inline]
    pub fn contains(&self, d: &Digest) -> bool {
        let key = prefix(d);
        match &self.filter {
            None => false,
            Some(f) => f.contains(key) && self.search(key, d),
        }
    }

    /// Whether the set holds each of `digests`, into `out` (as long as `digests`): the answers
    /// of [`LeakSet::contains`], faster when there are many. The filter reads of a block of
    /// digests overlap (see [`FilterTable::contains_many`]), and so do the first table reads of
    /// its filter hits.
    pub fn contains_many(&self, digests: &[Digest], out: &mut [bool]) {
        assert_eq!(digests.len(), out.len(), "one answer per digest");
        let Some(filter) = &self.filter else {
            out.fill(false);
            return;
        };
        let table = self.bytes().as_ptr();
        let mut keys = [0u64; 64];
        for (ds, out) in digests.chunks(keys.len()).zip(out.chunks_mut(keys.len())) {
            let keys = &mut keys[..ds.len()];
            for (k, d) in keys.iter_mut().zip(ds) {
                *k = prefix(d);
            }
            filter.contains_many(keys, out);
            for (&k, _) in keys.iter().zip(out.iter()).filter(|(_, &hit)| hit) {
                prefetch(table.wrapping_add(self.first_guess(k) * DIGEST_LEN));
            }
            for ((&k, d), o) in keys.iter().zip(ds).zip(out.iter_mut()) {
                *o = *o && self.search(k, d);
            }
        }
    }

    /// Where [`LeakSet::search`] first looks for `key`: its share of the key space.
    #[inline]
    fn first_guess(&self, key: u64) -> usize {
        ((u128::from(key) * self.len as u128) >> 64) as usize
    }

    /// Interpolation search: BLAKE3 digests are uniform, so the first guess lands within a few
    /// hundred entries of the target and the second within a few; the range then shrinks to a
    /// short linear scan. Falls back to halving so a skewed (hand-made) set stays logarithmic.
    fn search(&self, key: u64, d: &Digest) -> bool {
        let b = self.bytes();
        let at = |i: usize| prefix(&b[i * DIGEST_LEN..]);
        let (mut lo, mut hi) = (0usize, self.len); // the answer is in [lo, hi)
        let (mut klo, mut khi) = (0u64, u64::MAX);
        let mut rounds = 0;
        while hi - lo > 8 {
            let span = (hi - lo) as u128;
            let mid = if rounds < 4 && khi > klo {
                let off = (u128::from(key.saturating_sub(klo)) * span) / u128::from(khi - klo);
                lo + (off as usize).min(hi - lo - 1)
            } else {
                lo + (hi - lo) / 2
            };
            rounds += 1;
            let k = at(mid);
            if k < key {
                lo = mid + 1;
                klo = k;
            } else if k > key {
                hi = mid;
                khi = k;
            } else {
                // Equal prefixes: the digest is at or next to mid.
                return self.scan_equal(mid, key, d);
            }
        }
        (lo..hi).any(|i| &b[i * DIGEST_LEN..(i + 1) * DIGEST_LEN] == d)
    }

    fn scan_equal(&self, mid: usize, key: u64, d: &Digest) -> bool {
        let b = self.bytes();
        let eq = |i: usize| &b[i * DIGEST_LEN..(i + 1) * DIGEST_LEN] == d;
        let pre = |i: usize| prefix(&b[i * DIGEST_LEN..]) == key;
        (mid..self.len).take_while(|&i| pre(i)).any(eq)
            || (0..mid).rev().take_while(|&i| pre(i)).any(eq)
    }
}

pub fn parse_digest_hex(hex: &str) -> Option<Digest> {
    hex::FromHex::from_hex(hex).ok()
}

pub(crate) fn read_manifest(dir: &Path) -> Result<Manifest, LeakSetError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(LeakSetError::io(&path))?;
    // Look at the format fields first so an old or foreign file gets a precise message.
    let v: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| LeakSetError::corrupt(&path, format!("not JSON: {e}")))?;
    if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(LeakSetError::corrupt(
            &path,
            format!("`format` is not {FORMAT}"),
        ));
    }
    let found = v.get("version").and_then(|f| f.as_u64()).unwrap_or(0) as u32;
    if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&found) {
        return Err(LeakSetError::Version {
            path,
            found,
            oldest: OLDEST_FORMAT_VERSION,
            supported: FORMAT_VERSION,
        });
    }
    serde_json::from_value(v).map_err(|e| LeakSetError::corrupt(&path, e.to_string()))
}

/// Maps a data file after checking its size and BLAKE3 against the manifest (`None` when empty:
/// an empty file cannot be mapped).
fn map_verified(path: &Path, entry: &FileEntry) -> Result<Option<Mmap>, LeakSetError> {
    let file = std::fs::File::open(path).map_err(LeakSetError::io(path))?;
    let size = file.metadata().map_err(LeakSetError::io(path))?.len();
    if size != entry.bytes {
        return Err(LeakSetError::corrupt(
            path,
            format!(
                "{size} bytes, the manifest says {} (truncated or replaced)",
                entry.bytes
            ),
        ));
    }
    if size == 0 {
        return check_hash(path, &[], entry).map(|()| None);
    }
    // SAFETY: the set directory is written once, renamed into place and never modified; a file
    // changed underneath a running matcher is outside the contract (as for any mmap reader).
    let map = unsafe { Mmap::map(&file) }.map_err(LeakSetError::io(path))?;
    check_hash(path, &map, entry)?;
    Ok(Some(map))
}

fn check_hash(path: &Path, bytes: &[u8], entry: &FileEntry) -> Result<(), LeakSetError> {
    let mut h = blake3::Hasher::new();
    // Multi-threaded hashing of a 1.6 GB table would compete with the matcher; one core is
    // ~1 s per GB here, paid once at start.
    h.update(bytes);
    if h.finalize().to_hex().as_str() != entry.blake3 {
        return Err(LeakSetError::corrupt(
            path,
            "BLAKE3 differs from the manifest (file damaged)",
        ));
    }
    Ok(())
}

/// Refuses a table out of order: the search would silently miss members.
fn check_sorted(path: &Path, m: &[u8]) -> Result<(), LeakSetError> {
    let sorted = m
        .chunks_exact(DIGEST_LEN)
        .zip(m.chunks_exact(DIGEST_LEN).skip(1))
        .all(|(a, b)| a < b);
    if !sorted {
        return Err(LeakSetError::corrupt(
            path,
            "digests are not sorted and unique",
        ));
    }
    Ok(())
}

/// The sets a matcher consults, all opened with its key.
#[derive(Debug, Default)]
pub struct KnownLeaks {
    sets: Vec<LeakSet>,
}

impl KnownLeaks {
    /// Opens every set with `hasher`'s key; the first missing, damaged or foreign-key set fails.
    pub fn open(dirs: &[PathBuf], hasher: &KeyedHasher) -> Result<KnownLeaks, LeakSetError> {
        let sets = dirs
            .iter()
            .map(|d| LeakSet::open(d, hasher))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(KnownLeaks { sets })
    }

    pub fn from_sets(sets: Vec<LeakSet>) -> KnownLeaks {
        KnownLeaks { sets }
    }

    pub fn sets(&self) -> &[LeakSet] {
        &self.sets
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// For each of `digests`, the names of the sets holding it, in configuration order; each
    /// set answers all the digests at once ([`LeakSet::contains_many`]).
    pub fn names_containing_many(&self, digests: &[Digest]) -> Vec<Vec<String>> {
        let mut names = vec![Vec::new(); digests.len()];
        let mut hits = vec![false; digests.len()];
        for set in &self.sets {
            set.contains_many(digests, &mut hits);
            for (names, _) in names.iter_mut().zip(&hits).filter(|(_, &hit)| hit) {
                names.push(set.name().to_string());
            }
        }
        names
    }
}
