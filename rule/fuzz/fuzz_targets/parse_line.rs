//! Any bytes, split into lines and auto-detected: the parser never panics,
//! and every line is either an event, a skip or an error.
#![no_main]

use aiwatch_rule::{FormatChoice, LineParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parser = LineParser::new(FormatChoice::Auto);
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        let text = String::from_utf8_lossy(line);
        let _ = parser.parse(&text, i as u64 + 1);
    }
});
