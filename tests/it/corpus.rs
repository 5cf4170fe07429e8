//! Every testdata case through the native library equals its golden output.
//!
//! Regenerate the goldens with `BLESS=1 cargo test -p aiwatch-tests --test it
//! corpus`, then review the diff: a golden is only as right as its review.
//! The `# expect:` directives and the folder rules below hold whatever the
//! goldens say, so a wrong result cannot be blessed without a test failing.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use aiwatch_rule::{Format, Profile, Rule};
use aiwatch_tests::{cases, check_golden, is_golden, workspace_root, Case, Expectation};

/// A case and its results when run whole, as one chunk, with the prefilter
/// on (the default path).
struct Run {
    case: Case,
    rule: Arc<Rule>,
    report: String,
    findings: String,
}

/// Every case, run once and shared by the tests below. Compiling a rule
/// costs more than scanning a small case, and most cases share a config, so
/// each distinct (config, profile) is compiled once.
fn runs() -> &'static [Run] {
    static RUNS: OnceLock<Vec<Run>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let mut rules: HashMap<(String, Option<Profile>), Arc<Rule>> = HashMap::new();
        cases()
            .into_iter()
            .map(|case| {
                let rule = rules.entry((case.config_text(), case.profile)).or_insert_with(|| Arc::new(case.rule())).clone();
                let (report, findings) = case.run_native_with(rule.clone(), usize::MAX, true);
                Run { case, rule, report, findings }
            })
            .collect()
    })
}

fn stats(report_json: &str) -> serde_json::Value {
    let report: serde_json::Value = serde_json::from_str(report_json).expect("the report is JSON");
    report["stats"].clone()
}

fn counter(stats: &serde_json::Value, key: &str) -> u64 {
    stats[key].as_u64().unwrap_or_else(|| panic!("stats.{key} is not a count: {stats}"))
}

/// Fails with every collected problem at once, so one run shows them all.
fn report_failures(what: &str, failures: Vec<String>) {
    assert!(failures.is_empty(), "{what}: {} problem(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn every_case_matches_its_goldens_and_expectations() {
    let runs = runs();
    assert!(runs.len() >= 50, "the corpus has only {} cases; is testdata/ missing?", runs.len());
    let mut failures = Vec::new();
    for Run { case, report, findings, .. } in runs {
        let (report, findings) = (report.as_str(), findings.as_str());
        for (suffix, actual) in [("expected.json", report), ("findings.ndjson", findings)] {
            if let Err(e) = check_golden(&case.golden(suffix), actual) {
                failures.push(format!("{}: {e}", case.name));
            }
        }

        let st = stats(report);
        let (lines, parsed, skipped, errors) = (counter(&st, "lines"), counter(&st, "parsed"), counter(&st, "skipped"), counter(&st, "errors"));
        if parsed + skipped + errors != lines {
            failures.push(format!("{}: parsed {parsed} + skipped {skipped} + errors {errors} != lines {lines}", case.name));
        }
        let finding_lines = findings.lines().count() as u64;
        if finding_lines != counter(&st, "findings") {
            failures.push(format!("{}: {finding_lines} findings listed but stats.findings is {}", case.name, counter(&st, "findings")));
        }

        let expectations = case.expectations();
        for e in &expectations {
            if let Err(why) = e.check(report, findings) {
                failures.push(format!("{}: # expect: {why}", case.name));
            }
        }

        // Folder rules: what each part of the corpus exists to show.
        if case.name.starts_with("testdata/scenarios/") {
            let has_signals = expectations.iter().any(|e| matches!(e, Expectation::Signals(_)));
            if !has_signals || counter(&st, "findings") == 0 {
                failures.push(format!("{}: a scenario must be flagged and name its signals in `# expect: signals=...`", case.name));
            }
        }
        if case.name.starts_with("testdata/benign/") && counter(&st, "findings") != 0 {
            failures.push(format!("{}: benign traffic raised {} finding(s):\n{findings}", case.name, counter(&st, "findings")));
        }
    }
    report_failures("corpus goldens", failures);
}

#[test]
fn results_do_not_depend_on_chunking_or_the_prefilter() {
    let mut failures = Vec::new();
    for Run { case, rule, report, findings } in runs() {
        let whole = (report.clone(), findings.clone());
        for chunk in [1, 7, 4096] {
            if case.run_native_with(rule.clone(), chunk, true) != whole {
                failures.push(format!("{}: feeding {chunk}-byte chunks changes the results", case.name));
            }
        }
        if case.run_native_with(rule.clone(), usize::MAX, false) != whole {
            failures.push(format!("{}: turning the prefilter off changes the results", case.name));
        }
    }
    report_failures("chunking and prefilter", failures);
}

#[test]
fn every_format_has_a_case() {
    let mut seen = BTreeSet::new();
    for run in runs() {
        if let Some(formats) = stats(&run.report)["formats"].as_object() {
            seen.extend(formats.iter().filter(|(_, s)| s["parsed"].as_u64().unwrap_or(0) > 0).map(|(name, _)| name.clone()));
        }
    }
    let missing: Vec<&str> = Format::ALL.iter().map(|f| f.name()).filter(|name| !seen.contains(*name)).collect();
    assert!(missing.is_empty(), "no testdata case parses any line as: {missing:?}");
}

#[test]
fn every_golden_and_config_belongs_to_a_case() {
    let inputs: BTreeSet<_> = runs().iter().map(|r| r.case.input.clone()).collect();
    let mut orphans = Vec::new();
    let mut stack = vec![workspace_root().join("testdata")];
    while let Some(dir) = stack.pop() {
        // A crate under testdata/ (the traffic generator) is code, not corpus.
        if dir.join("Cargo.toml").exists() {
            continue;
        }
        for entry in std::fs::read_dir(&dir).expect("testdata is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.file_name().expect("file name").to_string_lossy().into_owned();
            let owner = if is_golden(&path) {
                Some(name.trim_end_matches(".expected.json").trim_end_matches(".findings.ndjson"))
            } else {
                name.strip_suffix(".toml")
            };
            let Some(stem) = owner else { continue };
            let has_case = inputs.iter().any(|input| input.parent() == path.parent() && belongs(input, stem));
            if !has_case {
                orphans.push(path.strip_prefix(workspace_root()).unwrap_or(&path).display().to_string());
            }
        }
    }
    assert!(orphans.is_empty(), "files with no case input beside them (renamed or deleted cases?): {orphans:?}");
}

/// Whether `input` is the case whose goldens and config are named after `stem`.
fn belongs(input: &Path, stem: &str) -> bool {
    input.file_stem().is_some_and(|s| s.to_string_lossy() == stem)
}
