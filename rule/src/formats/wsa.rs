//! Cisco WSA native access log.

use crate::event::Event;
use crate::formats::ParseError;

/// Parses a WSA native access-log line.
pub fn parse(line: &str) -> Result<Event<'_>, ParseError> {
    let _ = line;
    Err(ParseError::Unrecognized)
}
