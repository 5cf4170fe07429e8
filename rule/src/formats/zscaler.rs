//! Zscaler NSS web logs: the `^^`-separated key=value feed, and the field
//! mapping shared with the JSON feed ([`crate::formats::json`]).
//!
//! NSS feeds are templates the customer writes, so one tenant's keys are not
//! another's. Two vocabularies are common: Zscaler's own field names
//! (`cip`, `login`, `reqmethod`, `ehost`, `eurl`, `ua`/`eua`, `reqsize`,
//! `respsize`, `time`) and the names of the Splunk / SIEM templates
//! (`ClientIP`, `user`, `requestmethod`, `hostname`, `url`, `useragent`,
//! `requestsize`, `responsesize`, `datetime`). [`Fields`] reads either,
//! with keys compared ASCII case-insensitively, whether the record came as
//! key=value or JSON.
//!
//! Zscaler renders an empty field as the literal `None`; it is treated as
//! missing like `-`.

use std::borrow::Cow;

use crate::event::{parse_bytes, Event, Format};
use crate::formats::json::{normalize_host, present_cow, reborrow};
use crate::formats::keys::KeySet;
use crate::formats::{time, ParseError};
use crate::host::{split_host_port, split_url};

/// The syslog tag NSS puts in front of key=value records. Matched
/// ASCII case-insensitively (`ZscalerNSS:` appears too).
pub const KV_PREFIX: &str = "ZSCALERNSS:";

/// How far into a line the [`KV_PREFIX`] is looked for: room for a syslog
/// header (`<134>Dec 31 07:07:07 nss-host `) but no scan of whole lines.
const PREFIX_WINDOW: usize = 256;

/// Keys that only a Zscaler web record carries: one of them (with another
/// `key=` field) makes a `^^` line without the prefix unambiguous.
const REQUEST_KEYS: &[&str] = &["cip", "clientip", "cltip", "reqmethod", "requestmethod", "ehost", "hostname", "eurl", "url", "reqsize", "requestsize"];

/// Whether a line is the NSS key=value feed: it carries the
/// `ZSCALERNSS:` tag (after an optional syslog header) followed by a
/// `key=` field, or, without the tag, it is `^^`-separated and at least two
/// fields are `key=value` with one of them a Zscaler request field.
///
/// Called on every non-JSON line during auto-detection, so a line without
/// the tag costs one substring search for `^^`.
pub fn looks_like_kv(line: &str) -> bool {
    kv_body(line).is_some()
}

/// Parses an NSS key=value line (`ZSCALERNSS: time=...^^cip=...^^...`),
/// with or without the tag. Values may hold spaces and `=`; a segment that
/// is not `key=value` belongs to the previous value (which then held `^^`).
///
/// ```
/// use aiwatch_rule::formats::zscaler::parse_kv;
/// let ev = parse_kv("ZSCALERNSS: time=Fri Dec 31 07:07:07 2021^^tz=GMT^^login=ann@corp.example^^cip=10.2.0.7^^requestmethod=post^^hostname=api.openai.com^^url=api.openai.com/v1/chat/completions^^useragent=OpenAI/Python 1.51.0^^requestsize=81234").unwrap();
/// assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
/// assert_eq!(ev.method.as_deref(), Some("POST"));
/// assert_eq!(ev.bytes_uploaded, Some(81234));
/// ```
pub fn parse_kv(line: &str) -> Result<Event<'_>, ParseError> {
    let Some((body, tagged)) = kv_body(line) else { return Err(ParseError::Unrecognized) };
    let pairs = split_pairs(body);
    if pairs.is_empty() {
        debug_assert!(tagged, "an untagged line is only accepted with key=value fields");
        return Err(ParseError::malformed(Format::ZscalerKv, "no key=value fields after the ZSCALERNSS: tag"));
    }
    let mut fields = Fields::new();
    for (k, v) in pairs {
        fields.set(k, || Some(Cow::Borrowed(v)));
    }
    fields.into_event(Format::ZscalerKv)
}

/// The record text after the tag, and whether the tag was there; `None`
/// when the line is not the key=value feed.
fn kv_body(line: &str) -> Option<(&str, bool)> {
    let bytes = line.as_bytes();
    let window = &bytes[..bytes.len().min(PREFIX_WINDOW)];
    let tag = KV_PREFIX.as_bytes();
    // memchr rather than memmem: building a substring finder per line costs
    // more than walking the few `:` of a line's head.
    for colon in memchr::memchr_iter(b':', window) {
        let end = colon + 1;
        if end >= tag.len() && bytes[end - tag.len()..end].eq_ignore_ascii_case(tag) {
            let body = line[end..].trim_start();
            if segments(body).next().and_then(|(_, seg)| key_of(seg)).is_some() {
                return Some((body, true));
            }
        }
    }
    let first_sep = find_separator(bytes, 0)?;
    key_of(&line[..first_sep])?;
    let mut keyed = 0usize;
    let mut known = false;
    for (_, seg) in segments(line) {
        if let Some((k, _)) = key_of(seg) {
            keyed += 1;
            known |= REQUEST_KEYS.iter().any(|r| r.eq_ignore_ascii_case(k));
            if keyed >= 2 && known {
                return Some((line, false));
            }
        }
    }
    None
}

/// The position of the first `^^` at or after `from`.
fn find_separator(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr_iter(b'^', bytes.get(from..)?).map(|i| from + i).find(|&i| bytes.get(i + 1) == Some(&b'^'))
}

/// The `^^`-separated segments of `s` with their start offsets; the same
/// pieces as `s.split("^^")`, found with memchr (`str::split` with a
/// string pattern sets up a two-way searcher per call).
fn segments(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut from = Some(0usize);
    std::iter::from_fn(move || {
        let start = from?;
        match find_separator(s.as_bytes(), start) {
            Some(sep) => {
                from = Some(sep + 2);
                Some((start, &s[start..sep]))
            }
            None => {
                from = None;
                Some((start, &s[start..]))
            }
        }
    })
}

/// The key of a `key=value` segment and the offset of its `=`: a
/// non-empty run of ASCII letters, digits, `_` or `-`, optionally padded
/// with whitespace, directly before the first `=`.
fn key_of(seg: &str) -> Option<(&str, usize)> {
    let b = seg.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    let end = i;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    (end > start && b.get(i) == Some(&b'=')).then(|| (&seg[start..end], i))
}

/// Splits a record into `(key, value)` pairs. Values are slices of `body`,
/// so a value that spans a `^^` (a segment with no key) is widened to cover
/// it without copying.
fn split_pairs(body: &str) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(32);
    for (seg_start, seg) in segments(body) {
        let seg_end = seg_start + seg.len();
        match key_of(seg) {
            Some((k, eq)) => pairs.push((k, &body[seg_start + eq + 1..seg_end])),
            None => {
                if let Some((_, v)) = pairs.last_mut() {
                    let start = v.as_ptr() as usize - body.as_ptr() as usize;
                    *v = &body[start..seg_end];
                }
            }
        }
    }
    pairs
}

/// A Zscaler value: present (SPEC §2) and not the literal `None` NSS
/// writes for an empty field.
fn zvalue(v: Cow<'_, str>) -> Option<Cow<'_, str>> {
    present_cow(v).filter(|v| v != "None")
}

/// The keys the mapping reads, lower-case; [`Fields`] keeps one value per key.
const KEYS: [&str; 31] = [
    "cip", "clientip", "cltip", "cintip", "cltintip", // 0..5 client
    "login", "user", "elogin", // 5..8 user
    "reqmethod", "requestmethod", // 8..10 method
    "eurl", "url", // 10..12 URL without scheme
    "ehost", "hostname", "host", // 12..15 host
    "urlpath", "eurlpath", // 15..17 path when there is no URL
    "ua", "useragent", // 17..19 user agent, maybe encoded
    "eua", // 19 user agent, encoded
    "reqsize", "requestsize", "reqdatasize", // 20..23 upload
    "respsize", "responsesize", "respdatasize", // 23..26 download
    "tz", "time", "datetime", "epochtime", // 26..30 time
    "_sourcecategory", // 30
];

/// Index ranges into [`KEYS`]; within a range the first present value wins.
mod slot {
    use std::ops::Range;
    pub const SRC_IP: Range<usize> = 0..5;
    pub const USER: Range<usize> = 5..8;
    pub const METHOD: Range<usize> = 8..10;
    pub const URL: Range<usize> = 10..12;
    pub const HOST: Range<usize> = 12..15;
    pub const URL_PATH: Range<usize> = 15..17;
    pub const UA: Range<usize> = 17..19;
    pub const EUA: Range<usize> = 19..20;
    pub const UPLOAD: Range<usize> = 20..23;
    pub const DOWNLOAD: Range<usize> = 23..26;
    pub const TZ: Range<usize> = 26..27;
    pub const TIME: Range<usize> = 27..29;
    pub const EPOCH: Range<usize> = 29..30;
    pub const SOURCE_CATEGORY: Range<usize> = 30..31;
}

/// The fields of one Zscaler web record that aiwatch reads, gathered in a
/// single pass over the record's keys from either vocabulary and either
/// encoding; [`Fields::into_event`] is the one mapping both the JSON and
/// the key=value parsers use. Of each list below the first present key
/// wins:
///
/// | event field | keys |
/// |---|---|
/// | `src_ip` | `cip`, `ClientIP`, `cltip`, `cintip`, `cltintip` |
/// | `user` | `login`, `user`, `elogin` |
/// | `method` | `reqmethod`, `requestmethod` (upper-cased) |
/// | `host` | `ehost`, `hostname`, `host`, else the host of the URL |
/// | URL (no scheme) | `eurl`, `url`; else `urlpath` / `eurlpath` for the path |
/// | `user_agent` | `ua`, `useragent` (decoded when it is clearly URL-encoded), else `eua` (always percent-decoded) |
/// | `bytes_uploaded` | `reqsize`, `requestsize`, `reqdatasize` |
/// | `bytes_downloaded` | `respsize`, `responsesize`, `respdatasize` |
/// | `time_ms` | `time`, `datetime` in the zone `tz` (UTC when absent), else `epochtime` (seconds) |
/// | `source_category` | `_sourceCategory` |
///
/// Keys compare ASCII case-insensitively; of a key given twice the last
/// value counts, as in JSON objects. Hosts and paths are never decoded:
/// the prefilter looks for hosts as they appear in the raw line.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    vals: [Option<Cow<'a, str>>; KEYS.len()],
}

impl Default for Fields<'_> {
    fn default() -> Self {
        Fields::new()
    }
}

impl<'a> Fields<'a> {
    /// No fields yet.
    pub fn new() -> Fields<'a> {
        Fields { vals: std::array::from_fn(|_| None) }
    }

    fn slot(key: &str) -> Option<usize> {
        // Every key of a record is looked up, and most are not ours.
        static SLOTS: std::sync::OnceLock<KeySet> = std::sync::OnceLock::new();
        let slots = SLOTS.get_or_init(|| KeySet::new(KEYS.iter().zip(0u16..).map(|(k, i)| (*k, i))));
        slots.get_ignore_ascii_case(key.as_bytes()).map(usize::from)
    }

    /// Whether the mapping reads `key` (ASCII case-insensitive).
    pub fn reads(key: &str) -> bool {
        Fields::slot(key).is_some()
    }

    /// Whether `key` holds a URL, host or path. JSON callers pass only
    /// strings for these: a number is never a host, and its decimal text
    /// would not be the line's bytes the prefilter matched.
    pub fn names_location(key: &str) -> bool {
        Fields::slot(key).is_some_and(|i| (slot::URL.start..slot::URL_PATH.end).contains(&i))
    }

    /// Records the raw value of `key` if the mapping reads it. `value` is
    /// only called for such keys, so callers can defer converting values
    /// (JSON numbers to text) until one is wanted; `None` means the record
    /// has no text there.
    pub fn set(&mut self, key: &str, value: impl FnOnce() -> Option<Cow<'a, str>>) {
        if let Some(i) = Fields::slot(key) {
            self.vals[i] = value();
        }
    }

    /// The first present value among the keys of `slots`.
    fn first(&self, slots: std::ops::Range<usize>) -> Option<Cow<'a, str>> {
        self.vals[slots].iter().find_map(|v| v.clone().and_then(zvalue))
    }

    /// Maps the gathered fields onto an [`Event`] of `format`. A present
    /// but unreadable time is [`ParseError::Malformed`] naming the field.
    pub fn into_event(self, format: Format) -> Result<Event<'a>, ParseError> {
        let mut ev = Event { format, ..Event::default() };
        ev.src_ip = self.first(slot::SRC_IP);
        ev.user = self.first(slot::USER);
        ev.method = self.first(slot::METHOD).map(upper);

        let url = self.first(slot::URL);
        let parts = url.as_deref().map(split_url).unwrap_or_default();
        match self.first(slot::HOST) {
            Some(h) => {
                ev.port = split_host_port(&h).1;
                ev.host = normalize_host(&h);
            }
            None => {
                if let (Some(u), Some(h)) = (&url, parts.host) {
                    ev.host = normalize_host(&reborrow(u, h));
                }
            }
        }
        ev.port = ev.port.or(parts.port);
        if let Some(u) = &url {
            ev.path = parts.path.map(|p| reborrow(u, p));
            ev.query = parts.query.map(|q| reborrow(u, q));
        }
        if ev.path.is_none() {
            if let Some(p) = self.first(slot::URL_PATH) {
                let (path, query) = split_query(&p);
                ev.query = query.map(|q| reborrow(&p, q));
                ev.path = path.map(|x| reborrow(&p, x));
            }
        }

        ev.user_agent = match self.first(slot::UA) {
            Some(ua) if looks_url_encoded(&ua) => Some(percent_decode(ua)),
            Some(ua) => Some(ua),
            None => self.first(slot::EUA).map(percent_decode),
        };
        ev.bytes_uploaded = self.first(slot::UPLOAD).and_then(|v| parse_bytes(&v));
        ev.bytes_downloaded = self.first(slot::DOWNLOAD).and_then(|v| parse_bytes(&v));

        let tz = self.first(slot::TZ);
        if let Some((i, t)) = slot::TIME.into_iter().find_map(|i| self.first(i..i + 1).map(|t| (i, t))) {
            let ms = time::zscaler(&t, tz.as_deref()).ok_or_else(|| ParseError::malformed(format, format!("unreadable {} {t:?}", KEYS[i])))?;
            ev.time_ms = Some(ms);
        } else if let Some(t) = self.first(slot::EPOCH) {
            ev.time_ms = Some(time::epoch_seconds(&t).ok_or_else(|| ParseError::malformed(format, format!("unreadable epochtime {t:?}")))?);
        }
        ev.source_category = self.vals[slot::SOURCE_CATEGORY.start].clone().and_then(present_cow);
        Ok(ev)
    }
}

/// Upper-cases a method, borrowing when it already is.
pub(crate) fn upper(m: Cow<'_, str>) -> Cow<'_, str> {
    if m.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(m.to_ascii_uppercase())
    } else {
        m
    }
}

/// Splits `path?query` at the first `?`; empty parts are `None`.
pub(crate) fn split_query(s: &str) -> (Option<&str>, Option<&str>) {
    let (p, q) = match s.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (s, None),
    };
    (Some(p).filter(|p| !p.is_empty()), q.filter(|q| !q.is_empty()))
}

/// A user agent written URL-encoded: no literal space (an encoded UA has
/// `%20` instead, and almost every real UA with more than one product has
/// a space) and at least one `%XX` escape. Templates put `%s{eua}` under
/// the plain `useragent` key, so the key alone does not say.
fn looks_url_encoded(ua: &str) -> bool {
    let b = ua.as_bytes();
    !b.contains(&b' ') && b.windows(3).any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// Percent-decodes a user agent (never a host), borrowing when nothing
/// was escaped. Invalid UTF-8 after decoding is replaced, not an error.
fn percent_decode(v: Cow<'_, str>) -> Cow<'_, str> {
    let decoded = percent_encoding::percent_decode_str(&v).decode_utf8_lossy();
    match decoded {
        Cow::Borrowed(d) if d.len() == v.len() => v,
        other => Cow::Owned(other.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NATIVE: &str = "ZSCALERNSS: time=Fri Dec 31 07:07:07 2021^^tz=GMT^^login=ann@corp.example^^cip=10.2.0.7^^reqmethod=post^^ehost=API.OpenAI.com^^eurl=api.openai.com/v1/chat/completions?stream=true^^ua=OpenAI/Python 1.51.0^^reqsize=81234^^respsize=912";

    #[test]
    fn native_vocabulary_with_tag() {
        let ev = parse_kv(NATIVE).unwrap();
        assert_eq!(ev.format, Format::ZscalerKv);
        assert_eq!(ev.src_ip.as_deref(), Some("10.2.0.7"));
        assert_eq!(ev.user.as_deref(), Some("ann@corp.example"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.query.as_deref(), Some("stream=true"));
        assert_eq!(ev.user_agent.as_deref(), Some("OpenAI/Python 1.51.0"));
        assert_eq!(ev.bytes_uploaded, Some(81234));
        assert_eq!(ev.bytes_downloaded, Some(912));
        assert_eq!(ev.time_ms, Some(1_640_934_427_000));
    }

    #[test]
    fn siem_vocabulary_without_tag() {
        let line = "datetime=2021-06-17 14:53:16^^user=bob^^ClientIP=10.0.0.9^^requestmethod=GET^^hostname=api.anthropic.com^^url=api.anthropic.com/v1/models^^useragent=anthropic-sdk^^requestsize=-^^responsesize=100";
        assert!(looks_like_kv(line));
        let ev = parse_kv(line).unwrap();
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.9"));
        assert_eq!(ev.user.as_deref(), Some("bob"));
        assert_eq!(ev.method.as_deref(), Some("GET"));
        assert_eq!(ev.host.as_deref(), Some("api.anthropic.com"));
        assert_eq!(ev.path.as_deref(), Some("/v1/models"));
        assert_eq!(ev.bytes_uploaded, None);
        assert_eq!(ev.bytes_downloaded, Some(100));
        assert_eq!(ev.time_ms, Some(1_623_941_596_000));
    }

    #[test]
    fn tag_after_a_syslog_header_and_in_mixed_case() {
        let line = "<134>Dec 31 07:07:07 nss01 ZscalerNSS: time=Fri Dec 31 07:07:07 2021^^cip=10.2.0.7^^hostname=api.groq.com";
        assert!(looks_like_kv(line));
        assert_eq!(parse_kv(line).unwrap().host.as_deref(), Some("api.groq.com"));
    }

    #[test]
    fn values_may_hold_spaces_equals_and_carets() {
        let line = "ZSCALERNSS: url=api.openai.com/v1/x?a=b=c^^useragent=My Tool (x=1) ^^ v2^^cip=10.0.0.1";
        let ev = parse_kv(line).unwrap();
        assert_eq!(ev.query.as_deref(), Some("a=b=c"));
        // "^^ v2" has no key, so it belongs to the user agent.
        assert_eq!(ev.user_agent.as_deref(), Some("My Tool (x=1) ^^ v2"));
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.1"));
        // No hostname key: the host comes from the URL.
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
    }

    #[test]
    fn untagged_lines_need_two_keyed_fields_and_a_zscaler_key() {
        assert!(!looks_like_kv("a=1^^b=2"));
        assert!(!looks_like_kv("hostname=api.openai.com"));
        assert!(!looks_like_kv("^^hostname=api.openai.com^^cip=1"));
        assert!(!looks_like_kv("1700000000.000 5 10.0.0.1 TCP_MISS/200 10 GET http://x/?a=^^b= - HIER_DIRECT/1.2.3.4 -"));
        assert!(looks_like_kv("x=1^^hostname=api.openai.com"));
        assert_eq!(parse_kv("1700000000.000 5 10.0.0.1 TCP_MISS/200"), Err(ParseError::Unrecognized));
        // A tag followed by something that is not key=value is not the feed.
        assert!(!looks_like_kv("GET http://x/ZSCALERNSS: hello"));
    }

    #[test]
    fn url_encoded_user_agents_are_decoded_hosts_never() {
        let ev = parse_kv("ZSCALERNSS: cip=1.2.3.4^^ehost=api%2eopenai.com^^eua=Mozilla%2F5.0%20(Windows%20NT%2010.0)%20Chrome%2F120.0").unwrap();
        assert_eq!(ev.user_agent.as_deref(), Some("Mozilla/5.0 (Windows NT 10.0) Chrome/120.0"));
        assert_eq!(ev.host.as_deref(), Some("api%2eopenai.com"));
        // `useragent` holding %s{eua}: decoded because it has no space.
        let ev = parse_kv("ZSCALERNSS: cip=1.2.3.4^^useragent=python-requests%2F2.31.0").unwrap();
        assert_eq!(ev.user_agent.as_deref(), Some("python-requests/2.31.0"));
        // A plain UA that happens to hold a % sequence is left alone.
        let ev = parse_kv("ZSCALERNSS: cip=1.2.3.4^^useragent=Tool 100%25 sure").unwrap();
        assert_eq!(ev.user_agent.as_deref(), Some("Tool 100%25 sure"));
        // Invalid UTF-8 after decoding is replaced, not fatal.
        let ev = parse_kv("ZSCALERNSS: cip=1.2.3.4^^eua=a%FFb").unwrap();
        assert_eq!(ev.user_agent.as_deref(), Some("a\u{FFFD}b"));
    }

    #[test]
    fn time_zone_field_shifts_the_time() {
        let ev = parse_kv("ZSCALERNSS: time=Fri Dec 31 12:37:07 2021^^tz=+0530^^cip=1.2.3.4").unwrap();
        assert_eq!(ev.time_ms, Some(1_640_934_427_000));
        let ev = parse_kv("ZSCALERNSS: epochtime=1640934427^^cip=1.2.3.4").unwrap();
        assert_eq!(ev.time_ms, Some(1_640_934_427_000));
        let err = parse_kv("ZSCALERNSS: time=yesterday^^cip=1.2.3.4").unwrap_err();
        assert_eq!(err.to_string(), "zscaler-kv: unreadable time \"yesterday\"");
    }

    #[test]
    fn none_and_placeholders_are_missing() {
        let ev = parse_kv("ZSCALERNSS: login=None^^cip=-^^hostname=api.openai.com^^reqsize=None^^ua=").unwrap();
        assert_eq!((ev.user, ev.src_ip, ev.bytes_uploaded, ev.user_agent), (None, None, None, None));
    }

    #[test]
    fn bytes_follow_the_seed_rules() {
        let ev = parse_kv("ZSCALERNSS: cip=1.2.3.4^^reqsize=abc^^requestsize=500").unwrap();
        assert_eq!(ev.bytes_uploaded, Some(0), "a present but non-numeric size does not fall back");
        let ev = parse_kv("ZSCALERNSS: cip=1.2.3.4^^reqsize=-^^requestsize=500").unwrap();
        assert_eq!(ev.bytes_uploaded, Some(500));
    }

    #[test]
    fn field_table_and_segments_agree_with_their_definitions() {
        for (i, k) in KEYS.iter().enumerate() {
            assert_eq!(Fields::slot(k), Some(i), "{k}");
            assert_eq!(Fields::slot(&k.to_ascii_uppercase()), Some(i), "{k}");
            assert!(k.len() <= 16 && k.bytes().all(|b| !b.is_ascii_uppercase()), "{k}");
        }
        assert_eq!(Fields::slot("ClientIP"), Some(1));
        assert_eq!(Fields::slot("cipx"), None);
        for s in ["", "a", "^^", "a^^b", "a^^^b", "^^^^", "a^b^^c^", "é^^ü"] {
            let ours: Vec<&str> = segments(s).map(|(_, seg)| seg).collect();
            assert_eq!(ours, s.split("^^").collect::<Vec<_>>(), "{s:?}");
        }
        assert_eq!(key_of(" cip =1"), Some(("cip", 5)));
        assert_eq!(key_of("=1"), None);
        assert_eq!(key_of("a b=1"), None);
    }

    #[test]
    fn tag_with_nothing_after_it_is_malformed_not_a_panic() {
        assert!(!looks_like_kv("ZSCALERNSS:"));
        assert!(!looks_like_kv("ZSCALERNSS: ^^"));
        for line in ["ZSCALERNSS:x=^^", "x=^^cip=", "ZSCALERNSS: a=b^^^^^^", "é=1^^cip=2", "ZSCALERNSS: ^^cip=1"] {
            let _ = looks_like_kv(line);
            let _ = parse_kv(line);
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            /// Any `^^` line parses or fails cleanly; a host it yields
            /// appears in the line, since hosts are never decoded.
            #[test]
            fn kv_lines_never_panic_and_hosts_stay_verbatim(
                tagged in any::<bool>(),
                fields in prop::collection::vec((prop::sample::select(&KEYS[..]), "[A-Za-z0-9.:%=^ /?\\[\\]-]{0,20}|\\PC{0,8}"), 0..8),
            ) {
                let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let line = format!("{}{}", if tagged { "ZSCALERNSS: " } else { "" }, body.join("^^"));
                let _ = looks_like_kv(&line);
                if let Ok(ev) = parse_kv(&line) {
                    if let Some(h) = ev.host.as_deref() {
                        prop_assert!(line.to_ascii_lowercase().contains(h), "{h:?} not in {line}");
                    }
                }
            }

            /// Arbitrary text never panics either function.
            #[test]
            fn arbitrary_text_never_panics(line in "\\PC{0,80}") {
                let _ = looks_like_kv(&line);
                let _ = parse_kv(&line);
            }
        }
    }
}
