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
use memmap2::{Mmap, MmapMut};
use std::ops::Range;
use std::path::Path;
#[cfg(test)]
use xorf::Filter;
use xorf::{BinaryFuse8, Descriptor, DmaSerializable};

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

    /// xorf's own answer for `key`: the reference [`FilterTable`] is tested against.
    #[cfg(test)]
    fn contains(&self, key: u64) -> bool {
        match &self.shards[shard_of(key, self.bits)] {
            Some(f) => f.contains(&key),
            None => false,
        }
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let fingerprints: usize = self
            .shards
            .iter()
            .flatten()
            .map(|f| f.fingerprints.len())
            .sum();
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
}

/// The read side of `filter.bin`. Every shard's fingerprints live in one anonymous mapping
/// advised for transparent huge pages: a 100M-key filter is 113 MB, and with 4 KiB pages nearly
/// every one of a lookup's three reads also misses the TLB. The lookup itself is xorf's,
/// restated in [`FilterTable::probe`], because xorf has no way to name a key's slots without
/// reading them, and [`FilterTable::contains_many`] prefetches the slots of a block of keys
/// before it reads any. `table_agrees_with_xorf` pins the restatement to xorf's `contains`.
pub(crate) struct FilterTable {
    bits: u32,
    /// `None` for a shard without keys.
    shards: Vec<Option<Slots>>,
    fingerprints: Mmap,
}

/// A shard's hash parameters (xorf's descriptor) and where its fingerprints start.
#[derive(Clone, Copy, Debug)]
struct Slots {
    seed: u64,
    segment_length: u32,
    segment_length_mask: u32,
    segment_count_length: u32,
    start: usize,
}

/// A key's three fingerprint positions in the table and the fingerprint they must XOR to.
#[derive(Clone, Copy, Default)]
struct Probe {
    at: [usize; 3],
    fingerprint: u8,
    /// False when the key's shard is empty: no member.
    live: bool,
}

/// Keys whose slots are prefetched together. Enough misses in flight to cover the memory
/// latency; measured in `benches/README.md` ("Known-leak sets").
const BLOCK: usize = 16;

/// MurmurHash3's 64-bit finalizer, as xorf mixes a key with a filter's seed.
#[inline]
fn mix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

#[inline(always)]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl FilterTable {
    /// Whether `key` may be a member (false positives ~1/256, no false negatives).
    #[inline]
    pub(crate) fn contains(&self, key: u64) -> bool {
        self.test(&self.probe(key))
    }

    /// Whether each of `keys` may be a member, into `out` (as long as `keys`). The slots of
    /// [`BLOCK`] keys are computed and prefetched before any is read, so their cache and TLB
    /// misses overlap instead of following one another.
    pub(crate) fn contains_many(&self, keys: &[u64], out: &mut [bool]) {
        assert_eq!(keys.len(), out.len(), "one answer per key");
        let base = self.fingerprints.as_ptr();
        let mut probes = [Probe::default(); BLOCK];
        for (keys, out) in keys.chunks(BLOCK).zip(out.chunks_mut(BLOCK)) {
            for (p, &key) in probes.iter_mut().zip(keys) {
                *p = self.probe(key);
                for &at in &p.at {
                    prefetch(base.wrapping_add(at));
                }
            }
            for (o, p) in out.iter_mut().zip(&probes) {
                *o = self.test(p);
            }
        }
    }

    #[inline]
    fn probe(&self, key: u64) -> Probe {
        let Some(s) = &self.shards[shard_of(key, self.bits)] else {
            return Probe::default();
        };
        let hash = mix64(key.wrapping_add(s.seed));
        let h0 = ((u128::from(hash) * u128::from(s.segment_count_length)) >> 64) as u32;
        let h1 = (h0 + s.segment_length) ^ ((hash >> 18) as u32 & s.segment_length_mask);
        let h2 = (h0 + 2 * s.segment_length) ^ (hash as u32 & s.segment_length_mask);
        Probe {
            at: [h0, h1, h2].map(|h| s.start + h as usize),
            fingerprint: (hash ^ (hash >> 32)) as u8,
            live: true,
        }
    }

    #[inline]
    fn test(&self, p: &Probe) -> bool {
        let f = &self.fingerprints;
        p.live && p.fingerprint ^ f[p.at[0]] ^ f[p.at[1]] ^ f[p.at[2]] == 0
    }

    /// Reads either layout; refuses a header that does not fit its bytes, or fewer
    /// fingerprints than the set's `len` digests (a filter of another set).
    pub(crate) fn parse(path: &Path, m: &[u8], len: usize) -> Result<FilterTable, LeakSetError> {
        let corrupt = |reason: &str| LeakSetError::corrupt(path, reason);
        // Each shard: its descriptor bytes and its fingerprints.
        let mut parts: Vec<Option<(&[u8], &[u8])>> = Vec::new();
        let bits = match m.get(..8) {
            Some(magic) if magic == SINGLE_MAGIC => {
                let (d, fingerprints) = m[8..]
                    .split_at_checked(Descriptor::DMA_LEN)
                    .ok_or_else(|| corrupt("filter header truncated"))?;
                parts.push(Some((d, fingerprints)));
                0
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
                for entry in header.chunks_exact(SHARD_ENTRY) {
                    let n = u64::from_le_bytes(entry[..8].try_into().expect("8 bytes"));
                    let (fingerprints, after) = usize::try_from(n)
                        .ok()
                        .and_then(|n| rest.split_at_checked(n))
                        .ok_or_else(|| corrupt("filter shard reaches past the file"))?;
                    rest = after;
                    parts.push((n > 0).then_some((&entry[8..], fingerprints)));
                }
                if !rest.is_empty() {
                    return Err(corrupt("bytes after the last filter shard"));
                }
                bits
            }
            _ => return Err(corrupt("not a binary fuse filter")),
        };
        let total: usize = parts.iter().flatten().map(|(_, f)| f.len()).sum();
        if total < len {
            return Err(corrupt("fewer filter fingerprints than digests"));
        }
        let io = LeakSetError::io(path);
        let mut arena = MmapMut::map_anon(total.max(1)).map_err(io)?;
        // Advised before the copy touches a page, so the pages are huge from the start. Where
        // the kernel has no huge pages to give, the advice fails or does nothing: same answers.
        #[cfg(target_os = "linux")]
        let _ = arena.advise(memmap2::Advice::HugePage);
        let mut shards = Vec::with_capacity(parts.len());
        let mut start = 0;
        for part in parts {
            shards.push(match part {
                None => None,
                Some((d, fingerprints)) => {
                    let slots = slots(path, d, fingerprints.len(), start)?;
                    arena[start..start + fingerprints.len()].copy_from_slice(fingerprints);
                    start += fingerprints.len();
                    Some(slots)
                }
            });
        }
        let fingerprints = arena.make_read_only().map_err(LeakSetError::io(path))?;
        Ok(FilterTable {
            bits,
            shards,
            fingerprints,
        })
    }
}

/// A shard's parameters from its stored descriptor, checked against its `len` fingerprints:
/// every slot a key can reach must be one of the shard's own.
fn slots(path: &Path, d: &[u8], len: usize, start: usize) -> Result<Slots, LeakSetError> {
    let u32_at = |i: usize| u32::from_le_bytes(d[i..i + 4].try_into().expect("4 bytes"));
    let s = Slots {
        seed: u64::from_le_bytes(d[..8].try_into().expect("8 bytes")),
        segment_length: u32_at(8),
        segment_length_mask: u32_at(12),
        segment_count_length: u32_at(16),
        start,
    };
    // Keys reach segment_count_length + 2 segments: the first slot below segment_count_length,
    // the others in the first slot's segment-aligned block one and two segments on.
    let reach = u64::from(s.segment_count_length) + 2 * u64::from(s.segment_length);
    if !s.segment_length.is_power_of_two()
        || s.segment_length_mask != s.segment_length - 1
        || !s.segment_count_length.is_multiple_of(s.segment_length)
        || reach > len as u64
        || reach > u64::from(u32::MAX)
    {
        return Err(LeakSetError::corrupt(
            path,
            "filter descriptor does not fit its fingerprints",
        ));
    }
    Ok(s)
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

    /// `n` distinct random keys, sorted.
    fn keys(n: usize, seed: u64) -> Vec<u64> {
        let mut state = seed;
        let mut keys: Vec<u64> = (0..n).map(|_| xorf::splitmix64(&mut state)).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    fn built(keys: &[u64], bits: u32) -> ShardedFilter {
        let shard_keys = |s: usize, buf: &mut Vec<u64>| {
            buf.extend_from_slice(&keys[shard_range(keys, |k| *k, bits, s)]);
        };
        ShardedFilter::build(bits, 2, shard_keys, || ()).1.unwrap()
    }

    #[test]
    fn table_agrees_with_xorf() {
        let members = keys(100_000, 1);
        let others = keys(300_000, 2);
        // One filter (a version-1 file) and 64 shards; a set of 10 keys leaves shards empty.
        for (keys, bits) in [
            (&members[..], 0),
            (&members[..], SHARD_BITS),
            (&members[..10], SHARD_BITS),
        ] {
            let built = built(keys, bits);
            let table = FilterTable::parse(Path::new("t"), &built.to_bytes(), keys.len()).unwrap();
            assert!(keys.iter().all(|&k| table.contains(k)), "no false negative");
            let mut positives = 0;
            for &k in &others {
                assert_eq!(
                    table.contains(k),
                    built.contains(k),
                    "key {k:#x}, {bits} shard bits"
                );
                positives += usize::from(table.contains(k));
            }
            assert!(
                positives < others.len() / 200,
                "false positives ~1/256: {positives}"
            );
            // Batched, over a length that is no multiple of the block.
            let mixed: Vec<u64> = others
                .iter()
                .zip(keys.iter().cycle())
                .take(1_001)
                .flat_map(|(&a, &b)| [a, b])
                .collect();
            let mut out = vec![false; mixed.len()];
            table.contains_many(&mixed, &mut out);
            let one_by_one: Vec<bool> = mixed.iter().map(|&k| table.contains(k)).collect();
            assert_eq!(out, one_by_one);
        }
    }

    #[test]
    fn descriptors_that_reach_past_their_shard_are_refused() {
        let members = keys(1_000, 3);
        let bytes = built(&members, 0).to_bytes();
        let table =
            |bytes: &[u8]| FilterTable::parse(Path::new("t"), bytes, members.len()).map(|_| ());
        assert!(table(&bytes).is_ok());
        // Magic, shard bits, the one shard's fingerprint count, then its descriptor: seed,
        // segment length (at 28), mask (32), segment count length (36).
        for (at, value) in [(28, 3u32), (32, 0), (36, 1 << 30), (36, 7)] {
            let mut bad = bytes.clone();
            bad[at..at + 4].copy_from_slice(&value.to_le_bytes());
            assert!(table(&bad).is_err(), "field at {at} = {value} accepted");
        }
    }
}
