#!/usr/bin/env bash
# `make test`: the whole suite on RabbitMQ 3.10.8, then every integration suite again on
# 4.0.5. Nodes of both releases are installed first (4.0.5's root is built once, ~75 s).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

header() {
    printf '\n==> %s\n' "$*" >&2
}

scripts/rabbitmq-node.sh ensure-installed all
started=$SECONDS
header "RabbitMQ 3.10.8: unit, golden and integration tests"
WARREN_TEST_BROKER=3.10 cargo test
first=$((SECONDS - started))
header "RabbitMQ 4.0.5: integration tests"
WARREN_TEST_BROKER=4.0 cargo test --test '*'
header "Tests passed: ${first}s on 3.10.8, $((SECONDS - started - first))s on 4.0.5"
