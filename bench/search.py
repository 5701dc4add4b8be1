#!/usr/bin/env python3
"""Measures search latency through the API of a running Tessera on the data
set of bench/generate.py: one- and two-word searches drawn from the
generator's vocabulary (English, Turkish, Russian, Chinese two-character
words), each run as the administrator (every ticket) and as an agent (their
departments), reporting p50 and p95 per kind of search.

    python3 bench/generate.py --data-dir /tmp/big          # builds the index at its end
    tessera serve --data-dir /tmp/big --listen 127.0.0.1:18080 &
    ADMIN=$(tessera token create --data-dir /tmp/big --email admin@localhost | jq -r .token)
    AGENT=$(tessera token create --data-dir /tmp/big --email agent1@bench.example | jq -r .token)
    python3 bench/search.py --base http://127.0.0.1:18080 --admin-token "$ADMIN" --agent-token "$AGENT"

Latency is measured at the client (HTTP on loopback, JSON included), after
one warm-up pass over the same searches. It talks only to --base.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import WORDS  # noqa: E402  (the vocabulary of the data set)


def queries(n, seed):
    rng = random.Random(seed)
    out = []
    # Words our users' languages need to get right, always measured.
    fixed = [("tr", "istanbul"), ("tr", "IŞIK"), ("tr", "sunucu"), ("ru", "СЧЕТ"), ("ru", "счёт"),
             ("ru", "сервер"), ("zh", "退款"), ("zh", "发票"), ("zh", "服务器"), ("en", "refund"), ("en", "invoice")]
    for lang, w in fixed:
        out.append((f"1 word {lang}", w))
    zh2 = [w for w in WORDS["zh"] if len(w) == 2]
    while len(out) < n:
        lang = rng.choice(list(WORDS))
        words = zh2 if lang == "zh" else WORDS[lang]
        if rng.random() < 0.5:
            out.append((f"1 word {lang}", rng.choice(words)))
        else:
            out.append((f"2 words {lang}", f"{rng.choice(words)} {rng.choice(words)}"))
    return out[:n]


def search(base, token, q, limit):
    url = f"{base}/api/v1/search?q={urllib.parse.quote(q)}&limit={limit}"
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        body = json.loads(r.read())
    return (time.perf_counter() - started) * 1000, body["total"]


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base", default="http://127.0.0.1:18080")
    p.add_argument("--admin-token", required=True)
    p.add_argument("--agent-token")
    p.add_argument("--queries", type=int, default=50)
    p.add_argument("--limit", type=int, default=25)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    if not args.base.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise SystemExit("--base must be a loopback address")
    qs = queries(args.queries, args.seed)
    who = [("admin", args.admin_token)] + ([("agent", args.agent_token)] if args.agent_token else [])
    for name, token in who:
        for _, q in qs:
            search(args.base, token, q, args.limit)  # warm-up
        by_kind, every = {}, []
        for kind, q in qs:
            ms, total = search(args.base, token, q, args.limit)
            by_kind.setdefault(kind.split(" ")[0] + " " + kind.split(" ")[1], []).append(ms)
            every.append((ms, q, total))
        print(f"\n{name}: {len(qs)} searches, limit {args.limit}")
        for kind, v in sorted(by_kind.items()):
            print(f"  {kind:8} n={len(v):3}  p50 {pct(v, 50):7.1f} ms  p95 {pct(v, 95):7.1f} ms  max {max(v):7.1f} ms")
        all_ms = [m for m, _, _ in every]
        print(f"  {'all':8} n={len(all_ms):3}  p50 {pct(all_ms, 50):7.1f} ms  p95 {pct(all_ms, 95):7.1f} ms  "
              f"mean {statistics.mean(all_ms):7.1f} ms")
        print("  slowest:", ", ".join(f"{q!r} {m:.0f} ms ({t} hits)" for m, q, t in sorted(every, reverse=True)[:5]))


if __name__ == "__main__":
    main()
