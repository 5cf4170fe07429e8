//! The sandbox: purpose-built misbehaving components (`tests/hostile-rule`)
//! must each give a clear error and exit status 1, never a host panic, and
//! leave the host able to open fresh sessions; files that are not
//! components of the world are refused clearly.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aiwatch::engine::{Engine, EngineError, SessionOptions, WasmEngine};
use aiwatch::runtime::{CachePolicy, Failure, Limits, LoadError, LoadedRule};

use crate::cli::{aiwatch, scratch};
use crate::component::{cache_dir, target_dir};

/// Builds the hostile component (and, with `other-world`, the component of
/// another world) for wasm32-wasip2, once per test run, in a target
/// directory of its own.
fn hostile(other_world: bool) -> PathBuf {
    static BUILT: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    let (rule, other) = BUILT.get_or_init(|| {
        let out = scratch("hostile");
        let rule = build_hostile(false, &out.join("hostile.wasm"));
        let other = build_hostile(true, &out.join("other-world.wasm"));
        (rule, other)
    });
    if other_world { other.clone() } else { rule.clone() }
}

fn build_hostile(other_world: bool, dest: &Path) -> PathBuf {
    let target = target_dir().join("hostile-rule");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(aiwatch_tests::workspace_root())
        .args(["build", "--quiet", "-p", "aiwatch-hostile-rule", "--target", "wasm32-wasip2", "--profile", "wasm", "--target-dir"])
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET");
    if other_world {
        cmd.args(["--features", "other-world"]);
    }
    let status = cmd.status().expect("run cargo to build tests/hostile-rule");
    assert!(status.success(), "building tests/hostile-rule for wasm32-wasip2 failed (is the target installed? `rustup target add wasm32-wasip2`)");
    std::fs::copy(target.join("wasm32-wasip2/wasm/aiwatch_hostile_rule.wasm"), dest).expect("copy the hostile component");
    dest.to_path_buf()
}

fn limits() -> Limits {
    Limits { max_memory: 64 << 20, timeout: Some(Duration::from_millis(300)) }
}

fn hostile_engine() -> WasmEngine {
    let path = hostile(false);
    WasmEngine::new(LoadedRule::load_file(&path, limits(), &CachePolicy::Dir(cache_dir())).expect("the hostile component loads"))
}

/// Writes a config file holding a hostile mode.
fn mode_config(mode: &str) -> PathBuf {
    let p = scratch("modes").join(format!("{mode}.conf"));
    std::fs::write(&p, mode).unwrap();
    p
}

/// A 3 MiB input with `TRAP` in its second MiB.
fn big_input() -> PathBuf {
    // Written once: tests run in parallel and must not see a partial file.
    static INPUT: OnceLock<PathBuf> = OnceLock::new();
    INPUT.get_or_init(|| {
        let p = scratch("inputs").join("three-mib.log");
        let mut data = Vec::with_capacity(3 << 20);
        let mut n = 0;
        let mut trapped = false;
        while data.len() < 3 << 20 {
            let word = if !trapped && data.len() > (1 << 20) + 4096 { "TRAP" } else { "line" };
            trapped |= word == "TRAP";
            data.extend_from_slice(format!("{word} {n}\n").as_bytes());
            n += 1;
        }
        std::fs::write(&p, data).unwrap();
        p
    })
    .clone()
}

/// Runs `aiwatch scan` with the hostile rule in `mode`; returns stderr
/// after checking the exit status and that the host did not panic.
fn scan_hostile(mode: &str) -> String {
    let rule = hostile(false);
    let input = big_input();
    let config = mode_config(mode);
    let args = ["scan", "--rule", rule.to_str().unwrap(), "--config", config.to_str().unwrap(), "--timeout-ms", "300", "--max-memory", "64", input.to_str().unwrap()];
    let started = Instant::now();
    let out = aiwatch(&args, None);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{mode}: exit status; stderr:\n{stderr}");
    assert!(!stderr.contains("thread 'main' panicked") && !stderr.contains("RUST_BACKTRACE"), "{mode}: the host panicked:\n{stderr}");
    assert!(stderr.contains(rule.to_str().unwrap()), "{mode}: the error must name the rule file:\n{stderr}");
    assert!(stderr.contains("three-mib.log"), "{mode}: the error must name the input:\n{stderr}");
    assert!(started.elapsed() < Duration::from_secs(60), "{mode}: took {:?}", started.elapsed());
    stderr
}

#[test]
fn an_endless_loop_hits_the_deadline() {
    let err = scan_hostile("loop");
    assert!(err.contains("failed in feed()") && err.contains("did not return within the 300 ms limit"), "{err}");
    assert!(err.contains("bytes 0..1048576 (lines from 1)"), "the first chunk is where it looped:\n{err}");
}

#[test]
fn unbounded_allocation_hits_the_memory_limit() {
    let err = scan_hostile("alloc");
    assert!(err.contains("exceeded its memory limit of 64 MiB"), "{err}");
}

#[test]
fn runaway_recursion_exhausts_the_stack_cleanly() {
    let err = scan_hostile("recurse");
    assert!(err.contains("exhausted its call stack"), "{err}");
}

#[test]
fn a_trap_mid_stream_names_the_chunk_and_the_panic_message() {
    let err = scan_hostile("trap");
    assert!(err.contains("panicked: hostile rule: found TRAP in this chunk"), "{err}");
    assert!(err.contains("bytes 1048576..2097152"), "the TRAP is in the second MiB:\n{err}");
}

#[test]
fn an_enormous_batch_is_a_protocol_error() {
    let err = scan_hostile("flood");
    assert!(err.contains("broke the aiwatch:rule/log-rule@0.1.0 protocol") && err.contains("1000000 line errors"), "{err}");
}

#[test]
fn the_host_opens_fresh_sessions_after_each_failure() {
    let engine = hostile_engine();
    for mode in ["loop", "alloc", "recurse", "trap", "flood"] {
        let mut session = engine.open(mode, SessionOptions::default()).unwrap();
        let err = session.feed(b"TRAP\n").err().unwrap_or_else(|| panic!("{mode} should fail"));
        let EngineError::Rule(rule_error) = &err else { panic!("{mode}: {err}") };
        let expected = match mode {
            "loop" => matches!(rule_error.failure, Failure::Timeout { .. }),
            "alloc" => matches!(rule_error.failure, Failure::MemoryLimit { .. }),
            "recurse" => matches!(rule_error.failure, Failure::StackOverflow),
            "trap" => matches!(rule_error.failure, Failure::Panic(_)),
            _ => matches!(rule_error.failure, Failure::Protocol(_)),
        };
        assert!(expected, "{mode}: {err}");
        // The failed session refuses further calls instead of trusting a
        // broken instance...
        assert!(matches!(session.stats(), Err(EngineError::Rule(ref e)) if e.failure == Failure::Poisoned));
        // ...and a fresh one works.
        let mut fresh = engine.open("ok", SessionOptions::default()).unwrap();
        assert_eq!(fresh.feed(b"a\nb\n").unwrap().lines, 2);
        assert_eq!(fresh.stats().unwrap().lines, 2);
    }
    // The embedded rule is unaffected too.
    assert_eq!(crate::component::wasm().metadata("", None).unwrap().technique, "T1588");
}

#[test]
fn the_component_sees_no_environment_files_network_or_clock() {
    let engine = hostile_engine();
    // The test process has PATH, CARGO_* and more: none may reach the guest.
    assert!(std::env::vars().count() > 0);
    let mut session = engine.open("probe", SessionOptions::default()).unwrap();
    let batch = session.feed(b"1\n2\n3\n4\n5\n6\n7\n8\n").unwrap();
    let seen: Vec<String> = batch.errors.iter().map(|e| e.reason.clone()).collect();
    let find = |prefix: &str| seen.iter().find(|r| r.starts_with(prefix)).unwrap_or_else(|| panic!("no {prefix} probe in {seen:?}")).clone();
    assert_eq!(find("env:"), "env: 0 variables []");
    assert_eq!(find("args:"), "args: []");
    assert!(find("fs:").starts_with("fs: denied"), "{seen:?}");
    assert!(find("file:").starts_with("file: denied"), "{seen:?}");
    assert!(find("net:").starts_with("net: denied"), "{seen:?}");
    assert_eq!(find("clock:"), "clock: 0");
}

#[test]
fn files_that_are_not_components_of_the_world_are_refused() {
    let dir = scratch("not-components");
    let text = dir.join("notes.wasm");
    std::fs::write(&text, "this is not wasm\n").unwrap();
    let core = dir.join("core.wasm");
    // The smallest valid core module: magic and version 1, no sections.
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    let other = hostile(true);
    let missing = dir.join("missing.wasm");
    let cases: [(&Path, &str); 4] = [
        (&text, "is not a WebAssembly file"),
        (&core, "is a core WebAssembly module, not a component"),
        (&other, "does not implement the aiwatch:rule/log-rule@0.1.0 world"),
        (&missing, "cannot read rule component"),
    ];
    for (rule, message) in cases {
        let out = aiwatch(&["scan", "--rule", rule.to_str().unwrap(), "-"], Some(b""));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", rule.display());
        assert!(stderr.contains(message) && stderr.contains(rule.to_str().unwrap()), "{}: {stderr}", rule.display());
        let info = aiwatch(&["info", "--rule", rule.to_str().unwrap()], None);
        assert_eq!(info.status.code(), Some(1), "info {}", rule.display());
    }
    // The library reports the same as typed errors.
    let err = LoadedRule::load_file(&other, limits(), &CachePolicy::Disabled).err().unwrap();
    assert!(matches!(err, LoadError::WrongWorld { .. }), "{err}");
}

#[test]
fn a_well_behaved_foreign_rule_runs_unchanged() {
    // The host loads any component of the world: the hostile crate in its
    // harmless mode scans, prints its own metadata, and its output goes
    // through the same renderers.
    let rule = hostile(false);
    let out = aiwatch(&["scan", "--rule", rule.to_str().unwrap(), "--config", mode_config("ok").to_str().unwrap(), "--output", "json", "-"], Some(b"a\nb\nc\n"));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["rule"]["id"], "hostile");
    assert_eq!(report["stats"]["lines"], 3);
}
