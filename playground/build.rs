//! Embeds the testdata cases as the playground's examples menu, so the page
//! needs no request to load one (and works offline).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Input extensions that make a case (as in `tests/lib.rs`).
const CASE_EXTENSIONS: &[&str] = &["log", "json", "ndjson", "txt", "w3c"];
/// Larger inputs are left out: an example is something to read on screen,
/// and every embedded byte is downloaded with the page.
const MAX_EXAMPLE_BYTES: u64 = 256 * 1024;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let testdata = manifest.parent().expect("playground/ has a parent").join("testdata");
    println!("cargo:rerun-if-changed={}", testdata.display());

    let mut cases = Vec::new();
    collect(&testdata, &mut cases);
    cases.sort_by_key(|p| (order(&testdata, p), p.clone()));

    let mut out = String::from("/// Every testdata case small enough to embed, scenarios first.\npub static EXAMPLES: &[Example] = &[\n");
    let cases_for_goldens = cases.clone();
    for path in cases {
        let name = path.strip_prefix(&testdata).expect("under testdata").to_string_lossy().replace('\\', "/");
        let config = path.with_extension("toml");
        let config = if config.exists() { format!("Some(include_str!({:?}))", config.display().to_string()) } else { "None".to_string() };
        writeln!(out, "    Example {{ name: {name:?}, input: include_bytes!({:?}), config: {config} }},", path.display().to_string()).unwrap();
    }
    out.push_str("];\n");
    // The golden reports of the embedded cases, for the in-browser
    // conformance tests (tests/web.rs); the page itself does not use them.
    let mut goldens = String::from("/// (case name, golden `scan --output json`) of every embedded case that has one.\npub static GOLDENS: &[(&str, &str)] = &[\n");
    for path in &cases_for_goldens {
        let golden = path.with_file_name(format!("{}.expected.json", path.file_stem().unwrap_or_default().to_string_lossy()));
        if golden.exists() {
            let name = path.strip_prefix(&testdata).expect("under testdata").to_string_lossy().replace('\\', "/");
            writeln!(goldens, "    ({name:?}, include_str!({:?})),", golden.display().to_string()).unwrap();
        }
    }
    goldens.push_str("];\n");
    std::fs::write(PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("goldens.rs"), goldens).expect("write goldens.rs");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("examples.rs");
    std::fs::write(dest, out).expect("write examples.rs");
}

fn order(root: &Path, p: &Path) -> u8 {
    match p.strip_prefix(root).ok().and_then(|r| r.components().next()).and_then(|c| c.as_os_str().to_str()) {
        Some("scenarios") => 0,
        Some("benign") => 1,
        _ => 2,
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| CASE_EXTENSIONS.contains(&e))
            && !name.contains(".findings.")
            && !name.contains(".expected.")
            && entry.metadata().is_ok_and(|m| m.len() <= MAX_EXAMPLE_BYTES)
        {
            out.push(path);
        }
    }
}
