#!/usr/bin/env bash
# Runs every fuzz target for a fixed time budget (default 60 s each):
#   rule/fuzz/run.sh [SECONDS] [TARGET...]
#
# cargo-fuzz needs a nightly compiler (sanitizer flags). This uses the
# nightly toolchain through rustup, installing it (minimal profile) when it
# is missing; only if that fails does it fall back to stable with
# RUSTC_BOOTSTRAP=1. cargo-fuzz itself is installed with --locked if absent.
#
# Inputs: rule/fuzz/corpus/TARGET (working corpus, git-ignored, seeded from
# testdata/ on first use) and rule/fuzz/seeds/TARGET (committed: seeds and
# every input that once crashed, so a fixed bug stays fixed). Crashes land in
# rule/fuzz/artifacts/TARGET/; minimize one with
#   cargo +nightly fuzz tmin TARGET artifacts/TARGET/crash-...
# then add it to seeds/TARGET and a regression test to the stable suite.
#
# The rule is safe Rust, so the targets build without AddressSanitizer by
# default (it would halve the executions and find nothing the Rust checks do
# not); FUZZ_SANITIZER=address (or memory, thread) turns one on.
#
# Prints one line per target (executions, peak RSS, crash or not) and exits
# non-zero if any target crashed.
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir=$PWD
root=$(cd ../.. && pwd)
secs=${1:-60}
shift || true

# Toolchain: nightly via rustup, else stable with RUSTC_BOOTSTRAP.
toolchain=()
if command -v rustup >/dev/null; then
  if ! rustup run nightly rustc -V >/dev/null 2>&1; then
    echo "installing the nightly toolchain (minimal profile)" >&2
    rustup toolchain install nightly --profile minimal >&2 || true
  fi
  if rustup run nightly rustc -V >/dev/null 2>&1; then
    toolchain=(+nightly)
  fi
fi
if ((${#toolchain[@]} == 0)); then
  echo "nightly unavailable: falling back to stable with RUSTC_BOOTSTRAP=1" >&2
  export RUSTC_BOOTSTRAP=1
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list)
fi

# First-use seeds from the golden corpus: real log lines reach deep parser
# states in seconds that random bytes would take hours to find.
seed_corpus() {
  local t=$1 dir=corpus/$1 n=0 f
  mkdir -p "$dir"
  [[ -n $(ls -A "$dir") ]] && return 0
  case $t in
    config)
      for f in $(find "$root/testdata" "$root/examples" -name '*.toml' 2>/dev/null); do
        cp "$f" "$dir/seed-$((n++))"
      done ;;
    fluentbit_record)
      # One JSON record per file, as Fluent Bit hands them over.
      for f in $(find "$root/testdata" \( -name '*.json' -o -name '*.ndjson' \) ! -name '*.expected.json' ! -path '*/seed/*'); do
        while IFS= read -r line; do
          [[ $line == \{* ]] && printf '%s' "$line" >"$dir/seed-$((n++))"
        done <"$f"
      done ;;
    *)
      # Whole small log files (several lines: header state matters).
      for f in $(find "$root/testdata" -type f ! -name '*.expected.json' ! -name '*.findings.ndjson' ! -name '*.toml' ! -name '*.md' ! -path '*/generator/*' ! -path '*/sample/*' ! -path '*/seed/*' -size -16k); do
        if [[ $t == parse_forced ]]; then
          # The first byte picks the format; try each file under every choice.
          for pick in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
            { printf "\\x$(printf %02x $pick)"; cat "$f"; } >"$dir/seed-$((n++))"
          done
        else
          cp "$f" "$dir/seed-$((n++))"
        fi
      done ;;
  esac
}

mkdir -p logs
status=0
summary=()
for t in "${targets[@]}"; do
  seed_corpus "$t"
  mkdir -p "seeds/$t" "artifacts/$t"
  echo "== $t (${secs}s)" >&2
  log=logs/$t.log
  # -rss_limit_mb keeps a leak from eating the shared machine; -max_len
  # lets whole multi-line seeds through (the default caps at 4 KiB).
  before=$(find "artifacts/$t" -type f | wc -l)
  rc=0
  cargo "${toolchain[@]}" fuzz run "$t" --release --sanitizer "${FUZZ_SANITIZER:-none}" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 >"$log" 2>&1 || rc=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  rss=$(grep -oE 'stat::peak_rss_mb: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1 || true)
  crashes=$(( $(find "artifacts/$t" -type f | wc -l) - before ))
  if ((rc != 0)) && grep -qE '^error(\[E[0-9]+\])?: could not compile|^error: failed to' "$log"; then
    status=1
    grep -E '^error' "$log" | head -5 >&2 || true
    summary+=("$(printf '%-18s BUILD FAILED (log %s)' "$t" "$fuzz_dir/$log")")
  elif ((rc != 0)); then
    status=1
    grep -E "ERROR|panicked|SUMMARY|Test unit written" "$log" | head -20 >&2 || true
    summary+=("$(printf '%-18s executions=%-10s peak_rss_mb=%-5s CRASHED (exit %s, %s new artifact(s); log %s)' "$t" "${execs:-?}" "${rss:-?}" "$rc" "$crashes" "$fuzz_dir/$log")")
  else
    summary+=("$(printf '%-18s executions=%-10s peak_rss_mb=%-5s crashes=0' "$t" "${execs:-?}" "${rss:-?}")")
  fi
done
echo
printf '%s\n' "${summary[@]}"
exit $status
