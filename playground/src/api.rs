//! A small JavaScript API on `window.aiwatch`, for scripting the playground
//! from the developer console or a test:
//!
//! ```js
//! aiwatch.version                                   // "0.1.0"
//! aiwatch.scan(text, configToml = "", format = "auto")
//!     // → the `aiwatch scan --output json` object; throws on a bad config
//! ```
//!
//! Values cross into JavaScript through serde-wasm-bindgen in its
//! JSON-compatible mode, so the object equals `JSON.parse` of the CLI output.

use std::sync::Arc;

use aiwatch_rule::{Config, FormatChoice, Report, Rule};
use js_sys::{Object, Reflect};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::session::Session;

/// Scans `input` with a TOML config and a `--format` choice.
pub fn scan_report(input: &[u8], config_toml: &str, format: &str) -> Result<Report, String> {
    let format: FormatChoice = format.parse()?;
    let config = Config::from_toml(config_toml).map_err(|e| e.to_string())?;
    let rule = Rule::new(&config).map_err(|e| e.to_string())?;
    Ok(Session::new(Arc::new(rule), format, Arc::from(input)).run().report)
}

/// Converts a value to a plain JavaScript object (maps as objects, 64-bit
/// integers as numbers), as `JSON.parse` would produce.
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// Installs `window.aiwatch`.
pub fn install() {
    let Some(window) = web_sys::window() else { return };
    let api = Object::new();
    let scan = Closure::<dyn Fn(String, Option<String>, Option<String>) -> Result<JsValue, JsValue>>::new(
        |input: String, config: Option<String>, format: Option<String>| {
            let report = scan_report(input.as_bytes(), config.as_deref().unwrap_or(""), format.as_deref().unwrap_or("auto")).map_err(|e| JsValue::from(js_sys::Error::new(&e)))?;
            to_js(&report)
        },
    );
    let _ = Reflect::set(&api, &"version".into(), &aiwatch_rule::VERSION.into());
    let _ = Reflect::set(&api, &"scan".into(), scan.as_ref());
    // The API lives as long as the page.
    scan.forget();
    let _ = Reflect::set(&window, &"aiwatch".into(), &api);
}
