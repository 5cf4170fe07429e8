//! Zscaler NSS web logs: JSON and `^^` key=value.

use crate::event::Event;
use crate::formats::ParseError;

/// Whether a line is the NSS key=value feed.
pub fn looks_like_kv(line: &str) -> bool {
    line.starts_with("ZSCALERNSS:")
}

/// Parses an NSS key=value line.
pub fn parse_kv(line: &str) -> Result<Event<'_>, ParseError> {
    let _ = line;
    Err(ParseError::Unrecognized)
}
