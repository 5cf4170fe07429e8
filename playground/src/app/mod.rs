//! The Yew app. One [`App`] component owns the state (input, config,
//! results); the editor and the result tables are child components.
//!
//! Element ids that tests outside the crate rely on (SPEC §4): `log-input`,
//! `profile`, `aggregate`, `stats`. The end-to-end test also uses `format`,
//! `config-toml`, `examples`, `file-input`, `share-button`, `share-link`,
//! `share-warning` and `version-notice`.

pub mod dom;
pub mod editor;
pub mod results;

use std::cell::Cell;
use std::ops::Deref;
use std::rc::Rc;
use std::sync::Arc;

use aiwatch_rule::{Config, Format, FormatChoice, Profile, Rule, VERSION};
use gloo_timers::callback::Timeout;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::examples::{self, EXAMPLES};
use crate::session::{LineMark, Results, Session};
use crate::share::{self, Header, Shared as ShareState};
use crate::tuning::Form;
use crate::{cli, export, text};
use editor::Editor;
use results::{AggregateTable, ErrorsList, FindingsTable};

/// Quiet time after the last keystroke before a scan starts.
const DEBOUNCE_INPUT_MS: u32 = 250;
/// Quiet time after a tuning change before a scan starts.
const DEBOUNCE_CONFIG_MS: u32 = 120;
/// Longest stretch of scanning between two yields to the event loop: short
/// enough that typing and scrolling stay smooth during a large scan.
const SLICE_MS: f64 = 12.0;
/// Bytes fed to the scanner between two looks at the clock.
const STEP_BYTES: usize = 32 * 1024;
/// Larger inputs are scanned whole but only their start is shown, read-only:
/// Chromium spends about half a second per megabyte laying out a textarea,
/// so 100,000 pasted lines (15 MB) would freeze the page for seconds.
pub const MAX_EDITABLE_BYTES: usize = 512 * 1024;
/// How much of a large input the read-only textarea shows.
const PREVIEW_BYTES: usize = 128 * 1024;

fn preview(bytes: &[u8]) -> String {
    text::preview(bytes, PREVIEW_BYTES)
}

/// Mounts the app on `#app` (or the body) and installs the JavaScript API.
pub fn start() {
    crate::api::install();
    let doc = dom::window().document().expect("a document");
    match doc.get_element_by_id("app") {
        Some(root) => {
            yew::Renderer::<App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<App>::new().render();
        }
    }
}

/// A shared value compared by identity, so components whose properties
/// hold big results skip re-rendering when the results did not change.
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Where the results stand relative to the current input and settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Waiting for the input to settle, or scanning.
    Busy,
    /// The results match the input and settings.
    Ready,
    /// The settings are invalid; the results shown are from before.
    ConfigError,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::Busy => "busy",
            Status::Ready => "ready",
            Status::ConfigError => "config-error",
        }
    }
}

/// A tuning form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `min_score`.
    MinScore,
    /// `large_payload_bytes`.
    LargePayload,
    /// `allowlist.src_cidrs`.
    SrcCidrs,
    /// `allowlist.users`.
    Users,
    /// `allowlist.user_agents`.
    UserAgents,
    /// `hosts.extra`.
    ExtraHosts,
}

/// Messages of [`App`].
pub enum Msg {
    /// The log textarea changed.
    Input,
    /// A file was picked or dropped.
    File(web_sys::File),
    /// Large text was pasted (kept out of the textarea).
    LargePaste(String),
    /// The input was cleared.
    Clear,
    /// A file was read.
    Loaded {
        /// The file name.
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// An example was chosen.
    Example(String),
    /// The profile select changed.
    Profile(String),
    /// The format select changed.
    Format(String),
    /// A tuning form field changed.
    Form(Field, String),
    /// The TOML editor changed.
    Toml,
    /// The debounce delay for `revision` ran out.
    Run(u64),
    /// A scan finished.
    Done {
        /// The revision scanned.
        revision: u64,
        /// What the scan produced.
        results: Box<Results>,
        /// Wall time of the scan, slices and yields included.
        ms: f64,
        /// Size of the input scanned.
        bytes: usize,
    },
    /// A finding or error was chosen: highlight its line.
    Select(u64),
    /// The caret moved in the log textarea (UTF-16 offset).
    Caret(u32),
    /// Make a share link.
    Share,
    /// Hide the share or CLI panel.
    ClosePanels,
    /// Show the CLI command.
    Cli,
    /// Copy text to the clipboard.
    Copy(String),
    /// Download an export.
    Export(Export),
    /// The URL fragment changed (a share link pasted into the address bar).
    HashChanged,
    /// Show a short status message.
    Status(String),
}

/// The downloads offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// `scan --output json`.
    ReportJson,
    /// The aggregate as CSV.
    AggregateCsv,
    /// The findings as CSV.
    FindingsCsv,
    /// `scan --findings --output ndjson`.
    FindingsNdjson,
}

/// The playground.
pub struct App {
    input_ref: NodeRef,
    toml_ref: NodeRef,
    progress_ref: NodeRef,
    file_ref: NodeRef,
    /// The selects, kept in step with the state after every render: an
    /// option's `selected` attribute no longer moves a select the user or a
    /// script has changed, so the value is set directly.
    selects: [NodeRef; 4],
    input: Arc<[u8]>,
    input_name: Option<String>,
    /// The textarea shows only the start of a large input.
    partial_view: bool,
    pending_input_text: Option<String>,
    pending_toml: Option<String>,
    config: Config,
    form: Form,
    form_error: Option<String>,
    toml_error: Option<String>,
    rule: Result<Arc<Rule>, String>,
    format: FormatChoice,
    example: String,
    revision: u64,
    live: Rc<Cell<u64>>,
    debounce: Option<Timeout>,
    status: Status,
    scanned_revision: u64,
    results: Option<Shared<Results>>,
    scan_ms: f64,
    scanned_bytes: usize,
    selected: Option<u64>,
    inspect: Option<u64>,
    share_link: Option<String>,
    cli_text: Option<String>,
    notice: Option<String>,
    link_error: Option<String>,
    message: Option<String>,
    _hash_listener: Option<gloo_events::EventListener>,
}

impl App {
    /// Records a change of input or settings and schedules a scan.
    fn changed(&mut self, ctx: &Context<Self>, delay_ms: u32) {
        self.revision += 1;
        self.live.set(self.revision);
        self.status = Status::Busy;
        let revision = self.revision;
        let link = ctx.link().clone();
        self.debounce = Some(Timeout::new(delay_ms, move || link.send_message(Msg::Run(revision))));
    }

    /// Rebuilds the rule after a config change.
    fn rebuild_rule(&mut self) {
        self.rule = Rule::new(&self.config).map(Arc::new).map_err(|e| e.to_string());
    }

    fn config_problem(&self) -> Option<String> {
        self.toml_error.clone().or_else(|| self.form_error.clone()).or_else(|| self.rule.as_ref().err().cloned())
    }

    /// Replaces the config (TOML editor, example, share link) and shows it
    /// in the form and the TOML editor.
    fn set_config(&mut self, config: Config) {
        self.form = Form::from_config(&config);
        self.config = config;
        self.form_error = None;
        self.toml_error = None;
        self.pending_toml = Some(self.config.to_toml());
        self.rebuild_rule();
    }

    /// Replaces the input with bytes from outside the textarea (file,
    /// example, share link), keeping them exactly as they are for the scan.
    fn set_input(&mut self, bytes: Vec<u8>, name: Option<String>) {
        self.partial_view = bytes.len() > MAX_EDITABLE_BYTES;
        self.pending_input_text = Some(if self.partial_view { preview(&bytes) } else { String::from_utf8_lossy(&bytes).into_owned() });
        self.input = Arc::from(bytes);
        self.input_name = name;
        self.selected = None;
        self.inspect = None;
    }

    /// Loads a whole state: input, config text, profile and format.
    fn load(&mut self, input: Vec<u8>, name: Option<String>, config_text: &str, profile: Option<Profile>, format: FormatChoice) {
        match Config::from_toml(config_text) {
            Ok(mut c) => {
                // Only an actual change is written into the config, so a
                // restored config reads back exactly as it was shared.
                if let Some(p) = profile.filter(|p| *p != c.profile()) {
                    c.profile = Some(p);
                }
                self.set_config(c);
            }
            Err(e) => {
                self.toml_error = Some(e.to_string());
                self.pending_toml = Some(config_text.to_string());
            }
        }
        self.format = format;
        self.set_input(input, name);
        self.share_link = None;
        self.cli_text = None;
    }

    /// Restores the state in the URL fragment, if it holds a share link.
    fn restore_from_hash(&mut self) -> bool {
        let hash = dom::window().location().hash().unwrap_or_default();
        if !share::is_share_fragment(&hash) {
            return false;
        }
        match share::decode(&hash) {
            Ok(ShareState { header, input }) => {
                self.link_error = None;
                self.notice = (header.rule_version != VERSION).then(|| {
                    format!(
                        "This link was made with rule version {}; this page runs version {VERSION}. The detection may have changed since, so results can differ from what the sender saw.",
                        header.rule_version
                    )
                });
                let profile = header.profile.parse().ok();
                let format = header.format.parse().unwrap_or_default();
                self.example.clear();
                self.load(input, Some("shared link".into()), &header.config, profile, format);
                true
            }
            Err(e) => {
                self.link_error = Some(format!("The link could not be opened: {e}"));
                false
            }
        }
    }

    fn start_scan(&mut self, ctx: &Context<Self>) {
        let rule = match (&self.rule, self.config_problem()) {
            (Ok(rule), None) => rule.clone(),
            _ => {
                self.status = Status::ConfigError;
                self.scanned_revision = self.revision;
                return;
            }
        };
        let revision = self.revision;
        let live = self.live.clone();
        let link = ctx.link().clone();
        let progress = self.progress_ref.clone();
        let bytes = self.input.len();
        let mut session = Session::new(rule, self.format, self.input.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let started = dom::now_ms();
            let mut waited = 0.0;
            let mut slices = 0u32;
            loop {
                slices += 1;
                let slice = dom::now_ms();
                let mut done = false;
                while !done && dom::now_ms() - slice < SLICE_MS {
                    done = session.step(STEP_BYTES);
                }
                if done {
                    break;
                }
                if let Some(p) = progress.cast::<web_sys::HtmlElement>() {
                    let (at, of) = session.progress();
                    let _ = p.set_attribute("value", &format!("{}", at as f64 / of.max(1) as f64));
                    let _ = p.set_attribute("aria-valuetext", &format!("{} of {} KiB", at >> 10, of >> 10));
                }
                let before = dom::now_ms();
                dom::yield_now().await;
                waited += dom::now_ms() - before;
                if live.get() != revision {
                    // The input or settings changed; a newer scan is coming.
                    return;
                }
            }
            let results = Box::new(session.into_results());
            web_sys::console::debug_1(&format!("aiwatch: scanned {bytes} bytes in {:.0} ms: {slices} slices, {waited:.0} ms yielded to the browser", dom::now_ms() - started).into());
            link.send_message(Msg::Done { revision, results, ms: dom::now_ms() - started, bytes });
        });
    }

    fn textarea_value(&self) -> Option<String> {
        self.input_ref.cast::<HtmlTextAreaElement>().map(|t| t.value())
    }

    fn export(&self, what: Export) -> Result<(), String> {
        let r = self.results.as_ref().ok_or("nothing to export yet")?;
        match what {
            Export::ReportJson => dom::download("aiwatch-report.json", "application/json", r.report.to_json().as_bytes()),
            Export::AggregateCsv => dom::download("aiwatch-aggregate.csv", "text/csv", export::aggregate_csv(&r.report).as_bytes()),
            Export::FindingsCsv => dom::download("aiwatch-findings.csv", "text/csv", export::findings_csv(&r.findings).as_bytes()),
            Export::FindingsNdjson => dom::download("aiwatch-findings.ndjson", "application/x-ndjson", export::findings_ndjson(&r.findings).as_bytes()),
        }
    }

    fn copy(&self, ctx: &Context<Self>, text: String) {
        let link = ctx.link().clone();
        wasm_bindgen_futures::spawn_local(async move {
            let msg = match dom::copy_text(&text).await {
                Ok(()) => "Copied to the clipboard.".to_string(),
                Err(e) => format!("Could not copy ({e}); select the text and press Ctrl+C."),
            };
            link.send_message(Msg::Status(msg));
        });
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let config = Config::default();
        let rule = Rule::new(&config).map(Arc::new).map_err(|e| e.to_string());
        let hash_link = ctx.link().clone();
        let listener = gloo_events::EventListener::new(&dom::window(), "hashchange", move |_| hash_link.send_message(Msg::HashChanged));
        let mut app = App {
            input_ref: NodeRef::default(),
            toml_ref: NodeRef::default(),
            progress_ref: NodeRef::default(),
            file_ref: NodeRef::default(),
            selects: Default::default(),
            input: Arc::from(&b""[..]),
            input_name: None,
            partial_view: false,
            pending_input_text: None,
            pending_toml: None,
            form: Form::default(),
            config,
            form_error: None,
            toml_error: None,
            rule,
            format: FormatChoice::Auto,
            example: String::new(),
            revision: 0,
            live: Rc::new(Cell::new(0)),
            debounce: None,
            status: Status::Busy,
            scanned_revision: 0,
            results: None,
            scan_ms: 0.0,
            scanned_bytes: 0,
            selected: None,
            inspect: None,
            share_link: None,
            cli_text: None,
            notice: None,
            link_error: None,
            message: None,
            _hash_listener: Some(listener),
        };
        app.restore_from_hash();
        app.changed(ctx, 0);
        app
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        let values = [self.config.profile().name().to_string(), self.format.to_string(), self.form.min_score.clone(), self.example.clone()];
        for (r, v) in self.selects.iter().zip(values) {
            if let Some(s) = r.cast::<HtmlSelectElement>() {
                if s.value() != v {
                    s.set_value(&v);
                }
            }
        }
        if let Some(text) = self.pending_input_text.take() {
            if let Some(t) = self.input_ref.cast::<HtmlTextAreaElement>() {
                t.set_value(&text);
                t.set_scroll_top(0);
            }
        }
        if let Some(text) = self.pending_toml.take() {
            if let Some(t) = self.toml_ref.cast::<HtmlTextAreaElement>() {
                t.set_value(&text);
            }
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Input => {
                let Some(value) = self.textarea_value() else { return false };
                if value.len() > MAX_EDITABLE_BYTES {
                    // Swapped for a preview before the browser lays the
                    // whole text out (this runs in the same task as the
                    // event, ahead of rendering).
                    if let Some(t) = self.input_ref.cast::<HtmlTextAreaElement>() {
                        t.set_value(&preview(value.as_bytes()));
                    }
                    self.partial_view = true;
                    self.input_name = Some("pasted text".into());
                } else {
                    self.partial_view = false;
                    self.input_name = None;
                }
                self.input = Arc::from(value.into_bytes());
                self.changed(ctx, DEBOUNCE_INPUT_MS);
            }
            Msg::File(file) => {
                let link = ctx.link().clone();
                self.message = Some(format!("Reading {}…", file.name()));
                wasm_bindgen_futures::spawn_local(async move {
                    match dom::read_file(&file).await {
                        Ok(bytes) => link.send_message(Msg::Loaded { name: file.name(), bytes }),
                        Err(e) => link.send_message(Msg::Status(e)),
                    }
                });
            }
            Msg::Loaded { name, bytes } => {
                let bytes = match crate::input::decompress(bytes) {
                    Ok(b) => b,
                    Err(e) => {
                        self.message = Some(format!("{name}: {e}"));
                        return true;
                    }
                };
                self.message = Some(format!("Loaded {name} ({} KiB); it stays in this browser tab.", bytes.len().div_ceil(1024)));
                self.example.clear();
                self.set_input(bytes, Some(name));
                self.changed(ctx, 0);
            }
            Msg::LargePaste(text) => {
                self.example.clear();
                self.set_input(text.into_bytes(), Some("pasted text".into()));
                self.changed(ctx, 0);
            }
            Msg::Clear => {
                self.example.clear();
                self.set_input(Vec::new(), None);
                self.message = None;
                self.changed(ctx, 0);
            }
            Msg::Example(name) => {
                let Some(ex) = examples::find(&name) else { return false };
                let d = ex.directives();
                self.example = name.clone();
                self.load(ex.input.to_vec(), Some(name), ex.config.unwrap_or(""), d.profile, d.format);
                self.message = d.description.map(|t| format!("Example: {t}"));
                self.changed(ctx, 0);
            }
            Msg::Profile(p) => {
                let Ok(p) = p.parse::<Profile>() else { return false };
                self.config.profile = Some(p);
                self.pending_toml = Some(self.config.to_toml());
                self.toml_error = None;
                self.rebuild_rule();
                self.changed(ctx, DEBOUNCE_CONFIG_MS);
            }
            Msg::Format(f) => {
                let Ok(f) = f.parse() else { return false };
                self.format = f;
                self.changed(ctx, DEBOUNCE_CONFIG_MS);
            }
            Msg::Form(field, value) => {
                let slot = match field {
                    Field::MinScore => &mut self.form.min_score,
                    Field::LargePayload => &mut self.form.large_payload_bytes,
                    Field::SrcCidrs => &mut self.form.src_cidrs,
                    Field::Users => &mut self.form.users,
                    Field::UserAgents => &mut self.form.user_agents,
                    Field::ExtraHosts => &mut self.form.extra_hosts,
                };
                *slot = value;
                match self.form.apply(&self.config) {
                    Ok(c) => {
                        self.config = c;
                        self.form_error = None;
                        self.toml_error = None;
                        self.pending_toml = Some(self.config.to_toml());
                        self.rebuild_rule();
                    }
                    Err(e) => self.form_error = Some(e.to_string()),
                }
                self.changed(ctx, DEBOUNCE_CONFIG_MS);
            }
            Msg::Toml => {
                let Some(text) = self.toml_ref.cast::<HtmlTextAreaElement>().map(|t| t.value()) else { return false };
                match Config::from_toml(&text) {
                    Ok(c) => {
                        self.form = Form::from_config(&c);
                        self.config = c;
                        self.toml_error = None;
                        self.form_error = None;
                        self.rebuild_rule();
                    }
                    Err(e) => self.toml_error = Some(e.to_string()),
                }
                self.changed(ctx, DEBOUNCE_CONFIG_MS);
            }
            Msg::Run(revision) => {
                if revision != self.revision {
                    return false;
                }
                self.start_scan(ctx);
            }
            Msg::Done { revision, results, ms, bytes } => {
                if revision != self.revision {
                    return false;
                }
                let lines = results.report.stats.lines;
                self.results = Some(Shared(Rc::new(*results)));
                self.scanned_revision = revision;
                self.status = Status::Ready;
                self.scan_ms = ms;
                self.scanned_bytes = bytes;
                if self.selected.is_some_and(|l| l > lines) {
                    self.selected = None;
                }
            }
            Msg::Select(line) => {
                self.selected = Some(line);
                self.inspect = Some(line);
            }
            Msg::Caret(pos) => {
                let Some(value) = self.textarea_value() else { return false };
                let line = text::line_at_utf16(&value, pos);
                self.selected = None;
                if self.inspect == Some(line) {
                    return false;
                }
                self.inspect = Some(line);
            }
            Msg::Share => {
                let header = Header {
                    rule_version: VERSION.to_string(),
                    profile: self.config.profile().name().to_string(),
                    format: self.format.to_string(),
                    config: self.config.to_toml(),
                };
                let fragment = share::encode(&ShareState { header, input: self.input.to_vec() });
                let loc = dom::window().location();
                let base = format!("{}{}", loc.origin().unwrap_or_default(), loc.pathname().unwrap_or_default());
                self.share_link = Some(format!("{base}#{fragment}"));
                self.cli_text = None;
            }
            Msg::ClosePanels => {
                self.share_link = None;
                self.cli_text = None;
            }
            Msg::Cli => {
                self.cli_text = Some(cli::command(&self.config, self.format, &self.input, self.input_name.as_deref().filter(|n| !n.contains('/') && *n != "shared link")));
                self.share_link = None;
            }
            Msg::Copy(text) => self.copy(ctx, text),
            Msg::Export(what) => {
                if let Err(e) = self.export(what) {
                    self.message = Some(format!("Export failed: {e}"));
                }
            }
            Msg::HashChanged => {
                if self.restore_from_hash() {
                    self.changed(ctx, 0);
                }
            }
            Msg::Status(text) => self.message = Some(text),
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        html! {
            <>
                { self.view_header(ctx) }
                if let Some(n) = &self.notice {
                    <div id="version-notice" class="banner warn" role="status">{ n }</div>
                }
                if let Some(e) = &self.link_error {
                    <div id="link-error" class="banner error" role="alert">{ e }</div>
                }
                { self.view_panels(ctx) }
                <main class="layout">
                    <section class="pane left" aria-labelledby="logs-h">
                        { self.view_input(ctx) }
                        { self.view_tuning(ctx) }
                    </section>
                    <section class="pane right" aria-labelledby="results-h">
                        <h2 id="results-h" class="visually-hidden">{ "Results" }</h2>
                        { self.view_stats() }
                        if let Some(problem) = self.config_problem() {
                            <div class="banner error" role="alert">{ format!("The tuning config is not usable, so the results below are from before the change: {problem}") }</div>
                        }
                        if let Some(r) = &self.results {
                            <section aria-labelledby="agg-h">
                                <h3 id="agg-h">{ "Aggregate" } <small>{ " — by source IP and user, as the seed query outputs it" }</small></h3>
                                <AggregateTable results={r.clone()} />
                            </section>
                            <section aria-labelledby="findings-h">
                                <h3 id="findings-h">{ "Findings" } <small>{ " — one per event; choose a row to see its line" }</small></h3>
                                <FindingsTable results={r.clone()} selected={self.selected} on_select={link.callback(Msg::Select)} />
                            </section>
                            <section aria-labelledby="errors-h">
                                <h3 id="errors-h">{ format!("Line errors ({})", r.report.stats.errors) }</h3>
                                <ErrorsList results={r.clone()} on_select={link.callback(Msg::Select)} />
                            </section>
                        }
                    </section>
                </main>
                <footer class="foot">
                    { "Everything runs in this tab: the logs you paste or drop are never uploaded, and the page makes no network request after loading. " }
                    { format!("aiwatch rule {VERSION} · MITRE ATT&CK T1588.007 · the same Rust code as the aiwatch CLI, compiled to WebAssembly.") }
                </footer>
            </>
        }
    }
}

impl App {
    fn view_header(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_example = link.callback(|e: Event| Msg::Example(e.target_unchecked_into::<HtmlSelectElement>().value()));
        let on_file = link.batch_callback(|e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let file = input.files().and_then(|f| f.get(0));
            // Clearing lets the same file be picked again after editing.
            input.set_value("");
            file.map(Msg::File)
        });
        let mut groups: Vec<(&str, Vec<&examples::Example>)> = Vec::new();
        for ex in EXAMPLES {
            match groups.last_mut() {
                Some((g, v)) if *g == ex.group() => v.push(ex),
                _ => groups.push((ex.group(), vec![ex])),
            }
        }
        let has_results = self.results.is_some();
        // A real button (focusable, announced) that opens the hidden picker.
        let open_file = {
            let file = self.file_ref.clone();
            Callback::from(move |_: MouseEvent| {
                if let Some(input) = file.cast::<HtmlInputElement>() {
                    input.click();
                }
            })
        };
        html! {
            <header class="top">
                <div class="brand">
                    <h1>{ "aiwatch" } <span class="light">{ " playground" }</span></h1>
                    <p class="tagline">{ "Find programmatic use of generative-AI APIs in your proxy logs (MITRE ATT\u{26}CK T1588.007), right in the browser." }</p>
                </div>
                <nav class="actions" aria-label="Playground actions">
                    <label class="field inline">
                        <span>{ "Example" }</span>
                        <select id="examples" ref={self.selects[3].clone()} onchange={on_example} disabled={EXAMPLES.is_empty()}>
                            <option value="" selected={self.example.is_empty()}>{ if EXAMPLES.is_empty() { "none built in" } else { "choose…" } }</option>
                            { for groups.iter().map(|(g, list)| html! {
                                <optgroup label={g.to_string()}>
                                    { for list.iter().map(|ex| html! {
                                        <option value={ex.name} selected={self.example == ex.name} title={ex.directives().description.unwrap_or_default()}>
                                            { ex.name.split_once('/').map_or(ex.name, |(_, n)| n) }
                                        </option>
                                    }) }
                                </optgroup>
                            }) }
                        </select>
                    </label>
                    <button type="button" onclick={open_file}>{ "Open file…" }</button>
                    <input id="file-input" ref={self.file_ref.clone()} class="visually-hidden" type="file" tabindex="-1" aria-label="Log file to scan" onchange={on_file} />
                    <button id="share-button" type="button" onclick={link.callback(|_| Msg::Share)}>{ "Share link" }</button>
                    <button id="copy-cli" type="button" onclick={link.callback(|_| Msg::Cli)}>{ "Copy as CLI" }</button>
                    <details class="menu">
                        <summary class="button">{ "Export" }</summary>
                        <div class="menu-items" role="group" aria-label="Export results">
                            <button id="export-json" type="button" disabled={!has_results} onclick={link.callback(|_| Msg::Export(Export::ReportJson))}>{ "Report JSON (scan --output json)" }</button>
                            <button id="export-csv" type="button" disabled={!has_results} onclick={link.callback(|_| Msg::Export(Export::AggregateCsv))}>{ "Aggregate CSV" }</button>
                            <button id="export-findings-csv" type="button" disabled={!has_results} onclick={link.callback(|_| Msg::Export(Export::FindingsCsv))}>{ "Findings CSV" }</button>
                            <button id="export-findings-ndjson" type="button" disabled={!has_results} onclick={link.callback(|_| Msg::Export(Export::FindingsNdjson))}>{ "Findings NDJSON" }</button>
                        </div>
                    </details>
                </nav>
            </header>
        }
    }

    fn view_panels(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let close = html! { <button type="button" class="close" aria-label="Close" onclick={link.callback(|_| Msg::ClosePanels)}>{ "×" }</button> };
        if let Some(url) = &self.share_link {
            let kib = url.len().div_ceil(1024);
            let lines = self.results.as_ref().map_or(0, |r| r.report.stats.lines);
            let copy = { let u = url.clone(); link.callback(move |_| Msg::Copy(u.clone())) };
            return html! {
                <section class="panel share" aria-labelledby="share-h">
                    { close }
                    <h2 id="share-h">{ "Share link" }</h2>
                    <p id="share-warning" class="warning" role="note">
                        <strong>{ "This link contains the logs you pasted" }</strong>
                        { format!(" ({lines} lines, {} bytes, compressed into the link). Anyone who has the link can read them, and it is kept in browser history and wherever you paste it. ", self.input.len()) }
                        { "The part after # is not sent to any server when the link is opened. Share it only with people allowed to see these logs." }
                    </p>
                    <div class="copy-row">
                        <input id="share-link" type="text" readonly=true value={url.clone()} aria-label="Share link" onfocus={Callback::from(|e: FocusEvent| e.target_unchecked_into::<HtmlInputElement>().select())} />
                        <button type="button" onclick={copy}>{ "Copy link" }</button>
                    </div>
                    <p class="hint">{ format!("{kib} KiB. It restores the logs, profile, format and tuning config, and records rule version {VERSION}.") }
                        if url.len() > share::LONG_LINK { <strong>{ " This link is very long; some chat and mail tools cut long links. Consider sharing a smaller sample." }</strong> }
                    </p>
                </section>
            };
        }
        if let Some(cmd) = &self.cli_text {
            let copy = { let c = cmd.clone(); link.callback(move |_| Msg::Copy(c.clone())) };
            return html! {
                <section class="panel cli" aria-labelledby="cli-h">
                    { close }
                    <h2 id="cli-h">{ "Run this outside the browser" }</h2>
                    <p class="hint">{ "The equivalent aiwatch command, with the tuning config written by a heredoc. Its JSON output has the same groups and stats as this page." }</p>
                    <pre id="cli-command" tabindex="0">{ cmd }</pre>
                    <button type="button" onclick={copy}>{ "Copy command" }</button>
                </section>
            };
        }
        html! {}
    }

    fn view_input(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_format = link.callback(|e: Event| Msg::Format(e.target_unchecked_into::<HtmlSelectElement>().value()));
        let mut formats: Vec<(String, String)> = vec![("auto".into(), "auto-detect per line".into()), ("json".into(), "any JSON shape".into())];
        formats.extend(Format::ALL.iter().map(|f| (f.name().to_string(), f.name().to_string())));
        let lines = self.results.as_ref().map_or(0, |r| r.report.stats.lines);
        let source = self.input_name.clone().map_or(String::new(), |n| format!(" · {n}"));
        html! {
            <>
                <div class="pane-head">
                    <h2 id="logs-h">{ "Logs" }</h2>
                    <label class="field inline">
                        <span>{ "Format" }</span>
                        <select id="format" ref={self.selects[1].clone()} onchange={on_format}>
                            { for formats.iter().map(|(v, t)| html! { <option value={v.clone()} selected={self.format.to_string() == *v}>{ t }</option> }) }
                        </select>
                    </label>
                </div>
                <p id="input-help" class="hint">
                    { format!("{lines} lines · {} bytes{source}. Drop a file on the box or paste; nothing leaves this tab.", self.input.len()) }
                </p>
                if self.partial_view {
                    <p class="banner warn" id="partial-view">
                        { format!("This input is large ({} MB): the box shows its first lines, read-only, and all {lines} lines are scanned. ", self.input.len() / 1_000_000) }
                        <button type="button" onclick={link.callback(|_| Msg::Clear)}>{ "Clear" }</button>
                    </p>
                }
                <Editor textarea={self.input_ref.clone()} results={self.results.clone()} selected={self.selected}
                    readonly={self.partial_view}
                    on_input={link.callback(|_| Msg::Input)}
                    on_caret={link.callback(Msg::Caret)}
                    on_drop={link.callback(Msg::File)}
                    on_large_paste={link.callback(Msg::LargePaste)} />
                { self.view_inspector() }
            </>
        }
    }

    fn view_inspector(&self) -> Html {
        let (Some(line), Some(r)) = (self.inspect, self.results.as_ref()) else {
            return html! { <div id="line-inspector" class="inspector muted">{ "Click a line to see how it was read." }</div> };
        };
        let body = match r.mark(line) {
            None => html! { { "past the end of the input" } },
            Some(LineMark::Skipped(s)) => html! { { format!("skipped ({})", s.reason()) } },
            Some(LineMark::Error) => html! { <><span class="tag error">{ "error" }</span>{ " " }{ r.error_at(line).unwrap_or("(not listed: limits.max_errors_listed reached)") }</> },
            Some(LineMark::Event(format, verdict)) => {
                let explanation = r.finding_at(line).map(|f| f.explanation.clone());
                html! {
                    <>
                        <span class="tag">{ format.name() }</span>{ " " }{ verdict.describe() }
                        if let Some(x) = explanation { <div class="explain">{ x }</div> }
                    </>
                }
            }
        };
        html! { <div id="line-inspector" class="inspector" aria-live="polite"><strong>{ format!("Line {line}: ") }</strong>{ body }</div> }
    }

    fn view_tuning(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let field = |f: Field| link.callback(move |e: InputEvent| Msg::Form(f, e.target_unchecked_into::<HtmlInputElement>().value()));
        let area = |f: Field| link.callback(move |e: InputEvent| Msg::Form(f, e.target_unchecked_into::<HtmlTextAreaElement>().value()));
        let on_profile = link.callback(|e: Event| Msg::Profile(e.target_unchecked_into::<HtmlSelectElement>().value()));
        let on_min = link.callback(|e: Event| Msg::Form(Field::MinScore, e.target_unchecked_into::<HtmlSelectElement>().value()));
        let profile = self.config.profile();
        html! {
            <section class="tuning" aria-labelledby="tuning-h">
                <h2 id="tuning-h">{ "Tuning" }</h2>
                <div class="grid2">
                    <label class="field">
                        <span>{ "Profile" }</span>
                        <select id="profile" ref={self.selects[0].clone()} onchange={on_profile}>
                            <option value="extended" selected={profile == Profile::Extended}>{ "extended — maintained host list, smarter browser test" }</option>
                            <option value="seed" selected={profile == Profile::Seed}>{ "seed — the Sumo Logic query, exactly" }</option>
                        </select>
                    </label>
                    <label class="field">
                        <span>{ "Minimum score" }</span>
                        <select id="min-score" ref={self.selects[2].clone()} onchange={on_min}>
                            <option value="" selected={self.form.min_score.is_empty()}>{ "default (1)" }</option>
                            { for ["1", "2", "3"].iter().map(|v| html! { <option value={*v} selected={self.form.min_score == *v}>{ *v }</option> }) }
                        </select>
                    </label>
                    <label class="field">
                        <span>{ "Large payload above (bytes)" }</span>
                        <input id="large-payload-bytes" type="text" inputmode="numeric" placeholder="50000" value={self.form.large_payload_bytes.clone()} oninput={field(Field::LargePayload)} />
                    </label>
                    <label class="field">
                        <span>{ "Extra AI hosts " }<small>{ "(pattern or pattern = Provider)" }</small></span>
                        <textarea id="extra-hosts" rows="2" placeholder="llm.corp.example = Corp gateway" value={self.form.extra_hosts.clone()} oninput={area(Field::ExtraHosts)} />
                    </label>
                    <label class="field">
                        <span>{ "Allowlisted source networks" }</span>
                        <textarea id="allow-cidrs" rows="2" placeholder="10.20.0.0/16" value={self.form.src_cidrs.clone()} oninput={area(Field::SrcCidrs)} />
                    </label>
                    <label class="field">
                        <span>{ "Allowlisted users" }</span>
                        <textarea id="allow-users" rows="2" placeholder="svc-build" value={self.form.users.clone()} oninput={area(Field::Users)} />
                    </label>
                    <label class="field wide">
                        <span>{ "Allowlisted user agents " }<small>{ "(globs, * matches anything)" }</small></span>
                        <textarea id="allow-user-agents" rows="2" placeholder="*GitHub-Actions*" value={self.form.user_agents.clone()} oninput={area(Field::UserAgents)} />
                    </label>
                </div>
                if let Some(e) = self.form_error.clone().or_else(|| self.rule.as_ref().err().cloned()) {
                    <p class="field-error" role="alert">{ e }</p>
                }
                <details class="toml" open=true>
                    <summary>{ "Config as TOML" } <small>{ " — what aiwatch scan --config reads; edit it for exceptions, host removals, scope and limits" }</small></summary>
                    <textarea id="config-toml" ref={self.toml_ref.clone()} rows="6" spellcheck="false" aria-label="Tuning config as TOML"
                        placeholder="# the defaults of the extended profile" oninput={link.callback(|_| Msg::Toml)} />
                    if let Some(e) = &self.toml_error {
                        <p class="field-error" role="alert">{ e }</p>
                    }
                </details>
            </section>
        }
    }

    fn view_stats(&self) -> Html {
        let s = self.results.as_ref().map(|r| r.report.stats.clone()).unwrap_or_default();
        let busy = self.status == Status::Busy;
        let card = |label: &str, value: u64, class: &str| html! {
            <div class={classes!("stat", class.to_string())}><span class="v">{ value }</span><span class="k">{ label.to_string() }</span></div>
        };
        let formats = s.formats.iter().map(|(f, fs)| html! {
            <li><span class="tag">{ f.name() }</span>{ format!(" {} parsed · {} to AI hosts · {} findings", fs.parsed, fs.matched, fs.findings) }</li>
        });
        html! {
            <div id="stats" class={classes!("stats", busy.then_some("busy"))}
                data-lines={s.lines.to_string()} data-parsed={s.parsed.to_string()} data-skipped={s.skipped.to_string()}
                data-errors={s.errors.to_string()} data-matched={s.matched.to_string()} data-findings={s.findings.to_string()}
                data-revision={self.revision.to_string()} data-scanned-revision={self.scanned_revision.to_string()}
                data-status={self.status.name()} data-busy={busy.to_string()} data-scan-ms={format!("{:.1}", self.scan_ms)} data-scanned-bytes={self.scanned_bytes.to_string()}
                aria-busy={busy.to_string()}>
                <div class="cards">
                    { card("lines", s.lines, "") }
                    { card("parsed", s.parsed, "") }
                    { card("skipped", s.skipped, "") }
                    { card("errors", s.errors, if s.errors > 0 { "bad" } else { "" }) }
                    { card("to AI hosts", s.matched, "") }
                    { card("findings", s.findings, if s.findings > 0 { "hot" } else { "" }) }
                </div>
                <div class="status-line" role="status" aria-live="polite">
                    if busy {
                        <progress ref={self.progress_ref.clone()} max="1" aria-label="Scan progress"></progress>
                        <span>{ "Scanning…" }</span>
                    } else if self.status == Status::Ready {
                        <span>{ format!("Scanned in {:.0} ms. Set aside: {} browser, {} below min score, {} allowlisted, {} out of scope.", self.scan_ms, s.browser, s.below_min_score, s.allowlisted, s.out_of_scope) }</span>
                    }
                    if let Some(m) = &self.message { <span class="message">{ format!(" {m}") }</span> }
                </div>
                if !s.formats.is_empty() {
                    <ul class="formats" aria-label="Detected formats">{ for formats }</ul>
                }
                if !s.notes.is_empty() {
                    <ul class="notes">{ for s.notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
                }
            </div>
        }
    }
}
