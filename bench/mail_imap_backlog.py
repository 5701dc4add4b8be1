#!/usr/bin/env python3
"""E-mail in from IMAP: a backlog of --messages messages waiting in a mailbox
drained into threaded tickets and replies, and the API's read latency during
the drain beside the idle figure.

It starts everything itself: Dovecot (Debian's `dovecot-imapd`) with a
throw-away configuration on a free 127.0.0.1 port, its maildir filled directly
with the corpus of bench/mail_ingest.py (the same generator: new conversations
and replies by In-Reply-To/References with quoted history, four languages and
charsets, HTML, attachments), in order; `tessera serve` on a fresh data folder
on another free 127.0.0.1 port, an admin token, a department with an address.
Then the mailbox is added through `POST /api/v1/mailboxes` and the clock
starts; it stops when every message is applied (the server's
`tessera_mail_inbound` metrics count them), and Dovecot is asked how many
messages carry the import keyword.

Reported: messages a second over the drain and over each tenth of it, the
drain's wall time, `GET /api/v1/tickets?limit=25` at --read-rate a second from
one client before (idle) and during the drain (p50/p99/max), the server's CPU,
and the outcomes (states, threading rules, replies on the wrong ticket).

    cargo build --release -p tessera
    python3 bench/mail_imap_backlog.py --messages 100000    # about a quarter of an hour
    python3 bench/mail_imap_backlog.py --messages 5000      # quick

Needs root or a user who may run Dovecot; loopback only; every request has a
timeout and the run ends when the backlog is drained or --timeout passes.
"""

import argparse
import grp
import http.client
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from mail_ingest import (DEPT_ADDRESS, Api, Reader, admin_token, clean_env, free_port, generate, ms, pct, proc_cpu,
                         rss_mib, start_server)

USER, PASSWORD = "support", "bench-password"
KEYWORD = "$TesseraImported"


def start_dovecot(base):
    """Dovecot on a free loopback port, its mail in base/home/support/Maildir."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.access(binary, os.X_OK):
        raise SystemExit("Dovecot is not installed: apt-get install -y dovecot-imapd")
    root = os.geteuid() == 0
    if root:
        mail_uid, mail_gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
        internal, group, login = "dovecot", "dovecot", "dovenull"
        os.chmod(base, 0o755)
    else:
        mail_uid, mail_gid = os.getuid(), os.getgid()
        internal = login = pwd.getpwuid(mail_uid).pw_name
        group = grp.getgrgid(mail_gid).gr_name
    for sub in ("run", "state", "home"):
        os.makedirs(os.path.join(base, sub), exist_ok=True)
    with open(os.path.join(base, "passwd"), "w") as f:
        f.write(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = free_port()
    conf = os.path.join(base, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(f"""base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 1
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  chroot =
}}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={base}/home/%u allow_all_users=yes
}}
mail_location = maildir:~/Maildir
# Dovecot is the only one writing this maildir: without this it rescans the
# 100,000 file names of cur/ after every keyword the import sets, and the
# drain measures Dovecot's directory scans, not Tessera.
maildir_very_dirty_syncs = yes
""")
    return conf, port, (mail_uid, mail_gid)


def fill_maildir(base, owner, msgs):
    """Writes the corpus into the maildir's cur/, named so that Dovecot gives
    them UIDs in corpus order (it sorts new files by the time in their name)."""
    home = os.path.join(base, "home", USER)
    maildir = os.path.join(home, "Maildir")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    t0 = 1_700_000_000
    for m in msgs:
        name = f"{t0 + m.index}.M{m.index}P1.bench,S={len(m.raw)}:2,"
        with open(os.path.join(maildir, "cur", name), "wb") as f:
            f.write(m.raw)
    if os.geteuid() == 0:
        for dirpath, dirnames, filenames in os.walk(home):
            os.chown(dirpath, *owner)
            for n in filenames:
                os.chown(os.path.join(dirpath, n), *owner)


def imap_count(conf, query):
    out = subprocess.run(["doveadm", "-c", conf, "search", "-u", USER, "mailbox", "INBOX"] + query,
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"doveadm search failed: {out.stderr.strip()}")
    return len([line for line in out.stdout.splitlines() if line.strip()])


def applied_counts(port, token):
    """The server's inbound counters by state (from /metrics)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse()
    body = r.read().decode()
    counts = {}
    for line in body.splitlines():
        if line.startswith("tessera_mail_inbound{"):
            labels, value = line.rsplit(" ", 1)
            state = labels.split('state="', 1)[1].split('"', 1)[0]
            counts[state] = counts.get(state, 0) + int(float(value))
    return counts


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tessera", default=None, help="the binary (default: target/release/tessera)")
    p.add_argument("--messages", type=int, default=100000)
    p.add_argument("--senders", type=int, default=3000)
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--reply-share", type=float, default=0.6)
    p.add_argument("--lag", type=int, default=100)
    p.add_argument("--read-rate", type=float, default=20, help="ticket list reads a second")
    p.add_argument("--idle-seconds", type=float, default=10)
    p.add_argument("--timeout", type=float, default=7200, help="give up after this many seconds of draining")
    p.add_argument("--work", default=None, help="where everything goes (default: a temporary folder)")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tessera = args.tessera or os.path.join(root, "target", "release", "tessera")
    if not os.access(tessera, os.X_OK):
        raise SystemExit(f"no binary at {tessera}: cargo build --release -p tessera")
    base = args.work or tempfile.mkdtemp(prefix="tessera-bench-imap-")
    os.makedirs(base, exist_ok=True)
    os.chmod(base, 0o755)  # Dovecot reads the mail as another user
    dove_dir = os.path.join(base, "dovecot")
    data_dir = os.path.join(base, "data")
    if os.path.exists(data_dir):
        raise SystemExit(f"{data_dir} exists: give a fresh --work")
    os.makedirs(dove_dir)
    os.makedirs(data_dir)

    run = f"{int(time.time()):x}"
    t = time.perf_counter()
    msgs, conversations = generate(args.messages, args.senders, args.seed, args.lag, run, args.reply_share)
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    conf, imap_port, owner = start_dovecot(dove_dir)
    fill_maildir(dove_dir, owner, msgs)
    fill_s = time.perf_counter() - t
    total_mib = sum(len(m.raw) for m in msgs) / 2**20
    print(f"corpus: {len(msgs)} messages, {total_mib:.0f} MiB, generated in {gen_s:.0f} s, written in "
          f"{fill_s:.0f} s", file=sys.stderr)

    env = clean_env()
    dovecot = subprocess.Popen(["dovecot", "-F", "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", imap_port), timeout=2) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    break
        except OSError:
            pass
        if time.time() > deadline or dovecot.poll() is not None:
            raise SystemExit(f"Dovecot did not start; see {dove_dir}/dovecot.log")
        time.sleep(0.1)
    server, port, log = start_server(tessera, data_dir, base, env)
    try:
        # Dovecot indexes the folder once, before the clock starts.
        t = time.perf_counter()
        waiting = imap_count(conf, ["ALL"])
        index_s = time.perf_counter() - t
        assert waiting == len(msgs), (waiting, len(msgs))
        token = admin_token(tessera, data_dir, env, "imap bench")
        api = Api(port, token)
        status, dept = api.json("POST", "/api/v1/departments", {
            "name": "E-mail in (bench)", "description": "imap bench", "public": True, "email": DEPT_ADDRESS})
        assert status == 201, (status, dept)

        reader = Reader(port, token, args.read_rate)
        reader.start()
        time.sleep(args.idle_seconds)
        idle = reader.finish()

        srv0 = proc_cpu(server.pid)
        reader.start()
        t0 = time.perf_counter()
        status, mailbox = api.json("POST", "/api/v1/mailboxes", {
            "department_id": dept["id"], "address": DEPT_ADDRESS, "imap_url": f"imap://127.0.0.1:{imap_port}",
            "username": USER, "password": PASSWORD, "folder": "INBOX", "after_import": "keyword"})
        assert status == 201, (status, mailbox)
        marks, done, last_print = [], 0, 0.0
        final_states = {}
        while True:
            time.sleep(1)
            states = applied_counts(port, token)
            done = sum(v for k, v in states.items() if k != "stored")
            now = time.perf_counter() - t0
            marks.append((now, done))
            if now - last_print >= 10:
                print(f"  {now:5.0f} s: {done}/{len(msgs)} ({done / now:.0f}/s)", file=sys.stderr)
                last_print = now
            if done >= len(msgs):
                final_states = states
                break
            if now > args.timeout:
                final_states = states
                print(f"timed out after {now:.0f} s", file=sys.stderr)
                break
        wall = time.perf_counter() - t0
        busy = reader.finish()
        srv1 = proc_cpu(server.pid)
        status, mb = api.json("GET", f"/api/v1/mailboxes/{mailbox['id']}")
        keyworded = imap_count(conf, ["KEYWORD", KEYWORD])
        rss, hwm = rss_mib(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        dovecot.terminate()
        dovecot.wait(30)
        log.close()

    # Rate over each tenth of the messages.
    tenths = []
    prev_t, prev_n = 0.0, 0
    for k in range(1, 11):
        target = len(msgs) * k // 10
        hit = next(((tt, n) for tt, n in marks if n >= target), None)
        if hit is None:
            break
        tenths.append((hit[1] - prev_n) / max(1e-9, hit[0] - prev_t))
        prev_t, prev_n = hit
    print(f"IMAP backlog: {len(msgs)} messages ({conversations} conversations, {total_mib:.0f} MiB) waiting in one "
          f"Dovecot folder (indexed by Dovecot in {index_s:.0f} s before the clock started); one mailbox, batches of "
          f"50, keyword after import.")
    print()
    print("| messages | drained in | msg/s | msg/s by tenth (min–max) | list read idle p50 / p99 / max ms "
          "| list read during p50 / p99 / max ms | server CPU | RSS end / peak MiB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {done} | {wall:.0f} s | {done / wall:.0f} | {min(tenths):.0f}–{max(tenths):.0f} | "
          f"{ms(pct(idle, 0.5))} / {ms(pct(idle, 0.99))} / {ms(max(idle))} | "
          f"{ms(pct(busy, 0.5))} / {ms(pct(busy, 0.99))} / {ms(max(busy))} ({len(busy)} reads) | "
          f"{(srv1 - srv0) / wall * 100:.0f}% | {rss:.0f} / {hwm:.0f} |")
    print()
    st = mb.get("status", {}) if isinstance(mb, dict) else {}
    print(f"Outcomes: states {json.dumps(final_states, sort_keys=True)}; mailbox after the drain: state "
          f"{st.get('state')}, backlog {st.get('backlog')}, last UID {st.get('last_uid')}; messages carrying "
          f"{KEYWORD} on the server: {keyworded}. Reader errors: {reader.errors}.")
    if not args.keep and not args.work:
        shutil.rmtree(base, ignore_errors=True)
    else:
        print(f"Kept: {base}")


if __name__ == "__main__":
    main()
