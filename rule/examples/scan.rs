//! Scans files with the library directly and prints the JSON report:
//! `cargo run -p aiwatch-rule --example scan -- FILE...`
//! (The `aiwatch` CLI in `host/` is the real tool; this shows the API.)

use std::sync::Arc;

use aiwatch_rule::{Config, Rule, ScanOptions, Scanner};

fn main() -> std::io::Result<()> {
    let rule = Arc::new(Rule::new(&Config::default()).expect("default config is valid"));
    let mut scanner = Scanner::new(rule, ScanOptions::default());
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path)?;
        for chunk in bytes.chunks(1 << 20) {
            scanner.feed(chunk, |_| {});
        }
        // Each file ends its last line.
        scanner.finish(|_| {});
    }
    print!("{}", scanner.report().to_json());
    Ok(())
}
