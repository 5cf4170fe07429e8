//! The wasmtime side: one shared `Engine`, the sandbox every rule component
//! runs in, per-call limits, and the on-disk cache of compiled components.
//!
//! Sandbox: a component gets a WASI context with no preopened directories,
//! no environment variables, no arguments, no network (TCP, UDP and name
//! lookups all denied), closed stdin, stdout thrown away, stderr captured
//! into a small buffer (only to quote a panic message in errors), and a
//! frozen clock. Each session gets its own `Store` and instance, so a
//! component that traps takes only its own session down.
//!
//! Limits: linear memory is capped per store (`--max-memory`), and every
//! call into the component has a wall-clock deadline enforced by epoch
//! interruption (`--timeout-ms`): a background thread advances the epoch
//! every [`EPOCH_TICK`]. Epochs cost far less than fuel metering, but the
//! check compiled into every loop still costs the rule about a third of its
//! speed on parsing loops, so rules without a deadline (the embedded one by
//! default, any with `--timeout-ms 0`) run on a separate engine whose code
//! has no checks.

use std::fmt;
use std::hash::Hasher;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Host bindings of the `log-rule` world, generated from `rule/wit`.
#[allow(missing_docs)]
mod bindings {
    wasmtime::component::bindgen!({
        path: "../rule/wit",
        world: "log-rule",
    });
}

pub use bindings::aiwatch;
use bindings::{LogRule, LogRulePre};

/// The WIT world a rule component must implement.
pub const WORLD: &str = "aiwatch:rule/log-rule@0.1.0";

/// How often the epoch advances; the granularity of `--timeout-ms`.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Default cap on a component's linear memory: 512 MiB.
pub const DEFAULT_MAX_MEMORY: u64 = 512 << 20;

/// Default deadline of one call into a component.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of the component's stderr is kept to explain a panic.
const STDERR_CAPTURE: usize = 64 << 10;

/// Resource limits applied to every call into a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most bytes of linear memory one session may use.
    pub max_memory: u64,
    /// Deadline of each call (`feed`, `finish`, `merge-state`, ...);
    /// `None` runs without one (trusted rules only: a looping component
    /// then hangs the host).
    pub timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_memory: DEFAULT_MAX_MEMORY, timeout: Some(DEFAULT_TIMEOUT) }
    }
}

impl Limits {
    /// The epoch deadline of one call, in ticks, if there is a deadline.
    fn ticks(&self) -> Option<u64> {
        self.timeout.map(|t| (t.as_millis() as u64).div_ceil(EPOCH_TICK.as_millis() as u64).max(1) + 1)
    }
}

/// Where compiled components are cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CachePolicy {
    /// `$XDG_CACHE_HOME/aiwatch`, else `~/.cache/aiwatch`.
    Default,
    /// This directory.
    Dir(PathBuf),
    /// Compile in memory every time.
    Disabled,
}

impl CachePolicy {
    /// The directory this policy caches in, if any.
    pub fn dir(&self) -> Option<PathBuf> {
        match self {
            CachePolicy::Disabled => None,
            CachePolicy::Dir(d) => Some(d.clone()),
            CachePolicy::Default => std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|d| d.join("aiwatch")),
        }
    }
}

/// How a component was obtained, for `aiwatch info` and measurements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// Loaded from a cache file this program wrote.
    Hit(PathBuf),
    /// Compiled and written to the cache.
    Stored(PathBuf),
    /// Compiled in memory (cache disabled or unusable: the reason).
    Uncached(String),
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheStatus::Hit(p) => write!(f, "loaded from cache {}", p.display()),
            CacheStatus::Stored(p) => write!(f, "compiled, cached as {}", p.display()),
            CacheStatus::Uncached(why) => write!(f, "compiled in memory ({why})"),
        }
    }
}

/// A rule component that cannot be used.
#[derive(Debug)]
pub enum LoadError {
    /// The rule file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The bytes are not WebAssembly at all.
    NotWasm {
        /// The rule's name (its path, or "embedded rule").
        rule: String,
    },
    /// A core WebAssembly module, not a component.
    CoreModule {
        /// The rule's name.
        rule: String,
    },
    /// WebAssembly that wasmtime refuses to compile.
    Invalid {
        /// The rule's name.
        rule: String,
        /// wasmtime's reason.
        detail: String,
    },
    /// A component that does not implement [`WORLD`] (missing or mistyped
    /// exports, or imports the sandbox does not provide).
    WrongWorld {
        /// The rule's name.
        rule: String,
        /// wasmtime's reason.
        detail: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read { path, source } => write!(f, "cannot read rule component {}: {source}", path.display()),
            LoadError::NotWasm { rule } => write!(f, "rule {rule} is not a WebAssembly file (no \\0asm magic); --rule expects a component built for wasm32-wasip2"),
            LoadError::CoreModule { rule } => write!(
                f,
                "rule {rule} is a core WebAssembly module, not a component; build it with `cargo build --target wasm32-wasip2` or wrap it with `wasm-tools component new`"
            ),
            LoadError::Invalid { rule, detail } => write!(f, "rule {rule} is not a valid WebAssembly component: {detail}"),
            LoadError::WrongWorld { rule, detail } => write!(f, "rule {rule} does not implement the {WORLD} world: {detail}"),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Why a call into a component failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The call ran past its deadline.
    Timeout {
        /// The deadline in force.
        limit: Duration,
    },
    /// The component tried to grow its memory past the limit.
    MemoryLimit {
        /// The limit in force, bytes.
        limit: u64,
        /// The size it asked for, bytes.
        requested: u64,
    },
    /// The component exhausted its call stack (runaway recursion).
    StackOverflow,
    /// The component panicked; the message it printed.
    Panic(String),
    /// Any other trap, with wasmtime's description.
    Trap(String),
    /// The component answered, but with something the protocol forbids.
    Protocol(String),
    /// An earlier call on this session failed; the instance is unusable.
    Poisoned,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Timeout { limit } => write!(f, "did not return within the {} ms limit per call (--timeout-ms)", limit.as_millis()),
            Failure::MemoryLimit { limit, requested } => {
                write!(f, "exceeded its memory limit of {} MiB, asking for {} MiB (--max-memory)", limit >> 20, requested.div_ceil(1 << 20))
            }
            Failure::StackOverflow => f.write_str("exhausted its call stack (runaway recursion)"),
            Failure::Panic(msg) => write!(f, "panicked: {msg}"),
            Failure::Trap(msg) => write!(f, "trapped: {msg}"),
            Failure::Protocol(msg) => write!(f, "broke the {WORLD} protocol: {msg}"),
            Failure::Poisoned => f.write_str("is unusable after an earlier failure in this session"),
        }
    }
}

/// A failed call into a rule component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The rule's name (its path, or "embedded rule").
    pub rule: String,
    /// The export that failed (`feed`, `finish`, ...).
    pub call: &'static str,
    /// Where in the input, when known: set by the caller that feeds input.
    pub position: Option<String>,
    /// What went wrong.
    pub failure: Failure,
}

impl RuleError {
    /// Records the input position the failing call was processing.
    pub fn at(mut self, position: impl Into<String>) -> RuleError {
        self.position = Some(position.into());
        self
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {} failed in {}()", self.rule, self.call)?;
        if let Some(pos) = &self.position {
            write!(f, " at {pos}")?;
        }
        write!(f, ": it {}", self.failure)
    }
}

impl std::error::Error for RuleError {}

/// Per-store state: the WASI context and the limiter.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: MemoryLimiter,
    stderr: MemoryOutputPipe,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

/// Caps linear memory and remembers a refused growth, so the error can say
/// "memory limit" instead of a bare trap.
struct MemoryLimiter {
    max_memory: u64,
    refused: Option<u64>,
}

/// The error returned to wasmtime when a growth is refused (it becomes the
/// trap's cause).
#[derive(Debug)]
struct MemoryLimitHit;

impl fmt::Display for MemoryLimitHit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("memory limit reached")
    }
}

impl std::error::Error for MemoryLimitHit {}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired as u64 > self.max_memory {
            self.refused = Some(desired as u64);
            // An error (rather than `Ok(false)`) traps at once: Rust guests
            // would otherwise abort with a less telling `unreachable`.
            return Err(wasmtime::Error::new(MemoryLimitHit));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 20)
    }
}

/// A wall clock stuck at the Unix epoch: the rule needs no time of its own,
/// and a frozen clock keeps components deterministic.
struct FrozenWallClock;

impl HostWallClock for FrozenWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

/// A monotonic clock that never advances.
struct FrozenMonotonicClock;

impl HostMonotonicClock for FrozenMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// The process-wide wasmtime engine and WASI linker.
pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
}

impl Runtime {
    /// The shared runtime, created (with its epoch thread when `deadlines`)
    /// on first use. Code compiled for one does not run on the other, so
    /// the two are separate engines (and separate cache entries).
    pub fn shared(deadlines: bool) -> &'static Runtime {
        static WITH_DEADLINES: OnceLock<Runtime> = OnceLock::new();
        static WITHOUT: OnceLock<Runtime> = OnceLock::new();
        let cell = if deadlines { &WITH_DEADLINES } else { &WITHOUT };
        cell.get_or_init(|| {
            let mut config = Config::new();
            config.epoch_interruption(deadlines);
            // Deep recursion must trap cleanly well before the host's own
            // stack is at risk; 1 MiB is far above what the rule needs.
            config.max_wasm_stack(1 << 20);
            // For profiling a rule with Linux `perf`: name the JIT code in
            // /tmp/perf-PID.map (use with --no-cache so code is compiled here).
            if std::env::var_os("AIWATCH_PERFMAP").is_some() {
                config.profiler(wasmtime::ProfilingStrategy::PerfMap);
            }
            let engine = Engine::new(&config).expect("the wasmtime configuration is valid");
            let mut linker = Linker::new(&engine);
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker).expect("WASI links");
            let weak = engine.weak();
            if !deadlines {
                return Runtime { engine, linker };
            }
            std::thread::Builder::new()
                .name("aiwatch-epoch".into())
                .spawn(move || {
                    while let Some(engine) = weak.upgrade() {
                        engine.increment_epoch();
                        drop(engine);
                        std::thread::sleep(EPOCH_TICK);
                    }
                })
                .expect("spawn the epoch thread");
            Runtime { engine, linker }
        })
    }

    /// The wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// A compiled rule component, ready to instantiate one store per session.
pub struct LoadedRule {
    name: String,
    pre: LogRulePre<HostState>,
    sha256: String,
    size: usize,
    cache: CacheStatus,
    limits: Limits,
}

/// What `\0asm` is followed by in a core module.
const CORE_VERSION: [u8; 4] = [1, 0, 0, 0];

impl LoadedRule {
    /// Compiles (or loads from the cache) and type-checks a component.
    /// `name` is how errors refer to it.
    pub fn load(bytes: &[u8], name: &str, limits: Limits, cache: &CachePolicy) -> Result<LoadedRule, LoadError> {
        let rule = name.to_string();
        if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
            return Err(LoadError::NotWasm { rule });
        }
        if bytes[4..8] == CORE_VERSION {
            return Err(LoadError::CoreModule { rule });
        }
        let runtime = Runtime::shared(limits.timeout.is_some());
        let sha256 = hex(&Sha256::digest(bytes));
        let (component, cache) = compile_cached(runtime.engine(), bytes, &sha256, cache).map_err(|detail| LoadError::Invalid { rule: rule.clone(), detail })?;
        let instance_pre = runtime.linker.instantiate_pre(&component).map_err(|e| LoadError::WrongWorld { rule: rule.clone(), detail: chain(&e) })?;
        let pre = LogRulePre::new(instance_pre).map_err(|e| LoadError::WrongWorld { rule, detail: chain(&e) })?;
        Ok(LoadedRule { name: name.to_string(), pre, sha256, size: bytes.len(), cache, limits })
    }

    /// Reads and loads a component file.
    pub fn load_file(path: &Path, limits: Limits, cache: &CachePolicy) -> Result<LoadedRule, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Read { path: path.to_path_buf(), source })?;
        LoadedRule::load(&bytes, &path.display().to_string(), limits, cache)
    }

    /// How errors name this rule.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// SHA-256 of the component bytes, hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Size of the component in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How the compiled code was obtained.
    pub fn cache_status(&self) -> &CacheStatus {
        &self.cache
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A fresh sandboxed instance in its own store.
    pub fn instantiate(&self, call: &'static str) -> Result<Instance, RuleError> {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE);
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .wall_clock(FrozenWallClock)
            .monotonic_clock(FrozenMonotonicClock)
            .build();
        let state = HostState { wasi, table: ResourceTable::new(), limiter: MemoryLimiter { max_memory: self.limits.max_memory, refused: None }, stderr };
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|s| &mut s.limiter);
        if let Some(ticks) = self.limits.ticks() {
            store.epoch_deadline_trap();
            store.set_epoch_deadline(ticks);
        }
        let bindings = match self.pre.instantiate(&mut store) {
            Ok(b) => b,
            Err(e) => return Err(self.failure(call, &store, e)),
        };
        Ok(Instance { store, bindings, poisoned: false, rule: self.name.clone(), limits: self.limits })
    }

    fn failure(&self, call: &'static str, store: &Store<HostState>, e: wasmtime::Error) -> RuleError {
        RuleError { rule: self.name.clone(), call, position: None, failure: classify(store, e, self.limits) }
    }
}

/// One instance of a component in its own store.
pub struct Instance {
    store: Store<HostState>,
    bindings: LogRule,
    poisoned: bool,
    rule: String,
    limits: Limits,
}

impl Instance {
    /// Calls into the component under the per-call deadline. After a
    /// failure the instance refuses further calls: a trapped component's
    /// state cannot be trusted.
    pub fn call<R>(&mut self, call: &'static str, f: impl FnOnce(&mut Store<HostState>, &LogRule) -> wasmtime::Result<R>) -> Result<R, RuleError> {
        if self.poisoned {
            return Err(RuleError { rule: self.rule.clone(), call, position: None, failure: Failure::Poisoned });
        }
        if let Some(ticks) = self.limits.ticks() {
            self.store.set_epoch_deadline(ticks);
        }
        match f(&mut self.store, &self.bindings) {
            Ok(r) => Ok(r),
            Err(e) => {
                self.poisoned = true;
                Err(RuleError { rule: self.rule.clone(), call, position: None, failure: classify(&self.store, e, self.limits) })
            }
        }
    }

    /// A protocol violation found by the host; the instance is not used again.
    pub fn violation(&mut self, call: &'static str, what: String) -> RuleError {
        self.poisoned = true;
        RuleError { rule: self.rule.clone(), call, position: None, failure: Failure::Protocol(what) }
    }
}

fn classify(store: &Store<HostState>, e: wasmtime::Error, limits: Limits) -> Failure {
    if let Some(requested) = store.data().limiter.refused {
        return Failure::MemoryLimit { limit: limits.max_memory, requested };
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => return Failure::Timeout { limit: limits.timeout.unwrap_or_default() },
        Some(Trap::StackOverflow) => return Failure::StackOverflow,
        _ => {}
    }
    let stderr = store.data().stderr.contents();
    let printed = String::from_utf8_lossy(&stderr);
    if let Some(at) = printed.rfind("panicked at") {
        // Rust prints "thread '<name>' panicked at file:line:col:\nmessage".
        let msg = printed[at + "panicked at".len()..].trim();
        let msg = match msg.split_once('\n') {
            Some((location, message)) => format!("{} (at {})", message.lines().next().unwrap_or("").trim(), location.trim_end_matches(':')),
            None => msg.to_string(),
        };
        return Failure::Panic(msg);
    }
    Failure::Trap(first_line(&e))
}

/// The error and its causes on one line, without wasm backtraces.
fn chain(e: &wasmtime::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.lines().next().unwrap_or("").trim().to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn first_line(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => chain(e),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Feeds `Hash` output into SHA-256, so the engine's compatibility hash can
/// be part of a stable cache key.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// First bytes of every cache file: identifies the file as ours and pins
/// the layout (magic, SHA-256 of the payload, payload).
const CACHE_MAGIC: &[u8; 16] = b"aiwatch-cwasm-1\n";

/// Compiles `bytes`, going through the cache when possible. The error is
/// wasmtime's reason for refusing the component.
fn compile_cached(engine: &Engine, bytes: &[u8], sha256: &str, policy: &CachePolicy) -> Result<(Component, CacheStatus), String> {
    let Some(dir) = policy.dir() else {
        return compile(engine, bytes).map(|c| (c, CacheStatus::Uncached("cache disabled".into())));
    };
    let mut key = ShaHasher(Sha256::new());
    key.write(sha256.as_bytes());
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut key);
    let key = hex(&key.0.finalize());
    let path = dir.join(format!("{key}.cwasm"));
    if let Some(component) = load_cache_file(engine, &path) {
        return Ok((component, CacheStatus::Hit(path)));
    }
    let component = compile(engine, bytes)?;
    let status = match store_cache_file(&component, &dir, &path) {
        Ok(()) => CacheStatus::Stored(path),
        Err(why) => CacheStatus::Uncached(why),
    };
    Ok((component, status))
}

fn compile(engine: &Engine, bytes: &[u8]) -> Result<Component, String> {
    Component::new(engine, bytes).map_err(|e| chain(&e))
}

/// Loads a cache file if it is one of ours and intact.
fn load_cache_file(engine: &Engine, path: &Path) -> Option<Component> {
    let data = std::fs::read(path).ok()?;
    let rest = data.strip_prefix(CACHE_MAGIC.as_slice())?;
    if rest.len() < 32 {
        return None;
    }
    let (digest, payload) = rest.split_at(32);
    if Sha256::digest(payload).as_slice() != digest {
        return None;
    }
    // SAFETY: deserializing trusts the bytes to be wasmtime's own output.
    // They are: the file name is the hash of the component and of this
    // engine's configuration, the file starts with our magic, and its
    // payload matches the SHA-256 written beside it by `store_cache_file`,
    // so this is a complete file this program serialized for this engine.
    // wasmtime additionally checks its version and configuration header.
    unsafe { Component::deserialize(engine, payload) }.ok()
}

/// Writes a cache file atomically (temporary file, then rename), so a
/// concurrent or interrupted run never sees a partial file.
fn store_cache_file(component: &Component, dir: &Path, path: &Path) -> Result<(), String> {
    let payload = component.serialize().map_err(|e| format!("cannot serialize: {}", chain(&e)))?;
    create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), SEQ.fetch_add(1, Ordering::Relaxed)));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(CACHE_MAGIC)?;
        f.write_all(&Sha256::digest(&payload))?;
        f.write_all(&payload)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// Shared handle to a loaded rule.
pub type SharedRule = Arc<LoadedRule>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_up_and_never_reach_zero() {
        let l = |ms| Limits { timeout: Some(Duration::from_millis(ms)), ..Limits::default() }.ticks().unwrap();
        assert_eq!(l(0), 2);
        assert_eq!(l(10), 2);
        assert_eq!(l(11), 3);
        assert_eq!(l(10_000), 1001);
        assert_eq!(Limits { timeout: None, ..Limits::default() }.ticks(), None);
    }

    #[test]
    fn non_wasm_and_core_modules_are_named_as_such() {
        let err = LoadedRule::load(b"hello world", "x.wasm", Limits::default(), &CachePolicy::Disabled).err().unwrap();
        assert!(matches!(err, LoadError::NotWasm { .. }), "{err}");
        let err = LoadedRule::load(b"\0asm\x01\0\0\0", "core.wasm", Limits::default(), &CachePolicy::Disabled).err().unwrap();
        assert!(matches!(err, LoadError::CoreModule { .. }), "{err}");
        assert!(err.to_string().contains("core WebAssembly module"), "{err}");
    }

    #[test]
    fn a_corrupt_cache_file_is_ignored() {
        let dir = std::env::temp_dir().join(format!("aiwatch-cache-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.cwasm");
        let engine = Runtime::shared(true).engine();
        std::fs::write(&path, b"garbage").unwrap();
        assert!(load_cache_file(engine, &path).is_none());
        let mut forged = CACHE_MAGIC.to_vec();
        forged.extend_from_slice(&[0u8; 32]);
        forged.extend_from_slice(b"payload");
        std::fs::write(&path, &forged).unwrap();
        assert!(load_cache_file(engine, &path).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
