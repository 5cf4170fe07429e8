//! One interface to the rule, two implementations: the WebAssembly
//! component under wasmtime ([`WasmEngine`]) and the same rule linked
//! natively ([`NativeEngine`]). Every command works with either, and the
//! tests compare them byte for byte.
//!
//! Both return the library's own types ([`Stats`], [`Group`],
//! [`FindingRecord`], ...): the wasm engine converts the WIT records back,
//! so output is serialized by one piece of code whichever engine ran.

use std::fmt;
use std::sync::Arc;

use aiwatch_component::adapter;
pub use aiwatch_component::adapter::{Batch, LineOutcome, Mode, SessionOptions};
use aiwatch_rule::aggregate::CappedSet;
use aiwatch_rule::stats::FormatStats;
use aiwatch_rule::{EventRecord, FindingRecord, Format, FormatChoice, Group, LineError, Metadata, Profile, Report, Stats};

use crate::runtime::{self, Instance, LoadError, LoadedRule, RuleError};

/// Why an engine call failed.
#[derive(Debug)]
pub enum EngineError {
    /// The rule component could not be loaded.
    Load(LoadError),
    /// The rule refused its configuration.
    Config {
        /// The offending key, when the error is about one value.
        key: Option<String>,
        /// The message, naming the key.
        message: String,
    },
    /// The rule refused a state to merge.
    State(String),
    /// The component failed (trap, limit, protocol violation).
    Rule(RuleError),
}

impl EngineError {
    /// Records the input position of a rule failure.
    pub fn at(self, position: impl Into<String>) -> EngineError {
        match self {
            EngineError::Rule(e) => EngineError::Rule(e.at(position)),
            other => other,
        }
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Load(e) => e.fmt(f),
            EngineError::Config { message, .. } => f.write_str(message),
            EngineError::State(e) => f.write_str(e),
            EngineError::Rule(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EngineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EngineError::Load(e) => Some(e),
            EngineError::Rule(e) => Some(e),
            _ => None,
        }
    }
}

impl From<RuleError> for EngineError {
    fn from(e: RuleError) -> Self {
        EngineError::Rule(e)
    }
}

impl From<LoadError> for EngineError {
    fn from(e: LoadError) -> Self {
        EngineError::Load(e)
    }
}

impl From<aiwatch_rule::ConfigError> for EngineError {
    fn from(e: aiwatch_rule::ConfigError) -> Self {
        let key = match &e {
            aiwatch_rule::ConfigError::Invalid { key, .. } => Some(key.clone()),
            aiwatch_rule::ConfigError::Syntax(_) => None,
        };
        EngineError::Config { key, message: e.to_string() }
    }
}

/// A way to run the rule.
pub trait Engine {
    /// `wasm` or `native`.
    fn kind(&self) -> &'static str;
    /// The rule's metadata under `config` and `profile`.
    fn metadata(&self, config: &str, profile: Option<Profile>) -> Result<Metadata, EngineError>;
    /// Opens a session.
    fn open(&self, config: &str, options: SessionOptions) -> Result<Box<dyn Session>, EngineError>;
}

/// One scan of one input stream.
pub trait Session {
    /// Processes the next chunk of input.
    fn feed(&mut self, chunk: &[u8]) -> Result<Batch, EngineError>;
    /// Ends the input.
    fn finish(&mut self) -> Result<Batch, EngineError>;
    /// Counters so far.
    fn stats(&mut self) -> Result<Stats, EngineError>;
    /// The aggregate so far, in report order.
    fn groups(&mut self) -> Result<Vec<Group>, EngineError>;
    /// Line errors listed so far.
    fn errors(&mut self) -> Result<Vec<LineError>, EngineError>;
    /// The mergeable state (`--output state`).
    fn export_state(&mut self) -> Result<String, EngineError>;
    /// Merges another session's state ([`EngineError::State`] if refused).
    fn merge_state(&mut self, state: &str) -> Result<(), EngineError>;

    /// The report (`--output json`) with `rule` as its metadata.
    fn report(&mut self, rule: Metadata) -> Result<Report, EngineError> {
        Ok(Report { state_version: None, rule, stats: self.stats()?, groups: self.groups()?, errors: self.errors()? })
    }
}

/// The rule linked into this program.
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeEngine;

impl Engine for NativeEngine {
    fn kind(&self) -> &'static str {
        "native"
    }

    fn metadata(&self, config: &str, profile: Option<Profile>) -> Result<Metadata, EngineError> {
        Ok(adapter::metadata(config, profile)?)
    }

    fn open(&self, config: &str, options: SessionOptions) -> Result<Box<dyn Session>, EngineError> {
        Ok(Box::new(NativeSession(adapter::Session::open(config, options)?)))
    }
}

struct NativeSession(adapter::Session);

impl Session for NativeSession {
    fn feed(&mut self, chunk: &[u8]) -> Result<Batch, EngineError> {
        Ok(self.0.feed(chunk))
    }
    fn finish(&mut self) -> Result<Batch, EngineError> {
        Ok(self.0.finish())
    }
    fn stats(&mut self) -> Result<Stats, EngineError> {
        Ok(self.0.stats())
    }
    fn groups(&mut self) -> Result<Vec<Group>, EngineError> {
        Ok(self.0.groups())
    }
    fn errors(&mut self) -> Result<Vec<LineError>, EngineError> {
        Ok(self.0.errors())
    }
    fn export_state(&mut self) -> Result<String, EngineError> {
        Ok(self.0.export_state())
    }
    fn merge_state(&mut self, state: &str) -> Result<(), EngineError> {
        self.0.merge_state(state).map_err(|e| EngineError::State(e.to_string()))
    }
}

/// A rule component under wasmtime.
#[derive(Clone)]
pub struct WasmEngine {
    rule: Arc<LoadedRule>,
}

impl WasmEngine {
    /// An engine for a loaded component.
    pub fn new(rule: LoadedRule) -> WasmEngine {
        WasmEngine { rule: Arc::new(rule) }
    }

    /// The loaded component.
    pub fn rule(&self) -> &LoadedRule {
        &self.rule
    }
}

impl Engine for WasmEngine {
    fn kind(&self) -> &'static str {
        "wasm"
    }

    fn metadata(&self, config: &str, profile: Option<Profile>) -> Result<Metadata, EngineError> {
        let mut instance = self.rule.instantiate("metadata")?;
        let profile = profile.map(|p| p.name().to_string());
        let m = instance.call("metadata", |store, b| b.aiwatch_rule_rule().call_metadata(store, config, profile.as_deref()))?;
        m.map(from_wit::metadata).map_err(from_wit::config_error)
    }

    fn open(&self, config: &str, options: SessionOptions) -> Result<Box<dyn Session>, EngineError> {
        let mut instance = self.rule.instantiate("open")?;
        let wit_options = to_wit::options(&options);
        let handle = instance.call("open", |store, b| b.aiwatch_rule_rule().call_open(store, config, &wit_options))?.map_err(from_wit::config_error)?;
        Ok(Box::new(WasmSession { instance, handle, mode: options.mode }))
    }
}

/// A session inside its own component instance. Dropping it drops the
/// store and with it the guest's resource, so no explicit destructor call
/// is needed.
struct WasmSession {
    instance: Instance,
    handle: wasmtime::component::ResourceAny,
    mode: Mode,
}

impl WasmSession {
    /// Converts a batch, checking it against what the chunk could hold:
    /// a component that returns more records than lines is broken, and
    /// saying so beats printing its output.
    fn batch(&mut self, call: &'static str, b: runtime::aiwatch::rule::types::Batch, max_lines: u64) -> Result<Batch, EngineError> {
        let lines = b.lines;
        let check = |what: &str, n: usize| (n as u64 > max_lines).then(|| format!("{call} returned {n} {what} for a chunk of at most {max_lines} lines"));
        let problem = check("lines", lines as usize)
            .or_else(|| check("findings", b.findings.len()))
            .or_else(|| check("line errors", b.errors.len()))
            .or_else(|| check("line outcomes", b.outcomes.len()))
            .or_else(|| match self.mode {
                Mode::Parse if b.outcomes.len() as u64 != lines => Some(format!("{call} returned {} line outcomes for {lines} lines in parse mode", b.outcomes.len())),
                Mode::Aggregate if !b.findings.is_empty() => Some(format!("{call} returned findings in aggregate mode")),
                _ => None,
            });
        if let Some(what) = problem {
            return Err(self.instance.violation(call, what).into());
        }
        Ok(from_wit::batch(b))
    }
}

impl Session for WasmSession {
    fn feed(&mut self, chunk: &[u8]) -> Result<Batch, EngineError> {
        let handle = self.handle;
        let b = self.instance.call("feed", |store, r| r.aiwatch_rule_rule().session().call_feed(store, handle, chunk))?;
        let max_lines = memchr::memchr_iter(b'\n', chunk).count() as u64;
        self.batch("feed", b, max_lines)
    }

    fn finish(&mut self) -> Result<Batch, EngineError> {
        let handle = self.handle;
        let b = self.instance.call("finish", |store, r| r.aiwatch_rule_rule().session().call_finish(store, handle))?;
        self.batch("finish", b, 1)
    }

    fn stats(&mut self) -> Result<Stats, EngineError> {
        let handle = self.handle;
        let s = self.instance.call("stats", |store, r| r.aiwatch_rule_rule().session().call_stats(store, handle))?;
        Ok(from_wit::stats(s))
    }

    fn groups(&mut self) -> Result<Vec<Group>, EngineError> {
        let handle = self.handle;
        let g = self.instance.call("groups", |store, r| r.aiwatch_rule_rule().session().call_groups(store, handle))?;
        Ok(g.into_iter().map(from_wit::group).collect())
    }

    fn errors(&mut self) -> Result<Vec<LineError>, EngineError> {
        let handle = self.handle;
        let e = self.instance.call("errors", |store, r| r.aiwatch_rule_rule().session().call_errors(store, handle))?;
        Ok(e.into_iter().map(from_wit::line_error).collect())
    }

    fn export_state(&mut self) -> Result<String, EngineError> {
        let handle = self.handle;
        Ok(self.instance.call("export-state", |store, r| r.aiwatch_rule_rule().session().call_export_state(store, handle))?)
    }

    fn merge_state(&mut self, state: &str) -> Result<(), EngineError> {
        let handle = self.handle;
        self.instance.call("merge-state", |store, r| r.aiwatch_rule_rule().session().call_merge_state(store, handle, state))?.map_err(EngineError::State)
    }
}

/// Library types to WIT records.
mod to_wit {
    use super::*;
    use crate::runtime::aiwatch::rule::types as wit;

    pub fn options(o: &SessionOptions) -> wit::SessionOptions {
        wit::SessionOptions {
            format: match o.format {
                FormatChoice::Auto => wit::FormatChoice::Auto,
                FormatChoice::Json => wit::FormatChoice::Json,
                FormatChoice::Only(f) => wit::FormatChoice::Only(format(f)),
            },
            mode: match o.mode {
                Mode::Aggregate => wit::Mode::Aggregate,
                Mode::Findings => wit::Mode::Findings,
                Mode::Parse => wit::Mode::Parse,
            },
            max_line: u32::try_from(o.max_line).unwrap_or(u32::MAX),
            profile: o.profile.map(|p| p.name().to_string()),
        }
    }

    pub fn format(f: Format) -> wit::LogFormat {
        match f {
            Format::Squid => wit::LogFormat::Squid,
            Format::SquidCommon => wit::LogFormat::SquidCommon,
            Format::SquidCombined => wit::LogFormat::SquidCombined,
            Format::SquidExtensive => wit::LogFormat::SquidExtensive,
            Format::Proxysg => wit::LogFormat::Proxysg,
            Format::W3c => wit::LogFormat::W3c,
            Format::Wsa => wit::LogFormat::Wsa,
            Format::ZscalerJson => wit::LogFormat::ZscalerJson,
            Format::ZscalerKv => wit::LogFormat::ZscalerKv,
            Format::SumoJson => wit::LogFormat::SumoJson,
            Format::EcsJson => wit::LogFormat::EcsJson,
        }
    }
}

/// WIT records to library types. Structs are built field by field with no
/// `..Default::default()`, so a field added to a library type breaks the
/// build here instead of silently going missing from wasm output.
mod from_wit {
    use super::*;
    use crate::runtime::aiwatch::rule::types as wit;

    pub fn config_error(e: wit::ConfigError) -> EngineError {
        EngineError::Config { key: e.key, message: e.message }
    }

    pub fn metadata(m: wit::RuleMetadata) -> Metadata {
        let wit::RuleMetadata { id, name, version, description, tactic, technique, subtechnique, severity, confidence, profile } = m;
        Metadata { id, name, version, description, tactic, technique, subtechnique, severity, confidence, profile }
    }

    pub fn format(f: wit::LogFormat) -> Format {
        match f {
            wit::LogFormat::Squid => Format::Squid,
            wit::LogFormat::SquidCommon => Format::SquidCommon,
            wit::LogFormat::SquidCombined => Format::SquidCombined,
            wit::LogFormat::SquidExtensive => Format::SquidExtensive,
            wit::LogFormat::Proxysg => Format::Proxysg,
            wit::LogFormat::W3c => Format::W3c,
            wit::LogFormat::Wsa => Format::Wsa,
            wit::LogFormat::ZscalerJson => Format::ZscalerJson,
            wit::LogFormat::ZscalerKv => Format::ZscalerKv,
            wit::LogFormat::SumoJson => Format::SumoJson,
            wit::LogFormat::EcsJson => Format::EcsJson,
        }
    }

    pub fn line_error(e: wit::LineError) -> LineError {
        let wit::LineError { line, reason } = e;
        LineError { line, reason }
    }

    pub fn event(e: wit::Event) -> EventRecord {
        let wit::Event { line, format: f, time_ms, src_ip, user, method, host, port, path, user_agent, bytes_uploaded, bytes_downloaded } = e;
        EventRecord { line, format: format(f), time_ms, src_ip, user, method, host, port, path, user_agent, bytes_uploaded, bytes_downloaded }
    }

    pub fn finding(f: wit::Finding) -> FindingRecord {
        let wit::Finding { event: e, score, signals, provider, host_pattern, explanation } = f;
        FindingRecord { event: event(e), score, signals, provider, host_pattern, explanation }
    }

    pub fn batch(b: wit::Batch) -> Batch {
        let wit::Batch { lines, findings, errors, outcomes } = b;
        Batch {
            lines,
            findings: findings.into_iter().map(finding).collect(),
            errors: errors.into_iter().map(line_error).collect(),
            outcomes: outcomes
                .into_iter()
                .map(|o| match o {
                    wit::LineOutcome::Skipped(s) => LineOutcome::Skipped { line: s.line, reason: s.reason },
                    wit::LineOutcome::Error(e) => LineOutcome::Error(line_error(e)),
                    wit::LineOutcome::Event(e) => LineOutcome::Event(event(e)),
                })
                .collect(),
        }
    }

    pub fn stats(s: wit::Stats) -> Stats {
        let wit::Stats { lines, parsed, skipped, errors, matched, findings, out_of_scope, browser, below_min_score, allowlisted, dropped_from_groups, formats, notes } = s;
        Stats {
            lines,
            parsed,
            skipped,
            errors,
            matched,
            findings,
            out_of_scope,
            browser,
            below_min_score,
            allowlisted,
            dropped_from_groups,
            formats: formats
                .into_iter()
                .map(|f| {
                    let wit::FormatStats { format: name, parsed, matched, findings } = f;
                    (format(name), FormatStats { parsed, matched, findings })
                })
                .collect(),
            notes,
        }
    }

    pub fn group(g: wit::Group) -> Group {
        let wit::Group { src_ip, user, requests, total_bytes_uploaded, first_seen, last_seen, ai_services, endpoint_paths, user_agents, max_suspicion_score } = g;
        Group {
            src_ip,
            user,
            requests,
            total_bytes_uploaded,
            first_seen,
            last_seen,
            ai_services: set(ai_services),
            endpoint_paths: set(endpoint_paths),
            user_agents: set(user_agents),
            max_suspicion_score,
        }
    }

    fn set(values: Vec<String>) -> CappedSet {
        let mut s = CappedSet::default();
        for v in &values {
            s.insert(v);
        }
        s
    }
}
