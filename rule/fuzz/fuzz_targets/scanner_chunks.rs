//! The chunked feeder: any input cut at any points gives the same report as
//! the input fed whole, and the line accounting always balances.
#![no_main]

use std::sync::{Arc, OnceLock};

use aiwatch_rule::{Config, Rule, ScanOptions, Scanner};
use libfuzzer_sys::fuzz_target;

fn rule() -> Arc<Rule> {
    static RULE: OnceLock<Arc<Rule>> = OnceLock::new();
    RULE.get_or_init(|| Arc::new(Rule::new(&Config::default()).expect("default rule"))).clone()
}

fuzz_target!(|data: &[u8]| {
    // The first bytes choose the cut points; the rest is the log.
    let (cuts, log) = data.split_at(data.len().min(4));
    let options = ScanOptions { max_line: 4096, ..ScanOptions::default() };
    let mut whole = Scanner::new(rule(), options);
    whole.feed(log, |_| {});
    whole.finish(|_| {});

    let mut parts = Scanner::new(rule(), options);
    let mut rest = log;
    for &c in cuts.iter().cycle().take(64) {
        if rest.is_empty() {
            break;
        }
        let at = (c as usize).min(rest.len());
        let (a, b) = rest.split_at(at);
        parts.feed(a, |_| {});
        rest = b;
    }
    parts.feed(rest, |_| {});
    parts.finish(|_| {});

    let (a, b) = (whole.report(), parts.report());
    assert!(a.stats.is_balanced(), "unbalanced: {:?}", a.stats);
    assert_eq!(a, b, "chunking changed the result");
});
