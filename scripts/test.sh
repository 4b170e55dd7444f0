#!/usr/bin/env bash
# `make test`: the whole suite on RabbitMQ 3.10.8 and the broker suites (tests/broker/) on
# 4.0.5, the two releases side by side (their nodes mostly wait on I/O, not on the CPU).
# Nodes of both releases are installed first (4.0.5's root is built once, ~75 s).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/rabbitmq-node.sh ensure-installed all
cargo test --no-run --quiet
started=$SECONDS

# Runs one release's tests, each line of output prefixed with the release.
run() {
    local release=$1
    shift
    set +e
    WARREN_TEST_BROKER=$release cargo test --quiet "$@" -- --test-threads "$threads" 2>&1 |
        sed -u "s/^/[$release] /"
    local code=${PIPESTATUS[0]}
    echo "[$release] finished in $((SECONDS - started))s with exit code $code"
    return "$code"
}

# Most tests wait on a broker, not the CPU, so more run at once than there are cores.
threads=${WARREN_TEST_THREADS:-4}
run 3.10 &
first=$!
# Only the broker suites depend on the release; the rest (tests/offline/) runs once.
run 4.0 --test broker &
second=$!
status=0
wait "$first" || status=1
wait "$second" || status=1
if ((status)); then
    echo "Tests FAILED (see the lines marked FAILED above)" >&2
else
    echo "Tests passed on RabbitMQ 3.10.8 and 4.0.5 in $((SECONDS - started))s" >&2
fi
exit "$status"
