# The two commands a fresh machine needs: `make demo` and `make test`.
.PHONY: demo test lint bench build

build:
	cargo build

demo: build
	scripts/demo.sh

# CI runs exactly this (see .ci/run).
test:
	scripts/rabbitmq-node.sh ensure-installed
	cargo test

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

bench:
	cargo build --release
	scripts/bench.sh
