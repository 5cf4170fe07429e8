#!/usr/bin/env bash
# Runs every fuzz target for a fixed time budget (default 60 s each):
#   rule/fuzz/run.sh [SECONDS] [TARGET...]
# Uses the stable toolchain with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs nightly
# flags; these machines have only stable). Crashes land in
# rule/fuzz/artifacts/TARGET/; turn each into a regression test before fixing.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  echo "== $t (${secs}s)" >&2
  # -rss_limit_mb keeps a leak from eating the shared machine.
  cargo fuzz run "$t" --release -- -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|panicked|SUMMARY|Done" || true
done
