//! The serialized shapes of results, shared by every face (CLI, component
//! host, playground, Fluent Bit filter) so output is byte-identical
//! wherever the rule runs.

use serde::{Deserialize, Serialize};

use crate::aggregate::Group;
use crate::detect::Finding;
use crate::event::{Event, Format};
use crate::rule::{Metadata, Rule};
use crate::stats::Stats;

/// A line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// Why, naming the field where possible.
    pub reason: String,
}

/// An event as `aiwatch parse` prints it (SPEC §4): exactly these keys,
/// missing values as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// 1-based line number.
    pub line: u64,
    /// Detected format name.
    pub format: Format,
    /// Epoch milliseconds.
    pub time_ms: Option<i64>,
    /// Client address.
    pub src_ip: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Method, upper-cased.
    pub method: Option<String>,
    /// Normalized host.
    pub host: Option<String>,
    /// Port.
    pub port: Option<u16>,
    /// Path without query.
    pub path: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// Upload bytes.
    pub bytes_uploaded: Option<u64>,
    /// Download bytes.
    pub bytes_downloaded: Option<u64>,
}

impl From<&Event<'_>> for EventRecord {
    fn from(e: &Event<'_>) -> Self {
        let s = |v: &Option<std::borrow::Cow<'_, str>>| v.as_deref().map(str::to_string);
        EventRecord {
            line: e.line,
            format: e.format,
            time_ms: e.time_ms,
            src_ip: s(&e.src_ip),
            user: s(&e.user),
            method: s(&e.method),
            host: s(&e.host),
            port: e.port,
            path: s(&e.path),
            user_agent: s(&e.user_agent),
            bytes_uploaded: e.bytes_uploaded,
            bytes_downloaded: e.bytes_downloaded,
        }
    }
}

/// One finding as `scan --findings` prints it: the event, its score, the
/// signals that fired and a sentence explaining them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecord {
    /// The normalized event.
    #[serde(flatten)]
    pub event: EventRecord,
    /// Suspicion score.
    pub score: u32,
    /// Names of the signals that fired (`api_endpoint`, `post`, `large_payload`).
    pub signals: Vec<String>,
    /// Provider of the matched host.
    pub provider: String,
    /// Catalogue pattern that matched.
    pub host_pattern: String,
    /// Why this event was reported, in one sentence.
    pub explanation: String,
}

impl FindingRecord {
    /// Builds the record for a finding of `rule` on `event`.
    pub fn new(rule: &Rule, event: &Event<'_>, f: &Finding<'_>) -> FindingRecord {
        FindingRecord {
            event: EventRecord::from(event),
            score: f.score,
            signals: f.signals.names().into_iter().map(String::from).collect(),
            provider: f.provider.to_string(),
            host_pattern: f.host_pattern.to_string(),
            explanation: explain(rule, event, f),
        }
    }
}

fn explain(rule: &Rule, ev: &Event<'_>, f: &Finding<'_>) -> String {
    let host = ev.host.as_deref().unwrap_or("?");
    let mut why = Vec::new();
    if f.signals.api_endpoint {
        why.push(format!("API path {}", ev.path.as_deref().unwrap_or("")));
    }
    if f.signals.post {
        why.push("POST".to_string());
    }
    if f.signals.large_payload {
        why.push(format!("upload of {} bytes (> {})", f.bytes_uploaded, rule.large_payload_bytes()));
    }
    let client = match ev.user_agent.as_deref() {
        Some(ua) => format!("non-browser client {ua:?}"),
        None => "client with no user agent".to_string(),
    };
    let pattern = if f.host_pattern == host { String::new() } else { format!(", pattern {}", f.host_pattern) };
    format!("{} API host {host}{pattern} called by {client}: {} (score {})", f.provider, why.join(", "), f.score)
}

/// What `scan --output json` prints (SPEC §4), and — tagged with
/// [`STATE_TAG`] — the mergeable partial state of `--output state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Present (as [`STATE_VERSION`]) only in state files.
    #[serde(rename = "aiwatch_state", default, skip_serializing_if = "Option::is_none")]
    pub state_version: Option<u32>,
    /// Rule metadata.
    pub rule: Metadata,
    /// Counters.
    pub stats: Stats,
    /// Groups in the seed's order.
    pub groups: Vec<Group>,
    /// Line errors, up to the configured cap (`stats.errors` has the count).
    pub errors: Vec<LineError>,
}

/// Key that marks a [`Report`] as a state file.
pub const STATE_TAG: &str = "aiwatch_state";
/// Version of the state format.
pub const STATE_VERSION: u32 = 1;

/// A state file that cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// Not JSON, or not the state schema.
    Invalid(String),
    /// Written by an incompatible state format version.
    Version(u32),
    /// Produced by a different rule or profile than the others.
    Mismatch(String),
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::Invalid(e) => write!(f, "not an aiwatch state file: {e}"),
            StateError::Version(v) => write!(f, "state format version {v} is not supported (expected {STATE_VERSION})"),
            StateError::Mismatch(what) => write!(f, "state files come from different rules: {what}"),
        }
    }
}

impl std::error::Error for StateError {}

impl Report {
    /// Pretty JSON with a trailing newline: the `scan --output json` bytes.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("reports serialize");
        s.push('\n');
        s
    }

    /// Reads a state file (or a JSON report, which carries the same data).
    pub fn from_state_json(text: &str) -> Result<Report, StateError> {
        let r: Report = serde_json::from_str(text).map_err(|e| StateError::Invalid(e.to_string()))?;
        match r.state_version {
            Some(STATE_VERSION) | None => Ok(r),
            Some(v) => Err(StateError::Version(v)),
        }
    }

    /// Merges several states into one report, as if one scan had read all
    /// their input. Line numbers in `errors` stay relative to each part.
    pub fn merge(parts: &[Report], max_groups: usize, max_errors: usize) -> Result<Report, StateError> {
        let Some(first) = parts.first() else {
            return Err(StateError::Invalid("no state to merge".into()));
        };
        let mut stats = Stats::default();
        let mut agg = crate::aggregate::Aggregate::new(max_groups);
        let mut errors = Vec::new();
        for p in parts {
            if p.rule.id != first.rule.id || p.rule.profile != first.rule.profile {
                return Err(StateError::Mismatch(format!("{} ({}) vs {} ({})", first.rule.id, first.rule.profile, p.rule.id, p.rule.profile)));
            }
            stats.merge(&p.stats);
            agg.merge_groups(&p.groups, 0);
            errors.extend(p.errors.iter().take(max_errors.saturating_sub(errors.len())).cloned());
        }
        stats.dropped_from_groups += agg.dropped();
        stats.update_notes();
        Ok(Report { state_version: None, rule: first.rule.clone(), stats, groups: agg.sorted().into_iter().cloned().collect(), errors })
    }
}
