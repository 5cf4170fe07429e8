//! The one data path: bytes → lines → format detection → parser → event →
//! detection → verdict → aggregate. Every face of the rule drives a
//! [`Scanner`]; none re-implements a step.

use std::borrow::Cow;
use std::sync::Arc;

use crate::aggregate::Aggregate;
use crate::detect::Verdict;
use crate::event::{Event, FormatChoice};
use crate::formats::{LineParser, ParseError, Parsed, Skip};
use crate::lines::{Line, LineSplitter, DEFAULT_MAX_LINE};
use crate::report::{LineError, Report, StateError, STATE_VERSION};
use crate::rule::Rule;
use crate::stats::Stats;

/// What happened to one input line, handed to the caller's callback.
#[derive(Debug)]
pub enum Outcome<'a, 'r> {
    /// A line that holds no record.
    Skipped {
        /// 1-based line number.
        line: u64,
        /// Why it was skipped.
        skip: Skip,
    },
    /// A line that could not be parsed.
    Error {
        /// 1-based line number.
        line: u64,
        /// Why.
        error: &'a ParseError,
    },
    /// A parsed record and the rule's verdict on it.
    Event {
        /// The normalized event.
        event: &'a Event<'a>,
        /// The rule's verdict.
        verdict: &'a Verdict<'r>,
    },
}

/// Options for a [`Scanner`].
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Format detection.
    pub format: FormatChoice,
    /// Longest line kept (longer lines are errors).
    pub max_line: usize,
    /// Consult the multi-pattern prefilter before evaluating an event.
    /// Results are identical either way (the corpus test asserts it). Off by
    /// default: every line must be parsed anyway so that each is counted
    /// as parsed, skipped or error, and measured on Squid and ProxySG logs
    /// the prefilter's case-insensitive scan (~15 instructions per byte)
    /// costs more than the host lookup it would save (~300 instructions
    /// per line). Faces that need no accounting (the Fluent Bit filter)
    /// use [`Rule::is_candidate`] before parsing instead.
    pub prefilter: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions { format: FormatChoice::Auto, max_line: DEFAULT_MAX_LINE, prefilter: false }
    }
}

/// Runs the rule over a stream of byte chunks.
///
/// ```
/// use std::sync::Arc;
/// use aiwatch_rule::{Rule, Config, Scanner, ScanOptions};
/// let rule = Arc::new(Rule::new(&Config::default()).unwrap());
/// let mut scanner = Scanner::new(rule, ScanOptions::default());
/// let log = br#"{"src_ip":"10.0.0.5","user":"bob","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"OpenAI/Python 1.51.0","bytes_out":"812","_messageTime":1700000000000}
/// "#;
/// scanner.feed(log, |_| {});
/// scanner.finish(|_| {});
/// let report = scanner.report();
/// assert_eq!(report.stats.findings, 1);
/// assert_eq!(report.groups[0].user.as_deref(), Some("bob"));
/// ```
#[derive(Debug, Clone)]
pub struct Scanner {
    rule: Arc<Rule>,
    options: ScanOptions,
    splitter: LineSplitter,
    parser: LineParser,
    line_no: u64,
    stats: Stats,
    aggregate: Aggregate,
    errors: Vec<LineError>,
}

impl Scanner {
    /// A scanner for `rule`.
    pub fn new(rule: Arc<Rule>, options: ScanOptions) -> Scanner {
        Scanner {
            splitter: LineSplitter::new(options.max_line),
            parser: LineParser::new(options.format),
            aggregate: Aggregate::new(rule.max_groups),
            rule,
            options,
            line_no: 0,
            stats: Stats::default(),
            errors: Vec::new(),
        }
    }

    /// The rule this scanner runs.
    pub fn rule(&self) -> &Arc<Rule> {
        &self.rule
    }

    /// Feeds a chunk of input; `on_line` sees every line completed by it.
    pub fn feed(&mut self, chunk: &[u8], mut on_line: impl FnMut(Outcome<'_, '_>)) {
        let Scanner { splitter, .. } = self;
        // The splitter borrows itself mutably while emitting, so lines are
        // processed through a separate borrow of the other fields.
        let mut state = LineState { rule: &self.rule, options: self.options, parser: &mut self.parser, line_no: &mut self.line_no, stats: &mut self.stats, aggregate: &mut self.aggregate, errors: &mut self.errors };
        splitter.feed(chunk, |line| state.process(line, &mut on_line));
    }

    /// Ends the input: processes a final line that had no newline.
    pub fn finish(&mut self, mut on_line: impl FnMut(Outcome<'_, '_>)) {
        let Scanner { splitter, .. } = self;
        let mut state = LineState { rule: &self.rule, options: self.options, parser: &mut self.parser, line_no: &mut self.line_no, stats: &mut self.stats, aggregate: &mut self.aggregate, errors: &mut self.errors };
        splitter.finish(|line| state.process(line, &mut on_line));
    }

    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The aggregate so far.
    pub fn aggregate(&self) -> &Aggregate {
        &self.aggregate
    }

    /// Listed line errors so far.
    pub fn errors(&self) -> &[LineError] {
        &self.errors
    }

    /// The report of everything fed so far.
    pub fn report(&self) -> Report {
        let mut stats = self.stats.clone();
        stats.dropped_from_groups = self.aggregate.dropped();
        stats.update_notes();
        Report { state_version: None, rule: self.rule.metadata(), stats, groups: self.aggregate.sorted().into_iter().cloned().collect(), errors: self.errors.clone() }
    }

    /// The mergeable partial state (`--output state`).
    pub fn state(&self) -> Report {
        Report { state_version: Some(STATE_VERSION), ..self.report() }
    }

    /// Merges a state (or report) into this scanner's totals, as parallel
    /// scans and the component's `merge-state` do. [`Report::merge`] is the
    /// one merge implementation; this rebuilds the scanner from its result.
    pub fn merge(&mut self, other: &Report) -> Result<(), StateError> {
        let merged = Report::merge(&[self.state(), other.clone()], self.rule.max_groups, self.rule.max_errors_listed)?;
        self.aggregate = Aggregate::new(self.rule.max_groups);
        self.aggregate.merge_groups(&merged.groups, merged.stats.dropped_from_groups);
        self.stats = merged.stats;
        // While scanning, the aggregate owns the dropped count; report() copies it out.
        self.stats.dropped_from_groups = 0;
        self.errors = merged.errors;
        Ok(())
    }
}

struct LineState<'s> {
    rule: &'s Rule,
    options: ScanOptions,
    parser: &'s mut LineParser,
    line_no: &'s mut u64,
    stats: &'s mut Stats,
    aggregate: &'s mut Aggregate,
    errors: &'s mut Vec<LineError>,
}

impl LineState<'_> {
    fn process(&mut self, line: Line<'_>, on_line: &mut impl FnMut(Outcome<'_, '_>)) {
        *self.line_no += 1;
        let line_no = *self.line_no;
        self.stats.lines += 1;
        let bytes = match line {
            Line::Text(b) => b,
            Line::TooLong(n) => {
                let err = ParseError::TooLong { bytes: n, limit: self.options.max_line };
                return self.error(line_no, &err, on_line);
            }
        };
        // Invalid UTF-8 is replaced, never fatal: a hostile byte must not
        // hide the rest of the line. simdutf8 validates with SIMD natively
        // and with simd128 in the component, where std's check is scalar.
        let text: Cow<'_, str> = match simdutf8::basic::from_utf8(bytes) {
            Ok(valid) => Cow::Borrowed(valid),
            Err(_) => String::from_utf8_lossy(bytes),
        };
        match self.parser.parse(&text, line_no) {
            Ok(Parsed::Skipped(skip)) => {
                self.stats.skipped += 1;
                on_line(Outcome::Skipped { line: line_no, skip });
            }
            Ok(Parsed::Event(event)) => {
                self.stats.parsed += 1;
                let verdict = if !self.options.prefilter || self.rule.is_candidate(bytes) { self.rule.evaluate(&event) } else { Verdict::NotAiHost };
                self.count(&event, &verdict);
                on_line(Outcome::Event { event: &event, verdict: &verdict });
            }
            Err(err) => self.error(line_no, &err, on_line),
        }
    }

    fn error(&mut self, line: u64, err: &ParseError, on_line: &mut impl FnMut(Outcome<'_, '_>)) {
        self.stats.errors += 1;
        if self.errors.len() < self.rule.max_errors_listed {
            self.errors.push(LineError { line, reason: err.to_string() });
        }
        on_line(Outcome::Error { line, error: err });
    }

    fn count(&mut self, event: &Event<'_>, verdict: &Verdict<'_>) {
        let fs = self.stats.formats.entry(event.format).or_default();
        fs.parsed += 1;
        if matches!(verdict, Verdict::NotAiHost) {
            return;
        }
        fs.matched += 1;
        self.stats.matched += 1;
        match verdict {
            Verdict::NotAiHost => {}
            Verdict::OutOfScope => self.stats.out_of_scope += 1,
            Verdict::Browser => self.stats.browser += 1,
            Verdict::BelowMinScore(_) => self.stats.below_min_score += 1,
            Verdict::Allowlisted(_) => self.stats.allowlisted += 1,
            Verdict::Finding(f) => {
                fs.findings += 1;
                self.stats.findings += 1;
                self.aggregate.add(event, f);
            }
        }
    }
}
