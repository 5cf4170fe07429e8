//! # aiwatch-component
//!
//! The aiwatch rule as a WebAssembly component of the `aiwatch:rule/log-rule`
//! world (`rule/wit/aiwatch.wit`). Build it with
//!
//! ```text
//! RUSTFLAGS=-Ctarget-feature=+simd128 cargo build -p aiwatch-component --target wasm32-wasip2 --profile wasm
//! ```
//!
//! (`host/build.rs` does this for the component the `aiwatch` binary
//! embeds; without the SIMD flag the component works the same, slower.)
//!
//! The crate has two halves:
//! - [`adapter`]: a session over the library's [`aiwatch_rule::Scanner`], in
//!   library types. The `aiwatch` host's native engine links it directly.
//! - `guest` (wasm32 only): the wit-bindgen glue that converts WIT records
//!   to and from the adapter's types.

#![warn(missing_docs)]

pub mod adapter;

#[cfg(target_arch = "wasm32")]
mod guest;
