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
