#!/usr/bin/env bash
# Parallel efficiency of ensembles: wall time of the same ensemble at 1, 2, 4, ... threads, each
# output checked bit-identical to the 1-thread file. Each point is the fastest of REPEATS runs
# (default 3), the thread counts taking turns: other tenants of a shared machine only ever slow a
# run down, and taking turns spreads their load over every count alike. Usage:
#   bench/openmp_scaling.sh EGRESS_BIN [MAX_THREADS]      (prints a table; MAX_THREADS default nproc)
# EGRESS may be a command with a loader prefix (used on machines without the Debian libraries).
set -euo pipefail
EGRESS=${1:?egress binary}
MAX=${2:-$(nproc)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PARAMS=$ROOT/params/default.toml

threads=(1)
t=2
while [ "$t" -le "$MAX" ]; do threads+=("$t"); t=$((t * 2)); done
[ "${threads[-1]}" -eq "$MAX" ] || threads+=("$MAX")

run_series() {  # label events-flag method replicates
  local label=$1 log=$2 method=$3 reps=$4 base="" n start end this same
  declare -A best=()
  # Thread counts alternate within each round, so that every count sees the same spells of load.
  for _ in $(seq "${REPEATS:-3}"); do
    for n in "${threads[@]}"; do
      rm -f "$WORK/$label-$n.h5"
      start=$(date +%s.%N)
      $EGRESS run "$PARAMS" "$log" --method "$method" --replicates "$reps" --seed 1 --threads "$n" --quiet -o "$WORK/$label-$n.h5"
      end=$(date +%s.%N)
      this=$(awk "BEGIN{print $end - $start}")
      best[$n]=$(awk -v a="$this" -v b="${best[$n]:-}" 'BEGIN{print (b == "" || a < b) ? a : b}')
    done
  done
  for n in "${threads[@]}"; do
    [ -n "$base" ] || base=${best[$n]}
    same=n/a
    if command -v h5dump >/dev/null; then
      same=yes
      [ "$n" -eq 1 ] || cmp -s <(h5dump -d amounts "$WORK/$label-1.h5" | tail -n +2) \
                               <(h5dump -d amounts "$WORK/$label-$n.h5" | tail -n +2) || same=NO
    fi
    awk -v l="$label" -v n="$n" -v w="${best[$n]}" -v b="$base" -v s="$same" \
      'BEGIN{printf "%-22s %3d threads  %8.2f s  speed-up %5.2f  efficiency %4.2f  identical %s\n", l, n, w, b/w, b/w/n, s}'
  done
}
run_series "ssa (no event log)" --no-events ssa "${SSA_REPLICATES:-4000}"
run_series "ssa (event log)" --events ssa "${SSA_REPLICATES:-4000}"
run_series "hybrid (no event log)" --no-events hybrid "${HYBRID_REPLICATES:-800}"
