//! Reading JSONL records with a size limit, shared by the line-oriented sources.

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
        let room = keep - (out.len() - start);
        if room > 0 {
            out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
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
    while out.len() > start && out.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        out.pop();
    }
    Ok(Some(consumed))
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
}
