//! The session behind the `log-rule` world, in library types.
//!
//! The component's WIT glue and the host's native engine both drive this
//! one adapter, so the two engines differ only in the WIT conversions, and
//! a test that compares their output byte for byte checks exactly those.

use std::sync::Arc;

use aiwatch_rule::lines::DEFAULT_MAX_LINE;
use aiwatch_rule::{Config, ConfigError, EventRecord, FindingRecord, FormatChoice, Group, LineError, Metadata, Outcome, Profile, Report, Rule, ScanOptions, Scanner, StateError, Stats, Verdict};

/// What a session returns per line (the WIT `mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Only newly listed line errors; events are aggregated silently.
    #[default]
    Aggregate,
    /// Every finding, plus newly listed line errors.
    Findings,
    /// One [`LineOutcome`] per line.
    Parse,
}

/// Options of a session (the WIT `session-options`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionOptions {
    /// Line format recognition.
    pub format: FormatChoice,
    /// What batches carry.
    pub mode: Mode,
    /// Longest line kept; 0 means [`DEFAULT_MAX_LINE`].
    pub max_line: usize,
    /// Overrides the config's profile.
    pub profile: Option<Profile>,
}

/// What happened to one line, in `parse` mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome {
    /// No record on the line.
    Skipped {
        /// 1-based line number.
        line: u64,
        /// `blank line`, `comment` or `header`.
        reason: String,
    },
    /// The line could not be parsed.
    Error(LineError),
    /// The parsed record.
    Event(EventRecord),
}

/// What one `feed` or `finish` produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Lines completed by the call.
    pub lines: u64,
    /// Findings (findings mode).
    pub findings: Vec<FindingRecord>,
    /// Line errors newly listed by the scanner (aggregate and findings modes).
    pub errors: Vec<LineError>,
    /// Every line's outcome (parse mode).
    pub outcomes: Vec<LineOutcome>,
}

/// The rule under `config` with `profile` overriding the config's.
pub fn rule(config: &str, profile: Option<Profile>) -> Result<Rule, ConfigError> {
    let mut config = Config::from_toml(config)?;
    if let Some(p) = profile {
        config.profile = Some(p);
    }
    Rule::new(&config)
}

/// The rule's metadata under `config` and `profile`.
pub fn metadata(config: &str, profile: Option<Profile>) -> Result<Metadata, ConfigError> {
    rule(config, profile).map(|r| r.metadata())
}

/// One scan of one input stream.
#[derive(Debug, Clone)]
pub struct Session {
    scanner: Scanner,
    mode: Mode,
}

impl Session {
    /// Validates the config and opens a session.
    pub fn open(config: &str, options: SessionOptions) -> Result<Session, ConfigError> {
        let rule = Arc::new(rule(config, options.profile)?);
        let max_line = if options.max_line == 0 { DEFAULT_MAX_LINE } else { options.max_line };
        let scanner = Scanner::new(rule, ScanOptions { format: options.format, max_line, ..ScanOptions::default() });
        Ok(Session { scanner, mode: options.mode })
    }

    /// The rule this session runs.
    pub fn rule(&self) -> &Rule {
        self.scanner.rule()
    }

    /// Processes the next chunk.
    pub fn feed(&mut self, chunk: &[u8]) -> Batch {
        self.run(|scanner, on_line| scanner.feed(chunk, on_line))
    }

    /// Ends the input.
    pub fn finish(&mut self) -> Batch {
        self.run(|scanner, on_line| scanner.finish(on_line))
    }

    fn run(&mut self, step: impl FnOnce(&mut Scanner, &mut dyn FnMut(Outcome<'_, '_>))) -> Batch {
        let lines_before = self.scanner.stats().lines;
        let errors_before = self.scanner.errors().len();
        let mut batch = Batch::default();
        let rule = Arc::clone(self.scanner.rule());
        match self.mode {
            Mode::Aggregate => step(&mut self.scanner, &mut |_| {}),
            Mode::Findings => step(&mut self.scanner, &mut |o| {
                if let Outcome::Event { event, verdict: Verdict::Finding(f) } = o {
                    batch.findings.push(FindingRecord::new(&rule, event, f));
                }
            }),
            Mode::Parse => step(&mut self.scanner, &mut |o| {
                batch.outcomes.push(match o {
                    Outcome::Skipped { line, skip } => LineOutcome::Skipped { line, reason: skip.reason().to_string() },
                    Outcome::Error { line, error } => LineOutcome::Error(LineError { line, reason: error.to_string() }),
                    Outcome::Event { event, .. } => LineOutcome::Event(EventRecord::from(event)),
                })
            }),
        }
        if self.mode != Mode::Parse {
            // Only errors the scanner lists (up to limits.max_errors_listed)
            // cross the boundary: a garbage input must not make every batch
            // as large as its chunk.
            batch.errors = self.scanner.errors().get(errors_before..).unwrap_or_default().to_vec();
        }
        batch.lines = self.scanner.stats().lines - lines_before;
        batch
    }

    /// The report of everything so far.
    pub fn report(&self) -> Report {
        self.scanner.report()
    }

    /// Counters so far, as the report shows them.
    pub fn stats(&self) -> Stats {
        self.scanner.report().stats
    }

    /// The aggregate so far, in report order.
    pub fn groups(&self) -> Vec<Group> {
        self.scanner.aggregate().sorted().into_iter().cloned().collect()
    }

    /// Line errors listed so far.
    pub fn errors(&self) -> Vec<LineError> {
        self.scanner.errors().to_vec()
    }

    /// The mergeable state as JSON text (`--output state`).
    pub fn export_state(&self) -> String {
        self.scanner.state().to_json()
    }

    /// Merges a state exported by another session of the same rule.
    pub fn merge_state(&mut self, state: &str) -> Result<(), StateError> {
        let other = Report::from_state_json(state)?;
        self.scanner.merge(&other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMO: &[u8] = br#"{"src_ip":"10.0.0.5","user":"bob","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"OpenAI/Python 1.51.0","bytes_out":"812","_messageTime":1700000000000}"#;

    fn open(mode: Mode) -> Session {
        Session::open("", SessionOptions { mode, ..SessionOptions::default() }).unwrap()
    }

    #[test]
    fn findings_mode_reports_each_finding_once_across_chunk_splits() {
        let mut s = open(Mode::Findings);
        let mut input = SUMO.to_vec();
        input.extend_from_slice(b"\nnot a log line\n");
        input.extend_from_slice(SUMO);
        let (a, b) = input.split_at(SUMO.len() / 2);
        let mut batches = vec![s.feed(a), s.feed(b), s.finish()];
        assert_eq!(batches.iter().map(|b| b.lines).collect::<Vec<_>>(), [0, 2, 1]);
        let findings: Vec<_> = batches.iter_mut().flat_map(|b| b.findings.drain(..)).collect();
        assert_eq!(findings.iter().map(|f| f.event.line).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(batches[1].errors, [LineError { line: 2, reason: s.errors()[0].reason.clone() }]);
        assert!(batches.iter().all(|b| b.outcomes.is_empty()));
    }

    #[test]
    fn aggregate_mode_returns_no_findings_but_the_same_report() {
        let mut a = open(Mode::Aggregate);
        let mut f = open(Mode::Findings);
        for s in [&mut a, &mut f] {
            s.feed(SUMO);
            s.finish();
        }
        assert_eq!(a.report(), f.report());
        assert_eq!(a.groups().len(), 1);
        assert!(a.feed(SUMO).findings.is_empty());
    }

    #[test]
    fn parse_mode_has_one_outcome_per_line() {
        let mut s = open(Mode::Parse);
        let mut batch = s.feed(b"# comment\n\ngarbage\n");
        batch.outcomes.extend(s.feed(SUMO).outcomes);
        batch.outcomes.extend(s.finish().outcomes);
        let kinds: Vec<_> = batch
            .outcomes
            .iter()
            .map(|o| match o {
                LineOutcome::Skipped { line, reason } => format!("{line}:{reason}"),
                LineOutcome::Error(e) => format!("{}:error", e.line),
                LineOutcome::Event(e) => format!("{}:{}", e.line, e.format),
            })
            .collect();
        assert_eq!(kinds, ["1:comment", "2:blank line", "3:error", "4:sumo-json"]);
    }

    #[test]
    fn profile_option_overrides_the_config() {
        let s = Session::open("profile = \"extended\"", SessionOptions { profile: Some(Profile::Seed), ..SessionOptions::default() }).unwrap();
        assert_eq!(s.rule().profile(), Profile::Seed);
        assert_eq!(metadata("", Some(Profile::Seed)).unwrap().profile, "seed");
    }

    #[test]
    fn config_errors_are_values() {
        let err = Session::open("min_score = 9", SessionOptions::default()).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { ref key, .. } if key == "min_score"), "{err}");
    }

    #[test]
    fn exported_state_merges_into_a_fresh_session() {
        let mut a = open(Mode::Aggregate);
        a.feed(SUMO);
        a.finish();
        let mut b = open(Mode::Aggregate);
        b.merge_state(&a.export_state()).unwrap();
        b.merge_state(&a.export_state()).unwrap();
        assert_eq!(b.groups()[0].requests, 2);
        assert_eq!(b.stats().lines, 2);
        assert!(b.merge_state("{}").is_err());
    }

    #[test]
    fn max_line_zero_means_the_default() {
        let mut s = Session::open("", SessionOptions { max_line: 8, mode: Mode::Parse, ..SessionOptions::default() }).unwrap();
        let batch = s.feed(b"0123456789\n");
        assert!(matches!(&batch.outcomes[0], LineOutcome::Error(e) if e.reason.contains("limit")));
        let mut s = open(Mode::Parse);
        assert!(matches!(s.feed(b"0123456789\n").outcomes[0], LineOutcome::Error(ref e) if !e.reason.contains("limit")));
    }
}
