#!/usr/bin/env bash
# Whole-process events per CPU second (user + system time of the process, from wait4's rusage:
# on a shared machine it moves far less with the load than wall time, and each side runs one
# thread), in interleaved rounds so that all sides see the same load:
#   run     `egress run` (load the file, simulate, write the HDF5 result, exit);
#   engine  `egress_bench_ssa --engine-process N MODEL`: load the same file, run the same
#           replicates through the engine, keep the samples in memory, exit (no file);
#   tight   `egress_bench_tight N MODEL`: the tight hand-written loop of bench/tight_loops.hpp
#           as a program of its own that loads only the C++ runtime (simulate, keep every
#           sample in memory, exit); `egress_bench_ssa --check-tight MODEL` first checks that
#           the loop still implements the model file.
# Per model it prints each round, then the fastest round of each side (other tenants only ever
# slow a run down), the ratios run/tight and engine/tight of the fastest rounds with the median of
# the per-round ratios, and what share of `egress run`'s time is the file (1 - engine / run time,
# fastest rounds; includes the little the CLI adds). Usage:
#   bench/ssa_whole_process.sh [BUILD_BIN_DIR] [ROUNDS]   (defaults: build/release/bin, 5)
# Sizes (issue 14): birth_death 10,000 trajectories of 51 samples, linear_chain 100 of 1001,
# dimerisation 10,000 of 51.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/release/bin}
ROUNDS=${2:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Runs a command, its stdout to $WORK/out; prints its CPU seconds (user + system).
cpu() {
  /usr/bin/python3 -c 'import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1], "w"))
_, status, usage = os.wait4(p.pid, 0)
sys.exit("failed: " + " ".join(sys.argv[2:])) if status else print(usage.ru_utime + usage.ru_stime)' "$WORK/out" "$@"
}
declare -A SIZE=([birth_death]=10000 [linear_chain]=100 [dimerisation]=10000)
printf "%-14s %5s %12s %12s %12s %9s %9s\n" model round "run ev/s" "engine ev/s" "tight ev/s" run/tight eng/tight
for model in birth_death linear_chain dimerisation; do
  n=${SIZE[$model]}
  : > "$WORK/$model.rounds"
  "$BIN/egress_bench_ssa" --check-tight "$model" > /dev/null
  for round in $(seq 1 "$ROUNDS"); do
    c1=$(cpu "$BIN/egress" run "$ROOT/bench/models/$model.toml" --replicates "$n" --threads 1 -o "$WORK/$model.h5")
    out=$(cat "$WORK/out")
    c2=$(cpu "$BIN/egress_bench_ssa" --engine-process "$n" "$model")
    engineOut=$(cat "$WORK/out")
    c3=$(cpu "$BIN/egress_bench_tight" "$n" "$model")
    tightOut=$(cat "$WORK/out")
    ev=$(sed -n 's/.* \([0-9]*\) events, .*/\1/p' <<< "$out")
    eev=$(awk '{print $3}' <<< "$engineOut")
    tev=$(awk '{print $3}' <<< "$tightOut")
    [ "$ev" = "$eev" ] || { echo "$model: egress run fired $ev events, the engine process $eev" >&2; exit 1; }
    awk -v m="$model" -v r="$round" -v e="$ev" -v te="$tev" -v a="$c1" -v b="$c2" -v c="$c3" \
      'BEGIN{ rr = e / a; er = e / b; tr = te / c;
              printf "%-14s %5d %12.4g %12.4g %12.4g %9.3f %9.3f\n", m, r, rr, er, tr, rr / tr, er / tr;
              printf "%s %s %s %s %s\n", rr, er, tr, rr / tr, er / tr > "/dev/stderr" }' 2>> "$WORK/$model.rounds"
    rm -f "$WORK/$model.h5"
  done
done
echo
printf "%-14s %12s %12s %12s %10s %10s %12s %12s %10s\n" model "run best" "engine best" "tight best" \
  run/tight eng/tight "run/t median" "eng/t median" "file share"
for model in birth_death linear_chain dimerisation; do
  awk -v m="$model" '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                       return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { if ($1 > br) br = $1; if ($2 > be) be = $2; if ($3 > bt) bt = $3; rt[NR] = $4; et[NR] = $5 }
    END { printf "%-14s %12.4g %12.4g %12.4g %10.3f %10.3f %12.3f %12.3f %10.2f\n", m, br, be, bt, br / bt, be / bt,
                 median(rt, NR), median(et, NR), 1 - br / be }' "$WORK/$model.rounds"
done
