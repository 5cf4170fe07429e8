//! The Fluent Bit filter's entry on any record, in both modes: never a
//! panic, and an annotated output is always a JSON object.
#![no_main]

use aiwatch_fluentbit::{Filter, Mode, Outcome};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut filter = Filter::baked();
    for mode in [Mode::Annotate, Mode::Alerts] {
        if filter.process(mode, b"proxy", data) == Outcome::Annotated {
            let v: serde_json::Value = serde_json::from_slice(filter.output()).expect("annotated output is JSON");
            assert!(v.is_object(), "annotated output is not a JSON object");
        }
    }
});
