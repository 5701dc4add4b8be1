#!/usr/bin/env python3
"""E-mail out: notification mails handed to a local SMTP server per second, the
time from an agent's reply to the customer's copy being accepted by the SMTP
server, and the API's write throughput with mail on beside mail off.

It starts everything itself: an SMTP sink of its own (asyncio, in a process
of its own, on a free 127.0.0.1 port: it answers EHLO/MAIL/RCPT/DATA with 250 and records
when each message was accepted and for whom; it parses nothing else, so it
costs little beside the server), and `tessera serve` on fresh data folders
with `TESSERA_SMTP_URL` pointing at it.

Phases, one server with mail on:
  1. throughput: --agents agents in one department; customers open --tickets
     tickets through the API from --clients clients. Each ticket makes an
     acknowledgement to its customer and a new-ticket notification to every
     agent (1 + agents copies). Figure: copies accepted by the sink a second,
     from the first to the last, and whether every copy arrived.
  2. latency: --samples times, an agent replies to a ticket of a customer of
     its own; the time from the reply's request to the sink accepting the
     customer's copy (p50, p99).
  3. writes: agents post replies for --seconds from --clients clients.
Then a second server with mail off runs phase 3 again: the replies a second
beside each other (goal: within 10%).

    cargo build --release -p tessera
    python3 bench/mail_out.py                       # about two minutes
    python3 bench/mail_out.py --tickets 200 --agents 10 --samples 50 --seconds 10   # quick

Loopback only; every request has a timeout and every wait a deadline.
"""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mail_ingest import Api, admin_token, clean_env, free_port, machine_cpu, ms, pct, proc_cpu, start_server  # noqa: E402

DOMAIN = "bench-out.example"


class SinkServer:
    """A minimal SMTP server: accepts everything; prints `time rcpt,rcpt` a
    line per accepted message (monotonic clock, shared by processes)."""

    def __init__(self, port):
        self.port = port

    def run(self):
        loop = asyncio.new_event_loop()
        server = loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", self.port))
        print("ready", flush=True)
        loop.run_until_complete(server.serve_forever())

    async def _session(self, reader, writer):
        writer.write(b"220 sink ESMTP\r\n")
        rcpts = []
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 120)
                if not line:
                    break
                cmd = line[:4].upper()
                if cmd in (b"EHLO", b"HELO"):
                    writer.write(b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                elif cmd == b"MAIL":
                    rcpts = []
                    writer.write(b"250 ok\r\n")
                elif cmd == b"RCPT":
                    rcpts.append(line[8:].strip().strip(b"<>").split(b">")[0].decode().lower())
                    writer.write(b"250 ok\r\n")
                elif cmd == b"DATA":
                    writer.write(b"354 go\r\n")
                    await writer.drain()
                    while True:
                        data = await asyncio.wait_for(reader.readline(), 120)
                        if not data or data == b".\r\n":
                            break
                    sys.stdout.write(f"{time.monotonic()} {','.join(rcpts)}\n")
                    sys.stdout.flush()
                    writer.write(b"250 accepted\r\n")
                elif cmd == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    break
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        writer.close()


class Sink:
    """The SMTP sink in a process of its own (so its work does not share
    this process's interpreter lock with the API clients), and what it
    accepted: (time, [recipients]), read from its output by a thread."""

    def __init__(self):
        self.port = free_port()
        self.accepted = []
        self.lock = threading.Lock()
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--sink-port", str(self.port)],
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit("the SMTP sink did not start")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            t, _, rcpts = line.rstrip("\n").partition(" ")
            with self.lock:
                self.accepted.append((float(t), rcpts.split(",")))

    def stop(self):
        self.proc.kill()

    def count(self):
        with self.lock:
            return len(self.accepted)

    def times_for(self, address):
        with self.lock:
            return [t for t, r in self.accepted if address in r]


def server_with(tessera, base, name, smtp_port):
    data = os.path.join(base, name)
    os.makedirs(data)
    env = clean_env()
    if smtp_port:
        env["TESSERA_SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
        env["TESSERA_MAIL_FROM"] = f"Support <support@{DOMAIN}>"
        env["TESSERA_PUBLIC_URL"] = f"https://help.{DOMAIN}"
        env["TESSERA_MAIL_ACKNOWLEDGEMENT_WINDOW_MINUTES"] = "0"
    token = admin_token(tessera, data, env, "bench")
    proc, port, log = start_server(tessera, data, base, env)
    return proc, port, token


def user(api, role, email, name):
    s, u = api.json("POST", "/api/v1/users", {"email": email, "name": name, "role": role})
    assert s == 201, (s, u)
    s, t = api.json("POST", "/api/v1/tokens", {"user_id": u["id"], "name": "bench"})
    assert s == 201, (s, t)
    return u["id"], t["token"]


def setup(port, token, agents_n, customers_n):
    admin = Api(port, token)
    s, d = admin.json("POST", "/api/v1/departments", {"name": "Hosting", "description": "", "public": True,
                                                      "email": f"hosting@{DOMAIN}"})
    assert s == 201, (s, d)
    agents = [user(admin, "agent", f"agent{i}@{DOMAIN}", f"Agent {i}") for i in range(agents_n)]
    s, _ = admin.json("PATCH", f"/api/v1/departments/{d['id']}", {"member_ids": [a for a, _ in agents]})
    assert s == 200, s
    customers = [user(admin, "customer", f"customer{i}@{DOMAIN}", f"Customer {i}") for i in range(customers_n)]
    return d["id"], agents, customers


def open_tickets(port, dept, customers, n, clients):
    def one(i):
        _, tok = customers[i % len(customers)]
        s, t = Api(port, tok).json("POST", "/api/v1/tickets", {"department_id": dept, "subject": f"Ticket {i}",
                                                                "body": f"Please help with {i}."})
        assert s == 201, (s, t)
        return t["id"]
    with ThreadPoolExecutor(clients) as ex:
        return list(ex.map(one, range(n)))


def wait_for(sink, count, deadline):
    last, last_change = sink.count(), time.monotonic()
    while sink.count() < count and time.monotonic() < deadline:
        time.sleep(0.05)
        now = sink.count()
        if now != last:
            last, last_change = now, time.monotonic()
        elif time.monotonic() - last_change > 30:
            print(f"no progress for 30 s at {now} of {count} copies", file=sys.stderr)
            break
    return sink.count()


def replies_for(port, agents, tickets, seconds, clients, server_pid, sink_pid=None):
    """Agents reply to `tickets` round robin for `seconds`; answers replies/s
    and the CPU seconds the server, the sink and this client spent meanwhile
    (all on the same cores: what the client and the sink take, the server
    cannot have)."""
    stop = time.monotonic() + seconds
    done = [0] * clients

    def worker(c):
        _, tok = agents[c % len(agents)]
        api = Api(port, tok)
        i = c
        while time.monotonic() < stop:
            s, _ = api.json("POST", f"/api/v1/tickets/{tickets[i % len(tickets)]}/replies", {"body": f"Reply {i}."})
            assert s == 201, s
            done[c] += 1
            i += clients
    own = os.times()
    cpu0 = (proc_cpu(server_pid), proc_cpu(sink_pid) if sink_pid else 0.0, own.user + own.system)
    t0 = time.monotonic()
    with ThreadPoolExecutor(clients) as ex:
        list(ex.map(worker, range(clients)))
    elapsed = time.monotonic() - t0
    own = os.times()
    cpu1 = (proc_cpu(server_pid), proc_cpu(sink_pid) if sink_pid else 0.0, own.user + own.system)
    return sum(done) / elapsed, sum(done), tuple(b - a for a, b in zip(cpu0, cpu1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tessera", default="target/release/tessera")
    ap.add_argument("--tickets", type=int, default=500)
    ap.add_argument("--agents", type=int, default=20)
    ap.add_argument("--customers", type=int, default=50)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--sink-port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.sink_port:
        SinkServer(args.sink_port).run()
        return
    if not os.path.exists(args.tessera):
        raise SystemExit(f"{args.tessera} is missing: cargo build --release -p tessera")
    base = tempfile.mkdtemp(prefix="tessera-mail-out-")
    sink = Sink()
    procs = []
    try:
        proc, port, token = server_with(args.tessera, base, "on", sink.port)
        procs.append(proc)
        dept, agents, customers = setup(port, token, args.agents, args.customers)

        # 1. throughput
        expected = args.tickets * (1 + args.agents)
        before, cpu0, m0 = sink.count(), proc_cpu(proc.pid), machine_cpu()
        t_open = time.monotonic()
        tickets = open_tickets(port, dept, customers, args.tickets, args.clients)
        opened_in = time.monotonic() - t_open
        got = wait_for(sink, before + expected, time.monotonic() + 600) - before
        with sink.lock:
            times = [t for t, _ in sink.accepted[before:before + got]]
        span = (max(times) - min(times)) if len(times) > 1 else float("nan")
        cpu = proc_cpu(proc.pid) - cpu0
        m1 = machine_cpu()
        busy = (m1[0] - m0[0]) / max(m1[1] - m0[1], 1e-9)

        # 2. latency: a customer and a ticket each, acknowledged first.
        lat = []
        admin = Api(port, token)
        _, agent_tok = agents[0]
        agent = Api(port, agent_tok)
        for i in range(args.samples):
            address = f"late{i}@{DOMAIN}"
            _, ctok = user(admin, "customer", address, f"Late {i}")
            s, t = Api(port, ctok).json("POST", "/api/v1/tickets", {"department_id": dept, "subject": f"Late {i}",
                                                                     "body": "Waiting."})
            assert s == 201, (s, t)
            deadline = time.monotonic() + 30
            while not sink.times_for(address) and time.monotonic() < deadline:
                time.sleep(0.005)
            t0 = time.monotonic()
            s, _ = agent.json("POST", f"/api/v1/tickets/{t['id']}/replies", {"body": "Here you go."})
            assert s == 201, s
            deadline = time.monotonic() + 30
            while len(sink.times_for(address)) < 2 and time.monotonic() < deadline:
                time.sleep(0.001)
            got_times = sink.times_for(address)
            if len(got_times) >= 2:
                lat.append(got_times[1] - t0)

        # 3. writes with mail on
        drained = wait_for(sink, sink.count(), time.monotonic() + 1)
        on_rate, on_n, on_cpu = replies_for(port, agents, tickets, args.seconds, args.clients, proc.pid, sink.proc.pid)
        proc.terminate()
        proc.wait(30)

        # 3'. the same with mail off
        proc2, port2, token2 = server_with(args.tessera, base, "off", None)
        procs.append(proc2)
        dept2, agents2, customers2 = setup(port2, token2, args.agents, args.customers)
        tickets2 = open_tickets(port2, dept2, customers2, args.tickets, args.clients)
        off_rate, off_n, off_cpu = replies_for(port2, agents2, tickets2, args.seconds, args.clients, proc2.pid)

        print("## E-mail out\n")
        print(f"Machine: {os.cpu_count()} cores; `python3 bench/mail_out.py --tickets {args.tickets} --agents "
              f"{args.agents} --clients {args.clients} --samples {args.samples} --seconds {args.seconds}`\n")
        print("| figure | value |\n|---|---|")
        print(f"| copies expected / accepted by the SMTP server | {expected} / {got} |")
        print(f"| tickets opened (API, {args.clients} clients) | {args.tickets} in {opened_in:.1f} s |")
        print(f"| copies a second (first to last accepted) | {got / span:.0f} |" if span == span and span > 0
              else "| copies a second | n/a |")
        print(f"| server CPU over phase 1 | {cpu:.1f} s ({cpu / max(got, 1) * 1000:.2f} ms a copy) |")
        print(f"| machine busy over phase 1 | {busy * 100:.0f}% |")
        if lat:
            print(f"| reply → customer's copy accepted, min / p50 / p99 / max ({len(lat)} samples) | "
                  f"{ms(min(lat))} / {ms(pct(lat, 0.5))} / {ms(pct(lat, 0.99))} / {ms(max(lat))} |")
        print(f"| replies a second, mail on ({args.clients} clients, {args.seconds} s) | {on_rate:.0f} |")
        print(f"| replies a second, mail off | {off_rate:.0f} |")
        print(f"| mail on beside mail off | {(on_rate / off_rate - 1) * 100:+.1f}% |")
        print(f"| server CPU a reply, mail on / off | {on_cpu[0] / max(on_n, 1) * 1000:.3f} / "
              f"{off_cpu[0] / max(off_n, 1) * 1000:.3f} ms ({(on_cpu[0] / max(on_n, 1)) / max(off_cpu[0] / max(off_n, 1), 1e-9) * 100 - 100:+.0f}%) |")
        print(f"| CPU over the writes, mail on: server / SMTP sink / bench client | {on_cpu[0]:.1f} / {on_cpu[1]:.1f} / "
              f"{on_cpu[2]:.1f} s of {args.seconds * (os.cpu_count() or 1)} |")
        print(f"| CPU over the writes, mail off: server / bench client | {off_cpu[0]:.1f} / {off_cpu[2]:.1f} s |")
        print(f"\n(sink total {drained} copies; data in {base})")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        sink.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
