//! The WIT glue: converts between the `aiwatch:rule` records and the
//! adapter's library types. Nothing here decides anything.

use std::cell::RefCell;

use aiwatch_rule::{ConfigError as LibConfigError, EventRecord, FindingRecord, Format, FormatChoice as LibFormatChoice, LineError as LibLineError, Metadata as LibMetadata, Profile};

use crate::adapter::{self, LineOutcome as LibOutcome};

wit_bindgen::generate!({
    path: "../wit",
    world: "log-rule",
});

use aiwatch::rule::types::{Batch, ConfigError, Event, Finding, FormatChoice, FormatStats, Group, LineError, LineOutcome, LogFormat, Mode, RuleMetadata as Metadata, SessionOptions, SkippedLine, Stats};
use exports::aiwatch::rule::rule::{Guest, GuestSession, Session as SessionHandle};

struct Component;

export!(Component);

impl Guest for Component {
    type Session = Session;

    fn open(config: String, options: SessionOptions) -> Result<SessionHandle, ConfigError> {
        let profile = profile(options.profile.as_deref())?;
        let options = adapter::SessionOptions {
            format: match options.format {
                FormatChoice::Auto => LibFormatChoice::Auto,
                FormatChoice::Json => LibFormatChoice::Json,
                FormatChoice::Only(f) => LibFormatChoice::Only(from_wit_format(f)),
            },
            mode: match options.mode {
                Mode::Aggregate => adapter::Mode::Aggregate,
                Mode::Findings => adapter::Mode::Findings,
                Mode::Parse => adapter::Mode::Parse,
            },
            max_line: options.max_line as usize,
            profile,
        };
        let session = adapter::Session::open(&config, options).map_err(config_error)?;
        Ok(SessionHandle::new(Session(RefCell::new(session))))
    }

    fn metadata(config: String, profile_name: Option<String>) -> Result<Metadata, ConfigError> {
        let m = adapter::metadata(&config, profile(profile_name.as_deref())?).map_err(config_error)?;
        Ok(metadata(m))
    }
}

/// The resource: WIT methods take `&self`, so the adapter sits in a RefCell.
struct Session(RefCell<adapter::Session>);

impl GuestSession for Session {
    fn feed(&self, chunk: Vec<u8>) -> Batch {
        batch(self.0.borrow_mut().feed(&chunk))
    }

    fn finish(&self) -> Batch {
        batch(self.0.borrow_mut().finish())
    }

    fn stats(&self) -> Stats {
        let s = self.0.borrow().stats();
        Stats {
            lines: s.lines,
            parsed: s.parsed,
            skipped: s.skipped,
            errors: s.errors,
            matched: s.matched,
            findings: s.findings,
            out_of_scope: s.out_of_scope,
            browser: s.browser,
            below_min_score: s.below_min_score,
            allowlisted: s.allowlisted,
            dropped_from_groups: s.dropped_from_groups,
            formats: s.formats.iter().map(|(f, c)| FormatStats { format: to_wit_format(*f), parsed: c.parsed, matched: c.matched, findings: c.findings }).collect(),
            notes: s.notes,
        }
    }

    fn groups(&self) -> Vec<Group> {
        let list = |s: &aiwatch_rule::aggregate::CappedSet| s.iter().map(str::to_string).collect();
        self.0
            .borrow()
            .groups()
            .into_iter()
            .map(|g| Group {
                ai_services: list(&g.ai_services),
                endpoint_paths: list(&g.endpoint_paths),
                user_agents: list(&g.user_agents),
                src_ip: g.src_ip,
                user: g.user,
                requests: g.requests,
                total_bytes_uploaded: g.total_bytes_uploaded,
                first_seen: g.first_seen,
                last_seen: g.last_seen,
                max_suspicion_score: g.max_suspicion_score,
            })
            .collect()
    }

    fn errors(&self) -> Vec<LineError> {
        self.0.borrow().errors().into_iter().map(line_error).collect()
    }

    fn export_state(&self) -> String {
        self.0.borrow().export_state()
    }

    fn merge_state(&self, state: String) -> Result<(), String> {
        self.0.borrow_mut().merge_state(&state).map_err(|e| e.to_string())
    }
}

fn profile(name: Option<&str>) -> Result<Option<Profile>, ConfigError> {
    name.map(|p| p.parse::<Profile>().map_err(|message| ConfigError { key: Some("profile".into()), message: format!("invalid config: key `profile`: {message}") }))
        .transpose()
}

fn config_error(e: LibConfigError) -> ConfigError {
    let key = match &e {
        LibConfigError::Invalid { key, .. } => Some(key.clone()),
        LibConfigError::Syntax(_) => None,
    };
    ConfigError { key, message: e.to_string() }
}

fn metadata(m: LibMetadata) -> Metadata {
    let LibMetadata { id, name, version, description, tactic, technique, subtechnique, severity, confidence, profile } = m;
    Metadata { id, name, version, description, tactic, technique, subtechnique, severity, confidence, profile }
}

fn batch(b: adapter::Batch) -> Batch {
    Batch {
        lines: b.lines,
        findings: b.findings.into_iter().map(finding).collect(),
        errors: b.errors.into_iter().map(line_error).collect(),
        outcomes: b
            .outcomes
            .into_iter()
            .map(|o| match o {
                LibOutcome::Skipped { line, reason } => LineOutcome::Skipped(SkippedLine { line, reason }),
                LibOutcome::Error(e) => LineOutcome::Error(line_error(e)),
                LibOutcome::Event(e) => LineOutcome::Event(event(e)),
            })
            .collect(),
    }
}

fn line_error(e: LibLineError) -> LineError {
    LineError { line: e.line, reason: e.reason }
}

fn finding(f: FindingRecord) -> Finding {
    let FindingRecord { event: e, score, signals, provider, host_pattern, explanation } = f;
    Finding { event: event(e), score, signals, provider, host_pattern, explanation }
}

fn event(e: EventRecord) -> Event {
    let EventRecord { line, format, time_ms, src_ip, user, method, host, port, path, user_agent, bytes_uploaded, bytes_downloaded } = e;
    Event { line, format: to_wit_format(format), time_ms, src_ip, user, method, host, port, path, user_agent, bytes_uploaded, bytes_downloaded }
}

fn to_wit_format(f: Format) -> LogFormat {
    match f {
        Format::Squid => LogFormat::Squid,
        Format::SquidCommon => LogFormat::SquidCommon,
        Format::SquidCombined => LogFormat::SquidCombined,
        Format::SquidExtensive => LogFormat::SquidExtensive,
        Format::Proxysg => LogFormat::Proxysg,
        Format::W3c => LogFormat::W3c,
        Format::Wsa => LogFormat::Wsa,
        Format::ZscalerJson => LogFormat::ZscalerJson,
        Format::ZscalerKv => LogFormat::ZscalerKv,
        Format::SumoJson => LogFormat::SumoJson,
        Format::EcsJson => LogFormat::EcsJson,
    }
}

fn from_wit_format(f: LogFormat) -> Format {
    match f {
        LogFormat::Squid => Format::Squid,
        LogFormat::SquidCommon => Format::SquidCommon,
        LogFormat::SquidCombined => Format::SquidCombined,
        LogFormat::SquidExtensive => Format::SquidExtensive,
        LogFormat::Proxysg => Format::Proxysg,
        LogFormat::W3c => Format::W3c,
        LogFormat::Wsa => Format::Wsa,
        LogFormat::ZscalerJson => Format::ZscalerJson,
        LogFormat::ZscalerKv => Format::ZscalerKv,
        LogFormat::SumoJson => Format::SumoJson,
        LogFormat::EcsJson => Format::EcsJson,
    }
}
