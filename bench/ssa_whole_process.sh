#!/usr/bin/env bash
# Whole-process events per second: `egress run` (load the file, simulate, write the HDF5 result,
# exit) against the tight hand-written loop of bench/tight_loops.hpp run as a process of its own
# (`egress_bench_ssa --tight-process N MODEL`: simulate, keep every sample in memory, exit), one
# thread each, in interleaved rounds so that both sides see the same load. Prints each round and
# then, per model, the fastest round of each side and their ratio (other tenants only ever slow a
# run down), and the median of the per-round ratios. Usage:
#   bench/ssa_whole_process.sh [BUILD_BIN_DIR] [ROUNDS]   (defaults: build/release/bin, 5)
# Sizes (issue 14): birth_death 10,000 trajectories of 51 samples, linear_chain 100 of 1001,
# dimerisation 10,000 of 51.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/release/bin}
ROUNDS=${2:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }
declare -A SIZE=([birth_death]=10000 [linear_chain]=100 [dimerisation]=10000)
printf "%-14s %5s %14s %14s %8s\n" model round "egress ev/s" "tight ev/s" ratio
for model in birth_death linear_chain dimerisation; do
  n=${SIZE[$model]}
  : > "$WORK/$model.rounds"
  for round in $(seq 1 "$ROUNDS"); do
    t0=$(now)
    out=$("$BIN/egress" run "$ROOT/bench/models/$model.toml" --replicates "$n" --threads 1 -o "$WORK/$model.h5")
    t1=$(now)
    tightOut=$("$BIN/egress_bench_ssa" --tight-process "$n" "$model")
    t2=$(now)
    ev=$(sed -n 's/.* \([0-9]*\) events, .*/\1/p' <<< "$out")
    tev=$(awk '{print $3}' <<< "$tightOut")
    awk -v m="$model" -v r="$round" -v e="$ev" -v te="$tev" -v a="$t0" -v b="$t1" -v c="$t2" \
      'BEGIN{ er = e / (b - a); tr = te / (c - b); printf "%-14s %5d %14.4g %14.4g %8.3f\n", m, r, er, tr, er / tr;
              printf "%s %s %s\n", er, tr, er / tr > "/dev/stderr" }' 2>> "$WORK/$model.rounds"
    rm -f "$WORK/$model.h5"
  done
done
echo
printf "%-14s %14s %14s %12s %14s\n" model "egress best" "tight best" "best ratio" "median ratio"
for model in birth_death linear_chain dimerisation; do
  sort -g -k3 "$WORK/$model.rounds" | awk -v m="$model" '
    { e[NR] = $1; t[NR] = $2; r[NR] = $3; if ($1 > be) be = $1; if ($2 > bt) bt = $2 }
    END { med = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2;
          printf "%-14s %14.4g %14.4g %12.3f %14.3f\n", m, be, bt, be / bt, med }'
done
