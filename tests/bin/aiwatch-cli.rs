//! The `aiwatch` command for the CLI tests (`it/cli.rs`): the same entry
//! point as `host/src/main.rs`. Integration tests see only the binaries of
//! their own package (`CARGO_BIN_EXE_<name>`), hence this twin.

fn main() -> std::process::ExitCode {
    aiwatch::cli::main()
}
