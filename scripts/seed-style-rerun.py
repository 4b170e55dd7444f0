#!/usr/bin/env python3
"""Declares a definitions document the way the CreativeFlow seed's declare_entities.py does:
one object at a time through the management API, checking that each exists before creating
it (vhosts, then users and permissions, exchanges, queues, bindings, then policies). Against
a converged broker every check finds its object, so this is the no-op rerun `make bench`
holds warren's converged plan against.

Two ways to talk HTTP: `requests` (the seed's rabbitmq_api_client.py calls it once per request,
without a Session, so each request opens a connection), or `keepalive`: one kept-alive
connection, as a requests Session would; the stricter baseline.

usage: seed-style-rerun.py requests|keepalive DEFINITIONS_JSON HOST:PORT USER PASSWORD
Prints how many objects were checked and how many had to be created.
"""

import base64
import http.client
import json
import os
import sys
from urllib.parse import quote


class SeedClient:
    """The seed's client: `requests` with basic auth, one call per request."""

    def __init__(self, address, user, password):
        import requests

        self.requests = requests
        self.base = f"http://{address}"
        self.auth = (user, password)

    def call(self, method, path, body=None):
        response = self.requests.request(method, self.base + path, json=body, auth=self.auth, timeout=900)
        if response.status_code >= 400 and not (method == "GET" and response.status_code == 404):
            sys.exit(f"{method} {path}: HTTP {response.status_code}: {response.text[:300]!r}")
        return response.status_code, response.content

    def exists(self, path):
        return self.call("GET", path)[0] == 200


class Api:
    def __init__(self, address, user, password):
        host, port = address.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=900)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.headers = {"authorization": f"Basic {token}", "content-type": "application/json"}

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body)
        self.conn.request(method, path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        text = response.read()
        if response.status >= 400 and not (method == "GET" and response.status == 404):
            sys.exit(f"{method} {path}: HTTP {response.status}: {text[:300]!r}")
        return response.status, text

    def exists(self, path):
        return self.call("GET", path)[0] == 200


def seg(name):
    return quote(name, safe="")


def main():
    if len(sys.argv) != 6 or sys.argv[1] not in ("requests", "keepalive"):
        sys.exit(__doc__)
    style, definitions_path, address, user, password = sys.argv[1:6]
    # A proxy set for the machine is not in the way of a broker on this host.
    os.environ["NO_PROXY"] = address.rsplit(":", 1)[0]
    with open(definitions_path) as f:
        defs = json.load(f)
    api = (SeedClient if style == "requests" else Api)(address, user, password)
    checked = created = 0

    def ensure(path, body, method="PUT", check=None):
        nonlocal checked, created
        checked += 1
        if not api.exists(check or path):
            api.call(method, path, body)
            created += 1

    for v in defs.get("vhosts", []):
        ensure(f"/api/vhosts/{seg(v['name'])}", {})
    for u in defs.get("users", []):
        body = {"password_hash": u.get("password_hash", ""), "tags": u.get("tags", "")}
        ensure(f"/api/users/{seg(u['name'])}", body)
    for p in defs.get("permissions", []):
        body = {k: p[k] for k in ("configure", "write", "read")}
        ensure(f"/api/permissions/{seg(p['vhost'])}/{seg(p['user'])}", body)
    for e in defs.get("exchanges", []):
        body = {k: e.get(k) for k in ("type", "durable", "auto_delete", "internal", "arguments")}
        ensure(f"/api/exchanges/{seg(e['vhost'])}/{seg(e['name'])}", body)
    for q in defs.get("queues", []):
        body = {k: q.get(k) for k in ("durable", "auto_delete", "arguments")}
        ensure(f"/api/queues/{seg(q['vhost'])}/{seg(q['name'])}", body)
    for b in defs.get("bindings", []):
        kind = "q" if b["destination_type"] == "queue" else "e"
        between = f"/api/bindings/{seg(b['vhost'])}/e/{seg(b['source'])}/{kind}/{seg(b['destination'])}"
        checked += 1
        listed = json.loads(api.call("GET", between)[1] or b"[]")
        if not any(x.get("routing_key") == b["routing_key"] for x in listed):
            api.call("POST", between, {"routing_key": b["routing_key"], "arguments": b.get("arguments", {})})
            created += 1
    for p in defs.get("policies", []):
        body = {k: p.get(k) for k in ("pattern", "definition", "priority", "apply-to")}
        ensure(f"/api/policies/{seg(p['vhost'])}/{seg(p['name'])}", body)
    print(f"checked {checked} objects, created {created}")


if __name__ == "__main__":
    main()
