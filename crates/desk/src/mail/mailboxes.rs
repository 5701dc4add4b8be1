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
use tessera_store::{AfterImportKind, MailboxAuthKind, MailboxProgress, MailboxRecord, MailboxState};

/// The sealing purpose of mailbox secrets, so a sealed value of another
/// kind never opens as one.
const PURPOSE: &str = "mailbox_secret";

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
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
    /// When its settings last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub updated_at: Timestamp,
}

impl From<MailboxRecord> for MailboxView {
    fn from(m: MailboxRecord) -> Self {
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
    /// The password or access token in clear, for the IMAP server only.
    pub secret: String,
}

impl std::fmt::Debug for MailboxToRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailboxToRead").field("id", &self.mailbox.id).field("secret", &"<redacted>").finish()
    }
}

fn require_admin(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(DeskError::forbidden("only admins manage mailboxes")) }
}

/// Tessera itself ([`Actor::system`]): the only one given opened secrets
/// and the poller's lease.
fn require_tessera(actor: &Actor) -> DeskResult<()> {
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
        };
        if input.address.is_none() {
            return Err(required("address", "an address"));
        }
        if input.password.is_none() && input.oauth2_access_token.is_none() {
            return Err(required("password", "a password or an OAuth2 access token"));
        }
        self.apply_mailbox_input(&mut m, input).await?;
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
        match (&input.password, &input.oauth2_access_token) {
            (Some(_), Some(_)) => {
                return Err(DeskError::invalid("password", "conflict", "a password or an OAuth2 token, not both"));
            }
            (Some(p), None) => {
                check_secret("password", p)?;
                m.auth_kind = MailboxAuthKind::Password;
                m.secret = self.secrets.seal(PURPOSE, p)?;
            }
            (None, Some(t)) => {
                check_secret("oauth2_access_token", t)?;
                m.auth_kind = MailboxAuthKind::Oauth2;
                m.secret = self.secrets.seal(PURPOSE, t)?;
            }
            (None, None) => {}
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
            match self.secrets.open(PURPOSE, &m.secret) {
                Ok(secret) => out.push(MailboxToRead { mailbox: m, secret }),
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
