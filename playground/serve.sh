#!/usr/bin/env bash
# Builds the playground and serves it on http://127.0.0.1:8080/ (or $PORT).
# Needs trunk 0.21.14, wasm-bindgen-cli 0.2.130 and the
# wasm32-unknown-unknown target: `.ci/install` installs them.
#
# Auto-reload is off so the served page is exactly the release page: it
# opens no WebSocket and makes no request after loading.
set -euo pipefail
cd "$(dirname "$0")"
exec trunk serve --release --no-autoreload --address 127.0.0.1 --port "${PORT:-8080}" "$@"
