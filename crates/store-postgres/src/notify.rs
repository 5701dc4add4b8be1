//! Live updates across instances: one dedicated connection per store
//! LISTENs on [`CHANNEL`]; every transaction that writes events sends
//! `pg_notify(CHANNEL, '')`, which PostgreSQL delivers at commit to every
//! listening session (other instances' and our own). A notification wakes
//! the store's [`tokio::sync::Notify`], on which `wait_for_events` waits.
//!
//! The connection reconnects after any failure with a growing pause (up to
//! [`MAX_BACKOFF`]), and wakes every waiter after reconnecting: events
//! written while it was away sent notifications nobody heard, and a
//! spurious wake-up only makes a reader look at the log.

use crate::rows::PgResultExt;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tessera_store::StoreResult;
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls};

/// The notification channel of the event log.
pub const CHANNEL: &str = "tessera_events";

/// The longest pause between two attempts to reconnect.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// How long `start` waits for the first LISTEN to be in place.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// The listening connection's task and the signal it raises. Dropping it
/// (with the last clone of the store) ends the task and its connection.
pub struct Listener {
    signal: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Listener {
    /// Connects, LISTENs, and keeps doing so in the background. Fails when
    /// the first LISTEN is not in place within [`START_TIMEOUT`].
    pub async fn start(config: tokio_postgres::Config) -> StoreResult<Self> {
        let signal = Arc::new(Notify::new());
        let (ready_tx, ready_rx) = oneshot::channel();
        let task = tokio::spawn(run(config, Arc::clone(&signal), ready_tx));
        match tokio::time::timeout(START_TIMEOUT, ready_rx).await {
            Ok(Ok(Ok(()))) => Ok(Self { signal, task }),
            Ok(Ok(Err(e))) => {
                task.abort();
                Err(e)
            }
            Ok(Err(_)) | Err(_) => {
                task.abort();
                Err(tessera_store::StoreError::Backend("could not LISTEN for new events in time".into()))
            }
        }
    }

    /// The signal raised on every notification (and after reconnecting).
    pub fn signal(&self) -> &Notify {
        &self.signal
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(config: tokio_postgres::Config, signal: Arc<Notify>, ready: oneshot::Sender<StoreResult<()>>) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    let mut config = config;
    // Told apart from the pool's connections in pg_stat_activity.
    config.application_name("tessera-listen");
    loop {
        let started = std::time::Instant::now();
        let outcome = session(&config, &signal, &mut ready).await;
        // A connection that lived a while was healthy: start over small.
        if started.elapsed() > MAX_BACKOFF * 4 {
            backoff = Duration::from_millis(100);
        }
        if let Some(r) = ready.take() {
            // The very first attempt failed: `start` reports it.
            let _ = r.send(outcome.and(Ok(())));
            return;
        }
        match outcome {
            Ok(()) => tracing::warn!("the LISTEN connection closed; reconnecting"),
            Err(e) => tracing::warn!(error = %e, "the LISTEN connection failed; reconnecting"),
        }
        // Nothing was heard meanwhile: let readers look.
        signal.notify_waiters();
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection's life: connect, LISTEN, pass notifications on until it
/// ends. Answers how it ended.
async fn session(
    config: &tokio_postgres::Config,
    signal: &Notify,
    ready: &mut Option<oneshot::Sender<StoreResult<()>>>,
) -> StoreResult<()> {
    let (client, mut connection) = config.connect(NoTls).await.db()?;
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    let listen = async {
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await.db()?;
        if let Some(r) = ready.take() {
            let _ = r.send(Ok(()));
        }
        signal.notify_waiters();
        // Keep the client (and so the session) alive.
        std::future::pending::<StoreResult<()>>().await
    };
    let drive = async {
        while let Some(message) = messages.next().await {
            if let AsyncMessage::Notification(_) = message.db()? {
                signal.notify_waiters();
            }
        }
        Ok(())
    };
    tokio::select! {
        r = listen => r,
        r = drive => r,
    }
}
