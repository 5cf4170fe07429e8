//! Counters that account for every input line and every event's fate.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::Format;

/// Per-format counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatStats {
    /// Events parsed in this format.
    pub parsed: u64,
    /// Of those, events to an AI API host.
    pub matched: u64,
    /// Of those, findings.
    pub findings: u64,
}

/// Scan statistics. `parsed + skipped + errors == lines` always holds; the
/// event counters follow the rule's funnel: `matched` events went to an AI
/// API host, of which `out_of_scope`, `browser`, `below_min_score` and
/// `allowlisted` were set aside and `findings` were reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Input lines.
    pub lines: u64,
    /// Lines that held a log record.
    pub parsed: u64,
    /// Blank, comment and header lines.
    pub skipped: u64,
    /// Lines that could not be parsed (each listed with its reason, up to a cap).
    pub errors: u64,
    /// Events whose destination is an AI API host.
    pub matched: u64,
    /// Events reported (score at least `min_score`, not allowlisted).
    pub findings: u64,
    /// AI-host events outside the source-category scope.
    pub out_of_scope: u64,
    /// AI-host events made by browsers.
    pub browser: u64,
    /// AI-host events scoring below `min_score`.
    pub below_min_score: u64,
    /// Findings suppressed by the allowlist.
    pub allowlisted: u64,
    /// Findings counted but not aggregated because the group cap was reached.
    pub dropped_from_groups: u64,
    /// Counters per detected format.
    pub formats: BTreeMap<Format, FormatStats>,
    /// What the input cannot show (formats without upload bytes or user agent).
    pub notes: Vec<String>,
}

impl Stats {
    /// Adds another scan's counters (notes are recomputed, not added).
    pub fn merge(&mut self, o: &Stats) {
        self.lines += o.lines;
        self.parsed += o.parsed;
        self.skipped += o.skipped;
        self.errors += o.errors;
        self.matched += o.matched;
        self.findings += o.findings;
        self.out_of_scope += o.out_of_scope;
        self.browser += o.browser;
        self.below_min_score += o.below_min_score;
        self.allowlisted += o.allowlisted;
        self.dropped_from_groups += o.dropped_from_groups;
        for (f, s) in &o.formats {
            let e = self.formats.entry(*f).or_default();
            e.parsed += s.parsed;
            e.matched += s.matched;
            e.findings += s.findings;
        }
        self.update_notes();
    }

    /// Recomputes `notes` from the per-format counters.
    pub fn update_notes(&mut self) {
        let mut notes = Vec::new();
        for (f, s) in &self.formats {
            if s.parsed == 0 {
                continue;
            }
            if !f.has_upload_bytes() {
                notes.push(format!("{f}: {} events carry no upload size, so the large_payload signal cannot fire for them", s.parsed));
            }
            if !f.has_user_agent() {
                notes.push(format!("{f}: {} events carry no user agent, so browsers cannot be told from programs and are not dropped", s.parsed));
            }
        }
        if self.dropped_from_groups > 0 {
            notes.push(format!("{} findings were counted but not aggregated: the group limit (limits.max_groups) was reached", self.dropped_from_groups));
        }
        self.notes = notes;
    }

    /// Whether every line is accounted for.
    pub fn is_balanced(&self) -> bool {
        self.parsed + self.skipped + self.errors == self.lines
    }
}
