#!/usr/bin/env python3
"""Fills a data folder with a large, realistic helpdesk for the view and
search benchmarks: by default 1,000,000 tickets and about 5,000,000
messages in English, Turkish, Chinese and Russian, over two years, with
departments, agents, organizations, customers, tags and custom fields.

It writes straight into the SQLite database that `tessera migrate` makes
(the same schema the server uses, its triggers included), in large
transactions, so it takes minutes rather than hours. Deterministic: the
same --seed gives the same data.

    tessera migrate --data-dir /tmp/big
    python3 bench/generate.py --data-dir /tmp/big --tickets 1000000
    tessera serve --data-dir /tmp/big --listen 127.0.0.1:18080

Rows written this way bypass the search index, so the generator marks the
index stale and, at its end, runs `tessera reindex` to build it: the binary
given with --tessera, else target/release/tessera of this repository, else
`tessera` on the PATH. Without any (or with --no-reindex) it says so; a
server started on the folder then rebuilds the index in the background.

Agents are `agent1@bench.example` … with the password `bench password 1`
(set with `tessera user set-password` if you want to sign in).
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import subprocess
import time

DAY_MS = 86_400_000

WORDS = {
    "en": ("server down again invoice payment refund domain dns email backup restore ssl certificate "
           "renewal login password reset upgrade plan disk space slow website error timeout database "
           "migration transfer account billing charge card declined cancel order question please help "
           "urgent thanks hello issue problem cannot access panel firewall port ticket reply").split(),
    "tr": ("sunucu yine çöktü fatura ödeme iade alan adı dns eposta yedek geri yükleme ssl sertifika "
           "yenileme giriş şifre sıfırlama yükseltme paket disk alanı yavaş site hata zaman aşımı "
           "veritabanı taşıma hesap ücret kart reddedildi iptal sipariş soru lütfen yardım acil "
           "teşekkürler merhaba sorun erişemiyorum panel güvenlik duvarı istanbul ışık ılık").split(),
    "zh": ("服务器 又 宕机 发票 付款 退款 域名 解析 邮箱 备份 恢复 证书 续费 登录 密码 重置 升级 套餐 "
           "磁盘 空间 网站 很慢 错误 超时 数据库 迁移 账户 扣费 银行卡 被拒 取消 订单 问题 请 帮忙 "
           "紧急 谢谢 你好 无法 访问 面板 防火墙 端口").split(),
    "ru": ("сервер снова упал счёт оплата возврат домен днс почта резервная копия восстановление "
           "сертификат продление вход пароль сброс обновление тариф диск место медленно сайт ошибка "
           "тайм-аут база данных перенос аккаунт списание карта отклонена отмена заказ вопрос "
           "пожалуйста помогите срочно спасибо здравствуйте проблема нет доступа панель").split(),
}
NAMES = {
    "en": ["John Smith", "Mary Jones", "Alex Brown", "Sam Taylor", "Kate Wilson"],
    "tr": ["Ayşe Yılmaz", "Mehmet Demir", "Işıl Kaya", "İsmail Çelik", "Ömer Şahin"],
    "zh": ["王伟", "李娜", "张敏", "刘洋", "陈静"],
    "ru": ["Иван Петров", "Анна Смирнова", "Ольга Иванова", "Дмитрий Кузнецов", "Ёлка Соколова"],
}
TAGS = ["vip", "refund", "dns", "ssl", "billing", "outage", "migration", "spam", "abuse", "renewal",
        "iade", "acil", "退款", "紧急", "возврат", "срочно"]
STATUSES = [("new", "new", 4), ("open", "open", 6), ("in_progress", "open", 4), ("answered", "pending", 10),
            ("on_hold", "hold", 3), ("solved", "solved", 25), ("closed", "closed", 48)]
SOURCES = ["web", "email", "api", "phone", "chat"]
TYPES = [None, None, "question", "incident", "problem", "task"]


def text(rng, lang, n):
    words = WORDS[lang]
    sep = "" if lang == "zh" else " "
    return sep.join(rng.choice(words) for _ in range(n))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", required=True)
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--messages", type=float, default=5.0, help="messages per ticket on average")
    p.add_argument("--customers", type=int, default=50_000)
    p.add_argument("--departments", type=int, default=10)
    p.add_argument("--agents-per-department", type=int, default=6)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--tessera", help="the tessera binary that builds the search index at the end")
    p.add_argument("--no-reindex", action="store_true", help="leave the search index for later")
    args = p.parse_args()
    rng = random.Random(args.seed)
    db = sqlite3.connect(os.path.join(args.data_dir, "tessera.db"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-200000")
    if db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]:
        raise SystemExit("the database already has tickets; generate into a fresh data folder")
    now = int(time.time() * 1000)
    start = now - 730 * DAY_MS
    started = time.time()

    db.execute("BEGIN")
    langs = list(WORDS)
    dept_ids = []
    for d in range(args.departments):
        cur = db.execute(
            "INSERT INTO departments (name, description, public, email, auto_assign, requires_service, signature, "
            "position, created_at) VALUES (?, '', 1, NULL, 'none', 0, '', ?, ?)", (f"Department {d + 1}", d, start))
        dept_ids.append(cur.lastrowid)
    agents = {d: [] for d in dept_ids}
    n = 0
    for d in dept_ids:
        for _ in range(args.agents_per_department):
            n += 1
            lang = langs[n % 4]
            cur = db.execute(
                "INSERT INTO users (email, email_key, name, role, organization_id, sees_all, password_hash, locale, "
                "disabled, created_at, updated_at) VALUES (?, ?, ?, 'agent', NULL, 0, NULL, ?, 0, ?, ?)",
                (f"agent{n}@bench.example", f"agent{n}@bench.example", f"{rng.choice(NAMES[lang])} {n}", lang,
                 start, start))
            agents[d].append(cur.lastrowid)
            db.execute("INSERT INTO department_members (department_id, user_id) VALUES (?, ?)", (d, cur.lastrowid))
    orgs = []
    for o in range(args.customers // 25):
        cur = db.execute("INSERT INTO organizations (name, external_id, notes, created_at) VALUES (?, NULL, '', ?)",
                         (f"Organization {o + 1}", start))
        orgs.append(cur.lastrowid)
    customers = []
    for c in range(args.customers):
        lang = langs[c % 4]
        org = rng.choice(orgs) if rng.random() < 0.4 else None
        email = f"customer{c + 1}@bench.example"
        cur = db.execute(
            "INSERT INTO users (email, email_key, name, role, organization_id, sees_all, password_hash, locale, "
            "disabled, created_at, updated_at) VALUES (?, ?, ?, 'customer', ?, 0, NULL, ?, 0, ?, ?)",
            (email, email, f"{rng.choice(NAMES[lang])} {c + 1}", org, lang, start, start))
        customers.append((cur.lastrowid, org, lang))
    db.execute("COMMIT")

    weights = [w for _, _, w in STATUSES]
    numbers = set()
    ticket_sql = (
        "INSERT INTO tickets (id, number, access_key, subject, department_id, requester_id, organization_id, service_id, "
        "assignee_id, assigned_by_id, flagged_id, cc, tags, ticket_type, priority, status, status_category, source, "
        "custom_fields, locked, archived, queue_boost, closed_reason, merged_into_id, follow_up_of_id, created_at, "
        "updated_at, last_reply_at, last_customer_reply_at, last_agent_reply_at, first_response_at, "
        "awaiting_agent_since, solved_at, closed_at, due_at, deleted_at, customer_unread, agent_unread, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, '{\"emails\":[],\"agent_ids\":[]}', ?, ?, ?, ?, ?, ?, ?, 0, "
        "0, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, 0, 1)")
    message_sql = (
        "INSERT INTO messages (ticket_id, kind, author_id, author_name, author_email, author_staff, body, html, "
        "channel, author_ip, encrypted, email_message_id, rating, created_at, edited_at, edited_by_id, deleted_at) "
        "VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, 'web', NULL, 0, NULL, NULL, ?, NULL, NULL, NULL)")
    batch = 20_000
    next_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0] + 1
    made_messages = 0
    for first in range(0, args.tickets, batch):
        db.execute("BEGIN")
        tickets, messages, tags = [], [], []
        for i in range(first, min(first + batch, args.tickets)):
            tid = next_id + i
            cust, org, lang = rng.choice(customers)
            dept = rng.choice(dept_ids)
            created = start + int((now - start) * (i / args.tickets)) + rng.randrange(0, 3_600_000)
            key, cat, _ = rng.choices(STATUSES, weights)[0]
            while True:
                num = str(rng.randrange(100_000, 10_000_000))
                if num not in numbers:
                    numbers.add(num)
                    break
            assignee = rng.choice(agents[dept]) if rng.random() < 0.6 else None
            count = max(1, min(12, int(rng.expovariate(1 / args.messages)) + 1))
            updated = min(now, created + rng.randrange(0, 20 * DAY_MS))
            solved = updated if cat in ("solved", "closed") else None
            awaiting = updated if cat in ("new", "open") else None
            first_response = created + rng.randrange(60_000, 2 * DAY_MS) if count > 1 else None
            t_tags = sorted(set(rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2, 3]))))
            fields = {"plan": rng.choice(["gold", "silver", "bronze"])} if rng.random() < 0.5 else {}
            tickets.append((
                tid, num, f"{rng.getrandbits(64):016x}", text(rng, lang, rng.randint(3, 8)), dept, cust, org, assignee,
                json.dumps(t_tags), rng.choice(TYPES), rng.choice([1, 2, 2, 2, 3, 4]), key, cat,
                rng.choice(SOURCES), json.dumps(fields), 1 if rng.random() < 0.01 else 0,
                "auto" if cat == "closed" else None, created, updated, updated, created,
                first_response, first_response, awaiting, solved, updated if cat == "closed" else None))
            for tag in t_tags:
                tags.append((tid, tag))
            at = created
            for m in range(count):
                staff = m % 2 == 1
                note = staff and rng.random() < 0.15
                author = (assignee or rng.choice(agents[dept])) if staff else cust
                messages.append((tid, "note" if note else "reply", author, "agent" if staff else "customer",
                                 1 if staff else 0, text(rng, lang, rng.randint(15, 70)), at))
                at += rng.randrange(60_000, DAY_MS)
        db.executemany(ticket_sql, tickets)
        db.executemany(message_sql, messages)
        db.executemany("INSERT INTO ticket_tags (ticket_id, tag) VALUES (?, ?)", tags)
        db.execute("COMMIT")
        made_messages += len(messages)
        done = min(first + batch, args.tickets)
        print(f"\r{done} tickets, {made_messages} messages, {time.time() - started:.0f} s", end="", flush=True)
    print()
    # The rows above bypassed the search index: say so, so that a server
    # started on this folder rebuilds it (see also `tessera reindex`).
    db.execute("INSERT INTO settings (key, value) VALUES ('search_index_stale', '1') "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    db.execute("PRAGMA optimize")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    size = os.path.getsize(os.path.join(args.data_dir, "tessera.db"))
    print(f"done in {time.time() - started:.0f} s; database {size / 1e9:.2f} GB")
    reindex(args)


def tessera_binary(explicit):
    if explicit:
        return explicit
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "tessera")
    if os.path.exists(here):
        return here
    return shutil.which("tessera")


def reindex(args):
    binary = None if args.no_reindex else tessera_binary(args.tessera)
    if binary is None:
        print(f"The search index is not built yet: run `tessera reindex --data-dir {args.data_dir}` "
              "(or start the server, which rebuilds it in the background).")
        return
    print(f"Building the search index with {binary} reindex …", flush=True)
    started = time.time()
    subprocess.run([binary, "reindex", "--data-dir", args.data_dir], check=True)
    size = os.path.getsize(os.path.join(args.data_dir, "tessera.db"))
    print(f"search index built in {time.time() - started:.0f} s; database {size / 1e9:.2f} GB")


if __name__ == "__main__":
    main()
