//! A batch's raw records in one buffer.
//!
//! The sources read 2,048 records a batch; as one `Vec<u8>` each, every record cost an
//! allocation where it was read and a free on the matching thread (benches/README.md,
//! "Branch pipeline-speed6"). Here the records lie end to end in one buffer, with the end of
//! each in a second one: two growing allocations a batch.

/// Records, in order, each a byte string (not necessarily UTF-8 or JSON: the matcher decides).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Records {
    /// The records' bytes, end to end. Bytes after the last end form the record being
    /// appended ([`Records::buffer`]); they are not part of the batch until
    /// [`Records::end_record`].
    data: Vec<u8>,
    /// Where each record ends in `data` (it starts where the one before it ends).
    ends: Vec<usize>,
}

impl Records {
    /// Room for `records` records of `bytes` bytes in all, so that a batch like the one before
    /// it fills without growing.
    pub fn with_capacity(records: usize, bytes: usize) -> Records {
        Records {
            data: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(records),
        }
    }

    /// Drops the records and makes room for `records` records of `bytes` bytes in all, keeping
    /// the buffers' allocations: a buffer reused this way is memory already faulted in.
    pub fn clear_for(&mut self, records: usize, bytes: usize) {
        self.data.clear();
        self.ends.clear();
        self.data.reserve(bytes);
        self.ends.reserve(records);
    }

    /// The bytes the buffers hold room for.
    pub fn capacity_bytes(&self) -> usize {
        self.data.capacity() + self.ends.capacity() * std::mem::size_of::<usize>()
    }

    /// How many records.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes of all records (without one being appended).
    pub fn bytes(&self) -> usize {
        self.closed()
    }

    /// Appends a record.
    pub fn push(&mut self, record: &[u8]) {
        self.drop_open();
        self.data.extend_from_slice(record);
        self.ends.push(self.data.len());
    }

    /// The buffer to append the next record's bytes to, in as many pieces as it comes in;
    /// [`end_record`](Records::end_record) then makes them a record, or
    /// [`drop_open`](Records::drop_open) drops them. Only bytes past the last record may be
    /// changed: callers append.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }

    /// The bytes appended since the last record ended.
    pub fn open(&self) -> &[u8] {
        &self.data[self.closed()..]
    }

    /// Makes the bytes appended since the last record a record (possibly empty).
    pub fn end_record(&mut self) {
        self.ends.push(self.data.len());
    }

    /// Drops the bytes appended since the last record.
    pub fn drop_open(&mut self) {
        self.data.truncate(self.closed());
    }

    /// Record `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            data: &self.data,
            ends: self.ends.iter(),
            start: 0,
        }
    }

    fn closed(&self) -> usize {
        self.ends.last().copied().unwrap_or(0)
    }
}

/// Batch buffers handed back by the matchers once a batch is matched, for the source to fill
/// again. Every batch had two fresh allocations of ~1.2 MB (2,048 dev-corpus posts); fresh
/// memory here is transparent huge pages the kernel zeroes on first touch, and in the first
/// 50 ms of a run the inbox source spent 28 ms in `clear_page_erms` (benches/README.md, branch
/// `pipeline-speed16`). Bounded: at most `cap` buffers of at most [`Pool::MAX_BYTES`] each are
/// kept; more, or larger ones (a batch of unusually long records), are freed as before.
#[derive(Clone)]
pub struct Pool {
    free: std::sync::Arc<std::sync::Mutex<Vec<Records>>>,
    cap: usize,
}

impl Pool {
    /// A kept buffer holds room for at most this many bytes (a dev-corpus batch needs ~1.2 MB).
    pub const MAX_BYTES: usize = 8 << 20;

    pub fn new(cap: usize) -> Pool {
        Pool {
            free: Default::default(),
            cap,
        }
    }

    /// A buffer handed back, or `None` when there is none.
    pub fn take(&self) -> Option<Records> {
        self.free.lock().ok()?.pop()
    }

    /// Hands back a batch's buffers; freed instead if the pool is full or they are large.
    pub fn put(&self, records: Records) {
        if records.capacity_bytes() > Pool::MAX_BYTES {
            return;
        }
        if let Ok(mut free) = self.free.lock() {
            if free.len() < self.cap {
                free.push(records);
            }
        }
    }

    /// How many buffers are kept (the tests' view; the pipeline only takes and puts).
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.free.lock().map_or(0, |f| f.len())
    }
}

impl<R: AsRef<[u8]>> FromIterator<R> for Records {
    fn from_iter<I: IntoIterator<Item = R>>(iter: I) -> Records {
        let mut records = Records::default();
        for r in iter {
            records.push(r.as_ref());
        }
        records
    }
}

impl<'a> IntoIterator for &'a Records {
    type Item = &'a [u8];
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The records of a [`Records`], in order.
pub struct Iter<'a> {
    data: &'a [u8],
    ends: std::slice::Iter<'a, usize>,
    start: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let end = *self.ends.next()?;
        let r = &self.data[self.start..end];
        self.start = end;
        Some(r)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ends.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_in_one_buffer() {
        let mut r = Records::with_capacity(4, 16);
        assert!(r.is_empty());
        r.push(b"ab");
        r.buffer().extend_from_slice(b"c");
        r.buffer().extend_from_slice(b"de");
        assert_eq!(r.open(), b"cde");
        r.end_record();
        r.end_record(); // an empty record
        r.buffer().extend_from_slice(b"dropped");
        r.drop_open();
        r.buffer().extend_from_slice(b"also dropped");
        r.push(b"f");
        assert_eq!(r.len(), 4);
        assert_eq!(r.bytes(), 6);
        let all: Vec<&[u8]> = r.iter().collect();
        assert_eq!(all, [&b"ab"[..], b"cde", b"", b"f"]);
        assert_eq!(r.iter().len(), 4);
        assert_eq!(
            (r.get(1), r.get(2), r.get(4)),
            (Some(&b"cde"[..]), Some(&b""[..]), None)
        );
        assert_eq!(r, ["ab", "cde", "", "f"].into_iter().collect::<Records>());
        let data = r.data.as_ptr();
        r.clear_for(2, 3);
        assert!(r.is_empty() && r.bytes() == 0 && r.iter().next().is_none());
        assert_eq!(r.data.as_ptr(), data, "the allocation is kept");
        r.push(b"g");
        assert_eq!(r, ["g"].into_iter().collect::<Records>());
    }

    /// The pool keeps at most `cap` buffers, none larger than `MAX_BYTES`, and gives back the
    /// allocations it kept.
    #[test]
    fn the_pool_is_bounded() {
        let pool = Pool::new(2);
        assert!(pool.take().is_none());
        let kept = Records::with_capacity(8, 1 << 10);
        let ptr = kept.data.as_ptr();
        pool.put(kept);
        pool.put(Records::with_capacity(8, 1 << 10));
        pool.put(Records::with_capacity(8, 1 << 10));
        assert_eq!(pool.kept(), 2);
        pool.take();
        pool.put(Records::with_capacity(1, Pool::MAX_BYTES + 1));
        assert_eq!(pool.kept(), 1);
        assert_eq!(pool.take().unwrap().data.as_ptr(), ptr);
        assert_eq!(pool.kept(), 0);
    }
}
