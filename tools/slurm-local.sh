#!/usr/bin/env bash
# Bring up (or tear down) a real single-node Slurm on this Debian/Ubuntu machine.
#
# Why: the Slurm profiles must be proven against a real scheduler, in CI and by users who
# want to try `--profile profiles/slurm` before their cluster. This runs munge, slurmctld
# and slurmd from the distribution's packages on loopback, as root, without systemd.
#
# Usage: tools/slurm-local.sh [--dir DIR] [--install] [--purge] up|down|status
#   up      write slurm.conf and all state under DIR, start munged (unless one already
#           answers), slurmctld and slurmd, and wait until `sinfo` says the node is idle.
#   down    cancel all jobs, stop the daemons this script started (by the pids in their pid
#           files), remove the /etc/slurm/slurm.conf symlink. Safe to run twice.
#           --purge also deletes DIR.
#   status  print the daemons' state and `sinfo`; exit 0 only when the node is usable.
#   --install  first run `apt-get update && apt-get install -y munge slurmctld slurmd
#           slurm-client` (nothing is ever installed without it).
#   DIR     from --dir, else $SLURM_LOCAL_DIR, else (for `up`) a new temp folder; `down` and
#           `status` otherwise find it through the /etc/slurm/slurm.conf symlink.
#
# Pitfalls this encodes (see docs/slurm.md):
#   - cgroup task/proctrack plugins fail in containers ("cgroup namespace 'freezer' not
#     mounted"): proctrack/linuxproc + task/affinity (binds each job to the CPUs Slurm gave
#     it with sched_setaffinity, no cgroups needed), so trials see only their own CPUs.
#   - The config must be reachable at /etc/slurm/slurm.conf: the Snakemake slurm plugin's
#     job step drops SLURM_CONF before its nested srun.
#   - No slurmdbd: jobcomp/filetxt keeps the scheduler's own record of finished jobs (the
#     tests read it); MinJobAge=600 keeps finished jobs visible to squeue for the plugin.
#   - DefMemPerCPU, or every bare sbatch job takes the whole node's memory.
set -euo pipefail
# The daemons live in /usr/sbin, which a non-login shell's PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

PROG=$(basename "$0")
SYMLINK=/etc/slurm/slurm.conf
MUNGE_PIDFILE=/run/munge/munged.pid
WAIT_SECONDS=${SLURM_LOCAL_WAIT:-60}

die() { echo "$PROG: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

DIR=${SLURM_LOCAL_DIR:-}
INSTALL=0
PURGE=0
CMD=
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) [ $# -ge 2 ] || die "--dir needs a folder"; DIR=$2; shift 2 ;;
        --dir=*) DIR=${1#--dir=}; shift ;;
        --install) INSTALL=1; shift ;;
        --purge) PURGE=1; shift ;;
        -h|--help) usage ;;
        up|down|status) [ -z "$CMD" ] || die "only one subcommand"; CMD=$1; shift ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[ -n "$CMD" ] || usage

# The folder a running instance uses, read from the symlink it left behind.
dir_from_symlink() {
    if [ -L "$SYMLINK" ]; then
        dirname "$(readlink "$SYMLINK")"
    fi
}

pid_alive() {  # pid_alive PIDFILE -> 0 if the pid in it is a live process
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

munge_answers() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

install_packages() {
    [ "$(id -u)" -eq 0 ] || die "--install needs root"
    log "installing munge slurmctld slurmd slurm-client"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y munge slurmctld slurmd slurm-client
}

require_binaries() {
    local missing=() b
    for b in munged munge unmunge slurmctld slurmd sinfo sbatch squeue scancel scontrol; do
        command -v "$b" >/dev/null 2>&1 || missing+=("$b")
    done
    [ ${#missing[@]} -eq 0 ] || die "not installed: ${missing[*]} (rerun with --install, or apt-get install munge slurmctld slurmd slurm-client)"
}

write_conf() {
    local host cpus mem_kb real_mb
    host=$(hostname -s)
    cpus=$(nproc)
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    real_mb=$(( mem_kb * 9 / 10 / 1024 ))  # leave ~10% to the OS and the daemons
    cat > "$DIR/slurm.conf" <<EOF
# Written by tools/slurm-local.sh: a single-node Slurm on loopback, for tests and trying
# the project's Slurm profiles. All state lives under $DIR.
ClusterName=rtg-local
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
ReturnToService=2
MinJobAge=600
KillWait=5
InactiveLimit=0
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.log
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${real_mb} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
    if munge_answers; then
        log "munged already answers; using it (this script will not stop it)"
        return
    fi
    [ -s /etc/munge/munge.key ] || runuser -u munge -- mungekey --create
    mkdir -p /run/munge
    chown munge:munge /run/munge
    chmod 0755 /run/munge
    runuser -u munge -- /usr/sbin/munged --pid-file="$MUNGE_PIDFILE"
    local i
    for i in $(seq 1 50); do
        munge_answers && break
        sleep 0.1
    done
    munge_answers || die "munged did not answer (see /var/log/munge/munged.log)"
    cp "$MUNGE_PIDFILE" "$DIR/munged.pid.ours"  # so `down` stops only a munged we started
}

node_state() { sinfo -h -o %T 2>/dev/null | head -n 1; }

show_logs() {
    local f
    for f in "$DIR/slurmctld.log" "$DIR/slurmd.log"; do
        [ -f "$f" ] && { echo "--- tail $f" >&2; tail -n 20 "$f" >&2; }
    done
    return 0
}

cmd_up() {
    if [ "$INSTALL" -eq 1 ]; then install_packages; fi
    require_binaries
    [ "$(id -u)" -eq 0 ] || die "up needs root (daemons run as root on loopback)"
    local running
    running=$(dir_from_symlink)
    if [ -n "$running" ] && pid_alive "$running/slurmctld.pid"; then
        die "a local Slurm already runs from $running (tools/slurm-local.sh --dir $running down)"
    fi
    if [ -e "$SYMLINK" ] && [ ! -L "$SYMLINK" ]; then
        die "$SYMLINK is a real file (a site config?): refusing to replace it"
    fi
    if [ -z "$DIR" ]; then
        DIR=$(mktemp -d "${TMPDIR:-/tmp}/slurm-local.XXXXXX")
    fi
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    mkdir -p "$DIR/state" "$DIR/spool"
    write_conf
    mkdir -p "$(dirname "$SYMLINK")"
    ln -sfn "$DIR/slurm.conf" "$SYMLINK"
    start_munge
    export SLURM_CONF="$DIR/slurm.conf"
    # -c: clean start, no jobs or node state from an earlier run in the same folder.
    slurmctld -c -f "$DIR/slurm.conf" || { show_logs; die "slurmctld failed to start"; }
    slurmd -f "$DIR/slurm.conf" || { show_logs; die "slurmd failed to start"; }
    local deadline state=
    deadline=$(( $(date +%s) + WAIT_SECONDS ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        state=$(node_state)
        case "$state" in
            idle) break ;;
            down*|drain*|fail*) scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true ;;
        esac
        sleep 0.3
    done
    if [ "$state" != idle ]; then
        show_logs
        die "node not idle after ${WAIT_SECONDS}s (state: ${state:-none}); tear down with: $PROG --dir $DIR down"
    fi
    log "Slurm is up: node $(hostname -s) idle, $(nproc) CPUs; state in $DIR"
    echo "SLURM_LOCAL_DIR=$DIR"
}

stop_pidfile() {  # stop_pidfile NAME PIDFILE: TERM, wait up to 20 s, then KILL
    local name=$1 pidfile=$2 pid i
    pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name ($pid) ignored TERM for 20 s; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

cmd_down() {
    [ -n "$DIR" ] || DIR=$(dir_from_symlink)
    if [ -z "$DIR" ] || [ ! -d "$DIR" ]; then
        log "nothing to tear down (no --dir, \$SLURM_LOCAL_DIR or $SYMLINK)"
        return 0
    fi
    DIR=$(cd "$DIR" && pwd -P)
    if pid_alive "$DIR/slurmctld.pid"; then
        SLURM_CONF="$DIR/slurm.conf" scancel --user="$(id -un)" 2>/dev/null || true
    fi
    stop_pidfile slurmd "$DIR/slurmd.pid"
    stop_pidfile slurmctld "$DIR/slurmctld.pid"
    if [ -f "$DIR/munged.pid.ours" ]; then
        # Only the munged this folder started, and only while it still has that pid.
        if [ "$(cat "$MUNGE_PIDFILE" 2>/dev/null)" = "$(cat "$DIR/munged.pid.ours")" ]; then
            stop_pidfile munged "$MUNGE_PIDFILE"
        fi
        rm -f "$DIR/munged.pid.ours"
    fi
    if [ -L "$SYMLINK" ] && [ "$(readlink "$SYMLINK")" = "$DIR/slurm.conf" ]; then
        rm -f "$SYMLINK"
    fi
    if [ "$PURGE" -eq 1 ]; then
        rm -rf "$DIR"
        log "Slurm is down; removed $DIR"
    else
        log "Slurm is down; logs and jobcomp record kept in $DIR"
    fi
}

cmd_status() {
    [ -n "$DIR" ] || DIR=$(dir_from_symlink)
    if [ -z "$DIR" ]; then
        echo "down (no $SYMLINK)"
        return 1
    fi
    local ok=0 d
    echo "dir: $DIR"
    for d in slurmctld slurmd; do
        if pid_alive "$DIR/$d.pid"; then echo "$d: running (pid $(cat "$DIR/$d.pid"))"; else echo "$d: stopped"; ok=1; fi
    done
    if munge_answers; then echo "munged: answers"; else echo "munged: not answering"; ok=1; fi
    [ "$ok" -eq 0 ] || return 1
    SLURM_CONF="$DIR/slurm.conf" sinfo || return 1
    case "$(SLURM_CONF="$DIR/slurm.conf" node_state)" in
        idle|mixed|allocated|completing) return 0 ;;
        *) return 1 ;;
    esac
}

case "$CMD" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
esac
