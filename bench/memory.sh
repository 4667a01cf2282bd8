#!/usr/bin/env bash
# Peak resident memory of `egress run` on the default model with the ssa method, for a growing
# number of replicates, with and without the vesicle event log ([output] events).
#
#   bench/memory.sh [EGRESS] [PARAMS]
#     EGRESS  the egress binary (default build/release/bin/egress)
#     PARAMS  the parameter file (default params/default.toml)
#   env: MEMORY_REPLICATES="10 1000 10000"   replicate counts to try, in increasing order
#        MEMORY_MAX_SECONDS=120               skip a count whose predicted wall time exceeds this
#        MEMORY_THREADS=N                     pass --threads N (default: egress's own, 0 = all cores)
#
# Each run is `/usr/bin/time -f %M egress run PARAMS --method ssa --replicates N --quiet -o TMP/x.h5`,
# once with --events and once with --no-events. A count is skipped when the previous
# count's wall time or file size, scaled linearly, predicts more than MEMORY_MAX_SECONDS or more
# than the free space of the temporary directory. Result files are deleted after each run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
egress="${1:-$root/build/release/bin/egress}"
params="${2:-$root/params/default.toml}"
counts="${MEMORY_REPLICATES:-10 1000 10000}"
max_seconds="${MEMORY_MAX_SECONDS:-120}"
threads=()
[[ -n "${MEMORY_THREADS:-}" ]] && threads=(--threads "$MEMORY_THREADS")

[[ -x "$egress" ]] || { echo "memory.sh: no egress binary at $egress (build it, or pass its path)" >&2; exit 2; }
[[ -f "$params" ]] || { echo "memory.sh: no parameter file $params" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "memory.sh: needs GNU time at /usr/bin/time" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/egress-memory.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "egress: $egress; params: $params; threads: ${MEMORY_THREADS:-egress default (all $(nproc) cores)}"
printf '%-8s %-9s %12s %10s %12s\n' replicates log peak_rss_MB wall_s file_MB
for variant in events no-events; do
    last_n=0 last_s=0 last_mb=0
    for n in $counts; do
        if (( last_n > 0 )); then
            free_mb=$(( $(df -Pk "$tmp" | awk 'NR == 2 { print $4 }') / 1024 ))
            predicted_s=$(awk -v s="$last_s" -v a="$last_n" -v b="$n" 'BEGIN { printf "%.0f", s * b / a }')
            predicted_mb=$(awk -v m="$last_mb" -v a="$last_n" -v b="$n" 'BEGIN { printf "%.0f", m * b / a }')
            if (( predicted_s > max_seconds || predicted_mb > free_mb )); then
                printf '%-8s %-9s %12s %10s %12s   (skipped: predicted %s s, %s MB; limit %s s, %s MB free)\n' \
                    "$n" "$variant" - - - "$predicted_s" "$predicted_mb" "$max_seconds" "$free_mb"
                continue
            fi
        fi
        out="$tmp/x.h5"
        start=$(date +%s.%N)
        /usr/bin/time -o "$tmp/rss" -f %M "$egress" run "$params" "--$variant" --method ssa --replicates "$n" "${threads[@]}" --quiet -o "$out"
        end=$(date +%s.%N)
        rss_kb=$(tail -n 1 "$tmp/rss")
        size_b=$(stat -c %s "$out")
        rm -f "$out"
        wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
        mb=$(awk -v s="$size_b" 'BEGIN { printf "%.1f", s / 1048576 }')
        printf '%-8s %-9s %12.1f %10s %12s\n' "$n" "$variant" "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')" "$wall" "$mb"
        last_n=$n last_s=$wall last_mb=${mb%.*}
    done
done
