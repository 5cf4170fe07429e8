//! Misbehaving implementations of the `aiwatch:rule/log-rule` world, for
//! the host's sandbox tests. The config text passed to `open` picks the
//! behaviour of `feed`:
//!
//! - `ok`: behaves (counts lines, reports nothing);
//! - `loop`: never returns;
//! - `alloc`: allocates without bound;
//! - `recurse`: recurses without bound;
//! - `trap`: panics on the chunk that contains the bytes `TRAP`;
//! - `flood`: returns a million line errors for any chunk;
//! - `probe`: reports, as line errors, what it can see of the host
//!   (environment, files, network, clock), to prove the sandbox is empty.
//!
//! With the `other-world` feature the crate is instead a component of an
//! unrelated world, which the host must refuse to load.

#[cfg(all(target_arch = "wasm32", not(feature = "other-world")))]
mod hostile {
    use std::cell::{Cell, RefCell};

    wit_bindgen::generate!({
        path: "../../rule/wit",
        world: "log-rule",
    });

    use aiwatch::rule::types::{Batch, ConfigError, Group, LineError, RuleMetadata, SessionOptions, Stats};
    use exports::aiwatch::rule::rule::{Guest, GuestSession, Session as Handle};

    struct Hostile;
    export!(Hostile);

    impl Guest for Hostile {
        type Session = Session;

        fn open(config: String, _options: SessionOptions) -> Result<Handle, ConfigError> {
            let mode = config.trim().to_string();
            if !["ok", "loop", "alloc", "recurse", "trap", "flood", "probe"].contains(&mode.as_str()) {
                return Err(ConfigError { key: None, message: format!("unknown hostile mode {mode:?}") });
            }
            Ok(Handle::new(Session { mode, lines: Cell::new(0), hoard: RefCell::new(Vec::new()) }))
        }

        fn metadata(config: String, profile: Option<String>) -> Result<RuleMetadata, ConfigError> {
            Ok(RuleMetadata {
                id: "hostile".into(),
                name: format!("Hostile test rule ({})", config.trim()),
                version: "0.0.0".into(),
                description: "Misbehaves on purpose.".into(),
                tactic: "none".into(),
                technique: "none".into(),
                subtechnique: "none".into(),
                severity: "none".into(),
                confidence: "none".into(),
                profile: profile.unwrap_or_else(|| "extended".into()),
            })
        }
    }

    struct Session {
        mode: String,
        lines: Cell<u64>,
        hoard: RefCell<Vec<Vec<u8>>>,
    }

    fn recurse(depth: u64) -> u64 {
        if std::hint::black_box(depth) == u64::MAX {
            return 0;
        }
        // black_box keeps the frames: the optimizer may not turn this into a loop.
        std::hint::black_box(recurse(std::hint::black_box(depth + 1))) + 1
    }

    fn empty() -> Batch {
        Batch { lines: 0, findings: Vec::new(), errors: Vec::new(), outcomes: Vec::new() }
    }

    fn probe() -> Vec<String> {
        let env: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
        let args: Vec<String> = std::env::args().collect();
        let fs = match std::fs::read_dir("/") {
            Ok(d) => format!("fs: listed {} entries of /", d.count()),
            Err(e) => format!("fs: denied ({e})"),
        };
        let file = match std::fs::read("/etc/passwd") {
            Ok(b) => format!("file: read {} bytes of /etc/passwd", b.len()),
            Err(e) => format!("file: denied ({e})"),
        };
        let net = match std::net::TcpStream::connect("127.0.0.1:9") {
            Ok(_) => "net: connected".to_string(),
            Err(e) => format!("net: denied ({e})"),
        };
        let clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(u64::MAX);
        vec![format!("env: {} variables {env:?}", env.len()), format!("args: {args:?}"), fs, file, net, format!("clock: {clock}")]
    }

    impl GuestSession for Session {
        fn feed(&self, chunk: Vec<u8>) -> Batch {
            let lines = chunk.iter().filter(|&&b| b == b'\n').count() as u64;
            match self.mode.as_str() {
                "loop" => {
                    let mut n = 0u64;
                    loop {
                        n = std::hint::black_box(n.wrapping_add(1));
                    }
                }
                "alloc" => loop {
                    let mut block = vec![0u8; 1 << 20];
                    block[0] = 1;
                    self.hoard.borrow_mut().push(block);
                },
                "recurse" => {
                    recurse(0);
                }
                "trap" if chunk.windows(4).any(|w| w == b"TRAP") => panic!("hostile rule: found TRAP in this chunk"),
                "flood" => {
                    let errors = (0..1_000_000u64).map(|line| LineError { line, reason: String::new() }).collect();
                    return Batch { errors, ..empty() };
                }
                "probe" => {
                    let start = self.lines.get();
                    let errors: Vec<LineError> = probe().into_iter().enumerate().map(|(i, reason)| LineError { line: start + i as u64 + 1, reason }).collect();
                    self.lines.set(start + lines);
                    return Batch { lines, errors: errors.into_iter().take(lines as usize).collect(), ..empty() };
                }
                _ => {}
            }
            self.lines.set(self.lines.get() + lines);
            Batch { lines, ..empty() }
        }

        fn finish(&self) -> Batch {
            empty()
        }

        fn stats(&self) -> Stats {
            let lines = self.lines.get();
            Stats {
                lines,
                parsed: 0,
                skipped: lines,
                errors: 0,
                matched: 0,
                findings: 0,
                out_of_scope: 0,
                browser: 0,
                below_min_score: 0,
                allowlisted: 0,
                dropped_from_groups: 0,
                formats: Vec::new(),
                notes: Vec::new(),
            }
        }

        fn groups(&self) -> Vec<Group> {
            Vec::new()
        }

        fn errors(&self) -> Vec<LineError> {
            Vec::new()
        }

        fn export_state(&self) -> String {
            format!("{{\"hostile_lines\":{}}}", self.lines.get())
        }

        fn merge_state(&self, _state: String) -> Result<(), String> {
            Err("the hostile rule merges nothing".into())
        }
    }
}

#[cfg(all(target_arch = "wasm32", feature = "other-world"))]
mod other {
    wit_bindgen::generate!({
        path: "wit-other",
        world: "not-a-log-rule",
    });

    struct Other;
    export!(Other);

    impl Guest for Other {
        fn greet(name: String) -> String {
            format!("hello, {name}")
        }
    }
}
