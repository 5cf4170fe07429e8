//! Shared helpers for the workspace-level tests: the golden corpus under
//! `testdata/` and how every face of the rule is run on it.
//!
//! A case is one input file anywhere under `testdata/` (extensions `log`,
//! `json`, `ndjson`, `txt`, `w3c`). Its first lines may carry directives as
//! comments, which every parser skips like any other comment line:
//!
//! ```text
//! # case: what this case shows, in one sentence
//! # options: --profile seed --format squid-common
//! ```
//!
//! Only `--profile` and `--format` may appear in `options`. A third
//! directive states what the results must show, whatever the goldens say,
//! so a wrong golden cannot be blessed unnoticed:
//!
//! ```text
//! # expect: findings>=2 allowlisted=0 signals=api_endpoint,post
//! ```
//!
//! Each word is `COUNTER=N`, `COUNTER>=N` or `COUNTER<=N`, where COUNTER is
//! any number in the report's `stats` (`findings`, `allowlisted`, `errors`,
//! `matched`, `browser`, ...), or `signals=a,b`: at least one finding fired
//! all of those signals (see [`Expectation`]).
//!
//! A `NAME.toml` beside the input (the input's name with its last extension
//! replaced, e.g. `x.sumo.json` → `x.sumo.toml`) is the case's `--config`. The golden outputs beside it
//! are `NAME.expected.json` (`aiwatch scan --output json`) and
//! `NAME.findings.ndjson` (`aiwatch scan --findings --output ndjson`). They
//! are written by the native run with `BLESS=1` and reviewed in the diff,
//! never edited by hand.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aiwatch_rule::{Config, FindingRecord, FormatChoice, Outcome, Profile, Rule, ScanOptions, Scanner, Verdict};

/// Input file extensions that make a case.
pub const CASE_EXTENSIONS: &[&str] = &["log", "json", "ndjson", "txt", "w3c"];

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// One golden case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Path relative to the workspace root, with `/` separators (a stable name).
    pub name: String,
    /// The input file.
    pub input: PathBuf,
    /// `--profile` from the directives, if any.
    pub profile: Option<Profile>,
    /// `--format` from the directives (default auto).
    pub format: FormatChoice,
    /// The `NAME.toml` config beside the input, if present.
    pub config: Option<PathBuf>,
}

impl Case {
    /// Reads a case's directives.
    pub fn load(input: &Path) -> Case {
        let root = workspace_root();
        let name = input.strip_prefix(&root).unwrap_or(input).to_string_lossy().replace('\\', "/");
        let text = std::fs::read(input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        let text = String::from_utf8_lossy(&text);
        let mut profile = None;
        let mut format = FormatChoice::Auto;
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            let Some(opts) = line.strip_prefix("# options:") else { continue };
            let words: Vec<&str> = opts.split_whitespace().collect();
            for pair in words.chunks(2) {
                match pair {
                    ["--profile", p] => profile = Some(p.parse().unwrap_or_else(|e| panic!("{name}: {e}"))),
                    ["--format", f] => format = f.parse().unwrap_or_else(|e| panic!("{name}: {e}")),
                    other => panic!("{name}: unsupported option {other:?} (only --profile and --format)"),
                }
            }
        }
        let config = Some(input.with_extension("toml")).filter(|p| p.exists());
        Case { name, input: input.to_path_buf(), profile, format, config }
    }

    /// The CLI arguments after `aiwatch scan` that reproduce this case
    /// (without `--output` and the input path).
    pub fn cli_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(p) = self.profile {
            args.extend(["--profile".to_string(), p.name().to_string()]);
        }
        if self.format != FormatChoice::Auto {
            args.extend(["--format".to_string(), self.format.to_string()]);
        }
        if let Some(c) = &self.config {
            args.extend(["--config".to_string(), c.to_string_lossy().into_owned()]);
        }
        args
    }

    /// The config text (empty when the case has none).
    pub fn config_text(&self) -> String {
        self.config.as_ref().map(|p| std::fs::read_to_string(p).expect("case config")).unwrap_or_default()
    }

    /// The rule this case runs: its config with `--profile` applied.
    pub fn rule(&self) -> Rule {
        let mut config = Config::from_toml(&self.config_text()).unwrap_or_else(|e| panic!("{}: {e}", self.name));
        if let Some(p) = self.profile {
            config.profile = Some(p);
        }
        Rule::new(&config).unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    /// Path of a golden file beside the input, e.g. `expected.json`.
    pub fn golden(&self, suffix: &str) -> PathBuf {
        let stem = self.input.file_stem().expect("case file name").to_string_lossy();
        self.input.with_file_name(format!("{stem}.{suffix}"))
    }

    /// Runs the case natively through the library, feeding the input in
    /// chunks of `chunk` bytes. Returns (report JSON, findings NDJSON).
    pub fn run_native(&self, chunk: usize, prefilter: bool) -> (String, String) {
        self.run_native_with(Arc::new(self.rule()), chunk, prefilter)
    }

    /// [`Case::run_native`] with an already compiled [`Case::rule`], for
    /// tests that run one case many ways (compiling the rule dominates the
    /// cost of a small case).
    pub fn run_native_with(&self, rule: Arc<Rule>, chunk: usize, prefilter: bool) -> (String, String) {
        let input = std::fs::read(&self.input).expect("case input");
        scan_native(&rule, self.format, &input, chunk, prefilter)
    }
}

/// Scans `input` natively through the library, fed in chunks of `chunk`
/// bytes. Returns (report JSON, findings NDJSON): everything a run shows.
pub fn scan_native(rule: &Arc<Rule>, format: FormatChoice, input: &[u8], chunk: usize, prefilter: bool) -> (String, String) {
    let mut scanner = Scanner::new(rule.clone(), ScanOptions { format, prefilter, ..ScanOptions::default() });
    let mut findings = String::new();
    let mut on_line = |o: Outcome<'_, '_>| {
        if let Outcome::Event { event, verdict: Verdict::Finding(f) } = o {
            findings.push_str(&serde_json::to_string(&FindingRecord::new(rule, event, f)).expect("finding serializes"));
            findings.push('\n');
        }
    };
    for part in input.chunks(chunk.max(1)) {
        scanner.feed(part, &mut on_line);
    }
    scanner.finish(&mut on_line);
    (scanner.report().to_json(), findings)
}

/// Every case under `testdata/`, sorted by name.
pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut stack = vec![workspace_root().join("testdata")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| CASE_EXTENSIONS.contains(&e)) && !is_golden(&path) {
                out.push(Case::load(&path));
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Whether `path` is a golden output (`NAME.expected.json`,
/// `NAME.findings.ndjson`) rather than a case input.
pub fn is_golden(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    name.ends_with(".expected.json") || name.ends_with(".findings.ndjson")
}

/// How an [`Expectation`] compares a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// Exactly.
    Eq,
    /// At least.
    AtLeast,
    /// At most.
    AtMost,
}

/// One word of a case's `# expect:` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// A counter of the report's `stats` compared with a number.
    Count {
        /// The `stats` key, e.g. `findings`.
        counter: String,
        /// How to compare.
        cmp: Cmp,
        /// The number to compare with.
        value: u64,
    },
    /// At least one finding fired every one of these signals.
    Signals(Vec<String>),
}

impl Expectation {
    /// Parses one word of the directive, e.g. `findings>=2` or `signals=post`.
    pub fn parse(word: &str) -> Result<Expectation, String> {
        if let Some(list) = word.strip_prefix("signals=") {
            let signals: Vec<String> = list.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect();
            if signals.is_empty() {
                return Err(format!("{word:?}: no signal named"));
            }
            return Ok(Expectation::Signals(signals));
        }
        let (counter, cmp, value) = if let Some((k, v)) = word.split_once(">=") {
            (k, Cmp::AtLeast, v)
        } else if let Some((k, v)) = word.split_once("<=") {
            (k, Cmp::AtMost, v)
        } else if let Some((k, v)) = word.split_once('=') {
            (k, Cmp::Eq, v)
        } else {
            return Err(format!("{word:?}: expected COUNTER=N, COUNTER>=N, COUNTER<=N or signals=a,b"));
        };
        let value = value.parse().map_err(|_| format!("{word:?}: {value:?} is not a count"))?;
        if counter.is_empty() {
            return Err(format!("{word:?}: no counter named"));
        }
        Ok(Expectation::Count { counter: counter.to_string(), cmp, value })
    }

    /// Checks the expectation against a run's outputs (the report JSON and
    /// the findings NDJSON, as any face produces them). Returns what is wrong.
    pub fn check(&self, report_json: &str, findings_ndjson: &str) -> Result<(), String> {
        match self {
            Expectation::Count { counter, cmp, value } => {
                let report: serde_json::Value = serde_json::from_str(report_json).map_err(|e| format!("report is not JSON: {e}"))?;
                let actual = report["stats"][counter.as_str()].as_u64().ok_or_else(|| format!("stats has no counter {counter:?}"))?;
                let ok = match cmp {
                    Cmp::Eq => actual == *value,
                    Cmp::AtLeast => actual >= *value,
                    Cmp::AtMost => actual <= *value,
                };
                let op = match cmp {
                    Cmp::Eq => "=",
                    Cmp::AtLeast => ">=",
                    Cmp::AtMost => "<=",
                };
                if ok {
                    Ok(())
                } else {
                    Err(format!("expected {counter}{op}{value}, got {actual}"))
                }
            }
            Expectation::Signals(wanted) => {
                let mut seen = Vec::new();
                for line in findings_ndjson.lines() {
                    let finding: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("finding is not JSON: {e}"))?;
                    let fired: Vec<&str> = finding["signals"].as_array().into_iter().flatten().filter_map(|s| s.as_str()).collect();
                    if wanted.iter().all(|w| fired.contains(&w.as_str())) {
                        return Ok(());
                    }
                    seen.push(fired.join(","));
                }
                seen.sort();
                seen.dedup();
                Err(format!("expected a finding with signals {}, findings had: [{}]", wanted.join(","), seen.join("] [")))
            }
        }
    }
}

impl Case {
    /// The `# expect:` directives of this case (empty when it has none).
    pub fn expectations(&self) -> Vec<Expectation> {
        let text = std::fs::read(&self.input).unwrap_or_else(|e| panic!("{}: {e}", self.input.display()));
        let text = String::from_utf8_lossy(&text);
        text.lines()
            .take_while(|l| l.starts_with('#'))
            .filter_map(|l| l.strip_prefix("# expect:"))
            .flat_map(|words| words.split_whitespace().map(|w| Expectation::parse(w).unwrap_or_else(|e| panic!("{}: # expect: {e}", self.name))).collect::<Vec<_>>())
            .collect()
    }
}

/// Whether goldens are being regenerated (`BLESS=1`).
pub fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v != "0")
}

/// Compares `actual` with the golden file, or writes it when blessing.
/// Returns a description of the difference, if any.
pub fn check_golden(path: &Path, actual: &str) -> Result<(), String> {
    if blessing() {
        std::fs::write(path, actual).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).map_err(|e| format!("{}: {e} (run with BLESS=1 to create it)", path.display()))?;
    if expected == actual {
        return Ok(());
    }
    let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Err(format!(
        "{} differs at line {}:\n  expected: {}\n  actual:   {}\n(run with BLESS=1 to accept, then review the diff)",
        path.display(),
        first + 1,
        expected.lines().nth(first).unwrap_or("<end>"),
        actual.lines().nth(first).unwrap_or("<end>")
    ))
}
