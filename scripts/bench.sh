#!/usr/bin/env bash
# `make bench`: warren against the broker's own operations, side by side on one throwaway
# node, at 1k and 10k queues. Ratios are warren's time over the broker's.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
warren="$root/target/release/warren"
node="$root/scripts/rabbitmq-node.sh"
work=$(mktemp -d /tmp/warren-bench.XXXXXX)
chmod 755 "$work"  # the node runs as the rabbitmq user
sizes=${WARREN_BENCH_SIZES:-1000 10000}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
api() { curl -sf -u guest:guest "$@"; }

"$node" ensure-installed
mgmt=$(free_port)
"$node" start "$work/node" "$(free_port)" "$mgmt" "$(free_port)" >&2
trap '"$node" stop "$work/node" >&2 || true; rm -rf "$work"' EXIT
url="http://127.0.0.1:$mgmt"
export RABBITMQ_MANAGEMENT_API_URL=$url RABBITMQ_MANAGEMENT_USER=guest RABBITMQ_MANAGEMENT_PASSWORD=guest

printf '%-8s %-34s %10s %10s %8s %9s\n' queues measurement warren broker ratio requests
for n in $sizes; do
    "$root/scripts/gen-topology.py" "$n" "bench-import-$n" "$work/import-$n"
    "$root/scripts/gen-topology.py" "$n" "bench-warren-$n" "$work/warren-$n"

    t0=$(now)
    api -X POST -H 'content-type: application/json' --data-binary "@$work/import-$n/definitions.json" "$url/api/definitions"
    t1=$(now)
    import_s=$(elapsed "$t0" "$t1")

    t0=$(now)
    "$warren" apply --env "$work/warren-$n/env" --auto-approve >/dev/null 2>"$work/apply-$n.log"
    t1=$(now)
    apply_s=$(elapsed "$t0" "$t1")
    printf '%-8s %-34s %9ss %9ss %8s %9s\n' "$n" "apply from empty vs POST definitions" "$apply_s" "$import_s" "$(ratio "$apply_s" "$import_s")" "-"

    best_plan=999999 best_get=999999 requests=0
    for _ in 1 2 3; do
        t0=$(now)
        api "$url/api/definitions" >/dev/null
        t1=$(now)
        best_get=$(python3 -c "print(min($best_get, $t1 - $t0))")
        t0=$(now)
        WARREN_LOG=warren=info "$warren" plan --env "$work/warren-$n/env" --detailed-exitcode >/dev/null 2>"$work/plan-$n.log"
        t1=$(now)
        best_plan=$(python3 -c "print(min($best_plan, $t1 - $t0))")
        requests=$(grep -o 'requests=[0-9]*' "$work/plan-$n.log" | tail -1 | cut -d= -f2)
    done
    printf '%-8s %-34s %9.3fs %9.3fs %8s %9s\n' "$n" "converged plan vs GET definitions" "$best_plan" "$best_get" "$(ratio "$best_plan" "$best_get")" "$requests"
done
