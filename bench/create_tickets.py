#!/usr/bin/env python3
"""Ticket creation throughput through the native API.

Starts nothing: point it at a running `tessera serve` (loopback only) and an
admin token. It makes one customer token per client, then each client opens
tickets over one keep-alive connection, and reports tickets per second and
latency percentiles.

    tessera serve --data-dir /tmp/bench --listen 127.0.0.1:18080 &
    TOKEN=$(tessera token create --data-dir /tmp/bench --email admin@localhost | jq -r .token)
    python3 bench/create_tickets.py --url http://127.0.0.1:18080 --token "$TOKEN" --clients 16 --tickets 500
"""

import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlparse


def request(conn, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    resp = conn.getresponse()
    payload = resp.read()
    return resp.status, (json.loads(payload) if payload else None)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:18080")
    p.add_argument("--token", required=True, help="an admin token")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--tickets", type=int, default=500, help="tickets per client")
    args = p.parse_args()
    u = urlparse(args.url)
    if u.hostname not in ("127.0.0.1", "::1", "localhost"):
        raise SystemExit("benchmarks talk to loopback only")

    admin = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    status, depts = request(admin, "GET", "/api/v1/departments", args.token)
    assert status == 200, depts
    dept = depts["departments"][0]["id"]
    run = int(time.time())
    tokens = []
    for i in range(args.clients):
        status, user = request(admin, "POST", "/api/v1/users", args.token,
                               {"email": f"bench-{run}-{i}@example.com", "name": f"Bench {i}"})
        assert status == 201, user
        status, tok = request(admin, "POST", "/api/v1/tokens", args.token, {"user_id": user["id"]})
        assert status == 201, tok
        tokens.append(tok["token"])

    latencies = []
    errors = []
    lock = threading.Lock()

    def client(token):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        mine = []
        for n in range(args.tickets):
            t0 = time.perf_counter()
            status, body = request(conn, "POST", "/api/v1/tickets", token,
                                   {"subject": f"Bench ticket {n}", "department_id": dept,
                                    "body": "The server does not answer since this morning."})
            mine.append(time.perf_counter() - t0)
            if status != 201:
                with lock:
                    errors.append((status, body))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(t,)) for t in tokens]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    total = len(latencies)

    def pct(q):
        return latencies[min(total - 1, int(q * total))] * 1000

    print(json.dumps({
        "tickets": total, "errors": len(errors), "seconds": round(elapsed, 2),
        "tickets_per_second": round(total / elapsed, 1),
        "latency_ms": {"p50": round(pct(0.5), 2), "p90": round(pct(0.9), 2), "p99": round(pct(0.99), 2)},
        "clients": args.clients,
    }))


if __name__ == "__main__":
    main()
