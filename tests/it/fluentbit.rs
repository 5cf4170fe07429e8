//! The Fluent Bit filter module under wasmtime, called exactly as Fluent
//! Bit's `filter_wasm` calls it (`flb_wasm_call_function_format_json`):
//!
//! 1. the tag and the record (a JSON object) are copied into guest memory
//!    through the module's exported `malloc` (WAMR's
//!    `wasm_runtime_module_dup_data`), each with a NUL terminator, the
//!    lengths passed without it;
//! 2. the filter function gets `(tag, tag_len, time_sec, time_nsec,
//!    record, record_len)` and returns a guest pointer;
//! 3. the NUL-terminated string there is copied out (empty: drop the
//!    record; otherwise it must be one JSON object), never freed;
//! 4. both inputs are freed through the module's `free`, also after a trap.
//!
//! One instance serves every call, as since Fluent Bit 4.1.
//!
//! The module is built by this test with its own `--target-dir`
//! (`<target>/fluentbit-harness`, so the inner cargo never waits on the
//! lock of the `cargo test` that runs it), in the `wasm` profile Fluent Bit
//! users build with. Set `AIWATCH_FLUENTBIT_WASM=/path/to/module.wasm` to
//! test an already built module instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use aiwatch_rule::{Config, FormatChoice};
use aiwatch_tests::{cases, workspace_root, Case};
use serde_json::Value;
use wasmtime::{Config as EngineConfig, Engine, Instance, Memory, Module, Store, TypedFunc};

/// The filter module's bytes, built once per test process.
fn module_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let path = match std::env::var_os("AIWATCH_FLUENTBIT_WASM") {
            Some(p) => PathBuf::from(p),
            None => build_module(),
        };
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

fn build_module() -> PathBuf {
    // The test binary lives in <target>/<profile>/deps/.
    let exe = std::env::current_exe().expect("test binary path");
    let target = exe.ancestors().nth(3).map(Path::to_path_buf).unwrap_or_else(|| workspace_root().join("target"));
    let target_dir = target.join("fluentbit-harness");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["build", "-p", "aiwatch-fluentbit", "--target", "wasm32-unknown-unknown", "--profile", "wasm", "--target-dir"])
        .arg(&target_dir)
        // The harness checks the default rule; a tuning baked in by the
        // caller's environment would change every expected result.
        .env_remove("AIWATCH_FLUENTBIT_CONFIG")
        .output()
        .expect("run cargo to build the Fluent Bit filter module");
    assert!(output.status.success(), "building the filter module failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let path = target_dir.join("wasm32-unknown-unknown/wasm/aiwatch_fluentbit.wasm");
    eprintln!("fluentbit: module {} ready after {:.1?}", path.display(), started.elapsed());
    path
}

fn compiled(engine: &Engine) -> Module {
    Module::new(engine, module_bytes()).expect("the filter module compiles")
}

/// The shared engine and compiled module (compiling takes a while).
fn shared() -> &'static (Engine, Module) {
    static SHARED: OnceLock<(Engine, Module)> = OnceLock::new();
    SHARED.get_or_init(|| {
        let engine = Engine::default();
        let module = compiled(&engine);
        (engine, module)
    })
}

/// Which filter function Fluent Bit is configured with (`Function_Name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Annotate,
    Alerts,
}

type FilterFn = TypedFunc<(u32, u32, u32, u32, u32, u32), u32>;

/// One module instance driven the way Fluent Bit drives it.
struct FluentBit {
    store: Store<()>,
    memory: Memory,
    malloc: TypedFunc<u32, u32>,
    free: TypedFunc<u32, ()>,
    annotate: FilterFn,
    alerts: FilterFn,
    configure: TypedFunc<(u32, u32), u32>,
}

impl FluentBit {
    fn new() -> FluentBit {
        let (engine, module) = shared();
        FluentBit::on(engine, module)
    }

    fn on(engine: &Engine, module: &Module) -> FluentBit {
        let mut store = Store::new(engine, ());
        // Fluent Bit's WAMR provides no imports to a wasm32-unknown-unknown
        // module; the module must not need any.
        assert_eq!(module.imports().len(), 0, "the filter module imports {:?}", module.imports().map(|i| format!("{}::{}", i.module(), i.name())).collect::<Vec<_>>());
        let instance = Instance::new(&mut store, module, &[]).expect("instantiate");
        let memory = instance.get_memory(&mut store, "memory").expect("exports memory");
        let malloc = instance.get_typed_func(&mut store, "malloc").expect("exports malloc(i32) -> i32, which WAMR requires");
        let free = instance.get_typed_func(&mut store, "free").expect("exports free(i32), which WAMR requires");
        let annotate = instance.get_typed_func(&mut store, "aiwatch_annotate").expect("exports aiwatch_annotate");
        let alerts = instance.get_typed_func(&mut store, "aiwatch_alerts").expect("exports aiwatch_alerts");
        let configure = instance.get_typed_func(&mut store, "aiwatch_configure").expect("exports aiwatch_configure");
        FluentBit { store, memory, malloc, free, annotate, alerts, configure }
    }

    /// `wasm_runtime_module_dup_data(data, len + 1)`: a guest copy with a NUL.
    fn dup(&mut self, data: &[u8]) -> u32 {
        let len = u32::try_from(data.len() + 1).expect("input fits in guest memory");
        let ptr = self.malloc.call(&mut self.store, len).expect("malloc does not trap");
        assert_ne!(ptr, 0, "malloc({len}) failed");
        let mem = self.memory.data_mut(&mut self.store);
        mem[ptr as usize..ptr as usize + data.len()].copy_from_slice(data);
        mem[ptr as usize + data.len()] = 0;
        ptr
    }

    /// The NUL-terminated string at `ptr`, as `wasm_runtime_validate_app_str_addr`
    /// and `flb_strdup` read it.
    fn read_c_string(&self, ptr: u32) -> Result<Vec<u8>, String> {
        let mem = self.memory.data(&self.store);
        let start = ptr as usize;
        if ptr == 0 || start >= mem.len() {
            return Err(format!("returned pointer {ptr:#x} is outside linear memory ({} bytes)", mem.len()));
        }
        match mem[start..].iter().position(|&b| b == 0) {
            Some(n) => Ok(mem[start..start + n].to_vec()),
            None => Err(format!("string at {ptr:#x} has no NUL before the end of memory")),
        }
    }

    /// One record through `function`: the bytes Fluent Bit gets back
    /// (empty means the record is dropped), or the trap / invalid-pointer
    /// error Fluent Bit would log.
    fn call(&mut self, function: Function, tag: &[u8], record: &[u8]) -> Result<Vec<u8>, String> {
        let tag_ptr = self.dup(tag);
        let record_ptr = self.dup(record);
        let result = self.call_at(function, tag_ptr, tag.len() as u32, record_ptr, record.len() as u32);
        self.free.call(&mut self.store, tag_ptr).expect("free does not trap");
        self.free.call(&mut self.store, record_ptr).expect("free does not trap");
        result
    }

    /// The filter call alone, on inputs already in guest memory.
    fn call_at(&mut self, function: Function, tag_ptr: u32, tag_len: u32, record_ptr: u32, record_len: u32) -> Result<Vec<u8>, String> {
        let f = match function {
            Function::Annotate => &self.annotate,
            Function::Alerts => &self.alerts,
        };
        // Fluent Bit passes the record's timestamp; the filter ignores it.
        let ret = f.call(&mut self.store, (tag_ptr, tag_len, 1_796_115_600, 123_000_000, record_ptr, record_len)).map_err(|e| format!("trap: {e:?}"))?;
        self.read_c_string(ret)
    }

    /// `aiwatch_configure`: Ok, or the error message the module returned.
    fn configure(&mut self, toml: &str) -> Result<(), String> {
        let ptr = self.dup(toml.as_bytes());
        let ret = self.configure.call(&mut self.store, (ptr, toml.len() as u32)).expect("configure does not trap");
        let message = self.read_c_string(ret).expect("configure returns a C string");
        self.free.call(&mut self.store, ptr).expect("free does not trap");
        if message.is_empty() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&message).into_owned())
        }
    }

    fn memory_bytes(&self) -> usize {
        self.memory.data_size(&self.store)
    }
}

/// A raw log line as Fluent Bit's tail input without a parser sends it.
fn log_record(line: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "log": String::from_utf8_lossy(line) })).expect("record serializes")
}

/// What the harness sends for one line of a case file: JSON lines as they
/// are (pre-parsed records), anything else wrapped as `{"log": line}`.
fn record_for(line: &[u8]) -> Vec<u8> {
    if line.trim_ascii_start().starts_with(b"{") {
        line.to_vec()
    } else {
        log_record(line)
    }
}

/// The lines of a case, numbered as the library's line splitter numbers
/// them: split at `\n`, a trailing `\r` removed, a final unterminated line
/// kept.
fn lines(input: &[u8]) -> Vec<&[u8]> {
    let mut out: Vec<&[u8]> = input.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l)).collect();
    if input.ends_with(b"\n") || input.is_empty() {
        out.pop();
    }
    out
}

fn parse_object(bytes: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("Fluent Bit would reject a non-JSON result ({e}): {}", String::from_utf8_lossy(bytes)));
    assert!(v.is_object(), "Fluent Bit requires a JSON object, got {v}");
    v
}

/// The case's config (with `--profile` applied) as the TOML text
/// `aiwatch_configure` takes.
fn case_toml(case: &Case) -> String {
    let mut config = Config::from_toml(&case.config_text()).unwrap_or_else(|e| panic!("{}: {e}", case.name));
    if let Some(p) = case.profile {
        config.profile = Some(p);
    }
    let text = toml::to_string(&config).expect("configs serialize to TOML");
    assert_eq!(Config::from_toml(&text).as_ref(), Ok(&config), "{}: the config round-trips through TOML", case.name);
    text
}

/// The fields of a finding the filter must agree on with the golden
/// `findings.ndjson` (which the native scanner wrote).
const COMPARED: &[&str] = &["score", "signals", "provider", "host", "host_pattern", "format", "time_ms", "src_ip", "user", "method", "port", "path", "user_agent", "explanation"];

fn compared(v: &Value) -> BTreeMap<&'static str, Value> {
    COMPARED.iter().map(|k| (*k, v.get(*k).cloned().unwrap_or(Value::Null))).collect()
}

#[test]
fn every_case_through_the_filter_matches_its_golden_findings() {
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut checked = 0;
    let mut findings_seen = 0;
    for case in cases() {
        let golden_path = case.golden("findings.ndjson");
        let Ok(golden) = std::fs::read_to_string(&golden_path) else {
            skipped.push(format!("{} (no findings.ndjson golden yet)", case.name));
            continue;
        };
        if case.format != FormatChoice::Auto {
            // The filter auto-detects every record; Fluent Bit has no way to
            // pass it a --format.
            skipped.push(format!("{} (forces --format {})", case.name, case.format));
            continue;
        }
        let mut fb = FluentBit::new();
        if let Err(e) = fb.configure(&case_toml(&case)) {
            failures.push(format!("{}: aiwatch_configure rejected the case config: {e}", case.name));
            continue;
        }
        let expected: BTreeMap<u64, BTreeMap<&str, Value>> = golden
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("golden findings are JSON");
                (v["line"].as_u64().expect("golden finding has a line"), compared(&v))
            })
            .collect();
        let input = std::fs::read(&case.input).expect("case input");
        let tag = format!("squid.{}", case.name);
        let mut actual = BTreeMap::new();
        for (i, line) in lines(&input).into_iter().enumerate() {
            let line_no = i as u64 + 1;
            let record = record_for(line);
            let alert = match fb.call(Function::Alerts, tag.as_bytes(), &record) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{} line {line_no}: aiwatch_alerts: {e}", case.name));
                    continue;
                }
            };
            let annotated = match fb.call(Function::Annotate, tag.as_bytes(), &record) {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{} line {line_no}: aiwatch_annotate: {e}", case.name));
                    continue;
                }
            };
            if alert.is_empty() {
                if annotated != record {
                    failures.push(format!("{} line {line_no}: not a finding, but annotate changed the record:\n  in:  {}\n  out: {}", case.name, String::from_utf8_lossy(&record), String::from_utf8_lossy(&annotated)));
                }
                continue;
            }
            if annotated != alert {
                failures.push(format!("{} line {line_no}: annotate and alerts disagree:\n  {}\n  {}", case.name, String::from_utf8_lossy(&annotated), String::from_utf8_lossy(&alert)));
            }
            // The record's own bytes come first, unchanged.
            let body = record.trim_ascii_end().strip_suffix(b"}").expect("a finding's record is an object");
            if !alert.starts_with(body) {
                failures.push(format!("{} line {line_no}: the annotated record does not keep the input bytes:\n  in:  {}\n  out: {}", case.name, String::from_utf8_lossy(&record), String::from_utf8_lossy(&alert)));
            }
            let out = parse_object(&alert);
            actual.insert(line_no, compared(&out["aiwatch"]));
        }
        checked += 1;
        findings_seen += actual.len();
        if actual != expected {
            let lines_of = |m: &BTreeMap<u64, BTreeMap<&str, Value>>| m.keys().copied().collect::<Vec<_>>();
            let mut detail = format!("{}: the filter kept lines {:?}, the golden has {:?}", case.name, lines_of(&actual), lines_of(&expected));
            for (line, want) in &expected {
                if let Some(got) = actual.get(line) {
                    for k in COMPARED {
                        if got[k] != want[k] {
                            detail.push_str(&format!("\n  line {line} {k}: filter {} vs golden {}", got[k], want[k]));
                        }
                    }
                }
            }
            failures.push(detail);
        }
    }
    for s in &skipped {
        println!("fluentbit: skipped {s}");
    }
    println!("fluentbit: {checked} cases, {findings_seen} findings through both filter functions; {} skipped", skipped.len());
    assert!(checked >= 10, "only {checked} cases were checked: is testdata/ missing its goldens?");
    assert!(findings_seen > 0, "no case produced a finding through the filter");
    assert!(failures.is_empty(), "{} problem(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

/// Records of every kind the filter meets, for the long-running tests.
struct Mix {
    /// (record, expected to be reported)
    records: Vec<(Vec<u8>, bool)>,
}

impl Mix {
    fn new() -> Mix {
        let squid = |host_path: &str, method: &str| log_record(format!("1796115601.457   1873 10.20.1.23 TCP_MISS/200 2841 {method} https://{host_path} bob HIER_DIRECT/203.0.113.21 application/json").as_bytes());
        let mut records = Vec::new();
        // The common case: ordinary web traffic, in several sizes.
        for (i, host) in ["www.example.com", "intranet.corp.local", "cdn.jsdelivr.net", "login.microsoftonline.com", "github.com", "updates.vendor.example"].iter().enumerate() {
            let path = format!("{host}/static/{}/app.js?v={}", "x".repeat(i * 40), i);
            records.push((squid(&path, "GET"), false));
        }
        records.push((br#"{"src_ip":"10.1.1.1","user":"u","dest_host":"www.example.org","http_method":"GET","uri_path":"/","http_user_agent":"Mozilla/5.0 Chrome/120.0","_messageTime":1796115600000}"#.to_vec(), false));
        // Findings: a raw line, a Sumo record, a Zscaler record.
        records.push((squid("api.openai.com/v1/chat/completions", "POST"), true));
        records.push((br#"{"src_ip":"10.0.0.5","user":"bob","dest_host":"api.anthropic.com","http_method":"POST","uri_path":"/v1/messages","http_user_agent":"anthropic-sdk-python/0.34.2","bytes_out":"812","_messageTime":1796115600000}"#.to_vec(), true));
        // Candidates that are not findings: a browser, a CONNECT to a look-alike.
        records.push((br#"{"src_ip":"10.0.0.6","user":"eve","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"Mozilla/5.0 (X11) Chrome/120.0 Safari/537.36","_messageTime":1796115600000}"#.to_vec(), false));
        records.push((squid("api.openai.com.evil.test/v1/chat", "POST"), false));
        // Broken input that still names an AI host, and a W3C header.
        records.push((br#"{"log":"1796115601.457 1 10.0.0.1 TCP_MISS/200 1 POST https://api.openai.com/v1/chat"#.to_vec(), false));
        records.push((br##"{"log":"#Fields: date time c-ip cs-username cs-method cs-host cs-uri-path cs(User-Agent) cs-bytes"}"##.to_vec(), false));
        Mix { records }
    }

    /// A stream where about one record in twenty is a candidate, like a
    /// proxy log in which AI traffic is rare.
    fn stream(&self, n: usize) -> impl Iterator<Item = (usize, &[u8], bool)> + '_ {
        let common: Vec<usize> = (0..self.records.len()).filter(|&i| !self.records[i].1 && !self.is_candidate_like(i)).collect();
        let rare: Vec<usize> = (0..self.records.len()).filter(|i| !common.contains(i)).collect();
        (0..n).map(move |k| {
            let i = if k % 20 == 19 { rare[(k / 20) % rare.len()] } else { common[k % common.len()] };
            (k, self.records[i].0.as_slice(), self.records[i].1)
        })
    }

    fn is_candidate_like(&self, i: usize) -> bool {
        let r = String::from_utf8_lossy(&self.records[i].0);
        r.contains("openai") || r.contains("anthropic") || r.contains("#Fields")
    }
}

/// Calls the filter `n` times, alternating the two functions and cycling
/// through more tags than the filter keeps parsers for; checks each
/// result's kind.
fn drive(fb: &mut FluentBit, mix: &Mix, n: usize) {
    let tags: Vec<String> = (0..100).map(|i| format!("proxy.{i}")).collect();
    for (k, record, reported) in mix.stream(n) {
        // W3C headers get a stream of their own: a header applies to the
        // lines of its stream after it, and the other records are Squid's.
        let tag = if record.starts_with(br##"{"log":"#"##) { "w3c" } else { tags[k % 100].as_str() };
        let function = if k % 2 == 0 { Function::Annotate } else { Function::Alerts };
        let out = fb.call(function, tag.as_bytes(), record).unwrap_or_else(|e| panic!("call {k}: {e}"));
        match (function, reported) {
            (Function::Alerts, false) => assert!(out.is_empty(), "call {k}: alerts kept {}", String::from_utf8_lossy(record)),
            (Function::Annotate, false) => assert_eq!(out, record, "call {k}: annotate changed a record it does not report"),
            (_, true) => assert!(out.len() > record.len() && out.ends_with(b"}}"), "call {k}: not annotated: {}", String::from_utf8_lossy(&out)),
        }
    }
}

#[test]
fn a_million_calls_leave_linear_memory_unchanged_after_warm_up() {
    const CALLS: usize = 1_000_000;
    let mix = Mix::new();
    let mut fb = FluentBit::new();
    // Warm-up: first use builds the rule, every tag gets a parser, every
    // buffer reaches its working size.
    drive(&mut fb, &mix, 20_000);
    let before = fb.memory_bytes();
    let started = Instant::now();
    drive(&mut fb, &mix, CALLS);
    let elapsed = started.elapsed();
    let after = fb.memory_bytes();
    println!("fluentbit: {CALLS} calls in {elapsed:.2?} ({:.2} µs per record with the harness's copies); linear memory {before} -> {after} bytes", elapsed.as_secs_f64() * 1e6 / CALLS as f64);
    assert_eq!(after, before, "linear memory grew by {} bytes over {CALLS} calls", after as i64 - before as i64);
}

#[test]
fn invalid_input_passes_through_annotate_unchanged_and_never_traps() {
    let mut fb = FluentBit::new();
    let huge = format!(r#"{{"log":"POST https://api.openai.com/v1/chat {}"#, "A".repeat(4 << 20));
    let deep = format!(r#"{{"log":"api.openai.com","x":{}}}"#, "[".repeat(200_000));
    let inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"}".to_vec(),
        b"null".to_vec(),
        b"[\"api.openai.com\"]".to_vec(),
        b"\"api.openai.com\"".to_vec(),
        br#"{"dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat""#.to_vec(),
        br#"{"dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat"} trailing"#.to_vec(),
        br#"{"dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat",}"#.to_vec(),
        br#"{"log":"\ud800 api.openai.com POST /v1"}"#.to_vec(),
        b"{\"log\":\"\xff\xfe api.openai.com \xc3\x28\"}".to_vec(),
        b"\xef\xbb\xbf{\"dest_host\":\"api.openai.com\",\"http_method\":\"POST\",\"uri_path\":\"/v1/chat\"".to_vec(),
        br#"{"log":"api.openai.com","log":"x"#.to_vec(),
        huge.into_bytes(),
        deep.into_bytes(),
        // Every byte value but NUL, which a C string cannot carry and
        // Fluent Bit's JSON never holds (it escapes it).
        (1u8..=255).cycle().take(70_000).collect(),
    ];
    let before = fb.memory_bytes();
    for (i, input) in inputs.iter().enumerate() {
        let out = fb.call(Function::Annotate, b"tail.0", input).unwrap_or_else(|e| panic!("input {i}: annotate: {e}"));
        assert!(out == *input, "input {i}: annotate changed invalid input: {}", String::from_utf8_lossy(&out[..out.len().min(200)]));
        let dropped = fb.call(Function::Alerts, b"tail.0", input).unwrap_or_else(|e| panic!("input {i}: alerts: {e}"));
        assert!(dropped.is_empty(), "input {i}: alerts kept invalid input");
    }
    // The 4 MiB record grew memory once; a second pass must reuse it.
    let grown = fb.memory_bytes();
    for input in &inputs {
        fb.call(Function::Annotate, b"tail.0", input).expect("no trap");
    }
    assert_eq!(fb.memory_bytes(), grown, "memory grew on a second pass over the same inputs (was {before} before the first)");
}

#[test]
fn a_deeply_nested_record_is_no_danger() {
    let mut fb = FluentBit::new();
    let deep = format!(r#"{{"dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/x","x":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    let out = fb.call(Function::Annotate, b"t", deep.as_bytes()).expect("no trap");
    // Whether the rule reads such a record is the JSON reader's business;
    // either way the result is the input, or the input plus the annotation.
    assert!(out == deep.as_bytes() || (out.starts_with(&deep.as_bytes()[..deep.len() - 1]) && out.ends_with(b"}}")), "{}", String::from_utf8_lossy(&out[..200]));
}

#[test]
fn reported_records_gain_the_aiwatch_object_and_keep_their_bytes() {
    let mut fb = FluentBit::new();
    let record = br#"{"date":1796118600.123,"log":"1796118600.123   1873 10.20.1.23 TCP_MISS/200 2841 POST https://api.openai.com/v1/chat/completions bob HIER_DIRECT/203.0.113.21 application/json","n":1.50}"#;
    let out = fb.call(Function::Annotate, b"squid.access", record).expect("no trap");
    assert!(out.starts_with(&record[..record.len() - 1]), "{}", String::from_utf8_lossy(&out));
    let v = parse_object(&out);
    assert_eq!(v["n"].as_f64(), Some(1.5));
    let a = &v["aiwatch"];
    assert_eq!(a["rule_id"], "aiwatch-t1588.007-genai-api");
    assert_eq!(a["technique"], "T1588");
    assert_eq!(a["subtechnique"], "T1588.007");
    assert_eq!(a["tactic"], "Resource Development");
    assert_eq!(a["score"], 2);
    assert_eq!(a["signals"], serde_json::json!(["api_endpoint", "post"]));
    assert_eq!(a["provider"], "OpenAI");
    assert_eq!(a["host"], "api.openai.com");
    assert_eq!(a["format"], "squid");
    assert_eq!(a["src_ip"], "10.20.1.23");
    assert_eq!(a["user"], "bob");
    assert_eq!(a["time_ms"], 1_796_118_600_123u64);
    assert!(a["explanation"].as_str().is_some_and(|e| e.contains("OpenAI") && e.contains("POST")), "{a}");
    // A second aiwatch filter in the same pipeline replaces the object.
    let twice = fb.call(Function::Annotate, b"squid.access", &out).expect("no trap");
    let v2 = parse_object(&twice);
    assert_eq!(v2, v, "annotating an annotated record changes nothing");
    assert_eq!(String::from_utf8_lossy(&twice).matches("\"aiwatch\"").count(), 1);
    // The same record through alerts: kept, identical.
    assert_eq!(fb.call(Function::Alerts, b"squid.access", record).expect("no trap"), out);
}

#[test]
fn w3c_headers_are_tracked_per_tag() {
    let mut fb = FluentBit::new();
    let header = log_record(b"#Fields: date time c-ip cs-username cs-method cs-host cs-uri-path cs(User-Agent) cs-bytes");
    let line = log_record(b"2026-12-01 10:00:00 10.1.2.3 alice POST api.mistral.ai /v1/chat/completions \"mistralai-python/1.2\" 70000");
    assert_eq!(fb.call(Function::Alerts, b"w3c.a", &header).unwrap(), b"", "a header is not a record to alert on");
    assert_eq!(fb.call(Function::Annotate, b"w3c.a", &header).unwrap(), header, "a header passes annotate unchanged");
    let out = fb.call(Function::Alerts, b"w3c.a", &line).unwrap();
    assert!(!out.is_empty(), "the line after its header is read with it");
    assert_eq!(parse_object(&out)["aiwatch"]["score"], 3);
    // Another stream has not seen that header: its columns mean nothing there.
    let other = fb.call(Function::Alerts, b"w3c.b", &line).unwrap();
    let score = if other.is_empty() { None } else { parse_object(&other)["aiwatch"]["score"].as_u64() };
    assert_ne!(score, Some(3), "stream w3c.b used the header of stream w3c.a");
}

#[test]
fn configure_switches_the_rule_and_names_bad_keys() {
    let mut fb = FluentBit::new();
    let xai = br#"{"src_ip":"10.0.0.9","dest_host":"api.x.ai","http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"curl/8.5.0"}"#;
    let openai = br#"{"src_ip":"10.0.0.9","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"curl/8.5.0"}"#;
    assert!(!fb.call(Function::Alerts, b"t", xai).unwrap().is_empty(), "the extended catalogue knows xAI");
    let err = fb.configure("min_score = 7").unwrap_err();
    assert!(err.contains("min_score"), "{err}");
    assert!(!fb.call(Function::Alerts, b"t", xai).unwrap().is_empty(), "a rejected config leaves the rule in force");
    fb.configure("profile = \"seed\"").unwrap();
    assert!(fb.call(Function::Alerts, b"t", xai).unwrap().is_empty(), "the seed's 13 hosts do not include xAI");
    let seed = parse_object(&fb.call(Function::Alerts, b"t", openai).unwrap());
    assert_eq!(seed["aiwatch"]["profile"], "seed");
    let err = fb.configure("[allowlist]\nsrc_cidrs = [\"nope\"]").unwrap_err();
    assert!(err.contains("allowlist.src_cidrs[0]"), "{err}");
    fb.configure("[allowlist]\nsrc_cidrs = [\"10.0.0.0/8\"]").unwrap();
    assert!(fb.call(Function::Alerts, b"t", openai).unwrap().is_empty(), "allowlisted sources are not alerted on");
    assert_eq!(fb.call(Function::Annotate, b"t", openai).unwrap(), openai, "nor annotated");
}

#[test]
fn a_trap_does_not_poison_later_calls() {
    let mut fb = FluentBit::new();
    let record = log_record(b"1796115601.457 1873 10.20.1.23 TCP_MISS/200 2841 POST https://api.openai.com/v1/chat/completions bob HIER_DIRECT/203.0.113.21 application/json");
    assert!(!fb.call(Function::Alerts, b"t", &record).unwrap().is_empty());
    // A record pointer past the end of memory traps inside the filter
    // (Fluent Bit would log the exception and skip the record).
    let size = fb.memory_bytes() as u32;
    let tag = fb.dup(b"t");
    let err = fb.call_at(Function::Alerts, tag, 1, size - 16, 4096).unwrap_err();
    assert!(err.contains("trap"), "{err}");
    fb.free.call(&mut fb.store, tag).unwrap();
    for _ in 0..3 {
        let out = fb.call(Function::Alerts, b"t", &record).expect("calls after a trap work");
        assert_eq!(parse_object(&out)["aiwatch"]["score"], 2);
    }
}

/// Per-record cost of both paths: wall time under wasmtime (Cranelift JIT)
/// and executed wasm instructions (wasmtime fuel), from which the cost under
/// Fluent Bit's WAMR interpreter is estimated.
#[test]
fn per_record_cost_of_both_paths() {
    let mix = Mix::new();
    let common = mix.records[0].0.clone();
    let finding = mix.records.iter().find(|(r, f)| *f && r.starts_with(b"{\"log\"")).expect("a raw-line finding").0.clone();

    // Instructions executed, from fuel (one unit per wasm operator).
    let mut config = EngineConfig::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).expect("fuel engine");
    let module = compiled(&engine);
    let mut fb = FluentBit::on(&engine, &module);
    let ops = |fb: &mut FluentBit, function: Function, record: &[u8]| {
        fb.store.set_fuel(u64::MAX).unwrap();
        fb.call(function, b"squid", record).unwrap();
        let tag = fb.dup(b"squid");
        let rec = fb.dup(record);
        fb.store.set_fuel(u64::MAX).unwrap();
        fb.call_at(function, tag, 5, rec, record.len() as u32).unwrap();
        u64::MAX - fb.store.get_fuel().unwrap()
    };
    let ops_common_annotate = ops(&mut fb, Function::Annotate, &common);
    let ops_common_alerts = ops(&mut fb, Function::Alerts, &common);
    let ops_finding = ops(&mut fb, Function::Annotate, &finding);

    // Wall time of the filter call alone (inputs already in guest memory,
    // as the module sees them) and of Fluent Bit's whole call sequence.
    let mut fb = FluentBit::new();
    let time = |fb: &mut FluentBit, record: &[u8], n: usize, whole: bool| {
        let tag = fb.dup(b"squid");
        let rec = fb.dup(record);
        for _ in 0..1000 {
            fb.call_at(Function::Annotate, tag, 5, rec, record.len() as u32).unwrap();
        }
        let started = Instant::now();
        for _ in 0..n {
            if whole {
                fb.call(Function::Annotate, b"squid", record).unwrap();
            } else {
                fb.call_at(Function::Annotate, tag, 5, rec, record.len() as u32).unwrap();
            }
        }
        started.elapsed().as_secs_f64() * 1e9 / n as f64
    };
    let ns_common = time(&mut fb, &common, 200_000, false);
    let ns_common_whole = time(&mut fb, &common, 100_000, true);
    let ns_finding = time(&mut fb, &finding, 20_000, false);
    let ns_finding_whole = time(&mut fb, &finding, 20_000, true);

    println!("fluentbit: per-record cost (wasmtime JIT; 'whole' adds the two malloc/free and copies Fluent Bit makes)");
    println!("  non-candidate ({} B): {ops_common_annotate} wasm ops annotate / {ops_common_alerts} alerts; {:.0} ns filter call, {:.0} ns whole", common.len(), ns_common, ns_common_whole);
    println!("  candidate, finding ({} B): {ops_finding} wasm ops; {:.0} ns filter call, {:.0} ns whole", finding.len(), ns_finding, ns_finding_whole);
    // WAMR's fast interpreter runs very roughly 100-300 million wasm
    // operators per second on a server core (an assumption, not measured
    // here); Fluent Bit adds its own ~6 µs per record for JSON conversion
    // and copies whatever the filter does (NOTES.md).
    for (what, ops) in [("non-candidate", ops_common_annotate), ("finding", ops_finding)] {
        println!("  estimated WAMR interpretation, {what}: {:.1}-{:.1} µs per record on top of Fluent Bit's own cost", ops as f64 / 300.0e6 * 1e6, ops as f64 / 100.0e6 * 1e6);
    }

    // The dismissal must be a quick look at the bytes: a few operators per
    // byte (the library's Aho-Corasick scan alone costs about 40), and far
    // cheaper than parsing.
    assert!(ops_common_annotate < 25 * common.len() as u64 + 500, "non-candidate path runs {ops_common_annotate} ops for {} bytes", common.len());
    assert!(ops_common_annotate * 5 < ops_finding, "the non-candidate path ({ops_common_annotate} ops) is not much cheaper than a finding ({ops_finding} ops)");
    assert!(ops_common_alerts <= ops_common_annotate + 16);
}
