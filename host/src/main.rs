//! `aiwatch`: see [`aiwatch::cli`] for the commands and exit statuses.

fn main() -> std::process::ExitCode {
    aiwatch::cli::main()
}
