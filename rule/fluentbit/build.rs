//! Bakes an optional tuning file into the filter module, and exports the
//! allocator the way WAMR looks for it on each wasm target.
//!
//! Fluent Bit's wasm filter has no way to hand a plugin its settings, so a
//! tuned rule (allowlists, thresholds, extra hosts) has to be compiled in:
//! `AIWATCH_FLUENTBIT_CONFIG=/path/to/tuning.toml cargo build ...`. A
//! relative path is taken from the workspace root. The file is validated here
//! with the rule's own config code, so a typo fails the build with the
//! offending key named, instead of silently disabling the filter at run time.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

const CONFIG_ENV: &str = "AIWATCH_FLUENTBIT_CONFIG";

fn main() {
    println!("cargo:rerun-if-env-changed={CONFIG_ENV}");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let text = match env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
        None => String::new(),
        Some(raw) => {
            let path = PathBuf::from(&raw);
            let path = if path.is_absolute() {
                path
            } else {
                let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
                workspace_root(&manifest).join(path)
            };
            println!("cargo:rerun-if-changed={}", path.display());
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{CONFIG_ENV}={}: cannot read {}: {e}", raw.to_string_lossy(), path.display()));
            if let Err(e) = aiwatch_rule::Rule::from_toml(&text) {
                panic!("{CONFIG_ENV}: {}: {e}", path.display());
            }
            text
        }
    };
    fs::write(out.join("config.toml"), text).expect("write the baked config into OUT_DIR");

    // WASI targets link wasi-libc, whose malloc/free back Rust's allocator
    // there: export those (defining our own would recurse into itself).
    // On wasm32-unknown-unknown the crate defines and exports its own.
    let family = env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if family.split(',').any(|f| f == "wasm") && os == "wasi" {
        println!("cargo:rustc-link-arg-cdylib=--export=malloc");
        println!("cargo:rustc-link-arg-cdylib=--export=free");
    }
}

/// `rule/fluentbit` sits two levels below the workspace root.
fn workspace_root(manifest: &Path) -> PathBuf {
    manifest.ancestors().nth(2).unwrap_or(manifest).to_path_buf()
}
