//! The tables the page shows, as plain data: the aggregate in the seed's
//! columns and the findings with sorting and filtering. Kept free of the
//! DOM so the same cells are checked natively, in the component tests and
//! against the golden files end to end.

use std::cmp::Ordering;

use aiwatch_rule::{FindingRecord, Group};

/// The seed's aggregate columns in SPEC §2 order.
pub const AGGREGATE_COLUMNS: [&str; 10] = [
    "src_ip",
    "user",
    "requests",
    "total_bytes_uploaded",
    "first_seen",
    "last_seen",
    "ai_services",
    "endpoint_paths",
    "user_agents",
    "max_suspicion_score",
];

/// The cells of one aggregate row as the page shows them: missing values
/// are empty, numbers are plain integers as in the JSON output, and list
/// cells hold their values separated by newlines.
pub fn aggregate_cells(g: &Group) -> [String; 10] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let time = |v: Option<i64>| v.map(|t| t.to_string()).unwrap_or_default();
    let list = |v: &aiwatch_rule::aggregate::CappedSet| v.iter().collect::<Vec<_>>().join("\n");
    [
        opt(&g.src_ip),
        opt(&g.user),
        g.requests.to_string(),
        g.total_bytes_uploaded.to_string(),
        time(g.first_seen),
        time(g.last_seen),
        list(&g.ai_services),
        list(&g.endpoint_paths),
        list(&g.user_agents),
        g.max_suspicion_score.to_string(),
    ]
}

/// Formats epoch milliseconds as UTC `YYYY-MM-DD HH:MM:SS.mmm`.
pub fn format_time(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S%.3fZ").to_string(),
        None => ms.to_string(),
    }
}

/// A column of the findings table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingColumn {
    /// Input line number.
    Line,
    /// Event time.
    Time,
    /// Client address.
    Client,
    /// User.
    User,
    /// Provider and host.
    Service,
    /// HTTP method.
    Method,
    /// URL path.
    Path,
    /// Upload bytes.
    Upload,
    /// User agent.
    UserAgent,
    /// Signals that fired.
    Signals,
    /// Suspicion score.
    Score,
}

impl FindingColumn {
    /// Every column in display order.
    pub const ALL: [FindingColumn; 11] = [
        FindingColumn::Line,
        FindingColumn::Time,
        FindingColumn::Client,
        FindingColumn::User,
        FindingColumn::Service,
        FindingColumn::Method,
        FindingColumn::Path,
        FindingColumn::Upload,
        FindingColumn::UserAgent,
        FindingColumn::Signals,
        FindingColumn::Score,
    ];

    /// The column heading.
    pub fn title(self) -> &'static str {
        match self {
            FindingColumn::Line => "Line",
            FindingColumn::Time => "Time (UTC)",
            FindingColumn::Client => "Client",
            FindingColumn::User => "User",
            FindingColumn::Service => "Provider / host",
            FindingColumn::Method => "Method",
            FindingColumn::Path => "Path",
            FindingColumn::Upload => "Upload bytes",
            FindingColumn::UserAgent => "User agent",
            FindingColumn::Signals => "Signals",
            FindingColumn::Score => "Score",
        }
    }

    /// Whether the column holds numbers (right-aligned, sorted numerically,
    /// largest first on the first click).
    pub fn numeric(self) -> bool {
        matches!(self, FindingColumn::Line | FindingColumn::Time | FindingColumn::Upload | FindingColumn::Score)
    }

    /// The cell text for a finding.
    pub fn text(self, f: &FindingRecord) -> String {
        let e = &f.event;
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        match self {
            FindingColumn::Line => e.line.to_string(),
            FindingColumn::Time => e.time_ms.map(format_time).unwrap_or_default(),
            FindingColumn::Client => s(&e.src_ip),
            FindingColumn::User => s(&e.user),
            FindingColumn::Service => format!("{} · {}", f.provider, e.host.as_deref().unwrap_or("")),
            FindingColumn::Method => s(&e.method),
            FindingColumn::Path => s(&e.path),
            FindingColumn::Upload => e.bytes_uploaded.map(|b| b.to_string()).unwrap_or_default(),
            FindingColumn::UserAgent => s(&e.user_agent),
            FindingColumn::Signals => f.signals.join(" "),
            FindingColumn::Score => f.score.to_string(),
        }
    }

    fn compare(self, a: &FindingRecord, b: &FindingRecord) -> Ordering {
        let (x, y) = (&a.event, &b.event);
        match self {
            FindingColumn::Line => x.line.cmp(&y.line),
            FindingColumn::Time => x.time_ms.cmp(&y.time_ms),
            FindingColumn::Upload => x.bytes_uploaded.cmp(&y.bytes_uploaded),
            FindingColumn::Score => a.score.cmp(&b.score),
            other => other.text(a).cmp(&other.text(b)),
        }
    }
}

/// How the findings table is sorted and filtered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// Sort column.
    pub sort: FindingColumn,
    /// Largest first.
    pub descending: bool,
    /// Case-insensitive words that must all occur in a row (any column).
    pub filter: String,
    /// Only findings scoring at least this.
    pub min_score: u32,
}

impl Default for View {
    fn default() -> Self {
        View { sort: FindingColumn::Line, descending: false, filter: String::new(), min_score: 0 }
    }
}

impl View {
    /// Clicking a heading: sort by it, or flip the direction if it already is.
    pub fn click(&mut self, column: FindingColumn) {
        if self.sort == column {
            self.descending = !self.descending;
        } else {
            self.sort = column;
            self.descending = column.numeric() && column != FindingColumn::Line;
        }
    }

    /// Indices of the findings to show, in display order. Ties keep input
    /// order so the table is stable while sorting by a coarse column.
    pub fn apply(&self, findings: &[FindingRecord]) -> Vec<usize> {
        let words: Vec<String> = self.filter.split_whitespace().map(str::to_lowercase).collect();
        let mut rows: Vec<usize> = (0..findings.len())
            .filter(|&i| {
                let f = &findings[i];
                if f.score < self.min_score {
                    return false;
                }
                if words.is_empty() {
                    return true;
                }
                let hay = FindingColumn::ALL.iter().map(|c| c.text(f)).collect::<Vec<_>>().join("\u{1f}").to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect();
        rows.sort_by(|&a, &b| {
            let o = self.sort.compare(&findings[a], &findings[b]);
            let o = if self.descending { o.reverse() } else { o };
            o.then(a.cmp(&b))
        });
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiwatch_rule::aggregate::CappedSet;
    use aiwatch_rule::{EventRecord, Format};

    fn finding(line: u64, ip: &str, bytes: Option<u64>, score: u32, ua: &str) -> FindingRecord {
        FindingRecord {
            event: EventRecord {
                line,
                format: Format::SumoJson,
                time_ms: Some(1_700_000_000_000 + line as i64),
                src_ip: Some(ip.into()),
                user: None,
                method: Some("POST".into()),
                host: Some("api.openai.com".into()),
                port: None,
                path: Some("/v1/chat/completions".into()),
                user_agent: Some(ua.into()),
                bytes_uploaded: bytes,
                bytes_downloaded: None,
            },
            score,
            signals: vec!["api_endpoint".into(), "post".into()],
            provider: "OpenAI".into(),
            host_pattern: "api.openai.com".into(),
            explanation: String::new(),
        }
    }

    #[test]
    fn aggregate_cells_follow_the_json() {
        let mut services = CappedSet::default();
        services.insert("api.openai.com");
        services.insert("api.anthropic.com");
        let g = Group { src_ip: None, user: Some("bob".into()), requests: 3, total_bytes_uploaded: 120_000, first_seen: Some(1), last_seen: None, ai_services: services, max_suspicion_score: 3, ..Group::default() };
        let cells = aggregate_cells(&g);
        assert_eq!(cells[0], "");
        assert_eq!(cells[1], "bob");
        assert_eq!(cells[3], "120000");
        assert_eq!(cells[4], "1");
        assert_eq!(cells[5], "");
        assert_eq!(cells[6], "api.anthropic.com\napi.openai.com");
        assert_eq!(cells[7], "");
        assert_eq!(cells[9], "3");
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(format_time(971_211_336_123), "2000-10-10 20:55:36.123Z");
    }

    #[test]
    fn sorting_and_filtering() {
        let fs = vec![finding(1, "10.0.0.2", Some(10), 2, "curl/8"), finding(2, "10.0.0.1", None, 3, "OpenAI/Python"), finding(3, "10.0.0.3", Some(99), 2, "curl/8")];
        let mut v = View::default();
        assert_eq!(v.apply(&fs), [0, 1, 2]);
        v.click(FindingColumn::Upload);
        assert_eq!(v.apply(&fs), [2, 0, 1], "bytes descending, missing last");
        v.click(FindingColumn::Upload);
        assert_eq!(v.apply(&fs), [1, 0, 2]);
        v.click(FindingColumn::Client);
        assert!(!v.descending);
        assert_eq!(v.apply(&fs), [1, 0, 2]);
        v.click(FindingColumn::Score);
        assert_eq!(v.apply(&fs), [1, 0, 2], "ties keep input order");
        v.filter = "CURL 10.0.0.3".into();
        assert_eq!(v.apply(&fs), [2]);
        v.filter.clear();
        v.min_score = 3;
        assert_eq!(v.apply(&fs), [1]);
    }

    #[test]
    fn cells_of_a_finding() {
        let f = finding(7, "10.0.0.9", Some(5), 2, "curl/8");
        assert_eq!(FindingColumn::Service.text(&f), "OpenAI · api.openai.com");
        assert_eq!(FindingColumn::Signals.text(&f), "api_endpoint post");
        assert_eq!(FindingColumn::Time.text(&f), "2023-11-14 22:13:20.007Z");
        assert!(FindingColumn::ALL.iter().all(|c| !c.title().is_empty()));
    }
}
