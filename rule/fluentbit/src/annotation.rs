//! The `aiwatch` object added to a reported record, and how it is added.
//!
//! The record is extended in place rather than parsed and re-serialized:
//! the bytes of every field the rule does not own reach the output as they
//! came in (number spellings, key order, escapes), so a downstream parser
//! sees the same record plus one key.

use std::borrow::Cow;
use std::fmt;

use aiwatch_rule::{Event, Finding, FindingRecord, Format, Metadata, Rule};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The key the annotation is stored under.
pub const ANNOTATION_KEY: &str = "aiwatch";

/// What the filter adds to a reported record under [`ANNOTATION_KEY`]:
/// the rule and ATT&CK mapping, the verdict, and the normalized fields the
/// verdict was computed from (so an alert is readable without the raw line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation<'a> {
    /// Stable rule identifier.
    pub rule_id: &'a str,
    /// Rule version.
    pub rule_version: &'a str,
    /// Profile in force (`extended` or `seed`).
    pub profile: &'a str,
    /// ATT&CK tactic.
    pub tactic: &'a str,
    /// ATT&CK technique id (`T1588`).
    pub technique: &'a str,
    /// ATT&CK sub-technique id (`T1588.007`).
    pub subtechnique: &'a str,
    /// Severity of a finding.
    pub severity: &'a str,
    /// Confidence of a finding.
    pub confidence: &'a str,
    /// Suspicion score (1–3).
    pub score: u32,
    /// Names of the signals that fired.
    pub signals: Vec<&'static str>,
    /// Provider of the AI API host.
    pub provider: &'a str,
    /// The normalized destination host.
    pub host: Option<&'a str>,
    /// The catalogue pattern the host matched.
    pub host_pattern: &'a str,
    /// Log format the record (or its raw line) was read as.
    pub format: Format,
    /// Event time from the log, epoch milliseconds.
    pub time_ms: Option<i64>,
    /// Client address.
    pub src_ip: Option<&'a str>,
    /// User.
    pub user: Option<&'a str>,
    /// HTTP method.
    pub method: Option<&'a str>,
    /// Destination port, when logged.
    pub port: Option<u16>,
    /// URL path without the query.
    pub path: Option<&'a str>,
    /// Client user agent.
    pub user_agent: Option<&'a str>,
    /// Upload size the score used (missing counts as 0).
    pub bytes_uploaded: u64,
    /// Why the record was reported, in one sentence.
    pub explanation: String,
}

impl<'a> Annotation<'a> {
    /// The annotation for `finding` on `event`.
    pub fn new(rule: &Rule, metadata: &'a Metadata, event: &'a Event<'a>, finding: &'a Finding<'a>) -> Annotation<'a> {
        Annotation {
            rule_id: &metadata.id,
            rule_version: &metadata.version,
            profile: &metadata.profile,
            tactic: &metadata.tactic,
            technique: &metadata.technique,
            subtechnique: &metadata.subtechnique,
            severity: &metadata.severity,
            confidence: &metadata.confidence,
            score: finding.score,
            signals: finding.signals.names(),
            provider: finding.provider,
            host: event.host.as_deref(),
            host_pattern: finding.host_pattern,
            format: event.format,
            time_ms: event.time_ms,
            src_ip: event.src_ip.as_deref(),
            user: event.user.as_deref(),
            method: event.method.as_deref(),
            port: event.port,
            path: event.path.as_deref(),
            user_agent: event.user_agent.as_deref(),
            bytes_uploaded: finding.bytes_uploaded,
            // The library owns the wording, so every face explains alike.
            explanation: FindingRecord::new(rule, event, finding).explanation,
        }
    }
}

/// Why a record could not be annotated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpliceError {
    /// The record is not a single, valid JSON object.
    NotAnObject(String),
}

impl fmt::Display for SpliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpliceError::NotAnObject(e) => write!(f, "record is not a JSON object: {e}"),
        }
    }
}

impl std::error::Error for SpliceError {}

/// The top-level members of a JSON object, values kept as raw text.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(V)
    }
}

/// Writes `record` with `annotation` added under [`ANNOTATION_KEY`] into
/// `out` (appending; no NUL terminator).
///
/// The record's own bytes are copied up to its closing brace and the new
/// member appended. A record that already has an `aiwatch` member (the
/// output of an earlier aiwatch filter in the same pipeline) is rebuilt
/// without it instead, so the key is never duplicated: Fluent Bit would
/// keep both copies and downstream JSON readers disagree on which wins.
///
/// ```
/// # use aiwatch_fluentbit::splice;
/// # use serde::Serialize;
/// #[derive(Serialize)]
/// struct A { score: u32 }
/// let mut out = Vec::new();
/// splice(r#"{"log":"x", "n": 1.50}"#, &A { score: 2 }, &mut out).unwrap();
/// assert_eq!(out, br#"{"log":"x", "n": 1.50,"aiwatch":{"score":2}}"#);
/// ```
pub fn splice<T: Serialize + ?Sized>(record: &str, annotation: &T, out: &mut Vec<u8>) -> Result<(), SpliceError> {
    let members: Members<'_> = serde_json::from_str(record).map_err(|e| SpliceError::NotAnObject(e.to_string()))?;
    let start = out.len();
    let write_annotation = |out: &mut Vec<u8>| serde_json::to_writer(out, annotation).map_err(|e| SpliceError::NotAnObject(e.to_string()));
    if members.0.iter().any(|(k, _)| k == ANNOTATION_KEY) {
        out.push(b'{');
        for (key, value) in members.0.iter().filter(|(k, _)| k != ANNOTATION_KEY) {
            serde_json::to_writer(&mut *out, key).map_err(|e| SpliceError::NotAnObject(e.to_string()))?;
            out.push(b':');
            out.extend_from_slice(value.get().as_bytes());
            out.push(b',');
        }
    } else {
        // A valid object ends with `}` once trailing whitespace is gone.
        let body = record.trim_end();
        let body = body.strip_suffix('}').ok_or_else(|| SpliceError::NotAnObject("no closing brace".into()))?;
        out.extend_from_slice(body.as_bytes());
        if !members.0.is_empty() {
            out.push(b',');
        }
    }
    out.push(b'"');
    out.extend_from_slice(ANNOTATION_KEY.as_bytes());
    out.extend_from_slice(b"\":");
    if let Err(e) = write_annotation(out) {
        out.truncate(start);
        return Err(e);
    }
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct A {
        score: u32,
    }

    fn run(record: &str) -> Result<String, SpliceError> {
        let mut out = Vec::new();
        splice(record, &A { score: 3 }, &mut out)?;
        let s = String::from_utf8(out).unwrap();
        // Whatever we write must be one JSON object again.
        let v: serde_json::Value = serde_json::from_str(&s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert!(v.is_object());
        Ok(s)
    }

    #[test]
    fn keeps_the_record_bytes_and_appends_one_member() {
        assert_eq!(run(r#"{"a":1e3,"b":"\u00e9","a":2}"#).unwrap(), r#"{"a":1e3,"b":"\u00e9","a":2,"aiwatch":{"score":3}}"#);
        assert_eq!(run("  {\"log\":\"x\"} \r\n").unwrap(), "  {\"log\":\"x\",\"aiwatch\":{\"score\":3}}");
        assert_eq!(run("{}").unwrap(), r#"{"aiwatch":{"score":3}}"#);
        assert_eq!(run("{ }").unwrap(), r#"{ "aiwatch":{"score":3}}"#);
    }

    #[test]
    fn replaces_an_earlier_annotation_instead_of_duplicating_it() {
        let once = run(r#"{"log":"x","aiwatch":{"score":1},"z":[1, 2]}"#).unwrap();
        assert_eq!(once, r#"{"log":"x","z":[1, 2],"aiwatch":{"score":3}}"#);
        assert_eq!(run(&once).unwrap(), once, "annotating twice is the same as once");
    }

    #[test]
    fn rejects_anything_but_one_object() {
        for bad in ["", "[1]", "\"s\"", "{\"a\":1", "{\"a\":1} {}", "{\"a\":1}x", "nul"] {
            assert!(matches!(run(bad), Err(SpliceError::NotAnObject(_))), "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_copied_not_recursed_into() {
        // Raw values are skipped iteratively, so a hostile depth costs no
        // stack; the record is valid JSON and keeps its bytes.
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let mut out = Vec::new();
        splice(&deep, &A { score: 3 }, &mut out).unwrap();
        assert!(out.starts_with(&deep.as_bytes()[..deep.len() - 1]));
        assert!(out.ends_with(br#"]],"aiwatch":{"score":3}}"#));
        let unbalanced = format!("{{\"a\":{}}}", "[".repeat(100_000));
        assert!(splice(&unbalanced, &A { score: 3 }, &mut Vec::new()).is_err());
    }
}
