#!/usr/bin/env bash
# Regenerates every figure in docs/benchmarks.md, one section after another,
# into a results folder (a Markdown file per section plus the machine's
# description), so a run on other hardware is one command:
#
#   bash bench/all.sh                       # everything: about an hour and a half
#   SECTIONS="harness cold-start" bash bench/all.sh   # some sections
#
# Sections:
#   harness     tessera-bench side by side with Request Tracker 5 (installs RT with
#               bench/peers/rt.sh, fills its queue to $RT_TICKETS tickets the first
#               time, stops it at the end); Tessera prepares $TICKETS tickets
#   engines     SQLite, PostgreSQL with one instance and with two (a durable
#               throw-away PostgreSQL cluster on a loopback port)
#   cold-start  start to ready on a data folder of $COLD_TICKETS generated tickets
#   million     views and search on 1,000,000 generated tickets and 5,000,000
#               messages (bench/generate.py, bench/views.py, bench/search.py)
#   mail        e-mail in: $MAIL_MESSAGES generated messages through
#               POST /api/v1/mail/inbound and `tessera mail ingest`
#               (bench/mail_ingest.py; a fresh data folder, a few minutes)
#
# Needs root on Debian 12 for RT and PostgreSQL (apt-get), python3, and about
# 10 GB free under $WORK. Every server listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

SECTIONS=${SECTIONS:-"harness engines cold-start million mail"}
OUT=${OUT:-bench/results/$(date -u +%Y-%m-%dT%H%MZ)}
WORK=${WORK:-/tmp/tessera-bench-all}
TICKETS=${TICKETS:-10000}
RT_TICKETS=${RT_TICKETS:-10000}
COLD_TICKETS=${COLD_TICKETS:-100000}
MILLION=${MILLION:-1000000}
MAIL_MESSAGES=${MAIL_MESSAGES:-20000}
TESSERA=target/release/tessera
BENCH=target/release/tessera-bench

log() { printf '\n== bench/all.sh: %s\n' "$*" >&2; }
has() { [[ " $SECTIONS " == *" $1 "* ]]; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir -p "$OUT" "$WORK"
log "building the release binaries"
cargo build --release --locked -p tessera -p tessera-bench

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') × $(nproc)"
  echo "memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "kernel: $(uname -r)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

if has harness; then
  log "harness: Request Tracker 5 (install, fill to $RT_TICKETS tickets), then Tessera and RT side by side"
  bash bench/peers/rt.sh >"$OUT/rt-setup.txt"
  bash bench/peers/rt.sh fill "$RT_TICKETS"
  RT_PASSWORD=$(cat /var/lib/tessera-bench-rt/password) \
    "$BENCH" --tickets "$TICKETS" --peer-rt http://127.0.0.1:18480 --rt-user bench \
    --rt-tickets "$RT_TICKETS" >"$OUT/harness.md"
  bash bench/peers/rt.sh stop
  cat "$OUT/harness.md"
fi

if has engines; then
  log "engines: SQLite, PostgreSQL × 1, PostgreSQL × 2 (durable PostgreSQL on a loopback port)"
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$pgbin" ]; then
    apt-get install -y -q postgresql >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  pgdir=$(mktemp -d "$WORK/pg.XXXXXX")
  as_pg=()
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdir"; as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  pgport=$(free_port)
  # PostgreSQL's defaults otherwise: fsync and synchronous_commit on, as SQLite's
  # synchronous = FULL on the other side.
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
    -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
  trap '"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true' EXIT
  for db in bench_pg1 bench_pg2; do
    "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE DATABASE $db" postgres
  done
  ARGS=(--scenarios create,reply,read,view-count --tickets 2000 --duration 3)
  {
    "$BENCH" "${ARGS[@]}"
    echo
    "$BENCH" "${ARGS[@]}" --database "postgres://postgres@127.0.0.1:$pgport/bench_pg1"
    echo
    "$BENCH" "${ARGS[@]}" --database "postgres://postgres@127.0.0.1:$pgport/bench_pg2" --instances 2
  } >"$OUT/engines.md"
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null
  trap - EXIT
  rm -rf "$pgdir"
  cat "$OUT/engines.md"
fi

if has cold-start; then
  log "cold start on $COLD_TICKETS generated tickets"
  dir="$WORK/cold-$COLD_TICKETS"
  if [ ! -f "$dir/tessera.db" ]; then
    "$TESSERA" migrate --data-dir "$dir" >/dev/null
    python3 bench/generate.py --data-dir "$dir" --tickets "$COLD_TICKETS" --customers $((COLD_TICKETS / 20)) \
      --tessera "$TESSERA"
  fi
  "$BENCH" --cold-start "$dir" >"$OUT/cold-start.md"
  cat "$OUT/cold-start.md"
fi

if has million; then
  log "views and search on $MILLION generated tickets (generating takes about 10 minutes the first time)"
  dir="$WORK/million"
  if [ ! -f "$dir/tessera.db" ]; then
    "$TESSERA" migrate --data-dir "$dir" >/dev/null
    python3 bench/generate.py --data-dir "$dir" --tickets "$MILLION" --tessera "$TESSERA"
  fi
  port=$(free_port)
  "$TESSERA" serve --data-dir "$dir" --listen "127.0.0.1:$port" >"$WORK/million-server.log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.5
  done
  "$TESSERA" user create --data-dir "$dir" --email admin@bench.example --name Admin --role admin \
    >/dev/null 2>&1 || true
  admin=$("$TESSERA" token create --data-dir "$dir" --email admin@bench.example |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  agent=$("$TESSERA" token create --data-dir "$dir" --email agent1@bench.example |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
  python3 bench/views.py --url "http://127.0.0.1:$port" --token "admin=$admin" --token "agent=$agent" \
    --data-dir "$dir" --runs 20 >"$OUT/million-views.md"
  python3 bench/search.py --base "http://127.0.0.1:$port" --admin-token "$admin" --agent-token "$agent" \
    >"$OUT/million-search.md"
  kill "$server"
  wait "$server" 2>/dev/null || true
  trap - EXIT
  cat "$OUT/million-views.md" "$OUT/million-search.md"
fi

if has mail; then
  log "e-mail in: $MAIL_MESSAGES messages through the HTTP endpoint and the pipe"
  python3 bench/mail_ingest.py --tessera "$TESSERA" --messages "$MAIL_MESSAGES" >"$OUT/mail.md"
  cat "$OUT/mail.md"
fi

log "results in $OUT"
