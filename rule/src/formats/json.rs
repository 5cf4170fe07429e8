//! JSON records: Zscaler NSS, Sumo Logic, ECS, W3C-named keys, and
//! pipeline envelopes around a raw line.
//!
//! The schema is decided by the keys present (a key with a `null` value
//! still names its schema, unless all of them are empty and the record
//! also holds a raw line), in this order:
//!
//! 1. **Sumo Logic** — any of the seed query's request fields (`dest_host`,
//!    `http_user_agent`, `cs_user_agent`, `uri_path`, `cs_uri_stem`,
//!    `bytes_out`, `cs_bytes`, `http_method`, `cs_method`, `src_ip`).
//! 2. **ECS** — any of `source.ip`, `client.ip`, `http.request.method`,
//!    `url.domain`, `url.full`, `url.original`, `url.path`,
//!    `user_agent.original`, `destination.domain`, `http.request.bytes`,
//!    as nested objects, dotted keys, or a mix (`{"url":{"path":..}}`,
//!    `{"url.path":..}`, `{"http":{"request.method":..}}`).
//! 3. **Zscaler NSS** — a key only Zscaler writes (`cip`, `ClientIP`,
//!    `cltip`, `ehost`, `eurl`, `eua`, `reqmethod`, `requestmethod`,
//!    `reqsize`, `requestsize`, `respsize`, `responsesize`, `login`, ...,
//!    compared case-insensitively), or, inside a
//!    `{"sourcetype":"zscalernss-…","event":{…}}` wrapper, also the
//!    generic `hostname`, `url`, `user`, `useragent`, `datetime`.
//! 4. **W3C field names** (`c-ip`, `cs-host`, `cs(User-Agent)`, ...) —
//!    handed to [`crate::formats::w3c::event_from_pairs`].
//!
//! An object that is none of these is looked into: an `event`, `message`
//! or `log` member that is itself an object is classified the same way
//! (Zscaler's and Splunk HEC's wrapper), then a string `message`, `log`,
//! `event` or `_raw` (Fluent Bit, Vector, Docker, Splunk HEC, Sumo
//! exports) is returned as [`JsonRecord::RawLine`] for the caller to parse
//! with full auto-detection. Structured fields therefore always win over a
//! raw line in the same record.
//!
//! Values: "missing" is absent, `null`, `""`, whitespace or `-` (SPEC §2).
//! Numbers count as present and may stand wherever text is expected
//! (`"reqsize": 812` and `"reqsize": "812"` are the same), except in host,
//! URL and path fields, where a number is treated as missing. Booleans, arrays
//! and objects where text is expected are treated as missing: no proxy
//! writes them there, and refusing the whole record would hide its other
//! fields. A present but unreadable time is [`ParseError::Malformed`],
//! because a wrong `first_seen` is worse than a reported line.
//!
//! Strings borrow from the line unless JSON escapes forced a copy; hosts
//! are never unescaped beyond JSON string decoding (the prefilter treats
//! every line holding `\u` as a candidate). Nesting deeper than
//! serde_json's recursion limit (128) is an [`ParseError::InvalidJson`]
//! error, never a stack overflow; arrays are skipped (no schema reads
//! them) by serde_json's iterative skipper, which has no depth to exhaust.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::event::{parse_bytes, present, Event, Format};
use crate::formats::zscaler::{self, split_query, upper};
use crate::formats::keys::KeySet;
use crate::formats::{time, w3c, ParseError};
use crate::host::{split_host_port, split_url};

/// A JSON line is either a record with known fields or an envelope around
/// a raw log line (`message` / `log`), which the caller parses again.
// Events are the common case; boxing them would allocate for every line.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonRecord<'a> {
    /// A record with known fields.
    Event(Event<'a>),
    /// An envelope's raw line.
    RawLine(Cow<'a, str>),
}

/// Sumo Logic fields that identify a record as Sumo (SPEC §2 names).
const SUMO_KEYS: &[&str] = &["dest_host", "http_user_agent", "cs_user_agent", "uri_path", "cs_uri_stem", "bytes_out", "cs_bytes", "http_method", "cs_method", "src_ip"];

/// ECS fields that identify a record as ECS. `@timestamp`, `host.*`,
/// `user.name` and `log.*` are left out: pipeline envelopes carry them too.
const ECS_KEYS: &[&str] = &["source.ip", "client.ip", "http.request.method", "url.domain", "url.full", "url.original", "url.path", "user_agent.original", "destination.domain", "http.request.bytes"];

/// Keys only a Zscaler NSS web record carries (ASCII case-insensitive).
const ZSCALER_KEYS: &[&str] = &["ehost", "eurl", "eua", "cip", "clientip", "cltip", "cintip", "cltintip", "reqmethod", "requestmethod", "reqsize", "requestsize", "respsize", "responsesize", "login", "elogin"];

/// Generic keys that identify a Zscaler record once a `sourcetype` of
/// `zscalernss-*` has said so. `host` and `time` are not among them: the
/// Splunk HEC wrapper around the record has those.
const ZSCALER_HINTED_KEYS: &[&str] = &["hostname", "url", "user", "useragent", "datetime"];

/// Members that may hold a wrapped record, tried in this order, as an
/// object (a wrapped structured record) ...
const WRAPPED_OBJECT_KEYS: &[&str] = &["event", "message", "log"];
/// ... and as a string (a wrapped raw line).
const WRAPPED_LINE_KEYS: &[&str] = &["message", "log", "event", "_raw"];

/// How many object wrappers (`{"event":{"event":{..}}}`) are looked into.
const MAX_OBJECT_WRAPPERS: u8 = 2;

/// The JSON schemas a record can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Schema {
    Sumo,
    Ecs,
    Zscaler,
    W3c,
}

/// Parses one JSON object.
///
/// ```
/// use aiwatch_rule::formats::json::{parse, JsonRecord};
/// let JsonRecord::Event(ev) = parse(r#"{"src_ip":"10.1.1.1","dest_host":"API.OpenAI.com:443","uri_path":"/v1/embeddings?x=1","bytes_out":"-","cs_bytes":70000}"#).unwrap() else { panic!() };
/// assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
/// assert_eq!(ev.path.as_deref(), Some("/v1/embeddings"));
/// assert_eq!(ev.bytes_uploaded, Some(70000));
/// assert_eq!(parse(r#"{"log":"1700000000.000 5 10.0.0.1 TCP_MISS/200 ..."}"#).unwrap(), JsonRecord::RawLine("1700000000.000 5 10.0.0.1 TCP_MISS/200 ...".into()));
/// ```
pub fn parse(line: &str) -> Result<JsonRecord<'_>, ParseError> {
    let mut de = serde_json::Deserializer::from_str(line);
    let value = Val::deserialize(&mut de).map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    de.end().map_err(|e| ParseError::InvalidJson(e.to_string()))?;
    let Val::Obj(obj) = value else {
        return Err(ParseError::InvalidJson(format!("expected a JSON object, found {}", value.kind())));
    };
    classify(&obj, false, 0)?.ok_or(ParseError::UnknownJsonShape)
}

/// Finds the record in `obj`: its own fields, a wrapped object, or a
/// wrapped raw line, in that order. `zscaler_hint` is set inside a
/// `zscalernss-*` wrapper.
fn classify<'a>(obj: &Obj<'a>, zscaler_hint: bool, depth: u8) -> Result<Option<JsonRecord<'a>>, ParseError> {
    // Only the web feed is a proxy log: `zscalernss-fw` / `-dns` records
    // share `datetime` and `user` but carry no request, so they must not
    // be read as an empty web event.
    let hint = zscaler_hint || (obj.1.has(Kinds::SOURCE) && obj.text("sourcetype").is_some_and(|s| s.len() >= 14 && s.as_bytes()[..14].eq_ignore_ascii_case(b"zscalernss-web")));
    let wrapper = obj.1.has(Kinds::WRAPPER);
    let raw_line = WRAPPED_LINE_KEYS.iter().filter(|_| wrapper).find_map(|k| match obj.get(k) {
        Some(Val::Str(s)) => present_cow(s.clone()),
        _ => None,
    });
    if let Some((schema, filled)) = schema_of(obj, zscaler_hint) {
        // Keys of a schema with nothing in them beside a raw line (an
        // export that names columns it did not extract) must not hide
        // the line.
        if filled || raw_line.is_none() {
            return structured_event(obj, schema).map(|ev| Some(JsonRecord::Event(ev)));
        }
    }
    if depth < MAX_OBJECT_WRAPPERS && wrapper {
        for key in WRAPPED_OBJECT_KEYS {
            if let Some(Val::Obj(inner)) = obj.get(key) {
                if let Some(found) = classify(inner, hint, depth + 1)? {
                    return Ok(Some(found));
                }
            }
        }
    }
    Ok(raw_line.map(JsonRecord::RawLine))
}

fn structured_event<'a>(obj: &Obj<'a>, schema: Schema) -> Result<Event<'a>, ParseError> {
    let mut ev = match schema {
        Schema::Sumo => sumo_event(obj)?,
        Schema::Ecs => ecs_event(obj)?,
        Schema::Zscaler => {
            let mut fields = zscaler::Fields::new();
            for (k, v) in &obj.0 {
                fields.set(k, || match v {
                    Val::Str(_) => v.raw_text(),
                    _ if zscaler::Fields::names_location(k) => None,
                    _ => v.raw_text(),
                });
            }
            fields.into_event(Format::ZscalerJson)?
        }
        Schema::W3c => w3c_event(obj)?,
    };
    if ev.source_category.is_none() && obj.1.has(Kinds::SOURCE) {
        ev.source_category = obj.text("_sourceCategory");
    }
    Ok(ev)
}

/// The schema whose identifying keys the object has, and whether any of
/// those keys holds a present value.
fn schema_of(obj: &Obj<'_>, zscaler_hint: bool) -> Option<(Schema, bool)> {
    fn scan<'v>(mut vals: impl Iterator<Item = Option<&'v Val<'v>>>) -> Option<bool> {
        let mut found = None;
        for v in vals.by_ref().flatten() {
            if v.text().is_some() {
                return Some(true);
            }
            found = Some(false);
        }
        found
    }
    // Each set is only looked up when some key could be in it (`Kinds`).
    let kinds = obj.1;
    if let Some(filled) = scan(SUMO_KEYS.iter().filter(|_| kinds.has(Kinds::SUMO)).map(|k| obj.get(k))) {
        return Some((Schema::Sumo, filled));
    }
    if let Some(filled) = scan(ECS_KEYS.iter().filter(|_| kinds.has(Kinds::ECS)).map(|k| obj.get(k))) {
        return Some((Schema::Ecs, filled));
    }
    let hinted: &[&str] = if zscaler_hint { ZSCALER_HINTED_KEYS } else { &[] };
    if let Some(filled) = scan(ZSCALER_KEYS.iter().chain(hinted).filter(|_| kinds.has(Kinds::ZSCALER)).map(|k| obj.get_ci(k))) {
        return Some((Schema::Zscaler, filled));
    }
    if let Some(filled) = scan(obj.0.iter().filter(|(k, _)| kinds.has(Kinds::W3C) && is_w3c_name(k)).map(|(_, v)| Some(v))) {
        return Some((Schema::W3c, filled));
    }
    None
}

/// A W3C extended-log field name for the client side of the request
/// (`c-ip`, `cs-host`, `cs(User-Agent)`), the ones aiwatch reads.
fn is_w3c_name(k: &str) -> bool {
    k.starts_with("c-") || k.starts_with("cs-") || k.starts_with("cs(")
}

/// Sumo Logic JSON with the seed query's field names (SPEC §2): each
/// coalesce takes the first present value, and only then reads it (so a
/// `bytes_out` of `"abc"` is 0 and does not fall back to `cs_bytes`).
fn sumo_event<'a>(obj: &Obj<'a>) -> Result<Event<'a>, ParseError> {
    let first = |keys: &[&str]| keys.iter().find_map(|k| obj.text(k));
    let mut ev = Event { format: Format::SumoJson, ..Event::default() };
    ev.src_ip = first(&["src_ip"]);
    ev.user = first(&["user"]);
    ev.method = first(&["http_method", "cs_method"]).map(upper);
    if let Some(h) = obj.str_text("dest_host") {
        ev.port = split_host_port(&h).1;
        ev.host = normalize_host(&h);
    }
    ev.user_agent = first(&["http_user_agent", "cs_user_agent"]);
    // The seed reads the path field as it is; only a query is split off,
    // and no host is looked for in it (`split_url` would take a path with
    // no leading `/` for a host).
    if let Some(p) = ["uri_path", "cs_uri_stem"].iter().find_map(|k| obj.str_text(k)) {
        let (path, query) = split_query(&p);
        ev.query = query.map(|q| reborrow(&p, q));
        ev.path = path.map(|x| reborrow(&p, x));
    }
    ev.bytes_uploaded = first(&["bytes_out", "cs_bytes"]).and_then(|v| parse_bytes(&v));
    ev.bytes_downloaded = first(&["bytes_in", "sc_bytes"]).and_then(|v| parse_bytes(&v));
    if let Some(t) = obj.get("_messageTime") {
        ev.time_ms = epoch_millis(t).map_err(|v| ParseError::malformed(Format::SumoJson, format!("unreadable _messageTime {v}")))?;
    }
    ev.source_category = first(&["_sourceCategory"]);
    Ok(ev)
}

/// ECS, nested or dotted. The host is `url.domain`, else the host of
/// `url.full` / `url.original`, else `destination.domain`.
fn ecs_event<'a>(obj: &Obj<'a>) -> Result<Event<'a>, ParseError> {
    let first = |keys: &[&str]| keys.iter().find_map(|k| obj.text(k));
    let mut ev = Event { format: Format::EcsJson, ..Event::default() };
    ev.src_ip = first(&["source.ip", "client.ip", "source.address", "client.address"]);
    ev.user = first(&["user.name", "source.user.name", "client.user.name"]);
    ev.method = first(&["http.request.method"]).map(upper);

    let url = ["url.full", "url.original"].iter().find_map(|k| obj.str_text(k));
    let parts = url.as_deref().map(split_url).unwrap_or_default();
    let mut domain_port = None;
    if let Some(d) = obj.str_text("url.domain") {
        domain_port = split_host_port(&d).1;
        ev.host = normalize_host(&d);
    } else if let (Some(u), Some(h)) = (&url, parts.host) {
        ev.host = normalize_host(&reborrow(u, h));
    } else if let Some(d) = obj.str_text("destination.domain") {
        domain_port = split_host_port(&d).1;
        ev.host = normalize_host(&d);
    }
    ev.port = first(&["url.port", "destination.port"]).and_then(|p| p.parse().ok()).or(parts.port).or(domain_port);

    if let Some(p) = obj.str_text("url.path") {
        let (path, query) = split_query(&p);
        ev.query = query.map(|q| reborrow(&p, q));
        ev.path = path.map(|x| reborrow(&p, x));
    } else if let Some(u) = &url {
        ev.path = parts.path.map(|p| reborrow(u, p));
        ev.query = parts.query.map(|q| reborrow(u, q));
    }
    if let Some(q) = first(&["url.query"]) {
        ev.query = Some(q);
    }

    ev.user_agent = first(&["user_agent.original"]);
    ev.bytes_uploaded = first(&["http.request.bytes", "http.request.body.bytes", "source.bytes"]).and_then(|v| parse_bytes(&v));
    ev.bytes_downloaded = first(&["http.response.bytes", "http.response.body.bytes", "destination.bytes"]).and_then(|v| parse_bytes(&v));
    match obj.get("@timestamp") {
        // Elasticsearch's default date format also accepts epoch millis.
        Some(v @ (Val::Int(_) | Val::UInt(_) | Val::Float(_))) => {
            ev.time_ms = epoch_millis(v).map_err(|v| ParseError::malformed(Format::EcsJson, format!("unreadable @timestamp {v}")))?;
        }
        Some(v) => {
            if let Some(t) = v.text() {
                let ms = time::iso8601(&t).or_else(|| time::epoch_millis(&t));
                ev.time_ms = Some(ms.ok_or_else(|| ParseError::malformed(Format::EcsJson, format!("unreadable @timestamp {t:?}")))?);
            }
        }
        None => {}
    }
    ev.source_category = first(&["_sourceCategory"]);
    Ok(ev)
}

/// A record keyed by W3C field names, read by the W3C parser's own
/// mapping so both spellings of a field mean the same thing.
fn w3c_event<'a>(obj: &Obj<'a>) -> Result<Event<'a>, ParseError> {
    // As elsewhere, a number is never a host, URL or path.
    let location = |k: &str| ["host", "uri", "url"].iter().any(|w| k.to_ascii_lowercase().contains(w));
    let texts: Vec<(&str, Cow<'a, str>)> = obj
        .0
        .iter()
        .filter(|(k, v)| matches!(v, Val::Str(_)) || !location(k))
        .filter_map(|(k, v)| v.raw_text().map(|t| (k.as_ref(), t)))
        .collect();
    let borrowed: Vec<(&str, &'a str)> = texts
        .iter()
        .filter_map(|(k, t)| match t {
            Cow::Borrowed(s) => Some((*k, *s)),
            Cow::Owned(_) => None,
        })
        .collect();
    if borrowed.len() == texts.len() {
        return w3c::event_from_pairs(&borrowed);
    }
    // Some value was unescaped or is a number: the event must own its text.
    let pairs: Vec<(&str, &str)> = texts.iter().map(|(k, t)| (*k, t.as_ref())).collect();
    w3c::event_from_pairs(&pairs).map(Event::into_owned)
}

/// An epoch-milliseconds value given as a JSON number or a decimal string.
/// `Ok(None)` when missing; `Err` carries the value for the message.
fn epoch_millis(v: &Val<'_>) -> Result<Option<i64>, String> {
    match v {
        Val::Int(i) if *i >= 0 => Ok(Some(*i)),
        Val::Int(i) => Err(i.to_string()),
        Val::UInt(u) => i64::try_from(*u).map(Some).map_err(|_| u.to_string()),
        // Past 9e15 an f64 no longer holds every millisecond; no real
        // timestamp is that large.
        Val::Float(f) if f.is_finite() && *f >= 0.0 && *f < 9.0e15 => Ok(Some(f.trunc() as i64)),
        Val::Float(f) => Err(f.to_string()),
        other => match other.text() {
            None => Ok(None),
            Some(t) => time::epoch_millis(&t).map(Some).ok_or_else(|| format!("{t:?}")),
        },
    }
}

// ---------------------------------------------------------------------------
// Value helpers shared with the Zscaler mapping.

/// `present` for a borrowed-or-owned value: trims, and maps the "no value"
/// placeholders to `None`, borrowing from the line when the value did.
pub(crate) fn present_cow(v: Cow<'_, str>) -> Option<Cow<'_, str>> {
    let (start, len) = {
        let t = present(&v)?;
        (t.as_ptr() as usize - v.as_ptr() as usize, t.len())
    };
    if len == v.len() {
        return Some(v);
    }
    Some(match v {
        Cow::Borrowed(s) => Cow::Borrowed(&s[start..start + len]),
        Cow::Owned(s) => Cow::Owned(s[start..start + len].to_owned()),
    })
}

/// `part`, a slice of `whole`, with `whole`'s lifetime when `whole`
/// borrows from the line; a copy otherwise.
pub(crate) fn reborrow<'a>(whole: &Cow<'a, str>, part: &str) -> Cow<'a, str> {
    if let Cow::Borrowed(w) = whole {
        let start = (part.as_ptr() as usize).wrapping_sub(w.as_ptr() as usize);
        if start <= w.len() && part.len() <= w.len() - start {
            if let Some(s) = w.get(start..start + part.len()) {
                return Cow::Borrowed(s);
            }
        }
    }
    Cow::Owned(part.to_owned())
}

/// [`crate::host::normalize`] keeping the value's lifetime.
pub(crate) fn normalize_host<'a>(raw: &Cow<'a, str>) -> Option<Cow<'a, str>> {
    match crate::host::normalize(raw)? {
        Cow::Borrowed(h) => Some(reborrow(raw, h)),
        Cow::Owned(h) => Some(Cow::Owned(h)),
    }
}

// ---------------------------------------------------------------------------
// A JSON value that borrows its strings from the line.

/// A parsed JSON value. Strings without escapes borrow from the line;
/// array contents are skipped (no schema reads them).
#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Arr,
    Obj(Obj<'a>),
}

/// An object's members in input order. Lookups take the last of
/// duplicate keys, as serde_json's and JavaScript's maps do.
#[derive(Debug, Clone, Default, PartialEq)]
struct Obj<'a>(Vec<(Cow<'a, str>, Val<'a>)>, Kinds);

/// Which of the key sets that decide a record's schema an object's own
/// keys could belong to, noted once per key while parsing.
///
/// Classifying a record asks for some forty keys; looking each up in a
/// thirty-member object was most of the cost of a JSON line. A bit here is
/// a necessary condition for the lookups of its set to find anything, so
/// skipping the lookups when it is clear changes no result. Names are
/// matched without regard to case ([`key_bits`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Kinds(u8);

impl Kinds {
    /// A key of [`SUMO_KEYS`].
    const SUMO: u8 = 1;
    /// A key of [`ECS_KEYS`], or an object under a dotted prefix of one.
    const ECS: u8 = 1 << 1;
    /// A key of [`ZSCALER_KEYS`] or [`ZSCALER_HINTED_KEYS`], any case.
    const ZSCALER: u8 = 1 << 2;
    /// A W3C field name ([`is_w3c_name`]).
    const W3C: u8 = 1 << 3;
    /// A wrapper member ([`WRAPPED_OBJECT_KEYS`], [`WRAPPED_LINE_KEYS`]).
    const WRAPPER: u8 = 1 << 4;
    /// `sourcetype` or `_sourceCategory`.
    const SOURCE: u8 = 1 << 5;

    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// Notes the key of one member.
    fn add(&mut self, key: &str, value: &Val<'_>) {
        if let Some(bits) = key_bits().get_ignore_ascii_case(key.as_bytes()) {
            self.0 |= bits as u8;
        }
        // `{"url": {"path": ..}}` and `{"http": {"request.method": ..}}`.
        if matches!(value, Val::Obj(_)) && ECS_KEYS.iter().any(|k| k.len() > key.len() && k.starts_with(key) && k.as_bytes()[key.len()] == b'.') {
            self.0 |= Kinds::ECS;
        }
        if is_w3c_name(key) {
            self.0 |= Kinds::W3C;
        }
    }
}

/// Every name [`Kinds`] notes, lower-cased, with the bits of the sets it is
/// in: one case-folded lookup per member serves them all. Zscaler feed
/// templates spell keys in any case; for the case-sensitive sets a bit is
/// only a hint (the lookups it enables compare exactly), so a case variant
/// that sets one costs a few lookups, never a result.
fn key_bits() -> &'static KeySet {
    static BITS: std::sync::OnceLock<KeySet> = std::sync::OnceLock::new();
    BITS.get_or_init(|| {
        let sets: [(&[&'static str], u8); 7] = [
            (SUMO_KEYS, Kinds::SUMO),
            (ECS_KEYS, Kinds::ECS),
            (ZSCALER_KEYS, Kinds::ZSCALER),
            (ZSCALER_HINTED_KEYS, Kinds::ZSCALER),
            (WRAPPED_OBJECT_KEYS, Kinds::WRAPPER),
            (WRAPPED_LINE_KEYS, Kinds::WRAPPER),
            (&["sourcetype", "_sourceCategory"], Kinds::SOURCE),
        ];
        // A name in several sets gets all their bits.
        let mut bits: Vec<(String, u16)> = Vec::new();
        for (keys, bit) in sets {
            for k in keys {
                let k = k.to_ascii_lowercase();
                match bits.iter_mut().find(|(n, _)| *n == k) {
                    Some((_, b)) => *b |= u16::from(bit),
                    None => bits.push((k, u16::from(bit))),
                }
            }
        }
        KeySet::new(bits.iter().map(|(k, b)| (k.as_str(), *b)))
    })
}

impl<'a> Val<'a> {
    fn kind(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Int(_) | Val::UInt(_) | Val::Float(_) => "a number",
            Val::Str(_) => "a string",
            Val::Arr => "an array",
            Val::Obj(_) => "an object",
        }
    }

    /// The value as text, placeholders included: strings as they are,
    /// numbers in decimal. Everything else has no text.
    fn raw_text(&self) -> Option<Cow<'a, str>> {
        match self {
            Val::Str(s) => Some(s.clone()),
            Val::Int(i) => Some(Cow::Owned(i.to_string())),
            Val::UInt(u) => Some(Cow::Owned(u.to_string())),
            // `Display` for f64 never uses an exponent: 1e6 prints 1000000.
            Val::Float(f) => Some(Cow::Owned(f.to_string())),
            Val::Null | Val::Bool(_) | Val::Arr | Val::Obj(_) => None,
        }
    }

    /// The value as present text (SPEC §2 "missing" is `None`).
    fn text(&self) -> Option<Cow<'a, str>> {
        self.raw_text().and_then(present_cow)
    }
}

impl<'a> Obj<'a> {
    /// The member at `path`: a key equal to the whole path, or a key equal
    /// to a dotted prefix of it whose object holds the rest, so nested,
    /// dotted and mixed ECS spellings all resolve.
    fn get(&self, path: &str) -> Option<&Val<'a>> {
        for (k, v) in self.0.iter().rev() {
            if k == path {
                return Some(v);
            }
            if let (Some(rest), Val::Obj(inner)) = (path.strip_prefix(k.as_ref()).and_then(|r| r.strip_prefix('.')), v) {
                if let Some(found) = inner.get(rest) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// A top-level member by ASCII case-insensitive key (Zscaler feed
    /// templates spell keys as their authors like).
    fn get_ci(&self, key: &str) -> Option<&Val<'a>> {
        self.0.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }

    /// The present text at `path`.
    fn text(&self, path: &str) -> Option<Cow<'a, str>> {
        self.get(path).and_then(Val::text)
    }

    /// The present text at `path` when it is a JSON string. Hosts, URLs
    /// and paths are read this way: a number is none of them, and its
    /// decimal text would not be the bytes the prefilter saw.
    fn str_text(&self, path: &str) -> Option<Cow<'a, str>> {
        match self.get(path) {
            Some(v @ Val::Str(_)) => v.text(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Val<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }

    fn visit_none<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Val<'de>, E> {
        Ok(Val::Int(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Val<'de>, E> {
        Ok(Val::UInt(u))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Val<'de>, E> {
        Ok(Val::Float(f))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Arr)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        // Proxy records have twenty to forty members; serde_json gives no hint.
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16).min(64));
        let mut kinds = Kinds::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value::<Val<'de>>()?;
            kinds.add(&key, &value);
            members.push((key, value));
        }
        Ok(Val::Obj(Obj(members, kinds)))
    }
}

/// Reads an object key, borrowing it when it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(line: &str) -> Event<'_> {
        match parse(line) {
            Ok(JsonRecord::Event(ev)) => ev,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn raw(line: &str) -> String {
        match parse(line) {
            Ok(JsonRecord::RawLine(s)) => s.into_owned(),
            other => panic!("{line}: {other:?}"),
        }
    }

    // --- Sumo -------------------------------------------------------------

    #[test]
    fn sumo_seed_fields() {
        let ev = event(r#"{"src_ip":"10.0.0.5","user":"bob","dest_host":"api.openai.com","http_method":"post","uri_path":"/v1/chat/completions","http_user_agent":"OpenAI/Python 1.51.0","bytes_out":"812","bytes_in":90,"_messageTime":1700000000000,"_sourceCategory":"network/proxy"}"#);
        assert_eq!(ev.format, Format::SumoJson);
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(ev.user.as_deref(), Some("bob"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.user_agent.as_deref(), Some("OpenAI/Python 1.51.0"));
        assert_eq!(ev.bytes_uploaded, Some(812));
        assert_eq!(ev.bytes_downloaded, Some(90));
        assert_eq!(ev.time_ms, Some(1_700_000_000_000));
        assert_eq!(ev.source_category.as_deref(), Some("network/proxy"));
        // Nothing needed rewriting, so nothing was copied.
        assert!(matches!(ev.host, Some(Cow::Borrowed(_))));
        assert!(matches!(ev.user_agent, Some(Cow::Borrowed(_))));
    }

    #[test]
    fn sumo_coalesce_takes_the_first_present_value_then_reads_it() {
        assert_eq!(event(r#"{"bytes_out":"-","cs_bytes":"60000"}"#).bytes_uploaded, Some(60000));
        assert_eq!(event(r#"{"bytes_out":null,"cs_bytes":60000}"#).bytes_uploaded, Some(60000));
        assert_eq!(event(r#"{"bytes_out":"","cs_bytes":"7"}"#).bytes_uploaded, Some(7));
        assert_eq!(event(r#"{"bytes_out":"abc","cs_bytes":"60000"}"#).bytes_uploaded, Some(0));
        assert_eq!(event(r#"{"bytes_out":-5,"cs_bytes":"60000"}"#).bytes_uploaded, Some(0));
        assert_eq!(event(r#"{"bytes_out":0,"cs_bytes":"60000"}"#).bytes_uploaded, Some(0), "a number counts as present");
        assert_eq!(event(r#"{"bytes_out":"-"}"#).bytes_uploaded, None);
        assert_eq!(event(r#"{"bytes_out":true,"cs_bytes":"3"}"#).bytes_uploaded, Some(3), "a boolean is missing");
        let ev = event(r#"{"http_user_agent":"-","cs_user_agent":"curl/8.5.0","uri_path":null,"cs_uri_stem":"/v1/models","http_method":"","cs_method":"get"}"#);
        assert_eq!(ev.user_agent.as_deref(), Some("curl/8.5.0"));
        assert_eq!(ev.path.as_deref(), Some("/v1/models"));
        assert_eq!(ev.method.as_deref(), Some("GET"));
    }

    #[test]
    fn sumo_host_normalization_and_path_query() {
        let ev = event(r#"{"dest_host":"API.OpenAI.COM.:8443","uri_path":"/v1/embeddings?api-version=1"}"#);
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.port, Some(8443));
        assert_eq!(ev.path.as_deref(), Some("/v1/embeddings"));
        assert_eq!(ev.query.as_deref(), Some("api-version=1"));
        let ev = event(r#"{"dest_host":"[2001:db8::1]:443","uri_path":"v1/chat"}"#);
        assert_eq!(ev.host.as_deref(), Some("2001:db8::1"));
        // The seed reads the path as logged: no host is taken out of it.
        assert_eq!(ev.path.as_deref(), Some("v1/chat"));
        assert_eq!(event(r#"{"uri_path":"?x=1"}"#).path, None);
    }

    #[test]
    fn sumo_message_time_as_number_or_string() {
        assert_eq!(event(r#"{"src_ip":"1.2.3.4","_messageTime":"1700000000123"}"#).time_ms, Some(1_700_000_000_123));
        assert_eq!(event(r#"{"src_ip":"1.2.3.4","_messageTime":1.700000000123e12}"#).time_ms, Some(1_700_000_000_123));
        assert_eq!(event(r#"{"src_ip":"1.2.3.4","_messageTime":null}"#).time_ms, None);
        let err = parse(r#"{"src_ip":"1.2.3.4","_messageTime":"noon"}"#).unwrap_err();
        assert_eq!(err.to_string(), "sumo-json: unreadable _messageTime \"noon\"");
        assert!(parse(r#"{"src_ip":"1.2.3.4","_messageTime":-1}"#).is_err());
    }

    #[test]
    fn escaped_strings_are_decoded_once_and_owned() {
        let ev = event(r#"{"dest_host":"api\u002eopenai.com","http_user_agent":"a\"b"}"#);
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.user_agent.as_deref(), Some("a\"b"));
        // Percent escapes in a host are not JSON escapes: left as they are.
        assert_eq!(event(r#"{"dest_host":"api%2eopenai.com"}"#).host.as_deref(), Some("api%2eopenai.com"));
    }

    // --- ECS --------------------------------------------------------------

    const ECS_NESTED: &str = r#"{"@timestamp":"2024-05-01T13:45:10.123Z","source":{"ip":"10.3.3.3"},"user":{"name":"carol"},"http":{"request":{"method":"post","bytes":120000},"response":{"bytes":"512"}},"url":{"domain":"api.mistral.ai","port":443,"path":"/v1/chat/completions","query":"x=1"},"user_agent":{"original":"mistral-client/0.4"}}"#;
    const ECS_DOTTED: &str = r#"{"@timestamp":"2024-05-01T13:45:10.123Z","source.ip":"10.3.3.3","user.name":"carol","http.request.method":"post","http.request.bytes":"120000","http.response.bytes":512,"url.domain":"api.mistral.ai","url.port":"443","url.path":"/v1/chat/completions","url.query":"x=1","user_agent.original":"mistral-client/0.4"}"#;
    const ECS_MIXED: &str = r#"{"@timestamp":"2024-05-01T13:45:10.123Z","source":{"ip":"10.3.3.3"},"user.name":"carol","http":{"request.method":"post","request":{"bytes":120000},"response.bytes":512},"url":{"domain":"api.mistral.ai","port":"443"},"url.path":"/v1/chat/completions","url.query":"x=1","user_agent.original":"mistral-client/0.4"}"#;

    #[test]
    fn ecs_nested_dotted_and_mixed_agree() {
        let a = event(ECS_NESTED);
        assert_eq!(a.format, Format::EcsJson);
        assert_eq!(a.src_ip.as_deref(), Some("10.3.3.3"));
        assert_eq!(a.user.as_deref(), Some("carol"));
        assert_eq!(a.method.as_deref(), Some("POST"));
        assert_eq!(a.host.as_deref(), Some("api.mistral.ai"));
        assert_eq!(a.port, Some(443));
        assert_eq!(a.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(a.query.as_deref(), Some("x=1"));
        assert_eq!(a.user_agent.as_deref(), Some("mistral-client/0.4"));
        assert_eq!(a.bytes_uploaded, Some(120000));
        assert_eq!(a.bytes_downloaded, Some(512));
        assert_eq!(a.time_ms, Some(1_714_571_110_123));
        assert_eq!(event(ECS_DOTTED), a);
        assert_eq!(event(ECS_MIXED), a);
    }

    #[test]
    fn ecs_host_falls_back_to_url_then_destination() {
        let ev = event(r#"{"client.ip":"10.0.0.1","url.full":"https://API.groq.com:8443/openai/v1/chat/completions?a=b"}"#);
        assert_eq!(ev.src_ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(ev.host.as_deref(), Some("api.groq.com"));
        assert_eq!(ev.port, Some(8443));
        assert_eq!(ev.path.as_deref(), Some("/openai/v1/chat/completions"));
        assert_eq!(ev.query.as_deref(), Some("a=b"));
        let ev = event(r#"{"url":{"original":"/v1/messages"},"destination":{"domain":"api.anthropic.com","port":443}}"#);
        assert_eq!(ev.host.as_deref(), Some("api.anthropic.com"));
        assert_eq!(ev.path.as_deref(), Some("/v1/messages"));
        assert_eq!(ev.port, Some(443));
        // source.bytes is the upload when http.request.bytes is missing.
        assert_eq!(event(r#"{"source":{"ip":"1.1.1.1","bytes":"70000"}}"#).bytes_uploaded, Some(70000));
    }

    #[test]
    fn ecs_timestamps() {
        assert_eq!(event(r#"{"source.ip":"1.1.1.1","@timestamp":1714571110123}"#).time_ms, Some(1_714_571_110_123));
        assert_eq!(event(r#"{"source.ip":"1.1.1.1","@timestamp":"2024-05-01T15:45:10.123+02:00"}"#).time_ms, Some(1_714_571_110_123));
        assert!(matches!(parse(r#"{"source.ip":"1.1.1.1","@timestamp":"May 1"}"#), Err(ParseError::Malformed { format: Format::EcsJson, .. })));
        assert_eq!(event(r#"{"source.ip":"1.1.1.1","@timestamp":null}"#).time_ms, None);
    }

    // --- Zscaler ----------------------------------------------------------

    #[test]
    fn zscaler_wrapped_siem_vocabulary() {
        let ev = event(r#"{"sourcetype":"zscalernss-web","event":{"datetime":"2021-06-17 14:53:16","ClientIP":"10.8.0.2","user":"dan@corp.example","requestmethod":"POST","hostname":"api.openai.com","url":"api.openai.com/v1/chat/completions","useragent":"OpenAI/NodeJS/4.0","requestsize":"64000","responsesize":"1200","tz":"GMT"}}"#);
        assert_eq!(ev.format, Format::ZscalerJson);
        assert_eq!(ev.src_ip.as_deref(), Some("10.8.0.2"));
        assert_eq!(ev.user.as_deref(), Some("dan@corp.example"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.path.as_deref(), Some("/v1/chat/completions"));
        assert_eq!(ev.user_agent.as_deref(), Some("OpenAI/NodeJS/4.0"));
        assert_eq!(ev.bytes_uploaded, Some(64000));
        assert_eq!(ev.bytes_downloaded, Some(1200));
        assert_eq!(ev.time_ms, Some(1_623_941_596_000));
    }

    #[test]
    fn zscaler_bare_native_vocabulary_with_numbers_and_eua() {
        let ev = event(r#"{"time":"Fri Dec 31 07:07:07 2021","tz":"-08:00","login":"eve","cip":"10.9.9.9","reqmethod":"post","ehost":"api.anthropic.com","eurl":"api.anthropic.com/v1/messages","eua":"anthropic-sdk%2Fpython%200.30","reqsize":99000,"respsize":10}"#);
        assert_eq!(ev.format, Format::ZscalerJson);
        assert_eq!(ev.user_agent.as_deref(), Some("anthropic-sdk/python 0.30"));
        assert_eq!(ev.bytes_uploaded, Some(99000));
        assert_eq!(ev.time_ms, Some(1_640_934_427_000 + 8 * 3_600_000));
        assert_eq!(ev.path.as_deref(), Some("/v1/messages"));
    }

    #[test]
    fn zscaler_hint_only_applies_inside_its_wrapper() {
        // Generic keys alone are not enough without the sourcetype.
        assert_eq!(parse(r#"{"hostname":"api.openai.com","url":"api.openai.com/v1"}"#), Err(ParseError::UnknownJsonShape));
        // The HEC wrapper's own `host` and `time` do not make it the record.
        let ev = event(r#"{"time":1700000000,"host":"hf01","sourcetype":"zscalernss-web","event":{"hostname":"api.openai.com","url":"api.openai.com/v1/models"}}"#);
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.path.as_deref(), Some("/v1/models"));
    }

    #[test]
    fn zscaler_none_literal_is_missing() {
        let ev = event(r#"{"cip":"10.0.0.1","login":"None","ehost":"api.openai.com","reqsize":"None"}"#);
        assert_eq!((ev.user, ev.bytes_uploaded), (None, None));
    }

    // --- Envelopes --------------------------------------------------------

    #[test]
    fn envelopes_return_the_raw_line() {
        assert_eq!(raw(r#"{"log":"1700000000.000 5 10.0.0.1 TCP_MISS/200\n","stream":"stdout","time":"2024-05-01T00:00:00Z"}"#), "1700000000.000 5 10.0.0.1 TCP_MISS/200");
        assert_eq!(raw(r#"{"message":"a b c","timestamp":"x","host":"vector"}"#), "a b c");
        assert_eq!(raw(r#"{"event":"ZSCALERNSS: cip=1^^hostname=x","sourcetype":"nss","time":1}"#), "ZSCALERNSS: cip=1^^hostname=x");
        assert_eq!(raw(r#"{"_raw":"line","_sourceCategory":"proxy"}"#), "line");
        // A Filebeat record: ECS metadata objects, the line in `message`.
        assert_eq!(raw(r#"{"@timestamp":"2024-05-01T00:00:00Z","log":{"offset":1,"file":{"path":"/var/log/squid/access.log"}},"event":{"dataset":"squid"},"host":{"name":"p1"},"message":"raw"}"#), "raw");
        // Splunk HEC around a Fluent Bit record.
        assert_eq!(raw(r#"{"event":{"log":"inner"}}"#), "inner");
    }

    #[test]
    fn envelope_inside_envelope_is_returned_one_level_at_a_time() {
        let inner = raw(r#"{"message":"{\"log\":\"x y z\"}"}"#);
        assert_eq!(inner, r#"{"log":"x y z"}"#);
        assert_eq!(raw(&inner), "x y z");
    }

    #[test]
    fn the_line_parser_unwraps_envelopes_to_any_line_format() {
        use crate::event::FormatChoice;
        use crate::formats::{LineParser, Parsed};
        let mut p = LineParser::new(FormatChoice::Auto);
        let line = r#"{"log":"{\"message\":\"ZSCALERNSS: cip=10.1.1.1^^hostname=api.openai.com^^reqmethod=post^^url=api.openai.com/v1/models\"}\n","stream":"stdout"}"#;
        let Ok(Parsed::Event(ev)) = p.parse(line, 7) else { panic!("{:?}", p.parse(line, 7)) };
        assert_eq!((ev.line, ev.format), (7, Format::ZscalerKv));
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        assert_eq!(ev.method.as_deref(), Some("POST"));
        let sumo = r#"{"message":"{\"src_ip\":\"10.0.0.1\",\"dest_host\":\"api.openai.com\"}"}"#;
        let Ok(Parsed::Event(ev)) = p.parse(sumo, 8) else { panic!() };
        assert_eq!((ev.format, ev.src_ip.as_deref()), (Format::SumoJson, Some("10.0.0.1")));
    }

    #[test]
    fn w3c_field_names_go_to_the_w3c_mapping() {
        let ev = event(r#"{"c-ip":"10.4.4.4","cs-host":"API.Cohere.ai","cs-method":"POST","cs-uri-path":"/v1/chat","cs-bytes":812}"#);
        assert!(matches!(ev.format, Format::W3c | Format::Proxysg), "{:?}", ev.format);
        assert_eq!(ev.src_ip.as_deref(), Some("10.4.4.4"));
        assert_eq!(ev.host.as_deref(), Some("api.cohere.ai"));
        // An escaped value takes the owning path; the result is the same.
        let ev = event(r#"{"c-ip":"10.4.4.4","cs-host":"api.cohere\u002eai"}"#);
        assert_eq!(ev.host.as_deref(), Some("api.cohere.ai"));
    }

    #[test]
    fn structured_fields_win_over_message() {
        let ev = event(r#"{"message":"some raw line","source":{"ip":"10.0.0.1"},"url":{"domain":"api.openai.com"}}"#);
        assert_eq!(ev.format, Format::EcsJson);
        assert_eq!(ev.host.as_deref(), Some("api.openai.com"));
        let ev = event(r#"{"log":"raw","src_ip":"10.0.0.1","dest_host":"api.openai.com"}"#);
        assert_eq!(ev.format, Format::SumoJson);
    }

    #[test]
    fn empty_schema_columns_do_not_hide_a_raw_line() {
        assert_eq!(raw(r#"{"_raw":"1700000000.000 5 10.0.0.1 TCP_MISS/200","src_ip":null,"dest_host":"-","_sourceCategory":"proxy"}"#), "1700000000.000 5 10.0.0.1 TCP_MISS/200");
        // Without a raw line, the keys alone still make the record.
        let ev = event(r#"{"src_ip":null,"dest_host":"-"}"#);
        assert_eq!((ev.format, ev.host), (Format::SumoJson, None));
    }

    #[test]
    fn empty_or_placeholder_message_is_no_record() {
        assert_eq!(parse(r#"{"message":"-"}"#), Err(ParseError::UnknownJsonShape));
        assert_eq!(parse(r#"{"message":""}"#), Err(ParseError::UnknownJsonShape));
        assert_eq!(parse(r#"{"message":42}"#), Err(ParseError::UnknownJsonShape));
        assert_eq!(parse(r#"{}"#), Err(ParseError::UnknownJsonShape));
    }

    // --- Errors and hostile input -----------------------------------------

    #[test]
    fn invalid_json_and_non_objects() {
        assert!(matches!(parse("{"), Err(ParseError::InvalidJson(_))));
        assert!(matches!(parse(r#"{"a":1} trailing"#), Err(ParseError::InvalidJson(_))));
        assert!(matches!(parse(r#"{"a":1}{"b":2}"#), Err(ParseError::InvalidJson(_))));
        assert_eq!(parse("[1,2]"), Err(ParseError::InvalidJson("expected a JSON object, found an array".into())));
        assert_eq!(parse("\"x\""), Err(ParseError::InvalidJson("expected a JSON object, found a string".into())));
        assert!(matches!(parse("{\"a\":\"\\ud800\"}"), Err(ParseError::InvalidJson(_))));
    }

    #[test]
    fn deep_nesting_never_overflows_the_stack() {
        // Run on a small stack so a recursive descent without a limit
        // would overflow here rather than pass by luck.
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let n = 200_000;
                // Objects are kept, so serde_json's recursion limit stops them.
                let objects = format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
                let under_a_field = format!("{{\"dest_host\":\"x\",\"z\":{}1{}}}", "{\"a\":".repeat(n), "}".repeat(n));
                // Arrays are skipped by serde_json's iterative skipper, objects inside them too.
                let arrays = format!("{{\"dest_host\":\"x\",\"z\":{}1{}}}", "[".repeat(n), "]".repeat(n));
                let mixed = format!("{{\"dest_host\":\"x\",\"z\":{}1{}}}", "[{\"b\":".repeat(n), "}]".repeat(n));
                [&objects, &under_a_field, &arrays, &mixed].map(|s| match parse(s) {
                    Ok(JsonRecord::Event(ev)) => Ok(ev.host.map(|h| h.into_owned())),
                    Ok(JsonRecord::RawLine(_)) => Err("raw line".to_string()),
                    Err(e) => Err(e.to_string()),
                })
            })
            .unwrap();
        let [objects, under_a_field, arrays, mixed] = handle.join().expect("no stack overflow");
        assert!(objects.unwrap_err().contains("recursion limit"));
        assert!(under_a_field.unwrap_err().contains("recursion limit"));
        assert_eq!(arrays, Ok(Some("x".to_string())));
        assert_eq!(mixed, Ok(Some("x".to_string())));
        // Within the limit, nested objects are fine.
        let ok = format!("{{\"dest_host\":\"x\",\"z\":{}1{}}}", "{\"a\":".repeat(100), "}".repeat(100));
        assert!(matches!(parse(&ok), Ok(JsonRecord::Event(_))));
    }

    #[test]
    fn duplicate_keys_last_one_wins() {
        assert_eq!(event(r#"{"dest_host":"a.example","dest_host":"api.openai.com"}"#).host.as_deref(), Some("api.openai.com"));
    }

    #[test]
    fn odd_value_types_never_panic() {
        for line in [
            r#"{"dest_host":{"x":1},"uri_path":[1,2],"http_method":true,"src_ip":1.5}"#,
            r#"{"source":{"ip":["a"]},"url":{"port":"99999","domain":7}}"#,
            r#"{"cip":null,"ehost":"","eurl":"::::","reqsize":1e400}"#,
            r#"{"sourcetype":"zscalernss-web","event":{"url":{"a":1}}}"#,
            r#"{"sourcetype":"z","event":{"event":{"event":{"message":"deep"}}}}"#,
            r#"{"dest_host":"\u0000","uri_path":"\u00e9?"}"#,
        ] {
            let _ = parse(line);
        }
        let ev = event(r#"{"src_ip":1.5,"dest_host":{"x":1}}"#);
        assert_eq!((ev.src_ip.as_deref(), ev.host), (Some("1.5"), None));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        const KEYS: &[&str] = &[
            "src_ip", "dest_host", "uri_path", "bytes_out", "cs_bytes", "http_method", "_messageTime", "source.ip", "url.domain", "url.full",
            "url.path", "http.request.bytes", "cip", "ehost", "eurl", "eua", "reqsize", "time", "tz", "hostname", "c-ip", "cs-host", "message", "log", "event", "sourcetype",
        ];

        fn value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::Bool),
                any::<i64>().prop_map(|i| serde_json::json!(i)),
                any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| serde_json::json!(f)),
                "[A-Za-z0-9.:\\[\\]%/?=_ -]{0,24}".prop_map(serde_json::Value::String),
                "\\PC{0,12}".prop_map(serde_json::Value::String),
                Just(serde_json::Value::String("zscalernss-web".into())),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::Array),
                    prop::collection::vec((prop::sample::select(KEYS), inner), 0..4)
                        .prop_map(|kv| serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            /// Any record shape parses or fails cleanly, and a host name it
            /// yields appears in the raw line (the prefilter's premise),
            /// unless a JSON `\\u` escape spelled it.
            #[test]
            fn records_never_panic_and_hosts_stay_verbatim(fields in prop::collection::vec((prop::sample::select(KEYS), value()), 0..8)) {
                let obj: serde_json::Map<String, serde_json::Value> = fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                let line = serde_json::Value::Object(obj).to_string();
                if let Ok(JsonRecord::Event(ev)) = parse(&line) {
                    // Only DNS-name characters matter to the prefilter;
                    // JSON writes them as they are or as `\\u` escapes.
                    if let Some(h) = ev.host.as_deref().filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')) {
                        prop_assert!(line.contains("\\u") || line.to_ascii_lowercase().contains(h), "{h:?} not in {line}");
                    }
                }
            }

            /// Arbitrary text after `{` never panics.
            #[test]
            fn arbitrary_text_never_panics(tail in "\\PC{0,64}") {
                let _ = parse(&format!("{{{tail}"));
            }
        }
    }

    #[test]
    fn zscaler_firewall_records_are_not_web_events() {
        // The NSS firewall feed shares `datetime` but has no request: an
        // error, not an empty zscaler-json event (found by the corpus).
        let line = r#"{"sourcetype":"zscalernss-fw","event":{"datetime":"2023-12-03 10:00:00","csip":"10.1.1.1","cdip":"203.0.113.9","cdport":"443","action":"Allow","proto":"TCP"}}"#;
        assert_eq!(parse(line), Err(ParseError::UnknownJsonShape));
    }

}
