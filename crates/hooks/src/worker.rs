//! The webhook worker: turns committed events into deliveries (the outbox
//! cursor moves in the same transaction, so an event is enqueued once),
//! then delivers due deliveries, retrying with exponential backoff and
//! jitter for 24 hours. A ticket's deliveries reach a webhook in event
//! order; deliveries survive restarts (they are rows).

use crate::client::{HookClient, Request};
use crate::payload;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tessera_core::ids::{EventId, WebhookId};
use tessera_desk::Desk;
use tessera_store::*;
use tokio::sync::Semaphore;

/// The outbox cursor of webhooks (a setting).
pub const CURSOR: &str = "webhooks.cursor";
/// How long a webhook keeps being retried.
pub const RETRY_FOR_HOURS: i64 = 24;

/// Tunables.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How often the log and the queue are looked at.
    pub poll: Duration,
    /// The first retry's delay; each next one doubles (with ±20% jitter).
    pub retry_base: Duration,
    /// The longest delay between retries.
    pub retry_cap: Duration,
    /// How long one request may take.
    pub timeout: Duration,
    /// Deliveries made at once.
    pub concurrency: usize,
    /// The zone WiseCP-shaped dates are written in (`[server] timezone`).
    pub time_zone: chrono_tz::Tz,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(100),
            retry_base: Duration::from_secs(10),
            retry_cap: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            concurrency: 8,
            time_zone: chrono_tz::UTC,
        }
    }
}

/// The running worker; dropping the last handle stops it.
pub struct WebhookWorker {
    stop: Arc<AtomicBool>,
}

impl Drop for WebhookWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl WebhookWorker {
    /// Starts the worker on the store (handed over at start-up: the worker
    /// is infrastructure around the desk, not one of its doors).
    pub fn start(store: Arc<dyn Store>, desk: Desk, client: HookClient, settings: WorkerSettings) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        tokio::spawn(async move {
            let slots = Arc::new(Semaphore::new(settings.concurrency.max(1)));
            let w = Arc::new(Worker { store, desk, client, settings });
            if let Err(e) = w.start_cursor().await {
                tracing::error!(error = %e, "the webhook worker cannot start");
                return;
            }
            while !flag.load(Ordering::SeqCst) {
                if let Err(e) = w.enqueue().await {
                    tracing::warn!(error = %e, "webhooks: cannot read the event log");
                }
                match Arc::clone(&w).deliver_due(&slots).await {
                    Ok(0) => {
                        let seen = w.seen().await;
                        w.store().wait_for_events(seen, w.settings.poll).await;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "webhooks: cannot deliver");
                        tokio::time::sleep(w.settings.poll).await;
                    }
                }
            }
        });
        Self { stop }
    }
}

struct Worker {
    store: Arc<dyn Store>,
    desk: Desk,
    client: HookClient,
    settings: WorkerSettings,
}

/// The delay before retry number `attempt` (1 for the first retry).
pub fn backoff(settings: &WorkerSettings, attempt: u32, jitter: f64) -> Duration {
    let base = settings.retry_base.as_secs_f64() * 2f64.powi(attempt.saturating_sub(1).min(30) as i32);
    let capped = base.min(settings.retry_cap.as_secs_f64());
    Duration::from_secs_f64((capped * (0.8 + 0.4 * jitter.clamp(0.0, 1.0))).max(0.001))
}

fn jitter() -> f64 {
    tessera_desk::random::bytes::<2>().map_or(0.5, |b| f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX))
}

impl Worker {
    fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// On the first start, webhooks begin with the events to come, not the
    /// whole history.
    async fn start_cursor(&self) -> StoreResult<()> {
        if self.store().setting(CURSOR).await?.is_none() {
            let last = self.store().latest_event_id().await?;
            self.store().set_setting(CURSOR, &last.0.to_string()).await?;
        }
        Ok(())
    }

    /// The last event whose deliveries are enqueued.
    async fn seen(&self) -> EventId {
        EventId(self.store().setting(CURSOR).await.ok().flatten().and_then(|c| c.parse().ok()).unwrap_or(0))
    }

    async fn enqueue(&self) -> StoreResult<()> {
        let cursor = EventId(self.store().setting(CURSOR).await?.and_then(|c| c.parse().ok()).unwrap_or(0));
        let events = self.store().events_after(cursor, 500).await?;
        let Some(last) = events.last().map(|e| e.id) else { return Ok(()) };
        let hooks: Vec<Webhook> = self.store().list_webhooks().await?.into_iter().filter(|w| w.active).collect();
        let now = self.desk.now();
        let mut out = Vec::new();
        for e in &events {
            for w in &hooks {
                let wanted = (w.kinds.is_empty() || w.kinds.contains(&e.kind))
                    && (w.sides.is_empty() || w.sides.contains(&e.side));
                if !wanted {
                    continue;
                }
                let names: Vec<String> = match w.format {
                    HookFormat::Native => vec![e.kind.as_str().to_string()],
                    HookFormat::Wisecp => payload::wisecp_hooks(e).into_iter().map(str::to_string).collect(),
                };
                for name in names {
                    out.push(NewDelivery {
                        webhook_id: w.id,
                        event_id: Some(e.id),
                        ticket_id: Some(e.ticket_id),
                        name,
                        next_attempt_at: now,
                        redelivery_of: None,
                        test_payload: None,
                    });
                }
            }
        }
        match self.store().enqueue_deliveries(CURSOR, cursor, last, out).await {
            // Another instance enqueued these events first: it has them.
            Err(StoreError::VersionConflict) => Ok(()),
            other => other,
        }
    }

    /// Claims as many due deliveries as there are free slots and starts
    /// them; a slow receiver holds its slot, never the loop or the others.
    async fn deliver_due(self: Arc<Self>, slots: &Arc<Semaphore>) -> StoreResult<usize> {
        // Wait for a free slot (deliveries have timeouts, so one frees up),
        // then claim as many as are free.
        let Ok(first) = Arc::clone(slots).acquire_owned().await else { return Ok(0) };
        let free = 1 + slots.available_permits();
        let now = self.desk.now();
        // The lease outlives the request: a claimed delivery is not claimed
        // again while in flight, and is again after a crash.
        let lease =
            now + chrono::Duration::from_std(self.settings.timeout * 3).unwrap_or(chrono::Duration::seconds(60));
        let due = self.store().claim_deliveries(now, lease, free as u32).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let mut hooks: HashMap<WebhookId, Webhook> = HashMap::new();
        for d in &due {
            if !hooks.contains_key(&d.webhook_id)
                && let Some(w) = self.store().webhook(d.webhook_id).await?
            {
                hooks.insert(w.id, w);
            }
        }
        let n = due.len();
        let mut first = Some(first);
        for d in due {
            let Some(w) = hooks.get(&d.webhook_id).cloned() else { continue };
            let slot = match first.take() {
                Some(s) => s,
                None => match Arc::clone(slots).acquire_owned().await {
                    Ok(s) => s,
                    Err(_) => break,
                },
            };
            let worker = Arc::clone(&self);
            tokio::spawn(async move {
                if let Err(e) = worker.deliver(w, d).await {
                    tracing::warn!(error = %e, "webhooks: a delivery could not be recorded");
                }
                drop(slot);
            });
        }
        Ok(n)
    }

    /// The body of a delivery: the ticket as of its event (decision 18),
    /// the same at every attempt.
    async fn body(&self, w: &Webhook, d: &Delivery) -> Result<Vec<u8>, String> {
        if let Some(p) = &d.test_payload {
            return Ok(p.clone().into_bytes());
        }
        let store = self.store();
        let event_id = d.event_id.ok_or("the delivery has no event")?;
        let e = store.event(event_id).await.map_err(|e| e.to_string())?.ok_or("the event is gone")?;
        let (t, as_of) = match store.ticket_at(e.ticket_id, e.ticket_version).await.map_err(|e| e.to_string())? {
            Some(t) => (t, e.created_at),
            // Not kept (committed while no webhook was active, or before
            // tickets were kept): the ticket as it is now.
            None => {
                let t = store.ticket(e.ticket_id).await.map_err(|e| e.to_string())?.ok_or("the ticket is gone")?;
                (t, self.desk.now())
            }
        };
        let defs = store.custom_fields().await.map_err(|e| e.to_string())?;
        let message = match e.message_id {
            Some(mid) => match store.message(mid).await.map_err(|e| e.to_string())? {
                Some(m) => Some(self.desk.open_message(m).map_err(|e| e.to_string())?),
                None => None,
            },
            None => None,
        };
        let value = match w.format {
            HookFormat::Native => payload::native(d.id.0, &e, &t, message.as_ref(), &defs, as_of),
            HookFormat::Wisecp => payload::wisecp(&d.name, &t, message.as_ref(), &defs, self.settings.time_zone),
        };
        serde_json::to_vec(&value).map_err(|e| e.to_string())
    }

    async fn deliver(&self, w: Webhook, d: Delivery) -> StoreResult<()> {
        let now = self.desk.now();
        let attempt_no = d.attempts + 1;
        let secret = self.desk.open_hook_secret(&w.secret).unwrap_or_default();
        let (answer, body_error) = match self.body(&w, &d).await {
            Ok(body) => {
                let req = Request {
                    url: &w.url,
                    body: &body,
                    secret: &secret,
                    delivery: &d.id.0.to_string(),
                    event: &d.name,
                    timestamp: now.timestamp(),
                    timeout: self.settings.timeout,
                };
                (Some(self.client.post(&req).await), None)
            }
            Err(e) => (None, Some(e)),
        };
        let ok = answer.as_ref().is_some_and(|a| a.ok());
        let outcome = if ok {
            AttemptOutcome::Delivered
        } else if body_error.is_some() || now - d.created_at >= chrono::Duration::hours(RETRY_FOR_HOURS) {
            AttemptOutcome::Failed
        } else {
            let delay = backoff(&self.settings, attempt_no, jitter());
            AttemptOutcome::Retry(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::seconds(60)))
        };
        let error = body_error.or_else(|| {
            answer.as_ref().and_then(|a| {
                a.error.clone().or_else(|| (!a.ok()).then(|| format!("status {}", a.status.unwrap_or(0))))
            })
        });
        let attempt = Attempt {
            delivery_id: d.id,
            attempt: attempt_no,
            at: now,
            status: answer.as_ref().and_then(|a| a.status),
            latency_ms: answer.as_ref().map_or(0, |a| u32::try_from(a.latency.as_millis()).unwrap_or(u32::MAX)),
            response: answer.as_ref().map(|a| a.excerpt()).unwrap_or_default(),
            error,
        };
        let recorded = self.store().record_attempt(attempt, outcome).await?;
        if recorded.disabled {
            tracing::warn!(webhook = w.id.0, failures = recorded.consecutive_failures, "a webhook was switched off");
            if let Some(t) = d.ticket_id {
                let _ = self.desk.record_webhook_disabled(t, w.id, recorded.consecutive_failures).await;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let s = WorkerSettings {
            retry_base: Duration::from_secs(10),
            retry_cap: Duration::from_secs(3600),
            ..WorkerSettings::default()
        };
        let mid = |n| backoff(&s, n, 0.5).as_secs_f64();
        assert!((mid(1) - 10.0).abs() < 0.01);
        assert!((mid(2) - 20.0).abs() < 0.01);
        assert!((mid(5) - 160.0).abs() < 0.01);
        assert!((mid(20) - 3600.0).abs() < 0.01);
        assert!((backoff(&s, 1, 0.0).as_secs_f64() - 8.0).abs() < 0.01);
        assert!((backoff(&s, 1, 1.0).as_secs_f64() - 12.0).abs() < 0.01);
    }
}
