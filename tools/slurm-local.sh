#!/usr/bin/env bash
# Bring up (or tear down) a real Slurm on this Debian/Ubuntu machine: one node, or several.
#
# Why: the Slurm profiles must be proven against a real scheduler, in CI and by users who
# want to try `--profile profiles/slurm` before their cluster. This runs munge, slurmctld
# and slurmd from the distribution's packages, as root, without systemd.
#
# Usage: tools/slurm-local.sh [--dir DIR] [--nodes N] [--cpu-quota NODE=PERCENT]...
#                             [--install] [--purge] up|down|status
#   up      write slurm.conf and all state under DIR, start munged (unless one already
#           answers), slurmctld and the slurmd(s), and wait until `sinfo` says every node is idle.
#   down    cancel all jobs, stop the daemons this script started (by the pids in their pid
#           files), remove every namespace, link and cgroup it made and the
#           /etc/slurm/slurm.conf symlink. Safe to run twice. --purge also deletes DIR.
#   status  print the daemons' state and `sinfo`; exit 0 only when every node is usable.
#   --nodes N  (default 1: one node, the machine itself, on loopback). N >= 2: N nodes
#           node1..nodeN, each slurmd in its own network namespace (a veth on a bridge of
#           its own, 10.213.0.0/24) and UTS namespace (hostname nodeK), confined to its own
#           CPU (node K gets CPU K-1, modulo the machine's CPUs) and sharing the filesystem,
#           as the nodes of a cluster share theirs. Each node declares CPUs=1 and the
#           feature cpuC of its CPU (for --constraint).
#   --cpu-quota NODE=PERCENT  (N >= 2, repeatable) slow node NODE down: its slurmd and
#           every job it starts run in a cgroup with that CPU quota (a node with a noisy
#           neighbour or a lower clock), e.g. --cpu-quota node2=50.
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
#   - Several nodes: slurmd is started with `nsenter --net` + `unshare --uts`, not
#     `ip netns exec` (which remounts /sys, hides the cgroup mount, and slurmd dies with
#     "No filesystem mounted on /sys/fs/cgroup"); SlurmctldHost must be this machine's
#     short hostname with the bridge's address. task/none there: each slurmd is started
#     under `taskset` with its node's CPU and its jobs inherit that mask (task/affinity
#     would bind every node's jobs to the machine's CPU 0).
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
NODES=1
QUOTAS=()
CMD=
#: The test hosts' own network: a bridge with the controller's address, one address per node.
SUBNET=10.213.0
BRIDGE=rtgbr0
CGROUP_PREFIX=rtg-slurm-local
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) [ $# -ge 2 ] || die "--dir needs a folder"; DIR=$2; shift 2 ;;
        --dir=*) DIR=${1#--dir=}; shift ;;
        --nodes) [ $# -ge 2 ] || die "--nodes needs a number"; NODES=$2; shift 2 ;;
        --nodes=*) NODES=${1#--nodes=}; shift ;;
        --cpu-quota) [ $# -ge 2 ] || die "--cpu-quota needs NODE=PERCENT"; QUOTAS+=("$2"); shift 2 ;;
        --cpu-quota=*) QUOTAS+=("${1#--cpu-quota=}"); shift ;;
        --install) INSTALL=1; shift ;;
        --purge) PURGE=1; shift ;;
        -h|--help) usage ;;
        up|down|status) [ -z "$CMD" ] || die "only one subcommand"; CMD=$1; shift ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
done
[ -n "$CMD" ] || usage
case "$NODES" in
    ''|*[!0-9]*) die "--nodes must be a whole number from 1 to 200, not '$NODES'" ;;
esac
[ "$NODES" -ge 1 ] && [ "$NODES" -le 200 ] || die "--nodes must be from 1 to 200, not $NODES"
for quota in "${QUOTAS[@]}"; do
    [ "$NODES" -ge 2 ] || die "--cpu-quota needs --nodes 2 or more (nodes are then node1..nodeN)"
    case "$quota" in
        node[0-9]*=[0-9]*) ;;
        *) die "--cpu-quota takes NODE=PERCENT (e.g. node2=50), not '$quota'" ;;
    esac
    node=${quota%%=*}; pct=${quota#*=}
    k=${node#node}
    [ "$k" -ge 1 ] && [ "$k" -le "$NODES" ] || die "--cpu-quota: no $node among node1..node$NODES"
    [ "$pct" -ge 1 ] && [ "$pct" -le 100 ] || die "--cpu-quota: PERCENT must be 1 to 100, not $pct"
done

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
    local host mem_kb real_mb k
    host=$(hostname -s)
    mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    real_mb=$(( mem_kb * 9 / 10 / 1024 / NODES ))  # leave ~10% to the OS and the daemons
    {
        if [ "$NODES" -eq 1 ]; then
            echo "# Written by tools/slurm-local.sh: a single-node Slurm on loopback, for tests and trying"
            echo "# the project's Slurm profiles. All state lives under $DIR."
            echo "ClusterName=rtg-local"
            echo "SlurmctldHost=${host}(127.0.0.1)"
        else
            echo "# Written by tools/slurm-local.sh: a $NODES-node Slurm on one machine (each slurmd in its"
            echo "# own network and UTS namespace, on bridge $BRIDGE), for tests and trying the project's"
            echo "# Slurm profiles on several nodes. All state lives under $DIR."
            echo "ClusterName=rtg-local"
            echo "SlurmctldHost=${host}(${SUBNET}.1)"
        fi
        echo "SlurmUser=root"
        echo "AuthType=auth/munge"
        echo "CredType=cred/munge"
        echo "MpiDefault=none"
        echo "ProctrackType=proctrack/linuxproc"
        if [ "$NODES" -eq 1 ]; then
            echo "TaskPlugin=task/affinity"
        else
            echo "TaskPlugin=task/none"
        fi
        echo "SelectType=select/cons_tres"
        echo "SelectTypeParameters=CR_Core_Memory"
        echo "DefMemPerCPU=1000"
        echo "ReturnToService=2"
        echo "MinJobAge=600"
        echo "KillWait=5"
        echo "InactiveLimit=0"
        echo "MailProg=/bin/true"
        echo "AccountingStorageType=accounting_storage/none"
        echo "JobAcctGatherType=jobacct_gather/none"
        echo "JobCompType=jobcomp/filetxt"
        echo "JobCompLoc=$DIR/jobcomp.log"
        echo "StateSaveLocation=$DIR/state"
        echo "SlurmctldPidFile=$DIR/slurmctld.pid"
        echo "SlurmctldLogFile=$DIR/slurmctld.log"
        if [ "$NODES" -eq 1 ]; then
            echo "SlurmdSpoolDir=$DIR/spool"
            echo "SlurmdPidFile=$DIR/slurmd.pid"
            echo "SlurmdLogFile=$DIR/slurmd.log"
            echo "NodeName=${host} NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=${real_mb} State=UNKNOWN"
        else
            echo "SlurmdSpoolDir=$DIR/spool/%n"
            echo "SlurmdPidFile=$DIR/slurmd-%n.pid"
            echo "SlurmdLogFile=$DIR/slurmd-%n.log"
            # Feature cpuC: the machine CPU the node is confined to (see start_nodes), so
            # --constraint can pin trials to a kind of node as on a real cluster.
            for k in $(seq 1 "$NODES"); do
                echo "NodeName=node$k NodeAddr=${SUBNET}.$(( 10 + k )) CPUs=1 RealMemory=${real_mb}" \
                    "Features=cpu$(( (k - 1) % $(nproc) )) State=UNKNOWN"
            done
        fi
        echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
    } > "$DIR/slurm.conf"
}

# --- Several nodes on one machine: namespaces, links and cgroups, each recorded in
# $DIR/made.txt as it is made, so `down` removes exactly what `up` made (also after a
# failed `up`).

made() { echo "$*" >> "$DIR/made.txt"; }

netns_name() { echo "rtg-node$1"; }

make_network() {
    local k ns
    ip link add "$BRIDGE" type bridge || die "cannot create bridge $BRIDGE (left from another run? ip link del $BRIDGE)"
    made link "$BRIDGE"
    ip addr add "${SUBNET}.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    for k in $(seq 1 "$NODES"); do
        ns=$(netns_name "$k")
        ip netns add "$ns" || die "cannot create network namespace $ns"
        made netns "$ns"
        ip link add "rtgv$k" type veth peer name eth0 netns "$ns"
        made link "rtgv$k"
        ip link set "rtgv$k" master "$BRIDGE"
        ip link set "rtgv$k" up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "${SUBNET}.$(( 10 + k ))/24" dev eth0
        ip -n "$ns" link set eth0 up
    done
}

# The cgroup (v1 cpu controller, or v2) that holds a slowed node's slurmd and its jobs.
quota_cgroup() {  # quota_cgroup NODE PERCENT -> prints the cgroup.procs file to join
    local node=$1 pct=$2 dir period=10000  # 10 ms: smooth throttling even of short trials
    if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
        dir=/sys/fs/cgroup/cpu/$CGROUP_PREFIX-$node
        mkdir -p "$dir" || die "cannot create $dir for --cpu-quota"
        made cgroup "$dir"
        echo "$period" > "$dir/cpu.cfs_period_us"
        echo $(( period * pct / 100 )) > "$dir/cpu.cfs_quota_us"
    elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        echo +cpu > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
        dir=/sys/fs/cgroup/$CGROUP_PREFIX-$node
        mkdir -p "$dir" || die "cannot create $dir for --cpu-quota"
        made cgroup "$dir"
        echo "$(( period * pct / 100 )) $period" > "$dir/cpu.max"
    else
        die "--cpu-quota needs the cgroup cpu controller (neither /sys/fs/cgroup/cpu nor cgroup v2 with cpu)"
    fi
    echo "$dir/cgroup.procs"
}

start_nodes() {
    local k ns cpu procs quota cpus
    cpus=$(nproc)
    [ "$NODES" -le "$cpus" ] || log "warning: $NODES nodes on $cpus CPUs: some nodes share a CPU"
    for k in $(seq 1 "$NODES"); do
        ns=$(netns_name "$k")
        mkdir -p "$DIR/spool/node$k"
        cpu=$(( (k - 1) % cpus ))
        procs=/dev/null
        for quota in "${QUOTAS[@]}"; do
            if [ "${quota%%=*}" = "node$k" ]; then
                procs=$(quota_cgroup "node$k" "${quota#*=}")
                log "node$k: CPU quota ${quota#*=}%"
            fi
        done
        # The shell joins the node's cgroup (if slowed), takes the node's hostname in a UTS
        # namespace of its own and becomes slurmd, confined to the node's CPU.
        # shellcheck disable=SC2016  # expanded by that shell, from its arguments
        nsenter --net="/run/netns/$ns" unshare --uts sh -c \
            'echo $$ > "$1"; hostname "$2"; exec taskset -c "$3" slurmd -f "$4"' \
            sh "$procs" "node$k" "$cpu" "$DIR/slurm.conf" \
            || { show_logs; die "slurmd of node$k failed to start"; }
    done
}

remove_made() {
    local kind name i
    [ -f "$DIR/made.txt" ] || return 0
    # Last made, first removed.
    tac "$DIR/made.txt" | while read -r kind name; do
        case "$kind" in
            netns) ip netns del "$name" 2>/dev/null || true ;;
            link) ip link del "$name" 2>/dev/null || true ;;
            cgroup)
                for i in $(seq 1 50); do
                    [ -d "$name" ] || break
                    rmdir "$name" 2>/dev/null && break
                    sleep 0.2
                done
                [ ! -d "$name" ] || log "could not remove $name (processes still in it: $(tr '\n' ' ' < "$name/cgroup.procs"))"
                ;;
        esac
    done
    rm -f "$DIR/made.txt"
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

# The state of every node, one per line (`sinfo -N`: one line per node and partition).
node_states() { sinfo -h -N -o '%N %T' 2>/dev/null | sort -u; }

all_idle() {  # all_idle STATES -> 0 when NODES lines all say idle
    [ "$(printf '%s\n' "$1" | awk '$2 == "idle"' | wc -l)" -eq "$NODES" ]
}

show_logs() {
    local f
    for f in "$DIR/slurmctld.log" "$DIR"/slurmd*.log; do
        [ -f "$f" ] && { echo "--- tail $f" >&2; tail -n 20 "$f" >&2; }
    done
    return 0
}

# The pid files of this folder's slurmd(s): slurmd.pid (one node) or slurmd-nodeK.pid.
slurmd_pidfiles() {
    local f
    for f in "$DIR/slurmd.pid" "$DIR"/slurmd-*.pid; do
        [ -e "$f" ] && echo "$f"
    done
    return 0
}

cmd_up() {
    if [ "$INSTALL" -eq 1 ]; then install_packages; fi
    require_binaries
    [ "$(id -u)" -eq 0 ] || die "up needs root (daemons run as root; several nodes need namespaces)"
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
    if [ "$NODES" -ge 2 ]; then make_network; fi
    # -c: clean start, no jobs or node state from an earlier run in the same folder.
    slurmctld -c -f "$DIR/slurm.conf" || { show_logs; die "slurmctld failed to start"; }
    if [ "$NODES" -eq 1 ]; then
        slurmd -f "$DIR/slurm.conf" || { show_logs; die "slurmd failed to start"; }
    else
        start_nodes
    fi
    local deadline states= node state
    deadline=$(( $(date +%s) + WAIT_SECONDS ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        states=$(node_states)
        all_idle "$states" && break
        while read -r node state; do
            case "$state" in
                down*|drain*|fail*) scontrol update nodename="$node" state=resume 2>/dev/null || true ;;
            esac
        done <<< "$states"
        sleep 0.3
    done
    if ! all_idle "$states"; then
        show_logs
        die "not every node idle after ${WAIT_SECONDS}s (${states:-no sinfo answer}); tear down with: $PROG --dir $DIR down"
    fi
    if [ "$NODES" -eq 1 ]; then
        log "Slurm is up: node $(hostname -s) idle, $(nproc) CPUs; state in $DIR"
    else
        log "Slurm is up: $NODES nodes idle ($(echo "$states" | awk '{print $1}' | paste -sd ' ')), 1 CPU each; state in $DIR"
    fi
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
    local pidfile
    for pidfile in $(slurmd_pidfiles); do
        stop_pidfile "slurmd ($(basename "$pidfile" .pid))" "$pidfile"
    done
    stop_pidfile slurmctld "$DIR/slurmctld.pid"
    if [ -f "$DIR/munged.pid.ours" ]; then
        # Only the munged this folder started, and only while it still has that pid.
        if [ "$(cat "$MUNGE_PIDFILE" 2>/dev/null)" = "$(cat "$DIR/munged.pid.ours")" ]; then
            stop_pidfile munged "$MUNGE_PIDFILE"
        fi
        rm -f "$DIR/munged.pid.ours"
    fi
    remove_made
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
    local ok=0 pidfile name states
    echo "dir: $DIR"
    if pid_alive "$DIR/slurmctld.pid"; then
        echo "slurmctld: running (pid $(cat "$DIR/slurmctld.pid"))"
    else
        echo "slurmctld: stopped"; ok=1
    fi
    [ -n "$(slurmd_pidfiles)" ] || { echo "slurmd: stopped"; ok=1; }
    for pidfile in $(slurmd_pidfiles); do
        name=$(basename "$pidfile" .pid)
        if pid_alive "$pidfile"; then echo "$name: running (pid $(cat "$pidfile"))"; else echo "$name: stopped"; ok=1; fi
    done
    if munge_answers; then echo "munged: answers"; else echo "munged: not answering"; ok=1; fi
    [ "$ok" -eq 0 ] || return 1
    SLURM_CONF="$DIR/slurm.conf" sinfo -N || return 1
    states=$(SLURM_CONF="$DIR/slurm.conf" node_states)
    [ -n "$states" ] || return 1
    # Usable: no node down, drained or failed.
    ! printf '%s\n' "$states" | awk '{print $2}' | grep -Eqv '^(idle|mixed|allocated|completing)'
}

case "$CMD" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
esac
