//! Mail in over HTTP (`POST /api/v1/mail/inbound`): every message is kept
//! first, then becomes the right ticket or reply — threaded by its ids, by
//! a subject tag only from someone on the ticket — or a recorded automatic
//! message, a duplicate, a quarantined one with its reason. A conversation
//! carried on from a mail client stays one ticket.

use crate::support::*;
use serde_json::{Value, json};

/// A department with an inbound address, and the admin's client.
async fn desk_with_address(server: &TestServer) -> (Api, i64) {
    let admin = server.admin().await;
    let d = admin
        .post(
            "/departments",
            json!({"name": "Destek", "description": "", "public": false, "email": "destek@tessera.test"}),
        )
        .await
        .expect(201)
        .id();
    (admin, d)
}

/// A plain-text message; `extra` are more header lines.
fn mail(from: &str, to: &str, id: &str, subject: &str, extra: &[&str], body: &str) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: {to}\r\nMessage-ID: <{id}>\r\nSubject: {subject}\r\nDate: Mon, 07 Dec 2026 10:00:00 +0300\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    );
    for h in extra {
        m.push_str(h);
        m.push_str("\r\n");
    }
    m.push_str("\r\n");
    m.push_str(body);
    m.into_bytes()
}

async fn hand_in(admin: &Api, to: Option<&str>, raw: Vec<u8>) -> Value {
    let path = match to {
        Some(t) => format!("/mail/inbound?to={t}"),
        None => "/mail/inbound".to_string(),
    };
    admin.post_raw(&path, "message/rfc822", raw).await.expect(202).body
}

async fn messages(admin: &Api, ticket: i64) -> Vec<Value> {
    admin.get(&format!("/tickets/{ticket}/messages")).await.expect(200).body["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_conversation_from_a_mail_client_stays_one_ticket() {
    let server = TestServer::start().await;
    let (admin, department) = desk_with_address(&server).await;
    let customer = "Zeynep Kaya <zeynep@musteri.test>";

    // The first message opens a ticket in the department it was sent to
    // (a department customers cannot pick on the portal), from a customer
    // made for the address, with the other recipient on its cc.
    let first = mail(
        customer,
        "destek@tessera.test",
        "m1@musteri.test",
        "Sunucu yanıt vermiyor",
        &["Cc: Ops <ops@musteri.test>"],
        "Merhaba,\r\nsunucumuz sabahtan beri yanıt vermiyor.\r\n",
    );
    let r = hand_in(&admin, None, first.clone()).await;
    assert_eq!((r["state"].as_str(), r["matched_by"].as_str()), (Some("applied"), Some("new")), "{r}");
    let ticket = r["ticket_id"].as_i64().unwrap();
    let t = admin.get(&format!("/tickets/{ticket}")).await.expect(200).body;
    assert_eq!(t["department_id"], department);
    assert_eq!(t["subject"], "Sunucu yanıt vermiyor");
    assert_eq!(t["source"], "email");
    assert_eq!(t["cc"]["emails"], json!(["ops@musteri.test"]));
    let requester = admin.get(&format!("/users/{}", t["requester_id"])).await.expect(200).body;
    assert_eq!(
        (requester["email"].as_str(), requester["name"].as_str()),
        (Some("zeynep@musteri.test"), Some("Zeynep Kaya"))
    );
    let m = messages(&admin, ticket).await;
    assert!(m[0]["body"].as_str().unwrap().contains("sabahtan beri"), "{m:?}");

    // The same bytes again: the same record, nothing new.
    let again = hand_in(&admin, None, first).await;
    assert_eq!(again["id"], r["id"]);
    assert_eq!(messages(&admin, ticket).await.len(), 1);

    // Her reply (In-Reply-To) joins the ticket as her reply.
    let reply = mail(
        customer,
        "destek@tessera.test",
        "m2@musteri.test",
        "Re: Sunucu yanıt vermiyor",
        &["In-Reply-To: <m1@musteri.test>", "References: <m1@musteri.test>"],
        "Hâlâ aynı durum.\r\n\r\n> Merhaba,\r\n> sunucumuz sabahtan beri yanıt vermiyor.\r\n",
    );
    let r2 = hand_in(&admin, None, reply).await;
    assert_eq!((r2["ticket_id"].as_i64(), r2["matched_by"].as_str()), (Some(ticket), Some("in_reply_to")), "{r2}");

    // Her colleague on the cc answers in an Outlook-style side thread that
    // only names the first message in References: a reply on the ticket in
    // the colleague's name, not a new ticket.
    let side = mail(
        "Ops <ops@musteri.test>",
        "zeynep@musteri.test, destek@tessera.test",
        "AM0PR01@outlook.test",
        "YNT: Sunucu yanıt vermiyor",
        &["References: <m1@musteri.test>", "Thread-Topic: Sunucu yanıt vermiyor"],
        "Biz de göremiyoruz.\r\n",
    );
    let r3 = hand_in(&admin, None, side).await;
    assert_eq!((r3["ticket_id"].as_i64(), r3["matched_by"].as_str()), (Some(ticket), Some("references")), "{r3}");
    let m = messages(&admin, ticket).await;
    assert_eq!(m.len(), 3);
    assert_eq!((m[2]["kind"].as_str(), m[2]["author"]["email"].as_str()), (Some("reply"), Some("ops@musteri.test")));
    let t = admin.get(&format!("/tickets/{ticket}")).await.body;
    assert_eq!(t["requester_id"], requester["id"], "a cc's reply never changes the requester");

    // Solved, then answered by mail: reopened. Closed, then answered: a
    // linked follow-up ticket.
    admin.post_empty(&format!("/tickets/{ticket}/solve")).await.expect(200);
    let after_solve = mail(
        customer,
        "destek@tessera.test",
        "m4@musteri.test",
        "Re: Sunucu",
        &["In-Reply-To: <m2@musteri.test>"],
        "Yine oldu.\r\n",
    );
    hand_in(&admin, None, after_solve).await;
    let t = admin.get(&format!("/tickets/{ticket}")).await.body;
    assert_eq!(t["status"], "open", "{t}");
    admin.post_empty(&format!("/tickets/{ticket}/close")).await.expect(200);
    let after_close = mail(
        customer,
        "destek@tessera.test",
        "m5@musteri.test",
        "Re: Sunucu",
        &["In-Reply-To: <m4@musteri.test>"],
        "Tekrar.\r\n",
    );
    let r5 = hand_in(&admin, None, after_close).await;
    let follow_up = r5["ticket_id"].as_i64().unwrap();
    assert_ne!(follow_up, ticket);
    let f = admin.get(&format!("/tickets/{follow_up}")).await.expect(200).body;
    assert_eq!(f["follow_up_of_id"], ticket);
    // The follow-up's messages are known by their ids too.
    let later = mail(
        customer,
        "destek@tessera.test",
        "m6@musteri.test",
        "Re: Sunucu",
        &["In-Reply-To: <m5@musteri.test>"],
        "Bir daha.\r\n",
    );
    assert_eq!(hand_in(&admin, None, later).await["ticket_id"].as_i64(), Some(follow_up));
}

#[tokio::test]
async fn a_subject_tag_threads_only_for_people_on_the_ticket() {
    let server = TestServer::start().await;
    let (admin, _) = desk_with_address(&server).await;
    let r = hand_in(
        &admin,
        Some("destek@tessera.test"),
        mail("erin@acme.test", "x@y.test", "a1@acme.test", "Fatura", &[], "Faturam nerede?"),
    )
    .await;
    let ticket = r["ticket_id"].as_i64().unwrap();
    let number = admin.get(&format!("/tickets/{ticket}")).await.body["number"].as_str().unwrap().to_string();

    // The requester, without any ids, by the tag: her ticket.
    let tagged = mail(
        "erin@acme.test",
        "destek@tessera.test",
        "a2@acme.test",
        &format!("Re: [#{number}] Fatura"),
        &[],
        "Ek bilgi.",
    );
    let r = hand_in(&admin, None, tagged).await;
    assert_eq!((r["ticket_id"].as_i64(), r["matched_by"].as_str()), (Some(ticket), Some("subject_tag")));

    // A stranger quoting the number: a new ticket of their own, which says
    // it mentioned one; Erin's ticket is untouched.
    let before = admin.get(&format!("/tickets/{ticket}")).await.body["version"].clone();
    let stranger = mail(
        "mallory@evil.test",
        "destek@tessera.test",
        "e1@evil.test",
        &format!("[#{number}] please change the e-mail"),
        &[],
        "Change it.",
    );
    let r = hand_in(&admin, None, stranger).await;
    assert_ne!(r["ticket_id"].as_i64(), Some(ticket));
    assert_eq!(r["matched_by"], "new_mentioning");
    assert_eq!(admin.get(&format!("/tickets/{ticket}")).await.body["version"], before);

    // A stranger replying with the ticket's own ids: kept for the agents as
    // an internal note in their name, never shown to Erin.
    let intruder = mail(
        "mallory@evil.test",
        "destek@tessera.test",
        "e2@evil.test",
        "Re: Fatura",
        &["In-Reply-To: <a1@acme.test>"],
        "I am Erin's boss.",
    );
    let r = hand_in(&admin, None, intruder).await;
    assert_eq!(r["ticket_id"].as_i64(), Some(ticket));
    let m = messages(&admin, ticket).await;
    let last = m.last().unwrap();
    assert_eq!((last["kind"].as_str(), last["author"]["email"].as_str()), (Some("note"), Some("mallory@evil.test")));
}

#[tokio::test]
async fn machine_mail_is_recorded_and_changes_nothing() {
    let server = TestServer::start().await;
    let (admin, _) = desk_with_address(&server).await;
    let r = hand_in(
        &admin,
        Some("destek@tessera.test"),
        mail("erin@acme.test", "destek@tessera.test", "b1@acme.test", "Yedekleme", &[], "Yedek alınmıyor."),
    )
    .await;
    let ticket = r["ticket_id"].as_i64().unwrap();
    let before = admin.get(&format!("/tickets/{ticket}")).await.body;

    // An out-of-office answering the ticket: recorded against it, as
    // automatic; the ticket does not move.
    let ooo = mail(
        "erin@acme.test",
        "destek@tessera.test",
        "b2@acme.test",
        "Otomatik yanıt: Yedekleme",
        &["Auto-Submitted: auto-replied", "In-Reply-To: <b1@acme.test>"],
        "İzindeyim.",
    );
    let r = hand_in(&admin, None, ooo).await;
    assert_eq!((r["state"].as_str(), r["ticket_id"].as_i64()), (Some("automatic"), Some(ticket)), "{r}");
    assert!(r["reason"].as_str().unwrap().contains("auto-reply"));
    // List mail to the address opens nothing.
    let list = mail(
        "news@list.test",
        "destek@tessera.test",
        "n1@list.test",
        "Bülten",
        &["List-Id: <news.list.test>", "Precedence: list"],
        "Haberler.",
    );
    let r = hand_in(&admin, None, list).await;
    assert_eq!((r["state"].as_str(), r["ticket_id"].as_null()), (Some("automatic"), Some(())));
    let after = admin.get(&format!("/tickets/{ticket}")).await.body;
    assert_eq!(after["version"], before["version"]);
    let all = admin.get("/tickets").await.body;
    assert_eq!(all["tickets"].as_array().unwrap().len(), 1, "machine mail opened no ticket");

    // The same message delivered again with other bytes (a second
    // department address, another Received line): a duplicate.
    let mut again = b"Received: from mx2.test\r\n".to_vec();
    again.extend(mail("erin@acme.test", "destek@tessera.test", "b1@acme.test", "Yedekleme", &[], "Yedek alınmıyor."));
    let r = hand_in(&admin, None, again).await;
    assert_eq!((r["state"].as_str(), r["ticket_id"].as_i64()), (Some("duplicate"), Some(ticket)));

    // A blocked sender is refused.
    let erin = before["requester_id"].as_i64().unwrap();
    admin.patch(&format!("/users/{erin}"), json!({"disabled": true})).await.expect(200);
    let blocked = mail("erin@acme.test", "destek@tessera.test", "b3@acme.test", "Yine ben", &[], "Merhaba.");
    let r = hand_in(&admin, None, blocked).await;
    assert_eq!(r["state"], "refused");
}

#[tokio::test]
async fn what_cannot_be_applied_waits_in_quarantine_and_is_processed_again() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    // Not a message at all, and a message to an address no department has.
    let junk = hand_in(&admin, None, b"\x00\x01 not mail".to_vec()).await;
    assert_eq!(junk["state"], "quarantined");
    assert!(junk["reason"].as_str().unwrap().starts_with("not a readable message"), "{junk}");
    let lost =
        hand_in(&admin, None, mail("erin@acme.test", "satis@tessera.test", "q1@acme.test", "Teklif", &[], "Fiyat?"))
            .await;
    assert_eq!(
        (lost["state"].as_str(), lost["reason"].as_str()),
        (Some("quarantined"), Some("no department has the address it was sent to"))
    );

    // The admin sees both, with the raw bytes as they came.
    let q = admin.get("/mail/inbound?state=quarantined").await.expect(200).body;
    let ids: Vec<&Value> = q["messages"].as_array().unwrap().iter().map(|m| &m["id"]).collect();
    assert_eq!(ids, [&lost["id"], &junk["id"]]);
    let raw = admin.get(&format!("/mail/inbound/{}/raw", junk["id"])).await.expect(200);
    assert_eq!(raw.bytes, b"\x00\x01 not mail");
    assert_eq!(raw.header("content-type").as_deref(), Some("message/rfc822"));

    // Once a department has the address, the message is processed again.
    admin
        .post(
            "/departments",
            json!({"name": "Satış", "description": "", "public": true, "email": "Satis@Tessera.test"}),
        )
        .await
        .expect(201);
    let done = admin.post_empty(&format!("/mail/inbound/{}/process", lost["id"])).await.expect(200).body;
    assert_eq!((done["state"].as_str(), done["matched_by"].as_str()), (Some("applied"), Some("new")), "{done}");
    assert_eq!(done["attempts"], 2);
    // Applied is final: processing again changes nothing.
    let same = admin.post_empty(&format!("/mail/inbound/{}/process", lost["id"])).await.expect(200).body;
    assert_eq!(same["ticket_id"], done["ticket_id"]);
}

#[tokio::test]
async fn mail_from_a_blocked_sender_is_refused_and_recorded_and_nothing_else_happens() {
    let server = TestServer::start().await;
    let (admin, destek) = desk_with_address(&server).await;
    let (_, agent) = admin.make_user(&server, "agent", "ayse@tessera.test", "Ayşe").await;
    agent.post("/blocked-senders", json!({"pattern": "@spam.test"})).await.expect(403);
    admin.post("/blocked-senders", json!({"pattern": "spam.test"})).await.expect(422);
    admin.post("/blocked-senders", json!({"pattern": "@spam.test", "department_id": 999})).await.expect(422);
    admin.post("/blocked-senders", json!({"pattern": 5})).await.expect(422);
    let entry = admin
        .post("/blocked-senders", json!({"pattern": "*@Spam.test", "department_id": destek, "note": "Kampanya"}))
        .await
        .expect(201)
        .body;
    assert_eq!((entry["pattern"].as_str(), entry["department_id"].as_i64()), (Some("@spam.test"), Some(destek)));
    // Listed once.
    let again = admin.post("/blocked-senders", json!({"pattern": "@spam.test", "department_id": destek})).await;
    assert_eq!(again.expect(200).body["id"], entry["id"]);

    let tickets_before = admin.get("/tickets").await.expect(200).body["tickets"].as_array().unwrap().len();
    let refused =
        hand_in(&admin, None, mail("kampanya@spam.test", "destek@tessera.test", "bs1@spam.test", "Fırsat", &[], "Al!"))
            .await;
    assert_eq!((refused["state"].as_str(), refused["ticket_id"].as_i64()), (Some("refused"), None), "{refused}");
    assert!(refused["reason"].as_str().unwrap().contains("@spam.test"), "{refused}");
    let tickets_after = admin.get("/tickets").await.expect(200).body["tickets"].as_array().unwrap().len();
    assert_eq!(tickets_after, tickets_before, "no ticket, no customer's ticket");
    let users = admin.get("/users?q=spam.test").await.expect(200).body;
    assert!(users["users"].as_array().unwrap().is_empty(), "no customer made for a blocked sender: {users}");

    // Removed from the list: the next message is taken.
    admin.delete(&format!("/blocked-senders/{}", entry["id"])).await.expect(204);
    admin.delete(&format!("/blocked-senders/{}", entry["id"])).await.expect(404);
    let taken =
        hand_in(&admin, None, mail("kampanya@spam.test", "destek@tessera.test", "bs2@spam.test", "Fırsat", &[], "Al!"))
            .await;
    assert_eq!(taken["state"], "applied", "{taken}");
}

#[tokio::test]
async fn only_admins_hand_in_and_see_mail() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let (_, agent) = admin.make_user(&server, "agent", "ayse@tessera.test", "Ayşe").await;
    let raw = mail("erin@acme.test", "destek@tessera.test", "p1@acme.test", "Hi", &[], "Hi");
    agent.post_raw("/mail/inbound", "message/rfc822", raw.clone()).await.expect(403);
    agent.get("/mail/inbound").await.expect(403);
    server.anonymous().post_raw("/mail/inbound", "message/rfc822", raw).await.expect(401);
    let kept = admin.get("/mail/inbound").await.expect(200).body;
    assert!(kept["messages"].as_array().unwrap().is_empty(), "a refused hand-in keeps nothing");
    agent.get("/mail/inbound/1").await.expect(403);
}

/// A multipart message with two files.
fn with_files(from: &str, id: &str, files: &[(&str, usize)]) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: destek@tessera.test\r\nMessage-ID: <{id}>\r\nSubject: Ekler\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDosyalar ekte.\r\n"
    );
    for (name, size) in files {
        use base64::Engine;
        let body = base64::engine::general_purpose::STANDARD.encode(vec![b'x'; *size]);
        m.push_str(&format!(
            "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n"
        ));
    }
    m.push_str("--b--\r\n");
    m.into_bytes()
}

#[tokio::test]
async fn files_over_the_limits_are_named_not_dropped_silently() {
    let server = TestServer::start_with(|c| c.max_attachment_bytes = 4096).await;
    let (admin, _) = desk_with_address(&server).await;
    let r =
        hand_in(&admin, None, with_files("erin@acme.test", "f1@acme.test", &[("log.txt", 100), ("dump.bin", 10_000)]))
            .await;
    assert_eq!(r["state"], "applied", "{r}");
    assert_eq!(r["reason"], "files left out: dump.bin (10000 bytes, over the limit of 4096)");
    let m = messages(&admin, r["ticket_id"].as_i64().unwrap()).await;
    assert_eq!(m[0]["attachment_ids"].as_array().unwrap().len(), 1, "{m:?}");
}

#[tokio::test]
async fn a_flood_from_one_sender_is_refused_after_sixty_an_hour() {
    let server = TestServer::start().await;
    let (admin, _) = desk_with_address(&server).await;
    for i in 0..60 {
        let r = hand_in(
            &admin,
            None,
            mail("loop@robot.test", "destek@tessera.test", &format!("r{i}@robot.test"), "Ping", &[], "ping"),
        )
        .await;
        assert_eq!(r["state"], "applied", "message {i}: {r}");
    }
    let r =
        hand_in(&admin, None, mail("loop@robot.test", "destek@tessera.test", "r60@robot.test", "Ping", &[], "ping"))
            .await;
    assert_eq!(r["state"], "refused");
    assert!(r["reason"].as_str().unwrap().contains("more than 60"), "{r}");
    // Someone else is not held up.
    let other =
        hand_in(&admin, None, mail("erin@acme.test", "destek@tessera.test", "x@acme.test", "Merhaba", &[], "Merhaba"))
            .await;
    assert_eq!(other["state"], "applied");
}

#[tokio::test]
async fn an_undeclared_charset_is_read_in_the_installations_language() {
    // A Turkish mail client that sends windows-1254 and says nothing of it.
    let raw = |id: &str| {
        let mut m = format!(
            "From: Şule <sule@musteri.test>\r\nTo: destek@tessera.test\r\nMessage-ID: <{id}>\r\nSubject: Fatura\r\n\r\n"
        )
        .into_bytes();
        // "Şifremi değiştiremiyorum" in windows-1254.
        m.extend_from_slice(b"\xdeifremi de\xf0i\xfetiremiyorum");
        m
    };
    let turkish = TestServer::start_with(|c| c.compat.language = tessera_core::lang::Lang::Tr).await;
    let (admin, _) = desk_with_address(&turkish).await;
    let r = hand_in(&admin, None, raw("w1@musteri.test")).await;
    let m = messages(&admin, r["ticket_id"].as_i64().unwrap()).await;
    assert!(m[0]["body"].as_str().unwrap().starts_with("Şifremi değiştiremiyorum"), "{m:?}");
}

#[tokio::test]
async fn an_unknown_sender_joins_the_organization_of_their_mail_domain() {
    let server = TestServer::start().await;
    let (admin, _) = desk_with_address(&server).await;
    let acme = admin
        .post("/organizations", json!({"name": "Acme", "email_domains": ["Acme.test", "@acme.example"]}))
        .await
        .expect(201)
        .body;
    assert_eq!(acme["email_domains"], json!(["acme.test", "acme.example"]));
    // A domain belongs to one organization; an agent may not give one out.
    let taken =
        admin.post("/organizations", json!({"name": "Other", "email_domains": ["acme.test"]})).await.expect(422);
    assert_eq!(taken.field(), "email_domains");
    admin.post("/organizations", json!({"name": "Bad", "email_domains": ["not a domain"]})).await.expect(422);
    let (_, agent) = admin.make_user(&server, "agent", "ayse@tessera.test", "Ayşe").await;
    agent.patch(&format!("/organizations/{}", acme["id"]), json!({"email_domains": ["evil.test"]})).await.expect(403);

    let r = hand_in(
        &admin,
        None,
        mail("New Person <new.person@acme.test>", "destek@tessera.test", "o1@acme.test", "Merhaba", &[], "Merhaba"),
    )
    .await;
    let t = admin.get(&format!("/tickets/{}", r["ticket_id"])).await.body;
    assert_eq!(t["organization_id"], acme["id"]);
    let r = hand_in(
        &admin,
        None,
        mail("someone@elsewhere.test", "destek@tessera.test", "o2@x.test", "Merhaba", &[], "Merhaba"),
    )
    .await;
    let t = admin.get(&format!("/tickets/{}", r["ticket_id"])).await.body;
    assert!(t["organization_id"].is_null());
}
