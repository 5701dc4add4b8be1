"""Fuzzes Tessera's native API over its OpenAPI document with schemathesis.

Starts `tessera serve` on a free loopback port with a fresh temporary data
folder filled by `tessera demo`, then runs schemathesis against
`/api/v1/openapi.json` once per role (admin, agent, customer) with every
check that fits the API (schemathesis.toml beside this file). Any 5xx, any
answer the document does not describe (status, content type, headers,
schema), any schema-valid request refused as malformed and any
schema-invalid request accepted fails the run, as does a server that dies
or logs a panic.

Run it through `tests/fuzz/run`, which confines it to a loopback-only
network namespace; see docs/fuzzing.md.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

# Operations that make the server call out (webhooks, validation and panel
# hooks): fuzzed only inside the loopback-only namespace, where nothing can
# leave the machine whatever URL the fuzzer invents.
OUTBOUND = [
    ("POST", "/api/v1/webhooks"),
    ("PATCH", "/api/v1/webhooks/{id}"),
    ("POST", "/api/v1/webhooks/{id}/test"),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
    ("POST", "/api/v1/hooks"),
    ("PATCH", "/api/v1/hooks/{id}"),
    ("POST", "/api/v1/hooks/{id}/test"),
]

# The live stream never ends: schemathesis would wait for its body.
ALWAYS_EXCLUDED = [("GET", "/api/v1/events/stream")]


def loopback_up() -> None:
    """Brings `lo` up in a new network namespace (it starts down)."""
    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, siocgifflags, req))[1]
        fcntl.ioctl(s, siocsifflags, struct.pack("16sH", b"lo", flags | iff_up))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(f"[fuzz] {msg}", flush=True)


class Server:
    """A `tessera serve` on a loopback port."""

    def __init__(self, binary: str, data: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = data / "server.log"
        env = dict(os.environ, TESSERA_LOG=os.environ.get("TESSERA_LOG", "warn"))
        self.proc = subprocess.Popen(
            [binary, "serve", "--data-dir", str(data), "--listen", f"127.0.0.1:{self.port}"],
            stdout=open(self.log_path, "wb"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not start:\n{self.log_path.read_text(errors='replace')}")
            time.sleep(0.2)

    def api(self, token: str, method: str, path: str, body: object | None = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def token_for(binary: str, data: Path, email: str) -> str:
    out = subprocess.run(
        [binary, "token", "create", "--data-dir", str(data), "--email", email, "--name", "fuzz"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["token"]


def seed(binary: str, data: Path, server: Server, tickets: int) -> dict[str, dict]:
    """Demo data, a little more, and a token (with a spare) for each role."""
    subprocess.run(
        [binary, "demo", "--data-dir", str(data), "--tickets", str(tickets)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=open(data / "demo.log", "wb"),
    )
    admin = token_for(binary, data, "admin@localhost")
    agents = server.api(admin, "GET", "/users?role=agent&limit=5")["users"]
    customers = server.api(admin, "GET", "/users?role=customer&limit=50")["users"]
    if not agents or not customers:
        raise SystemExit("the demo data has no agent or no customer")
    # A customer with tickets, so its reads find something.
    tickets_of: dict[int, int] = {}
    for t in server.api(admin, "GET", "/tickets?limit=100")["tickets"]:
        tickets_of[t["requester_id"]] = tickets_of.get(t["requester_id"], 0) + 1
    customer = max(customers, key=lambda u: tickets_of.get(u["id"], 0))
    # What demo data leaves empty: a personal view.
    server.api(admin, "POST", "/views", {"title": "Fuzz", "personal": True})
    roles = {}
    for role, email in [("admin", "admin@localhost"), ("agent", agents[0]["email"]), ("customer", customer["email"])]:
        token = admin if role == "admin" else token_for(binary, data, email)
        me = server.api(token, "GET", "/me")
        spare = server.api(token, "POST", "/tokens", {"name": "spare"})
        own = [t for t in server.api(token, "GET", "/tokens")["tokens"] if token.startswith(t["identifier"] + ".")]
        roles[role] = {
            "token": token,
            "self": {"user_id": me["id"], "token_id": own[0]["id"], "spare_token_id": spare["id"]},
            "role": me["role"],
        }
    return roles


def still_works(server: Server, who: dict) -> bool:
    """The role's token still acts as a user of that role."""
    try:
        return server.api(who["token"], "GET", "/me")["role"] == who["role"]
    except (urllib.error.URLError, OSError, KeyError):
        return False


def schemathesis(
    python: str,
    server: Server,
    role: str,
    who: dict,
    args: argparse.Namespace,
    report: Path,
    excluded: list[tuple[str, str]],
) -> int:
    cmd = [
        python,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        server.base + "/api/v1/openapi.json",
        # Every request goes to this server: the document has no `servers`
        # entry, and nothing may send the fuzzer elsewhere.
        "--url",
        server.base,
        "--max-redirects",
        "0",
        "--header",
        f"Authorization: Bearer {who['token']}",
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        str(args.workers),
        "--request-timeout",
        "15",
        "--report",
        "junit,ndjson",
        "--report-dir",
        str(report / role),
    ]
    for method, path in excluded:
        cmd += ["--exclude-name", f"{method} {path}"]
    log(f"schemathesis as {role} (at most {args.max_examples} examples an operation, seed {args.seed})")
    started = time.monotonic()
    try:
        env = dict(os.environ, TESSERA_FUZZ_SELF=json.dumps(who["self"]), SCHEMATHESIS_HOOKS="hooks")
        env["PYTHONPATH"] = str(HERE) + os.pathsep + env.get("PYTHONPATH", "")
        rc = subprocess.run(cmd, timeout=args.role_timeout, env=env).returncode
    except subprocess.TimeoutExpired:
        log(f"as {role}: still running after {args.role_timeout} s, stopped: that is a failure")
        return 1
    log(f"as {role}: exit {rc} after {time.monotonic() - started:.0f} s")
    return rc


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.environ.get("TESSERA_BIN", str(ROOT / "target/debug/tessera")))
    p.add_argument("--roles", default="customer,agent,admin", help="comma-separated, in order (admin last: it may change the others)")
    p.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", "25")))
    p.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "14")))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--tickets", type=int, default=12, help="demo tickets")
    p.add_argument("--role-timeout", type=int, default=300, help="wall-time cap of one role's run, seconds")
    p.add_argument("--report-dir", default=str(ROOT / "target/fuzz-report"))
    p.add_argument("--keep", action="store_true", help="keep the data folder (its path is printed)")
    args = p.parse_args()

    isolated = os.environ.get("TESSERA_FUZZ_ISOLATED") == "netns"
    if isolated:
        others = [name for _, name in socket.if_nameindex() if name != "lo"]
        if others:
            raise SystemExit(f"not in a loopback-only namespace (interfaces {others}): run tests/fuzz/run")
        loopback_up()
    excluded = list(ALWAYS_EXCLUDED) + ([] if isolated else OUTBOUND)
    if not Path(args.binary).is_file():
        raise SystemExit(f"no binary {args.binary}: cargo build -p tessera (or --binary)")
    report = Path(args.report_dir)
    shutil.rmtree(report, ignore_errors=True)
    report.mkdir(parents=True)
    data = Path(tempfile.mkdtemp(prefix="tessera-fuzz."))
    started = time.monotonic()
    server = None
    failed: list[str] = []
    try:
        server = Server(args.binary, data)
        tokens = seed(args.binary, data, server, args.tickets)
        log(f"server {server.base}, data {data}, {'loopback-only namespace' if isolated else 'no namespace'}")
        for role in [r.strip() for r in args.roles.split(",") if r.strip()]:
            if role not in tokens:
                raise SystemExit(f"unknown role {role}")
            if schemathesis(sys.executable, server, role, tokens[role], args, report, excluded) != 0:
                failed.append(role)
            if not still_works(server, tokens[role]):
                # The fuzzer revoked, disabled or demoted its own identity:
                # the rest of that run only saw 401s and 403s.
                failed.append(f"{role}'s token stopped working during its run")
            if server.proc.poll() is not None:
                failed.append("server exited")
                break
    finally:
        if server is not None:
            server.stop()
            server_log = server.log_path.read_text(errors="replace")
            shutil.copy(server.log_path, report / "server.log")
            if "panicked" in server_log:
                failed.append("server panicked (see server.log)")
        if args.keep:
            log(f"data kept in {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    took = time.monotonic() - started
    if failed:
        log(f"FAILED ({', '.join(failed)}) in {took:.0f} s; reports and server.log in {report}")
        return 1
    log(f"passed in {took:.0f} s; reports in {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
