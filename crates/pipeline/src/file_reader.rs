//! `FileReader`: a file read on the blocking pool straight into the buffer its lines are taken
//! from.
//!
//! `tokio::io::BufReader<tokio::fs::File>` copies every byte once more than it needs to: the
//! blocking thread reads a block into the `File`'s own buffer, and `poll_read` then copies it
//! into the `BufReader`'s, on an async worker (9.1 M of the inbox source's 15.9 M instructions
//! for 16,000 posts under callgrind, which counts a `rep movsb` byte by byte; ~180 MB copied
//! for the bench's 320,000 posts). Here the buffer travels to the blocking thread with the file,
//! is read into there, and comes back to be handed out by `fill_buf`.

use std::fs::File;
use std::future::Future;
use std::io::{self, Read};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};
use tokio::task::JoinHandle;

/// The file, its buffer (always its full capacity long, so never zeroed again) and how many
/// bytes of it the last read filled.
struct Parts {
    file: File,
    buf: Vec<u8>,
    filled: usize,
}

/// Reads a [`File`] from where it stands, one block of `capacity` bytes at a time, on the
/// blocking pool; implements [`AsyncBufRead`] like a `BufReader` of that capacity.
pub struct FileReader {
    /// The file and buffer between reads; `None` while a read is under way (or after a read's
    /// task failed, which is reported once and then as an error on every later call).
    parts: Option<Parts>,
    reading: Option<JoinHandle<(Parts, io::Result<()>)>>,
    /// How much of the buffer has been consumed.
    pos: usize,
}

impl FileReader {
    pub fn new(file: File, capacity: usize) -> FileReader {
        FileReader {
            parts: Some(Parts {
                file,
                buf: vec![0; capacity.max(1)],
                filled: 0,
            }),
            reading: None,
            pos: 0,
        }
    }

    /// The bytes read and not yet consumed, without reading (`BufReader::buffer`).
    pub fn buffer(&self) -> &[u8] {
        self.parts
            .as_ref()
            .map_or(&[], |p| &p.buf[self.pos..p.filled])
    }
}

/// One `read` into the whole buffer, as `BufReader` does (a regular file fills it unless at
/// its end); an interrupted read is tried again.
fn read_block(mut parts: Parts) -> (Parts, io::Result<()>) {
    let res = loop {
        match parts.file.read(&mut parts.buf) {
            Ok(n) => break Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => break Err(e),
        }
    };
    parts.filled = *res.as_ref().unwrap_or(&0);
    (parts, res.map(drop))
}

impl AsyncBufRead for FileReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        loop {
            if let Some(reading) = this.reading.as_mut() {
                let done = ready!(Pin::new(reading).poll(cx));
                this.reading = None;
                let (parts, res) = done.map_err(io::Error::other)?;
                this.parts = Some(parts);
                this.pos = 0;
                res?;
                // Just read: what it read, or nothing at the end of the file.
                let p = this.parts.as_ref().expect("just put back");
                return Poll::Ready(Ok(&p.buf[..p.filled]));
            }
            let Some(p) = this.parts.take() else {
                return Poll::Ready(Err(io::Error::other("the file's read task failed")));
            };
            if this.pos < p.filled {
                let p = this.parts.insert(p);
                return Poll::Ready(Ok(&p.buf[this.pos..p.filled]));
            }
            this.reading = Some(tokio::task::spawn_blocking(move || read_block(p)));
        }
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        let filled = this.parts.as_ref().map_or(0, |p| p.filled);
        this.pos = (this.pos + amt).min(filled);
    }
}

impl AsyncRead for FileReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let got = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = got.len().min(out.remaining());
        out.put_slice(&got[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt};

    /// Read through buffers smaller than, equal to and larger than the file, from the start
    /// and from an offset, the bytes are the file's; lines read as a `BufReader` reads them.
    #[tokio::test]
    async fn reads_the_file_as_a_buf_reader_does() {
        let dir = std::env::temp_dir().join(format!("doxwatch-fr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.jsonl");
        let data: Vec<u8> = (0..5000u32)
            .flat_map(|i| format!("{{\"id\":\"{i}\"}}\n").into_bytes())
            .collect();
        std::fs::write(&path, &data).unwrap();
        for cap in [1, 7, 4096, data.len(), data.len() + 10] {
            for start in [0, 13, data.len()] {
                use std::io::Seek;
                let mut f = File::open(&path).unwrap();
                f.seek(io::SeekFrom::Start(start as u64)).unwrap();
                let mut r = FileReader::new(f, cap);
                let mut got = Vec::new();
                r.read_to_end(&mut got).await.unwrap();
                assert_eq!(got, &data[start..], "capacity {cap}, from {start}");
                // At the end it stays at the end.
                assert!(r.fill_buf().await.unwrap().is_empty());
            }
            let mut lines = FileReader::new(File::open(&path).unwrap(), cap).lines();
            let mut want = data.split(|&b| b == b'\n').map(|l| l.to_vec());
            while let Some(l) = lines.next_line().await.unwrap() {
                assert_eq!(l.as_bytes(), want.next().unwrap(), "capacity {cap}");
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
