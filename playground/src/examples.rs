//! The examples menu: every testdata case, embedded at build time by
//! `build.rs`, with the settings its directives ask for.

use aiwatch_rule::{FormatChoice, Profile};

/// One embedded testdata case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// Path under `testdata/`, e.g. `scenarios/exfil.log`.
    pub name: &'static str,
    /// The input file.
    pub input: &'static [u8],
    /// The `NAME.toml` config beside it, if any.
    pub config: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/examples.rs"));

/// What a case's leading comment lines ask for (the conventions of
/// `tests/lib.rs`: `# case: …` and `# options: --profile P --format F`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    /// The one-sentence description.
    pub description: Option<String>,
    /// `--profile`, if given.
    pub profile: Option<Profile>,
    /// `--format` (auto when not given).
    pub format: FormatChoice,
}

impl Directives {
    /// Reads the directives from the comment lines that open `input`.
    /// Unknown options are ignored here: the corpus tests reject them.
    pub fn parse(input: &[u8]) -> Directives {
        let text = String::from_utf8_lossy(&input[..input.len().min(8192)]);
        let mut d = Directives::default();
        for line in text.lines().take_while(|l| l.starts_with('#')) {
            if let Some(desc) = line.strip_prefix("# case:") {
                d.description = Some(desc.trim().to_string());
            } else if let Some(opts) = line.strip_prefix("# options:") {
                let words: Vec<&str> = opts.split_whitespace().collect();
                for pair in words.chunks(2) {
                    match pair {
                        ["--profile", p] => d.profile = p.parse().ok(),
                        ["--format", f] => d.format = f.parse().unwrap_or_default(),
                        _ => {}
                    }
                }
            }
        }
        d
    }
}

impl Example {
    /// The folder the case lives in (`scenarios`, `squid`, …), for grouping.
    pub fn group(&self) -> &'static str {
        self.name.split_once('/').map_or("testdata", |(g, _)| g)
    }

    /// The case's directives.
    pub fn directives(&self) -> Directives {
        Directives::parse(self.input)
    }
}

/// Finds an example by its name.
pub fn find(name: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiwatch_rule::Format;

    #[test]
    fn directives_are_read_from_leading_comments_only() {
        let d = Directives::parse(b"# case: Squid with a forced format\n# options: --profile seed --format squid-common\nx\n# options: --profile extended\n");
        assert_eq!(d.description.as_deref(), Some("Squid with a forced format"));
        assert_eq!(d.profile, Some(Profile::Seed));
        assert_eq!(d.format, FormatChoice::Only(Format::SquidCommon));
        assert_eq!(Directives::parse(b"x\n# case: late\n"), Directives::default());
    }

    #[test]
    fn embedded_examples_are_cases_with_their_configs() {
        for e in EXAMPLES {
            assert!(!e.name.contains(".expected.") && !e.name.contains(".findings."), "{}", e.name);
            if let Some(c) = e.config {
                aiwatch_rule::Config::from_toml(c).unwrap_or_else(|err| panic!("{}: {err}", e.name));
            }
            assert_eq!(find(e.name), Some(e));
        }
        // Scenarios lead the menu.
        let first_other = EXAMPLES.iter().position(|e| e.group() != "scenarios").unwrap_or(EXAMPLES.len());
        assert!(EXAMPLES[first_other..].iter().all(|e| e.group() != "scenarios"));
    }
}
