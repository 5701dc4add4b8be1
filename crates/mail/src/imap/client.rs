//! The connection to one mailbox: connecting, TLS, logging in, selecting
//! the folder, and reconnecting after a failure.

use std::future::Future;
use std::time::Duration;

use async_imap::types::{Flag, Mailbox};
use async_imap::{Authenticator, Client};
use futures_util::TryStreamExt as _;
use tokio::net::TcpStream;

use super::ImapError;
use super::config::{AfterImport, Auth, Endpoint, MailboxConfig, Security};
use super::transport::{self, Transport};

/// A client for one configured IMAP folder.
///
/// It exists so the mail poller has one object per mailbox that hides
/// connection management: it connects lazily, reconnects after any failure,
/// and keeps the server's capabilities. See the [module docs](super) for the
/// fetch → store → acknowledge → wait loop it is made for.
#[derive(Debug)]
pub struct MailboxClient {
    pub(super) config: MailboxConfig,
    pub(super) endpoint: Endpoint,
    pub(super) conn: Option<Conn>,
    /// What the last fetch saw, so a wait can tell that mail arrived since.
    pub(super) last_fetch: Option<LastFetch>,
}

/// The folder's state at the last [`MailboxClient::fetch_batch`].
#[derive(Clone, Copy, Debug)]
pub(super) struct LastFetch {
    pub(super) uid_validity: u32,
    pub(super) uid_next: Option<u32>,
    /// The batch left messages behind ([`Batch::more`](super::Batch::more)).
    pub(super) more: bool,
}

/// The async-imap session over our transport.
pub(super) type Session = async_imap::Session<Transport>;

/// An authenticated session and what we know about it.
#[derive(Debug)]
pub(super) struct Conn {
    pub(super) session: Session,
    pub(super) caps: Caps,
}

/// The capabilities this client acts on.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Caps {
    pub(super) idle: bool,
    pub(super) move_: bool,
    pub(super) uidplus: bool,
}

/// What SELECT told us about the folder.
#[derive(Debug)]
pub(super) struct Selected {
    pub(super) uid_validity: u32,
    pub(super) uid_next: Option<u32>,
    /// Whether the folder keeps our keyword (PERMANENTFLAGS has `\*` or it).
    pub(super) keyword_allowed: bool,
}

/// Runs `fut` under the operation timeout.
pub(super) async fn timed<T>(
    operation: &'static str,
    after: Duration,
    fut: impl Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(after, fut).await.unwrap_or(Err(ImapError::Timeout { operation, after }))
}

/// SASL XOAUTH2: `user=…^Aauth=Bearer …^A^A`. When the server refuses, it
/// sends an error challenge and expects an empty answer before its `NO`.
struct XOAuth2<'a> {
    user: &'a str,
    token: &'a str,
    sent: bool,
}

impl Authenticator for &mut XOAuth2<'_> {
    type Response = Vec<u8>;

    fn process(&mut self, _challenge: &[u8]) -> Vec<u8> {
        if self.sent {
            return Vec::new();
        }
        self.sent = true;
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token).into_bytes()
    }
}

impl MailboxClient {
    /// Checks the configuration and connects, so that wrong settings are
    /// reported at once (the admin's "test connection" button).
    pub async fn connect(config: MailboxConfig) -> Result<Self, ImapError> {
        let mut client = Self::new(config)?;
        client.conn().await?;
        Ok(client)
    }

    /// Checks the configuration without connecting; the first operation
    /// connects.
    pub fn new(config: MailboxConfig) -> Result<Self, ImapError> {
        let endpoint = config.validate()?;
        Ok(Self { config, endpoint, conn: None, last_fetch: None })
    }

    /// The configuration this client was made with.
    pub fn config(&self) -> &MailboxConfig {
        &self.config
    }

    /// Whether the server advertised IDLE (known once connected).
    pub fn has_idle(&self) -> Option<bool> {
        self.conn.as_ref().map(|c| c.caps.idle)
    }

    /// Says goodbye to the server (best effort) and closes the connection.
    pub async fn logout(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let t = self.config.op_timeout;
            let _ = timed("logout", t, async {
                conn.session.logout().await.map_err(|e| ImapError::from_imap("logout", e))
            })
            .await;
        }
    }

    /// How the connection is protected.
    pub fn security(&self) -> Security {
        if self.endpoint.implicit_tls {
            Security::Tls
        } else if self.config.starttls {
            Security::StartTls
        } else {
            Security::Plain
        }
    }

    /// True when a kept connection turned out to be closed (the server
    /// logged us out while we were busy elsewhere, a NAT forgot us): the
    /// connection is dropped and the caller runs the operation once more on
    /// a new one. Every operation may be repeated: fetching is read-only and
    /// acknowledging twice changes nothing more.
    pub(super) fn went_stale<T>(&mut self, reused: bool, result: &Result<T, ImapError>) -> bool {
        let stale = reused && matches!(result, Err(ImapError::Connection { .. }));
        if stale {
            tracing::debug!("the kept IMAP connection was closed; reconnecting");
            self.conn = None;
        }
        stale
    }

    /// Keeps the connection after success and after errors that leave it
    /// in a known state; drops it otherwise so the next call reconnects.
    pub(super) fn settle<T>(&mut self, result: Result<T, ImapError>) -> Result<T, ImapError> {
        if let Err(e) = &result
            && !e.keeps_connection()
        {
            tracing::debug!(error = %e, "dropping the IMAP connection");
            self.conn = None;
        }
        result
    }

    /// The open connection, connecting and logging in first if needed.
    pub(super) async fn conn(&mut self) -> Result<&mut Conn, ImapError> {
        if self.conn.is_none() {
            let conn = self.open().await?;
            self.conn = Some(conn);
        }
        self.conn.as_mut().ok_or_else(|| ImapError::Protocol { operation: "connect", detail: "no connection".into() })
    }

    async fn open(&self) -> Result<Conn, ImapError> {
        let t = self.config.op_timeout;
        let host = self.endpoint.host.as_str();
        let address = format!("{host}:{}", self.endpoint.port);
        let tcp = timed("connect", t, async {
            TcpStream::connect((host, self.endpoint.port))
                .await
                .map_err(|source| ImapError::Connect { address: address.clone(), source })
        })
        .await?;
        let _ = tcp.set_nodelay(true);
        let transport = match self.security() {
            Security::Tls => {
                timed("TLS handshake", t, transport::tls(tcp, host, self.config.extra_ca_pem.as_deref())).await?
            }
            Security::Plain | Security::StartTls => Transport::Plain(tcp),
        };
        let mut client = Client::new(transport);
        timed("greeting", t, read_greeting(&mut client)).await?;
        if self.security() == Security::StartTls {
            let caps = timed("capability", t, pre_auth_capabilities(&mut client)).await?;
            if !caps.iter().any(|c| c.eq_ignore_ascii_case("STARTTLS")) {
                return Err(ImapError::Tls {
                    host: host.to_owned(),
                    reason: "the server does not offer STARTTLS".into(),
                });
            }
            client = timed("STARTTLS", t, starttls(client, host, self.config.extra_ca_pem.as_deref())).await?;
        }
        let caps = timed("capability", t, pre_auth_capabilities(&mut client)).await?;
        let has = |name: &str| caps.iter().any(|c| c.eq_ignore_ascii_case(name));
        match &self.config.auth {
            Auth::XOAuth2 { .. } if !has("AUTH=XOAUTH2") => {
                return Err(ImapError::Unsupported("the server does not offer XOAUTH2 (OAuth2) logins".into()));
            }
            Auth::Password(_) if has("LOGINDISABLED") => {
                return Err(ImapError::Unsupported(
                    "the server refuses passwords on this connection; use imaps:// or STARTTLS".into(),
                ));
            }
            _ => {}
        }
        let mut session = timed("login", t, self.authenticate(client)).await?;
        let caps = timed("capability", t, async {
            let caps = session.capabilities().await.map_err(|e| ImapError::from_imap("capability", e))?;
            Ok(Caps { idle: caps.has_str("IDLE"), move_: caps.has_str("MOVE"), uidplus: caps.has_str("UIDPLUS") })
        })
        .await?;
        tracing::debug!(server = %address, user = %self.config.username, ?caps, "IMAP session open");
        Ok(Conn { session, caps })
    }

    async fn authenticate(&self, client: Client<Transport>) -> Result<Session, ImapError> {
        let user = self.config.username.as_str();
        match &self.config.auth {
            Auth::Password(password) => client.login(user, password).await.map_err(|(e, _)| match e {
                async_imap::error::Error::No(detail) => auth_refused(detail, false),
                other => ImapError::from_imap("login", other),
            }),
            Auth::XOAuth2 { access_token } => {
                let mut auth = XOAuth2 { user, token: access_token, sent: false };
                client.authenticate("XOAUTH2", &mut auth).await.map_err(|(e, _)| match e {
                    async_imap::error::Error::No(detail) => auth_refused(detail, true),
                    other => ImapError::from_imap("authenticate", other),
                })
            }
        }
    }

    /// SELECTs the configured folder and reports what the caller needs.
    pub(super) async fn select(&mut self) -> Result<Selected, ImapError> {
        let t = self.config.op_timeout;
        let folder = self.config.folder.clone();
        let keyword = match &self.config.after_import {
            AfterImport::Keyword(k) => Some(k.clone()),
            _ => None,
        };
        let conn = self.conn().await?;
        let selected = timed("select", t, select(&mut conn.session, &folder)).await?;
        let uid_validity = selected.uid_validity.ok_or_else(|| ImapError::Protocol {
            operation: "select",
            detail: "the server sent no UIDVALIDITY".into(),
        })?;
        let keyword_allowed = keyword.is_some_and(|k| {
            selected.permanent_flags.iter().any(|f| match f {
                Flag::MayCreate => true,
                Flag::Custom(c) => c.eq_ignore_ascii_case(&k),
                _ => false,
            })
        });
        Ok(Selected { uid_validity, uid_next: selected.uid_next, keyword_allowed })
    }
}

/// A `NO` to LOGIN/AUTHENTICATE: a refused credential, unless the server
/// says the failure is on its side (`[UNAVAILABLE]`), which is transient.
fn auth_refused(detail: String, oauth: bool) -> ImapError {
    if detail.contains("Unavailable") || detail.contains("UNAVAILABLE") {
        ImapError::Protocol { operation: "login", detail }
    } else if oauth {
        ImapError::AuthExpired { detail }
    } else {
        ImapError::AuthFailed { detail }
    }
}

async fn read_greeting(client: &mut Client<Transport>) -> Result<(), ImapError> {
    use async_imap::imap_proto::{Response, Status};
    let greeting = client
        .read_response()
        .await
        .map_err(|source| ImapError::Connection { operation: "greeting", source })?
        .ok_or_else(|| ImapError::Connection {
            operation: "greeting",
            source: std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed before the greeting"),
        })?;
    match greeting.parsed() {
        Response::Data { status: Status::Ok, .. } => Ok(()),
        other => Err(ImapError::Protocol { operation: "greeting", detail: format!("unexpected greeting {other:?}") }),
    }
}

/// Asks CAPABILITY before logging in (the greeting may not carry it, and
/// it changes after STARTTLS).
async fn pre_auth_capabilities(client: &mut Client<Transport>) -> Result<Vec<String>, ImapError> {
    use async_imap::imap_proto::{Capability, Response};
    use async_imap::types::UnsolicitedResponse;
    let (tx, rx) = async_channel::bounded(16);
    client.run_command_and_check_ok("CAPABILITY", Some(tx)).await.map_err(|e| ImapError::from_imap("capability", e))?;
    let mut caps = Vec::new();
    while let Ok(response) = rx.try_recv() {
        if let UnsolicitedResponse::Other(data) = response
            && let Response::Capabilities(list) = data.parsed()
        {
            caps.extend(list.iter().map(|c| match c {
                Capability::Imap4rev1 => "IMAP4rev1".to_owned(),
                Capability::Auth(m) => format!("AUTH={m}"),
                Capability::Atom(a) => a.to_string(),
            }));
        }
    }
    Ok(caps)
}

async fn starttls(
    mut client: Client<Transport>,
    host: &str,
    extra_ca_pem: Option<&str>,
) -> Result<Client<Transport>, ImapError> {
    client.run_command_and_check_ok("STARTTLS", None).await.map_err(|e| match e {
        async_imap::error::Error::No(d) | async_imap::error::Error::Bad(d) => {
            ImapError::Tls { host: host.to_owned(), reason: format!("the server refused STARTTLS: {d}") }
        }
        other => ImapError::from_imap("STARTTLS", other),
    })?;
    let Transport::Plain(tcp) = client.into_inner() else {
        return Err(ImapError::Protocol {
            operation: "STARTTLS",
            detail: "the connection is already encrypted".into(),
        });
    };
    Ok(Client::new(transport::tls(tcp, host, extra_ca_pem).await?))
}

async fn select(session: &mut Session, folder: &str) -> Result<Mailbox, ImapError> {
    match session.select(folder).await {
        Ok(mailbox) => Ok(mailbox),
        Err(async_imap::error::Error::No(detail)) => {
            if folder_exists(session, folder).await? {
                Err(ImapError::Protocol { operation: "select", detail })
            } else {
                Err(ImapError::FolderMissing(folder.to_owned()))
            }
        }
        Err(e) => Err(ImapError::from_imap("select", e)),
    }
}

/// Asks LIST whether `folder` exists (config validation keeps wildcards
/// and quotes out of folder names).
pub(super) async fn folder_exists(session: &mut Session, folder: &str) -> Result<bool, ImapError> {
    let names: Vec<_> = session
        .list(Some(""), Some(&format!("\"{folder}\"")))
        .await
        .map_err(|e| ImapError::from_imap("list", e))?
        .try_collect()
        .await
        .map_err(|e| ImapError::from_imap("list", e))?;
    Ok(!names.is_empty())
}
