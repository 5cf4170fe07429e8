//! `aiwatch filter` and `aiwatch serve` as a pipeline runs them: real
//! processes, standard streams, files that grow and rotate, TCP on loopback
//! with concurrent clients, records split across writes, clients that
//! disconnect mid-line, and SIGTERM. Every record sent must be accounted for.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn aiwatch() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aiwatch"));
    c.env("XDG_CACHE_HOME", std::env::temp_dir().join("aiwatch-pipeline-test-cache"));
    c
}

/// The records of a scenario (comment lines dropped) and how many findings
/// its golden says they produce.
fn scenario(name: &str) -> (Vec<String>, usize) {
    let path = root().join("testdata/scenarios").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let records: Vec<String> = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(str::to_string).collect();
    let stem = name.rsplit_once('.').unwrap().0;
    let golden = std::fs::read_to_string(path.with_file_name(format!("{stem}.findings.ndjson"))).unwrap();
    (records, golden.lines().count())
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aiwatch-pipeline-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn terminate(child: &Child) {
    let ok = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
}

fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

fn state_stats(path: &Path) -> serde_json::Value {
    let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(state["aiwatch_state"], 1, "not a state file: {state}");
    state["stats"].clone()
}

#[test]
fn filter_streams_findings_per_record_with_both_engines() {
    let (records, expected) = scenario("2-python-openai-sdk.sumo.json");
    let input = records.join("\n") + "\n";
    for engine in ["wasm", "native"] {
        let out = aiwatch()
            .args(["filter", "--engine", engine])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(input.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), expected, "{engine}");
        assert!(lines.iter().all(|f| f["score"].as_u64().unwrap() >= 1 && f["provider"] == "OpenAI"));
    }
}

#[test]
fn filter_flushes_each_finding_before_the_next_record_arrives() {
    let (records, _) = scenario("2-python-openai-sdk.sumo.json");
    let post = records.iter().find(|r| r.contains("\"POST\"")).unwrap();
    let mut child = aiwatch().args(["filter"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // One record in, its finding out, while stdin is still open.
    writeln!(stdin, "{post}").unwrap();
    stdin.flush().unwrap();
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["host"], "api.openai.com");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn filter_annotate_passes_every_record() {
    let records = [
        r#"{"src_ip":"10.0.0.1","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"curl/8.5.0"}"#,
        r#"{"src_ip":"10.0.0.1","dest_host":"www.example.com","http_method":"GET","uri_path":"/"}"#,
        "1701597601.123    245 10.1.2.3 TCP_MISS/200 1543 POST https://api.anthropic.com/v1/messages alice HIER_DIRECT/203.0.113.5 application/json",
        "not a log line",
    ];
    let input = records.join("\n") + "\n";
    let mut child = aiwatch().args(["filter", "--annotate"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4, "every record passes");
    assert_eq!(lines[0]["aiwatch"]["provider"], "OpenAI");
    assert_eq!(lines[0]["dest_host"], "api.openai.com", "the record's own fields stay");
    assert!(lines[1].get("aiwatch").is_none());
    assert_eq!(lines[2]["aiwatch"]["provider"], "Anthropic");
    assert_eq!(lines[2]["message"], records[2], "raw lines travel in `message`");
    assert_eq!(lines[3]["message"], "not a log line");
}

#[test]
fn filter_follows_a_rotating_file_and_writes_state_on_sigterm() {
    let dir = tmpdir("follow");
    let log = dir.join("access.log");
    let state = dir.join("state.json");
    let (records, expected) = scenario("2-python-openai-sdk.sumo.json");
    assert!(records.len() >= 4, "the scenario needs at least four records");
    std::fs::write(&log, records[..2].join("\n") + "\n").unwrap();
    let mut child = aiwatch()
        .args(["filter", "--follow", log.to_str().unwrap(), "--from-start", "--poll-ms", "20", "--state", state.to_str().unwrap()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let collected = thread::spawn(move || BufReader::new(stdout).lines().map(|l| l.unwrap()).collect::<Vec<_>>());
    // Grow the file, then rotate it (rename + new file), as logrotate does.
    thread::sleep(Duration::from_millis(200));
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    // A record written in two pieces.
    let (a, b) = records[2].split_at(records[2].len() / 2);
    f.write_all(a.as_bytes()).unwrap();
    f.flush().unwrap();
    thread::sleep(Duration::from_millis(100));
    writeln!(f, "{b}").unwrap();
    drop(f);
    thread::sleep(Duration::from_millis(200));
    std::fs::rename(&log, dir.join("access.log.1")).unwrap();
    std::fs::write(&log, records[3..].join("\n") + "\n").unwrap();
    thread::sleep(Duration::from_millis(500));
    terminate(&child);
    let status = child.wait().unwrap();
    assert!(status.success(), "filter exits cleanly on SIGTERM");
    let findings = collected.join().unwrap();
    assert_eq!(findings.len(), expected, "findings: {findings:#?}");
    let stats = state_stats(&state);
    assert_eq!(stats["lines"], records.len() as u64, "every record counted: {stats}");
    assert_eq!(stats["findings"], expected as u64);
    let _ = std::fs::remove_dir_all(&dir);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[test]
fn serve_accounts_for_every_record_from_concurrent_clients() {
    let dir = tmpdir("serve");
    let state = dir.join("state.json");
    let (records, expected) = scenario("2-python-openai-sdk.sumo.json");
    let sink = TcpListener::bind("127.0.0.1:0").unwrap();
    let forward = sink.local_addr().unwrap();
    let received = thread::spawn(move || {
        // The findings consumer (a Vector `socket` source in production).
        let (conn, _) = sink.accept().unwrap();
        BufReader::new(conn).lines().map(|l| l.unwrap()).collect::<Vec<_>>()
    });
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = aiwatch()
        .args(["serve", "--listen", &listen, "--forward", &forward.to_string(), "--queue", "16", "--state", state.to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(|| TcpStream::connect(&listen).is_ok(), "serve to listen");

    const CLIENTS: usize = 6;
    const ROUNDS: usize = 20;
    let mut handles = Vec::new();
    for c in 0..CLIENTS {
        let (records, listen) = (records.clone(), listen.clone());
        handles.push(thread::spawn(move || {
            let mut s = TcpStream::connect(&listen).unwrap();
            for r in 0..ROUNDS {
                for rec in &records {
                    // Split every record across two writes, sometimes with a pause.
                    let (a, b) = rec.as_bytes().split_at(rec.len() / 3);
                    s.write_all(a).unwrap();
                    if (r + c) % 7 == 0 {
                        s.flush().unwrap();
                        thread::sleep(Duration::from_millis(2));
                    }
                    s.write_all(b).unwrap();
                    s.write_all(b"\n").unwrap();
                }
            }
            // The last client disconnects in the middle of a record: the
            // partial line is still a record received.
            if c == CLIENTS - 1 {
                s.write_all(records[0].as_bytes()).unwrap();
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let sent = CLIENTS * ROUNDS * records.len() + 1;
    let findings_expected = CLIENTS * ROUNDS * expected;
    // Wait until everything sent has been processed, then stop.
    thread::sleep(Duration::from_millis(500));
    terminate(&child);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(status.success(), "serve exits cleanly on SIGTERM: {err}");
    let stats = state_stats(&state);
    assert_eq!(stats["lines"], sent as u64, "every record received is counted: {stats}\n{err}");
    assert_eq!(stats["parsed"].as_u64().unwrap() + stats["errors"].as_u64().unwrap() + stats["skipped"].as_u64().unwrap(), sent as u64);
    let forwarded = received.join().unwrap();
    // The partial record (records[0], a CONNECT) is not a finding.
    assert_eq!(forwarded.len(), findings_expected, "{err}");
    assert_eq!(stats["findings"], findings_expected as u64);
    for f in &forwarded {
        let v: serde_json::Value = serde_json::from_str(f).unwrap();
        assert_eq!(v["host"], "api.openai.com");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ stress
//
// `serve` under load, with hostile clients and a slow consumer (issue 7,
// point 4). Loopback only; every test is bounded in record count and in
// time (`wait_for` gives up after 60 s). Throughput is printed, not
// asserted: these machines are shared.

/// Peak resident memory (`VmHWM`) of a running process, sampled from /proc.
struct Rss {
    pid: u32,
}

impl Rss {
    fn peak_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()).unwrap_or(0) >> 10
    }

    fn current_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()).unwrap_or(0) >> 10
    }
}

/// A findings consumer on loopback that counts the lines it receives and
/// can be paused; `delay` between 64 KiB reads makes it slow.
struct Sink {
    addr: std::net::SocketAddr,
    lines: std::sync::Arc<std::sync::atomic::AtomicU64>,
    findings: std::sync::Arc<std::sync::atomic::AtomicU64>,
    paused: std::sync::Arc<std::sync::atomic::AtomicBool>,
    done: Option<thread::JoinHandle<Vec<String>>>,
}

impl Sink {
    /// `keep` lines matching it are returned at the end (for inspection).
    fn start(delay: Duration, keep: fn(&str) -> bool) -> Sink {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        use std::sync::Arc;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let lines = Arc::new(AtomicU64::new(0));
        let findings = Arc::new(AtomicU64::new(0));
        let paused = Arc::new(AtomicBool::new(false));
        let (l, f, p) = (lines.clone(), findings.clone(), paused.clone());
        let done = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut buf = vec![0u8; 64 << 10];
            let mut partial = Vec::new();
            let mut kept = Vec::new();
            loop {
                while p.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(10));
                }
                let n = match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                partial.extend_from_slice(&buf[..n]);
                let mut start = 0;
                while let Some(nl) = partial[start..].iter().position(|&b| b == b'\n') {
                    let line = std::str::from_utf8(&partial[start..start + nl]).expect("forwarded output is UTF-8");
                    l.fetch_add(1, Ordering::Relaxed);
                    if line.contains("\"aiwatch\":{") {
                        f.fetch_add(1, Ordering::Relaxed);
                    }
                    if keep(line) {
                        kept.push(line.to_string());
                    }
                    start += nl + 1;
                }
                partial.drain(..start);
                if !delay.is_zero() {
                    thread::sleep(delay);
                }
            }
            assert!(partial.is_empty(), "the consumer got a torn last line: {} bytes", partial.len());
            kept
        });
        Sink { addr, lines, findings, paused, done: Some(done) }
    }

    fn lines(&self) -> u64 {
        self.lines.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn findings(&self) -> u64 {
        self.findings.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn pause(&self, on: bool) {
        self.paused.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Waits for the server to close the connection; returns the kept
    /// lines and the final line count.
    fn join(mut self) -> (Vec<String>, u64) {
        let kept = self.done.take().unwrap().join().unwrap();
        (kept, self.lines())
    }
}

/// Starts `aiwatch serve --annotate` forwarding to `sink`: with
/// `--annotate` every record processed produces exactly one output line, so
/// the consumer's line count is the number of records processed.
fn serve_annotated(sink: &Sink, state: &Path, extra: &[&str]) -> (Child, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut args = vec!["serve", "--annotate", "--listen", &listen, "--forward"];
    let forward = sink.addr.to_string();
    args.push(&forward);
    args.extend(["--state", state.to_str().unwrap()]);
    args.extend(extra);
    let child = aiwatch().args(&args).stderr(Stdio::piped()).spawn().unwrap();
    wait_for(|| TcpStream::connect(&listen).is_ok(), "serve to listen");
    (child, listen)
}

fn stop_serve(mut child: Child) -> (String, u64) {
    terminate(&child);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(status.success(), "serve exits cleanly on SIGTERM: {err}");
    // "aiwatch: C clients, N records received; ..."
    let received = err
        .lines()
        .find_map(|l| l.split_once(" records received").map(|(head, _)| head.rsplit(' ').next().unwrap().parse::<u64>().unwrap()))
        .unwrap_or_else(|| panic!("no summary line: {err}"));
    (err, received)
}

/// The mix every load client sends: the Python SDK scenario (findings and
/// other records) plus a Squid line for a non-AI host, as JSON text lines.
fn load_mix() -> (Vec<String>, usize) {
    let (mut records, findings) = scenario("2-python-openai-sdk.sumo.json");
    records.push("1796115700.010    512 10.20.7.4 TCP_MISS/200 2210 GET https://www.example.com/ erin HIER_DIRECT/203.0.113.21 text/html".into());
    (records, findings)
}

#[test]
fn serve_holds_sustained_load_from_eight_clients() {
    let dir = tmpdir("load");
    let state = dir.join("state.json");
    let sink = Sink::start(Duration::ZERO, |_| false);
    let (child, listen) = serve_annotated(&sink, &state, &[]);
    let rss = Rss { pid: child.id() };
    let (mix, mix_findings) = load_mix();
    const CLIENTS: usize = 8;
    const PER_CLIENT: usize = 50_000;
    let batch: String = mix.iter().map(|r| format!("{r}\n")).collect();
    let rounds = PER_CLIENT / mix.len();
    let sent = (CLIENTS * rounds * mix.len()) as u64;
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (listen, batch) = (listen.clone(), batch.clone());
            thread::spawn(move || {
                let mut s = TcpStream::connect(&listen).unwrap();
                for _ in 0..rounds {
                    s.write_all(batch.as_bytes()).unwrap();
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    wait_for(|| sink.lines() == sent, "every record to be processed");
    let elapsed = started.elapsed();
    let peak = rss.peak_mib();
    let (err, received) = stop_serve(child);
    let stats = state_stats(&state);
    assert_eq!(received, sent, "{err}");
    assert_eq!(stats["lines"], sent, "{stats}");
    assert_eq!(stats["parsed"].as_u64().unwrap() + stats["skipped"].as_u64().unwrap() + stats["errors"].as_u64().unwrap(), sent);
    let findings = (CLIENTS * rounds * mix_findings) as u64;
    assert_eq!(stats["findings"], findings, "{stats}");
    assert_eq!(sink.findings(), findings, "annotated findings forwarded");
    assert_eq!(sink.join().1, sent, "one output line per record");
    eprintln!(
        "serve load: {CLIENTS} clients x {} records = {sent} records in {:.2} s = {:.0} records/s through the wasm engine (annotate, forwarded); server peak RSS {peak} MiB",
        rounds * mix.len(),
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64()
    );
    assert!(peak < 256, "server peak RSS {peak} MiB");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_counts_partial_lines_from_many_clients_that_disconnect_mid_line() {
    let dir = tmpdir("disconnect");
    let state = dir.join("state.json");
    let sink = Sink::start(Duration::ZERO, |_| false);
    let (child, listen) = serve_annotated(&sink, &state, &["--max-clients", "16"]);
    let (mix, _) = load_mix();
    const CLIENTS: usize = 64;
    let mut expected = 0u64;
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        // Client c sends c whole records, then (unless c % 4 == 0) a piece
        // of the next one, and goes away without a newline.
        let whole: Vec<String> = (0..c).map(|i| mix[i % mix.len()].clone()).collect();
        let next = &mix[c % mix.len()];
        let piece = if c % 4 == 0 { String::new() } else { next[..(c * 7) % next.len() + 1].to_string() };
        expected += whole.len() as u64 + u64::from(!piece.is_empty());
        let listen = listen.clone();
        clients.push(thread::spawn(move || {
            let mut s = TcpStream::connect(&listen).unwrap();
            for r in &whole {
                s.write_all(r.as_bytes()).unwrap();
                s.write_all(b"\n").unwrap();
            }
            s.write_all(piece.as_bytes()).unwrap();
            if c % 3 == 0 {
                // Half-close first, as a well-behaved client ending a stream would.
                s.shutdown(std::net::Shutdown::Write).unwrap();
            }
        }));
    }
    // And clients that connect and say nothing at all.
    for _ in 0..8 {
        drop(TcpStream::connect(&listen).unwrap());
    }
    for c in clients {
        c.join().unwrap();
    }
    wait_for(|| sink.lines() == expected, "every record and partial line to be processed");
    let (err, received) = stop_serve(child);
    let stats = state_stats(&state);
    assert_eq!(received, expected, "{err}");
    assert_eq!(stats["lines"], expected, "{stats}");
    // The silent clients count, and so does serve_annotated's one
    // successful readiness probe.
    assert!(err.contains(&format!("aiwatch: {} clients", CLIENTS + 8 + 1)), "{err}");
    let _ = sink.join();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_slow_consumer_applies_backpressure_without_unbounded_buffering() {
    let dir = tmpdir("slow");
    let state = dir.join("state.json");
    // Slow: 64 KiB per millisecond at most, and paused entirely at first.
    let sink = Sink::start(Duration::from_millis(1), |_| false);
    sink.pause(true);
    let (child, listen) = serve_annotated(&sink, &state, &["--queue", "1000"]);
    let rss = Rss { pid: child.id() };
    let baseline = rss.current_mib();
    // 384 records of 512 KiB: 192 MiB a client would push if nothing
    // pushed back. Each record is a JSON object, so annotate forwards it
    // whole (the consumer receives all 192 MiB). `--queue 1000` alone
    // would allow 500 MiB of such records to pile up in the server.
    const RECORDS: usize = 384;
    let record = format!(r#"{{"src_ip":"10.9.9.9","dest_host":"www.example.com","pad":"{}"}}"#, "p".repeat(512 << 10));
    let written = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let client = {
        let (listen, record, written) = (listen.clone(), record.clone(), written.clone());
        thread::spawn(move || {
            let mut s = TcpStream::connect(&listen).unwrap();
            for _ in 0..RECORDS {
                s.write_all(record.as_bytes()).unwrap();
                s.write_all(b"\n").unwrap();
                written.fetch_add(record.len() as u64 + 1, std::sync::atomic::Ordering::Relaxed);
            }
        })
    };
    // While the consumer reads nothing, the sender must stall: what it got
    // rid of is bounded by socket buffers and the server's queue, not by
    // what it has to send.
    thread::sleep(Duration::from_secs(3));
    let stalled_at = written.load(std::sync::atomic::Ordering::Relaxed) >> 20;
    let rss_paused = rss.current_mib();
    sink.pause(false);
    client.join().unwrap();
    wait_for(|| sink.lines() == RECORDS as u64, "the slow consumer to receive every record");
    let peak = rss.peak_mib();
    let (err, received) = stop_serve(child);
    let stats = state_stats(&state);
    eprintln!("slow consumer: sender stalled after {stalled_at} MiB of 192 MiB; server RSS {baseline} MiB idle, {rss_paused} MiB while stalled, peak {peak} MiB");
    assert_eq!(received, RECORDS as u64, "{err}");
    assert_eq!(stats["lines"], RECORDS as u64, "{stats}");
    assert!(stalled_at < 96, "the sender pushed {stalled_at} MiB while the consumer read nothing: no backpressure");
    assert!(peak < baseline + 96, "server RSS grew from {baseline} to {peak} MiB: it buffers what the consumer cannot take");
    let _ = sink.join();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_sigterm_mid_stream_accounts_for_every_record_accepted() {
    let dir = tmpdir("sigterm");
    let state = dir.join("state.json");
    let sink = Sink::start(Duration::ZERO, |line| serde_json::from_str::<serde_json::Value>(line).is_err());
    let (child, listen) = serve_annotated(&sink, &state, &[]);
    let (mix, _) = load_mix();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (listen, mix, stop, sent) = (listen.clone(), mix.clone(), stop.clone(), sent.clone());
            thread::spawn(move || {
                let mut s = TcpStream::connect(&listen).unwrap();
                // Keep sending until the server goes away; the count is of
                // records whose bytes the kernel took, an upper bound on
                // what the server can have accepted.
                'outer: while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    for r in &mix {
                        if s.write_all(format!("{r}\n").as_bytes()).is_err() {
                            break 'outer;
                        }
                        sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    wait_for(|| sink.lines() > 20_000, "the stream to be under way");
    let (err, received) = stop_serve(child);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let stats = state_stats(&state);
    let (torn, forwarded) = sink.join();
    let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(forwarded, received, "every record received was processed and forwarded before exit");
    assert!(torn.is_empty(), "forwarded lines that are not JSON: {:?}", &torn[..torn.len().min(3)]);
    assert_eq!(stats["lines"], received, "the state counts exactly the records the server received: {stats}\n{err}");
    assert!(received > 20_000 && received <= sent, "received {received}, clients wrote {sent}");
    assert_eq!(stats["parsed"].as_u64().unwrap() + stats["skipped"].as_u64().unwrap() + stats["errors"].as_u64().unwrap(), received);
    let _ = std::fs::remove_dir_all(&dir);
}
