//! Any text as a tuning file: accepted or rejected with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(rule) = aiwatch_rule::Rule::from_toml(text) {
            // A valid config must round-trip through its own TOML.
            let again = aiwatch_rule::Rule::from_toml(&rule.config().to_toml()).expect("to_toml output is valid");
            assert_eq!(again.config(), rule.config());
        }
    }
});
