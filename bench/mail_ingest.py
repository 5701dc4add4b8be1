#!/usr/bin/env python3
"""E-mail in: messages a second through `POST /api/v1/mail/inbound` and through
`tessera mail ingest` (one process per message, as an MTA's pipe runs it), into
threaded tickets and replies, with the latency from hand-off to the ticket being
visible, and the API's read latency while mail comes in beside the idle figure.

It starts everything itself on a fresh data folder: `tessera serve` on a free
127.0.0.1 port, an admin and their token (`tessera user create`, `tessera token
create`), one department with an address. It generates a corpus of --messages
messages from --senders customers (deterministic for a --seed): about 40% start
a conversation (--reply-share 0.6), the rest answer an earlier message of one by In-Reply-To and
References (a fifth of them by References alone, as Outlook does), quoting it;
1-20 KB of text in English, Turkish, Chinese, Russian and German (UTF-8, and
KOI8-R, windows-1254, GB18030 for some), subjects as RFC 2047 encoded-words or
raw UTF-8, a third multipart/alternative with HTML, a tenth with a small
attachment. Every message carries a unique reference in its body, so that its
ticket can be checked for it.

The corpus is handed in in phases, one after the other, on the same server: HTTP
with C clients for each C of --http-concurrency, then the pipe with P processes
at a time for each P of --pipe-parallel (--pipe-share of the corpus goes to the
pipe phases, split evenly; the rest to the HTTP phases). A reply is handed in
only after the message it answers was answered (its parent is always at least
--lag messages earlier, so this rarely waits). Per phase:

  * messages a second (wall clock, first hand-off to last answer);
  * hand-off latency: HTTP request sent -> 202 read; pipe process spawned ->
    exit 0. Both mean stored AND applied (the endpoint and the pipe apply
    synchronously);
  * visible latency, for a sample (--sample-every): hand-off -> a
    `GET /api/v1/tickets/{id}` that shows the message's reference (the pipe
    first asks `GET /api/v1/mail/inbound/{id}` for the ticket);
  * the API's read latency: `GET /api/v1/tickets?limit=25` at --read-rate a
    second from one client, for --idle-seconds before the phase (idle) and
    during it;
  * CPU: the server's, the pipe processes', this client's, and the machine's
    busy share over the phase (from /proc), to tell CPU from waiting.

At the end every message's outcome is checked: its state (applied), and for a
reply that it joined its conversation's ticket. Output is Markdown.

    cargo build --release -p tessera
    python3 bench/mail_ingest.py --messages 20000                    # a few minutes
    python3 bench/mail_ingest.py --messages 2000 --http-concurrency 8 --pipe-parallel 4   # quick

Loopback only; every request is bounded by a timeout and the run by its corpus.
"""

import argparse
import base64
import http.client
import json
import os
import queue
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from email.header import Header

from generate import WORDS as GENERATOR_WORDS  # bench/generate.py: the same vocabulary

DEPT_ADDRESS = "support@bench-mail.example"

# The words of the ticket generator (bench/generate.py), and German for the
# quoting clients that write "Am … schrieb …:".
WORDS = dict(GENERATOR_WORDS)
WORDS.update({
    "de": ("Server schon wieder ausgefallen Rechnung Zahlung Erstattung Domain Postfach Sicherung "
           "Wiederherstellung Zertifikat Verlängerung Anmeldung Passwort zurücksetzen Tarif Speicherplatz "
           "langsam Webseite Fehler Zeitüberschreitung Datenbank Umzug Konto Abbuchung Karte abgelehnt "
           "kündigen Bestellung Frage bitte Hilfe dringend danke Grüße Problem kein Zugriff").split(),
})
NAMES = {
    "en": ["John Smith", "Mary Jones", "Alex Brown", "Sam Taylor", "Kate Wilson"],
    "tr": ["Ayşe Yılmaz", "Mehmet Demir", "Işıl Kaya", "İsmail Çelik", "Ömer Şahin"],
    "zh": ["王伟", "李娜", "张敏", "刘洋", "陈静"],
    "ru": ["Иван Петров", "Анна Смирнова", "Ольга Иванова", "Дмитрий Кузнецов", "Ёлка Соколова"],
    "de": ["Jürgen Müller", "Anke Schäfer", "Björn Weiß", "Uta Groß", "Kai Böhm"],
}
# The share of senders per language, and the charsets their clients use
# (the first is UTF-8; the other is a legacy charset some clients still send).
LANGS = [("en", 0.35), ("tr", 0.2), ("zh", 0.15), ("ru", 0.2), ("de", 0.1)]
LEGACY = {"tr": "windows-1254", "zh": "gb18030", "ru": "koi8-r"}
RE_PREFIX = {"en": "Re: ", "tr": "YNT: ", "zh": "回复：", "ru": "Re: ", "de": "AW: "}
WROTE = {
    "en": "On {date}, {name} wrote:",
    "tr": "{date} tarihinde {name} şunu yazdı:",
    "zh": "{name} 于 {date} 写道：",
    "ru": "{date}, {name} написал(а):",
    "de": "Am {date} schrieb {name}:",
}


# ---------------------------------------------------------------- the corpus

class Msg:
    __slots__ = ("index", "raw", "conv", "parent", "ref", "ticket", "state", "matched_by", "inbound")

    def __init__(self, index, raw, conv, parent, ref):
        self.index, self.raw, self.conv, self.parent, self.ref = index, raw, conv, parent, ref
        self.ticket = self.state = self.matched_by = self.inbound = None


def words(rng, lang, n):
    w = WORDS[lang]
    sep = "" if lang == "zh" else " "
    return sep.join(rng.choices(w, k=n))


_SENTENCES = {}


def sentence_pool(lang):
    """2,000 sentences per language, the same for every run."""
    if lang not in _SENTENCES:
        r = random.Random(f"sentences-{lang}")
        pool = []
        for _ in range(2000):
            line = words(r, lang, r.randint(6, 14))
            pool.append(line[0].upper() + line[1:] + ("。" if lang == "zh" else "."))
        _SENTENCES[lang] = pool
    return _SENTENCES[lang]


def paragraph_text(rng, lang, size):
    """About `size` bytes (UTF-8) of lines of text."""
    pool = sentence_pool(lang)
    lines, total = [], 0
    while total < size:
        batch = rng.choices(pool, k=8)
        for line in batch:
            lines.append(line)
            total += len(line.encode()) + 1
        lines.append("")
    return "\n".join(lines)


def qp(text_bytes):
    import quopri
    return quopri.encodestring(text_bytes).replace(b"\n", b"\r\n")


def b64(data):
    return b"\r\n".join(base64.encodebytes(data).splitlines())


def text_part(rng, lang, text, subtype="plain"):
    """Headers and body of one text part, in a charset and transfer encoding
    a real client would use."""
    charset = "utf-8"
    if lang in LEGACY and rng.random() < 0.25:
        charset = LEGACY[lang]
    data = text.replace("\n", "\r\n").encode(charset, errors="replace")
    r = rng.random()
    if r < 0.45:
        cte, body = "quoted-printable", qp(data)
    elif r < 0.75:
        cte, body = "base64", b64(data)
    else:
        cte, body = "8bit", data
    head = f"Content-Type: text/{subtype}; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n"
    return head.encode(), body


def header_text(rng, value):
    """A header value with non-ASCII text: an RFC 2047 encoded-word mostly,
    raw UTF-8 sometimes (as SMTPUTF8 clients send)."""
    if value.isascii():
        return value
    if rng.random() < 0.8:
        return Header(value, "utf-8").encode()
    return value


def build(rng, i, run, sender, conv, parent_msg, lang, subject, ref):
    """One raw message (bytes)."""
    name, address = sender
    mid = f"<{run}.{i}.{rng.getrandbits(32):08x}@mail.{address.split('@')[1]}>"
    size = int(1024 * (20 ** rng.random()))  # 1-20 KB, log-uniform
    text = paragraph_text(rng, lang, size)
    text += f"\n\nRef: {ref}\n"
    headers = [
        f"Return-Path: <{address}>",
        f"Received: from mail.{address.split('@')[1]} (mail.{address.split('@')[1]} [192.0.2.{i % 250 + 1}])"
        f" by mx.bench-mail.example with ESMTPS id {i:x}; Mon, 7 Dec 2026 10:00:00 +0000",
        f"From: {header_text(rng, name)} <{address}>",
        f"To: Support <{DEPT_ADDRESS}>",
        f"Subject: {header_text(rng, subject)}",
        "Date: Mon, 7 Dec 2026 10:%02d:%02d +0300" % (i // 60 % 60, i % 60),
        f"Message-ID: {mid}",
        "MIME-Version: 1.0",
    ]
    if parent_msg is not None:
        refs = conv["ids"][-10:]
        if rng.random() < 0.8:
            headers.append(f"In-Reply-To: {parent_msg}")
        headers.append("References: " + "\r\n ".join(refs))
        quoted = "\n".join("> " + line for line in conv["last_text"].splitlines()[:40])
        text += "\n" + WROTE[lang].format(date="7 Dec 2026 10:00", name=name) + "\n" + quoted + "\n"
    headers.append(rng.choice([
        "User-Agent: Mozilla Thunderbird", "X-Mailer: Microsoft Outlook 16.0", "X-Mailer: Apple Mail (2.3774)",
        "X-Mailer: QQMail 2.x", "X-Mailer: Yandex.Mail", "User-Agent: Roundcube Webmail/1.6"]))
    kind = rng.random()
    if kind < 0.1:
        # multipart/mixed: text and a small attachment
        boundary = f"----=_mixed_{i}_{rng.getrandbits(40):x}"
        th, tb = text_part(rng, lang, text)
        att = rng.randbytes(rng.randint(2_000, 30_000))
        fname = rng.choice(["invoice.pdf", "screenshot.png", "fatura.pdf", "日志.txt", "счёт.pdf", "log.zip"])
        fhead = (f"Content-Type: application/octet-stream; name=\"{header_text(rng, fname)}\"\r\n"
                 f"Content-Disposition: attachment; filename=\"{header_text(rng, fname)}\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n").encode()
        headers.append(f"Content-Type: multipart/mixed; boundary=\"{boundary}\"")
        body = (b"This is a multi-part message in MIME format.\r\n"
                + f"--{boundary}\r\n".encode() + th + b"\r\n" + tb + b"\r\n"
                + f"--{boundary}\r\n".encode() + fhead + b"\r\n" + b64(att) + b"\r\n"
                + f"--{boundary}--\r\n".encode())
    elif kind < 0.4:
        # multipart/alternative: text and HTML
        boundary = f"----=_alt_{i}_{rng.getrandbits(40):x}"
        th, tb = text_part(rng, lang, text)
        html = "<html><body>" + "".join(
            f"<p>{line}</p>" if not line.startswith(">") else f"<blockquote>{line[1:]}</blockquote>"
            for line in text.splitlines() if line) + "</body></html>"
        hh, hb = text_part(rng, lang, html, "html")
        headers.append(f"Content-Type: multipart/alternative; boundary=\"{boundary}\"")
        body = (f"--{boundary}\r\n".encode() + th + b"\r\n" + tb + b"\r\n"
                + f"--{boundary}\r\n".encode() + hh + b"\r\n" + hb + b"\r\n"
                + f"--{boundary}--\r\n".encode())
    else:
        th, tb = text_part(rng, lang, text)
        headers.extend(th.decode().rstrip("\r\n").split("\r\n"))
        body = tb
    head = "\r\n".join(headers).encode("utf-8") + b"\r\n\r\n"
    return mid, text, head + body


def generate(n, senders_n, seed, lag, run, reply_share=0.6):
    rng = random.Random(seed)
    langs, weights = zip(*LANGS)
    senders = []
    for s in range(senders_n):
        lang = rng.choices(langs, weights)[0]
        name = rng.choice(NAMES[lang])
        senders.append((lang, name, f"customer{s}@{rng.choice(['example.com', 'example.net', 'musteri.test', 'kunde.test', 'klient.test', 'kehu.test'])}"))
    convs = []          # {"sender", "lang", "subject", "ids", "last_text", "last", "first"}
    msgs = []
    for i in range(n):
        ref = f"MB-{run}-{i:07d}"
        # Conversations whose last message is at least `lag` earlier can be
        # answered; replies go mostly to recent conversations.
        conv = None
        if i >= lag and rng.random() < reply_share:
            # one of the 3,000 newest conversations, not answered too recently
            for _ in range(20):
                c = convs[rng.randrange(max(0, len(convs) - 3000), len(convs))]
                if c["last"] <= i - lag:
                    conv = c
                    break
        if conv is not None:
            lang = conv["lang"]
            parent = conv["last"]
            subject = RE_PREFIX[lang] + conv["subject"]
            mid, text, raw = build(rng, i, run, (conv["name"], conv["address"]), conv, conv["ids"][-1], lang,
                                   subject, ref)
            conv["ids"].append(mid)
            conv["last"] = i
            conv["last_text"] = text[:2000]
            msgs.append(Msg(i, raw, conv["first"], parent, ref))
        else:
            lang, name, address = rng.choice(senders)
            subject = words(rng, lang, rng.randint(3, 8))
            subject = subject[0].upper() + subject[1:]
            conv = {"lang": lang, "name": name, "address": address, "subject": subject, "ids": [],
                    "last": i, "first": i, "last_text": ""}
            mid, text, raw = build(rng, i, run, (name, address), conv, None, lang, subject, ref)
            conv["ids"].append(mid)
            conv["last_text"] = text[:2000]
            convs.append(conv)
            msgs.append(Msg(i, raw, i, None, ref))
    return msgs, len({m.conv for m in msgs})


# ---------------------------------------------------------------- helpers

def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p * len(values) + 0.5)) - 1))]


def ms(v):
    if v != v:  # NaN
        return "—"
    v *= 1000
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def clean_env():
    env = dict(os.environ)
    for k in ("TESSERA_LISTEN", "TESSERA_DATABASE_URL", "TESSERA_SECRET_KEY"):
        env.pop(k, None)
    env["TESSERA_LOG"] = "warn"
    return env


def start_server(tessera, data_dir, base, env):
    """`tessera serve` on a free loopback port, its log in base/server.log;
    answers (process, port, log file) once /readyz says it is ready."""
    port = free_port()
    log = open(os.path.join(base, "server.log"), "wb")
    server = subprocess.Popen([tessera, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=log, env=env)
    deadline = time.time() + 60
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/readyz")
            if c.getresponse().status == 200:
                return server, port, log
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit(f"the server did not start; see {base}/server.log")
        time.sleep(0.1)


def admin_token(tessera, data_dir, env, name):
    """An admin (admin@bench-mail.example) and a token of theirs."""
    subprocess.run([tessera, "user", "create", "--data-dir", data_dir, "--email", "admin@bench-mail.example",
                    "--name", "Admin", "--role", "admin"], check=True, env=env, capture_output=True)
    out = subprocess.run([tessera, "token", "create", "--data-dir", data_dir, "--email",
                          "admin@bench-mail.example", "--name", name], check=True, env=env, capture_output=True)
    return json.loads(out.stdout)["token"]


class Api:
    def __init__(self, port, token, timeout=60):
        self.port, self.token, self.timeout = port, token, timeout
        self.conn = None

    def call(self, method, path, body=None, ctype="application/json"):
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Type"] = ctype
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def json(self, method, path, body=None):
        status, data = self.call(method, path, None if body is None else json.dumps(body).encode())
        return status, (json.loads(data) if data else None)


def proc_cpu(pid):
    """utime + stime of a process, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def thread_cpu(pid, name):
    """utime + stime of the process's threads called `name`, in seconds."""
    total = 0.0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() != name:
                    continue
            total += proc_cpu(f"{pid}/task/{tid}")
        except OSError:
            pass
    return total


def machine_cpu():
    """(busy, total) jiffies of the whole machine; iowait counts as idle."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            d = dict(line.split(":", 1) for line in f if ":" in line)
        return int(d["VmRSS"].split()[0]) / 1024, int(d["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError):
        return float("nan"), float("nan")


# ---------------------------------------------------------------- the reader

class Reader:
    """`GET /api/v1/tickets?limit=25` at a steady rate from one client."""

    def __init__(self, port, token, rate):
        self.api = Api(port, token, timeout=30)
        self.rate = rate
        self.lat = []
        self.errors = 0
        self.stop = threading.Event()
        self.thread = None

    def start(self):
        self.lat, self.errors = [], 0
        self.stop.clear()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        t_next = time.perf_counter()
        while not self.stop.is_set():
            t0 = time.perf_counter()
            status, _ = self.api.call("GET", "/api/v1/tickets?limit=25")
            t1 = time.perf_counter()
            if status == 200:
                self.lat.append(t1 - t0)
            else:
                self.errors += 1
            t_next += 1 / self.rate
            wait = t_next - time.perf_counter()
            if wait > 0:
                self.stop.wait(wait)
            else:
                t_next = time.perf_counter()

    def finish(self):
        self.stop.set()
        self.thread.join()
        return list(self.lat)


# ---------------------------------------------------------------- the phases

class Dispatcher:
    """Hands out the phase's messages in corpus order; a reply only once the
    message it answers has been answered."""

    def __init__(self, msgs, done):
        self.msgs = msgs
        self.next = 0
        self.lock = threading.Lock()
        self.done = done        # index -> threading.Event
        self.waits = 0

    def take(self):
        with self.lock:
            if self.next >= len(self.msgs):
                return None
            m = self.msgs[self.next]
            self.next += 1
        if m.parent is not None and not self.done[m.parent].is_set():
            self.waits += 1
            self.done[m.parent].wait(120)
        return m


def visible(api, ticket_id, ref, t0, deadline=10.0):
    """Polls the ticket until it shows `ref`; answers the time from t0, or None."""
    while True:
        status, data = api.call("GET", f"/api/v1/tickets/{ticket_id}")
        now = time.perf_counter()
        if status == 200 and ref.encode() in data:
            return now - t0
        if now - t0 > deadline:
            return None
        time.sleep(0.002)


def run_http(port, token, msgs, done, clients, sample_every):
    disp = Dispatcher(msgs, done)
    lat, vis, errors, missing = [], [], [], []
    lock = threading.Lock()

    def worker():
        api = Api(port, token)
        check = Api(port, token)
        mine, my_vis = [], []
        while True:
            m = disp.take()
            if m is None:
                break
            t0 = time.perf_counter()
            try:
                status, data = api.call("POST", f"/api/v1/mail/inbound?to={DEPT_ADDRESS}", m.raw,
                                        "message/rfc822")
            except Exception as e:  # noqa: BLE001 - counted, run goes on
                status, data = 0, str(e).encode()
            t1 = time.perf_counter()
            if status == 202:
                mine.append(t1 - t0)
                rec = json.loads(data)
                m.ticket, m.state, m.matched_by, m.inbound = (rec.get("ticket_id"), rec.get("state"),
                                                              rec.get("matched_by"), rec.get("id"))
                if m.index % sample_every == 0 and m.ticket:
                    v = visible(check, m.ticket, m.ref, t0)
                    if v is None:
                        with lock:
                            missing.append(m.index)
                    else:
                        my_vis.append(v)
            else:
                with lock:
                    errors.append((m.index, status, data[:200]))
            done[m.index].set()
        with lock:
            lat.extend(mine)
            vis.extend(my_vis)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t_start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t_start, lat, vis, errors, missing, disp.waits


STORED_RE = re.compile(rb"stored as inbound message (\d+) \((\w+)\)")


def run_pipe(tessera, data_dir, port, token, msgs, done, parallel, sample_every):
    disp = Dispatcher(msgs, done)
    lat, vis, errors, missing = [], [], [], []
    lock = threading.Lock()
    env = clean_env()

    def worker():
        check = Api(port, token)
        mine, my_vis = [], []
        while True:
            m = disp.take()
            if m is None:
                break
            t0 = time.perf_counter()
            p = subprocess.run([tessera, "mail", "ingest", "--data-dir", data_dir, "--to", DEPT_ADDRESS],
                               input=m.raw, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                               timeout=120)
            t1 = time.perf_counter()
            found = STORED_RE.search(p.stderr)
            if p.returncode == 0 and found:
                mine.append(t1 - t0)
                m.inbound, m.state = int(found.group(1)), found.group(2).decode()
                if m.index % sample_every == 0:
                    status, rec = check.json("GET", f"/api/v1/mail/inbound/{m.inbound}")
                    if status == 200 and rec.get("ticket_id"):
                        m.ticket = rec["ticket_id"]
                        v = visible(check, m.ticket, m.ref, t0)
                        if v is None:
                            with lock:
                                missing.append(m.index)
                        else:
                            my_vis.append(v)
            else:
                with lock:
                    errors.append((m.index, p.returncode, p.stderr[-300:]))
            done[m.index].set()
        with lock:
            lat.extend(mine)
            vis.extend(my_vis)

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    t_start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t_start, lat, vis, errors, missing, disp.waits


def fill_outcomes(api, msgs):
    """The pipe's messages: their ticket and threading, from the inbound rows."""
    for m in msgs:
        if m.inbound is not None and (m.ticket is None or m.matched_by is None):
            status, rec = api.json("GET", f"/api/v1/mail/inbound/{m.inbound}")
            if status == 200:
                m.ticket, m.state, m.matched_by = rec.get("ticket_id"), rec.get("state"), rec.get("matched_by")


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tessera", default=None, help="the binary (default: target/release/tessera)")
    p.add_argument("--messages", type=int, default=20000, help="the corpus: messages in all")
    p.add_argument("--senders", type=int, default=3000)
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--reply-share", type=float, default=0.6,
                   help="the share of messages that answer an earlier one (the rest open conversations)")
    p.add_argument("--lag", type=int, default=100,
                   help="a reply answers a message at least this many earlier")
    p.add_argument("--http-concurrency", default="1,8,32")
    p.add_argument("--pipe-parallel", default="1,4,8")
    p.add_argument("--pipe-share", type=float, default=0.2,
                   help="the share of the corpus handed in through the pipe")
    p.add_argument("--sample-every", type=int, default=20,
                   help="check visibility with GET /api/v1/tickets/{id} for every Nth message")
    p.add_argument("--read-rate", type=float, default=20, help="ticket list reads a second")
    p.add_argument("--idle-seconds", type=float, default=3)
    p.add_argument("--work", default=None, help="where the data folder goes (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the data folder")
    args = p.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tessera = args.tessera or os.path.join(root, "target", "release", "tessera")
    if not os.access(tessera, os.X_OK):
        raise SystemExit(f"no binary at {tessera}: cargo build --release -p tessera")
    http_levels = [int(x) for x in args.http_concurrency.split(",") if x]
    pipe_levels = [int(x) for x in args.pipe_parallel.split(",") if x]

    run = f"{int(time.time()):x}"
    t = time.perf_counter()
    msgs, conversations = generate(args.messages, args.senders, args.seed, args.lag, run, args.reply_share)
    gen_s = time.perf_counter() - t
    sizes = sorted(len(m.raw) for m in msgs)
    replies = sum(1 for m in msgs if m.parent is not None)
    multipart = sum(1 for m in msgs if b"multipart/" in m.raw[:4000])
    attach = sum(1 for m in msgs if b"multipart/mixed" in m.raw[:4000])

    # The phases: the pipe's share split evenly over its levels, the rest over HTTP's.
    n_pipe = int(args.messages * args.pipe_share) if pipe_levels else 0
    n_http = args.messages - n_pipe
    plan = []
    for lv in http_levels:
        plan.append(("http", lv, n_http // len(http_levels)))
    for lv in pipe_levels:
        plan.append(("pipe", lv, n_pipe // len(pipe_levels)))
    # rounding leftovers go to the last phase
    short = args.messages - sum(c for _, _, c in plan)
    if plan:
        k, lv, c = plan[-1]
        plan[-1] = (k, lv, c + short)

    base = args.work or tempfile.mkdtemp(prefix="tessera-bench-mail-")
    data_dir = os.path.join(base, "data")
    if os.path.exists(data_dir):
        raise SystemExit(f"{data_dir} exists: give a fresh --work")
    os.makedirs(data_dir)
    env = clean_env()
    server, port, log = start_server(tessera, data_dir, base, env)
    try:
        token = admin_token(tessera, data_dir, env, "mail bench")
        api = Api(port, token)
        status, dept = api.json("POST", "/api/v1/departments", {
            "name": "E-mail in (bench)", "description": "mail bench", "public": True, "email": DEPT_ADDRESS})
        assert status == 201, (status, dept)

        done = {m.index: threading.Event() for m in msgs}
        reader = Reader(port, token, args.read_rate)
        rows = []
        pos = 0
        for kind, level, count in plan:
            part = msgs[pos:pos + count]
            pos += count
            # idle reads first, on the data as it stands
            reader.start()
            time.sleep(args.idle_seconds)
            idle = reader.finish()
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            s0 = resource.getrusage(resource.RUSAGE_SELF)
            srv0 = proc_cpu(server.pid)
            wr0 = thread_cpu(server.pid, "tessera-sqlite-")
            m0 = machine_cpu()
            reader.start()
            if kind == "http":
                wall, lat, vis, errors, missing, waits = run_http(port, token, part, done, level, args.sample_every)
            else:
                wall, lat, vis, errors, missing, waits = run_pipe(tessera, data_dir, port, token, part, done, level,
                                                                  args.sample_every)
            busy = reader.finish()
            m1 = machine_cpu()
            srv1 = proc_cpu(server.pid)
            wr1 = thread_cpu(server.pid, "tessera-sqlite-")
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            s1 = resource.getrusage(resource.RUSAGE_SELF)
            ncpu = os.cpu_count() or 1
            rows.append({
                "kind": kind, "level": level, "count": count, "ok": len(lat), "errors": errors,
                "missing": missing, "waits": waits, "wall": wall, "lat": lat, "vis": vis,
                "idle": idle, "busy": busy,
                "srv_cpu": (srv1 - srv0) / wall,
                "writer_cpu": (wr1 - wr0) / wall,
                "pipe_cpu": ((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)) / wall,
                "client_cpu": ((s1.ru_utime + s1.ru_stime) - (s0.ru_utime + s0.ru_stime)) / wall,
                "machine": (m1[0] - m0[0]) / max(1, m1[1] - m0[1]) * ncpu,
                "load": open("/proc/loadavg").read().split()[:3],
            })
            print(f"  {kind} {level}: {len(lat)}/{count} in {wall:.1f} s ({len(lat) / wall:.0f}/s)",
                  file=sys.stderr)
            for e in errors[:3]:
                print(f"    error: {e}", file=sys.stderr)

        # outcomes: state and threading of every message
        fill_outcomes(api, msgs)
        rss, hwm = rss_mib(server.pid)
        states, matched = {}, {}
        for m in msgs:
            states[m.state] = states.get(m.state, 0) + 1
            if m.parent is not None:
                matched[m.matched_by] = matched.get(m.matched_by, 0) + 1
        first_ticket = {m.index: m.ticket for m in msgs if m.parent is None}
        wrong = [m.index for m in msgs if m.parent is not None and m.ticket is not None
                 and m.ticket != first_ticket.get(m.conv)]
        new_tickets = len({m.ticket for m in msgs if m.ticket is not None})
        status, listing = api.json("GET", "/api/v1/tickets?limit=1")
        total_tickets = listing.get("total") if status == 200 and isinstance(listing, dict) else None
        db_mb = sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)
                    if f.startswith("tessera.db")) / 2**20
        blob_mb = 0
        for dp, _, files in os.walk(data_dir):
            if "tessera.db" not in files:
                blob_mb += sum(os.path.getsize(os.path.join(dp, f)) for f in files)
        blob_mb /= 2**20
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    # ---------------------------------------------------------- report
    print(f"Corpus: {len(msgs)} messages ({conversations} conversations, {len(msgs) - replies} new, {replies} "
          f"replies) from {args.senders} senders, seed {args.seed}; sizes p50 {sizes[len(sizes) // 2] / 1024:.1f} "
          f"KiB, p99 {pct(sizes, 0.99) / 1024:.1f} KiB, max {sizes[-1] / 1024:.1f} KiB, "
          f"{sum(sizes) / 2**20:.0f} MiB in all; {multipart} multipart ({attach} with an attachment); "
          f"generated in {gen_s:.1f} s.")
    print()
    print("| path | clients | messages | errors | msg/s | hand-off p50 ms | p99 ms | max ms | visible p50 ms "
          "| visible p99 ms (sample) | list read idle p50 / p99 ms | list read during p50 / p99 ms | server CPU "
          "| of it the SQLite writer thread | pipe CPU | client CPU | machine busy |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
          "| ---: | ---: |")
    for r in rows:
        lat = r["lat"]
        print(f"| {'HTTP' if r['kind'] == 'http' else 'pipe'} | {r['level']} | {r['count']} | "
              f"{len(r['errors']) + len(r['missing'])} | {r['ok'] / r['wall']:.0f} | {ms(pct(lat, 0.5))} | "
              f"{ms(pct(lat, 0.99))} | {ms(max(lat) if lat else float('nan'))} | {ms(pct(r['vis'], 0.5))} | "
              f"{ms(pct(r['vis'], 0.99))} ({len(r['vis'])}) | {ms(pct(r['idle'], 0.5))} / {ms(pct(r['idle'], 0.99))} | "
              f"{ms(pct(r['busy'], 0.5))} / {ms(pct(r['busy'], 0.99))} ({len(r['busy'])}) | "
              f"{r['srv_cpu'] * 100:.0f}% | {r['writer_cpu'] * 100:.0f}% | {r['pipe_cpu'] * 100:.0f}% | {r['client_cpu'] * 100:.0f}% | "
              f"{r['machine'] * 100:.0f}% |")
    print()
    print(f"Outcomes: states {json.dumps(states, sort_keys=True, default=str)}; replies matched by "
          f"{json.dumps(matched, sort_keys=True, default=str)}; replies on a ticket other than their "
          f"conversation's: {len(wrong)}; tickets {new_tickets} (list total {total_tickets}); "
          f"replies that waited for their parent: {sum(r['waits'] for r in rows)}.")
    print(f"Server RSS at the end {rss:.0f} MiB, peak {hwm:.0f} MiB; database {db_mb:.0f} MiB, blobs "
          f"{blob_mb:.0f} MiB. CPU columns are shares of one core (the machine has {os.cpu_count()}); "
          f"load average at the end of each phase: "
          + ", ".join(f"{r['kind']} {r['level']}: {' '.join(r['load'])}" for r in rows) + ".")
    for r in rows:
        for e in (r["errors"] + r["missing"])[:3]:
            print(f"First problem in {r['kind']} {r['level']}: {e}")
    if not args.keep and not args.work:
        shutil.rmtree(base, ignore_errors=True)
    elif args.keep or args.work:
        print(f"Data folder kept: {data_dir} (server log {base}/server.log).")


if __name__ == "__main__":
    main()
