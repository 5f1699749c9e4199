//! Reading JSONL records with a size limit, shared by the line-oriented sources.

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// Reads one record: `Ok(None)` at end of input, else the bytes consumed and the line without
/// its line break. A line over `max` bytes is cut to `max + 1` bytes (the matcher then parks
/// it as too large) and the rest of it is skipped, so memory stays bounded.
pub async fn read_record<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    max: usize,
) -> std::io::Result<Option<(u64, Vec<u8>)>> {
    let mut line = Vec::new();
    let n = (&mut *reader)
        .take(max as u64 + 2)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    let mut consumed = n as u64;
    if !line.ends_with(b"\n") && n as u64 == max as u64 + 2 {
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let m = (&mut *reader)
                .take(1 << 20)
                .read_until(b'\n', &mut rest)
                .await?;
            consumed += m as u64;
            if m == 0 || rest.ends_with(b"\n") {
                break;
            }
        }
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
}
