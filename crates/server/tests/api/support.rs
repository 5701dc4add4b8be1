//! Test support: a real Tessera server on an ephemeral loopback port with a
//! temporary data folder, and a small HTTP client for its API.

#![allow(dead_code)]

use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use std::future::Future;
use std::path::Path;
use tempfile::TempDir;
use tessera_server::Config;
use tessera_server::state::AppState;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which database the test servers use: SQLite in the data folder (the
/// default), or with `TESSERA_TEST_BACKEND=postgres` a new PostgreSQL
/// database of each server's own in the cluster `TESSERA_TEST_POSTGRES`
/// names (scripts/test starts one). The database's URL is remembered in the
/// data folder, so a restarted server finds its data again.
pub async fn choose_database(dir: &Path, config: &mut Config) {
    match std::env::var("TESSERA_TEST_BACKEND").as_deref() {
        Ok("postgres") => {
            let marker = dir.join("test-database-url");
            let url = match std::fs::read_to_string(&marker) {
                Ok(url) => url,
                Err(_) => {
                    let db = tessera_store_postgres::testing::TempDatabase::create().await;
                    std::fs::write(&marker, db.url()).expect("remember the test database");
                    db.url().to_string()
                }
            };
            config.database = tessera_server::config::DatabaseUrl::Postgres(url);
        }
        Ok("sqlite") | Err(_) => {}
        Ok(other) => panic!("TESSERA_TEST_BACKEND={other}: say sqlite or postgres"),
    }
}

/// Everything the server's database holds, as bytes to search: the SQLite
/// file and its write-ahead log, or every row of every PostgreSQL table as
/// text. For checking that something (a secret) was never stored.
pub async fn stored_bytes(server: &TestServer) -> Vec<Vec<u8>> {
    match std::fs::read_to_string(server.path().join("test-database-url")) {
        Ok(url) => {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("connect");
            tokio::spawn(conn);
            let tables = client
                .query("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()", &[])
                .await
                .expect("tables");
            let mut out = Vec::new();
            for t in tables {
                let name: String = t.get(0);
                let sql = format!("SELECT coalesce(string_agg(x::text, E'\\n'), '') FROM \"{name}\" x");
                let text: String = client.query_one(&sql, &[]).await.expect("rows").get(0);
                out.push(text.into_bytes());
            }
            out
        }
        Err(_) => vec![
            std::fs::read(server.path().join("tessera.db")).expect("the database file"),
            std::fs::read(server.path().join("tessera.db-wal")).unwrap_or_default(),
        ],
    }
}

/// A running server.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The data folder (kept for restarts).
    pub dir: TempDir,
    /// The application state.
    pub state: AppState,
    /// The store (for looking at what was stored, in assertions).
    pub store: std::sync::Arc<dyn tessera_store::Store>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on a fresh data folder.
    pub async fn start() -> Self {
        Self::start_in(TempDir::new().expect("temp dir"), |_| {}).await
    }

    /// Starts a server with configuration changes.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_in(TempDir::new().expect("temp dir"), tweak).await
    }

    /// Starts a server on an existing data folder.
    pub async fn start_in(dir: TempDir, tweak: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::load(dir.path(), &|_| None).expect("config");
        config.listen = "127.0.0.1:0".into();
        choose_database(dir.path(), &mut config).await;
        // TESSERA_TEST_LOG=error (or any filter) shows the server's log.
        if let Ok(filter) = std::env::var("TESSERA_TEST_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
        tweak(&mut config);
        let (state, store) = tessera_server::startup::state_and_store(config).await.expect("open the installation");
        tessera_server::startup::bootstrap(&state.desk, dir.path()).await.expect("bootstrap");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = oneshot::channel::<()>();
        let st = state.clone();
        let handle = tokio::spawn(async move {
            tessera_server::run(st, listener, async {
                let _ = rx.await;
            })
            .await
            .expect("server");
        });
        Self { base, dir, state, store, shutdown: Some(tx), handle: Some(handle) }
    }

    /// Stops the server and hands back its data folder.
    pub async fn stop(mut self) -> TempDir {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
        let dir = std::mem::replace(&mut self.dir, TempDir::new().expect("temp dir"));
        drop(self);
        dir
    }

    /// The data folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> Api {
        Api { base: self.base.clone(), token: None, client: client() }
    }

    /// A client for a token.
    pub fn with_token(&self, token: &str) -> Api {
        Api { base: self.base.clone(), token: Some(token.to_string()), client: client() }
    }

    /// A client for the first-start administrator.
    pub async fn admin(&self) -> Api {
        let desk = &self.state.desk;
        let user = self.store.user_by_email("admin@localhost").await.expect("store").expect("admin exists");
        let t = desk.issue_token(user.id, "tests").await.expect("token");
        self.with_token(&t.token)
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(30)).build().expect("client")
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// JSON body (`Null` when empty or not JSON).
    pub body: Value,
    /// Raw body.
    pub bytes: Vec<u8>,
}

impl Resp {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The field of an error answer.
    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.body);
        self
    }

    /// The `id` of the body.
    pub fn id(&self) -> i64 {
        self.body["id"].as_i64().unwrap_or_else(|| panic!("no id in {}", self.body))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }
}

/// A client of the API.
#[derive(Clone)]
pub struct Api {
    /// Server base URL.
    pub base: String,
    /// Bearer token.
    pub token: Option<String>,
    /// HTTP client.
    pub client: reqwest::Client,
}

impl Api {
    /// A request builder for `method` and an `/api/v1` path.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with('/')
            && !path.starts_with("/api/")
            && !path.starts_with("/healthz")
            && !path.starts_with("/readyz")
            && !path.starts_with("/metrics")
        {
            format!("{}/api/v1{path}", self.base)
        } else {
            format!("{}{path}", self.base)
        };
        let rb = self.client.request(method, url);
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Sends a request and reads the answer.
    pub async fn send(rb: reqwest::RequestBuilder) -> Resp {
        let r = rb.send().await.expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.expect("body").to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp { status, headers, body, bytes }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Resp {
        Self::send(self.request(reqwest::Method::GET, path)).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        Self::send(self.request(reqwest::Method::POST, path).json(&body)).await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str) -> Resp {
        Self::send(self.request(reqwest::Method::POST, path)).await
    }

    /// PATCH with a JSON body.
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        Self::send(self.request(reqwest::Method::PATCH, path).json(&body)).await
    }

    /// PUT with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        Self::send(self.request(reqwest::Method::PUT, path).json(&body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Resp {
        Self::send(self.request(reqwest::Method::DELETE, path)).await
    }

    /// POST of raw bytes with a content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        Self::send(self.request(reqwest::Method::POST, path).header("content-type", content_type).body(body)).await
    }

    /// PATCH of raw bytes with a content type.
    pub async fn patch_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Resp {
        Self::send(self.request(reqwest::Method::PATCH, path).header("content-type", content_type).body(body)).await
    }

    /// Uploads files; answers their ids.
    pub async fn upload(&self, files: &[(&str, &[u8])]) -> Resp {
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in files {
            form = form.part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()));
        }
        Self::send(self.request(reqwest::Method::POST, "/attachments").multipart(form)).await
    }

    /// Creates a user (as an admin or agent) and a token for them; answers
    /// the user's id and a client acting as them.
    pub async fn make_user(&self, server: &TestServer, role: &str, email: &str, name: &str) -> (i64, Api) {
        let id = self.post("/users", json!({"email": email, "name": name, "role": role})).await.expect(201).id();
        let user = server.store.user(tessera_core::UserId(id)).await.expect("store").expect("user");
        let t = server.state.desk.issue_token(user.id, "tests").await.expect("token");
        (id, server.with_token(&t.token))
    }
}

/// Switches every compat dialect on (`[compat] enable`).
pub fn all_compat(c: &mut Config) {
    c.compat.enabled = tessera_compat::Dialect::ALL.into_iter().collect();
}

/// A small world most tests start from.
///
/// - departments: `billing` (agent `ayse`), `tech` (agent `boris`);
/// - organization `acme` with customers `carol` (sees all) and `dave`;
/// - customer `erin` outside any organization.
pub struct World {
    /// The server.
    pub server: TestServer,
    /// The administrator.
    pub admin: Api,
    /// Billing department id.
    pub billing: i64,
    /// Tech department id.
    pub tech: i64,
    /// Agent in billing.
    pub ayse: Api,
    /// Ayşe's id.
    pub ayse_id: i64,
    /// Agent in tech.
    pub boris: Api,
    /// Boris's id.
    pub boris_id: i64,
    /// Acme's id.
    pub acme: i64,
    /// Customer of acme who sees all its tickets.
    pub carol: Api,
    /// Carol's id.
    pub carol_id: i64,
    /// Customer of acme.
    pub dave: Api,
    /// Dave's id.
    pub dave_id: i64,
    /// Customer without organization.
    pub erin: Api,
    /// Erin's id.
    pub erin_id: i64,
}

impl World {
    /// Builds the world on a fresh server.
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// Builds the world on a fresh server with configuration changes.
    pub async fn with(tweak: impl FnOnce(&mut Config)) -> Self {
        let server = TestServer::start_with(tweak).await;
        let admin = server.admin().await;
        let (ayse_id, ayse) = admin.make_user(&server, "agent", "ayse@example.com", "Ayşe Yılmaz").await;
        let (boris_id, boris) = admin.make_user(&server, "agent", "boris@example.com", "Борис Иванов").await;
        let billing =
            admin.post("/departments", json!({"name": "Billing", "member_ids": [ayse_id]})).await.expect(201).id();
        let tech = admin.post("/departments", json!({"name": "Tech", "member_ids": [boris_id]})).await.expect(201).id();
        let acme = admin.post("/organizations", json!({"name": "Acme"})).await.expect(201).id();
        let (carol_id, carol) = admin.make_user(&server, "customer", "carol@acme.example", "Carol").await;
        let (dave_id, dave) = admin.make_user(&server, "customer", "dave@acme.example", "Dave").await;
        let (erin_id, erin) = admin.make_user(&server, "customer", "erin@example.org", "Erin").await;
        admin
            .patch(&format!("/users/{carol_id}"), json!({"organization_id": acme, "sees_all": true}))
            .await
            .expect(200);
        admin.patch(&format!("/users/{dave_id}"), json!({"organization_id": acme})).await.expect(200);
        Self {
            server,
            admin,
            billing,
            tech,
            ayse,
            ayse_id,
            boris,
            boris_id,
            acme,
            carol,
            carol_id,
            dave,
            dave_id,
            erin,
            erin_id,
        }
    }

    /// Opens a ticket as `who` in `department`; answers its id.
    pub async fn open(&self, who: &Api, department: i64, subject: &str) -> i64 {
        who.post(
            "/tickets",
            json!({"subject": subject, "department_id": department, "body": format!("{subject}: details")}),
        )
        .await
        .expect(201)
        .id()
    }

    /// Event kinds of a ticket, in order (read as the admin).
    pub async fn event_kinds(&self, ticket: i64) -> Vec<String> {
        let r = self.admin.get(&format!("/tickets/{ticket}/events")).await.expect(200);
        r.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["kind"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// Number of tickets in the database (deleted ones included).
    pub async fn ticket_rows(&self) -> usize {
        let q = tessera_store::TicketQuery {
            scope: tessera_core::TicketScope::All,
            filter: Default::default(),
            sort: Default::default(),
            after: None,
            offset: 0,
            limit: 1000,
        };
        self.server.store.count_tickets(&q).await.expect("count") as usize
    }
}

/// A browser-like client of the web UI: keeps cookies, does not follow
/// redirects, reads forms' hidden fields.
pub struct Browser {
    /// Server base URL.
    pub base: String,
    /// Cookies by name.
    pub cookies: std::collections::BTreeMap<String, String>,
    client: reqwest::Client,
}

/// A page answer.
#[derive(Debug)]
pub struct Page {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub text: String,
}

impl Page {
    /// Where a redirect goes.
    pub fn location(&self) -> Option<String> {
        self.headers.get("location").and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    /// The value of the first hidden input named `name`.
    pub fn hidden(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let at = self.text.find(&marker)? + marker.len();
        Some(self.text[at..].split('"').next()?.to_string())
    }
}

impl Browser {
    /// A fresh browser for a server.
    pub fn new(server: &TestServer) -> Self {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client");
        Self { base: server.base.clone(), cookies: Default::default(), client }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn send(&mut self, rb: reqwest::RequestBuilder) -> Page {
        let rb = if self.cookies.is_empty() { rb } else { rb.header("cookie", self.cookie_header()) };
        let r = rb.send().await.expect("request");
        for c in r.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap_or("");
            let kv = c.split(';').next().unwrap_or("");
            if let Some((k, v)) = kv.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        Page { status, headers, text }
    }

    /// GET a page.
    pub async fn get(&mut self, path: &str) -> Page {
        let rb = self.client.get(format!("{}{path}", self.base));
        self.send(rb).await
    }

    /// GET with extra headers.
    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut rb = self.client.get(format!("{}{path}", self.base));
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        self.send(rb).await
    }

    /// POST a form.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let rb = self.client.post(format!("{}{path}", self.base)).form(fields);
        self.send(rb).await
    }

    /// POST a form with extra headers.
    pub async fn post_with(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let mut rb = self.client.post(format!("{}{path}", self.base)).form(fields);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        self.send(rb).await
    }

    /// POST a multipart form with files.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (field, name, bytes) in files {
            form = form
                .part(field.to_string(), reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()));
        }
        let rb = self.client.post(format!("{}{path}", self.base)).multipart(form);
        self.send(rb).await
    }

    /// Signs in through the form; answers the redirect target.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/sign-in").await;
        let pre = form.hidden("_pre").expect("the sign-in form has a pre-session token");
        self.post("/sign-in", &[("_pre", &pre), ("next", "/"), ("email", email), ("password", password)]).await
    }

    /// The CSRF token of a signed-in page.
    pub async fn csrf(&mut self, path: &str) -> String {
        let p = self.get(path).await;
        p.hidden("_csrf").unwrap_or_else(|| panic!("no CSRF token on {path}: {}", p.status))
    }
}

/// Lets hooks call the loopback receivers of tests, and retries quickly.
pub fn loopback_hooks(c: &mut Config) {
    c.hooks.allow_internal_targets = true;
    c.hooks.retry_base_ms = 100;
    c.hooks.retry_cap_ms = 400;
    c.hooks.timeout_ms = 2_000;
}

/// One request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    /// The path.
    pub path: String,
    /// Headers (lower-case names).
    pub headers: std::collections::HashMap<String, String>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The body as JSON (`Null` if it is not).
    pub json: Value,
    /// The status it was answered with.
    pub answered: u16,
}

impl Received {
    /// A header.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    /// Whether the Tessera signature verifies with `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let ts: i64 = self.header("tessera-timestamp").parse().unwrap_or(0);
        tessera_hooks::sign::verify(secret, ts, &self.body, self.header("tessera-signature"))
    }
}

/// How a [`Receiver`] answers one request.
#[derive(Clone, Default)]
pub struct Reply {
    /// Status (200 when 0).
    pub status: u16,
    /// Body.
    pub body: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Wait this long first.
    pub delay: Option<std::time::Duration>,
    /// Wait for this to be notified first.
    pub hold: Option<std::sync::Arc<tokio::sync::Notify>>,
}

impl Reply {
    /// An answer with a status and a body.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Self { status, body: body.into(), ..Self::default() }
    }
}

type Respond = dyn Fn(&Received, usize) -> Reply + Send + Sync;

/// An HTTP receiver on loopback that records what it gets (webhook, hook
/// and panel requests) and answers as the test says: `respond(request, n)`
/// where `n` counts earlier requests to the same path.
pub struct Receiver {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    respond: std::sync::Arc<std::sync::Mutex<std::sync::Arc<Respond>>>,
    handle: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl Receiver {
    /// A receiver answering 200 `{}` to everything.
    pub async fn start() -> Self {
        Self::answering(|_, _| Reply::new(200, "{}")).await
    }

    /// A receiver answering with `respond`.
    pub async fn answering(respond: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Self {
        use std::sync::{Arc, Mutex};
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let respond: Arc<Mutex<Arc<Respond>>> = Arc::new(Mutex::new(Arc::new(respond)));
        let (l, r) = (Arc::clone(&log), Arc::clone(&respond));
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let (log, respond) = (Arc::clone(&l), Arc::clone(&r));
            async move {
                let (parts, body) = req.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20).await.map(|b| b.to_vec()).unwrap_or_default();
                let headers = parts
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                let mut got = Received {
                    path: parts.uri.path().to_string(),
                    headers,
                    json: serde_json::from_slice(&body).unwrap_or(Value::Null),
                    body,
                    answered: 0,
                };
                let n = log.lock().unwrap().iter().filter(|x| x.path == got.path).count();
                let f = Arc::clone(&respond.lock().unwrap());
                let reply = f(&got, n);
                let status = if reply.status == 0 { 200 } else { reply.status };
                got.answered = status;
                log.lock().unwrap().push(got);
                if let Some(d) = reply.delay {
                    tokio::time::sleep(d).await;
                }
                if let Some(h) = &reply.hold {
                    h.notified().await;
                }
                let mut resp = axum::response::Response::new(axum::body::Body::from(reply.body));
                *resp.status_mut() = axum::http::StatusCode::from_u16(status).unwrap();
                resp.headers_mut().insert("content-type", "application/json".parse().unwrap());
                for (k, v) in reply.headers {
                    resp.headers_mut()
                        .insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
                }
                resp
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { base, log, respond, handle }
    }

    /// Changes how later requests are answered.
    pub fn answer(&self, respond: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) {
        *self.respond.lock().unwrap() = std::sync::Arc::new(respond);
    }

    /// A URL on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Everything received so far.
    pub fn log(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// What was received on `path`.
    pub fn on(&self, path: &str) -> Vec<Received> {
        self.log().into_iter().filter(|r| r.path == path).collect()
    }

    /// Waits (at most 20 s) until `done` holds for the requests on `path`,
    /// and answers them.
    #[track_caller]
    pub fn wait_for(&self, path: &str, done: impl Fn(&[Received]) -> bool) -> impl Future<Output = Vec<Received>> {
        let caller = std::panic::Location::caller();
        let path = path.to_string();
        let log = std::sync::Arc::clone(&self.log);
        async move {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            loop {
                let got: Vec<Received> = log.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect();
                if done(&got) {
                    return got;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "{caller}: gave up waiting on {path}; got {} requests: {:?}",
                    got.len(),
                    got.iter().map(|r| r.header("tessera-event").to_string()).collect::<Vec<_>>()
                );
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

/// Waits (at most 20 s, polling) until `check` answers `Some`.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Percent-encodes a value for a query string (searches, compat parameters).
pub fn enc(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Parses XML with Python's standard parser and turns it into JSON
/// (an element with children becomes an object, repeated children a list,
/// a leaf its text), so XML answers are checked with a standard parser.
pub fn xml_to_json(xml: &str) -> Value {
    let script = r#"
import sys, json, xml.etree.ElementTree as E
def conv(e):
    kids = list(e)
    if not kids:
        return e.text or ""
    out = {}
    for k in kids:
        v = conv(k)
        if k.tag in out:
            if not isinstance(out[k.tag], list): out[k.tag] = [out[k.tag]]
            out[k.tag].append(v)
        else:
            out[k.tag] = v
    return out
root = E.fromstring(sys.stdin.buffer.read())
print(json.dumps({root.tag: conv(root)}))
"#;
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is needed to parse XML with a standard parser");
    child.stdin.take().expect("stdin").write_all(xml.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("python3");
    assert!(out.status.success(), "XML does not parse: {}\n{xml}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json")
}

// ---- mail: the IMAP mailbox tests' shared steps (mailboxes, mailboxes_oauth) ----

/// Every mail test is bounded: the servers' start, then the mail's way in.
pub async fn bounded<F: std::future::Future<Output = ()>>(f: F) {
    tokio::time::timeout(std::time::Duration::from_secs(90), f).await.expect("the test took more than 90 seconds");
}

/// A department without an address: mail reaches it only through its
/// mailbox.
pub async fn department(admin: &Api, name: &str) -> i64 {
    admin.post("/departments", json!({"name": name, "description": "", "public": false})).await.expect(201).id()
}

/// The tickets whose subject is `subject`.
pub async fn tickets_titled(admin: &Api, subject: &str) -> Vec<Value> {
    let list = admin.get("/tickets?limit=100").await.expect(200).body;
    list["tickets"].as_array().unwrap().iter().filter(|t| t["subject"] == subject).cloned().collect()
}

/// Waits (up to 20 s) until exactly one ticket is titled `subject`, and
/// answers it.
pub async fn ticket_appears(admin: &Api, subject: &str) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let found = tickets_titled(admin, subject).await;
        assert!(found.len() <= 1, "{subject:?} became {} tickets", found.len());
        if let Some(t) = found.into_iter().next() {
            return t;
        }
        assert!(tokio::time::Instant::now() < deadline, "no ticket {subject:?} within 20 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits (up to 20 s) until the mailbox's answer satisfies `done`.
pub async fn mailbox_until(admin: &Api, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let m = admin.get(&format!("/mailboxes/{id}")).await.expect(200).body;
        if done(&m) {
            return m;
        }
        assert!(tokio::time::Instant::now() < deadline, "the mailbox did not get there: {m}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The mail taken from a server's outbound queue so far (address, plain
/// text), oldest first: what users find in their mailboxes. The tests play
/// the SMTP sender's part ([`links_to`]).
pub type Outbox = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// `[server] public_url` of the servers [`account_mail`] sets up.
pub const PUBLIC_URL: &str = "http://help.tessera.test";

/// A configuration change: `public_url` set and outgoing mail on, so reset
/// and sign-in links are queued (the outbox starts empty; [`links_to`]
/// fills it from the queue).
pub fn account_mail(_outbox: &Outbox) -> impl FnOnce(&mut Config) + use<> {
    move |c: &mut Config| {
        c.public_url = Some(PUBLIC_URL.into());
        c.mail_outbound = Some(tessera_desk::mail::outbound::OutboundSettings {
            enabled: true,
            public_url: None,
            from: Some((Some("Support".into()), "support@tessera.test".into())),
            language: "en".into(),
            acknowledgement_window: std::time::Duration::from_secs(300),
            digest_period: std::time::Duration::from_secs(3600),
        });
    }
}

/// The links mailed to `address` so far, oldest first: the queue is
/// claimed as the SMTP sender claims it (each copy then marked sent), and
/// the link read from the mail's text.
pub async fn links_to(desk: &tessera_desk::Desk, outbox: &Outbox, address: &str) -> Vec<String> {
    let claimed = desk.claim_mail(100, std::time::Duration::from_secs(300)).await.expect("the queue");
    for m in claimed {
        let sent = tessera_desk::mail::outbound::SendResult::Sent("250 ok".into());
        desk.finish_mail(&m.delivery, sent).await.expect("marked sent");
        outbox.lock().expect("the outbox").push((m.delivery.address.clone(), m.plan.text.clone()));
    }
    let mails = outbox.lock().expect("the outbox");
    mails
        .iter()
        .filter(|(to, _)| to.eq_ignore_ascii_case(address))
        .filter_map(|(_, text)| {
            let at = text.find(PUBLIC_URL)?;
            Some(text[at..].chars().take_while(|c| !c.is_whitespace()).collect())
        })
        .collect()
}

/// The token of the newest link mailed to `address` (its last path part).
pub async fn last_token(desk: &tessera_desk::Desk, outbox: &Outbox, address: &str) -> String {
    let link = links_to(desk, outbox, address).await.pop().expect("a mailed link");
    link.rsplit('/').next().expect("a token").to_string()
}

/// A link made from [`PUBLIC_URL`], on this test server instead.
pub fn on_server(server: &TestServer, link: &str) -> String {
    link.replacen(PUBLIC_URL, &server.base, 1)
}

/// An HTTP client that does not follow redirects and keeps no cookies.
pub fn browser_without_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}
