//! The IMAP poller: the server's one task that reads every active mailbox
//! an admin set up, through the desk, as Tessera itself.
//!
//! Every `every` (a few seconds) the supervisor lists the active mailboxes
//! and keeps one worker task per mailbox (restarting it when its settings
//! change, stopping it when it goes), so one mailbox's failure or slowness
//! never holds the others. A worker loops:
//!
//! 1. takes or renews the mailbox's lease for this instance (an id random
//!    per process): two instances never read one folder at once;
//! 2. reads the saved cursor and fetches a bounded batch after it;
//! 3. hands each message to [`gateway::take`] (stored first, deduplicated
//!    by its bytes, then applied), in UID order, stopping at the first that
//!    could not be stored;
//! 4. acknowledges (keyword, move or delete) only the UIDs kept, then saves
//!    the cursor past them with the state an admin sees;
//! 5. fetches again at once while the server has more, else waits for new
//!    mail (IDLE where the server has it, else a sleep) up to `every`.
//!
//! A failure drops the connection and waits, longer each time (capped); a
//! failure only a person can fix (the login refused, a folder missing)
//! sets the state an admin sees and is retried only rarely — or at once
//! when the admin changes the mailbox.

use crate::gateway::{self, Reading, TakeError};
use crate::imap::{AfterImport, Auth, Cursor, ImapError, MailboxClient, MailboxConfig};
use futures_util::StreamExt as _;
use std::collections::HashMap;
use std::time::Duration;
use tessera_core::Actor;
use tessera_core::ids::MailboxId;
use tessera_desk::Desk;
use tessera_desk::mail::oauth::TokenRefresh;
use tessera_desk::mail::{Handover, MailboxToRead};
use tessera_store::{AfterImportKind, MailSource, MailboxAuthKind, MailboxProgress, MailboxState};
use tokio::task::AbortHandle;

/// How the poller paces itself.
#[derive(Debug, Clone)]
pub struct PollerSettings {
    /// How often the mailboxes are listed, and the longest wait between two
    /// fetches of a mailbox with nothing new (5 s by default).
    pub every: Duration,
    /// The longest pause after repeated failures (5 minutes by default).
    pub max_backoff: Duration,
    /// The pause after a failure only an admin can fix (30 minutes by
    /// default); changing the mailbox retries at once.
    pub admin_retry: Duration,
    /// The longest any one IMAP operation may take (60 s by default).
    pub op_timeout: Duration,
    /// The most messages fetched in one batch (50 by default).
    pub batch_size: usize,
    /// PEM certificates trusted beside the system's roots (an in-house CA;
    /// the tests' Dovecot).
    pub extra_ca_pem: Option<String>,
}

impl Default for PollerSettings {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(5),
            max_backoff: Duration::from_secs(300),
            admin_retry: Duration::from_secs(1800),
            op_timeout: Duration::from_secs(60),
            batch_size: 50,
            extra_ca_pem: None,
        }
    }
}

impl PollerSettings {
    /// How long a lease lasts: long enough for a slow round, short enough
    /// that another instance takes over soon after this one stops.
    /// A lease that runs out mid-round costs only repeated IMAP work: the
    /// messages are recognised by their bytes.
    fn lease(&self) -> Duration {
        (self.every * 6).max(Duration::from_secs(30))
    }

    /// The pause after `failures` failures in a row: doubling from `every`,
    /// capped at `max_backoff`.
    pub fn backoff(&self, failures: u32) -> Duration {
        let factor = 1u32 << failures.min(16);
        self.every.saturating_mul(factor).min(self.max_backoff.max(self.every))
    }
}

/// The running poller; dropping it stops the supervisor and every worker.
pub struct MailPoller {
    supervisor: AbortHandle,
}

impl Drop for MailPoller {
    fn drop(&mut self) {
        self.supervisor.abort();
    }
}

impl MailPoller {
    /// Starts reading the active mailboxes (inside a Tokio runtime).
    pub fn start(desk: Desk, reading: Reading, settings: PollerSettings) -> Self {
        let instance = instance_id();
        let handle = tokio::spawn(supervise(desk, reading, settings, instance));
        Self { supervisor: handle.abort_handle() }
    }
}

/// A random id for this process, so its leases are its own.
fn instance_id() -> String {
    tessera_desk::random::hex_token::<12>().unwrap_or_else(|_| {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        format!("{}-{}", std::process::id(), t.as_nanos())
    })
}

/// A worker task, stopped when dropped (and so when the supervisor stops);
/// its lease is given up then, so another instance (or this server started
/// again) reads the mailbox at once rather than when the lease runs out.
struct Worker {
    task: AbortHandle,
    /// The settings it was started with: a change restarts it.
    version: (tessera_core::Timestamp, String),
    desk: Desk,
    id: MailboxId,
    instance: String,
    /// Whether dropping it gives the lease up.
    release: bool,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.task.abort();
        if !self.release {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (desk, id, instance) = (self.desk.clone(), self.id, self.instance.clone());
            runtime.spawn(async move {
                if let Err(e) = desk.release_mailbox_lease(&Actor::system(), id, &instance).await {
                    e.log_fault("mail poller");
                }
            });
        }
    }
}

async fn supervise(desk: Desk, reading: Reading, settings: PollerSettings, instance: String) {
    let mut workers: HashMap<MailboxId, Worker> = HashMap::new();
    loop {
        match desk.mailboxes_to_read(&Actor::system()).await {
            Ok(list) => {
                let ids: Vec<MailboxId> = list.iter().map(|m| m.mailbox.id).collect();
                workers.retain(|id, w| ids.contains(id) && !w.task.is_finished());
                for m in list {
                    // An OAuth2 mailbox's access token changes at every
                    // refresh, made by its own worker: not a new setting.
                    let secret = match m.mailbox.auth_kind {
                        MailboxAuthKind::Password => m.mailbox.secret.clone(),
                        MailboxAuthKind::Oauth2 => String::new(),
                    };
                    let version = (m.mailbox.updated_at, secret);
                    if workers.get(&m.mailbox.id).is_some_and(|w| w.version == version) {
                        continue;
                    }
                    let id = m.mailbox.id;
                    let job = read_mailbox(desk.clone(), reading.clone(), settings.clone(), instance.clone(), m);
                    // Replacing the old worker drops (stops) it.
                    if let Some(mut old) = workers.remove(&id) {
                        // Same instance: its lease passes to the new worker.
                        old.release = false;
                    }
                    let task = tokio::spawn(job).abort_handle();
                    let w = Worker { task, version, desk: desk.clone(), id, instance: instance.clone(), release: true };
                    workers.insert(id, w);
                }
            }
            Err(e) => e.log_fault("mail poller"),
        }
        tokio::time::sleep(settings.every).await;
    }
}

/// How long before its expiry an access token is replaced.
const REFRESH_AHEAD: chrono::Duration = chrono::Duration::minutes(5);

/// Whether an OAuth2 access token must be replaced: there is none, or it
/// runs out within [`REFRESH_AHEAD`] — or within half its life, for a
/// token given for less than ten minutes (`lifetime`, when known), so a
/// short-lived token is not replaced at every round.
fn needs_refresh(
    token: &str,
    expires_at: Option<tessera_core::Timestamp>,
    lifetime: Option<chrono::Duration>,
    now: tessera_core::Timestamp,
) -> bool {
    let ahead = lifetime.map_or(REFRESH_AHEAD, |l| (l / 2).min(REFRESH_AHEAD));
    token.is_empty() || expires_at.is_some_and(|e| e - now < ahead)
}

/// The IMAP client's settings for a mailbox, with `secret` (the password
/// or the current access token).
fn client_config(m: &MailboxToRead, secret: &str, settings: &PollerSettings) -> MailboxConfig {
    let r = &m.mailbox;
    let auth = match r.auth_kind {
        MailboxAuthKind::Password => Auth::Password(secret.to_string()),
        MailboxAuthKind::Oauth2 => Auth::XOAuth2 { access_token: secret.to_string() },
    };
    let mut c = MailboxConfig::new(r.imap_url.clone(), r.username.clone(), auth);
    c.starttls = r.starttls;
    c.extra_ca_pem = settings.extra_ca_pem.clone();
    c.folder = r.folder.clone();
    c.after_import = match r.after_import {
        AfterImportKind::Keyword => AfterImport::default(),
        AfterImportKind::Move => AfterImport::MoveTo(r.move_folder.clone().unwrap_or_default()),
        AfterImportKind::Delete => AfterImport::Delete,
    };
    c.batch_size = settings.batch_size.max(1);
    c.op_timeout = settings.op_timeout;
    c
}

/// What one round of reading came to.
struct Round {
    /// The cursor to save.
    cursor: Cursor,
    /// Messages waiting on the server and not kept yet.
    backlog: i64,
    /// More wait on the server: fetch again at once.
    more: bool,
    /// A message could not be stored now (the database or the blob store
    /// failed): the round stopped before it.
    not_stored: Option<String>,
}

/// Reads one mailbox for as long as it is active and unchanged.
async fn read_mailbox(desk: Desk, reading: Reading, settings: PollerSettings, instance: String, m: MailboxToRead) {
    let id = m.mailbox.id;
    let system = Actor::system();
    let oauth = m.mailbox.auth_kind == MailboxAuthKind::Oauth2;
    // The OAuth2 access token in use, when it runs out, and whether it came
    // from a refresh and has not logged in yet (refused then: the grant
    // itself is wrong, and only an admin can fix it).
    let mut secret = m.secret.clone();
    let mut expires_at = m.expires_at;
    let mut lifetime: Option<chrono::Duration> = None;
    let mut fresh = false;
    let mut config = client_config(&m, &secret, &settings);
    let mut client: Option<MailboxClient> = None;
    let mut failures: u32 = 0;
    loop {
        match desk.take_mailbox_lease(&system, id, &instance, settings.lease()).await {
            Ok(true) => {}
            Ok(false) => {
                // Another instance reads it; look again later.
                client = None;
                tokio::time::sleep(settings.every).await;
                continue;
            }
            Err(e) => {
                e.log_fault("mail poller");
                tokio::time::sleep(settings.every).await;
                continue;
            }
        }
        // The cursor as stored: another instance may have moved it.
        let stored = match desk.mailbox(&system, id).await {
            Ok(v) => v.status,
            Err(e) => {
                e.log_fault("mail poller");
                tokio::time::sleep(settings.every).await;
                continue;
            }
        };
        let cursor = Cursor {
            uid_validity: u32::try_from(stored.uid_validity).unwrap_or(0),
            last_uid: u32::try_from(stored.last_uid).unwrap_or(0),
        };
        let started = desk.now();
        if oauth && needs_refresh(&secret, expires_at, lifetime, started) {
            if !m.refreshable && secret.is_empty() {
                return;
            }
            if m.refreshable {
                // A new token, and a new connection logged in with it (the
                // client would reopen a dropped one with the old token).
                client = None;
                match desk.refresh_mailbox_token(&system, id).await {
                    Ok(TokenRefresh::Fresh { access_token, expires_at: until }) => {
                        secret = access_token;
                        expires_at = Some(until);
                        lifetime = Some(until - started);
                        fresh = true;
                        config = client_config(&m, &secret, &settings);
                    }
                    // The state an admin sees is set; the supervisor leaves
                    // the mailbox alone until they authorise it again.
                    Ok(TokenRefresh::Reauthorise(_)) => return,
                    Ok(TokenRefresh::Unavailable(why)) => {
                        tracing::warn!(mailbox = id.0, error = %why, "no new OAuth2 token for a mailbox");
                        record(&desk, id, &instance, cursor, started, MailboxState::Error, why, stored.backlog).await;
                        failures += 1;
                        tokio::time::sleep(settings.backoff(failures)).await;
                        continue;
                    }
                    Err(e) => {
                        e.log_fault("mail poller");
                        failures += 1;
                        tokio::time::sleep(settings.backoff(failures)).await;
                        continue;
                    }
                }
            }
        }
        let c = match client.as_mut() {
            Some(c) => c,
            None => match MailboxClient::new(config.clone()) {
                Ok(c) => client.insert(c),
                Err(e) => {
                    failed(&desk, id, &instance, cursor, started, &e, stored.backlog).await;
                    tokio::time::sleep(settings.admin_retry).await;
                    continue;
                }
            },
        };
        match read_round(&desk, &reading, c, id, cursor).await {
            Ok(round) => {
                fresh = false;
                let progress = MailboxProgress {
                    uid_validity: i64::from(round.cursor.uid_validity),
                    last_uid: i64::from(round.cursor.last_uid),
                    fetched_at: started,
                    succeeded: round.not_stored.is_none(),
                    error: round.not_stored.clone(),
                    state: if round.not_stored.is_some() { MailboxState::Error } else { MailboxState::Ok },
                    backlog: round.backlog,
                };
                save(&desk, id, &instance, progress).await;
                if round.not_stored.is_some() {
                    failures += 1;
                    tokio::time::sleep(settings.backoff(failures)).await;
                    continue;
                }
                failures = 0;
                if round.more {
                    continue;
                }
                let waited = match client.as_mut() {
                    Some(c) => c.wait_for_new(settings.every).await.is_ok(),
                    None => true,
                };
                if !waited {
                    client = None;
                    tokio::time::sleep(settings.every).await;
                }
            }
            Err(e) if oauth && matches!(e, ImapError::AuthFailed { .. } | ImapError::AuthExpired { .. }) => {
                client = None;
                if fresh || !m.refreshable {
                    // A token just issued was refused (or there is no way
                    // to get another): waits for an admin, no loop.
                    let why = if fresh {
                        format!(
                            "the IMAP server refused a freshly issued OAuth2 token ({e}): check the username and the scopes, then authorise the mailbox again"
                        )
                    } else {
                        format!("the IMAP server refused the OAuth2 token ({e}): authorise the mailbox again")
                    };
                    tracing::warn!(mailbox = id.0, error = %why, "a mailbox needs an admin to authorise it again");
                    record(&desk, id, &instance, cursor, started, MailboxState::Reauthorise, why, stored.backlog).await;
                    return;
                }
                // The token was revoked or ran out early: a new one first.
                secret.clear();
                expires_at = None;
                failures += 1;
                tokio::time::sleep(settings.backoff(failures).min(settings.every)).await;
            }
            Err(e) => {
                client = None;
                failed(&desk, id, &instance, cursor, started, &e, stored.backlog).await;
                let pause = if e.needs_admin() {
                    settings.admin_retry
                } else {
                    failures += 1;
                    settings.backoff(failures)
                };
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// Records a failed round: the cursor as it was, the error (which never
/// holds a credential), and the state — `reauthorise` when the server
/// refused the credential, `error` otherwise.
async fn failed(
    desk: &Desk,
    id: MailboxId,
    instance: &str,
    cursor: Cursor,
    at: tessera_core::Timestamp,
    e: &ImapError,
    backlog: i64,
) {
    let state = match e {
        ImapError::AuthFailed { .. } | ImapError::AuthExpired { .. } => MailboxState::Reauthorise,
        _ => MailboxState::Error,
    };
    tracing::warn!(mailbox = id.0, error = %e, "reading a mailbox failed");
    record(desk, id, instance, cursor, at, state, e.to_string(), backlog).await;
}

/// Saves a failed round's state and why (never a credential).
#[allow(clippy::too_many_arguments)]
async fn record(
    desk: &Desk,
    id: MailboxId,
    instance: &str,
    cursor: Cursor,
    at: tessera_core::Timestamp,
    state: MailboxState,
    error: String,
    backlog: i64,
) {
    let progress = MailboxProgress {
        uid_validity: i64::from(cursor.uid_validity),
        last_uid: i64::from(cursor.last_uid),
        fetched_at: at,
        succeeded: false,
        error: Some(error),
        state,
        backlog,
    };
    save(desk, id, instance, progress).await;
}

async fn save(desk: &Desk, id: MailboxId, instance: &str, progress: MailboxProgress) {
    match desk.save_mailbox_progress(&Actor::system(), id, instance, progress).await {
        Ok(true) => {}
        Ok(false) => tracing::info!(mailbox = id.0, "another instance took the mailbox over"),
        Err(e) => e.log_fault("mail poller"),
    }
}

/// How many messages of a batch are being stored at once: their commits
/// and blob writes share the writer's fsyncs.
const STORING_AT_ONCE: usize = 8;

/// One batch: fetched, every message stored (several at once), the stored
/// ones acknowledged, then applied one after the other in UID order (a
/// reply after the message it answers).
async fn read_round(
    desk: &Desk,
    reading: &Reading,
    client: &mut MailboxClient,
    id: MailboxId,
    cursor: Cursor,
) -> Result<Round, ImapError> {
    let batch = client.fetch_batch(&cursor).await?;
    let total = batch.messages.len();
    let mut kept: Vec<u32> = Vec::with_capacity(total);
    let mut passed =
        Cursor { uid_validity: batch.uid_validity, last_uid: if batch.restarted { 0 } else { cursor.last_uid } };
    let mut not_stored = None;
    let stored: Vec<(u32, Result<gateway::Kept, TakeError>)> = futures_util::stream::iter(batch.messages)
        .map(|message| async move {
            let from = Handover { source: MailSource::Imap, mailbox_id: Some(id.0), envelope_to: None };
            (message.uid, gateway::keep(desk, message.raw, from, reading).await)
        })
        .buffered(STORING_AT_ONCE)
        .collect()
        .await;
    let mut to_apply = Vec::with_capacity(total);
    for (uid, result) in stored {
        match result {
            Ok(k) => {
                // Stored is kept, and acknowledged, even past a failure;
                // the cursor passes only what came before it.
                kept.push(uid);
                if not_stored.is_none() {
                    passed.last_uid = uid;
                }
                to_apply.push(k);
            }
            Err(TakeError::Refused(e)) => {
                // It can never be stored (too large): left on the server,
                // not acknowledged, and passed so it blocks nothing.
                tracing::warn!(mailbox = id.0, uid, error = %e, "a message was refused and left on the server");
                if not_stored.is_none() {
                    passed.last_uid = uid;
                }
            }
            Err(TakeError::NotStored(e)) => {
                if not_stored.is_none() {
                    e.log_fault("mail poller");
                    not_stored = Some(format!("a message could not be stored: {e}"));
                }
            }
        }
    }
    let acknowledged = if kept.is_empty() { Ok(()) } else { client.acknowledge(batch.uid_validity, &kept).await };
    // Stored messages are applied whatever the server said to the
    // acknowledgement: they are ours now.
    for k in to_apply {
        gateway::apply_kept(desk, k).await;
    }
    match acknowledged {
        Ok(()) => {}
        // The folder was recreated since the fetch: these UIDs may name
        // other messages now, so nothing was touched. Read it again from its
        // start at once; what is kept already is known by its bytes, and
        // acknowledged under the new UIDs.
        Err(ImapError::UidValidityChanged { .. }) => {
            return Ok(Round { cursor, backlog: 0, more: true, not_stored: None });
        }
        Err(e) => return Err(e),
    }
    let done = not_stored.is_none();
    Ok(Round {
        // All taken: the batch's own cursor (past skipped UIDs too).
        cursor: if done { batch.cursor } else { passed },
        backlog: i64::try_from(batch.waiting.max(total).saturating_sub(kept.len())).unwrap_or(i64::MAX),
        more: batch.more && done,
        not_stored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = PollerSettings {
            every: Duration::from_secs(5),
            max_backoff: Duration::from_secs(60),
            ..Default::default()
        };
        assert_eq!(s.backoff(1), Duration::from_secs(10));
        assert_eq!(s.backoff(2), Duration::from_secs(20));
        assert_eq!(s.backoff(5), Duration::from_secs(60));
        assert_eq!(s.backoff(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn a_token_is_replaced_when_missing_or_within_five_minutes_of_its_end() {
        let now = chrono::Utc::now();
        let min = chrono::Duration::minutes;
        assert!(needs_refresh("", None, None, now));
        assert!(needs_refresh("t", Some(now + min(4)), None, now));
        assert!(needs_refresh("t", Some(now - min(1)), None, now));
        assert!(!needs_refresh("t", Some(now + min(6)), None, now));
        assert!(needs_refresh("t", Some(now + min(4)), Some(min(60)), now));
        // A short-lived token: replaced in the second half of its life.
        assert!(!needs_refresh("t", Some(now + min(2)), Some(min(3)), now));
        assert!(needs_refresh("t", Some(now + min(1)), Some(min(3)), now));
        // A pasted token of unknown life is used until it is refused.
        assert!(!needs_refresh("t", None, None, now));
    }
}
