//! Streaming faces for log pipelines (SPEC §5): `aiwatch filter` reads
//! records from standard input or a followed file and writes NDJSON
//! findings as each record arrives; `aiwatch serve` does the same for many
//! TCP clients (what a Vector `socket` sink sends) and forwards the
//! findings to another socket (a Vector `socket` source) or standard output.
//!
//! Both feed the rule one record at a time, so a finding leaves as soon as
//! its line arrived, and both count every record they accepted: the
//! session's `stats.lines` is the number of records received.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use aiwatch_rule::FindingRecord;
use serde::Serialize;

use crate::engine::{EngineError, Session};

/// Why a pipeline stopped.
#[derive(Debug)]
pub enum PipelineError {
    /// Reading input, writing output, or a socket failed.
    Io(io::Error),
    /// The rule failed.
    Engine(EngineError),
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Io(e) => write!(f, "{e}"),
            PipelineError::Engine(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PipelineError {}

impl From<io::Error> for PipelineError {
    fn from(e: io::Error) -> Self {
        PipelineError::Io(e)
    }
}

impl From<EngineError> for PipelineError {
    fn from(e: EngineError) -> Self {
        PipelineError::Engine(e)
    }
}

/// The annotation added to a record by `--annotate`.
#[derive(Serialize)]
struct Annotation<'a> {
    aiwatch: &'a FindingRecord,
}

/// Runs records through a session one at a time and writes what each
/// produced: its findings as NDJSON, or with `annotate` every record (as a
/// JSON object) with an `aiwatch` member on the ones that matched.
pub struct RecordFilter {
    session: Box<dyn Session>,
    annotate: bool,
    line: Vec<u8>,
}

impl RecordFilter {
    /// A filter over an open session (opened in findings mode).
    pub fn new(session: Box<dyn Session>, annotate: bool) -> RecordFilter {
        RecordFilter { session, annotate, line: Vec::new() }
    }

    /// The session, for stats and state at the end.
    pub fn session(&mut self) -> &mut dyn Session {
        self.session.as_mut()
    }

    /// Processes one record (without its newline) and writes its output
    /// line(s) to `out`. Does not flush.
    pub fn process(&mut self, record: &[u8], out: &mut dyn Write) -> Result<(), PipelineError> {
        let record = record.strip_suffix(b"\r").unwrap_or(record);
        self.line.clear();
        self.line.extend_from_slice(record);
        self.line.push(b'\n');
        let batch = self.session.feed(&self.line)?;
        if !self.annotate {
            for f in &batch.findings {
                serde_json::to_writer(&mut *out, f).map_err(io::Error::from)?;
                out.write_all(b"\n")?;
            }
            return Ok(());
        }
        let text = String::from_utf8_lossy(record);
        if text.trim().is_empty() {
            return Ok(());
        }
        write_annotated(&text, batch.findings.first(), out)
    }

    /// Ends the input (nothing is pending: records arrive whole).
    pub fn finish(&mut self) -> Result<(), PipelineError> {
        self.session.finish()?;
        Ok(())
    }
}

/// Writes `record` as one JSON object line: a JSON object stays as it is
/// (with `"aiwatch": {...}` spliced in before its closing brace when it
/// matched); any other line becomes `{"message": line}`.
fn write_annotated(record: &str, finding: Option<&FindingRecord>, out: &mut dyn Write) -> Result<(), PipelineError> {
    let trimmed = record.trim();
    let is_object = trimmed.starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_ok() && trimmed.ends_with('}');
    let body = if is_object { trimmed.to_string() } else { serde_json::json!({ "message": record }).to_string() };
    match finding {
        None => out.write_all(body.as_bytes())?,
        Some(f) => {
            let annotation = serde_json::to_string(&Annotation { aiwatch: f }).map_err(io::Error::from)?;
            // `annotation` is `{"aiwatch":{...}}`: splice its members in.
            let inner = &annotation[1..annotation.len() - 1];
            let head = body[..body.len() - 1].trim_end();
            let sep = if head.ends_with('{') { "" } else { "," };
            write!(out, "{head}{sep}{inner}}}")?;
        }
    }
    out.write_all(b"\n")?;
    Ok(())
}

/// Where `filter` reads records from.
pub enum FilterInput {
    /// Standard input until end of file.
    Stdin,
    /// A file followed like `tail -F`: across rotation and truncation,
    /// until `stop` is set.
    Follow {
        /// The file.
        path: PathBuf,
        /// Start at the beginning instead of the current end.
        from_start: bool,
        /// How often to look for new data.
        poll: Duration,
    },
}

/// Longest record `filter` and `serve` keep; a longer one is cut into
/// pieces and each counted (the rule reports them as lines it cannot parse).
pub const MAX_RECORD: usize = 1 << 20;

/// `aiwatch filter`: records in, findings (or annotated records) out,
/// flushed per record so latency stays per record.
pub fn run_filter(filter: &mut RecordFilter, input: FilterInput, out: &mut dyn Write, stop: &AtomicBool) -> Result<(), PipelineError> {
    match input {
        FilterInput::Stdin => {
            let stdin = io::stdin();
            let mut reader = stdin.lock();
            let mut buf = Vec::new();
            while read_record(&mut reader, &mut buf)? {
                filter.process(&buf, out)?;
                out.flush()?;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
            }
        }
        FilterInput::Follow { path, from_start, poll } => {
            let mut follower = Follower::open(&path, from_start)?;
            let mut pending = Vec::new();
            loop {
                let got = follower.read_available(&mut pending)?;
                let mut start = 0;
                while let Some(nl) = memchr::memchr(b'\n', &pending[start..]) {
                    filter.process(&pending[start..start + nl], out)?;
                    start += nl + 1;
                }
                pending.drain(..start);
                if pending.len() > MAX_RECORD {
                    filter.process(&pending, out)?;
                    pending.clear();
                }
                out.flush()?;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if got == 0 {
                    thread::sleep(poll);
                }
            }
            if !pending.is_empty() {
                filter.process(&pending, out)?;
            }
        }
    }
    filter.finish()?;
    out.flush()?;
    Ok(())
}

/// Reads one record (up to a newline or end of input, at most
/// [`MAX_RECORD`] bytes) into `buf`. Returns false at end of input.
fn read_record(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    let n = reader.take(MAX_RECORD as u64).read_until(b'\n', buf)?;
    if buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Ok(n > 0)
}

/// Follows a file across rotation (the path now names another file) and
/// truncation (the file shrank), like `tail -F`.
struct Follower {
    path: PathBuf,
    file: Option<File>,
    id: Option<FileId>,
    offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

fn file_id(meta: &std::fs::Metadata) -> FileId {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        FileId { dev: meta.dev(), ino: meta.ino() }
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        FileId { dev: 0, ino: 0 }
    }
}

impl Follower {
    fn open(path: &Path, from_start: bool) -> io::Result<Follower> {
        let mut f = Follower { path: path.to_path_buf(), file: None, id: None, offset: 0 };
        if let Ok(mut file) = File::open(path) {
            let meta = file.metadata()?;
            f.offset = if from_start { 0 } else { meta.len() };
            file.seek(SeekFrom::Start(f.offset))?;
            f.id = Some(file_id(&meta));
            f.file = Some(file);
        } else if !from_start {
            // Not there yet: it will be read from its start once it appears.
        }
        Ok(f)
    }

    /// Appends whatever is readable now to `out`; returns how many bytes.
    fn read_available(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        let mut total = self.drain_current(out)?;
        // Rotation or truncation: finish the old file (done above), then
        // start the file the path names now from its beginning.
        match std::fs::metadata(&self.path) {
            Ok(meta) => {
                let rotated = self.id != Some(file_id(&meta));
                let truncated = !rotated && meta.len() < self.offset;
                if rotated || truncated {
                    let mut file = File::open(&self.path)?;
                    self.id = Some(file_id(&file.metadata()?));
                    self.offset = 0;
                    file.seek(SeekFrom::Start(0))?;
                    self.file = Some(file);
                    total += self.drain_current(out)?;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(total)
    }

    fn drain_current(&mut self, out: &mut Vec<u8>) -> io::Result<usize> {
        let Some(file) = &mut self.file else { return Ok(0) };
        let n = file.read_to_end(out)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Options of `aiwatch serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on (loopback in tests).
    pub listen: SocketAddr,
    /// Where to send findings; standard output when `None`.
    pub forward: Option<SocketAddr>,
    /// Write every record annotated instead of findings only.
    pub annotate: bool,
    /// Records queued between the readers and the rule. When full, readers
    /// stop reading, so TCP flow control slows the senders down
    /// (backpressure) instead of memory growing.
    pub queue: usize,
    /// Most clients served at once; further connections wait in the backlog.
    pub max_clients: usize,
}

/// What a `serve` run handled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServeSummary {
    /// Connections accepted.
    pub clients: u64,
    /// Records received (each complete line, and a partial line left at a
    /// disconnect).
    pub records: u64,
}

/// A record travelling from a reader thread to the rule.
type Record = Vec<u8>;

/// Most record bytes queued between the readers and the rule, whatever
/// [`ServeOptions::queue`] allows: records may be up to [`MAX_RECORD`]
/// long, so a bound in records alone would let a slow consumer make the
/// queue hold `queue` MiB. When the budget is spent, readers wait and TCP
/// backpressure reaches the senders.
pub const MAX_QUEUED_BYTES: usize = 32 << 20;

/// The byte budget of the queue, shared by the readers (who take from it
/// before queueing a record) and the rule's loop (which gives back after
/// processing one).
struct ByteBudget {
    queued: Mutex<usize>,
    freed: Condvar,
    limit: usize,
}

impl ByteBudget {
    fn new(limit: usize) -> ByteBudget {
        ByteBudget { queued: Mutex::new(0), freed: Condvar::new(), limit }
    }

    /// Waits until `n` more bytes fit. A record larger than the whole
    /// budget still passes once the queue is empty.
    fn take(&self, n: usize) {
        let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
        while *queued > 0 && *queued + n > self.limit {
            queued = self.freed.wait(queued).unwrap_or_else(|e| e.into_inner());
        }
        *queued += n;
    }

    fn give_back(&self, n: usize) {
        let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
        *queued = queued.saturating_sub(n);
        self.freed.notify_all();
    }
}

/// `aiwatch serve`: accepts clients until `stop` is set, then stops
/// reading, processes every record already received, and returns. The
/// caller then reads the session's stats and state from `filter`.
pub fn serve(filter: &mut RecordFilter, opts: &ServeOptions, stop: Arc<AtomicBool>) -> Result<ServeSummary, PipelineError> {
    let listener = TcpListener::bind(opts.listen)?;
    listener.set_nonblocking(true)?;
    serve_on(listener, filter, opts, stop)
}

/// [`serve`] on an already bound listener (tests bind port 0 first).
pub fn serve_on(listener: TcpListener, filter: &mut RecordFilter, opts: &ServeOptions, stop: Arc<AtomicBool>) -> Result<ServeSummary, PipelineError> {
    listener.set_nonblocking(true)?;
    let (tx, rx) = sync_channel::<Record>(opts.queue.max(1));
    let clients = Arc::new(AtomicU64::new(0));
    let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let budget = Arc::new(ByteBudget::new(MAX_QUEUED_BYTES));

    let acceptor = {
        let (stop, clients, open, max, budget) = (stop.clone(), clients.clone(), open.clone(), opts.max_clients.max(1), budget.clone());
        thread::Builder::new().name("aiwatch-accept".into()).spawn(move || accept_loop(listener, tx, stop, clients, open, max, budget))?
    };

    let mut out: Box<dyn Write> = match opts.forward {
        Some(addr) => Box::new(BufWriter::new(Forwarder::connect(addr)?)),
        None => Box::new(BufWriter::new(io::stdout())),
    };
    let records = drain(filter, rx, out.as_mut(), &budget)?;
    // The channel closed: the acceptor and every reader have ended.
    let _ = acceptor.join();
    filter.finish()?;
    out.flush()?;
    Ok(ServeSummary { clients: clients.load(Ordering::Relaxed), records })
}

/// Feeds queued records to the rule until every sender is gone.
fn drain(filter: &mut RecordFilter, rx: Receiver<Record>, out: &mut dyn Write, budget: &ByteBudget) -> Result<u64, PipelineError> {
    let mut records = 0u64;
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(record) => {
                filter.process(&record, out)?;
                budget.give_back(record.len());
                records += 1;
                // Flush when the queue is momentarily empty: per-record
                // latency when idle, batched writes under load.
                if let Ok(next) = rx.try_recv() {
                    filter.process(&next, out)?;
                    budget.give_back(next.len());
                    records += 1;
                } else {
                    out.flush()?;
                }
            }
            Err(RecvTimeoutError::Timeout) => out.flush()?,
            Err(RecvTimeoutError::Disconnected) => return Ok(records),
        }
    }
}

fn accept_loop(listener: TcpListener, tx: SyncSender<Record>, stop: Arc<AtomicBool>, clients: Arc<AtomicU64>, open: Arc<Mutex<Vec<TcpStream>>>, max_clients: usize, budget: Arc<ByteBudget>) {
    let active = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        if active.load(Ordering::Relaxed) as usize >= max_clients {
            thread::sleep(Duration::from_millis(10));
            continue;
        }
        match listener.accept() {
            Ok((stream, _peer)) => {
                clients.fetch_add(1, Ordering::Relaxed);
                let _ = stream.set_nonblocking(false);
                if let Ok(clone) = stream.try_clone() {
                    open.lock().unwrap_or_else(|e| e.into_inner()).push(clone);
                }
                let (tx, reader_active, budget) = (tx.clone(), active.clone(), budget.clone());
                active.fetch_add(1, Ordering::Relaxed);
                let spawned = thread::Builder::new().name("aiwatch-client".into()).spawn(move || {
                    read_client(stream, &tx, &budget);
                    reader_active.fetch_sub(1, Ordering::Relaxed);
                });
                match spawned {
                    Ok(h) => readers.push(h),
                    Err(_) => {
                        active.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(Duration::from_millis(10)),
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
    // Stop: no new clients; end every reader by shutting its socket's
    // reading side (records already read are still delivered).
    for s in open.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let _ = s.shutdown(Shutdown::Read);
    }
    drop(tx);
    for r in readers {
        let _ = r.join();
    }
}

/// Reads newline-delimited records from one client into the queue. A
/// partial line left when the client disconnects is a record too: it was
/// received, so it is accounted for.
fn read_client(stream: TcpStream, tx: &SyncSender<Record>, budget: &ByteBudget) {
    let mut reader = BufReader::with_capacity(64 << 10, stream);
    loop {
        let mut buf = Vec::new();
        match read_record(&mut reader, &mut buf) {
            Ok(true) => {
                budget.take(buf.len());
                if tx.send(buf).is_err() {
                    return;
                }
            }
            Ok(false) | Err(_) => return,
        }
    }
}

/// A TCP connection to the findings consumer that reconnects when the
/// consumer restarts.
struct Forwarder {
    addr: SocketAddr,
    stream: TcpStream,
}

impl Forwarder {
    const ATTEMPTS: u32 = 20;

    fn connect(addr: SocketAddr) -> io::Result<Forwarder> {
        Ok(Forwarder { addr, stream: Self::dial(addr)? })
    }

    fn dial(addr: SocketAddr) -> io::Result<TcpStream> {
        let mut last = None;
        for attempt in 0..Self::ATTEMPTS {
            match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
            thread::sleep(Duration::from_millis(50 * u64::from(attempt + 1)));
        }
        Err(last.unwrap_or_else(|| io::Error::other("no attempt made")))
    }
}

impl Write for Forwarder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.stream.write(buf) {
            Ok(n) => Ok(n),
            Err(_) => {
                self.stream = Self::dial(self.addr)?;
                self.stream.write(buf)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_splices_into_objects_and_wraps_raw_lines() {
        let f: FindingRecord = serde_json::from_str(
            r#"{"line":1,"format":"sumo-json","time_ms":null,"src_ip":null,"user":null,"method":"POST","host":"api.openai.com","port":null,"path":"/v1/x","user_agent":null,"bytes_uploaded":null,"bytes_downloaded":null,"score":2,"signals":["api_endpoint","post"],"provider":"OpenAI","host_pattern":"api.openai.com","explanation":"x"}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        write_annotated(r#"{"a":1}"#, Some(&f), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(v["aiwatch"]["score"], 2);
        out.clear();
        write_annotated("{}", Some(&f), &mut out).unwrap();
        assert!(serde_json::from_slice::<serde_json::Value>(&out).unwrap()["aiwatch"].is_object());
        out.clear();
        write_annotated("1.0 2 10.0.0.1 TCP/200", None, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\"message\":\"1.0 2 10.0.0.1 TCP/200\"}\n");
    }

    #[test]
    fn follower_survives_truncation_and_rotation() {
        let dir = std::env::temp_dir().join(format!("aiwatch-follow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("access.log");
        std::fs::write(&path, "a\n").unwrap();
        let mut f = Follower::open(&path, true).unwrap();
        let mut buf = Vec::new();
        f.read_available(&mut buf).unwrap();
        assert_eq!(buf, b"a\n");
        // Append.
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"b\n").unwrap();
        buf.clear();
        f.read_available(&mut buf).unwrap();
        assert_eq!(buf, b"b\n");
        // Rotate: the old file moves away, a new one takes the name.
        std::fs::rename(&path, dir.join("access.log.1")).unwrap();
        std::fs::write(&path, "c\n").unwrap();
        buf.clear();
        f.read_available(&mut buf).unwrap();
        assert_eq!(buf, b"c\n");
        // Truncate in place (copytruncate).
        std::fs::write(&path, "").unwrap();
        f.read_available(&mut Vec::new()).unwrap();
        std::fs::write(&path, "d\n").unwrap();
        buf.clear();
        f.read_available(&mut buf).unwrap();
        assert_eq!(buf, b"d\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
