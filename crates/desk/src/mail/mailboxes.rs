//! IMAP mailboxes: the admins' settings (the password or token write-only,
//! sealed at rest), the state they see (last fetch, last error, backlog),
//! and what the mail poller needs as Tessera itself — the active mailboxes
//! with their opened secrets, the lease that lets one instance at a time
//! read a mailbox, and saving how far reading got.
//!
//! The desk does not depend on the IMAP client (`tessera-mail` depends on
//! the desk), so it checks the URL's shape itself: `imap://` or `imaps://`,
//! a host, an optional port, nothing else.

use crate::{Desk, DeskError, DeskResult};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tessera_core::ids::{DepartmentId, MailboxId, UserId};
use tessera_core::{Actor, Email, Timestamp};
use tessera_store::{AfterImportKind, MailboxAuthKind, MailboxOAuth, MailboxProgress, MailboxRecord, MailboxState};

/// The sealing purpose of mailbox secrets, so a sealed value of another
/// kind never opens as one.
pub(super) const PURPOSE: &str = "mailbox_secret";

/// Creating or changing a mailbox; on a change, absent fields stay as
/// they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MailboxInput {
    /// The department its mail opens tickets in, when no department's
    /// address is among the message's recipients.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub department_id: Option<DepartmentId>,
    /// The address it receives, as shown to admins.
    #[serde(default)]
    pub address: Option<String>,
    /// `imap://host[:port]` (143 by default) or `imaps://host[:port]` (993).
    #[serde(default)]
    pub imap_url: Option<String>,
    /// Upgrade an `imap://` connection with STARTTLS.
    #[serde(default)]
    pub starttls: Option<bool>,
    /// The account name.
    #[serde(default)]
    pub username: Option<String>,
    /// The password (or app password). Write-only: never answered.
    #[serde(default)]
    pub password: Option<String>,
    /// An OAuth2 access token for XOAUTH2 (Google, Microsoft 365), instead
    /// of a password. Write-only: never answered.
    #[serde(default)]
    pub oauth2_access_token: Option<String>,
    /// OAuth2 (XOAUTH2) instead of a password: `google`, `microsoft` or
    /// `custom` (with `oauth2_authorize_url` and `oauth2_token_url`). The
    /// mailbox then gets its access tokens itself, with a refresh token an
    /// admin obtains by pressing "Authorise" in /admin (or pastes here).
    #[serde(default)]
    pub oauth2_provider: Option<String>,
    /// Microsoft's tenant (a domain or a directory id; `common` when none).
    #[serde(default)]
    pub oauth2_tenant: Option<String>,
    /// A `custom` provider's authorisation page (https).
    #[serde(default)]
    pub oauth2_authorize_url: Option<String>,
    /// A `custom` provider's token endpoint (https).
    #[serde(default)]
    pub oauth2_token_url: Option<String>,
    /// The scopes asked for, space-separated (the provider's preset when
    /// none).
    #[serde(default)]
    pub oauth2_scope: Option<String>,
    /// The client id Tessera is registered under at the provider.
    #[serde(default)]
    pub oauth2_client_id: Option<String>,
    /// The client secret. Write-only: never answered.
    #[serde(default)]
    pub oauth2_client_secret: Option<String>,
    /// A refresh token obtained elsewhere. Write-only: never answered.
    #[serde(default)]
    pub oauth2_refresh_token: Option<String>,
    /// The folder read (`INBOX` by default).
    #[serde(default)]
    pub folder: Option<String>,
    /// What is done to a message once kept: `keyword` (the default), `move`
    /// or `delete`.
    #[serde(default)]
    pub after_import: Option<AfterImportKind>,
    /// The folder messages are moved to, with `after_import: move`.
    #[serde(default)]
    pub move_folder: Option<String>,
    /// Whether it is read (default true).
    #[serde(default)]
    pub active: Option<bool>,
}

/// How reading a mailbox is going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailboxStatus {
    /// `ok`, `error` (retried with growing pauses) or `reauthorise` (the
    /// server refused the credential, or a setting cannot work: an admin
    /// must change it).
    pub state: MailboxState,
    /// When a fetch was last tried.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub last_fetch_at: Option<Timestamp>,
    /// When a fetch last worked.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub last_success_at: Option<Timestamp>,
    /// Why the last fetch failed.
    pub last_error: Option<String>,
    /// Messages seen on the server and not yet kept.
    pub backlog: i64,
    /// The folder's UIDVALIDITY read last (0: never read).
    pub uid_validity: i64,
    /// The highest UID kept.
    pub last_uid: i64,
}

/// A mailbox as admins see it: its settings without the secret, and its
/// state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailboxView {
    /// Its id.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub id: MailboxId,
    /// The department its mail goes to by default.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub department_id: DepartmentId,
    /// The address it receives.
    pub address: String,
    /// The server.
    pub imap_url: String,
    /// Whether STARTTLS is used on `imap://`.
    pub starttls: bool,
    /// The account name.
    pub username: String,
    /// `password` or `oauth2`; the secret itself is never answered.
    pub auth: MailboxAuthKind,
    /// The folder read.
    pub folder: String,
    /// What is done to a message once kept.
    pub after_import: AfterImportKind,
    /// Where messages are moved, with `move`.
    pub move_folder: Option<String>,
    /// Whether it is read.
    pub active: bool,
    /// How reading it is going.
    pub status: MailboxStatus,
    /// Its OAuth2 authorisation (OAuth2 mailboxes with a provider), without
    /// its secrets.
    pub oauth2: Option<MailboxOAuthView>,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
    /// When its settings last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub updated_at: Timestamp,
}

/// A mailbox's OAuth2 authorisation as admins see it: no secret, only
/// whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailboxOAuthView {
    /// `google`, `microsoft` or `custom`.
    pub provider: String,
    /// Microsoft's tenant.
    pub tenant: Option<String>,
    /// The authorisation page.
    pub authorize_url: Option<String>,
    /// The token endpoint.
    pub token_url: Option<String>,
    /// The scopes asked for.
    pub scope: Option<String>,
    /// The client id.
    pub client_id: Option<String>,
    /// Whether a client secret is stored.
    pub has_client_secret: bool,
    /// Whether a refresh token is stored (the mailbox is authorised).
    pub has_refresh_token: bool,
    /// When the current access token runs out.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub access_token_expires_at: Option<Timestamp>,
}

impl From<MailboxRecord> for MailboxView {
    fn from(m: MailboxRecord) -> Self {
        let oauth2 = m.oauth.provider.clone().map(|provider| MailboxOAuthView {
            provider,
            tenant: m.oauth.tenant.clone(),
            authorize_url: m.oauth.authorize_url.clone(),
            token_url: m.oauth.token_url.clone(),
            scope: m.oauth.scope.clone(),
            client_id: m.oauth.client_id.clone(),
            has_client_secret: m.oauth.client_secret.is_some(),
            has_refresh_token: m.oauth.refresh_token.is_some(),
            access_token_expires_at: m.oauth.expires_at,
        });
        Self {
            id: m.id,
            department_id: m.department_id,
            address: m.address,
            imap_url: m.imap_url,
            starttls: m.starttls,
            username: m.username,
            auth: m.auth_kind,
            folder: m.folder,
            after_import: m.after_import,
            move_folder: m.move_folder,
            active: m.active,
            status: MailboxStatus {
                state: m.state,
                last_fetch_at: m.last_fetch_at,
                last_success_at: m.last_success_at,
                last_error: m.last_error,
                backlog: m.backlog,
                uid_validity: m.uid_validity,
                last_uid: m.last_uid,
            },
            oauth2,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A mailbox to read, with its secret opened: only the mail poller gets
/// one. Its `Debug` output hides the secret.
#[derive(Clone)]
pub struct MailboxToRead {
    /// The mailbox's row (its `secret` field still sealed).
    pub mailbox: MailboxRecord,
    /// The password or access token in clear, for the IMAP server only
    /// (empty: an OAuth2 mailbox with no access token yet).
    pub secret: String,
    /// When the access token runs out (OAuth2, when known).
    pub expires_at: Option<Timestamp>,
    /// Whether a new access token can be had with a refresh token.
    pub refreshable: bool,
}

impl std::fmt::Debug for MailboxToRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxToRead").field("id", &self.mailbox.id).field("secret", &"<redacted>").finish()
    }
}

pub(super) fn require_admin(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(DeskError::forbidden("only admins manage mailboxes")) }
}

/// Tessera itself ([`Actor::system`]): the only one given opened secrets
/// and the poller's lease.
pub(super) fn require_tessera(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() && actor.user_id == UserId(0) {
        Ok(())
    } else {
        Err(DeskError::forbidden("only Tessera's mail poller reads mailboxes"))
    }
}

/// Checks `imap://host[:port]` or `imaps://host[:port]` (a trailing `/`
/// allowed; no user, path or query) and answers it trimmed.
fn check_url(url: &str) -> DeskResult<String> {
    let bad = |why: &str| DeskError::invalid("imap_url", "invalid", format!("the IMAP URL {why}"));
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("imaps://") {
        &url[8..]
    } else if lower.starts_with("imap://") {
        &url[7..]
    } else {
        return Err(bad("must start with imap:// or imaps://"));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '@', '?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("may hold only a host and a port after the scheme"));
    }
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| bad("has an unclosed ["))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or_else(|| bad("has something after ]"))?),
        };
        (host, port)
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if host.is_empty() || host.len() > 253 {
        return Err(bad("needs a host"));
    }
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err(bad("has a port that is not 1 to 65535")),
        }
    }
    Ok(url.to_string())
}

/// A folder name the IMAP client can send as it is: ASCII, no control
/// characters, no wildcards or quotes.
fn check_folder(field: &str, folder: &str) -> DeskResult<String> {
    let folder = folder.trim();
    if folder.is_empty() || folder.len() > 200 {
        return Err(DeskError::invalid(field, "invalid", "a folder name is 1 to 200 characters"));
    }
    if !folder.chars().all(|c| c.is_ascii() && !c.is_ascii_control() && !matches!(c, '*' | '%' | '"' | '\\')) {
        return Err(DeskError::invalid(field, "invalid", "a folder name is plain ASCII without * % \" \\"));
    }
    Ok(folder.to_string())
}

fn check_username(u: &str) -> DeskResult<String> {
    let u = u.trim();
    if u.is_empty() || u.len() > 320 || u.chars().any(char::is_control) {
        return Err(DeskError::invalid(
            "username",
            "invalid",
            "a username is 1 to 320 characters, no control characters",
        ));
    }
    Ok(u.to_string())
}

fn check_secret(field: &str, s: &str) -> DeskResult<()> {
    if s.is_empty() || s.len() > 8192 || s.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
        return Err(DeskError::invalid(field, "invalid", "1 to 8192 characters, on one line"));
    }
    Ok(())
}

impl Desk {
    /// Every mailbox with its state (admins).
    pub async fn list_mailboxes(&self, actor: &Actor) -> DeskResult<Vec<MailboxView>> {
        require_admin(actor)?;
        Ok(self.store.list_mailboxes().await?.into_iter().map(MailboxView::from).collect())
    }

    /// One mailbox with its state (admins).
    pub async fn mailbox(&self, actor: &Actor, id: MailboxId) -> DeskResult<MailboxView> {
        require_admin(actor)?;
        Ok(self.mailbox_record(id).await?.into())
    }

    async fn mailbox_record(&self, id: MailboxId) -> DeskResult<MailboxRecord> {
        self.store.mailbox(id).await?.ok_or(DeskError::not_found("mailbox"))
    }

    /// Adds a mailbox (admins). It needs a department, an address, a URL, a
    /// username and a password or token; the secret is sealed before it is
    /// stored and never answered.
    pub async fn create_mailbox(&self, actor: &Actor, input: MailboxInput) -> DeskResult<MailboxView> {
        require_admin(actor)?;
        let required =
            |field: &str, what: &str| DeskError::invalid(field, "required", format!("a mailbox needs {what}"));
        let now = self.now();
        let mut m = MailboxRecord {
            id: MailboxId(0),
            department_id: input.department_id.ok_or_else(|| required("department_id", "a department"))?,
            address: String::new(),
            imap_url: check_url(input.imap_url.as_deref().ok_or_else(|| required("imap_url", "an IMAP URL"))?)?,
            starttls: false,
            username: check_username(input.username.as_deref().ok_or_else(|| required("username", "a username"))?)?,
            auth_kind: MailboxAuthKind::Password,
            secret: String::new(),
            folder: "INBOX".into(),
            after_import: AfterImportKind::Keyword,
            move_folder: None,
            active: true,
            uid_validity: 0,
            last_uid: 0,
            lease_owner: None,
            lease_until: None,
            last_fetch_at: None,
            last_success_at: None,
            last_error: None,
            state: MailboxState::Ok,
            backlog: 0,
            created_at: now,
            updated_at: now,
            oauth: MailboxOAuth::default(),
        };
        if input.address.is_none() {
            return Err(required("address", "an address"));
        }
        if input.password.is_none() && input.oauth2_access_token.is_none() && input.oauth2_provider.is_none() {
            return Err(required("password", "a password, an OAuth2 provider or an OAuth2 access token"));
        }
        self.apply_mailbox_input(&mut m, input).await?;
        set_waiting_state(&mut m);
        Ok(self.store.insert_mailbox(m).await?.into())
    }

    /// Changes a mailbox (admins). A change clears its error state, so the
    /// poller tries it again at once; the read cursor is kept (messages
    /// already kept are recognised by their bytes if read again).
    pub async fn update_mailbox(&self, actor: &Actor, id: MailboxId, input: MailboxInput) -> DeskResult<MailboxView> {
        require_admin(actor)?;
        let mut m = self.mailbox_record(id).await?;
        self.apply_mailbox_input(&mut m, input).await?;
        m.state = MailboxState::Ok;
        m.last_error = None;
        set_waiting_state(&mut m);
        m.updated_at = self.now();
        self.store.update_mailbox(&m).await?;
        Ok(self.mailbox_record(id).await?.into())
    }

    /// Removes a mailbox (admins). Mail already fetched from it stays.
    pub async fn delete_mailbox(&self, actor: &Actor, id: MailboxId) -> DeskResult<()> {
        require_admin(actor)?;
        self.mailbox_record(id).await?;
        Ok(self.store.delete_mailbox(id).await?)
    }

    async fn apply_mailbox_input(&self, m: &mut MailboxRecord, input: MailboxInput) -> DeskResult<()> {
        if let Some(d) = input.department_id {
            if self.store.department(d).await?.is_none() {
                return Err(DeskError::invalid("department_id", "not_found", "no such department"));
            }
            m.department_id = d;
        }
        if let Some(a) = &input.address {
            m.address = Email::parse(a.trim())
                .map_err(|_| DeskError::invalid("address", "invalid", "not an e-mail address"))?
                .as_str()
                .to_string();
        }
        if let Some(u) = &input.imap_url {
            m.imap_url = check_url(u)?;
        }
        if let Some(s) = input.starttls {
            m.starttls = s;
        }
        if let Some(u) = &input.username {
            m.username = check_username(u)?;
        }
        let oauth_given = input.oauth2_provider.is_some()
            || input.oauth2_client_id.is_some()
            || input.oauth2_client_secret.is_some()
            || input.oauth2_refresh_token.is_some()
            || input.oauth2_authorize_url.is_some()
            || input.oauth2_token_url.is_some()
            || input.oauth2_scope.is_some()
            || input.oauth2_tenant.is_some();
        match (&input.password, &input.oauth2_access_token) {
            (Some(_), Some(_)) => {
                return Err(DeskError::invalid("password", "conflict", "a password or an OAuth2 token, not both"));
            }
            (Some(_), None) if oauth_given => {
                return Err(DeskError::invalid("password", "conflict", "a password or OAuth2, not both"));
            }
            (Some(p), None) => {
                check_secret("password", p)?;
                m.auth_kind = MailboxAuthKind::Password;
                m.secret = self.secrets.seal(PURPOSE, p)?;
                // A password replaces OAuth2 whole.
                m.oauth = MailboxOAuth::default();
            }
            (None, Some(t)) => {
                check_secret("oauth2_access_token", t)?;
                m.auth_kind = MailboxAuthKind::Oauth2;
                m.secret = self.secrets.seal(PURPOSE, t)?;
                m.oauth.expires_at = None;
            }
            (None, None) => {}
        }
        if oauth_given {
            self.apply_oauth_input(m, &input)?;
        }
        if let Some(f) = &input.folder {
            m.folder = check_folder("folder", f)?;
        }
        if let Some(a) = input.after_import {
            m.after_import = a;
        }
        if let Some(f) = &input.move_folder {
            m.move_folder = Some(check_folder("move_folder", f)?);
        }
        if m.after_import == AfterImportKind::Move {
            match &m.move_folder {
                None => {
                    return Err(DeskError::invalid("move_folder", "required", "moving messages needs a folder"));
                }
                Some(f) if f == &m.folder => {
                    return Err(DeskError::invalid(
                        "move_folder",
                        "invalid",
                        "messages cannot be moved to the folder they are read from",
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(a) = input.active {
            m.active = a;
        }
        Ok(())
    }

    /// The OAuth2 fields of an input: the provider's preset (or a custom
    /// provider's URLs), the client, a pasted refresh token. A new provider
    /// or client drops the tokens of the old one (they cannot be used with
    /// it) unless a refresh token comes with it.
    fn apply_oauth_input(&self, m: &mut MailboxRecord, input: &MailboxInput) -> DeskResult<()> {
        let before = (m.oauth.provider.clone(), m.oauth.tenant.clone(), m.oauth.client_id.clone());
        if m.auth_kind == MailboxAuthKind::Password {
            m.secret = String::new();
        }
        m.auth_kind = MailboxAuthKind::Oauth2;
        if let Some(t) = &input.oauth2_tenant {
            let t = t.trim();
            if t.is_empty() {
                m.oauth.tenant = None;
            } else if t.len() > 100 || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
                return Err(DeskError::invalid(
                    "oauth2_tenant",
                    "invalid",
                    "a tenant is a domain or a directory id (letters, digits, dots and hyphens)",
                ));
            } else {
                m.oauth.tenant = Some(t.to_string());
            }
        }
        if let Some(p) = &input.oauth2_provider {
            let p = p.trim().to_ascii_lowercase();
            if !matches!(p.as_str(), "google" | "microsoft" | "custom") {
                return Err(DeskError::invalid(
                    "oauth2_provider",
                    "invalid_option",
                    "the OAuth2 provider is google, microsoft or custom",
                ));
            }
            m.oauth.provider = Some(p);
        }
        let provider = m.oauth.provider.clone().unwrap_or_else(|| "custom".into());
        m.oauth.provider = Some(provider.clone());
        if provider != "microsoft" {
            m.oauth.tenant = None;
        }
        if let Some((authorize, token, scope)) = super::oauth::preset(&provider, m.oauth.tenant.as_deref()) {
            if input.oauth2_authorize_url.is_some() || input.oauth2_token_url.is_some() {
                return Err(DeskError::invalid(
                    "oauth2_token_url",
                    "invalid",
                    "Google's and Microsoft's endpoints are known: give URLs only with the custom provider",
                ));
            }
            m.oauth.authorize_url = Some(authorize);
            m.oauth.token_url = Some(token);
            if input.oauth2_scope.is_none() && before.0.as_deref() != Some(provider.as_str()) {
                m.oauth.scope = Some(scope);
            }
        } else {
            if let Some(u) = &input.oauth2_authorize_url {
                m.oauth.authorize_url = Some(self.check_endpoint("oauth2_authorize_url", u)?);
            }
            if let Some(u) = &input.oauth2_token_url {
                m.oauth.token_url = Some(self.check_endpoint("oauth2_token_url", u)?);
            }
        }
        if let Some(s) = &input.oauth2_scope {
            let s = s.trim();
            if s.len() > 1000 || s.chars().any(char::is_control) {
                return Err(DeskError::invalid("oauth2_scope", "invalid", "scopes are up to 1000 characters"));
            }
            m.oauth.scope = (!s.is_empty()).then(|| s.to_string());
        }
        if let Some(c) = &input.oauth2_client_id {
            let c = c.trim();
            if c.is_empty() || c.len() > 500 || c.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(DeskError::invalid("oauth2_client_id", "invalid", "a client id is 1 to 500 characters"));
            }
            m.oauth.client_id = Some(c.to_string());
        }
        if let Some(c) = &input.oauth2_client_secret {
            check_secret("oauth2_client_secret", c)?;
            m.oauth.client_secret = Some(self.secrets.seal(PURPOSE, c)?);
        }
        let changed = before != (m.oauth.provider.clone(), m.oauth.tenant.clone(), m.oauth.client_id.clone());
        if let Some(r) = &input.oauth2_refresh_token {
            check_secret("oauth2_refresh_token", r)?;
            m.oauth.refresh_token = Some(self.secrets.seal(PURPOSE, r)?);
            // The next round gets an access token with it first.
            if input.oauth2_access_token.is_none() {
                m.secret = String::new();
                m.oauth.expires_at = None;
            }
        } else if changed && before.2.is_some() {
            m.oauth.refresh_token = None;
            if input.oauth2_access_token.is_none() {
                m.secret = String::new();
                m.oauth.expires_at = None;
            }
        }
        if m.oauth.token_url.is_none() {
            return Err(DeskError::invalid("oauth2_token_url", "required", "a custom provider needs its token URL"));
        }
        if m.oauth.client_id.is_none() {
            return Err(DeskError::invalid("oauth2_client_id", "required", "OAuth2 needs the client id"));
        }
        Ok(())
    }

    /// An authorisation or token URL: https (http too where hooks may call
    /// internal addresses — tests on loopback), a host, no fragment.
    fn check_endpoint(&self, field: &str, url: &str) -> DeskResult<String> {
        let u = url.trim();
        let lower = u.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("https://") || (self.hooks_allow_internal && lower.starts_with("http://"));
        let rest = u.split_once("://").map_or("", |(_, r)| r);
        if !scheme_ok
            || rest.is_empty()
            || rest.starts_with('/')
            || u.len() > 2000
            || u.contains('#')
            || u.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(DeskError::invalid(field, "invalid", "an https:// URL with a host, no fragment"));
        }
        Ok(u.to_string())
    }

    // ---- the poller's side (Tessera itself) ----------------------------------------------

    /// The active mailboxes with their secrets opened, for the mail poller
    /// ([`Actor::system`] only). A mailbox whose secret cannot be opened
    /// (the installation's key changed) is left out with its state set, so
    /// an admin sees it and enters the password again.
    pub async fn mailboxes_to_read(&self, actor: &Actor) -> DeskResult<Vec<MailboxToRead>> {
        require_tessera(actor)?;
        let mut out = Vec::new();
        for m in self.store.list_mailboxes().await? {
            if !m.active {
                continue;
            }
            // An OAuth2 mailbox the provider refused waits for an admin:
            // trying again cannot work and would only loop.
            if m.auth_kind == MailboxAuthKind::Oauth2 && m.state == MailboxState::Reauthorise {
                continue;
            }
            let opened = if m.secret.is_empty() && m.auth_kind == MailboxAuthKind::Oauth2 {
                Ok(String::new())
            } else {
                self.secrets.open(PURPOSE, &m.secret)
            };
            match opened {
                Ok(secret) => {
                    let (expires_at, refreshable) = (m.oauth.expires_at, m.oauth.refresh_token.is_some());
                    out.push(MailboxToRead { mailbox: m, secret, expires_at, refreshable });
                }
                Err(_) => {
                    if m.state != MailboxState::Reauthorise {
                        let mut m = m;
                        m.state = MailboxState::Reauthorise;
                        m.last_error = Some("the stored password cannot be read: enter it again".into());
                        self.store.update_mailbox(&m).await?;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Takes or renews the lease on a mailbox for this instance (`owner`)
    /// for `ttl`: answers whether it holds it, so two instances never read
    /// one folder at once. Tessera itself only.
    pub async fn take_mailbox_lease(
        &self,
        actor: &Actor,
        id: MailboxId,
        owner: &str,
        ttl: Duration,
    ) -> DeskResult<bool> {
        require_tessera(actor)?;
        let now = self.now();
        let until = now + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(60));
        Ok(self.store.take_mailbox_lease(id, owner, now, until).await?)
    }

    /// Gives the lease up (the instance stops). Tessera itself only.
    pub async fn release_mailbox_lease(&self, actor: &Actor, id: MailboxId, owner: &str) -> DeskResult<()> {
        require_tessera(actor)?;
        Ok(self.store.release_mailbox_lease(id, owner).await?)
    }

    /// Saves how far reading got and how it went, if `owner` still holds
    /// the lease (answers whether it did). Tessera itself only.
    pub async fn save_mailbox_progress(
        &self,
        actor: &Actor,
        id: MailboxId,
        owner: &str,
        progress: MailboxProgress,
    ) -> DeskResult<bool> {
        require_tessera(actor)?;
        let mut progress = progress;
        if let Some(e) = progress.error.as_mut()
            && e.len() > 1000
        {
            let mut cut = 1000;
            while !e.is_char_boundary(cut) {
                cut -= 1;
            }
            e.truncate(cut);
        }
        Ok(self.store.save_mailbox_progress(id, owner, progress).await?)
    }
}

/// An OAuth2 mailbox with no way to get a token (no access token, no
/// refresh token) waits for an admin to authorise it.
fn set_waiting_state(m: &mut MailboxRecord) {
    if m.auth_kind == MailboxAuthKind::Oauth2 && m.secret.is_empty() && m.oauth.refresh_token.is_none() {
        m.state = MailboxState::Reauthorise;
        m.last_error = Some("not authorised yet: press Authorise on the mailbox's page".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_imap_or_imaps_with_a_host_and_a_port() {
        for good in
            ["imap://mail.example.com", "imaps://mail.example.com:993", "IMAPS://[::1]:1993/", "imap://127.0.0.1:143"]
        {
            assert!(check_url(good).is_ok(), "{good}");
        }
        for bad in [
            "http://mail.example.com",
            "imaps://",
            "imaps://user@host",
            "imap://host/INBOX",
            "imap://host:0",
            "imap://host:99999",
            "imap://host:x",
            "imap://[::1",
            "imap://ho st",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn folders_are_plain_ascii() {
        assert!(check_folder("folder", "INBOX").is_ok());
        assert!(check_folder("folder", "Archive/Tessera").is_ok());
        assert!(check_folder("folder", "").is_err());
        assert!(check_folder("folder", "Входящие").is_err());
        assert!(check_folder("folder", "a*").is_err());
    }
}
