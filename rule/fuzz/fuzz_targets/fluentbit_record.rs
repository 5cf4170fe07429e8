//! The Fluent Bit filter's entry on any record, in both modes: never a
//! panic, and an annotated output is always a JSON object.
//!
//! One filter serves every input, as one instance serves every record in
//! Fluent Bit (4.1 and later keep the instance): state left by one record
//! (W3C headers per tag, buffers) meets the next. Building a filter per
//! input also cost ~60 ms and starved the fuzzer.
#![no_main]

use std::cell::RefCell;

use aiwatch_fluentbit::{Filter, Mode, Outcome};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static FILTER: RefCell<Filter> = RefCell::new(Filter::baked());
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the tag, so per-tag state is exercised too.
    let (tag, record): (&[u8], &[u8]) = match data.split_first() {
        Some((&t, rest)) if t & 1 == 1 => (b"proxy.squid", rest),
        Some((_, rest)) => (b"proxy", rest),
        None => (b"proxy", data),
    };
    FILTER.with(|f| {
        let mut filter = f.borrow_mut();
        for mode in [Mode::Annotate, Mode::Alerts] {
            if filter.process(mode, tag, record) == Outcome::Annotated {
                let v: serde_json::Value = serde_json::from_slice(filter.output()).expect("annotated output is JSON");
                assert!(v.is_object(), "annotated output is not a JSON object");
            }
        }
    });
});
