//! The one HTTP client of all hooks: signed POSTs to checked addresses, no
//! redirects, a total timeout, and a capped read of the answer.
//!
//! Addresses are checked where they are used: the HTTP library resolves
//! host names only through [`PinnedResolver`], which looks each name up
//! once and hands over only addresses the policy accepts, so the
//! connection goes to the address that was checked (a name cannot answer
//! a public address to a check and the metadata service to the connection).
//! IP literals, which the library does not resolve, are checked before the
//! request is made.

use crate::sign;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::error::Error as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_desk::hooks::{
    AddressPolicy, NameLookup, SpecialPurposePolicy, SystemLookup, TargetError, check_url_syntax, resolve_checked,
};

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
    policy: Arc<dyn AddressPolicy>,
}

/// The HTTP library's resolver: one lookup per connection, every answer
/// checked, only checked addresses handed over (the DNS-rebinding guard).
pub struct PinnedResolver {
    lookup: Arc<dyn NameLookup>,
    policy: Arc<dyn AddressPolicy>,
}

impl PinnedResolver {
    /// A resolver looking names up with `lookup` and passing what `policy` accepts.
    pub fn new(lookup: Arc<dyn NameLookup>, policy: Arc<dyn AddressPolicy>) -> Self {
        Self { lookup, policy }
    }
}

impl Resolve for PinnedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let lookup = Arc::clone(&self.lookup);
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let ips = resolve_checked(&host, lookup.as_ref(), policy.as_ref()).await?;
            // Port 0: the library puts the URL's port in.
            let addrs: Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

impl HookClient {
    /// A client; `allow_internal` lets hooks reach loopback, private and
    /// other special-purpose addresses. Names are looked up by the system.
    pub fn new(allow_internal: bool) -> Result<Self, String> {
        Self::with_lookup(Arc::new(SystemLookup), Arc::new(SpecialPurposePolicy { allow_internal }))
    }

    /// A client looking names up with `lookup` and connecting only where
    /// `policy` allows (tests bring their own of both).
    pub fn with_lookup(lookup: Arc<dyn NameLookup>, policy: Arc<dyn AddressPolicy>) -> Result<Self, String> {
        crate::install_tls_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("Tessera/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .dns_resolver(Arc::new(PinnedResolver::new(lookup, Arc::clone(&policy))))
            .build()
            .map_err(|e| format!("cannot build the hook client: {e}"))?;
        Ok(Self { http, policy })
    }

    /// The URL to request, once its form is checked and, when its host is
    /// an IP literal (which the HTTP library connects to without asking the
    /// resolver), the address too.
    fn target(&self, url: &str) -> Result<reqwest::Url, TargetError> {
        check_url_syntax(url).map_err(TargetError::Url)?;
        let parsed = reqwest::Url::parse(url).map_err(|e| TargetError::Url(format!("the URL is malformed: {e}")))?;
        // The host as the library reads it (`http://2130706433/` is
        // 127.0.0.1), taken for a literal the way it does.
        let host = parsed.host_str().ok_or_else(|| TargetError::Url("the URL has no host".into()))?;
        let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
        if let Some(ip) = literal {
            self.policy.check(ip).map_err(|why| TargetError::Refused { host: ip.to_string(), ip, why })?;
        }
        Ok(parsed)
    }

    /// POSTs a form (an OAuth2 token request) to `url`, with the same
    /// address checks, no redirects and the capped read of [`Self::post`],
    /// within `timeout`. Never fails: every problem is in the answer, and
    /// no error text holds the form's values or the URL.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)], timeout: Duration) -> Answer {
        let started = Instant::now();
        let url = match self.target(url) {
            Ok(u) => u,
            Err(e) => {
                return Answer {
                    status: None,
                    body: Vec::new(),
                    error: Some(e.to_string()),
                    latency: started.elapsed(),
                };
            }
        };
        let send = self.http.post(url).header(reqwest::header::ACCEPT, "application/json").form(form).send();
        read_answer(send, timeout, started).await
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
        // The address is checked at each call (DNS may have changed), in
        // the one lookup whose answer is connected to.
        let url = match self.target(req.url) {
            Ok(u) => u,
            Err(e) => return fail(e.to_string(), started),
        };
        let sig = sign::signature(req.secret, req.timestamp, req.body);
        let send = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(sign::DELIVERY, req.delivery)
            .header(sign::EVENT, req.event)
            .header(sign::TIMESTAMP, req.timestamp.to_string())
            .header(sign::SIGNATURE, sig)
            .body(req.body.to_vec())
            .send();
        read_answer(send, req.timeout, started).await
    }
}

/// Waits for an answer within `timeout` and reads at most [`MAX_BODY`] of it.
async fn read_answer(
    send: impl std::future::Future<Output = Result<reqwest::Response, reqwest::Error>>,
    timeout: Duration,
    started: Instant,
) -> Answer {
    let fail = |e: String, started: Instant| Answer {
        status: None,
        body: Vec::new(),
        error: Some(e),
        latency: started.elapsed(),
    };
    {
        let outcome = tokio::time::timeout(timeout, async {
            let mut resp = send.await.map_err(|e| request_failed(&e))?;
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
            Err(_) => fail(format!("no answer within {} ms", timeout.as_millis()), started),
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

/// Why a request failed: the refusal of its address when that was it
/// (nothing was sent), else the library's error.
fn request_failed(e: &reqwest::Error) -> String {
    let mut cause = e.source();
    while let Some(c) = cause {
        if let Some(refused) = c.downcast_ref::<TargetError>() {
            return refused.to_string();
        }
        cause = c.source();
    }
    format!("request failed: {}", without_url(e))
}

/// An error's text without the URL (which may carry tokens in its query).
fn without_url(e: &reqwest::Error) -> String {
    let text = e.to_string();
    match e.url() {
        Some(u) => text.replace(u.as_str(), "<url>"),
        None => text,
    }
}

/// The desk's way to OAuth2 token endpoints (IMAP mailboxes): the hooks'
/// client — the same address policy (public addresses only unless
/// `[hooks] allow_internal_targets`), no redirects, a capped body — with a
/// timeout on each request.
#[derive(Clone)]
pub struct TokenPoster {
    client: HookClient,
    timeout: Duration,
}

impl TokenPoster {
    /// Token requests through `client`, each given at most `timeout`.
    pub fn new(client: HookClient, timeout: Duration) -> Self {
        Self { client, timeout }
    }
}

#[async_trait::async_trait]
impl tessera_desk::mail::oauth::FormPoster for TokenPoster {
    async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<(u16, Vec<u8>), String> {
        let answer = self.client.post_form(url, form, self.timeout).await;
        match (answer.status, answer.error) {
            // A redirect is refused as an answer, not followed.
            (Some(status), Some(_)) if (300..400).contains(&status) => Ok((status, answer.body)),
            (_, Some(e)) => Err(e),
            (Some(status), None) => Ok((status, answer.body)),
            (None, None) => Err("no answer".into()),
        }
    }
}
