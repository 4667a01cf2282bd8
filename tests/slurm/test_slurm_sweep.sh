#!/usr/bin/env bash
# End-to-end test of sweeps on a real Slurm cluster (CTest label "slurm"; docs/slurm.md).
#
# Brings up a one-node cluster (scripts/slurm-up.sh) in a fresh directory under /tmp, writes a
# 12-point sweep (4 x 3 grid) over a two-species SSA model, emits the job script with
# `egress sweep --emit-slurm --array-size 4`, submits it with `bash job.sbatch` (a 4-task array,
# then a merge job that depends on it), waits for both, and checks that the merged file's datasets
# equal those of a one-process run (`egress sweep -o DIR` + `egress merge DIR`). The daemons it
# started are always stopped (trap), and the job logs are printed when anything fails.
#
# Environment: EGRESS_BIN (the egress program), EGRESS_SOURCE_DIR (the source tree),
# EGRESS_PYTHON (default /usr/bin/python3, with h5py and numpy).
# Exit: 0 pass; 77 skipped (not root: starting munged and slurmd needs root); 1 fail, which
# includes slurm-wlm or munge not installed when running as root.
set -euo pipefail

EGRESS_BIN=${EGRESS_BIN:?set EGRESS_BIN to the egress program}
SRC=${EGRESS_SOURCE_DIR:?set EGRESS_SOURCE_DIR to the source tree}
PY=${EGRESS_PYTHON:-/usr/bin/python3}
JOB_TIMEOUT=${EGRESS_SLURM_JOB_TIMEOUT:-240}   # seconds for the array and the merge together

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: the slurm test starts munged, slurmctld and slurmd, which needs root (uid is $(id -u))"
  exit 77
fi
missing=()
for c in munged munge unmunge slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
  command -v "$c" >/dev/null || missing+=("$c")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "FAIL: running as root, but ${missing[*]} not found: install slurm-wlm and munge (bash scripts/install-deps.sh)"
  exit 1
fi
[ -x "$EGRESS_BIN" ] || { echo "FAIL: egress program not found at $EGRESS_BIN"; exit 1; }

# Not inside someone else's job: the sweep must not pick up an outer array's SLURM_* variables.
unset $(compgen -e | grep '^SLURM_' || true)

WORK=$(mktemp -d /tmp/egress-slurm-test.XXXXXX)   # short path: slurmd's unix sockets live under it
RUNDIR=$WORK/cluster
SWEEP=$WORK/sweep
mkdir -p "$SWEEP"
export EGRESS_SLURM_RUNDIR=$RUNDIR
export PATH="$(cd "$(dirname "$EGRESS_BIN")" && pwd):$PATH"
ARRAY_ID= MERGE_ID=

# Two free ports on loopback (a developer may have another cluster on the default 6817/6818).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=6817
while port_in_use "$port" || port_in_use "$((port + 1))"; do
  port=$((port + 2))
  ((port < 6999)) || { echo "FAIL: no two free ports in 6817..6999"; exit 1; }
done
export EGRESS_SLURM_CTLD_PORT=$port EGRESS_SLURM_D_PORT=$((port + 1))

show_logs() {
  echo "=============== slurm test failed: diagnostics (work directory $WORK kept)"
  for f in "$SWEEP/submit.out" "$SWEEP/job.sbatch"; do
    [ -f "$f" ] && { echo "--- $f"; cat "$f"; }
  done
  find "$SWEEP" \( -name '*.out' -o -name '*.err' \) ! -name submit.out -print0 2>/dev/null |
    sort -z | while IFS= read -r -d '' f; do echo "--- job log $f"; cat "$f"; done
  if [ -s "$RUNDIR/env.sh" ]; then
    echo "--- squeue"; timeout 10 squeue 2>&1 || true
    for j in $ARRAY_ID $MERGE_ID; do
      echo "--- scontrol show job $j (state of each task)"
      timeout 10 scontrol -o show job "$j" 2>&1 |
        awk '{ s = ""; for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|ArrayTaskId|JobState|Reason|ExitCode|Dependency|RunTime)=/) s = s " " $i; print s }' || true
    done
  fi
  for f in "$RUNDIR"/log/*; do
    [ -s "$f" ] && { echo "--- $f (last 40 lines)"; tail -n 40 "$f"; }
  done
  echo "==============="
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  ((rc == 0)) || show_logs
  bash "$SRC/scripts/slurm-down.sh" "$RUNDIR" || true
  ((rc != 0)) || rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }   # seconds, 0.1 s
t0=$EPOCHREALTIME
bash "$SRC/scripts/slurm-up.sh" "$RUNDIR"
source "$RUNDIR/env.sh"   # SLURM_CONF for sbatch, squeue, scontrol
echo "cluster up in $(since $t0) s"

# --- the sweep: 4 x 3 = 12 points of a two-species SSA chain, 5 replicates each -------------
cat >"$SWEEP/base.toml" <<'TOML'
[model]
name = "chain"
[model.compartments]
ER = {}
PM = {}
[model.species]
A = { compartment = "ER", initial = 100 }
B = { compartment = "PM", initial = 0 }
[model.parameters]
k = 0.05
k2 = 0.5
[[model.reactions]]
name = "exit"
equation = "A -> B"
k = "k"
[[model.reactions]]
name = "back"
equation = "B -> A"
k = "k2"
[simulation]
method = "ssa"
t_end = 100.0
output_interval = 10.0
replicates = 5
seed = 7
TOML
cat >"$SWEEP/sweep.toml" <<'TOML'
base = "base.toml"
[sweep]
design = "grid"
[[sweep.axes]]
parameter = "k"
values = [0.01, 0.02, 0.05, 0.1]
[[sweep.axes]]
parameter = "k2"
min = 0.1
max = 1.0
points = 3
log = true
TOML
cd "$SWEEP"

# --- on the cluster: emit, submit with `bash job.sbatch`, wait -------------------------------
egress sweep sweep.toml --emit-slurm job.sbatch --array-size 4 --cpus-per-task 1 --time 00:10:00 \
  -o "$SWEEP/shards" --merge-output "$SWEEP/merged.h5" ||
  { echo "FAIL: egress sweep --emit-slurm exited $?"; exit 1; }
[ -s job.sbatch ] || { echo "FAIL: egress sweep --emit-slurm wrote no job.sbatch"; exit 1; }
t1=$EPOCHREALTIME
bash job.sbatch >submit.out 2>&1 || { echo "FAIL: bash job.sbatch exited $?"; exit 1; }
cat submit.out
job_id() { sed -n "s/.*$1 job ID[^0-9]*\([0-9][0-9]*\).*/\1/Ip" submit.out | head -n1; }
ARRAY_ID=$(job_id array)
MERGE_ID=$(job_id merge)
[ -n "$ARRAY_ID" ] || { echo "FAIL: no 'array job ID <n>' line in the output of bash job.sbatch"; exit 1; }
[ -n "$MERGE_ID" ] || { echo "FAIL: no 'merge job ID <n>' line in the output of bash job.sbatch"; exit 1; }
echo "array job $ARRAY_ID, merge job $MERGE_ID"

# squeue lists a job until it has ended (and fails once MinJobAge has purged it): poll it.
deadline=$((SECONDS + JOB_TIMEOUT))
while q=$(squeue -h -j "$ARRAY_ID,$MERGE_ID" -o '%i %T %r' 2>/dev/null) && [ -n "$q" ]; do
  if grep -q DependencyNeverSatisfied <<<"$q"; then
    echo "FAIL: merge job $MERGE_ID can never run: an array task failed"; exit 1
  fi
  ((SECONDS < deadline)) || { echo "FAIL: jobs not finished after $JOB_TIMEOUT s:"; echo "$q"; exit 1; }
  sleep 0.2
done
echo "array + merge finished $(since $t1) s after submission"

# Without accounting there is no sacct; scontrol keeps ended jobs for MinJobAge (300 s).
states() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr -s ' ' | tr '\n' ' '; }
array_states=$(states "$ARRAY_ID")
merge_states=$(states "$MERGE_ID")
echo "array tasks: $array_states; merge: $merge_states"
[ "$array_states" = " 4 JobState=COMPLETED " ] || { echo "FAIL: expected 4 completed array tasks"; exit 1; }
[ "$merge_states" = " 1 JobState=COMPLETED " ] || { echo "FAIL: merge job did not complete"; exit 1; }

shards=$(find shards -maxdepth 1 -name 'shard-*-of-0004.h5' | sort)
echo "shards:" $shards
[ "$(wc -w <<<"$shards")" -eq 4 ] || { echo "FAIL: expected 4 shard files shards/shard-IIII-of-0004.h5"; exit 1; }
logs=$(find shards -maxdepth 1 -name "slurm-${ARRAY_ID}_*.out" | wc -l)
[ "$logs" -eq 4 ] || { echo "FAIL: expected 4 array logs shards/slurm-${ARRAY_ID}_*.out, found $logs"; exit 1; }
[ -s merged.h5 ] || { echo "FAIL: the merge job wrote no $SWEEP/merged.h5"; exit 1; }

# --- the same sweep in one process, outside Slurm --------------------------------------------
egress sweep sweep.toml -o "$SWEEP/single" --quiet || { echo "FAIL: one-process egress sweep exited $?"; exit 1; }
egress merge "$SWEEP/single" -o "$SWEEP/single.h5" || { echo "FAIL: egress merge exited $?"; exit 1; }
"$PY" "$SRC/tests/slurm/compare_h5.py" merged.h5 single.h5 ||
  { echo "FAIL: the merged result of the 4-task array differs from the one-process run"; exit 1; }
echo "PASS: Slurm array ($ARRAY_ID) + merge ($MERGE_ID) equal a one-process run; $(since $t0) s in all (without stopping the cluster)"
