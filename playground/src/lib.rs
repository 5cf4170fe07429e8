//! # aiwatch playground
//!
//! The browser face of the aiwatch rule: paste or drop proxy logs and see
//! what the detection makes of them, tune it, and share a link that
//! reproduces the view. The page runs the same [`aiwatch_rule::Scanner`] as
//! the command line, compiled to WebAssembly; nothing leaves the browser.
//!
//! The modules other than `app` and `api` are plain Rust with no DOM, so
//! they are tested natively (`cargo test -p aiwatch-playground`); the Yew
//! app and the JavaScript API exist only on `wasm32` and are tested in
//! headless Chromium (see the README).

#![warn(missing_docs)]

pub mod cli;
pub mod examples;
pub mod export;
pub mod input;
pub mod session;
pub mod share;
pub mod table;
pub mod text;
pub mod tuning;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
pub mod app;
