//! Request Tracker 5 as a peer: the create, reply, read and search scenarios
//! through RT's REST 2 API, on an RT that `bench/peers/rt.sh` set up.
//!
//! The harness logs in once through RT's login form and sends the session
//! cookie with every request, as a browser or an integration holding a
//! session does. RT's token authentication would check a bcrypt hash on
//! every request, which measures password hashing rather than the helpdesk.

use crate::scenarios::{Scenario, fetch, send, spread, text, with_query};
use anyhow::{Context, Result, anyhow, bail};
use reqwest::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use reqwest::{Client, StatusCode, Url};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// A logged-in session on an RT instance and the tickets to aim at.
#[derive(Debug, Clone)]
pub struct RtPeer {
    client: Client,
    /// `http://127.0.0.1:PORT/REST/2.0`.
    api: String,
    queue: String,
    /// Ids of the tickets the reply and read scenarios use.
    pub tickets: Vec<u64>,
}

impl RtPeer {
    /// Logs in at `url` (RT's web root, loopback only) with the login form
    /// and checks that the session may see `queue` through REST 2.
    pub async fn login(url: &Url, user: &str, password: &str, queue: &str) -> Result<RtPeer> {
        let root = url.as_str().trim_end_matches('/').to_owned();
        let login = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .context("building the login client")?;
        let resp = login
            .post(format!("{root}/NoAuth/Login.html"))
            .form(&[("user", user), ("pass", password)])
            .send()
            .await
            .with_context(|| format!("posting RT's login form at {root}"))?;
        let cookie = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|pair| pair.starts_with("RT_SID_"))
            .ok_or_else(|| anyhow!("RT's login answered {} without a session cookie", resp.status()))?
            .to_owned();

        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&cookie).context("RT's session cookie is not a header value")?);
        let client = Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(60))
            // A connection per request: Starman gives a keep-alive connection
            // a worker of its own, so 32 kept-alive clients on 4 workers
            // would starve 28 of them, and its 1 s idle close races reuse
            // ("connection closed before message completed"). Connecting on
            // loopback costs well under a millisecond of RT's hundreds.
            .pool_max_idle_per_host(0)
            .tcp_nodelay(true)
            .build()
            .context("building the RT client")?;
        let api = format!("{root}/REST/2.0");
        let check = client.get(format!("{api}/queue/{queue}")).send().await.context("checking RT's session")?;
        if check.status() != StatusCode::OK {
            bail!(
                "RT did not accept the login of {user:?} or the queue {queue:?} (GET /REST/2.0/queue/{queue} answered {})",
                check.status()
            );
        }
        Ok(RtPeer { client, api, queue: queue.to_owned(), tickets: Vec::new() })
    }

    /// Makes sure `count` tickets with a reply exist in the queue: reuses
    /// those earlier runs left (RT creates slowly) and creates the rest from
    /// 8 concurrent clients.
    pub async fn prepare(&mut self, count: usize) -> Result<()> {
        let started = Instant::now();
        let mut ids = self.existing_tickets(count).await?;
        let missing = count.saturating_sub(ids.len());
        let this = Arc::new(self.clone());
        let mut set = JoinSet::new();
        for w in 0..8u64 {
            let this = this.clone();
            set.spawn(async move {
                let mut made = Vec::new();
                let mut seq = w;
                while seq < missing as u64 {
                    let id = this.create(seq).await.with_context(|| format!("preparing RT ticket {seq}"))?;
                    this.correspond(id, seq).await.with_context(|| format!("answering RT ticket {id}"))?;
                    made.push(id);
                    seq += 8;
                }
                Ok::<_, anyhow::Error>(made)
            });
        }
        while let Some(joined) = set.join_next().await {
            ids.extend(joined.context("an RT preparation worker panicked")??);
        }
        eprintln!(
            "RT: {} tickets ready ({} reused, {missing} created) in {:.1} s",
            ids.len(),
            ids.len() - missing,
            started.elapsed().as_secs_f64()
        );
        self.tickets = ids;
        Ok(())
    }

    /// Up to `limit` ids of tickets already in the queue.
    async fn existing_tickets(&self, limit: usize) -> Result<Vec<u64>> {
        let mut ids = Vec::new();
        let mut page = 1;
        while ids.len() < limit {
            let query = format!("Queue = '{}'", self.queue);
            let page_no = page.to_string();
            let url = with_query(
                &format!("{}/tickets", self.api),
                &[("query", query.as_str()), ("per_page", "100"), ("page", &page_no)],
            )?;
            let found = send(self.client.get(url), StatusCode::OK).await.context("listing RT's tickets")?;
            let items = found["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                break;
            }
            ids.extend(items.iter().filter_map(|t| id_of(&t["id"])));
            page += 1;
        }
        ids.truncate(limit);
        Ok(ids)
    }

    /// One operation of `scenario`, the `seq`-th of its run. Scenarios RT
    /// has no counterpart for are an error (the caller skips them).
    pub async fn op(&self, scenario: Scenario, seq: u64) -> Result<()> {
        match scenario {
            Scenario::Create => self.create(seq).await.map(drop),
            Scenario::Reply => self.correspond(self.ticket(seq)?, seq).await,
            Scenario::Read => {
                // RT serves a ticket and its messages apart: the ticket, then
                // its attachments (the messages' text) in one page.
                let id = self.ticket(seq)?;
                fetch(self.client.get(format!("{}/ticket/{id}", self.api)), StatusCode::OK).await?;
                let url = with_query(
                    &format!("{}/ticket/{id}/attachments", self.api),
                    &[("fields", "Subject,Content,ContentType,Created,Creator"), ("per_page", "25")],
                )?;
                fetch(self.client.get(url), StatusCode::OK).await
            }
            Scenario::Search => {
                let word = crate::scenarios::search_word(seq);
                let query = format!("Queue = '{}' AND Subject LIKE '{word}'", self.queue);
                let url = with_query(
                    &format!("{}/tickets", self.api),
                    &[("query", query.as_str()), ("per_page", "25"), ("fields", "Subject,Status,Created,LastUpdated")],
                )?;
                fetch(self.client.get(url), StatusCode::OK).await
            }
            Scenario::List | Scenario::ViewCount => bail!("RT has no {} scenario", scenario.name()),
        }
    }

    /// The prepared ticket the `seq`-th reply or read goes to.
    fn ticket(&self, seq: u64) -> Result<u64> {
        self.tickets.get(spread(seq, self.tickets.len())).copied().ok_or_else(|| anyhow!("no prepared RT tickets"))
    }

    /// Opens a ticket for a requester (one of 32 addresses, picked by `seq`:
    /// RT makes each requester's user once, on first sight).
    async fn create(&self, seq: u64) -> Result<u64> {
        let body = json!({
            "Queue": self.queue,
            "Subject": text(seq, 5),
            "Content": text(seq ^ 0xB0D1, 40),
            "ContentType": "text/plain",
            "Requestor": format!("customer{}@bench.example", seq % 32),
        });
        let made = send(self.client.post(format!("{}/ticket", self.api)).json(&body), StatusCode::CREATED).await?;
        id_of(&made["id"]).ok_or_else(|| anyhow!("RT created a ticket without an id: {made}"))
    }

    /// Replies to the requester of ticket `id` (RT's "correspond").
    async fn correspond(&self, id: u64, seq: u64) -> Result<()> {
        let body = json!({"Content": text(seq ^ 0xA6E7, 25), "ContentType": "text/plain"});
        let url = format!("{}/ticket/{id}/correspond", self.api);
        send(self.client.post(url).json(&body), StatusCode::CREATED).await.map(drop)
    }
}

/// RT's REST 2 writes ids as strings (`"id": "42"`); accepts numbers too.
fn id_of(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_as_strings_or_numbers() {
        assert_eq!(id_of(&json!("42")), Some(42));
        assert_eq!(id_of(&json!(7)), Some(7));
        assert_eq!(id_of(&json!("x")), None);
        assert_eq!(id_of(&Value::Null), None);
    }
}
