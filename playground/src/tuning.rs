//! The tuning panel's form fields and how they map onto a [`Config`].
//!
//! The form edits a few common keys; everything else in the config (host
//! exceptions, removed hosts, scope, limits) comes from the TOML editor and
//! is kept as is when a form field changes.

use std::fmt;

use aiwatch_rule::config::ExtraHost;
use aiwatch_rule::Config;

/// The form as typed: strings, so a half-typed value is not rewritten
/// under the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// `""` (profile default) or `1`–`3`.
    pub min_score: String,
    /// Bytes; empty means the profile default (50000).
    pub large_payload_bytes: String,
    /// Allowlisted source networks, one per line.
    pub src_cidrs: String,
    /// Allowlisted users, one per line.
    pub users: String,
    /// Allowlisted user-agent globs, one per line.
    pub user_agents: String,
    /// Extra AI hosts, one per line: `pattern` or `pattern = Provider name`.
    pub extra_hosts: String,
}

/// A form field whose text cannot become a config value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// `min_score` is not 1, 2 or 3.
    MinScore(String),
    /// `large_payload_bytes` is not a whole number of bytes.
    LargePayload(String),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::MinScore(v) => write!(f, "min score {v:?} must be 1, 2 or 3"),
            FormError::LargePayload(v) => write!(f, "large payload {v:?} must be a whole number of bytes"),
        }
    }
}

impl std::error::Error for FormError {}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

impl Form {
    /// The form showing a config.
    pub fn from_config(c: &Config) -> Form {
        Form {
            min_score: c.min_score.map(|s| s.to_string()).unwrap_or_default(),
            large_payload_bytes: c.large_payload_bytes.map(|b| b.to_string()).unwrap_or_default(),
            src_cidrs: c.allowlist.src_cidrs.join("\n"),
            users: c.allowlist.users.join("\n"),
            user_agents: c.allowlist.user_agents.join("\n"),
            extra_hosts: c
                .hosts
                .extra
                .iter()
                .map(|h| match h {
                    ExtraHost::Pattern(p) => p.clone(),
                    ExtraHost::Named { pattern, provider } => format!("{pattern} = {provider}"),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// `base` with the form's keys replaced. Values are checked for shape
    /// here; [`aiwatch_rule::Rule::new`] checks their meaning.
    pub fn apply(&self, base: &Config) -> Result<Config, FormError> {
        let mut c = base.clone();
        let min = self.min_score.trim();
        c.min_score = if min.is_empty() {
            None
        } else {
            Some(min.parse().ok().filter(|s| (1..=3).contains(s)).ok_or_else(|| FormError::MinScore(min.to_string()))?)
        };
        let large = self.large_payload_bytes.trim().replace(['_', ','], "");
        c.large_payload_bytes = if large.is_empty() {
            None
        } else {
            Some(large.parse().map_err(|_| FormError::LargePayload(self.large_payload_bytes.trim().to_string()))?)
        };
        c.allowlist.src_cidrs = lines(&self.src_cidrs);
        c.allowlist.users = lines(&self.users);
        c.allowlist.user_agents = lines(&self.user_agents);
        c.hosts.extra = lines(&self.extra_hosts)
            .into_iter()
            .map(|l| match l.split_once('=') {
                Some((pattern, provider)) if !provider.trim().is_empty() => {
                    ExtraHost::Named { pattern: pattern.trim().to_string(), provider: provider.trim().to_string() }
                }
                Some((pattern, _)) => ExtraHost::Pattern(pattern.trim().to_string()),
                None => ExtraHost::Pattern(l),
            })
            .collect();
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiwatch_rule::{Profile, Rule};

    #[test]
    fn form_round_trips_a_config_and_keeps_other_keys() {
        let base = Config::from_toml(
            r#"
profile = "seed"
min_score = 2
large_payload_bytes = 1000
[hosts]
extra = ["llm.corp.example", { pattern = "*.gw.example", provider = "Gateway" }]
remove = ["api.groq.com"]
[allowlist]
src_cidrs = ["10.0.0.0/8"]
users = ["svc-ci"]
user_agents = ["*GitHub-Actions*"]
[[allowlist.exceptions]]
host = "api.openai.com"
users = ["svc-copilot"]
"#,
        )
        .unwrap();
        let form = Form::from_config(&base);
        assert_eq!(form.extra_hosts, "llm.corp.example\n*.gw.example = Gateway");
        assert_eq!(form.apply(&base), Ok(base.clone()));
        let mut edited = form.clone();
        edited.users = "svc-ci\n\n  svc-backup  \n".into();
        edited.min_score.clear();
        let c = edited.apply(&base).unwrap();
        assert_eq!(c.allowlist.users, ["svc-ci", "svc-backup"]);
        assert_eq!(c.min_score, None);
        assert_eq!(c.profile, Some(Profile::Seed));
        assert_eq!(c.allowlist.exceptions, base.allowlist.exceptions);
        assert_eq!(c.hosts.remove, base.hosts.remove);
        Rule::new(&c).unwrap();
    }

    #[test]
    fn bad_numbers_are_named() {
        let f = Form { large_payload_bytes: "50k".into(), ..Form::default() };
        assert_eq!(f.apply(&Config::default()), Err(FormError::LargePayload("50k".into())));
        let f = Form { large_payload_bytes: "1_000_000".into(), ..Form::default() };
        assert_eq!(f.apply(&Config::default()).unwrap().large_payload_bytes, Some(1_000_000));
        let f = Form { min_score: "4".into(), ..Form::default() };
        assert!(f.apply(&Config::default()).unwrap_err().to_string().contains("1, 2 or 3"));
    }

    #[test]
    fn empty_form_is_the_default_config() {
        assert_eq!(Form::default().apply(&Config::default()), Ok(Config::default()));
        assert_eq!(Form::from_config(&Config::default()), Form::default());
    }
}
