#!/usr/bin/env bash
# Runs the playground's component tests (tests/web.rs) in headless Chromium
# through wasm-bindgen-test-runner and chromedriver. The headless flags are
# in webdriver.json beside this script. The end-to-end test of the built
# page is tests/it/playground.rs, run by `cargo test -p aiwatch-tests`.
set -euo pipefail
cd "$(dirname "$0")"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
# The runner starts chromedriver itself and waits this long for the tests.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
exec cargo test -p aiwatch-playground --target wasm32-unknown-unknown "$@"
