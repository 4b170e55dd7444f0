#!/usr/bin/env bash
# `make demo`: a throwaway broker, environments/dev applied, a change made behind warren's
# back, the plan that repairs it, the repair, and the broker stopped again.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
warren=$("$root/scripts/warren-bin.sh" debug)
node="$root/scripts/rabbitmq-node.sh"
dir=$(mktemp -d /tmp/warren-demo.XXXXXX)
# Three free ports at once: asked one by one, the kernel may hand the same port out twice.
read -r amqp mgmt dist <<<"$(python3 -c '
import socket
held = [socket.socket() for _ in range(3)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))')"
[[ -n $dist ]] || { echo "no free ports for a node" >&2; exit 1; }
api="http://127.0.0.1:$mgmt/api"

step() {
    if [[ -t 2 && -z ${NO_COLOR:-} ]]; then
        printf '\n\033[1m==> %s\033[0m\n' "$*" >&2
    else
        printf '\n==> %s\n' "$*" >&2
    fi
}
cleanup() {
    step "Stopping the throwaway broker"
    "$node" stop "$dir" || true
    rm -rf "$dir"
}

release=${WARREN_BROKER:-3.10}
"$node" ensure-installed "$release"
step "Starting a throwaway RabbitMQ $release on 127.0.0.1:$mgmt (data in $dir)"
"$node" start "$dir" "$amqp" "$mgmt" "$dist" --broker "$release"
trap cleanup EXIT

export RABBITMQ_MANAGEMENT_API_URL="http://127.0.0.1:$mgmt"
cd "$root"

step "warren validate --env dev"
"$warren" validate --env dev

step "warren apply --env dev --auto-approve"
"$warren" apply --env dev --auto-approve

step "Behind warren's back: delete a binding, change a policy, add a stray queue"
curl -sf -u guest:guest -X DELETE "$api/bindings/%2Fdev/e/app.events/q/app.emails/email.%2A"
curl -sf -u guest:guest -X PUT -H 'content-type: application/json' "$api/policies/%2Fdev/app-dead-lettering" \
    -d '{"pattern":"^app\\.(orders|emails)$","apply-to":"queues","definition":{"dead-letter-exchange":"app.dead_letter","message-ttl":60000}}'
curl -sf -u guest:guest -X PUT -H 'content-type: application/json' "$api/queues/%2Fdev/scratch" -d '{"durable":true}'

step "warren plan --env dev --detailed-exitcode (exit 2: changes)"
set +e
"$warren" plan --env dev --detailed-exitcode
code=$?
set -e
echo "exit code: $code" >&2

step "warren drift --env dev (what the nightly job reports; exit 2: drift)"
set +e
"$warren" drift --env dev
echo "exit code: $?" >&2
set -e

step "warren apply --env dev --auto-approve repairs it"
"$warren" apply --env dev --auto-approve
