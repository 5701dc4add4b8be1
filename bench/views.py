#!/usr/bin/env python3
"""Views at scale: exact counts, first pages and count_many through the API.

Runs against a `tessera serve` on loopback whose data folder was filled by
`bench/generate.py`, as one or more users (an admin sees every ticket; an
agent the tickets of their departments and those assigned to them). For
every active view of each user it measures, over `--runs` repetitions after
one warm-up call:

- `GET /api/v1/views/{id}/count` (goal: under 10 ms),
- `GET /api/v1/views/{id}/tickets?limit=25`, the first page (goal: under 20 ms),

and `GET /api/v1/views/count_many?ids=<all>` (goal: under 30 ms). Times are
wall-clock from the client (HTTP on loopback included), reported as median
and p95 in milliseconds. Search is measured by bench/search.py.

    tessera serve --data-dir /tmp/big --listen 127.0.0.1:18080 &
    ADMIN=$(tessera token create --data-dir /tmp/big --email admin@localhost | jq -r .token)
    AGENT=$(tessera token create --data-dir /tmp/big --email agent1@bench.example | jq -r .token)
    python3 bench/views.py --url http://127.0.0.1:18080 --token admin=$ADMIN --token agent=$AGENT \\
        --data-dir /tmp/big --runs 20

Only loopback URLs are accepted.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from urllib.parse import urlparse


def percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


class Client:
    def __init__(self, url, token):
        u = urlparse(url)
        if u.hostname not in ("127.0.0.1", "::1", "localhost"):
            sys.exit("only loopback URLs are allowed")
        self.host, self.port, self.token = u.hostname, u.port or 80, token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def get(self, path):
        start = time.perf_counter()
        self.conn.request("GET", "/api/v1" + path, headers={"Authorization": f"Bearer {self.token}"})
        resp = self.conn.getresponse()
        body = resp.read()
        took = (time.perf_counter() - start) * 1000
        if resp.status != 200:
            sys.exit(f"GET {path}: {resp.status} {body[:300]!r}")
        return json.loads(body), took


def timed(client, path, runs):
    client.get(path)  # warm-up: the first call may read pages from disk
    times = []
    body = None
    for _ in range(runs):
        body, took = client.get(path)
        times.append(took)
    return body, times


def row(label, times, extra=""):
    print(f"  {label:<44} median {statistics.median(times):8.2f} ms   p95 {percentile(times, 95):8.2f} ms  {extra}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--token", action="append", required=True, help="name=token; repeat for several users")
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--data-dir", help="to report the database's size")
    args = p.parse_args()
    if args.data_dir:
        db = os.path.join(args.data_dir, "tessera.db")
        size = sum(os.path.getsize(f) for f in (db, db + "-wal") if os.path.exists(f))
        print(f"database: {db}  {size / 1e9:.2f} GB")
    for spec in args.token:
        name, _, token = spec.partition("=")
        c = Client(args.url, token)
        views = [v for v in c.get("/views?active=true")[0]["views"] if v["active"]]
        print(f"\n{name}: {len(views)} active views, {args.runs} runs each")
        worst_count = worst_page = 0.0
        for v in views:
            label = v.get("default_key") or v["title"]
            body, t = timed(c, f"/views/{v['id']}/count", args.runs)
            row(f"count {label}", t, f"= {body['count']}")
            worst_count = max(worst_count, percentile(t, 95))
            body, t = timed(c, f"/views/{v['id']}/tickets?limit=25", args.runs)
            row(f"first page {label}", t, f"({len(body['tickets'])} of {body['total']})")
            worst_page = max(worst_page, percentile(t, 95))
        ids = ",".join(str(v["id"]) for v in views)
        _, t = timed(c, f"/views/count_many?ids={ids}", args.runs)
        row(f"count_many ({len(views)} views)", t)
        print(f"  worst p95: count {worst_count:.2f} ms, first page {worst_page:.2f} ms")


if __name__ == "__main__":
    main()
