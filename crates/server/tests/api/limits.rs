//! Issue 14, items 8 and 10: request bodies are refused at their route's
//! limit while they stream in, before anything is buffered; connections
//! that stall (half-sent heads, stalled bodies, idle keep-alive) are closed,
//! while event streams that send keep-alives stay open.
//!
//! These tests talk raw HTTP/1.1 over TCP to 127.0.0.1 so that they control
//! how much of a body is sent: bodies are produced lazily, chunk by chunk,
//! and sending stops as soon as an answer arrives. A server that read a
//! 150 MiB body before answering would have pulled all of it; one that
//! refuses it early answers while the client is still far from done (the
//! loopback socket buffers hold a few MiB at most).

use crate::support::*;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The hostile body's size.
const HUGE: u64 = 150 * 1024 * 1024;
/// A client that got its answer after sending less than this was refused
/// early: the server cannot have read the body (less than half of it left
/// the client, socket buffers included).
const FAR_FROM_DONE: u64 = HUGE / 2;
/// How long any one wait of these tests may last (a generous bound, not a
/// measurement).
const PATIENCE: Duration = Duration::from_secs(20);
const PW: &str = "a long test password";

/// How the body is framed.
#[derive(Clone, Copy, Debug)]
enum Framing {
    /// `Content-Length: HUGE`.
    Length,
    /// `Transfer-Encoding: chunked`, no length announced.
    Chunked,
}

/// An answer to a raw request.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The head and as much of the body as arrived, as text.
    text: String,
    /// Body bytes the client had sent when the answer arrived.
    sent: u64,
}

impl Answer {
    /// The body after the head.
    fn body(&self) -> &str {
        self.text.split_once("\r\n\r\n").map_or("", |(_, b)| b)
    }
}

fn addr(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_string()
}

/// Reads an answer's head and (for a `Content-Length`) its body; stops at
/// the end of the answer or of the connection.
async fn read_answer(mut rd: tokio::net::tcp::OwnedReadHalf, answered: Arc<AtomicBool>) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match rd.read(&mut buf).await {
            Ok(0) | Err(_) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            answered.store(true, Ordering::SeqCst);
            let len = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok());
            if len.is_some_and(|len| body.len() >= len) {
                return got;
            }
        }
    }
}

fn status_of(got: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(got);
    text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// Sends `head` (request line and headers, without the framing header and
/// the blank line), then a body of [`HUGE`] bytes made lazily of `prefix`
/// and filler, until the server answers or stops reading. Answers what came
/// back and how much had been sent by then.
async fn send_huge(server: &TestServer, head: &str, prefix: &[u8], framing: Framing) -> Answer {
    let stream = TcpStream::connect(addr(server)).await.expect("connect");
    let (rd, mut wr) = stream.into_split();
    let answered = Arc::new(AtomicBool::new(false));
    let reader = tokio::spawn(read_answer(rd, Arc::clone(&answered)));
    let framing_header = match framing {
        Framing::Length => format!("Content-Length: {HUGE}"),
        Framing::Chunked => "Transfer-Encoding: chunked".to_string(),
    };
    let sent = Arc::new(AtomicU64::new(0));
    let sent_w = Arc::clone(&sent);
    let flag = Arc::clone(&answered);
    let head = format!("{head}\r\n{framing_header}\r\n\r\n");
    let prefix = prefix.to_vec();
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let filler = vec![b'a'; 64 * 1024];
        let mut first = Some(prefix);
        let mut sent_so_far = 0u64;
        while sent_so_far < HUGE && !flag.load(Ordering::SeqCst) {
            let chunk = first.take().unwrap_or_else(|| filler.clone());
            let chunk = &chunk[..chunk.len().min((HUGE - sent_so_far) as usize)];
            let framed = match framing {
                Framing::Length => chunk.to_vec(),
                Framing::Chunked => [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat(),
            };
            // A server that stops reading without closing would block
            // this write for ever; give up after a while.
            match tokio::time::timeout(PATIENCE, wr.write_all(&framed)).await {
                Ok(Ok(())) => {}
                _ => return,
            }
            sent_so_far += chunk.len() as u64;
            sent_w.store(sent_so_far, Ordering::SeqCst);
        }
        if sent_so_far >= HUGE && matches!(framing, Framing::Chunked) {
            let _ = wr.write_all(b"0\r\n\r\n").await;
        }
        // Keep the write side open until the answer is read.
        tokio::time::sleep(PATIENCE).await;
    });
    let got = tokio::time::timeout(PATIENCE * 2, reader).await.expect("an answer in time").expect("reader");
    let sent_then = sent.load(Ordering::SeqCst);
    writer.abort();
    Answer { status: status_of(&got), text: String::from_utf8_lossy(&got).to_string(), sent: sent_then }
}

/// Sends a head announcing a [`HUGE`] `Content-Length` and no body byte
/// at all; answers what the server says before any of the body is sent
/// (`None` if it says nothing in time: it is waiting for the body).
async fn announce_huge(server: &TestServer, head: &str) -> Option<Answer> {
    let mut stream = TcpStream::connect(addr(server)).await.expect("connect");
    stream.write_all(format!("{head}\r\nContent-Length: {HUGE}\r\n\r\n").as_bytes()).await.expect("write");
    let (rd, _wr) = stream.into_split();
    let got =
        tokio::time::timeout(Duration::from_secs(5), read_answer(rd, Arc::new(AtomicBool::new(false)))).await.ok()?;
    Some(Answer { status: status_of(&got), text: String::from_utf8_lossy(&got).to_string(), sent: 0 })
}

fn post_head(path: &str, content_type: &str, extra: &[(&str, &str)]) -> String {
    let mut h = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}");
    for (k, v) in extra {
        h.push_str(&format!("\r\n{k}: {v}"));
    }
    h
}

fn file_part_head(boundary: &str, field: &str) -> String {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"big.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
}

fn text_part(boundary: &str, name: &str, value: &str) -> String {
    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

const BOUNDARY: &str = "tessera-test-boundary";

fn multipart() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

#[track_caller]
fn refused_early(a: &Answer, status: u16) {
    assert!(
        a.sent < FAR_FROM_DONE,
        "the server answered only after {} of {HUGE} bytes were sent: it read the body",
        a.sent
    );
    assert_eq!(a.status, status, "answer: {}", a.text.chars().take(600).collect::<String>());
}

fn api_error_code(a: &Answer) -> String {
    let v: serde_json::Value = serde_json::from_str(a.body()).unwrap_or_default();
    v["error"]["code"].as_str().unwrap_or("").to_string()
}

/// The issue's attack: a huge multipart POST to the sign-in form, without
/// the pre-session cookie. It is refused (403) without being read, and even
/// with the cookie nothing beyond the form's small limit is read.
#[tokio::test]
async fn sign_in_reads_no_huge_body() {
    let server = TestServer::start().await;
    let head = post_head("/sign-in", &multipart(), &[]);
    for framing in [Framing::Chunked, Framing::Length] {
        let a = send_huge(&server, &head, file_part_head(BOUNDARY, "file").as_bytes(), framing).await;
        refused_early(&a, a.status);
        assert!(a.status == 403 || a.status == 413, "{framing:?}: {}", a.text);
    }
    // With the pre-session cookie the form is read, up to its small limit.
    let mut b = Browser::new(&server);
    let pre = b.get("/sign-in").await.hidden("_pre").expect("pre-session token");
    let cookie = format!("tessera_pre={pre}");
    let head = post_head("/sign-in", "application/x-www-form-urlencoded", &[("Cookie", &cookie)]);
    let prefix = format!("_pre={pre}&email=x%40example.com&password=");
    for framing in [Framing::Chunked, Framing::Length] {
        let a = send_huge(&server, &head, prefix.as_bytes(), framing).await;
        refused_early(&a, 413);
        assert!(a.text.contains("text/html"), "the web's error page: {}", a.text);
    }
    let a = announce_huge(&server, &head).await.expect("refused on its Content-Length before any byte of the body");
    assert_eq!(a.status, 413, "{}", a.text);
    // The sign-in form's limit is small: 100 KiB of form is too much.
    let mut big = reqwest::Client::new()
        .post(format!("{}/sign-in", server.base))
        .header("cookie", &cookie)
        .form(&[("_pre", pre.as_str()), ("email", "x@example.com"), ("password", &"p".repeat(100 * 1024))])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    while big.chunk().await.ok().flatten().is_some() {}
}

/// A JSON route with and without `Idempotency-Key`: a `Content-Length`
/// above the limit is refused before any of the body is read; a chunked
/// body is refused once it passes the limit (1 MiB), not after 200 MiB.
#[tokio::test]
async fn api_json_bodies_stop_at_the_json_limit() {
    let server = TestServer::start().await;
    let token = server.admin().await.token.unwrap();
    let auth = format!("Bearer {token}");
    for key in [None, Some("limits-1")] {
        let mut extra = vec![("Authorization", auth.as_str())];
        if let Some(k) = key {
            extra.push(("Idempotency-Key", k));
        }
        let head = post_head("/api/v1/tickets", "application/json", &extra);
        let a = announce_huge(&server, &head)
            .await
            .unwrap_or_else(|| panic!("key {key:?}: no answer before the body was sent: the server waits to read it"));
        assert_eq!((a.status, api_error_code(&a).as_str()), (413, "too_large"), "key {key:?}: {}", a.text);
        for framing in [Framing::Chunked, Framing::Length] {
            let a = send_huge(&server, &head, br#"{"subject": ""#, framing).await;
            refused_early(&a, 413);
            assert_eq!(api_error_code(&a), "too_large", "key {key:?} {framing:?}: {}", a.text);
        }
    }
    // Anonymous requests are refused on their credentials before the body.
    let head = post_head("/api/v1/tickets", "application/json", &[]);
    let a = send_huge(&server, &head, b"{", Framing::Chunked).await;
    refused_early(&a, a.status);
    assert!(a.status == 401 || a.status == 413, "{}", a.text);
    // The server still works, with the key too.
    let api = server.admin().await;
    let dept = api.get("/departments").await.expect(200).body["departments"][0]["id"].as_i64().unwrap();
    let rb = api
        .request(reqwest::Method::POST, "/tickets")
        .header("idempotency-key", "limits-ok")
        .json(&json!({"subject": "Small", "department_id": dept, "body": "fits"}));
    Api::send(rb).await.expect(201);
}

/// Uploads: the upload route's limit is the attachment limits' sum; a
/// larger announced body is refused unread, a chunked one at the limit.
#[tokio::test]
async fn uploads_stop_at_the_upload_limit() {
    let server = TestServer::start_with(|c| {
        c.max_attachment_bytes = 256 * 1024;
        c.max_attachments_per_message = 2;
    })
    .await;
    let api = server.admin().await;
    let auth = format!("Bearer {}", api.token.clone().unwrap());
    let head = post_head("/api/v1/attachments", &multipart(), &[("Authorization", &auth)]);
    let a = announce_huge(&server, &head).await.expect("refused before the body");
    assert_eq!((a.status, api_error_code(&a).as_str()), (413, "too_large"), "{}", a.text);
    let a = send_huge(&server, &head, file_part_head(BOUNDARY, "file").as_bytes(), Framing::Chunked).await;
    refused_early(&a, 413);
    // Files within the limits still go up.
    api.upload(&[("a.txt", &[b'x'; 200 * 1024]), ("b.txt", b"small")]).await.expect(201);
}

/// A web form with files: a wrong CSRF token in the form is noticed before
/// the files are read, and a file sent before any token is not read.
#[tokio::test]
async fn web_files_are_read_only_after_the_csrf_token() {
    let w = World::new().await;
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"password": PW})).await.expect(200);
    let id = w.open(&w.erin, w.billing, "Files").await;
    let number = w.erin.get(&format!("/tickets/{id}")).await.expect(200).body["number"].as_str().unwrap().to_string();
    let mut b = Browser::new(&w.server);
    b.sign_in("erin@example.org", PW).await;
    let csrf = b.csrf(&format!("/tickets/{number}")).await;
    let cookie = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let head = post_head(&format!("/tickets/{number}/reply"), &multipart(), &[("Cookie", &cookie)]);
    let wrong =
        format!("{}{}", text_part(BOUNDARY, "_csrf", "0123456789abcdef"), file_part_head(BOUNDARY, "attachments"));
    let none_first = file_part_head(BOUNDARY, "attachments");
    for prefix in [wrong, none_first] {
        let a = send_huge(&w.server, &head, prefix.as_bytes(), Framing::Chunked).await;
        refused_early(&a, 403);
    }
    // With the right token first, a reply with a file goes through.
    let r = b
        .post_multipart(
            &format!("/tickets/{number}/reply"),
            &[("_csrf", &csrf), ("body", "with a file")],
            &[("attachments", "note.txt", b"hello".to_vec())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
}

/// The dialects: an announced body above the limit gets each dialect's own
/// error before a byte of it is read; a chunked one stops at the limit.
#[tokio::test]
async fn dialects_refuse_huge_bodies_in_their_own_shape() {
    let server = TestServer::start_with(|c| {
        all_compat(c);
        c.compat.max_body_bytes = 1024 * 1024;
    })
    .await;
    let form = "application/x-www-form-urlencoded";
    // WHMCS: its error answer, in XML when no responsetype could be read.
    let head = post_head("/compat/whmcs/includes/api.php", form, &[]);
    let a = announce_huge(&server, &head).await.expect("whmcs: refused before the body");
    assert_eq!(a.status, 413, "{}", a.text);
    assert!(a.body().contains("<result>error</result>"), "{}", a.text);
    let a = send_huge(&server, &head, b"action=GetTickets&identifier=x&secret=y&message=", Framing::Chunked).await;
    refused_early(&a, 413);
    assert!(a.body().contains("<result>error</result>"), "{}", a.text);
    // BILLmanager: an error document (HTTP 200, as BILLmanager answers).
    let head = post_head("/compat/billmanager/billmgr?out=json", form, &[]);
    let a = announce_huge(&server, &head).await.expect("billmanager: refused before the body");
    let v: serde_json::Value = serde_json::from_str(a.body()).unwrap_or_default();
    assert!(v["doc"]["error"].is_object(), "{}", a.text);
    // The hosting API: `{"status":"error"}` with 413.
    let token = server.admin().await.token.unwrap();
    let auth = format!("Bearer {token}");
    let head = post_head("/compat/hostapi/v1/tickets/create", form, &[("Authorization", &auth)]);
    let a = announce_huge(&server, &head).await.expect("hostapi: refused before the body");
    assert_eq!(a.status, 413, "{}", a.text);
    let v: serde_json::Value = serde_json::from_str(a.body()).unwrap_or_default();
    assert_eq!(v["status"], "error", "{}", a.text);
}

/// Reads from `stream` until the server closes it (or `PATIENCE` passes);
/// answers whether it was closed, and what came.
async fn closed_by_server(stream: &mut TcpStream) -> (bool, String) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = tokio::time::timeout(PATIENCE, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (closed, String::from_utf8_lossy(&got).to_string())
}

fn short_timeouts(c: &mut tessera_server::Config) {
    c.header_read_timeout_ms = 300;
    c.idle_timeout_ms = 600;
}

/// Half-sent request heads (and silent connections) are closed after the
/// header-read timeout; many at once, so none is forgotten.
#[tokio::test]
async fn half_sent_requests_are_closed() {
    let server = TestServer::start_with(short_timeouts).await;
    let mut conns = Vec::new();
    for i in 0..40 {
        let mut s = TcpStream::connect(addr(&server)).await.expect("connect");
        match i % 3 {
            0 => s.write_all(b"GET /healthz HT").await.unwrap(),
            1 => s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").await.unwrap(),
            _ => {}
        }
        conns.push(s);
    }
    let results = futures_util::future::join_all(conns.iter_mut().map(closed_by_server)).await;
    let open = results.iter().filter(|(closed, _)| !closed).count();
    assert_eq!(open, 0, "{open} of {} stalled connections were still open after {PATIENCE:?}", results.len());
    // A complete request is still answered.
    server.anonymous().get("/healthz").await.expect(200);
}

/// A connection kept alive after its answer, then silent, is closed; so is
/// one whose body stalls.
#[tokio::test]
async fn idle_and_stalled_connections_are_closed() {
    let server = TestServer::start_with(short_timeouts).await;
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await.unwrap();
    let (closed, got) = closed_by_server(&mut s).await;
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(closed, "an idle keep-alive connection stayed open");
    let token = server.admin().await.token.unwrap();
    let mut s = TcpStream::connect(addr(&server)).await.unwrap();
    let head = format!(
        "POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"subj"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let (closed, got) = closed_by_server(&mut s).await;
    assert!(closed, "a connection whose body stalled stayed open ({got})");
}

/// Server-sent event streams send keep-alives and outlive the idle
/// timeout: the API's stream and the agent console's.
#[tokio::test]
async fn event_streams_outlive_the_idle_timeout() {
    // An idle timeout of 1 s: keep-alives every 250 ms.
    let w = World::with(|c| {
        c.header_read_timeout_ms = 1_000;
        c.idle_timeout_ms = 1_000;
    })
    .await;
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    let mut api_stream = w.ayse.request(reqwest::Method::GET, "/events/stream").send().await.unwrap();
    assert_eq!(api_stream.status(), 200);
    let mut b = Browser::new(&w.server);
    b.sign_in("ayse@example.com", PW).await;
    let cookie = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let mut live = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{}/agent/live", w.server.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    // Three idle timeouts pass; both streams keep receiving.
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    while tokio::time::Instant::now() < until {
        for (name, s) in [("api", &mut api_stream), ("live", &mut live)] {
            let chunk = tokio::time::timeout(Duration::from_secs(5), s.chunk()).await;
            assert!(matches!(chunk, Ok(Ok(Some(_)))), "{name}: the stream ended or went silent: {chunk:?}");
        }
    }
    // And an event still arrives on the API's stream.
    let ticket = w.open(&w.erin, w.billing, "After the wait").await;
    let want = format!("\"ticket_id\":{ticket}");
    let mut seen = String::new();
    tokio::time::timeout(PATIENCE, async {
        while !seen.contains(&want) {
            let c = api_stream.chunk().await.expect("stream").expect("open");
            seen.push_str(&String::from_utf8_lossy(&c));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no event for the new ticket; got {seen}"));
}
