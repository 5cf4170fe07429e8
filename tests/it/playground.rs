//! The browser playground end to end: the page built by trunk, served on
//! 127.0.0.1, driven in headless Chromium over WebDriver.
//!
//! For every testdata case with a golden `expected.json`, the test loads the
//! case's settings and input into the page through its controls and checks
//! that the `aggregate` table and the `stats` attributes equal the golden
//! result. It also opens share links in a fresh page, checks the page makes
//! no request after it has loaded, measures 100,000 pasted lines, and saves
//! `playground/screenshot.png`.
//!
//! The page is built with `trunk build --release` into
//! `target/tmp/playground-dist` (incremental after the first build), or
//! taken from `AIWATCH_PLAYGROUND_DIST` when that names a built `dist/`.
//! It needs trunk 0.21.14, wasm-bindgen-cli 0.2.130, the
//! `wasm32-unknown-unknown` target, `chromium` and `chromedriver`
//! (`.ci/install` installs them all). When one is missing the test fails
//! and says which; it never skips.
//!
//! WebDriver is spoken directly (a few JSON requests over HTTP/1.1 to a
//! local chromedriver) rather than through fantoccini or thirtyfour, which
//! would bring an async runtime and an HTTP stack into every build of this
//! test crate for the same handful of calls.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aiwatch_tests::{cases, workspace_root, Case};
use serde_json::{json, Value};

/// The seed's aggregate columns in SPEC §2 order.
const COLUMNS: [&str; 10] = ["src_ip", "user", "requests", "total_bytes_uploaded", "first_seen", "last_seen", "ai_services", "endpoint_paths", "user_agents", "max_suspicion_score"];
/// Headless flags that work as root on these machines (shared/NOTES.md).
const CHROME_FLAGS: &[&str] = &["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1440,900"];
/// How long one case may take to show its results.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn playground_in_chromium_matches_the_golden_corpus_and_shares_state() {
    let dist = dist_dir();
    let server = StaticServer::start(&dist);
    let driver = ChromeDriver::start();
    let browser = driver.session();
    let base = format!("http://{}/", server.addr);

    // ---- The corpus, case by case, through the page's controls.
    browser.open(&base);
    let loaded_requests = server.requests();
    let loaded_resources = browser.resource_count();
    let mut failures = Vec::new();
    let mut missing = Vec::new();
    let mut checked = 0;
    for case in cases() {
        let golden = case.golden("expected.json");
        if !golden.exists() {
            missing.push(case.name.clone());
            continue;
        }
        let expected: Value = serde_json::from_str(&std::fs::read_to_string(&golden).expect("read golden")).expect("golden is JSON");
        browser.load_case(&case);
        let shown = browser.results();
        if let Err(diff) = compare(&expected, &shown) {
            failures.push(format!("{}: {diff}", case.name));
        }
        checked += 1;
    }
    if !missing.is_empty() {
        eprintln!("playground: skipped {} cases without a golden expected.json: {}", missing.len(), missing.join(", "));
    }
    assert!(checked > 0, "no testdata case has a golden expected.json, so nothing was compared");
    eprintln!("playground: {} of {checked} cases equal their golden results in Chromium", checked - failures.len());

    // ---- The page fetched nothing after loading, whatever was pasted.
    assert_eq!(server.requests(), loaded_requests, "the page made requests after loading: {:?}", server.log());
    let resources = browser.resources();
    assert_eq!(resources.len(), loaded_resources, "resource timing shows requests after load: {resources:?}");
    assert!(resources.iter().all(|r| r.starts_with(&base)), "the page loaded something from another origin: {resources:?}");

    // ---- A share link restores the whole state in a fresh page.
    let has_groups = |c: &Case| std::fs::read_to_string(c.golden("expected.json")).ok().and_then(|t| serde_json::from_str::<Value>(&t).ok()).is_some_and(|v| v["groups"].as_array().is_some_and(|g| !g.is_empty()));
    let case = cases().into_iter().find(|c| c.config.is_some() && has_groups(c)).or_else(|| cases().into_iter().find(has_groups)).expect("a case with findings");
    browser.load_case(&case);
    browser.set_value("min-score", "2", "change");
    browser.wait_ready(None);
    let before = browser.snapshot();
    // "Copy as CLI" shows the command that reproduces this view.
    browser.js("document.getElementById('copy-cli').click()", json!([]));
    std::thread::sleep(Duration::from_millis(100));
    let cli = browser.text("cli-command");
    assert!(cli.contains("aiwatch scan --profile") && cli.contains("--config aiwatch-playground.toml") && cli.contains("min_score = 2"), "Copy as CLI shows: {cli}");
    let link = browser.make_share_link();
    let warning = browser.text("share-warning");
    assert!(warning.contains("contains the logs you pasted"), "share warning missing or changed: {warning:?}");
    assert!(link.starts_with(&base) && link.contains("#v1."), "unexpected share link {link}");
    browser.navigate("about:blank");
    browser.open(&link);
    let after = browser.snapshot();
    assert_eq!(after, before, "the share link did not restore the state of {}", case.name);
    assert!(!browser.exists("version-notice"), "a link from this rule version must not warn about versions");

    // ---- A link made by another rule version restores, and says so.
    let other = aiwatch_playground::share::Shared {
        header: aiwatch_playground::share::Header { rule_version: "0.0.1-older".into(), profile: "seed".into(), format: "auto".into(), config: String::new() },
        input: std::fs::read(&case.input).expect("case input"),
    };
    browser.navigate("about:blank");
    browser.open(&format!("{base}#{}", aiwatch_playground::share::encode(&other)));
    let notice = browser.text("version-notice");
    assert!(notice.contains("0.0.1-older") && notice.contains(aiwatch_rule::VERSION), "version notice: {notice:?}");
    assert_eq!(browser.value("profile"), "seed");

    // ---- A damaged link is reported, not silently ignored.
    browser.navigate("about:blank");
    browser.open(&format!("{base}#v1.AAAA"));
    assert!(browser.text("link-error").contains("could not be opened"));

    // ---- 100,000 pasted lines: total time and the longest freeze.
    browser.navigate("about:blank");
    browser.open(&base);
    let perf = browser.paste_many(100_000);
    eprintln!(
        "playground: 100,000 lines ({:.1} MB): one-call scan in wasm {:.0} ms; pasted: results after {:.0} ms; the paste itself blocked {:.0} ms; longest task while scanning {:.0} ms ({} tasks over 50 ms)",
        perf.bytes as f64 / 1e6,
        perf.raw_ms,
        perf.total_ms,
        perf.paste_ms,
        perf.longest_ms,
        perf.long_tasks
    );
    assert!(perf.longest_ms < 1000.0, "the page froze for {:.0} ms while scanning 100,000 lines", perf.longest_ms);

    // ---- The README's screenshot: a scenario loaded, a finding selected.
    browser.navigate("about:blank");
    browser.open(&base);
    browser.screenshot_of_example(&workspace_root().join("playground/screenshot.png"));

    // The corpus verdict comes last so one run reports on everything.
    assert!(failures.is_empty(), "the browser's results differ from the golden files in {} of {checked} cases:\n{}", failures.len(), failures.join("\n"));
}

/// Compares the golden report with what the page shows.
fn compare(expected: &Value, shown: &Shown) -> Result<(), String> {
    let heads: Vec<&str> = shown.head.iter().map(String::as_str).collect();
    if heads != COLUMNS {
        return Err(format!("aggregate header is {heads:?}"));
    }
    for key in ["lines", "parsed", "skipped", "errors", "matched"] {
        let want = expected["stats"][key].as_u64().map(|n| n.to_string()).unwrap_or_default();
        let got = shown.stats.get(key).cloned().unwrap_or_default();
        if want != got {
            return Err(format!("stats.{key}: expected {want}, page shows {got:?}"));
        }
    }
    let groups = expected["groups"].as_array().cloned().unwrap_or_default();
    if groups.len() != shown.rows.len() {
        return Err(format!("expected {} aggregate rows, page shows {}", groups.len(), shown.rows.len()));
    }
    for (i, (g, row)) in groups.iter().zip(&shown.rows).enumerate() {
        let want: Vec<String> = COLUMNS.iter().map(|c| cell(&g[*c])).collect();
        if &want != row {
            return Err(format!("aggregate row {}: expected {want:?}, page shows {row:?}", i + 1));
        }
    }
    Ok(())
}

/// A golden JSON value as the page must show it (SPEC §4): missing as an
/// empty cell, numbers exactly as in the JSON, lists one value per line.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}

/// The page's results.
#[derive(Debug, PartialEq)]
struct Shown {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    stats: BTreeMap<String, String>,
}

/// Everything a share link must restore.
#[derive(Debug, PartialEq)]
struct Snapshot {
    input: String,
    profile: String,
    format: String,
    config: String,
    rows: Vec<Vec<String>>,
    stats: BTreeMap<String, String>,
}

struct Perf {
    bytes: u64,
    raw_ms: f64,
    total_ms: f64,
    paste_ms: f64,
    longest_ms: f64,
    long_tasks: u64,
}

// ---------------------------------------------------------------------------
// Building the page

fn dist_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("AIWATCH_PLAYGROUND_DIST") {
        let d = PathBuf::from(d);
        assert!(d.join("index.html").exists(), "AIWATCH_PLAYGROUND_DIST={} holds no index.html; build it with `trunk build --release` in playground/", d.display());
        return d;
    }
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let dist = tmp.join("playground-dist");
    // A target dir of its own: the outer `cargo test` may still hold the
    // lock on the workspace's, and the wasm build shares nothing with it.
    let target = tmp.join("playground-target");
    let started = Instant::now();
    let status = Command::new("trunk")
        .args(["build", "--release", "--dist"])
        .arg(&dist)
        .current_dir(workspace_root().join("playground"))
        .env("CARGO_TARGET_DIR", &target)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .env_remove("CARGO_BUILD_TARGET")
        .stdout(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot run trunk ({e}); install it with `cargo install trunk --version 0.21.14 --locked` or run .ci/install"));
    assert!(status.success(), "`trunk build --release` failed in playground/ (its output is above); it needs the wasm32-unknown-unknown target and wasm-bindgen-cli 0.2.130 (.ci/install)");
    eprintln!("playground: trunk build took {:.1} s", started.elapsed().as_secs_f64());
    let wasm: Vec<_> = std::fs::read_dir(&dist).expect("dist").flatten().filter(|e| e.path().extension().is_some_and(|x| x == "wasm")).collect();
    for w in wasm {
        eprintln!("playground: {} is {} bytes", w.file_name().to_string_lossy(), w.metadata().map(|m| m.len()).unwrap_or(0));
    }
    dist
}

// ---------------------------------------------------------------------------
// A static file server on 127.0.0.1 that logs every request

struct StaticServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    count: Arc<AtomicUsize>,
}

impl StaticServer {
    fn start(root: &Path) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let (root, l, c) = (root.to_path_buf(), log.clone(), count.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, l, c) = (root.clone(), l.clone(), c.clone());
                std::thread::spawn(move || serve(stream, &root, &l, &c));
            }
        });
        StaticServer { addr, log, count }
    }

    fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().expect("log").clone()
    }
}

fn serve(stream: TcpStream, root: &Path, log: &Mutex<Vec<String>>, count: &AtomicUsize) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers_done = false;
        while !headers_done {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            headers_done = h == "\r\n" || h == "\n";
        }
        count.fetch_add(1, Ordering::SeqCst);
        log.lock().expect("log").push(request_line.trim().to_string());
        let path = request_line.split_whitespace().nth(1).unwrap_or("/");
        let path = path.split(['?', '#']).next().unwrap_or("/");
        let rel = if path == "/" { "index.html" } else { path.trim_start_matches('/') };
        let file = root.join(rel);
        let ok = !rel.contains("..") && file.is_file();
        let (status, body, mime) = if ok {
            let mime = match file.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript",
                Some("wasm") => "application/wasm",
                Some("css") => "text/css",
                _ => "application/octet-stream",
            };
            ("200 OK", std::fs::read(&file).unwrap_or_default(), mime)
        } else {
            ("404 Not Found", b"not found".to_vec(), "text/plain")
        };
        let head = format!("HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\r\n", body.len());
        if stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(&body)).is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------
// chromedriver and a minimal W3C WebDriver client

struct ChromeDriver {
    child: Child,
    addr: SocketAddr,
    _profile: TempDir,
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

fn find_chrome() -> String {
    if let Some(c) = std::env::var_os("CHROME") {
        return c.to_string_lossy().into_owned();
    }
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] {
        if Path::new(c).exists() {
            return c.to_string();
        }
    }
    panic!("no Chromium found (set CHROME, or `apt-get install chromium chromium-driver`; .ci/install does it)");
}

impl ChromeDriver {
    fn start() -> ChromeDriver {
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin} ({e}); `apt-get install chromium-driver` or set CHROMEDRIVER (.ci/install installs it)"));
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let profile = std::env::temp_dir().join(format!("aiwatch-playground-chrome-{}-{port}", std::process::id()));
        let mut d = ChromeDriver { child, addr, _profile: TempDir(profile) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(v) = http(d.addr, "GET", "/status", None) {
                if v["value"]["ready"].as_bool() == Some(true) {
                    break;
                }
            }
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("chromedriver exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        d
    }

    fn session(&self) -> Browser {
        let mut args: Vec<String> = CHROME_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", self._profile.0.display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": find_chrome(), "args": args},
            "timeouts": {"script": 120_000, "pageLoad": 60_000}
        }}});
        let v = http(self.addr, "POST", "/session", Some(&caps)).unwrap_or_else(|e| panic!("cannot start Chromium through chromedriver: {e}"));
        let id = v["value"]["sessionId"].as_str().expect("a session id").to_string();
        Browser { addr: self.addr, id }
    }
}

/// One HTTP/1.1 request to chromedriver; returns the JSON body, or the
/// WebDriver error as text.
fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(180))).map_err(|e| e.to_string())?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    // chromedriver keeps the connection open whatever we ask, so the body
    // is read by its length (or its chunks), not to the end of the stream.
    let mut r = BufReader::new(s);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("connection closed in the HTTP header".into());
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        head.push_str(&line.to_ascii_lowercase());
    }
    let length = head.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok());
    let content = match length {
        Some(n) => {
            let mut body = vec![0; n];
            r.read_exact(&mut body).map_err(|e| e.to_string())?;
            body
        }
        None if head.contains("transfer-encoding: chunked") => read_chunks(&mut r)?,
        None => {
            let mut body = Vec::new();
            r.read_to_end(&mut body).map_err(|e| e.to_string())?;
            body
        }
    };
    let v: Value = serde_json::from_slice(&content).map_err(|e| format!("bad JSON from chromedriver: {e}"))?;
    if let Some(err) = v["value"]["error"].as_str() {
        return Err(format!("{err}: {}", v["value"]["message"].as_str().unwrap_or("")));
    }
    Ok(v)
}

fn read_chunks(r: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let mut size = String::new();
        r.read_line(&mut size).map_err(|e| e.to_string())?;
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16).map_err(|e| format!("bad chunk size: {e}"))?;
        let mut chunk = vec![0; size + 2];
        r.read_exact(&mut chunk).map_err(|e| e.to_string())?;
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..size]);
    }
}

struct Browser {
    addr: SocketAddr,
    id: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(self.addr, "DELETE", &format!("/session/{}", self.id), None);
    }
}

impl Browser {
    fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let body = (method == "POST").then_some(&body);
        http(self.addr, method, &format!("/session/{}{path}", self.id), body).unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))["value"].clone()
    }

    fn js(&self, script: &str, args: Value) -> Value {
        self.cmd("POST", "/execute/sync", json!({"script": script, "args": args}))
    }

    fn navigate(&self, url: &str) {
        self.cmd("POST", "/url", json!({"url": url}));
    }

    /// Opens the page and waits until the app has scanned its first state.
    fn open(&self, url: &str) {
        self.navigate(url);
        self.wait_ready(None);
    }

    fn exists(&self, id: &str) -> bool {
        self.js("return document.getElementById(arguments[0]) !== null", json!([id])).as_bool().unwrap_or(false)
    }

    fn text(&self, id: &str) -> String {
        self.js("const e = document.getElementById(arguments[0]); return e ? e.textContent : ''", json!([id])).as_str().unwrap_or("").to_string()
    }

    fn value(&self, id: &str) -> String {
        self.js("return document.getElementById(arguments[0]).value", json!([id])).as_str().unwrap_or("").to_string()
    }

    fn revision(&self) -> u64 {
        self.js("const s = document.getElementById('stats'); return s ? Number(s.dataset.revision) : -1", json!([])).as_i64().unwrap_or(-1).max(0) as u64
    }

    /// Sets a control's value and fires the event the app listens to.
    fn set_value(&self, id: &str, value: &str, event: &str) {
        let ok = self.js(
            "const e = document.getElementById(arguments[0]); if (!e) return false; e.value = arguments[1]; e.dispatchEvent(new Event(arguments[2], {bubbles: true})); return true",
            json!([id, value, event]),
        );
        assert_eq!(ok, json!(true), "no element #{id}");
    }

    /// Waits until the results match the current input and settings (and,
    /// when given, the revision is past `after`).
    fn wait_ready(&self, after: Option<u64>) {
        let deadline = Instant::now() + CASE_TIMEOUT;
        loop {
            let s = self.js(
                "const s = document.getElementById('stats'); if (!s) return null; return {rev: Number(s.dataset.revision), scanned: Number(s.dataset.scannedRevision), status: s.dataset.status}",
                json!([]),
            );
            if let (Some(rev), Some(scanned), Some(status)) = (s["rev"].as_u64(), s["scanned"].as_u64(), s["status"].as_str()) {
                if rev == scanned && status != "busy" && after.is_none_or(|a| rev > a) {
                    assert_eq!(status, "ready", "the page reports a config problem: {}", self.js("return document.body.innerText", json!([])));
                    return;
                }
            }
            assert!(Instant::now() < deadline, "the page did not finish scanning within {CASE_TIMEOUT:?} (stats: {s})");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Puts a case into the page through its controls: config, profile,
    /// format, then the input (pasted, or through the file picker when the
    /// bytes hold what a textarea cannot: bare CRs, NULs, invalid UTF-8).
    fn load_case(&self, case: &Case) {
        let before = self.revision();
        self.set_value("config-toml", &case.config_text(), "input");
        if let Some(p) = case.profile {
            self.set_value("profile", p.name(), "change");
        }
        self.set_value("format", &case.format.to_string(), "change");
        let bytes = std::fs::read(&case.input).expect("case input");
        let textarea_safe = std::str::from_utf8(&bytes).is_ok() && !bytes.contains(&0) && !bytes.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n') && bytes.last() != Some(&b'\r');
        if textarea_safe {
            self.set_value("log-input", std::str::from_utf8(&bytes).expect("utf-8"), "input");
            self.wait_ready(Some(before));
        } else {
            let before_upload = self.revision();
            let el = self.cmd("POST", "/element", json!({"using": "css selector", "value": "#file-input"}));
            let eid = el.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("file input element").to_string();
            let path = case.input.canonicalize().expect("case path");
            self.cmd("POST", &format!("/element/{eid}/value"), json!({"text": path.to_string_lossy()}));
            // The file is read asynchronously; wait for the scan of its bytes.
            let deadline = Instant::now() + CASE_TIMEOUT;
            while self.revision() <= before_upload {
                assert!(Instant::now() < deadline, "{}: the picked file was not read", case.name);
                std::thread::sleep(Duration::from_millis(25));
            }
            self.wait_ready(Some(before_upload));
            let scanned = self.js("return document.getElementById('stats').dataset.scannedBytes", json!([]));
            assert_eq!(scanned.as_str(), Some(bytes.len().to_string().as_str()), "{}: the page scanned another input than the file", case.name);
        }
    }

    fn results(&self) -> Shown {
        let v = self.js(
            "const t = document.getElementById('aggregate'); const s = document.getElementById('stats');
             const stats = {}; for (const k of ['lines','parsed','skipped','errors','matched']) stats[k] = s.getAttribute('data-' + k);
             if (!t) return {head: [], rows: [], stats};
             return {head: [...t.tHead.rows[0].cells].map(c => c.textContent),
                     rows: [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.textContent)), stats}",
            json!([]),
        );
        serde_json::from_value::<(Vec<String>, Vec<Vec<String>>, BTreeMap<String, String>)>(json!([v["head"], v["rows"], v["stats"]])).map(|(head, rows, stats)| Shown { head, rows, stats }).expect("results shape")
    }

    fn snapshot(&self) -> Snapshot {
        let shown = self.results();
        Snapshot { input: self.value("log-input"), profile: self.value("profile"), format: self.value("format"), config: self.value("config-toml"), rows: shown.rows, stats: shown.stats }
    }

    fn make_share_link(&self) -> String {
        self.js("document.getElementById('share-button').click()", json!([]));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.exists("share-link") {
            assert!(Instant::now() < deadline, "no share link appeared");
            std::thread::sleep(Duration::from_millis(25));
        }
        self.value("share-link")
    }

    fn resource_count(&self) -> usize {
        self.resources().len()
    }

    fn resources(&self) -> Vec<String> {
        let v = self.js("return performance.getEntriesByType('resource').map(e => e.name)", json!([]));
        serde_json::from_value(v).unwrap_or_default()
    }

    /// Pastes `n` generated lines (a realistic mix of formats and clients)
    /// and measures, in the page, the time until results are shown and the
    /// longest task that blocked the main thread meanwhile.
    fn paste_many(&self, n: u32) -> Perf {
        let bytes = self.js(
            "const n = arguments[0];
             const t = [
               i => `17962230${String(i % 100000).padStart(5, '0')}.100    812 10.${(i >> 8) & 255}.${i & 255}.${i % 7} TCP_MISS/200 2841 POST https://api.openai.com/v1/chat/completions u${i % 500} HIER_DIRECT/203.0.113.21 application/json`,
               i => `17962230${String(i % 100000).padStart(5, '0')}.200     40 10.${(i >> 8) & 255}.${i & 255}.${i % 7} TCP_MISS/200 5120 GET http://intranet.example.com/wiki/page${i} u${i % 500} HIER_DIRECT/10.0.0.8 text/html`,
               i => JSON.stringify({src_ip: `10.9.${i & 255}.${i % 11}`, user: `svc${i % 300}`, dest_host: 'api.anthropic.com', http_method: 'POST', uri_path: '/v1/messages', http_user_agent: 'anthropic-python/0.30', bytes_out: String((i * 977) % 90000), _messageTime: 1796223000000 + i}),
               i => `17962230${String(i % 100000).padStart(5, '0')}.300     12 10.3.${i & 255}.9 TCP_DENIED/403 0 CONNECT ads.example.net:443 - HIER_NONE/- -`,
             ];
             const lines = new Array(n); for (let i = 0; i < n; i++) lines[i] = t[i % t.length](i);
             window.__big = lines.join('\\n') + '\\n';
             window.__perf = {tasks: [], log: []};
             const debug = console.debug; console.debug = (...a) => { window.__perf.log.push(Math.round(performance.now()) + ': ' + a.join(' ')); debug(...a); };
             new PerformanceObserver(l => { for (const e of l.getEntries()) window.__perf.tasks.push([e.startTime, e.duration]); }).observe({type: 'longtask'});
             return new TextEncoder().encode(window.__big).length",
            json!([n]),
        )
        .as_u64()
        .unwrap_or(0);
        // The same input through `aiwatch.scan` in one synchronous call:
        // the rule's own cost in WebAssembly, without slicing or rendering.
        let raw_ms = self.js("const t = performance.now(); const r = aiwatch.scan(window.__big); const ms = performance.now() - t; return r.stats.lines === arguments[0] ? ms : -1", json!([n])).as_f64().unwrap_or(-1.0);
        assert!(raw_ms >= 0.0, "aiwatch.scan did not see {n} lines");
        let probe = self.js("const ta = document.createElement('textarea'); ta.setAttribute('wrap','off'); ta.style.cssText='width:500px;height:400px;white-space:pre;font:12.5px/20px monospace'; document.body.appendChild(ta);
            const out = []; for (const mb of [0.25, 1, 4]) { const n = Math.floor(mb*1e6); const t = performance.now(); ta.value = window.__big.slice(0, n); void ta.scrollHeight; void ta.scrollWidth; out.push([mb, Math.round(performance.now()-t)]); }
            ta.remove(); return out", json!([]));
        eprintln!("playground: for comparison, Chromium lays out a textarea holding 0.25, 1 and 4 MB in (MB, ms): {probe}");
        self.js(
            "const ta = document.getElementById('log-input'); const p = window.__perf;
             p.t0 = performance.now();
             ta.value = window.__big; ta.dispatchEvent(new Event('input', {bubbles: true}));
             p.pasted = performance.now();
             const rev = Number(document.getElementById('stats').dataset.revision);
             new MutationObserver((_, obs) => { const d = document.getElementById('stats').dataset;
               if (d.status === 'ready' && Number(d.scannedRevision) === Number(d.revision) && Number(d.revision) >= rev && Number(d.lines) === arguments[0]) { p.done = performance.now(); obs.disconnect(); } })
               .observe(document.getElementById('stats'), {attributes: true})",
            json!([n]),
        );
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let p = self.js("return window.__perf.done ? window.__perf : null", json!([]));
            if !p.is_null() {
                let t0 = p["t0"].as_f64().unwrap_or(0.0);
                let pasted = p["pasted"].as_f64().unwrap_or(t0);
                let tasks: Vec<(f64, f64)> = serde_json::from_value(p["tasks"].clone()).unwrap_or_default();
                // The task that ran the paste itself (setting the value and
                // the app reading it) is reported apart from the scan.
                let paste_task = tasks.iter().filter(|(start, _)| *start >= t0 - 1.0 && *start <= pasted).map(|(_, d)| *d).fold(pasted - t0, f64::max);
                let during: Vec<f64> = tasks.iter().filter(|(start, _)| *start > pasted).map(|(_, d)| *d).collect();
                eprintln!("playground: the page logged: {}", p["log"]);
                return Perf {
                    bytes,
                    raw_ms,
                    total_ms: p["done"].as_f64().unwrap_or(0.0) - t0,
                    paste_ms: paste_task,
                    longest_ms: during.iter().copied().fold(0.0, f64::max),
                    long_tasks: during.len() as u64,
                };
            }
            assert!(Instant::now() < deadline, "100,000 lines were not scanned within 120 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Loads the first scenario from the examples menu, selects its first
    /// finding and saves a screenshot of the window.
    fn screenshot_of_example(&self, to: &Path) {
        let name = self.js(
            "const s = document.getElementById('examples'); const o = [...s.options].find(o => o.value.startsWith('scenarios/') && o.value.includes('large-upload')) || [...s.options].find(o => o.value.startsWith('scenarios/'));
             return o ? o.value : null",
            json!([]),
        );
        let name = name.as_str().expect("the examples menu holds the testdata scenarios").to_string();
        let before = self.revision();
        self.set_value("examples", &name, "change");
        self.wait_ready(Some(before));
        self.js("const r = document.querySelector('#findings tbody tr'); if (r) r.click()", json!([]));
        std::thread::sleep(Duration::from_millis(300));
        let png = self.cmd("GET", "/screenshot", json!(null));
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().expect("screenshot data")).expect("screenshot is base64");
        std::fs::write(to, bytes).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
        eprintln!("playground: screenshot of {name} saved to {}", to.display());
    }
}
