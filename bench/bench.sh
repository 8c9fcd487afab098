#!/bin/bash
# bench.sh: prints how long a private Wine prefix takes to prepare and a full trace of the reference takes.
# Figures only; nothing here asserts a time. Usage: bench/bench.sh [RUNS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
ninja -C "$top" >/dev/null
work=$(mktemp -d /tmp/svccert-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# A full lifecycle trace of the reference's fast configuration (this also makes the template), in the
# sandbox (the default) and unconfined (--no-sandbox): what the sandbox costs.
for mode in sandbox no-sandbox; do
    flag=""; [ "$mode" = no-sandbox ] && flag="--no-sandbox"
    : >"$work/trace.txt"
    for i in $(seq "$runs"); do
        t=$(date +%s%N)
        # shellcheck disable=SC2086
        "$top/build/svccert" trace "$top/build/win/svcref.exe" $flag -o "$work/t$i.jsonl" >/dev/null
        echo "$(ms "$t") $(grep -o '"detail":"prefix_ms=[^"]*"' "$work/t$i.jsonl" | tr -dc '0-9 =a-z_' )" >>"$work/trace.txt"
    done
    printf 'full trace of the reference (fast config), %s, wall: %s ms median of %s\n' "$mode" \
        "$(cut -d' ' -f1 "$work/trace.txt" | median)" "$runs"
    for k in prefix_ms server_ms controller_ms shutdown_ms; do
        printf '  %-14s %s ms median\n' "$k" "$(grep -o "$k=[0-9]*" "$work/trace.txt" | cut -d= -f2 | median)"
    done
done

# The built-in check: five runs of the reference (service, activation, register-failure, embedding,
# user), SVCCERT_JOBS at a time; the user run alone watches 12 s. Trace and kept (gzip) raw-log sizes per
# run (bench/raw_log.sh compares them with the plain logs).
t=$(date +%s%N)
(cd "$work" && "$top/build/svccert" check --out "$work/check" >/dev/null) || true
printf 'built-in check (5 runs, %s at a time), wall: %s ms\n' "${SVCCERT_JOBS:-$(nproc)}" "$(ms "$t")"
for f in "$work"/check/trace.*.jsonl; do
    n=${f##*/trace.}; n=${n%.jsonl}
    printf '  %-18s trace %6s KB, %6s events; raw log (gz) %6s KB\n' "$n" "$(( $(stat -c %s "$f") / 1024 ))" \
        "$(wc -l <"$f")" "$(( $(stat -c %s "${f%.jsonl}.raw.log.gz") / 1024 ))"
done

# Preparing a prefix: the sandbox's overlay and the unconfined copy (above: prefix_ms) vs. a hard-link clone
# (what runs used before the sandbox) and a fresh wineboot.
tpl=$(ls -d "${SVCCERT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/svccert}"/wine-template-* | grep -v '\.tmp' | head -1)
for i in $(seq "$runs"); do
    t=$(date +%s%N)
    cp -al "$tpl" "$work/clone$i" && for r in "$tpl"/*.reg; do rm "$work/clone$i/${r##*/}"; cp "$r" "$work/clone$i/"; done
    ms "$t" >>"$work/clone.txt"
done
printf 'prefix by cp -al + real *.reg copies: %s ms median of %s\n' "$(median <"$work/clone.txt")" "$runs"
boots=$(( runs < 3 ? runs : 3 ))
for i in $(seq "$boots"); do
    t=$(date +%s%N)
    WINEPREFIX="$work/boot$i" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" /usr/lib/wine/wine64 wineboot -i \
        >"$work/boot$i.log" 2>&1
    WINEPREFIX="$work/boot$i" /usr/lib/wine/wineserver64 -w
    ms "$t" >>"$work/boot.txt"
done
printf 'prefix by a fresh wineboot -i:        %s ms median of %s (size %s)\n' "$(median <"$work/boot.txt")" \
    "$boots" "$(du -sh "$work/boot1" | cut -f1)"
