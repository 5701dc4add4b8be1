//! IMAP mailboxes Tessera reads mail from: their settings (the secret
//! sealed by the desk), how far reading got (UIDVALIDITY and the last UID),
//! the lease that lets one instance at a time read one, and the state an
//! admin sees (last fetch, last error, backlog).

use serde::{Deserialize, Serialize};
use tessera_core::Timestamp;
use tessera_core::ids::{DepartmentId, MailboxId};

macro_rules! stored_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),* }

        impl $name {
            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            /// Reads the stored spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}

stored_enum!(
    /// How Tessera proves who it is to the IMAP server.
    MailboxAuthKind {
        /// `LOGIN` with a password (or an app password).
        Password = "password",
        /// `AUTHENTICATE XOAUTH2` with an OAuth2 access token.
        Oauth2 = "oauth2",
    }
);

stored_enum!(
    /// What is done to a message on the server once it is kept.
    AfterImportKind {
        /// An IMAP keyword is set; the message stays where it is.
        Keyword = "keyword",
        /// The message is moved to `move_folder`.
        Move = "move",
        /// The message is deleted.
        Delete = "delete",
    }
);

stored_enum!(
    /// How reading a mailbox is going, as an admin sees it.
    MailboxState {
        /// The last fetch worked (or none was tried yet).
        Ok = "ok",
        /// The last fetch failed; it is retried with growing pauses.
        Error = "error",
        /// The server refused the credential: an admin must enter a new
        /// password or authorise again; it is retried only rarely.
        Reauthorise = "reauthorise",
    }
);

/// A mailbox's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxRecord {
    /// Its id.
    pub id: MailboxId,
    /// The department its mail opens tickets in (when no department
    /// address matches the message).
    pub department_id: DepartmentId,
    /// The address it receives (for display).
    pub address: String,
    /// `imap://host[:port]` or `imaps://host[:port]`.
    pub imap_url: String,
    /// Upgrade an `imap://` connection with STARTTLS.
    pub starttls: bool,
    /// The account name.
    pub username: String,
    /// What `secret` holds.
    pub auth_kind: MailboxAuthKind,
    /// The password or OAuth2 token, sealed by the desk.
    pub secret: String,
    /// The folder read.
    pub folder: String,
    /// What is done to a message once kept.
    pub after_import: AfterImportKind,
    /// The folder messages are moved to, with [`AfterImportKind::Move`].
    pub move_folder: Option<String>,
    /// Whether it is read.
    pub active: bool,
    /// The folder's UIDVALIDITY when `last_uid` was read (0: never read).
    pub uid_validity: i64,
    /// The highest UID kept.
    pub last_uid: i64,
    /// The instance reading it now.
    pub lease_owner: Option<String>,
    /// Until when that instance may.
    pub lease_until: Option<Timestamp>,
    /// When a fetch was last tried.
    pub last_fetch_at: Option<Timestamp>,
    /// When a fetch last worked.
    pub last_success_at: Option<Timestamp>,
    /// Why the last fetch failed (no credential in it).
    pub last_error: Option<String>,
    /// How it is going.
    pub state: MailboxState,
    /// Messages seen on the server and not yet kept.
    pub backlog: i64,
    /// When it was made.
    pub created_at: Timestamp,
    /// When its settings last changed.
    pub updated_at: Timestamp,
    /// Its OAuth2 settings and tokens (all `None` on a password mailbox).
    pub oauth: MailboxOAuth,
}

/// A mailbox's OAuth2 authorisation: where tokens come from, the client
/// Tessera is registered as, and the refresh token that gets new access
/// tokens before the one in [`MailboxRecord::secret`] runs out. The client
/// secret, the refresh token and the pending authorisation are sealed by
/// the desk, like the secret.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxOAuth {
    /// `google`, `microsoft` or `custom`.
    pub provider: Option<String>,
    /// Microsoft's tenant (none: `common`).
    pub tenant: Option<String>,
    /// Where an admin is sent to authorise Tessera.
    pub authorize_url: Option<String>,
    /// Where codes and refresh tokens are exchanged for access tokens.
    pub token_url: Option<String>,
    /// The scopes asked for, space-separated.
    pub scope: Option<String>,
    /// The client id Tessera is registered under.
    pub client_id: Option<String>,
    /// The client secret, sealed.
    pub client_secret: Option<String>,
    /// The refresh token, sealed.
    pub refresh_token: Option<String>,
    /// When the access token in `secret` runs out.
    pub expires_at: Option<Timestamp>,
    /// An admin's authorisation under way (state, PKCE verifier), sealed;
    /// used once.
    pub pending: Option<String>,
}

/// The tokens a refresh leaves behind: saved without touching the
/// settings' time, so the poller's worker is not restarted by its own
/// refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxTokens {
    /// The new access token, sealed.
    pub secret: String,
    /// The refresh token, sealed (a rotated one, or the one kept).
    pub refresh_token: Option<String>,
    /// When the access token runs out.
    pub expires_at: Option<Timestamp>,
}

/// What one round of reading a mailbox leaves behind: the cursor and the
/// state an admin sees. Saved only by the lease's holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxProgress {
    /// The folder's UIDVALIDITY the cursor belongs to.
    pub uid_validity: i64,
    /// The highest UID kept.
    pub last_uid: i64,
    /// When the fetch was tried.
    pub fetched_at: Timestamp,
    /// Whether it worked (then `last_success_at` becomes `fetched_at`).
    pub succeeded: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// How it is going.
    pub state: MailboxState,
    /// Messages seen and not yet kept.
    pub backlog: i64,
}
