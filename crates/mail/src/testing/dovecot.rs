//! A real Dovecot IMAP server per test, on a free loopback port, with a
//! throw-away configuration and mail folder; stopped when dropped.
//!
//! Needs Debian's `dovecot-imapd` (the `dovecot` binary in /usr/sbin). A
//! test that cannot find it fails with an explanation; it never skips.
//!
//! As a normal user Dovecot runs entirely as that user and its primary
//! group (`default_internal_group` too: the packaged default, `dovecot`,
//! makes the master chown its sockets to that group and fail with EPERM).
//! As root (CI) it drops privileges like a packaged install: Debian's
//! `dovecot` user and group for its internal processes, `dovenull` for the
//! login process, and mail stored as `nobody`, with the temp dir opened to
//! 0755 and the mail home chowned to it. Tried on Dovecot 2.3.19: a root
//! login user stops imap-login ("This process must not be run as root") and
//! a mail UID of 0 fails every login ("userdb returned 0 as uid").
//! Verified both ways: as root, and with the test binary run through
//! `runuser -u nobody`.
//!
//! Also needs `doveadm` (same package, for `kick`) and, for the TLS test,
//! the `openssl` command.
//!
//! Users: `alice` / `secret` (password), and `carol`, who logs in only with
//! an OAuth2 token that the test's own introspection endpoint (an axum
//! server on loopback, [`OAuthServer`]) vouches for.
//!
//! Customers: any other name logs in with [`CUSTOMER_PASSWORD`], and
//! `<name>@customer.test` (any local part, [`CUSTOMER_DOMAIN`]) receives
//! mail over LMTP on [`Dovecot::lmtp_port`], delivered to the INBOX that
//! `<name>` reads over IMAP. This is the mailbox an outbound test reads
//! what a customer would receive from (Postfix relays `customer.test`
//! there, see [`super::postfix`]). LMTP needs Debian's `dovecot-lmtpd`.
//! Postfix can authenticate SMTP clients against these users through
//! [`Dovecot::auth_socket`].

use std::collections::HashMap;
use std::net::TcpListener as StdListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::imap::{Auth, MailboxConfig};
use async_imap::{Client, Session};
use futures_util::TryStreamExt as _;
use tokio::net::TcpStream;

/// The password user.
pub const USER: &str = "alice";
/// Its password.
pub const PASSWORD: &str = "secret";
/// The OAuth2-only user.
pub const OAUTH_USER: &str = "carol";
/// The domain whose every address is a mailbox here, reached over LMTP:
/// the customers an outbound test writes to.
pub const CUSTOMER_DOMAIN: &str = "customer.test";
/// The one password of every user but [`USER`] and [`OAUTH_USER`] (the
/// customers of [`CUSTOMER_DOMAIN`], logging in by local part), so a test
/// can read any customer's mail without creating them first.
pub const CUSTOMER_PASSWORD: &str = "customer-secret";

/// A running Dovecot; killed on drop.
pub struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    /// The IMAP port on 127.0.0.1.
    pub port: u16,
    /// The LMTP port on 127.0.0.1, where mail for any address of
    /// [`CUSTOMER_DOMAIN`] is delivered (Postfix relays there).
    pub lmtp_port: u16,
    /// The OAuth2 introspection endpoint Dovecot asks about tokens.
    pub oauth: OAuthServer,
    /// With [`Options::tls`]: the implicit-TLS port and the test CA (PEM)
    /// that signed the server's certificate (for 127.0.0.1 only).
    pub tls: Option<(u16, String)>,
}

/// Extra settings for a test that needs a different server.
#[derive(Default)]
pub struct Options {
    /// Appended to dovecot.conf, e.g. an `imap_capability` override.
    pub extra_config: &'static str,
    /// Serve TLS (imaps port and STARTTLS) with a certificate from a
    /// throw-away CA, made with the `openssl` command.
    pub tls: bool,
}

/// Makes a CA and a server certificate for IP 127.0.0.1 signed by it in
/// `dir`; returns the CA's PEM.
fn make_certificates(dir: &Path) -> String {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("run openssl (Debian package openssl): {e}"));
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Tessera test CA"],
    ]
    .concat());
    run(&[&["req"][..], &ec, &["-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=127.0.0.1"]].concat());
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n",
    )
    .expect("leaf.ext");
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
    std::fs::read_to_string(dir.join("ca.pem")).expect("ca.pem")
}

fn dovecot_binary() -> PathBuf {
    let candidates: Vec<PathBuf> = match std::env::var_os("DOVECOT") {
        Some(p) => vec![p.into()],
        None => vec!["/usr/sbin/dovecot".into(), "/usr/local/sbin/dovecot".into()],
    };
    if let Some(found) = candidates.into_iter().find(|c| Path::new(c).is_file()) {
        return found;
    }
    panic!(
        "Dovecot is not installed: these tests need a real IMAP server. \
         Install it with `apt-get install -y dovecot-imapd` (or set DOVECOT=/path/to/dovecot)."
    );
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().expect("local address").port()
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("run {cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl Dovecot {
    /// Starts Dovecot with the standard test configuration.
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// Starts Dovecot with `options`.
    pub async fn start_with(options: Options) -> Self {
        let binary = dovecot_binary();
        let oauth = OAuthServer::start().await;
        let dir = tempfile::Builder::new().prefix("tessera-dovecot-").tempdir().expect("temp dir");
        let t = dir.path();
        let meta = std::fs::metadata(t).expect("temp dir metadata");
        let as_root = meta.uid() == 0;
        let (internal_user, internal_group, login_user, mail_uid, mail_gid) = if as_root {
            // Dovecot will not touch mail as root; store it as nobody, and
            // let the mail processes reach their home through the temp dir.
            let uid: u32 = command_output("id", &["-u", "nobody"]).parse().expect("uid");
            let gid: u32 = command_output("id", &["-g", "nobody"]).parse().expect("gid");
            std::fs::set_permissions(t, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
            ("dovecot".to_owned(), "dovecot".to_owned(), "dovenull".to_owned(), uid, gid)
        } else {
            // Everything runs as the current user and group (the packaged
            // default group, `dovecot`, would need a chown we may not do).
            let name = command_output("id", &["-un"]);
            let group = command_output("id", &["-gn"]);
            (name.clone(), group, name, meta.uid(), meta.gid())
        };
        for sub in ["run", "state", "home"] {
            std::fs::create_dir(t.join(sub)).expect("mkdir");
        }
        if as_root {
            std::os::unix::fs::chown(t.join("home"), Some(mail_uid), Some(mail_gid)).expect("chown home");
        }
        std::fs::write(t.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n")).expect("passwd");
        std::fs::write(
            t.join("oauth2.conf"),
            format!(
                "introspection_mode = post\n\
                 introspection_url = http://127.0.0.1:{}/introspect\n\
                 username_attribute = username\n\
                 active_attribute = active\n\
                 active_value = true\n\
                 force_introspection = yes\n",
                oauth.port
            ),
        )
        .expect("oauth2.conf");
        let port = free_port();
        let lmtp_port = free_port();
        if std::env::var_os("DOVECOT").is_none() && !Path::new("/usr/lib/dovecot/lmtp").exists() {
            panic!(
                "Dovecot's LMTP server is not installed: apt-get install -y dovecot-lmtpd \
                 (.ci/run installs it)"
            );
        }
        let tls = options.tls.then(|| (free_port(), make_certificates(t)));
        let ssl = match &tls {
            None => "ssl = no\n".to_owned(),
            Some(_) => format!("ssl = yes\nssl_cert = <{0}/cert.pem\nssl_key = <{0}/key.pem\n", t.display()),
        };
        let imaps_port = tls.as_ref().map_or(0, |(p, _)| *p);
        let d = t.display();
        let config = format!(
            "base_dir = {d}/run\n\
             state_dir = {d}/state\n\
             log_path = {d}/dovecot.log\n\
             protocols = imap lmtp\n\
             listen = 127.0.0.1\n\
             default_internal_user = {internal_user}\n\
             default_internal_group = {internal_group}\n\
             default_login_user = {login_user}\n\
             first_valid_uid = 1\n\
             auth_failure_delay = 0\n\
             service anvil {{\n  chroot =\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}\n  }}\n}}\n\
             service stats {{\n  chroot =\n}}\n\
             service lmtp {{\n  inet_listener lmtp {{\n    address = 127.0.0.1\n    port = {lmtp_port}\n  }}\n}}\n\
             service auth {{\n  unix_listener auth-postfix {{\n    mode = 0666\n  }}\n}}\n\
             protocol lmtp {{\n  auth_username_format = %Ln\n}}\n\
             {ssl}\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login xoauth2 oauthbearer\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {d}/oauth2.conf\n}}\n\
             passdb {{\n  driver = static\n  args = password={CUSTOMER_PASSWORD}\n  username_filter = !{USER} !{OAUTH_USER}\n}}\n\
             userdb {{\n  driver = static\n  args = uid={mail_uid} gid={mail_gid} home={d}/home/%n allow_all_users=yes\n}}\n\
             mail_location = maildir:~/Maildir\n\
             {}\n",
            options.extra_config
        );
        std::fs::write(t.join("dovecot.conf"), config).expect("dovecot.conf");
        let child = Command::new(&binary)
            .arg("-F")
            .arg("-c")
            .arg(t.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut dovecot = Self { child, dir, port, lmtp_port, oauth, tls };
        dovecot.wait_ready().await;
        dovecot
    }

    async fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut stderr = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut stderr);
                }
                panic!("Dovecot exited at start ({status}):\n{stderr}\n{}", self.log());
            }
            if let Ok(Ok(stream)) =
                tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(("127.0.0.1", self.port))).await
            {
                let mut client = Client::new(stream);
                if let Ok(Ok(Some(_greeting))) =
                    tokio::time::timeout(Duration::from_secs(2), client.read_response()).await
                {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "Dovecot did not answer on 127.0.0.1:{} within 15 s\n{}",
                self.port,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Dovecot's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// The socket Postfix's smtpd asks to authenticate SMTP clients
    /// (`smtpd_sasl_type = dovecot`): the same users and passwords as IMAP.
    pub fn auth_socket(&self) -> PathBuf {
        self.dir.path().join("run/auth-postfix")
    }

    /// `imap://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("imap://127.0.0.1:{}", self.port)
    }

    /// A client configuration for the password user, with short timeouts.
    pub fn config(&self) -> MailboxConfig {
        let mut c = MailboxConfig::new(self.url(), USER, Auth::Password(PASSWORD.into()));
        c.op_timeout = Duration::from_secs(10);
        c
    }

    /// A raw IMAP session of the password user: the "other client" that
    /// appends mail, reads it or reorganises folders behind our back.
    pub async fn session(&self) -> Session<TcpStream> {
        self.session_as(USER, PASSWORD).await
    }

    /// A raw IMAP session of `user`.
    pub async fn session_as(&self, user: &str, password: &str) -> Session<TcpStream> {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).await.expect("connect");
        let mut client = Client::new(stream);
        client.read_response().await.expect("greeting").expect("greeting");
        client.login(user, password).await.map_err(|(e, _)| e).expect("login")
    }

    /// Runs `doveadm` against this server (e.g. `kick alice`).
    pub fn doveadm(&self, args: &[&str]) {
        let conf = self.dir.path().join("dovecot.conf");
        let out = Command::new("doveadm")
            .arg("-c")
            .arg(&conf)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("run doveadm (part of dovecot-core): {e}"));
        assert!(out.status.success(), "doveadm {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Appends `raw` to `folder` of the password user.
    pub async fn append(&self, folder: &str, raw: &[u8]) {
        let mut s = self.session().await;
        s.append(folder, None, None, raw).await.expect("append");
        s.logout().await.expect("logout");
    }

    /// Delivers `raw` to the INBOX of `user` (the OAuth2 user has no
    /// password to append with), with `doveadm save`.
    pub fn deliver(&self, user: &str, raw: &[u8]) {
        use std::io::Write as _;
        let conf = self.dir.path().join("dovecot.conf");
        let mut child = Command::new("doveadm")
            .arg("-c")
            .arg(&conf)
            .args(["save", "-u", user])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run doveadm (part of dovecot-core): {e}"));
        child.stdin.take().expect("stdin").write_all(raw).expect("write the message");
        let out = child.wait_with_output().expect("doveadm save");
        assert!(out.status.success(), "doveadm save: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Creates `folder` for the password user.
    pub async fn create(&self, folder: &str) {
        let mut s = self.session().await;
        s.create(folder).await.expect("create");
        s.logout().await.expect("logout");
    }

    /// Reads every message of `folder` as a mail program would, so they
    /// are all `\Seen`.
    pub async fn read_all(&self, folder: &str) {
        let mut s = self.session().await;
        s.select(folder).await.expect("select");
        let _: Vec<_> = s.fetch("1:*", "BODY[]").await.expect("fetch").try_collect().await.expect("fetch");
        s.logout().await.expect("logout");
    }

    /// Deletes and creates `folder` again: its UIDVALIDITY changes (an
    /// admin restoring a folder, a server rebuilding its index).
    pub async fn recreate(&self, folder: &str) {
        let mut s = self.session().await;
        s.delete(folder).await.expect("delete");
        s.create(folder).await.expect("create");
        s.logout().await.expect("logout");
    }

    /// Every message in `user`'s INBOX now, as raw bytes in arrival order
    /// (read with `BODY.PEEK[]`, so they stay unseen): what the customer
    /// received, headers and all. [`USER`] logs in with [`PASSWORD`],
    /// anyone else with [`CUSTOMER_PASSWORD`].
    pub async fn inbox(&self, user: &str) -> Vec<Vec<u8>> {
        let password = if user == USER { PASSWORD } else { CUSTOMER_PASSWORD };
        let mut s = self.session_as(user, password).await;
        let m = s.examine("INBOX").await.expect("examine INBOX");
        let mut raw = Vec::new();
        if m.exists > 0 {
            let fetches: Vec<_> =
                s.fetch("1:*", "BODY.PEEK[]").await.expect("fetch").try_collect().await.expect("fetch");
            let mut numbered: Vec<_> =
                fetches.iter().map(|f| (f.message, f.body().unwrap_or_default().to_vec())).collect();
            numbered.sort_by_key(|(n, _)| *n);
            raw = numbered.into_iter().map(|(_, body)| body).collect();
        }
        s.logout().await.expect("logout");
        raw
    }

    /// [`Dovecot::inbox`] once it holds at least `at_least` messages,
    /// asking every 100 ms for up to `within`: mail relayed through Postfix
    /// arrives a moment after it was accepted. Panics on timeout with
    /// Dovecot's log and `other_log()` (pass Postfix's log, or `String::new`).
    pub async fn wait_for_inbox(
        &self,
        user: &str,
        at_least: usize,
        within: Duration,
        other_log: impl Fn() -> String,
    ) -> Vec<Vec<u8>> {
        let started = Instant::now();
        loop {
            let raw = self.inbox(user).await;
            if raw.len() >= at_least {
                return raw;
            }
            assert!(
                started.elapsed() < within,
                "{user}'s INBOX holds {} message(s), not {at_least}, after {within:?}\n\
                 --- Dovecot's log ---\n{}\n--- other log ---\n{}",
                raw.len(),
                self.log(),
                other_log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many messages `folder` holds now.
    pub async fn count(&self, folder: &str) -> u32 {
        let mut s = self.session().await;
        let m = s.examine(folder).await.expect("examine");
        s.logout().await.expect("logout");
        m.exists
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its children; SIGKILL if it lingers.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).stderr(Stdio::null()).status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test message with a unique subject.
pub fn message(n: u32) -> Vec<u8> {
    format!(
        "From: Customer {n} <c{n}@example.test>\r\n\
         To: support@example.test\r\n\
         Subject: Help {n}\r\n\
         Message-ID: <m{n}@example.test>\r\n\
         Date: Mon, 07 Dec 2026 10:00:00 +0000\r\n\
         \r\n\
         Body of message {n}.\r\n"
    )
    .into_bytes()
}

/// The client id the test provider knows ([`OAuthServer`]'s token and
/// authorize endpoints).
pub const CLIENT_ID: &str = "tessera-test-client";
/// Its client secret.
pub const CLIENT_SECRET: &str = "test-client-secret-Qx81";

/// An OAuth2 provider of the test's own on loopback: the token
/// introspection endpoint Dovecot asks (RFC 7662, POST `token=…`), a token
/// endpoint (`/token`: refresh tokens and authorisation codes with PKCE
/// S256, issuing access tokens valid for [`OAUTH_USER`]) and an authorize
/// endpoint (`/authorize`, which consents at once and redirects back with a
/// code). Tests grant and revoke tokens and see every token request.
#[derive(Clone)]
pub struct OAuthServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    tokens: Arc<Mutex<HashMap<String, String>>>,
    /// How many introspection requests arrived.
    pub requests: Arc<Mutex<u32>>,
    provider: Arc<Mutex<Provider>>,
}

/// The token endpoint's state.
#[derive(Default)]
struct Provider {
    /// Refresh tokens it accepts.
    refresh_tokens: std::collections::HashSet<String>,
    /// Codes not yet exchanged: (PKCE challenge, redirect URI).
    codes: HashMap<String, (String, String)>,
    /// Every token request: `grant_type` and the refresh token or code.
    log: Vec<(String, String)>,
    /// Issue a new refresh token at each refresh (the old one stops working).
    rotate: bool,
    /// The lifetime of access tokens, in seconds.
    lifetime: i64,
    /// Answer every token request with this status (a broken provider).
    fail_with: Option<u16>,
    /// Issue access tokens the introspection endpoint does not know (a
    /// token for the wrong account or without the IMAP scope).
    unusable: bool,
    issued: u32,
}

/// `application/x-www-form-urlencoded` pairs, decoded.
fn form_pairs(body: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(v) => {
                            out.push(v);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn json_answer(status: u16, body: String) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let status = axum::http::StatusCode::from_u16(status).expect("status");
    (status, [("content-type", "application/json")], body).into_response()
}

impl OAuthServer {
    async fn start() -> Self {
        use axum::routing::post;
        let tokens: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let requests: Arc<Mutex<u32>> = Arc::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (t, r) = (tokens.clone(), requests.clone());
        let provider = Arc::new(Mutex::new(Provider { lifetime: 3600, ..Provider::default() }));
        let (pt, tt) = (provider.clone(), tokens.clone());
        let pa = provider.clone();
        let app = axum::Router::new()
            .route(
                "/token",
                post(move |body: String| {
                    let (p, t) = (pt.clone(), tt.clone());
                    async move { token_endpoint(&p, &t, &body) }
                }),
            )
            .route(
                "/authorize",
                axum::routing::get(move |q: axum::extract::Query<HashMap<String, String>>| {
                    let p = pa.clone();
                    async move { authorize_endpoint(&p, &q.0) }
                }),
            )
            .route(
                "/introspect",
                post(move |body: String| {
                    let (t, r) = (t.clone(), r.clone());
                    async move {
                        *r.lock().unwrap() += 1;
                        let token =
                            body.split('&').find_map(|kv| kv.strip_prefix("token=")).unwrap_or_default().to_owned();
                        let user = t.lock().unwrap().get(&token).cloned();
                        let json = match user {
                            Some(u) => format!(r#"{{"active":"true","username":"{u}"}}"#),
                            None => r#"{"active":"false"}"#.to_owned(),
                        };
                        ([("content-type", "application/json")], json)
                    }
                }),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { port, tokens, requests, provider }
    }

    /// Its token endpoint's URL.
    pub fn token_url(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }

    /// Its authorize endpoint's URL.
    pub fn authorize_url(&self) -> String {
        format!("http://127.0.0.1:{}/authorize", self.port)
    }

    /// Makes `refresh_token` one the token endpoint accepts.
    pub fn accept_refresh_token(&self, refresh_token: &str) {
        self.provider.lock().unwrap().refresh_tokens.insert(refresh_token.into());
    }

    /// Stops accepting every refresh token (the user revoked the app).
    pub fn revoke_refresh_tokens(&self) {
        self.provider.lock().unwrap().refresh_tokens.clear();
    }

    /// Issues a new refresh token at each refresh; the old one stops working.
    pub fn rotate_refresh_tokens(&self, rotate: bool) {
        self.provider.lock().unwrap().rotate = rotate;
    }

    /// The lifetime of the access tokens it issues from now on.
    pub fn token_lifetime(&self, seconds: i64) {
        self.provider.lock().unwrap().lifetime = seconds;
    }

    /// Answers every token request with `status` (None: works again).
    pub fn fail_token_requests(&self, status: Option<u16>) {
        self.provider.lock().unwrap().fail_with = status;
    }

    /// Issues access tokens Dovecot will refuse (`true`), or good ones.
    pub fn issue_unusable_tokens(&self, unusable: bool) {
        self.provider.lock().unwrap().unusable = unusable;
    }

    /// Every token request so far: (`grant_type`, the refresh token or code).
    pub fn token_requests(&self) -> Vec<(String, String)> {
        self.provider.lock().unwrap().log.clone()
    }

    /// Makes `token` valid for `user`.
    pub fn grant(&self, token: &str, user: &str) {
        self.tokens.lock().unwrap().insert(token.into(), user.into());
    }

    /// Makes `token` invalid (expired or revoked).
    pub fn revoke(&self, token: &str) {
        self.tokens.lock().unwrap().remove(token);
    }
}

/// `/token`: a refresh token or an authorisation code (with its PKCE
/// verifier and redirect URI) for an access token for [`OAUTH_USER`].
fn token_endpoint(
    provider: &Mutex<Provider>,
    tokens: &Mutex<HashMap<String, String>>,
    body: &str,
) -> axum::response::Response {
    use base64::Engine as _;
    use sha2::Digest as _;
    let f = form_pairs(body);
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let mut p = provider.lock().unwrap();
    let grant = get("grant_type");
    let subject = if grant == "refresh_token" { get("refresh_token") } else { get("code") };
    p.log.push((grant.clone(), subject.clone()));
    if let Some(status) = p.fail_with {
        return json_answer(status, r#"{"error":"temporarily_unavailable"}"#.into());
    }
    if get("client_id") != CLIENT_ID || get("client_secret") != CLIENT_SECRET {
        return json_answer(401, r#"{"error":"invalid_client"}"#.into());
    }
    let invalid = || json_answer(400, r#"{"error":"invalid_grant","error_description":"unknown or revoked"}"#.into());
    let new_refresh = match grant.as_str() {
        "refresh_token" => {
            if !p.refresh_tokens.contains(&subject) {
                return invalid();
            }
            if p.rotate {
                p.refresh_tokens.remove(&subject);
                true
            } else {
                false
            }
        }
        "authorization_code" => {
            let Some((challenge, redirect)) = p.codes.remove(&subject) else { return invalid() };
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(get("code_verifier").as_bytes()));
            if computed != challenge || redirect != get("redirect_uri") {
                return invalid();
            }
            true
        }
        _ => return json_answer(400, r#"{"error":"unsupported_grant_type"}"#.into()),
    };
    p.issued += 1;
    let n = p.issued;
    let access = format!("test-access-{n}");
    if !p.unusable {
        tokens.lock().unwrap().insert(access.clone(), OAUTH_USER.into());
    }
    let refresh = new_refresh.then(|| format!("test-refresh-{n}"));
    if let Some(r) = &refresh {
        p.refresh_tokens.insert(r.clone());
    }
    let refresh_json = refresh.map(|r| format!(r#","refresh_token":"{r}""#)).unwrap_or_default();
    json_answer(
        200,
        format!(r#"{{"access_token":"{access}","token_type":"Bearer","expires_in":{}{refresh_json}}}"#, p.lifetime),
    )
}

/// `/authorize`: consents at once for a known client asking with PKCE
/// S256, and redirects to `redirect_uri` with a code and the state.
fn authorize_endpoint(provider: &Mutex<Provider>, q: &HashMap<String, String>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("response_type") != "code"
        || get("client_id") != CLIENT_ID
        || get("code_challenge_method") != "S256"
        || get("code_challenge").is_empty()
        || get("redirect_uri").is_empty()
    {
        return (axum::http::StatusCode::BAD_REQUEST, "bad authorisation request").into_response();
    }
    let mut p = provider.lock().unwrap();
    p.issued += 1;
    let code = format!("test-code-{}", p.issued);
    p.codes.insert(code.clone(), (get("code_challenge"), get("redirect_uri")));
    let state: String = get("state")
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    let location = format!("{}?code={code}&state={state}", get("redirect_uri"));
    (axum::http::StatusCode::FOUND, [("location", location)]).into_response()
}
