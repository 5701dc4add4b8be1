//! What a mailbox is: where the server is, who we are, which folder we read
//! and what we do with a message once the desk has it.

use std::fmt;
use std::time::Duration;

use super::ImapError;

/// The keyword [`AfterImport::default`] sets on imported messages.
pub const DEFAULT_KEYWORD: &str = "$TesseraImported";

/// One IMAP folder Tessera reads mail from, as an admin configured it.
///
/// It exists so the server can hand the IMAP client everything it needs in
/// one value read from the database (credentials decrypted by the caller);
/// its `Debug` output never shows a password or token.
#[derive(Clone, Debug)]
pub struct MailboxConfig {
    /// `imap://host[:port]` (default port 143) or `imaps://host[:port]`
    /// (default port 993, TLS from the first byte).
    pub url: String,
    /// Upgrade an `imap://` connection with STARTTLS before logging in; the
    /// connection fails if the server does not offer it. Ignored for `imaps://`.
    pub starttls: bool,
    /// PEM certificates to trust for this mailbox in addition to the
    /// system's roots: an in-house mail server with its own CA. `None`
    /// trusts the system's roots only.
    pub extra_ca_pem: Option<String>,
    /// The account name given to the server.
    pub username: String,
    /// How we prove who we are.
    pub auth: Auth,
    /// The folder read, `INBOX` by default. ASCII only for now (no modified
    /// UTF-7 encoding yet).
    pub folder: String,
    /// What acknowledging a message does to it on the server.
    pub after_import: AfterImport,
    /// The most messages one [`fetch_batch`](super::MailboxClient::fetch_batch)
    /// returns (50 by default), so a backlog is read in bounded steps.
    pub batch_size: usize,
    /// A batch stops before the message that would take it past this many
    /// bytes (32 MiB by default), so memory stays bounded when large
    /// messages queue up; a batch always holds at least one message.
    pub max_batch_bytes: u64,
    /// The longest any single network operation may take (60 s by default):
    /// connecting, logging in, a SELECT, a FETCH of one batch, a STORE…
    pub op_timeout: Duration,
}

impl MailboxConfig {
    /// A configuration with the defaults: no STARTTLS, `INBOX`, the
    /// `$TesseraImported` keyword, batches of 50 messages or 32 MiB, 60 s
    /// per operation.
    pub fn new(url: impl Into<String>, username: impl Into<String>, auth: Auth) -> Self {
        Self {
            url: url.into(),
            starttls: false,
            extra_ca_pem: None,
            username: username.into(),
            auth,
            folder: "INBOX".to_owned(),
            after_import: AfterImport::default(),
            batch_size: 50,
            max_batch_bytes: 32 * 1024 * 1024,
            op_timeout: Duration::from_secs(60),
        }
    }

    /// Checks everything that can be checked without a server, so a bad
    /// setting is reported when it is saved rather than at the first poll.
    pub fn validate(&self) -> Result<Endpoint, ImapError> {
        let endpoint = Endpoint::parse(&self.url)?;
        if self.username.is_empty() {
            return Err(ImapError::Config("the username is empty".into()));
        }
        if self.username.contains(['\r', '\n', '\x01']) {
            return Err(ImapError::Config("the username contains a control character".into()));
        }
        check_folder(&self.folder)?;
        if let Some(pem) = &self.extra_ca_pem {
            super::transport::parse_pem(pem).map_err(ImapError::Config)?;
        }
        match &self.after_import {
            AfterImport::Keyword(k) => check_keyword(k)?,
            AfterImport::MoveTo(f) => {
                check_folder(f)?;
                if f == &self.folder {
                    return Err(ImapError::Config("messages cannot be moved to the folder they are read from".into()));
                }
            }
            AfterImport::Delete => {}
        }
        if self.batch_size == 0 {
            return Err(ImapError::Config("the batch size is 0".into()));
        }
        if self.max_batch_bytes == 0 {
            return Err(ImapError::Config("the batch byte limit is 0".into()));
        }
        if self.op_timeout.is_zero() {
            return Err(ImapError::Config("the operation timeout is 0".into()));
        }
        Ok(endpoint)
    }
}

/// The credential for a mailbox. Its `Debug` output redacts the secret, so a
/// configuration can be logged whole.
#[derive(Clone)]
pub enum Auth {
    /// `LOGIN` with a password (or an app password).
    Password(String),
    /// `AUTHENTICATE XOAUTH2` with an OAuth2 access token (Google, Microsoft
    /// 365). The caller obtains and refreshes the token; a refused token is
    /// reported as [`ImapError::AuthExpired`].
    XOAuth2 {
        /// The bearer token, sent only to the IMAP server.
        access_token: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password(_) => f.write_str("Password(<redacted>)"),
            Self::XOAuth2 { .. } => f.debug_struct("XOAuth2").field("access_token", &"<redacted>").finish(),
        }
    }
}

/// What happens to a message on the server once the caller has stored it
/// and says so with [`acknowledge`](super::MailboxClient::acknowledge).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterImport {
    /// Add this IMAP keyword and leave the message where it is (the default,
    /// `$TesseraImported`): nothing disappears from the users' view. Messages
    /// carrying it are also skipped when fetching.
    Keyword(String),
    /// Move the message to this folder (MOVE, or COPY + delete when the
    /// server lacks MOVE).
    MoveTo(String),
    /// Delete the message (flag `\Deleted` and expunge just those UIDs).
    Delete,
}

impl Default for AfterImport {
    fn default() -> Self {
        Self::Keyword(DEFAULT_KEYWORD.to_owned())
    }
}

/// How the connection is protected, decided by the URL and `starttls`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// Plain text: only sensible on loopback or a trusted network.
    Plain,
    /// Plain connect, then `STARTTLS` before anything else is said.
    StartTls,
    /// TLS from the first byte (`imaps://`).
    Tls,
}

/// A parsed mailbox URL: host, port and whether the scheme asks for TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or IP address (without IPv6 brackets); also the TLS server name.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// `true` for `imaps://`.
    pub implicit_tls: bool,
}

impl Endpoint {
    /// Parses `imap://host[:port]` or `imaps://host[:port]` (a trailing `/`
    /// is allowed; user info, paths and queries are not).
    pub fn parse(url: &str) -> Result<Self, ImapError> {
        let bad = |why: &str| ImapError::Config(format!("mailbox URL {url:?}: {why}"));
        let (implicit_tls, rest) = if let Some(rest) = strip_prefix_ci(url, "imaps://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ci(url, "imap://") {
            (false, rest)
        } else {
            return Err(bad("must start with imap:// or imaps://"));
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '@', '?', '#']) || rest.chars().any(char::is_whitespace) {
            return Err(bad("only a host and a port may follow the scheme"));
        }
        let default_port = if implicit_tls { 993 } else { 143 };
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed ["))?;
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| bad("junk after ]"))?),
            };
            (host, port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = match port {
            None => default_port,
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| bad("bad port"))?,
        };
        Ok(Self { host: host.to_owned(), port, implicit_tls })
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

fn check_folder(folder: &str) -> Result<(), ImapError> {
    if folder.is_empty() {
        return Err(ImapError::Config("the folder name is empty".into()));
    }
    if !folder.is_ascii() || folder.contains(|c: char| c.is_ascii_control() || "%*\"\\".contains(c)) {
        return Err(ImapError::Config(format!(
            "folder {folder:?}: only printable ASCII without % * \" \\ is supported"
        )));
    }
    Ok(())
}

fn check_keyword(keyword: &str) -> Result<(), ImapError> {
    // RFC 3501 flag-keyword = atom; atom-specials and `\` are not allowed.
    let ok = !keyword.is_empty() && keyword.chars().all(|c| c.is_ascii_graphic() && !"(){%*\"\\]".contains(c));
    if ok { Ok(()) } else { Err(ImapError::Config(format!("keyword {keyword:?} is not an IMAP atom"))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_default_ports() {
        let e = Endpoint::parse("imaps://mail.example.com").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((e.host.as_str(), e.port, e.implicit_tls), ("mail.example.com", 993, true));
        let e = Endpoint::parse("IMAP://127.0.0.1:1143/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((e.host.as_str(), e.port, e.implicit_tls), ("127.0.0.1", 1143, false));
        let e = Endpoint::parse("imap://[::1]:10143").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((e.host.as_str(), e.port), ("::1", 10143));
        for bad in [
            "http://x",
            "imap://",
            "imap://u:p@host",
            "imap://host/INBOX",
            "imap://host:0",
            "imap://host:99999",
            "imap://[::1",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = MailboxConfig::new("imap://h", "u", Auth::Password("hunter2".into()));
        assert!(!format!("{c:?}").contains("hunter2"));
        let a = Auth::XOAuth2 { access_token: "ya29.secret".into() };
        assert!(!format!("{a:?}").contains("ya29"));
    }

    #[test]
    fn validation_rejects_bad_settings() {
        let base = MailboxConfig::new("imap://h", "u", Auth::Password("p".into()));
        assert!(base.validate().is_ok());
        let mut c = base.clone();
        c.after_import = AfterImport::Keyword("has space".into());
        assert!(c.validate().is_err());
        let mut c = base.clone();
        c.after_import = AfterImport::MoveTo("INBOX".into());
        assert!(c.validate().is_err());
        let mut c = base.clone();
        c.folder = "Posteingang/Ärger".into();
        assert!(c.validate().is_err());
        let mut c = base;
        c.batch_size = 0;
        assert!(c.validate().is_err());
    }
}
