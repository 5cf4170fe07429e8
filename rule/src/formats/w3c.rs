//! W3C extended / ELFF logs (Blue Coat ProxySG, Cisco WSA W3C).

use crate::event::Event;
use crate::formats::ParseError;

/// A `#Fields:` column map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    names: Vec<String>,
}

impl Header {
    /// Reads the text after `#Fields:`.
    pub fn new(fields: &str) -> Header {
        Header { names: fields.split_whitespace().map(str::to_string).collect() }
    }
}

/// Parses a data line with the current header.
pub fn parse_with_header<'a>(line: &'a str, header: &Header) -> Result<Event<'a>, ParseError> {
    let _ = (line, header);
    Err(ParseError::Unrecognized)
}

/// Parses a headerless ProxySG line (`main` or `bcreportermain_v1` layout).
pub fn parse_headerless(line: &str) -> Result<Event<'_>, ParseError> {
    let _ = line;
    Err(ParseError::Unrecognized)
}
