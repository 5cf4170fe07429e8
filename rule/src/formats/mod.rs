//! Turning one log line into an [`Event`]: per-line format detection and
//! one parser per format family.
//!
//! Each family module exposes parsers of the shape
//! `fn(&str) -> Result<Event<'_>, ParseError>`. A parser returns
//! [`ParseError::Unrecognized`] when the line does not have its format's
//! shape at all (so auto-detection tries the next one), and
//! [`ParseError::Malformed`] when the line clearly is its format but a field
//! is unusable. Line numbers are filled in by the caller.

use std::borrow::Cow;
use std::fmt;

use crate::event::{Event, Format, FormatChoice};

pub mod fields;
pub mod json;
pub mod keys;
pub mod squid;
pub mod time;
pub mod w3c;
pub mod wsa;
pub mod zscaler;

/// Why a line could not be parsed. Shown to users with the line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// No supported format has this line's shape.
    Unrecognized,
    /// The line has the shape of `format` but a field is unusable.
    Malformed {
        /// The format the line was recognized as.
        format: Format,
        /// What is wrong, naming the field.
        reason: String,
    },
    /// The line starts like JSON but is not a valid JSON object.
    InvalidJson(String),
    /// A JSON object whose keys fit none of the known schemas.
    UnknownJsonShape,
    /// The line is longer than the scanner keeps; its bytes were discarded.
    TooLong {
        /// Length of the line in bytes.
        bytes: u64,
        /// The limit in force.
        limit: usize,
    },
}

impl ParseError {
    /// Shorthand for [`ParseError::Malformed`].
    pub fn malformed(format: Format, reason: impl Into<String>) -> ParseError {
        ParseError::Malformed { format, reason: reason.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Unrecognized => f.write_str("not a recognized proxy-log line (squid, proxysg, w3c, wsa, zscaler or JSON)"),
            ParseError::Malformed { format, reason } => write!(f, "{format}: {reason}"),
            ParseError::InvalidJson(e) => write!(f, "invalid JSON: {e}"),
            ParseError::UnknownJsonShape => f.write_str("JSON object with no known proxy-log fields (Zscaler, Sumo, ECS, or a raw line in `message`/`log`)"),
            ParseError::TooLong { bytes, limit } => write!(f, "line of {bytes} bytes exceeds the {limit}-byte line limit; skipped unparsed"),
        }
    }
}

impl std::error::Error for ParseError {}

/// What a non-event line is, for the `skipped` count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Empty or whitespace only.
    Blank,
    /// A comment or a W3C directive other than `#Fields:`.
    Comment,
    /// A W3C `#Fields:` header; it changes how later lines are read.
    Header,
}

impl Skip {
    /// The reason shown by `aiwatch parse`.
    pub fn reason(self) -> &'static str {
        match self {
            Skip::Blank => "blank line",
            Skip::Comment => "comment",
            Skip::Header => "header",
        }
    }
}

/// The result of reading one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// A log record.
    Event(Event<'a>),
    /// A line that carries no record.
    Skipped(Skip),
}

/// Parses lines one at a time, keeping the state that spans lines (the
/// current W3C `#Fields:` column map).
#[derive(Debug, Clone, Default)]
pub struct LineParser {
    choice: FormatChoice,
    header: Option<w3c::Header>,
}

impl LineParser {
    /// A parser for the given `--format` choice.
    pub fn new(choice: FormatChoice) -> LineParser {
        LineParser { choice, header: None }
    }

    /// The format choice in force.
    pub fn choice(&self) -> FormatChoice {
        self.choice
    }

    /// Parses one line (without its line terminator). `line_no` is stored in
    /// the event.
    pub fn parse<'a>(&mut self, line: &'a str, line_no: u64) -> Result<Parsed<'a>, ParseError> {
        let mut parsed = self.parse_text(line, 0)?;
        if let Parsed::Event(ev) = &mut parsed {
            ev.line = line_no;
        }
        Ok(parsed)
    }

    /// One record's text: a raw line, or a JSON record that may wrap a raw
    /// line (pipeline envelopes), unwrapped at most [`MAX_ENVELOPE_DEPTH`] times.
    fn parse_text<'a>(&mut self, line: &'a str, depth: u8) -> Result<Parsed<'a>, ParseError> {
        let trimmed = crate::event::trim(line);
        if trimmed.is_empty() {
            return Ok(Parsed::Skipped(Skip::Blank));
        }
        if let Some(directive) = trimmed.strip_prefix('#') {
            if let Some(fields) = directive.strip_prefix("Fields:") {
                self.header = Some(w3c::Header::new(fields));
                return Ok(Parsed::Skipped(Skip::Header));
            }
            return Ok(Parsed::Skipped(Skip::Comment));
        }
        if trimmed.starts_with('{') {
            let record = json::parse(trimmed)?;
            return match record {
                json::JsonRecord::Event(ev) => self.check_forced(ev).map(Parsed::Event),
                json::JsonRecord::RawLine(_) if depth >= MAX_ENVELOPE_DEPTH => {
                    Err(ParseError::InvalidJson(format!("envelopes nested more than {MAX_ENVELOPE_DEPTH} deep")))
                }
                json::JsonRecord::RawLine(Cow::Borrowed(inner)) => self.parse_text(inner, depth + 1),
                json::JsonRecord::RawLine(Cow::Owned(inner)) => self.parse_text(&inner, depth + 1).map(Parsed::into_owned),
            };
        }
        let event = match self.choice {
            FormatChoice::Auto => self.detect(trimmed),
            FormatChoice::Json => Err(ParseError::InvalidJson("expected a JSON object (--format json)".into())),
            FormatChoice::Only(format) => self.parse_as(format, trimmed),
        }?;
        Ok(Parsed::Event(event))
    }

    /// A JSON record under a forced format must be of that format.
    fn check_forced<'a>(&self, ev: Event<'a>) -> Result<Event<'a>, ParseError> {
        match self.choice {
            FormatChoice::Only(format) if format != ev.format && !(is_w3c(format) && is_w3c(ev.format)) => {
                Err(ParseError::malformed(format, format!("the record is {}", ev.format)))
            }
            _ => Ok(ev),
        }
    }

    /// Tries the line formats in an order where each one's shape excludes
    /// the later ones; the first error that is not
    /// [`ParseError::Unrecognized`] is the one reported.
    fn detect<'a>(&self, line: &'a str) -> Result<Event<'a>, ParseError> {
        if zscaler::looks_like_kv(line) {
            return zscaler::parse_kv(line);
        }
        let mut first_error = None;
        if let Some(h) = &self.header {
            match w3c::parse_with_header(line, h) {
                Ok(ev) => return Ok(ev),
                Err(ParseError::Unrecognized) => {}
                Err(e) => first_error = Some(e),
            }
        }
        let parsers: [for<'l> fn(&'l str) -> Result<Event<'l>, ParseError>; 3] = [squid::parse_any, wsa::parse, w3c::parse_headerless];
        for parser in parsers {
            match parser(line) {
                Ok(ev) => return Ok(ev),
                Err(ParseError::Unrecognized) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(ParseError::Unrecognized))
    }

    fn parse_as<'a>(&self, format: Format, line: &'a str) -> Result<Event<'a>, ParseError> {
        let result = match format {
            Format::Squid => squid::parse_native(line),
            Format::SquidCommon => squid::parse_common(line),
            Format::SquidCombined => squid::parse_combined(line),
            Format::SquidExtensive => squid::parse_extensive(line),
            Format::Proxysg | Format::W3c => match &self.header {
                Some(h) => w3c::parse_with_header(line, h),
                None if format == Format::Proxysg => w3c::parse_headerless(line),
                None => Err(ParseError::malformed(Format::W3c, "no #Fields: header seen before this line")),
            },
            Format::Wsa => wsa::parse(line),
            Format::ZscalerKv => zscaler::parse_kv(line),
            Format::ZscalerJson | Format::SumoJson | Format::EcsJson => Err(ParseError::InvalidJson(format!("expected a JSON object ({format})"))),
        };
        // A forced format has nothing else to try, so "unrecognized" becomes
        // a statement about that format.
        result.map_err(|e| match e {
            ParseError::Unrecognized => ParseError::malformed(format, "line does not have this format's layout"),
            other => other,
        })
    }
}

fn is_w3c(f: Format) -> bool {
    matches!(f, Format::Proxysg | Format::W3c)
}

/// How many JSON envelopes (`{"log": "..."}` inside `{"message": "..."}`)
/// are unwrapped before giving up.
pub const MAX_ENVELOPE_DEPTH: u8 = 4;

impl Parsed<'_> {
    /// Copies borrowed strings so the result outlives its input.
    pub fn into_owned(self) -> Parsed<'static> {
        match self {
            Parsed::Event(ev) => Parsed::Event(ev.into_owned()),
            Parsed::Skipped(s) => Parsed::Skipped(s),
        }
    }
}
