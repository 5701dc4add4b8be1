//! Quoted text is marked, never deleted (issue 16): replies from Gmail,
//! Outlook and QQ Mail land on a ticket with their quoted history kept whole; the API
//! says where the quote starts, the agent's and the customer's pages show
//! the new part with the rest folded under "Show quoted text", and search
//! finds what a reply says anew but not the history it quotes.

use crate::support::*;
use serde_json::{Value, json};

const PW: &str = "a long test password";

fn multipart(from: &str, id: &str, extra: &str, subject: &str, parts: &[(&str, &str)]) -> Vec<u8> {
    let mut m = format!(
        "From: {from}\r\nTo: destek@tessera.test\r\nMessage-ID: <{id}>\r\nSubject: {subject}\r\n{extra}\
         Date: Mon, 07 Dec 2026 11:00:00 +0300\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
    );
    for (ct, body) in parts {
        m.push_str(&format!(
            "--b1\r\nContent-Type: {ct}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
        ));
    }
    m.push_str("--b1--\r\n");
    m.into_bytes()
}

async fn hand_in(admin: &Api, raw: Vec<u8>) -> Value {
    admin.post_raw("/mail/inbound", "message/rfc822", raw).await.expect(202).body
}

async fn search(api: &Api, q: &str) -> Value {
    api.get(&format!("/search?q={}", enc(q))).await.expect(200).body
}

/// The part of a page from the message's article to its end.
fn article(page: &str, message: i64) -> &str {
    let start = page.find(&format!("id=\"m{message}\"")).expect("the message is on the page");
    let rest = &page[start..];
    &rest[..rest.find("</article>").expect("article ends")]
}

#[tokio::test]
async fn gmail_and_outlook_replies_fold_their_quotes_and_search_skips_them() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    admin
        .post(
            "/departments",
            json!({"name": "Destek", "description": "", "public": false, "email": "destek@tessera.test"}),
        )
        .await
        .expect(201);
    let customer = "Zeynep Kaya <zeynep@musteri.test>";
    let first = multipart(
        customer,
        "q1@musteri.test",
        "",
        "Sunucu kapandı",
        &[("text/plain", "Merhaba, sunucu kapandı. Hata kodu historyword.\r\n")],
    );
    let r = hand_in(&admin, first).await;
    let ticket = r["ticket_id"].as_i64().expect("a ticket");

    // Gmail: a text part with "On … wrote:" and `>` lines, an HTML part
    // with a gmail_quote container. The quote carries a word the ticket
    // never had (from a message that is not on it): it must not be found.
    let gmail_text = "Yeniden başlattım, gmailnewword çalışıyor.\r\n\r\n\
        On Mon, Dec 7, 2026 at 10:00 AM Zeynep Kaya <zeynep@musteri.test> wrote:\r\n\
        > Merhaba, sunucu kapandı. Hata kodu historyword.\r\n> phantomquoteword\r\n";
    let gmail_html = "<div dir=\"ltr\">Yeniden başlattım, gmailnewword çalışıyor.</div><br>\
        <div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon, Dec 7, 2026 at 10:00 AM \
        Zeynep Kaya &lt;zeynep@musteri.test&gt; wrote:<br></div><blockquote class=\"gmail_quote\" \
        style=\"margin:0px 0px 0px 0.8ex\">Merhaba, sunucu kapandı. Hata kodu historyword.<br>phantomquoteword</blockquote></div>";
    let gmail = multipart(
        customer,
        "q2@mail.gmail.test",
        "In-Reply-To: <q1@musteri.test>\r\n",
        "Re: Sunucu kapandı",
        &[("text/plain", gmail_text), ("text/html", gmail_html)],
    );
    assert_eq!(hand_in(&admin, gmail).await["ticket_id"].as_i64(), Some(ticket));

    // Outlook, HTML only: the reply header block `divRplyFwdMsg` and the
    // quoted message after it.
    let outlook_html = "<html><body><div class=\"WordSection1\"><p>Outlook'tan yazıyorum: outlooknewword.</p></div>\
        <hr style=\"display:inline-block;width:98%\" tabindex=\"-1\"><div id=\"divRplyFwdMsg\" dir=\"ltr\">\
        <font face=\"Calibri\"><b>From:</b> Zeynep Kaya &lt;zeynep@musteri.test&gt;<br><b>Sent:</b> Monday, \
        December 7, 2026 10:00<br><b>Subject:</b> Sunucu kapandı</font><div>&nbsp;</div></div>\
        <div><p>Merhaba, sunucu kapandı. Hata kodu historyword. phantomquoteword</p></div></body></html>";
    let outlook = multipart(
        customer,
        "q3@outlook.test",
        "In-Reply-To: <q2@mail.gmail.test>\r\n",
        "RE: Sunucu kapandı",
        &[("text/html", outlook_html)],
    );
    assert_eq!(hand_in(&admin, outlook).await["ticket_id"].as_i64(), Some(ticket));

    // QQ Mail, HTML only: no container, a "原始邮件" rule.
    let qq_html = "<div>好的，已经解决了 qqnewword。</div><div><br></div><div><div style=\"font-size: 12px;\">\
        ------------------&nbsp;原始邮件&nbsp;------------------</div><div><b>发件人:</b> Zeynep Kaya</div>\
        <div>Merhaba, sunucu kapandı. Hata kodu historyword. phantomquoteword</div></div>";
    let qq = multipart(
        customer,
        "q4@qq.test",
        "In-Reply-To: <q3@outlook.test>\r\n",
        "回复：Sunucu kapandı",
        &[("text/html", qq_html)],
    );
    assert_eq!(hand_in(&admin, qq).await["ticket_id"].as_i64(), Some(ticket));

    // The API: the whole text kept, the offset where the quote starts.
    let m = admin.get(&format!("/tickets/{ticket}/messages")).await.expect(200).body["messages"].clone();
    let m = m.as_array().unwrap();
    assert_eq!(m.len(), 4);
    assert_eq!(m[0]["quote_start"], Value::Null);
    for (msg, new_word) in [(&m[1], "gmailnewword"), (&m[2], "outlooknewword"), (&m[3], "qqnewword")] {
        let body = msg["body"].as_str().unwrap();
        let q = msg["quote_start"].as_u64().unwrap_or_else(|| panic!("a quote offset: {msg}")) as usize;
        assert!(body.is_char_boundary(q) && q < body.len());
        assert!(body[..q].contains(new_word), "{body:?} at {q}");
        assert!(!body[..q].contains("historyword"), "{body:?} at {q}");
        assert!(body[q..].contains("historyword") && body[q..].contains("phantomquoteword"), "kept whole: {body:?}");
        assert!(msg["html"].as_str().unwrap().contains("<hr class=\"tessera-quote\">"), "{msg}");
    }

    // Search: a word of the new part finds the ticket; a word only in the
    // quoted history is not indexed; a word of the first message finds the
    // ticket once, its snippet from the message that said it.
    for q in ["gmailnewword", "outlooknewword", "qqnewword", "historyword"] {
        let r = search(&admin, q).await;
        assert_eq!(r["total"], 1, "{q}: {r}");
        assert_eq!(r["results"][0]["ticket"]["id"].as_i64(), Some(ticket), "{q}");
    }
    let r = search(&admin, "historyword").await;
    let snippet_ids: Vec<&Value> = r["results"][0]["snippets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["source"] == "message")
        .map(|s| &s["message_id"])
        .collect();
    assert_eq!(snippet_ids, [&m[0]["id"]], "{r}");
    assert_eq!(search(&admin, "phantomquoteword").await["total"], 0);

    // The API cannot write an offset.
    let refused =
        admin.post(&format!("/tickets/{ticket}/notes"), json!({"body": "not. quoted", "quote_start": 3})).await;
    assert!((400..500).contains(&refused.status), "{:?}", refused.body);

    // The agent's page: new parts shown, the rest folded and present.
    let me = admin.get("/me").await.expect(200).body["id"].as_i64().unwrap();
    admin.patch(&format!("/users/{me}"), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&server);
    assert_eq!(b.sign_in("admin@localhost", PW).await.status, 303);
    let page = b.get(&format!("/agent/tickets/{ticket}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Show quoted text"));
    for msg in &m[1..] {
        let a = article(&page.text, msg["id"].as_i64().unwrap());
        let fold = a.find("<details class=\"quoted\">").unwrap_or_else(|| panic!("folded: {a}"));
        assert!(a[..fold].contains("newword"), "{a}");
        assert!(!a[..fold].contains("historyword"), "{a}");
        assert!(a[fold..].contains("historyword") && a[fold..].contains("phantomquoteword"), "{a}");
        assert!(a[fold..].contains("<summary>Show quoted text</summary>"), "{a}");
    }
    assert!(!article(&page.text, m[0]["id"].as_i64().unwrap()).contains("<details"), "nothing to fold");

    // The customer's page through the ticket's link, in Turkish.
    let t = admin.get(&format!("/tickets/{ticket}")).await.expect(200).body;
    let (number, key) = (t["number"].as_str().unwrap(), t["access_key"].as_str().unwrap());
    admin.patch(&format!("/users/{}", t["requester_id"]), json!({"locale": "tr"})).await.expect(200);
    let mut g = Browser::new(&server);
    assert_eq!(g.get(&format!("/t/{number}?key={key}")).await.status, 303);
    let page = g.get(&format!("/tickets/{number}")).await;
    assert_eq!(page.status, 200);
    let a = article(&page.text, m[1]["id"].as_i64().unwrap());
    let fold = a.find("<details class=\"quoted\">").unwrap_or_else(|| panic!("folded: {a}"));
    assert!(a[..fold].contains("gmailnewword") && a[fold..].contains("phantomquoteword"), "{a}");
    assert!(page.text.contains("Alıntılanan metni göster"), "Turkish label");
}
