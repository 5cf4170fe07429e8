//! Share links: the whole playground state in the URL fragment.
//!
//! The fragment (`#…`) is never sent to a server, so the pasted logs stay
//! between the people who hold the link; they do travel inside the link,
//! which the page says plainly next to the button.
//!
//! Layout of a fragment: `v1.` followed by base64url (no padding) of the
//! raw-deflate compression of: one line of JSON with the settings
//! ([`Header`]), a `\n`, then the input bytes exactly as scanned (so invalid
//! UTF-8 and bare carriage returns survive the round trip).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// Prefix of the fragments this version writes (after the `#`).
pub const PREFIX: &str = "v1.";

/// The largest input a link may expand to. Guards against a crafted link
/// that inflates to gigabytes.
pub const MAX_EXPANDED: usize = 64 << 20;

/// Links longer than this may be cut by browsers, chat tools or mail
/// clients; the page warns above it.
pub const LONG_LINK: usize = 2_000_000;

/// The settings part of a share link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Rule version of the page that made the link ([`aiwatch_rule::VERSION`]).
    pub rule_version: String,
    /// `extended` or `seed`.
    pub profile: String,
    /// The `--format` choice (`auto`, `json` or a format name).
    pub format: String,
    /// The tuning config as TOML (what `aiwatch scan --config` reads).
    pub config: String,
}

/// Everything a share link restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// The settings.
    pub header: Header,
    /// The input bytes.
    pub input: Vec<u8>,
}

/// A fragment that is not a usable share link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    /// The fragment does not start with a known version prefix.
    UnknownVersion(String),
    /// The data is not base64url.
    Base64(String),
    /// The data does not inflate, or inflates past [`MAX_EXPANDED`].
    Inflate,
    /// The settings line is missing or is not the expected JSON.
    Header(String),
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::UnknownVersion(p) => write!(f, "not an aiwatch share link (it starts with {p:?}; expected {PREFIX:?})"),
            ShareError::Base64(e) => write!(f, "the share link is damaged (not base64url: {e}); was it cut when copied?"),
            ShareError::Inflate => write!(f, "the share link is damaged or expands beyond {} MiB; was it cut when copied?", MAX_EXPANDED >> 20),
            ShareError::Header(e) => write!(f, "the share link's settings are unreadable: {e}"),
        }
    }
}

impl std::error::Error for ShareError {}

/// Encodes the state as a fragment (without the leading `#`).
pub fn encode(shared: &Shared) -> String {
    let mut payload = serde_json::to_vec(&shared.header).expect("the header serializes");
    payload.push(b'\n');
    payload.extend_from_slice(&shared.input);
    // Level 6: near the best ratio for logs at a fraction of level 9's time,
    // which matters for multi-megabyte pastes compressed in the browser.
    let packed = miniz_oxide::deflate::compress_to_vec(&payload, 6);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(packed))
}

/// Decodes a fragment (with or without the leading `#`).
pub fn decode(fragment: &str) -> Result<Shared, ShareError> {
    decode_with_limit(fragment, MAX_EXPANDED)
}

fn decode_with_limit(fragment: &str, limit: usize) -> Result<Shared, ShareError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let Some(data) = fragment.strip_prefix(PREFIX) else {
        let shown: String = fragment.chars().take(8).collect();
        return Err(ShareError::UnknownVersion(shown));
    };
    // Chat tools and mail clients sometimes wrap long links; whitespace is
    // never part of base64url, so dropping it repairs such copies.
    let data: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let packed = URL_SAFE_NO_PAD.decode(data.trim_end_matches('=')).map_err(|e| ShareError::Base64(e.to_string()))?;
    let payload = miniz_oxide::inflate::decompress_to_vec_with_limit(&packed, limit).map_err(|_| ShareError::Inflate)?;
    let nl = payload.iter().position(|&b| b == b'\n').ok_or_else(|| ShareError::Header("no settings line".into()))?;
    let header: Header = serde_json::from_slice(&payload[..nl]).map_err(|e| ShareError::Header(e.to_string()))?;
    Ok(Shared { header, input: payload[nl + 1..].to_vec() })
}

/// Whether a fragment looks like a share link at all (any version), so the
/// page can tell "no link" from "a broken link".
pub fn is_share_fragment(fragment: &str) -> bool {
    let f = fragment.strip_prefix('#').unwrap_or(fragment);
    f.len() > 3 && f.starts_with('v') && f[1..].split_once('.').is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(input: &[u8]) -> Shared {
        Shared {
            header: Header { rule_version: aiwatch_rule::VERSION.into(), profile: "seed".into(), format: "squid".into(), config: "min_score = 2\n".into() },
            input: input.to_vec(),
        }
    }

    #[test]
    fn round_trips_every_byte() {
        // Invalid UTF-8, a bare CR, CRLF and a NUL must come back unchanged:
        // the link reproduces what was scanned, not what a textarea shows.
        let s = sample(b"a\r\nb\rc\xff\xfe\0\n\n");
        let link = encode(&s);
        assert!(link.starts_with(PREFIX));
        assert!(link.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "{link}");
        assert_eq!(decode(&link), Ok(s.clone()));
        assert_eq!(decode(&format!("#{link}")), Ok(s));
    }

    #[test]
    fn logs_compress_well() {
        let line = "1700000000.123    120 10.1.2.3 TCP_TUNNEL/200 4512 CONNECT api.openai.com:443 alice HIER_DIRECT/104.18.7.192 -\n";
        let s = sample(line.repeat(1000).as_bytes());
        let link = encode(&s);
        assert!(link.len() < s.input.len() / 20, "{} bytes for {}", link.len(), s.input.len());
    }

    #[test]
    fn wrapped_links_are_repaired() {
        let s = sample(b"x\n");
        let link = encode(&s);
        let (a, b) = link.split_at(link.len() / 2);
        assert_eq!(decode(&format!("{a}\n  {b}")), Ok(s));
    }

    #[test]
    fn damaged_links_say_what_is_wrong() {
        assert!(matches!(decode("v9.abc"), Err(ShareError::UnknownVersion(_))));
        assert!(matches!(decode("v1.***"), Err(ShareError::Base64(_))));
        assert_eq!(decode("v1.AAAA"), Err(ShareError::Inflate));
        let link = encode(&sample(b"some input long enough to be cut in half\n"));
        assert!(decode(&link[..link.len() / 2]).is_err());
        let no_header = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(b"{}", 6)));
        assert!(matches!(decode(&no_header), Err(ShareError::Header(_))));
        for e in [ShareError::UnknownVersion("x".into()), ShareError::Base64("y".into()), ShareError::Inflate, ShareError::Header("z".into())] {
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn bombs_are_refused() {
        let link = encode(&sample(&[b'a'; 100_000]));
        assert!(link.len() < 1000);
        assert_eq!(decode_with_limit(&link, 50_000), Err(ShareError::Inflate));
        assert!(decode_with_limit(&link, 200_000).is_ok());
    }

    #[test]
    fn share_fragments_are_recognized() {
        assert!(is_share_fragment("#v1.abc"));
        assert!(is_share_fragment("v12.abc"));
        assert!(!is_share_fragment("#results"));
        assert!(!is_share_fragment("#v.abc"));
        assert!(!is_share_fragment(""));
    }
}
