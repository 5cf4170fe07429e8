//! # aiwatch-fluentbit
//!
//! The aiwatch detection (MITRE ATT&CK T1588.007) as a Fluent Bit wasm
//! filter. Built for `wasm32-unknown-unknown` this crate is a core wasm
//! module exporting Fluent Bit's filter C ABI:
//!
//! ```text
//! fn(tag: *const u8, tag_len: u32, time_sec: u32, time_nsec: u32,
//!    record: *const u8, record_len: u32) -> *const u8
//! ```
//!
//! - `aiwatch_annotate`: every record passes; a record the rule reports
//!   gains an `"aiwatch"` object (see [`Annotation`]). Any other record is
//!   returned byte for byte as it came in.
//! - `aiwatch_alerts`: only reported records pass (annotated the same way);
//!   the others get the empty string, which makes Fluent Bit drop them.
//!
//! A record is a JSON object as Fluent Bit serializes it: either already
//! split into fields the rule's JSON reader knows (Sumo, ECS, Zscaler, W3C
//! names) or holding the raw proxy-log line in `log` / `message`, which is
//! parsed by the same [`LineParser`] the command-line tool uses. Nothing
//! here re-implements a step of the detection; this crate only adapts
//! records to [`Rule::evaluate`] and writes the verdict back.
//!
//! Fluent Bit interprets the module (WAMR), so cost per record matters:
//! every record first meets [`Rule::is_candidate`], the library's scan of
//! the raw bytes for anything that could name an AI host, and the ~99% of
//! records that cannot are passed or dropped without being parsed. A
//! cheaper skip-ahead [`Gate`] in front of it spares most records even that
//! scan (see the [`gate`] module for why and for its contract).
//!
//! The module also exports `malloc` and `free` (WAMR then allocates the
//! input copies through them instead of its own small heap) and
//! `aiwatch_configure`, for hosts other than Fluent Bit that can pass a
//! tuning file at run time. Fluent Bit has no such hook: bake the tuning in
//! at build time with `AIWATCH_FLUENTBIT_CONFIG=tuning.toml` (see the build
//! script and `examples/fluent-bit/README.md`).
//!
//! Natively the crate is an ordinary library: [`Filter`] is the whole
//! filter, callable from Rust.

#![warn(missing_docs)]

use aiwatch_rule::{ConfigError, FormatChoice, LineParser, Metadata, Parsed, Rule, Verdict};

pub mod annotation;
pub mod gate;
#[cfg(target_family = "wasm")]
mod abi;

pub use annotation::{splice, Annotation, SpliceError, ANNOTATION_KEY};
pub use gate::Gate;

/// The tuning file baked in at build time (empty: the default extended
/// profile). The build script has already validated it.
pub const BAKED_CONFIG: &str = include_str!(concat!(env!("OUT_DIR"), "/config.toml"));

/// How many distinct tags keep their own line parser. Each parser carries
/// the W3C `#Fields:` column map of its stream, so two W3C sources behind
/// one filter must not share it; the cap keeps a stream of ever-new tags
/// from growing memory.
pub const MAX_TAGS: usize = 64;

/// An output buffer larger than this is released at the next call rather
/// than kept for reuse, so one huge record does not pin its size forever.
pub const RETAINED_OUTPUT_BYTES: usize = 1 << 20;

/// Which exported function is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `aiwatch_annotate`: every record passes, findings are annotated.
    Annotate,
    /// `aiwatch_alerts`: only findings pass, annotated.
    Alerts,
}

/// What the filter hands back to Fluent Bit for one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Return the input record itself, unchanged.
    Unchanged,
    /// Return [`Filter::output`]: the record with its `aiwatch` object.
    Annotated,
    /// Return the empty string: Fluent Bit drops the record.
    Dropped,
}

/// The filter: one compiled [`Rule`], a line parser per tag, and the
/// output buffer that is reused from record to record.
#[derive(Debug)]
pub struct Filter {
    rule: Rule,
    gate: Gate,
    metadata: Metadata,
    parsers: TagParsers,
    /// The last annotated record followed by a NUL byte.
    out: Vec<u8>,
}

impl Filter {
    /// A filter running `rule`.
    pub fn new(rule: Rule) -> Filter {
        Filter { metadata: rule.metadata(), gate: Gate::new(&rule), rule, parsers: TagParsers::default(), out: Vec::new() }
    }

    /// A filter for a tuning file's text (empty text: the defaults).
    pub fn from_toml(text: &str) -> Result<Filter, ConfigError> {
        Rule::from_toml(text).map(Filter::new)
    }

    /// The filter with the tuning baked in at build time.
    pub fn baked() -> Filter {
        // The build script ran this same validation; failing here means the
        // module was built by something other than this crate's build script.
        Filter::from_toml(BAKED_CONFIG).unwrap_or_else(|e| panic!("baked-in aiwatch config: {e}"))
    }

    /// The rule in force.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// Runs one record (a JSON object, without a NUL terminator) from the
    /// stream `tag`. After [`Outcome::Annotated`], [`Filter::output`] holds
    /// the record to return.
    pub fn process(&mut self, mode: Mode, tag: &[u8], record: &[u8]) -> Outcome {
        if self.out.capacity() > RETAINED_OUTPUT_BYTES {
            self.out = Vec::new();
        }
        let pass = match mode {
            Mode::Annotate => Outcome::Unchanged,
            Mode::Alerts => Outcome::Dropped,
        };
        // The common path: no AI host can be named in these bytes, so the
        // verdict is known without parsing. The gate rules most records out
        // cheaply; the library's prefilter has the last word on the rest. A
        // W3C `#Fields:` header names no host but changes how later lines of
        // its stream are read, so it must still reach the parser.
        let marks = Marks::of(record);
        let candidate = (marks.unicode_escape || self.gate.may_hold_literal(record)) && self.rule.is_candidate(record);
        if !candidate && !marks.fields_header {
            return pass;
        }
        let text = String::from_utf8_lossy(record);
        let parser = self.parsers.get(tag);
        let event = match parser.parse(&text, 0) {
            Ok(Parsed::Event(event)) => event,
            Ok(Parsed::Skipped(_)) | Err(_) => return pass,
        };
        let Verdict::Finding(finding) = self.rule.evaluate(&event) else { return pass };
        let annotation = Annotation::new(&self.rule, &self.metadata, &event, &finding);
        self.out.clear();
        match splice(&text, &annotation, &mut self.out) {
            Ok(()) => {
                self.out.push(0);
                Outcome::Annotated
            }
            // The rule read the record, but it is not a JSON object we can
            // extend; never hand Fluent Bit something it cannot parse.
            Err(_) => pass,
        }
    }

    /// The annotated record of the last [`Outcome::Annotated`], without
    /// the NUL terminator.
    pub fn output(&self) -> &[u8] {
        self.out.strip_suffix(&[0]).unwrap_or(&self.out)
    }

    /// The annotated record with its NUL terminator: what the wasm export
    /// returns a pointer to.
    pub fn output_with_nul(&self) -> &[u8] {
        &self.out
    }

    /// Copies `record` into the output buffer with a NUL terminator, for a
    /// host that passed a record without one.
    pub fn copy_to_output(&mut self, record: &[u8]) -> &[u8] {
        self.out.clear();
        self.out.extend_from_slice(record);
        self.out.push(0);
        &self.out
    }
}

/// What one pass over a record's `\\` and `#` bytes finds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Marks {
    /// A `\u` escape, which could spell a host without its literal bytes.
    unicode_escape: bool,
    /// A W3C `#Fields:` directive (in a raw line).
    fields_header: bool,
}

impl Marks {
    fn of(record: &[u8]) -> Marks {
        // Eight bytes per step with 64-bit SWAR: wasm has native i64, while
        // memchr's portable fallback works in 32-bit words on wasm32 and
        // costs about twice as many interpreted instructions per byte.
        const LO: u64 = 0x0101_0101_0101_0101;
        const HI: u64 = 0x8080_8080_8080_8080;
        const BACKSLASH: u64 = LO * b'\\' as u64;
        const HASH: u64 = LO * b'#' as u64;
        fn has_zero_byte(x: u64) -> bool {
            x.wrapping_sub(LO) & !x & HI != 0
        }
        let mut marks = Marks::default();
        let mut check = |i: usize| {
            let rest = &record[i + 1..];
            match record[i] {
                b'#' => marks.fields_header |= rest.starts_with(b"Fields:"),
                b'\\' => marks.unicode_escape |= matches!(rest.first(), Some(b'u' | b'U')),
                _ => {}
            }
        };
        let mut chunks = record.chunks_exact(8);
        let mut at = 0;
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("chunks of eight"));
            if has_zero_byte(word ^ BACKSLASH) || has_zero_byte(word ^ HASH) {
                (at..at + 8).for_each(&mut check);
            }
            at += 8;
        }
        (at..record.len()).for_each(&mut check);
        marks
    }

    /// The same answer, one byte at a time (the reference for the tests).
    #[cfg(test)]
    fn of_slowly(record: &[u8]) -> Marks {
        let mut marks = Marks::default();
        for (i, &b) in record.iter().enumerate() {
            let rest = &record[i + 1..];
            marks.fields_header |= b == b'#' && rest.starts_with(b"Fields:");
            marks.unicode_escape |= b == b'\\' && matches!(rest.first(), Some(b'u' | b'U'));
        }
        marks
    }
}

/// Line parsers keyed by tag, oldest evicted first past [`MAX_TAGS`].
#[derive(Debug, Default)]
struct TagParsers {
    entries: Vec<(Box<[u8]>, LineParser)>,
}

impl TagParsers {
    fn get(&mut self, tag: &[u8]) -> &mut LineParser {
        let at = match self.entries.iter().position(|(t, _)| **t == *tag) {
            Some(i) => i,
            None => {
                if self.entries.len() >= MAX_TAGS {
                    self.entries.remove(0);
                }
                self.entries.push((tag.into(), LineParser::new(FormatChoice::Auto)));
                self.entries.len() - 1
            }
        };
        &mut self.entries[at].1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_parsers_are_bounded_and_reused() {
        let mut p = TagParsers::default();
        for i in 0..(MAX_TAGS * 3) {
            p.get(format!("tag.{i}").as_bytes());
        }
        assert_eq!(p.entries.len(), MAX_TAGS);
        p.get(b"tag.191");
        assert_eq!(p.entries.len(), MAX_TAGS, "a known tag is reused, not added");
        assert_eq!(&*p.entries[0].0, format!("tag.{}", MAX_TAGS * 2).as_bytes(), "oldest evicted first");
    }

    #[test]
    fn non_candidates_pass_or_drop_without_parsing() {
        let mut f = Filter::from_toml("").unwrap();
        let rec = br#"{"log":"1700000000.000 5 10.0.0.1 TCP_MISS/200 512 GET http://www.example.com/ - HIER_DIRECT/1.2.3.4 text/html"}"#;
        assert_eq!(f.process(Mode::Annotate, b"t", rec), Outcome::Unchanged);
        assert_eq!(f.process(Mode::Alerts, b"t", rec), Outcome::Dropped);
        assert!(f.out.is_empty(), "the output buffer is not touched on the common path");
    }

    #[test]
    fn invalid_json_never_annotates() {
        let mut f = Filter::from_toml("").unwrap();
        for rec in [
            &br#"{"dest_host":"api.openai.com","http_method":"POST""#[..],
            br#"{"log":"api.openai.com"#,
            b"api.openai.com POST /v1/chat",
            b"\xff\xfe{\"dest_host\":\"api.openai.com\"}",
            br#"["api.openai.com"]"#,
            b"",
        ] {
            assert_eq!(f.process(Mode::Annotate, b"t", rec), Outcome::Unchanged, "{}", String::from_utf8_lossy(rec));
            assert_eq!(f.process(Mode::Alerts, b"t", rec), Outcome::Dropped, "{}", String::from_utf8_lossy(rec));
        }
    }

    proptest::proptest! {
        #[test]
        fn marks_agree_with_a_byte_by_byte_scan(pieces in proptest::collection::vec(proptest::prop_oneof!["[ -~]{0,9}", proptest::strategy::Just("#Fields:".to_string()), proptest::strategy::Just("\\u".to_string()), proptest::strategy::Just("\\".to_string()), proptest::strategy::Just("#".to_string())], 0..16)) {
            let record = pieces.concat();
            proptest::prop_assert_eq!(Marks::of(record.as_bytes()), Marks::of_slowly(record.as_bytes()));
        }
    }

    #[test]
    fn one_pass_finds_headers_and_unicode_escapes() {
        assert_eq!(Marks::of(br##"{"log":"#Fields: date time c-ip cs-host"}"##), Marks { unicode_escape: false, fields_header: true });
        assert_eq!(Marks::of(br##"{"log":"# Software: SGOS 6.7"}"##), Marks::default());
        assert_eq!(Marks::of(br##"{"log":"caf\u00e9 \"q\" #x"}"##), Marks { unicode_escape: true, fields_header: false });
        assert_eq!(Marks::of(br##"{"log":"\\u"}"##).unicode_escape, true, "a conservative yes is fine");
        assert_eq!(Marks::of(b"#"), Marks::default());
        assert_eq!(Marks::of(b"\\"), Marks::default());
    }
}
