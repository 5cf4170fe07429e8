//! The golden corpus through the rule component under wasmtime, and the
//! component against the natively linked rule, in process (the CLI tests
//! in `cli.rs` repeat the golden checks through the `aiwatch` binary).

use std::sync::OnceLock;

use aiwatch::engine::{Engine, EngineError, LineOutcome, Mode, NativeEngine, SessionOptions, WasmEngine};
use aiwatch::output;
use aiwatch::runtime::{CachePolicy, Limits, LoadedRule};
use aiwatch_rule::Report;
use aiwatch_tests::{cases, workspace_root, Case};

/// The embedded component, compiled once per test process (through an
/// on-disk cache under the target directory, shared by the CLI tests).
pub fn wasm() -> &'static WasmEngine {
    static ENGINE: OnceLock<WasmEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let rule = LoadedRule::load(aiwatch::EMBEDDED_COMPONENT, aiwatch::EMBEDDED_NAME, Limits::default(), &CachePolicy::Dir(cache_dir())).expect("the embedded component loads");
        WasmEngine::new(rule)
    })
}

/// The compiled-component cache the tests use (never the user's).
pub fn cache_dir() -> std::path::PathBuf {
    xdg_cache_home().join("aiwatch")
}

/// `XDG_CACHE_HOME` of the `aiwatch` processes the CLI tests run.
pub fn xdg_cache_home() -> std::path::PathBuf {
    target_dir().join("aiwatch-test-xdg")
}

/// The cargo target directory these tests were built in.
pub fn target_dir() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.ancestors().find(|d| d.join("CACHEDIR.TAG").is_file()).map(|d| d.to_path_buf()).unwrap_or_else(|| workspace_root().join("target"))
}

/// Everything one engine produces for a case.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    report: String,
    findings: String,
    state: String,
    parse: String,
    csv: String,
    table: String,
}

fn run(engine: &dyn Engine, case: &Case, chunk: usize) -> Result<Run, EngineError> {
    let config = case.config_text();
    let input = std::fs::read(&case.input).expect("case input");
    let options = SessionOptions { format: case.format, mode: Mode::Findings, profile: case.profile, ..SessionOptions::default() };
    let metadata = engine.metadata(&config, case.profile)?;
    let mut session = engine.open(&config, options)?;
    let mut findings = String::new();
    let mut batches = Vec::new();
    for part in input.chunks(chunk) {
        batches.push(session.feed(part)?);
    }
    batches.push(session.finish()?);
    for f in batches.iter().flat_map(|b| &b.findings) {
        findings.push_str(&serde_json::to_string(f).unwrap());
        findings.push('\n');
    }
    let report: Report = session.report(metadata)?;
    let state = session.export_state()?;

    let mut parse = Vec::new();
    let mut p = engine.open(&config, SessionOptions { mode: Mode::Parse, ..options })?;
    let mut outcomes: Vec<LineOutcome> = Vec::new();
    for part in input.chunks(chunk) {
        outcomes.extend(p.feed(part)?.outcomes);
    }
    outcomes.extend(p.finish()?.outcomes);
    for o in &outcomes {
        output::write_outcome(&mut parse, o, None).unwrap();
    }
    let mut csv = Vec::new();
    output::write_report(&mut csv, output::OutputFormat::Csv, &report).unwrap();
    let mut table = Vec::new();
    output::write_report(&mut table, output::OutputFormat::Table, &report).unwrap();
    Ok(Run { report: report.to_json(), findings, state, parse: String::from_utf8(parse).unwrap(), csv: String::from_utf8(csv).unwrap(), table: String::from_utf8(table).unwrap() })
}

#[test]
fn every_case_through_the_component_equals_its_golden() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases() {
        let expected = case.golden("expected.json");
        let expected_findings = case.golden("findings.ndjson");
        let (Ok(expected), Ok(expected_findings)) = (std::fs::read_to_string(&expected), std::fs::read_to_string(&expected_findings)) else {
            eprintln!("skipping {}: no golden output yet", case.name);
            continue;
        };
        let got = run(wasm(), &case, 1 << 20).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        if got.report != expected {
            failures.push(format!("{}: report differs from {}", case.name, case.golden("expected.json").display()));
        }
        if got.findings != expected_findings {
            failures.push(format!("{}: findings differ from {}", case.name, case.golden("findings.ndjson").display()));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 0, "no case has golden output");
}

#[test]
fn native_and_wasm_engines_agree_byte_for_byte_on_every_case() {
    let all = cases();
    assert!(!all.is_empty(), "no testdata cases found");
    for case in all {
        let native = run(&NativeEngine, &case, 1 << 20).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let wasm = run(wasm(), &case, 1 << 20).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(native.report, wasm.report, "{}: report", case.name);
        assert_eq!(native.findings, wasm.findings, "{}: findings", case.name);
        assert_eq!(native.state, wasm.state, "{}: state", case.name);
        assert_eq!(native.parse, wasm.parse, "{}: parse output", case.name);
        assert_eq!(native.csv, wasm.csv, "{}: csv", case.name);
        assert_eq!(native.table, wasm.table, "{}: table", case.name);
    }
}

#[test]
fn chunk_boundaries_do_not_change_component_results() {
    // Small odd chunks split lines, CRLF pairs and UTF-8 sequences inside
    // the component; the result must equal one big chunk.
    for case in cases().into_iter().take(40) {
        let whole = run(wasm(), &case, 1 << 20).unwrap();
        let split = run(wasm(), &case, 61).unwrap();
        assert_eq!(whole, split, "{}", case.name);
    }
}

#[test]
fn config_errors_come_back_as_values_naming_the_key() {
    let err = wasm().open("[allowlist]\nsrc_cidrs = [\"10.0.0.0/8\", \"nope\"]", SessionOptions::default()).err().unwrap();
    match err {
        EngineError::Config { key, message } => {
            assert_eq!(key.as_deref(), Some("allowlist.src_cidrs[1]"));
            assert!(message.contains("allowlist.src_cidrs[1]"), "{message}");
        }
        other => panic!("expected a config error, got {other}"),
    }
    let err = wasm().metadata("min_scor = 2", None).err().unwrap();
    assert!(matches!(&err, EngineError::Config { message, .. } if message.contains("min_scor")), "{err}");
    // The engine still works after refusing a config.
    assert_eq!(wasm().metadata("", Some(aiwatch_rule::Profile::Seed)).unwrap().profile, "seed");
}

#[test]
fn metadata_is_the_libraries() {
    let lib = aiwatch_rule::Rule::from_toml("").unwrap().metadata();
    assert_eq!(wasm().metadata("", None).unwrap(), lib);
    assert_eq!(NativeEngine.metadata("", None).unwrap(), lib);
    assert_eq!(lib.subtechnique, "T1588.007");
}

#[test]
fn component_states_merge_into_the_whole() {
    let sample = workspace_root().join("testdata/sample/proxy-minute.squid-extensive.log");
    let input = std::fs::read(&sample).expect("the sample log");
    // Split at a line boundary near the middle.
    let mid = input[..input.len() / 2].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let state_of = |part: &[u8]| {
        let mut s = wasm().open("", SessionOptions::default()).unwrap();
        s.feed(part).unwrap();
        s.finish().unwrap();
        s.export_state().unwrap()
    };
    let metadata = wasm().metadata("", None).unwrap();
    let mut merged = wasm().open("", SessionOptions::default()).unwrap();
    merged.merge_state(&state_of(&input[..mid])).unwrap();
    merged.merge_state(&state_of(&input[mid..])).unwrap();
    let mut whole = wasm().open("", SessionOptions::default()).unwrap();
    whole.feed(&input).unwrap();
    whole.finish().unwrap();
    let merged = merged.report(metadata.clone()).unwrap();
    let whole = whole.report(metadata).unwrap();
    assert!(!whole.groups.is_empty(), "the sample should have findings");
    assert_eq!(merged.groups, whole.groups);
    assert_eq!(merged.stats, whole.stats);
    // A state from another profile is refused, as a value.
    let mut seed = wasm().open("", SessionOptions { profile: Some(aiwatch_rule::Profile::Seed), ..SessionOptions::default() }).unwrap();
    let err = seed.merge_state(&state_of(&input[..mid])).unwrap_err();
    assert!(matches!(&err, EngineError::State(m) if m.contains("different rules")), "{err}");
}
