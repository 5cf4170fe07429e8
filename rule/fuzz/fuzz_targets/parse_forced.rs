//! Every forced `--format` (chosen by the first byte) on any line.
#![no_main]

use aiwatch_rule::{Format, FormatChoice, LineParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let choice = match pick as usize % (Format::ALL.len() + 1) {
        0 => FormatChoice::Json,
        n => FormatChoice::Only(Format::ALL[n - 1]),
    };
    let mut parser = LineParser::new(choice);
    for (i, line) in rest.split(|b| *b == b'\n').enumerate() {
        let _ = parser.parse(&String::from_utf8_lossy(line), i as u64 + 1);
    }
});
