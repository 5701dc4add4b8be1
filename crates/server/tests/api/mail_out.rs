//! Mail out, end to end with real servers: Tessera sends through a private
//! Postfix on loopback, which relays `customer.test` to Dovecot over LMTP,
//! and the test reads what the customer received from their IMAP mailbox
//! (the harness of `tessera_mail::testing`). Postfix's access map makes it
//! refuse a recipient for now (450) or for good (550). Postfix's master runs
//! as root: these tests run as root (CI does).

use crate::support::*;
use serde_json::{Value, json};
use std::time::Duration;
use tessera_mail::testing::dovecot::Dovecot;
use tessera_mail::testing::postfix::{Options, Postfix};

/// A server sending through `postfix`, with links on a public URL.
async fn server(postfix: &Postfix) -> TestServer {
    let port = postfix.port;
    TestServer::start_with(move |c| {
        c.public_url = Some("https://help.tessera.test".into());
        c.mail_out.smtp =
            Some(tessera_mail::outbound::SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}"), None, None).unwrap());
        c.mail_out.from = Some((Some("Tessera".into()), "support@tessera.test".into()));
    })
    .await
}

/// A department with its own address, and the admin's client.
async fn department_with_address(server: &TestServer) -> (Api, i64) {
    let admin = server.admin().await;
    let d = admin
        .post(
            "/departments",
            json!({"name": "Destek", "description": "", "public": true, "email": "destek@tessera.test",
                   "signature": "Tessera Hosting Destek"}),
        )
        .await
        .expect(201)
        .id();
    (admin, d)
}

/// A header's value, unfolded (the first one of that name).
fn header(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((n, v)) = line.split_once(':')
            && n.eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_string());
        }
    }
    value
}

/// The decoded text of a received message (through our own parser).
fn text_of(raw: &[u8]) -> String {
    tessera_mail::parse::parse(raw, &Default::default()).expect("a readable message").text
}

/// The ticket's copies and their states.
async fn deliveries(admin: &Api, ticket: i64) -> Vec<Value> {
    admin.get(&format!("/tickets/{ticket}/mail")).await.expect(200).body["deliveries"].as_array().unwrap().clone()
}

/// Waits until the ticket's copy to `address` of `kind` reaches `state`.
async fn wait_for_state(admin: &Api, ticket: i64, kind: &str, address: &str, state: &str) -> Value {
    for _ in 0..300 {
        let all = deliveries(admin, ticket).await;
        if let Some(d) = all.iter().rev().find(|d| d["kind"] == kind && d["address"] == address && d["state"] == state)
        {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {kind} copy to {address} became {state}: {:#?}", deliveries(admin, ticket).await);
}

#[tokio::test]
async fn a_customer_writes_in_gets_answers_threaded_under_their_mail_and_replies_to_the_same_ticket() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let (admin, _department) = department_with_address(&server).await;

        // The customer's first mail comes in.
        let first = "From: Ana Lima <ana@customer.test>\r\nTo: destek@tessera.test\r\n\
             Message-ID: <first.ana@customer.test>\r\nSubject: Site down\r\n\
             Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             My site is down since this morning.\r\n";
        let record = admin.post_raw("/mail/inbound", "message/rfc822", first.as_bytes().to_vec()).await.expect(202).body;
        let ticket = record["ticket_id"].as_i64().unwrap();
        let number = admin.get(&format!("/tickets/{ticket}")).await.expect(200).body["number"].as_str().unwrap().to_string();

        // She receives the acknowledgement, threaded under her mail.
        let inbox = dovecot.wait_for_inbox("ana", 1, Duration::from_secs(30), || postfix.log()).await;
        let ack = &inbox[0];
        assert!(header(ack, "Subject").unwrap().contains(&format!("[#{number}]")), "{:?}", header(ack, "Subject"));
        assert_eq!(header(ack, "Auto-Submitted").as_deref(), Some("auto-replied"));
        assert_eq!(header(ack, "In-Reply-To").as_deref(), Some("<first.ana@customer.test>"));
        assert!(header(ack, "From").unwrap().contains("destek@tessera.test"));
        // Our own mail coming back (a forwarding rule, a fetched Sent
        // folder) is known by our loop id and starts nothing.
        let back = admin.post_raw("/mail/inbound", "message/rfc822", ack.clone()).await.expect(202).body;
        assert_eq!(back["state"], "automatic", "{back}");
        assert!(back["reason"].as_str().unwrap().contains("our own mail"), "{back}");
        let ack_text = text_of(ack);
        assert!(ack_text.contains(&format!("https://help.tessera.test/t/{number}?key=")), "{ack_text}");

        // The agent answers through the API, with a note beside it.
        admin
            .post(&format!("/tickets/{ticket}/notes"), json!({"body": "Internal: the host ran out of disk."}))
            .await
            .expect(201);
        admin
            .post(&format!("/tickets/{ticket}/replies"), json!({"body": "We freed disk space; the site is back."}))
            .await
            .expect(201);
        let inbox = dovecot.wait_for_inbox("ana", 2, Duration::from_secs(30), || postfix.log()).await;
        let reply = &inbox[1];
        assert!(header(reply, "Subject").unwrap().contains(&format!("[#{number}] Site down")));
        assert_eq!(header(reply, "Auto-Submitted"), None, "an agent's reply is a person's mail");
        assert_eq!(header(reply, "In-Reply-To").as_deref(), Some("<first.ana@customer.test>"));
        let references = header(reply, "References").unwrap();
        assert!(references.contains("<first.ana@customer.test>"), "{references}");
        assert!(header(reply, "Thread-Index").is_some() && header(reply, "Thread-Topic").is_some());
        assert_eq!(header(reply, "Thread-Index").unwrap()[..30], header(ack, "Thread-Index").unwrap()[..30]);
        let reply_text = text_of(reply);
        assert!(reply_text.contains("We freed disk space; the site is back."), "{reply_text}");
        assert!(reply_text.contains("Tessera Hosting Destek"), "the department's signature: {reply_text}");
        let our_id = header(reply, "Message-ID").unwrap();

        // She answers from her mail client, quoting ours.
        let answer = format!(
            "From: Ana Lima <ana@customer.test>\r\nTo: destek@tessera.test\r\nMessage-ID: <second.ana@customer.test>\r\n\
             In-Reply-To: {our_id}\r\nReferences: <first.ana@customer.test> {our_id}\r\n\
             Subject: Re: [#{number}] Site down\r\nDate: Mon, 07 Dec 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nThank you, it works again.\r\n\r\n\
             On Mon, 7 Dec 2026 at 11:00, Destek <destek@tessera.test> wrote:\r\n> We freed disk space; the site is back.\r\n"
        );
        let record = admin.post_raw("/mail/inbound", "message/rfc822", answer.into_bytes()).await.expect(202).body;
        assert_eq!(record["ticket_id"].as_i64(), Some(ticket), "{record}");
        assert_eq!(record["matched_by"], "token", "our Message-ID carries the ticket's token: {record}");
        let messages = admin.get(&format!("/tickets/{ticket}/messages")).await.expect(200).body["messages"].clone();
        let last = messages.as_array().unwrap().last().unwrap();
        assert!(last["body"].as_str().unwrap().starts_with("Thank you, it works again."));
        assert!(last["quote_start"].as_u64().is_some(), "the quote is marked: {last}");

        // The note never left; every copy is recorded as sent.
        for raw in dovecot.inbox("ana").await {
            assert!(!String::from_utf8_lossy(&raw).contains("ran out of disk"));
        }
        let all = deliveries(&admin, ticket).await;
        let to_ana: Vec<&Value> = all.iter().filter(|d| d["address"] == "ana@customer.test").collect();
        assert_eq!(
            to_ana.iter().map(|d| d["kind"].as_str().unwrap()).collect::<Vec<_>>(),
            ["acknowledgement", "agent_reply"],
            "{all:#?}"
        );
        assert!(to_ana.iter().all(|d| d["state"] == "sent" && d["answer"].as_str().unwrap().starts_with("250")));
        let metrics = String::from_utf8(admin.get("/metrics").await.expect(200).bytes).unwrap();
        assert!(metrics.contains("tessera_mail_outbound{kind=\"agent_reply\",state=\"sent\"} 1\n"), "{metrics}");
        assert!(metrics.contains("tessera_mail_outbound{kind=\"acknowledgement\",state=\"sent\"} 1\n"), "{metrics}");
    })
    .await;
}

#[tokio::test]
async fn a_refused_copy_is_deferred_then_failed_and_its_address_suppressed_until_an_agent_clears_it() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let (admin, department) = department_with_address(&server).await;
        let (_, customer) = admin.make_user(&server, "customer", "bora@customer.test", "Bora").await;
        let ticket = customer
            .post(
                "/tickets",
                json!({"department_id": department, "subject": "Invoice", "body": "Where is my invoice?"}),
            )
            .await
            .expect(201)
            .id();
        wait_for_state(&admin, ticket, "acknowledgement", "bora@customer.test", "sent").await;

        // For now the mailbox is busy: the copy waits and says why.
        postfix.set_answer("bora@customer.test", Some("450 4.2.0 Mailbox busy"));
        admin.post(&format!("/tickets/{ticket}/replies"), json!({"body": "Sent again."})).await.expect(201);
        let deferred = wait_for_state(&admin, ticket, "agent_reply", "bora@customer.test", "deferred").await;
        assert!(deferred["answer"].as_str().unwrap().contains("Mailbox busy"), "{deferred}");

        // Then it refuses for good: an admin's retry fails, and the address
        // is suppressed.
        postfix.set_answer("bora@customer.test", Some("550 5.1.1 No such user"));
        let id = deferred["id"].as_i64().unwrap();
        admin.post_empty(&format!("/mail/outgoing/{id}/resend")).await.expect(200);
        let failed = wait_for_state(&admin, ticket, "agent_reply", "bora@customer.test", "failed").await;
        assert!(failed["answer"].as_str().unwrap().contains("No such user"), "{failed}");
        let list = admin.get("/mail/suppressions").await.expect(200).body;
        assert_eq!(list["suppressions"][0]["address"], "bora@customer.test", "{list}");
        let outgoing = admin.get("/mail/outgoing?state=failed").await.expect(200).body;
        // A page size outside 1 to 200 is refused, not quietly changed.
        for bad in ["0", "201"] {
            assert_eq!(admin.get(&format!("/mail/outgoing?limit={bad}")).await.expect(400).field(), "limit");
        }
        assert_eq!(outgoing["deliveries"][0]["id"].as_i64(), Some(id));

        // While suppressed, nothing is sent, and that is recorded.
        admin.post(&format!("/tickets/{ticket}/replies"), json!({"body": "Another try."})).await.expect(201);
        wait_for_state(&admin, ticket, "agent_reply", "bora@customer.test", "suppressed").await;
        let refused = admin.post_empty(&format!("/mail/outgoing/{id}/resend")).await.expect(422);
        assert_eq!(refused.field(), "address");

        // The mailbox is fixed and an agent clears the address.
        postfix.set_answer("bora@customer.test", None);
        admin.delete("/mail/suppressions/bora@customer.test").await.expect(204);
        admin.delete("/mail/suppressions/bora@customer.test").await.expect(404);
        admin.post(&format!("/tickets/{ticket}/replies"), json!({"body": "Third time."})).await.expect(201);
        let inbox = dovecot.wait_for_inbox("bora", 2, Duration::from_secs(30), || postfix.log()).await;
        assert!(text_of(inbox.last().unwrap()).contains("Third time."));
    })
    .await;
}

#[tokio::test]
async fn agents_hear_of_new_tickets_and_replies_unless_they_turned_it_off() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let (admin, department) = department_with_address(&server).await;
        let (agent_id, agent) = admin.make_user(&server, "agent", "deniz@customer.test", "Deniz").await;
        let (quiet_id, quiet) = admin.make_user(&server, "agent", "sessiz@customer.test", "Sessiz").await;
        admin
            .patch(&format!("/departments/{department}"), json!({"member_ids": [agent_id, quiet_id]}))
            .await
            .expect(200);
        let choices =
            quiet.patch("/me/notifications", json!({"notifications": {"new_ticket": false}})).await.expect(200);
        assert_eq!(choices.body["notifications"]["new_ticket"], false);
        assert_eq!(choices.body["notifications"]["customer_reply"], true);
        // A customer's kind is not an agent's choice.
        quiet.patch("/me/notifications", json!({"notifications": {"solved": false}})).await.expect(422);
        agent.patch("/me/notifications", json!({"notifications": {"nonsense": false}})).await.expect(422);

        let (_, customer) = admin.make_user(&server, "customer", "cem@customer.test", "Cem").await;
        let ticket = customer
            .post(
                "/tickets",
                json!({"department_id": department, "subject": "DNS", "body": "Please add an MX record."}),
            )
            .await
            .expect(201)
            .id();
        let inbox = dovecot.wait_for_inbox("deniz", 1, Duration::from_secs(30), || postfix.log()).await;
        let note = &inbox[0];
        assert_eq!(header(note, "Auto-Submitted").as_deref(), Some("auto-generated"));
        let text = text_of(note);
        assert!(
            text.contains("Please add an MX record.") && text.contains(&format!("/agent/tickets/{ticket}")),
            "{text}"
        );
        wait_for_state(&admin, ticket, "acknowledgement", "cem@customer.test", "sent").await;
        assert!(
            deliveries(&admin, ticket).await.iter().all(|d| d["address"] != "sessiz@customer.test"),
            "an agent who turned new tickets off hears nothing"
        );

        // Assigned to Deniz: the customer's reply goes to Deniz only.
        admin.patch(&format!("/tickets/{ticket}"), json!({"assignee_id": agent_id})).await.expect(200);
        customer.post(&format!("/tickets/{ticket}/replies"), json!({"body": "Any news?"})).await.expect(201);
        wait_for_state(&admin, ticket, "customer_reply", "deniz@customer.test", "sent").await;
        wait_for_state(&admin, ticket, "assigned", "deniz@customer.test", "sent").await;
        let all = deliveries(&admin, ticket).await;
        assert!(
            !all.iter().any(|d| d["kind"] == "customer_reply" && d["address"] == "sessiz@customer.test"),
            "{all:#?}"
        );
        assert!(!all.iter().any(|d| d["address"] == "cem@customer.test" && d["kind"] != "acknowledgement"), "{all:#?}");
    })
    .await;
}

#[tokio::test]
async fn names_in_every_script_and_an_idn_cc_reach_the_right_people_and_only_them() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let (admin, department) = department_with_address(&server).await;
        let (_, customer) =
            admin.make_user(&server, "customer", "zeynep@customer.test", "Zeynep Şahin 王伟 Иван \"Q\" <x>").await;
        let ticket = customer
            .post("/tickets", json!({"department_id": department, "subject": "Fatura 账单 Счёт", "body": "?"}))
            .await
            .expect(201)
            .id();
        // A line break in a CC's address is refused before anything is sent.
        admin
            .patch(&format!("/tickets/{ticket}"), json!({"cc": {"emails": ["a@b.test\r\nBcc: evil@customer.test"]}}))
            .await
            .expect(422);
        admin.patch(&format!("/tickets/{ticket}"), json!({"cc": {"emails": ["kunde@bücher.test"]}})).await.expect(200);
        admin.post(&format!("/tickets/{ticket}/replies"), json!({"body": "Hallo, 你好, привет."})).await.expect(201);
        let inbox = dovecot.wait_for_inbox("zeynep", 2, Duration::from_secs(30), || postfix.log()).await;
        let reply = tessera_mail::parse::parse(&inbox[1], &Default::default()).expect("readable");
        assert!(reply.subject.contains("Fatura 账单 Счёт"), "{:?}", reply.subject);
        assert!(reply.text.contains("Hallo, 你好, привет."));
        let to = header(&inbox[1], "To").unwrap();
        assert!(to.contains("zeynep@customer.test") && !to.contains("\r"), "{to}");
        // The IDN copy went out in punycode, in its own transaction.
        wait_for_state(&admin, ticket, "agent_reply", "kunde@bücher.test", "sent").await;
        assert!(postfix.log().contains("to=<kunde@xn--bcher-kva.test>"), "{}", postfix.log());
        // Nobody else got anything.
        assert!(dovecot.inbox("evil").await.is_empty());
        let to_others: Vec<Value> = deliveries(&admin, ticket)
            .await
            .into_iter()
            .filter(|d| !["zeynep@customer.test", "kunde@bücher.test"].contains(&d["address"].as_str().unwrap()))
            .collect();
        assert!(to_others.is_empty(), "{to_others:#?}");
    })
    .await;
}

/// A password reset the way a customer lives it (issue 17): asked for by
/// address, the link read from the mail that arrived in their IMAP mailbox
/// (in their language), the new password set with it, the link dead after.
#[tokio::test]
async fn a_password_reset_link_arrives_by_mail_and_works_once() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let admin = server.admin().await;
        admin
            .post("/users", json!({"email": "ana@customer.test", "name": "Ana Lima", "locale": "tr"}))
            .await
            .expect(201);
        let anon = server.anonymous();
        anon.post("/auth/password-reset", json!({"email": "ana@customer.test"})).await.expect(202);
        anon.post("/auth/password-reset", json!({"email": "nobody@customer.test"})).await.expect(202);

        let inbox = dovecot.wait_for_inbox("ana", 1, Duration::from_secs(30), || postfix.log()).await;
        let text = text_of(&inbox[0]);
        let at = text.find("https://help.tessera.test/reset/").unwrap_or_else(|| panic!("a reset link in {text}"));
        let link: String = text[at..].chars().take_while(|c| !c.is_whitespace()).collect();
        let token = link.rsplit('/').next().unwrap();
        assert_eq!(token.len(), 64, "{link}");
        assert_eq!(header(&inbox[0], "To").as_deref().map(|t| t.contains("ana@customer.test")), Some(true));

        anon.post("/auth/password-reset/confirm", json!({"token": token, "password": "yeni bir parola"}))
            .await
            .expect(204);
        assert!(server.state.desk.authenticate_password("ana@customer.test", "yeni bir parola").await.is_ok());
        let again = anon.post("/auth/password-reset/confirm", json!({"token": token, "password": "başka bir parola"}));
        assert_eq!(again.await.expect(422).code(), "invalid_token");
        assert!(dovecot.inbox("nobody").await.is_empty(), "nothing for an unknown address");
    })
    .await;
}

/// A server like [`server`] whose digests are due `secs` seconds after
/// their first notification (an hour by default: decision 48).
async fn server_with_digests(postfix: &Postfix, secs: u64) -> TestServer {
    let port = postfix.port;
    TestServer::start_with(move |c| {
        c.public_url = Some("https://help.tessera.test".into());
        c.mail_out.smtp =
            Some(tessera_mail::outbound::SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}"), None, None).unwrap());
        c.mail_out.from = Some((Some("Tessera".into()), "support@tessera.test".into()));
        c.mail_out.digest_secs = secs;
    })
    .await
}

/// Decision 48, as an agent lives it: in digest mode, three new tickets
/// bring no mail of their own but one digest, in the agent's language,
/// that lists the three and counts them in the right Russian form.
#[tokio::test]
async fn an_agent_in_digest_mode_gets_one_digest_listing_three_new_tickets() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server_with_digests(&postfix, 5).await;
        let (admin, department) = department_with_address(&server).await;
        let agent_id = admin
            .post("/users", json!({"email": "olga@customer.test", "name": "Ольга", "role": "agent", "locale": "ru"}))
            .await
            .expect(201)
            .id();
        let token = server.state.desk.issue_token(tessera_core::UserId(agent_id), "tests").await.unwrap();
        let agent = server.with_token(&token.token);
        admin.patch(&format!("/departments/{department}"), json!({"member_ids": [agent_id]})).await.expect(200);
        let modes = agent.patch("/me/notifications", json!({"modes": {"new_ticket": "digest"}})).await.expect(200);
        assert_eq!(modes.body["modes"]["new_ticket"], "digest");
        assert_eq!(modes.body["notifications"]["new_ticket"], true, "the on/off form: not turned off");

        let (_, customer) = admin.make_user(&server, "customer", "cem@customer.test", "Cem").await;
        let mut tickets = Vec::new();
        for subject in ["Disk full", "DNS records", "Renewal"] {
            let body = json!({"department_id": department, "subject": subject, "body": "Please help."});
            tickets.push(customer.post("/tickets", body).await.expect(201).id());
        }
        let inbox = dovecot.wait_for_inbox("olga", 1, Duration::from_secs(60), || postfix.log()).await;
        let digest = tessera_mail::parse::parse(&inbox[0], &Default::default()).expect("readable");
        assert!(digest.subject.starts_with("3 новых уведомления"), "{:?}", digest.subject);
        for subject in ["Disk full", "DNS records", "Renewal"] {
            assert!(digest.text.contains(subject), "{subject} in {}", digest.text);
        }
        assert!(digest.text.contains("Пришло 3 уведомления"), "{}", digest.text);
        assert!(digest.text.contains("https://help.tessera.test/account"), "{}", digest.text);
        assert_eq!(header(&inbox[0], "Auto-Submitted").as_deref(), Some("auto-generated"));
        // No mail of their own, and no second digest.
        for t in &tickets {
            assert!(deliveries(&admin, *t).await.iter().all(|d| d["address"] != "olga@customer.test"));
        }
        tokio::time::sleep(Duration::from_secs(7)).await;
        assert_eq!(dovecot.inbox("olga").await.len(), 1, "one digest");
        let all = admin.get("/mail/outgoing").await.expect(200).body;
        let digests: Vec<&Value> =
            all["deliveries"].as_array().unwrap().iter().filter(|d| d["kind"] == "digest").collect();
        assert_eq!(digests.len(), 1, "{all:#}");
        assert_eq!(
            (digests[0]["address"].as_str(), digests[0]["state"].as_str()),
            (Some("olga@customer.test"), Some("sent"))
        );
    })
    .await;
}

/// Decision 48: a department's default of `off` silences its agents who
/// made no choice; an agent's own `immediate` wins over it.
#[tokio::test]
async fn a_department_default_of_off_silences_a_new_agent_until_they_choose_immediate() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let (admin, department) = department_with_address(&server).await;
        let set = admin
            .patch(&format!("/departments/{department}/notifications"), json!({"modes": {"new_ticket": "off"}}))
            .await
            .expect(200);
        assert_eq!(
            set.body["modes"],
            json!({"new_ticket": "off", "customer_reply": "default", "assigned": "default", "sla_warning": "default",
                   "sla_breached": "default"})
        );
        let (deniz_id, deniz) = admin.make_user(&server, "agent", "deniz@customer.test", "Deniz").await;
        admin.patch(&format!("/departments/{department}"), json!({"member_ids": [deniz_id]})).await.expect(200);
        assert_eq!(deniz.get("/me/notifications").await.expect(200).body["modes"]["new_ticket"], "default");

        let (_, customer) = admin.make_user(&server, "customer", "cem@customer.test", "Cem").await;
        let open = |subject: &'static str| {
            let customer = customer.clone();
            async move {
                let body = json!({"department_id": department, "subject": subject, "body": "?"});
                customer.post("/tickets", body).await.expect(201).id()
            }
        };
        let quiet = open("Quiet").await;
        wait_for_state(&admin, quiet, "acknowledgement", "cem@customer.test", "sent").await;
        assert!(deliveries(&admin, quiet).await.iter().all(|d| d["address"] != "deniz@customer.test"));

        deniz.patch("/me/notifications", json!({"modes": {"new_ticket": "immediate"}})).await.expect(200);
        let loud = open("Loud").await;
        wait_for_state(&admin, loud, "new_ticket", "deniz@customer.test", "sent").await;
        let inbox = dovecot.wait_for_inbox("deniz", 1, Duration::from_secs(30), || postfix.log()).await;
        assert_eq!(inbox.len(), 1);
        assert!(header(&inbox[0], "Subject").unwrap().contains("Loud"));
    })
    .await;
}

/// Bad input to the choices and the departments' defaults: a clear 4xx
/// (400 for a body that is not JSON, 422 for an unknown kind or mode or a
/// wrong type, as everywhere in the API), and nothing changed; nobody sets
/// another's choices, and only admins set a department's.
#[tokio::test]
async fn notification_modes_refuse_bad_input_and_change_nothing() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let department = department(&admin, "Destek").await;
    let (_, ayse) = admin.make_user(&server, "agent", "ayse@customer.test", "Ayşe").await;
    let (_, boris) = admin.make_user(&server, "agent", "boris@customer.test", "Boris").await;
    let (_, erin) = admin.make_user(&server, "customer", "erin@customer.test", "Erin").await;
    let start = ayse.patch("/me/notifications", json!({"modes": {"assigned": "digest"}})).await.expect(200).body;
    // The first form still works, and `default` clears a choice.
    let r = ayse.patch("/me/notifications", json!({"notifications": {"new_ticket": false}})).await.expect(200);
    assert_eq!(r.body["modes"]["new_ticket"], "off");
    let r = ayse.patch("/me/notifications", json!({"modes": {"new_ticket": "default"}})).await.expect(200);
    assert_eq!(r.body, start);

    // Every refusal is a 4xx: 422 names the field; a number where a mode's
    // name goes reads as malformed JSON to the parser (400).
    for bad in [
        json!({"modes": {"nonsense": "digest"}}),
        json!({"modes": {"assigned": "weekly"}}),
        json!({"modes": {"assigned": 3}}),
        json!({"modes": ["assigned"]}),
        json!({"notifications": {"assigned": "yes"}}),
        json!({"mode": {"assigned": "off"}}),
        json!({"modes": {"assigned": "off", "solved": "off"}}),
    ] {
        let r = ayse.patch("/me/notifications", bad.clone()).await;
        assert!(matches!(r.status, 400 | 422), "{bad}: {} {:?}", r.status, r.body);
    }
    let r = ayse.patch_raw("/me/notifications", "application/json", b"{\"modes\": {".to_vec()).await;
    assert_eq!(r.status, 400);
    assert_eq!(ayse.get("/me/notifications").await.expect(200).body, start, "nothing changed");
    // An agent's kind is not a customer's to choose.
    erin.patch("/me/notifications", json!({"modes": {"new_ticket": "off"}})).await.expect(422);
    assert_eq!(
        erin.get("/me/notifications").await.expect(200).body["modes"],
        json!({"acknowledgement": "default", "solved": "default"})
    );
    // Ayşe's choices are hers: Boris's are untouched.
    assert!(
        boris.get("/me/notifications").await.expect(200).body["modes"]
            .as_object()
            .unwrap()
            .values()
            .all(|m| m == "default")
    );

    let path = format!("/departments/{department}/notifications");
    let before = admin.get(&path).await.expect(200).body;
    ayse.get(&path).await.expect(403);
    ayse.patch(&path, json!({"modes": {"new_ticket": "off"}})).await.expect(403);
    erin.patch(&path, json!({"modes": {"new_ticket": "off"}})).await.expect(403);
    admin.get("/departments/987654/notifications").await.expect(404);
    admin.patch("/departments/987654/notifications", json!({"modes": {"new_ticket": "off"}})).await.expect(404);
    for bad in [
        json!({"modes": {"solved": "off"}}),
        json!({"modes": {"new_ticket": "never"}}),
        json!({"modes": {"new_ticket": "off", "nonsense": "off"}}),
        json!({"modes": {"new_ticket": false}}),
        json!({}),
    ] {
        let r = admin.patch(&path, bad.clone()).await;
        assert!(matches!(r.status, 400 | 422), "{bad}: {} {:?}", r.status, r.body);
    }
    assert_eq!(admin.get(&path).await.expect(200).body, before, "nothing changed");
}

/// Admins edit the digest like any template, with the `plural` filter; a
/// count of something that is not a number is refused with its place.
#[tokio::test]
async fn the_digest_template_is_editable_with_plural_forms() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let body = "{{ count }} {{ count | plural(\"заявка\", \"заявки\", \"заявок\") }}, 5 {{ 5 | plural(\"заявка\", \"заявки\", \"заявок\") }}\n\
                {% for item in items %}- {{ item.subject }} {{ item.ticket.url }}\n{% endfor %}";
    let subject = "Сводка: {{ count }} {{ count | plural(\"уведомление\", \"уведомления\", \"уведомлений\") }}";
    admin.put("/mail/templates/digest/ru", json!({"subject": subject, "body": body})).await.expect(204);
    let preview = admin
        .post("/mail/templates/digest/preview", json!({"subject": subject, "body": body, "language": "ru"}))
        .await
        .expect(200);
    assert_eq!(preview.body["subject"], "Сводка: 2 уведомления", "{}", preview.body);
    assert!(preview.body["text"].as_str().unwrap().starts_with("2 заявки, 5 заявок\n"), "{}", preview.body);
    let bad = "{{ count }}\n{{ user.name | plural(\"a\", \"b\") }}";
    let r = admin.put("/mail/templates/digest/ru", json!({"subject": "x", "body": bad})).await.expect(422);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("line 2"), "{}", r.body);
}
