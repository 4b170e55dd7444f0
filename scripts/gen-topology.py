#!/usr/bin/env python3
"""Generates a benchmark topology twice over: as a warren environment folder and as a
RabbitMQ definitions document of the same objects.

usage: gen-topology.py N VHOST OUT_DIR [SHAPE]
writes OUT_DIR/env/environment.yaml, OUT_DIR/env/topology.yaml, OUT_DIR/definitions.json

SHAPE is one of:
  classic  (default) N classic queues in one vhost, a third with a TTL argument, each bound
           once to one of 10 exchanges, one policy.
  quorum   N queues in one vhost, 10% of them quorum, each with dead-letter and TTL
           arguments and one binding; 100 exchanges, 10 users, 10 policies.
  tenants  N vhosts of 10 classic queues each, each queue bound once to its vhost's exchange.
"""
import json
import os
import sys

# password "bench", pre-hashed (rabbit_password_hashing_sha256); not a secret.
PASSWORD_HASH = "0Q8+yqM1cZ/tl0rNctmXq400SUsToa4B5duMhHuW/yabrjCf"


class Topology:
    def __init__(self):
        self.vhosts = {}  # name -> {"exchanges": [...], "queues": [...], "policies": [...]}
        self.users = []  # (name, vhost, permission pattern)

    def vhost(self, name):
        return self.vhosts.setdefault(name, {"exchanges": [], "queues": [], "policies": []})


def classic(count, vhost):
    t = Topology()
    v = t.vhost(vhost)
    exchanges = [f"bench.ex.{i}" for i in range(10)]
    v["exchanges"] = exchanges
    for i in range(count):
        arguments = {"x-message-ttl": 60000 + i % 7} if i % 3 == 0 else {}
        v["queues"].append((f"bench.q.{i:05d}", "classic", exchanges[i % 10], f"key.{i}", arguments))
    v["policies"].append(("bench-ttl", "^bench\\.q\\.", {"max-length": 100000}))
    return t


def quorum(count, vhost):
    t = Topology()
    v = t.vhost(vhost)
    exchanges = [f"bench.ex.{i:03d}" for i in range(100)]
    v["exchanges"] = exchanges + ["bench.dlx"]
    v["queues"].append(("bench.dead-letters", "quorum", "bench.dlx", "#", {}))
    for i in range(count):
        kind = "quorum" if i % 10 == 0 else "classic"
        arguments = {"x-dead-letter-exchange": "bench.dlx", "x-message-ttl": 60000 + i % 7}
        v["queues"].append((f"bench.q.{i:05d}", kind, exchanges[i % 100], f"key.{i}", arguments))
    # One policy per last digit of the queue's number: each queue matches exactly one.
    for d in range(10):
        v["policies"].append((f"bench-limit-{d}", f"^bench\\.q\\.\\d*{d}$", {"max-length": 100000 + d}))
    for u in range(10):
        t.users.append((f"bench-user-{u}", vhost, f"^bench\\.q\\.\\d*{u}$"))
    return t


def tenants(count, prefix):
    t = Topology()
    for n in range(count):
        vhost = f"{prefix}-{n:04d}"
        v = t.vhost(vhost)
        v["exchanges"] = ["tenant.ex"]
        for i in range(10):
            v["queues"].append((f"tenant.q.{i}", "classic", "tenant.ex", f"key.{i}", {}))
    return t


def write_env(t, path):
    lines = ["vhosts:"]
    for vhost, v in t.vhosts.items():
        lines.append(f"  {json.dumps(vhost)}:")
        lines.append("    exchanges:")
        for name in v["exchanges"]:
            kind = "topic" if name == "bench.dlx" else "direct"
            lines.append(f"      {name}: {{ type: {kind} }}")
        lines.append("    queues:")
        for name, kind, exchange, key, arguments in v["queues"]:
            fields = [f"bindings: [{{ exchange: {exchange}, routing_key: {json.dumps(key)} }}]"]
            if kind != "classic":
                fields.insert(0, f"type: {kind}")
            if arguments:
                fields.append(f"arguments: {json.dumps(arguments)}")
            lines.append(f"      {name}: {{ {', '.join(fields)} }}")
        if v["policies"]:
            lines.append("    policies:")
            for name, pattern, definition in v["policies"]:
                lines.append(
                    f"      {name}: {{ pattern: {json.dumps(pattern)}, apply-to: queues, definition: {json.dumps(definition)} }}"
                )
    if t.users:
        lines.append("users:")
        for name, vhost, pattern in t.users:
            lines.append(f"  {name}:")
            lines.append(f"    password_hash: {PASSWORD_HASH}")
            lines.append("    permissions:")
            lines.append(
                f"      {json.dumps(vhost)}: {{ configure: {json.dumps(pattern)}, write: {json.dumps(pattern)}, read: {json.dumps(pattern)} }}"
            )
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def definitions(t):
    doc = {"vhosts": [], "users": [], "permissions": [], "exchanges": [], "queues": [], "bindings": [], "policies": []}
    for vhost, v in t.vhosts.items():
        doc["vhosts"].append({"name": vhost})
        for name in v["exchanges"]:
            kind = "topic" if name == "bench.dlx" else "direct"
            doc["exchanges"].append(
                {"name": name, "vhost": vhost, "type": kind, "durable": True, "auto_delete": False, "internal": False, "arguments": {}}
            )
        for name, kind, exchange, key, arguments in v["queues"]:
            args = dict(arguments)
            if kind != "classic":
                args["x-queue-type"] = kind
            doc["queues"].append({"name": name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": args})
            doc["bindings"].append(
                {"source": exchange, "vhost": vhost, "destination": name, "destination_type": "queue", "routing_key": key, "arguments": {}}
            )
        for name, pattern, definition in v["policies"]:
            doc["policies"].append(
                {"vhost": vhost, "name": name, "pattern": pattern, "apply-to": "queues", "priority": 0, "definition": definition}
            )
    for name, vhost, pattern in t.users:
        doc["users"].append(
            {"name": name, "password_hash": PASSWORD_HASH, "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []}
        )
        doc["permissions"].append({"user": name, "vhost": vhost, "configure": pattern, "write": pattern, "read": pattern})
    return doc


def main():
    count, vhost, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    shape = sys.argv[4] if len(sys.argv) > 4 else "classic"
    shapes = {"classic": classic, "quorum": quorum, "tenants": tenants}
    if shape not in shapes:
        sys.exit(f"gen-topology: unknown shape {shape} (one of {', '.join(shapes)})")
    t = shapes[shape](count, vhost)
    os.makedirs(os.path.join(out, "env"), exist_ok=True)
    with open(os.path.join(out, "env", "environment.yaml"), "w") as f:
        f.write("local: true\n")
    write_env(t, os.path.join(out, "env", "topology.yaml"))
    with open(os.path.join(out, "definitions.json"), "w") as f:
        json.dump(definitions(t), f)


if __name__ == "__main__":
    main()
