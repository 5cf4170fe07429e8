//! Builds the rule component (`rule/component`) for `wasm32-wasip2` so the
//! `aiwatch` binary can embed it with `include_bytes!`.
//!
//! The inner cargo runs with its own `--target-dir`: the outer build holds
//! the lock on its target directory for as long as this script runs, so
//! sharing it would deadlock. Environment that the outer cargo set for this
//! script (or that the user set for the host build) must not leak into the
//! wasm build: RUSTFLAGS meant for x86-64 would break it, and CARGO_* build
//! variables describe the host crate, not the component.
//!
//! `AIWATCH_COMPONENT_WASM=/path/to/component.wasm` skips the build and
//! embeds that file instead (for packagers who build the component
//! separately, or machines without the wasm target).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "wasm";
/// Target features of the embedded component.
const SIMD_FLAGS: &str = "-Ctarget-feature=+simd128";

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.parent().expect("host/ lives in the workspace").to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let embedded = out_dir.join("aiwatch_component.wasm");

    println!("cargo:rerun-if-env-changed=AIWATCH_COMPONENT_WASM");
    if let Some(prebuilt) = env::var_os("AIWATCH_COMPONENT_WASM") {
        let prebuilt = PathBuf::from(prebuilt);
        println!("cargo:rerun-if-changed={}", prebuilt.display());
        std::fs::copy(&prebuilt, &embedded).unwrap_or_else(|e| fail(&format!("AIWATCH_COMPONENT_WASM={}: {e}", prebuilt.display())));
        return;
    }

    for watched in ["rule/src", "rule/wit", "rule/component/src", "rule/Cargo.toml", "rule/component/Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }

    check_target_installed();

    let target_dir = component_target_dir(&out_dir);
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&workspace)
        .args(["build", "--package", "aiwatch-component", "--target", TARGET, "--profile", PROFILE, "--target-dir"])
        .arg(&target_dir)
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"));
    scrub_environment(&mut cmd);
    // 128-bit SIMD (standard WebAssembly, on in every current engine): the
    // rule's byte searches (memchr) use it, about 8% faster under wasmtime.
    cmd.env("CARGO_ENCODED_RUSTFLAGS", SIMD_FLAGS);
    let status = cmd.status().unwrap_or_else(|e| fail(&format!("cannot run cargo to build the rule component: {e}")));
    if !status.success() {
        fail(&format!(
            "building the rule component failed ({status}); see the cargo output above. To build it by hand:\n    RUSTFLAGS={SIMD_FLAGS} cargo build -p aiwatch-component --target {TARGET} --profile {PROFILE}"
        ));
    }
    let built = target_dir.join(TARGET).join(PROFILE).join("aiwatch_component.wasm");
    std::fs::copy(&built, &embedded).unwrap_or_else(|e| fail(&format!("{}: {e}", built.display())));
}

/// Prints the reason and stops the build.
fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    panic!("{msg}");
}

/// Fails early, with the fix, when the standard library for the wasm target
/// is missing (`RUSTUP_AUTO_INSTALL=0` machines do not fetch it).
fn check_target_installed() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) = Command::new(rustc).args(["--print", "sysroot"]).output() else { return };
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !sysroot.as_os_str().is_empty() && !sysroot.join("lib/rustlib").join(TARGET).exists() {
        // A fresh clone should build with one command: install the target
        // through rustup when it is there, and only then give up.
        println!("cargo:warning=installing the Rust target {TARGET} (rustup target add {TARGET})");
        let added = Command::new("rustup").args(["target", "add", TARGET]).status().is_ok_and(|s| s.success());
        if added && sysroot.join("lib/rustlib").join(TARGET).exists() {
            return;
        }
        fail(&format!("the Rust target {TARGET} is not installed; the rule component is built for it. Run:\n    rustup target add {TARGET}\n(or set AIWATCH_COMPONENT_WASM to a prebuilt component)"));
    }
}

/// A target directory of its own for the component, next to the outer one
/// (found by cargo's `CACHEDIR.TAG`) so it survives `OUT_DIR` changes and
/// incremental rebuilds stay fast; `OUT_DIR` itself as a fallback.
fn component_target_dir(out_dir: &Path) -> PathBuf {
    out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(|target| target.join("aiwatch-component"))
        .unwrap_or_else(|| out_dir.join("component-target"))
}

/// Removes the environment that describes the outer build.
fn scrub_environment(cmd: &mut Command) {
    const KEEP: &[&str] = &["CARGO_HOME", "CARGO_MAKEFLAGS", "CARGO_NET_OFFLINE", "CARGO_HTTP_TIMEOUT", "CARGO_TERM_COLOR"];
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let outer_build = key.starts_with("CARGO_") && !KEEP.contains(&key) && !key.starts_with("CARGO_REGISTRIES_") && !key.starts_with("CARGO_NET_") && !key.starts_with("CARGO_HTTP_");
        let flags = matches!(key, "RUSTFLAGS" | "RUSTDOCFLAGS" | "RUSTC_WORKSPACE_WRAPPER" | "TARGET" | "HOST" | "OUT_DIR" | "PROFILE" | "OPT_LEVEL" | "DEBUG" | "NUM_JOBS" | "RUSTC_LINKER" | "__CARGO_FIX_PLZ");
        if outer_build || flags {
            cmd.env_remove(key);
        }
    }
}
