//! Host normalization and URL splitting, shared by every parser.
//!
//! Hosts are compared byte for byte after normalization, so the rules here
//! decide what "the same host" means for the whole detection.

use std::borrow::Cow;

/// Normalizes a destination host as SPEC §2 defines it: ASCII-lowercase,
/// strip a `:port`, strip IPv6 brackets, strip one trailing dot.
///
/// Only ASCII letters are lowered: DNS names are ASCII (IDNs travel as
/// `xn--` punycode), and Unicode case folding would turn look-alikes such as
/// the Kelvin sign into plain letters. Returns `None` when nothing is left.
pub fn normalize(raw: &str) -> Option<Cow<'_, str>> {
    let (host, _) = split_host_port(crate::event::trim(raw));
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host == "-" {
        return None;
    }
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Some(Cow::Owned(host.to_ascii_lowercase()))
    } else {
        Some(Cow::Borrowed(host))
    }
}

/// Splits `host[:port]`, `[v6]:port`, `[v6]` or a bare IPv6 address into
/// the host (brackets removed) and the port, if any and valid.
pub fn split_host_port(raw: &str) -> (&str, Option<u16>) {
    if let Some(rest) = raw.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            let port = rest[end + 1..].strip_prefix(':').and_then(|p| p.parse().ok());
            return (&rest[..end], port);
        }
        return (rest, None);
    }
    match memchr::memrchr(b':', raw.as_bytes()) {
        // More than one colon and no brackets: a bare IPv6 address, no port.
        Some(i) if memchr::memchr(b':', &raw.as_bytes()[..i]).is_some() => (raw, None),
        Some(i) => (&raw[..i], raw[i + 1..].parse().ok()),
        None => (raw, None),
    }
}

/// The parts of a request URL as proxies log it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// Scheme without `://`, e.g. `https` or `tunnel`.
    pub scheme: Option<&'a str>,
    /// Raw authority host (not yet normalized; may carry brackets).
    pub host: Option<&'a str>,
    /// Port from the authority.
    pub port: Option<u16>,
    /// Path without query or fragment; `None` when the URL has no path.
    pub path: Option<&'a str>,
    /// Query without the `?`.
    pub query: Option<&'a str>,
}

/// Splits a logged URL. Handles `scheme://host:port/path?q`, URLs with no
/// scheme (`host/path`, as Zscaler logs them), bare paths (`/v1/x`), CONNECT
/// targets (`host:443`) and user-info (`user@host`).
pub fn split_url(url: &str) -> UrlParts<'_> {
    let url = crate::event::trim(url);
    let mut parts = UrlParts::default();
    if url.is_empty() || url == "-" {
        return parts;
    }
    // A scheme is letters, digits, `+-.` up to the first `:`, then `//`.
    // Scanning for that `:` is much cheaper than a substring search.
    let scheme_end = url.bytes().position(|b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.'));
    let rest = match scheme_end {
        Some(i) if i > 0 && url.as_bytes()[i..].starts_with(b"://") => {
            parts.scheme = Some(&url[..i]);
            &url[i + 3..]
        }
        _ => url,
    };
    // One pass for the delimiters: `/`, `?` or `#` ends the authority; `?`
    // starts the query and `#` the fragment (dropped).
    let b = rest.as_bytes();
    let auth_end = if rest.starts_with('/') { 0 } else { b.iter().position(|&c| matches!(c, b'/' | b'?' | b'#')).unwrap_or(b.len()) };
    let authority = &rest[..auth_end];
    let authority = match memchr::memrchr(b'@', authority.as_bytes()) {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    if !authority.is_empty() {
        let (h, p) = split_host_port(authority);
        parts.host = Some(h).filter(|h| !h.is_empty());
        parts.port = p;
    }
    let tail = &rest[auth_end..];
    let tail = match memchr::memchr(b'#', tail.as_bytes()) {
        Some(hash) => &tail[..hash],
        None => tail,
    };
    let (path, query) = match memchr::memchr(b'?', tail.as_bytes()) {
        Some(q) => (&tail[..q], Some(&tail[q + 1..])),
        None => (tail, None),
    };
    parts.path = Some(path).filter(|p| !p.is_empty());
    parts.query = query.filter(|q| !q.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_port_brackets_and_trailing_dot() {
        assert_eq!(normalize("API.OpenAI.com").as_deref(), Some("api.openai.com"));
        assert_eq!(normalize("api.openai.com:443").as_deref(), Some("api.openai.com"));
        assert_eq!(normalize("api.openai.com.").as_deref(), Some("api.openai.com"));
        assert_eq!(normalize("api.openai.com.:8443").as_deref(), Some("api.openai.com"));
        assert_eq!(normalize("[2001:db8::1]:443").as_deref(), Some("2001:db8::1"));
        assert_eq!(normalize("2001:db8::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(normalize("-"), None);
        assert_eq!(normalize(""), None);
        // The Kelvin sign must not fold to an ASCII k.
        assert_eq!(normalize("\u{212A}.example").as_deref(), Some("\u{212A}.example"));
    }

    #[test]
    fn splits_urls_as_proxies_log_them() {
        let u = split_url("https://api.openai.com:443/v1/chat/completions?x=1");
        assert_eq!((u.scheme, u.host, u.port, u.path, u.query), (Some("https"), Some("api.openai.com"), Some(443), Some("/v1/chat/completions"), Some("x=1")));
        let u = split_url("api.openai.com/v1/models");
        assert_eq!((u.scheme, u.host, u.path), (None, Some("api.openai.com"), Some("/v1/models")));
        let u = split_url("api.openai.com:443");
        assert_eq!((u.host, u.port, u.path), (Some("api.openai.com"), Some(443), None));
        let u = split_url("/v1/embeddings");
        assert_eq!((u.host, u.path), (None, Some("/v1/embeddings")));
        let u = split_url("tunnel://api.anthropic.com:443/");
        assert_eq!((u.scheme, u.host, u.port, u.path), (Some("tunnel"), Some("api.anthropic.com"), Some(443), Some("/")));
        let u = split_url("http://[2001:db8::2]:8080/v1?q");
        assert_eq!((u.host, u.port, u.path, u.query), (Some("2001:db8::2"), Some(8080), Some("/v1"), Some("q")));
        let u = split_url("http://user:pw@api.groq.com/openai/v1/chat/completions");
        assert_eq!(u.host, Some("api.groq.com"));
    }
}
