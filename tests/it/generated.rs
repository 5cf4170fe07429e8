//! Logs from the generator (`testdata/generator`) in every format it
//! writes, through the native library: the multi-pattern prefilter and the
//! chunk size must not change a single byte of the results, and realistic
//! traffic must parse without errors and yield findings.
//!
//! The corpus test (`corpus.rs`) asserts the same invariance on every
//! hand-written case; these logs add volume and variety (thousands of
//! lines, every provider of the traffic model, both profiles).

use std::sync::Arc;

use aiwatch_loggen::{generate, Format as GenFormat, Params};
use aiwatch_rule::{Config, FormatChoice, Profile, Rule};
use aiwatch_tests::scan_native;

/// 600 to 2,000 lines per format (JSON lines are longer); 5% AI traffic so
/// every provider appears.
fn generated(format: GenFormat) -> Vec<u8> {
    let mut log = Vec::new();
    generate(&Params { format, size: 512 << 10, ai_share: 0.05, seed: 11 }, &mut log).expect("generate");
    log
}

fn rule(profile: Profile) -> Arc<Rule> {
    let config = Config { profile: Some(profile), ..Config::default() };
    Arc::new(Rule::new(&config).expect("default rule"))
}

fn stat(report: &str, name: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(report).expect("report is JSON");
    v["stats"][name].as_u64().unwrap_or_else(|| panic!("stats.{name} in {report}"))
}

#[test]
fn prefilter_and_chunking_do_not_change_results_on_generated_logs() {
    let mut failures = Vec::new();
    for profile in [Profile::Extended, Profile::Seed] {
        let rule = rule(profile);
        for format in GenFormat::ALL {
            let name = format!("{} ({profile:?})", format.name());
            let log = generated(format);
            let plain = scan_native(&rule, FormatChoice::Auto, &log, usize::MAX, false);
            if scan_native(&rule, FormatChoice::Auto, &log, usize::MAX, true) != plain {
                failures.push(format!("{name}: the prefilter changes the results"));
            }
            if scan_native(&rule, FormatChoice::Auto, &log, 4093, true) != plain {
                failures.push(format!("{name}: 4093-byte chunks with the prefilter change the results"));
            }
            let report = &plain.0;
            let (lines, parsed, skipped, errors) = (stat(report, "lines"), stat(report, "parsed"), stat(report, "skipped"), stat(report, "errors"));
            if errors != 0 || parsed + skipped != lines || parsed < 500 {
                failures.push(format!("{name}: {lines} lines, {parsed} parsed, {skipped} skipped, {errors} errors"));
            }
            // The seed profile knows fewer hosts and needs more signals, but
            // the SDK traffic to api.openai.com fires in both.
            if stat(report, "findings") == 0 || plain.1.is_empty() {
                failures.push(format!("{name}: no findings in {} AI-heavy lines", lines));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
