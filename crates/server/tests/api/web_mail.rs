//! The admins' view of mail that came in (`/admin/mail`): the list by
//! state, a message's page with its raw text, the raw download byte for
//! byte, processing a quarantined message again once its cause is fixed;
//! nobody else reaches any of it.

use crate::support::*;
use serde_json::{Value, json};

const PW: &str = "a long test password";

/// A plain-text message to `to`.
fn mail(from: &str, to: &str, id: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nMessage-ID: <{id}>\r\nSubject: {subject}\r\nDate: Mon, 07 Dec 2026 10:00:00 +0300\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}

async fn hand_in(admin: &Api, raw: Vec<u8>) -> Value {
    admin.post_raw("/mail/inbound", "message/rfc822", raw).await.expect(202).body
}

/// A browser signed in as `email` (the admin's password is set too).
async fn signed_in(w: &World, email: &str) -> Browser {
    let me = w.admin.get("/me").await.expect(200).body["id"].as_i64().unwrap();
    for id in [me, w.ayse_id, w.erin_id] {
        w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    }
    let mut b = Browser::new(&w.server);
    assert_eq!(b.sign_in(email, PW).await.status, 303);
    b
}

/// GET with the browser's cookies, answering the raw response (the
/// browser's pages are text).
async fn get_bytes(b: &Browser, path: &str) -> reqwest::Response {
    let cookies = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", b.base))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_sees_quarantined_mail_downloads_it_and_processes_it_again() {
    let w = World::new().await;
    // Mail to an address no department has yet, and bytes that are not a
    // message: longer than the page shows, not UTF-8, with markup in them.
    let lost = hand_in(
        &w.admin,
        mail("zeynep@musteri.test", "satis@tessera.test", "s1@musteri.test", "Teklif", "Fiyat listesi?"),
    )
    .await;
    let mut junk = b"\x00\xff<script>alert(1)</script> not mail\r\n".to_vec();
    junk.extend(std::iter::repeat_n(b'x', 300 * 1024));
    junk.extend(b"THE-TAIL");
    let junk_record = hand_in(&w.admin, junk.clone()).await;
    assert_eq!((lost["state"].as_str(), junk_record["state"].as_str()), (Some("quarantined"), Some("quarantined")));
    let (lost_id, junk_id) = (lost["id"].as_i64().unwrap(), junk_record["id"].as_i64().unwrap());

    let mut b = signed_in(&w, "admin@localhost").await;
    let list = b.get("/admin/mail").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("href=\"/admin/mail\" aria-current=\"page\">Mail</a>"), "the navigation's entry");
    let lost_row = list.text.find(&format!("data-inbound=\"{lost_id}\"")).expect("the lost message is listed");
    let junk_row = list.text.find(&format!("data-inbound=\"{junk_id}\"")).expect("the junk is listed");
    assert!(junk_row < lost_row, "newest first");
    assert!(list.text[lost_row..].contains("no department has the address it was sent to"));
    assert!(list.text[lost_row..].contains("<span class=\"badge mail-quarantined\">Quarantined</span>"));
    assert!(list.text.contains(&format!("href=\"/admin/mail/{lost_id}\"><time datetime=\"")));
    // Filters: the quarantine lists both, applied mail neither.
    let q = b.get("/admin/mail?state=quarantined").await;
    assert!(
        q.text.contains(&format!("data-inbound=\"{lost_id}\"")) && q.text.contains("aria-current=\"page\">Quarantined")
    );
    let applied = b.get("/admin/mail?state=applied").await;
    assert!(!applied.text.contains("data-inbound="), "{}", applied.text);
    assert!(applied.text.contains("No message is in this state."));

    // The junk's page: its reason, its raw text escaped and cut.
    let page = b.get(&format!("/admin/mail/{junk_id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("not a readable message"), "{}", page.text);
    assert!(
        page.text.contains("&#60;script&#62;alert(1)&#60;/script&#62; not mail")
            && !page.text.contains("<script>alert")
    );
    assert!(page.text.contains("Only the first 256 KiB are shown") && !page.text.contains("THE-TAIL"));
    assert!(page.text.contains(&format!("href=\"/admin/mail/{junk_id}/raw\"")));
    // The download is the message, byte for byte, never rendered.
    let raw = get_bytes(&b, &format!("/admin/mail/{junk_id}/raw")).await;
    assert_eq!(raw.status(), 200);
    let h = raw.headers().clone();
    assert_eq!(h["content-type"], "message/rfc822");
    assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["cache-control"].to_str().unwrap().contains("no-store"));
    assert_eq!(raw.bytes().await.unwrap().to_vec(), junk);

    // The lost message can be processed again; without the form's token
    // nothing happens.
    let page = b.get(&format!("/admin/mail/{lost_id}")).await;
    assert!(page.text.contains(&format!("action=\"/admin/mail/{lost_id}/process\"")));
    let csrf = page.hidden("_csrf").unwrap();
    assert_eq!(b.post(&format!("/admin/mail/{lost_id}/process"), &[]).await.status, 403);
    assert_eq!(w.admin.get(&format!("/mail/inbound/{lost_id}")).await.expect(200).body["attempts"], 1);
    // Still no department for the address: quarantined again.
    let r = b.post(&format!("/admin/mail/{lost_id}/process"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.location(), Some(format!("/admin/mail/{lost_id}?done=quarantined")));
    assert!(b.get(&r.location().unwrap()).await.text.contains("Processed again. It is now: Quarantined."));

    // Once a department has the address, it becomes a ticket there.
    let sales = w
        .admin
        .post("/departments", json!({"name": "Satış", "public": true, "email": "satis@tessera.test"}))
        .await
        .expect(201)
        .id();
    let r = b.post(&format!("/admin/mail/{lost_id}/process"), &[("_csrf", &csrf)]).await;
    assert_eq!((r.status, r.location()), (303, Some(format!("/admin/mail/{lost_id}?done=applied"))));
    let record = w.admin.get(&format!("/mail/inbound/{lost_id}")).await.expect(200).body;
    assert_eq!((record["state"].as_str(), record["attempts"].as_i64()), (Some("applied"), Some(3)), "{record}");
    let ticket = record["ticket_id"].as_i64().unwrap();
    let t = w.admin.get(&format!("/tickets/{ticket}")).await.expect(200).body;
    assert_eq!(t["department_id"], sales);
    let number = t["number"].as_str().unwrap();
    let page = b.get(&r.location().unwrap()).await;
    assert!(page.text.contains("Processed again. It is now: Applied."), "{}", page.text);
    assert!(page.text.contains(&format!(
        "<a href=\"/agent/tickets/{ticket}\">#{number}</a> <span class=\"muted\">new ticket</span>"
    )));
    assert!(!page.text.contains("/process\""), "applied mail is not processed again");
    let applied = b.get("/admin/mail?state=applied").await;
    assert!(applied.text.contains(&format!("data-inbound=\"{lost_id}\"")));
    assert!(applied.text.contains(&format!("href=\"/agent/tickets/{ticket}\"")));
    // Posting again anyway changes nothing.
    let r = b.post(&format!("/admin/mail/{lost_id}/process"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.location(), Some(format!("/admin/mail/{lost_id}?done=unchanged")));
    assert_eq!(w.admin.get(&format!("/mail/inbound/{lost_id}")).await.body["attempts"], 3);
    // A reply to it reads as threaded by its ids.
    let reply = hand_in(
        &w.admin,
        b"From: zeynep@musteri.test\r\nTo: satis@tessera.test\r\nMessage-ID: <s2@musteri.test>\r\n\
          In-Reply-To: <s1@musteri.test>\r\nSubject: Re: Teklif\r\n\r\nBir de kargo?"
            .to_vec(),
    )
    .await;
    assert_eq!(reply["matched_by"], "in_reply_to");
    let list = b.get("/admin/mail").await;
    assert!(list.text.contains("reply by In-Reply-To"));
    // In the admin's language, the same words translated.
    let me = w.admin.get("/me").await.expect(200).body["id"].as_i64().unwrap();
    w.admin.patch(&format!("/users/{me}"), json!({"locale": "tr"})).await.expect(200);
    let tr = b.get("/admin/mail").await;
    assert!(tr.text.contains("In-Reply-To ile yanıt"), "{}", tr.text);
}

#[tokio::test]
async fn mail_pages_page_back_by_fifty() {
    let w = World::new().await;
    let mut ids = Vec::new();
    for n in 0..52 {
        ids.push(hand_in(&w.admin, format!("junk {n}").into_bytes()).await["id"].as_i64().unwrap());
    }
    let mut b = signed_in(&w, "admin@localhost").await;
    let first = b.get("/admin/mail?state=quarantined").await;
    assert_eq!(first.text.matches("data-inbound=").count(), 50);
    assert!(first.text.contains(&format!("data-inbound=\"{}\"", ids[51])));
    assert!(!first.text.contains(&format!("data-inbound=\"{}\"", ids[1])));
    let older = format!("/admin/mail?state=quarantined&#38;before={}", ids[2]);
    assert!(first.text.contains(&format!("href=\"{older}\" rel=\"next\"")), "{}", first.text);
    let second = b.get(&older.replace("&#38;", "&")).await;
    assert_eq!(second.text.matches("data-inbound=").count(), 2);
    assert!(second.text.contains("href=\"/admin/mail?state=quarantined\">Newest</a>"));
    assert!(!second.text.contains("rel=\"next\""));
}

#[tokio::test]
async fn agents_and_customers_are_refused_the_mail_pages() {
    let w = World::new().await;
    let id = hand_in(&w.admin, b"not mail".to_vec()).await["id"].as_i64().unwrap();
    let paths = ["/admin/mail".to_string(), format!("/admin/mail/{id}"), format!("/admin/mail/{id}/raw")];
    for who in ["ayse@example.com", "erin@example.org"] {
        let mut b = signed_in(&w, who).await;
        for p in &paths {
            let r = b.get(p).await;
            assert_eq!(r.status, 403, "{who} {p}");
            assert!(!r.text.contains("not mail"), "{who} {p}");
        }
        let csrf = b.csrf("/account").await;
        assert_eq!(b.post(&format!("/admin/mail/{id}/process"), &[("_csrf", &csrf)]).await.status, 403, "{who}");
    }
    assert_eq!(w.admin.get(&format!("/mail/inbound/{id}")).await.expect(200).body["attempts"], 1);
    let mut visitor = Browser::new(&w.server);
    let r = visitor.get(&format!("/admin/mail/{id}/raw")).await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().starts_with("/sign-in?next="));
}

#[tokio::test]
async fn an_out_of_office_answer_is_a_small_entry_on_the_tickets_timeline() {
    let w = World::new().await;
    w.admin.patch(&format!("/departments/{}", w.billing), json!({"email": "fatura@tessera.test"})).await.expect(200);
    let opened =
        hand_in(&w.admin, mail("erin@example.org", "fatura@tessera.test", "t1@acme.test", "Fatura", "Fatura?")).await;
    let ticket = opened["ticket_id"].as_i64().unwrap();
    let version = w.admin.get(&format!("/tickets/{ticket}")).await.body["version"].clone();
    let mut ooo = b"Auto-Submitted: auto-replied\r\nIn-Reply-To: <t1@acme.test>\r\n".to_vec();
    ooo.extend(mail("erin@example.org", "fatura@tessera.test", "t2@acme.test", "Otomatik yanıt", "İzindeyim."));
    assert_eq!(hand_in(&w.admin, ooo).await["state"], "automatic");
    assert_eq!(w.admin.get(&format!("/tickets/{ticket}")).await.body["version"], version, "the ticket does not move");

    let mut reply = b"In-Reply-To: <t1@acme.test>\r\n".to_vec();
    reply.extend(mail("erin@example.org", "fatura@tessera.test", "t3@acme.test", "Re: Fatura", "Hâlâ bekliyorum."));
    assert_eq!(hand_in(&w.admin, reply).await["matched_by"], "in_reply_to");

    let mut b = signed_in(&w, "ayse@example.com").await;
    let page = b.get(&format!("/agent/tickets/{ticket}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Automatic mail received"), "{}", page.text);
    assert!(page.text.contains("By e-mail · opened the ticket"), "how the first message came is shown to agents");
    assert!(page.text.contains("By e-mail · matched by In-Reply-To"), "and how the reply found the ticket");
    assert!(page.text.contains("auto-reply"), "the kind of mail is said");
    // A customer's page shows nothing of it.
    let mut erin = signed_in(&w, "erin@example.org").await;
    let portal = erin.get(&format!("/tickets/{}", opened["ticket_id"])).await;
    assert!(!portal.text.contains("auto-reply"));
    assert!(!portal.text.contains("matched by"), "customers are not shown the threading");
}
