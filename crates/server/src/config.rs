//! Configuration: defaults, then `DATA_DIR/tessera.toml` when present, then
//! `TESSERA_*` environment variables, then command-line flags (applied by
//! the caller).
//!
//! ```toml
//! [server]
//! listen = "127.0.0.1:8080"
//! public_url = "https://help.example.com"   # used in links
//! timezone = "Europe/Istanbul"              # dates the compat dialects write (IANA name; default UTC)
//! language = "tr"                           # messages when the caller asks for none: en, tr, zh, ru (default en)
//! trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]   # whose X-Forwarded-For / Forwarded is believed (default: none)
//!
//! [database]
//! url = "sqlite:///var/lib/tessera/tessera.db"   # default: tessera.db in the data folder
//!
//! [security]
//! secret_key = "<64 hex characters>"   # default: generated into DATA_DIR/secret.key
//!
//! [limits]
//! max_body_bytes = 1048576              # JSON request bodies
//! max_attachment_bytes = 20971520       # one uploaded file
//! max_attachments_per_message = 10
//! header_read_timeout_ms = 10000        # a request's head must arrive within this (also: longest idle keep-alive)
//! idle_timeout_ms = 60000               # a connection with no byte moving either way for this long is closed
//!
//! [hooks]
//! allow_internal_targets = false        # webhook, hook and panel URLs may not reach loopback/private addresses
//! retry_base_ms = 10000                 # first webhook retry; each next doubles (±20%), at most retry_cap_ms
//! retry_cap_ms = 3600000
//! timeout_ms = 10000                    # one webhook delivery
//!
//! [sla]
//! poll_ms = 60000                       # longest sleep of the SLA checker (alerts come on time anyway)
//!
//! [compat]
//! enable = ["whmcs", "billmanager", "hostapi", "bangwo8"]   # default: none (TESSERA_COMPAT=whmcs,hostapi)
//!
//! [compat.whmcs]
//! allowed_ips = ["127.0.0.1"]           # default: any address
//!
//! [storage]
//! kind = "s3"                           # where attachments go: "fs" (default: DATA_DIR/blobs) or "s3"
//! bucket = "tessera"                    # must exist
//! endpoint = "http://127.0.0.1:9000"    # default: AWS; MinIO, R2, Ceph... give theirs
//! region = "us-east-1"                  # the default
//! access_key_id = "..."
//! secret_access_key = "..."             # never logged
//! prefix = "blobs"                      # default: the bucket's root
//! allow_http = true                     # needed for a plain http:// endpoint (default false)
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A configuration problem, reported before the server starts.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("{path} is not a valid configuration: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A value is wrong.
    #[error("{0}")]
    Invalid(String),
}

/// Where the data lives.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (not supported by this build yet).
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            // The URL may hold a password.
            Self::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}

/// Where attachment bytes are kept (`[storage]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StorageConfig {
    /// Files under `DATA_DIR/blobs` (the default).
    #[default]
    Fs,
    /// An S3-compatible bucket.
    S3(tessera_blob_s3::S3Settings),
}

/// The effective configuration.
#[derive(Clone)]
pub struct Config {
    /// The data folder (database, blobs, key).
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: String,
    /// The public base URL, when behind a proxy.
    pub public_url: Option<String>,
    /// The proxies whose forwarding headers name the client's address
    /// (`[server] trusted_proxies`, `TESSERA_TRUSTED_PROXIES`).
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// The database.
    pub database: DatabaseUrl,
    /// The 256-bit key for secrets at rest, as hex (none: the data folder's).
    pub secret_key: Option<String>,
    /// Largest JSON request body.
    pub max_body_bytes: usize,
    /// Largest uploaded file.
    pub max_attachment_bytes: usize,
    /// Most files on one message.
    pub max_attachments_per_message: usize,
    /// How long a client has to send a request's line and headers, from
    /// the connection's start or the end of the previous answer, in
    /// milliseconds (`[limits] header_read_timeout_ms`): a half-sent head
    /// must not hold a connection for ever.
    pub header_read_timeout_ms: u64,
    /// How long a connection may go without a byte moving either way
    /// before it is closed, in milliseconds (`[limits] idle_timeout_ms`):
    /// a stalled body or a client that stopped reading. Event streams send
    /// keep-alives well within it.
    pub idle_timeout_ms: u64,
    /// Integrations (webhooks, validation hooks, panels).
    pub hooks: HooksConfig,
    /// Where attachments are kept.
    pub storage: StorageConfig,
    /// The longest sleep of the SLA checker, in milliseconds (`[sla]
    /// poll_ms`, `TESSERA_SLA_POLL_MS`; 10 to 3 600 000).
    pub sla_poll_ms: u64,
    /// How often the mail poller lists the IMAP mailboxes and the longest
    /// wait between two fetches of one, in milliseconds (`[mail] poll_ms`,
    /// `TESSERA_MAIL_POLL_MS`; 100 to 3 600 000).
    pub mail_poll_ms: u64,
    /// Outgoing mail (`[mail] smtp_url`, `from`, …): none without an SMTP
    /// server, and then nothing is sent.
    pub mail_out: MailOutConfig,
    /// The compat dialects (`[compat]`, with `[server] timezone` and
    /// `language` and `public_url`).
    pub compat: tessera_compat::CompatConfig,
    /// A clock to use instead of the system's. Never read from the file or
    /// the environment: tests set it in code to play SLA times (a ticket
    /// opened on a Friday afternoon, a weekend passing) without waiting.
    pub clock: Option<std::sync::Arc<dyn tessera_core::Clock>>,
    /// Outgoing mail's settings for the desk's queue instead of those made
    /// from `mail_out`, with no SMTP sender started. Never read from the
    /// file or the environment: tests set it in code to have mail (reset
    /// and sign-in links) queued and read it from the queue as the sender
    /// does. `public_url` comes from the field above.
    pub mail_outbound: Option<tessera_desk::mail::outbound::OutboundSettings>,
}

/// How integrations are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HooksConfig {
    /// Whether URLs may resolve to loopback, private or link-local addresses
    /// (off by default: an admin must not be able to aim Tessera at the
    /// machine's own services).
    pub allow_internal_targets: bool,
    /// The first retry's delay, in milliseconds.
    pub retry_base_ms: u64,
    /// The longest delay between retries, in milliseconds.
    pub retry_cap_ms: u64,
    /// How long one webhook delivery may take, in milliseconds.
    pub timeout_ms: u64,
}

/// Outgoing mail (docs/email.md, "E-mail out").
#[derive(Debug, Clone)]
pub struct MailOutConfig {
    /// The SMTP server (`[mail] smtp_url`, `smtp_user`, `smtp_password`,
    /// `smtp_oauth_mailbox`; `TESSERA_SMTP_URL`, `TESSERA_SMTP_USER`,
    /// `TESSERA_SMTP_PASSWORD`, `TESSERA_SMTP_OAUTH_MAILBOX`).
    pub smtp: Option<tessera_mail::outbound::SmtpConfig>,
    /// The sender of account mail and of departments without an address
    /// (`[mail] from`, `TESSERA_MAIL_FROM`: `Name <address>` or `address`).
    pub from: Option<(Option<String>, String)>,
    /// At most one acknowledgement per sender within this many minutes
    /// (`[mail] acknowledgement_window_minutes`; 0: every ticket).
    pub acknowledgement_window_minutes: u64,
    /// Copies sent at once (`[mail] send_concurrency`, 1 to 64).
    pub send_concurrency: usize,
    /// The DKIM key outgoing mail is signed with (`[mail] dkim_selector`,
    /// `dkim_key_file`, `dkim_domain`; `TESSERA_DKIM_*`), read and checked
    /// when the configuration is loaded.
    pub dkim: Option<std::sync::Arc<tessera_mail::dkim::DkimSigner>>,
    /// How long a notification waits for its digest, in seconds (`[mail]
    /// digest_minutes`, `TESSERA_MAIL_DIGEST_MINUTES`; 1 minute to 1 day;
    /// default an hour; decision 48). Seconds here so tests can wait less.
    pub digest_secs: u64,
}

impl Default for MailOutConfig {
    fn default() -> Self {
        Self {
            smtp: None,
            from: None,
            acknowledgement_window_minutes: 15,
            send_concurrency: 8,
            dkim: None,
            digest_secs: 3600,
        }
    }
}

/// A digest period in minutes (1 to a day), as seconds.
fn digest_secs(minutes: u64) -> Result<u64, ConfigError> {
    if (1..=1440).contains(&minutes) {
        Ok(minutes * 60)
    } else {
        Err(ConfigError::Invalid("mail: digest_minutes must be between 1 and 1440".into()))
    }
}

/// The DKIM signer of `[mail] dkim_*`: none without a selector and a key;
/// the domain is `dkim_domain`, else `[mail] from`'s. The key file is
/// read now, so a bad one stops the start with its name (never its
/// contents); a relative path is in the data folder.
fn dkim_signer(
    data_dir: &Path,
    selector: Option<String>,
    key_file: Option<String>,
    domain: Option<String>,
    from: &Option<(Option<String>, String)>,
) -> Result<Option<std::sync::Arc<tessera_mail::dkim::DkimSigner>>, ConfigError> {
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let (selector, key_file, domain) = (given(selector), given(key_file), given(domain));
    let (selector, key_file) = match (selector, key_file) {
        (None, None) if domain.is_none() => return Ok(None),
        (Some(s), Some(k)) => (s, k),
        _ => {
            return Err(ConfigError::Invalid("mail: DKIM signing needs both dkim_selector and dkim_key_file".into()));
        }
    };
    let domain = match domain {
        Some(d) => d,
        None => match from.as_ref().and_then(|(_, a)| a.rsplit_once('@')) {
            Some((_, d)) => d.to_string(),
            None => {
                return Err(ConfigError::Invalid(
                    "mail: DKIM signing needs dkim_domain (or [mail] from, whose domain it defaults to)".into(),
                ));
            }
        },
    };
    let path = PathBuf::from(key_file.trim());
    let path = if path.is_absolute() { path } else { data_dir.join(path) };
    let signer = tessera_mail::dkim::DkimSigner::load(&selector, &path, &domain)
        .map_err(|e| ConfigError::Invalid(e.to_string()))?;
    Ok(Some(std::sync::Arc::new(signer)))
}

/// Reads `Name <address>` or `address`.
fn mailbox_setting(v: &str) -> Result<(Option<String>, String), ConfigError> {
    let v = v.trim();
    let (name, address) = match (v.rfind('<'), v.ends_with('>')) {
        (Some(i), true) => {
            let name = v[..i].trim().trim_matches('"').trim();
            (Some(name.to_string()).filter(|n| !n.is_empty()), v[i + 1..v.len() - 1].trim())
        }
        _ => (None, v),
    };
    tessera_core::email::Email::parse(address)
        .map_err(|_| ConfigError::Invalid("mail: from must be an e-mail address (Name <address>)".into()))?;
    Ok((name, address.to_string()))
}

impl Default for HooksConfig {
    fn default() -> Self {
        Self { allow_internal_targets: false, retry_base_ms: 10_000, retry_cap_ms: 3_600_000, timeout_ms: 10_000 }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("database", &self.database)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "<redacted>"))
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_attachment_bytes", &self.max_attachment_bytes)
            .field("max_attachments_per_message", &self.max_attachments_per_message)
            .field("header_read_timeout_ms", &self.header_read_timeout_ms)
            .field("idle_timeout_ms", &self.idle_timeout_ms)
            .field("hooks", &self.hooks)
            .field("storage", &self.storage)
            .field("sla_poll_ms", &self.sla_poll_ms)
            .field("mail_poll_ms", &self.mail_poll_ms)
            .field("mail_out", &self.mail_out)
            .field("compat", &self.compat)
            .field("clock", &self.clock.as_ref().map(|_| "<manual>"))
            .field("mail_outbound", &self.mail_outbound.as_ref().map(|o| o.enabled))
            .finish()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    server: ServerSection,
    #[serde(default)]
    database: DatabaseSection,
    #[serde(default)]
    security: SecuritySection,
    #[serde(default)]
    limits: LimitsSection,
    #[serde(default)]
    hooks: HooksSection,
    #[serde(default)]
    sla: SlaSection,
    #[serde(default)]
    mail: MailSection,
    #[serde(default)]
    compat: CompatSection,
    #[serde(default)]
    storage: StorageSection,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageSection {
    kind: Option<String>,
    bucket: Option<String>,
    endpoint: Option<String>,
    region: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    prefix: Option<String>,
    allow_http: Option<bool>,
}

impl std::fmt::Debug for StorageSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StorageSection(..)")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompatSection {
    enable: Option<Vec<String>>,
    #[serde(default)]
    whmcs: WhmcsSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhmcsSection {
    allowed_ips: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaSection {
    poll_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailSection {
    poll_ms: Option<u64>,
    smtp_url: Option<String>,
    smtp_user: Option<String>,
    smtp_password: Option<String>,
    smtp_oauth_mailbox: Option<String>,
    dkim_selector: Option<String>,
    dkim_key_file: Option<String>,
    dkim_domain: Option<String>,
    from: Option<String>,
    acknowledgement_window_minutes: Option<u64>,
    digest_minutes: Option<u64>,
    send_concurrency: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HooksSection {
    allow_internal_targets: Option<bool>,
    retry_base_ms: Option<u64>,
    retry_cap_ms: Option<u64>,
    timeout_ms: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerSection {
    listen: Option<String>,
    public_url: Option<String>,
    timezone: Option<String>,
    language: Option<String>,
    trusted_proxies: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseSection {
    url: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecuritySection {
    secret_key: Option<String>,
}

impl std::fmt::Debug for SecuritySection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecuritySection(..)")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    max_body_bytes: Option<usize>,
    max_attachment_bytes: Option<usize>,
    max_attachments_per_message: Option<usize>,
    header_read_timeout_ms: Option<u64>,
    idle_timeout_ms: Option<u64>,
}

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    /// How mail is read here: the installation language (`[server]
    /// language`) decides the charset fallback of mail that declares none
    /// or a wrong one (docs/email.md).
    pub fn mail_reading(&self) -> tessera_mail::gateway::Reading {
        tessera_mail::gateway::Reading::for_language(self.compat.language.code())
    }

    /// Defaults for a data folder, without reading anything.
    pub fn defaults(data_dir: &Path) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            listen: DEFAULT_LISTEN.into(),
            public_url: None,
            trusted_proxies: Default::default(),
            database: DatabaseUrl::Sqlite(data_dir.join("tessera.db")),
            secret_key: None,
            max_body_bytes: 1024 * 1024,
            max_attachment_bytes: 20 * 1024 * 1024,
            max_attachments_per_message: 10,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            hooks: HooksConfig::default(),
            storage: StorageConfig::Fs,
            sla_poll_ms: 60_000,
            mail_poll_ms: 5_000,
            mail_out: MailOutConfig::default(),
            compat: tessera_compat::CompatConfig::default(),
            clock: None,
            mail_outbound: None,
        }
    }

    /// Loads the configuration of `data_dir`: its `tessera.toml`, then the
    /// environment (`env` is passed in so tests need not touch the process's).
    pub fn load(data_dir: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut c = Self::defaults(data_dir);
        let path = data_dir.join("tessera.toml");
        let file: FileConfig = match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.clone(), message: e.to_string() })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileConfig::default(),
            Err(e) => return Err(ConfigError::Read { path, source: e }),
        };
        let mut db_url = file.database.url;
        if let Some(v) = file.server.listen {
            c.listen = v;
        }
        c.public_url = file.server.public_url;
        c.secret_key = file.security.secret_key;
        let l = file.limits;
        c.max_body_bytes = l.max_body_bytes.unwrap_or(c.max_body_bytes);
        c.max_attachment_bytes = l.max_attachment_bytes.unwrap_or(c.max_attachment_bytes);
        c.max_attachments_per_message = l.max_attachments_per_message.unwrap_or(c.max_attachments_per_message);
        c.header_read_timeout_ms = l.header_read_timeout_ms.unwrap_or(c.header_read_timeout_ms);
        c.idle_timeout_ms = l.idle_timeout_ms.unwrap_or(c.idle_timeout_ms);
        let h = file.hooks;
        c.hooks.allow_internal_targets = h.allow_internal_targets.unwrap_or(c.hooks.allow_internal_targets);
        c.hooks.retry_base_ms = h.retry_base_ms.unwrap_or(c.hooks.retry_base_ms);
        c.hooks.retry_cap_ms = h.retry_cap_ms.unwrap_or(c.hooks.retry_cap_ms);
        c.hooks.timeout_ms = h.timeout_ms.unwrap_or(c.hooks.timeout_ms);
        c.sla_poll_ms = file.sla.poll_ms.unwrap_or(c.sla_poll_ms);
        c.mail_poll_ms = file.mail.poll_ms.unwrap_or(c.mail_poll_ms);
        let mail = file.mail;
        c.mail_out.acknowledgement_window_minutes =
            mail.acknowledgement_window_minutes.unwrap_or(c.mail_out.acknowledgement_window_minutes);
        c.mail_out.send_concurrency = mail.send_concurrency.unwrap_or(c.mail_out.send_concurrency);
        if let Some(m) = mail.digest_minutes {
            c.mail_out.digest_secs = digest_secs(m)?;
        }
        let (mut smtp_url, mut smtp_user, mut smtp_password, mut mail_from) =
            (mail.smtp_url, mail.smtp_user, mail.smtp_password, mail.from);
        let mut smtp_oauth_mailbox = mail.smtp_oauth_mailbox;
        let (mut dkim_selector, mut dkim_key_file, mut dkim_domain) =
            (mail.dkim_selector, mail.dkim_key_file, mail.dkim_domain);
        let mut proxies = file.server.trusted_proxies.unwrap_or_default();
        let mut timezone = file.server.timezone;
        let mut language = file.server.language;
        let mut enable = file.compat.enable;
        let allowed_ips = file.compat.whmcs.allowed_ips.unwrap_or_default();
        let mut st = file.storage;

        if let Some(v) = env("TESSERA_LISTEN") {
            c.listen = v;
        }
        if let Some(v) = env("TESSERA_PUBLIC_URL") {
            c.public_url = Some(v);
        }
        if let Some(v) = env("TESSERA_DATABASE_URL") {
            db_url = Some(v);
        }
        if let Some(v) = env("TESSERA_SECRET_KEY") {
            c.secret_key = Some(v);
        }
        let num = |name: &str, current: usize| -> Result<usize, ConfigError> {
            match env(name) {
                None => Ok(current),
                Some(v) => v.trim().parse().map_err(|_| ConfigError::Invalid(format!("{name} must be a whole number"))),
            }
        };
        c.max_body_bytes = num("TESSERA_MAX_BODY_BYTES", c.max_body_bytes)?;
        c.max_attachment_bytes = num("TESSERA_MAX_ATTACHMENT_BYTES", c.max_attachment_bytes)?;
        c.max_attachments_per_message = num("TESSERA_MAX_ATTACHMENTS_PER_MESSAGE", c.max_attachments_per_message)?;
        c.header_read_timeout_ms = num("TESSERA_HEADER_READ_TIMEOUT_MS", c.header_read_timeout_ms as usize)? as u64;
        c.idle_timeout_ms = num("TESSERA_IDLE_TIMEOUT_MS", c.idle_timeout_ms as usize)? as u64;
        let flag = |name: &str, v: &str| -> Result<bool, ConfigError> {
            match v.trim() {
                "1" | "true" | "yes" => Ok(true),
                "0" | "false" | "no" | "" => Ok(false),
                _ => Err(ConfigError::Invalid(format!("{name} must be true or false"))),
            }
        };
        if let Some(v) = env("TESSERA_HOOKS_ALLOW_INTERNAL_TARGETS") {
            c.hooks.allow_internal_targets = flag("TESSERA_HOOKS_ALLOW_INTERNAL_TARGETS", &v)?;
        }
        for (name, slot) in [
            ("TESSERA_STORAGE_KIND", &mut st.kind),
            ("TESSERA_S3_BUCKET", &mut st.bucket),
            ("TESSERA_S3_ENDPOINT", &mut st.endpoint),
            ("TESSERA_S3_REGION", &mut st.region),
            ("TESSERA_S3_ACCESS_KEY_ID", &mut st.access_key_id),
            ("TESSERA_S3_SECRET_ACCESS_KEY", &mut st.secret_access_key),
            ("TESSERA_S3_PREFIX", &mut st.prefix),
        ] {
            if let Some(v) = env(name) {
                *slot = Some(v);
            }
        }
        if let Some(v) = env("TESSERA_S3_ALLOW_HTTP") {
            st.allow_http = Some(flag("TESSERA_S3_ALLOW_HTTP", &v)?);
        }
        c.storage = storage_config(st)?;
        c.hooks.retry_base_ms = num("TESSERA_HOOKS_RETRY_BASE_MS", c.hooks.retry_base_ms as usize)? as u64;
        c.hooks.retry_cap_ms = num("TESSERA_HOOKS_RETRY_CAP_MS", c.hooks.retry_cap_ms as usize)? as u64;
        c.hooks.timeout_ms = num("TESSERA_HOOKS_TIMEOUT_MS", c.hooks.timeout_ms as usize)? as u64;
        c.sla_poll_ms = num("TESSERA_SLA_POLL_MS", c.sla_poll_ms as usize)? as u64;
        c.mail_poll_ms = num("TESSERA_MAIL_POLL_MS", c.mail_poll_ms as usize)? as u64;
        c.mail_out.acknowledgement_window_minutes =
            num("TESSERA_MAIL_ACKNOWLEDGEMENT_WINDOW_MINUTES", c.mail_out.acknowledgement_window_minutes as usize)?
                as u64;
        c.mail_out.send_concurrency = num("TESSERA_MAIL_SEND_CONCURRENCY", c.mail_out.send_concurrency)?;
        if env("TESSERA_MAIL_DIGEST_MINUTES").is_some() {
            c.mail_out.digest_secs = digest_secs(num("TESSERA_MAIL_DIGEST_MINUTES", 60)? as u64)?;
        }
        for (name, slot) in [
            ("TESSERA_SMTP_URL", &mut smtp_url),
            ("TESSERA_SMTP_USER", &mut smtp_user),
            ("TESSERA_SMTP_PASSWORD", &mut smtp_password),
            ("TESSERA_SMTP_OAUTH_MAILBOX", &mut smtp_oauth_mailbox),
            ("TESSERA_DKIM_SELECTOR", &mut dkim_selector),
            ("TESSERA_DKIM_KEY_FILE", &mut dkim_key_file),
            ("TESSERA_DKIM_DOMAIN", &mut dkim_domain),
            ("TESSERA_MAIL_FROM", &mut mail_from),
        ] {
            if let Some(v) = env(name) {
                *slot = Some(v);
            }
        }
        let smtp_oauth_mailbox = smtp_oauth_mailbox.filter(|m| !m.trim().is_empty());
        if smtp_oauth_mailbox.is_some() && smtp_password.as_ref().is_some_and(|p| !p.is_empty()) {
            let e = tessera_mail::outbound::SmtpUrlError::PasswordAndOAuth;
            return Err(ConfigError::Invalid(format!("mail: {e}")));
        }
        if let Some(url) = smtp_url.filter(|u| !u.trim().is_empty()) {
            let mut smtp = tessera_mail::outbound::SmtpConfig::parse(&url, smtp_user, smtp_password)
                .map_err(|e| ConfigError::Invalid(format!("mail: {e}")))?;
            if let Some(mailbox) = smtp_oauth_mailbox {
                smtp = smtp.with_oauth_mailbox(&mailbox).map_err(|e| ConfigError::Invalid(format!("mail: {e}")))?;
            }
            c.mail_out.smtp = Some(smtp);
        }
        if let Some(from) = mail_from.filter(|f| !f.trim().is_empty()) {
            c.mail_out.from = Some(mailbox_setting(&from)?);
        }
        c.mail_out.dkim = dkim_signer(data_dir, dkim_selector, dkim_key_file, dkim_domain, &c.mail_out.from)?;
        if let Some(v) = env("TESSERA_TIMEZONE") {
            timezone = Some(v);
        }
        if let Some(v) = env("TESSERA_LANGUAGE") {
            language = Some(v);
        }
        if let Some(v) = env("TESSERA_TRUSTED_PROXIES") {
            proxies = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        }
        for p in proxies {
            let net = p.parse().map_err(|e| ConfigError::Invalid(format!("server: trusted_proxies: {e}")))?;
            c.trusted_proxies.0.push(net);
        }
        if let Some(v) = env("TESSERA_COMPAT") {
            enable = Some(v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect());
        }
        if let Some(tz) = timezone {
            c.compat.timezone = tz.trim().parse().map_err(|_| {
                ConfigError::Invalid(format!("server: timezone {tz:?} is not an IANA time zone (Europe/Istanbul, UTC)"))
            })?;
        }
        if let Some(l) = language {
            c.compat.language = tessera_core::lang::Lang::parse(&l)
                .ok_or_else(|| ConfigError::Invalid(format!("server: language {l:?} is not one of en, tr, zh, ru")))?;
        }
        for name in enable.unwrap_or_default() {
            let d = tessera_compat::Dialect::parse(&name).ok_or_else(|| {
                ConfigError::Invalid(format!("compat: unknown dialect {name:?} (whmcs, billmanager, hostapi, bangwo8)"))
            })?;
            c.compat.enabled.insert(d);
        }
        for ip in allowed_ips {
            let parsed = ip
                .trim()
                .parse()
                .map_err(|_| ConfigError::Invalid(format!("compat.whmcs: allowed_ips: {ip:?} is not an IP address")))?;
            c.compat.whmcs_allowed_ips.push(parsed);
        }
        c.compat.public_url = c.public_url.clone();
        // Base64 attachments in form bodies grow by a third.
        c.compat.max_body_bytes = c.max_body_bytes.max(c.max_attachment_bytes / 3 * 4 + 1024 * 1024);
        if let Some(url) = db_url {
            c.database = parse_database_url(&url, data_dir)?;
        }
        c.check()?;
        Ok(c)
    }

    /// The connection timeouts.
    pub fn timeouts(&self) -> crate::serve::Timeouts {
        crate::serve::Timeouts {
            header_read: std::time::Duration::from_millis(self.header_read_timeout_ms),
            idle: std::time::Duration::from_millis(self.idle_timeout_ms),
        }
    }

    /// Checks values that the types do not.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid("max_body_bytes must be at least 1024".into()));
        }
        if self.max_attachment_bytes == 0 || self.max_attachments_per_message == 0 {
            return Err(ConfigError::Invalid("attachment limits must be positive".into()));
        }
        let h = &self.hooks;
        if h.retry_base_ms < 10 || h.retry_cap_ms < h.retry_base_ms || h.retry_cap_ms > 86_400_000 {
            return Err(ConfigError::Invalid(
                "hooks: retry_base_ms must be at least 10 and retry_cap_ms between it and 86400000".into(),
            ));
        }
        if !(10..=3_600_000).contains(&self.sla_poll_ms) {
            return Err(ConfigError::Invalid("sla: poll_ms must be between 10 and 3600000".into()));
        }
        if !(1..=64).contains(&self.mail_out.send_concurrency) {
            return Err(ConfigError::Invalid("mail: send_concurrency must be between 1 and 64".into()));
        }
        if !(100..=3_600_000).contains(&self.mail_poll_ms) {
            return Err(ConfigError::Invalid("mail: poll_ms must be between 100 and 3600000".into()));
        }
        if !(100..=600_000).contains(&self.header_read_timeout_ms) {
            return Err(ConfigError::Invalid("limits: header_read_timeout_ms must be between 100 and 600000".into()));
        }
        if !(100..=86_400_000).contains(&self.idle_timeout_ms) {
            return Err(ConfigError::Invalid("limits: idle_timeout_ms must be between 100 and 86400000".into()));
        }
        if !(100..=60_000).contains(&h.timeout_ms) {
            return Err(ConfigError::Invalid("hooks: timeout_ms must be between 100 and 60000".into()));
        }
        if let Some(u) = &self.public_url {
            let u = u.trim();
            let host = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
            if host.is_none_or(|h| h.is_empty() || h.contains(['?', '#', ' ', '\\']) || h.starts_with('/')) {
                return Err(ConfigError::Invalid(
                    "server: public_url must be the installation's address, such as https://help.example.com".into(),
                ));
            }
        }
        if let Some(k) = &self.secret_key {
            tessera_desk::SecretBox::from_hex(k).map_err(ConfigError::Invalid)?;
        }
        if let StorageConfig::S3(s) = &self.storage {
            s.check().map_err(|e| ConfigError::Invalid(e.to_string()))?;
        }
        Ok(())
    }
}

/// The `[storage]` section (file and environment merged) as a choice.
fn storage_config(st: StorageSection) -> Result<StorageConfig, ConfigError> {
    let kind = st.kind.as_deref().map(str::trim).unwrap_or("fs").to_ascii_lowercase();
    match kind.as_str() {
        "fs" => {
            let s3_keys = [
                ("bucket", st.bucket.is_some()),
                ("endpoint", st.endpoint.is_some()),
                ("region", st.region.is_some()),
                ("access_key_id", st.access_key_id.is_some()),
                ("secret_access_key", st.secret_access_key.is_some()),
                ("prefix", st.prefix.is_some()),
                ("allow_http", st.allow_http.is_some()),
            ];
            // Blobs silently going to one machine's disk while the operator
            // thinks they are in a bucket would be lost with that machine.
            if let Some((name, _)) = s3_keys.iter().find(|(_, set)| *set) {
                return Err(ConfigError::Invalid(format!(
                    "storage: {name} is set but kind is \"fs\"; set kind = \"s3\" (TESSERA_STORAGE_KIND=s3) \
                     to keep attachments in a bucket, or remove the S3 settings"
                )));
            }
            Ok(StorageConfig::Fs)
        }
        "s3" => {
            let d = tessera_blob_s3::S3Settings::default();
            let nonempty = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            Ok(StorageConfig::S3(tessera_blob_s3::S3Settings {
                bucket: nonempty(st.bucket).unwrap_or_default(),
                endpoint: nonempty(st.endpoint),
                region: nonempty(st.region).unwrap_or(d.region),
                access_key_id: nonempty(st.access_key_id),
                secret_access_key: st.secret_access_key.filter(|s| !s.is_empty()),
                prefix: st.prefix.unwrap_or_default(),
                allow_http: st.allow_http.unwrap_or(d.allow_http),
            }))
        }
        other => Err(ConfigError::Invalid(format!("storage: kind {other:?} is not \"fs\" or \"s3\""))),
    }
}

/// `sqlite:PATH`, `sqlite://PATH` (relative paths are inside the data
/// folder) or `postgres://…`.
pub fn parse_database_url(url: &str, data_dir: &Path) -> Result<DatabaseUrl, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseUrl::Postgres(url.to_string()));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or_else(|| ConfigError::Invalid("the database URL must start with sqlite: or postgres://".into()))?;
    if path.is_empty() {
        return Err(ConfigError::Invalid("the sqlite URL names no file".into()));
    }
    let p = PathBuf::from(path);
    Ok(DatabaseUrl::Sqlite(if p.is_absolute() { p } else { data_dir.join(p) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_is_an_address_of_the_web() {
        let dir = tempfile::tempdir().unwrap();
        let with = |url: &'static str| {
            let env = move |k: &str| (k == "TESSERA_PUBLIC_URL").then(|| url.to_string());
            Config::load(dir.path(), &env).map(|c| c.public_url)
        };
        assert_eq!(with("https://help.example.com").unwrap().as_deref(), Some("https://help.example.com"));
        assert!(with("http://127.0.0.1:8080/").is_ok());
        for bad in
            ["help.example.com", "ftp://help.example.com", "https://", "https:///x", "https://a b", "https://x?y"]
        {
            assert!(with(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn smtp_can_log_in_with_a_mailboxs_oauth2_authorisation() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("tessera.toml"),
            "[mail]\nsmtp_url = \"smtp+starttls://smtp.gmail.com\"\nsmtp_oauth_mailbox = \"support@example.com\"\n",
        )
        .unwrap();
        let c = Config::load(dir.path(), &|_| None).unwrap();
        let smtp = c.mail_out.smtp.unwrap();
        assert_eq!(smtp.oauth_mailbox.as_deref(), Some("support@example.com"));
        assert!(smtp.credentials.is_none(), "the user is the mailbox's");
        let env = |k: &str| (k == "TESSERA_SMTP_OAUTH_MAILBOX").then(|| "7".to_string());
        assert_eq!(Config::load(dir.path(), &env).unwrap().mail_out.smtp.unwrap().oauth_mailbox.as_deref(), Some("7"));
        // A password as well: one of the two would be ignored.
        let env = |k: &str| (k == "TESSERA_SMTP_PASSWORD").then(|| "app-password".to_string());
        let e = Config::load(dir.path(), &env).unwrap_err().to_string();
        assert!(e.contains("smtp_oauth_mailbox") && !e.contains("app-password"), "{e}");
    }

    #[test]
    fn a_dkim_key_is_read_at_start_and_a_bad_one_stops_it_with_the_files_name() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = tessera_mail::testing::dkim::key(dir.path(), "dkim.pem", &["-algorithm", "ed25519"]);
        let pem = std::fs::read_to_string(&key).unwrap();
        let base = "[mail]\nsmtp_url = \"smtp://127.0.0.1:25\"\nfrom = \"Help <help@example.com>\"\n";
        let load = |extra: &str, env: &[(&str, &str)]| {
            std::fs::write(dir.path().join("tessera.toml"), format!("{base}{extra}")).unwrap();
            let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Config::load(dir.path(), &move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        };
        // The domain is [mail] from's; the file may be relative to the data folder.
        let c = load("dkim_selector = \"s1\"\ndkim_key_file = \"dkim.pem\"\n", &[]).unwrap();
        let d = c.mail_out.dkim.unwrap();
        assert_eq!((d.selector(), d.domain(), d.algorithm()), ("s1", "example.com", "ed25519-sha256"));
        let c = load(
            "",
            &[
                ("TESSERA_DKIM_SELECTOR", "s2"),
                ("TESSERA_DKIM_KEY_FILE", "dkim.pem"),
                ("TESSERA_DKIM_DOMAIN", "mail.example.org"),
            ],
        )
        .unwrap();
        assert_eq!(c.mail_out.dkim.unwrap().domain(), "mail.example.org");
        assert!(load("", &[]).unwrap().mail_out.dkim.is_none(), "off unless configured");
        // Half a configuration, a missing file, a bad key: clear errors.
        let e = load("dkim_selector = \"s1\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("dkim_key_file"), "{e}");
        let e = load("dkim_selector = \"s1\"\ndkim_key_file = \"nope.pem\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("nope.pem"), "{e}");
        let broken = pem.replace(&pem[40..60], "AAAAAAAAAAAAAAAAAAAA");
        std::fs::write(dir.path().join("broken.pem"), &broken).unwrap();
        let e = load("dkim_selector = \"s1\"\ndkim_key_file = \"broken.pem\"\n", &[]).unwrap_err().to_string();
        assert!(e.contains("broken.pem") && !e.contains(&broken[28..60]), "{e}");
    }

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("tessera.toml"),
            "[server]\nlisten = \"127.0.0.1:9000\"\n[limits]\nmax_body_bytes = 4096\n",
        )
        .unwrap();
        let c = Config::load(dir.path(), &|_| None).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000");
        assert_eq!(c.max_body_bytes, 4096);
        let env = |k: &str| (k == "TESSERA_LISTEN").then(|| "0.0.0.0:1".to_string());
        assert_eq!(Config::load(dir.path(), &env).unwrap().listen, "0.0.0.0:1");
    }

    #[test]
    fn connection_timeouts() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(dir.path(), &|_| None).unwrap();
        assert_eq!((c.header_read_timeout_ms, c.idle_timeout_ms), (10_000, 60_000));
        std::fs::write(dir.path().join("tessera.toml"), "[limits]\nheader_read_timeout_ms = 5000\n").unwrap();
        let env = |k: &str| (k == "TESSERA_IDLE_TIMEOUT_MS").then(|| "120000".to_string());
        let t = Config::load(dir.path(), &env).unwrap().timeouts();
        assert_eq!(t.header_read, std::time::Duration::from_secs(5));
        assert_eq!(t.idle, std::time::Duration::from_secs(120));
        for bad in ["TESSERA_IDLE_TIMEOUT_MS=0", "TESSERA_HEADER_READ_TIMEOUT_MS=600001", "TESSERA_IDLE_TIMEOUT_MS=x"] {
            let (k, v) = bad.split_once('=').unwrap();
            let env = |name: &str| (name == k).then(|| v.to_string());
            assert!(Config::load(dir.path(), &env).is_err(), "{bad}");
        }
    }

    #[test]
    fn typos_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tessera.toml"), "[server]\nlisten_addr = \"x\"\n").unwrap();
        assert!(Config::load(dir.path(), &|_| None).is_err());
        std::fs::remove_file(dir.path().join("tessera.toml")).unwrap();
        let env = |k: &str| (k == "TESSERA_SECRET_KEY").then(|| "short".to_string());
        assert!(Config::load(dir.path(), &env).is_err());
    }

    #[test]
    fn compat_dialects_time_zone_and_language() {
        use tessera_compat::Dialect;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("tessera.toml"),
            "[server]\ntimezone = \"Europe/Istanbul\"\nlanguage = \"tr-TR\"\n\
             [compat]\nenable = [\"whmcs\", \"Bangwo8\"]\n[compat.whmcs]\nallowed_ips = [\"127.0.0.1\", \"::1\"]\n",
        )
        .unwrap();
        let c = Config::load(dir.path(), &|_| None).unwrap();
        assert_eq!(c.compat.enabled.iter().copied().collect::<Vec<_>>(), [Dialect::Whmcs, Dialect::Bangwo8]);
        assert_eq!(c.compat.timezone, chrono_tz::Europe::Istanbul);
        assert_eq!(c.compat.language, tessera_core::lang::Lang::Tr);
        assert_eq!(c.compat.whmcs_allowed_ips.len(), 2);
        let env = |k: &str| (k == "TESSERA_COMPAT").then(|| "hostapi, billmanager".to_string());
        let c = Config::load(dir.path(), &env).unwrap();
        assert_eq!(c.compat.enabled.iter().copied().collect::<Vec<_>>(), [Dialect::Billmanager, Dialect::Hostapi]);
        for bad in ["TESSERA_COMPAT=zendesk", "TESSERA_TIMEZONE=Mars/Olympus", "TESSERA_LANGUAGE=de"] {
            let (k, v) = bad.split_once('=').unwrap();
            let env = |name: &str| (name == k).then(|| v.to_string());
            let e = Config::load(dir.path(), &env).unwrap_err().to_string();
            assert!(e.contains(v), "{bad}: {e}");
        }
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let mut c = Config::defaults(Path::new("/tmp/x"));
        c.secret_key = Some("ab".repeat(32));
        c.database = DatabaseUrl::Postgres("postgres://u:hunter2@h/db".into());
        c.storage = StorageConfig::S3(tessera_blob_s3::S3Settings {
            bucket: "b-1".into(),
            secret_access_key: Some("s3cr3t-value".into()),
            ..Default::default()
        });
        let s = format!("{c:?}");
        assert!(!s.contains("abab") && !s.contains("hunter2") && !s.contains("s3cr3t"), "{s}");
        assert!(s.contains("b-1"), "{s}");
    }

    #[test]
    fn storage_from_file_and_environment() {
        use tessera_blob_s3::S3Settings;
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Config::load(dir.path(), &|_| None).unwrap().storage, StorageConfig::Fs);
        std::fs::write(
            dir.path().join("tessera.toml"),
            "[storage]\nkind = \"s3\"\nbucket = \"tessera\"\nendpoint = \"http://127.0.0.1:9000\"\n\
             access_key_id = \"id\"\nsecret_access_key = \"secret\"\nallow_http = true\n",
        )
        .unwrap();
        let want = S3Settings {
            bucket: "tessera".into(),
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: "us-east-1".into(),
            access_key_id: Some("id".into()),
            secret_access_key: Some("secret".into()),
            prefix: String::new(),
            allow_http: true,
        };
        assert_eq!(Config::load(dir.path(), &|_| None).unwrap().storage, StorageConfig::S3(want.clone()));
        let env = |k: &str| match k {
            "TESSERA_S3_BUCKET" => Some("other".to_string()),
            "TESSERA_S3_REGION" => Some("eu-central-1".to_string()),
            "TESSERA_S3_PREFIX" => Some("t/blobs".to_string()),
            _ => None,
        };
        let got = Config::load(dir.path(), &env).unwrap().storage;
        let want2 =
            S3Settings { bucket: "other".into(), region: "eu-central-1".into(), prefix: "t/blobs".into(), ..want };
        assert_eq!(got, StorageConfig::S3(want2));
        // Only the environment, over no file.
        std::fs::remove_file(dir.path().join("tessera.toml")).unwrap();
        let env = |k: &str| match k {
            "TESSERA_STORAGE_KIND" => Some("s3".to_string()),
            "TESSERA_S3_BUCKET" => Some("from-env".to_string()),
            "TESSERA_S3_ENDPOINT" => Some("http://127.0.0.1:1".to_string()),
            "TESSERA_S3_ALLOW_HTTP" => Some("true".to_string()),
            "TESSERA_S3_ACCESS_KEY_ID" => Some("a".to_string()),
            "TESSERA_S3_SECRET_ACCESS_KEY" => Some("b".to_string()),
            _ => None,
        };
        let StorageConfig::S3(s) = Config::load(dir.path(), &env).unwrap().storage else { panic!("not s3") };
        assert_eq!((s.bucket.as_str(), s.allow_http), ("from-env", true));
    }

    #[test]
    fn bad_storage_settings_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (vars, want) in [
            (&[("TESSERA_STORAGE_KIND", "s3")][..], "needs a bucket"),
            (&[("TESSERA_STORAGE_KIND", "ftp")][..], "\"ftp\" is not"),
            (&[("TESSERA_S3_BUCKET", "b-1")][..], "kind is \"fs\""),
            (
                &[("TESSERA_STORAGE_KIND", "s3"), ("TESSERA_S3_BUCKET", "b-1"), ("TESSERA_S3_ENDPOINT", "http://h:1")]
                    [..],
                "allow_http",
            ),
            (&[("TESSERA_STORAGE_KIND", "s3"), ("TESSERA_S3_ALLOW_HTTP", "maybe")][..], "TESSERA_S3_ALLOW_HTTP"),
        ] {
            let env = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
            let e = Config::load(dir.path(), &env).unwrap_err().to_string();
            assert!(e.contains(want), "{vars:?}: {e}");
        }
        std::fs::write(dir.path().join("tessera.toml"), "[storage]\nkind = \"s3\"\nbucket_name = \"x\"\n").unwrap();
        assert!(Config::load(dir.path(), &|_| None).is_err());
    }
}
