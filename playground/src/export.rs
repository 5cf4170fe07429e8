//! Downloads: the report as `aiwatch scan --output json` prints it, the
//! aggregate and the findings as CSV, and the findings as NDJSON
//! (`scan --findings --output ndjson`).

use aiwatch_rule::{FindingRecord, Report};

use crate::table::{aggregate_cells, AGGREGATE_COLUMNS};

/// Quotes a CSV field (RFC 4180) when it needs it. List cells keep their
/// newline separators inside the quotes, as spreadsheets expect.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with([' ', '\t']) || s.ends_with([' ', '\t']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn row<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    let mut line = cells.into_iter().map(|c| field(c.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The aggregate as CSV: a header of the seed's columns, then one row per
/// group in the seed's order.
pub fn aggregate_csv(report: &Report) -> String {
    let mut out = row(AGGREGATE_COLUMNS);
    for g in &report.groups {
        out.push_str(&row(aggregate_cells(g)));
    }
    out
}

/// Column names of [`findings_csv`]: the finding record's keys.
pub const FINDING_COLUMNS: [&str; 17] = [
    "line",
    "format",
    "time_ms",
    "src_ip",
    "user",
    "method",
    "host",
    "port",
    "path",
    "user_agent",
    "bytes_uploaded",
    "bytes_downloaded",
    "score",
    "signals",
    "provider",
    "host_pattern",
    "explanation",
];

/// The findings as CSV, one row per finding with the record's fields;
/// `signals` are separated by spaces, missing values are empty.
pub fn findings_csv(findings: &[FindingRecord]) -> String {
    let mut out = row(FINDING_COLUMNS);
    for f in findings {
        let e = &f.event;
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let n = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
        out.push_str(&row([
            e.line.to_string(),
            e.format.name().to_string(),
            e.time_ms.map(|t| t.to_string()).unwrap_or_default(),
            o(&e.src_ip),
            o(&e.user),
            o(&e.method),
            o(&e.host),
            e.port.map(|p| p.to_string()).unwrap_or_default(),
            o(&e.path),
            o(&e.user_agent),
            n(e.bytes_uploaded),
            n(e.bytes_downloaded),
            f.score.to_string(),
            f.signals.join(" "),
            f.provider.clone(),
            f.host_pattern.clone(),
            f.explanation.clone(),
        ]));
    }
    out
}

/// The findings as NDJSON, the `scan --findings --output ndjson` lines.
pub fn findings_ndjson(findings: &[FindingRecord]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&serde_json::to_string(f).expect("findings serialize"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;
    use aiwatch_rule::{Config, FormatChoice, Rule};
    use std::sync::Arc;

    const INPUT: &str = concat!(
        r#"{"src_ip":"10.0.0.5","user":"bob, \"the builder\"","dest_host":"api.openai.com","http_method":"POST","uri_path":"/v1/chat/completions","http_user_agent":"OpenAI/Python 1.51.0","bytes_out":"812","_messageTime":1700000000000}"#,
        "\n",
        r#"{"src_ip":"10.0.0.5","user":"bob, \"the builder\"","dest_host":"api.anthropic.com","http_method":"POST","uri_path":"/v1/messages","http_user_agent":"anthropic-python/0.30","bytes_out":"70000","_messageTime":1700000001000}"#,
        "\n",
    );

    fn results() -> crate::session::Results {
        Session::new(Arc::new(Rule::new(&Config::default()).unwrap()), FormatChoice::Auto, Arc::from(INPUT.as_bytes())).run()
    }

    #[test]
    fn aggregate_csv_quotes_commas_quotes_and_list_newlines() {
        let csv = aggregate_csv(&results().report);
        let mut lines = csv.split("\r\n");
        assert_eq!(lines.next(), Some(AGGREGATE_COLUMNS.join(",").as_str()));
        assert_eq!(
            lines.next(),
            Some("10.0.0.5,\"bob, \"\"the builder\"\"\",2,70812,1700000000000,1700000001000,\"api.anthropic.com\napi.openai.com\",\"/v1/chat/completions\n/v1/messages\",\"OpenAI/Python 1.51.0\nanthropic-python/0.30\",3")
        );
        assert_eq!(lines.next(), Some(""));
    }

    #[test]
    fn findings_exports_have_one_record_per_finding() {
        let r = results();
        let csv = findings_csv(&r.findings);
        assert_eq!(csv.matches("\r\n").count(), 3);
        assert!(csv.starts_with("line,format,time_ms,"));
        let nd = findings_ndjson(&r.findings);
        let parsed: Vec<FindingRecord> = nd.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(parsed, r.findings);
    }

    #[test]
    fn fields_with_edge_whitespace_are_quoted() {
        assert_eq!(field(" x"), "\" x\"");
        assert_eq!(field("plain"), "plain");
        assert_eq!(field(""), "");
    }
}
