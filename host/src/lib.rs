//! # aiwatch (host)
//!
//! The `aiwatch` command and the library behind it: a wasmtime host for log
//! rules of the `aiwatch:rule/log-rule` world (`rule/wit/aiwatch.wit`),
//! with the aiwatch detection (MITRE ATT&CK T1588.007) embedded as the
//! default rule.
//!
//! - [`runtime`]: wasmtime setup, the sandbox, limits, the compiled-code cache.
//! - [`engine`]: one interface to a rule with two implementations, the
//!   component under wasmtime and the same rule linked natively.
//! - [`input`]: files, standard input and gzip, read in large chunks.
//! - [`scan`]: drives inputs through sessions, one session per input file.
//! - [`output`]: table, JSON, NDJSON, CSV and state renderings.
//! - [`pipeline`]: `filter` and `serve`, record-at-a-time faces for log pipelines.
//! - [`cli`]: the command line (SPEC §4).
//!
//! ```no_run
//! use aiwatch::engine::{Engine, Mode, SessionOptions, WasmEngine};
//! use aiwatch::runtime::{CachePolicy, Limits, LoadedRule};
//!
//! let rule = LoadedRule::load(aiwatch::EMBEDDED_COMPONENT, "embedded rule", Limits::default(), &CachePolicy::Default).unwrap();
//! let engine = WasmEngine::new(rule);
//! let mut session = engine.open("profile = \"seed\"", SessionOptions { mode: Mode::Findings, ..Default::default() }).unwrap();
//! let batch = session.feed(br#"{"src_ip":"10.1.1.1","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat/completions"}
//! "#).unwrap();
//! assert_eq!(batch.findings[0].score, 2);
//! ```

#![warn(missing_docs)]

pub mod cli;
pub mod engine;
pub mod input;
pub mod output;
pub mod pipeline;
pub mod runtime;
pub mod scan;

/// The default rule: the aiwatch detection built as a component by
/// `build.rs` from `rule/component`.
pub const EMBEDDED_COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/aiwatch_component.wasm"));

/// How errors and `aiwatch info` name the embedded rule.
pub const EMBEDDED_NAME: &str = "<embedded aiwatch rule>";
