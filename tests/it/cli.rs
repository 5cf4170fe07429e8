//! The `aiwatch` command-line contract (SPEC §4), run as a process: every
//! golden case through the wasm engine, both engines byte for byte, exit
//! statuses and messages, gzip, stdin, several files, split-and-merge.
//!
//! The binary under test is `aiwatch-cli` of this package (`bin/`), which
//! is `aiwatch::cli::main` exactly as `host/src/main.rs` calls it: a bin of
//! another package would not be built for these tests.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use aiwatch_tests::{cases, workspace_root, Case};

use crate::component::{target_dir, xdg_cache_home};

/// Runs `aiwatch` with `args`, feeding `stdin` (or none).
pub fn aiwatch(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aiwatch-cli"));
    cmd.args(args).env("XDG_CACHE_HOME", xdg_cache_home()).env_remove("HOME").stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().expect("run aiwatch");
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let data = data.to_vec();
        // Write from a thread: a large input would otherwise fill the pipe
        // while aiwatch's output fills the other one.
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    child.wait_with_output().expect("wait for aiwatch")
}

/// A scratch directory for this test process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = target_dir().join("aiwatch-test-scratch").join(std::process::id().to_string()).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ok(out: &Output, what: &str) -> String {
    assert_eq!(out.status.code(), Some(0), "{what}: stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap_or_else(|_| panic!("{what}: output is not UTF-8"))
}

fn scan_case(case: &Case, engine: &str, extra: &[&str]) -> String {
    let mut args: Vec<String> = vec!["scan".into(), "--engine".into(), engine.into()];
    args.extend(case.cli_args());
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(case.input.to_string_lossy().into_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&aiwatch(&args, None), &format!("{} {args:?}", case.name))
}

fn sample() -> PathBuf {
    workspace_root().join("testdata/sample/proxy-minute.squid-extensive.log")
}

#[test]
fn every_case_through_the_cli_equals_its_golden_and_both_engines_agree() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases() {
        let json = scan_case(&case, "wasm", &["--output", "json"]);
        let findings = scan_case(&case, "wasm", &["--findings", "--output", "ndjson"]);
        assert_eq!(json, scan_case(&case, "native", &["--output", "json"]), "{}: json differs between engines", case.name);
        assert_eq!(findings, scan_case(&case, "native", &["--findings", "--output", "ndjson"]), "{}: findings differ between engines", case.name);
        let (Ok(expected), Ok(expected_findings)) = (std::fs::read_to_string(case.golden("expected.json")), std::fs::read_to_string(case.golden("findings.ndjson"))) else {
            eprintln!("skipping golden check of {}: no golden output yet", case.name);
            continue;
        };
        if json != expected {
            failures.push(format!("{}: `scan --output json` differs from {}", case.name, case.golden("expected.json").display()));
        }
        if findings != expected_findings {
            failures.push(format!("{}: `scan --findings --output ndjson` differs from {}", case.name, case.golden("findings.ndjson").display()));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 0, "no case has golden output");
}

#[test]
fn the_seed_profile_on_sumo_json_gives_the_seed_result() {
    // SPEC §2 on the seed query's own field names: score = path + POST +
    // large payload, browsers dropped, grouped by (src_ip, user), sorted by
    // bytes uploaded.
    let log = concat!(
        r#"{"_messageTime":1700000000000,"_sourceCategory":"Network/Proxy","src_ip":"10.0.0.5","user":"bob","dest_host":"API.OpenAI.com:443","http_method":"post","uri_path":"/v1/chat/completions","http_user_agent":"python-requests/2.31","bytes_out":"60000"}"#,
        "\n",
        r#"{"_messageTime":1700000060000,"_sourceCategory":"proxy","src_ip":"10.0.0.5","user":"bob","dest_host":"api.anthropic.com","cs_method":"GET","cs_uri_stem":"/health","cs_user_agent":"curl/8.5.0","cs_bytes":"10"}"#,
        "\n",
        r#"{"_messageTime":1700000120000,"src_ip":"10.0.0.9","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/embeddings","http_user_agent":"Mozilla/5.0 Chrome/120.0 Safari/537.36","bytes_out":"900"}"#,
        "\n",
        r#"{"_messageTime":1700000180000,"_sourceCategory":"firewall","src_ip":"10.0.0.7","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/x"}"#,
        "\n",
        r#"{"_messageTime":1700000240000,"src_ip":"10.0.0.8","user":"-","dest_host":"xapi.openai.com","http_method":"POST","uri_path":"/v1/x"}"#,
        "\n",
        r#"{"_messageTime":1700000300000,"src_ip":"10.0.0.6","dest_host":"api.groq.com","http_method":"POST","uri_path":"/openai/v1/chat/completions","bytes_out":"abc"}"#,
        "\n"
    );
    let out = ok(&aiwatch(&["scan", "--profile", "seed", "--output", "json"], Some(log.as_bytes())), "seed scan");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rule"]["profile"], "seed");
    assert_eq!(v["rule"]["subtechnique"], "T1588.007");
    assert_eq!(v["stats"]["lines"], 6);
    assert_eq!(v["stats"]["findings"], 2, "{out}");
    let groups = v["groups"].as_array().unwrap();
    let expected = serde_json::json!([
        {"src_ip": "10.0.0.5", "user": "bob", "requests": 1, "total_bytes_uploaded": 60000, "first_seen": 1700000000000i64, "last_seen": 1700000000000i64,
         "ai_services": ["api.openai.com"], "endpoint_paths": ["/v1/chat/completions"], "user_agents": ["python-requests/2.31"], "max_suspicion_score": 3},
        {"src_ip": "10.0.0.6", "user": null, "requests": 1, "total_bytes_uploaded": 0, "first_seen": 1700000300000i64, "last_seen": 1700000300000i64,
         "ai_services": ["api.groq.com"], "endpoint_paths": ["/openai/v1/chat/completions"], "user_agents": [], "max_suspicion_score": 2}
    ]);
    assert_eq!(serde_json::Value::Array(groups.clone()), expected, "{out}");
    let keys: Vec<&str> = groups[0].as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted_seed = aiwatch::output::SEED_COLUMNS.to_vec();
    sorted_seed.sort_unstable();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort_unstable();
    assert_eq!(sorted_keys, sorted_seed);
    // And the raw text keeps the seed's column order.
    let first = out.find("\"src_ip\"").unwrap();
    let cols: Vec<usize> = aiwatch::output::SEED_COLUMNS.iter().map(|c| out[first..].find(&format!("\"{c}\"")).unwrap()).collect();
    assert!(cols.windows(2).all(|w| w[0] < w[1]), "columns out of order:\n{out}");
}

#[test]
fn exit_statuses_and_messages() {
    let cfg_dir = scratch("configs");
    let bad_key = cfg_dir.join("bad-key.toml");
    std::fs::write(&bad_key, "[allowlist]\nsrc_cidrs = [\"10.0.0.0/8\", \"not-a-network\"]\n").unwrap();
    let unknown = cfg_dir.join("unknown.toml");
    std::fs::write(&unknown, "min_scor = 2\n").unwrap();
    let input = sample();
    let input = input.to_str().unwrap();

    let cases: &[(&[&str], i32, &str)] = &[
        (&["scan", "--output", "yaml", input], 2, "unknown output \"yaml\""),
        (&["scan", "--format", "nginx", input], 2, "unknown format \"nginx\""),
        (&["scan", "--profile", "paranoid", input], 2, "unknown profile"),
        (&["scan", "--bogus", input], 2, "--bogus"),
        (&["frobnicate"], 2, "frobnicate"),
        (&["scan", "--config", bad_key.to_str().unwrap(), input], 2, "allowlist.src_cidrs[1]"),
        (&["scan", "--engine", "native", "--config", bad_key.to_str().unwrap(), input], 2, "allowlist.src_cidrs[1]"),
        (&["scan", "--config", unknown.to_str().unwrap(), input], 2, "min_scor"),
        (&["scan", "--config", "/nonexistent/tuning.toml", input], 2, "cannot read config /nonexistent/tuning.toml"),
        (&["scan", "--findings", "--output", "state", input], 2, "choose one"),
        (&["scan", "--engine", "native", "--rule", "x.wasm", input], 2, "--rule"),
        (&["scan", "/nonexistent/access.log"], 1, "cannot read /nonexistent/access.log"),
        (&["scan", input, "/nonexistent/second.log"], 1, "/nonexistent/second.log"),
        (&["merge", "/nonexistent/a.state"], 1, "cannot merge /nonexistent/a.state"),
        (&["merge"], 2, "STATE"),
        (&["info", "--output", "csv"], 2, "info prints table or json"),
    ];
    for (args, code, message) in cases {
        let out = aiwatch(args, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: stderr:\n{stderr}");
        assert!(stderr.contains(message), "{args:?}: expected {message:?} in:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // Config errors name the file too.
    let out = aiwatch(&["scan", "--config", bad_key.to_str().unwrap(), input], None);
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad-key.toml"));
}

#[test]
fn malformed_lines_are_never_fatal() {
    let log = b"garbage line one\n\xff\xfe not utf-8 at all\n{\"broken json\n# a comment\n";
    let out = aiwatch(&["scan", "--output", "json"], Some(log));
    let text = ok(&out, "garbage");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["stats"]["lines"], 4);
    assert_eq!(v["stats"]["errors"], 3);
    assert_eq!(v["stats"]["skipped"], 1);
    assert_eq!(v["errors"].as_array().unwrap().len(), 3);
    assert_eq!(v["errors"][0]["line"], 1);
}

#[test]
fn gzip_input_is_read_transparently_by_its_magic_bytes() {
    let input = sample();
    let plain = std::fs::read(&input).unwrap();
    let dir = scratch("gzip");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    let gz = gz.finish().unwrap();
    let named = dir.join("access.log.gz");
    let rotated = dir.join("access.log.1");
    std::fs::write(&named, &gz).unwrap();
    std::fs::write(&rotated, &gz).unwrap();
    let expected = ok(&aiwatch(&["scan", "--output", "json", input.to_str().unwrap()], None), "plain");
    assert_eq!(ok(&aiwatch(&["scan", "--output", "json", named.to_str().unwrap()], None), ".gz"), expected);
    assert_eq!(ok(&aiwatch(&["scan", "--output", "json", rotated.to_str().unwrap()], None), "rotated"), expected);
    assert_eq!(ok(&aiwatch(&["scan", "--output", "json", "-"], Some(&gz)), "gzip on stdin"), expected);
}

#[test]
fn stdin_is_read_with_a_dash_or_no_file() {
    let input = sample();
    let data = std::fs::read(&input).unwrap();
    let expected = ok(&aiwatch(&["scan", "--output", "json", input.to_str().unwrap()], None), "file");
    assert_eq!(ok(&aiwatch(&["scan", "--output", "json", "-"], Some(&data)), "dash"), expected);
    assert_eq!(ok(&aiwatch(&["scan", "--output", "json"], Some(&data)), "no file"), expected);
    assert_eq!(ok(&aiwatch(&["scan", "--output", "json"], Some(b"")), "empty").contains("\"lines\": 0"), true);
}

/// Splits the sample at a line boundary into two files.
fn split_sample() -> (PathBuf, PathBuf) {
    let data = std::fs::read(sample()).unwrap();
    let mid = data[..data.len() / 2].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let dir = scratch("split");
    let (a, b) = (dir.join("part-a.log"), dir.join("part-b.log"));
    std::fs::write(&a, &data[..mid]).unwrap();
    std::fs::write(&b, &data[mid..]).unwrap();
    (a, b)
}

#[test]
fn split_input_states_merge_into_the_whole() {
    let whole = ok(&aiwatch(&["scan", "--output", "json", sample().to_str().unwrap()], None), "whole");
    let (a, b) = split_sample();
    let dir = scratch("states");
    for engine in ["wasm", "native"] {
        let mut states = Vec::new();
        for part in [&a, &b] {
            let state = ok(&aiwatch(&["scan", "--engine", engine, "--output", "state", part.to_str().unwrap()], None), "state");
            assert!(state.contains("\"aiwatch_state\": 1"), "{state}");
            let path = dir.join(format!("{engine}-{}.state", part.file_name().unwrap().to_string_lossy()));
            std::fs::write(&path, state).unwrap();
            states.push(path);
        }
        let merged = ok(&aiwatch(&["merge", "--engine", engine, "--output", "json", states[0].to_str().unwrap(), states[1].to_str().unwrap()], None), "merge");
        assert_eq!(merged, whole, "{engine}: merge of the halves differs from the whole");
        // Merging is associative: merge the merged state with nothing new.
        let merged_state = ok(&aiwatch(&["merge", "--engine", engine, "--output", "state", states[0].to_str().unwrap(), states[1].to_str().unwrap()], None), "merge state");
        let p = dir.join(format!("{engine}-merged.state"));
        std::fs::write(&p, merged_state).unwrap();
        assert_eq!(ok(&aiwatch(&["merge", "--engine", engine, "--output", "json", p.to_str().unwrap()], None), "re-merge"), whole);
    }
    // A state of another profile does not merge silently.
    let seed_state = ok(&aiwatch(&["scan", "--profile", "seed", "--output", "state", a.to_str().unwrap()], None), "seed state");
    let sp = dir.join("seed.state");
    std::fs::write(&sp, seed_state).unwrap();
    let out = aiwatch(&["merge", dir.join("wasm-part-b.log.state").to_str().unwrap(), sp.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("seed.state"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn several_files_aggregate_like_their_merged_states_and_name_files() {
    let whole = ok(&aiwatch(&["scan", "--output", "json", sample().to_str().unwrap()], None), "whole");
    let (a, b) = split_sample();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    assert_eq!(ok(&aiwatch(&["scan", "--output", "json", a, b], None), "two files"), whole);
    assert_eq!(ok(&aiwatch(&["scan", "--engine", "native", "--output", "json", a, b], None), "two files native"), whole);
    // Findings name their file; line numbers are per file.
    let findings = ok(&aiwatch(&["scan", "--findings", "--output", "ndjson", a, b], None), "findings");
    let mut files = std::collections::BTreeSet::new();
    for l in findings.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        files.insert(v["file"].as_str().unwrap().to_string());
        assert!(v["line"].as_u64().unwrap() >= 1);
    }
    assert_eq!(files.len(), 2, "{findings}");
    // Line errors name their file.
    let dir = scratch("several-errors");
    let (x, y) = (dir.join("x.log"), dir.join("y.log"));
    std::fs::write(&x, "garbage\n").unwrap();
    std::fs::write(&y, "# comment\nmore garbage\n").unwrap();
    let out = ok(&aiwatch(&["scan", "--output", "json", x.to_str().unwrap(), y.to_str().unwrap()], None), "errors");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["errors"][0]["line"], 1);
    assert!(v["errors"][0]["reason"].as_str().unwrap().starts_with(&format!("{}: ", x.display())), "{out}");
    assert_eq!(v["errors"][1]["line"], 2);
    assert!(v["errors"][1]["reason"].as_str().unwrap().starts_with(&format!("{}: ", y.display())), "{out}");
    // Parse output names files too.
    let parsed = ok(&aiwatch(&["parse", x.to_str().unwrap(), y.to_str().unwrap()], None), "parse two");
    assert_eq!(parsed.lines().count(), 3);
    assert!(parsed.lines().all(|l| l.starts_with("{\"file\":")), "{parsed}");
}

#[test]
fn parse_prints_one_object_per_line_in_the_spec_shapes() {
    let log = concat!(
        "#Software: SGOS 6.7\n",
        "\n",
        "1700000000.123    245 10.0.0.5 TCP_MISS/200 1234 POST https://api.openai.com/v1/chat/completions bob HIER_DIRECT/1.2.3.4 application/json\n",
        "this is not a log line\n"
    );
    for engine in ["wasm", "native"] {
        let out = ok(&aiwatch(&["parse", "--engine", engine], Some(log.as_bytes())), "parse");
        let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert_eq!(lines[0], serde_json::json!({"line": 1, "skipped": "comment"}));
        assert_eq!(lines[1], serde_json::json!({"line": 2, "skipped": "blank line"}));
        let ev = &lines[2];
        assert_eq!(ev["line"], 3);
        assert_eq!(ev["format"], "squid");
        assert_eq!(ev["host"], "api.openai.com");
        assert_eq!(ev["path"], "/v1/chat/completions");
        assert_eq!(ev["user_agent"], serde_json::Value::Null);
        let keys: Vec<&str> = ev.as_object().unwrap().keys().map(String::as_str).collect();
        for k in ["line", "format", "time_ms", "src_ip", "user", "method", "host", "port", "path", "user_agent", "bytes_uploaded", "bytes_downloaded"] {
            assert!(keys.contains(&k), "{k} missing from {ev}");
        }
        assert_eq!(lines[3]["line"], 4);
        assert!(lines[3]["error"].is_string(), "{out}");
    }
}

#[test]
fn outputs_table_csv_ndjson_and_findings_json() {
    let input = sample();
    let input = input.to_str().unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(&aiwatch(&["scan", "--output", "json", input], None), "json")).unwrap();
    let groups = json["groups"].as_array().unwrap();
    assert!(!groups.is_empty());

    let table = ok(&aiwatch(&["scan", input], None), "table");
    for line in table.lines() {
        assert!(line.chars().count() <= 100, "table line over 100 columns: {line:?}");
    }
    assert!(table.contains("SRC_IP") && table.contains("endpoint_paths") && table.contains("lines "), "{table}");
    assert!(table.contains(groups[0]["src_ip"].as_str().unwrap()), "{table}");

    let ndjson = ok(&aiwatch(&["scan", "--output", "ndjson", input], None), "ndjson");
    assert_eq!(ndjson.lines().count(), groups.len());
    let first: serde_json::Value = serde_json::from_str(ndjson.lines().next().unwrap()).unwrap();
    assert_eq!(&first, &groups[0]);

    let csv = ok(&aiwatch(&["scan", "--output", "csv", input], None), "csv");
    assert_eq!(csv.lines().next().unwrap(), aiwatch::output::SEED_COLUMNS.join(","));
    assert!(csv.contains(groups[0]["src_ip"].as_str().unwrap()));

    let findings_json: serde_json::Value = serde_json::from_str(&ok(&aiwatch(&["scan", "--findings", "--output", "json", input], None), "findings json")).unwrap();
    let findings_ndjson = ok(&aiwatch(&["scan", "--findings", "--output", "ndjson", input], None), "findings ndjson");
    let list = findings_json.as_array().unwrap();
    assert_eq!(list.len(), findings_ndjson.lines().count());
    assert_eq!(list.len() as u64, json["stats"]["findings"].as_u64().unwrap());
    assert_eq!(list[0], serde_json::from_str::<serde_json::Value>(findings_ndjson.lines().next().unwrap()).unwrap());
    assert!(list[0]["signals"].is_array() && list[0]["explanation"].is_string());

    let findings_table = ok(&aiwatch(&["scan", "--findings", input], None), "findings table");
    assert!(findings_table.lines().all(|l| l.chars().count() <= 100), "{findings_table}");
    let findings_csv = ok(&aiwatch(&["scan", "--findings", "--output", "csv", input], None), "findings csv");
    assert!(findings_csv.starts_with("line,format,time_ms,src_ip,"), "{findings_csv}");

    // Nothing on stderr when it is not a terminal (no progress bar in pipes).
    let out = aiwatch(&["scan", input], None);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));

    let empty = ok(&aiwatch(&["scan", "--findings", "--output", "json"], Some(b"")), "no findings");
    assert_eq!(empty, "[]\n");
}

#[test]
fn info_prints_the_metadata() {
    let json: serde_json::Value = serde_json::from_str(&ok(&aiwatch(&["info", "--output", "json"], None), "info json")).unwrap();
    assert_eq!(json["technique"], "T1588");
    assert_eq!(json["subtechnique"], "T1588.007");
    assert_eq!(json["tactic"], "Resource Development");
    let native: serde_json::Value = serde_json::from_str(&ok(&aiwatch(&["info", "--engine", "native", "--output", "json"], None), "info native")).unwrap();
    assert_eq!(json, native);
    let table = ok(&aiwatch(&["info"], None), "info");
    assert!(table.contains("T1588.007") && table.contains("aiwatch:rule/log-rule@0.1.0") && table.contains("sha256"), "{table}");
    let seed = ok(&aiwatch(&["info", "--profile", "seed"], None), "info seed");
    assert!(seed.contains("profile     seed"), "{seed}");
}

#[test]
fn the_compiled_component_is_cached_and_a_corrupt_cache_is_recompiled() {
    let xdg = scratch("xdg");
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_aiwatch-cli")).args(["info"]).env("XDG_CACHE_HOME", &xdg).output().unwrap();
        ok(&out, "info")
    };
    let first = run();
    assert!(first.contains("compiled, cached as"), "{first}");
    let second = run();
    assert!(second.contains("loaded from cache"), "{second}");
    let files: Vec<PathBuf> = std::fs::read_dir(xdg.join("aiwatch")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "cwasm")).collect();
    assert_eq!(files.len(), 1);
    // Truncate the cache file: it must be ignored and rewritten, not trusted.
    let len = std::fs::metadata(&files[0]).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&files[0]).unwrap();
    f.set_len(len / 2).unwrap();
    drop(f);
    let third = run();
    assert!(third.contains("compiled, cached as"), "{third}");
    assert!(run().contains("loaded from cache"));
    // An unwritable cache location still works (compiles in memory).
    let out = Command::new(env!("CARGO_BIN_EXE_aiwatch-cli")).args(["info"]).env("XDG_CACHE_HOME", "/proc/aiwatch-cannot-write-here").output().unwrap();
    assert!(ok(&out, "unwritable").contains("compiled in memory"));
}

#[test]
fn a_deadline_does_not_change_the_result() {
    // The embedded rule runs without a deadline by default; `--timeout-ms`
    // compiles it for the engine with epoch checks: same bytes out.
    let input = sample();
    let input = input.to_str().unwrap();
    let unlimited = ok(&aiwatch(&["scan", "--output", "json", input], None), "unlimited");
    assert_eq!(ok(&aiwatch(&["scan", "--timeout-ms", "10000", "--output", "json", input], None), "limited"), unlimited);
    assert_eq!(ok(&aiwatch(&["scan", "--timeout-ms", "0", "--output", "json", input], None), "explicitly unlimited"), unlimited);
}
