//! Building a set: dump rows → canonical identifiers → keyed digests, collected in runs under a
//! memory budget (sorted runs spill to temporary files beyond it), then a k-way merge with
//! de-duplication writes `digests.bin`, the filter and the manifest into a temporary directory
//! that is renamed into place, so a set exists completely or not at all.

use crate::canon::{kind_from_str, trim, CanonCache, Canonicalizer};
use crate::error::LeakSetError;
use crate::filter::{shard_range, ShardedFilter, SHARD_BITS};
use crate::manifest::{
    BuildParams, Digest, FileEntry, Manifest, DIGESTS, DIGEST_LEN, FILTER, FORMAT, FORMAT_VERSION,
    MANIFEST,
};
use crate::set::{prefix, LeakSet};
use crate::sort::{for_each_unique, sort, sort_pieces};
use doxwatch_model::{KeyedHasher, Kind};
use std::collections::{BTreeMap, BinaryHeap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Where a kind's value is in a row: a 1-based column (CSV, TSV, plain) or a field (JSONL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub kind: Kind,
    pub column: String,
}

/// Parses `id_card=3,phone=5,name=1`.
pub fn parse_map(s: &str) -> Result<Vec<Mapping>, LeakSetError> {
    let mut out: Vec<Mapping> = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, c) = part
            .split_once('=')
            .ok_or_else(|| LeakSetError::Map(format!("`{part}` is not kind=column")))?;
        let kind = kind_from_str(k.trim()).ok_or_else(|| {
            LeakSetError::Map(format!(
                "unknown kind `{k}` (one of id_card, phone, bank_card, email, qq, wechat, telegram, name)"
            ))
        })?;
        let column = c.trim().to_string();
        if column.is_empty() {
            return Err(LeakSetError::Map(format!("`{part}` names no column")));
        }
        out.push(Mapping { kind, column });
    }
    if out.is_empty() {
        return Err(LeakSetError::Map("no kind=column pair".into()));
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub name: String,
    pub source: String,
    pub date: String,
    pub map: Vec<Mapping>,
    /// Digests held in memory before a sorted run spills to disk, in MiB.
    pub memory_mb: u64,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Also build the self-check table (`oprf.bin`) under this OPRF key. Costs one OPRF
    /// evaluation (~0.1 ms) per phone or ID; the table is held in memory (21 bytes an entry).
    pub oprf: Option<crate::selfcheck::OprfKey>,
}

/// The shape of a dump, from its name (a `.gz` suffix is decompressed first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFormat {
    Csv,
    Tsv,
    Jsonl,
    /// One value per line.
    Plain,
}

impl DumpFormat {
    pub fn of(path: &Path) -> DumpFormat {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match name.rsplit('.').next() {
            Some("csv") => DumpFormat::Csv,
            Some("tsv") | Some("tab") => DumpFormat::Tsv,
            Some("jsonl") | Some("ndjson") | Some("json") => DumpFormat::Jsonl,
            _ => DumpFormat::Plain,
        }
    }
}

pub struct Builder {
    hasher: KeyedHasher,
    canon: Canonicalizer,
    opts: BuildOptions,
    /// Digests added one by one ([`Builder::add`], [`Builder::add_digest`]), unsorted.
    own: Vec<Digest>,
    /// The workers' runs from the dumps read so far, each sorted.
    mem: Vec<Vec<Digest>>,
    run_cap: usize,
    spill_dir: tempfile::TempDir,
    spills: Vec<PathBuf>,
    rows: u64,
    counts: BTreeMap<Kind, u64>,
    invalid: BTreeMap<Kind, u64>,
    inputs: Vec<String>,
    out: PathBuf,
    buf: String,
    cache: CanonCache,
    oprf: crate::selfcheck::OprfTableBuilder,
}

impl Builder {
    /// A builder writing `out` (which must not exist) with `hasher`'s key.
    pub fn new(
        out: &Path,
        hasher: KeyedHasher,
        opts: BuildOptions,
    ) -> Result<Builder, LeakSetError> {
        if out.exists() {
            return Err(LeakSetError::Exists(out.to_path_buf()));
        }
        let parent = parent_dir(out);
        std::fs::create_dir_all(&parent).map_err(LeakSetError::io(&parent))?;
        // Runs spill next to the output: same disk, and cleaned up with the TempDir.
        let spill_dir = tempfile::Builder::new()
            .prefix(".leakset-runs-")
            .tempdir_in(&parent)
            .map_err(LeakSetError::io(&parent))?;
        let run_cap = ((opts.memory_mb.max(1) << 20) / DIGEST_LEN as u64) as usize;
        let canon = Canonicalizer::new().map_err(|e| LeakSetError::Dump {
            path: PathBuf::from("dictionaries"),
            message: e.to_string(),
        })?;
        Ok(Builder {
            hasher,
            canon,
            own: Vec::new(),
            mem: Vec::new(),
            run_cap,
            opts,
            spill_dir,
            spills: Vec::new(),
            rows: 0,
            counts: BTreeMap::new(),
            invalid: BTreeMap::new(),
            inputs: Vec::new(),
            out: out.to_path_buf(),
            buf: String::new(),
            cache: CanonCache::default(),
            oprf: Default::default(),
        })
    }

    /// Canonicalises and adds one value; an invalid value is counted, not hashed. An empty
    /// value (a missing column) is neither.
    pub fn add(&mut self, kind: Kind, raw: &str) -> Result<bool, LeakSetError> {
        if trim(raw).is_empty() {
            return Ok(false);
        }
        let mut c = std::mem::take(&mut self.buf);
        let valid = self
            .canon
            .canonical_into_cached(kind, raw, &mut c, &mut self.cache);
        let r = match valid {
            true => {
                let h = self.hasher.hash(kind, &c);
                if let Some(k) = &self.opts.oprf {
                    self.oprf.add(k, kind, &c);
                }
                *self.counts.entry(kind).or_default() += 1;
                self.push(h[..DIGEST_LEN].try_into().expect("16 bytes"))?;
                Ok(true)
            }
            false => {
                *self.invalid.entry(kind).or_default() += 1;
                Ok(false)
            }
        };
        self.buf = c;
        r
    }

    /// Adds a digest made elsewhere with the same key (benchmarks, tooling).
    pub fn add_digest(&mut self, d: Digest) -> Result<(), LeakSetError> {
        self.push(d)
    }

    fn push(&mut self, d: Digest) -> Result<(), LeakSetError> {
        if self.held() >= self.run_cap {
            self.spill()?;
        }
        self.own.push(d);
        Ok(())
    }

    /// Digests held in memory.
    fn held(&self) -> usize {
        self.own.len() + self.mem.iter().map(Vec::len).sum::<usize>()
    }

    /// Writes every digest held in memory as one sorted run.
    fn spill(&mut self) -> Result<(), LeakSetError> {
        let path = self
            .spill_dir
            .path()
            .join(format!("run-m{}", self.spills.len()));
        sort(&mut self.own);
        let mut runs: Vec<&[Digest]> = self.mem.iter().map(Vec::as_slice).collect();
        runs.push(&self.own);
        crate::sort::spill(&runs, &path)?;
        // The builder's own run keeps its capacity; the workers' are freed.
        self.own.clear();
        self.mem.clear();
        self.spills.push(path);
        Ok(())
    }

    /// Reads one dump (CSV/TSV/JSONL/plain, optionally gzip) on one worker per core, each
    /// canonicalising, hashing and collecting (spilling its own runs). An uncompressed CSV
    /// without a quote character, or a TSV, is mapped and split at line starts: each worker
    /// parses its own parts. Anything else is parsed on this thread into batches of raw values
    /// for the workers (a quoted field may hold a line break, so a part could start inside it).
    pub fn add_dump(&mut self, path: &Path) -> Result<(), LeakSetError> {
        let format = DumpFormat::of(path);
        let file = std::fs::File::open(path).map_err(LeakSetError::io(path))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = progress_bar(self.opts.progress, size, path);
        let gz = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
        let map = self.opts.map.clone();
        let kinds: Vec<Kind> = map.iter().map(|m| m.kind).collect();
        let workers = threads();
        let shared = Shared {
            hasher: &self.hasher,
            canon: &self.canon,
            oprf: self.opts.oprf.as_ref(),
            kinds: &kinds,
            run_cap: (self.run_cap / workers).max(1),
            spill_dir: self.spill_dir.path(),
            spill_seq: std::sync::atomic::AtomicUsize::new(self.spills.len()),
        };
        let mapped = match format {
            DumpFormat::Csv | DumpFormat::Tsv if !gz => map_unquoted(&file, format),
            _ => None,
        };
        let (rows, outs) = match mapped {
            Some(data) => {
                let cols = csv_columns(&map)?;
                // Many parts per worker, taken in turn: a slow worker holds up at most one.
                let part = (data.len() / (workers * 16)).clamp(64 << 10, 8 << 20);
                let parts = data.len().div_ceil(part);
                let next = std::sync::atomic::AtomicUsize::new(0);
                let outs: Vec<Result<(u64, WorkerOut), LeakSetError>> = std::thread::scope(|s| {
                    let handles: Vec<_> = (0..workers)
                        .map(|_| {
                            s.spawn(|| {
                                let mut w = Worker::new(&shared);
                                let mut rows = 0;
                                loop {
                                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                    if i >= parts {
                                        return Ok((rows, w.finish()?));
                                    }
                                    let (a, b) = (
                                        line_start(&data, i * part),
                                        line_start(&data, (i + 1) * part),
                                    );
                                    rows += w.csv_part(format, &data, a..b, &cols)?;
                                    bar.inc((b - a) as u64);
                                }
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().expect("build worker panicked"))
                        .collect()
                });
                let mut rows = 0;
                let mut done = Vec::new();
                for o in outs {
                    let (n, out) = o?;
                    rows += n;
                    done.push(Ok(out));
                }
                (Ok(rows), done)
            }
            None => {
                let counted = bar.wrap_read(file);
                let reader: Box<dyn Read + Send> = if gz {
                    Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
                        1 << 20,
                        counted,
                    )))
                } else {
                    Box::new(counted)
                };
                let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2 * workers);
                let rx = std::sync::Mutex::new(rx);
                std::thread::scope(|s| {
                    let handles: Vec<_> = (0..workers)
                        .map(|_| s.spawn(|| work(&shared, &rx)))
                        .collect();
                    let parsed = parse_dump(path, format, reader, &map, tx);
                    let outs: Vec<Result<WorkerOut, LeakSetError>> = handles
                        .into_iter()
                        .map(|h| h.join().expect("build worker panicked"))
                        .collect();
                    (parsed, outs)
                })
            }
        };
        let rows = rows?;
        self.rows += rows;
        for out in outs {
            let out = out?;
            self.spills.extend(out.spills);
            for (k, n) in kinds.iter().zip(out.valid) {
                *self.counts.entry(*k).or_default() += n;
            }
            for (k, n) in kinds.iter().zip(out.invalid) {
                if n > 0 {
                    *self.invalid.entry(*k).or_default() += n;
                }
            }
            self.oprf.extend(out.oprf);
            self.mem.push(out.run);
        }
        if self.held() > self.run_cap {
            self.spill()?;
        }
        bar.finish_and_clear();
        self.inputs.push(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        Ok(())
    }

    /// Valid and invalid values per kind so far.
    pub fn counts(&self) -> (&BTreeMap<Kind, u64>, &BTreeMap<Kind, u64>) {
        (&self.counts, &self.invalid)
    }

    /// Sorts, merges and writes the set; returns its manifest.
    pub fn finish(mut self) -> Result<Manifest, LeakSetError> {
        let mut params = BuildParams {
            map: self
                .opts
                .map
                .iter()
                .map(|m| format!("{}={}", m.kind.as_str(), m.column))
                .collect(),
            inputs: std::mem::take(&mut self.inputs),
            memory_mb: self.opts.memory_mb,
            spilled_runs: self.spills.len() as u64,
            ..Default::default()
        };
        params.tool = format!("doxwatch {}", env!("CARGO_PKG_VERSION"));
        let kinds = |m: &BTreeMap<Kind, u64>| {
            m.iter()
                .map(|(k, v)| (k.as_str().to_string(), *v))
                .collect()
        };
        let mut manifest = Manifest {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            name: self.opts.name.clone(),
            source: self.opts.source.clone(),
            date: self.opts.date.clone(),
            key_id: self.hasher.key_id(),
            distinct: 0,
            rows: self.rows,
            counts: kinds(&self.counts),
            invalid: kinds(&self.invalid),
            build: params,
            files: BTreeMap::new(),
            oprf: None,
        };
        let mut extra = Vec::new();
        if let Some(k) = &self.opts.oprf {
            let table = std::mem::take(&mut self.oprf);
            let (bytes, pad_to) = table.finish();
            manifest.oprf = Some(crate::manifest::OprfParams {
                suite: "ristretto255-SHA512 OPRF (RFC 9497)".into(),
                key_id: k.key_id(),
                pad_to,
                value_bytes: crate::selfcheck::VALUE_BYTES as u32,
                bucket_bits: crate::selfcheck::CHECK_KINDS
                    .iter()
                    .map(|(k, b)| (k.as_str().to_string(), *b))
                    .collect(),
                entries: ((bytes.len() - 12) / 21) as u64,
            });
            extra.push((crate::selfcheck::OPRF_FILE, bytes));
        }
        // The digests added one by one are sorted in pieces on every core.
        let mut mem = std::mem::take(&mut self.mem);
        mem.extend(sort_pieces(std::mem::take(&mut self.own), threads()));
        if self.spills.is_empty() {
            let slices: Vec<&[Digest]> = mem.iter().map(Vec::as_slice).collect();
            write_runs(&self.out, &mut manifest, &slices, extra)?;
            return Ok(manifest);
        }
        let mut runs: Vec<Run<'_>> = Vec::new();
        for p in &self.spills {
            runs.push(Box::new(RunReader::open(p)?));
        }
        // Owned by the merge: freed once merged, before the filter is built.
        for r in mem {
            runs.push(Box::new(r.into_iter().map(Ok)));
        }
        write_set(&self.out, &mut manifest, merge_runs(runs), extra)?;
        Ok(manifest)
    }
}

/// Raw values of a few thousand rows: `vals` are (mapping index, start, end) into `buf`; an
/// end of `u32::MAX` marks a value that was not UTF-8 (invalid).
#[derive(Default)]
struct Batch {
    buf: Vec<u8>,
    vals: Vec<(u8, u32, u32)>,
}

const BATCH_VALUES: usize = 16 * 1024;

impl Batch {
    fn push(&mut self, m: usize, v: &[u8]) {
        let start = self.buf.len() as u32;
        self.buf.extend_from_slice(v);
        self.vals.push((m as u8, start, self.buf.len() as u32));
    }

    fn push_invalid(&mut self, m: usize) {
        self.vals.push((m as u8, 0, u32::MAX));
    }
}

/// What the workers share (read-only but for the spill counter).
struct Shared<'a> {
    hasher: &'a KeyedHasher,
    canon: &'a Canonicalizer,
    oprf: Option<&'a crate::selfcheck::OprfKey>,
    kinds: &'a [Kind],
    run_cap: usize,
    spill_dir: &'a Path,
    spill_seq: std::sync::atomic::AtomicUsize,
}

struct WorkerOut {
    /// Sorted when the worker is done.
    run: Vec<Digest>,
    spills: Vec<PathBuf>,
    valid: Vec<u64>,
    invalid: Vec<u64>,
    oprf: crate::selfcheck::OprfTableBuilder,
}

/// One worker's state: what it collected, and its reused buffers.
struct Worker<'s, 'a> {
    sh: &'s Shared<'a>,
    out: WorkerOut,
    /// Valid canonical values waiting to be hashed four at once ([`KeyedHasher::hash4`]), with
    /// their kinds; the first `pending` are filled.
    values: [String; 4],
    kinds: [Kind; 4],
    pending: usize,
    cache: CanonCache,
    /// Field ranges of the current CSV/TSV record, reused.
    fields: Vec<std::ops::Range<usize>>,
}

impl<'s, 'a> Worker<'s, 'a> {
    fn new(sh: &'s Shared<'a>) -> Self {
        Worker {
            sh,
            out: WorkerOut {
                run: Vec::new(),
                spills: Vec::new(),
                valid: vec![0; sh.kinds.len()],
                invalid: vec![0; sh.kinds.len()],
                oprf: Default::default(),
            },
            values: Default::default(),
            kinds: [Kind::IdCard; 4],
            pending: 0,
            cache: CanonCache::default(),
            fields: Vec::new(),
        }
    }

    /// One raw value of mapping `m`: hashed when valid, else counted (not UTF-8 is invalid);
    /// an empty value (a missing column) is neither.
    fn value(&mut self, m: usize, raw: &[u8]) -> Result<(), LeakSetError> {
        let Ok(raw) = std::str::from_utf8(raw) else {
            self.out.invalid[m] += 1;
            return Ok(());
        };
        if trim(raw).is_empty() {
            return Ok(());
        }
        let kind = self.sh.kinds[m];
        let c = &mut self.values[self.pending];
        if !self
            .sh
            .canon
            .canonical_into_cached(kind, raw, c, &mut self.cache)
        {
            self.out.invalid[m] += 1;
            return Ok(());
        }
        self.out.valid[m] += 1;
        if let Some(k) = self.sh.oprf {
            self.out.oprf.add(k, kind, c);
        }
        self.kinds[self.pending] = kind;
        self.pending += 1;
        if self.pending == 4 {
            self.hash_pending()?;
        }
        Ok(())
    }

    /// Hashes the pending values into the run (spilling it when full).
    fn hash_pending(&mut self) -> Result<(), LeakSetError> {
        let item = |i: usize| (self.kinds[i], self.values[i].as_str());
        let n = std::mem::take(&mut self.pending);
        let hashes = match n {
            4 => self.sh.hasher.hash4(std::array::from_fn(item)),
            _ => std::array::from_fn(|i| match i < n {
                true => self.sh.hasher.hash(self.kinds[i], &self.values[i]),
                false => [0; 32],
            }),
        };
        for h in &hashes[..n] {
            if self.out.run.len() >= self.sh.run_cap {
                let seq = self
                    .sh
                    .spill_seq
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let path = self.sh.spill_dir.join(format!("run-{seq}"));
                sort(&mut self.out.run);
                crate::sort::spill(&[&self.out.run], &path)?;
                self.out.run.clear();
                self.out.spills.push(path);
            }
            self.out
                .run
                .push(h[..DIGEST_LEN].try_into().expect("16 bytes"));
        }
        Ok(())
    }

    /// What the worker collected, its run sorted (on its own thread, as every worker does).
    fn finish(mut self) -> Result<WorkerOut, LeakSetError> {
        self.hash_pending()?;
        sort(&mut self.out.run);
        Ok(self.out)
    }

    /// The rows of `data[range]` (whole lines of an unquoted CSV/TSV): returns their number.
    fn csv_part(
        &mut self,
        format: DumpFormat,
        data: &[u8],
        range: std::ops::Range<usize>,
        cols: &[usize],
    ) -> Result<u64, LeakSetError> {
        let part = &data[range];
        let delimiter = delimiter(format);
        let mut fields = std::mem::take(&mut self.fields);
        let (mut pos, mut rows) = (0, 0);
        while next_record(part, &mut pos, delimiter, &mut fields) {
            rows += 1;
            for (m, &c) in cols.iter().enumerate() {
                self.value(m, fields.get(c).map_or(b"", |f| &part[f.clone()]))?;
            }
        }
        self.fields = fields;
        Ok(rows)
    }
}

/// Reads the record at `*pos` of unquoted CSV/TSV text into `fields` (their byte ranges) and
/// moves `pos` past it; false at the end. Records are read as `csv` reads them without quoting
/// and with `flexible`: a record ends at `\n` or `\r` (so at `\r\n` too) and empty lines are
/// skipped. A plain byte loop instead of csv_core's state machine, which was ~10% of a build
/// worker's time.
fn next_record(
    text: &[u8],
    pos: &mut usize,
    delimiter: u8,
    fields: &mut Vec<std::ops::Range<usize>>,
) -> bool {
    let is_end = |b: u8| b == b'\n' || b == b'\r';
    let Some(skip) = text[*pos..].iter().position(|&b| !is_end(b)) else {
        *pos = text.len();
        return false;
    };
    fields.clear();
    let mut start = *pos + skip;
    let mut i = start;
    while i < text.len() {
        let b = text[i];
        if b == delimiter {
            fields.push(start..i);
            start = i + 1;
        } else if is_end(b) {
            break;
        }
        i += 1;
    }
    fields.push(start..i);
    *pos = i;
    true
}

fn work(
    sh: &Shared<'_>,
    rx: &std::sync::Mutex<std::sync::mpsc::Receiver<Batch>>,
) -> Result<WorkerOut, LeakSetError> {
    let mut w = Worker::new(sh);
    loop {
        let batch = match rx.lock().expect("batch queue").recv() {
            Ok(b) => b,
            Err(_) => return w.finish(),
        };
        for &(m, s, e) in &batch.vals {
            let m = usize::from(m);
            match e {
                u32::MAX => w.out.invalid[m] += 1,
                _ => w.value(m, &batch.buf[s as usize..e as usize])?,
            }
        }
    }
}

/// The dump mapped, when it can be split at line starts: a TSV (read without quoting), or a
/// CSV with no quote character at all. `None` (read it serially) otherwise, or when it cannot
/// be mapped (a pipe, an empty file).
fn map_unquoted(file: &std::fs::File, format: DumpFormat) -> Option<memmap2::Mmap> {
    // SAFETY: the dump is only read; as for any mapped file, it must not be truncated while
    // the build runs (dumps are inputs at rest).
    let data = unsafe { memmap2::Mmap::map(file) }.ok()?;
    if data.is_empty() || (format == DumpFormat::Csv && data.contains(&b'"')) {
        return None;
    }
    #[cfg(unix)]
    let _ = data.advise(memmap2::Advice::Sequential);
    Some(data)
}

/// The first line start at or after `pos` (`data.len()` if none): a part boundary every worker
/// computes alike.
fn line_start(data: &[u8], pos: usize) -> usize {
    if pos == 0 || pos >= data.len() {
        return pos.min(data.len());
    }
    data[pos - 1..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |i| pos + i)
}

/// The 0-based columns of a CSV/TSV mapping.
fn csv_columns(map: &[Mapping]) -> Result<Vec<usize>, LeakSetError> {
    map.iter()
        .map(|m| {
            m.column
                .parse::<usize>()
                .ok()
                .filter(|&c| c >= 1)
                .map(|c| c - 1)
                .ok_or_else(|| {
                    LeakSetError::Map(format!("`{}` is not a 1-based column number", m.column))
                })
        })
        .collect()
}

fn delimiter(format: DumpFormat) -> u8 {
    match format {
        DumpFormat::Tsv => b'\t',
        _ => b',',
    }
}

fn csv_reader<R: Read>(format: DumpFormat, r: R, capacity: usize) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter(format))
        .has_headers(false)
        .flexible(true)
        .quoting(format == DumpFormat::Csv)
        .buffer_capacity(capacity)
        .from_reader(r)
}

/// Parses a dump into batches for the workers; returns the number of rows.
fn parse_dump(
    path: &Path,
    format: DumpFormat,
    reader: Box<dyn Read + Send>,
    map: &[Mapping],
    tx: std::sync::mpsc::SyncSender<Batch>,
) -> Result<u64, LeakSetError> {
    let dump_err = |message: String| LeakSetError::Dump {
        path: path.to_path_buf(),
        message,
    };
    // A worker gone (it failed) closes the queue: stop parsing, its error is reported.
    let send = |b: Batch| tx.send(b).is_ok();
    let mut batch = Batch::default();
    let mut rows = 0u64;
    match format {
        DumpFormat::Csv | DumpFormat::Tsv => {
            let cols = csv_columns(map)?;
            let mut rdr = csv_reader(format, reader, 1 << 20);
            let mut rec = csv::ByteRecord::new();
            loop {
                match rdr.read_byte_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {}
                    // csv's messages carry positions, not field contents.
                    Err(e) => return Err(dump_err(e.to_string())),
                }
                rows += 1;
                for (m, &c) in cols.iter().enumerate() {
                    batch.push(m, rec.get(c).unwrap_or(b""));
                }
                if batch.vals.len() >= BATCH_VALUES && !send(std::mem::take(&mut batch)) {
                    return Ok(rows);
                }
            }
        }
        DumpFormat::Jsonl | DumpFormat::Plain => {
            let plain = format == DumpFormat::Plain;
            if plain && (map.len() != 1 || map[0].column != "1") {
                return Err(LeakSetError::Map(
                    "a plain list has one value per line: map one kind to column 1".into(),
                ));
            }
            let mut lines = BufReader::with_capacity(1 << 20, reader);
            let mut line = Vec::new();
            let mut n = 0u64;
            loop {
                line.clear();
                let got = lines
                    .read_until(b'\n', &mut line)
                    .map_err(|e| dump_err(e.to_string()))?;
                if got == 0 {
                    break;
                }
                n += 1;
                let text = trim_line(&line);
                if text.is_empty() {
                    continue;
                }
                rows += 1;
                if plain {
                    batch.push(0, text);
                } else {
                    let obj: serde_json::Map<String, serde_json::Value> =
                        match serde_json::from_slice(text) {
                            Ok(o) => o,
                            // serde_json quotes the offending value: only the position goes into the error.
                            Err(e) => {
                                return Err(dump_err(format!(
                                    "line {n}, column {}: not a JSON object",
                                    e.column()
                                )))
                            }
                        };
                    for (i, m) in map.iter().enumerate() {
                        match obj.get(&m.column) {
                            Some(serde_json::Value::String(s)) => batch.push(i, s.as_bytes()),
                            Some(serde_json::Value::Number(x)) => {
                                batch.push(i, x.to_string().as_bytes())
                            }
                            None | Some(serde_json::Value::Null) => {}
                            Some(_) => batch.push_invalid(i),
                        }
                    }
                }
                if batch.vals.len() >= BATCH_VALUES && !send(std::mem::take(&mut batch)) {
                    return Ok(rows);
                }
            }
        }
    }
    if !batch.vals.is_empty() {
        send(batch);
    }
    Ok(rows)
}

fn trim_line(line: &[u8]) -> &[u8] {
    let mut t = line;
    while let [rest @ .., b'\n' | b'\r'] = t {
        t = rest;
    }
    t
}

fn parent_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn progress_bar(enabled: bool, size: u64, path: &Path) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    // The file name only: directories of dumps may name a case.
    bar.set_message(
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    bar
}

/// A spilled run, read back in order.
struct RunReader {
    path: PathBuf,
    r: BufReader<std::fs::File>,
}

impl RunReader {
    fn open(path: &Path) -> Result<RunReader, LeakSetError> {
        let f = std::fs::File::open(path).map_err(LeakSetError::io(path))?;
        Ok(RunReader {
            path: path.to_path_buf(),
            r: BufReader::with_capacity(1 << 20, f),
        })
    }
}

impl Iterator for RunReader {
    type Item = Result<Digest, LeakSetError>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut d = [0u8; DIGEST_LEN];
        match self.r.read_exact(&mut d) {
            Ok(()) => Some(Ok(d)),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => None,
            Err(e) => Some(Err(LeakSetError::Io {
                path: self.path.clone(),
                source: e,
            })),
        }
    }
}

type Run<'a> = Box<dyn Iterator<Item = Result<Digest, LeakSetError>> + 'a>;

/// K-way merge of sorted runs, de-duplicated.
pub(crate) fn merge_runs<'a>(
    mut runs: Vec<Run<'a>>,
) -> impl Iterator<Item = Result<Digest, LeakSetError>> + 'a {
    let mut heap = BinaryHeap::new();
    let mut first_err = None;
    for (i, r) in runs.iter_mut().enumerate() {
        match r.next() {
            Some(Ok(d)) => heap.push(std::cmp::Reverse((d, i))),
            Some(Err(e)) => first_err = first_err.or(Some(e)),
            None => {}
        }
    }
    let mut last: Option<Digest> = None;
    let mut err = first_err;
    std::iter::from_fn(move || loop {
        if let Some(e) = err.take() {
            return Some(Err(e));
        }
        let std::cmp::Reverse((d, i)) = heap.pop()?;
        match runs[i].next() {
            Some(Ok(n)) => heap.push(std::cmp::Reverse((n, i))),
            Some(Err(e)) => err = Some(e),
            None => {}
        }
        if last != Some(d) {
            last = Some(d);
            return Some(Ok(d));
        }
    })
}

/// Writes `digests.bin` from sorted unique digests, then the filter and the manifest, into a
/// temporary directory renamed to `out`.
pub(crate) fn write_set(
    out: &Path,
    manifest: &mut Manifest,
    digests: impl Iterator<Item = Result<Digest, LeakSetError>>,
    extra: Vec<(&str, Vec<u8>)>,
) -> Result<(), LeakSetError> {
    let tmp = new_set_dir(out)?;
    let dpath = tmp.path().join(DIGESTS);
    let mut f = std::fs::File::create(&dpath).map_err(LeakSetError::io(&dpath))?;
    let mut h = blake3::Hasher::new();
    let mut keys: Vec<u64> = Vec::new();
    let mut n = 0u64;
    // Written and hashed a block at a time: BLAKE3 fed 16 bytes at a time runs ~6x slower.
    let mut block: Vec<Digest> = Vec::with_capacity(1 << 16);
    let mut flush = |block: &mut Vec<Digest>| -> Result<(), LeakSetError> {
        let bytes = block.as_flattened();
        f.write_all(bytes).map_err(LeakSetError::io(&dpath))?;
        h.update(bytes);
        block.clear();
        Ok(())
    };
    for d in digests {
        let d = d?;
        // The filter is built over the 8-byte prefixes: unique for all practical purposes (a
        // collision among 10^8 uniform prefixes has probability ~3·10^-4, and is dropped here).
        let k = prefix(&d);
        if keys.last() != Some(&k) {
            keys.push(k);
        }
        block.push(d);
        n += 1;
        if block.len() == block.capacity() {
            flush(&mut block)?;
        }
    }
    flush(&mut block)?;
    f.sync_all().map_err(LeakSetError::io(&dpath))?;
    let entry = FileEntry {
        bytes: n * DIGEST_LEN as u64,
        blake3: h.finalize().to_hex().to_string(),
    };
    let shard_keys = |s: usize, buf: &mut Vec<u64>| {
        buf.extend_from_slice(&keys[shard_range(&keys, |k| *k, SHARD_BITS, s)]);
    };
    let ((), filter) = ShardedFilter::build(SHARD_BITS, threads(), shard_keys, || ());
    drop(keys);
    complete_set(tmp, out, manifest, n, entry, filter?.to_bytes(), extra)
}

/// [`write_set`] from sorted runs held in memory: one thread merges them into `digests.bin`
/// (written, hashed, synced) while the others build the filter's shards, each merging its part
/// of the runs again into its keys; the writer then builds shards too. Merging twice costs less
/// than holding the merged digests.
fn write_runs(
    out: &Path,
    manifest: &mut Manifest,
    runs: &[&[Digest]],
    extra: Vec<(&str, Vec<u8>)>,
) -> Result<(), LeakSetError> {
    let tmp = new_set_dir(out)?;
    let dpath = tmp.path().join(DIGESTS);
    let write = || -> Result<(u64, FileEntry), LeakSetError> {
        let mut f = std::fs::File::create(&dpath).map_err(LeakSetError::io(&dpath))?;
        let mut h = blake3::Hasher::new();
        let mut n = 0u64;
        let mut block: Vec<Digest> = Vec::with_capacity(1 << 16);
        let mut err = None;
        let mut flush = |block: &mut Vec<Digest>| {
            let bytes = block.as_flattened();
            if err.is_none() {
                err = f.write_all(bytes).err();
            }
            h.update(bytes);
            block.clear();
        };
        for_each_unique(runs, |d| {
            block.push(*d);
            n += 1;
            if block.len() == block.capacity() {
                flush(&mut block);
            }
        });
        flush(&mut block);
        if let Some(e) = err {
            return Err(LeakSetError::io(&dpath)(e));
        }
        f.sync_all().map_err(LeakSetError::io(&dpath))?;
        let entry = FileEntry {
            bytes: n * DIGEST_LEN as u64,
            blake3: h.finalize().to_hex().to_string(),
        };
        Ok((n, entry))
    };
    let shard_keys = |s: usize, keys: &mut Vec<u64>| {
        let parts: Vec<&[Digest]> = runs
            .iter()
            .map(|r| &r[shard_range(r, |d| prefix(d), SHARD_BITS, s)])
            .collect();
        for_each_unique(&parts, |d| {
            // As in `write_set`: the filter keys are the distinct 8-byte prefixes.
            let k = prefix(d);
            if keys.last() != Some(&k) {
                keys.push(k);
            }
        });
    };
    let (written, filter) = ShardedFilter::build(SHARD_BITS, threads(), shard_keys, write);
    let (n, entry) = written?;
    complete_set(tmp, out, manifest, n, entry, filter?.to_bytes(), extra)
}

/// Threads for reading dumps, sorting and building the filter: one per core, at most 8.
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
}

/// A new temporary directory beside `out` (which must not exist).
fn new_set_dir(out: &Path) -> Result<tempfile::TempDir, LeakSetError> {
    if out.exists() {
        return Err(LeakSetError::Exists(out.to_path_buf()));
    }
    let parent = parent_dir(out);
    tempfile::Builder::new()
        .prefix(".leakset-new-")
        .tempdir_in(&parent)
        .map_err(LeakSetError::io(&parent))
}

/// Writes the filter, the extra files and the manifest beside `digests.bin`, then renames the
/// directory to `out`.
fn complete_set(
    tmp: tempfile::TempDir,
    out: &Path,
    manifest: &mut Manifest,
    n: u64,
    digests: FileEntry,
    fbytes: Vec<u8>,
    extra: Vec<(&str, Vec<u8>)>,
) -> Result<(), LeakSetError> {
    let mut files = BTreeMap::new();
    files.insert(DIGESTS.to_string(), digests);
    let fpath = tmp.path().join(FILTER);
    write_synced(&fpath, &fbytes)?;
    files.insert(
        FILTER.to_string(),
        FileEntry {
            bytes: fbytes.len() as u64,
            blake3: blake3::hash(&fbytes).to_hex().to_string(),
        },
    );
    for (name, bytes) in extra {
        let p = tmp.path().join(name);
        write_synced(&p, &bytes)?;
        files.insert(
            name.to_string(),
            FileEntry {
                bytes: bytes.len() as u64,
                blake3: blake3::hash(&bytes).to_hex().to_string(),
            },
        );
    }
    manifest.distinct = n;
    manifest.files = files;
    manifest.build.filter = format!("binary_fuse8, {} shards", 1 << SHARD_BITS);
    let mpath = tmp.path().join(MANIFEST);
    let mut text = serde_json::to_vec_pretty(manifest).expect("manifest serializes");
    text.push(b'\n');
    write_synced(&mpath, &text)?;
    let tmp = tmp.keep();
    std::fs::rename(&tmp, out).map_err(LeakSetError::io(out))?;
    Ok(())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), LeakSetError> {
    let mut f = std::fs::File::create(path).map_err(LeakSetError::io(path))?;
    f.write_all(bytes).map_err(LeakSetError::io(path))?;
    f.sync_all().map_err(LeakSetError::io(path))
}

/// Merges sets built with the same key into `out`.
pub fn merge(out: &Path, inputs: &[LeakSet], name: &str) -> Result<Manifest, LeakSetError> {
    let first = inputs
        .first()
        .ok_or_else(|| LeakSetError::Map("merge needs at least one input set".into()))?;
    for s in inputs {
        if s.manifest().key_id != first.manifest().key_id {
            return Err(LeakSetError::WrongKey {
                path: s.dir().to_path_buf(),
                expected: first.manifest().key_id.clone(),
                actual: s.manifest().key_id.clone(),
            });
        }
    }
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut invalid: BTreeMap<String, u64> = BTreeMap::new();
    let mut rows = 0;
    for s in inputs {
        let m = s.manifest();
        rows += m.rows;
        for (k, v) in &m.counts {
            *counts.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &m.invalid {
            *invalid.entry(k.clone()).or_default() += v;
        }
    }
    let join = |f: fn(&Manifest) -> &String| {
        let mut v: Vec<&str> = inputs.iter().map(|s| f(s.manifest()).as_str()).collect();
        v.dedup();
        v.join("; ")
    };
    let mut manifest = Manifest {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        name: name.to_string(),
        source: join(|m| &m.source),
        // The newest input's date: a merged set is as recent as its newest dump.
        date: inputs
            .iter()
            .map(|s| s.manifest().date.clone())
            .max()
            .unwrap_or_default(),
        key_id: first.manifest().key_id.clone(),
        distinct: 0,
        rows,
        counts,
        invalid,
        build: BuildParams {
            tool: format!("doxwatch {}", env!("CARGO_PKG_VERSION")),
            merged_from: inputs.iter().map(|s| s.name().to_string()).collect(),
            ..Default::default()
        },
        files: BTreeMap::new(),
        // Self-check tables are not merged: they need the identifiers, which a set no longer has.
        oprf: None,
    };
    let runs: Vec<Run<'_>> = inputs
        .iter()
        .map(|s| Box::new(s.digests().copied().map(Ok)) as Run<'_>)
        .collect();
    write_set(out, &mut manifest, merge_runs(runs), Vec::new())?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(format: DumpFormat, data: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut rdr = csv_reader(format, data, 64);
        let mut rec = csv::ByteRecord::new();
        let mut out = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    #[test]
    fn parts_split_at_line_starts_read_as_csv_reads_the_whole() {
        // Blank lines, CRLF, a lone CR, a line longer than a part, a blank-looking line, empty
        // fields, no final newline.
        let data = b"a,1,x\n\nb,2\r\nc,3,y,z\r\n\r\n\rd,4\nlong,long,long,long,long,long\n\n,\n \ng,,\ne,5";
        for format in [DumpFormat::Csv, DumpFormat::Tsv] {
            let data: Vec<u8> = match format {
                DumpFormat::Tsv => data
                    .iter()
                    .map(|&b| if b == b',' { b'\t' } else { b })
                    .collect(),
                _ => data.to_vec(),
            };
            let whole = records(format, &data);
            assert_eq!(whole.len(), 9);
            for part in 1..=data.len() + 1 {
                let mut got: Vec<Vec<Vec<u8>>> = Vec::new();
                for i in 0..data.len().div_ceil(part) {
                    let (a, b) = (
                        line_start(&data, i * part),
                        line_start(&data, (i + 1) * part),
                    );
                    let (text, mut pos, mut fields) = (&data[a..b], 0, Vec::new());
                    while next_record(text, &mut pos, delimiter(format), &mut fields) {
                        got.push(fields.iter().map(|f| text[f.clone()].to_vec()).collect());
                    }
                }
                assert_eq!(got, whole, "{format:?}, parts of {part} bytes");
            }
        }
    }
}
