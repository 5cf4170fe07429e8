//! The TOML tuning file: profile, thresholds, host list changes, allowlists.
//!
//! Every key is optional; what is absent comes from the profile. The same
//! text is accepted by `aiwatch scan --config`, the component's session
//! constructor and the playground, so a tuned demo reproduces everywhere.
//!
//! ```
//! let config = aiwatch_rule::Config::from_toml(r#"
//! profile = "extended"
//! min_score = 2
//! [allowlist]
//! src_cidrs = ["10.20.0.0/16"]
//! user_agents = ["*GitHub-Actions*"]
//! "#).unwrap();
//! assert_eq!(config.min_score, Some(2));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which variant of the detection to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Better coverage: the maintained host catalogue, a browser test that
    /// programmatic clients cannot fool, more API path shapes.
    #[default]
    Extended,
    /// The seed Sumo Logic query, reproduced exactly.
    Seed,
}

impl Profile {
    /// The name used in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Extended => "extended",
            Profile::Seed => "seed",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "extended" => Ok(Profile::Extended),
            "seed" => Ok(Profile::Seed),
            other => Err(format!("unknown profile {other:?}; expected \"extended\" or \"seed\"")),
        }
    }
}

/// Which host list to start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Catalogue {
    /// The seed's 13 hosts.
    Seed,
    /// The maintained extended catalogue.
    Extended,
}

/// The tuning file as written. `None` means "the profile's default".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `extended` (default) or `seed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// Keep events whose suspicion score is at least this (seed: 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_score: Option<u32>,
    /// An upload larger than this many bytes is a large payload (seed: 50000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub large_payload_bytes: Option<u64>,
    /// Host list changes.
    #[serde(default, skip_serializing_if = "HostsConfig::is_empty")]
    pub hosts: HostsConfig,
    /// Browser test switches.
    #[serde(default, skip_serializing_if = "BrowserConfig::is_empty")]
    pub browser: BrowserConfig,
    /// API path test switches.
    #[serde(default, skip_serializing_if = "EndpointConfig::is_empty")]
    pub endpoints: EndpointConfig,
    /// Source-category scope (Sumo `_sourceCategory`).
    #[serde(default, skip_serializing_if = "ScopeConfig::is_empty")]
    pub scope: ScopeConfig,
    /// Known-good traffic that should not raise findings.
    #[serde(default, skip_serializing_if = "Allowlist::is_empty")]
    pub allowlist: Allowlist,
    /// Resource caps.
    #[serde(default, skip_serializing_if = "Limits::is_empty")]
    pub limits: Limits,
}

/// `[hosts]`: start from a catalogue, then add and remove patterns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostsConfig {
    /// `extended` or `seed`; defaults to the profile's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<Catalogue>,
    /// More AI API hosts (e.g. an internal LLM gateway).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra: Vec<ExtraHost>,
    /// Patterns to drop from the catalogue, written as they appear in it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

impl HostsConfig {
    fn is_empty(&self) -> bool {
        self == &HostsConfig::default()
    }
}

/// An extra host: a bare pattern, or a table naming the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExtraHost {
    /// `"llm.corp.example"`; the provider is shown as "Custom".
    Pattern(String),
    /// `{ pattern = "llm.corp.example", provider = "Corp LLM gateway" }`.
    Named {
        /// Host pattern (module docs of [`crate::hosts`]).
        pattern: String,
        /// Provider name shown in findings.
        provider: String,
    },
}

/// `[browser]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrowserConfig {
    /// Treat Electron apps, PowerShell and headless browsers as programs even
    /// though their user agents carry browser tokens (extended default: true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programmatic_exceptions: Option<bool>,
    /// More case-insensitive substrings that mark a user agent as a program.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_programmatic_tokens: Vec<String>,
}

impl BrowserConfig {
    fn is_empty(&self) -> bool {
        self == &BrowserConfig::default()
    }
}

/// `[endpoints]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// Also count the path shapes of Bedrock, Azure OpenAI, Anthropic and the
    /// OpenAI Responses API (extended default: true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extended_paths: Option<bool>,
}

impl EndpointConfig {
    fn is_empty(&self) -> bool {
        self == &EndpointConfig::default()
    }
}

/// `[scope]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeConfig {
    /// Sumo `_sourceCategory` values in scope, compared case-insensitively.
    /// Records without a category are always in scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_categories: Option<Vec<String>>,
}

impl ScopeConfig {
    fn is_empty(&self) -> bool {
        self == &ScopeConfig::default()
    }
}

/// `[allowlist]`: traffic that matches is counted as allowlisted, not reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Source networks (`10.0.0.0/8`, `2001:db8::/32`, or single addresses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub src_cidrs: Vec<String>,
    /// User names, compared case-insensitively.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// User-agent globs, case-insensitive, `*` for any run (`*GitHub-Actions*`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_agents: Vec<String>,
    /// Exceptions that apply to some hosts only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<HostException>,
}

impl Allowlist {
    fn is_empty(&self) -> bool {
        self == &Allowlist::default()
    }
}

/// `[[allowlist.exceptions]]`: an exception for traffic to some hosts.
/// Every condition given must hold; a host alone allows all its traffic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostException {
    /// Host pattern the exception applies to.
    pub host: String,
    /// Only from these networks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub src_cidrs: Vec<String>,
    /// Only for these users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// Only for these user-agent globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_agents: Vec<String>,
    /// Why this traffic is expected, shown in explanations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `[limits]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Most (src_ip, user) groups kept; events of further groups are counted
    /// in `stats.dropped_groups_events` (default 1,000,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_groups: Option<usize>,
    /// Most line errors listed with their reason; all are counted (default 1000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_errors_listed: Option<usize>,
}

impl Limits {
    fn is_empty(&self) -> bool {
        self == &Limits::default()
    }
}

/// An unusable tuning file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The text is not valid TOML or does not fit the schema (unknown key, wrong type).
    Syntax(String),
    /// A value is well-formed TOML but unusable; `key` is its dotted path.
    Invalid {
        /// Dotted path of the offending key, e.g. `allowlist.src_cidrs[1]`.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Syntax(msg) => write!(f, "invalid config: {}", msg.trim_end()),
            ConfigError::Invalid { key, reason } => write!(f, "invalid config: key `{key}`: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Parses a tuning file. Only syntax and schema are checked here;
    /// [`crate::Rule::new`] validates values (CIDRs, patterns, ranges).
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))
    }

    /// Renders the config as TOML that [`Config::from_toml`] reads back.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// The profile in force.
    pub fn profile(&self) -> Profile {
        self.profile.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_toml("min_scor = 2").unwrap_err().to_string();
        assert!(err.contains("min_scor"), "{err}");
        let err = Config::from_toml("[allowlist]\nuser = [\"x\"]").unwrap_err().to_string();
        assert!(err.contains("user"), "{err}");
    }

    #[test]
    fn wrong_types_are_named() {
        let err = Config::from_toml("min_score = \"two\"").unwrap_err().to_string();
        assert!(err.contains("min_score"), "{err}");
    }

    #[test]
    fn round_trips_through_toml() {
        let c = Config::from_toml(
            r#"
profile = "seed"
min_score = 2
[hosts]
extra = ["llm.corp.example", { pattern = "*.gw.example", provider = "Gateway" }]
remove = ["api.groq.com"]
[allowlist]
src_cidrs = ["10.0.0.0/8"]
[[allowlist.exceptions]]
host = "api.openai.com"
users = ["svc-copilot"]
reason = "internal copilot"
"#,
        )
        .unwrap();
        assert_eq!(Config::from_toml(&c.to_toml()).unwrap(), c);
        assert_eq!(Config::default().to_toml(), "");
    }
}
