#!/usr/bin/env python3
"""Webhook delivery: how long from a committed change to its signed POST.

Starts a receiver on loopback, registers a native webhook for
`ticket.created` on a running `tessera serve` (started with
TESSERA_HOOKS_ALLOW_INTERNAL_TARGETS=1, loopback only), opens tickets at a
steady rate from a few clients, and reports the delay between each event's
`created_at` and its arrival, and the deliveries per second.

    TESSERA_HOOKS_ALLOW_INTERNAL_TARGETS=1 tessera serve --data-dir /tmp/bench --listen 127.0.0.1:18080 &
    TOKEN=$(tessera token create --data-dir /tmp/bench --email admin@localhost | jq -r .token)
    python3 bench/webhook_latency.py --url http://127.0.0.1:18080 --token "$TOKEN" --tickets 2000 --clients 4
"""

import argparse
import hashlib
import hmac
import http.client
import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

SECRET = "bench-webhook-secret"
arrivals = {}
bad = []
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        now = time.time()
        raw = self.rfile.read(int(self.headers["Content-Length"] or 0))
        ts = self.headers["Tessera-Timestamp"] or "0"
        good = "v1=" + hmac.new(SECRET.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        body = json.loads(raw)
        with lock:
            if not hmac.compare_digest(good, self.headers["Tessera-Signature"] or ""):
                bad.append(body.get("event_id"))
            elif body.get("kind") == "ticket.created":
                created = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00")).timestamp()
                arrivals.setdefault(body["event_id"], now - created)
        self.send_response(204)
        self.end_headers()


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


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:18080")
    p.add_argument("--token", required=True, help="an admin token")
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--tickets", type=int, default=2000, help="tickets in all")
    args = p.parse_args()
    u = urlparse(args.url)
    if u.hostname not in ("127.0.0.1", "::1", "localhost"):
        raise SystemExit("benchmarks talk to loopback only")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    admin = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    status, hook = request(admin, "POST", "/api/v1/webhooks", args.token, {
        "url": f"http://127.0.0.1:{server.server_address[1]}/hook", "kinds": ["ticket.created"],
        "secret": SECRET})
    assert status == 201, hook
    status, depts = request(admin, "GET", "/api/v1/departments", args.token)
    dept = depts["departments"][0]["id"]
    run = int(time.time())

    def client(n, count):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        for i in range(count):
            status, t = request(conn, "POST", "/api/v1/tickets", args.token, {
                "subject": f"bench {n}-{i}", "department_id": dept, "body": "webhook bench",
                "requester": {"email": f"wh-{run}-{n}@example.com"}})
            assert status == 201, t

    per = args.tickets // args.clients
    started = time.time()
    threads = [threading.Thread(target=client, args=(n, per)) for n in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created = time.time()
    expected = per * args.clients
    deadline = time.time() + 120
    while time.time() < deadline:
        with lock:
            if len(arrivals) >= expected:
                break
        time.sleep(0.05)
    done = time.time()
    request(admin, "DELETE", f"/api/v1/webhooks/{hook['id']}", args.token)
    lat = list(arrivals.values())
    print(f"tickets: {expected} from {args.clients} clients in {created - started:.2f} s "
          f"({expected / (created - started):.0f}/s)")
    print(f"deliveries: {len(lat)} received, {len(bad)} with a bad signature, "
          f"all in {done - started:.2f} s ({len(lat) / (done - started):.0f}/s)")
    if lat:
        print(f"event to delivery: p50 {pct(lat, 0.5) * 1000:.0f} ms, p90 {pct(lat, 0.9) * 1000:.0f} ms, "
              f"p99 {pct(lat, 0.99) * 1000:.0f} ms, max {max(lat) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
