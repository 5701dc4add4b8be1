//! The sender: sends the mail the desk queued, over SMTP (lettre), and
//! reports what became of each copy.
//!
//! It runs beside the server like the IMAP poller, and only through the
//! desk: it asks the desk to turn new events into queued mail, claims due
//! deliveries (leased, so a crashed sender's are claimed again, and two
//! instances never send one copy twice at the same moment), composes each
//! with [`crate::compose`] (pure: a retry sends the same bytes), sends it
//! to its one recipient, and reports sent, deferred (4xx, no connection) or
//! failed (5xx). Connections are pooled, and up to
//! [`SenderOptions::concurrency`] copies are in flight at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tessera_desk::Desk;
use tessera_desk::mail::outbound::{MailPlan, MailToSend, SendResult};
use tessera_store::OutboundKind;

use crate::compose::{self, Kind, Mailbox, Outgoing, OutgoingAttachment, Thread};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain SMTP (`smtp://`): for a relay on the same machine or network.
    Plain,
    /// STARTTLS, required (`smtp+starttls://`, port 587 by default).
    StartTls,
    /// TLS from the first byte (`smtps://`, port 465 by default).
    Tls,
}

/// Where and how mail is sent: `[mail] smtp_url` and its keys.
#[derive(Clone)]
pub struct SmtpConfig {
    /// The server's host name (checked against its certificate).
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is secured.
    pub security: Security,
    /// User and password, when the server wants them.
    pub credentials: Option<(String, String)>,
    /// Log in with `AUTH XOAUTH2` and this mailbox's OAuth2 authorisation
    /// (its address, username or id: `[mail] smtp_oauth_mailbox`) instead
    /// of a password; the user is `credentials`' when set, else the
    /// mailbox's username. Set with [`SmtpConfig::with_oauth_mailbox`].
    pub oauth_mailbox: Option<String>,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("credentials", &self.credentials.as_ref().map(|(u, _)| (u, "<hidden>")))
            .field("oauth_mailbox", &self.oauth_mailbox)
            .finish()
    }
}

/// Why an SMTP URL cannot be used (never echoes a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpUrlError {
    /// Not a URL.
    #[error("smtp_url is not a URL")]
    NotAUrl,
    /// A scheme other than `smtp`, `smtp+starttls`, `smtps`.
    #[error("smtp_url must start with smtp://, smtp+starttls:// or smtps://")]
    Scheme,
    /// No host.
    #[error("smtp_url names no host")]
    NoHost,
    /// Both a password and an OAuth2 mailbox to log in with.
    #[error("smtp_oauth_mailbox logs in with OAuth2: remove smtp_password (and the password in smtp_url)")]
    PasswordAndOAuth,
    /// An empty `smtp_oauth_mailbox`.
    #[error("smtp_oauth_mailbox is empty: give the mailbox's address or id")]
    EmptyOAuthMailbox,
}

impl SmtpConfig {
    /// Reads `smtp://host:port` (plain), `smtp+starttls://…` or
    /// `smtps://…`, with `user:password@` (percent-encoded) or the separate
    /// keys (which win).
    pub fn parse(url: &str, user: Option<String>, password: Option<String>) -> Result<Self, SmtpUrlError> {
        let u = url::Url::parse(url.trim()).map_err(|_| SmtpUrlError::NotAUrl)?;
        let (security, default_port) = match u.scheme() {
            "smtp" => (Security::Plain, 25),
            "smtp+starttls" => (Security::StartTls, 587),
            "smtps" => (Security::Tls, 465),
            _ => return Err(SmtpUrlError::Scheme),
        };
        let host = u.host_str().filter(|h| !h.is_empty()).ok_or(SmtpUrlError::NoHost)?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let url_user = Some(decode(u.username())).filter(|s| !s.is_empty());
        let url_password = u.password().map(decode);
        let user = user.or(url_user);
        let password = password.or(url_password);
        let credentials = match (user, password) {
            (Some(u), Some(p)) => Some((u, p)),
            (Some(u), None) => Some((u, String::new())),
            _ => None,
        };
        Ok(Self { host, port: u.port().unwrap_or(default_port), security, credentials, oauth_mailbox: None })
    }

    /// Logs in with `AUTH XOAUTH2` and the OAuth2 authorisation of
    /// `mailbox` (an IMAP mailbox's address, username or id) instead of a
    /// password (decision 47). A password as well is refused: one of the
    /// two would be ignored.
    pub fn with_oauth_mailbox(mut self, mailbox: &str) -> Result<Self, SmtpUrlError> {
        let mailbox = mailbox.trim();
        if mailbox.is_empty() {
            return Err(SmtpUrlError::EmptyOAuthMailbox);
        }
        if self.credentials.as_ref().is_some_and(|(_, p)| !p.is_empty()) {
            return Err(SmtpUrlError::PasswordAndOAuth);
        }
        self.oauth_mailbox = Some(mailbox.to_string());
        Ok(self)
    }

    /// The URL without its credentials (for logs and the admin page).
    pub fn redacted(&self) -> String {
        let scheme = match self.security {
            Security::Plain => "smtp",
            Security::StartTls => "smtp+starttls",
            Security::Tls => "smtps",
        };
        format!("{scheme}://{}:{}", self.host, self.port)
    }
}

/// Tunables of the sender.
#[derive(Debug, Clone)]
pub struct SenderOptions {
    /// Copies in flight at once (and pooled connections).
    pub concurrency: usize,
    /// Longest wait for the log when nothing is due (deferred copies come
    /// due on their own time).
    pub poll: Duration,
    /// How long one SMTP command may take.
    pub timeout: Duration,
    /// The name given in EHLO (the machine's public name).
    pub hello_name: String,
    /// DKIM-sign each copy whose `From` is in the key's domain
    /// (`[mail] dkim_*`).
    pub dkim: Option<Arc<crate::dkim::DkimSigner>>,
}

impl Default for SenderOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            poll: Duration::from_secs(1),
            timeout: Duration::from_secs(30),
            hello_name: "localhost".into(),
            dkim: None,
        }
    }
}

/// Why the SMTP transport cannot be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up SMTP: {0}")]
pub struct SenderError(String);

/// The running sender; dropping it stops it.
pub struct Sender {
    stop: Arc<AtomicBool>,
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// SMTP connections to the configured server, kept open between copies.
///
/// Our own rather than lettre's pool, for one reason: lettre's connections
/// leave Nagle's algorithm on, and it writes a message's body and its
/// closing dot in two writes, so every message waited for the server's
/// delayed ACK (40 ms on Linux) — 25 messages a second a connection at
/// most (measured: bench/mail_out.py). Ours open the socket with
/// `TCP_NODELAY` and hand it to lettre's SMTP conversation
/// (`AsyncSmtpConnection::connect_with_transport`), which does the rest
/// (EHLO, STARTTLS, AUTH, SMTPUTF8, dot-stuffing).
pub struct SmtpClient {
    config: SmtpConfig,
    hello: ClientId,
    timeout: Duration,
    max_idle: usize,
    idle: std::sync::Mutex<Vec<AsyncSmtpConnection>>,
    tls: Option<Arc<tokio_rustls::rustls::ClientConfig>>,
    /// XOAUTH2 with a mailbox's tokens instead of the password.
    oauth: Option<Arc<crate::smtp_oauth::OAuthSending>>,
    /// Signs what is sent.
    dkim: Option<Arc<crate::dkim::DkimSigner>>,
}

/// A socket lettre speaks SMTP over: TCP, or TLS from the first byte.
#[derive(Debug)]
struct Socket<S>(S);

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Socket<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Socket<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Socket<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl SmtpClient {
    /// A client for `config`'s server (no connection is opened yet).
    pub fn new(config: &SmtpConfig, options: &SenderOptions) -> Result<Self, SenderError> {
        let tls = match config.security {
            Security::Tls => Some(crate::imap::transport::tls_config(None).map_err(SenderError)?),
            _ => None,
        };
        Ok(Self {
            config: config.clone(),
            hello: ClientId::Domain(options.hello_name.clone()),
            timeout: options.timeout,
            max_idle: options.concurrency.max(1),
            idle: std::sync::Mutex::new(Vec::new()),
            tls,
            oauth: None,
            dkim: options.dkim.clone(),
        })
    }

    /// `message` from `from_address`, DKIM-signed when a key is set and
    /// the address is in its domain.
    pub fn dkim_sign(&self, from_address: &str, message: Vec<u8>) -> Result<Vec<u8>, crate::dkim::DkimError> {
        match &self.dkim {
            Some(d) => d.sign(from_address, message),
            None => Ok(message),
        }
    }

    /// Logs in with XOAUTH2 and `oauth`'s tokens instead of a password.
    pub fn with_oauth(mut self, oauth: Arc<crate::smtp_oauth::OAuthSending>) -> Self {
        self.oauth = Some(oauth);
        self
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        let addr = (self.config.host.as_str(), self.config.port);
        let tcp = tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(addr))
            .await
            .map_err(|_| format!("no connection to {} within {:?}", self.config.redacted(), self.timeout))?
            .map_err(|e| format!("cannot connect to {}: {e}", self.config.redacted()))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        let greet = |e: lettre::transport::smtp::Error| e.to_string();
        let mut conn = match (&self.config.security, &self.tls) {
            (Security::Tls, Some(tls)) => {
                let name = tokio_rustls::rustls::pki_types::ServerName::try_from(self.config.host.clone())
                    .map_err(|e| format!("not a valid server name: {e}"))?;
                let stream = tokio::time::timeout(
                    self.timeout,
                    tokio_rustls::TlsConnector::from(Arc::clone(tls)).connect(name, tcp),
                )
                .await
                .map_err(|_| "no TLS handshake in time".to_string())?
                .map_err(|e| format!("TLS: {e}"))?;
                AsyncSmtpConnection::connect_with_transport(Box::new(Socket(stream)), &self.hello)
                    .await
                    .map_err(greet)?
            }
            _ => AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello).await.map_err(greet)?,
        };
        if self.config.security == Security::StartTls {
            let params = TlsParameters::builder(self.config.host.clone()).build_rustls().map_err(greet)?;
            conn.starttls(params, &self.hello).await.map_err(greet)?;
        }
        if let Some(oauth) = &self.oauth {
            oauth.authenticate(&mut conn).await?;
        } else if let Some((user, password)) = &self.config.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], &Credentials::new(user.clone(), password.clone()))
                .await
                .map_err(greet)?;
        }
        Ok(conn)
    }

    /// Sends one message over a kept connection (tested with NOOP) or a
    /// new one; a connection that met an error is closed, not kept.
    pub async fn send(&self, envelope: &Envelope, bytes: &[u8]) -> SendResult {
        let kept = self.idle.lock().ok().and_then(|mut v| v.pop());
        let alive = match kept {
            Some(mut c) => c.test_connected().await.then_some(c),
            None => None,
        };
        let mut conn = match alive {
            Some(c) => c,
            None => match self.connect().await {
                Ok(c) => c,
                Err(e) => return SendResult::Temporary(e),
            },
        };
        match conn.send(envelope, bytes).await {
            Ok(r) => {
                if let Ok(mut idle) = self.idle.lock()
                    && idle.len() < self.max_idle
                {
                    idle.push(conn);
                }
                SendResult::Sent(format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")))
            }
            Err(e) => {
                conn.abort().await;
                if e.is_permanent() {
                    SendResult::Permanent(e.to_string())
                } else {
                    SendResult::Temporary(e.to_string())
                }
            }
        }
    }
}

impl Sender {
    /// Starts sending what `desk` queues, through `config`'s server.
    pub fn start(desk: Desk, config: &SmtpConfig, options: SenderOptions) -> Result<Self, SenderError> {
        let mut smtp = SmtpClient::new(config, &options)?;
        if let Some(mailbox) = &config.oauth_mailbox {
            let user = config.credentials.as_ref().map(|(u, _)| u.clone());
            smtp = smtp.with_oauth(Arc::new(crate::smtp_oauth::OAuthSending::new(desk.clone(), mailbox.clone(), user)));
        }
        let smtp = Arc::new(smtp);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        tokio::spawn(async move {
            // A batch is `batch` copies, `concurrency` at a time, each cut off
            // after two timeouts: the lease outlasts the slowest batch, so
            // nobody claims a copy in flight, and a crashed sender's copies
            // are claimed again within minutes.
            let rounds = 4;
            let batch = options.concurrency.max(1) * rounds;
            let per_copy = options.timeout * 2;
            let lease = per_copy * (rounds as u32 + 1);
            while !flag.load(Ordering::SeqCst) {
                let queued = match desk.queue_mail_from_log(500).await {
                    Ok(n) => n,
                    Err(e) => {
                        e.log_fault("mail-out");
                        0
                    }
                };
                // Digests that came due (decision 48), queued like the rest.
                if let Err(e) = desk.queue_due_digests(100).await {
                    e.log_fault("mail-out");
                }
                let claimed = match desk.claim_mail(batch as u32, lease).await {
                    Ok(c) => c,
                    Err(e) => {
                        e.log_fault("mail-out");
                        tokio::time::sleep(options.poll).await;
                        continue;
                    }
                };
                if claimed.is_empty() {
                    if queued == 0 {
                        let seen = desk.mail_cursor().await.unwrap_or(tessera_core::ids::EventId(0));
                        desk.wait_for_events(seen, options.poll).await;
                    }
                    continue;
                }
                // Sent eight (concurrency) at a time; the outcomes of the
                // whole batch are recorded in one commit.
                let results = futures_util::stream::iter(claimed)
                    .map(|m| {
                        let smtp = Arc::clone(&smtp);
                        async move {
                            let result = match tokio::time::timeout(per_copy, send_one(&smtp, &m)).await {
                                Ok(r) => r,
                                Err(_) => SendResult::Temporary(format!("no answer within {per_copy:?}")),
                            };
                            (m.delivery, result)
                        }
                    })
                    .buffer_unordered(options.concurrency.max(1))
                    .collect::<Vec<_>>()
                    .await;
                if let Err(e) = desk.finish_mails(results).await {
                    e.log_fault("mail-out");
                }
            }
        });
        Ok(Self { stop })
    }
}

/// What a plan composes to.
pub fn outgoing(m: &MailToSend) -> Outgoing {
    let p: &MailPlan = &m.plan;
    let mailbox =
        |b: &tessera_desk::mail::outbound::PlanMailbox| Mailbox { name: b.name.clone(), address: b.address.clone() };
    Outgoing {
        kind: match p.kind {
            OutboundKind::Acknowledgement => Kind::Acknowledgement,
            OutboundKind::AgentReply => Kind::AgentReply,
            OutboundKind::PasswordReset | OutboundKind::SignInLink => Kind::Account,
            _ => Kind::Notification,
        },
        from: mailbox(&p.from),
        to: p.to.iter().map(mailbox).collect(),
        cc: p.cc.iter().map(mailbox).collect(),
        reply_to: p.reply_to.as_ref().map(mailbox),
        ticket_number: p.ticket_number.clone(),
        subject: p.subject.clone(),
        message_id: p.message_id.clone(),
        in_reply_to: p.in_reply_to.clone(),
        thread: Thread { root_id: p.root_id.clone(), started_at: p.started_at },
        references: p.references.clone(),
        loop_id: p.loop_id.clone(),
        unsubscribe_url: p.unsubscribe_url.clone(),
        date: p.date,
        text: p.text.clone(),
        html: p.html.clone(),
        attachments: m
            .files
            .iter()
            .map(|f| OutgoingAttachment {
                name: f.name.clone(),
                content_type: f.content_type.clone(),
                bytes: f.bytes.clone(),
            })
            .collect(),
        marker: p.marker.clone(),
    }
}

/// An address for the envelope: the domain in punycode.
fn envelope_address(address: &str) -> Option<Address> {
    let (user, domain) = address.trim().rsplit_once('@')?;
    let domain = idna::domain_to_ascii(domain).ok()?;
    Address::new(user, domain).ok()
}

/// Composes and sends one copy to its one recipient.
pub async fn send_one(smtp: &SmtpClient, m: &MailToSend) -> SendResult {
    let built = match compose::build(&outgoing(m)) {
        Ok(b) => b,
        Err(e) => return SendResult::Unsendable(format!("cannot be built: {e}")),
    };
    let (Some(from), Some(to)) = (envelope_address(&m.plan.from.address), envelope_address(&m.delivery.address)) else {
        return SendResult::Unsendable("not a valid address".into());
    };
    let envelope = match Envelope::new(Some(from), vec![to]) {
        Ok(e) => e,
        Err(e) => return SendResult::Unsendable(format!("envelope: {e}")),
    };
    // Signed last: the bytes the server gets are the bytes signed.
    let bytes = match smtp.dkim_sign(&m.plan.from.address, built.bytes) {
        Ok(b) => b,
        Err(e) => return SendResult::Temporary(e.to_string()),
    };
    smtp.send(&envelope, &bytes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_read_with_their_security_and_credentials() {
        let c = SmtpConfig::parse("smtp://127.0.0.1:2525", None, None).unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.security, c.credentials.is_none()),
            ("127.0.0.1", 2525, Security::Plain, true)
        );
        let c = SmtpConfig::parse("smtp+starttls://me%40x.com:p%3Ass@mail.example.com", None, None).unwrap();
        assert_eq!((c.port, c.security), (587, Security::StartTls));
        assert_eq!(c.credentials, Some(("me@x.com".into(), "p:ss".into())));
        assert!(!format!("{c:?}").contains("p:ss") && !c.redacted().contains("p:ss"));
        let c = SmtpConfig::parse("smtps://mail.example.com", Some("u".into()), Some("k".into())).unwrap();
        assert_eq!((c.port, c.security, c.credentials), (465, Security::Tls, Some(("u".into(), "k".into()))));
        assert_eq!(SmtpConfig::parse("http://x", None, None).unwrap_err(), SmtpUrlError::Scheme);
        assert_eq!(SmtpConfig::parse("nonsense", None, None).unwrap_err(), SmtpUrlError::NotAUrl);
    }

    #[test]
    fn an_oauth_mailbox_replaces_the_password_never_joins_it() {
        let c = SmtpConfig::parse("smtps://smtp.gmail.com", None, None).unwrap().with_oauth_mailbox(" 3 ").unwrap();
        assert_eq!(c.oauth_mailbox.as_deref(), Some("3"));
        assert!(format!("{c:?}").contains("oauth_mailbox: Some(\"3\")"));
        let c = SmtpConfig::parse("smtps://smtp.gmail.com", Some("me@x.com".into()), None).unwrap();
        assert!(c.with_oauth_mailbox("me@x.com").is_ok(), "a user without a password names the XOAUTH2 account");
        let c = SmtpConfig::parse("smtps://me:secret@smtp.gmail.com", None, None).unwrap();
        assert_eq!(c.with_oauth_mailbox("me@x.com").unwrap_err(), SmtpUrlError::PasswordAndOAuth);
        let c = SmtpConfig::parse("smtps://smtp.gmail.com", None, None).unwrap();
        assert_eq!(c.with_oauth_mailbox("  ").unwrap_err(), SmtpUrlError::EmptyOAuthMailbox);
    }
}
