//! Renderings of results: `table` for people, `json` (SPEC §4, exactly
//! [`Report::to_json`]), `ndjson` and `csv` for pipelines, `state` for
//! `aiwatch merge`.
//!
//! CSV: one header row, RFC 4180 quoting. List cells (`ai_services`,
//! `endpoint_paths`, `user_agents`) hold their values separated by newlines
//! inside one quoted cell: user agents contain `;` and `,`, never a
//! newline, so a newline is the one unambiguous separator (spreadsheets
//! show it as a line break inside the cell). Text cells that start with
//! `=`, `+`, `-`, `@`, tab or carriage return get a leading `'` so a
//! spreadsheet does not run an attacker's user agent as a formula.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use aiwatch_rule::{EventRecord, FindingRecord, Group, LineError, Report, Stats};

use crate::engine::LineOutcome;

/// `--output`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned text for a terminal.
    #[default]
    Table,
    /// One pretty JSON document.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
    /// The mergeable partial state.
    State,
}

impl OutputFormat {
    /// Every format's name, as `--output` accepts it.
    pub const NAMES: [&'static str; 5] = ["table", "json", "ndjson", "csv", "state"];
}

impl FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "ndjson" => Ok(OutputFormat::Ndjson),
            "csv" => Ok(OutputFormat::Csv),
            "state" => Ok(OutputFormat::State),
            other => Err(format!("unknown output {other:?}; expected one of: {}", OutputFormat::NAMES.join(", "))),
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OutputFormat::Table => "table",
            OutputFormat::Json => "json",
            OutputFormat::Ndjson => "ndjson",
            OutputFormat::Csv => "csv",
            OutputFormat::State => "state",
        })
    }
}

/// Width the table output fits in.
pub const TABLE_WIDTH: usize = 100;

/// Values of a list cell shown before folding the rest into "+N more".
const LIST_SHOWN: usize = 3;

/// Line errors quoted under the table.
const ERRORS_SHOWN: usize = 5;

/// The seed's columns, in order (SPEC §2 step 8).
pub const SEED_COLUMNS: [&str; 10] = ["src_ip", "user", "requests", "total_bytes_uploaded", "first_seen", "last_seen", "ai_services", "endpoint_paths", "user_agents", "max_suspicion_score"];

/// Writes the aggregate report (not `state`, which the caller prints
/// verbatim from the rule).
pub fn write_report(out: &mut dyn Write, format: OutputFormat, report: &Report) -> io::Result<()> {
    match format {
        OutputFormat::Json | OutputFormat::State => out.write_all(report.to_json().as_bytes()),
        OutputFormat::Ndjson => {
            for g in &report.groups {
                writeln!(out, "{}", serde_json::to_string(g).map_err(io::Error::other)?)?;
            }
            Ok(())
        }
        OutputFormat::Csv => write_groups_csv(out, &report.groups),
        OutputFormat::Table => write_table(out, report),
    }
}

/// Writes a state (`--output state`) with exactly one trailing newline.
pub fn write_state(out: &mut dyn Write, state: &str) -> io::Result<()> {
    out.write_all(state.trim_end_matches('\n').as_bytes())?;
    out.write_all(b"\n")
}

fn write_groups_csv(out: &mut dyn Write, groups: &[Group]) -> io::Result<()> {
    writeln!(out, "{}", SEED_COLUMNS.join(","))?;
    for g in groups {
        let list = |s: &aiwatch_rule::aggregate::CappedSet| csv_text(&s.iter().collect::<Vec<_>>().join("\n"));
        let cells = [
            csv_text(g.src_ip.as_deref().unwrap_or("")),
            csv_text(g.user.as_deref().unwrap_or("")),
            g.requests.to_string(),
            g.total_bytes_uploaded.to_string(),
            opt(g.first_seen),
            opt(g.last_seen),
            list(&g.ai_services),
            list(&g.endpoint_paths),
            list(&g.user_agents),
            g.max_suspicion_score.to_string(),
        ];
        writeln!(out, "{}", cells.join(","))?;
    }
    Ok(())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A CSV text cell: formula-neutralized, quoted when needed.
pub fn csv_text(value: &str) -> String {
    let neutral = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if neutral.contains([',', '"', '\n', '\r']) || neutral.starts_with(' ') || neutral.ends_with(' ') {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// Streams per-event findings (`--findings`) in any output format.
pub struct FindingsWriter<'w> {
    out: &'w mut dyn Write,
    format: OutputFormat,
    with_file: bool,
    count: u64,
}

/// Columns of `--findings --output csv`.
pub const FINDING_COLUMNS: [&str; 17] =
    ["line", "format", "time_ms", "src_ip", "user", "method", "host", "port", "path", "user_agent", "bytes_uploaded", "bytes_downloaded", "score", "signals", "provider", "host_pattern", "explanation"];

impl<'w> FindingsWriter<'w> {
    /// Starts the output. `with_file` adds the input's name to every
    /// finding (used when several inputs are scanned: line numbers are
    /// per input).
    pub fn begin(out: &'w mut dyn Write, format: OutputFormat, with_file: bool) -> io::Result<FindingsWriter<'w>> {
        match format {
            OutputFormat::Json => out.write_all(b"[")?,
            OutputFormat::Csv => {
                let file = if with_file { "file," } else { "" };
                writeln!(out, "{file}{}", FINDING_COLUMNS.join(","))?;
            }
            OutputFormat::Table => {
                writeln!(out, "{:>7}  {:<19}  {:<15}  {:<12}  {:<6}  {:<23}  {:>5}", "LINE", "TIME (UTC)", "SRC_IP", "USER", "METHOD", "HOST", "SCORE")?;
            }
            OutputFormat::Ndjson | OutputFormat::State => {}
        }
        Ok(FindingsWriter { out, format, with_file, count: 0 })
    }

    /// Writes one finding; `file` names its input when several are scanned.
    pub fn write(&mut self, f: &FindingRecord, file: &str) -> io::Result<()> {
        self.count += 1;
        match self.format {
            OutputFormat::Ndjson | OutputFormat::State => {
                let json = serde_json::to_string(f).map_err(io::Error::other)?;
                writeln!(self.out, "{}", with_file_key(&json, self.with_file.then_some(file)))?;
            }
            OutputFormat::Json => {
                let json = serde_json::to_string_pretty(f).map_err(io::Error::other)?;
                let json = with_file_key_pretty(&json, self.with_file.then_some(file));
                let sep = if self.count == 1 { "\n" } else { ",\n" };
                write!(self.out, "{sep}{}", indent(&json, "  "))?;
            }
            OutputFormat::Csv => {
                let e = &f.event;
                let mut cells = Vec::with_capacity(18);
                if self.with_file {
                    cells.push(csv_text(file));
                }
                cells.extend([
                    e.line.to_string(),
                    e.format.to_string(),
                    opt(e.time_ms),
                    csv_text(e.src_ip.as_deref().unwrap_or("")),
                    csv_text(e.user.as_deref().unwrap_or("")),
                    csv_text(e.method.as_deref().unwrap_or("")),
                    csv_text(e.host.as_deref().unwrap_or("")),
                    opt(e.port),
                    csv_text(e.path.as_deref().unwrap_or("")),
                    csv_text(e.user_agent.as_deref().unwrap_or("")),
                    opt(e.bytes_uploaded),
                    opt(e.bytes_downloaded),
                    f.score.to_string(),
                    csv_text(&f.signals.join(";")),
                    csv_text(&f.provider),
                    csv_text(&f.host_pattern),
                    csv_text(&f.explanation),
                ]);
                writeln!(self.out, "{}", cells.join(","))?;
            }
            OutputFormat::Table => {
                let e = &f.event;
                let line = if self.with_file { format!("{}:{}", short_name(file, 20), e.line) } else { e.line.to_string() };
                writeln!(
                    self.out,
                    "{:>7}  {:<19}  {:<15}  {:<12}  {:<6}  {:<23}  {:>5}",
                    line,
                    e.time_ms.map(format_time).unwrap_or_else(|| "-".into()),
                    e.src_ip.as_deref().unwrap_or("-"),
                    fit(e.user.as_deref().unwrap_or("-"), 12),
                    fit(e.method.as_deref().unwrap_or("-"), 6),
                    fit(e.host.as_deref().unwrap_or("-"), 23),
                    f.score
                )?;
                for l in wrap(&format!("{} — {}", f.signals.join(", "), f.explanation), TABLE_WIDTH - 9) {
                    writeln!(self.out, "         {l}")?;
                }
            }
        }
        Ok(())
    }

    /// Flushes what was written so far (live input shows findings promptly).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Ends the output; the table gets the stats footer.
    pub fn end(self, stats: &Stats, errors: &[LineError]) -> io::Result<()> {
        match self.format {
            OutputFormat::Json => self.out.write_all(if self.count == 0 { b"]\n" } else { b"\n]\n" }),
            OutputFormat::Table => {
                if self.count == 0 {
                    writeln!(self.out, "{:>7}  (no findings)", "")?;
                }
                writeln!(self.out)?;
                write_footer(self.out, stats, errors)
            }
            _ => Ok(()),
        }
    }
}

/// Inserts `"file":...` as the first key of a compact JSON object.
fn with_file_key(json: &str, file: Option<&str>) -> String {
    match (file, json.strip_prefix('{')) {
        (Some(file), Some(rest)) => format!("{{\"file\":{},{rest}", serde_json::to_string(file).unwrap_or_default()),
        _ => json.to_string(),
    }
}

/// Inserts `"file": ...` as the first key of a pretty JSON object.
fn with_file_key_pretty(json: &str, file: Option<&str>) -> String {
    match (file, json.strip_prefix("{\n")) {
        (Some(file), Some(rest)) => format!("{{\n  \"file\": {},\n{rest}", serde_json::to_string(file).unwrap_or_default()),
        _ => json.to_string(),
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}")).collect::<Vec<_>>().join("\n")
}

/// One line of `aiwatch parse` (SPEC §4): the event record, or the line's
/// skip reason or error. `file` is added when several inputs are parsed.
pub fn write_outcome(out: &mut dyn Write, outcome: &LineOutcome, file: Option<&str>) -> io::Result<()> {
    #[derive(serde::Serialize)]
    struct Skipped<'a> {
        line: u64,
        skipped: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Failed<'a> {
        line: u64,
        error: &'a str,
    }
    let json = match outcome {
        LineOutcome::Skipped { line, reason } => serde_json::to_string(&Skipped { line: *line, skipped: reason }),
        LineOutcome::Error(e) => serde_json::to_string(&Failed { line: e.line, error: &e.reason }),
        LineOutcome::Event(e) => serde_json::to_string::<EventRecord>(e),
    }
    .map_err(io::Error::other)?;
    writeln!(out, "{}", with_file_key(&json, file))
}

fn write_table(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let r = &report.rule;
    writeln!(out, "{} — {} / {} ({} profile)", r.name, r.technique, r.subtechnique, r.profile)?;
    writeln!(out)?;
    if report.groups.is_empty() {
        writeln!(out, "No findings.")?;
    } else {
        let ip_w = report.groups.iter().map(|g| g.src_ip.as_deref().unwrap_or("-").chars().count()).max().unwrap_or(0).clamp(6, 39);
        let user_w = report.groups.iter().map(|g| g.user.as_deref().unwrap_or("-").chars().count()).max().unwrap_or(0).clamp(4, 20);
        let bytes: Vec<String> = report.groups.iter().map(|g| thousands(g.total_bytes_uploaded)).collect();
        let bytes_w = bytes.iter().map(String::len).max().unwrap_or(0).max(14);
        let num_w = report.groups.len().to_string().len().max(1);
        writeln!(out, "{:>num_w$}  {:<ip_w$}  {:<user_w$}  {:>8}  {:>bytes_w$}  {:>5}", "#", "SRC_IP", "USER", "REQUESTS", "BYTES_UPLOADED", "SCORE")?;
        let label_indent = num_w + 2;
        for (i, g) in report.groups.iter().enumerate() {
            writeln!(
                out,
                "{:>num_w$}  {:<ip_w$}  {:<user_w$}  {:>8}  {:>bytes_w$}  {:>5}",
                i + 1,
                fit(g.src_ip.as_deref().unwrap_or("-"), ip_w),
                fit(g.user.as_deref().unwrap_or("-"), user_w),
                thousands(g.requests),
                bytes[i],
                g.max_suspicion_score
            )?;
            let seen = match (g.first_seen, g.last_seen) {
                (Some(a), Some(b)) => format!("{} .. {} UTC", format_time(a), format_time(b)),
                _ => "-".to_string(),
            };
            let detail = [
                ("seen", vec![seen]),
                ("ai_services", g.ai_services.iter().map(str::to_string).collect()),
                ("endpoint_paths", g.endpoint_paths.iter().map(str::to_string).collect()),
                ("user_agents", g.user_agents.iter().map(str::to_string).collect()),
            ];
            for (label, values) in detail {
                let prefix = format!("{:label_indent$}{label:<15} ", "");
                for (j, l) in fold_list(&values, TABLE_WIDTH - prefix.chars().count()).into_iter().enumerate() {
                    let lead = if j == 0 { prefix.clone() } else { " ".repeat(prefix.chars().count()) };
                    writeln!(out, "{lead}{l}")?;
                }
            }
        }
    }
    writeln!(out)?;
    write_footer(out, &report.stats, &report.errors)
}

/// The counters, per-format lines, notes and the first line errors.
fn write_footer(out: &mut dyn Write, s: &Stats, errors: &[LineError]) -> io::Result<()> {
    writeln!(out, "lines {}: parsed {}, skipped {}, errors {}", thousands(s.lines), thousands(s.parsed), thousands(s.skipped), thousands(s.errors))?;
    writeln!(
        out,
        "AI API events {}: findings {}, browser {}, below min score {}, allowlisted {}, out of scope {}",
        thousands(s.matched),
        thousands(s.findings),
        thousands(s.browser),
        thousands(s.below_min_score),
        thousands(s.allowlisted),
        thousands(s.out_of_scope)
    )?;
    if !s.formats.is_empty() {
        let parts: Vec<String> = s.formats.iter().map(|(f, c)| format!("{f} {} ({} AI, {} findings)", thousands(c.parsed), thousands(c.matched), thousands(c.findings))).collect();
        for (i, l) in wrap(&parts.join("; "), TABLE_WIDTH - 9).into_iter().enumerate() {
            writeln!(out, "{}{l}", if i == 0 { "formats: " } else { "         " })?;
        }
    }
    for note in &s.notes {
        for (i, l) in wrap(note, TABLE_WIDTH - 6).into_iter().enumerate() {
            writeln!(out, "{}{l}", if i == 0 { "note: " } else { "      " })?;
        }
    }
    if s.errors > 0 {
        let shown = errors.len().min(ERRORS_SHOWN);
        writeln!(out, "first {shown} of {} line errors:", thousands(s.errors))?;
        for e in &errors[..shown] {
            let text = format!("line {}: {}", e.line, e.reason);
            writeln!(out, "  {}", fit(&text, TABLE_WIDTH - 2))?;
        }
    }
    Ok(())
}

/// Lays list values out on lines of at most `width` characters, joined
/// by ", ", at most [`LIST_SHOWN`] values, then "+N more".
fn fold_list(values: &[String], width: usize) -> Vec<String> {
    if values.is_empty() {
        return vec!["-".into()];
    }
    let shown = values.len().min(LIST_SHOWN);
    let more = values.len() - shown;
    // One column is kept for the "," that may follow a value.
    let mut items: Vec<String> = values[..shown].iter().map(|v| fit(v, width.saturating_sub(1))).collect();
    if more > 0 {
        items.push(format!("(+{more} more)"));
    }
    let mut lines = Vec::new();
    let mut cur = String::new();
    for (i, item) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() && !items[i + 1].starts_with("(+") { "," } else { "" };
        let piece = format!("{item}{sep}");
        if !cur.is_empty() && cur.chars().count() + 1 + piece.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&piece);
    }
    lines.push(cur);
    lines
}

/// Cuts `s` to `width` characters, marking the cut with "…".
pub fn fit(s: &str, width: usize) -> String {
    // Control characters would break the alignment (and could drive the
    // terminal): show them as their escapes.
    let clean: String = if s.chars().any(char::is_control) { s.chars().flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect() } else { s.to_string() };
    if clean.chars().count() <= width {
        clean
    } else {
        let mut t: String = clean.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn short_name(path: &str, width: usize) -> String {
    let name = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.to_string());
    fit(&name, width)
}

/// Word-wraps `text` at `width` characters.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let word = fit(word, width);
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (H. Hinnant): proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_calendar_dates() {
        assert_eq!(format_time(0), "1970-01-01 00:00:00");
        assert_eq!(format_time(1_700_000_000_000), "2023-11-14 22:13:20");
        assert_eq!(format_time(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(format_time(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn csv_cells_are_quoted_and_formula_neutral() {
        assert_eq!(csv_text("plain"), "plain");
        assert_eq!(csv_text("Mozilla/5.0 (X11; Linux x86_64)"), "Mozilla/5.0 (X11; Linux x86_64)");
        assert_eq!(csv_text("a,b"), "\"a,b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("x\ny"), "\"x\ny\"");
        assert_eq!(csv_text("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn long_lists_fold_and_long_values_are_cut() {
        let values: Vec<String> = (0..5).map(|i| format!("/v1/path/{i}")).collect();
        let lines = fold_list(&values, 40);
        assert_eq!(lines.join(" | "), "/v1/path/0, /v1/path/1, /v1/path/2 | (+2 more)");
        let long = vec!["x".repeat(200)];
        let lines = fold_list(&long, 30);
        assert_eq!(lines[0].chars().count(), 29);
        let two_long = vec!["a".repeat(200), "b".repeat(200)];
        assert!(fold_list(&two_long, 30).iter().all(|l| l.chars().count() <= 30));
        assert!(lines[0].ends_with('…'));
        assert_eq!(fit("a\u{1b}[31mb", 20), "a\\u{1b}[31mb");
    }

    #[test]
    fn file_keys_go_first() {
        assert_eq!(with_file_key("{\"line\":1}", Some("a.log")), "{\"file\":\"a.log\",\"line\":1}");
        assert_eq!(with_file_key("{\"line\":1}", None), "{\"line\":1}");
        assert_eq!(with_file_key_pretty("{\n  \"line\": 1\n}", Some("a")), "{\n  \"file\": \"a\",\n  \"line\": 1\n}");
    }

    #[test]
    fn parse_lines_follow_the_spec_shapes() {
        let mut out = Vec::new();
        write_outcome(&mut out, &LineOutcome::Skipped { line: 1, reason: "comment".into() }, None).unwrap();
        write_outcome(&mut out, &LineOutcome::Error(LineError { line: 2, reason: "bad".into() }), Some("x.log")).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\"line\":1,\"skipped\":\"comment\"}\n{\"file\":\"x.log\",\"line\":2,\"error\":\"bad\"}\n");
    }
}
