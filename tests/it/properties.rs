//! Properties of the scanner that must hold for any input, checked with
//! proptest on arbitrary bytes and on corpus lines cut, mutated, split and
//! shuffled.

use std::sync::{Arc, OnceLock};

use aiwatch_rule::rule::{DEFAULT_MAX_ERRORS_LISTED, DEFAULT_MAX_GROUPS};
use aiwatch_rule::{FormatChoice, Outcome, Report, Rule, ScanOptions, Scanner, Verdict};
use aiwatch_tests::cases;
use proptest::prelude::*;

/// Every line of the corpus inputs, and the subset that parses the same
/// wherever it appears (no W3C `#Fields:` state carried from an earlier line).
struct Pool {
    all: Vec<Vec<u8>>,
    standalone: Vec<Vec<u8>>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let mut all = Vec::new();
        let mut standalone = Vec::new();
        for case in cases() {
            let bytes = std::fs::read(&case.input).expect("case input");
            let has_header = bytes.windows(8).any(|w| w == b"#Fields:");
            for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                all.push(line.to_vec());
                if !has_header {
                    standalone.push(line.to_vec());
                }
            }
        }
        assert!(standalone.len() > 100, "the corpus should provide plenty of lines");
        Pool { all, standalone }
    })
}

fn rule(seed: bool) -> Arc<Rule> {
    static RULES: OnceLock<(Arc<Rule>, Arc<Rule>)> = OnceLock::new();
    let (extended, seed_rule) = RULES.get_or_init(|| {
        (Arc::new(Rule::from_toml("").expect("default config")), Arc::new(Rule::from_toml("profile = \"seed\"").expect("seed config")))
    });
    if seed {
        seed_rule.clone()
    } else {
        extended.clone()
    }
}

const FORMAT_CHOICES: &[&str] = &["auto", "json", "squid", "squid-common", "squid-combined", "squid-extensive", "proxysg", "w3c", "wsa", "zscaler-json", "zscaler-kv"];

/// Scans `input` split at `cuts` (byte offsets, any order). Returns the
/// report and the findings as JSON text so results compare byte for byte.
fn scan(rule: Arc<Rule>, format: FormatChoice, input: &[u8], cuts: &[usize]) -> (Report, String) {
    let mut scanner = Scanner::new(rule.clone(), ScanOptions { format, ..ScanOptions::default() });
    let mut findings = String::new();
    let mut on_line = |o: Outcome<'_, '_>| {
        if let Outcome::Event { event, verdict: Verdict::Finding(f) } = o {
            findings.push_str(&serde_json::to_string(&aiwatch_rule::FindingRecord::new(&rule, event, f)).expect("finding serializes"));
            findings.push('\n');
        }
    };
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut start = 0;
    for cut in cuts.into_iter().chain([input.len()]) {
        scanner.feed(&input[start..cut], &mut on_line);
        start = cut;
    }
    scanner.finish(&mut on_line);
    (scanner.report(), findings)
}

/// Lines the splitter must report for `input`: one per `\n`, plus a final
/// unterminated one.
fn expected_lines(input: &[u8]) -> u64 {
    let newlines = input.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(input.last().is_some_and(|&b| b != b'\n'))
}

/// A corpus line with a few bytes inserted, deleted or overwritten: close
/// enough to real records to reach deep into the parsers, wrong enough to
/// hit their edges.
fn mutated_line() -> impl Strategy<Value = Vec<u8>> {
    (any::<prop::sample::Index>(), prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 0..6)).prop_map(|(pick, edits)| {
        let mut line = pick.get(&pool().all).clone();
        for (at, op, byte) in edits {
            let i = if line.is_empty() { 0 } else { at.index(line.len()) };
            match op {
                0 => line.insert(i, byte),
                1 if !line.is_empty() => {
                    line.remove(i);
                }
                _ if !line.is_empty() => line[i] = byte,
                _ => line.push(byte),
            }
        }
        line
    })
}

/// Several lines of input: corpus lines (some mutated) and raw bytes, with
/// LF or CRLF line ends.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        3 => any::<prop::sample::Index>().prop_map(|i| i.get(&pool().all).clone()),
        2 => mutated_line(),
        1 => prop::collection::vec(any::<u8>(), 0..200),
    ];
    (prop::collection::vec((line, any::<bool>()), 0..24), any::<bool>()).prop_map(|(lines, trailing)| {
        let mut out = Vec::new();
        for (i, (l, crlf)) in lines.iter().enumerate() {
            out.extend_from_slice(l);
            if i + 1 < lines.len() || trailing {
                out.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
            }
        }
        out
    })
}

/// Self-contained corpus lines (parse the same anywhere), for the
/// aggregation properties.
fn standalone_lines() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(any::<prop::sample::Index>().prop_map(|i| i.get(&pool().standalone).clone()), 1..40)
}

fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn parsing_never_panics_and_accounts_for_every_line(
        bytes in prop_oneof![prop::collection::vec(any::<u8>(), 0..2048), input()],
        format in prop::sample::select(FORMAT_CHOICES),
        seed in any::<bool>(),
    ) {
        let (report, findings) = scan(rule(seed), format.parse().expect("format name"), &bytes, &[]);
        let s = &report.stats;
        prop_assert_eq!(s.parsed + s.skipped + s.errors, s.lines);
        prop_assert_eq!(s.lines, expected_lines(&bytes));
        prop_assert_eq!(findings.lines().count() as u64, s.findings);
        prop_assert!(s.findings <= s.matched && s.matched <= s.parsed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn results_do_not_depend_on_how_input_is_split(
        bytes in input(),
        cuts in prop::collection::vec(any::<usize>(), 1..12),
        seed in any::<bool>(),
    ) {
        let whole = scan(rule(seed), FormatChoice::Auto, &bytes, &[]);
        let split = scan(rule(seed), FormatChoice::Auto, &bytes, &cuts);
        prop_assert_eq!(whole.0.to_json(), split.0.to_json());
        prop_assert_eq!(whole.1, split.1);
    }

    #[test]
    fn merging_the_states_of_two_halves_equals_scanning_the_whole(
        lines in standalone_lines(),
        at in any::<prop::sample::Index>(),
        seed in any::<bool>(),
    ) {
        let at = at.index(lines.len() + 1);
        let whole = scan(rule(seed), FormatChoice::Auto, &join(&lines), &[]).0;
        // States travel between machines as JSON, so the merge reads them back from text.
        let state = |part: &[Vec<u8>]| {
            let mut scanner = Scanner::new(rule(seed), ScanOptions::default());
            scanner.feed(&join(part), |_| {});
            scanner.finish(|_| {});
            Report::from_state_json(&scanner.state().to_json()).expect("a state reads back")
        };
        let merged = Report::merge(&[state(&lines[..at]), state(&lines[at..])], DEFAULT_MAX_GROUPS, DEFAULT_MAX_ERRORS_LISTED).expect("states merge");
        prop_assert_eq!(&merged.stats, &whole.stats);
        prop_assert_eq!(&merged.groups, &whole.groups);
        prop_assert_eq!(&merged.rule, &whole.rule);
        // Error line numbers stay relative to each part; their reasons do not change.
        let reasons = |r: &Report| { let mut v: Vec<String> = r.errors.iter().map(|e| e.reason.clone()).collect(); v.sort(); v };
        prop_assert_eq!(reasons(&merged), reasons(&whole));
    }

    #[test]
    fn aggregation_does_not_depend_on_line_order(
        (lines, shuffled) in standalone_lines().prop_flat_map(|l| (Just(l.clone()), Just(l).prop_shuffle())),
        seed in any::<bool>(),
    ) {
        let a = scan(rule(seed), FormatChoice::Auto, &join(&lines), &[]).0;
        let b = scan(rule(seed), FormatChoice::Auto, &join(&shuffled), &[]).0;
        prop_assert_eq!(&a.groups, &b.groups);
        prop_assert_eq!(&a.stats, &b.stats);
    }
}
