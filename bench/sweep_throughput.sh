#!/usr/bin/env bash
# Sweep throughput (issue 10): points per second of a Latin-hypercube sweep of the default model
# (params/default.toml) over three rates, for ode (1 replicate per point) and hybrid (10
# replicates per point); and the cost of sharding: 4 shards run one after another plus their
# merge, against one process plus its merge, measured side by side in alternating rounds.
#   bench/sweep_throughput.sh EGRESS [ODE_POINTS=10000] [HYBRID_POINTS=10000] [ROUNDS=3] [THREADS=0]
set -euo pipefail
egress=$(realpath "$1")
ode_points=${2:-10000}
hybrid_points=${3:-10000}
rounds=${4:-3}
threads=${5:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

write_sweep() {  # NAME METHOD REPLICATES POINTS
  cat > "$work/$1.toml" <<TOML
base = "$root/params/default.toml"
[sweep]
design = "latin_hypercube"
samples = $4
seed = 1
method = "$2"
replicates = $3
[[sweep.axes]]
parameter = "k_copii"
min = 0.1
max = 2.0
log = true
[[sweep.axes]]
parameter = "k_pgc"
min = 0.1
max = 2.0
log = true
[[sweep.axes]]
parameter = "fusion_pgc"
min = 0.001
max = 0.1
log = true
[[sweep.metrics]]
name = "er_exit_half_time"
kind = "decay_half_time"
species = "cargo_ER"
[[sweep.metrics]]
name = "secretion_half_time"
kind = "rise_half_time"
species = "cargo_secreted"
[[sweep.metrics]]
name = "secretion_rate_at_end"
kind = "rate_at_end"
species = "cargo_secreted"
TOML
}

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

measure() {  # NAME POINTS: prints one line per round
  local name=$1 points=$2 best_one= best_sharded=
  for ((r = 0; r < rounds; r++)); do
    rm -rf "$work/one" "$work/four" "$work"/*.h5
    local t0 t1 t2 t3 t4
    t0=$(now); "$egress" sweep "$work/$name.toml" -o "$work/one" --threads "$threads" -q
    t1=$(now); "$egress" merge "$work/one" -o "$work/one.h5" -q
    t2=$(now)
    for i in 0 1 2 3; do "$egress" sweep "$work/$name.toml" -o "$work/four" --shard $i --of 4 --threads "$threads" -q; done
    t3=$(now); "$egress" merge "$work/four" -o "$work/four.h5" -q
    t4=$(now)
    /usr/bin/python3 - "$work/one.h5" "$work/four.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
for n in ("point_values", "final_amounts", "metric_values"):
    assert np.array_equal(a[n][()], b[n][()], equal_nan=True), n
PY
    local one sweep1 merge1 sharded merge4
    sweep1=$(seconds "$t0" "$t1"); merge1=$(seconds "$t1" "$t2"); sharded=$(seconds "$t2" "$t3"); merge4=$(seconds "$t3" "$t4")
    printf "%-7s round %d: one process %8.2f s + merge %6.3f s = %8.2f points/s | 4 shards %8.2f s + merge %6.3f s | ratio %.3f\n" \
      "$name" "$r" "$sweep1" "$merge1" "$(awk -v p="$points" -v s="$sweep1" 'BEGIN { print p / s }')" "$sharded" "$merge4" \
      "$(awk -v a="$sweep1" -v b="$merge1" -v c="$sharded" -v d="$merge4" 'BEGIN { print (c + d) / (a + b) }')"
  done
}

write_sweep ode ode 1 "$ode_points"
write_sweep hybrid hybrid 10 "$hybrid_points"
echo "egress sweep throughput: $(nproc) cores, threads=${threads} (0 = all); merged files compared equal each round"
measure ode "$ode_points"
measure hybrid "$hybrid_points"
