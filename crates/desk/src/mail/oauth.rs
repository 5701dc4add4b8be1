//! OAuth2 for IMAP mailboxes (XOAUTH2 with Google, Microsoft 365 or another
//! provider): the providers' presets, exchanging a refresh token for a new
//! access token ahead of its expiry, and an admin's authorisation-code flow
//! (a single-use `state` bound to the mailbox and the admin's session, with
//! PKCE S256).
//!
//! The desk does not make HTTP requests itself: the server hands it a
//! [`FormPoster`] (the hooks' HTTP client, with its address policy), and
//! the desk decides what an answer means ([`classify`]): a refused grant
//! (`invalid_grant`, 400, 401, 403) needs an admin — the mailbox goes to
//! `reauthorise` and the poller stops trying; anything else (5xx, a
//! timeout, a refused connection) is a passing failure retried with pauses.

use super::mailboxes::{PURPOSE, require_tessera};
use crate::{Desk, DeskError, DeskResult};
use async_trait::async_trait;
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use tessera_core::Actor;
use tessera_core::Timestamp;
use tessera_core::ids::MailboxId;
use tessera_store::{MailboxAuthKind, MailboxRecord, MailboxState, MailboxTokens};

/// The sealing purpose of a pending authorisation.
const PENDING_PURPOSE: &str = "mailbox_oauth_pending";
/// How long an admin has to come back from the provider.
const PENDING_MINUTES: i64 = 10;
/// The access token's lifetime assumed when the provider does not say.
const DEFAULT_LIFETIME_SECS: i64 = 3600;
/// The most of a provider's error text kept (it is shown to admins).
const MAX_REASON: usize = 200;

/// Google's authorisation page.
pub const GOOGLE_AUTHORIZE: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const GOOGLE_TOKEN: &str = "https://oauth2.googleapis.com/token";
/// The scope that lets IMAP use a Google token.
pub const GOOGLE_SCOPE: &str = "https://mail.google.com/";
/// The scopes that let IMAP use a Microsoft 365 token, and get a refresh token.
pub const MICROSOFT_SCOPE: &str = "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access";

/// The provider presets: (authorize URL, token URL, scope) for `google` and
/// `microsoft` (with its tenant, `common` when none); `None` for `custom`
/// (the admin gives them).
pub fn preset(provider: &str, tenant: Option<&str>) -> Option<(String, String, String)> {
    match provider {
        "google" => Some((GOOGLE_AUTHORIZE.into(), GOOGLE_TOKEN.into(), GOOGLE_SCOPE.into())),
        "microsoft" => {
            let t = tenant.unwrap_or("common");
            Some((
                format!("https://login.microsoftonline.com/{t}/oauth2/v2.0/authorize"),
                format!("https://login.microsoftonline.com/{t}/oauth2/v2.0/token"),
                MICROSOFT_SCOPE.into(),
            ))
        }
        _ => None,
    }
}

/// Posts a form and reads the answer: what the desk needs of an HTTP
/// client to talk to token endpoints. The server gives it the hooks'
/// client (checked addresses, a timeout, a capped body).
#[async_trait]
pub trait FormPoster: Send + Sync {
    /// POSTs `form` (`application/x-www-form-urlencoded`) to `url`; answers
    /// the status and body, or why no answer came (a timeout, a refused
    /// connection or address) — never with the form's values in it.
    async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<(u16, Vec<u8>), String>;
}

/// What a token endpoint gave.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The access token.
    pub access_token: String,
    /// Its lifetime in seconds, if said.
    pub expires_in: Option<i64>,
    /// A new refresh token, if the provider rotates them.
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

/// Why a token request did not give a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The provider refused the grant (revoked, expired, a wrong client):
    /// only an admin can fix it.
    #[error("the provider refused: {0}")]
    Refused(String),
    /// No usable answer now (5xx, a timeout, no connection): try later.
    #[error("the token endpoint is unavailable: {0}")]
    Unavailable(String),
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn short(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(MAX_REASON).collect()
}

/// What a token endpoint's answer means (RFC 6749 section 5): a token, a
/// refusal an admin must deal with (`invalid_grant` or any other error
/// code, 400, 401, 403), or a passing failure (other statuses, a body that
/// is not a token).
pub fn classify(status: u16, body: &[u8]) -> Result<TokenGrant, TokenError> {
    let parsed: Option<TokenBody> = serde_json::from_slice(body).ok();
    if (200..300).contains(&status) {
        let Some(b) = parsed else {
            return Err(TokenError::Unavailable(format!("status {status} without a JSON token")));
        };
        let token = b.access_token.filter(|t| !t.is_empty() && t.len() <= 8192 && !t.contains(['\r', '\n']));
        let Some(access_token) = token else {
            return Err(TokenError::Unavailable(format!("status {status} without an access token")));
        };
        let expires_in = match b.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        let refresh_token = b.refresh_token.filter(|t| !t.is_empty() && t.len() <= 8192 && !t.contains(['\r', '\n']));
        return Ok(TokenGrant { access_token, expires_in, refresh_token });
    }
    let code = parsed.as_ref().and_then(|b| b.error.as_deref()).map(short);
    let why = match (&code, parsed.as_ref().and_then(|b| b.error_description.as_deref())) {
        (Some(c), Some(d)) => format!("{c}: {} (status {status})", short(d)),
        (Some(c), None) => format!("{c} (status {status})"),
        (None, _) => format!("status {status}"),
    };
    if matches!(status, 400 | 401 | 403) { Err(TokenError::Refused(why)) } else { Err(TokenError::Unavailable(why)) }
}

/// How getting a fresh access token went, for the poller.
#[derive(Clone, PartialEq, Eq)]
pub enum TokenRefresh {
    /// A new access token (saved, sealed) and when it runs out.
    Fresh {
        /// The token, for the IMAP server only.
        access_token: String,
        /// When it runs out.
        expires_at: Timestamp,
    },
    /// Only an admin can fix it; the mailbox's state says why. Stop trying.
    Reauthorise(String),
    /// Not now; try again after a pause.
    Unavailable(String),
}

impl std::fmt::Debug for TokenRefresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fresh { expires_at, .. } => write!(f, "Fresh {{ expires_at: {expires_at} }}"),
            Self::Reauthorise(m) => write!(f, "Reauthorise({m:?})"),
            Self::Unavailable(m) => write!(f, "Unavailable({m:?})"),
        }
    }
}

/// An admin's authorisation under way, sealed on the mailbox until used.
#[derive(serde::Serialize, Deserialize)]
struct Pending {
    nonce: String,
    verifier: String,
    /// SHA-256 of the admin's session id hash.
    session: String,
    redirect_uri: String,
    expires_ms: i64,
}

/// `application/x-www-form-urlencoded`, for an authorize URL's query.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bad_state() -> DeskError {
    DeskError::invalid(
        "state",
        "invalid",
        "this authorisation is unknown, used already or expired: press Authorise again",
    )
}

impl Desk {
    fn token_client(&self) -> Result<&dyn FormPoster, TokenError> {
        self.token_poster.as_deref().ok_or_else(|| TokenError::Unavailable("no HTTP client for token endpoints".into()))
    }

    /// Exchanges `form` at the mailbox's token endpoint.
    async fn token_request(&self, m: &MailboxRecord, mut form: Vec<(&str, &str)>) -> Result<TokenGrant, TokenError> {
        let client = self.token_client()?;
        let url = m.oauth.token_url.as_deref().ok_or_else(|| TokenError::Refused("no token endpoint is set".into()))?;
        let client_id =
            m.oauth.client_id.as_deref().ok_or_else(|| TokenError::Refused("no client id is set".into()))?;
        let secret = match &m.oauth.client_secret {
            Some(s) => Some(
                self.secrets
                    .open(PURPOSE, s)
                    .map_err(|_| TokenError::Refused("the stored client secret cannot be read".into()))?,
            ),
            None => None,
        };
        form.push(("client_id", client_id));
        if let Some(s) = &secret {
            form.push(("client_secret", s));
        }
        let (status, body) = client.post_form(url, &form).await.map_err(TokenError::Unavailable)?;
        classify(status, &body)
    }

    /// Seals and saves a grant; answers the access token's expiry.
    async fn save_grant(
        &self,
        m: &MailboxRecord,
        grant: &TokenGrant,
    ) -> DeskResult<(String, Option<String>, Timestamp)> {
        let lifetime = grant.expires_in.filter(|s| *s > 0).unwrap_or(DEFAULT_LIFETIME_SECS).min(366 * 86_400);
        let expires_at = self.now() + chrono::Duration::seconds(lifetime);
        let secret = self.secrets.seal(PURPOSE, &grant.access_token)?;
        let refresh = match &grant.refresh_token {
            Some(r) => Some(self.secrets.seal(PURPOSE, r)?),
            None => m.oauth.refresh_token.clone(),
        };
        Ok((secret, refresh, expires_at))
    }

    /// Gets a new access token for an OAuth2 mailbox with its refresh
    /// token, and saves it (and a rotated refresh token) sealed. A refused
    /// grant sets the mailbox to `reauthorise` with a message for the
    /// admin. Tessera's mail poller only ([`Actor::system`]).
    pub async fn refresh_mailbox_token(&self, actor: &Actor, id: MailboxId) -> DeskResult<TokenRefresh> {
        require_tessera(actor)?;
        let m = self.store.mailbox(id).await?.ok_or(DeskError::not_found("mailbox"))?;
        let sealed = match (&m.auth_kind, &m.oauth.refresh_token) {
            (MailboxAuthKind::Oauth2, Some(r)) => r.clone(),
            _ => {
                let why = "the access token ran out and there is no refresh token: authorise the mailbox again";
                return self.needs_reauthorisation(id, why.into()).await;
            }
        };
        let Ok(refresh) = self.secrets.open(PURPOSE, &sealed) else {
            let why = "the stored refresh token cannot be read: authorise the mailbox again";
            return self.needs_reauthorisation(id, why.into()).await;
        };
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
        // RFC 6749 section 6 lets a refresh name the scopes (Microsoft wants
        // them); Google documents none, so it is not sent any.
        let scope = m.oauth.scope.clone().unwrap_or_default();
        if m.oauth.provider.as_deref() != Some("google") && !scope.is_empty() {
            form.push(("scope", scope.as_str()));
        }
        match self.token_request(&m, form).await {
            Ok(grant) => {
                let (secret, refresh_token, expires_at) = self.save_grant(&m, &grant).await?;
                self.store
                    .save_mailbox_tokens(id, MailboxTokens { secret, refresh_token, expires_at: Some(expires_at) })
                    .await?;
                Ok(TokenRefresh::Fresh { access_token: grant.access_token, expires_at })
            }
            Err(TokenError::Refused(why)) => {
                let why = format!("the provider refused the refresh token ({why}): authorise the mailbox again");
                self.needs_reauthorisation(id, why).await
            }
            Err(TokenError::Unavailable(why)) => {
                Ok(TokenRefresh::Unavailable(format!("getting a new token failed: {why}")))
            }
        }
    }

    async fn needs_reauthorisation(&self, id: MailboxId, why: String) -> DeskResult<TokenRefresh> {
        tracing::warn!(mailbox = id.0, reason = %why, "a mailbox needs an admin to authorise it again");
        self.store.set_mailbox_state(id, MailboxState::Reauthorise, Some(why.clone())).await?;
        Ok(TokenRefresh::Reauthorise(why))
    }

    /// Starts an admin's authorisation of an OAuth2 mailbox: answers the
    /// provider's URL to send them to. The `state` in it is single use,
    /// runs out in ten minutes, and is bound to this mailbox and to
    /// `session` (the admin's session, so another browser cannot finish
    /// it); PKCE's verifier stays sealed on the mailbox. `redirect_uri` is
    /// the installation's callback. Admins only.
    pub async fn begin_mailbox_authorisation(
        &self,
        actor: &Actor,
        id: MailboxId,
        redirect_uri: &str,
        session: &str,
    ) -> DeskResult<String> {
        super::mailboxes::require_admin(actor)?;
        let mut m = self.store.mailbox(id).await?.ok_or(DeskError::not_found("mailbox"))?;
        let (Some(authorize), Some(client_id)) = (m.oauth.authorize_url.clone(), m.oauth.client_id.clone()) else {
            return Err(DeskError::invalid(
                "oauth2_provider",
                "required",
                "set the OAuth2 provider and client id first",
            ));
        };
        let nonce = crate::random::hex_token::<32>()?;
        let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>()?);
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let pending = Pending {
            nonce: nonce.clone(),
            verifier,
            session: sha256_hex(session),
            redirect_uri: redirect_uri.to_string(),
            expires_ms: (self.now() + chrono::Duration::minutes(PENDING_MINUTES)).timestamp_millis(),
        };
        let json = serde_json::to_string(&pending).map_err(|e| DeskError::Internal(e.to_string()))?;
        m.oauth.pending = Some(self.secrets.seal(PENDING_PURPOSE, &json)?);
        // Only the pending authorisation is written: the settings, their
        // time (the poller's worker is not restarted) and the state stay.
        self.store.set_mailbox_pending(id, m.oauth.pending.clone()).await?;
        let state = format!("{}.{nonce}", id.0);
        let scope = m.oauth.scope.clone().unwrap_or_default();
        let mut q = vec![
            ("response_type", "code"),
            ("client_id", client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", scope.as_str()),
            ("state", state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        if m.oauth.provider.as_deref() == Some("google") {
            // A refresh token every time, not only at the first consent.
            q.extend([("access_type", "offline"), ("prompt", "consent")]);
        }
        if m.username.contains('@') {
            q.push(("login_hint", m.username.as_str()));
        }
        let sep = if authorize.contains('?') { '&' } else { '?' };
        Ok(format!("{authorize}{sep}{}", form_encode(&q)))
    }

    /// Finishes an admin's authorisation: checks `state` (this mailbox's
    /// pending one, not used, not expired, from `session`), exchanges
    /// `code` with PKCE's verifier, and saves the tokens sealed; the
    /// mailbox is read again at once. A bad `state` changes nothing; the
    /// state is used up by any exchange, good or not. Admins only.
    pub async fn finish_mailbox_authorisation(
        &self,
        actor: &Actor,
        state: &str,
        code: &str,
        session: &str,
    ) -> DeskResult<super::MailboxView> {
        super::mailboxes::require_admin(actor)?;
        let (id, nonce) = state.split_once('.').ok_or_else(bad_state)?;
        let id = MailboxId(id.parse().map_err(|_| bad_state())?);
        let mut m = self.store.mailbox(id).await?.ok_or_else(bad_state)?;
        let sealed = m.oauth.pending.clone().ok_or_else(bad_state)?;
        let json = self.secrets.open(PENDING_PURPOSE, &sealed).map_err(|_| bad_state())?;
        let pending: Pending = serde_json::from_str(&json).map_err(|_| bad_state())?;
        if !same(&pending.nonce, nonce)
            || !same(&pending.session, &sha256_hex(session))
            || self.now().timestamp_millis() > pending.expires_ms
        {
            return Err(bad_state());
        }
        if code.is_empty() || code.len() > 4096 || code.chars().any(char::is_control) {
            return Err(DeskError::invalid("code", "invalid", "the provider sent no usable code"));
        }
        // Used once: cleared before the exchange, if nobody else did first.
        if !self.store.take_mailbox_pending(id, &sealed).await? {
            return Err(bad_state());
        }
        m.oauth.pending = None;
        let form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", pending.redirect_uri.as_str()),
            ("code_verifier", pending.verifier.as_str()),
        ];
        let grant = match self.token_request(&m, form).await {
            Ok(g) => g,
            Err(TokenError::Refused(why)) => {
                return Err(DeskError::invalid("code", "refused", format!("the provider refused the code: {why}")));
            }
            Err(TokenError::Unavailable(why)) => return Err(DeskError::Unavailable(why)),
        };
        let (secret, refresh_token, expires_at) = self.save_grant(&m, &grant).await?;
        m.secret = secret;
        m.oauth.refresh_token = refresh_token;
        m.oauth.expires_at = Some(expires_at);
        m.state = MailboxState::Ok;
        m.last_error = None;
        m.updated_at = self.now();
        self.store.update_mailbox(&m).await?;
        Ok(self.store.mailbox(id).await?.ok_or(DeskError::not_found("mailbox"))?.into())
    }
}

/// How close to its expiry a stored access token is still handed to the
/// SMTP sender. Shorter than the poller's five minutes, so a mailbox that
/// is also read keeps refreshing in the poller and the two seldom refresh
/// at once.
const SENDING_AHEAD_SECS: i64 = 60;

/// A mailbox's access token for sending mail through its provider's SMTP
/// server (XOAUTH2). Its `Debug` output hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct SendingToken {
    /// The mailbox it belongs to.
    pub mailbox: MailboxId,
    /// The account the token is for (the mailbox's username): XOAUTH2's
    /// `user=`.
    pub username: String,
    /// The access token, for the SMTP server only.
    pub access_token: String,
    /// When it runs out, when known.
    pub expires_at: Option<Timestamp>,
}

impl std::fmt::Debug for SendingToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SendingToken")
            .field("mailbox", &self.mailbox.0)
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What the SMTP sender gets when it asks for a mailbox's access token.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SendingTokenAnswer {
    /// A token to log in with.
    Ready(SendingToken),
    /// No token now, and none until an admin acts (the mailbox is unknown,
    /// not OAuth2, or its grant was refused): the text says what to do.
    NeedsAdmin(String),
    /// No token now (the token endpoint failed): try later.
    Unavailable(String),
}

impl Desk {
    /// An access token of the OAuth2 mailbox named by `mailbox` (its
    /// address, its username or its id) for the SMTP sender's XOAUTH2
    /// login (`[mail] smtp_oauth_mailbox`): the stored one while it has
    /// more than a minute left and `refused` is false, otherwise a new one
    /// from the provider through [`Desk::refresh_mailbox_token`] (the same
    /// refresh, saving and refusal handling as the IMAP poller's). A
    /// mailbox waiting for re-authorisation is not asked about again.
    /// `refused`: the SMTP server refused the token last handed out.
    /// Tessera itself only ([`Actor::system`]).
    pub async fn mailbox_token_for_sending(
        &self,
        actor: &Actor,
        mailbox: &str,
        refused: bool,
    ) -> DeskResult<SendingTokenAnswer> {
        require_tessera(actor)?;
        let wanted = mailbox.trim();
        let by_id = wanted.parse::<i64>().ok().map(MailboxId);
        let found = match by_id {
            Some(id) => self.store.mailbox(id).await?,
            None => self.store.list_mailboxes().await?.into_iter().find(|m| {
                m.address.trim().eq_ignore_ascii_case(wanted) || m.username.trim().eq_ignore_ascii_case(wanted)
            }),
        };
        let Some(m) = found else {
            return Ok(SendingTokenAnswer::NeedsAdmin(format!(
                "no mailbox {wanted:?} (smtp_oauth_mailbox): set up and authorise that mailbox in Admin → Mailboxes"
            )));
        };
        if m.auth_kind != MailboxAuthKind::Oauth2 {
            return Ok(SendingTokenAnswer::NeedsAdmin(format!(
                "the mailbox {wanted:?} (smtp_oauth_mailbox) signs in with a password, not OAuth2"
            )));
        }
        if m.state == MailboxState::Reauthorise {
            let why = m.last_error.clone().unwrap_or_else(|| "it needs to be authorised again".into());
            return Ok(SendingTokenAnswer::NeedsAdmin(format!("the mailbox {wanted:?} cannot give a token: {why}")));
        }
        let ready = |access_token: String, expires_at: Option<Timestamp>| {
            SendingTokenAnswer::Ready(SendingToken {
                mailbox: m.id,
                username: m.username.clone(),
                access_token,
                expires_at,
            })
        };
        let fresh_enough =
            m.oauth.expires_at.is_none_or(|e| e - self.now() > chrono::Duration::seconds(SENDING_AHEAD_SECS));
        if !refused
            && !m.secret.is_empty()
            && fresh_enough
            && let Ok(token) = self.secrets.open(PURPOSE, &m.secret)
        {
            return Ok(ready(token, m.oauth.expires_at));
        }
        Ok(match self.refresh_mailbox_token(actor, m.id).await? {
            TokenRefresh::Fresh { access_token, expires_at } => ready(access_token, Some(expires_at)),
            TokenRefresh::Reauthorise(why) => SendingTokenAnswer::NeedsAdmin(why),
            TokenRefresh::Unavailable(why) => SendingTokenAnswer::Unavailable(why),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_answers_are_a_grant_a_refusal_or_a_passing_failure() {
        let g = classify(200, br#"{"access_token":"at","expires_in":3599,"refresh_token":"rt"}"#).unwrap();
        assert_eq!((g.access_token.as_str(), g.expires_in, g.refresh_token.as_deref()), ("at", Some(3599), Some("rt")));
        assert!(!format!("{g:?}").contains("at\""), "{g:?}");
        let g = classify(200, br#"{"access_token":"at","expires_in":"60"}"#).unwrap();
        assert_eq!((g.expires_in, g.refresh_token), (Some(60), None));
        assert!(
            matches!(classify(400, br#"{"error":"invalid_grant"}"#), Err(TokenError::Refused(w)) if w.contains("invalid_grant"))
        );
        assert!(matches!(classify(401, b"nope"), Err(TokenError::Refused(_))));
        assert!(matches!(classify(503, b""), Err(TokenError::Unavailable(_))));
        assert!(matches!(classify(429, b"{}"), Err(TokenError::Unavailable(_))));
        assert!(matches!(classify(200, b"<html>"), Err(TokenError::Unavailable(_))));
        assert!(matches!(classify(200, br#"{"token_type":"bearer"}"#), Err(TokenError::Unavailable(_))));
    }

    #[test]
    fn presets_and_encoding() {
        let (a, t, s) = preset("microsoft", Some("contoso.onmicrosoft.com")).unwrap();
        assert_eq!(a, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize");
        assert_eq!(t, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
        assert!(s.contains("offline_access"));
        assert!(preset("microsoft", None).unwrap().1.contains("/common/"));
        assert_eq!(preset("google", None).unwrap().2, GOOGLE_SCOPE);
        assert!(preset("custom", None).is_none());
        assert_eq!(form_encode(&[("a b", "x/y?&=é")]), "a+b=x%2Fy%3F%26%3D%C3%A9");
    }
}
