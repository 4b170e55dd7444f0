#!/usr/bin/env bash
# `make bench`: warren against the broker's own operations, side by side, at 1k and 10k
# queues, in two topology shapes, on each broker release (3.10.8 and 4.0.5). Ratios are
# warren's time over the broker's; warren's own CPU time and peak RSS come from
# /usr/bin/time. Each apply and each import runs on a fresh node of its own, so neither pays
# for the other's queues. Fails when validate grows faster than linearly with the
# environment.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
warren=$("$root/scripts/warren-bin.sh" release)
node="$root/scripts/rabbitmq-node.sh"
work=$(mktemp -d /tmp/warren-bench.XXXXXX)
chmod 755 "$work" # the nodes run as the rabbitmq user
sizes=${WARREN_BENCH_SIZES:-1000 10000}
# The releases rabbitmq-node.sh runs; every broker-facing row is measured on each.
brokers=${WARREN_BENCH_BROKERS:-3.10 4.0}
# Like curl for the broker's own import, warren waits for a slow answer instead of giving up.
timeout=${WARREN_BENCH_TIMEOUT:-900}
nodes=()

# Three free ports at once: asked one by one, the kernel may hand the same port out twice.
free_ports() {
    python3 -c '
import socket
held = [socket.socket() for _ in range(3)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))'
}
now() { date +%s.%N; }
seconds() { python3 -c "print(f'{$2 - $1:.3f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
cleanup() {
    for dir in "${nodes[@]}"; do "$node" stop "$dir" >&2 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Starts a fresh node and points warren and curl at it.
fresh_node() {
    local dir="$work/node-$WARREN_BROKER-$1" mgmt dist
    read -r amqp mgmt dist <<<"$(free_ports)"
    [[ -n $dist ]] || { echo "no free ports for a node" >&2; exit 1; }
    "$node" start "$dir" "$amqp" "$mgmt" "$dist" >&2
    nodes+=("$dir")
    url="http://127.0.0.1:$mgmt"
    export RABBITMQ_MANAGEMENT_API_URL=$url RABBITMQ_MANAGEMENT_USER=guest RABBITMQ_MANAGEMENT_PASSWORD=guest
}
stop_node() {
    "$node" stop "${nodes[-1]}" >&2
    unset 'nodes[-1]'
}
api() { curl -sf -u guest:guest "$@"; }

# Runs warren: sets wall (s), cpu (user+sys s, to the microsecond, from wait4) and kb and
# rss (peak, MB, from /usr/bin/time, whose own small image is what the child starts as).
timed() {
    local log=$1
    shift
    python3 -c '
import os, subprocess, sys, time
start = time.monotonic()
child = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", sys.argv[2]] + sys.argv[3:])
_, status, used = os.wait4(child.pid, 0)
wall = time.monotonic() - start
with open(sys.argv[1], "w") as out:
    out.write(f"{wall:.3f} {used.ru_utime + used.ru_stime:.3f}\n")
sys.exit(os.waitstatus_to_exitcode(status))
' "$work/time" "$work/rss" "$@" >/dev/null 2>"$log" || {
        cat "$log" >&2
        return 1
    }
    read -r wall cpu <"$work/time"
    kb=$(tail -1 "$work/rss")
    rss=$(python3 -c "print(f'{$kb / 1024:.1f}')")
}
share() { python3 -c "print(f'{100 * $1 / max($2, 0.001):.0f}%')"; }
row() { # size shape measurement warren broker ratio cpu cpu% rss extra; release from $WARREN_BROKER
    printf '%-5s %-7s %-8s %-38s %9s %9s %7s %8s %5s %8s %s\n' "${WARREN_BROKER:--}" "$@"
}

for broker in $brokers; do "$node" ensure-installed "$broker"; done
# The seed-style rows run the seed's own HTTP client library.
python3 -c 'import requests' 2>/dev/null || {
    echo "make bench needs Python's requests: apt-get install -y python3-requests" >&2
    exit 1
}
# Shapes (scripts/gen-topology.py): classic, one policy and a third of the queues with a TTL;
# quorum, 10% quorum queues, every queue with dead-letter and TTL arguments, 100 exchanges,
# 10 users, 10 policies.
shapes=${WARREN_BENCH_SHAPES:-classic quorum}
for shape in $shapes; do
    for n in $sizes; do
        "$root/scripts/gen-topology.py" "$n" "bench-$n" "$work/$shape-$n" "$shape"
    done
done
WARREN_BROKER=release row queues shape measurement warren broker ratio "cpu" "cpu%" "rss MB" "(warren's CPU and peak RSS)"

# The rows against a broker, on the release named by $WARREN_BROKER.
bench_release() {
    for shape in $shapes; do
        for n in $sizes; do
            topo="$work/$shape-$n"

            fresh_node "import-$shape-$n"
            t0=$(now)
            api -X POST -H 'content-type: application/json' --data-binary "@$topo/definitions.json" "$url/api/definitions"
            import_s=$(seconds "$t0" "$(now)")
            stop_node

            fresh_node "apply-$shape-$n"
            timed "$work/apply-$shape-$n.log" "$warren" apply --env "$topo/env" --auto-approve --timeout "$timeout"
            row "$n" "$shape" "apply from empty vs POST definitions" "${wall}s" "${import_s}s" "$(ratio "$wall" "$import_s")" "${cpu}s" "$(share "$cpu" "$wall")" "$rss"

            # Converged plan and the broker's own export, on the node warren just converged.
            best_plan=999999 best_get=999999
            for _ in 1 2 3; do
                t0=$(now)
                json_bytes=$(api -o /dev/null -w '%{size_download}' "$url/api/definitions")
                best_get=$(python3 -c "print(min($best_get, $(now) - $t0))")
                WARREN_LOG=warren=info timed "$work/plan-$shape-$n.log" "$warren" plan --env "$topo/env" --detailed-exitcode --timeout "$timeout"
                if python3 -c "import sys; sys.exit(0 if $wall < $best_plan else 1)"; then
                    best_plan=$wall plan_cpu=$cpu plan_rss=$rss plan_kb=$kb
                fi
            done
            requests=$(grep -o 'requests=[0-9]*' "$work/plan-$shape-$n.log" | tail -1 | cut -d= -f2)
            json_mb=$(python3 -c "print(f'{$json_bytes / 1048576:.2f}')")
            row "$n" "$shape" "converged plan vs GET definitions" "${best_plan}s" "$(printf '%.3f' "$best_get")s" "$(ratio "$best_plan" "$best_get")" "${plan_cpu}s" "$(share "$plan_cpu" "$best_plan")" "$plan_rss" \
                "$requests requests; RSS $(ratio "$plan_kb * 1024" "$json_bytes") the ${json_mb} MB definitions"

            # The seed's declare_entities.py style, rerun on the converged broker: a check of
            # each object before it would create it. warren's converged plan is the baseline.
            # As the seed's client does it (requests, a connection per call), then over one
            # kept-alive connection.
            for style in requests keepalive; do
                t0=$(now)
                "$root/scripts/seed-style-rerun.py" "$style" "$topo/definitions.json" "${url#http://}" guest guest >"$work/seed-$shape-$n.log"
                seed_s=$(seconds "$t0" "$(now)")
                row "$n" "$shape" "seed-style rerun ($style) vs plan" "${seed_s}s" "${best_plan}s" "$(ratio "$seed_s" "$best_plan")" "-" "-" "-" \
                    "$(cat "$work/seed-$shape-$n.log"); the script's time over warren's"
            done
            stop_node
        done
    done
}

# A migration (on_replace: migrate) against the broker's own tool for it, one dynamic shovel
# run by hand; warren runs two (out and back) plus the re-create and a count that waits for
# the statistics to catch up.
bench_migration() {
    moved=${WARREN_BENCH_MIGRATE:-50000}
    fresh_node "migrate"
    api -X PUT "$url/api/vhosts/bench" >/dev/null
    api -X PUT -H 'content-type: application/json' -d '{"durable":true}' "$url/api/queues/bench/by-hand" >/dev/null
    "$root/scripts/amqp-publish.py" "$amqp" bench by-hand "$moved"
    shovel='{"value":{"src-uri":"amqp:///bench","src-queue":"by-hand","dest-uri":"amqp:///bench","dest-queue":"by-hand.moved","ack-mode":"on-confirm","src-delete-after":"queue-length"}}'
    t0=$(now)
    api -X PUT -H 'content-type: application/json' -d "$shovel" "$url/api/parameters/shovel/bench/by-hand" >/dev/null
    while api "$url/api/parameters/shovel/bench/by-hand" >/dev/null 2>&1; do sleep 0.05; done
    shovel_s=$(seconds "$t0" "$(now)")
    rm -rf "$work/migrate" && mkdir -p "$work/migrate"
    topology() {
        printf 'vhosts:\n  bench:\n    queues:\n      q.work:\n        on_replace: migrate\n%b' "$1" >"$work/migrate/topology.yaml"
    }
    topology ""
    "$warren" apply --env "$work/migrate" --auto-approve >/dev/null 2>&1
    "$root/scripts/amqp-publish.py" "$amqp" bench q.work "$moved"
    topology "        type: quorum\n"
    sleep 6 # the message count warren checks comes from statistics, emitted every 5 s
    t0=$(now)
    "$warren" apply --env "$work/migrate" --auto-approve --allow-destroy >/dev/null 2>"$work/migrate.log" || { cat "$work/migrate.log" >&2; exit 1; }
    migrate_s=$(seconds "$t0" "$(now)")
    row "$moved" "messages" "migrate classic -> quorum vs 1 shovel" "${migrate_s}s" "${shovel_s}s" "$(ratio "$migrate_s" "$shovel_s")" "-" "-" "-"
    stop_node
}

# Apply at scale against the broker's own import: a 1% change (100 queues and 100 bindings
# added to a converged environment) against the import of the whole document, and 1,000
# vhosts of 10 queues applied from empty against the import of the same. The broker's side
# of the latter is cut off after WARREN_BENCH_BROKER_LIMIT seconds and reported as "> N s".
apply_rows() {
    local shape=${WARREN_BENCH_APPLY_SHAPE:-quorum} limit=${WARREN_BENCH_BROKER_LIMIT:-600}
    local n topo import_s tenants=${WARREN_BENCH_TENANTS:-1000}
    for n in ${WARREN_BENCH_APPLY_SIZES:-10000}; do
        topo="$work/change-$shape-$n"
        "$root/scripts/gen-topology.py" "$n" "bench-$n" "$topo" "$shape"
        fresh_node "change-$shape-$n"
        t0=$(now)
        api -X POST -H 'content-type: application/json' --data-binary "@$topo/definitions.json" "$url/api/definitions"
        import_s=$(seconds "$t0" "$(now)")
        # What the import leaves (metadata it has no field for) is made good first, untimed.
        "$warren" apply --env "$topo/env" --auto-approve --timeout "$timeout" >/dev/null 2>&1
        python3 - "$topo/env/topology.yaml" <<'PY'
import sys
path = sys.argv[1]
lines = open(path).read().split("\n")
exchange = lines[lines.index("    exchanges:") + 1].split(":")[0].strip()
at = lines.index("    queues:") + 1
new = [f"      bench.new.{i:03d}: {{ bindings: [{{ exchange: {exchange}, routing_key: new.{i} }}] }}" for i in range(100)]
open(path, "w").write("\n".join(lines[:at] + new + lines[at:]))
PY
        timed "$work/change-$shape-$n.log" "$warren" apply --env "$topo/env" --auto-approve --timeout "$timeout"
        row "$n" "$shape" "apply +1% vs POST definitions (whole)" "${wall}s" "${import_s}s" "$(ratio "$wall" "$import_s")" "${cpu}s" "$(share "$cpu" "$wall")" "$rss" "100 queues, 100 bindings"
        stop_node
    done

    topo="$work/tenants-$tenants"
    "$root/scripts/gen-topology.py" "$tenants" "tenant" "$topo" tenants
    fresh_node "tenants-import"
    t0=$(now)
    if api -m "$limit" -X POST -H 'content-type: application/json' --data-binary "@$topo/definitions.json" "$url/api/definitions"; then
        import_s=$(seconds "$t0" "$(now)")
        broker="${import_s}s"
    else
        import_s=$limit broker="> ${limit}s"
    fi
    stop_node
    fresh_node "tenants-apply"
    timed "$work/tenants.log" "$warren" apply --env "$topo/env" --auto-approve --timeout "$timeout"
    local of
    of=$(ratio "$wall" "$import_s")
    # The broker was cut off: its time is a lower bound, so the ratio an upper one.
    [[ $broker == ">"* ]] && of="<= $of"
    row "$((tenants * 10))" "tenants" "apply ${tenants} vhosts vs POST definitions" "${wall}s" "$broker" "$of" "${cpu}s" "$(share "$cpu" "$wall")" "$rss" "${tenants} vhosts x 10 queues"
    stop_node
}

for broker in $brokers; do
    export WARREN_BROKER=$broker
    bench_release
    bench_migration
    if [[ ${WARREN_BENCH_APPLY:-1} == 1 ]]; then
        apply_rows
    fi
done
unset WARREN_BROKER

# No broker counterpart. As people run it (a lint that fires on every queue is drawn three
# times, then counted), and with every warning drawn with its snippet (--all-warnings).
# Best of three: the guard below compares the first.
declare -A validate_cpu
for shape in $shapes; do
    for n in $sizes; do
        topo="$work/$shape-$n"
        for all in "" --all-warnings; do
            best_cpu=999999
            for _ in 1 2 3; do
                timed "$work/validate-$shape-$n.log" "$warren" validate --env "$topo/env" --color never $all
                best_cpu=$(python3 -c "print(min($best_cpu, $cpu))")
            done
            cpu=$best_cpu
            if [[ -z $all ]]; then
                validate_cpu[$shape-$n]=$cpu
                row "$n" "$shape" "validate" "${wall}s" "-" "-" "${cpu}s" "$(share "$cpu" "$wall")" "$rss"
            else
                row "$n" "$shape" "validate --all-warnings" "${wall}s" "-" "-" "${cpu}s" "$(share "$cpu" "$wall")" "$rss"
            fi
        done
    done
done

# Validation must grow linearly: ten times the objects may cost at most 15 times the CPU
# (a search once per object made it 25 times). A ratio, so a busy machine does not fail it.
guard_failed=0
for shape in $shapes; do
    small=${validate_cpu[$shape-1000]:-} large=${validate_cpu[$shape-10000]:-}
    [[ -n $small && -n $large ]] || continue
    growth=$(python3 -c "print(f'{$large / max($small, 0.001):.1f}')")
    if python3 -c "import sys; sys.exit(0 if $growth <= 15 else 1)"; then
        echo "validate $shape: 10x the queues cost ${growth}x the CPU (at most 15x): ok"
    else
        echo "validate $shape: 10x the queues cost ${growth}x the CPU, more than 15x: superlinear" >&2
        guard_failed=1
    fi
done

exit "$guard_failed"

