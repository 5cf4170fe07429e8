//! "Copy as CLI": the `aiwatch scan` command that reproduces what the page
//! shows, with the tuning config written by a heredoc so the whole thing
//! pastes into a POSIX shell as one block.

use aiwatch_rule::{Config, FormatChoice};

/// Inputs up to this size are embedded in the command (as a second heredoc
/// on standard input); larger ones are referred to as a file.
pub const MAX_INLINE_INPUT: usize = 64 * 1024;

/// File name the command writes the config to.
pub const CONFIG_FILE: &str = "aiwatch-playground.toml";

/// Builds the command.
///
/// `input` is the scanned input; it is embedded when it is small text a
/// heredoc can carry unchanged, and otherwise named `input_name` (a dropped
/// file's name, or `access.log`).
pub fn command(config: &Config, format: FormatChoice, input: &[u8], input_name: Option<&str>) -> String {
    let mut out = String::new();
    let toml = config.to_toml();
    let mut args = vec!["aiwatch".to_string(), "scan".to_string()];
    // The profile is in the config too; spelling it out makes the command
    // readable at a glance.
    args.push("--profile".into());
    args.push(config.profile().name().into());
    if format != FormatChoice::Auto {
        args.push("--format".into());
        args.push(format.to_string());
    }
    if !toml.trim().is_empty() {
        let tag = delimiter("AIWATCH_CONFIG", toml.as_bytes());
        out.push_str(&format!("cat > {CONFIG_FILE} <<'{tag}'\n{}", toml));
        if !toml.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("{tag}\n"));
        args.push("--config".into());
        args.push(CONFIG_FILE.into());
    }
    args.push("--output".into());
    args.push("json".into());
    match inline_text(input) {
        Some(text) => {
            let tag = delimiter("AIWATCH_LOGS", text.as_bytes());
            args.push("-".into());
            out.push_str(&args.join(" "));
            out.push_str(&format!(" <<'{tag}'\n{text}"));
            if !text.is_empty() && !text.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("{tag}\n"));
        }
        None => {
            args.push(shell_quote(input_name.unwrap_or("access.log")));
            out.push_str(&args.join(" "));
            out.push('\n');
        }
    }
    out
}

/// The input as heredoc text, when a heredoc reproduces it byte for byte:
/// small, valid UTF-8, no NUL, and no carriage return (a heredoc keeps CRs,
/// but terminals and clipboards often do not).
fn inline_text(input: &[u8]) -> Option<&str> {
    if input.len() > MAX_INLINE_INPUT || input.contains(&0) || input.contains(&b'\r') {
        return None;
    }
    std::str::from_utf8(input).ok()
}

/// A heredoc delimiter that does not occur as a line of `body`.
fn delimiter(base: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut tag = base.to_string();
    let mut n = 1;
    while text.lines().any(|l| l == tag) {
        n += 1;
        tag = format!("{base}_{n}");
    }
    tag
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiwatch_rule::Profile;

    #[test]
    fn default_config_needs_no_file() {
        let cmd = command(&Config::default(), FormatChoice::Auto, b"line\n", None);
        assert_eq!(cmd, "aiwatch scan --profile extended --output json - <<'AIWATCH_LOGS'\nline\nAIWATCH_LOGS\n");
    }

    #[test]
    fn config_goes_through_a_heredoc_that_reads_back() {
        let mut config = Config::from_toml("min_score = 2\n[allowlist]\nusers = [\"svc-ci\"]\n").unwrap();
        config.profile = Some(Profile::Seed);
        let fmt: FormatChoice = "squid-common".parse().unwrap();
        let cmd = command(&config, fmt, b"", None);
        let (head, rest) = cmd.split_once('\n').unwrap();
        assert_eq!(head, format!("cat > {CONFIG_FILE} <<'AIWATCH_CONFIG'"));
        let (toml, rest) = rest.split_once("AIWATCH_CONFIG\n").unwrap();
        assert_eq!(Config::from_toml(toml).unwrap(), config);
        assert!(rest.starts_with("aiwatch scan --profile seed --format squid-common --config aiwatch-playground.toml --output json"), "{rest}");
    }

    #[test]
    fn delimiters_avoid_the_body() {
        let cmd = command(&Config::default(), FormatChoice::Auto, b"AIWATCH_LOGS\nx\n", None);
        assert!(cmd.contains("<<'AIWATCH_LOGS_2'\nAIWATCH_LOGS\nx\nAIWATCH_LOGS_2\n"), "{cmd}");
    }

    #[test]
    fn large_or_binary_input_is_named_not_embedded() {
        let big = vec![b'a'; MAX_INLINE_INPUT + 1];
        assert!(command(&Config::default(), FormatChoice::Auto, &big, None).ends_with(" access.log\n"));
        let cmd = command(&Config::default(), FormatChoice::Auto, b"a\xff\n", Some("my proxy.log"));
        assert!(cmd.ends_with(" 'my proxy.log'\n"), "{cmd}");
        let cmd = command(&Config::default(), FormatChoice::Auto, b"a\r\n", Some("it's.log"));
        assert!(cmd.ends_with(" 'it'\\''s.log'\n"), "{cmd}");
    }
}
