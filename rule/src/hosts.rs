//! The catalogue of generative-AI API hosts and the matcher over it.
//!
//! Patterns are host names whose labels may contain `*`:
//! - a leading `*.` matches one or more whole labels (`*.openai.azure.com`
//!   matches `myco.openai.azure.com` and `a.b.openai.azure.com`, not
//!   `openai.azure.com`);
//! - any other `*` matches one or more characters inside a single label
//!   (`bedrock-runtime.*.amazonaws.com`, `*-aiplatform.googleapis.com`).
//!
//! Matching is exact on normalized hosts, so `xapi.openai.com` and
//! `api.openai.com.evil.test` never match `api.openai.com`.

use rustc_hash::FxHashMap;

/// One catalogue entry: who runs the API and which hosts serve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostEntry {
    /// Human name of the provider, shown in findings ("OpenAI").
    pub provider: &'static str,
    /// Host pattern (see the module docs).
    pub pattern: &'static str,
}

const fn e(provider: &'static str, pattern: &'static str) -> HostEntry {
    HostEntry { provider, pattern }
}

/// The 13 hosts of the seed query, verbatim.
pub const SEED_HOSTS: &[HostEntry] = &[
    e("OpenAI", "api.openai.com"),
    e("Anthropic", "api.anthropic.com"),
    e("Google Gemini", "generativelanguage.googleapis.com"),
    e("Cohere", "api.cohere.ai"),
    e("Hugging Face", "api-inference.huggingface.co"),
    e("Mistral AI", "api.mistral.ai"),
    e("Together AI", "api.together.xyz"),
    e("Groq", "api.groq.com"),
    e("Perplexity", "api.perplexity.ai"),
    e("Replicate", "api.replicate.com"),
    e("Stability AI", "api.stability.ai"),
    e("AI21 Labs", "api.ai21.com"),
    e("Azure AI Inference", "inference.azure.com"),
];

/// The maintained extended catalogue: the seed's hosts plus every other
/// public generative-AI inference API we know of. Keep entries grouped by
/// provider and cite the provider's API reference when adding one.
pub const EXTENDED_HOSTS: &[HostEntry] = &[
    // OpenAI
    e("OpenAI", "api.openai.com"),
    e("OpenAI", "files.openai.com"),
    e("OpenAI", "realtime.openai.com"),
    // Anthropic
    e("Anthropic", "api.anthropic.com"),
    // Google Gemini and Vertex AI
    e("Google Gemini", "generativelanguage.googleapis.com"),
    e("Google Vertex AI", "aiplatform.googleapis.com"),
    e("Google Vertex AI", "*-aiplatform.googleapis.com"),
    // Microsoft Azure OpenAI / AI Foundry
    e("Azure OpenAI", "*.openai.azure.com"),
    e("Azure AI Foundry", "*.services.ai.azure.com"),
    e("Azure AI Inference", "*.inference.ai.azure.com"),
    e("Azure AI Inference", "inference.azure.com"),
    e("Azure AI Inference", "models.inference.ai.azure.com"),
    // AWS Bedrock
    e("AWS Bedrock", "bedrock-runtime.*.amazonaws.com"),
    e("AWS Bedrock", "bedrock-runtime-fips.*.amazonaws.com"),
    e("AWS Bedrock", "bedrock-agent-runtime.*.amazonaws.com"),
    e("AWS Bedrock", "bedrock-runtime.*.api.aws"),
    // Mistral
    e("Mistral AI", "api.mistral.ai"),
    e("Mistral AI", "codestral.mistral.ai"),
    // Cohere
    e("Cohere", "api.cohere.ai"),
    e("Cohere", "api.cohere.com"),
    // Groq, Together, Fireworks, DeepSeek, xAI, OpenRouter, Perplexity
    e("Groq", "api.groq.com"),
    e("Together AI", "api.together.xyz"),
    e("Together AI", "api.together.ai"),
    e("Fireworks AI", "api.fireworks.ai"),
    e("DeepSeek", "api.deepseek.com"),
    e("xAI", "api.x.ai"),
    e("OpenRouter", "openrouter.ai"),
    e("Perplexity", "api.perplexity.ai"),
    // Replicate, Stability, AI21
    e("Replicate", "api.replicate.com"),
    e("Stability AI", "api.stability.ai"),
    e("AI21 Labs", "api.ai21.com"),
    // Hugging Face
    e("Hugging Face", "api-inference.huggingface.co"),
    e("Hugging Face", "router.huggingface.co"),
    e("Hugging Face", "*.endpoints.huggingface.cloud"),
    // Cerebras, DeepInfra, NVIDIA, SambaNova, Anyscale, Lepton, Novita
    e("Cerebras", "api.cerebras.ai"),
    e("DeepInfra", "api.deepinfra.com"),
    e("NVIDIA NIM", "integrate.api.nvidia.com"),
    e("NVIDIA NIM", "ai.api.nvidia.com"),
    e("SambaNova", "api.sambanova.ai"),
    e("Novita AI", "api.novita.ai"),
    e("Hyperbolic", "api.hyperbolic.xyz"),
    e("Lambda", "api.lambdalabs.com"),
    // GitHub Copilot and GitHub Models
    e("GitHub Copilot", "api.githubcopilot.com"),
    e("GitHub Copilot", "api.*.githubcopilot.com"),
    e("GitHub Models", "models.github.ai"),
    // Chinese providers
    e("Moonshot AI", "api.moonshot.cn"),
    e("Moonshot AI", "api.moonshot.ai"),
    e("Zhipu AI", "open.bigmodel.cn"),
    e("Zhipu AI", "api.z.ai"),
    e("MiniMax", "api.minimax.chat"),
    e("MiniMax", "api.minimax.io"),
    e("MiniMax", "api.minimaxi.com"),
    e("Alibaba DashScope", "dashscope.aliyuncs.com"),
    e("Alibaba DashScope", "dashscope-intl.aliyuncs.com"),
    e("Baidu Qianfan", "qianfan.baidubce.com"),
    e("Baidu Qianfan", "aip.baidubce.com"),
    e("ByteDance Volcano Ark", "ark.*.volces.com"),
    e("Tencent Hunyuan", "hunyuan.tencentcloudapi.com"),
    e("01.AI", "api.lingyiwanwu.com"),
    e("StepFun", "api.stepfun.com"),
    e("SiliconFlow", "api.siliconflow.cn"),
    // Others
    e("Voyage AI", "api.voyageai.com"),
    e("Jina AI", "api.jina.ai"),
    e("ElevenLabs", "api.elevenlabs.io"),
    e("AssemblyAI", "api.assemblyai.com"),
    e("Deepgram", "api.deepgram.com"),
    e("Reka", "api.reka.ai"),
    e("Writer", "api.writer.com"),
    e("Aleph Alpha", "api.aleph-alpha.com"),
    e("IBM watsonx.ai", "*.ml.cloud.ibm.com"),
    e("Databricks Model Serving", "*.cloud.databricks.com"),
    e("Cloudflare Workers AI", "gateway.ai.cloudflare.com"),
    e("Vercel AI Gateway", "ai-gateway.vercel.sh"),
    e("Poe", "api.poe.com"),
    e("Runway", "api.dev.runwayml.com"),
    e("Black Forest Labs", "api.bfl.ml"),
    e("Black Forest Labs", "api.bfl.ai"),
    e("Luma AI", "api.lumalabs.ai"),
    e("Ideogram", "api.ideogram.ai"),
];

/// A host pattern compiled for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// No wildcard: compared for equality (via the exact map).
    Exact,
    /// `*.suffix`: one or more labels, then `.suffix`.
    Subdomains(String),
    /// Label by label; each label is (prefix, suffix) around an optional
    /// `*`. The `String` is the literal text after the last `*`, which a
    /// match must end with: checking it first rejects almost every host
    /// without splitting it into labels.
    Labels(Vec<LabelPattern>, String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelPattern {
    Literal(String),
    Glob { prefix: String, suffix: String },
}

impl LabelPattern {
    fn matches(&self, label: &str) -> bool {
        match self {
            LabelPattern::Literal(l) => l == label,
            LabelPattern::Glob { prefix, suffix } => {
                label.len() > prefix.len() + suffix.len() && label.starts_with(prefix.as_str()) && label.ends_with(suffix.as_str())
            }
        }
    }
}

/// A matched catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMatch<'m> {
    /// The provider named by the entry.
    pub provider: &'m str,
    /// The pattern that matched.
    pub pattern: &'m str,
}

/// An error in a host pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// Why it is not usable.
    pub reason: &'static str,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "host pattern {:?}: {}", self.pattern, self.reason)
    }
}

/// Matches normalized hosts against a set of patterns.
#[derive(Debug, Clone, Default)]
pub struct HostMatcher {
    entries: Vec<(String, String)>, // (provider, pattern)
    // Fx, not SipHash: the keys are fixed by the configuration and only
    // looked up with log data, so there is no flooding to defend against,
    // and SipHash was a tenth of the cost of matching a host.
    exact: FxHashMap<String, usize>,
    wild: Vec<(Pattern, usize)>,
}

impl HostMatcher {
    /// Builds a matcher from (provider, pattern) pairs. Later duplicates of an
    /// exact pattern are ignored so the first provider named wins.
    pub fn new<'p>(entries: impl IntoIterator<Item = (&'p str, &'p str)>) -> Result<Self, PatternError> {
        let mut m = HostMatcher::default();
        for (provider, pattern) in entries {
            m.add(provider, pattern)?;
        }
        Ok(m)
    }

    /// Adds one pattern.
    pub fn add(&mut self, provider: &str, pattern: &str) -> Result<(), PatternError> {
        let normalized = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
        let compiled = compile(&normalized).map_err(|reason| PatternError { pattern: pattern.to_string(), reason })?;
        let idx = self.entries.len();
        self.entries.push((provider.to_string(), normalized.clone()));
        match compiled {
            Pattern::Exact => {
                self.exact.entry(normalized).or_insert(idx);
            }
            other => self.wild.push((other, idx)),
        }
        Ok(())
    }

    /// Removes every entry whose pattern equals `pattern` (after
    /// normalization). Returns whether anything was removed.
    pub fn remove(&mut self, pattern: &str) -> bool {
        let normalized = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
        let before = self.exact.len() + self.wild.len();
        self.exact.remove(&normalized);
        let entries = &self.entries;
        self.wild.retain(|(_, i)| entries[*i].1 != normalized);
        before != self.exact.len() + self.wild.len()
    }

    /// The entries in the order they were added, as (provider, pattern).
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        let live: std::collections::HashSet<usize> = self.exact.values().copied().chain(self.wild.iter().map(|(_, i)| *i)).collect();
        self.entries.iter().enumerate().filter(move |(i, _)| live.contains(i)).map(|(_, (p, pat))| (p.as_str(), pat.as_str()))
    }

    /// Literal fragments every matching host must contain, for a prefilter:
    /// for exact patterns the whole host, for wildcards their longest literal piece.
    pub fn literals(&self) -> Vec<String> {
        let mut out: Vec<String> = self.entries().map(|(_, p)| longest_literal(p).to_string()).collect();
        out.sort();
        out.dedup();
        out
    }

    /// Looks up a normalized host.
    pub fn find(&self, host: &str) -> Option<HostMatch<'_>> {
        let idx = self.exact.get(host).copied().or_else(|| {
            self.wild.iter().find(|(p, _)| matches(p, host)).map(|(_, i)| *i)
        })?;
        let (provider, pattern) = &self.entries[idx];
        Some(HostMatch { provider, pattern })
    }
}

fn longest_literal(pattern: &str) -> &str {
    pattern.split('*').max_by_key(|s| s.len()).unwrap_or(pattern).trim_matches('.')
}

fn compile(pattern: &str) -> Result<Pattern, &'static str> {
    if pattern.is_empty() {
        return Err("is empty");
    }
    if !pattern.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'*' | b':')) {
        return Err("may only hold letters, digits, '.', '-', '_', ':' and '*'");
    }
    if longest_literal(pattern).is_empty() {
        return Err("needs a literal part, e.g. *.example.com");
    }
    if !pattern.contains('*') {
        return Ok(Pattern::Exact);
    }
    if let Some(suffix) = pattern.strip_prefix("*.") {
        if suffix.contains('*') || suffix.is_empty() {
            return Err("a leading '*.' must be followed by a literal domain");
        }
        return Ok(Pattern::Subdomains(format!(".{suffix}")));
    }
    let mut labels = Vec::new();
    for label in pattern.split('.') {
        match label.matches('*').count() {
            0 => labels.push(LabelPattern::Literal(label.to_string())),
            1 => {
                let (prefix, suffix) = label.split_once('*').expect("one star");
                labels.push(LabelPattern::Glob { prefix: prefix.to_string(), suffix: suffix.to_string() });
            }
            _ => return Err("a label may hold at most one '*'"),
        }
    }
    let tail = pattern.rsplit('*').next().unwrap_or("").to_string();
    Ok(Pattern::Labels(labels, tail))
}

fn matches(pattern: &Pattern, host: &str) -> bool {
    match pattern {
        Pattern::Exact => false,
        Pattern::Subdomains(suffix) => host.len() > suffix.len() && host.ends_with(suffix.as_str()) && !host[..host.len() - suffix.len()].ends_with('.'),
        Pattern::Labels(labels, tail) => {
            if !host.ends_with(tail.as_str()) {
                return false;
            }
            let mut n = 0;
            for (i, label) in host.split('.').enumerate() {
                match labels.get(i) {
                    Some(p) if p.matches(label) => n += 1,
                    _ => return false,
                }
            }
            n == labels.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extended() -> HostMatcher {
        HostMatcher::new(EXTENDED_HOSTS.iter().map(|e| (e.provider, e.pattern))).unwrap()
    }

    #[test]
    fn exact_hosts_match_only_exactly() {
        let m = extended();
        assert_eq!(m.find("api.openai.com").unwrap().provider, "OpenAI");
        assert!(m.find("xapi.openai.com").is_none());
        assert!(m.find("api.openai.com.evil.test").is_none());
        assert!(m.find("openai.com").is_none());
    }

    #[test]
    fn wildcards_follow_label_rules() {
        let m = extended();
        assert_eq!(m.find("contoso.openai.azure.com").unwrap().provider, "Azure OpenAI");
        assert_eq!(m.find("a.b.openai.azure.com").unwrap().provider, "Azure OpenAI");
        assert!(m.find("openai.azure.com").is_none());
        assert!(m.find("evil-openai.azure.com").is_none());
        assert_eq!(m.find("bedrock-runtime.us-east-1.amazonaws.com").unwrap().provider, "AWS Bedrock");
        assert!(m.find("bedrock-runtime.amazonaws.com").is_none());
        assert!(m.find("bedrock-runtime.a.b.amazonaws.com").is_none());
        assert_eq!(m.find("us-central1-aiplatform.googleapis.com").unwrap().provider, "Google Vertex AI");
        assert!(m.find("-aiplatform.googleapis.com").is_none());
    }

    #[test]
    fn every_extended_pattern_compiles_and_seed_is_a_subset() {
        let m = extended();
        for s in SEED_HOSTS {
            assert!(m.find(s.pattern).is_some(), "{} missing from extended", s.pattern);
        }
    }

    #[test]
    fn remove_drops_a_pattern() {
        let mut m = extended();
        assert!(m.remove("API.GROQ.COM"));
        assert!(m.find("api.groq.com").is_none());
        assert!(!m.remove("api.groq.com"));
    }

    #[test]
    fn bad_patterns_are_rejected() {
        assert!(HostMatcher::new([("x", "a**.b")]).is_err());
        assert!(HostMatcher::new([("x", "*.")]).is_err());
        assert!(HostMatcher::new([("x", "a b")]).is_err());
    }
}
