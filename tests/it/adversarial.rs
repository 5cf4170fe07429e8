//! Hostile and absurd log input (issue 7, point 2): each item is its own
//! test, through the library and, where the claim is about the command,
//! through the real `aiwatch` binary. What must hold everywhere: no panic,
//! no unbounded memory, every line accounted for
//! (`parsed + skipped + errors == lines`), and a verdict a detection
//! engineer would sign off on.
//!
//! SECURITY.md cites these tests by name; rename them there too.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aiwatch_rule::{Config, Outcome, Report, Rule, ScanOptions, Scanner, Verdict};

use crate::cli::{aiwatch, scratch};
use crate::component::xdg_cache_home;

fn default_rule() -> Arc<Rule> {
    static RULE: OnceLock<Arc<Rule>> = OnceLock::new();
    RULE.get_or_init(|| Arc::new(Rule::new(&Config::default()).expect("default rule"))).clone()
}

/// What the scanner said about each line, in order: `"finding <provider>
/// <bytes>"`, `"ai <verdict>"` (an AI host, but no finding: browser, below
/// the minimum score, ...), `"event"` (parsed, not an AI host), `"skip"` or
/// `"error <reason>"`.
fn outcomes(rule: Arc<Rule>, chunks: &[&[u8]]) -> (Vec<String>, Report) {
    let mut seen = Vec::new();
    let mut scanner = Scanner::new(rule, ScanOptions::default());
    let mut record = |o: Outcome<'_, '_>| {
        seen.push(match o {
            Outcome::Skipped { .. } => "skip".to_string(),
            Outcome::Error { error, .. } => format!("error {error}"),
            Outcome::Event { verdict: Verdict::Finding(f), .. } => format!("finding {} {}", f.provider, f.bytes_uploaded),
            Outcome::Event { verdict: Verdict::NotAiHost, .. } => "event".to_string(),
            Outcome::Event { verdict, .. } => format!("ai {verdict:?}"),
        })
    };
    for c in chunks {
        scanner.feed(c, &mut record);
    }
    scanner.finish(&mut record);
    let report = scanner.report();
    assert!(report.stats.is_balanced(), "unbalanced: {:?}", report.stats);
    (seen, report)
}

fn sumo(src_ip: &str, host: &str, bytes_out: &str) -> String {
    format!(r#"{{"src_ip":"{src_ip}","user":"mallory","dest_host":{host},"http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"python-requests/2.31.0","bytes_out":{bytes_out},"_messageTime":1796306420000}}"#)
}

/// A finding-producing Squid native line for `client`.
fn squid(client: &str) -> String {
    format!("1796115700.010    512 {client} TCP_MISS/200 2210 POST https://api.openai.com/v1/chat/completions erin HIER_DIRECT/203.0.113.21 application/json\n")
}

const MIB: usize = 1 << 20;

// ---------------------------------------------------------------- 100 MiB line

/// One 100 MiB line between two good ones, fed in 1 MiB chunks: one error
/// with its exact length and the limit, the neighbours parsed, and nothing of
/// the long line buffered past the limit (the splitter counts, not keeps).
#[test]
fn a_100_mib_line_is_one_error_and_its_neighbours_parse() {
    let before = squid("10.9.0.1");
    let after = squid("10.9.0.2");
    let block = vec![b'A'; MIB];
    let mut chunks: Vec<&[u8]> = vec![before.as_bytes()];
    chunks.extend(std::iter::repeat_n(block.as_slice(), 100));
    chunks.push(b"\n");
    chunks.push(after.as_bytes());
    let (seen, report) = outcomes(default_rule(), &chunks);
    let limit = aiwatch_rule::lines::DEFAULT_MAX_LINE;
    assert_eq!(seen, ["finding OpenAI 0".to_string(), format!("error line of {} bytes exceeds the {limit}-byte line limit; skipped unparsed", 100 * MIB), "finding OpenAI 0".to_string()]);
    assert_eq!((report.stats.lines, report.stats.parsed, report.stats.errors, report.stats.findings), (3, 2, 1, 2));
    assert_eq!(report.errors[0].line, 2);
}

/// Peak resident memory of a process that ran to completion, read from
/// `/proc/PID/status` (`VmHWM`, the high-water mark) while it lives.
struct Peak {
    kib: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Peak {
    fn watch(pid: u32) -> Peak {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let kib = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (k, s) = (kib.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else { break };
                if let Some(v) = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()) {
                    k.fetch_max(v, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Peak { kib, stop, thread: Some(thread) }
    }

    fn mib(mut self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
        self.kib.load(std::sync::atomic::Ordering::Relaxed) >> 10
    }
}

/// The same through the `aiwatch` command on standard input, with both
/// engines: the JSON report names the line and the reason, and the
/// process's peak RSS stays far below the line's size. The input is
/// streamed from a fixed 1 MiB buffer, never held whole.
#[test]
fn a_100_mib_line_through_the_cli_keeps_memory_bounded() {
    for engine in ["wasm", "native"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aiwatch-cli"))
            .args(["scan", "--engine", engine, "--output", "json"])
            .env("XDG_CACHE_HOME", xdg_cache_home())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run aiwatch");
        let peak = Peak::watch(child.id());
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut s = String::new();
            stdout.read_to_string(&mut s).unwrap();
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = String::new();
            stderr.read_to_string(&mut s).unwrap();
            s
        });
        stdin.write_all(squid("10.9.0.1").as_bytes()).unwrap();
        let block = vec![b'x'; MIB];
        for _ in 0..100 {
            stdin.write_all(&block).unwrap();
        }
        stdin.write_all(b"\n").unwrap();
        stdin.write_all(squid("10.9.0.2").as_bytes()).unwrap();
        drop(stdin);
        let status = child.wait().unwrap();
        let peak_mib = peak.mib();
        let (out, err) = (out.join().unwrap(), err.join().unwrap());
        assert!(status.success(), "{engine}: {err}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let s = &report["stats"];
        assert_eq!((s["lines"].as_u64(), s["parsed"].as_u64(), s["errors"].as_u64(), s["findings"].as_u64()), (Some(3), Some(2), Some(1), Some(2)), "{engine}: {s}");
        assert_eq!(report["errors"][0]["line"], 2);
        let reason = report["errors"][0]["reason"].as_str().unwrap();
        assert!(reason.contains(&format!("line of {} bytes exceeds the", 100 * MIB)), "{engine}: {reason}");
        eprintln!("100 MiB line, {engine} engine: peak RSS {peak_mib} MiB");
        assert!(peak_mib > 0, "{engine}: the RSS probe saw nothing");
        assert!(peak_mib < 200, "{engine}: peak RSS {peak_mib} MiB for a 100 MiB line");
    }
}

// ---------------------------------------------------------------- NUL bytes

#[test]
fn nul_bytes_are_data_not_terminators() {
    let with_nul_user = squid("10.9.0.3").replace("erin", "er\0in");
    let json_escaped_nul = sumo("10.9.0.4", r#""api.openai.com""#, r#""812""#).replace("python-requests", "python\\u0000requests");
    let raw_nul_in_json = sumo("10.9.0.5", r#""api.openai.com""#, r#""812""#).replace("python-requests", "python\0requests");
    let nul_in_host = sumo("10.9.0.6", r#""api.openai.com\u0000.evil.test""#, r#""812""#);
    let input = format!("\0\0\0\0\n{with_nul_user}{json_escaped_nul}\n{raw_nul_in_json}\n{nul_in_host}\n\0");
    let (seen, report) = outcomes(default_rule(), &[input.as_bytes()]);
    assert_eq!(seen.len(), 6, "{seen:?}");
    assert!(seen[0].starts_with("error not a recognized"), "a line of NULs is an error: {}", seen[0]);
    assert_eq!(seen[1], "finding OpenAI 0", "a NUL inside the user field does not end the line");
    assert_eq!(seen[2], "finding OpenAI 812", "an escaped NUL in a JSON string is just a character");
    assert!(seen[3].starts_with("error invalid JSON"), "a raw control character makes the JSON invalid: {}", seen[3]);
    assert_eq!(seen[4], "event", "a NUL cannot splice a host: api.openai.com\\0.evil.test is not api.openai.com");
    assert!(seen[5].starts_with("error"), "a trailing NUL without newline is a last line: {}", seen[5]);
    let users: Vec<_> = report.groups.iter().filter_map(|g| g.user.as_deref()).collect();
    assert!(users.contains(&"er\0in"), "{users:?}");
}

// ---------------------------------------------------------------- invalid UTF-8

#[test]
fn invalid_utf8_is_replaced_never_fatal_and_chunk_cuts_do_not_matter() {
    let mut input = Vec::new();
    // Invalid bytes in the user field: still a finding, the user carries U+FFFD.
    let mut bad_user = squid("10.9.1.2").into_bytes();
    let at = bad_user.windows(4).position(|w| w == b"erin").unwrap() + 2;
    bad_user.splice(at..at, [0xff, 0xfe, 0xc3]);
    input.extend_from_slice(&bad_user);
    // Invalid bytes inside the host: never the AI host.
    let host_bad: Vec<u8> = squid("10.9.1.3").replace("api.openai.com", "api.open\u{1}ai.com").bytes().flat_map(|b| if b == 1 { vec![0xc0, 0xaf] } else { vec![b] }).collect();
    input.extend_from_slice(&host_bad);
    // A valid multi-byte user, to be cut mid-character below.
    input.extend_from_slice(squid("10.9.1.4").replace("erin", "jürgen-山田").as_bytes());
    // Stray continuation bytes, then a truncated 4-byte sequence at the end.
    input.extend_from_slice(&[0x80, 0x80, b'\n', 0xf0, 0x9f, 0x92]);

    let (whole, report) = outcomes(default_rule(), &[&input]);
    let unrecognized = "error not a recognized proxy-log line (squid, proxysg, w3c, wsa, zscaler or JSON)";
    assert_eq!(whole, ["finding OpenAI 0", "event", "finding OpenAI 0", unrecognized, unrecognized]);
    let users: Vec<_> = report.groups.iter().filter_map(|g| g.user.clone()).collect();
    assert!(users.iter().any(|u| u == "er\u{FFFD}\u{FFFD}\u{FFFD}in"), "{users:?}");
    assert!(users.iter().any(|u| u == "jürgen-山田"), "{users:?}");
    // Every cut point, including inside multi-byte characters, gives the same.
    for cut in 1..input.len() {
        let (a, b) = input.split_at(cut);
        let (parts, cut_report) = outcomes(default_rule(), &[a, b]);
        assert_eq!(parts, whole, "cut at {cut}");
        assert_eq!(cut_report, report, "cut at {cut}");
    }
}

#[test]
fn invalid_utf8_through_the_cli_gives_valid_utf8_json() {
    let mut input = squid("10.9.1.2").into_bytes();
    let at = input.windows(4).position(|w| w == b"erin").unwrap();
    input.splice(at..at, [0xff, 0x1b, b'[', b'2', b'J']);
    for (args, whole_document) in [(&["scan", "--output", "json"][..], true), (&["parse"], false), (&["scan", "--findings", "--output", "ndjson"], false)] {
        let out = aiwatch(args, Some(&input));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap_or_else(|_| panic!("{args:?}: output is not UTF-8"));
        let docs: Vec<&str> = if whole_document { vec![text.as_str()] } else { text.lines().collect() };
        assert!(!docs.is_empty(), "{args:?}: no output");
        for doc in docs {
            serde_json::from_str::<serde_json::Value>(doc).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {doc}"));
        }
        assert!(text.contains("\\u001b[2J"), "{args:?}: the escape byte is escaped: {text}");
    }
    // The table goes to a terminal: a log must not be able to drive it.
    let out = aiwatch(&["scan"], Some(&input));
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.contains(&0x1b), "raw ESC reached the table: {}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8(out.stdout).is_ok(), "table output is UTF-8");
}

// ---------------------------------------------------------------- deep nesting

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    const DEPTH: usize = 200_000;
    let objects = format!("{}1{}\n", r#"{"a":"#.repeat(DEPTH), "}".repeat(DEPTH));
    let arrays = format!("{}{}\n", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let unclosed = "{\"a\":[".repeat(DEPTH) + "\n";
    // A real record whose unknown extra field nests deeply.
    let record = sumo("10.9.2.1", r#""api.openai.com""#, r#""812""#);
    let buried = format!("{},\"extra\":{}0{}}}\n", &record[..record.len() - 1], "[".repeat(DEPTH), "]".repeat(DEPTH));
    // Envelopes inside envelopes: `message` holding a JSON record holding a `message`...
    let mut envelope = record.clone();
    for _ in 0..12 {
        envelope = serde_json::json!({ "message": envelope }).to_string();
    }
    let input = format!("{objects}{arrays}{unclosed}{buried}{envelope}\n{record}\n");
    let (seen, report) = outcomes(default_rule(), &[input.as_bytes()]);
    assert_eq!(seen.len(), 6, "{seen:?}");
    // Line 2 starts with `[`, which no format begins with, so it is an
    // unrecognized line; the object-shaped ones are JSON errors.
    for (i, s) in seen[..3].iter().enumerate() {
        let json_error = s.starts_with("error invalid JSON") || s.starts_with("error JSON");
        assert!(json_error || (i == 1 && s.starts_with("error not a recognized")), "line {}: {s}", i + 1);
    }
    // No schema reads arrays, and serde_json skips them without recursing:
    // a deep array in an unknown field does not hide the record around it.
    assert_eq!(seen[3], "finding OpenAI 812", "line 4");
    assert!(seen[0].contains("recursion limit"), "the reason says why: {}", seen[0]);
    assert!(seen[4].starts_with("error") || seen[4] == "event" || seen[4].starts_with("finding"), "{}", seen[4]);
    assert_eq!(seen[5], "finding OpenAI 812", "the next line is unaffected");
    assert_eq!(report.stats.lines, 6);
    // The component has a smaller stack than a native thread: the same
    // input through the wasm engine must not trap either.
    let out = aiwatch(&["scan", "--output", "json"], Some(input.as_bytes()));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stats"]["lines"], 6);
    assert_eq!(v["stats"]["errors"].as_u64(), Some(report.stats.errors));
    assert_eq!(v["stats"]["findings"].as_u64(), Some(report.stats.findings));
}

// ---------------------------------------------------------------- byte counts

#[test]
fn huge_negative_and_overflowing_byte_counts() {
    let cases: &[(&str, u64)] = &[
        (r#""812""#, 812),
        (r#""-5""#, 0),
        (r#"-5"#, 0),
        (r#""-0""#, 0),
        (r#""+70000""#, 70_000),
        (r#"" 70000 ""#, 70_000),
        (r#""1e9""#, 0),
        // A JSON number is a number however it is written (SPEC §3 JSON
        // values): 1e9 is 1,000,000,000 bytes. Only text must be digits.
        (r#"1e9"#, 1_000_000_000),
        (r#""0x10000""#, 0),
        (r#""12.5""#, 0),
        (r#""１２３""#, 0),
        (r#""18446744073709551615""#, u64::MAX),
        (r#"18446744073709551615"#, u64::MAX),
        // Past u64: a positive count too large to hold is certainly large.
        (r#""18446744073709551616""#, u64::MAX),
        (r#""99999999999999999999999999999999999999""#, u64::MAX),
        (r#"18446744073709551616"#, u64::MAX),
        (r#""-99999999999999999999999999999999999999""#, 0),
        (r#"null"#, 0),
        (r#""-""#, 0),
    ];
    let mut input = String::new();
    for (bytes, _) in cases {
        input.push_str(&sumo("10.9.3.1", r#""api.openai.com""#, bytes));
        input.push('\n');
    }
    let (seen, report) = outcomes(default_rule(), &[input.as_bytes()]);
    let got: Vec<&str> = seen.iter().map(String::as_str).collect();
    let want: Vec<String> = cases.iter().map(|(_, b)| format!("finding OpenAI {b}")).collect();
    assert_eq!(got, want.iter().map(String::as_str).collect::<Vec<_>>(), "bytes_out values {:?}", cases.iter().map(|c| c.0).collect::<Vec<_>>());
    // All in one group: the sum saturates instead of wrapping around.
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].total_bytes_uploaded, u64::MAX);
    assert_eq!(report.groups[0].requests, cases.len() as u64);

    // Large-payload signal: saturated counts fire it, negative ones do not.
    let score = |bytes: &str| {
        let line = sumo("10.9.3.2", r#""api.openai.com""#, bytes).replace(r#""http_method":"POST","#, "").replace("/v1/chat/completions", "/x");
        let mut s = Scanner::new(default_rule(), ScanOptions::default());
        let mut score = None;
        s.feed(format!("{line}\n").as_bytes(), |o| {
            if let Outcome::Event { verdict, .. } = o {
                score = Some(match verdict {
                    Verdict::Finding(f) => f.score,
                    Verdict::BelowMinScore(n) => *n,
                    _ => 99,
                });
            }
        });
        score.unwrap()
    };
    assert_eq!(score(r#""99999999999999999999999""#), 1);
    assert_eq!(score(r#""-99999999999999999999999""#), 0);
    assert_eq!(score(r#""50001""#), 1);
    assert_eq!(score(r#""50000""#), 0);

    // Merging states whose totals would overflow saturates too.
    let mut a = Scanner::new(default_rule(), ScanOptions::default());
    a.feed(format!("{}\n", sumo("10.9.3.3", r#""api.openai.com""#, r#""18446744073709551615""#)).as_bytes(), |_| {});
    let state = a.state();
    a.merge(&state).unwrap();
    let merged = a.report();
    assert_eq!(merged.groups[0].requests, 2);
    assert_eq!(merged.groups[0].total_bytes_uploaded, u64::MAX);
}

// ---------------------------------------------------------------- 10^6 groups

/// Feeds one Sumo record per (src_ip, user) key, generated in 64 KiB
/// batches so the test never holds the input: `key(i)` names record i.
fn feed_distinct(scanner: &mut Scanner, range: std::ops::Range<u64>) {
    let mut buf = String::with_capacity(80 << 10);
    for i in range {
        // Two users per address: the key is the pair, not the address.
        let ip = i / 2;
        let user = i % 2;
        use std::fmt::Write as _;
        writeln!(buf, r#"{{"src_ip":"10.{}.{}.{}","user":"u{user}","dest_host":"api.openai.com","http_method":"POST"}}"#, ip >> 16, (ip >> 8) & 255, ip & 255).unwrap();
        if buf.len() >= 64 << 10 {
            scanner.feed(buf.as_bytes(), |_| {});
            buf.clear();
        }
    }
    scanner.feed(buf.as_bytes(), |_| {});
}

/// 1,000,007 distinct (src_ip, user) findings against the default cap of
/// 1,000,000 groups: exactly 7 findings are not aggregated, they are
/// counted in `dropped_from_groups` with a note saying why, findings of
/// groups already kept still aggregate, and groups' requests plus the
/// dropped count equal the findings (nothing silently lost).
#[test]
fn a_million_distinct_groups_hit_the_cap_with_a_note_and_an_exact_count() {
    let rule = default_rule();
    let cap = aiwatch_rule::rule::DEFAULT_MAX_GROUPS as u64;
    let n = cap + 7;
    let mut scanner = Scanner::new(rule, ScanOptions::default());
    feed_distinct(&mut scanner, 0..n);
    // After the cap: a known group still aggregates, a new one is dropped.
    feed_distinct(&mut scanner, 0..1);
    scanner.feed(b"{\"dest_host\":\"api.openai.com\",\"http_method\":\"POST\"}\n", |_| {});
    scanner.finish(|_| {});
    assert_eq!(scanner.aggregate().len() as u64, cap);
    let report = scanner.report();
    let s = &report.stats;
    assert!(s.is_balanced());
    assert_eq!(s.findings, n + 2);
    assert_eq!(s.dropped_from_groups, 8, "7 over the cap plus the keyless one");
    assert_eq!(report.groups.len() as u64, cap);
    let kept: u64 = report.groups.iter().map(|g| g.requests).sum();
    assert_eq!(kept + s.dropped_from_groups, s.findings, "every finding is either in a group or counted as dropped");
    let first = report.groups.iter().find(|g| g.src_ip.as_deref() == Some("10.0.0.0") && g.user.as_deref() == Some("u0")).unwrap();
    assert_eq!(first.requests, 2, "a kept group keeps aggregating after the cap");
    assert!(
        s.notes.iter().any(|n| n == "8 findings were counted but not aggregated: the group limit (limits.max_groups) was reached"),
        "{:?}",
        s.notes
    );
}

#[test]
fn a_small_group_cap_through_the_library_and_the_cli() {
    let rule = Arc::new(Rule::from_toml("[limits]\nmax_groups = 10\n").unwrap());
    let mut scanner = Scanner::new(rule, ScanOptions::default());
    feed_distinct(&mut scanner, 0..25);
    scanner.finish(|_| {});
    let report = scanner.report();
    assert_eq!((report.groups.len(), report.stats.findings, report.stats.dropped_from_groups), (10, 25, 15));
    // The kept groups are the first ten seen, so a replay is deterministic.
    assert!(report.groups.iter().all(|g| g.src_ip.as_deref().unwrap() < "10.0.0.5"), "{:?}", report.groups);

    let dir = scratch("group-cap");
    let config = dir.join("cap.toml");
    std::fs::write(&config, "[limits]\nmax_groups = 10\n").unwrap();
    let input: String = (0..25u64).map(|i| format!(r#"{{"src_ip":"10.0.{}.{}","user":"u{}","dest_host":"api.openai.com","http_method":"POST"}}"#, i / 2 >> 8, i / 2 & 255, i % 2) + "\n").collect();
    for engine in ["wasm", "native"] {
        let out = aiwatch(&["scan", "--engine", engine, "--config", config.to_str().unwrap(), "--output", "json"], Some(input.as_bytes()));
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["groups"].as_array().unwrap().len(), 10, "{engine}");
        assert_eq!(v["stats"]["dropped_from_groups"], 15, "{engine}");
        assert_eq!(v["stats"]["findings"], 25, "{engine}");
        let notes: Vec<&str> = v["stats"]["notes"].as_array().unwrap().iter().filter_map(|n| n.as_str()).collect();
        assert!(notes.iter().any(|n| n.starts_with("15 findings were counted but not aggregated")), "{engine}: {notes:?}");
        // The table a person reads says it too.
        let out = aiwatch(&["scan", "--engine", engine, "--config", config.to_str().unwrap()], Some(input.as_bytes()));
        let table = String::from_utf8(out.stdout).unwrap();
        assert!(table.contains("note: 15 findings were counted but not aggregated"), "{engine}: {table}");
    }
    // Partial states merged past the cap keep the count too.
    let part = |range: std::ops::Range<u64>| {
        let path = dir.join(format!("part-{}.json", range.start));
        let input: String = range.map(|i| format!(r#"{{"src_ip":"10.1.0.{i}","dest_host":"api.openai.com","http_method":"POST"}}"#) + "\n").collect();
        let out = aiwatch(&["scan", "--config", config.to_str().unwrap(), "--output", "state"], Some(input.as_bytes()));
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::write(&path, &out.stdout).unwrap();
        path
    };
    let (a, b) = (part(0..8), part(8..16));
    let out = aiwatch(&["merge", "--config", config.to_str().unwrap(), "--output", "json", a.to_str().unwrap(), b.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["groups"].as_array().unwrap().len(), v["stats"]["findings"].as_u64(), v["stats"]["dropped_from_groups"].as_u64()), (10, Some(16), Some(6)));
}

// ---------------------------------------------------------------- look-alike hosts

/// Whether a host is taken for an AI API host, logged three ways: as a Sumo
/// `dest_host`, inside a Squid URL (both findings when it is), and as a
/// Squid CONNECT target (score 0: no path, no POST, no upload size, so an
/// AI event below the minimum score rather than a finding).
fn host_verdicts(host: &str) -> [bool; 3] {
    let json = sumo("10.9.4.1", &serde_json::to_string(host).unwrap(), r#""812""#);
    let url = squid("10.9.4.1").replace("api.openai.com", host);
    let connect = format!("1796115600.123    231 10.9.4.1 TCP_TUNNEL/200 6210 CONNECT {host}:443 alice HIER_DIRECT/203.0.113.10 -\n");
    let input = format!("{json}\n{url}{connect}");
    let (seen, _) = outcomes(default_rule(), &[input.as_bytes()]);
    assert_eq!(seen.len(), 3, "{host:?}: {seen:?}");
    [0, 1, 2].map(|i| seen[i].starts_with("finding") || seen[i].starts_with("ai "))
}

/// Spellings of an AI host that reach it: DNS is case-insensitive, a
/// trailing dot is the fully qualified form, and a port or user-info is not
/// part of the host. Each is a finding however it is logged.
#[test]
fn case_trailing_dot_and_port_variants_of_ai_hosts_are_findings() {
    for host in ["API.OpenAI.com", "api.openai.com.", "API.OPENAI.COM.", "Api.Anthropic.Com", "MyCo.OpenAI.Azure.com.", "BEDROCK-RUNTIME.US-EAST-1.AMAZONAWS.COM", "api.deepseek.com."] {
        assert_eq!(host_verdicts(host), [true; 3], "{host}");
    }
    // Port forms in the host field itself.
    for host in ["api.openai.com:443", "API.OpenAI.com.:8443", "api.openai.com:99999", "[api.openai.com]:443"] {
        let json = sumo("10.9.4.2", &serde_json::to_string(host).unwrap(), r#""812""#);
        let (seen, _) = outcomes(default_rule(), &[json.as_bytes()]);
        assert_eq!(seen, ["finding OpenAI 812"], "{host}");
    }
    // User-info decides nothing: the host is what follows the last `@`.
    let (seen, _) = outcomes(default_rule(), &[squid("10.9.4.3").replace("https://api.openai.com", "https://evil.test@api.openai.com").as_bytes()]);
    assert_eq!(seen, ["finding OpenAI 0"]);
    let (seen, _) = outcomes(default_rule(), &[squid("10.9.4.3").replace("https://api.openai.com", "https://api.openai.com@evil.test").as_bytes()]);
    assert_eq!(seen, ["event"]);
}

/// Names that only look like AI hosts resolve elsewhere and are not
/// findings: punycode (`xn--`) and raw Unicode homoglyphs are different
/// registered domains; extra or doubled dots, suffixes and prefixes are
/// other names. IDNA-equivalent Unicode spellings (fullwidth dots and
/// letters, the Kelvin sign, soft hyphens) are not mapped either: a client
/// that maps them (UTS #46) sends, and the proxy logs, the ASCII name; one
/// that does not cannot resolve them. SECURITY.md lists this as a limit.
#[test]
fn look_alike_hosts_are_not_findings() {
    let look_alikes = [
        "xn--pi-6kc.openai.com",     // Cyrillic а in "api"
        "api.xn--penai-iye.com",     // Cyrillic о in "openai"
        "api.xn--openi-7ve.com",     // Cyrillic а in "openai"
        "аpi.openai.com",            // raw Cyrillic а (U+0430)
        "api.openаi.com",            // raw Cyrillic а in openai
        "api.οpenai.com",            // Greek omicron
        "api\u{FF0E}openai\u{FF0E}com", // fullwidth full stops
        "api\u{3002}openai\u{3002}com", // ideographic full stops
        "\u{FF41}\u{FF50}\u{FF49}.openai.com", // fullwidth letters
        "api.deepsee\u{212A}.com",   // Kelvin sign for k
        "api.open\u{AD}ai.com",      // soft hyphen
        "api.openai.com\u{200B}",    // zero-width space
        "api.openai.com..",
        "api..openai.com",
        ".api.openai.com",
        "api.openai.com.evil.test",
        "api.openai.com-evil.test",
        "xapi.openai.com",
        "api-openai.com",
        "openai.com",
        "api.openai.co",
        "api.openai.com.k.test",
        "openai.azure.com",
        "evil-openai.azure.com",
        "openai.azure.com.evil.test",
    ];
    for host in look_alikes {
        assert_eq!(host_verdicts(host), [false; 3], "{host:?} must not be a finding");
    }
}

/// The seed profile normalizes the same way (SPEC §2 step 2).
#[test]
fn seed_profile_agrees_on_variants_and_look_alikes() {
    let seed = Arc::new(Rule::from_toml("profile = \"seed\"").unwrap());
    for (host, finding) in [("API.OpenAI.com.", true), ("api.openai.com:443", true), ("xn--pi-6kc.openai.com", false), ("api\u{FF0E}openai\u{FF0E}com", false), ("files.openai.com", false)] {
        let json = sumo("10.9.5.1", &serde_json::to_string(host).unwrap(), r#""812""#);
        let (seen, _) = outcomes(seed.clone(), &[json.as_bytes()]);
        assert_eq!(seen[0].starts_with("finding"), finding, "{host:?}: {seen:?}");
    }
}
