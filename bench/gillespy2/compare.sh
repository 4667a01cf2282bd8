#!/usr/bin/env bash
# egress against GillesPy2's C++ SSA rebuilt at -O3 (issue 14), whole processes side by side.
#   bench/gillespy2/compare.sh GILLESPY2_CHECKOUT [BUILD_BIN_DIR] [ROUNDS]
# GILLESPY2_CHECKOUT is a GillesPy2 source tree (github.com/StochSS/GillesPy2; measured at
# commit f1957c65, release 1.8.3); nothing of it is kept in this repository. For each model its
# SSA (`gillespy2/solvers/cpp/c_base`: ssa_cpp_solver, model.cpp, arg_parser.cpp,
# template/template.cpp) is compiled with `g++ -O3 -march=native` and the model header that
# bench/gillespy2/definitions.py writes from the same TOML file egress runs. Then, in interleaved
# rounds, `egress run FILE --threads 1` (HDF5 written) and GillesPy2's binary (its text output to a
# file) run the same trajectories and samples; CPU seconds (user + system, wait4) per process.
# GillesPy2 prints no event count: both sides are credited with egress's count for the same model
# and trajectories (the same stochastic process, so the same expected count). Prints each round,
# then per model the fastest round of each side and the ratio egress/GillesPy2 of events per CPU
# second (> 1: egress faster). Models: birth_death 10,000 x 51 samples, linear_chain 100 x 1001,
# dimerisation 10,000 x 51, and random networks (bench/random_network.hpp) of 10, 100, 500 and 1,000
# reactions, 100 trajectories of ~50,000 events each (EGRESS_GPY_NETWORKS overrides the sizes).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GPY=${1:?usage: compare.sh GILLESPY2_CHECKOUT [BUILD_BIN_DIR] [ROUNDS]}
BIN=${2:-$ROOT/build/release/bin}
ROUNDS=${3:-3}
NETWORKS=${EGRESS_GPY_NETWORKS:-10 100 500 1000}
CBASE=$GPY/gillespy2/solvers/cpp/c_base
[ -f "$CBASE/ssa_cpp_solver/SSASolver.cpp" ] || { echo "no GillesPy2 C++ SSA under $CBASE" >&2; exit 2; }
[ -x "$BIN/egress_bench_ssa" ] || { echo "$BIN/egress_bench_ssa missing: configure with -DEGRESS_BUILD_BENCH=ON" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cpu() {  # CPU seconds (user + system) of a command whose stdout goes to $WORK/out
  /usr/bin/python3 -c 'import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1], "w"))
_, status, usage = os.wait4(p.pid, 0)
sys.exit("failed: " + " ".join(sys.argv[2:])) if status else print(usage.ru_utime + usage.ru_stime)' "$WORK/out" "$@"
}

declare -A FILE TRAJ SAMPLES END
for m in birth_death linear_chain dimerisation; do FILE[$m]=$ROOT/bench/models/$m.toml; done
TRAJ=([birth_death]=10000 [linear_chain]=100 [dimerisation]=10000)
for r in $NETWORKS; do
  m=network_$r
  "$BIN/egress_bench_ssa" --network-toml "$r" > "$WORK/$m.toml"
  FILE[$m]=$WORK/$m.toml
  TRAJ[$m]=100
done
models=(birth_death linear_chain dimerisation)
for r in $NETWORKS; do models+=("network_$r"); done

for m in "${models[@]}"; do
  read -r END[$m] SAMPLES[$m] < <(/usr/bin/python3 -c 'import sys, tomllib
s = tomllib.load(open(sys.argv[1], "rb"))["simulation"]
print(s["t_end"], round(s["t_end"] / s["output_interval"]) + 1)' "${FILE[$m]}")
  # A copy of template/ with our header: a quoted include looks beside the including file first.
  mkdir -p "$WORK/gpy_$m"
  cp -r "$CBASE/template" "$WORK/gpy_$m/"
  /usr/bin/python3 "$ROOT/bench/gillespy2/definitions.py" "${FILE[$m]}" > "$WORK/gpy_$m/template/template_definitions.h"
  start=$(date +%s)
  g++ -O3 -march=native -std=c++14 -w -I"$WORK/gpy_$m/template" -I"$CBASE" -I"$CBASE/ssa_cpp_solver" \
    "$CBASE/ssa_cpp_solver/SSASimulation.cpp" "$CBASE/ssa_cpp_solver/SSASolver.cpp" "$CBASE/model.cpp" \
    "$CBASE/arg_parser.cpp" "$WORK/gpy_$m/template/template.cpp" -o "$WORK/gpy_$m/ssa"
  echo "built GillesPy2 ssa for $m in $(( $(date +%s) - start )) s"
done

printf "%-16s %5s %10s %14s %14s %9s\n" model round events "egress ev/s" "GillesPy2 ev/s" ratio
for m in "${models[@]}"; do
  : > "$WORK/$m.rounds"
  for round in $(seq 1 "$ROUNDS"); do
    a=$(cpu "$BIN/egress" run "${FILE[$m]}" --replicates "${TRAJ[$m]}" --threads 1 -o "$WORK/$m.h5")
    events=$(sed -n 's/.* \([0-9]*\) events, .*/\1/p' "$WORK/out")
    b=$(cpu "$WORK/gpy_$m/ssa" --trajectories "${TRAJ[$m]}" --timesteps "${SAMPLES[$m]}" --end "${END[$m]}" \
          --interval 1 --seed "$round")
    awk -v m="$m" -v r="$round" -v e="$events" -v a="$a" -v b="$b" 'BEGIN {
      printf "%-16s %5d %10d %14.4g %14.4g %9.2f\n", m, r, e, e / a, e / b, b / a
      printf "%s %s\n", e / a, e / b > "/dev/stderr" }' 2>> "$WORK/$m.rounds"
    rm -f "$WORK/$m.h5"
  done
done
echo
printf "%-16s %14s %14s %9s\n" model "egress best" "GillesPy2 best" egress/GillesPy2
for m in "${models[@]}"; do
  awk -v m="$m" '{ if ($1 > a) a = $1; if ($2 > b) b = $2 } END { printf "%-16s %14.4g %14.4g %9.2f\n", m, a, b, a / b }' "$WORK/$m.rounds"
done
