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
pub(crate) fn header(raw: &[u8], name: &str) -> Option<String> {
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
pub(crate) async fn deliveries(admin: &Api, ticket: i64) -> Vec<Value> {
    admin.get(&format!("/tickets/{ticket}/mail")).await.expect(200).body["deliveries"].as_array().unwrap().clone()
}

/// Waits until the ticket's copy to `address` of `kind` reaches `state`.
pub(crate) async fn wait_for_state(admin: &Api, ticket: i64, kind: &str, address: &str, state: &str) -> Value {
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

/// A recipient domain without MX: the relay takes the copy (`sent`, its
/// 250 answer), then bounces it to the department's address, as Postfix
/// does when the lookup fails (DNS is off in the harness; its `error`
/// transport writes the same report). The bounce, read in like any mail,
/// marks the copy `bounced` with the relay's words and suppresses the
/// address, so the next answer is not sent and says why.
#[tokio::test]
async fn a_recipient_domain_without_mx_bounces_and_the_bounce_is_recorded_on_the_copy() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let mut options = Options::relay_to(&dovecot);
        // The department's own address is a mailbox too: the bounce lands there.
        options.lmtp.push(("tessera.test".into(), dovecot.lmtp_port));
        options.bounce.push((
            "no-mx.test".into(),
            "5.4.4 Host or domain name not found. Name service error for name no-mx.test type MX: Host not found"
                .into(),
        ));
        let postfix = Postfix::start(options);
        let server = server(&postfix).await;
        let (admin, department) = department_with_address(&server).await;
        let (_, customer) = admin.make_user(&server, "customer", "deniz@no-mx.test", "Deniz").await;
        let ticket = customer
            .post("/tickets", json!({"department_id": department, "subject": "DNS", "body": "My domain is new."}))
            .await
            .expect(201)
            .id();
        wait_for_state(&admin, ticket, "acknowledgement", "deniz@no-mx.test", "sent").await;

        let bounces = dovecot.wait_for_inbox("destek", 1, Duration::from_secs(30), || postfix.log()).await;
        let report = String::from_utf8_lossy(&bounces[0]);
        assert!(report.contains("multipart/report") && report.contains("5.4.4"), "{report}");
        let record = admin.post_raw("/mail/inbound", "message/rfc822", bounces[0].clone()).await.expect(202).body;
        assert_eq!(record["state"], "automatic", "a bounce opens no ticket: {record}");
        assert_eq!(record["ticket_id"].as_i64(), Some(ticket), "{record}");

        let bounced = wait_for_state(&admin, ticket, "acknowledgement", "deniz@no-mx.test", "bounced").await;
        assert!(bounced["answer"].as_str().unwrap().contains("5.4.4"), "{bounced}");
        let list = admin.get("/mail/suppressions").await.expect(200).body;
        assert_eq!(list["suppressions"][0]["address"], "deniz@no-mx.test", "{list}");
        admin.post(&format!("/tickets/{ticket}/replies"), json!({"body": "Your domain has no MX."})).await.expect(201);
        wait_for_state(&admin, ticket, "agent_reply", "deniz@no-mx.test", "suppressed").await;
        // Nobody else heard of it: the one copy went out, the report came back.
        assert_eq!(dovecot.inbox("destek").await.len(), 1);
    })
    .await;
}

/// 5,000 CCs: the API refuses them whole (a ticket keeps at most 50
/// followers) and changes nothing; a mail copying 5,000 addresses opens a
/// ticket that copies the first 50, and the answer goes to the requester
/// and those 50, each in a copy of their own, and to nobody else.
#[tokio::test]
async fn five_thousand_ccs_are_refused_by_the_api_and_cut_to_fifty_from_mail() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let (admin, department) = department_with_address(&server).await;
        let many: Vec<String> = (0..5000).map(|i| format!("c{i:04}@customer.test")).collect();

        let refused = admin
            .post(
                "/tickets",
                json!({"department_id": department, "subject": "Many", "body": "?", "cc": {"emails": many}}),
            )
            .await;
        assert_eq!(refused.status / 100, 4, "{:?}", refused.body);
        assert_eq!(refused.field(), "cc");
        let (_, customer) = admin.make_user(&server, "customer", "emre@customer.test", "Emre").await;
        let ticket = customer
            .post("/tickets", json!({"department_id": department, "subject": "Few", "body": "?"}))
            .await
            .expect(201)
            .id();
        let patched = admin.patch(&format!("/tickets/{ticket}"), json!({"cc": {"emails": many}})).await;
        assert_eq!(patched.status / 100, 4, "{:?}", patched.body);
        assert_eq!(patched.field(), "cc");
        let after = admin.get(&format!("/tickets/{ticket}")).await.expect(200).body;
        assert_eq!(after["cc"]["emails"].as_array().map(Vec::len), Some(0), "{after}");

        let mail = format!(
            "From: Emre <emre@customer.test>\r\nTo: destek@tessera.test\r\nCc: {}\r\n\
             Message-ID: <many.emre@customer.test>\r\nSubject: Copying everyone\r\n\
             Date: Mon, 07 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
             Please tell everyone.\r\n",
            many.join(",\r\n ")
        );
        let record = admin.post_raw("/mail/inbound", "message/rfc822", mail.into_bytes()).await.expect(202).body;
        let from_mail = record["ticket_id"].as_i64().unwrap();
        let t = admin.get(&format!("/tickets/{from_mail}")).await.expect(200).body;
        let kept: Vec<&str> = t["cc"]["emails"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        assert_eq!(kept, many[..50].iter().map(String::as_str).collect::<Vec<_>>());

        admin.post(&format!("/tickets/{from_mail}/replies"), json!({"body": "Told."})).await.expect(201);
        wait_for_state(&admin, from_mail, "agent_reply", "c0049@customer.test", "sent").await;
        let copies: Vec<String> = deliveries(&admin, from_mail)
            .await
            .into_iter()
            .filter(|d| d["kind"] == "agent_reply")
            .map(|d| d["address"].as_str().unwrap().to_string())
            .collect();
        let mut wanted: Vec<String> = many[..50].to_vec();
        wanted.push("emre@customer.test".into());
        let (mut got, mut wanted) = (copies.clone(), wanted);
        got.sort();
        wanted.sort();
        assert_eq!(got, wanted);
        let inbox = dovecot.wait_for_inbox("c0000", 1, Duration::from_secs(30), || postfix.log()).await;
        let cc = header(inbox.last().unwrap(), "Cc").unwrap();
        assert_eq!(cc.matches("@customer.test").count(), 50, "{cc}");
        assert!(dovecot.inbox("c0050").await.is_empty() && dovecot.inbox("c4999").await.is_empty());
    })
    .await;
}

/// The one-click unsubscribe URL of a received mail, and the same URL on the
/// test server.
fn unsubscribe_url(server: &TestServer, raw: &[u8]) -> (String, String) {
    let list = header(raw, "List-Unsubscribe").expect("a List-Unsubscribe header");
    let url = list.trim_start_matches('<').trim_end_matches('>').to_string();
    let local = url.replacen("https://help.tessera.test", &server.base, 1);
    (url, local)
}

#[tokio::test]
async fn a_notification_carries_one_click_unsubscribe_whose_post_turns_that_kind_off_and_nothing_else_does() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let (admin, department) = department_with_address(&server).await;
        let (deniz_id, deniz) = admin.make_user(&server, "agent", "deniz@customer.test", "Deniz").await;
        let (ece_id, ece) = admin.make_user(&server, "agent", "ece@customer.test", "Ece").await;
        admin.patch(&format!("/users/{deniz_id}"), json!({"locale": "tr"})).await.expect(200);
        admin.patch(&format!("/departments/{department}"), json!({"member_ids": [deniz_id, ece_id]})).await.expect(200);
        let (_, customer) = admin.make_user(&server, "customer", "cem@customer.test", "Cem").await;
        let open = |subject: &'static str| {
            let customer = customer.clone();
            async move {
                customer
                    .post("/tickets", json!({"department_id": department, "subject": subject, "body": "Help."}))
                    .await
                    .expect(201)
                    .id()
            }
        };
        let first = open("DNS").await;

        // The new-ticket notice Deniz receives names a one-click URL.
        let inbox = dovecot.wait_for_inbox("deniz", 1, Duration::from_secs(30), || postfix.log()).await;
        let notice = &inbox[0];
        assert_eq!(header(notice, "List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
        let (url, local) = unsubscribe_url(&server, notice);
        assert!(url.starts_with("https://help.tessera.test/unsubscribe/"), "{url}");
        let token = url.rsplit('/').next().unwrap().to_string();
        // The customer's acknowledgement is not a notification one
        // unsubscribes from by one click (it answers their own action).
        let ack = dovecot.wait_for_inbox("cem", 1, Duration::from_secs(30), || postfix.log()).await;
        assert_eq!(header(&ack[0], "List-Unsubscribe"), None);

        let http = browser_without_redirects();
        let on = |api: &Api| {
            let api = api.clone();
            async move { api.get("/me/notifications").await.expect(200).body["notifications"]["new_ticket"].clone() }
        };

        // Opening the link (a person, or a scanner following links) shows a
        // page in Deniz's language with a button, and changes nothing.
        let page = http.get(&local).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("name=\"List-Unsubscribe\" value=\"One-Click\""), "{html}");
        assert!(html.contains("Abonelikten çık") && html.contains("Departmanlarımda yeni bir talep"), "{html}");
        assert_eq!(on(&deniz).await, true, "a GET unsubscribes nobody");

        // Wrong method, wrong body: a clear refusal, nothing changes.
        assert_eq!(http.put(&local).send().await.unwrap().status(), 405);
        let r = http.post(&local).form(&[("List-Unsubscribe", "Please")]).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let r = http.post(&local).send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(on(&deniz).await, true);

        // Forged tokens: another user's id or another kind under Deniz's
        // signature, a flipped character, garbage. 404, nothing changes.
        let (payload, signature) = token.rsplit_once('.').unwrap();
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        for forged in [
            format!("u{ece_id}.new_ticket.{signature}"),
            format!("{}.assigned.{signature}", payload.split('.').next().unwrap()),
            flipped,
            format!("{payload}.{}", "0".repeat(32)),
            "u1.new_ticket".to_string(),
            "%00garbage".to_string(),
        ] {
            let target = format!("{}/unsubscribe/{forged}", server.base);
            let r = http.post(&target).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
            assert_eq!(r.status(), 404, "{forged}");
            assert_eq!(http.get(&target).send().await.unwrap().status(), 404, "{forged}");
        }
        assert_eq!(on(&deniz).await, true);
        assert_eq!(on(&ece).await, true);

        // What a mail provider sends (RFC 8058): no cookie, the one-click
        // body. Twice is fine.
        for _ in 0..2 {
            let r = http.post(&local).form(&[("List-Unsubscribe", "One-Click")]).send().await.unwrap();
            assert_eq!(r.status(), 200);
            assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
            assert!(!r.text().await.unwrap().is_empty());
        }
        assert_eq!(on(&deniz).await, false);
        assert_eq!(on(&ece).await, true, "only Deniz's choice changed");
        let choices = deniz.get("/me/notifications").await.expect(200).body["notifications"].clone();
        assert_eq!(choices["customer_reply"], true, "only that kind: {choices}");
        // The page now says so; a browser's (or a provider's multipart) POST
        // answers a page in Deniz's language.
        let html = http.get(&local).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("id=\"unsubscribe-already\"") && !html.contains("<form method=\"post\" action=\"/unsub"));
        let form = reqwest::multipart::Form::new().text("List-Unsubscribe", "One-Click");
        let r = http.post(&local).header("accept", "text/html").multipart(form).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("id=\"unsubscribe-done\"") && html.contains("<html lang=\"tr\">"), "{html}");

        // The next new ticket: Ece hears of it, Deniz does not.
        let second = open("Mail").await;
        // (Deniz's copy would have been planned with Ece's, from one event.)
        wait_for_state(&admin, second, "new_ticket", "ece@customer.test", "sent").await;
        let all = deliveries(&admin, second).await;
        assert!(all.iter().all(|d| d["address"] != "deniz@customer.test"), "{all:#?}");
        assert_eq!(deliveries(&admin, first).await.iter().filter(|d| d["address"] == "deniz@customer.test").count(), 1);
    })
    .await;
}

#[tokio::test]
async fn an_agent_mentioned_in_a_note_is_told_by_mail_and_nobody_else_is() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let server = server(&postfix).await;
        let (admin, department) = department_with_address(&server).await;
        let (ayse_id, ayse) = admin.make_user(&server, "agent", "ayse@customer.test", "Ayşe").await;
        let (bob_id, _) = admin.make_user(&server, "agent", "bob@customer.test", "Bob").await;
        // Carol works another department: she cannot open the ticket.
        let (carol_id, _) = admin.make_user(&server, "agent", "carol@customer.test", "Carol").await;
        let tech = admin
            .post("/departments", json!({"name": "Tech", "description": "", "public": true, "member_ids": [carol_id]}))
            .await
            .expect(201)
            .id();
        admin.patch(&format!("/departments/{tech}"), json!({"member_ids": [carol_id]})).await.expect(200);
        admin.patch(&format!("/departments/{department}"), json!({"member_ids": [ayse_id, bob_id]})).await.expect(200);
        // Assigned to Ayşe: the customer's replies go to her, not to Bob.
        let (_, customer) = admin.make_user(&server, "customer", "cem@customer.test", "Cem").await;
        let ticket = customer
            .post(
                "/tickets",
                json!({"department_id": department, "subject": "DNS", "body": "Please add an MX record."}),
            )
            .await
            .expect(201)
            .id();
        admin.patch(&format!("/tickets/{ticket}"), json!({"assignee_id": ayse_id})).await.expect(200);
        wait_for_state(&admin, ticket, "new_ticket", "bob@customer.test", "sent").await;
        wait_for_state(&admin, ticket, "acknowledgement", "cem@customer.test", "sent").await;

        // Ayşe's note names Bob (by his local part, in another case), Carol,
        // herself and a handle nobody has.
        let note = "@BOB could you check the MX record? cc @carol @ayse @nobody.";
        ayse.post(&format!("/tickets/{ticket}/notes"), json!({"body": note})).await.expect(201);
        let mention = wait_for_state(&admin, ticket, "mention", "bob@customer.test", "sent").await;
        assert!(mention["address"] == "bob@customer.test");
        let inbox = dovecot.wait_for_inbox("bob", 2, Duration::from_secs(30), || postfix.log()).await;
        let mail = inbox.iter().find(|m| text_of(m).contains("mentioned you")).expect("Bob's mention mail");
        let text = text_of(mail);
        let subject = tessera_mail::parse::parse(mail, &Default::default()).unwrap().subject;
        assert!(subject.contains("Ayşe mentioned you: DNS"), "{subject}");
        assert!(text.contains("could you check the MX record?"), "the note's text: {text}");
        assert!(text.contains(&format!("https://help.tessera.test/agent/tickets/{ticket}")), "the link: {text}");
        assert!(text.contains("Ayşe"), "who mentioned him: {text}");
        assert_eq!(header(mail, "Auto-Submitted").as_deref(), Some("auto-generated"));
        assert!(header(mail, "List-Unsubscribe").is_some(), "a mention is a choice like the others");

        // A customer's reply naming Bob mentions nobody (it goes to the
        // assignee as a reply).
        customer.post(&format!("/tickets/{ticket}/replies"), json!({"body": "@bob thanks!"})).await.expect(201);
        wait_for_state(&admin, ticket, "customer_reply", "ayse@customer.test", "sent").await;
        // An agent's note with an address in it mentions nobody either.
        ayse.post(&format!("/tickets/{ticket}/notes"), json!({"body": "Wrote to bob@customer.test."}))
            .await
            .expect(201);
        // A last mention: once it is mailed, everything before it was planned.
        ayse.post(&format!("/tickets/{ticket}/notes"), json!({"body": "Done, @bob."})).await.expect(201);
        for _ in 0..300 {
            let n = deliveries(&admin, ticket)
                .await
                .iter()
                .filter(|d| d["kind"] == "mention" && d["state"] == "sent")
                .count();
            if n == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let all = deliveries(&admin, ticket).await;
        let mentions: Vec<&str> =
            all.iter().filter(|d| d["kind"] == "mention").map(|d| d["address"].as_str().unwrap()).collect();
        assert_eq!(mentions, ["bob@customer.test", "bob@customer.test"], "{all:#?}");
        assert!(all.iter().all(|d| d["address"] != "carol@customer.test"), "{all:#?}");
        // The customer heard of nothing but their acknowledgement.
        assert!(
            all.iter().filter(|d| d["address"] == "cem@customer.test").all(|d| d["kind"] == "acknowledgement"),
            "{all:#?}"
        );
        for raw in dovecot.inbox("cem").await {
            assert!(!String::from_utf8_lossy(&raw).contains("MX record?"));
        }
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
                   "sla_breached": "default", "mention": "default"})
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
