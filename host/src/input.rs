//! Log input: files, standard input, gzip (detected by its magic bytes, so
//! rotated `access.log.1` files that are compressed but not named `.gz`
//! work too), read in large chunks by a reader thread so decompression and
//! disk reads overlap with scanning. Memory stays bounded: at most
//! [`QUEUE`] chunks are in flight.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use flate2::read::MultiGzDecoder;

/// Bytes handed to the rule per call (the component's call overhead is
/// fixed, so large chunks amortize it).
pub const CHUNK: usize = 1 << 20;

/// Chunks buffered between the reader thread and the scanner.
pub const QUEUE: usize = 4;

/// How long a partial chunk from a pipe waits for more data before it is
/// scanned anyway, so a live stream (`tail -f | aiwatch scan --findings`)
/// reports promptly while bulk input still goes in full chunks.
pub const PIPE_FLUSH: Duration = Duration::from_millis(200);

/// One input named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-` or no file).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Source {
    /// `-` means standard input.
    pub fn from_arg(arg: &str) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(arg))
        }
    }

    /// Size on disk, when known (for the progress bar).
    pub fn len(&self) -> Option<u64> {
        match self {
            Source::Stdin => None,
            Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Stdin => f.write_str("<stdin>"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// An input that cannot be read.
#[derive(Debug)]
pub struct InputError {
    /// The input.
    pub source: Source,
    /// Offset of the decompressed bytes at which reading failed.
    pub offset: u64,
    /// Why.
    pub error: io::Error,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.offset == 0 {
            write!(f, "cannot read {}: {}", self.source, self.error)
        } else {
            write!(f, "cannot read {} after {} bytes: {}", self.source, self.offset, self.error)
        }
    }
}

impl std::error::Error for InputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A chunk of (decompressed) input and where it starts.
#[derive(Debug)]
pub struct Chunk {
    /// Offset of the first byte in the decompressed stream.
    pub offset: u64,
    /// The bytes.
    pub data: Vec<u8>,
}

enum Piece {
    Data(Vec<u8>),
    Failed(io::Error),
}

/// Reads one input in chunks of at most [`CHUNK`] bytes.
pub struct Reader {
    source: Source,
    rx: Receiver<Piece>,
    thread: Option<JoinHandle<()>>,
    offset: u64,
    pending: Option<Vec<u8>>,
    coalesce: bool,
    compressed_read: Arc<AtomicU64>,
    gzip: bool,
}

/// Counts bytes read from the underlying file, for the progress bar
/// (which measures the file on disk, compressed or not).
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

impl Reader {
    /// Opens an input and starts its reader thread.
    pub fn open(source: &Source) -> Result<Reader, InputError> {
        let fail = |error| InputError { source: source.clone(), offset: 0, error };
        let compressed_read = Arc::new(AtomicU64::new(0));
        let raw: Box<dyn Read + Send> = match source {
            Source::Stdin => Box::new(io::stdin()),
            Source::File(p) => Box::new(open_file(p).map_err(fail)?),
        };
        let mut buffered = BufReader::with_capacity(256 << 10, Counting { inner: raw, count: Arc::clone(&compressed_read) });
        // Peek (without consuming) at the first bytes to spot gzip; fill_buf
        // may return fewer than two bytes on a pipe, so keep asking.
        let gzip = loop {
            match buffered.fill_buf() {
                Ok(head) if head.len() >= 2 || head.is_empty() => break is_gzip(head),
                Ok([0x1f]) => {
                    // One byte so far: read it out and put both back via chain.
                    let mut first = [0u8; 1];
                    buffered.read_exact(&mut first).map_err(fail)?;
                    let mut second = [0u8; 1];
                    let got = buffered.read(&mut second).map_err(fail)?;
                    let head: Vec<u8> = if got == 1 { vec![first[0], second[0]] } else { vec![first[0]] };
                    let gzip = is_gzip(&head);
                    let rest: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(buffered));
                    return Ok(Reader::spawn(source.clone(), rest, gzip, compressed_read));
                }
                Ok(_) => break false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(fail(e)),
            }
        };
        Ok(Reader::spawn(source.clone(), Box::new(buffered), gzip, compressed_read))
    }

    fn spawn(source: Source, raw: Box<dyn Read + Send>, gzip: bool, compressed_read: Arc<AtomicU64>) -> Reader {
        let mut reader: Box<dyn Read + Send> = if gzip { Box::new(MultiGzDecoder::new(raw)) } else { raw };
        let (tx, rx) = mpsc::sync_channel::<Piece>(QUEUE);
        // A file is read in full chunks; a pipe hands over whatever each
        // read returns and the receiving side coalesces (see PIPE_FLUSH).
        let fill = matches!(source, Source::File(_));
        let thread = std::thread::Builder::new()
            .name("aiwatch-input".into())
            .spawn(move || loop {
                let mut buf = vec![0u8; CHUNK];
                let mut len = 0;
                let result = loop {
                    match reader.read(&mut buf[len..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            len += n;
                            if !fill || len == CHUNK {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                buf.truncate(len);
                let eof = len == 0;
                if len > 0 && tx.send(Piece::Data(buf)).is_err() {
                    return;
                }
                match result {
                    Err(e) => {
                        let _ = tx.send(Piece::Failed(e));
                        return;
                    }
                    Ok(()) if eof => return,
                    Ok(()) => {}
                }
            })
            .expect("spawn the input thread");
        Reader { coalesce: !fill, source, rx, thread: Some(thread), offset: 0, pending: None, compressed_read, gzip }
    }

    /// Whether the input is gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Bytes read from the file so far (compressed bytes for gzip).
    pub fn raw_bytes_read(&self) -> u64 {
        self.compressed_read.load(Ordering::Relaxed)
    }

    /// The next chunk, or `None` at the end of the input.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, InputError> {
        let mut data = match self.pending.take() {
            Some(d) => d,
            None => match self.rx.recv() {
                Ok(Piece::Data(d)) => d,
                Ok(Piece::Failed(error)) => return Err(InputError { source: self.source.clone(), offset: self.offset, error }),
                Err(_) => return Ok(None),
            },
        };
        if self.coalesce {
            while data.len() < CHUNK {
                match self.rx.recv_timeout(PIPE_FLUSH) {
                    Ok(Piece::Data(more)) if data.len() + more.len() <= CHUNK => data.extend_from_slice(&more),
                    Ok(Piece::Data(more)) => {
                        self.pending = Some(more);
                        break;
                    }
                    Ok(Piece::Failed(error)) => {
                        // Scan what arrived; report the failure next time.
                        let (tx, rx) = mpsc::sync_channel(1);
                        let _ = tx.send(Piece::Failed(error));
                        self.rx = rx;
                        break;
                    }
                    Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => break,
                }
            }
        }
        let chunk = Chunk { offset: self.offset, data };
        self.offset += chunk.data.len() as u64;
        Ok(Some(chunk))
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        // Unblock the thread (its send fails once the receiver is gone),
        // then wait so no reader outlives its input. A thread blocked on a
        // terminal's stdin cannot be interrupted; leave it detached.
        let rx = std::mem::replace(&mut self.rx, mpsc::sync_channel(0).1);
        drop(rx);
        if let Some(t) = self.thread.take() {
            if self.source != Source::Stdin {
                let _ = t.join();
            }
        }
    }
}

fn open_file(path: &Path) -> io::Result<File> {
    let f = File::open(path)?;
    if f.metadata()?.is_dir() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "is a directory"));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(source: &Source) -> (Vec<u8>, Vec<usize>) {
        let mut r = Reader::open(source).unwrap();
        let mut all = Vec::new();
        let mut sizes = Vec::new();
        while let Some(c) = r.next_chunk().unwrap() {
            assert_eq!(c.offset as usize, all.len());
            sizes.push(c.data.len());
            all.extend_from_slice(&c.data);
        }
        (all, sizes)
    }

    fn temp(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("aiwatch-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn files_come_in_full_chunks() {
        let data: Vec<u8> = (0..CHUNK * 2 + 123).map(|i| (i % 251) as u8).collect();
        let p = temp("plain.log", &data);
        let (all, sizes) = read_all(&Source::File(p));
        assert_eq!(all, data);
        assert_eq!(sizes, [CHUNK, CHUNK, 123]);
    }

    #[test]
    fn gzip_is_detected_by_magic_not_name_and_members_concatenate() {
        let gz = |text: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(text).unwrap();
            e.finish().unwrap()
        };
        // Rotation tools append gzip members; all of them must be read.
        let mut both = gz(b"line one\n");
        both.extend(gz(b"line two\n"));
        let p = temp("access.log.1", &both);
        let r = Reader::open(&Source::File(p.clone())).unwrap();
        assert!(r.is_gzip());
        drop(r);
        assert_eq!(read_all(&Source::File(p)).0, b"line one\nline two\n");
    }

    #[test]
    fn a_one_byte_file_and_an_empty_file_are_fine() {
        assert_eq!(read_all(&Source::File(temp("one", b"\x1f"))).0, b"\x1f");
        assert_eq!(read_all(&Source::File(temp("empty", b""))).1, Vec::<usize>::new());
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let err = Reader::open(&Source::File(PathBuf::from("/nonexistent/x.log"))).err().unwrap();
        assert!(err.to_string().contains("/nonexistent/x.log"), "{err}");
        let err = Reader::open(&Source::File(std::env::temp_dir())).err().unwrap();
        assert!(err.to_string().contains("directory"), "{err}");
    }
}
