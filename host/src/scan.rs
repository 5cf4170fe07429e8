//! Drives inputs through rule sessions.
//!
//! One input is one session. Several inputs get one session each (so line
//! numbers, and W3C `#Fields:` headers, stay per file, the way rotated
//! logs are written) and their states are merged into a final session
//! through the rule's own `merge-state`: scanning `a.log b.log` is by
//! construction the same as merging the states of `a.log` and `b.log`.
//! With several inputs, line errors in the report name their input.

use std::fmt;
use std::io::{self, IsTerminal};
use std::time::Duration;

use aiwatch_rule::{LineError, Metadata, Report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{Batch, Engine, EngineError, Mode, Session, SessionOptions};
use crate::input::{InputError, Reader, Source};

/// Why a scan stopped.
#[derive(Debug)]
pub enum ScanError {
    /// An input could not be read.
    Input(InputError),
    /// The rule failed or refused its config.
    Engine(EngineError),
    /// Writing the output failed.
    Output(io::Error),
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Input(e) => e.fmt(f),
            ScanError::Engine(e) => e.fmt(f),
            ScanError::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl std::error::Error for ScanError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScanError::Input(e) => Some(e),
            ScanError::Engine(e) => Some(e),
            ScanError::Output(e) => Some(e),
        }
    }
}

impl From<EngineError> for ScanError {
    fn from(e: EngineError) -> Self {
        ScanError::Engine(e)
    }
}

impl From<InputError> for ScanError {
    fn from(e: InputError) -> Self {
        ScanError::Input(e)
    }
}

/// The finished scan: the session holding the result.
pub struct Scan {
    /// The session with the whole result (the merged one for several inputs).
    pub session: Box<dyn Session>,
    /// Per input, the line errors its session listed (several inputs only).
    per_input: Vec<(String, Vec<LineError>)>,
}

impl Scan {
    /// The report, with line errors naming their input when several were scanned.
    pub fn report(&mut self, rule: Metadata) -> Result<Report, EngineError> {
        let mut report = self.session.report(rule)?;
        label_errors(&mut report.errors, &self.per_input);
        Ok(report)
    }
}

/// Prefixes each merged error with its input's name. The merged list is the
/// inputs' lists concatenated in order (and capped); entries are matched
/// one by one, and labelling stops at the first that does not match (a
/// rule with other merge semantics keeps its errors as they are).
fn label_errors(merged: &mut [LineError], per_input: &[(String, Vec<LineError>)]) {
    let mut sources = per_input.iter().flat_map(|(name, errors)| errors.iter().map(move |e| (name, e)));
    for e in merged.iter_mut() {
        match sources.next() {
            Some((name, original)) if original == e => e.reason = format!("{name}: {}", e.reason),
            _ => return,
        }
    }
}

/// Where progress goes: a bar on stderr when it is a terminal and every
/// input is a file; nothing otherwise (pipes and logs stay clean).
pub struct Progress {
    bar: Option<ProgressBar>,
    done: u64,
}

impl Progress {
    /// A progress bar for these inputs, if stderr is a terminal and all
    /// inputs are files; `enabled` = false never shows one.
    pub fn new(inputs: &[Source], enabled: bool) -> Progress {
        let files_only = inputs.iter().all(|s| matches!(s, Source::File(_)));
        if !enabled || !files_only || !io::stderr().is_terminal() {
            return Progress { bar: None, done: 0 };
        }
        let total: u64 = inputs.iter().filter_map(Source::len).sum();
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(5));
        bar.set_style(
            ProgressStyle::with_template("{bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12}  ETA {eta:<4} [{bar:30}] {wide_msg}").unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar: Some(bar), done: 0 }
    }

    /// A progress sink that shows nothing.
    pub fn hidden() -> Progress {
        Progress { bar: None, done: 0 }
    }

    fn start(&self, source: &Source) {
        if let Some(b) = &self.bar {
            b.set_message(source.to_string());
        }
    }

    fn update(&self, in_file: u64) {
        if let Some(b) = &self.bar {
            b.set_position(self.done + in_file);
        }
    }

    fn file_done(&mut self, source: &Source) {
        self.done += source.len().unwrap_or(0);
        self.update(0);
    }

    /// Removes the bar before the result is printed.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Scans `inputs`, handing every batch to `on_batch` with the input's name.
pub fn scan(
    engine: &dyn Engine,
    config: &str,
    options: SessionOptions,
    inputs: &[Source],
    progress: &mut Progress,
    on_batch: &mut dyn FnMut(&str, Batch) -> io::Result<()>,
) -> Result<Scan, ScanError> {
    if let [only] = inputs {
        let mut session = engine.open(config, options)?;
        feed(session.as_mut(), only, progress, on_batch)?;
        return Ok(Scan { session, per_input: Vec::new() });
    }
    let mut total = engine.open(config, SessionOptions { mode: Mode::Aggregate, ..options })?;
    let mut per_input = Vec::with_capacity(inputs.len());
    for source in inputs {
        let mut session = engine.open(config, options)?;
        feed(session.as_mut(), source, progress, on_batch)?;
        let errors = session.errors()?;
        let state = session.export_state()?;
        drop(session);
        total.merge_state(&state).map_err(|e| match e {
            EngineError::State(why) => EngineError::State(format!("the rule refused its own state for {source}: {why}")),
            other => other,
        })?;
        per_input.push((source.to_string(), errors));
    }
    Ok(Scan { session: total, per_input })
}

fn feed(session: &mut dyn Session, source: &Source, progress: &mut Progress, on_batch: &mut dyn FnMut(&str, Batch) -> io::Result<()>) -> Result<(), ScanError> {
    let name = source.to_string();
    progress.start(source);
    let mut reader = Reader::open(source)?;
    let bytes = if reader.is_gzip() { "decompressed bytes" } else { "bytes" };
    let mut lines_before = 0u64;
    while let Some(chunk) = reader.next_chunk()? {
        let end = chunk.offset + chunk.data.len() as u64;
        let batch = session.feed(&chunk.data).map_err(|e| e.at(format!("{name}, {bytes} {}..{end} (lines from {})", chunk.offset, lines_before + 1)))?;
        lines_before += memchr::memchr_iter(b'\n', &chunk.data).count() as u64;
        progress.update(reader.raw_bytes_read());
        on_batch(&name, batch).map_err(ScanError::Output)?;
    }
    let batch = session.finish().map_err(|e| e.at(format!("{name}, end of input (line {})", lines_before + 1)))?;
    on_batch(&name, batch).map_err(ScanError::Output)?;
    progress.file_done(source);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_errors_are_labelled_in_input_order() {
        let e = |line, reason: &str| LineError { line, reason: reason.into() };
        let per_input = vec![("a.log".to_string(), vec![e(2, "x")]), ("b.log".to_string(), vec![e(1, "y"), e(5, "z")])];
        let mut merged = vec![e(2, "x"), e(1, "y")];
        label_errors(&mut merged, &per_input);
        assert_eq!(merged, [e(2, "a.log: x"), e(1, "b.log: y")]);
        let mut foreign = vec![e(9, "other"), e(1, "y")];
        label_errors(&mut foreign, &per_input);
        assert_eq!(foreign, [e(9, "other"), e(1, "y")]);
    }
}
