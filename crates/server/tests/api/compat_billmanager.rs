//! The billmanager compat dialect against a running server (`spec/compat.md`,
//! section billmanager; the function reference of seed 001): the calls a
//! BILLmanager integration makes, replayed as it makes them, and the answers
//! read the way it reads them (`doc.elem[].name.$`, `doc.ok`,
//! `doc.error.msg.$`).

use crate::support::*;
use serde_json::{Value, json};
use tessera_core::UserId;

/// The password every customer and agent of these tests signs in with.
const PW: &str = "correct horse battery staple";

/// The world with every dialect on and passwords for the people used here.
pub(crate) async fn world() -> World {
    let w = World::with(all_compat).await;
    let desk = &w.server.state.desk;
    for id in [w.ayse_id, w.boris_id, w.carol_id, w.dave_id, w.erin_id] {
        desk.set_password_unchecked(UserId(id), PW).await.expect("password");
    }
    let admin = w.server.store.user_by_email("admin@localhost").await.expect("store").expect("admin");
    desk.set_password_unchecked(admin.id, PW).await.expect("password");
    w
}

/// `authinfo` for a user.
fn ai(email: &str) -> String {
    format!("{email}:{PW}")
}

/// An answer of the dialect.
pub(crate) struct Bm {
    status: u16,
    content_type: String,
    text: String,
}

impl Bm {
    /// The JSON body (panics when it is not JSON).
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        assert!(self.content_type.starts_with("application/json"), "content type {}", self.content_type);
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The error of an answer: (type, object, message); panics on success.
    #[track_caller]
    fn error(&self) -> (String, String, String) {
        assert_eq!(self.status, 200, "errors come with HTTP 200: {}", self.text);
        let v = self.json();
        let e = &v["doc"]["error"];
        assert!(e.is_object(), "an error: {}", self.text);
        let s = |v: &Value| v.as_str().unwrap_or_else(|| panic!("a string: {v}")).to_string();
        (s(&e["$type"]), s(&e["$object"]), s(&e["msg"]["$"]))
    }

    /// The id of a successful write.
    #[track_caller]
    pub(crate) fn ok_id(&self) -> i64 {
        let v = self.json();
        assert_eq!(v["doc"]["ok"], json!({}), "a successful write: {}", self.text);
        v["doc"]["id"]["$"].as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("an id: {}", self.text))
    }

    /// Asserts that the body is XML a standard parser (Python's) accepts.
    #[track_caller]
    fn assert_xml(&self) {
        assert!(self.content_type.starts_with("text/xml"), "content type {}", self.content_type);
        assert_well_formed(&self.text);
    }
}

/// Runs Python's XML parser on a document.
#[track_caller]
fn assert_well_formed(xml: &str) {
    xml_to_json(xml);
}

/// Reads an element's text from an XML answer: `<name>text</name>`, the
/// first one (enough for the flat documents of this dialect).
fn xml_text(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let at = xml.find(&open)? + open.len();
    let end = xml[at..].find(&format!("</{name}>"))?;
    Some(xml[at..at + end].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(30)).build().expect("client")
}

async fn read(rb: reqwest::RequestBuilder) -> Bm {
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = r.text().await.expect("body");
    Bm { status, content_type, text }
}

/// `GET /compat/billmanager/billmgr?…` with the parameters in the query string.
async fn get(w: &World, params: &[(&str, &str)]) -> Bm {
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    read(client().get(format!("{}/compat/billmanager/billmgr?{}", w.server.base, query.join("&")))).await
}

/// `POST /compat/billmanager/billmgr` with the parameters as a form.
async fn post(w: &World, params: &[(&str, &str)]) -> Bm {
    read(client().post(format!("{}/compat/billmanager/billmgr", w.server.base)).form(params)).await
}

/// A JSON call as `email`.
pub(crate) async fn call(w: &World, email: &str, func: &str, more: &[(&str, &str)]) -> Bm {
    let auth = ai(email);
    let mut p = vec![("authinfo", auth.as_str()), ("out", "json"), ("func", func)];
    p.extend_from_slice(more);
    get(w, &p).await
}

/// Opens a ticket through the dialect as `email`; answers its id.
async fn create(w: &World, email: &str, dept: i64, name: &str, message: &str) -> i64 {
    let dept = dept.to_string();
    let r = call(
        w,
        email,
        "clientticket.edit",
        &[("sok", "ok"), ("client_department", &dept), ("name", name), ("message", message)],
    )
    .await;
    r.ok_id()
}

/// The rows of `clientticket` as `email`.
async fn rows(w: &World, email: &str) -> Vec<Value> {
    let v = call(w, email, "clientticket", &[]).await.json();
    v["doc"]["elem"].as_array().unwrap_or_else(|| panic!("elem is an array: {v}")).clone()
}

/// The id of a row (a string in the answer, as in the original).
#[track_caller]
fn id_of(row: &Value) -> i64 {
    row["id"]["$"].as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("a string id: {row}"))
}

/// The ids listed by `clientticket` as `email`.
async fn listed(w: &World, email: &str) -> Vec<i64> {
    rows(w, email).await.iter().map(id_of).collect()
}

const CAROL: &str = "carol@acme.example";
const DAVE: &str = "dave@acme.example";
pub(crate) const ERIN: &str = "erin@example.org";
pub(crate) const AYSE: &str = "ayse@example.com";
const ADMIN: &str = "admin@localhost";
const BORIS: &str = "boris@example.com";

#[tokio::test]
async fn the_dialect_answers_404_when_it_is_off() {
    let w = World::new().await;
    for path in ["/compat/billmanager/billmgr?func=clientticket&out=json", "/compat/billmanager/billmgr"] {
        let r = read(client().get(format!("{}{path}", w.server.base))).await;
        assert_eq!(r.status, 404, "{path}");
    }
    let r =
        read(client().post(format!("{}/compat/billmanager/billmgr", w.server.base)).form(&[("func", "auth")])).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_seeds_create_call_replayed_in_xml_opens_the_ticket() {
    let w = world().await;
    // `billmgr?authinfo=user:pass&out=xml&func=clientticket.edit&sok=ok&client_department=…&name=…&message=…`
    let dept = w.billing.to_string();
    let auth = ai(ERIN);
    let r = get(
        &w,
        &[
            ("authinfo", &auth),
            ("out", "xml"),
            ("func", "clientticket.edit"),
            ("sok", "ok"),
            ("client_department", &dept),
            ("name", "Fatura <İade> & 退款"),
            ("message", "Merhaba, faturamda hata var.\nЗдравствуйте!"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    r.assert_xml();
    assert!(r.text.contains("<doc><ok/><id>"), "{}", r.text);
    let id: i64 = xml_text(&r.text, "id").unwrap().parse().unwrap();
    // The desk has it as sent: subject, department, requester, first message, priority.
    let t = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(t["subject"], "Fatura <İade> & 退款");
    assert_eq!(t["department_id"], w.billing);
    assert_eq!(t["requester_id"], w.erin_id);
    assert_eq!(t["priority"], "normal");
    assert_eq!(t["source"], "api");
    assert_eq!(t["messages"][0]["body"], "Merhaba, faturamda hata var.\nЗдравствуйте!");
    // Without `out` the answer is XML too (the original's default).
    let r = get(&w, &[("authinfo", &auth), ("func", "clientticket")]).await;
    r.assert_xml();
    assert!(r.text.contains(&format!("<elem><id>{id}</id><name>Fatura &lt;İade&gt; &amp; 退款</name>")), "{}", r.text);
    assert_eq!(xml_text(&r.text, "tstatus").as_deref(), Some("0"));
}

#[tokio::test]
async fn the_list_has_the_documented_columns_as_strings() {
    let w = world().await;
    let first = create(&w, ERIN, w.billing, "Первый", "один").await;
    let second = create(&w, ERIN, w.tech, "İkinci", "iki").await;
    // An agent answers the first: it now awaits the customer (2), no wait time.
    w.ayse.post(&format!("/tickets/{first}/replies"), json!({"body": "Bakıyoruz"})).await.expect(201);
    let listed_rows = rows(&w, ERIN).await;
    let rows_ = &listed_rows;
    let ids: Vec<&str> = rows_.iter().map(|r| r["id"]["$"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![first.to_string(), second.to_string()], "newest activity first");
    for row in rows_ {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        let mut keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["create_user", "id", "last_message", "name", "tstatus", "wait_time"]);
        for (k, v) in row.as_object().unwrap() {
            assert!(v["$"].is_string(), "{k} is {{\"$\": string}}: {v}");
        }
        assert_eq!(row["create_user"]["$"], "Erin");
        let last = row["last_message"]["$"].as_str().unwrap();
        assert!(
            chrono::NaiveDateTime::parse_from_str(last, "%Y-%m-%d %H:%M:%S").is_ok(),
            "last_message is Y-m-d H:i:s: {last}"
        );
    }
    assert_eq!(rows_[0]["name"]["$"], "Первый");
    assert_eq!(rows_[0]["tstatus"]["$"], "2");
    assert_eq!(rows_[0]["wait_time"]["$"], "");
    assert_eq!(rows_[1]["name"]["$"], "İkinci");
    assert_eq!(rows_[1]["tstatus"]["$"], "0");
    let wait = rows_[1]["wait_time"]["$"].as_str().unwrap();
    let (h, m) = wait.split_once(':').unwrap_or_else(|| panic!("H:MM: {wait:?}"));
    assert!(h.parse::<u64>().is_ok() && m.len() == 2 && m.parse::<u8>().unwrap() < 60, "H:MM: {wait:?}");
    // The customer replies: under review (1); solved and closed are 3.
    let r =
        call(&w, ERIN, "clientticket.edit", &[("sok", "ok"), ("elid", &first.to_string()), ("message", "Teşekkürler")])
            .await;
    assert_eq!(r.ok_id(), first);
    let row = rows(&w, ERIN).await.into_iter().find(|r| id_of(r) == first).unwrap();
    assert_eq!(row["tstatus"]["$"], "1");
    w.ayse.post(&format!("/tickets/{first}/solve"), json!({})).await.expect(200);
    let row = rows(&w, ERIN).await.into_iter().find(|r| id_of(r) == first).unwrap();
    assert_eq!(row["tstatus"]["$"], "3");
    // A customer without tickets gets an empty array, not a missing key.
    let v = call(&w, DAVE, "clientticket", &[]).await.json();
    assert_eq!(v, json!({"doc": {"elem": []}}));
}

#[tokio::test]
async fn sessions_from_func_auth_work_until_they_are_wrong() {
    let w = world().await;
    let r = get(&w, &[("func", "auth"), ("username", ERIN), ("password", PW), ("out", "json")]).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let sid = v["doc"]["auth"]["$"].as_str().unwrap().to_string();
    assert_eq!(v, json!({"doc": {"auth": {"$id": sid, "$": sid}}}));
    // XML: <doc><auth id="sid">sid</auth></doc>.
    let x = post(&w, &[("func", "auth"), ("username", ERIN), ("password", PW)]).await;
    x.assert_xml();
    let sid2 = xml_text(&x.text.replace(&format!(" id=\"{}\"", xml_attr(&x.text)), ""), "auth").unwrap();
    assert_ne!(sid, sid2, "each sign-in is its own session");
    // Later calls pass auth=<sid>.
    let id = {
        let dept = w.billing.to_string();
        let r = get(
            &w,
            &[
                ("auth", &sid),
                ("out", "json"),
                ("func", "clientticket.edit"),
                ("sok", "ok"),
                ("client_department", &dept),
                ("name", "Oturum"),
                ("message", "会话"),
            ],
        )
        .await;
        r.ok_id()
    };
    let v = get(&w, &[("auth", &sid2), ("out", "json"), ("func", "clientticket")]).await.json();
    assert_eq!(v["doc"]["elem"][0]["id"]["$"], id.to_string());
    assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.expect(200).body["requester_id"], w.erin_id);
    // A made-up or mangled session id, a web-style cookie value: the auth error.
    for bad in ["0".repeat(64), format!("{sid}x"), "nonsense".into()] {
        let r = get(&w, &[("auth", &bad), ("out", "json"), ("func", "clientticket")]).await;
        assert_eq!(r.error().0, "auth", "{bad}");
    }
    // Wrong passwords, for func=auth and for authinfo; no credentials at all.
    let r = get(&w, &[("func", "auth"), ("username", ERIN), ("password", "nope"), ("out", "json")]).await;
    assert_eq!(r.error().0, "auth");
    let r = get(&w, &[("authinfo", &format!("{ERIN}:nope")), ("func", "clientticket"), ("out", "json")]).await;
    assert_eq!(r.error().0, "auth");
    let r = get(&w, &[("authinfo", "no-colon"), ("func", "clientticket"), ("out", "json")]).await;
    assert_eq!(r.error().0, "auth");
    let r = get(&w, &[("func", "clientticket"), ("out", "json")]).await;
    assert_eq!(r.error().0, "auth");
    let r = get(&w, &[("func", "auth"), ("username", ERIN), ("out", "json")]).await;
    assert_eq!(r.error(), ("missed".into(), "password".into(), "The parameter 'password' is required".into()));
    // The error in XML parses and carries type and object.
    let r = get(&w, &[("func", "clientticket"), ("authinfo", &format!("{ERIN}:nope"))]).await;
    r.assert_xml();
    assert!(r.text.contains("<error type=\"auth\" object=\"\"><msg>"), "{}", r.text);
}

/// The value of the first `id="…"` attribute.
fn xml_attr(xml: &str) -> String {
    let at = xml.find(" id=\"").map(|i| i + 5).unwrap_or(0);
    xml[at..].split('"').next().unwrap_or("").to_string()
}

#[tokio::test]
async fn a_customer_never_reaches_another_customers_ticket() {
    let w = world().await;
    let dave_t = create(&w, DAVE, w.billing, "Dave's", "mine").await;
    let carol_t = create(&w, CAROL, w.billing, "Carol's", "mine").await;
    let erin_t = create(&w, ERIN, w.billing, "Erin's", "mine").await;
    let snapshot = |mut v: Value| {
        // The wait is computed at read time; everything stored must be equal.
        v.as_object_mut().map(|o| o.remove("wait_seconds"));
        v
    };
    let before = snapshot(w.admin.get(&format!("/tickets/{dave_t}")).await.expect(200).body);
    let id = dave_t.to_string();
    // Erin: not in her list; view, reply and archive answer not found and change nothing.
    assert_eq!(listed(&w, ERIN).await, vec![erin_t]);
    let not_found = ("missed".to_string(), "elid".to_string(), format!("Ticket '{id}' not found"));
    assert_eq!(call(&w, ERIN, "clientticket.edit", &[("elid", &id)]).await.error(), not_found);
    let r = call(&w, ERIN, "clientticket.edit", &[("sok", "ok"), ("elid", &id), ("message", "sneaky")]).await;
    assert_eq!(r.error(), not_found);
    let r = call(&w, ERIN, "clientticket.archive", &[("elid", &format!("{erin_t}, {id}"))]).await;
    assert_eq!(r.error(), not_found);
    let after = snapshot(w.admin.get(&format!("/tickets/{dave_t}")).await.expect(200).body);
    assert_eq!(before, after, "nothing changed on Dave's ticket");
    let erin = w.admin.get(&format!("/tickets/{erin_t}")).await.expect(200).body;
    assert_eq!(erin["archived"], false, "nor on Erin's: the archive is all or nothing");
    // An id that does not exist answers the same.
    assert_eq!(call(&w, ERIN, "clientticket.edit", &[("elid", "999999")]).await.error().0, "missed");
    // Inside an organization: Carol (sees all) sees Dave's; Dave does not see Carol's.
    let mut carol_sees = listed(&w, CAROL).await;
    carol_sees.sort_unstable();
    assert_eq!(carol_sees, vec![dave_t, carol_t]);
    assert_eq!(listed(&w, DAVE).await, vec![dave_t]);
    let r = call(&w, DAVE, "clientticket.edit", &[("elid", &carol_t.to_string())]).await;
    assert_eq!(r.error().0, "missed");
}

#[tokio::test]
async fn the_edit_view_has_the_fields_and_public_messages_only() {
    let w = world().await;
    let dept = w.billing.to_string();
    let r = call(
        &w,
        ERIN,
        "clientticket.edit",
        &[
            ("sok", "ok"),
            ("client_department", &dept),
            ("name", "Görünüm"),
            ("message", "ilk"),
            ("client_priority", "3"),
        ],
    )
    .await;
    let id = r.ok_id();
    w.ayse.post(&format!("/tickets/{id}/notes"), json!({"body": "INTERNAL: müşteri borçlu"})).await.expect(201);
    w.ayse.post(&format!("/tickets/{id}/replies"), json!({"body": "Yanıt"})).await.expect(201);
    let v = call(&w, ERIN, "clientticket.edit", &[("elid", &id.to_string())]).await.json();
    let d = &v["doc"];
    assert_eq!(d["id"]["$"], id.to_string());
    assert_eq!(d["name"]["$"], "Görünüm");
    assert_eq!(d["client_department"]["$"], dept);
    assert_eq!(d["ticket_item"]["$"], "");
    assert_eq!(d["priority"]["$"], "3");
    assert_eq!(d["tstatus"]["$"], "2");
    let msgs = d["elem"].as_array().unwrap();
    assert_eq!(msgs.len(), 2, "the note is not shown: {v}");
    assert_eq!(msgs[0]["message"]["$"], "ilk");
    assert_eq!(msgs[0]["message_user"]["$"], "Erin");
    assert_eq!(msgs[0]["admin"]["$"], "off");
    assert_eq!(msgs[1]["message"]["$"], "Yanıt");
    assert_eq!(msgs[1]["message_user"]["$"], "Ayşe Yılmaz");
    assert_eq!(msgs[1]["admin"]["$"], "on");
    for m in msgs {
        assert!(m["id"]["$"].as_str().unwrap().parse::<i64>().is_ok());
        let date = m["date_post"]["$"].as_str().unwrap();
        assert!(chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M:%S").is_ok(), "{date}");
    }
    assert!(!v.to_string().contains("INTERNAL"), "no note anywhere: {v}");
    // Not even an admin reading through this client-side function sees notes.
    let v = call(&w, ADMIN, "clientticket.edit", &[("elid", &id.to_string())]).await;
    assert!(!v.text.contains("INTERNAL"), "{}", v.text);
    assert_eq!(v.json()["doc"]["elem"].as_array().unwrap().len(), 2);
    // Without elid and sok: the empty form for a new ticket.
    let v = call(&w, ERIN, "clientticket.edit", &[]).await.json();
    assert_eq!(
        v,
        json!({"doc": {"id": {"$": ""}, "name": {"$": ""}, "client_department": {"$": ""},
            "ticket_item": {"$": ""}, "priority": {"$": "2"}, "tstatus": {"$": ""}}})
    );
    // The XML form parses.
    let auth = ai(ERIN);
    let x = get(&w, &[("authinfo", &auth), ("func", "clientticket.edit"), ("elid", &id.to_string())]).await;
    x.assert_xml();
    assert!(x.text.contains("<admin>on</admin>") && !x.text.contains("INTERNAL"));
}

#[tokio::test]
async fn replies_post_the_message_and_only_staff_change_the_priority() {
    let w = world().await;
    let id = create(&w, ERIN, w.billing, "Yanıt testi", "ilk").await;
    let elid = id.to_string();
    // A POSTed form works like the query string.
    let auth = ai(ERIN);
    let r = post(
        &w,
        &[
            ("authinfo", &auth),
            ("out", "json"),
            ("func", "clientticket.edit"),
            ("sok", "ok"),
            ("elid", &elid),
            ("message", "Ещё вопрос 还有"),
        ],
    )
    .await;
    assert_eq!(r.ok_id(), id);
    let t = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(t["messages"][1]["body"], "Ещё вопрос 还有");
    assert_eq!(t["messages"][1]["author"]["user_id"], w.erin_id);
    // A customer may not change the priority: refused before anything is posted.
    let r =
        call(&w, ERIN, "clientticket.edit", &[("sok", "ok"), ("elid", &elid), ("message", "acil!"), ("priority", "4")])
            .await;
    assert_eq!(r.error().0, "access");
    assert_eq!(r.error().1, "priority");
    let t = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(t["messages"].as_array().unwrap().len(), 2);
    assert_eq!(t["priority"], "normal");
    // Sending the current priority with the reply is fine.
    let r =
        call(&w, ERIN, "clientticket.edit", &[("sok", "ok"), ("elid", &elid), ("message", "ok"), ("priority", "2")])
            .await;
    assert_eq!(r.ok_id(), id);
    // An agent acting as the customer (su) replies as them and may change it.
    let r = call(
        &w,
        AYSE,
        "clientticket.edit",
        &[("sok", "ok"), ("elid", &elid), ("message", "su ile"), ("priority", "4"), ("su", ERIN)],
    )
    .await;
    assert_eq!(r.ok_id(), id);
    let t = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(t["priority"], "urgent");
    let last = t["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["body"].as_str(), last["author"]["user_id"].as_i64()), (Some("su ile"), Some(w.erin_id)));
    // Bad replies: no message, a bad priority, a malformed elid.
    let r = call(&w, ERIN, "clientticket.edit", &[("sok", "ok"), ("elid", &elid)]).await;
    assert_eq!(r.error().0, "missed");
    assert_eq!(r.error().1, "message");
    let r = call(&w, ERIN, "clientticket.edit", &[("sok", "ok"), ("elid", &elid), ("message", "x"), ("priority", "9")])
        .await;
    assert_eq!(r.error().1, "priority");
    let r = call(&w, ERIN, "clientticket.edit", &[("sok", "ok"), ("elid", "12abc"), ("message", "x")]).await;
    assert_eq!((r.error().0.as_str(), r.error().1.as_str()), ("value", "elid"));
    let t = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(t["messages"].as_array().unwrap().len(), 4, "no bad reply was posted");
}

#[tokio::test]
async fn creating_validates_everything_and_makes_no_half_ticket() {
    let w = world().await;
    let dept = w.billing.to_string();
    let rows_before = w.ticket_rows().await;
    let long = "ş".repeat(256);
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (vec![("client_department", &dept), ("message", "m")], "missed", "name"),
        (vec![("client_department", &dept), ("name", "n")], "missed", "message"),
        (vec![("name", "n"), ("message", "m")], "missed", "client_department"),
        (vec![("client_department", "abc"), ("name", "n"), ("message", "m")], "value", "client_department"),
        (vec![("client_department", "999999"), ("name", "n"), ("message", "m")], "value", "client_department"),
        (vec![("client_department", &dept), ("name", "n"), ("message", "m"), ("priority", "0")], "value", "priority"),
        (
            vec![("client_department", &dept), ("name", "n"), ("message", "m"), ("client_priority", "high")],
            "value",
            "client_priority",
        ),
        (vec![("client_department", &dept), ("name", "n"), ("message", "m"), ("item", "x")], "value", "item"),
        (vec![("client_department", &dept), ("name", "n"), ("message", "m"), ("item", "424242")], "value", "item"),
        (
            vec![("client_department", &dept), ("name", "n"), ("message", "m"), ("ticket_item", "424242")],
            "value",
            "ticket_item",
        ),
        (vec![("client_department", &dept), ("name", &long), ("message", "m")], "value", "name"),
        (vec![("client_department", &dept), ("name", "n"), ("message", " \n ")], "missed", "message"),
    ];
    for (more, kind, object) in cases {
        let mut p = vec![("sok", "ok")];
        p.extend(more.iter().copied());
        let r = call(&w, ERIN, "clientticket.edit", &p).await;
        let (k, o, msg) = r.error();
        assert_eq!((k.as_str(), o.as_str()), (kind, object), "{more:?}: {msg}");
        assert!(!msg.is_empty());
    }
    assert_eq!(w.ticket_rows().await, rows_before, "no ticket was made");
    // The priority and the service given the documented ways land on the ticket.
    let svc = w
        .admin
        .post("/services", json!({"owner_id": w.erin_id, "label": "VPS İstanbul", "kind": "service"}))
        .await
        .expect(201)
        .id();
    let svc_s = svc.to_string();
    let r = call(
        &w,
        ERIN,
        "clientticket.edit",
        &[
            ("sok", "ok"),
            ("client_department", &dept),
            ("name", "Sunucu"),
            ("message", "çöktü"),
            ("ticket_item", &svc_s),
            ("priority", "1"),
        ],
    )
    .await;
    let id = r.ok_id();
    let t = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!((t["service_id"].as_i64(), t["priority"].as_str()), (Some(svc), Some("low")));
    let v = call(&w, ERIN, "clientticket.edit", &[("elid", &id.to_string())]).await.json();
    assert_eq!(
        (v["doc"]["ticket_item"]["$"].as_str(), v["doc"]["priority"]["$"].as_str()),
        (Some(svc_s.as_str()), Some("1"))
    );
    // Another customer's service is refused.
    let r = call(
        &w,
        DAVE,
        "clientticket.edit",
        &[("sok", "ok"), ("client_department", &dept), ("name", "n"), ("message", "m"), ("item", &svc_s)],
    )
    .await;
    assert_eq!(r.error().0, "value");
}

#[tokio::test]
async fn archiving_hides_tickets_from_the_customer_only() {
    let w = world().await;
    let a = create(&w, ERIN, w.billing, "Bir", "1").await;
    let b = create(&w, ERIN, w.billing, "İki", "2").await;
    let c = create(&w, ERIN, w.tech, "Üç", "3").await;
    // Malformed lists change nothing.
    for bad in ["", "x", &format!("{a}, x"), "0", &format!("{a};{b}")] {
        let r = call(&w, ERIN, "clientticket.archive", &[("elid", bad)]).await;
        let (kind, object, _) = r.error();
        assert!(kind == "value" || kind == "missed", "{bad}: {kind}");
        assert_eq!(object, "elid");
    }
    assert_eq!(listed(&w, ERIN).await.len(), 3);
    // `elid=a, b` as the documented group action.
    let list = format!("{a}, {b}");
    let r = call(&w, ERIN, "clientticket.archive", &[("elid", &list)]).await;
    let v = r.json();
    assert_eq!(v["doc"]["ok"], json!({}));
    assert_eq!(v["doc"]["id"]["$"], list);
    assert_eq!(listed(&w, ERIN).await, vec![c]);
    // Agents still see them, archived.
    let t = w.ayse.get(&format!("/tickets/{a}")).await.expect(200).body;
    assert_eq!(t["archived"], true);
    let v = w.admin.get(&format!("/tickets?department_id={}", w.billing)).await.expect(200).body;
    assert!(v.to_string().contains("\"Bir\""), "the admin still lists it: {v}");
    // The filter asks for archived ones: they come back with tstatus 10.
    let r = call(&w, ERIN, "clientticket.filter", &[("sok", "ok"), ("archived", "on")]).await;
    assert_eq!(r.json(), json!({"doc": {"ok": {}}}));
    let rows = rows(&w, ERIN).await;
    assert_eq!(rows.len(), 3);
    let status_of = |id: i64| rows.iter().find(|r| id_of(r) == id).unwrap()["tstatus"]["$"].clone();
    assert_eq!((status_of(a), status_of(b), status_of(c)), (json!("10"), json!("10"), json!("0")));
    // Someone else's ticket in the list: nothing archived.
    let dave_t = create(&w, DAVE, w.billing, "Dave", "d").await;
    let r = call(&w, ERIN, "clientticket.archive", &[("elid", &format!("{c}, {dave_t}"))]).await;
    assert_eq!(r.error().0, "missed");
    assert_eq!(w.admin.get(&format!("/tickets/{c}")).await.expect(200).body["archived"], false);
}

#[tokio::test]
async fn the_filter_is_stored_per_user_and_applied() {
    let w = world().await;
    let a = create(&w, ERIN, w.billing, "Fatura ödemesi", "1").await;
    let b = create(&w, ERIN, w.tech, "Сервер не отвечает", "2").await;
    let c = create(&w, ERIN, w.tech, "ÖDEME iadesi", "3").await;
    w.boris.post(&format!("/tickets/{b}/replies"), json!({"body": "Смотрим"})).await.expect(201);
    // No filter yet: the empty one.
    let v = call(&w, ERIN, "clientticket.filter", &[]).await.json();
    assert_eq!(
        v,
        json!({"doc": {"name": {"$": ""}, "tstatus": {"$": ""}, "client_department": {"$": ""}, "archived": {"$": "off"}}})
    );
    // Subject contains, whatever the case.
    call(&w, ERIN, "clientticket.filter", &[("sok", "ok"), ("name", "ödeme")]).await.json();
    let mut got = listed(&w, ERIN).await;
    got.sort_unstable();
    assert_eq!(got, vec![a, c]);
    // Department and status.
    let tech = w.tech.to_string();
    call(&w, ERIN, "clientticket.filter", &[("sok", "ok"), ("client_department", &tech)]).await.json();
    let mut got = listed(&w, ERIN).await;
    got.sort_unstable();
    assert_eq!(got, vec![b, c]);
    call(&w, ERIN, "clientticket.filter", &[("sok", "ok"), ("client_department", &tech), ("tstatus", "2")])
        .await
        .json();
    assert_eq!(listed(&w, ERIN).await, vec![b]);
    let v = call(&w, ERIN, "clientticket.filter", &[]).await.json();
    assert_eq!(v["doc"]["client_department"]["$"], tech);
    assert_eq!(v["doc"]["tstatus"]["$"], "2");
    // It is Erin's own: Carol's list is not filtered.
    let carol_t = create(&w, CAROL, w.billing, "Carol", "c").await;
    assert_eq!(listed(&w, CAROL).await, vec![carol_t]);
    // Bad values are refused and leave the stored filter alone.
    for (k, v) in [("tstatus", "5"), ("client_department", "abc"), ("client_department", "999999"), ("archived", "yes")]
    {
        let r = call(&w, ERIN, "clientticket.filter", &[("sok", "ok"), (k, v)]).await;
        assert_eq!(r.error().1, k, "{k}={v}");
    }
    assert_eq!(listed(&w, ERIN).await, vec![b]);
    // A filter set with sok and nothing else clears it; the XML form parses.
    call(&w, ERIN, "clientticket.filter", &[("sok", "ok")]).await.json();
    assert_eq!(listed(&w, ERIN).await.len(), 3);
    let auth = ai(ERIN);
    get(&w, &[("authinfo", &auth), ("func", "clientticket.filter")]).await.assert_xml();
}

#[tokio::test]
async fn su_lets_staff_act_as_a_customer_within_their_own_reach() {
    let w = world().await;
    let billing_t = create(&w, CAROL, w.billing, "Billing", "b").await;
    let tech_t = create(&w, CAROL, w.tech, "Tech", "t").await;
    // The admin acting as Carol sees her list; by id or by e-mail.
    let carol_id = w.carol_id.to_string();
    for who in [CAROL, carol_id.as_str()] {
        let r = call(&w, ADMIN, "clientticket", &[("su", who)]).await.json();
        assert_eq!(r["doc"]["elem"].as_array().unwrap().len(), 2, "{who}");
    }
    // Ayşe (billing only) acting as Carol sees only what she could see herself.
    let v = call(&w, AYSE, "clientticket", &[("su", CAROL)]).await.json();
    let ids: Vec<&str> = v["doc"]["elem"].as_array().unwrap().iter().map(|r| r["id"]["$"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![billing_t.to_string()]);
    let r = call(&w, AYSE, "clientticket.edit", &[("elid", &tech_t.to_string()), ("su", CAROL)]).await;
    assert_eq!(r.error().0, "missed");
    // Opening a ticket as the customer: Carol is the requester.
    let dept = w.billing.to_string();
    let r = call(
        &w,
        AYSE,
        "clientticket.edit",
        &[("sok", "ok"), ("client_department", &dept), ("name", "Telefonla"), ("message", "aradı"), ("su", CAROL)],
    )
    .await;
    let id = r.ok_id();
    assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.expect(200).body["requester_id"], w.carol_id);
    // Boris (tech) acting as Carol may not open one in billing: the agent
    // behind su opens only in their own departments (decision 34).
    let rows_before = w.ticket_rows().await;
    let r = call(
        &w,
        BORIS,
        "clientticket.edit",
        &[("sok", "ok"), ("client_department", &dept), ("name", "Elsewhere"), ("message", "m"), ("su", CAROL)],
    )
    .await;
    assert_eq!((r.error().0.as_str(), r.error().1.as_str()), ("access", "client_department"));
    assert_eq!(w.ticket_rows().await, rows_before);
    // Without su an agent has no customer to open a ticket for.
    let rows_before = w.ticket_rows().await;
    let r = call(
        &w,
        AYSE,
        "clientticket.edit",
        &[("sok", "ok"), ("client_department", &dept), ("name", "n"), ("message", "m")],
    )
    .await;
    assert_eq!((r.error().0.as_str(), r.error().1.as_str()), ("access", "su"));
    assert_eq!(w.ticket_rows().await, rows_before);
    // A customer may not su; nobody may su to an agent or to nobody.
    let r = call(&w, ERIN, "clientticket", &[("su", CAROL)]).await;
    assert_eq!((r.error().0.as_str(), r.error().1.as_str()), ("access", "su"));
    for who in [AYSE, "nobody@example.com", "0", "999999"] {
        let r = call(&w, ADMIN, "clientticket", &[("su", who)]).await;
        assert_eq!((r.error().0.as_str(), r.error().1.as_str()), ("value", "su"), "{who}");
    }
}

#[tokio::test]
async fn unknown_and_unsupported_functions_and_formats() {
    let w = world().await;
    let r = call(&w, ERIN, "incident", &[("count", "1"), ("sok", "ok")]).await;
    let (kind, object, msg) = r.error();
    assert_eq!((kind.as_str(), object.as_str()), ("unsupported", "incident"));
    assert!(msg.contains("incident"));
    let r = call(&w, ERIN, "ticket.delete", &[]).await;
    assert_eq!(r.error().1, "func");
    assert!(r.error().2.contains("ticket.delete"));
    let r = call(&w, ERIN, "", &[]).await;
    assert_eq!(r.error(), ("missed".into(), "func".into(), "The parameter 'func' is required".into()));
    // An output format we do not write: an XML error naming `out`.
    let auth = ai(ERIN);
    let r = get(&w, &[("authinfo", &auth), ("func", "clientticket"), ("out", "yaml")]).await;
    assert_eq!(r.status, 200);
    r.assert_xml();
    assert!(r.text.contains("object=\"out\""), "{}", r.text);
    // A body that is not a form is refused, not guessed at.
    let r = read(
        client()
            .post(format!("{}/compat/billmanager/billmgr?out=json&func=clientticket&authinfo={ERIN}:x", w.server.base))
            .header("content-type", "application/json")
            .body("{\"func\":\"clientticket\"}"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("<error type=\"value\""), "{}", r.text);
    // Invalid UTF-8 in a value does not break the server.
    let r = read(client().get(format!("{}/compat/billmanager/billmgr?out=json&func=%FF%FE", w.server.base))).await;
    assert_eq!(r.error().0, "auth");
}

#[tokio::test]
async fn a_session_ends_after_one_idle_hour_and_each_use_extends_it() {
    use std::sync::Arc;
    use tessera_core::time::ManualClock;
    let w = world().await;
    let v = get(&w, &[("func", "auth"), ("username", ERIN), ("password", PW), ("out", "json")]).await.json();
    let sid = v["doc"]["auth"]["$"].as_str().unwrap().to_string();
    // The desk the server runs, seen through a clock the test moves.
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let desk = w.server.state.desk.with_clock(clock.clone());
    clock.advance(chrono::Duration::minutes(59));
    assert!(desk.session(tessera_desk::SessionKind::Api, &sid).await.is_ok(), "59 idle minutes: still on");
    clock.advance(chrono::Duration::minutes(59));
    assert!(desk.session(tessera_desk::SessionKind::Api, &sid).await.is_ok(), "the use at 59 minutes moved the expiry");
    clock.advance(chrono::Duration::minutes(61));
    assert!(desk.session(tessera_desk::SessionKind::Api, &sid).await.is_err(), "61 idle minutes: ended");
    // And the server, whose clock is behind, agrees: the session is gone for good.
    let r = get(&w, &[("auth", &sid), ("out", "json"), ("func", "clientticket")]).await;
    assert_eq!(r.error().0, "auth");
    // A session id is not a web session cookie: the web sends the visitor to sign in.
    let v = get(&w, &[("func", "auth"), ("username", ERIN), ("password", PW), ("out", "json")]).await.json();
    let fresh = v["doc"]["auth"]["$"].as_str().unwrap().to_string();
    let no_redirects = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client");
    let r = read(
        no_redirects.get(format!("{}/account", w.server.base)).header("cookie", format!("tessera_session={fresh}")),
    )
    .await;
    assert!((300..400).contains(&r.status), "not signed in on the web: {} {}", r.status, r.text);
}

#[tokio::test]
async fn a_reply_with_a_priority_and_an_archive_of_several_are_one_change_each() {
    let w = world().await;
    let id = create(&w, ERIN, w.billing, "Priority", "p").await;
    let version = |t: &serde_json::Value| t["version"].as_i64().unwrap();
    let before = version(&w.admin.get(&format!("/tickets/{id}")).await.body);
    let elid = id.to_string();
    let r = call(
        &w,
        AYSE,
        "clientticket.edit",
        &[("sok", "ok"), ("elid", &elid), ("message", "su ile"), ("priority", "4"), ("su", ERIN)],
    )
    .await;
    assert_eq!(r.ok_id(), id);
    let t = w.admin.get(&format!("/tickets/{id}")).await.body;
    assert_eq!((version(&t), t["priority"].as_str()), (before + 1, Some("urgent")));
    let events = w.admin.get(&format!("/tickets/{id}/events")).await.body["events"].as_array().unwrap().clone();
    let new: Vec<&serde_json::Value> = events.iter().filter(|e| e["ticket_version"] == before + 1).collect();
    let kinds: Vec<&str> = new.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"ticket.replied") && kinds.contains(&"ticket.priority_changed"), "{kinds:?}");
    // The agent acted; the words are Erin's.
    assert!(new.iter().all(|e| e["actor_id"] == w.ayse_id), "{new:?}");
    let last = t["messages"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["author"]["user_id"], w.erin_id);

    // Archiving several: one version each, all or none.
    let second = create(&w, ERIN, w.billing, "Second", "s").await;
    let (a, b) = (ticket_version(&w, id).await, ticket_version(&w, second).await);
    let list = format!("{id}, {second}");
    let r = call(&w, ERIN, "clientticket.archive", &[("elid", &list)]).await.json();
    assert!(r["doc"]["ok"].is_object(), "{r}");
    assert_eq!((ticket_version(&w, id).await, ticket_version(&w, second).await), (a + 1, b + 1));
    // One of them unknown: nothing is archived.
    let third = create(&w, ERIN, w.billing, "Third", "t").await;
    let bad = format!("{third}, 999999");
    let r = call(&w, ERIN, "clientticket.archive", &[("elid", &bad)]).await;
    assert!(!r.error().0.is_empty());
    assert_eq!(w.admin.get(&format!("/tickets/{third}")).await.body["archived"], false);
}

/// A ticket's version, read as the admin.
async fn ticket_version(w: &World, id: i64) -> i64 {
    w.admin.get(&format!("/tickets/{id}")).await.body["version"].as_i64().unwrap()
}
