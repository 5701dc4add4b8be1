//! SMTP `AUTH XOAUTH2` with a mailbox's OAuth2 authorisation
//! (`[mail] smtp_oauth_mailbox`, decision 47): Google Workspace and
//! Microsoft 365 let an account send through their SMTP servers with the
//! same OAuth2 grant that reads its mail over IMAP.
//!
//! The sender never sees the refresh token or the store: it asks the desk
//! for an access token ([`Desk::mailbox_token_for_sending`]), which hands
//! out the stored one while it is good and otherwise refreshes it exactly
//! as the IMAP poller's refresh does (the same code, the same refusal
//! handling: a refused grant puts the mailbox in `reauthorise`). The token
//! is kept here between connections; when the SMTP server refuses it, it
//! is refreshed once (once for all the connections that saw it refused)
//! and the login tried again. Every failure to log in is an error text for
//! a *deferred* copy — never a failed one, never a suppressed address —
//! and holds no secret: neither the token nor the XOAUTH2 string (which
//! contains it) is ever logged, and lettre's own tracing is off.

use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::Auth;
use tessera_core::Actor;
use tessera_desk::Desk;
use tessera_desk::mail::oauth::{SendingToken, SendingTokenAnswer};

/// How long a failure to get a token is answered from memory: the copies
/// of one batch (and the next few) are deferred without asking the token
/// endpoint once per copy.
const FAILURE_MEMORY: Duration = Duration::from_secs(30);
/// A kept token is asked for again this long before it runs out.
const AHEAD: chrono::Duration = chrono::Duration::seconds(60);

/// The access tokens the sender logs in with: the named mailbox's, got
/// through the desk and kept between connections.
pub struct OAuthSending {
    desk: Desk,
    mailbox: String,
    user: Option<String>,
    state: tokio::sync::Mutex<Kept>,
}

impl std::fmt::Debug for OAuthSending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSending").field("mailbox", &self.mailbox).field("user", &self.user).finish()
    }
}

/// What is kept between connections.
#[derive(Default)]
struct Kept {
    token: Option<SendingToken>,
    /// Bumped at every new token: a connection whose token was refused
    /// refreshes only when nobody did since it got its own.
    generation: u64,
    /// The last failure to get a token, and when.
    failure: Option<(Instant, String)>,
}

/// A token handed to one connection.
struct Handed {
    user: String,
    token: String,
    generation: u64,
}

impl OAuthSending {
    /// Tokens of the mailbox named `mailbox` (address, username or id);
    /// `user` is the XOAUTH2 account when it is not the mailbox's username
    /// (`[mail] smtp_user`).
    pub fn new(desk: Desk, mailbox: String, user: Option<String>) -> Self {
        Self { desk, mailbox, user, state: tokio::sync::Mutex::new(Kept::default()) }
    }

    /// A token to log in with: the kept one while it is good, else the
    /// desk's. `refused`: the generation of a token the server refused.
    async fn token(&self, refused: Option<u64>) -> Result<Handed, String> {
        let mut kept = self.state.lock().await;
        let now = self.desk.now();
        if let Some(t) = &kept.token {
            let someone_refreshed = refused.is_some_and(|g| kept.generation > g);
            let good = t.expires_at.is_none_or(|e| e - now > AHEAD);
            if someone_refreshed || (refused.is_none() && good) {
                return Ok(self.hand(t, kept.generation));
            }
        }
        if let Some((at, why)) = &kept.failure
            && at.elapsed() < FAILURE_MEMORY
        {
            return Err(why.clone());
        }
        let answer = self.desk.mailbox_token_for_sending(&Actor::system(), &self.mailbox, refused.is_some()).await;
        let why = match answer {
            Ok(SendingTokenAnswer::Ready(t)) => {
                kept.generation += 1;
                kept.failure = None;
                let handed = self.hand(&t, kept.generation);
                kept.token = Some(t);
                return Ok(handed);
            }
            Ok(SendingTokenAnswer::NeedsAdmin(why)) => {
                format!("no OAuth2 token to send with: {why}")
            }
            Ok(SendingTokenAnswer::Unavailable(why)) => format!("no OAuth2 token to send with now: {why}"),
            Err(e) => {
                e.log_fault("mail-out");
                format!("no OAuth2 token to send with now: {e}")
            }
        };
        tracing::warn!(mailbox = %self.mailbox, reason = %why, "mail is deferred: no OAuth2 token for SMTP");
        kept.token = None;
        kept.failure = Some((Instant::now(), why.clone()));
        Err(why)
    }

    fn hand(&self, t: &SendingToken, generation: u64) -> Handed {
        Handed {
            user: self.user.clone().unwrap_or_else(|| t.username.clone()),
            token: t.access_token.clone(),
            generation,
        }
    }

    /// Logs `conn` in with XOAUTH2; a refused token is refreshed once and
    /// tried again on the same connection (RFC 4954 allows another AUTH
    /// after a failed one). The error is the deferred copy's answer.
    pub(crate) async fn authenticate(&self, conn: &mut AsyncSmtpConnection) -> Result<(), String> {
        if !conn.server_info().supports_auth_mechanism(Mechanism::Xoauth2) {
            return Err(format!(
                "the SMTP server does not offer AUTH XOAUTH2 ({}): smtp_oauth_mailbox needs it",
                conn.server_info()
            ));
        }
        let first = self.token(None).await?;
        match xoauth2(conn, &first).await {
            Ok(()) => return Ok(()),
            Err(Login::Failed(e)) => return Err(format!("AUTH XOAUTH2: {e}")),
            Err(Login::Refused(answer)) => {
                tracing::info!(mailbox = %self.mailbox, answer = %answer, "the SMTP server refused the OAuth2 token; getting a new one");
            }
        }
        let second = self.token(Some(first.generation)).await?;
        match xoauth2(conn, &second).await {
            Ok(()) => Ok(()),
            Err(Login::Failed(e)) => Err(format!("AUTH XOAUTH2: {e}")),
            Err(Login::Refused(answer)) => {
                let why = format!(
                    "the SMTP server refused the OAuth2 token of mailbox {:?}, a new one too ({answer}): check that \
                     its authorisation may send mail (Microsoft 365: the SMTP.Send scope, SMTP AUTH on for the account)",
                    self.mailbox
                );
                tracing::warn!(mailbox = %self.mailbox, reason = %why, "mail is deferred: SMTP refused the OAuth2 token");
                Err(why)
            }
        }
    }
}

/// How one XOAUTH2 attempt went.
enum Login {
    /// The server refused the token (a 5xx answer).
    Refused(String),
    /// Anything else: no connection, a 4xx, an odd answer.
    Failed(String),
}

/// One `AUTH XOAUTH2` with lettre's mechanism (the initial response
/// `user=…^Aauth=Bearer …^A^A`). A refusal comes as a 334 challenge with
/// the provider's JSON status, which the client answers with an empty
/// line to get the final 5xx (Google's and Microsoft's documented
/// exchange; lettre's own `auth` stops at that challenge with an error of
/// its own, so the exchange is done here).
async fn xoauth2(conn: &mut AsyncSmtpConnection, h: &Handed) -> Result<(), Login> {
    let credentials = Credentials::new(h.user.clone(), h.token.clone());
    let command = Auth::new(Mechanism::Xoauth2, credentials, None).map_err(|e| Login::Failed(e.to_string()))?;
    let answer = match conn.command(command).await {
        Ok(r) if r.has_code(334) => conn.command("\r\n").await,
        other => other,
    };
    match answer {
        Ok(r) if r.has_code(235) => Ok(()),
        Ok(r) => Err(Login::Failed(format!("unexpected answer {}", text(&r)))),
        Err(e) if e.is_permanent() => Err(Login::Refused(e.to_string())),
        Err(e) => Err(Login::Failed(e.to_string())),
    }
}

fn text(r: &lettre::transport::smtp::response::Response) -> String {
    format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))
}
