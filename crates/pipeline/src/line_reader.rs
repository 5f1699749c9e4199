//! Reading JSONL records with a size limit, shared by the line-oriented sources.

use crate::records::Records;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Reads one record: `Ok(None)` at end of input, else the bytes consumed; the line, without
/// its line break, is appended to `out`. A line over `max` bytes is cut to `max + 2` bytes (the
/// matcher then parks it as too large) and the rest of it is skipped, so memory stays bounded.
///
/// The line is found in the reader's buffer and copied out once, into the batch's buffer
/// ([`Records::buffer`](crate::records::Records::buffer)): a `Vec` per line cost an allocation
/// where it was read and a free where it was matched (with `read_until` into an empty `Vec`,
/// five to eight allocations a record, as it grew by doubling). If the returned future is
/// dropped before it resolves, part of the line may have been appended.
pub async fn read_record<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
    out: &mut Vec<u8>,
) -> std::io::Result<Option<u64>> {
    let keep = max.saturating_add(2);
    let start = out.len();
    let mut consumed = 0u64;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            break;
        }
        let (chunk, end) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        append_capped(out, start, chunk, keep);
        let n = chunk.len();
        consumed += n as u64;
        reader.consume(n);
        if end {
            break;
        }
    }
    if consumed == 0 {
        return Ok(None);
    }
    trim_breaks(out, start);
    Ok(Some(consumed))
}

/// Appends `chunk` (a line, or the next piece of one) to the line that begins at `out[start]`,
/// as long as the line holds fewer than `keep` bytes.
fn append_capped(out: &mut Vec<u8>, start: usize, chunk: &[u8], keep: usize) {
    let room = keep - (out.len() - start);
    if room > 0 {
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }
}

/// Drops the line breaks that end the line beginning at `out[start]`.
fn trim_breaks(out: &mut Vec<u8>, start: usize) {
    while out.len() > start && out.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        out.pop();
    }
}

/// Takes the whole lines at the start of `buf` (a reader's buffered bytes) until `records`
/// holds `target` records: each is appended as [`read_record`] appends a line, then made a
/// record, or dropped if it is only whitespace ([`close_record`]). Returns the bytes taken;
/// a line that does not end within `buf` is left for `read_record`. The inbox takes the
/// lines already read this way, without an await each: `read_record` a record at a time cost
/// ~570 instructions a record besides the copy (callgrind, dev corpus).
pub fn take_lines(buf: &[u8], max: usize, target: usize, records: &mut Records) -> usize {
    let keep = max.saturating_add(2);
    let mut used = 0;
    while records.len() < target {
        let Some(i) = memchr::memchr(b'\n', &buf[used..]) else {
            break;
        };
        let out = records.buffer();
        let start = out.len();
        append_capped(out, start, &buf[used..=used + i], keep);
        trim_breaks(out, start);
        close_record(records);
        used += i + 1;
    }
    used
}

/// Makes the bytes appended since the last record a record, or drops them if they are only
/// whitespace (a blank line is no record).
pub fn close_record(records: &mut Records) {
    if records.open().iter().all(u8::is_ascii_whitespace) {
        records.drop_open();
    } else {
        records.end_record();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_and_line_breaks() {
        let data = b"{\"a\":1}\r\n0123456789ABCDEF\nlast";
        let mut r = tokio::io::BufReader::new(&data[..]);
        // Appended after what the buffer holds, which stays as it was.
        let mut out = b"x\n".to_vec();
        assert_eq!(read_record(&mut r, 8, &mut out).await.unwrap(), Some(9));
        assert_eq!(out, b"x\n{\"a\":1}");
        out.clear();
        assert_eq!(read_record(&mut r, 8, &mut out).await.unwrap(), Some(17));
        assert_eq!(out.len(), 10);
        out.clear();
        assert_eq!(read_record(&mut r, 8, &mut out).await.unwrap(), Some(4));
        assert_eq!(out, b"last");
        assert_eq!(read_record(&mut r, 8, &mut out).await.unwrap(), None);
        assert_eq!(out, b"last");
    }

    /// Lines that span the reader's buffer (here 4 bytes), at and around the limit, read as
    /// they would be from one buffer.
    #[tokio::test]
    async fn lines_across_buffer_boundaries() {
        let data = b"0123456789\n012345678\n01234567\n\n0123456789ABCDEFGHIJ\r\nend\r";
        for cap in [1, 4, 7, 64] {
            let mut r = tokio::io::BufReader::with_capacity(cap, &data[..]);
            let mut got = Vec::new();
            let mut line = Vec::new();
            while let Some(n) = read_record(&mut r, 8, &mut line).await.unwrap() {
                got.push((n, String::from_utf8(std::mem::take(&mut line)).unwrap()));
            }
            let want = [
                (11, "0123456789"),
                (10, "012345678"),
                (9, "01234567"),
                (1, ""),
                (22, "0123456789"),
                (4, "end"),
            ];
            let want: Vec<(u64, String)> = want.iter().map(|&(n, l)| (n, l.into())).collect();
            assert_eq!(got, want, "buffer of {cap}");
        }
    }

    /// The lines taken from a buffer are the records `read_record` makes of them, to the last
    /// line break, and as many as asked for.
    #[tokio::test]
    async fn lines_taken_from_a_buffer_are_those_read() {
        let data = b"0123456789\n012345678\r\n \t\n\n01234567\n\r\r\n0123456789ABCDEF\r\nx\nend";
        for target in [0, 1, 3, 5, 100] {
            let mut read = Records::default();
            let mut r = tokio::io::BufReader::new(&data[..]);
            let mut consumed = 0;
            while read.len() < target {
                let Some(n) = read_record(&mut r, 8, read.buffer()).await.unwrap() else {
                    break;
                };
                consumed += n as usize;
                close_record(&mut read);
            }
            let mut taken = Records::default();
            let used = take_lines(data, 8, target, &mut taken);
            if read.len() > taken.len() {
                // Only the last line, which has no line break, is left to `read_record`.
                assert_eq!(read.len(), taken.len() + 1);
                assert_eq!(consumed, data.len());
                assert_eq!(used, data.len() - 3);
                continue;
            }
            assert_eq!(taken, read, "{target} records");
            assert_eq!(used, consumed, "{target} records");
        }
    }
}
