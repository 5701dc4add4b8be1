//! The one HTTP client of all hooks: signed POSTs to checked addresses, no
//! redirects, a total timeout, and a capped read of the answer.

use crate::sign;
use std::time::{Duration, Instant};
use tessera_desk::hooks::resolve_target;

/// Most bytes of an answer read (the rest is dropped, the request still counts).
pub const MAX_BODY: usize = 64 * 1024;
/// How much of an answer the delivery log keeps.
pub const EXCERPT: usize = 1000;

/// What came back.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status, if an answer came.
    pub status: Option<u16>,
    /// The body (at most [`MAX_BODY`] bytes).
    pub body: Vec<u8>,
    /// What went wrong, if anything did (timeouts, refused addresses,
    /// connection errors, redirects, oversized bodies).
    pub error: Option<String>,
    /// How long it took.
    pub latency: Duration,
}

impl Answer {
    /// A 2xx status with no error.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The start of the body as text, for logs.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(EXCERPT).collect()
    }
}

/// A signed request to make.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Where.
    pub url: &'a str,
    /// The JSON body.
    pub body: &'a [u8],
    /// The secret to sign with.
    pub secret: &'a str,
    /// The delivery id header.
    pub delivery: &'a str,
    /// The event header.
    pub event: &'a str,
    /// The signing time.
    pub timestamp: i64,
    /// The limit on the whole request.
    pub timeout: Duration,
}

/// The client.
#[derive(Clone)]
pub struct HookClient {
    http: reqwest::Client,
    allow_internal: bool,
}

impl HookClient {
    /// A client; `allow_internal` lets hooks reach loopback and private addresses.
    pub fn new(allow_internal: bool) -> Result<Self, String> {
        crate::install_tls_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("Tessera/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .build()
            .map_err(|e| format!("cannot build the hook client: {e}"))?;
        Ok(Self { http, allow_internal })
    }

    /// POSTs `req`, signed. Never fails: every problem is in the answer.
    pub async fn post(&self, req: &Request<'_>) -> Answer {
        let started = Instant::now();
        let fail = |e: String, started: Instant| Answer {
            status: None,
            body: Vec::new(),
            error: Some(e),
            latency: started.elapsed(),
        };
        // The address is checked again at each call (DNS may have changed).
        if let Err(e) = resolve_target(req.url, self.allow_internal).await {
            return fail(e, started);
        }
        let sig = sign::signature(req.secret, req.timestamp, req.body);
        let send = self
            .http
            .post(req.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(sign::DELIVERY, req.delivery)
            .header(sign::EVENT, req.event)
            .header(sign::TIMESTAMP, req.timestamp.to_string())
            .header(sign::SIGNATURE, sig)
            .body(req.body.to_vec())
            .send();
        let outcome = tokio::time::timeout(req.timeout, async {
            let mut resp = send.await.map_err(|e| format!("request failed: {}", without_url(&e)))?;
            let status = resp.status().as_u16();
            let mut body = Vec::new();
            let mut too_big = false;
            while let Some(chunk) =
                resp.chunk().await.map_err(|e| format!("reading the answer failed: {}", without_url(&e)))?
            {
                let room = MAX_BODY.saturating_sub(body.len());
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if chunk.len() > room {
                    too_big = true;
                    break;
                }
            }
            Ok::<_, String>((status, body, too_big))
        })
        .await;
        let latency = started.elapsed();
        match outcome {
            Err(_) => fail(format!("no answer within {} ms", req.timeout.as_millis()), started),
            Ok(Err(e)) => fail(e, started),
            Ok(Ok((status, body, too_big))) => {
                let error = if (300..400).contains(&status) {
                    Some(format!("redirects are not followed (status {status})"))
                } else if too_big {
                    Some(format!("the answer is larger than {MAX_BODY} bytes"))
                } else {
                    None
                };
                Answer { status: Some(status), body, error, latency }
            }
        }
    }
}

/// An error's text without the URL (which may carry tokens in its query).
fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(u) => text.replace(u.as_str(), "<url>"),
        None => text,
    }
}
