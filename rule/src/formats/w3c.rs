//! W3C extended / ELFF logs (Blue Coat ProxySG, Cisco WSA W3C, and other
//! W3C-style proxies).
//!
//! A `#Fields:` header names the columns of the lines after it, in any
//! order. [`Header`] resolves each column name once to the event slot it
//! feeds, so a data line is read in a single pass with no lookups by name.
//! The same name-to-slot mapping serves [`event_from_pairs`], used for JSON
//! records whose keys are W3C field names (e.g. from a Fluent Bit parser),
//! so a field means the same thing however it arrives.
//!
//! Headerless ProxySG logs in the appliance's default `main` and
//! `bcreportermain_v1` layouts are recognized by shape
//! ([`parse_headerless`]).

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::event::{parse_bytes, present, Event, Format};
use crate::formats::fields::{is_digits, Fields};
use crate::formats::{time, ParseError};
use crate::host;

/// The W3C fields that feed an [`Event`]. Each is one slot of the values
/// collected for a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum W3cField {
    /// `c-ip`: the client address.
    ClientIp,
    /// `cs-username`: the authenticated user.
    Username,
    /// `cs-method`: the request method.
    Method,
    /// `cs-host`: the request URL's host (ProxySG).
    Host,
    /// `cs(Host)`: the `Host` request header, a fallback for the host.
    HostHeader,
    /// `cs-uri-port`: the request URL's port.
    UriPort,
    /// `cs-uri-path`: the request URL's path (ProxySG).
    UriPath,
    /// `cs-uri-stem`: the request URL's path (IIS style).
    UriStem,
    /// `cs-uri-query`: the query, with or without a leading `?`.
    UriQuery,
    /// `cs-uri`: the full request URL (ProxySG).
    Uri,
    /// `cs-url`: the full request URL (Cisco WSA; `tunnel://host:443/` for CONNECT).
    Url,
    /// `cs(User-Agent)`: the client's user agent.
    UserAgent,
    /// `cs-bytes`: bytes from the client (the upload).
    CsBytes,
    /// `sc-bytes`: bytes to the client (the download).
    ScBytes,
    /// `date`: UTC date, `YYYY-MM-DD`.
    Date,
    /// `time`: UTC time of day, `HH:MM:SS[.fff]`.
    Time,
    /// `timestamp`: epoch seconds with milliseconds (Cisco WSA).
    Timestamp,
    /// `x-timestamp-unix`: epoch seconds (ProxySG).
    TimestampUnix,
}

/// How many [`W3cField`] slots there are.
const SLOTS: usize = 18;

impl W3cField {
    /// Resolves a W3C field name, ASCII case-insensitively (header and
    /// field names are case-insensitive in practice: `cs(User-Agent)` and
    /// `cs(user-agent)` both occur). Unknown names give `None`.
    pub fn from_name(name: &str) -> Option<W3cField> {
        const NAMES: [(&str, W3cField); SLOTS] = [
            ("c-ip", W3cField::ClientIp),
            ("cs-username", W3cField::Username),
            ("cs-method", W3cField::Method),
            ("cs-host", W3cField::Host),
            ("cs(host)", W3cField::HostHeader),
            ("cs-uri-port", W3cField::UriPort),
            ("cs-uri-path", W3cField::UriPath),
            ("cs-uri-stem", W3cField::UriStem),
            ("cs-uri-query", W3cField::UriQuery),
            ("cs-uri", W3cField::Uri),
            ("cs-url", W3cField::Url),
            ("cs(user-agent)", W3cField::UserAgent),
            ("cs-bytes", W3cField::CsBytes),
            ("sc-bytes", W3cField::ScBytes),
            ("date", W3cField::Date),
            ("time", W3cField::Time),
            ("timestamp", W3cField::Timestamp),
            ("x-timestamp-unix", W3cField::TimestampUnix),
        ];
        let name = name.trim();
        NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, f)| *f)
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// Raw values of one record, by slot; only present values are kept and the
/// first present value of a slot wins.
#[derive(Debug, Default)]
struct Values<'a> {
    vals: [Option<&'a str>; SLOTS],
}

impl<'a> Values<'a> {
    fn set(&mut self, field: W3cField, raw: &'a str) {
        let slot = &mut self.vals[field.slot()];
        if slot.is_none() {
            *slot = present(raw);
        }
    }

    fn get(&self, field: W3cField) -> Option<&'a str> {
        self.vals[field.slot()]
    }

    /// The mapping from W3C fields to an event, shared by every path.
    fn into_event(self, format: Format) -> Result<Event<'a>, ParseError> {
        use W3cField as F;
        let mut ev = Event { format, ..Event::default() };
        ev.time_ms = self.time(format)?;
        ev.src_ip = self.get(F::ClientIp).map(Cow::Borrowed);
        ev.user = self.get(F::Username).map(Cow::Borrowed);
        ev.method = self.get(F::Method).and_then(upper_method);
        ev.user_agent = self.get(F::UserAgent).map(Cow::Borrowed);
        ev.bytes_uploaded = self.get(F::CsBytes).and_then(parse_bytes);
        ev.bytes_downloaded = self.get(F::ScBytes).and_then(parse_bytes);

        if let Some(url) = self.get(F::Uri).or(self.get(F::Url)) {
            apply_url(&mut ev, url);
        }
        // The split fields, when logged, are more specific than a URL.
        if let Some(h) = self.get(F::Host) {
            ev.host = host::normalize(h);
        }
        if ev.host.is_none() {
            ev.host = self.get(F::HostHeader).and_then(host::normalize);
        }
        if let Some(p) = self.get(F::UriPort) {
            ev.port = p.parse().ok();
        }
        if let Some(p) = self.get(F::UriPath).or(self.get(F::UriStem)) {
            ev.path = Some(Cow::Borrowed(p));
        }
        if let Some(q) = self.get(F::UriQuery) {
            // ProxySG logs the query with its `?`; IIS-style logs without.
            ev.query = present(q.strip_prefix('?').unwrap_or(q)).map(Cow::Borrowed);
        }
        Ok(ev)
    }

    fn time(&self, format: Format) -> Result<Option<i64>, ParseError> {
        use W3cField as F;
        if let Some(ts) = self.get(F::Timestamp) {
            return time::epoch_seconds(ts)
                .map(Some)
                .ok_or_else(|| ParseError::malformed(format, format!("timestamp {ts:?} is not epoch seconds")));
        }
        if let (Some(d), Some(t)) = (self.get(F::Date), self.get(F::Time)) {
            return time::w3c_date_time(d, t)
                .map(Some)
                .ok_or_else(|| ParseError::malformed(format, format!("date {d:?} time {t:?} is not a UTC date and time")));
        }
        if let Some(ts) = self.get(F::TimestampUnix) {
            return time::epoch_seconds(ts)
                .map(Some)
                .ok_or_else(|| ParseError::malformed(format, format!("x-timestamp-unix {ts:?} is not epoch seconds")));
        }
        Ok(None)
    }
}

/// Upper-cases a logged method, borrowing when it already is upper case.
/// Missing (`-`, empty) gives `None`.
pub(crate) fn upper_method(raw: &str) -> Option<Cow<'_, str>> {
    let m = present(raw)?;
    if m.bytes().any(|b| b.is_ascii_lowercase()) {
        Some(Cow::Owned(m.to_ascii_uppercase()))
    } else {
        Some(Cow::Borrowed(m))
    }
}

/// Fills host, port, path and query from a logged request URL. Handles
/// absolute URLs, URLs with no scheme, bare paths, CONNECT `host:port`
/// targets and WSA's `tunnel://host:port/`. The host is normalized but
/// never decoded or otherwise rewritten.
pub(crate) fn apply_url<'a>(ev: &mut Event<'a>, url: &'a str) {
    let Some(url) = present(url) else { return };
    // Squid logs failed transactions with pseudo-URLs such as
    // `error:transaction-end-before-headers`; they name no host.
    if url.starts_with("error:") {
        return;
    }
    let parts = host::split_url(url);
    ev.host = parts.host.and_then(host::normalize);
    ev.port = parts.port;
    // A tunnel's `/` is WSA's rendering of a CONNECT, not a requested path.
    if parts.scheme.is_some_and(|s| s.eq_ignore_ascii_case("tunnel")) {
        ev.path = None;
    } else {
        ev.path = parts.path.map(Cow::Borrowed);
    }
    ev.query = parts.query.map(Cow::Borrowed);
}

/// A `#Fields:` column map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    names: Vec<String>,
    /// For each column, the slot it feeds (resolved once, here).
    slots: Vec<Option<W3cField>>,
    /// [`Format::Proxysg`] when the header has `cs-host`, else [`Format::W3c`].
    format: Format,
    /// Whether any column is one aiwatch reads.
    known: bool,
}

impl Header {
    /// Reads the text after `#Fields:`.
    pub fn new(fields: &str) -> Header {
        let names: Vec<String> = fields.split_whitespace().map(str::to_string).collect();
        Header::from_names(names)
    }

    fn from_names(names: Vec<String>) -> Header {
        let slots: Vec<Option<W3cField>> = names.iter().map(|n| W3cField::from_name(n)).collect();
        let format = if slots.contains(&Some(W3cField::Host)) { Format::Proxysg } else { Format::W3c };
        let known = slots.iter().any(Option::is_some);
        Header { names, slots, format, known }
    }

    /// The column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The format lines under this header are reported as.
    pub fn format(&self) -> Format {
        self.format
    }
}

/// Parses a data line with the current header.
///
/// Returns [`ParseError::Unrecognized`] when the header names no field
/// aiwatch reads, and [`ParseError::Malformed`] when the line's field count
/// differs from the header's or its time is unreadable.
pub fn parse_with_header<'a>(line: &'a str, header: &Header) -> Result<Event<'a>, ParseError> {
    if !header.known {
        return Err(ParseError::Unrecognized);
    }
    let line = line.trim_ascii();
    match parse_columns(line, header) {
        Err(mismatch @ ParseError::Malformed { .. }) => {
            // A syslog relay may have put its own prefix in front of the record.
            match crate::formats::wsa::strip_syslog_prefix(line) {
                Some(rest) => parse_columns(rest, header).map_err(|_| mismatch),
                None => Err(mismatch),
            }
        }
        other => other,
    }
}

fn parse_columns<'a>(line: &'a str, header: &Header) -> Result<Event<'a>, ParseError> {
    let mut values = Values::default();
    let mut n = 0usize;
    for raw in Fields::new(line) {
        if let Some(Some(field)) = header.slots.get(n) {
            values.set(*field, raw);
        }
        n += 1;
    }
    if n != header.slots.len() {
        return Err(ParseError::malformed(
            header.format,
            format!("line has {n} fields but the #Fields: header names {}", header.slots.len()),
        ));
    }
    values.into_event(header.format)
}

/// Maps W3C field names to an event with the same rules as a `#Fields:`
/// header. For JSON records whose keys are W3C names (a Fluent Bit parser's
/// output, for instance). The format is [`Format::Proxysg`] when a
/// `cs-host` key is present, else [`Format::W3c`]. Returns
/// [`ParseError::Unrecognized`] when no key is a known W3C field.
pub fn event_from_pairs<'a>(pairs: &[(&str, &'a str)]) -> Result<Event<'a>, ParseError> {
    let mut values = Values::default();
    let mut known = false;
    let mut format = Format::W3c;
    for (name, raw) in pairs {
        if let Some(field) = W3cField::from_name(name) {
            known = true;
            if field == W3cField::Host {
                format = Format::Proxysg;
            }
            values.set(field, raw);
        }
    }
    if !known {
        return Err(ParseError::Unrecognized);
    }
    values.into_event(format)
}

/// ProxySG's default `main` log format (SGOS 5 and later).
const MAIN: &str = "date time time-taken c-ip sc-status s-action sc-bytes cs-bytes cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-username cs-auth-group s-hierarchy s-supplier-name rs(Content-Type) cs(Referer) cs(User-Agent) sc-filter-result cs-categories x-virus-id s-ip";

/// ProxySG's `bcreportermain_v1` format as SGOS 5.4 wrote it; SGOS 6
/// appends `x-bluecoat-application-name x-bluecoat-application-operation`,
/// later releases more columns, all after these.
const BCREPORTER: &str = "date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id";

/// `bcreportermain_v1` as SGOS 6.7 / 7.x write it, with the supplier
/// columns inserted after `cs-auth-group` and the application, risk,
/// transaction and ICAP columns appended.
const BCREPORTER_SUPPLIER: &str = "date time time-taken c-ip cs-username cs-auth-group s-supplier-name s-supplier-ip s-supplier-country s-supplier-failures x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id x-bluecoat-application-name x-bluecoat-application-operation x-bluecoat-application-groups cs-threat-risk x-bluecoat-transaction-uuid x-icap-reqmod-header(X-ICAP-Metadata) x-icap-respmod-header(X-ICAP-Metadata)";

/// A headerless layout: its column map, the column count range its lines
/// may have, and where `sc-status` / `s-action` are (for the shape test).
struct Layout {
    header: Header,
    min: usize,
    max: usize,
    status: usize,
}

/// The headerless layouts. `main` is matched exactly. The two
/// `bcreportermain_v1` variants accept columns appended after their
/// documented ones (SGOS 7.3 writes 42 in the supplier variant, and the
/// appended columns hold nothing aiwatch reads); even their shortest
/// documented form has more columns than `main`, and `sc-status` sits at a
/// different index in each (4, 10, 14), where the other layouts have a
/// non-numeric column, so no line fits two layouts.
fn layouts() -> &'static [Layout; 3] {
    static LAYOUTS: OnceLock<[Layout; 3]> = OnceLock::new();
    LAYOUTS.get_or_init(|| {
        let layout = |spec: &str, min: Option<usize>, open_ended: bool| {
            let header = Header::new(spec);
            let status = header.names.iter().position(|n| n == "sc-status").expect("layouts name sc-status");
            let min = min.unwrap_or(header.names.len());
            let max = if open_ended { MAX_COLUMNS } else { header.names.len() };
            Layout { header, min, max, status }
        };
        // The supplier variant's columns through `x-virus-id` (29) are
        // common to every release that has them.
        [layout(MAIN, None, false), layout(BCREPORTER_SUPPLIER, Some(29), true), layout(BCREPORTER, None, true)]
    })
}

/// The most columns a headerless line may have (SGOS 7.3 writes 42).
const MAX_COLUMNS: usize = 64;

/// Parses a headerless ProxySG line (`main` or `bcreportermain_v1` layout),
/// recognized by its field count and the shape of its date, time,
/// `sc-status` and `s-action` columns.
pub fn parse_headerless(line: &str) -> Result<Event<'_>, ParseError> {
    let line = line.trim_ascii();
    match headerless_columns(line) {
        Err(ParseError::Unrecognized) => match crate::formats::wsa::strip_syslog_prefix(line) {
            Some(rest) => headerless_columns(rest),
            None => Err(ParseError::Unrecognized),
        },
        other => other,
    }
}

fn headerless_columns(line: &str) -> Result<Event<'_>, ParseError> {
    // Cheap shape test before splitting: ELFF lines start with the date.
    let b = line.as_bytes();
    if b.len() < 20 || !(b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-') {
        return Err(ParseError::Unrecognized);
    }
    let mut cols = [""; MAX_COLUMNS];
    let mut n = 0usize;
    for f in Fields::new(line) {
        if n < MAX_COLUMNS {
            cols[n] = f;
        }
        n += 1;
    }
    let layout = layouts().iter().find(|l| {
        (l.min..=l.max).contains(&n) && {
            let (date, time, status, action) = (cols[0], cols[1], cols[l.status], cols[l.status + 1]);
            is_date(date) && time.len() >= 8 && time.as_bytes()[2] == b':' && is_digits(status) && is_action(action)
        }
    });
    let Some(layout) = layout else { return Err(ParseError::Unrecognized) };
    let mut values = Values::default();
    for (raw, field) in cols[..n].iter().zip(&layout.header.slots) {
        if let Some(field) = field {
            values.set(*field, raw);
        }
    }
    values.into_event(Format::Proxysg)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// `s-action` values are upper-case tags such as `TCP_NC_MISS`,
/// `TCP_TUNNELED`, `TCP_DENIED`; `-` when none applies.
fn is_action(s: &str) -> bool {
    s == "-" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(s: &str) -> Header {
        Header::new(s)
    }

    const PROXYSG_HDR: &str = " date time time-taken c-ip sc-status s-action sc-bytes cs-bytes cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-username cs-auth-group s-hierarchy s-supplier-name rs(Content-Type) cs(Referer) cs(User-Agent) sc-filter-result cs-categories x-virus-id s-ip";

    #[test]
    fn proxysg_elff_line_with_header() {
        let h = header(PROXYSG_HDR);
        assert_eq!(h.format(), Format::Proxysg);
        let line = r#"2024-05-01 13:45:10 250 10.1.2.3 200 TCP_NC_MISS 1234 73000 POST https api.openai.com 443 /v1/chat/completions ?stream=true alice CORP\AI%20Users DIRECT api.openai.com application/json - "python-requests/2.31.0" OBSERVED "Technology/Internet" - 10.0.0.1"#;
        let ev = parse_with_header(line, &h).unwrap();
        assert_eq!(ev.format, Format::Proxysg);
        assert_eq!(ev.time_ms, Some(1_714_571_110_000));
        assert_eq!(ev.src_ip.as_deref(), Some("10.1.2.3"));
        assert_eq!(ev.user.as_deref(), Some("alice"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.port, Some(443));
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.query.as_deref(), Some("stream=true"));
        assert_eq!(ev.user_agent.as_deref(), Some("python-requests/2.31.0"));
        assert_eq!(ev.bytes_uploaded, Some(73000));
        assert_eq!(ev.bytes_downloaded, Some(1234));
        // Borrowed on the common path: nothing needed rewriting.
        assert!(matches!(ev.host, Some(Cow::Borrowed(_))));
        assert!(matches!(ev.method, Some(Cow::Borrowed(_))));
    }

    #[test]
    fn header_in_another_column_order() {
        let h = header("cs(User-Agent) cs-bytes c-ip cs-method time date cs-uri-path cs-host cs-username");
        let line = r#""OpenAI/Python 1.30.1" 60001 10.9.9.9 post 08:00:00.250 2024-05-02 /v1/embeddings API.OpenAI.com bob"#;
        let ev = parse_with_header(line, &h).unwrap();
        assert_eq!(ev.user_agent.as_deref(), Some("OpenAI/Python 1.30.1"));
        assert_eq!(ev.bytes_uploaded, Some(60001));
        assert_eq!(ev.src_ip.as_deref(), Some("10.9.9.9"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.time_ms, Some(1_714_636_800_250));
        assert_eq!(ev.path.as_deref(), Some("/v1/embeddings"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.user.as_deref(), Some("bob"));
    }

    #[test]
    fn proxysg_double_space_and_placeholders() {
        let h = header(PROXYSG_HDR);
        // ProxySG emits runs of spaces; `-` everywhere means missing.
        let line = "2024-05-01 13:45:10  15 10.1.2.3 200 TCP_TUNNELED 0 0 CONNECT tcp api.anthropic.com 443 / - - - DIRECT 1.2.3.4 -  - - OBSERVED - -  10.0.0.1";
        let ev = parse_with_header(line, &h).unwrap();
        assert_eq!(ev.method.as_deref(), Some("CONNECT"));
        assert_eq!(ev.host.as_deref(), Some("api.anthropic.com"));
        assert_eq!(ev.user, None);
        assert_eq!(ev.user_agent, None);
        assert_eq!(ev.query, None);
        assert_eq!(ev.bytes_uploaded, Some(0));
    }

    #[test]
    fn wsa_w3c_with_cs_url_and_timestamp() {
        let h = header("timestamp x-elapsed-time c-ip x-resultcode-httpstatus sc-bytes cs-method cs-url cs-username x-hierarchy-origin cs-mime-type x-acltag cs(User-Agent) cs-bytes");
        assert_eq!(h.format(), Format::W3c);
        let line = r#"1701597601.123 45 10.0.0.5 TCP_MISS/200 5120 POST https://api.mistral.ai/v1/chat/completions?x=1 "CORP\alice@CORP.EXAMPLE" DIRECT/api.mistral.ai application/json DEFAULT_CASE_12-AI-ID-NONE-NONE-NONE-DefaultGroup "curl/8.4.0" 80000"#;
        let ev = parse_with_header(line, &h).unwrap();
        assert_eq!(ev.format, Format::W3c);
        assert_eq!(ev.time_ms, Some(1_701_597_601_123));
        assert_eq!(ev.host.as_deref(), Some("api.mistral.ai"));
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.query.as_deref(), Some("x=1"));
        assert_eq!(ev.user.as_deref(), Some("CORP\\alice@CORP.EXAMPLE"));
        assert_eq!(ev.bytes_uploaded, Some(80000));
        assert_eq!(ev.bytes_downloaded, Some(5120));
    }

    #[test]
    fn wsa_w3c_tunnel_url() {
        let h = header("timestamp c-ip cs-method cs-url");
        let ev = parse_with_header("1701597601.5 10.0.0.5 CONNECT tunnel://api.groq.com:443/", &h).unwrap();
        assert_eq!(ev.host.as_deref(), Some("api.groq.com"));
        assert_eq!(ev.port, Some(443));
        assert_eq!(ev.path, None);
        assert_eq!(ev.time_ms, Some(1_701_597_601_500));
    }

    #[test]
    fn field_count_mismatch_names_both_counts() {
        let h = header("date time c-ip cs-host");
        let err = parse_with_header("2024-05-01 13:45:10 10.1.2.3", &h).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ParseError::Malformed { format: Format::Proxysg, .. }), "{err:?}");
        assert!(msg.contains('3') && msg.contains('4'), "{msg}");
    }

    #[test]
    fn bad_date_is_malformed() {
        let h = header("date time c-ip cs-host");
        let err = parse_with_header("2024-13-01 13:45:10 10.1.2.3 api.openai.com", &h).unwrap_err();
        assert!(err.to_string().contains("2024-13-01"), "{err}");
    }

    #[test]
    fn unknown_columns_only_is_unrecognized() {
        let h = header("x-foo x-bar");
        assert_eq!(parse_with_header("a b", &h), Err(ParseError::Unrecognized));
        assert_eq!(parse_with_header("a b", &Header::default()), Err(ParseError::Unrecognized));
    }

    #[test]
    fn ipv6_client_and_bracketed_host_header() {
        let h = header("date time c-ip cs-method cs(Host) cs-uri-stem cs-uri-query");
        let ev = parse_with_header("2024-05-01 00:00:00 2001:db8::7 GET [2001:db8::1]:8443 /v1/models -", &h).unwrap();
        assert_eq!(ev.src_ip.as_deref(), Some("2001:db8::7"));
        assert_eq!(ev.host.as_deref(), Some("2001:db8::1"));
        assert_eq!(ev.path.as_deref(), Some("/v1/models"));
        assert_eq!(ev.query, None);
    }

    #[test]
    fn cs_uri_without_scheme_and_bare_path() {
        let h = header("c-ip cs-uri");
        let ev = parse_with_header("10.0.0.1 api.cohere.com/v2/chat", &h).unwrap();
        assert_eq!((ev.host.as_deref(), ev.path.as_deref()), (Some("api.cohere.com"), Some("/v2/chat")));
        let ev = parse_with_header("10.0.0.1 /v1/messages", &h).unwrap();
        assert_eq!((ev.host, ev.path.as_deref()), (None, Some("/v1/messages")));
    }

    #[test]
    fn trailing_carriage_return_is_tolerated() {
        let h = header("c-ip cs-host");
        let ev = parse_with_header("10.0.0.1 api.openai.com\r", &h).unwrap();
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
    }

    #[test]
    fn syslog_relayed_data_line() {
        let h = header("date time c-ip cs-host");
        let ev = parse_with_header("Aug 18 12:30:46 10.8.24.10 proxysg: 2016-08-18 05:30:54 10.8.10.114 api.openai.com", &h).unwrap();
        assert_eq!(ev.src_ip.as_deref(), Some("10.8.10.114"));
    }

    #[test]
    fn pairs_use_the_same_mapping() {
        let pairs = [
            ("c-ip", "10.1.1.1"),
            ("cs-host", "API.Anthropic.com"),
            ("cs-uri-path", "/v1/messages"),
            ("cs-method", "post"),
            ("cs-bytes", "51000"),
            ("cs(User-Agent)", "anthropic-python/0.25"),
            ("date", "2024-05-01"),
            ("time", "13:45:10"),
            ("x-unknown", "whatever"),
        ];
        let ev = event_from_pairs(&pairs).unwrap();
        assert_eq!(ev.format, Format::Proxysg);
        assert_eq!(ev.host.as_deref(), Some("api.anthropic.com"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.bytes_uploaded, Some(51000));
        assert_eq!(ev.time_ms, Some(1_714_571_110_000));
        let ev = event_from_pairs(&[("cs-url", "https://api.groq.com/openai/v1/chat/completions"), ("cs-bytes", "-")]).unwrap();
        assert_eq!(ev.format, Format::W3c);
        assert_eq!(ev.host.as_deref(), Some("api.groq.com"));
        assert_eq!(ev.bytes_uploaded, None);
        assert_eq!(event_from_pairs(&[("foo", "bar")]), Err(ParseError::Unrecognized));
        assert!(matches!(event_from_pairs(&[("timestamp", "yesterday")]), Err(ParseError::Malformed { .. })));
    }

    #[test]
    fn headerless_main_layout() {
        let line = r#"2024-05-01 13:45:10 250 10.1.2.3 200 TCP_NC_MISS 1234 73000 POST https api.openai.com 443 /v1/chat/completions - alice - DIRECT api.openai.com application/json - "OpenAI/Python 1.30.1" OBSERVED "Technology/Internet" - 10.0.0.1"#;
        let ev = parse_headerless(line).unwrap();
        assert_eq!(ev.format, Format::Proxysg);
        assert_eq!(ev.src_ip.as_deref(), Some("10.1.2.3"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.bytes_uploaded, Some(73000));
        assert_eq!(ev.user_agent.as_deref(), Some("OpenAI/Python 1.30.1"));
        assert_eq!(ev.user.as_deref(), Some("alice"));
    }

    #[test]
    fn headerless_bcreportermain_v1_layouts() {
        // SGOS 5.4 (26 columns), with ProxySG's double space after the referer.
        let line = r#"2011-08-04 21:00:00 11 10.2.2.2 carol CORP\Staff - OBSERVED "Technology/Internet" -  200 TCP_NC_MISS POST application/json https api.cohere.ai 443 /v1/generate ?a=b - "cohere-python/4.0" 10.0.0.1 900 64000 -"#;
        let ev = parse_headerless(line).unwrap();
        assert_eq!(ev.user.as_deref(), Some("carol"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.cohere.ai"));
        assert_eq!(ev.path.as_deref(), Some("/v1/generate"));
        assert_eq!(ev.query.as_deref(), Some("a=b"));
        assert_eq!(ev.bytes_uploaded, Some(64000));
        assert_eq!(ev.bytes_downloaded, Some(900));
        assert_eq!(ev.time_ms, Some(1_312_491_600_000));
        // SGOS 6 appends the application columns (28).
        let ev = parse_headerless(&format!("{line} \"none\" \"none\"")).unwrap().into_owned();
        assert_eq!(ev.host.as_deref(), Some("api.cohere.ai"));
        // SGOS 7 with supplier columns (36 as Broadcom documents them for Reporter).
        let line7 = r#"2023-01-02 03:04:05 9 10.3.3.3 dave - api.openai.com 104.18.7.192 US - - OBSERVED "AI/ML Apps" - 200 TCP_NC_MISS POST application/json https api.openai.com 443 /v1/responses - - "node-fetch/1.0" 10.0.0.1 400 70000 - "none" "none" "none" 2 abc123 - -"#;
        let ev = parse_headerless(line7).unwrap();
        assert_eq!(ev.user.as_deref(), Some("dave"));
        assert_eq!(ev.path.as_deref(), Some("/v1/responses"));
        assert_eq!(ev.bytes_uploaded, Some(70000));
    }

    #[test]
    fn headerless_bcreportermain_v1_sgos_7_3_with_appended_columns() {
        // 42 columns: quoted scheme, a double space, threat and application columns after the byte counts.
        let line = r#"2026-12-01 13:00:01 1873 10.20.1.23 bob - api.openai.com 203.0.113.21 "United States" - - OBSERVED "Artificial Intelligence" -  200 TCP_NC_MISS POST application/json "https" api.openai.com 443 /v1/chat/completions - - "OpenAI/Python 1.51.0" 192.0.2.13 2841 1422 - - - - - "OpenAI" "none" "none" 2 - - "6a2b0c3d4e5f6071-0000000000002a01-00000000674c4691" - -"#;
        let ev = parse_headerless(line).unwrap();
        assert_eq!(ev.user.as_deref(), Some("bob"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.port, Some(443));
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.user_agent.as_deref(), Some("OpenAI/Python 1.51.0"));
        assert_eq!(ev.bytes_downloaded, Some(2841));
        assert_eq!(ev.bytes_uploaded, Some(1422));
        // A main line with extra columns is not silently read as another layout.
        let main = r#"2024-05-01 13:45:10 250 10.1.2.3 200 TCP_NC_MISS 1234 73000 POST https api.openai.com 443 /v1/chat/completions - alice - DIRECT api.openai.com application/json - "curl/8.4.0" OBSERVED "AI" - 10.0.0.1"#;
        assert_eq!(parse_headerless(&format!("{main} x y z w")), Err(ParseError::Unrecognized));
    }

    #[test]
    fn headerless_rejects_other_shapes() {
        assert_eq!(parse_headerless("2024-05-01 13:45:10 10.1.2.3 api.openai.com"), Err(ParseError::Unrecognized));
        assert_eq!(parse_headerless("1701597601.123 45 10.0.0.5 TCP_MISS/200 5120 GET http://x/ - DIRECT/x text/html"), Err(ParseError::Unrecognized));
        assert_eq!(parse_headerless(""), Err(ParseError::Unrecognized));
    }

    #[test]
    fn hostile_input_never_panics() {
        let h = header(PROXYSG_HDR);
        for line in ["\"", "\0\0\0", "\u{FFFD}\u{FFFD} \"unterminated", "2024-05-01 \"", &"x ".repeat(10_000), "2024-05-01\u{FFFD}aaaaaaaaaaaaaaaaaaaaaaaaa"] {
            let _ = parse_with_header(line, &h);
            let _ = parse_headerless(line);
            let _ = event_from_pairs(&[("date", line), ("time", line), ("cs-uri", line)]);
        }
    }
}
