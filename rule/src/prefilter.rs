//! A multi-pattern prefilter over raw line bytes.
//!
//! A line can only produce a finding if its destination host matches the
//! catalogue, and every catalogue pattern has a literal piece the line must
//! then contain (case-insensitively). Lines with none of those pieces skip
//! evaluation entirely. JSON `\u` escapes could spell a host without its
//! literal bytes, so lines holding `\u` are always candidates: the prefilter
//! may let extra lines through, never hold a real one back.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Finds lines that might name an AI host.
#[derive(Debug, Clone)]
pub struct Prefilter {
    searcher: Option<AhoCorasick>,
}

impl Prefilter {
    /// Builds a prefilter for these literal host fragments.
    pub fn new(literals: &[String]) -> Prefilter {
        let mut patterns: Vec<&str> = literals.iter().map(String::as_str).filter(|s| !s.is_empty()).collect();
        if patterns.is_empty() {
            return Prefilter { searcher: None };
        }
        patterns.push("\\u");
        let searcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            // With 80 case-insensitive patterns nearly every byte starts a
            // possible match, so the start-byte prefilter only adds work; a
            // plain DFA walk is the fastest scan.
            .prefilter(false)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&patterns)
            .expect("host literals form a valid automaton");
        Prefilter { searcher: Some(searcher) }
    }

    /// Whether this line could name an AI host.
    pub fn is_candidate(&self, line: &[u8]) -> bool {
        match &self.searcher {
            Some(s) => s.is_match(line),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hosts_in_any_case_and_escapes() {
        let p = Prefilter::new(&["api.openai.com".into(), "openai.azure.com".into()]);
        assert!(p.is_candidate(b"1 2 GET https://API.OpenAI.com/v1"));
        assert!(p.is_candidate(b"x.openai.azure.com"));
        assert!(p.is_candidate(br#"{"host":"api\u002eopenai.com"}"#));
        assert!(!p.is_candidate(b"GET https://www.example.com/"));
    }
}
