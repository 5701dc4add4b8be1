//! The scenarios, the bounded load loop that drives them, and Tessera's side:
//! the users, tokens and tickets a run needs and one request per scenario.

use crate::server::Tessera;
use crate::stats::Sample;
use anyhow::{Context, Result, anyhow, bail};
use reqwest::{Client, RequestBuilder, StatusCode, Url};
use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// One kind of operation the harness measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// A customer opens a ticket with its first message through the API.
    Create,
    /// An agent replies to an existing ticket.
    Reply,
    /// An agent reads a ticket with its conversation.
    Read,
    /// An agent reads the first page (25) of the ticket list.
    List,
    /// An agent counts a default view.
    ViewCount,
    /// An agent searches for one word.
    Search,
}

impl Scenario {
    /// Every scenario, in the order the table shows them.
    pub const ALL: [Scenario; 6] =
        [Scenario::Create, Scenario::Reply, Scenario::Read, Scenario::List, Scenario::ViewCount, Scenario::Search];

    /// The order runs happen in: reads first, on the prepared data set, so
    /// the tickets the write scenarios add do not change what they measure.
    pub const RUN_ORDER: [Scenario; 6] =
        [Scenario::Read, Scenario::List, Scenario::ViewCount, Scenario::Search, Scenario::Create, Scenario::Reply];

    /// The name in the table and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Create => "ticket create",
            Scenario::Reply => "reply",
            Scenario::Read => "ticket read",
            Scenario::List => "ticket list page",
            Scenario::ViewCount => "view count",
            Scenario::Search => "search",
        }
    }

    /// The short key used by `--scenarios`.
    pub fn key(self) -> &'static str {
        match self {
            Scenario::Create => "create",
            Scenario::Reply => "reply",
            Scenario::Read => "read",
            Scenario::List => "list",
            Scenario::ViewCount => "view-count",
            Scenario::Search => "search",
        }
    }

    /// Parses a `--scenarios` key.
    pub fn from_key(key: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether the Request Tracker peer runs this scenario too (RT has no
    /// API counterpart of Tessera's list page and view count).
    pub fn on_rt(self) -> bool {
        matches!(self, Scenario::Create | Scenario::Reply | Scenario::Read | Scenario::Search)
    }
}

/// How long and how much one scenario may run at one concurrency: whichever
/// limit comes first ends it.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Wall-clock limit; requests in flight when it passes still complete.
    pub duration: Duration,
    /// At most this many operations are started.
    pub max_ops: u64,
}

/// Runs `op` from `concurrency` workers until `bounds` are reached and
/// returns what they measured. Each call of `op` gets a sequence number
/// (0, 1, 2, … across all workers) to pick its ticket, token or word from.
pub async fn run_load<F, Fut>(concurrency: usize, bounds: Bounds, op: F) -> Result<Sample>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + bounds.duration;
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (op, next) = (op.clone(), next.clone());
        workers.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut first_error = None;
            loop {
                let seq = next.fetch_add(1, Ordering::Relaxed);
                if seq >= bounds.max_ops || Instant::now() >= deadline {
                    break;
                }
                let t0 = Instant::now();
                match (*op)(seq).await {
                    Ok(()) => latencies.push(t0.elapsed().as_micros() as u64),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            (latencies, errors, first_error)
        });
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    while let Some(joined) = workers.join_next().await {
        let (l, e, f) = joined.context("a load worker panicked")?;
        latencies.extend(l);
        errors += e;
        first_error = first_error.or(f);
    }
    let mut sample = Sample::new(latencies, errors, started.elapsed());
    sample.first_error = first_error;
    Ok(sample)
}

/// Sends a request, reads the whole answer (so the latency includes the
/// body) and fails unless the status is `expected`.
pub async fn send(req: RequestBuilder, expected: StatusCode) -> Result<Value> {
    let body = answer(req, expected).await?;
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&body).context("the answer is not JSON")
}

/// Sends a request and reads the whole answer, which must have the status
/// `expected`.
async fn answer(req: RequestBuilder, expected: StatusCode) -> Result<impl std::ops::Deref<Target = [u8]>> {
    let resp = req.send().await.context("request failed")?;
    let status = resp.status();
    let body = resp.bytes().await.context("reading the answer")?;
    if status != expected {
        let text = String::from_utf8_lossy(&body);
        bail!("answered {status} (expected {expected}): {}", text.chars().take(300).collect::<String>());
    }
    Ok(body)
}

/// Like [`send`] for a measured read whose answer is not used: reads the
/// whole answer and checks the status without parsing the JSON, so the load
/// generator, which shares the machine's cores with the server, spends less
/// of them.
pub async fn fetch(req: RequestBuilder, expected: StatusCode) -> Result<()> {
    if answer(req, expected).await?.is_empty() {
        bail!("answered {expected} with an empty body");
    }
    Ok(())
}

/// `url` with `pairs` appended as its query string, percent-encoded.
/// (reqwest's own `.query()` needs a feature the rest of the workspace does
/// not build with; turning it on would rebuild reqwest for every crate.)
pub fn with_query(url: &str, pairs: &[(&str, &str)]) -> Result<Url> {
    let mut url = Url::parse(url).with_context(|| format!("bad URL {url}"))?;
    url.query_pairs_mut().extend_pairs(pairs);
    Ok(url)
}

/// A small support vocabulary: subjects and bodies are drawn from it, and
/// the search scenario looks for its words, each found in many tickets.
pub const WORDS: [&str; 40] = [
    "server",
    "disk",
    "backup",
    "invoice",
    "refund",
    "domain",
    "mailbox",
    "password",
    "database",
    "network",
    "restart",
    "timeout",
    "certificate",
    "migration",
    "upgrade",
    "billing",
    "account",
    "firewall",
    "memory",
    "latency",
    "outage",
    "kernel",
    "storage",
    "bandwidth",
    "license",
    "renewal",
    "payment",
    "login",
    "spam",
    "resolver",
    "printer",
    "router",
    "cluster",
    "replica",
    "quota",
    "cache",
    "proxy",
    "webhook",
    "cron",
    "ipv6",
];

/// `n` words from [`WORDS`], deterministic in `seed`.
pub fn text(seed: u64, n: usize) -> String {
    let mut state = seed;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        state = splitmix64(state);
        out.push(WORDS[(state % WORDS.len() as u64) as usize]);
    }
    out.join(" ")
}

/// The word the search scenario looks for in its `seq`-th request.
pub fn search_word(seq: u64) -> &'static str {
    WORDS[(seq % WORDS.len() as u64) as usize]
}

/// Spreads consecutive sequence numbers over the prepared tickets (a
/// multiplicative hash), so concurrent workers rarely touch the same ticket.
pub fn spread(seq: u64, len: usize) -> usize {
    (seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16) as usize % len.max(1)
}

/// SplitMix64, a tiny deterministic generator (no dependency for text).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An HTTP client for loopback load: keep-alive connections, enough idle
/// ones for the highest concurrency, a timeout per request.
pub fn client() -> Result<Client> {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .tcp_nodelay(true)
        .build()
        .context("building the HTTP client")
}

/// What the Tessera side of a run set up: tokens and data to aim at. Cheap
/// to clone for load workers (the client shares its connection pool).
#[derive(Debug, Clone)]
pub struct Target {
    client: Client,
    /// `http://127.0.0.1:PORT`; changes when the server is restarted.
    pub base: String,
    /// Further instances on the same database (`--instances`): operations
    /// go to each in turn, as through a load balancer.
    pub others: Vec<String>,
    department_id: u64,
    view_id: u64,
    agent: String,
    customers: Vec<String>,
    /// Ids of the prepared tickets (reply, read).
    pub tickets: Vec<u64>,
}

/// Sizes of the data a run prepares.
#[derive(Debug, Clone, Copy)]
pub struct Preparation {
    /// Tickets opened before the runs, each with a first message and one
    /// agent reply.
    pub tickets: usize,
    /// Customers (one token each) the create scenario cycles through.
    pub customers: usize,
}

impl Target {
    /// Creates an admin, an agent (member of the first department) and
    /// customers with the CLI, then opens `prep.tickets` tickets through the
    /// API, each answered once by the agent.
    pub async fn prepare(tessera: &Tessera, base: &str, prep: Preparation) -> Result<Target> {
        let token = |email: &str| -> Result<String> {
            let v = tessera.cli_json(&["token", "create", "--email", email, "--name", "bench"])?;
            v["token"].as_str().map(str::to_owned).ok_or_else(|| anyhow!("`token create` printed no token: {v}"))
        };
        let user = |email: &str, name: &str, role: &str| -> Result<u64> {
            let v = tessera.cli_json(&["user", "create", "--email", email, "--name", name, "--role", role])?;
            v["id"].as_u64().ok_or_else(|| anyhow!("`user create` printed no id: {v}"))
        };
        user("admin@bench.example", "Bench Admin", "admin")?;
        let admin = token("admin@bench.example")?;
        let agent_id = user("agent@bench.example", "Bench Agent", "agent")?;
        let agent = token("agent@bench.example")?;
        let mut customers = Vec::with_capacity(prep.customers);
        for i in 0..prep.customers.max(1) {
            let email = format!("customer{i}@bench.example");
            user(&email, &format!("Customer {i}"), "customer")?;
            customers.push(token(&email)?);
        }

        let client = client()?;
        let api = format!("{base}/api/v1");
        let depts = send(client.get(format!("{api}/departments")).bearer_auth(&admin), StatusCode::OK).await?;
        let dept = depts["departments"].get(0).ok_or_else(|| anyhow!("no department after the first start"))?;
        let department_id = dept["id"].as_u64().ok_or_else(|| anyhow!("department without id: {dept}"))?;
        let mut members: Vec<u64> =
            dept["member_ids"].as_array().map(|a| a.iter().filter_map(Value::as_u64).collect()).unwrap_or_default();
        members.push(agent_id);
        send(
            client
                .patch(format!("{api}/departments/{department_id}"))
                .bearer_auth(&admin)
                .json(&json!({"member_ids": members})),
            StatusCode::OK,
        )
        .await
        .context("making the agent a member of the department")?;

        let views = send(client.get(format!("{api}/views?active=true")).bearer_auth(&agent), StatusCode::OK).await?;
        let view_id = views["views"]
            .as_array()
            .and_then(|vs| {
                vs.iter()
                    .find(|v| v["title"] == "All unsolved tickets")
                    .or_else(|| vs.first())
                    .and_then(|v| v["id"].as_u64())
            })
            .ok_or_else(|| anyhow!("the agent sees no view: {views}"))?;

        let mut target = Target {
            client,
            base: base.to_owned(),
            others: Vec::new(),
            department_id,
            view_id,
            agent,
            customers,
            tickets: Vec::new(),
        };
        target.tickets = target.open_tickets(prep.tickets).await?;
        Ok(target)
    }

    /// Opens `count` tickets from 8 concurrent customers and has the agent
    /// answer each once; returns their ids.
    async fn open_tickets(&self, count: usize) -> Result<Vec<u64>> {
        const WORKERS: u64 = 8;
        let started = Instant::now();
        let this = Arc::new(self.clone());
        let mut set = JoinSet::new();
        for w in 0..WORKERS {
            let this = this.clone();
            set.spawn(async move {
                let mut ids = Vec::new();
                let mut seq = w;
                while seq < count as u64 {
                    let ticket = this.create(seq).await.with_context(|| format!("preparing ticket {seq}"))?;
                    let id = ticket["id"].as_u64().ok_or_else(|| anyhow!("created ticket without id"))?;
                    this.reply_to(id, seq).await.with_context(|| format!("answering ticket {id}"))?;
                    ids.push(id);
                    seq += WORKERS;
                }
                Ok::<_, anyhow::Error>(ids)
            });
        }
        let mut ids = Vec::with_capacity(count);
        while let Some(joined) = set.join_next().await {
            ids.extend(joined.context("a preparation worker panicked")??);
        }
        ids.sort_unstable();
        eprintln!("prepared {} tickets with 2 messages each in {:.1} s", ids.len(), started.elapsed().as_secs_f64());
        Ok(ids)
    }

    /// One operation of `scenario`, the `seq`-th of its run.
    pub async fn op(&self, scenario: Scenario, seq: u64) -> Result<()> {
        match scenario {
            Scenario::Create => self.create(seq).await.map(drop),
            Scenario::Reply => self.reply_to(self.ticket(seq)?, seq).await.map(drop),
            Scenario::Read => {
                let url = format!("{}/api/v1/tickets/{}", self.at(seq), self.ticket(seq)?);
                fetch(self.client.get(url).bearer_auth(&self.agent), StatusCode::OK).await
            }
            Scenario::List => {
                let url = format!("{}/api/v1/tickets?limit=25", self.at(seq));
                fetch(self.client.get(url).bearer_auth(&self.agent), StatusCode::OK).await
            }
            Scenario::ViewCount => {
                let url = format!("{}/api/v1/views/{}/count", self.at(seq), self.view_id);
                fetch(self.client.get(url).bearer_auth(&self.agent), StatusCode::OK).await
            }
            Scenario::Search => {
                let url = with_query(
                    &format!("{}/api/v1/search", self.at(seq)),
                    &[("q", search_word(seq)), ("limit", "25")],
                )?;
                fetch(self.client.get(url).bearer_auth(&self.agent), StatusCode::OK).await
            }
        }
    }

    /// The instance the `seq`-th operation goes to.
    fn at(&self, seq: u64) -> &str {
        match (seq % (1 + self.others.len() as u64)) as usize {
            0 => &self.base,
            i => &self.others[i - 1],
        }
    }

    /// The prepared ticket the `seq`-th reply or read goes to.
    fn ticket(&self, seq: u64) -> Result<u64> {
        self.tickets.get(spread(seq, self.tickets.len())).copied().ok_or_else(|| anyhow!("no prepared tickets"))
    }

    /// A customer (picked by `seq`) opens a ticket with its first message.
    async fn create(&self, seq: u64) -> Result<Value> {
        let customer = &self.customers[(seq % self.customers.len() as u64) as usize];
        let body = json!({
            "subject": text(seq, 5),
            "department_id": self.department_id,
            "body": text(seq ^ 0xB0D1, 40),
        });
        let url = format!("{}/api/v1/tickets", self.at(seq));
        send(self.client.post(url).bearer_auth(customer).json(&body), StatusCode::CREATED).await
    }

    /// The agent replies to ticket `id`.
    async fn reply_to(&self, id: u64, seq: u64) -> Result<Value> {
        let url = format!("{}/api/v1/tickets/{id}/replies", self.at(seq));
        let body = json!({"body": text(seq ^ 0xA6E7, 25)});
        send(self.client.post(url).bearer_auth(&self.agent).json(&body), StatusCode::CREATED).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_deterministic_and_from_the_vocabulary() {
        assert_eq!(text(42, 6), text(42, 6));
        assert_ne!(text(1, 6), text(2, 6));
        assert!(text(7, 30).split(' ').all(|w| WORDS.contains(&w)));
        assert_eq!(text(7, 30).split(' ').count(), 30);
    }

    #[test]
    fn spread_stays_in_range_and_varies() {
        let picks: Vec<usize> = (0..100).map(|s| spread(s, 10)).collect();
        assert!(picks.iter().all(|&p| p < 10));
        let distinct: std::collections::HashSet<_> = picks.iter().collect();
        assert!(distinct.len() >= 8, "{picks:?}");
        assert_eq!(spread(5, 0), 0);
    }

    #[test]
    fn query_strings_are_encoded() {
        let url = with_query("http://127.0.0.1:1/REST/2.0/tickets", &[("query", "Subject LIKE 'a&b'"), ("page", "2")])
            .expect("url");
        assert_eq!(url.as_str(), "http://127.0.0.1:1/REST/2.0/tickets?query=Subject+LIKE+%27a%26b%27&page=2");
    }

    #[test]
    fn scenario_keys_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(Scenario::from_key(s.key()), Some(s));
        }
        assert_eq!(Scenario::from_key("nope"), None);
    }

    #[tokio::test]
    async fn load_stops_at_max_ops_and_counts_errors() {
        let bounds = Bounds { duration: Duration::from_secs(10), max_ops: 100 };
        let sample =
            run_load(
                8,
                bounds,
                |seq| async move { if seq % 10 == 0 { Err(anyhow!("failure {seq}")) } else { Ok(()) } },
            )
            .await
            .expect("load");
        assert_eq!(sample.ok(), 90);
        assert_eq!(sample.errors, 10);
        assert!(sample.first_error.as_deref().is_some_and(|e| e.starts_with("failure ")));
    }
}
