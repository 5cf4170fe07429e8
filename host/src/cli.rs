//! The `aiwatch` command line (SPEC §4): argument parsing and wiring.
//!
//! Exit status: 0 on success (findings or not), 2 on usage and config
//! errors, 1 on I/O errors and rule component failures. A malformed log
//! line is never fatal: it is counted and listed in the output.

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aiwatch_rule::{FormatChoice, Profile};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::{Engine, EngineError, Mode, NativeEngine, SessionOptions, WasmEngine};
use crate::input::{InputError, Source};
use crate::output::{self, FindingsWriter, OutputFormat};
use crate::runtime::{CachePolicy, Limits, LoadedRule, DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT, WORLD};
use crate::scan::{self, Progress, ScanError};

/// Detect programmatic use of generative-AI APIs (MITRE ATT&CK T1588.007)
/// in web-proxy logs.
#[derive(Debug, Parser)]
#[command(name = "aiwatch", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan logs and print the aggregate per (src_ip, user), or per-event findings.
    Scan(ScanArgs),
    /// Print, for every input line, what the parser saw (NDJSON).
    Parse(ParseArgs),
    /// Combine `scan --output state` files from several machines.
    Merge(MergeArgs),
    /// Print the rule's metadata.
    Info(InfoArgs),
    /// Stream records from stdin (or a followed file) to NDJSON findings on stdout, one record at a time.
    Filter(FilterArgs),
    /// Accept newline-delimited records over TCP (e.g. a Vector `socket` sink) and forward findings.
    Serve(ServeArgs),
}

/// Which implementation of the rule runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum EngineKind {
    /// The rule component, sandboxed under wasmtime.
    #[default]
    Wasm,
    /// The same rule linked into this program.
    Native,
}

/// Options that choose and limit the rule.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Another rule component implementing the aiwatch:rule/log-rule world (default: the embedded one).
    #[arg(long, value_name = "FILE.wasm")]
    pub rule: Option<PathBuf>,
    /// Run the rule as a wasm component or natively.
    #[arg(long, value_enum, default_value_t = EngineKind::Wasm)]
    pub engine: EngineKind,
    /// Memory limit of the rule component, MiB.
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MAX_MEMORY >> 20, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_memory: u64,
    /// Time limit of each call into the rule component (one call handles up to 1 MiB of input), ms;
    /// 0 = no limit. Default: 10000 for a --rule component; none for the embedded rule, which is
    /// built from this repository and fuzzed (the deadline check costs it about a third of its speed).
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// Do not read or write the compiled-component cache ($XDG_CACHE_HOME/aiwatch).
    #[arg(long)]
    pub no_cache: bool,
}

/// Options that configure the rule.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Detection profile; overrides the config file's `profile`.
    #[arg(long, value_parser = parse_profile)]
    pub profile: Option<Profile>,
    /// TOML tuning file (allowlists, thresholds, extra hosts).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `aiwatch scan`.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Log format; auto detects it per line.
    #[arg(long, value_name = "F", default_value = "auto", value_parser = parse_format)]
    pub format: FormatChoice,
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output: table, json, ndjson, csv or state (a mergeable partial aggregate).
    #[arg(long, value_name = "O", default_value = "table", value_parser = parse_output)]
    pub output: OutputFormat,
    /// Print per-event findings (with signals and explanation) instead of the aggregate.
    #[arg(long)]
    pub findings: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Rule selection and limits.
    #[command(flatten)]
    pub rule: RuleArgs,
    /// Log files (plain or gzip); none or "-" reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
}

/// `aiwatch parse`.
#[derive(Debug, Clone, Args)]
pub struct ParseArgs {
    /// Log format; auto detects it per line.
    #[arg(long, value_name = "F", default_value = "auto", value_parser = parse_format)]
    pub format: FormatChoice,
    /// Rule selection and limits.
    #[command(flatten)]
    pub rule: RuleArgs,
    /// Log files (plain or gzip); none or "-" reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
}

/// `aiwatch merge`.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Configuration (the profile defaults to the first state's).
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output: table, json, ndjson, csv or state.
    #[arg(long, value_name = "O", default_value = "table", value_parser = parse_output)]
    pub output: OutputFormat,
    /// Rule selection and limits.
    #[command(flatten)]
    pub rule: RuleArgs,
    /// State files written by `aiwatch scan --output state`.
    #[arg(value_name = "STATE", required = true)]
    pub states: Vec<PathBuf>,
}

/// `aiwatch info`.
#[derive(Debug, Clone, Args)]
pub struct InfoArgs {
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output: table or json.
    #[arg(long, value_name = "O", default_value = "table", value_parser = parse_output)]
    pub output: OutputFormat,
    /// Rule selection and limits.
    #[command(flatten)]
    pub rule: RuleArgs,
}

/// `aiwatch filter`.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Log format; auto detects it per record.
    #[arg(long, value_name = "F", default_value = "auto", value_parser = parse_format)]
    pub format: FormatChoice,
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Write every record (as a JSON object) with an `aiwatch` member on the matching ones, instead of findings only.
    #[arg(long)]
    pub annotate: bool,
    /// Follow a growing log file like `tail -F` (rotation and truncation safe) instead of reading stdin.
    #[arg(long, value_name = "FILE")]
    pub follow: Option<PathBuf>,
    /// With --follow: read the file from its start instead of its current end.
    #[arg(long, requires = "follow")]
    pub from_start: bool,
    /// With --follow: how often to look for new data, ms.
    #[arg(long, value_name = "MS", default_value_t = 200, requires = "follow")]
    pub poll_ms: u64,
    /// On exit (end of input, SIGTERM or SIGINT) write the aggregate state here (`aiwatch merge` reads it).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Rule selection and limits.
    #[command(flatten)]
    pub rule: RuleArgs,
}

/// `aiwatch serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:9000.
    #[arg(long, value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// Send findings to this TCP address (e.g. a Vector `socket` source) instead of stdout.
    #[arg(long, value_name = "ADDR")]
    pub forward: Option<std::net::SocketAddr>,
    /// Write every record annotated instead of findings only.
    #[arg(long)]
    pub annotate: bool,
    /// Log format; auto detects it per record.
    #[arg(long, value_name = "F", default_value = "auto", value_parser = parse_format)]
    pub format: FormatChoice,
    /// Configuration.
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Records buffered between the network and the rule; when full, clients are slowed by TCP backpressure.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub queue: usize,
    /// Most clients served at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub max_clients: usize,
    /// On SIGTERM/SIGINT write the aggregate state here (default: standard error).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Rule selection and limits.
    #[command(flatten)]
    pub rule: RuleArgs,
}

fn parse_format(s: &str) -> Result<FormatChoice, String> {
    s.parse()
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    s.parse()
}

fn parse_output(s: &str) -> Result<OutputFormat, String> {
    s.parse()
}

/// Why a command failed, and so its exit status.
#[derive(Debug)]
pub enum CliError {
    /// Contradictory or unusable arguments (status 2).
    Usage(String),
    /// The config file is unreadable or invalid (status 2).
    Config(String),
    /// An input could not be read (status 1).
    Input(InputError),
    /// The rule failed (status 1; config errors from the rule: 2).
    Engine(EngineError),
    /// A state file could not be read or merged (status 1).
    State {
        /// The state file.
        file: PathBuf,
        /// Why.
        reason: String,
    },
    /// Writing the output failed (status 1; a closed pipe ends quietly).
    Output(io::Error),
}

impl CliError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Config(_) => 2,
            CliError::Engine(EngineError::Config { .. }) => 2,
            CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
            _ => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Config(m) => f.write_str(m),
            CliError::Input(e) => e.fmt(f),
            CliError::Engine(e) => e.fmt(f),
            CliError::State { file, reason } => write!(f, "cannot merge {}: {reason}", file.display()),
            CliError::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<ScanError> for CliError {
    fn from(e: ScanError) -> Self {
        match e {
            ScanError::Input(e) => CliError::Input(e),
            ScanError::Engine(e) => CliError::Engine(e),
            ScanError::Output(e) => CliError::Output(e),
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        CliError::Engine(e)
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Output(e)
    }
}

/// Runs `aiwatch` with the process arguments; what `main` calls.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap: 0 for --help/--version, 2 for usage errors.
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 << 10, stdout.lock());
    let result = run(cli, &mut out).and_then(|()| out.flush().map_err(CliError::Output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            if code != 0 {
                eprintln!("aiwatch: error: {e}");
            }
            ExitCode::from(code)
        }
    }
}

/// Runs one parsed command, writing results to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<(), CliError> {
    match cli.command {
        Command::Scan(a) => run_scan(a, out),
        Command::Parse(a) => run_parse(a, out),
        Command::Merge(a) => run_merge(a, out),
        Command::Info(a) => run_info(a, out),
        Command::Filter(a) => run_filter(a, out),
        Command::Serve(a) => run_serve(a),
    }
}

/// SIGTERM and SIGINT set the returned flag; the pipelines then stop
/// reading, finish what they received and write the state.
fn stop_flag() -> Result<std::sync::Arc<std::sync::atomic::AtomicBool>, CliError> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone()).map_err(CliError::Output)?;
    }
    Ok(stop)
}

/// Opens a findings-mode session for a pipeline command.
fn pipeline_filter(rule: &RuleArgs, config: &ConfigArgs, format: FormatChoice, annotate: bool) -> Result<crate::pipeline::RecordFilter, CliError> {
    let text = read_config(config)?;
    let engine = engine(rule)?;
    let options = SessionOptions { format, mode: Mode::Findings, profile: config.profile, ..SessionOptions::default() };
    let session = engine.open(&text, options).map_err(|e| config_context(config, e))?;
    Ok(crate::pipeline::RecordFilter::new(session, annotate))
}

/// Writes the session's state to `path`, or to standard error.
fn write_state(filter: &mut crate::pipeline::RecordFilter, path: Option<&PathBuf>) -> Result<(), CliError> {
    let state = filter.session().export_state()?;
    match path {
        Some(p) => std::fs::write(p, state).map_err(CliError::Output),
        None => io::stderr().write_all(state.as_bytes()).map_err(CliError::Output),
    }
}

fn pipeline_error(e: crate::pipeline::PipelineError) -> CliError {
    match e {
        crate::pipeline::PipelineError::Io(e) => CliError::Output(e),
        crate::pipeline::PipelineError::Engine(e) => CliError::Engine(e),
    }
}

fn run_filter(a: FilterArgs, out: &mut dyn Write) -> Result<(), CliError> {
    use crate::pipeline::{run_filter, FilterInput};
    let mut filter = pipeline_filter(&a.rule, &a.config, a.format, a.annotate)?;
    let stop = stop_flag()?;
    let input = match &a.follow {
        Some(path) => FilterInput::Follow { path: path.clone(), from_start: a.from_start, poll: Duration::from_millis(a.poll_ms.max(1)) },
        None => FilterInput::Stdin,
    };
    run_filter(&mut filter, input, out, &stop).map_err(pipeline_error)?;
    if let Some(path) = &a.state {
        write_state(&mut filter, Some(path))?;
    }
    Ok(())
}

fn run_serve(a: ServeArgs) -> Result<(), CliError> {
    use crate::pipeline::{serve, ServeOptions};
    let mut filter = pipeline_filter(&a.rule, &a.config, a.format, a.annotate)?;
    let stop = stop_flag()?;
    let opts = ServeOptions { listen: a.listen, forward: a.forward, annotate: a.annotate, queue: a.queue, max_clients: a.max_clients };
    eprintln!("aiwatch: serving on {}", a.listen);
    let summary = serve(&mut filter, &opts, stop).map_err(pipeline_error)?;
    let stats = filter.session().stats()?;
    eprintln!("aiwatch: {} clients, {} records received; {} lines, {} findings, {} errors", summary.clients, summary.records, stats.lines, stats.findings, stats.errors);
    write_state(&mut filter, a.state.as_ref())
}

/// Builds the engine the arguments ask for.
pub fn engine(args: &RuleArgs) -> Result<Box<dyn Engine>, CliError> {
    match args.engine {
        EngineKind::Native => {
            if args.rule.is_some() {
                return Err(CliError::Usage("--rule loads a component and needs --engine wasm".into()));
            }
            Ok(Box::new(NativeEngine))
        }
        EngineKind::Wasm => Ok(Box::new(wasm_engine(args)?)),
    }
}

fn wasm_engine(args: &RuleArgs) -> Result<WasmEngine, CliError> {
    let timeout = deadline(args.timeout_ms, args.rule.is_some());
    let limits = Limits { max_memory: args.max_memory << 20, timeout };
    let cache = if args.no_cache { CachePolicy::Disabled } else { CachePolicy::Default };
    let rule = match &args.rule {
        Some(path) => LoadedRule::load_file(path, limits, &cache),
        None => LoadedRule::load(crate::EMBEDDED_COMPONENT, crate::EMBEDDED_NAME, limits, &cache),
    }
    .map_err(|e| CliError::Engine(EngineError::Load(e)))?;
    Ok(WasmEngine::new(rule))
}

/// The per-call deadline: what `--timeout-ms` says (0 = none), else
/// [`DEFAULT_TIMEOUT`] for a component from outside and none for the
/// embedded rule. The deadline guards against components nobody here has
/// read; the embedded rule is the same code the native engine runs without
/// one, and the epoch check compiled into its every loop would cost it
/// about a third of its throughput.
fn deadline(timeout_ms: Option<u64>, foreign_rule: bool) -> Option<Duration> {
    match timeout_ms {
        Some(0) => None,
        Some(ms) => Some(Duration::from_millis(ms)),
        None => foreign_rule.then_some(DEFAULT_TIMEOUT),
    }
}

fn read_config(args: &ConfigArgs) -> Result<String, CliError> {
    match &args.config {
        None => Ok(String::new()),
        Some(path) => std::fs::read_to_string(path).map_err(|e| CliError::Config(format!("cannot read config {}: {e}", path.display()))),
    }
}

/// Makes a rule's config error name the config file it came from.
fn config_context(args: &ConfigArgs, e: EngineError) -> CliError {
    match (e, &args.config) {
        (EngineError::Config { key, message }, Some(path)) => CliError::Engine(EngineError::Config { key, message: format!("{}: {message}", path.display()) }),
        (e, _) => CliError::Engine(e),
    }
}

fn sources(files: &[String]) -> Vec<Source> {
    if files.is_empty() {
        vec![Source::Stdin]
    } else {
        files.iter().map(|f| Source::from_arg(f)).collect()
    }
}

fn run_scan(a: ScanArgs, out: &mut dyn Write) -> Result<(), CliError> {
    if a.findings && a.output == OutputFormat::State {
        return Err(CliError::Usage("--findings prints events; --output state prints the aggregate state: choose one".into()));
    }
    let config = read_config(&a.config)?;
    let engine = engine(&a.rule)?;
    let metadata = engine.metadata(&config, a.config.profile).map_err(|e| config_context(&a.config, e))?;
    let inputs = sources(&a.files);
    let several = inputs.len() > 1;
    let mode = if a.findings { Mode::Findings } else { Mode::Aggregate };
    let options = SessionOptions { format: a.format, mode, profile: a.config.profile, ..SessionOptions::default() };
    let mut progress = Progress::new(&inputs, !a.no_progress);

    if a.findings {
        let mut writer = FindingsWriter::begin(out, a.output, several)?;
        let mut on_batch = |file: &str, batch: crate::engine::Batch| -> io::Result<()> {
            for f in &batch.findings {
                writer.write(f, file)?;
            }
            // Live input (a pipe) should show findings as they come.
            if !batch.findings.is_empty() {
                writer_flush(&mut writer)?;
            }
            Ok(())
        };
        let result = scan::scan(engine.as_ref(), &config, options, &inputs, &mut progress, &mut on_batch);
        progress.finish();
        let mut scan = result.map_err(|e| scan_error(&a.config, e))?;
        let report = scan.report(metadata)?;
        writer.end(&report.stats, &report.errors)?;
        return Ok(());
    }

    let result = scan::scan(engine.as_ref(), &config, options, &inputs, &mut progress, &mut |_, _| Ok(()));
    progress.finish();
    let mut scan = result.map_err(|e| scan_error(&a.config, e))?;
    if a.output == OutputFormat::State {
        output::write_state(out, &scan.session.export_state()?)?;
    } else {
        output::write_report(out, a.output, &scan.report(metadata)?)?;
    }
    Ok(())
}

fn writer_flush(w: &mut FindingsWriter<'_>) -> io::Result<()> {
    w.flush()
}

fn scan_error(config: &ConfigArgs, e: ScanError) -> CliError {
    match e {
        ScanError::Engine(e) => config_context(config, e),
        other => other.into(),
    }
}

fn run_parse(a: ParseArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let engine = engine(&a.rule)?;
    let inputs = sources(&a.files);
    let several = inputs.len() > 1;
    let options = SessionOptions { format: a.format, mode: Mode::Parse, ..SessionOptions::default() };
    let mut progress = Progress::hidden();
    let mut on_batch = |file: &str, batch: crate::engine::Batch| -> io::Result<()> {
        for o in &batch.outcomes {
            output::write_outcome(out, o, several.then_some(file))?;
        }
        out.flush()
    };
    // Parse output is per line; the merged aggregate is not printed.
    scan::scan(engine.as_ref(), "", options, &inputs, &mut progress, &mut on_batch)?;
    Ok(())
}

fn run_merge(a: MergeArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let config = read_config(&a.config)?;
    let engine = engine(&a.rule)?;
    let first = read_state(&a.states[0])?;
    // The merged session must run the profile the states were made with;
    // take it from the first state unless the user names one.
    let profile = a.config.profile.or_else(|| state_profile(&first));
    let metadata = engine.metadata(&config, profile).map_err(|e| config_context(&a.config, e))?;
    let mut session = engine.open(&config, SessionOptions { profile, ..SessionOptions::default() }).map_err(|e| config_context(&a.config, e))?;
    let mut text = Some(first);
    for path in &a.states {
        let state = match text.take() {
            Some(t) => t,
            None => read_state(path)?,
        };
        session.merge_state(&state).map_err(|e| match e {
            EngineError::State(reason) => CliError::State { file: path.clone(), reason },
            other => CliError::Engine(other.at(format!("state file {}", path.display()))),
        })?;
    }
    if a.output == OutputFormat::State {
        output::write_state(out, &session.export_state()?)?;
    } else {
        output::write_report(out, a.output, &session.report(metadata)?)?;
    }
    Ok(())
}

fn read_state(path: &PathBuf) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError::State { file: path.clone(), reason: e.to_string() })
}

/// The `rule.profile` of a state file, if it has one we know.
fn state_profile(state: &str) -> Option<Profile> {
    let v: serde_json::Value = serde_json::from_str(state).ok()?;
    v.get("rule")?.get("profile")?.as_str()?.parse().ok()
}

fn run_info(a: InfoArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let config = read_config(&a.config)?;
    let (engine, component): (Box<dyn Engine>, Option<Vec<String>>) = match a.rule.engine {
        EngineKind::Wasm => {
            let wasm = wasm_engine(&a.rule)?;
            let r = wasm.rule();
            let lines = vec![format!("{} ({} bytes)", r.name(), r.size()), format!("sha256 {}", r.sha256()), format!("world {WORLD}"), r.cache_status().to_string()];
            (Box::new(wasm), Some(lines))
        }
        EngineKind::Native => (engine(&a.rule)?, None),
    };
    let m = engine.metadata(&config, a.config.profile).map_err(|e| config_context(&a.config, e))?;
    match a.output {
        OutputFormat::Json => {
            writeln!(out, "{}", serde_json::to_string_pretty(&m).map_err(io::Error::other)?)?;
        }
        OutputFormat::Table => {
            let rows = [
                ("id", m.id.clone()),
                ("name", m.name.clone()),
                ("version", m.version.clone()),
                ("att&ck", format!("{} / {} / {}", m.tactic, m.technique, m.subtechnique)),
                ("severity", m.severity.clone()),
                ("confidence", m.confidence.clone()),
                ("profile", m.profile.clone()),
                ("engine", engine.kind().to_string()),
            ];
            for (k, v) in rows {
                writeln!(out, "{k:<12}{v}")?;
            }
            for (i, l) in component.iter().flatten().enumerate() {
                writeln!(out, "{:<12}{l}", if i == 0 { "component" } else { "" })?;
            }
            for (i, l) in output::wrap(&m.description, output::TABLE_WIDTH - 12).into_iter().enumerate() {
                writeln!(out, "{:<12}{l}", if i == 0 { "description" } else { "" })?;
            }
        }
        other => return Err(CliError::Usage(format!("info prints table or json, not {other}"))),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_foreign_rules_get_a_deadline_by_default() {
        assert_eq!(deadline(None, false), None);
        assert_eq!(deadline(None, true), Some(DEFAULT_TIMEOUT));
        assert_eq!(deadline(Some(0), true), None);
        assert_eq!(deadline(Some(250), false), Some(Duration::from_millis(250)));
        assert_eq!(deadline(Some(250), true), Some(Duration::from_millis(250)));
    }
}
