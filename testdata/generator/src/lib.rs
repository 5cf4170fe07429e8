//! Deterministic generator of realistic mixed proxy-log traffic in every
//! format aiwatch reads, for benchmarks, soak tests and equivalence tests.
//! The `aiwatch-loggen` binary is its command line.
//!
//! The share of AI-API lines is a parameter (default 1%); those are mostly
//! programmatic clients (SDKs, curl, PowerShell) with some browsers, and a
//! few large uploads. The rest is ordinary browsing and SaaS traffic.
//!
//! ```
//! use aiwatch_loggen::{generate, Format, Params};
//! let mut log = Vec::new();
//! let p = Params { format: Format::SquidExtensive, size: 10_000, ai_share: 0.05, seed: 7 };
//! let records = generate(&p, &mut log).unwrap();
//! assert!(log.len() >= 10_000 && records > 10);
//! ```

use std::io::{self, Write};

mod formats;

pub use formats::Format;
use formats::Record;

/// SplitMix64: tiny, fast and good enough for synthetic traffic; fixed so a
/// seed reproduces the same file on every machine and version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() >> 32) * n) >> 32
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.61",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
];

const PROGRAMS: &[&str] = &[
    "OpenAI/Python 1.51.0",
    "AsyncOpenAI/Python 1.40.0",
    "anthropic-sdk-python/0.34.2",
    "python-requests/2.31.0",
    "python-httpx/0.27.0",
    "curl/8.5.0",
    "curl/7.81.0",
    "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; en-US) PowerShell/7.4.1",
    "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.3570",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "OpenAI/JS 4.28.0",
    "Go-http-client/2.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Cursor/0.42.3 Chrome/124.0.6367.243 Electron/30.4.0 Safari/537.36",
];

const SAAS_PROGRAMS: &[&str] = &["Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)", "Teams/1.6.00.4472", "Slack/4.35.126", "git/2.43.0", "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.71", "Debian APT-HTTP/1.3 (2.6.1)"];

const PLAIN_HOSTS: &[&str] = &[
    "www.google.com", "outlook.office365.com", "teams.microsoft.com", "login.microsoftonline.com", "github.com", "api.github.com", "objects.githubusercontent.com",
    "slack.com", "edgeapi.slack.com", "cdn.jsdelivr.net", "fonts.gstatic.com", "www.youtube.com", "i.ytimg.com", "www.linkedin.com", "static.licdn.com",
    "update.googleapis.com", "clients4.google.com", "www.bing.com", "www.example.com", "intranet.corp.example", "jira.corp.example", "confluence.corp.example",
    "deb.debian.org", "pypi.org", "files.pythonhosted.org", "registry.npmjs.org", "s3.amazonaws.com", "d1.awsstatic.com", "www.wikipedia.org", "upload.wikimedia.org",
    "zoom.us", "us05web.zoom.us", "www.salesforce.com", "na1.salesforce.com", "api.openai.com.evil.test", "xapi.openai.com",
];

const PLAIN_PATHS: &[&str] = &["/", "/index.html", "/search?q=quarterly+report", "/favicon.ico", "/static/js/app.3f9c1.js", "/api/v2/users/me", "/owa/", "/v1/objects/batch", "/images/logo.png", "/rest/api/2/issue/PRJ-1234", "/simple/requests/", "/wiki/Main_Page"];

/// (host, path) of AI API calls, by provider.
const AI_CALLS: &[(&str, &str)] = &[
    ("api.openai.com", "/v1/chat/completions"),
    ("api.openai.com", "/v1/embeddings"),
    ("api.openai.com", "/v1/responses"),
    ("api.openai.com", "/v1/files"),
    ("api.anthropic.com", "/v1/messages"),
    ("generativelanguage.googleapis.com", "/v1beta/models/gemini-1.5-pro:generateContent"),
    ("us-central1-aiplatform.googleapis.com", "/v1/projects/acme/locations/us-central1/publishers/google/models/gemini-1.5-pro:generateContent"),
    ("contoso-eus.openai.azure.com", "/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01"),
    ("bedrock-runtime.us-east-1.amazonaws.com", "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/invoke"),
    ("api.mistral.ai", "/v1/chat/completions"),
    ("api.groq.com", "/openai/v1/chat/completions"),
    ("api.together.xyz", "/v1/completions"),
    ("api.deepseek.com", "/chat/completions"),
    ("openrouter.ai", "/api/v1/chat/completions"),
    ("api-inference.huggingface.co", "/models/meta-llama/Llama-3.1-8B-Instruct"),
    ("api.cohere.com", "/v2/chat"),
];

/// Generation parameters.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// The log format written.
    pub format: Format,
    /// Bytes to write at least: generation stops after the line that
    /// reaches it.
    pub size: u64,
    /// Share of lines that are AI-API calls, 0 to 1.
    pub ai_share: f64,
    /// Seed: the same parameters give the same bytes on every machine.
    pub seed: u64,
}

/// Draws the next record of the traffic model.
fn record(rng: &mut Rng, p: &Params, time_ms: i64) -> Record {
    let ai = rng.chance(p.ai_share);
    // AI API traffic comes from a few developer machines and servers, as in
    // real networks; browsing comes from everyone.
    let client = if ai { rng.below(24) * 25 } else { rng.below(600) };
    let src_ip = if client % 97 == 5 { format!("2001:db8:10::{:x}", client) } else { format!("10.{}.{}.{}", 10 + client / 250, client % 250, 10 + client % 200) };
    let user = if client % 11 == 0 { None } else { Some(format!("user{client:04}")) };
    if ai {
        let (host, path) = *rng.pick(AI_CALLS);
        let ua = if rng.chance(0.85) { *rng.pick(PROGRAMS) } else { *rng.pick(BROWSERS) };
        let method = if rng.chance(0.85) { "POST" } else { "GET" };
        let up = if method == "GET" { 300 + rng.below(400) } else if rng.chance(0.03) { 50_001 + rng.below(2_000_000) } else { 400 + rng.below(6_000) };
        Record { time_ms, src_ip, user, method, host: host.to_string(), path: path.to_string(), ua: ua.to_string(), bytes_up: up, bytes_down: 500 + rng.below(20_000), status: 200 }
    } else {
        let host = *rng.pick(PLAIN_HOSTS);
        let ua = if rng.chance(0.85) { *rng.pick(BROWSERS) } else { *rng.pick(SAAS_PROGRAMS) };
        let r = rng.below(100);
        let (method, path) = if r < 6 { ("CONNECT", String::new()) } else if r < 20 { ("POST", rng.pick(PLAIN_PATHS).to_string()) } else { ("GET", rng.pick(PLAIN_PATHS).to_string()) };
        let status = *rng.pick(&[200, 200, 200, 200, 204, 301, 302, 304, 403, 404]);
        Record { time_ms, src_ip, user, method, host: host.to_string(), path, ua: ua.to_string(), bytes_up: 200 + rng.below(3_000), bytes_down: rng.below(200_000), status }
    }
}

/// Writes the log described by `p` to `out`; returns the number of
/// records written (header lines are not counted).
pub fn generate(p: &Params, out: &mut dyn Write) -> io::Result<u64> {
    let mut rng = Rng(p.seed);
    let mut written = 0u64;
    let mut line = String::with_capacity(1024);
    let header = p.format.header();
    out.write_all(header.as_bytes())?;
    written += header.len() as u64;
    let mut time_ms: i64 = 1_701_561_600_000; // 2023-12-03T00:00:00Z
    let mut lines = 0u64;
    while written < p.size {
        time_ms += rng.below(40) as i64;
        let rec = record(&mut rng, p, time_ms);
        line.clear();
        p.format.write(&rec, &mut line);
        line.push('\n');
        out.write_all(line.as_bytes())?;
        written += line.len() as u64;
        lines += 1;
    }
    out.flush()?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes() {
        for f in Format::ALL {
            let p = Params { format: f, size: 20_000, ai_share: 0.05, seed: 9 };
            let (mut a, mut b) = (Vec::new(), Vec::new());
            generate(&p, &mut a).unwrap();
            generate(&p, &mut b).unwrap();
            assert_eq!(a, b);
            assert!(a.len() >= 20_000);
        }
    }
}
