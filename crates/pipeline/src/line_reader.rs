//! Reading JSONL records with a size limit, shared by the line-oriented sources.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Reads one record: `Ok(None)` at end of input, else the bytes consumed and the line without
/// its line break. A line over `max` bytes is cut to `max + 2` bytes (the matcher then parks
/// it as too large) and the rest of it is skipped, so memory stays bounded.
///
/// The line is found in the reader's buffer and copied out once, at its length: reading it
/// with `read_until` into an empty `Vec` grew it by doubling, five to eight allocations a
/// record.
pub async fn read_record<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> std::io::Result<Option<(u64, Vec<u8>)>> {
    let keep = max.saturating_add(2);
    let mut line = Vec::new();
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
        let room = keep - line.len();
        if room > 0 {
            let take = &chunk[..chunk.len().min(room)];
            if line.is_empty() {
                line = take.to_vec();
            } else {
                line.extend_from_slice(take);
            }
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
    while line.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
        line.pop();
    }
    Ok(Some((consumed, line)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_and_line_breaks() {
        let data = b"{\"a\":1}\r\n0123456789ABCDEF\nlast";
        let mut r = tokio::io::BufReader::new(&data[..]);
        assert_eq!(
            read_record(&mut r, 8).await.unwrap(),
            Some((9, b"{\"a\":1}".to_vec()))
        );
        let (n, cut) = read_record(&mut r, 8).await.unwrap().unwrap();
        assert_eq!((n, cut.len()), (17, 10));
        assert_eq!(
            read_record(&mut r, 8).await.unwrap(),
            Some((4, b"last".to_vec()))
        );
        assert_eq!(read_record(&mut r, 8).await.unwrap(), None);
    }

    /// Lines that span the reader's buffer (here 4 bytes), at and around the limit, read as
    /// they would be from one buffer.
    #[tokio::test]
    async fn lines_across_buffer_boundaries() {
        let data = b"0123456789\n012345678\n01234567\n\n0123456789ABCDEFGHIJ\r\nend\r";
        for cap in [1, 4, 7, 64] {
            let mut r = tokio::io::BufReader::with_capacity(cap, &data[..]);
            let mut got = Vec::new();
            while let Some((n, line)) = read_record(&mut r, 8).await.unwrap() {
                got.push((n, String::from_utf8(line).unwrap()));
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
