//! # aiwatch-rule
//!
//! The aiwatch detection for MITRE ATT&CK **T1588.007** (Obtain
//! Capabilities: Artificial Intelligence): programmatic use of generative-AI
//! APIs seen in web-proxy logs. Pure Rust with no I/O; the same code runs
//! natively, as a WebAssembly component, as a Fluent Bit filter and in the
//! browser playground.
//!
//! The data path is one pipeline, driven by [`Scanner`]:
//!
//! ```text
//! bytes → lines → format detection → parser → Event → Rule::evaluate → Verdict → Aggregate
//! ```
//!
//! ```
//! use std::sync::Arc;
//! use aiwatch_rule::{Rule, Scanner, ScanOptions};
//!
//! let rule = Arc::new(Rule::from_toml("profile = \"seed\"").unwrap());
//! let mut scanner = Scanner::new(rule, ScanOptions::default());
//! scanner.feed(b"{\"src_ip\":\"10.1.1.1\",\"dest_host\":\"API.OpenAI.com:443\",\"http_method\":\"post\",\"uri_path\":\"/v1/embeddings\"}\n", |_| {});
//! scanner.finish(|_| {});
//! let report = scanner.report();
//! assert_eq!(report.groups[0].max_suspicion_score, 2);
//! assert_eq!(report.groups[0].ai_services.iter().collect::<Vec<_>>(), ["api.openai.com"]);
//! ```

#![warn(missing_docs)]

pub mod aggregate;
pub mod config;
pub mod detect;
pub mod event;
pub mod formats;
pub mod host;
pub mod hosts;
pub mod lines;
pub mod prefilter;
pub mod report;
pub mod rule;
pub mod scanner;
pub mod stats;

pub use aggregate::{Aggregate, Group};
pub use config::{Config, ConfigError, Profile};
pub use detect::{Finding, Signals, Verdict};
pub use event::{Event, Format, FormatChoice};
pub use formats::{LineParser, ParseError, Parsed, Skip};
pub use report::{EventRecord, FindingRecord, LineError, Report, StateError};
pub use rule::{Metadata, Rule};
pub use scanner::{Outcome, ScanOptions, Scanner};
pub use stats::Stats;

/// Version of the rule (the crate version); share links and state files carry it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
