//! Squid access logs: native, common, combined and "extensive".
//! (Being written: see the parsers' docs for their contracts.)

use crate::event::Event;
use crate::formats::ParseError;

/// Tries every Squid layout by shape: native, extensive, combined, common.
pub fn parse_any(line: &str) -> Result<Event<'_>, ParseError> {
    let _ = line;
    Err(ParseError::Unrecognized)
}

/// Squid native: `%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`.
pub fn parse_native(line: &str) -> Result<Event<'_>, ParseError> {
    let _ = line;
    Err(ParseError::Unrecognized)
}

/// Common log format.
pub fn parse_common(line: &str) -> Result<Event<'_>, ParseError> {
    let _ = line;
    Err(ParseError::Unrecognized)
}

/// Combined log format.
pub fn parse_combined(line: &str) -> Result<Event<'_>, ParseError> {
    let _ = line;
    Err(ParseError::Unrecognized)
}

/// Squid extensive.
pub fn parse_extensive(line: &str) -> Result<Event<'_>, ParseError> {
    let _ = line;
    Err(ParseError::Unrecognized)
}
