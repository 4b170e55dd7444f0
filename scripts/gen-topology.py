#!/usr/bin/env python3
"""Generates a benchmark topology of N queues in one vhost, twice over: as a warren
environment folder and as a RabbitMQ definitions document of the same objects.

usage: gen-topology.py N VHOST OUT_DIR
writes OUT_DIR/env/environment.yaml, OUT_DIR/env/topology.yaml, OUT_DIR/definitions.json
"""
import json
import os
import sys

EXCHANGES = 10


def main():
    count, vhost, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    os.makedirs(os.path.join(out, "env"), exist_ok=True)
    exchanges = [f"bench.ex.{i}" for i in range(EXCHANGES)]
    queues = []
    for i in range(count):
        exchange = exchanges[i % EXCHANGES]
        arguments = {"x-message-ttl": 60000 + i % 7} if i % 3 == 0 else {}
        queues.append((f"bench.q.{i:05d}", exchange, f"key.{i}", arguments))

    with open(os.path.join(out, "env", "environment.yaml"), "w") as f:
        f.write("local: true\n")
    with open(os.path.join(out, "env", "topology.yaml"), "w") as f:
        f.write(f"vhosts:\n  {json.dumps(vhost)}:\n    exchanges:\n")
        for name in exchanges:
            f.write(f"      {name}: {{ type: direct }}\n")
        f.write("    queues:\n")
        for name, exchange, key, arguments in queues:
            args = f", arguments: {json.dumps(arguments)}" if arguments else ""
            f.write(f"      {name}: {{ bindings: [{{ exchange: {exchange}, routing_key: {key} }}]{args} }}\n")
        f.write("    policies:\n      bench-ttl: { pattern: '^bench\\\\.q\\\\.', apply-to: queues, definition: { max-length: 100000 } }\n")

    definitions = {
        "vhosts": [{"name": vhost}],
        "exchanges": [
            {"name": n, "vhost": vhost, "type": "direct", "durable": True, "auto_delete": False, "internal": False, "arguments": {}}
            for n in exchanges
        ],
        "queues": [
            {"name": n, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": a}
            for n, _, _, a in queues
        ],
        "bindings": [
            {"source": e, "vhost": vhost, "destination": n, "destination_type": "queue", "routing_key": k, "arguments": {}}
            for n, e, k, _ in queues
        ],
        "policies": [
            {"vhost": vhost, "name": "bench-ttl", "pattern": "^bench\\.q\\.", "apply-to": "queues", "priority": 0, "definition": {"max-length": 100000}}
        ],
    }
    with open(os.path.join(out, "definitions.json"), "w") as f:
        json.dump(definitions, f)


if __name__ == "__main__":
    main()
