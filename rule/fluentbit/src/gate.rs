//! A conservative, skip-ahead test in front of [`Rule::is_candidate`].
//!
//! Fluent Bit interprets the module, where the library's Aho-Corasick scan
//! costs about 40 wasm instructions per record byte (measured with wasmtime
//! fuel): more than the rest of the common path together. Most records
//! name no AI host, so this gate answers the cheaper question "could any
//! catalogue literal occur here?" with a Wu-Manber scan that looks at one
//! two-byte block per step and usually skips several bytes at a time. When
//! the gate says yes, the library's prefilter and parser decide as usual;
//! when it says no, `Rule::is_candidate` would have said no too. That
//! implication is the gate's whole contract, and the tests check it against
//! the library on generated and real records.
//!
//! The gate mirrors the library's prefilter inputs exactly: the catalogue's
//! literal pieces ([`aiwatch_rule::hosts::HostMatcher::literals`]) matched
//! ASCII-case-insensitively, and any `\u` escape (which could spell a host
//! without its literal bytes).

use aiwatch_rule::Rule;

/// Two-byte blocks index a table of this many shifts.
const BLOCKS: usize = 1 << 16;

/// Below this shortest-literal length the skips are too small to pay for
/// themselves, and the gate lets everything through to the library.
const MIN_USEFUL_LITERAL: usize = 4;

/// The gate for one rule's host literals.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Shortest literal length (the Wu-Manber window); 0 disables the gate.
    window: usize,
    /// For each case-folded two-byte block: how far the window may move
    /// when the block ends it. 0 means a literal's window prefix ends here.
    shift: Vec<u8>,
    /// Literals by the block that ends their window prefix, sorted by block.
    ends: Vec<(u16, Box<[u8]>)>,
}

/// The table index of a two-byte block, exactly as the bytes are.
fn raw_block(a: u8, b: u8) -> usize {
    (usize::from(a) << 8) | usize::from(b)
}

/// The index of a block with ASCII case folded away.
fn block(a: u8, b: u8) -> usize {
    raw_block(a.to_ascii_lowercase(), b.to_ascii_lowercase())
}

/// Both cases of an ASCII letter; other bytes as they are.
fn cases(b: u8) -> [u8; 2] {
    [b.to_ascii_lowercase(), b.to_ascii_uppercase()]
}

impl Gate {
    /// The gate for `rule`'s host catalogue.
    pub fn new(rule: &Rule) -> Gate {
        Gate::for_literals(&rule.hosts().literals())
    }

    /// The gate for these literals (matched ASCII-case-insensitively).
    pub fn for_literals(literals: &[String]) -> Gate {
        let literals: Vec<Vec<u8>> = literals.iter().filter(|l| !l.is_empty()).map(|l| l.as_bytes().to_ascii_lowercase()).collect();
        let window = literals.iter().map(Vec::len).min().unwrap_or(0);
        if window < MIN_USEFUL_LITERAL {
            return Gate { window: 0, shift: Vec::new(), ends: Vec::new() };
        }
        // A window can move by at most window - 1 (a block is two bytes);
        // shifts are stored in a u8, which caps very long windows harmlessly.
        let default = u8::try_from(window - 1).unwrap_or(u8::MAX);
        let mut shift = vec![default; BLOCKS];
        let mut ends = Vec::with_capacity(literals.len());
        for lit in literals {
            for j in 1..window {
                let s = u8::try_from(window - 1 - j).unwrap_or(u8::MAX);
                // Every case variant gets the shift, so the scan indexes the
                // table with raw bytes and folds case only when verifying.
                for a in cases(lit[j - 1]) {
                    for b in cases(lit[j]) {
                        let slot = &mut shift[raw_block(a, b)];
                        *slot = (*slot).min(s);
                    }
                }
            }
            ends.push((block(lit[window - 2], lit[window - 1]) as u16, lit.into_boxed_slice()));
        }
        ends.sort();
        Gate { window, shift, ends }
    }

    /// False only if no literal and no `\u` escape occurs in `hay`
    /// (ASCII case ignored), so `Rule::is_candidate(hay)` is false too.
    pub fn may_match(&self, hay: &[u8]) -> bool {
        has_unicode_escape(hay) || self.may_hold_literal(hay)
    }

    /// False only if no literal occurs in `hay` (ASCII case ignored). The
    /// `\u` half of [`Gate::may_match`] is left to the caller, who may
    /// find it in a pass it makes anyway.
    pub fn may_hold_literal(&self, hay: &[u8]) -> bool {
        if self.window == 0 {
            return true;
        }
        let w = self.window;
        let mut end = w - 1;
        while end < hay.len() {
            let s = self.shift[raw_block(hay[end - 1], hay[end])];
            if s > 0 {
                end += usize::from(s);
                continue;
            }
            let b = block(hay[end - 1], hay[end]);
            let start = end + 1 - w;
            let first = self.ends.partition_point(|(k, _)| usize::from(*k) < b);
            for (_, lit) in self.ends[first..].iter().take_while(|(k, _)| usize::from(*k) == b) {
                if hay.get(start..start + lit.len()).is_some_and(|h| h.eq_ignore_ascii_case(lit)) {
                    return true;
                }
            }
            end += 1;
        }
        false
    }
}

/// `\u` or `\U`, as the library's prefilter pattern `\u` matches them.
pub fn has_unicode_escape(hay: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', hay).any(|i| matches!(hay.get(i + 1), Some(b'u' | b'U')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule() -> Rule {
        Rule::from_toml("").unwrap()
    }

    /// Built once: compiling the rule dominates a property case otherwise.
    fn shared() -> &'static (Rule, Gate) {
        static SHARED: std::sync::OnceLock<(Rule, Gate)> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| {
            let r = rule();
            let g = Gate::new(&r);
            (r, g)
        })
    }

    #[test]
    fn finds_literals_in_any_case_anywhere() {
        let r = rule();
        let g = Gate::new(&r);
        assert!(g.window >= MIN_USEFUL_LITERAL, "the catalogue's shortest literal is {}", g.window);
        for lit in r.hosts().literals() {
            for hay in [lit.clone(), lit.to_uppercase(), format!("GET https://{lit}/v1 x"), format!("x{}", lit.to_uppercase())] {
                assert!(g.may_match(hay.as_bytes()), "{hay}");
            }
        }
        assert!(!g.may_match(b"1796115603.310 87 10.20.3.9 TCP_MISS/200 15432 GET http://www.example.com/index.html - HIER_DIRECT/203.0.113.50 text/html"));
        assert!(g.may_match(br#"{"log":"caf\u00e9"}"#), "\\u escapes always pass");
        assert!(g.may_match(br#"{"log":"caf\U00e9"}"#));
        assert!(!g.may_match(b""));
    }

    #[test]
    fn short_literals_disable_the_gate() {
        let g = Gate::for_literals(&["x.ai".into(), "api.openai.com".into()]);
        assert!(!g.may_match(b"nothing here"), "a window of 4 still gates");
        assert!(g.may_match(b"https://X.AI/v1"));
        let g = Gate::for_literals(&["ai".into()]);
        assert!(g.may_match(b"nothing here"), "too short to gate: everything passes");
    }

    /// Pieces that real records are made of, including near misses.
    fn piece() -> impl Strategy<Value = String> {
        let lits = rule().hosts().literals();
        prop_oneof![
            4 => "[ -~]{0,12}",
            2 => proptest::sample::select(lits.clone()),
            2 => proptest::sample::select(lits).prop_flat_map(|l| (Just(l.clone()), 0..l.len())).prop_map(|(l, cut)| l[..cut].to_string()),
            1 => proptest::sample::select(vec!["\\u", "\\U", "\\", "api.", ".com", "openai", "https://", "\""]).prop_map(String::from),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn never_rejects_what_the_library_accepts(pieces in proptest::collection::vec(piece(), 0..12), upper in any::<u64>()) {
            let (r, g) = shared();
            // Flip the case of some letters so case folding is exercised.
            let hay: Vec<u8> = pieces.concat().bytes().enumerate().map(|(i, b)| if upper >> (i % 64) & 1 == 1 { b.to_ascii_uppercase() } else { b }).collect();
            if r.is_candidate(&hay) {
                prop_assert!(g.may_match(&hay), "gate rejected a candidate: {}", String::from_utf8_lossy(&hay));
            }
        }
    }
}
