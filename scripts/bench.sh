#!/usr/bin/env bash
# `make bench`: warren against the broker's own operations, side by side, at 1k and 10k
# queues. Ratios are warren's time over the broker's. Each apply and each import runs on a
# fresh node of its own, so neither pays for the other's queues.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
warren=$("$root/scripts/warren-bin.sh" release)
node="$root/scripts/rabbitmq-node.sh"
work=$(mktemp -d /tmp/warren-bench.XXXXXX)
chmod 755 "$work" # the nodes run as the rabbitmq user
sizes=${WARREN_BENCH_SIZES:-1000 10000}
nodes=()

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
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
    local dir="$work/node-$1" mgmt
    mgmt=$(free_port)
    amqp=$(free_port)
    "$node" start "$dir" "$amqp" "$mgmt" "$(free_port)" >&2
    nodes+=("$dir")
    url="http://127.0.0.1:$mgmt"
    export RABBITMQ_MANAGEMENT_API_URL=$url RABBITMQ_MANAGEMENT_USER=guest RABBITMQ_MANAGEMENT_PASSWORD=guest
}
stop_node() {
    "$node" stop "${nodes[-1]}" >&2
    unset 'nodes[-1]'
}
api() { curl -sf -u guest:guest "$@"; }

"$node" ensure-installed
printf '%-8s %-36s %10s %10s %8s %9s\n' queues measurement warren broker ratio requests
for n in $sizes; do
    "$root/scripts/gen-topology.py" "$n" "bench-$n" "$work/topology-$n"

    fresh_node "import-$n"
    t0=$(now)
    api -X POST -H 'content-type: application/json' --data-binary "@$work/topology-$n/definitions.json" "$url/api/definitions"
    import_s=$(seconds "$t0" "$(now)")
    stop_node

    fresh_node "apply-$n"
    t0=$(now)
    "$warren" apply --env "$work/topology-$n/env" --auto-approve >/dev/null 2>"$work/apply-$n.log"
    apply_s=$(seconds "$t0" "$(now)")
    printf '%-8s %-36s %9ss %9ss %8s %9s\n' "$n" "apply from empty vs POST definitions" "$apply_s" "$import_s" "$(ratio "$apply_s" "$import_s")" "-"

    # Converged plan and the broker's own export, on the node warren just converged.
    best_plan=999999 best_get=999999 requests=0
    for _ in 1 2 3; do
        t0=$(now)
        api "$url/api/definitions" >/dev/null
        best_get=$(python3 -c "print(min($best_get, $(now) - $t0))")
        t0=$(now)
        WARREN_LOG=warren=info "$warren" plan --env "$work/topology-$n/env" --detailed-exitcode >/dev/null 2>"$work/plan-$n.log"
        best_plan=$(python3 -c "print(min($best_plan, $(now) - $t0))")
        requests=$(grep -o 'requests=[0-9]*' "$work/plan-$n.log" | tail -1 | cut -d= -f2)
    done
    printf '%-8s %-36s %9.3fs %9.3fs %8s %9s\n' "$n" "converged plan vs GET definitions" "$best_plan" "$best_get" "$(ratio "$best_plan" "$best_get")" "$requests"
    stop_node

    # No broker counterpart: every diagnostic (a third of the queues warn) drawn with its snippet.
    t0=$(now)
    "$warren" validate --env "$work/topology-$n/env" --color never >/dev/null
    printf '%-8s %-36s %9ss %10s %8s %9s\n' "$n" "validate, every warning drawn" "$(seconds "$t0" "$(now)")" "-" "-" "-"
done

# A migration (on_replace: migrate) against the broker's own tool for it, one dynamic shovel
# run by hand; warren runs two (out and back) plus the re-create and a count that waits for
# the statistics to catch up.
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
mkdir -p "$work/migrate"
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
printf '%-8s %-36s %9ss %9ss %8s %9s\n' "$moved" "migrate classic -> quorum vs 1 shovel" "$migrate_s" "$shovel_s" "$(ratio "$migrate_s" "$shovel_s")" "-"

