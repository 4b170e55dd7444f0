# The two commands a fresh machine needs: `make demo` and `make test`.
.PHONY: demo test lint bench build

build:
	cargo build

# `make demo BROKER=4.0` runs it on RabbitMQ 4.0.5 (its root is built once, about 75 s).
BROKER ?= 3.10
demo: build
	WARREN_BROKER=$(BROKER) scripts/demo.sh

# CI runs exactly this (see .ci/run): the suite on RabbitMQ 3.10.8, then on 4.0.5.
test:
	scripts/test.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

bench:
	cargo build --release
	scripts/bench.sh
