//! `aiwatch-loggen`: writes realistic mixed proxy-log traffic in any format
//! aiwatch reads, deterministic by seed (see the library docs).
//!
//! ```text
//! aiwatch-loggen --format squid-extensive --size 1GiB --ai-share 0.01 --seed 7 --out big.log
//! ```

use std::io::{self, BufWriter};
use std::process::ExitCode;

use aiwatch_loggen::{generate, Format, Params};

fn parse_size(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let (num, mult) = [("gib", 1u64 << 30), ("mib", 1 << 20), ("kib", 1 << 10), ("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)]
        .iter()
        .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|n| (n.to_string(), *m)))
        .unwrap_or((lower.clone(), 1));
    num.trim().parse::<u64>().ok().map(|n| n * mult)
}

const USAGE: &str = "usage: aiwatch-loggen --format FORMAT [--size SIZE] [--ai-share FRACTION] [--seed N] [--out FILE]
  FORMAT: squid squid-common squid-combined squid-extensive proxysg w3c wsa zscaler-json zscaler-kv sumo-json ecs-json
  SIZE:   bytes, or with a KiB/MiB/GiB suffix (default 10MiB)";

fn parse_args() -> Result<(Params, Option<String>), String> {
    let mut format = None;
    let mut p = Params { format: Format::Squid, size: 10 << 20, ai_share: 0.01, seed: 1 };
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--format" => format = Some(value()?.parse::<Format>()?),
            "--size" => p.size = parse_size(&value()?).ok_or("bad --size")?,
            "--ai-share" => p.ai_share = value()?.parse().map_err(|_| "bad --ai-share")?,
            "--seed" => p.seed = value()?.parse().map_err(|_| "bad --seed")?,
            "--out" => out = Some(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    p.format = format.ok_or_else(|| format!("--format is required\n{USAGE}"))?;
    if !(0.0..=1.0).contains(&p.ai_share) {
        return Err("--ai-share must be between 0 and 1".into());
    }
    Ok((p, out))
}

fn main() -> ExitCode {
    let (params, out) = match parse_args() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = match out {
        Some(path) => std::fs::File::create(&path).and_then(|f| generate(&params, &mut BufWriter::with_capacity(1 << 20, f))),
        None => generate(&params, &mut BufWriter::with_capacity(1 << 20, io::stdout().lock())),
    };
    match result {
        Ok(lines) => {
            eprintln!("aiwatch-loggen: {lines} lines of {}", params.format.name());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("aiwatch-loggen: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("256k"), Some(256 << 10));
        assert_eq!(parse_size("100"), Some(100));
    }
}
