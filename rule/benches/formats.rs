//! Criterion benches for the rule's hot paths, one per format, on 1 MiB of
//! generated traffic (`aiwatch-loggen`, 1% AI lines, fixed seed):
//!
//! - `parse/FORMAT`: format detection and parsing of every line into an
//!   event (`LineParser::parse`), the part every line pays for;
//! - `prefilter/FORMAT`: the Aho-Corasick candidate test on raw line bytes
//!   (`Rule::is_candidate`), what the Fluent Bit filter pays per record;
//! - `scan/FORMAT`: the whole data path (`Scanner::feed`): line splitting,
//!   parsing, detection, aggregation and accounting.
//!
//! ```text
//! cargo bench -p aiwatch-rule --bench formats            # all
//! cargo bench -p aiwatch-rule --bench formats -- scan/   # one group
//! ```
//!
//! Throughput is reported in bytes of log per second. The whole-program
//! comparison against `cat` and `rg` floors is `scripts/bench.sh`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use aiwatch_loggen::{generate, Format as GenFormat, Params};
use aiwatch_rule::{Config, FormatChoice, LineParser, Rule, ScanOptions, Scanner};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn log(format: GenFormat) -> String {
    let mut out = Vec::new();
    generate(&Params { format, size: 1 << 20, ai_share: 0.01, seed: 7 }, &mut out).expect("generate");
    String::from_utf8(out).expect("generated logs are UTF-8")
}

fn benches(c: &mut Criterion) {
    let rule = Arc::new(Rule::new(&Config::default()).expect("default rule"));
    for format in GenFormat::ALL {
        let text = log(format);
        let lines: Vec<&str> = text.lines().collect();
        let bytes = text.len() as u64;
        let name = format.name();

        let mut group = c.benchmark_group("parse");
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                // A fresh parser per pass: W3C header state starts empty, as
                // at the start of a file.
                let mut parser = LineParser::new(FormatChoice::Auto);
                let mut parsed = 0u32;
                for (i, line) in lines.iter().enumerate() {
                    parsed += parser.parse(line, i as u64 + 1).is_ok() as u32;
                }
                black_box(parsed)
            })
        });
        group.finish();

        let mut group = c.benchmark_group("prefilter");
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| lines.iter().filter(|l| rule.is_candidate(l.as_bytes())).count())
        });
        group.finish();

        let mut group = c.benchmark_group("scan");
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let mut scanner = Scanner::new(rule.clone(), ScanOptions::default());
                scanner.feed(text.as_bytes(), |_| {});
                scanner.finish(|_| {});
                black_box(scanner.stats().findings)
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = formats;
    // Short runs: 33 benchmarks; the per-format differences are large.
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3)).sample_size(30);
    targets = benches
}
criterion_main!(formats);
