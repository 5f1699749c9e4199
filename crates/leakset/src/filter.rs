//! `filter.bin`: binary fuse filters over the digests' 8-byte prefixes, one per shard of the
//! keys' top bits. xorf builds a filter on one thread, and a 10M-key filter took ~1 s, after
//! every digest was known: shards build on every core, and a shard's construction arrays fit
//! in cache. A lookup picks its shard from the key's top bits (one more load).
//!
//! Layout, little-endian: [`SHARDED_MAGIC`], the shard bits (u32), then per shard its
//! fingerprint count (u64) and xorf descriptor, then every shard's fingerprints in shard order.
//! An empty shard has no fingerprints and a zero descriptor. Sets of format version 1 hold one
//! filter: [`SINGLE_MAGIC`], the descriptor, the fingerprints; they are read as one shard.

use crate::error::LeakSetError;
use std::ops::Range;
use std::path::Path;
use xorf::{BinaryFuse8, Descriptor, DmaSerializable, Filter};

const SINGLE_MAGIC: &[u8; 8] = b"DXBFUSE8";
const SHARDED_MAGIC: &[u8; 8] = b"DXBFUSES";
/// Bytes of a shard's entry in the header: fingerprint count, descriptor.
const SHARD_ENTRY: usize = 8 + Descriptor::DMA_LEN;
/// Shards of the filters this build writes: 64, whatever the set's size, so the bytes depend
/// on the keys alone (a spilled and an in-memory build write the same file) and no pass counts
/// the keys first. 10M keys make shards of ~156,000 (~1.3 MB of construction arrays each);
/// 100M keys, of ~1.6M. Small shards cost space: a fuse filter's overhead grows as its keys
/// shrink (1.125 → 1.16 bytes a key at 10M, more for small sets, where it does not matter).
pub(crate) const SHARD_BITS: u32 = 6;
/// The most shard bits a file may declare (a damaged header must not allocate without bound).
const MAX_SHARD_BITS: u32 = 16;

pub(crate) struct ShardedFilter {
    bits: u32,
    /// `None` for a shard without keys.
    shards: Vec<Option<BinaryFuse8>>,
}

/// The shard of `key` among `1 << bits`: its top `bits` bits (none when `bits` is 0).
#[inline]
fn shard_of(key: u64, bits: u32) -> usize {
    ((key >> 1) >> (63 - bits)) as usize
}

/// The positions of shard `shard`'s keys in `sorted` (ordered by `key`).
pub(crate) fn shard_range<T>(
    sorted: &[T],
    key: impl Fn(&T) -> u64,
    bits: u32,
    shard: usize,
) -> Range<usize> {
    let start = sorted.partition_point(|t| shard_of(key(t), bits) < shard);
    let len = sorted[start..].partition_point(|t| shard_of(key(t), bits) == shard);
    start..start + len
}

impl ShardedFilter {
    /// Builds the `1 << bits` shards on `threads` threads. `shard_keys(s, buf)` appends shard
    /// `s`'s distinct keys to `buf`, sorted. `beside` (writing the digests) runs on one more
    /// thread, which then builds shards too; its result is returned with the filter. One more
    /// thread than cores: the writer waits for the disk (its sync) much of its time.
    pub(crate) fn build<T: Send>(
        bits: u32,
        threads: usize,
        shard_keys: impl Fn(usize, &mut Vec<u64>) + Sync,
        beside: impl FnOnce() -> T + Send,
    ) -> (T, Result<ShardedFilter, LeakSetError>) {
        let count = 1usize << bits;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut keys = Vec::new();
            let mut built = Vec::new();
            loop {
                let s = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if s >= count {
                    return built;
                }
                keys.clear();
                shard_keys(s, &mut keys);
                let filter = match keys.is_empty() {
                    true => Ok(None),
                    false => BinaryFuse8::try_from(&keys[..])
                        .map(Some)
                        .map_err(|e| LeakSetError::Filter(e.to_string())),
                };
                built.push((s, filter));
            }
        };
        let (first, built) = std::thread::scope(|scope| {
            let first = scope.spawn(|| (beside(), work()));
            let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            let mut built = work();
            for h in others {
                built.extend(h.join().expect("filter shard builder panicked"));
            }
            let (first, rest) = first.join().expect("digest writer panicked");
            built.extend(rest);
            (first, built)
        });
        let mut shards: Vec<Option<BinaryFuse8>> = (0..count).map(|_| None).collect();
        for (s, filter) in built {
            match filter {
                Ok(f) => shards[s] = f,
                Err(e) => return (first, Err(e)),
            }
        }
        (first, Ok(ShardedFilter { bits, shards }))
    }

    /// Whether `key` may be a member (false positives ~1/256, no false negatives).
    #[inline]
    pub(crate) fn contains(&self, key: u64) -> bool {
        match &self.shards[shard_of(key, self.bits)] {
            Some(f) => f.contains(&key),
            None => false,
        }
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let fingerprints: usize = self.shards.iter().flatten().map(|f| f.len()).sum();
        let mut out = Vec::with_capacity(12 + self.shards.len() * SHARD_ENTRY + fingerprints);
        out.extend_from_slice(SHARDED_MAGIC);
        out.extend_from_slice(&self.bits.to_le_bytes());
        for shard in &self.shards {
            let mut d = [0u8; Descriptor::DMA_LEN];
            let len = shard.as_ref().map_or(0, |f| {
                f.dma_copy_descriptor_to(&mut d);
                f.fingerprints.len()
            });
            out.extend_from_slice(&(len as u64).to_le_bytes());
            out.extend_from_slice(&d);
        }
        for f in self.shards.iter().flatten() {
            out.extend_from_slice(&f.fingerprints);
        }
        out
    }

    /// Reads either layout; refuses a header that does not fit its bytes, or fewer
    /// fingerprints than the set's `len` digests (a filter of another set).
    pub(crate) fn parse(path: &Path, m: &[u8], len: usize) -> Result<ShardedFilter, LeakSetError> {
        let corrupt = |reason: &str| LeakSetError::corrupt(path, reason);
        let filter = match m.get(..8) {
            Some(magic) if magic == SINGLE_MAGIC => {
                let (d, fingerprints) = m[8..]
                    .split_at_checked(Descriptor::DMA_LEN)
                    .ok_or_else(|| corrupt("filter header truncated"))?;
                ShardedFilter {
                    bits: 0,
                    shards: vec![Some(shard(path, d, fingerprints)?)],
                }
            }
            Some(magic) if magic == SHARDED_MAGIC => {
                let bits = m
                    .get(8..12)
                    .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
                    .filter(|&b| b <= MAX_SHARD_BITS)
                    .ok_or_else(|| corrupt("filter shard count missing or above 2^16"))?;
                let count = 1usize << bits;
                let (header, mut rest) = m[12..]
                    .split_at_checked(count * SHARD_ENTRY)
                    .ok_or_else(|| corrupt("filter shard header truncated"))?;
                let mut shards = Vec::with_capacity(count);
                for entry in header.chunks_exact(SHARD_ENTRY) {
                    let n = u64::from_le_bytes(entry[..8].try_into().expect("8 bytes"));
                    let (fingerprints, after) = usize::try_from(n)
                        .ok()
                        .and_then(|n| rest.split_at_checked(n))
                        .ok_or_else(|| corrupt("filter shard reaches past the file"))?;
                    rest = after;
                    shards.push(match n {
                        0 => None,
                        _ => Some(shard(path, &entry[8..], fingerprints)?),
                    });
                }
                if !rest.is_empty() {
                    return Err(corrupt("bytes after the last filter shard"));
                }
                ShardedFilter { bits, shards }
            }
            _ => return Err(corrupt("not a binary fuse filter")),
        };
        if filter
            .shards
            .iter()
            .flatten()
            .map(|f| f.len())
            .sum::<usize>()
            < len
        {
            return Err(corrupt("fewer filter fingerprints than digests"));
        }
        Ok(filter)
    }
}

/// One shard from its stored descriptor and fingerprints.
fn shard(path: &Path, d: &[u8], fingerprints: &[u8]) -> Result<BinaryFuse8, LeakSetError> {
    let u32_at = |i: usize| u32::from_le_bytes(d[i..i + 4].try_into().expect("4 bytes"));
    let descriptor = Descriptor {
        seed: u64::from_le_bytes(d[..8].try_into().expect("8 bytes")),
        segment_length: u32_at(8),
        segment_length_mask: u32_at(12),
        segment_count_length: u32_at(16),
    };
    // The filter indexes up to segment_count_length + 2 segments; a descriptor that reaches past
    // the fingerprints would panic on lookup instead of failing here.
    let reach =
        u64::from(descriptor.segment_count_length) + 2 * u64::from(descriptor.segment_length);
    if descriptor.segment_length == 0
        || descriptor.segment_length_mask != descriptor.segment_length - 1
        || reach > fingerprints.len() as u64
    {
        return Err(LeakSetError::corrupt(
            path,
            "filter descriptor does not fit its fingerprints",
        ));
    }
    Ok(BinaryFuse8 {
        descriptor,
        fingerprints: fingerprints.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_the_top_bits() {
        assert_eq!(shard_of(u64::MAX, 0), 0);
        assert_eq!(shard_of(u64::MAX, 6), 63);
        assert_eq!(shard_of(1 << 58, 6), 1);
        assert_eq!(shard_of((1 << 58) - 1, 6), 0);
        let keys: Vec<u64> = (0..64u64).map(|s| s << 58 | 7).collect();
        for (s, _) in keys.iter().enumerate() {
            assert_eq!(shard_range(&keys, |k| *k, 6, s), s..s + 1);
        }
    }
}
