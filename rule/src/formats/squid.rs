//! Squid access logs: native, common, combined and "extensive".
//!
//! - **native** (`logformat squid`):
//!   `%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`, exactly
//!   ten fields. The fifth is the reply size (the download); there is no
//!   upload size and no user agent, except that `log_mime_hdrs on` appends
//!   the request and reply headers as two `[...]` blocks, from which the
//!   `User-Agent` is read. CONNECT URLs are `host:port`.
//! - **common** (`logformat common`):
//!   `%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st %Ss:%Sh`, the
//!   trailing `%Ss:%Sh` absent in Apache's CLF.
//! - **combined**: common plus `"referer" "user agent"` before the optional
//!   `%Ss:%Sh`.
//! - **extensive** (SPEC §3): `time elapsed ip port code/status reply_size
//!   request_size reply_hdr request_hdr reply_body method url version user
//!   hier/peer dst_port type err_code err_detail "referer" "UA" "host" "xff"
//!   ["sni"] server_time note`; `request_size` is the upload.
//!
//! Native and extensive both start with epoch seconds; the fourth field
//! tells them apart (`TCP_MISS/200` versus a client port). Every layout may
//! arrive behind a syslog header (`access_log syslog:`), which is removed.

use std::borrow::Cow;

use crate::event::{parse_bytes, present, Event, Format};
use crate::formats::fields::{find_blank, is_blank, is_digits, skip_blanks, split_once_byte};
use crate::formats::w3c::{apply_url, upper_method};
use crate::formats::wsa::strip_syslog_prefix;
use crate::formats::{time, ParseError};
use crate::host;

/// Tries every Squid layout by shape: native, extensive, combined, common.
pub fn parse_any(line: &str) -> Result<Event<'_>, ParseError> {
    with_syslog(line, any_record)
}

/// Squid native: `%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`.
pub fn parse_native(line: &str) -> Result<Event<'_>, ParseError> {
    with_syslog(line, native)
}

/// Common log format: `%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st [%Ss:%Sh]`.
pub fn parse_common(line: &str) -> Result<Event<'_>, ParseError> {
    with_syslog(line, |l| clf(l, Some(Format::SquidCommon)))
}

/// Combined log format: common plus `"referer" "user agent"`, then an
/// optional `%Ss:%Sh`.
pub fn parse_combined(line: &str) -> Result<Event<'_>, ParseError> {
    with_syslog(line, |l| clf(l, Some(Format::SquidCombined)))
}

/// Squid "extensive" (SPEC §3), with the request size as the upload and
/// the quoted referer, user agent, host and X-Forwarded-For headers.
pub fn parse_extensive(line: &str) -> Result<Event<'_>, ParseError> {
    with_syslog(line, extensive)
}

/// Whether a token has the shape of Squid's `%ts.%03tu` (and WSA's `%t`):
/// decimal seconds with an optional fraction. The value is checked later.
pub fn looks_like_epoch(s: &str) -> bool {
    let (secs, frac) = split_once_byte(s, b'.').unwrap_or((s, "0"));
    is_digits(secs) && is_digits(frac)
}

/// Runs `parse` on the line, and again without a syslog header if the line
/// has one and was not recognized as it is.
fn with_syslog<'a>(line: &'a str, parse: impl Fn(&'a str) -> Result<Event<'a>, ParseError>) -> Result<Event<'a>, ParseError> {
    let line = line.trim_ascii();
    match parse(line) {
        Err(ParseError::Unrecognized) => match strip_syslog_prefix(line) {
            Some(rest) => parse(rest),
            None => Err(ParseError::Unrecognized),
        },
        other => other,
    }
}

fn any_record(line: &str) -> Result<Event<'_>, ParseError> {
    let first_end = line.bytes().position(|b| b == b' ' || b == b'\t').unwrap_or(line.len());
    if looks_like_epoch(&line[..first_end]) {
        epoch_family(line, None)
    } else {
        clf(line, None)
    }
}

fn native(line: &str) -> Result<Event<'_>, ParseError> {
    epoch_family(line, Some(Format::Squid))
}

fn extensive(line: &str) -> Result<Event<'_>, ParseError> {
    epoch_family(line, Some(Format::SquidExtensive))
}

/// Native and extensive, split once: the fourth field is `TCP_MISS/200` in
/// native and the client port in extensive. `want` is the layout a caller
/// insists on; `None` takes whichever the line has.
fn epoch_family(line: &str, want: Option<Format>) -> Result<Event<'_>, ParseError> {
    let mut f = SquidFields::new(line, false);
    let (head, n) = f.take_n::<10>();
    if n < 10 || !looks_like_epoch(head[0]) {
        return Err(ParseError::Unrecognized);
    }
    if is_digits(head[3]) {
        if want == Some(Format::Squid) {
            return Err(ParseError::Unrecognized);
        }
        let mut c = [""; 23];
        c[..10].copy_from_slice(&head);
        let (more, m) = f.take_n::<13>();
        c[10..].copy_from_slice(&more);
        if m < 13 {
            return Err(ParseError::Unrecognized);
        }
        extensive_fields(&c)
    } else {
        if want == Some(Format::SquidExtensive) {
            return Err(ParseError::Unrecognized);
        }
        native_fields(&head, f.remainder())
    }
}

/// Splits a Squid line. Like [`crate::formats::fields::Fields`] (runs of
/// spaces or tabs separate fields; a `"` field runs to a closing `"`
/// followed by whitespace or the end; `[...]` kept whole on request), but a
/// quote preceded by a backslash does not close the field: Squid's quoted
/// encoding writes `"` and `\` inside values as `\"` and `\\`. Works on
/// bytes, since every delimiter is ASCII.
#[derive(Debug, Clone)]
struct SquidFields<'a> {
    rest: &'a str,
    brackets: bool,
}

impl<'a> SquidFields<'a> {
    fn new(line: &'a str, brackets: bool) -> SquidFields<'a> {
        SquidFields { rest: line, brackets }
    }

    /// What has not been split yet, leading whitespace removed.
    fn remainder(&self) -> &'a str {
        &self.rest[skip_blanks(self.rest.as_bytes())..]
    }

    /// The next `N` fields and how many there were.
    fn take_n<const N: usize>(&mut self) -> ([&'a str; N], usize) {
        let mut out = [""; N];
        let mut n = 0;
        while n < N {
            match self.next() {
                Some(f) => {
                    out[n] = f;
                    n += 1;
                }
                None => break,
            }
        }
        (out, n)
    }
}

impl<'a> Iterator for SquidFields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.rest.as_bytes();
        let start = skip_blanks(b);
        if start == b.len() {
            self.rest = "";
            return None;
        }
        // Every index sliced at below holds an ASCII byte, so it is a char boundary.
        let s = &self.rest[start..];
        let sb = s.as_bytes();
        let close = match sb[0] {
            b'"' => Some(b'"'),
            b'[' if self.brackets => Some(b']'),
            _ => None,
        };
        if let Some(close) = close {
            // Jump between the only bytes that matter (SIMD memchr): quoted
            // user agents are the longest fields of a line.
            let mut i = 1;
            while i < sb.len() {
                let Some(off) = memchr::memchr2(b'\\', close, &sb[i..]) else { break };
                i += off;
                if sb[i] == b'\\' && close == b'"' {
                    i += 2;
                    continue;
                }
                if sb[i] == close && sb.get(i + 1).is_none_or(|&n| is_blank(n)) {
                    self.rest = &s[i + 1..];
                    return Some(&s[1..i]);
                }
                i += 1;
            }
            // Unterminated: the rest of the line is the field.
            self.rest = "";
            return Some(&s[1..]);
        }
        let end = find_blank(sb);
        self.rest = &s[end..];
        Some(&s[..end])
    }
}

/// A quoted value with Squid's `\"` and `\\` escapes undone; borrowed when
/// it has none (the common case). Other escapes (`\t`, `\r`, `\n`) are kept
/// as written.
fn unescape(v: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\\', v.as_bytes()).is_none() {
        return Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(e @ ('"' | '\\')) => out.push(e),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn malformed(format: Format, what: &str, v: &str) -> ParseError {
    ParseError::malformed(format, format!("{what} {v:?} is not a number"))
}

fn epoch(format: Format, ts: &str) -> Result<i64, ParseError> {
    time::epoch_seconds(ts).ok_or_else(|| ParseError::malformed(format, format!("timestamp {ts:?} is not epoch seconds")))
}

/// `TCP_MISS/200` → the status after the slash, which must be numeric.
fn status(format: Format, code: &str) -> Result<&str, ParseError> {
    let (_, status) = split_once_byte(code, b'/').ok_or(ParseError::Unrecognized)?;
    if is_digits(status) || status == "-" {
        Ok(status)
    } else {
        Err(malformed(format, "HTTP status", status))
    }
}

/// A size column: digits, or `-` for none.
fn size(format: Format, what: &str, v: &str) -> Result<Option<u64>, ParseError> {
    match present(v) {
        Some(s) if !is_digits(s) => Err(malformed(format, what, s)),
        _ => Ok(parse_bytes(v)),
    }
}

/// Native's ten fields, and what follows them on the line.
fn native_fields<'a>(c: &[&'a str; 10], tail: &'a str) -> Result<Event<'a>, ParseError> {
    const F: Format = Format::Squid;
    if !c[3].as_bytes().contains(&b'/') || !c[8].as_bytes().contains(&b'/') {
        return Err(ParseError::Unrecognized);
    }
    // Exactly ten fields, unless `log_mime_hdrs` appended its header blocks.
    let user_agent = match tail.as_bytes().first() {
        None => None,
        Some(b'[') => mime_header(tail, "User-Agent"),
        Some(_) => return Err(ParseError::Unrecognized),
    };
    let time_ms = epoch(F, c[0])?;
    status(F, c[3])?;
    let bytes_downloaded = size(F, "reply size", c[4])?;
    let mut ev = Event {
        format: F,
        time_ms: Some(time_ms),
        src_ip: present(c[2]).map(Cow::Borrowed),
        method: upper_method(c[5]),
        user: present(c[7]).map(Cow::Borrowed),
        user_agent: user_agent.map(Cow::Borrowed),
        bytes_downloaded,
        ..Event::default()
    };
    apply_url(&mut ev, c[6]);
    Ok(ev)
}

/// Finds a header's value in `log_mime_hdrs`' request block (the first
/// `[...]`). Squid %-encodes CR and LF there (`%0D%0A`) and brackets inside
/// values, so the block ends at the first `]`. The value is returned as
/// logged, without decoding.
fn mime_header<'a>(tail: &'a str, name: &str) -> Option<&'a str> {
    let block = tail.strip_prefix('[')?;
    let block = &block[..block.find(']').unwrap_or(block.len())];
    let mut rest = block;
    loop {
        let line_end = find_ci(rest, "%0d%0a").unwrap_or(rest.len());
        let header = &rest[..line_end];
        if let Some((k, v)) = header.split_once(':') {
            if k.trim().eq_ignore_ascii_case(name) {
                return present(v);
            }
        }
        if line_end == rest.len() {
            return None;
        }
        rest = &rest[line_end + 6..];
    }
}

/// ASCII case-insensitive substring search for an ASCII needle.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Extensive's first 23 fields (through X-Forwarded-For); the optional
/// SNI, server time and notes after them are not read.
fn extensive_fields<'a>(c: &[&'a str; 23]) -> Result<Event<'a>, ParseError> {
    const F: Format = Format::SquidExtensive;
    if !c[4].as_bytes().contains(&b'/') {
        return Err(ParseError::Unrecognized);
    }
    let time_ms = epoch(F, c[0])?;
    status(F, c[4])?;
    let bytes_downloaded = size(F, "reply size", c[5])?;
    let bytes_uploaded = size(F, "request size", c[6])?;
    let mut ev = Event {
        format: F,
        time_ms: Some(time_ms),
        src_ip: present(c[2]).map(Cow::Borrowed),
        method: upper_method(c[10]),
        user: present(c[13]).map(Cow::Borrowed),
        user_agent: present(c[20]).map(unescape),
        bytes_uploaded,
        bytes_downloaded,
        ..Event::default()
    };
    apply_url(&mut ev, c[11]);
    if ev.host.is_none() {
        // The Host header, for URLs logged without an authority.
        ev.host = present(c[21]).and_then(host::normalize);
    }
    if ev.port.is_none() {
        ev.port = present(c[15]).and_then(|p| p.parse().ok());
    }
    Ok(ev)
}

/// Common and combined. `want` is the layout a caller insists on; `None`
/// takes whichever the line has.
fn clf(line: &str, want: Option<Format>) -> Result<Event<'_>, ParseError> {
    let mut f = SquidFields::new(line, true);
    let (head, n) = f.take_n::<3>();
    if n < 3 || !f.remainder().starts_with('[') {
        return Err(ParseError::Unrecognized);
    }
    let ts = f.next().unwrap_or_default();
    if !f.remainder().starts_with('"') {
        return Err(ParseError::Unrecognized);
    }
    let request = f.next().unwrap_or_default();
    let (tail, tail_n) = f.take_n::<6>();
    if tail_n < 2 {
        // Both layouts share this prefix, so the line is at least common.
        let reason = if tail_n == 0 { "no status and size after the request (is its closing quote missing?)" } else { "no size after the status" };
        return Err(ParseError::malformed(want.unwrap_or(Format::SquidCommon), reason));
    }
    let guess = want.unwrap_or(Format::SquidCombined);
    let [status_raw, size_raw, t0, t1, t2, _] = tail;
    let format = match tail_n {
        2 => Format::SquidCommon,
        3 if is_squid_tags(t0) => Format::SquidCommon,
        4 => Format::SquidCombined,
        5 if is_squid_tags(t2) => Format::SquidCombined,
        _ => return Err(ParseError::malformed(guess, format!("{} fields after the size; expected none or `%Ss:%Sh` (common) or \"referer\" \"user agent\" (combined)", tail_n - 2))),
    };
    if want.is_some_and(|w| w != format) {
        return Err(ParseError::Unrecognized);
    }
    let time_ms = time::clf(ts).ok_or_else(|| ParseError::malformed(format, format!("time [{ts}] is not dd/Mon/yyyy:HH:MM:SS ±zzzz")))?;
    if !is_digits(status_raw) {
        return Err(malformed(format, "HTTP status", status_raw));
    }
    let bytes_downloaded = size(format, "reply size", size_raw)?;
    let mut ev = Event {
        format,
        time_ms: Some(time_ms),
        src_ip: present(head[0]).map(Cow::Borrowed),
        user: present(head[2]).map(Cow::Borrowed),
        bytes_downloaded,
        ..Event::default()
    };
    if format == Format::SquidCombined {
        ev.user_agent = present(t1).map(unescape);
    }
    // "METHOD URL HTTP/v"; the version is absent for HTTP/0.9 requests and
    // the whole request is `-` when the client sent none.
    if let Some(req) = present(request) {
        let (method, rest) = req.split_once(' ').unwrap_or((req, ""));
        let url = match rest.rsplit_once(' ') {
            Some((url, v)) if v.starts_with("HTTP/") => url,
            _ => rest,
        };
        ev.method = upper_method(method);
        apply_url(&mut ev, url.trim());
    }
    Ok(ev)
}

/// `%Ss:%Sh`, e.g. `TCP_MISS:HIER_DIRECT` or `TCP_DENIED:NONE`.
fn is_squid_tags(s: &str) -> bool {
    s.contains(':') && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    const NATIVE: &str = "1701597601.123     45 10.0.0.5 TCP_MISS/200 8187 POST https://api.openai.com/v1/chat/completions?x=1 alice HIER_DIRECT/104.18.7.192 application/json";

    #[test]
    fn native_with_padded_elapsed() {
        let ev = parse_native(NATIVE).unwrap();
        assert_eq!(ev.format, Format::Squid);
        assert_eq!(ev.time_ms, Some(1_701_597_601_123));
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.port, None);
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.query.as_deref(), Some("x=1"));
        assert_eq!(ev.user.as_deref(), Some("alice"));
        // The fifth field is the reply size: a download, never an upload.
        assert_eq!(ev.bytes_downloaded, Some(8187));
        assert_eq!(ev.bytes_uploaded, None);
        assert_eq!(ev.user_agent, None);
        assert!(matches!(ev.host, Some(Cow::Borrowed(_))));
        assert_eq!(parse_any(NATIVE), Ok(ev));
    }

    #[test]
    fn native_connect_host_port_and_placeholders() {
        let ev = parse_any("1701597601.123 120 10.0.0.5 TCP_TUNNEL/200 5234 CONNECT API.Anthropic.com:443 - HIER_DIRECT/160.79.104.10 -").unwrap();
        assert_eq!(ev.method.as_deref(), Some("CONNECT"));
        assert_eq!(ev.host.as_deref(), Some("api.anthropic.com"));
        assert_eq!(ev.port, Some(443));
        assert_eq!(ev.path, None);
        assert_eq!(ev.user, None);
    }

    #[test]
    fn native_ipv6_client_and_bracketed_connect() {
        let ev = parse_any("1701597601.123 1 2001:db8::5 TCP_TUNNEL/200 10 CONNECT [2001:db8::1]:443 - HIER_DIRECT/2001:db8::1 -").unwrap();
        assert_eq!(ev.src_ip.as_deref(), Some("2001:db8::5"));
        assert_eq!(ev.host.as_deref(), Some("2001:db8::1"));
        assert_eq!(ev.port, Some(443));
    }

    #[test]
    fn native_error_pseudo_url_names_no_host() {
        let ev = parse_any("1701597601.123 0 10.0.0.5 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -").unwrap();
        assert_eq!((ev.method, ev.host, ev.path), (None, None, None));
    }

    #[test]
    fn native_lowercase_method_and_bare_path() {
        let ev = parse_native("1701597601.123 3 10.0.0.5 TCP_MISS/200 10 post /v1/embeddings - HIER_NONE/- -").unwrap();
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host, None);
        assert_eq!(ev.path.as_deref(), Some("/v1/embeddings"));
    }

    #[test]
    fn native_with_mime_headers_reads_user_agent() {
        let line = format!("{NATIVE} [Host: api.openai.com%0D%0AUser-Agent: OpenAI/Python 1.30.1%0D%0AContent-Length: 60000%0D%0A] [HTTP/1.1 200 OK%0D%0A]");
        let ev = parse_any(&line).unwrap();
        assert_eq!(ev.format, Format::Squid);
        assert_eq!(ev.user_agent.as_deref(), Some("OpenAI/Python 1.30.1"));
        let line = format!("{NATIVE} [Host: x%0D%0A] [-]");
        assert_eq!(parse_any(&line).unwrap().user_agent, None);
    }

    #[test]
    fn native_bad_fields_are_malformed() {
        let err = parse_any(&NATIVE.replacen(" 8187 ", " big ", 1)).unwrap_err();
        assert!(matches!(&err, ParseError::Malformed { format: Format::Squid, reason } if reason.contains("big")), "{err:?}");
        assert!(matches!(parse_any(&NATIVE.replacen("/200", "/abc", 1)), Err(ParseError::Malformed { .. })));
        assert!(matches!(parse_any(&NATIVE.replacen("1701597601.123", "99999999999999.123", 1)), Err(ParseError::Malformed { .. })));
    }

    #[test]
    fn wsa_lines_are_not_squid() {
        let wsa = "1701597601.123 45 10.0.0.5 TCP_MISS/200 8187 POST https://api.openai.com/v1/x alice DIRECT/api.openai.com application/json DEFAULT_CASE_12-AI-ID-NONE-NONE-NONE-DefaultGroup <IW_aiml,\"Generative AI\"> -";
        assert_eq!(parse_any(wsa), Err(ParseError::Unrecognized));
        assert_eq!(parse_native(wsa), Err(ParseError::Unrecognized));
        assert_eq!(parse_any(&format!("Dec  3 10:00:01 wsa01 accesslogs: Info: {wsa}")), Err(ParseError::Unrecognized));
    }

    #[test]
    fn syslog_relayed_native() {
        let ev = parse_any(&format!("Dec  3 10:00:01 proxy01 squid[4711]: {NATIVE}")).unwrap().into_owned();
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        let ev = parse_native(&format!("<30>Dec  3 10:00:01 proxy01 squid: {NATIVE}")).unwrap().into_owned();
        assert_eq!(ev.user.as_deref(), Some("alice"));
    }

    #[test]
    fn trailing_carriage_return_is_tolerated() {
        let ev = parse_any(&format!("{NATIVE}\r")).unwrap().into_owned();
        assert_eq!(ev.format, Format::Squid);
    }

    const EXTENSIVE: &str = r#"1701597601.123    250 10.0.0.7 53122 TCP_MISS/200 1843 72311 412 1190 1431 POST https://api.openai.com/v1/chat/completions HTTP/1.1 bob HIER_DIRECT/104.18.7.192 443 application/json - - "-" "OpenAI/Python 1.30.1 (Linux; x86_64)" "api.openai.com" "-" "api.openai.com" 240 -"#;

    #[test]
    fn extensive_upload_is_request_size() {
        let ev = parse_any(EXTENSIVE).unwrap();
        assert_eq!(ev.format, Format::SquidExtensive);
        assert_eq!(ev.time_ms, Some(1_701_597_601_123));
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.7"));
        assert_eq!(ev.bytes_uploaded, Some(72311));
        assert_eq!(ev.bytes_downloaded, Some(1843));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.port, Some(443));
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.user.as_deref(), Some("bob"));
        assert_eq!(ev.user_agent.as_deref(), Some("OpenAI/Python 1.30.1 (Linux; x86_64)"));
        assert_eq!(parse_extensive(EXTENSIVE), Ok(ev));
        assert_eq!(parse_native(EXTENSIVE), Err(ParseError::Unrecognized));
    }

    #[test]
    fn extensive_without_sni_and_with_bare_path() {
        let line = r#"1701597601.123 5 10.0.0.7 53122 TCP_MISS/200 10 600 1 2 3 GET /v1/models HTTP/1.1 - HIER_DIRECT/1.2.3.4 8443 - - - "-" "-" "API.Mistral.ai:8443" "10.1.1.1" 3 -"#;
        let ev = parse_any(line).unwrap();
        assert_eq!(ev.host.as_deref(), Some("api.mistral.ai"));
        assert_eq!(ev.port, Some(8443));
        assert_eq!(ev.path.as_deref(), Some("/v1/models"));
        assert_eq!(ev.user_agent, None);
        assert_eq!(ev.user, None);
        let err = parse_any(&line.replacen(" 600 ", " -600x ", 1)).unwrap_err();
        assert!(matches!(&err, ParseError::Malformed { format: Format::SquidExtensive, reason } if reason.contains("request size")), "{err:?}");
    }

    const COMMON: &str = r#"10.0.0.9 - carol [03/Dec/2023:10:00:01 +0100] "POST https://api.cohere.ai/v1/generate HTTP/1.1" 200 5120 TCP_MISS:HIER_DIRECT"#;

    #[test]
    fn common_with_and_without_squid_tags() {
        let ev = parse_any(COMMON).unwrap();
        assert_eq!(ev.format, Format::SquidCommon);
        assert_eq!(ev.time_ms, Some(1_701_594_001_000));
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.9"));
        assert_eq!(ev.user.as_deref(), Some("carol"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.cohere.ai"));
        assert_eq!(ev.path.as_deref(), Some("/v1/generate"));
        assert_eq!(ev.bytes_downloaded, Some(5120));
        assert_eq!(ev.bytes_uploaded, None);
        assert_eq!(parse_common(COMMON), Ok(ev));
        let apache = COMMON.trim_end_matches(" TCP_MISS:HIER_DIRECT");
        assert_eq!(parse_common(apache).unwrap().format, Format::SquidCommon);
        assert_eq!(parse_combined(COMMON), Err(ParseError::Unrecognized));
    }

    #[test]
    fn combined_with_quoted_user_agent() {
        let line = r#"10.0.0.9 - "CORP\dave" [03/Dec/2023:10:00:01 +0000] "CONNECT api.openai.com:443 HTTP/1.1" 200 0 "-" "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0" TCP_TUNNEL:HIER_DIRECT"#;
        let ev = parse_any(line).unwrap();
        assert_eq!(ev.format, Format::SquidCombined);
        assert_eq!(ev.user.as_deref(), Some("CORP\\dave"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.port, Some(443));
        assert_eq!(ev.path, None);
        assert_eq!(ev.user_agent.as_deref(), Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"));
        let no_tags = line.trim_end_matches(" TCP_TUNNEL:HIER_DIRECT");
        assert_eq!(parse_combined(no_tags).unwrap().user_agent, ev.user_agent);
        assert_eq!(parse_common(line), Err(ParseError::Unrecognized));
    }

    #[test]
    fn escaped_quotes_in_quoted_fields() {
        let line = r#"10.20.8.2 - gina [01/Dec/2026:09:20:09 +0000] "POST https://api.groq.com/openai/v1/chat/completions HTTP/1.1" 200 702 "-" "groq-sdk/0.9 (\"internal\" build) C:\\bin" TCP_MISS:HIER_DIRECT"#;
        let ev = parse_any(line).unwrap();
        assert_eq!(ev.format, Format::SquidCombined);
        assert_eq!(ev.user_agent.as_deref(), Some(r#"groq-sdk/0.9 ("internal" build) C:\bin"#));
        let ext = EXTENSIVE.replace("(Linux; x86_64)", r#"(\"Linux\"; x86_64)"#);
        let ev = parse_any(&ext).unwrap().into_owned();
        assert_eq!(ev.user_agent.as_deref(), Some(r#"OpenAI/Python 1.30.1 ("Linux"; x86_64)"#));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
    }

    #[test]
    fn splitter_edges() {
        let v: Vec<_> = SquidFields::new("a  \t\"b \\\" c\"  [d e] \"\" \"x\\\\\" y", true).collect();
        assert_eq!(v, ["a", "b \\\" c", "d e", "", "x\\\\", "y"]);
        let v: Vec<_> = SquidFields::new("\"unterminated \\", false).collect();
        assert_eq!(v, ["unterminated \\"]);
        let v: Vec<_> = SquidFields::new("[not kept] \u{FFFD}\"q\u{FFFD}\"", false).collect();
        assert_eq!(v, ["[not", "kept]", "\u{FFFD}\"q\u{FFFD}\""]);
        assert_eq!(unescape(r#"a\"b\\c\td\"#), r#"a"b\c\td\"#);
    }

    #[test]
    fn common_quirks() {
        // IPv6 client, URL with no scheme, empty request, HTTP/0.9 request.
        let ev = parse_any(r#"2001:db8::9 - - [03/Dec/2023:10:00:01 +0000] "get api.groq.com/openai/v1/chat/completions HTTP/1.0" 200 -"#).unwrap();
        assert_eq!(ev.src_ip.as_deref(), Some("2001:db8::9"));
        assert_eq!(ev.method.as_deref(), Some("GET"));
        assert_eq!(ev.host.as_deref(), Some("api.groq.com"));
        assert_eq!(ev.bytes_downloaded, None);
        let ev = parse_any(r#"10.0.0.1 - - [03/Dec/2023:10:00:01 +0000] "-" 400 0"#).unwrap();
        assert_eq!((ev.method, ev.host), (None, None));
        let ev = parse_any(r#"10.0.0.1 - - [03/Dec/2023:10:00:01 +0000] "GET /v1/models" 200 10"#).unwrap();
        assert_eq!(ev.path.as_deref(), Some("/v1/models"));
    }

    #[test]
    fn common_bad_fields_are_malformed() {
        let err = parse_any(&COMMON.replace("03/Dec/2023", "33/Dec/2023")).unwrap_err();
        assert!(matches!(&err, ParseError::Malformed { format: Format::SquidCommon, reason } if reason.contains("33/Dec")), "{err:?}");
        assert!(matches!(parse_any(&COMMON.replace(" 200 ", " OK ")), Err(ParseError::Malformed { .. })));
        assert!(matches!(parse_any(&format!("{COMMON} extra stuff here")), Err(ParseError::Malformed { .. })));
        let err = parse_any(r#"10.0.0.1 - - [03/Dec/2023:10:00:01 +0000] "GET / HTTP/1.1"#).unwrap_err();
        assert!(matches!(&err, ParseError::Malformed { format: Format::SquidCommon, reason } if reason.contains("closing quote")), "{err:?}");
        assert!(matches!(parse_any(r#"10.0.0.1 - - [03/Dec/2023:10:00:01 +0000] "GET / HTTP/1.1" 200"#), Err(ParseError::Malformed { .. })));
    }

    #[test]
    fn other_shapes_are_unrecognized() {
        for line in ["", "hello world", "2024-05-01 13:45:10 250 10.1.2.3 200 TCP_NC_MISS", "{\"a\":1}", "1701597601.123 45 10.0.0.5", "ZSCALERNSS: time=x"] {
            assert_eq!(parse_any(line), Err(ParseError::Unrecognized), "{line}");
        }
    }

    #[test]
    fn auto_detection_sends_each_line_to_its_parser() {
        use crate::event::FormatChoice;
        use crate::formats::{LineParser, Parsed};
        let wsa = "1701597601.123 45 10.0.0.5 TCP_MISS/200 8187 POST https://api.openai.com/v1/x alice DIRECT/api.openai.com application/json DEFAULT_CASE_12-AI-ID-NONE-NONE-NONE-DefaultGroup <IW_aiml,\"Generative AI\"> -";
        let proxysg = r#"2024-05-01 13:45:10 250 10.1.2.3 200 TCP_NC_MISS 1234 73000 POST https api.openai.com 443 /v1/chat/completions - alice - DIRECT api.openai.com application/json - "curl/8.4.0" OBSERVED "AI" - 10.0.0.1"#;
        let combined = r#"10.0.0.9 - - [03/Dec/2023:10:00:01 +0000] "POST https://api.openai.com/v1/x HTTP/1.1" 200 1 "-" "curl/8.4.0""#;
        let cases = [
            (NATIVE, Format::Squid),
            (EXTENSIVE, Format::SquidExtensive),
            (COMMON, Format::SquidCommon),
            (combined, Format::SquidCombined),
            (wsa, Format::Wsa),
            (proxysg, Format::Proxysg),
        ];
        let mut parser = LineParser::new(FormatChoice::Auto);
        for (i, (line, want)) in cases.iter().enumerate() {
            match parser.parse(line, i as u64 + 1) {
                Ok(Parsed::Event(ev)) => assert_eq!(ev.format, *want, "{line}"),
                other => panic!("{line}: {other:?}"),
            }
            let syslogged = format!("Dec  3 10:00:01 relay01 proxy: {line}");
            match parser.parse(&syslogged, 1) {
                Ok(Parsed::Event(ev)) => assert_eq!(ev.format, *want, "{syslogged}"),
                other => panic!("{syslogged}: {other:?}"),
            }
        }
    }

    #[test]
    fn hostile_input_never_panics() {
        let long = format!("1.1 2 3 A/1 5 GET http://{}/ - H/- -", "a".repeat(100_000));
        for line in ["\"", "[", "a b c [", "a b c [x] \"", "1.1 2 3 4", "1.1 2 3 A/1 5 GET u - H/- - [", "1.1 2 3 A/1 5 GET u - H/- - [User-Agent", "\0\0 \u{FFFD}", long.as_str(), "1.1 2 3 A/\u{FFFD} 5 6 7 8 H/ 10"] {
            let _ = parse_any(line);
            let _ = parse_native(line);
            let _ = parse_common(line);
            let _ = parse_combined(line);
            let _ = parse_extensive(line);
        }
        assert_eq!(parse_any(&long).unwrap().host.map(|h| h.len()), Some(100_000));
    }

    proptest::proptest! {
        /// Token soup built from the characters these layouts give meaning
        /// to (separators, quotes, brackets, slashes, colons, digits, `%`,
        /// U+FFFD from invalid UTF-8, NUL) never makes a parser panic.
        #[test]
        fn no_parser_panics_on_token_soup(line in r#"(<1>|Dec  3 10:00:01 h t: |1701597601\.123 |2024-05-01 |\[|\]|"| |\t|/|:|-|\(|\)|%0D%0A|TCP_MISS/200|DEFAULT_CASE_1-x|tunnel://|\[::1\]:443|[0-9a-zA-Z.]{1,6}|\u{FFFD}|\u{0})*"#) {
            let _ = parse_any(&line);
            let _ = parse_native(&line);
            let _ = parse_common(&line);
            let _ = parse_combined(&line);
            let _ = parse_extensive(&line);
            let _ = crate::formats::wsa::parse(&line);
            let _ = crate::formats::w3c::parse_headerless(&line);
            let h = crate::formats::w3c::Header::new("date time c-ip cs-method cs-uri cs(User-Agent) cs-bytes");
            let _ = crate::formats::w3c::parse_with_header(&line, &h);
        }
    }
}
