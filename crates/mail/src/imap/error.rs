//! The ways talking to a mailbox fails, sorted by what the caller does next.

use std::io;
use std::time::Duration;

/// Why an IMAP operation failed.
///
/// The variants are what the poller needs to decide: fix the settings
/// ([`Config`](Self::Config), [`AuthFailed`](Self::AuthFailed),
/// [`FolderMissing`](Self::FolderMissing)), ask the admin to authorise again
/// ([`AuthExpired`](Self::AuthExpired)), or retry later with backoff (the
/// rest). No variant carries a password or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImapError {
    /// The configuration cannot work (bad URL, empty username, a folder name
    /// we cannot send…); found before any network traffic.
    #[error("invalid mailbox configuration: {0}")]
    Config(String),
    /// No TCP connection to the server (DNS, refused, unreachable).
    #[error("cannot connect to {address}: {source}")]
    Connect {
        /// `host:port` tried.
        address: String,
        /// What the operating system said.
        source: io::Error,
    },
    /// The TLS handshake failed (certificate not trusted, wrong name, the
    /// port does not speak TLS) or STARTTLS was asked for and not offered.
    #[error("TLS with {host} failed: {reason}")]
    Tls {
        /// The server name checked against the certificate.
        host: String,
        /// What went wrong.
        reason: String,
    },
    /// The server refused the username or password: the admin must change
    /// the settings; retrying will not help.
    #[error("the server refused the login: {detail}")]
    AuthFailed {
        /// The server's words (never our credential).
        detail: String,
    },
    /// The server refused the OAuth2 access token (expired or revoked). The
    /// caller refreshes it once; if a fresh token is refused too, the mailbox
    /// goes to a "re-authorise" state shown to the admin.
    #[error("the server refused the OAuth2 token, re-authorisation needed: {detail}")]
    AuthExpired {
        /// The server's words (never the token).
        detail: String,
    },
    /// The server lacks something this configuration needs (XOAUTH2, LOGIN
    /// on a plain-text connection, keywords in the folder; a missing
    /// STARTTLS is a [`Tls`](Self::Tls) error): the admin must choose
    /// another setting.
    #[error("the server does not support this: {0}")]
    Unsupported(String),
    /// The folder to read, or to move imported messages to, does not exist.
    #[error("folder {0:?} does not exist on the server")]
    FolderMissing(String),
    /// A network operation took longer than the configured `op_timeout`.
    /// The connection is dropped and the next call opens a new one.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// What we were doing.
        operation: &'static str,
        /// The limit that ran out.
        after: Duration,
    },
    /// The folder's UIDVALIDITY is not the one the UIDs to acknowledge were
    /// fetched under: they may now name other messages, so nothing was
    /// changed. The next fetch returns the folder's messages again under the
    /// new validity; the caller skips those it has by content hash.
    #[error("UIDVALIDITY changed from {expected} to {found}; nothing was acknowledged")]
    UidValidityChanged {
        /// The validity the caller's UIDs belong to.
        expected: u32,
        /// The folder's validity now.
        found: u32,
    },
    /// The connection broke (reset, closed by the server, I/O error).
    #[error("connection lost during {operation}: {source}")]
    Connection {
        /// What we were doing.
        operation: &'static str,
        /// The underlying error.
        source: io::Error,
    },
    /// The server answered something we did not expect, or refused a command
    /// (`NO`/`BAD`) for a reason not covered above.
    #[error("IMAP error during {operation}: {detail}")]
    Protocol {
        /// What we were doing.
        operation: &'static str,
        /// The server's answer or the parse problem.
        detail: String,
    },
}

impl ImapError {
    /// True when only a person can fix it (settings or re-authorisation), so
    /// retrying with backoff is pointless until the configuration changes.
    pub fn needs_admin(&self) -> bool {
        matches!(
            self,
            Self::Config(_)
                | Self::AuthFailed { .. }
                | Self::AuthExpired { .. }
                | Self::Unsupported(_)
                | Self::FolderMissing(_)
        )
    }

    /// Translates an async-imap error met during `operation`.
    pub(crate) fn from_imap(operation: &'static str, e: async_imap::error::Error) -> Self {
        use async_imap::error::Error as E;
        match e {
            E::Io(source) => Self::Connection { operation, source },
            E::ConnectionLost => Self::Connection {
                operation,
                source: io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"),
            },
            E::No(detail) | E::Bad(detail) => Self::Protocol { operation, detail },
            other => Self::Protocol { operation, detail: other.to_string() },
        }
    }

    /// True when the connection is certainly still in a known state after
    /// this error; after any other error it is dropped and reopened.
    pub(crate) fn keeps_connection(&self) -> bool {
        matches!(self, Self::FolderMissing(_) | Self::UidValidityChanged { .. })
    }
}
