#!/usr/bin/env bash
# Stops the one-node Slurm cluster that scripts/slurm-up.sh started (docs/slurm.md).
#
#   scripts/slurm-down.sh [RUNDIR]    RUNDIR defaults to $EGRESS_SLURM_RUNDIR, else /tmp/egress-slurm
#
# Stops only what slurm-up.sh started, as recorded in RUNDIR/{slurmd,slurmctld,munged}.pid: first
# cancels the cluster's jobs (the controller is ours, so all of them), then stops the daemons
# (SIGTERM, SIGKILL after 10 s), then kills slurmstepd processes left by this cluster's slurmd
# (and their jobs).
# A munged that slurm-up.sh found running is not stopped. RUNDIR (config, logs, state) is kept;
# delete it for a clean start. Running it again, or with nothing running, is harmless.
set -uo pipefail

RUNDIR=${1:-${EGRESS_SLURM_RUNDIR:-/tmp/egress-slurm}}
[ -d "$RUNDIR" ] || { echo "slurm-down: $RUNDIR does not exist; nothing to stop"; exit 0; }
RUNDIR=$(cd "$RUNDIR" && pwd)
export SLURM_CONF=$RUNDIR/slurm.conf

# pid_of NAME: the recorded pid if that process is running (not a zombie, and still NAME).
pid_of() {
  local f=$RUNDIR/$1.pid pid
  [ -s "$f" ] || return 1
  pid=$(<"$f")
  [ -r "/proc/$pid/stat" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] &&
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
}
gone() { [ ! -r "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

stop() {  # stop PID NAME: TERM, wait up to 10 s, then KILL
  local pid=$1 name=$2
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do gone "$pid" && return 0; sleep 0.1; done
  echo "slurm-down: $name ($pid) ignored SIGTERM for 10 s; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null
  for _ in $(seq 50); do gone "$pid" && return 0; sleep 0.1; done
}

START=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }   # seconds, 0.1 s
if pid_of slurmctld >/dev/null && timeout 10 scontrol ping 2>/dev/null | grep -q "is UP"; then
  jobs=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${jobs// }" ]; then
    echo "slurm-down: cancelling jobs $jobs"
    timeout 10 scancel $jobs 2>/dev/null
    deadline=$((SECONDS + 10))
    while [ -n "$(timeout 10 squeue -h -o %A 2>/dev/null)" ] && ((SECONDS < deadline)); do sleep 0.1; done
  fi
fi

for d in slurmd slurmctld munged; do
  if pid=$(pid_of "$d"); then
    stop "$pid" "$d"
    echo "slurm-down: stopped $d ($pid)"
  fi
  rm -f "$RUNDIR/$d.pid"
done

# slurmstepd (one per job step, detached from slurmd) outlives a slurmd that died or was killed.
# Those of this cluster hold RUNDIR/log/slurmd.log open. Kill them and the job processes under
# them. Normally there are none: the jobs were cancelled above, through a live slurmd.
strays=()
for p in /proc/[0-9]*; do
  comm=; read -r comm 2>/dev/null <"$p/comm"
  [ "$comm" = slurmstepd ] || continue
  for fd in "$p"/fd/*; do
    if [ "$(readlink "$fd" 2>/dev/null)" = "$RUNDIR/log/slurmd.log" ]; then strays+=("${p#/proc/}"); break; fi
  done
done
if [ ${#strays[@]} -gt 0 ]; then
  declare -A parent=()
  for p in /proc/[0-9]*; do   # /proc/PID/stat: "PID (COMM) STATE PPID ..."; COMM may hold spaces
    line=; read -r line 2>/dev/null <"$p/stat" || continue
    rest=${line##*) }; parent[${p#/proc/}]=${rest#* }; parent[${p#/proc/}]=${parent[${p#/proc/}]%% *}
  done
  victims=" ${strays[*]} "
  while :; do   # add descendants until none is new
    added=0
    for pid in "${!parent[@]}"; do
      [[ $victims != *" $pid "* && $victims == *" ${parent[$pid]} "* ]] && { victims+="$pid "; added=1; }
    done
    ((added)) || break
  done
  echo "slurm-down: killing leftover slurmstepd ${strays[*]} and their processes:$victims" >&2
  kill -KILL $victims 2>/dev/null
fi
echo "slurm-down: done in $(since $START) s (state and logs kept in $RUNDIR)"
