#!/bin/bash
# raw_log.sh: prints, for each of the reference's five runs, the raw log's size as Wine wrote it and as a run keeps
# it (gzip), the time gzip's level 6 takes on it, and what keeping only the run's own processes' lines would have
# kept instead. Figures only; nothing here asserts a size or a time. Usage: bench/raw_log.sh [DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ninja -C "$top" >/dev/null
work=${1:-$(mktemp -d /tmp/svccert-rawbench.XXXXXX)}
[ -n "${1:-}" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
# --keep-raw: the plain log beside the .gz, to measure both from one run
(cd "$work" && "$top/build/svccert" check --keep-raw --out "$work/check" >/dev/null) || true
ls "$work"/check/trace.*.raw.log.gz >/dev/null 2>&1 || { echo "raw_log.sh: the check made no run" >&2; exit 1; }
printf '%-18s %10s %10s %7s %9s %12s\n' run "plain KB" "gz KB" ratio "gzip ms" "own-pids KB"
tp=0; tg=0
for f in "$work"/check/trace.*.jsonl; do
    n=${f##*/trace.}; n=${n%.jsonl}
    plain=${f%.jsonl}.raw.log gz=${f%.jsonl}.raw.log.gz
    p=$(stat -c %s "$plain") g=$(stat -c %s "$gz")
    t=$(date +%s%N); gzip -6 -c "$plain" >/dev/null; ms=$(( ($(date +%s%N) - t) / 1000000 ))
    # the processes the trace names (events' pids), as Wine prints them: "pid:tid:" after the time, 4 hex digits
    pids=$(grep -o '"pid":[0-9]*' "$f" | cut -d: -f2 | sort -un | awk '$1 > 0 {printf "%04x\n", $1}' | paste -sd'|')
    own=$(grep -aE "^([0-9]+\.[0-9]+:)?($pids):" "$plain" | wc -c)
    printf '%-18s %10d %10d %6.1fx %9d %12d\n' "$n" $((p / 1024)) $((g / 1024)) "$(echo "$p / $g" | bc -l)" "$ms" \
        $((own / 1024))
    tp=$((tp + p)); tg=$((tg + g))
done
printf '%-18s %10d %10d %6.1fx\n' "all runs" $((tp / 1024)) $((tg / 1024)) "$(echo "$tp / $tg" | bc -l)"
