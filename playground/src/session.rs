//! One scan of the pasted input, run in slices so the browser stays
//! responsive: the page feeds a bounded number of bytes, yields to the event
//! loop, and feeds more until the input is used up.
//!
//! Besides the [`Report`] (what `aiwatch scan --output json` prints), a
//! session keeps what only an interactive view needs: the fate of every line
//! (for the per-line format gutter and the line inspector) and the findings
//! as `scan --findings` prints them.

use std::sync::Arc;

use aiwatch_rule::{FindingRecord, Format, FormatChoice, Outcome, Report, Rule, ScanOptions, Scanner, Skip, Verdict};

/// Most findings kept for the findings table and the NDJSON export. Every
/// finding is still counted and aggregated; only the per-event list stops.
pub const MAX_FINDINGS_KEPT: usize = 50_000;

/// What the rule decided about an event, without the borrowed details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictKind {
    /// The destination is not an AI API host.
    NotAiHost,
    /// The record's `_sourceCategory` is not a proxy source.
    OutOfScope,
    /// A browser made the request.
    Browser,
    /// The score was below `min_score`.
    BelowMinScore(u8),
    /// A finding suppressed by the allowlist.
    Allowlisted,
    /// A finding with this score.
    Finding(u8),
}

impl VerdictKind {
    fn of(verdict: &Verdict<'_>) -> VerdictKind {
        match verdict {
            Verdict::NotAiHost => VerdictKind::NotAiHost,
            Verdict::OutOfScope => VerdictKind::OutOfScope,
            Verdict::Browser => VerdictKind::Browser,
            Verdict::BelowMinScore(s) => VerdictKind::BelowMinScore(clamp_score(*s)),
            Verdict::Allowlisted(_) => VerdictKind::Allowlisted,
            Verdict::Finding(f) => VerdictKind::Finding(clamp_score(f.score)),
        }
    }

    /// A short phrase for the line inspector.
    pub fn describe(self) -> String {
        match self {
            VerdictKind::NotAiHost => "not an AI API host".into(),
            VerdictKind::OutOfScope => "AI host, but the source category is out of scope".into(),
            VerdictKind::Browser => "AI host, but made by a browser (dropped)".into(),
            VerdictKind::BelowMinScore(s) => format!("AI host, score {s} below min_score"),
            VerdictKind::Allowlisted => "AI host, finding suppressed by the allowlist".into(),
            VerdictKind::Finding(s) => format!("finding, score {s}"),
        }
    }
}

fn clamp_score(s: u32) -> u8 {
    u8::try_from(s).unwrap_or(u8::MAX)
}

/// The fate of one input line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineMark {
    /// Blank, comment or header line.
    Skipped(Skip),
    /// A line no parser accepted (its reason is in the report's errors).
    Error,
    /// A parsed record: its detected format and the rule's verdict.
    Event(Format, VerdictKind),
}

impl LineMark {
    /// The short label shown in the line gutter.
    pub fn label(self) -> &'static str {
        match self {
            LineMark::Skipped(Skip::Blank) => "",
            LineMark::Skipped(Skip::Comment) => "comment",
            LineMark::Skipped(Skip::Header) => "header",
            LineMark::Error => "error",
            LineMark::Event(f, _) => f.name(),
        }
    }

    /// A CSS class naming the line's category.
    pub fn class(self) -> &'static str {
        match self {
            LineMark::Skipped(_) => "skip",
            LineMark::Error => "error",
            LineMark::Event(_, VerdictKind::Finding(_)) => "finding",
            LineMark::Event(_, VerdictKind::NotAiHost) => "event",
            LineMark::Event(..) => "aside",
        }
    }
}

/// Everything one finished scan produced.
#[derive(Debug, Clone)]
pub struct Results {
    /// The `scan --output json` report.
    pub report: Report,
    /// Findings in input order (at most [`MAX_FINDINGS_KEPT`]).
    pub findings: Vec<FindingRecord>,
    /// The fate of every line, indexed by line number − 1.
    pub marks: Vec<LineMark>,
}

impl Results {
    /// Whether the findings list stopped at [`MAX_FINDINGS_KEPT`].
    pub fn findings_truncated(&self) -> bool {
        (self.findings.len() as u64) < self.report.stats.findings
    }

    /// The mark of a 1-based line number.
    pub fn mark(&self, line: u64) -> Option<LineMark> {
        let i = usize::try_from(line.checked_sub(1)?).ok()?;
        self.marks.get(i).copied()
    }

    /// The finding on a line, if it is one and was kept.
    pub fn finding_at(&self, line: u64) -> Option<&FindingRecord> {
        let i = self.findings.partition_point(|f| f.event.line < line);
        self.findings.get(i).filter(|f| f.event.line == line)
    }

    /// The listed error on a line, if any.
    pub fn error_at(&self, line: u64) -> Option<&str> {
        let errors = &self.report.errors;
        let i = errors.partition_point(|e| e.line < line);
        errors.get(i).filter(|e| e.line == line).map(|e| e.reason.as_str())
    }
}

/// An in-progress scan over an input held in memory.
#[derive(Debug)]
pub struct Session {
    rule: Arc<Rule>,
    scanner: Scanner,
    input: Arc<[u8]>,
    pos: usize,
    finished: bool,
    findings: Vec<FindingRecord>,
    marks: Vec<LineMark>,
}

impl Session {
    /// A session that will scan `input` with `rule`, reading lines as `format`.
    pub fn new(rule: Arc<Rule>, format: FormatChoice, input: Arc<[u8]>) -> Session {
        let scanner = Scanner::new(rule.clone(), ScanOptions { format, ..ScanOptions::default() });
        Session { rule, scanner, input, pos: 0, finished: false, findings: Vec::new(), marks: Vec::new() }
    }

    /// Feeds at most `budget` more bytes (at least one). Returns `true` once
    /// the whole input has been read and the scan is complete.
    pub fn step(&mut self, budget: usize) -> bool {
        if self.finished {
            return true;
        }
        let end = self.pos.saturating_add(budget.max(1)).min(self.input.len());
        let Session { rule, scanner, input, findings, marks, .. } = self;
        let mut on_line = |o: Outcome<'_, '_>| record(rule, findings, marks, o);
        scanner.feed(&input[self.pos..end], &mut on_line);
        self.pos = end;
        if self.pos == self.input.len() {
            scanner.finish(&mut on_line);
            self.finished = true;
        }
        self.finished
    }

    /// Bytes read so far and the input's size.
    pub fn progress(&self) -> (usize, usize) {
        (self.pos, self.input.len())
    }

    /// Runs the scan to the end at once (tests and small inputs).
    pub fn run(mut self) -> Results {
        while !self.step(usize::MAX) {}
        self.into_results()
    }

    /// The results of everything read so far.
    pub fn into_results(self) -> Results {
        Results { report: self.scanner.report(), findings: self.findings, marks: self.marks }
    }
}

fn record(rule: &Rule, findings: &mut Vec<FindingRecord>, marks: &mut Vec<LineMark>, o: Outcome<'_, '_>) {
    let mark = match o {
        Outcome::Skipped { skip, .. } => LineMark::Skipped(skip),
        Outcome::Error { .. } => LineMark::Error,
        Outcome::Event { event, verdict } => {
            if let Verdict::Finding(f) = verdict {
                if findings.len() < MAX_FINDINGS_KEPT {
                    findings.push(FindingRecord::new(rule, event, f));
                }
            }
            LineMark::Event(event.format, VerdictKind::of(verdict))
        }
    };
    marks.push(mark);
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiwatch_rule::Config;

    const SUMO: &str = concat!(
        "# a comment\n",
        r#"{"src_ip":"10.0.0.5","user":"bob","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"OpenAI/Python 1.51.0","bytes_out":"812","_messageTime":1700000000000}"#,
        "\nnot a log line at all\n",
        r#"{"src_ip":"10.0.0.6","dest_host":"example.com","http_method":"GET","uri_path":"/"}"#,
        "\n",
    );

    fn rule() -> Arc<Rule> {
        Arc::new(Rule::new(&Config::default()).unwrap())
    }

    #[test]
    fn sliced_scan_equals_one_pass_scan() {
        let whole = Session::new(rule(), FormatChoice::Auto, Arc::from(SUMO.as_bytes())).run();
        for budget in [1, 7, 64] {
            let mut s = Session::new(rule(), FormatChoice::Auto, Arc::from(SUMO.as_bytes()));
            let mut steps = 0;
            while !s.step(budget) {
                steps += 1;
            }
            assert!(steps > 1, "budget {budget} should need several slices");
            let sliced = s.into_results();
            assert_eq!(sliced.report, whole.report, "budget {budget}");
            assert_eq!(sliced.marks, whole.marks);
            assert_eq!(sliced.findings, whole.findings);
        }
    }

    #[test]
    fn every_line_gets_a_mark_and_lookups_find_it() {
        let r = Session::new(rule(), FormatChoice::Auto, Arc::from(SUMO.as_bytes())).run();
        assert_eq!(r.marks.len() as u64, r.report.stats.lines);
        assert_eq!(r.mark(1), Some(LineMark::Skipped(Skip::Comment)));
        assert_eq!(r.mark(2), Some(LineMark::Event(Format::SumoJson, VerdictKind::Finding(2))));
        assert_eq!(r.mark(3), Some(LineMark::Error));
        assert_eq!(r.mark(4), Some(LineMark::Event(Format::SumoJson, VerdictKind::NotAiHost)));
        assert_eq!(r.mark(0), None);
        assert_eq!(r.mark(5), None);
        assert_eq!(r.finding_at(2).map(|f| f.score), Some(2));
        assert!(r.finding_at(4).is_none());
        assert!(r.error_at(3).is_some());
        assert!(r.error_at(2).is_none());
        assert!(!r.findings_truncated());
    }

    #[test]
    fn crlf_and_a_last_line_without_newline_are_scanned() {
        let input = SUMO.replace('\n', "\r\n");
        let input = input.trim_end();
        let r = Session::new(rule(), FormatChoice::Auto, Arc::from(input.as_bytes())).run();
        assert_eq!(r.report.stats.lines, 4);
        assert_eq!(r.report.stats.findings, 1);
    }

    #[test]
    fn empty_input_finishes_at_once() {
        let mut s = Session::new(rule(), FormatChoice::Auto, Arc::from(&b""[..]));
        assert!(s.step(10));
        let r = s.into_results();
        assert_eq!(r.report.stats.lines, 0);
        assert!(r.marks.is_empty());
    }
}
