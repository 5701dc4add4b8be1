//! Two Tessera instances on one PostgreSQL database, as behind a load
//! balancer: a bounded concurrent load through both, then what must hold
//! across instances — unique ticket numbers, optimistic concurrency, every
//! webhook event delivered exactly once though both run workers, and live
//! updates reaching an agent connected to the other instance.
//!
//! Needs the cluster named by `TESSERA_TEST_POSTGRES` (scripts/test starts
//! one); fails without it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "api/support.rs"]
mod support;

use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;
use support::*;
use tempfile::TempDir;
use tessera_server::config::DatabaseUrl;
use tessera_store_postgres::testing::TempDatabase;

/// Customers and agents writing at once on each instance.
const WRITERS: usize = 4;
/// Tickets each writer opens.
const TICKETS_EACH: usize = 6;

struct Pair {
    a: TestServer,
    b: TestServer,
    _db: TempDatabase,
}

/// Starts two instances on one new database with one secret key; the
/// first start makes the administrator, the second finds it.
async fn pair(rx: &Receiver) -> (Pair, Api, Api) {
    let db = TempDatabase::create().await;
    let key = "5a".repeat(32);
    let tweak = |c: &mut tessera_server::Config| {
        c.database = DatabaseUrl::Postgres(db.url().to_string());
        c.secret_key = Some(key.clone());
        loopback_hooks(c);
    };
    let a = TestServer::start_in(TempDir::new().expect("dir"), tweak).await;
    let b = TestServer::start_in(TempDir::new().expect("dir"), tweak).await;
    let admin_a = a.admin().await;
    let admin_b = b.with_token(admin_a.token.as_deref().expect("token"));
    // Every event kind, from both instances' workers.
    admin_a.post("/webhooks", json!({"url": rx.url("/all"), "secret": "s3cret-for-both"})).await.expect(201);
    (Pair { a, b, _db: db }, admin_a, admin_b)
}

async fn read_until(resp: &mut reqwest::Response, until: impl Fn(&Value) -> bool) -> Value {
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk()).await.expect("the event in time").unwrap().unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            for line in frame.lines() {
                if let Some(v) = line.strip_prefix("data:")
                    && let Ok(e) = serde_json::from_str::<Value>(v.trim())
                    && until(&e)
                {
                    return e;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_database_without_losing_or_doubling_anything() {
    let rx = Receiver::start().await;
    let (p, admin_a, admin_b) = pair(&rx).await;
    let dept = admin_a.post("/departments", json!({"name": "Hosting"})).await.expect(201).id();
    let (agent_id, agent_a) = admin_a.make_user(&p.a, "agent", "agent@example.com", "Ajan Çelik").await;
    admin_b.patch(&format!("/departments/{dept}"), json!({"member_ids": [agent_id]})).await.expect(200);
    let agent_b = p.b.with_token(agent_a.token.as_deref().unwrap());
    let mut customers = Vec::new();
    for i in 0..WRITERS {
        let (_, c) = admin_a.make_user(&p.a, "customer", &format!("c{i}@example.org"), &format!("Müşteri {i}")).await;
        customers.push(c);
    }

    // The agent listens on instance A before the load starts.
    let mut live = agent_a.request(reqwest::Method::GET, "/events/stream").send().await.unwrap();
    assert_eq!(live.status(), 200);

    // The load: every customer opens tickets through both instances while
    // the agent answers each one through the other.
    let mut jobs = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        for (via, reply_via) in
            [(c.clone(), agent_b.clone()), (p.b.with_token(c.token.as_deref().unwrap()), agent_a.clone())]
        {
            jobs.push(tokio::spawn(async move {
                let mut made = Vec::new();
                for n in 0..TICKETS_EACH {
                    let t = via
                        .post(
                            "/tickets",
                            json!({"subject": format!("Yük {i}.{n}"), "department_id": dept, "body": "Sunucu yavaş"}),
                        )
                        .await
                        .expect(201);
                    let id = t.id();
                    reply_via.post(&format!("/tickets/{id}/replies"), json!({"body": "Bakıyoruz"})).await.expect(201);
                    made.push((id, t.body["number"].as_str().unwrap_or_default().to_string()));
                }
                made
            }));
        }
    }
    let mut tickets = Vec::new();
    for j in jobs {
        tickets.extend(tokio::time::timeout(Duration::from_secs(120), j).await.expect("the load in time").unwrap());
    }
    let expected = WRITERS * 2 * TICKETS_EACH;
    assert_eq!(tickets.len(), expected);

    // No duplicate ticket numbers, and each instance lists every ticket.
    let numbers: HashSet<&str> = tickets.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(numbers.len(), expected, "ticket numbers are unique across instances");
    assert!(numbers.iter().all(|n| !n.is_empty()));
    for admin in [&admin_a, &admin_b] {
        let page = admin.get("/tickets?limit=100").await.expect(200);
        assert_eq!(page.body["tickets"].as_array().unwrap().len(), expected);
        for (id, _) in &tickets {
            let msgs = admin.get(&format!("/tickets/{id}/messages")).await.expect(200);
            assert_eq!(
                msgs.body["messages"].as_array().unwrap().len(),
                2,
                "ticket {id}: the first message and the reply"
            );
        }
    }

    // Optimistic concurrency across instances: two updates of one version,
    // one through each instance — one wins, the other is told it is stale.
    let (target, _) = &tickets[0];
    for round in 0..5 {
        let etag = agent_a.get(&format!("/tickets/{target}")).await.expect(200).header("etag").expect("etag");
        // Each side changes something (a no-op update would not bump the version).
        let send = |api: &Api, subject: String| {
            api.request(reqwest::Method::PATCH, &format!("/tickets/{target}"))
                .header("if-match", etag.clone())
                .json(&json!({"subject": subject}))
        };
        let (ra, rb) = tokio::join!(
            Api::send(send(&agent_a, format!("Round {round} via A"))),
            Api::send(send(&agent_b, format!("Round {round} via B")))
        );
        let mut codes = [ra.status, rb.status];
        codes.sort_unstable();
        assert_eq!(codes, [200, 412], "round {round}: one update wins, the other is refused");
    }

    // An agent connected to A sees, live, a reply made through B.
    let last = tickets.last().unwrap().0;
    let reply = agent_b.post(&format!("/tickets/{last}/replies"), json!({"body": "Canlı yanıt"})).await.expect(201);
    let message = reply.body["message"]["id"].as_i64().unwrap();
    let seen = read_until(&mut live, |e| {
        e["ticket_id"] == last && e["kind"] == "ticket.replied" && e["message_id"] == message
    })
    .await;
    assert_eq!(seen["ticket_id"], last);

    // Every event delivered exactly once, though both instances run workers.
    let mut events: BTreeMap<i64, String> = BTreeMap::new();
    for (id, _) in &tickets {
        let r = admin_a.get(&format!("/tickets/{id}/events")).await.expect(200);
        for e in r.body["events"].as_array().unwrap() {
            events.insert(e["id"].as_i64().unwrap(), e["kind"].as_str().unwrap().to_string());
        }
    }
    rx.wait_for("/all", |got| {
        let ids: HashSet<i64> = got.iter().filter_map(|r| r.json["event_id"].as_i64()).collect();
        events.keys().all(|id| ids.contains(id))
    })
    .await;
    // Give a doubled delivery time to show up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = rx.on("/all");
    let mut per_event: BTreeMap<i64, usize> = BTreeMap::new();
    for r in &got {
        if let Some(id) = r.json["event_id"].as_i64() {
            *per_event.entry(id).or_default() += 1;
        }
    }
    for id in events.keys() {
        assert_eq!(per_event.get(id), Some(&1), "event {id} ({}) delivered exactly once", events[id]);
    }
    let delivery_ids: HashSet<i64> = got.iter().filter_map(|r| r.json["delivery_id"].as_i64()).collect();
    assert_eq!(delivery_ids.len(), got.len(), "no delivery was sent twice");
    drop(p);
}

/// Runs one statement on the test cluster as its administrator.
async fn admin_sql(sql: &str) {
    let url = std::env::var(tessera_store_postgres::testing::ENV).expect("the test cluster");
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connect");
    tokio::spawn(conn);
    client.batch_execute(sql).await.expect("admin statement");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_a_503_and_the_instance_recovers() {
    let db = TempDatabase::create().await;
    let url = db.url().to_string();
    let server = TestServer::start_in(TempDir::new().expect("dir"), |c| {
        c.database = DatabaseUrl::Postgres(url.clone());
    })
    .await;
    let admin = server.admin().await;
    admin.get("/tickets").await.expect(200);
    let name = db.name().to_string();

    // The database refuses connections and drops the ones it has.
    admin_sql(&format!(
        "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false;
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    ))
    .await;
    // (The server ends the dropped connections a moment later.)
    eventually("/readyz says the database is away", || async {
        let r = server.anonymous().get("/readyz").await;
        (r.status == 503 && String::from_utf8_lossy(&r.bytes).contains("database")).then_some(())
    })
    .await;
    let r = admin.get("/tickets").await;
    assert_eq!((r.status, r.code()), (503, "unavailable"), "{}", r.body);
    server.anonymous().get("/healthz").await.expect(200);

    // Back again: the same instance serves without a restart.
    admin_sql(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true;")).await;
    eventually("the instance serves again", || async {
        (server.anonymous().get("/readyz").await.status == 200).then_some(())
    })
    .await;
    admin.get("/tickets").await.expect(200);
}

/// Two instances read one IMAP mailbox (a real Dovecot on loopback): only
/// the lease holder logs in, every message becomes one ticket, and when
/// the holder stops the other takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_read_one_mailbox_once() {
    use tessera_mail::testing::dovecot::{Dovecot, PASSWORD, USER, message};
    tokio::time::timeout(Duration::from_secs(120), async {
        let dovecot = Dovecot::start().await;
        let db = TempDatabase::create().await;
        let key = "6b".repeat(32);
        let tweak = |c: &mut tessera_server::Config| {
            c.database = DatabaseUrl::Postgres(db.url().to_string());
            c.secret_key = Some(key.clone());
            c.mail_poll_ms = 100;
        };
        let a = TestServer::start_in(TempDir::new().expect("dir"), tweak).await;
        let b = TestServer::start_in(TempDir::new().expect("dir"), tweak).await;
        let admin_a = a.admin().await;
        let admin_b = b.with_token(admin_a.token.as_deref().expect("token"));
        let d = admin_a.post("/departments", json!({"name": "Mail", "description": ""})).await.expect(201).id();
        admin_a
            .post(
                "/mailboxes",
                json!({"department_id": d, "address": "support@example.test", "imap_url": dovecot.url(),
                       "username": USER, "password": PASSWORD}),
            )
            .await
            .expect(201);
        const N: u32 = 12;
        for n in 1..=N {
            dovecot.append("INBOX", &message(n)).await;
        }
        let subjects = |api: Api| async move {
            let list = api.get("/tickets?limit=100").await.expect(200).body;
            let mut s: Vec<String> = list["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["subject"].as_str().unwrap().to_string())
                .collect();
            s.sort();
            s
        };
        let want: Vec<String> = {
            let mut w: Vec<String> = (1..=N).map(|n| format!("Help {n}")).collect();
            w.sort();
            w
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while subjects(admin_b.clone()).await.len() < N as usize {
            assert!(tokio::time::Instant::now() < deadline, "not every message became a ticket");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A few more rounds of both pollers: still one ticket each.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(subjects(admin_a.clone()).await, want);
        // The test's own appends log in and out; the poller's session stays.
        let log = dovecot.log();
        let logins = log.matches("imap-login: Info: Login: user=<alice>").count();
        let gone = log.lines().filter(|l| l.contains("imap(alice)") && l.contains("Disconnected")).count();
        assert_eq!(logins - gone, 1, "only the lease holder is connected:\n{log}");
        // The holder stops; the other instance reads the box from then on.
        let holder = admin_a.get("/mailboxes").await.expect(200).body["mailboxes"][0].clone();
        assert!(holder["status"]["last_success_at"].is_string(), "{holder}");
        drop(a.stop().await);
        dovecot.append("INBOX", &message(N + 1)).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
        while subjects(admin_b.clone()).await.len() < N as usize + 1 {
            assert!(tokio::time::Instant::now() < deadline, "the other instance did not take over");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        drop(b);
        drop(db);
    })
    .await
    .expect("the test took more than two minutes");
}
