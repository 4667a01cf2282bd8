#!/usr/bin/env bash
# Brings up a one-node Slurm cluster on loopback (node "localhost", partition "debug"): munged,
# slurmctld and slurmd, started as plain background processes (no systemd). Run as root, after
# `apt-get install slurm-wlm munge` (scripts/install-deps.sh). See docs/slurm.md.
#
#   scripts/slurm-up.sh [RUNDIR]      RUNDIR defaults to $EGRESS_SLURM_RUNDIR, else /tmp/egress-slurm
#
# Everything the cluster writes lives under RUNDIR (nothing in /etc/slurm, /var/spool or /var/log):
#   RUNDIR/slurm.conf                 the configuration (clients need SLURM_CONF pointing at it)
#   RUNDIR/env.sh                     `source` it: exports SLURM_CONF
#   RUNDIR/{munged,slurmctld,slurmd}.pid   the daemons THIS script started (slurm-down.sh stops these)
#   RUNDIR/log/                       slurmctld.log, slurmd.log and each daemon's stdout/stderr
#   RUNDIR/spool/                     slurmctld state, slurmd spool
# munged uses the system socket (/run/munge) and key (/etc/munge/munge.key); a munged that already
# answers is used as it is and is not recorded, so slurm-down.sh leaves it alone.
#
# Idempotent: daemons of this RUNDIR that are still running are kept (the configuration is then not
# rewritten); missing ones are started. Waits until the node answers (idle, or busy with jobs), at
# most $EGRESS_SLURM_TIMEOUT seconds (default 60). Ports: $EGRESS_SLURM_CTLD_PORT (default 6817)
# and $EGRESS_SLURM_D_PORT (default 6818).
set -euo pipefail

RUNDIR=${1:-${EGRESS_SLURM_RUNDIR:-/tmp/egress-slurm}}
CTLD_PORT=${EGRESS_SLURM_CTLD_PORT:-6817}
D_PORT=${EGRESS_SLURM_D_PORT:-6818}
TIMEOUT=${EGRESS_SLURM_TIMEOUT:-60}
START=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }   # seconds, 0.1 s

die() { echo "slurm-up: error: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (it starts munged, slurmctld and slurmd)"
for c in munged munge unmunge mungekey slurmctld slurmd sinfo scontrol setpriv; do
  command -v "$c" >/dev/null || die "'$c' not found: install the Debian packages slurm-wlm and munge (scripts/install-deps.sh)"
done
mkdir -p "$RUNDIR"
RUNDIR=$(cd "$RUNDIR" && pwd)
CONF=$RUNDIR/slurm.conf
export SLURM_CONF=$CONF

# alive NAME: the daemon recorded in RUNDIR/NAME.pid is running (not a zombie, and still NAME).
alive() {
  local f=$RUNDIR/$1.pid pid
  [ -s "$f" ] || return 1
  pid=$(<"$f")
  [ -r "/proc/$pid/stat" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}

# wait_for SECONDS WHAT COMMAND...: poll COMMAND every 0.1 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "slurm-up: timed out after $TIMEOUT s waiting for $what" >&2
      for f in "$RUNDIR"/log/*; do [ -s "$f" ] && { echo "--- $f (last 20 lines)"; tail -n 20 "$f"; }; done >&2
      return 1
    fi
    sleep 0.1
  done
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- munged: use one that answers; otherwise start one as user munge --------------------------
if alive munged; then
  echo "slurm-up: munged already running (pid $(<"$RUNDIR/munged.pid"), started by an earlier slurm-up)"
elif munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  rm -f "$RUNDIR/munged.pid"
  echo "slurm-up: a munged is already answering; using it (slurm-down.sh will not stop it)"
else
  if [ ! -s /etc/munge/munge.key ]; then   # Debian's postinst normally creates it
    install -d -o munge -g munge -m 0700 /etc/munge
    runuser -u munge -- mungekey -c -k /etc/munge/munge.key
  fi
  # /run/munge is made by systemd's RuntimeDirectory=; without systemd nobody creates it.
  install -d -o munge -g munge -m 0755 /run/munge
  mkdir -p "$RUNDIR/log"
  # munged refuses to run as root with the Debian key (owned by munge): run it as munge.
  # setpriv execs, so $! is munged itself; --foreground keeps it from daemonizing.
  setpriv --reuid=munge --regid=munge --init-groups \
    /usr/sbin/munged --foreground </dev/null >"$RUNDIR/log/munged.out" 2>&1 &
  echo $! >"$RUNDIR/munged.pid"
  wait_for "$TIMEOUT" "munged (munge -n | unmunge)" sh -c 'munge -n | unmunge'
  echo "slurm-up: munged started (pid $(<"$RUNDIR/munged.pid"))"
fi

# --- configuration: written only when no slurm daemon of this RUNDIR is running ---------------
if alive slurmctld || alive slurmd; then
  [ -s "$CONF" ] || die "slurm daemons of $RUNDIR are running but $CONF is missing"
  echo "slurm-up: keeping $CONF (daemons of this RUNDIR are running)"
else
  rm -f "$RUNDIR/slurmctld.pid" "$RUNDIR/slurmd.pid"
  for p in "$CTLD_PORT" "$D_PORT"; do
    ! port_in_use "$p" || die "port $p on 127.0.0.1 is in use (another Slurm?); stop it, or choose other ports with EGRESS_SLURM_CTLD_PORT / EGRESS_SLURM_D_PORT"
  done
  install -d -m 0755 "$RUNDIR/log" "$RUNDIR/spool/slurmctld" "$RUNDIR/spool/slurmd"
  # The node's hardware exactly as slurmd sees it (a larger RealMemory would drain the node;
  # CPUs alone would log "Node reconfigured socket/core boundaries").
  HW=$(SLURM_CONF=/nonexistent slurmd -C | head -n1 | sed 's/^NodeName=[^ ]* //')
  [[ $HW == CPUs=* ]] || die "unexpected 'slurmd -C' output: $HW"
  cat >"$CONF.tmp" <<CONF
# Written by egress scripts/slurm-up.sh: one node on loopback, no cgroups, no accounting.
ClusterName=egressci
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$D_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
ReturnToService=2
StateSaveLocation=$RUNDIR/spool/slurmctld
SlurmdSpoolDir=$RUNDIR/spool/slurmd
SlurmctldPidFile=$RUNDIR/spool/slurmctld.daemon.pid
SlurmdPidFile=$RUNDIR/spool/slurmd.daemon.pid
SlurmctldLogFile=$RUNDIR/log/slurmctld.log
SlurmdLogFile=$RUNDIR/log/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  mv "$CONF.tmp" "$CONF"
fi
printf 'export SLURM_CONF=%q\n' "$CONF" >"$RUNDIR/env.sh"

# EGRESS_SLURM_RUNDIR in the daemons' environment marks them and their slurmstepd children, so
# that slurm-down.sh can find stray step daemons of this cluster (and of no other).
if alive slurmctld; then
  echo "slurm-up: slurmctld already running (pid $(<"$RUNDIR/slurmctld.pid"))"
else
  EGRESS_SLURM_RUNDIR=$RUNDIR /usr/sbin/slurmctld -D -f "$CONF" \
    </dev/null >"$RUNDIR/log/slurmctld.out" 2>&1 &
  echo $! >"$RUNDIR/slurmctld.pid"
  echo "slurm-up: slurmctld started (pid $!)"
fi
wait_for "$TIMEOUT" "slurmctld (scontrol ping)" sh -c 'scontrol ping | grep -q "is UP"'

if alive slurmd; then
  echo "slurm-up: slurmd already running (pid $(<"$RUNDIR/slurmd.pid"))"
else
  # -N localhost: the node's name whatever the machine's hostname is.
  EGRESS_SLURM_RUNDIR=$RUNDIR /usr/sbin/slurmd -D -N localhost -f "$CONF" \
    </dev/null >"$RUNDIR/log/slurmd.out" 2>&1 &
  echo $! >"$RUNDIR/slurmd.pid"
  echo "slurm-up: slurmd started (pid $!)"
fi
# Responding and usable: idle, or running jobs (a second `up` while jobs run must not block).
wait_for "$TIMEOUT" "node localhost to become idle (sinfo)" \
  sh -c 'sinfo -h -n localhost -o %T | grep -Eqx "idle|mixed|allocated|completing"'

sinfo
echo "slurm-up: cluster up in $(since $START) s; for sbatch/squeue/sinfo: source $RUNDIR/env.sh"
