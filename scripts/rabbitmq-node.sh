#!/usr/bin/env bash
# Start and stop throwaway RabbitMQ nodes for `make demo` and the integration tests.
#
#   rabbitmq-node.sh start DIR AMQP_PORT MGMT_PORT DIST_PORT [NODENAME] [--broker 3.10|4.0] [--config FILE] [--advanced-config FILE]
#   rabbitmq-node.sh stop DIR
#   rabbitmq-node.sh join DIR PEER_NODENAME
#   rabbitmq-node.sh ctl DIR RABBITMQCTL_ARGS...
#   rabbitmq-node.sh watch DIR PID [--remove-dir]
#   rabbitmq-node.sh ensure-installed [3.10|4.0|all]
#
# --broker picks the RabbitMQ release (default 3.10, or $WARREN_BROKER): 3.10 is Debian
# bookworm's rabbitmq-server (3.10.8) on this machine; 4.0 is Debian trixie's (4.0.5), run
# from a root that `debootstrap --variant=minbase --include=rabbitmq-server trixie` built
# once and keeps in $WARREN_BROKER_ROOTS (default /var/cache/warren). A 4.0 node sees the
# host's /tmp and DIR at the same paths through bind mounts, and registers with the host's
# epmd like the others.
#
# A node lives entirely in DIR (data, logs, pid file, config); it never touches the
# system broker (rabbit@localhost on 5672/15672) beyond sharing epmd and the Erlang
# cookie in /var/lib/rabbitmq. Run as root: Debian's start script su's to `rabbitmq`.
#
# --config FILE adds a rabbitmq.conf (e.g. from `warren render-config`) whose listener ports
# and log locations are replaced by the node's own; WARREN_NODE_STATS_INTERVAL_MS sets how
# often the management API's statistics refresh (the tests use 1 s, not the default 5 s);
# --advanced-config FILE is used as the
# node's advanced.config unchanged (so it must not open listeners of its own). The start
# check logs in as guest/guest, or as WARREN_NODE_CREDENTIALS=user:pass when set, and gives
# up after WARREN_NODE_START_TIMEOUT seconds (default 60). Nodes boot a few at a time on
# the machine (WARREN_NODE_BOOT_SLOTS, default one per core): the others wait their turn.
#
# join makes the running node in DIR a member of PEER_NODENAME's cluster, as the
# CreativeFlow join_node.sh did: rabbitmqctl stop_app, reset (wipes the node's own data),
# join_cluster PEER, start_app; each step checked, its output printed when it fails. Only
# the test harness needs it (it forms clusters after boot); real clusters form at first
# boot through peer discovery (`warren render-config`).
set -euo pipefail

readonly SERVER=/usr/sbin/rabbitmq-server
readonly ROOTS=${WARREN_BROKER_ROOTS:-/var/cache/warren}
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
readonly SELF
# The plugins a node runs; WARREN_NODE_PLUGINS (comma-separated) replaces the list.
readonly PLUGINS="[${WARREN_NODE_PLUGINS:-rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management,rabbitmq_federation,rabbitmq_federation_management}]."
readonly START_TIMEOUT_S=${WARREN_NODE_START_TIMEOUT:-60}
readonly STOP_TIMEOUT_S=15
# At most this many nodes boot at once on the machine, across processes (default: one per
# core, at least two): a burst of boots on a busy machine then each finish in time instead
# of all running out of it together.
readonly BOOT_SLOTS=${WARREN_NODE_BOOT_SLOTS:-$(($(nproc) > 2 ? $(nproc) : 2))}
readonly BOOT_SLOT_DIR=${TMPDIR:-/tmp}/warren-node-boot-slots

die() {
    echo "rabbitmq-node: $*" >&2
    exit 1
}

usage() {
    sed -n '4,9s/^#   //p' "$SELF" >&2
    exit 2
}

# The chroot a release runs from; empty for the host's own 3.10.
root_of() {
    case $1 in
    3.10) echo '' ;;
    4.0) echo "$ROOTS/trixie" ;;
    *) die "unknown broker release: $1 (3.10 or 4.0)" ;;
    esac
}

# Runs a command on the host, or inside the node's root when it has one.
in_root() {
    local root=$1
    shift
    if [[ -n $root ]]; then chroot "$root" "$@"; else "$@"; fi
}

# Builds the 4.0 root once (about 75 s, 370 MB); a half-built root is never used.
ensure_root() {
    local root=$1
    [[ -x $root/usr/sbin/rabbitmq-server ]] && return 0
    command -v debootstrap >/dev/null || apt_install debootstrap
    mkdir -p "$(dirname "$root")"
    exec 9>"$root.lock"
    flock 9
    if [[ ! -x $root/usr/sbin/rabbitmq-server ]]; then
        echo "rabbitmq-node: building $root with debootstrap (once; about 75 s)" >&2
        rm -rf -- "$root.partial"
        debootstrap --variant=minbase --include=rabbitmq-server trixie "$root.partial" \
            >"$root.debootstrap.log" 2>&1 ||
            { tail -n 30 "$root.debootstrap.log" >&2; die "debootstrap failed (log: $root.debootstrap.log)"; }
        mv -- "$root.partial" "$root"
    fi
    exec 9>&-
}

# /proc for the root's Erlang VM; the host's /tmp, where tests keep the files a node reads
# (definitions to load, certificates); and DIR at the same path when it is elsewhere.
mount_into_root() {
    local root=$1 dir=$2
    mountpoint -q "$root/proc" || mount -t proc proc "$root/proc" || die "cannot mount proc in $root"
    mountpoint -q "$root/tmp" || mount --bind /tmp "$root/tmp" || die "cannot bind /tmp into $root"
    [[ $dir == /tmp/* ]] && return 0
    mkdir -p "$root$dir"
    mountpoint -q "$root$dir" || mount --bind "$dir" "$root$dir" || die "cannot bind $dir into $root"
}

unmount_from_root() {
    local root=$1 dir=$2
    [[ -n $root && $dir != /tmp/* && -d $root$dir ]] || return 0
    if mountpoint -q "$root$dir"; then
        umount "$root$dir" 2>/dev/null || umount -l "$root$dir" 2>/dev/null || true
    fi
    rmdir -- "$root$dir" 2>/dev/null || true
}

apt_install() {
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

is_port() {
    [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 > 0 && 10#$1 < 65536))
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True while process $1 exists and is not a zombie (an orphaned zombie may linger
# when PID 1 does not reap, as in some containers).
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

# The pid in the node's pid file, if that process is alive and still an Erlang VM
# (never signal a recycled pid). The node deletes this file when it starts shutting down.
node_pid() {
    local pid
    pid=$(cat "$1/rabbitmq.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == beam* ]] || return 1
    echo "$pid"
}

# The session leader `start` created for the node (the server's wrapper script), if
# still alive and still that process.
launcher_pid() {
    local pid cmdline
    pid=$(cat "$1/launcher.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    [[ $(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ') == "$pid" ]] || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *rabbitmq-server* ]] || return 1
    echo "$pid"
}

# Waits up to $2 seconds for pid $1 to exit; false if it is still alive.
wait_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

print_log_tail() {
    local dir=$1 f
    for f in "$dir"/log/startup.log "$dir"/log/rabbit.log; do
        [[ -s $f ]] || continue
        echo "---- tail of $f ----" >&2
        tail -n 40 "$f" >&2
    done
}

# epmd must outlive every test node. If none runs, start it here, detached and bound
# to loopback, rather than letting the first node's `erl` spawn it inside the node's
# session with the node's environment and file descriptors.
ensure_epmd() {
    epmd -names >/dev/null 2>&1 && return 0
    ERL_EPMD_ADDRESS=127.0.0.1 setsid runuser -u rabbitmq -- epmd -daemon \
        </dev/null >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 5))
    while ((SECONDS < deadline)); do
        epmd -names >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "epmd did not come up"
}

# Replaces the caller's RABBITMQ_* and ERL_* variables with the environment `start`
# wrote for the node in DIR.
use_node_env() {
    local v
    for v in $(compgen -e); do
        case $v in RABBITMQ_* | ERL_*) unset "$v" ;; esac
    done
    # shellcheck source=/dev/null
    source "$1/node.env"
}

# Waits for a free boot slot and holds it on the fd in $boot_slot until the shell closes it
# or exits.
take_boot_slot() {
    local i
    mkdir -p "$BOOT_SLOT_DIR"
    while :; do
        for ((i = 0; i < BOOT_SLOTS; i++)); do
            exec {boot_slot}>>"$BOOT_SLOT_DIR/$i"
            flock -n "$boot_slot" && return 0
            exec {boot_slot}>&-
        done
        sleep 0.2
    done
}

cmd_start() {
    local positional=() extra_config='' advanced_config='' release=${WARREN_BROKER:-3.10}
    while (($#)); do
        case $1 in
        --broker) (($# >= 2)) || usage; release=$2; shift 2 ;;
        --config) (($# >= 2)) || usage; extra_config=$2; shift 2 ;;
        --advanced-config) (($# >= 2)) || usage; advanced_config=$2; shift 2 ;;
        *) positional+=("$1"); shift ;;
        esac
    done
    set -- "${positional[@]}"
    (($# == 4 || $# == 5)) || usage
    local dir=$1 amqp=$2 mgmt=$3 dist=$4
    local node=${5:-warren-test-$mgmt@localhost}
    local credentials=${WARREN_NODE_CREDENTIALS:-guest:guest}
    [[ -z $extra_config || -r $extra_config ]] || die "cannot read $extra_config"
    [[ -z $advanced_config || -r $advanced_config ]] || die "cannot read $advanced_config"
    local p
    for p in "$amqp" "$mgmt" "$dist"; do
        is_port "$p" || die "not a port: $p"
    done
    [[ $amqp != "$mgmt" && $amqp != "$dist" && $mgmt != "$dist" ]] ||
        die "the three ports must differ"
    local root
    root=$(root_of "$release")
    if [[ -n $root ]]; then
        ensure_root "$root"
    else
        [[ -x $SERVER ]] || die "$SERVER is missing; run: $0 ensure-installed"
    fi
    command -v curl >/dev/null || die "curl is missing; run: $0 ensure-installed"
    [[ $(id -u) == 0 ]] || die "must run as root (the start script su's to rabbitmq)"

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if node_pid "$dir" >/dev/null || launcher_pid "$dir" >/dev/null; then
        die "a node already runs from $dir"
    fi
    for p in "$amqp" "$mgmt" "$dist"; do
        ! port_taken "$p" || die "port $p on 127.0.0.1 is already in use"
    done

    mkdir -p "$dir/mnesia" "$dir/log"
    rm -f "$dir/rabbitmq.pid" "$dir/launcher.pid"
    echo "$PLUGINS" >"$dir/enabled_plugins"
    : >"$dir/rabbitmq.conf"
    if [[ -n $extra_config ]]; then
        # Everything but the listeners and log locations, which the lines below set.
        grep -Ev '^[[:space:]]*(listeners\.|management\.(tcp|ssl)\.|log\.dir[[:space:]]*=|log\.file[[:space:]]*=)' \
            "$extra_config" >>"$dir/rabbitmq.conf" || true
    fi
    if [[ -n $advanced_config ]]; then
        cp -- "$advanced_config" "$dir/advanced.config"
    fi
    cat >>"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$amqp
management.tcp.port = $mgmt
management.tcp.ip = 127.0.0.1
EOF
    if [[ -n ${WARREN_NODE_STATS_INTERVAL_MS:-} ]]; then
        # Tests wait on message counts, which the API shows only as often as this.
        echo "collect_statistics_interval = $WARREN_NODE_STATS_INTERVAL_MS" >>"$dir/rabbitmq.conf"
    fi
    # Sourced by the server script after `su`, whose PAM session drops the soft
    # open-files limit to 1024; with that, declarations stall at a few thousand queues.
    cat >"$dir/rabbitmq-env.conf" <<'EOF'
ulimit -n "$(ulimit -Hn)"
EOF
    echo "$root" >"$dir/root"
    if [[ -n $root ]]; then
        mount_into_root "$root" "$dir"
    fi
    # The root has its own rabbitmq user, with another uid than the host's.
    in_root "$root" chown -R rabbitmq:rabbitmq "$dir"
    in_root "$root" runuser -u rabbitmq -- test -w "$dir" ||
        die "user rabbitmq cannot write $dir (is a parent directory closed to it?)"

    ensure_epmd

    # A clean environment: no RABBITMQ_* or ERL_* settings leak in from the caller. It is
    # kept in DIR so that `join` runs rabbitmqctl with the node's own settings.
    cat >"$dir/node.env" <<ENV
export RABBITMQ_NODENAME='$node'
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$amqp
export RABBITMQ_DIST_PORT=$dist
export RABBITMQ_MNESIA_BASE='$dir/mnesia'
export RABBITMQ_LOG_BASE='$dir/log'
export RABBITMQ_LOGS='$dir/log/rabbit.log'
export RABBITMQ_ENABLED_PLUGINS_FILE='$dir/enabled_plugins'
export RABBITMQ_PID_FILE='$dir/rabbitmq.pid'
export RABBITMQ_CONFIG_FILE='$dir/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$dir/advanced.config'
export RABBITMQ_CONF_ENV_FILE='$dir/rabbitmq-env.conf'
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_FLAGS='-kernel inet_dist_use_interface {127,0,0,1}'
export ERL_CRASH_DUMP='$dir/log/erl_crash.dump'
ENV
    use_node_env "$dir"

    # Foreground mode in its own session, all output to a file: nothing holds the
    # caller's pipes (a test's Command::output() would otherwise never see EOF).
    # As root the wrapper su's to rabbitmq, so HOME=/var/lib/rabbitmq and the node
    # uses the system cookie there (Erlang creates it on a fresh install).
    local boot_slot waited=$SECONDS
    take_boot_slot
    if ((SECONDS - waited >= 5)); then
        echo "rabbitmq-node: $node waited $((SECONDS - waited))s for a boot slot" \
            "($BOOT_SLOTS boot at once)" >&2
    fi
    # The node must not inherit the slot: it would hold it for as long as it runs.
    local started=$SECONDS
    if [[ -n $root ]]; then
        setsid chroot "$root" "$SERVER" </dev/null >"$dir/log/startup.log" 2>&1 {boot_slot}>&- &
    else
        setsid "$SERVER" </dev/null >"$dir/log/startup.log" 2>&1 {boot_slot}>&- &
    fi
    local launcher=$!
    echo "$launcher" >"$dir/launcher.pid"

    local url="http://127.0.0.1:$mgmt/api/overview" body
    while :; do
        if body=$(curl -sf -m 2 -u "$credentials" "$url" 2>/dev/null) &&
            [[ $body == *"\"node\":\"$node\""* ]]; then
            echo "rabbitmq-node: $node up in $((SECONDS - started))s" \
                "(amqp $amqp, management $mgmt, dist $dist, dir $dir)" >&2
            exec {boot_slot}>&-
            return 0
        fi
        if ! alive "$launcher"; then
            echo "rabbitmq-node: $node exited during boot" >&2
            print_log_tail "$dir"
            cmd_stop "$dir" >/dev/null 2>&1 || true
            exit 1
        fi
        if ((SECONDS - started >= START_TIMEOUT_S)); then
            echo "rabbitmq-node: $node did not answer on $url within ${START_TIMEOUT_S}s" \
                "(load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
            print_log_tail "$dir"
            cmd_stop "$dir" >/dev/null 2>&1 || true
            exit 1
        fi
        sleep 0.2
    done
}

cmd_stop() {
    (($# == 1)) || usage
    local dir=$1 pid launcher
    [[ -d $dir ]] || return 0
    if pid=$(node_pid "$dir"); then
        # The node traps SIGTERM and shuts down cleanly; rabbitmqctl is never used
        # because it can hang on a busy node.
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" "$STOP_TIMEOUT_S"; then
            echo "rabbitmq-node: node $pid ignored SIGTERM for ${STOP_TIMEOUT_S}s; killing" >&2
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || die "node $pid survived SIGKILL"
        fi
    fi
    # The wrapper shells (sh, su, sh) exit once the VM is gone. If the VM never got as
    # far as writing its pid file, stop the launcher's session, which we created.
    if launcher=$(launcher_pid "$dir"); then
        if ! wait_gone "$launcher" 3; then
            kill -TERM -- "-$launcher" 2>/dev/null || true
            if ! wait_gone "$launcher" 10; then
                kill -KILL -- "-$launcher" 2>/dev/null || true
                wait_gone "$launcher" 5 || true
            fi
        fi
    fi
    rm -f "$dir/rabbitmq.pid" "$dir/launcher.pid"
    unmount_from_root "$(cat "$dir/root" 2>/dev/null || true)" "$dir"
}

cmd_join() {
    (($# == 2)) || usage
    local dir=$1 peer=$2 step out started=$SECONDS
    [[ $peer == *@* ]] || die "not a node name: $peer"
    [[ -r $dir/node.env ]] || die "no node was started from $dir"
    node_pid "$dir" >/dev/null || die "the node in $dir is not running"
    [[ $(id -u) == 0 ]] || die "must run as root (rabbitmqctl su's to rabbitmq)"
    use_node_env "$dir"
    local node=$RABBITMQ_NODENAME root ctl=(rabbitmqctl)
    root=$(cat "$dir/root" 2>/dev/null || true)
    [[ -z $root ]] || ctl=(chroot "$root" rabbitmqctl)
    for step in stop_app reset "join_cluster $peer" start_app; do
        # shellcheck disable=SC2086 # `join_cluster PEER` is two words
        if ! out=$(cd / && timeout 120 "${ctl[@]}" -q -n "$node" $step 2>&1 </dev/null); then
            echo "rabbitmq-node: rabbitmqctl -n $node $step failed:" >&2
            echo "$out" >&2
            print_log_tail "$dir"
            exit 1
        fi
    done
    echo "rabbitmq-node: $node joined $peer in $((SECONDS - started))s" >&2
}

# rabbitmqctl of the node's own release (inside its root, with its cookie) against it.
cmd_ctl() {
    (($# >= 1)) || usage
    local dir=$1 root ctl=(rabbitmqctl)
    shift
    [[ -r $dir/node.env ]] || die "no node was started from $dir"
    use_node_env "$dir"
    root=$(cat "$dir/root" 2>/dev/null || true)
    [[ -z $root ]] || ctl=(chroot "$root" rabbitmqctl)
    cd / && timeout 120 "${ctl[@]}" -q -n "$RABBITMQ_NODENAME" "$@" </dev/null
}

# Stops the node in DIR once process PID (a test binary) exits, so nodes started by a
# test process never outlive it, even when it dies without running destructors. Exits
# early when DIR disappears (the node was stopped and cleaned up normally).
cmd_watch() {
    (($# == 2 || $# == 3)) || usage
    local dir=$1 pid=$2 remove=${3:-}
    [[ $pid =~ ^[0-9]+$ ]] || die "not a pid: $pid"
    [[ -z $remove || $remove == --remove-dir ]] || usage
    dir=$(cd "$dir" && pwd)
    cd /
    setsid bash "$SELF" _watchdog "$dir" "$pid" "$remove" </dev/null >/dev/null 2>&1 &
}

cmd_watchdog() {
    local dir=$1 pid=$2 remove=$3
    while alive "$pid"; do
        [[ -d $dir ]] || exit 0
        sleep 1
    done
    cmd_stop "$dir" || true
    if [[ $remove == --remove-dir ]]; then
        rm -rf -- "$dir"
    fi
}

cmd_ensure_installed() {
    local release=${1:-3.10}
    case $release in
    3.10 | 4.0 | all) ;;
    *) usage ;;
    esac
    if ! [[ -x $SERVER ]] || ! command -v curl >/dev/null; then
        apt_install rabbitmq-server curl
    fi
    if [[ $release != 3.10 ]]; then
        ensure_root "$(root_of 4.0)"
    fi
}

(($# >= 1)) || usage
cmd=$1
shift
case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
join) cmd_join "$@" ;;
ctl) cmd_ctl "$@" ;;
watch) cmd_watch "$@" ;;
_watchdog) cmd_watchdog "$@" ;;
ensure-installed) cmd_ensure_installed "$@" ;;
*) usage ;;
esac
