//! Cisco WSA (Secure Web Appliance) native access log.
//!
//! The default layout is Squid-like but longer:
//!
//! ```text
//! %t %e %a %w/%h %s %1r %2r %A %H/%d %c %D %Xr ...
//! 1278096903.150 97 172.16.0.9 TCP_MISS/200 8187 GET http://my.site.com/ - DIRECT/my.site.com text/plain DEFAULT_CASE_11-PolicyGroup-Identity-... <IW_comp,6.9,...> -
//! ```
//!
//! The 11th field is the ACL decision tag (`DEFAULT_CASE_11-…`,
//! `BLOCK_ADMIN_12-…`, `OTHER-NONE-…`), which Squid never writes; it is
//! what tells a WSA line from a Squid native one (exactly 10 fields). The
//! `<…>` verdict block after it holds quoted values with spaces and is not
//! read. Appliances forwarding over syslog prefix each record with a syslog
//! header (`Dec  3 10:00:01 wsa01 accesslogs: Info: …`), and some releases
//! log the authentication realm as a `(domain)` token after the client IP.
//! The default layout carries no upload size and no user agent.

use std::borrow::Cow;

use crate::event::{parse_bytes, present, Event, Format};
use crate::formats::fields::{is_digits, Fields};
use crate::formats::squid::looks_like_epoch;
use crate::formats::w3c::{apply_url, upper_method};
use crate::formats::{time, ParseError};
use crate::host;

/// Parses a WSA native access-log line, with or without a syslog prefix.
pub fn parse(line: &str) -> Result<Event<'_>, ParseError> {
    let line = line.trim_ascii();
    match parse_record(line) {
        Err(ParseError::Unrecognized) => match strip_syslog_prefix(line) {
            Some(rest) => parse_record(rest),
            None => Err(ParseError::Unrecognized),
        },
        other => other,
    }
}

fn parse_record(line: &str) -> Result<Event<'_>, ParseError> {
    let unrecognized = || ParseError::Unrecognized;
    let mut f = Fields::new(line);
    let ts = f.next().filter(|t| looks_like_epoch(t)).ok_or_else(unrecognized)?;
    let _elapsed = f.next().ok_or_else(unrecognized)?;
    let client = f.next().ok_or_else(unrecognized)?;
    let mut code = f.next().ok_or_else(unrecognized)?;
    if code.len() >= 2 && code.starts_with('(') && code.ends_with(')') {
        code = f.next().ok_or_else(unrecognized)?;
    }
    let (_result, status) = code.split_once('/').ok_or_else(unrecognized)?;
    let mut rest = [""; 7];
    for slot in &mut rest {
        *slot = f.next().ok_or_else(unrecognized)?;
    }
    let [size, method, url, user, hier, _mime, acl] = rest;
    if !is_acl_tag(acl) || !hier.contains('/') {
        return Err(ParseError::Unrecognized);
    }

    let bad = |what: &str, v: &str| ParseError::malformed(Format::Wsa, format!("{what} {v:?} is not a number"));
    let time_ms = time::epoch_seconds(ts).ok_or_else(|| ParseError::malformed(Format::Wsa, format!("timestamp {ts:?} is not epoch seconds")))?;
    if !is_digits(status) && status != "-" {
        return Err(bad("HTTP status", status));
    }
    if present(size).is_some_and(|s| !is_digits(s)) {
        return Err(bad("response size", size));
    }

    let mut ev = Event {
        format: Format::Wsa,
        time_ms: Some(time_ms),
        src_ip: present(client).map(Cow::Borrowed),
        user: present(user).map(Cow::Borrowed),
        method: upper_method(method),
        bytes_downloaded: parse_bytes(size),
        ..Event::default()
    };
    apply_url(&mut ev, url);
    if ev.host.is_none() {
        // `%d` is the host the data came from, when the URL has none.
        ev.host = hier.split_once('/').and_then(|(_, d)| host::normalize(d));
    }
    Ok(ev)
}

/// Whether a token is a WSA ACL decision tag: an upper-case tag such as
/// `DEFAULT_CASE_11`, `BLOCK_WEBCAT_12` or `OTHER`, then `-` and the policy
/// names.
fn is_acl_tag(s: &str) -> bool {
    let Some((tag, _)) = s.split_once('-') else { return false };
    tag.as_bytes().first().is_some_and(u8::is_ascii_uppercase) && tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Splits off the next space-separated token (runs of spaces count as one).
fn token(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches([' ', '\t']);
    if s.is_empty() {
        return None;
    }
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    Some((&s[..end], &s[end..]))
}

/// Removes a syslog header from a relayed log record and returns the
/// record, or `None` when the line does not start with one.
///
/// Understands an optional `<PRI>`, RFC 3164 (`Dec  3 10:00:01 host tag:`,
/// host or tag may be absent), ISO-timestamped RFC 3164 as rsyslog writes
/// it (`2023-12-03T10:00:01+00:00 host tag:`), RFC 5424
/// (`1 2023-12-03T10:00:01Z host app procid msgid [sd]`), and WSA's level
/// word after the tag (`accesslogs: Info:`).
pub fn strip_syslog_prefix(line: &str) -> Option<&str> {
    let mut s = line.trim_start();
    let mut has_pri = false;
    if let Some(after) = s.strip_prefix('<') {
        has_pri = true;
        let end = after.find('>').filter(|&e| e > 0 && e <= 3)?;
        if !is_digits(&after[..end]) {
            return None;
        }
        s = &after[end + 1..];
    }
    let (first, rest) = token(s)?;
    if has_pri && first == "1" {
        // RFC 5424: version, timestamp, host, app, procid, msgid, structured data.
        let (ts, mut rest) = token(rest)?;
        if !is_iso_timestamp(ts) {
            return None;
        }
        for _ in 0..4 {
            rest = token(rest)?.1;
        }
        let rest = rest.trim_start();
        let msg = if let Some(r) = rest.strip_prefix('-') {
            r
        } else if rest.starts_with('[') {
            // SD elements end at the first `]` not followed by another `[`.
            let mut from = 0;
            loop {
                let i = from + rest[from..].find(']')?;
                if rest[i + 1..].starts_with('[') {
                    from = i + 1;
                } else {
                    break &rest[i + 1..];
                }
            }
        } else {
            return None;
        };
        return nonempty(msg.trim_start());
    }
    let mut rest = if MONTHS.contains(&first) {
        let (day, r) = token(rest)?;
        let (clock, r) = token(r)?;
        if !(day.len() <= 2 && is_digits(day) && is_clock(clock)) {
            return None;
        }
        r
    } else if is_iso_timestamp(first) {
        rest
    } else {
        return None;
    };
    // Host, then tag; either may be missing, and a tag ends with `:`.
    let (t, r) = token(rest)?;
    if t.ends_with(':') {
        rest = r;
    } else {
        rest = r;
        if let Some((t2, r2)) = token(rest) {
            if t2.ends_with(':') {
                rest = r2;
            }
        }
    }
    // Level words such as WSA's `Info:`.
    for _ in 0..2 {
        match token(rest) {
            Some((w, r)) if w.len() > 1 && w.ends_with(':') && w[..w.len() - 1].bytes().all(|b| b.is_ascii_alphabetic()) => rest = r,
            _ => break,
        }
    }
    nonempty(rest.trim_start())
}

fn nonempty(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

fn is_clock(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8 && b[2] == b':' && b[5] == b':' && b[..8].iter().enumerate().all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit())
}

/// `2023-12-03T10:00:01…`: a date, `T`, a clock.
fn is_iso_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[..4].iter().all(u8::is_ascii_digit) && is_clock(&s[11..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"1701597601.123 45 10.0.0.5 TCP_MISS/200 8187 POST https://api.openai.com/v1/chat/completions?x=1 alice DIRECT/api.openai.com application/json DEFAULT_CASE_12-AI_Users-ID.AD-NONE-NONE-NONE-DefaultGroup <IW_aiml,6.9,-,"-",-,-,-,-,"-",-,-,-,"-",-,-,"-","-",-,-,IW_aiml,-,"-","-","Unknown","Generative AI","-","-",198.34,0,-,[Local],"-",37> -"#;

    #[test]
    fn default_layout() {
        let ev = parse(LINE).unwrap();
        assert_eq!(ev.format, Format::Wsa);
        assert_eq!(ev.time_ms, Some(1_701_597_601_123));
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(ev.user.as_deref(), Some("alice"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.query.as_deref(), Some("x=1"));
        assert_eq!(ev.bytes_downloaded, Some(8187));
        assert_eq!(ev.bytes_uploaded, None);
        assert_eq!(ev.user_agent, None);
    }

    #[test]
    fn syslog_prefix() {
        let ev = parse(&format!("Dec  3 10:00:01 wsa01.corp.example accesslogs: Info: {LINE}")).unwrap().into_owned();
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.5"));
        let ev = parse(&format!("<134>Dec 13 10:00:01 wsa01 accesslogs: {LINE}")).unwrap().into_owned();
        assert_eq!(ev.time_ms, Some(1_701_597_601_123));
        let ev = parse(&format!("<134>1 2023-12-03T10:00:01.000Z wsa01 accesslogs - - - {LINE}")).unwrap().into_owned();
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        let ev = parse(&format!("2023-12-03T10:00:01+00:00 wsa01 accesslogs: Info: {LINE}")).unwrap().into_owned();
        assert_eq!(ev.user.as_deref(), Some("alice"));
    }

    #[test]
    fn quoted_domain_user_and_domain_token() {
        let line = r#"1701597601.123 45 10.0.0.5 (CORP) TCP_MISS/200 512 POST https://api.anthropic.com/v1/messages "CORP\alice@CORP.EXAMPLE" DIRECT/api.anthropic.com application/json DEFAULT_CASE_12-AI-ID-NONE-NONE-NONE-DefaultGroup <IW_aiml,"Generative AI"> -"#;
        let ev = parse(line).unwrap();
        assert_eq!(ev.user.as_deref(), Some("CORP\\alice@CORP.EXAMPLE"));
        assert_eq!(ev.host.as_deref(), Some("api.anthropic.com"));
    }

    #[test]
    fn connect_as_tunnel() {
        let line = "1701597601.123 12 10.0.0.5 TCP_MISS/200 0 CONNECT tunnel://api.groq.com:443/ - DIRECT/api.groq.com - OTHER-NONE-NONE-NONE-NONE-NONE-DefaultGroup <-,-> -";
        let ev = parse(line).unwrap();
        assert_eq!(ev.method.as_deref(), Some("CONNECT"));
        assert_eq!(ev.host.as_deref(), Some("api.groq.com"));
        assert_eq!(ev.port, Some(443));
        assert_eq!(ev.path, None);
        assert_eq!(ev.user, None);
    }

    #[test]
    fn ipv6_client_and_bracketed_host() {
        let line = "1701597601.123 12 2001:db8::5 TCP_MISS/200 10 GET http://[2001:db8::1]:8080/v1/models - DIRECT/2001:db8::1 - DEFAULT_CASE_12-X-Y <-> -";
        let ev = parse(line).unwrap();
        assert_eq!(ev.src_ip.as_deref(), Some("2001:db8::5"));
        assert_eq!(ev.host.as_deref(), Some("2001:db8::1"));
        assert_eq!(ev.port, Some(8080));
    }

    #[test]
    fn squid_native_is_not_wsa() {
        let squid = "1701597601.123     45 10.0.0.5 TCP_MISS/200 8187 POST https://api.openai.com/v1/chat/completions alice HIER_DIRECT/104.18.7.192 application/json";
        assert_eq!(parse(squid), Err(ParseError::Unrecognized));
        assert_eq!(parse("not a log line at all"), Err(ParseError::Unrecognized));
        assert_eq!(parse(""), Err(ParseError::Unrecognized));
    }

    #[test]
    fn bad_numbers_are_malformed() {
        let bad_size = LINE.replacen(" 8187 ", " lots ", 1);
        let err = parse(&bad_size).unwrap_err();
        assert!(matches!(&err, ParseError::Malformed { format: Format::Wsa, reason } if reason.contains("lots")), "{err:?}");
        let bad_status = LINE.replacen("/200", "/OK", 1);
        assert!(matches!(parse(&bad_status), Err(ParseError::Malformed { .. })));
        let bad_time = LINE.replacen("1701597601.123", "99999999999999.1", 1);
        assert!(matches!(parse(&bad_time), Err(ParseError::Malformed { .. })));
    }

    #[test]
    fn trailing_carriage_return_is_tolerated() {
        let ev = parse(&format!("{LINE}\r")).unwrap().into_owned();
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
    }

    #[test]
    fn syslog_prefix_shapes() {
        assert_eq!(strip_syslog_prefix("Dec  3 10:00:01 host squid[12]: 1 2 3"), Some("1 2 3"));
        assert_eq!(strip_syslog_prefix("Dec  3 10:00:01 host 2016-08-18 05:30:54 x"), Some("2016-08-18 05:30:54 x"));
        assert_eq!(strip_syslog_prefix("<13>1 2023-12-03T10:00:01Z h a p m [x a=\"1 2\"][y] msg"), Some("msg"));
        assert_eq!(strip_syslog_prefix("1701597601.123 45 10.0.0.5"), None);
        assert_eq!(strip_syslog_prefix("2024-05-01 13:45:10 1 2"), None);
        assert_eq!(strip_syslog_prefix("Dec  3 10:00:01"), None);
        assert_eq!(strip_syslog_prefix("<9999999>x"), None);
        assert_eq!(strip_syslog_prefix("December 3"), None);
    }

    #[test]
    fn hostile_input_never_panics() {
        for line in ["\"", "<", "<>", "<1>", "<1>1 ", "\0 \0", "Dec \u{FFFD}", "1.1 2 3 (", "1.1 2 3 ( /", &"1.1 ".repeat(5000), "<1>1 2023-12-03T10:00:01Z a b c d [unterminated"] {
            let _ = parse(line);
            let _ = strip_syslog_prefix(line);
        }
    }
}
