#!/usr/bin/env bash
# Instructions per event of the ssa method against the hand-written Philox loop of
# bench/ssa_throughput.cpp, counted by callgrind. Unlike events per second, the count does not
# move with the load of a shared machine; it does not see cache misses or mispredicted branches
# either, so it complements the timed ratio rather than replacing it. Usage:
#   bench/ssa_instructions.sh [EGRESS_BENCH_SSA] [RUNS]   (defaults: build/release/bin/egress_bench_ssa, 20)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${1:-$ROOT/build/release/bin/egress_bench_ssa}
RUNS=${2:-20}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
printf "%-14s %16s %16s %12s\n" model "egress Ir/event" "hand Ir/event" "hand/egress"
# default+stream: egress reports every bud and fusion to its observer, as for an event log.
for model in birth_death linear_chain default default+stream; do
  stream=()
  case $model in
    birth_death) hand=handBirthDeath ;;
    linear_chain) hand=handChain ;;
    default) hand=handSecretory ;;
    default+stream) hand=handSecretory stream=(--event-stream) ;;
  esac
  # Count only inside the two functions that simulate (both are called once per trajectory).
  valgrind --tool=callgrind --callgrind-out-file="$WORK/$model.out" \
    --toggle-collect='egress::SsaSolver::run*' --toggle-collect="*$hand*" \
    "$BENCH" --plain-runs "$RUNS" "${model%+stream}" "${stream[@]}" > "$WORK/$model.events" 2> "$WORK/$model.log"
  callgrind_annotate --inclusive=yes "$WORK/$model.out" > "$WORK/$model.txt"
  count() { grep -E "$1" "$WORK/$model.txt" | head -1 | awk '{gsub(",", "", $1); print $1}'; }
  read -r _ _ egressEvents _ handEvents < "$WORK/$model.events"
  awk -v m="$model" -v e="$(count 'SsaSolver::run')" -v ee="$egressEvents" -v h="$(count "$hand")" -v he="$handEvents" \
    'BEGIN{printf "%-14s %16.1f %16.1f %12.3f\n", m, e/ee, h/he, (h/he)/(e/ee)}'
done
