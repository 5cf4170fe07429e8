//! Scoring one event: scope, AI host, browser test, signals, allowlists.
//!
//! The steps follow the seed query (SPEC §2) in order; each verdict says
//! which step decided it so stats and explanations can show the funnel.

use std::net::IpAddr;

use serde::Serialize;

use crate::event::Event;
use crate::rule::{Conditions, Rule, BROWSER_TOKENS};

/// The three signals of the seed query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Signals {
    /// The path looks like an API endpoint (`/v1`, `/chat`, ...).
    pub api_endpoint: bool,
    /// The method is POST.
    pub post: bool,
    /// The upload exceeds `large_payload_bytes`.
    pub large_payload: bool,
}

impl Signals {
    /// The suspicion score: the number of signals that fired.
    pub fn score(self) -> u32 {
        self.api_endpoint as u32 + self.post as u32 + self.large_payload as u32
    }

    /// Names of the signals that fired, in a fixed order.
    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::with_capacity(3);
        if self.api_endpoint {
            v.push("api_endpoint");
        }
        if self.post {
            v.push("post");
        }
        if self.large_payload {
            v.push("large_payload");
        }
        v
    }
}

/// An event the rule reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<'r> {
    /// Suspicion score (1–3).
    pub score: u32,
    /// The signals that fired.
    pub signals: Signals,
    /// Provider named by the matching catalogue entry.
    pub provider: &'r str,
    /// The catalogue pattern that matched the host.
    pub host_pattern: &'r str,
    /// The upload size the score used (missing counts as 0).
    pub bytes_uploaded: u64,
}

/// What the rule decided about one event, and at which step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'r> {
    /// Step 1: the record's `_sourceCategory` is not a proxy source.
    OutOfScope,
    /// Step 2: the destination is not an AI API host.
    NotAiHost,
    /// Step 3: a browser made the request.
    Browser,
    /// Step 7: score below `min_score`.
    BelowMinScore(u32),
    /// A finding suppressed by the allowlist; the reason names the entry.
    Allowlisted(String),
    /// A finding.
    Finding(Finding<'r>),
}

impl Verdict<'_> {
    /// The finding, if this verdict is one.
    pub fn finding(&self) -> Option<&Finding<'_>> {
        match self {
            Verdict::Finding(f) => Some(f),
            _ => None,
        }
    }
}

impl Rule {
    /// Whether the raw line could name an AI host. Lines for which this is
    /// false always evaluate to [`Verdict::NotAiHost`] (or out of scope).
    pub fn is_candidate(&self, line: &[u8]) -> bool {
        self.prefilter.get_or_init(|| crate::prefilter::Prefilter::new(&self.hosts.literals())).is_candidate(line)
    }

    /// Evaluates one event.
    ///
    /// ```
    /// use aiwatch_rule::{Rule, Config, Event, Verdict};
    /// let rule = Rule::new(&Config::default()).unwrap();
    /// let ev = Event {
    ///     host: Some("api.openai.com".into()),
    ///     method: Some("POST".into()),
    ///     path: Some("/v1/chat/completions".into()),
    ///     user_agent: Some("OpenAI/Python 1.51.0".into()),
    ///     ..Event::default()
    /// };
    /// let Verdict::Finding(f) = rule.evaluate(&ev) else { panic!() };
    /// assert_eq!(f.score, 2);
    /// assert_eq!(f.provider, "OpenAI");
    /// ```
    pub fn evaluate(&self, ev: &Event<'_>) -> Verdict<'_> {
        if let Some(cat) = ev.source_category.as_deref() {
            let cat = cat.trim().to_lowercase();
            if !self.source_categories.iter().any(|c| *c == cat) {
                return Verdict::OutOfScope;
            }
        }
        let Some(host) = ev.host.as_deref() else { return Verdict::NotAiHost };
        let Some(hit) = self.hosts.find(host) else { return Verdict::NotAiHost };
        let ua_lower = ev.user_agent.as_deref().map(str::to_lowercase);
        if let Some(ua) = &ua_lower {
            if self.is_browser(ua) {
                return Verdict::Browser;
            }
        }
        let bytes_uploaded = ev.bytes_uploaded.unwrap_or(0);
        let signals = Signals {
            api_endpoint: ev.path.as_deref().is_some_and(|p| self.is_api_path(p)),
            post: ev.method.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("POST")),
            large_payload: bytes_uploaded > self.large_payload_bytes,
        };
        let score = signals.score();
        if score < self.min_score {
            return Verdict::BelowMinScore(score);
        }
        if let Some(reason) = self.allowlisted(ev, host, ua_lower.as_deref()) {
            return Verdict::Allowlisted(reason);
        }
        Verdict::Finding(Finding { score, signals, provider: hit.provider, host_pattern: hit.pattern, bytes_uploaded })
    }

    /// Seed step 3, with the extended profile's programmatic exceptions.
    /// `ua` is lower-cased.
    pub(crate) fn is_browser(&self, ua: &str) -> bool {
        if self.programmatic_tokens.iter().any(|t| ua.contains(t.as_str())) {
            return false;
        }
        BROWSER_TOKENS.iter().any(|t| ua.contains(t))
    }

    /// Seed step 4: `/` immediately followed by an endpoint token, case-sensitive.
    pub(crate) fn is_api_path(&self, path: &str) -> bool {
        let bytes = path.as_bytes();
        memchr::memchr_iter(b'/', bytes).any(|i| {
            let rest = &path[i + 1..];
            self.endpoint_tokens.iter().any(|t| rest.starts_with(t))
        })
    }

    fn allowlisted(&self, ev: &Event<'_>, host: &str, ua: Option<&str>) -> Option<String> {
        if self.allow_any {
            if let Some(what) = any_condition(&self.allow, ev, ua) {
                return Some(format!("allowlisted {what}"));
            }
        }
        self.exceptions
            .iter()
            .find(|ex| ex.hosts.find(host).is_some() && all_conditions(&ex.when, ev, ua))
            .map(|ex| ex.reason.clone())
    }
}

fn ip_in(nets: &[ipnet::IpNet], ev: &Event<'_>) -> bool {
    ev.src_ip.as_deref().and_then(|s| s.trim_matches(['[', ']']).parse::<IpAddr>().ok()).is_some_and(|ip| nets.iter().any(|n| n.contains(&ip)))
}

fn user_in(users: &[String], ev: &Event<'_>) -> bool {
    ev.user.as_deref().is_some_and(|u| {
        let u = u.to_lowercase();
        users.iter().any(|x| *x == u)
    })
}

fn ua_in(globs: &[crate::rule::Glob], ua: Option<&str>) -> bool {
    ua.is_some_and(|ua| globs.iter().any(|g| g.matches(ua)))
}

/// Global allowlist: any one list matching is enough. Returns what matched.
fn any_condition(c: &Conditions, ev: &Event<'_>, ua: Option<&str>) -> Option<&'static str> {
    if ip_in(&c.cidrs, ev) {
        Some("source network")
    } else if user_in(&c.users, ev) {
        Some("user")
    } else if ua_in(&c.user_agents, ua) {
        Some("user agent")
    } else {
        None
    }
}

/// Host exception: every list given must match.
fn all_conditions(c: &Conditions, ev: &Event<'_>, ua: Option<&str>) -> bool {
    (c.cidrs.is_empty() || ip_in(&c.cidrs, ev)) && (c.users.is_empty() || user_in(&c.users, ev)) && (c.user_agents.is_empty() || ua_in(&c.user_agents, ua))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn ev<'a>(host: &'a str, method: &'a str, path: &'a str, ua: Option<&'a str>, bytes: u64) -> Event<'a> {
        Event {
            host: Some(host.into()),
            method: Some(method.into()),
            path: Some(path.into()),
            user_agent: ua.map(Into::into),
            bytes_uploaded: Some(bytes),
            src_ip: Some("10.1.2.3".into()),
            user: Some("alice".into()),
            ..Event::default()
        }
    }

    fn seed() -> Rule {
        Rule::from_toml("profile = \"seed\"").unwrap()
    }

    #[test]
    fn seed_scores_sum_three_signals() {
        let r = seed();
        let Verdict::Finding(f) = r.evaluate(&ev("api.openai.com", "POST", "/v1/chat/completions", Some("curl/8.5.0"), 60_000)) else { panic!() };
        assert_eq!(f.score, 3);
        assert_eq!(r.evaluate(&ev("api.openai.com", "GET", "/", Some("curl/8.5.0"), 0)), Verdict::BelowMinScore(0));
        assert_eq!(r.evaluate(&ev("api.openai.com", "GET", "/", None, 50_000)), Verdict::BelowMinScore(0));
        assert!(matches!(r.evaluate(&ev("api.openai.com", "GET", "/", None, 50_001)), Verdict::Finding(_)));
    }

    #[test]
    fn endpoint_test_is_case_sensitive_substring_after_slash() {
        let r = seed();
        assert!(r.is_api_path("/v1beta/models/gemini:generateContent"));
        assert!(r.is_api_path("/openai/v1/chat"));
        assert!(!r.is_api_path("/V1/CHAT"));
        assert!(!r.is_api_path("v1"));
        assert!(!r.is_api_path("/model/anthropic.claude/invoke"));
        let ext = Rule::new(&Config::default()).unwrap();
        assert!(ext.is_api_path("/model/anthropic.claude/invoke"));
    }

    #[test]
    fn browsers_are_dropped_but_programs_with_browser_tokens_are_not_in_extended() {
        let electron = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) MyApp/1.2 Chrome/120.0 Electron/28.1.0 Safari/537.36";
        let pwsh = "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; en-US) PowerShell/7.4.1";
        let e = ev("api.openai.com", "POST", "/v1/chat/completions", Some(electron), 10);
        assert_eq!(seed().evaluate(&e), Verdict::Browser);
        assert!(matches!(Rule::new(&Config::default()).unwrap().evaluate(&e), Verdict::Finding(_)));
        // PowerShell's UA has no browser token, so both profiles keep it.
        let p = ev("api.openai.com", "POST", "/v1/chat/completions", Some(pwsh), 10);
        assert!(matches!(seed().evaluate(&p), Verdict::Finding(_)));
    }

    #[test]
    fn source_category_scope_is_case_insensitive() {
        let r = seed();
        let mut e = ev("api.openai.com", "POST", "/v1/x", None, 0);
        e.source_category = Some("Network/Proxy".into());
        assert!(matches!(r.evaluate(&e), Verdict::Finding(_)));
        e.source_category = Some("firewall".into());
        assert_eq!(r.evaluate(&e), Verdict::OutOfScope);
    }

    #[test]
    fn allowlists_suppress_and_say_why() {
        let r = Rule::from_toml(
            r#"
[allowlist]
src_cidrs = ["10.9.0.0/16"]
user_agents = ["*github-actions*"]
[[allowlist.exceptions]]
host = "*.openai.azure.com"
users = ["svc-copilot"]
reason = "internal copilot"
"#,
        )
        .unwrap();
        let mut e = ev("api.openai.com", "POST", "/v1/x", Some("curl/8 GitHub-Actions/2"), 0);
        assert_eq!(r.evaluate(&e), Verdict::Allowlisted("allowlisted user agent".into()));
        e.user_agent = None;
        e.src_ip = Some("10.9.3.4".into());
        assert_eq!(r.evaluate(&e), Verdict::Allowlisted("allowlisted source network".into()));
        let mut a = ev("corp.openai.azure.com", "POST", "/openai/deployments/x/chat/completions", None, 0);
        assert!(matches!(r.evaluate(&a), Verdict::Finding(_)));
        a.user = Some("SVC-Copilot".into());
        assert_eq!(r.evaluate(&a), Verdict::Allowlisted("internal copilot".into()));
    }
}
