#!/usr/bin/env bash
# Instructions per event of the ssa method against the hand-written loops of
# bench/ssa_throughput.cpp (the model-file-driven Philox loop, and the tight compile-time loop with
# xoshiro256++ of bench/tight_loops.hpp), counted by callgrind. Unlike events per second, the count
# does not move with the load of a shared machine; it does not see cache misses, mispredicted
# branches or the latency of log and divisions either, so it complements the timed ratio rather
# than replacing it. Usage:
#   bench/ssa_instructions.sh [EGRESS_BENCH_SSA] [RUNS]   (defaults: build/release/bin/egress_bench_ssa, 20)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${1:-$ROOT/build/release/bin/egress_bench_ssa}
RUNS=${2:-20}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf "%-14s %12s %12s %12s %12s %12s\n" model "egress Ir/ev" "philox Ir/ev" "tight Ir/ev" "philox/egr" "tight/egr"
# default+stream: egress reports every bud and fusion to its observer, as for an event log.
for model in birth_death linear_chain dimerisation default default+stream; do
  stream=()
  case $model in
    birth_death) hand=handBirthDeath tight=tight::birthDeath ;;
    linear_chain) hand=handChain tight=tight::chain ;;
    dimerisation) hand=none tight=tight::dimerisation ;;
    default) hand=handSecretory tight=none ;;
    default+stream) hand=handSecretory tight=none stream=(--event-stream) ;;
  esac
  # Count only inside the functions that simulate (each is called once per trajectory).
  valgrind --tool=callgrind --callgrind-out-file="$WORK/$model.out" \
    --toggle-collect='egress::SsaSolver::run*' --toggle-collect="*$hand*" --toggle-collect="*$tight*" \
    "$BENCH" --plain-runs "$RUNS" "${model%+stream}" "${stream[@]}" > "$WORK/$model.events" 2> "$WORK/$model.log"
  callgrind_annotate --inclusive=yes "$WORK/$model.out" > "$WORK/$model.txt"
  count() { grep -E "$1" "$WORK/$model.txt" | head -1 | awk '{gsub(",", "", $1); print $1}'; }
  read -r _ _ egressEvents _ handEvents _ tightEvents < "$WORK/$model.events"
  awk -v m="$model" -v e="$(count 'SsaSolver::run')" -v ee="$egressEvents" -v h="$(count "$hand")" -v he="$handEvents" \
      -v ti="$(count "$tight")" -v te="$tightEvents" \
    'function per(n, d) { return d > 0 ? n / d : 0 }
     function show(v) { return v > 0 ? sprintf("%12.1f", v) : sprintf("%12s", "-") }
     function ratio(v, w) { return (v > 0 && w > 0) ? sprintf("%12.3f", v / w) : sprintf("%12s", "-") }
     BEGIN{ eg = per(e, ee); hp = per(h, he); tp = per(ti, te);
            printf "%-14s %s %s %s %s %s\n", m, show(eg), show(hp), show(tp), ratio(hp, eg), ratio(tp, eg) }'
done
