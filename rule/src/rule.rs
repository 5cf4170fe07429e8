//! A [`Rule`]: the tuning config validated and compiled for fast evaluation,
//! plus the rule's metadata.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::config::{Catalogue, Config, ConfigError, ExtraHost, Profile};
use crate::hosts::{HostMatcher, EXTENDED_HOSTS, SEED_HOSTS};
use crate::prefilter::Prefilter;

/// Descriptive metadata of the rule, as `aiwatch info` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// Stable rule identifier.
    pub id: String,
    /// Human title.
    pub name: String,
    /// Rule (crate) version; share links and state files carry it.
    pub version: String,
    /// One-paragraph description.
    pub description: String,
    /// ATT&CK tactic.
    pub tactic: String,
    /// ATT&CK technique id.
    pub technique: String,
    /// ATT&CK sub-technique id.
    pub subtechnique: String,
    /// Severity of a finding.
    pub severity: String,
    /// Confidence of a finding.
    pub confidence: String,
    /// Profile in force (`extended` or `seed`).
    pub profile: String,
}

/// Tokens whose presence (lower-cased) marks a user agent as a browser (seed step 3).
pub(crate) const BROWSER_TOKENS: &[&str] = &["chrome/", "firefox/", "safari/", "edg/", "msie", "trident/", "opera/"];

/// Tokens that mark a user agent as a program even when it carries browser
/// tokens (extended profile): Electron apps, PowerShell, headless browsers.
pub(crate) const PROGRAMMATIC_TOKENS: &[&str] = &["electron/", "powershell/", "windowspowershell/", "headlesschrome"];

/// Path segments that mark an API endpoint (seed step 4): `/` followed by one of these.
pub(crate) const SEED_ENDPOINT_TOKENS: &[&str] = &["v1", "v2", "api", "chat", "completions", "embeddings", "images", "audio", "generate", "models"];

/// Extra path segments in the extended profile: Bedrock `/model/{id}/invoke`,
/// Azure `/openai/deployments/...`, OpenAI `/responses`, Anthropic-style
/// `/messages`, Hugging Face `/inference`.
pub(crate) const EXTENDED_ENDPOINT_TOKENS: &[&str] = &["model", "openai", "responses", "messages", "inference"];

/// The seed's source categories (step 1).
pub(crate) const SEED_SOURCE_CATEGORIES: &[&str] = &["proxy", "network/proxy", "bluecoat", "squid"];

/// A compiled allowlist condition set; empty lists mean "any".
#[derive(Debug, Clone, Default)]
pub(crate) struct Conditions {
    pub cidrs: Vec<IpNet>,
    pub users: Vec<String>,      // lower-cased
    pub user_agents: Vec<Glob>, // lower-cased
}

/// A per-host exception.
#[derive(Debug, Clone)]
pub(crate) struct Exception {
    pub hosts: HostMatcher,
    pub when: Conditions,
    pub reason: String,
}

/// A case-insensitive glob where `*` matches any run of characters.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    parts: Vec<String>,
    anchored_start: bool,
    anchored_end: bool,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        let lower = pattern.to_lowercase();
        Glob {
            anchored_start: !lower.starts_with('*'),
            anchored_end: !lower.ends_with('*'),
            parts: lower.split('*').filter(|p| !p.is_empty()).map(str::to_string).collect(),
        }
    }

    /// `text` must already be lower-cased.
    pub fn matches(&self, text: &str) -> bool {
        let mut rest = text;
        for (i, part) in self.parts.iter().enumerate() {
            let last = i + 1 == self.parts.len();
            if i == 0 && self.anchored_start {
                match rest.strip_prefix(part.as_str()) {
                    Some(r) => rest = r,
                    None => return false,
                }
                if last && self.anchored_end && !rest.is_empty() {
                    return false;
                }
                continue;
            }
            if last && self.anchored_end {
                return rest.ends_with(part.as_str());
            }
            match rest.find(part.as_str()) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        !(self.parts.is_empty() && self.anchored_start && self.anchored_end && !text.is_empty())
    }
}

/// The detection, configured and ready to evaluate events.
///
/// ```
/// use aiwatch_rule::{Rule, Config};
/// let rule = Rule::new(&Config::default()).unwrap();
/// assert_eq!(rule.metadata().technique, "T1588");
/// assert!(rule.hosts().find("api.openai.com").is_some());
/// ```
#[derive(Debug, Clone)]
pub struct Rule {
    pub(crate) config: Config,
    pub(crate) profile: Profile,
    pub(crate) min_score: u32,
    pub(crate) large_payload_bytes: u64,
    pub(crate) hosts: HostMatcher,
    pub(crate) programmatic_tokens: Vec<String>,
    pub(crate) endpoint_tokens: Vec<&'static str>,
    pub(crate) source_categories: Vec<String>,
    pub(crate) allow: Conditions,
    pub(crate) allow_any: bool,
    pub(crate) exceptions: Vec<Exception>,
    pub(crate) max_groups: usize,
    pub(crate) max_errors_listed: usize,
    /// Built on first use: only faces that skip parsing (the Fluent Bit
    /// filter) consult it, and building its DFA costs about 2 ms.
    pub(crate) prefilter: std::sync::OnceLock<Prefilter>,
}

/// Default cap on distinct (src_ip, user) groups.
pub const DEFAULT_MAX_GROUPS: usize = 1_000_000;
/// Default cap on line errors listed with their reasons.
pub const DEFAULT_MAX_ERRORS_LISTED: usize = 1000;

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), reason: reason.into() }
}

fn compile_conditions(prefix: &str, cidrs: &[String], users: &[String], uas: &[String]) -> Result<Conditions, ConfigError> {
    let mut out = Conditions::default();
    for (i, c) in cidrs.iter().enumerate() {
        let net = c
            .trim()
            .parse::<IpNet>()
            .or_else(|_| c.trim().parse::<std::net::IpAddr>().map(IpNet::from))
            .map_err(|_| invalid(format!("{prefix}src_cidrs[{i}]"), format!("{c:?} is not an IP network (e.g. 10.0.0.0/8) or address")))?;
        out.cidrs.push(net);
    }
    for (i, u) in users.iter().enumerate() {
        if u.trim().is_empty() {
            return Err(invalid(format!("{prefix}users[{i}]"), "is empty"));
        }
        out.users.push(u.trim().to_lowercase());
    }
    for (i, g) in uas.iter().enumerate() {
        if g.trim().is_empty() {
            return Err(invalid(format!("{prefix}user_agents[{i}]"), "is empty"));
        }
        out.user_agents.push(Glob::new(g.trim()));
    }
    Ok(out)
}

impl Rule {
    /// Validates and compiles a config. Errors name the offending key.
    pub fn new(config: &Config) -> Result<Rule, ConfigError> {
        let profile = config.profile();
        let extended = profile == Profile::Extended;

        let min_score = config.min_score.unwrap_or(1);
        if !(1..=3).contains(&min_score) {
            return Err(invalid("min_score", format!("must be 1, 2 or 3 (the score is the sum of three signals), got {min_score}")));
        }
        let large_payload_bytes = config.large_payload_bytes.unwrap_or(50_000);

        let catalogue = config.hosts.catalogue.unwrap_or(if extended { Catalogue::Extended } else { Catalogue::Seed });
        let base = match catalogue {
            Catalogue::Seed => SEED_HOSTS,
            Catalogue::Extended => EXTENDED_HOSTS,
        };
        let mut hosts = HostMatcher::new(base.iter().map(|e| (e.provider, e.pattern))).expect("built-in catalogue compiles");
        for (i, pattern) in config.hosts.remove.iter().enumerate() {
            if !hosts.remove(pattern) {
                return Err(invalid(format!("hosts.remove[{i}]"), format!("{pattern:?} is not in the {} catalogue", match catalogue {
                    Catalogue::Seed => "seed",
                    Catalogue::Extended => "extended",
                })));
            }
        }
        for (i, extra) in config.hosts.extra.iter().enumerate() {
            let (provider, pattern) = match extra {
                ExtraHost::Pattern(p) => ("Custom", p.as_str()),
                ExtraHost::Named { pattern, provider } => (provider.as_str(), pattern.as_str()),
            };
            hosts.add(provider, pattern).map_err(|e| invalid(format!("hosts.extra[{i}]"), e.reason))?;
        }

        let mut programmatic_tokens: Vec<String> = Vec::new();
        if config.browser.programmatic_exceptions.unwrap_or(extended) {
            programmatic_tokens.extend(PROGRAMMATIC_TOKENS.iter().map(|s| s.to_string()));
        }
        for (i, t) in config.browser.extra_programmatic_tokens.iter().enumerate() {
            if t.trim().is_empty() {
                return Err(invalid(format!("browser.extra_programmatic_tokens[{i}]"), "is empty"));
            }
            programmatic_tokens.push(t.trim().to_lowercase());
        }

        let mut endpoint_tokens = SEED_ENDPOINT_TOKENS.to_vec();
        if config.endpoints.extended_paths.unwrap_or(extended) {
            endpoint_tokens.extend_from_slice(EXTENDED_ENDPOINT_TOKENS);
        }

        let source_categories = match &config.scope.source_categories {
            Some(list) => list.iter().map(|s| s.trim().to_lowercase()).collect(),
            None => SEED_SOURCE_CATEGORIES.iter().map(|s| s.to_string()).collect(),
        };

        let a = &config.allowlist;
        let allow = compile_conditions("allowlist.", &a.src_cidrs, &a.users, &a.user_agents)?;
        let allow_any = !(allow.cidrs.is_empty() && allow.users.is_empty() && allow.user_agents.is_empty());
        let mut exceptions = Vec::new();
        for (i, ex) in a.exceptions.iter().enumerate() {
            let prefix = format!("allowlist.exceptions[{i}].");
            let hosts = HostMatcher::new([("exception", ex.host.as_str())]).map_err(|e| invalid(format!("{prefix}host"), e.reason))?;
            let when = compile_conditions(&prefix, &ex.src_cidrs, &ex.users, &ex.user_agents)?;
            let reason = ex.reason.clone().unwrap_or_else(|| format!("exception for {}", ex.host));
            exceptions.push(Exception { hosts, when, reason });
        }

        let max_groups = config.limits.max_groups.unwrap_or(DEFAULT_MAX_GROUPS);
        if max_groups == 0 {
            return Err(invalid("limits.max_groups", "must be at least 1"));
        }
        let max_errors_listed = config.limits.max_errors_listed.unwrap_or(DEFAULT_MAX_ERRORS_LISTED);

        Ok(Rule {
            config: config.clone(),
            profile,
            min_score,
            large_payload_bytes,
            hosts,
            programmatic_tokens,
            endpoint_tokens,
            source_categories,
            allow,
            allow_any,
            exceptions,
            max_groups,
            max_errors_listed,
            prefilter: std::sync::OnceLock::new(),
        })
    }

    /// Parses and compiles a TOML tuning file.
    pub fn from_toml(text: &str) -> Result<Rule, ConfigError> {
        Rule::new(&Config::from_toml(text)?)
    }

    /// The config this rule was built from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The profile in force.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The AI-host matcher in force (catalogue plus config changes).
    pub fn hosts(&self) -> &HostMatcher {
        &self.hosts
    }

    /// The upload size above which the large-payload signal fires.
    pub fn large_payload_bytes(&self) -> u64 {
        self.large_payload_bytes
    }

    /// The minimum score of a finding.
    pub fn min_score(&self) -> u32 {
        self.min_score
    }

    /// The rule's metadata.
    pub fn metadata(&self) -> Metadata {
        Metadata {
            id: "aiwatch-t1588.007-genai-api".into(),
            name: "Programmatic use of generative-AI APIs".into(),
            version: crate::VERSION.into(),
            description: "Non-browser clients calling generative-AI inference APIs through the web proxy, scored by API path, POST and upload size; large uploads may be data leaving the company.".into(),
            tactic: "Resource Development".into(),
            technique: "T1588".into(),
            subtechnique: "T1588.007".into(),
            severity: "medium".into(),
            confidence: "medium".into(),
            profile: self.profile.name().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_are_case_insensitive_and_anchored() {
        let g = Glob::new("*GitHub-Actions*");
        assert!(g.matches("curl/8 github-actions/2.3"));
        assert!(!g.matches("curl/8"));
        let g = Glob::new("Jenkins/*");
        assert!(g.matches("jenkins/2.401"));
        assert!(!g.matches("x jenkins/2.401"));
        let g = Glob::new("exact-agent");
        assert!(g.matches("exact-agent"));
        assert!(!g.matches("exact-agent/2"));
        let g = Glob::new("a*c");
        assert!(g.matches("abc") && g.matches("ac") && !g.matches("abd"));
    }

    #[test]
    fn invalid_values_name_their_key() {
        let e = Rule::from_toml("[allowlist]\nsrc_cidrs = [\"10.0.0.0/8\", \"nope\"]").unwrap_err();
        assert!(e.to_string().contains("allowlist.src_cidrs[1]"), "{e}");
        let e = Rule::from_toml("min_score = 7").unwrap_err();
        assert!(e.to_string().contains("min_score"), "{e}");
        let e = Rule::from_toml("[hosts]\nremove = [\"example.com\"]").unwrap_err();
        assert!(e.to_string().contains("hosts.remove[0]"), "{e}");
        let e = Rule::from_toml("[hosts]\nextra = [\"a**b\"]").unwrap_err();
        assert!(e.to_string().contains("hosts.extra[0]"), "{e}");
        let e = Rule::from_toml("[[allowlist.exceptions]]\nhost = \"api.openai.com\"\nusers = [\"\"]").unwrap_err();
        assert!(e.to_string().contains("allowlist.exceptions[0].users[0]"), "{e}");
    }
}
