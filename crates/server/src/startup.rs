//! Opening an installation: the data folder, the key, the database, the
//! blob store, the desk, and the first-start administrator.

use crate::config::{Config, DatabaseUrl, StorageConfig};
use crate::state::AppState;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tessera_core::{Email, Role, SystemClock};
use tessera_desk::sla::checker::{CheckerSettings, SlaChecker};
use tessera_desk::{CreateUser, DepartmentInput, Desk, Limits, SecretBox, random};
use tessera_hooks::{HookClient, HttpIntegrations, WebhookWorker, WorkerSettings};
use tessera_store::{BlobStore, FsBlobStore, Store, UserQuery};
use tessera_store_sqlite::SqliteStore;
use thiserror::Error;

/// Why the installation cannot be opened.
#[derive(Debug, Error)]
pub enum StartError {
    /// A file or folder problem.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The database cannot be opened.
    #[error("cannot open the database: {0}")]
    Store(#[from] tessera_store::StoreError),
    /// The configuration asks for something this build cannot do.
    #[error("{0}")]
    Unsupported(String),
    /// The secret key is wrong.
    #[error("{0}")]
    Key(String),
    /// The attachment storage cannot be set up or reached.
    #[error("{0}")]
    Storage(#[from] tessera_blob_s3::S3BlobError),
    /// The first start could not set things up.
    #[error("first start: {0}")]
    Bootstrap(#[from] tessera_desk::DeskError),
}

/// What the first start of an empty installation created.
#[derive(Debug, Clone)]
pub struct FirstStart {
    /// The administrator's address.
    pub admin_email: String,
    /// The file holding their one-time password.
    pub password_file: PathBuf,
}

/// The address of the administrator created on first start.
pub const FIRST_ADMIN_EMAIL: &str = "admin@localhost";

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> StartError {
    let what = what.into();
    move |source| StartError::Io { what, source }
}

/// Writes a file readable only by its owner.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()
}

/// The installation's key: from the configuration, or `DATA_DIR/secret.key`
/// (made on first start).
pub fn secret_box(config: &Config) -> Result<SecretBox, StartError> {
    if let Some(k) = &config.secret_key {
        return SecretBox::from_hex(k).map_err(StartError::Key);
    }
    let path = config.data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(k) => SecretBox::from_hex(&k).map_err(|e| StartError::Key(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let k = SecretBox::generate_hex().map_err(|e| StartError::Key(e.to_string()))?;
            match write_private(&path, &k) {
                Ok(()) => SecretBox::from_hex(&k).map_err(StartError::Key),
                // Another process made it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => secret_box(config),
                Err(e) => Err(io(format!("cannot write {}", path.display()))(e)),
            }
        }
        Err(e) => Err(io(format!("cannot read {}", path.display()))(e)),
    }
}

/// Brings the database the configuration names up to date (`tessera
/// migrate`): the data folder made, pending migrations applied.
pub async fn migrate(config: &Config) -> Result<(), StartError> {
    create_data_dir(&config.data_dir)?;
    open_store(config).await.map(drop)
}

/// Opens the store the configuration names (migrating it).
async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    match &config.database {
        DatabaseUrl::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path)?)),
        DatabaseUrl::Postgres(url) => Ok(Arc::new(tessera_store_postgres::PgStore::connect(url).await?)),
    }
}

/// Creates the data folder, readable only by its owner, if it is missing.
pub fn create_data_dir(dir: &Path) -> Result<(), StartError> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(format!("cannot create {}", dir.display())))
}

/// Opens the blob store the configuration names (no request is made yet).
pub fn open_blobs(config: &Config) -> Result<Arc<dyn BlobStore>, StartError> {
    Ok(match &config.storage {
        StorageConfig::Fs => Arc::new(FsBlobStore::new(config.data_dir.join("blobs"))),
        StorageConfig::S3(s) => Arc::new(tessera_blob_s3::S3BlobStore::new(s)?),
    })
}

/// Asks the blob store once whether it answers (for a bucket: a small
/// listing), so a wrong bucket name or key is reported at start rather than
/// at the first upload.
pub async fn check_blobs(config: &Config) -> Result<(), StartError> {
    if let StorageConfig::S3(s) = &config.storage {
        tessera_blob_s3::S3BlobStore::new(s)?.check_bucket().await?;
    }
    Ok(())
}

/// Opens the installation in `config.data_dir`.
pub async fn open_desk(config: &Config) -> Result<Desk, StartError> {
    Ok(open_parts(config).await?.1)
}

/// The store and the desk over it: the server hands the store to the
/// infrastructure around the desk (webhook worker, integrations, the
/// search index's repair at start); the doors get only the desk.
async fn open_parts(config: &Config) -> Result<(Arc<dyn Store>, Desk), StartError> {
    create_data_dir(&config.data_dir)?;
    let secrets = secret_box(config)?;
    let blobs = open_blobs(config)?;
    let store = open_store(config).await?;
    let limits = Limits {
        max_attachment_bytes: config.max_attachment_bytes,
        max_attachments_per_message: config.max_attachments_per_message,
    };
    let clock: Arc<dyn tessera_core::Clock> = config.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
    let desk = Desk::new(store.clone(), blobs, clock, secrets, limits).with_public_url(config.public_url.clone());
    Ok((store, desk))
}

/// Builds the application state (inside the runtime: it starts the live
/// updates feed).
pub async fn state(config: Config) -> Result<AppState, StartError> {
    Ok(state_and_store(config).await?.0)
}

/// [`state`], and the store beside it (for tests that look at what was
/// stored; the application never hands it to a door).
pub async fn state_and_store(config: Config) -> Result<(AppState, Arc<dyn Store>), StartError> {
    let h = &config.hooks;
    let (store, desk) = open_parts(&config).await?;
    let desk = desk.allowing_internal_hook_targets(h.allow_internal_targets);
    if config.public_url.is_none() && config.mail_out.smtp.is_none() {
        // (With SMTP set, the warning below says it for mail too.)
        tracing::warn!(
            "[server] public_url (TESSERA_PUBLIC_URL) is not set: password reset and sign-in links, \
             billing-panel hand-offs and whole guest links need the installation's address"
        );
    }
    tessera_hooks::install_tls_provider();
    let client = HookClient::new(h.allow_internal_targets).map_err(StartError::Unsupported)?;
    let integrations =
        HttpIntegrations::new(store.clone(), desk.clone(), client.clone()).in_time_zone(config.compat.timezone);
    let desk = desk.with_integrations(Arc::new(integrations));
    // Mailboxes' OAuth2 token endpoints: the hooks' client and address policy.
    let desk = desk.with_token_poster(Arc::new(tessera_hooks::client::TokenPoster::new(
        client.clone(),
        Duration::from_millis(h.timeout_ms),
    )));
    let out = &config.mail_out;
    let desk = desk.with_outbound(tessera_desk::mail::outbound::OutboundSettings {
        enabled: out.smtp.is_some(),
        public_url: config.public_url.clone(),
        from: out.from.clone(),
        language: config.compat.language.code().to_string(),
        acknowledgement_window: Duration::from_secs(out.acknowledgement_window_minutes * 60),
        digest_period: Duration::from_secs(out.digest_secs),
    });
    // Tests' queue without a sender (see `Config::mail_outbound`).
    let desk = match &config.mail_outbound {
        Some(o) => desk.with_outbound(o.clone()).with_public_url(config.public_url.clone()),
        None => desk,
    };
    match (&out.smtp, &config.public_url) {
        (None, _) => tracing::info!("outgoing mail is off: set [mail] smtp_url to send notifications"),
        (Some(smtp), None) => tracing::warn!(
            smtp = %smtp.redacted(),
            "[server] public_url is not set: outgoing mail carries no links, and password resets and sign-in links cannot be sent"
        ),
        (Some(smtp), Some(_)) => tracing::info!(smtp = %smtp.redacted(), "outgoing mail on"),
    }
    let (_, doc) = crate::api::router();
    let openapi =
        doc.to_pretty_json().map_err(|e| StartError::Unsupported(format!("cannot render the API document: {e}")))?;
    let feed = tessera_desk::feed::Feed::start(desk.clone()).await;
    let web = tessera_web::WebState::new(desk.clone(), feed.clone(), config.public_url.clone())
        .with_sse_keep_alive(config.timeouts().sse_keep_alive())
        .with_mail_reading(config.mail_reading());
    let compat = tessera_compat::CompatState::new(desk.clone(), config.compat.clone());
    let settings = WorkerSettings {
        retry_base: Duration::from_millis(h.retry_base_ms),
        retry_cap: Duration::from_millis(h.retry_cap_ms),
        timeout: Duration::from_millis(h.timeout_ms),
        time_zone: config.compat.timezone,
        ..WorkerSettings::default()
    };
    let webhooks = Arc::new(WebhookWorker::start(store.clone(), desk.clone(), client, settings));
    tokio::spawn(reindex_if_stale(store.clone()));
    // Mail a pipe stored but did not apply (stopped, or met an outage).
    tessera_mail::gateway::spawn_catch_up(desk.clone(), config.mail_reading());
    // The IMAP mailboxes admins set up.
    let mail_poller = Arc::new(tessera_mail::poller::MailPoller::start(
        desk.clone(),
        config.mail_reading(),
        tessera_mail::poller::PollerSettings {
            every: Duration::from_millis(config.mail_poll_ms),
            ..Default::default()
        },
    ));
    let mail_sender = match &config.mail_out.smtp {
        Some(smtp) => {
            let hello_name = config
                .public_url
                .as_deref()
                .and_then(|u| u.split_once("://"))
                .and_then(|(_, rest)| rest.split(['/', ':', '?']).next())
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| "localhost".into());
            let loopback =
                smtp.host == "localhost" || smtp.host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if smtp.oauth_mailbox.is_some() && smtp.security == tessera_mail::outbound::Security::Plain && !loopback {
                tracing::warn!(
                    smtp = %smtp.redacted(),
                    "smtp_oauth_mailbox sends an OAuth2 token over plain SMTP: use smtp+starttls:// or smtps://"
                );
            }
            if let Some(d) = &config.mail_out.dkim {
                tracing::info!(
                    domain = d.domain(),
                    selector = d.selector(),
                    algorithm = d.algorithm(),
                    "outgoing mail from the domain is DKIM-signed"
                );
            }
            let options = tessera_mail::outbound::SenderOptions {
                concurrency: config.mail_out.send_concurrency,
                hello_name,
                dkim: config.mail_out.dkim.clone(),
                ..Default::default()
            };
            Some(Arc::new(
                tessera_mail::outbound::Sender::start(desk.clone(), smtp, options)
                    .map_err(|e| StartError::Unsupported(e.to_string()))?,
            ))
        }
        None => None,
    };
    let sla =
        Arc::new(SlaChecker::start(desk.clone(), CheckerSettings { poll: Duration::from_millis(config.sla_poll_ms) }));
    let state = AppState {
        desk,
        config: Arc::new(config),
        openapi: Arc::new(openapi),
        web,
        feed,
        compat,
        webhooks,
        metrics: Arc::new(crate::metrics::Metrics::default()),
        sla,
        mail_poller,
        mail_sender,
    };
    Ok((state, store))
}

/// On an installation without users, creates an administrator with a random
/// password (written to `DATA_DIR/initial-admin-password`, readable only by
/// the owner, never logged) and a first department.
pub async fn bootstrap(desk: &Desk, data_dir: &Path) -> Result<Option<FirstStart>, StartError> {
    let any = desk.list_users(&tessera_core::Actor::system(), UserQuery { limit: 1, ..UserQuery::default() }).await?;
    if !any.is_empty() {
        return Ok(None);
    }
    let password = random::password()?;
    let email = Email::parse(FIRST_ADMIN_EMAIL).map_err(|e| StartError::Unsupported(e.to_string()))?;
    let admin = desk
        .create_user_unchecked(CreateUser {
            password: Some(password.clone()),
            ..CreateUser::new(email, "Administrator", Role::Admin)
        })
        .await?;
    let actor = desk.actor_for(&admin.user).await?;
    if desk.list_departments(&actor).await?.is_empty() {
        desk.create_department(
            &actor,
            DepartmentInput {
                name: Some("Support".into()),
                description: Some("General questions and problems".into()),
                public: Some(true),
                member_ids: Some(vec![admin.user.id]),
                ..DepartmentInput::default()
            },
        )
        .await?;
    }
    let password_file = data_dir.join("initial-admin-password");
    let _ = std::fs::remove_file(&password_file);
    write_private(&password_file, &format!("{password}\n"))
        .map_err(io(format!("cannot write {}", password_file.display())))?;
    Ok(Some(FirstStart { admin_email: FIRST_ADMIN_EMAIL.into(), password_file }))
}

/// Rebuilds the search index in the background when tickets were written
/// without it (an upgrade from a version without search, a bulk import).
/// The server answers meanwhile; searches find more as it goes.
pub async fn reindex_if_stale(store: Arc<dyn Store>) {
    match store.search_index_stale().await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(error = %e, "cannot tell whether the search index is current");
            return;
        }
    }
    tracing::info!("the search index is not current; rebuilding it in the background");
    let last = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let observer: tessera_store::ReindexObserver = Arc::new(move |p: tessera_store::ReindexProgress| {
        let tenth = p.done * 10 / p.total.max(1);
        if last.swap(tenth, std::sync::atomic::Ordering::Relaxed) != tenth {
            tracing::info!(done = p.done, total = p.total, "rebuilding the search index");
        }
    });
    match store.rebuild_search_index(Some(observer)).await {
        Ok(s) => tracing::info!(tickets = s.tickets, messages = s.messages, "the search index is rebuilt"),
        Err(e) => tracing::error!(error = %e, "rebuilding the search index failed; run `tessera reindex`"),
    }
}
