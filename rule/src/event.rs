//! The normalized event every parser produces and the detection consumes.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One proxy-log record after parsing and normalization.
///
/// Missing values are `None`, never `"-"` or `""` (see [`present`]). Strings
/// borrow from the input line where no rewriting was needed, so parsing a
/// typical line allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event<'a> {
    /// 1-based line number in the input stream.
    pub line: u64,
    /// The format the line was parsed as.
    pub format: Format,
    /// Event time, epoch milliseconds (UTC).
    pub time_ms: Option<i64>,
    /// Client address as logged (IPv4 or IPv6 text).
    pub src_ip: Option<Cow<'a, str>>,
    /// Authenticated user as logged.
    pub user: Option<Cow<'a, str>>,
    /// HTTP method, upper-cased.
    pub method: Option<Cow<'a, str>>,
    /// Destination host, normalized by [`crate::host::normalize`].
    pub host: Option<Cow<'a, str>>,
    /// Destination port when the log states one.
    pub port: Option<u16>,
    /// URL path without the query string.
    pub path: Option<Cow<'a, str>>,
    /// Query string without the leading `?`.
    pub query: Option<Cow<'a, str>>,
    /// Client user agent.
    pub user_agent: Option<Cow<'a, str>>,
    /// Bytes sent from the client to the server (the upload).
    pub bytes_uploaded: Option<u64>,
    /// Bytes sent from the server to the client (the download); informational only.
    pub bytes_downloaded: Option<u64>,
    /// Sumo Logic `_sourceCategory`, when the record carries one.
    pub source_category: Option<Cow<'a, str>>,
}

impl Event<'_> {
    /// Copies every borrowed string so the event outlives its input line.
    pub fn into_owned(self) -> Event<'static> {
        fn own(v: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            v.map(|s| Cow::Owned(s.into_owned()))
        }
        Event {
            line: self.line,
            format: self.format,
            time_ms: self.time_ms,
            src_ip: own(self.src_ip),
            user: own(self.user),
            method: own(self.method),
            host: own(self.host),
            port: self.port,
            path: own(self.path),
            query: own(self.query),
            user_agent: own(self.user_agent),
            bytes_uploaded: self.bytes_uploaded,
            bytes_downloaded: self.bytes_downloaded,
            source_category: own(self.source_category),
        }
    }
}

/// Returns `None` for the values logs use to say "no value": empty, `-`, or
/// whitespace only. Every parser funnels raw fields through this so the
/// detection never sees a placeholder.
pub fn present(raw: &str) -> Option<&str> {
    let t = trim(raw);
    if t.is_empty() || t == "-" {
        None
    } else {
        Some(t)
    }
}

/// `str::trim`, with a fast path for values that start and end with a
/// visible ASCII character (nothing to trim, the usual case): the generic
/// Unicode trim costs more than the rest of a field's handling.
#[inline]
pub fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [b] if b.is_ascii_graphic() => s,
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Parses a byte count the way the seed query does: missing is `None`;
/// non-numeric or negative is `Some(0)`; a positive count too large for
/// `u64` saturates (it is certainly a large payload).
pub fn parse_bytes(raw: &str) -> Option<u64> {
    let t = present(raw)?;
    let digits = t.strip_prefix('+').unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        Some(digits.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        Some(0)
    }
}

/// The log formats aiwatch understands. The names are the ones `--format`
/// accepts and `parse` prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Squid native `access.log` (`%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`).
    #[default]
    Squid,
    /// Squid / Apache common log format.
    SquidCommon,
    /// Squid / Apache combined log format (common plus referer and user agent).
    SquidCombined,
    /// Squid "extensive" logformat with request sizes and quoted headers.
    SquidExtensive,
    /// Blue Coat / Symantec ProxySG ELFF (W3C with `cs-host`), or its headerless default layouts.
    Proxysg,
    /// Generic W3C extended log (Cisco WSA W3C and others, `cs-url` based).
    W3c,
    /// Cisco WSA native access log (Squid-like with ACL decision tags).
    Wsa,
    /// Zscaler NSS web log as JSON.
    ZscalerJson,
    /// Zscaler NSS web log as `^^`-separated key=value.
    ZscalerKv,
    /// Sumo Logic JSON with the seed query's field names.
    SumoJson,
    /// Elastic Common Schema JSON (nested or dotted keys).
    EcsJson,
}

impl Format {
    /// Every format, in the order detection reports them.
    pub const ALL: [Format; 11] = [
        Format::Squid,
        Format::SquidCommon,
        Format::SquidCombined,
        Format::SquidExtensive,
        Format::Proxysg,
        Format::W3c,
        Format::Wsa,
        Format::ZscalerJson,
        Format::ZscalerKv,
        Format::SumoJson,
        Format::EcsJson,
    ];

    /// The stable name used on the command line and in output.
    pub fn name(self) -> &'static str {
        match self {
            Format::Squid => "squid",
            Format::SquidCommon => "squid-common",
            Format::SquidCombined => "squid-combined",
            Format::SquidExtensive => "squid-extensive",
            Format::Proxysg => "proxysg",
            Format::W3c => "w3c",
            Format::Wsa => "wsa",
            Format::ZscalerJson => "zscaler-json",
            Format::ZscalerKv => "zscaler-kv",
            Format::SumoJson => "sumo-json",
            Format::EcsJson => "ecs-json",
        }
    }

    /// Whether records of this format can carry the client's upload size.
    /// Without it the large-payload signal can never fire.
    pub fn has_upload_bytes(self) -> bool {
        !matches!(self, Format::Squid | Format::SquidCommon | Format::SquidCombined | Format::Wsa)
    }

    /// Whether records of this format can carry the user agent. Without it
    /// browsers cannot be told from programs.
    pub fn has_user_agent(self) -> bool {
        !matches!(self, Format::Squid | Format::SquidCommon | Format::Wsa)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `--format` accepts: automatic detection, one format, or any JSON shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum FormatChoice {
    /// Detect the format of every line on its own (W3C headers switch the column map).
    #[default]
    Auto,
    /// Parse every line as this format; anything else is an error.
    Only(Format),
    /// Any JSON record shape: Zscaler, Sumo, ECS, or an envelope with the raw line inside.
    Json,
}

impl std::str::FromStr for FormatChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(FormatChoice::Auto),
            "json" => Ok(FormatChoice::Json),
            other => Format::ALL
                .iter()
                .find(|f| f.name() == other)
                .map(|f| FormatChoice::Only(*f))
                .ok_or_else(|| {
                    let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                    format!("unknown format {other:?}; expected auto, json or one of: {}", names.join(", "))
                }),
        }
    }
}

impl fmt::Display for FormatChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatChoice::Auto => f.write_str("auto"),
            FormatChoice::Json => f.write_str("json"),
            FormatChoice::Only(fmt) => f.write_str(fmt.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_missing() {
        assert_eq!(present("-"), None);
        assert_eq!(present(""), None);
        assert_eq!(present("  "), None);
        assert_eq!(present(" x "), Some("x"));
    }

    #[test]
    fn byte_counts_follow_the_seed() {
        assert_eq!(parse_bytes("-"), None);
        assert_eq!(parse_bytes("1234"), Some(1234));
        assert_eq!(parse_bytes("-5"), Some(0));
        assert_eq!(parse_bytes("abc"), Some(0));
        assert_eq!(parse_bytes("1.5"), Some(0));
        assert_eq!(parse_bytes("99999999999999999999999"), Some(u64::MAX));
    }

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<FormatChoice>(), Ok(FormatChoice::Only(f)));
        }
        assert!("nope".parse::<FormatChoice>().is_err());
    }
}
