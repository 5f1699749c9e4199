//! Sorted runs of digests held in memory during a build, and their de-duplicating merge.
//!
//! Each worker appends its digests to one vector and sorts it when its dump is read (the
//! workers sort at the same time, one per core); the set is the merge of those runs. Measured
//! on 10M digests under load: scattering digests into 1,024 buckets by top bits as they were
//! hashed (to sort per bucket later) stalled on a cache miss per 4 digests and on the buckets'
//! growth, more than the per-worker sort and this merge cost.

use crate::error::LeakSetError;
use crate::manifest::Digest;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The order of `digests.bin`: the digest read big-endian (one 128-bit comparison instead of a
/// byte-wise `memcmp`).
#[inline]
pub(crate) fn order(d: &Digest) -> u128 {
    u128::from_be_bytes(*d)
}

pub(crate) fn sort(run: &mut [Digest]) {
    run.sort_unstable_by_key(order);
}

/// `v` split into `threads` pieces, each sorted on its own thread (sorted runs to merge).
pub(crate) fn sort_pieces(mut v: Vec<Digest>, threads: usize) -> Vec<Vec<Digest>> {
    let len = v.len().div_ceil(threads.max(1)).max(1);
    let mut pieces = Vec::new();
    while v.len() > len {
        pieces.push(v.split_off(v.len() - len));
    }
    pieces.push(v);
    std::thread::scope(|s| {
        for p in &mut pieces {
            s.spawn(|| sort(p));
        }
    });
    pieces
}

/// Calls `f` with every distinct digest of the sorted `runs`, in order.
pub(crate) fn for_each_unique(runs: &[&[Digest]], mut f: impl FnMut(&Digest)) {
    let mut last: Option<u128> = None;
    let mut emit = |d: &Digest| {
        let k = order(d);
        if last != Some(k) {
            last = Some(k);
            f(d);
        }
    };
    let runs: Vec<&[Digest]> = runs.iter().copied().filter(|r| !r.is_empty()).collect();
    match runs.as_slice() {
        [] => {}
        [a] => a.iter().for_each(&mut emit),
        // Two runs (two workers, one dump): the common case, without a heap.
        [a, b] => {
            let (mut i, mut j) = (0, 0);
            while i < a.len() && j < b.len() {
                // Branch-free choice: which run is next is a coin toss for uniform digests, a
                // mispredicted branch every other digest (the merge took 3x longer).
                let take_a = order(&a[i]) <= order(&b[j]);
                emit(if take_a { &a[i] } else { &b[j] });
                i += usize::from(take_a);
                j += usize::from(!take_a);
            }
            a[i..].iter().chain(&b[j..]).for_each(&mut emit);
        }
        _ => {
            let mut pos = vec![0usize; runs.len()];
            let mut heap: BinaryHeap<Reverse<(u128, usize)>> = runs
                .iter()
                .enumerate()
                .map(|(i, r)| Reverse((order(&r[0]), i)))
                .collect();
            while let Some(Reverse((_, i))) = heap.pop() {
                emit(&runs[i][pos[i]]);
                pos[i] += 1;
                if let Some(d) = runs[i].get(pos[i]) {
                    heap.push(Reverse((order(d), i)));
                }
            }
        }
    }
}

/// Writes the distinct digests of the sorted `runs` to `path`: one spilled run.
pub(crate) fn spill(runs: &[&[Digest]], path: &Path) -> Result<(), LeakSetError> {
    let f = std::fs::File::create(path).map_err(LeakSetError::io(path))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    let mut err = None;
    for_each_unique(runs, |d| {
        if err.is_none() {
            err = w.write_all(d).err();
        }
    });
    match err {
        Some(e) => Err(LeakSetError::io(path)(e)),
        None => w.flush().map_err(LeakSetError::io(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(i: u64) -> Digest {
        *blake3::hash(&i.to_le_bytes()).as_bytes()[..16]
            .first_chunk()
            .expect("16 bytes")
    }

    #[test]
    fn merged_runs_are_the_sorted_unique_digests() {
        // Duplicates within a run and across runs; one, two and three runs (the heap).
        let mut all: Vec<Digest> = (0..20_000u64).map(|i| digest(i % 15_000)).collect();
        let mut want = all.clone();
        want.sort_unstable();
        want.dedup();
        for threads in [1, 2, 3] {
            let pieces = sort_pieces(all.clone(), threads);
            let runs: Vec<&[Digest]> = pieces.iter().map(Vec::as_slice).collect();
            assert_eq!(runs.len(), threads);
            let mut got = Vec::new();
            for_each_unique(&runs, |d| got.push(*d));
            assert_eq!(got, want, "{threads} runs");
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("run");
        sort(&mut all);
        spill(&[&all[..7_000], &[], &all[7_000..]], &p).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), want.as_flattened());
    }
}
