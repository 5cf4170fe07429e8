#!/usr/bin/env bash
# Whole-program benchmark (issue 6): for each format, generate a mixed log
# and measure, in the same run and on the same file:
#   - floor 1: cat FILE > /dev/null          (reading the bytes)
#   - floor 2: rg -c -i -F -f hosts.txt FILE (multi-pattern search for the AI hosts)
#   - aiwatch scan --engine wasm
#   - aiwatch scan --engine native
# reporting MB/s, lines/s, ratios to the floors and peak RSS, as a Markdown
# table (bench-out/results.md) and an SVG chart (bench-out/throughput.svg).
#
#   scripts/bench.sh [SIZE] [FORMAT...]     # default: 1GiB squid-extensive proxysg zscaler-json
#   BENCH_OUT=DIR (default bench-out), BENCH_REPORT_ONLY=1 (redraw from DIR/results.tsv)
#
# Ratios, not absolute numbers, are what to compare: these machines are
# shared and noisy. Each command runs twice; the faster run counts.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1GiB}
shift || true
formats=("$@")
((${#formats[@]})) || formats=(squid-extensive proxysg zscaler-json)
out=${BENCH_OUT:-bench-out}
mkdir -p "$out"

results="$out/results.tsv"
# BENCH_REPORT_ONLY=1 redraws the table and chart from results.tsv.
if [ -z "${BENCH_REPORT_ONLY:-}" ]; then
# The floors and the RSS measurement need Debian's ripgrep and GNU time.
need=()
command -v rg >/dev/null || need+=(ripgrep)
[ -x /usr/bin/time ] || need+=(time)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
  echo "bench: apt-get install ${need[*]}" >&2
  "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
rustup target list --installed | grep -qx wasm32-wasip2 || rustup target add wasm32-wasip2
cargo build --release --locked -p aiwatch -p aiwatch-loggen >&2
bin=target/release
aiwatch=$bin/aiwatch

# The AI-host literals the rule looks for: the floor searches for the same
# strings (the longest literal of every catalogue pattern).
python3 - > "$out/hosts.txt" <<'PY'
import re
src = open("rule/src/hosts.rs").read()
ext = src[src.index("pub const EXTENDED_HOSTS"):]
lits = set()
for p in re.findall(r'e\("[^"]*", "([^"]*)"\)', ext):
    lits.add(max((x.strip(".") for x in p.split("*")), key=len))
print("\n".join(sorted(lits)))
PY

# Warm the compiled-component cache so start-up is not measured per format.
echo | "$aiwatch" scan >/dev/null

# measure NAME CMD... -> "seconds max_rss_kib" (best of two runs)
measure() {
  local best="" rss=""
  for _ in 1 2; do
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" > /dev/null
    read -r s k < "$out/time.txt"
    if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$s; rss=$k; fi
  done
  echo "$best $rss"
}

: > "$results"
for fmt in "${formats[@]}"; do
  file="$out/$fmt.log"
  if [ ! -s "$file" ] || [ "$(cat "$file.size" 2>/dev/null)" != "$size" ]; then
    "$bin/aiwatch-loggen" --format "$fmt" --size "$size" --ai-share 0.01 --seed 7 --out "$file"
    echo "$size" > "$file.size"
  fi
  bytes=$(stat -c %s "$file")
  lines=$(wc -l < "$file")
  for what in cat rg wasm native; do
    case $what in
      cat) r=$(measure cat "$file") ;;
      rg) r=$(measure rg -c -i -F -f "$out/hosts.txt" "$file") ;;
      wasm) r=$(measure "$aiwatch" scan --engine wasm --output json "$file") ;;
      native) r=$(measure "$aiwatch" scan --engine native --output json "$file") ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\n' "$fmt" "$what" "$bytes" "$lines" "$r" >> "$results"
    echo "bench: $fmt $what: $r" >&2
  done
done

# A quarter-size input for the memory-independence check, and the start-up time.
small="$out/${formats[0]}.quarter.log"
head -c $(( $(stat -c %s "$out/${formats[0]}.log") / 4 )) "$out/${formats[0]}.log" > "$small"
q=$(measure "$aiwatch" scan --engine wasm --output json "$small")
printf '%s\t%s\t%s\t%s\t%s\n' "${formats[0]}-quarter" wasm "$(stat -c %s "$small")" "$(wc -l < "$small")" "$q" >> "$results"
head -n 2 "$out/${formats[0]}.log" | tail -n 1 > "$out/one-line.log"
# /usr/bin/time reports wall time in 10 ms steps: time start-up as the
# median of 21 runs instead (RSS from one run).
one_secs=$(python3 - "$aiwatch" "$out/one-line.log" <<'PY'
import subprocess, sys, time
runs = []
for _ in range(21):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "scan", sys.argv[2]], stdout=subprocess.DEVNULL, check=True)
    runs.append(time.perf_counter() - t)
print(f"{sorted(runs)[len(runs) // 2]:.4f}")
PY
)
one=$(measure "$aiwatch" scan "$out/one-line.log")
printf '%s\t%s\t%s\t%s\t%s %s\n' one-line wasm 0 1 "$one_secs" "${one#* }" >> "$results"

fi
python3 - "$results" "$out" <<'PY'
import sys, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
out = sys.argv[2]
data = collections.OrderedDict()
extra = {}
for fmt, what, b, lines, t in rows:
    secs, rss = t.split()
    secs = max(float(secs), 0.0001)
    if fmt.endswith("-quarter") or fmt == "one-line":
        extra[fmt] = (float(secs), int(rss), int(b))
        continue
    data.setdefault(fmt, {})[what] = (int(b), int(lines), secs, int(rss))
md = ["| format | size | measure | MB/s | lines/s | vs cat | vs rg | peak RSS |", "|---|---|---|---|---|---|---|---|"]
for fmt, m in data.items():
    for what in ["cat", "rg", "wasm", "native"]:
        b, lines, secs, rss = m[what]
        mbs = b / secs / 1e6
        cat_mbs = m["cat"][0] / m["cat"][2] / 1e6
        rg_mbs = m["rg"][0] / m["rg"][2] / 1e6
        md.append(f"| {fmt} | {b/2**20:.0f} MiB | {what} | {mbs:.0f} | {lines/secs:,.0f} | {mbs/cat_mbs:.3f} | {mbs/rg_mbs:.2f} | {rss/1024:.1f} MiB |")
# The issue-6 targets, as ratios measured in this run.
md += ["", "| format | wasm / native (target ≥ 0.8) | scan (wasm) / rg (target ≥ 0.5) | native / rg |", "|---|---|---|---|"]
for fmt, m in data.items():
    mbs = {w: m[w][0] / m[w][2] / 1e6 for w in m}
    md.append(f"| {fmt} | {mbs['wasm']/mbs['native']:.2f} | {mbs['wasm']/mbs['rg']:.2f} | {mbs['native']/mbs['rg']:.2f} |")
for k, (secs, rss, b) in extra.items():
    if k == "one-line":
        md.append(f"\nStart-up: `aiwatch scan` of a one-line file: **{secs*1000:.1f} ms** wall, median of 21 runs (warm component cache), peak RSS {rss/1024:.1f} MiB.")
    else:
        md.append(f"\nMemory independence: a quarter-size {k[:-8]} input peaks at **{rss/1024:.1f} MiB** RSS.")
open(f"{out}/results.md", "w").write("\n".join(md) + "\n")
# SVG bar chart: MB/s per format and measure.
colors = {"cat": "#9e9e9e", "rg": "#607d8b", "wasm": "#3f51b5", "native": "#009688"}
# Scaled to the slowest floor and the engines: `cat` (page cache to
# /dev/null) is 20x faster than anything that looks at the bytes and would
# flatten the rest, so its bar is cut and labelled.
maxv = 1.1 * max(m[w][0] / m[w][2] / 1e6 for m in data.values() for w in colors if w != "cat")
W, H, pad, bar = 760, 60 + 110 * len(data), 150, 20
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       '<text x="10" y="20" font-size="14" font-weight="bold">aiwatch throughput (MB/s, higher is better)</text>']
y = 40
for fmt, m in data.items():
    svg.append(f'<text x="10" y="{y+14}" font-weight="bold">{fmt}</text>')
    for what, col in colors.items():
        v = m[what][0] / m[what][2] / 1e6
        w = max(1, (W - pad - 140) * min(v, maxv) / maxv)
        label = f"{v:.0f}" + (" (off scale)" if v > maxv else "") + (f"  {v / (m['rg'][0] / m['rg'][2] / 1e6):.2f}x rg" if what in ("wasm", "native") else "")
        svg.append(f'<text x="{pad-10}" y="{y+14}" text-anchor="end">{what}</text><rect x="{pad}" y="{y}" width="{w:.0f}" height="{bar-4}" fill="{col}"/><text x="{pad+w+5:.0f}" y="{y+12}">{label}</text>')
        y += bar + 2
    y += 20
svg.append("</svg>")
open(f"{out}/throughput.svg", "w").write("\n".join(svg) + "\n")
print(open(f"{out}/results.md").read())
PY
