//! The hook client connects to the address it checked, never to a second
//! answer of the same name (DNS rebinding), and never to a refused address.
//!
//! Loopback only: a lookup of our own answers made-up `.test` names with
//! 127.0.0.1 and 127.0.0.2, and a policy of our own lets 127.0.0.1 play a
//! public address and 127.0.0.2 the cloud metadata service. Two tiny HTTP
//! servers listen on both, on the same port; no real resolver is asked and
//! nothing leaves the machine.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use async_trait::async_trait;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tessera_desk::hooks::{AddressPolicy, NameLookup, SpecialPurposePolicy};
use tessera_hooks::client::{Answer, HookClient, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PUBLIC: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const METADATA: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const SECRET: &str = "METADATA-CREDENTIALS-aws-secret";

/// Lets only 127.0.0.1 through: it plays the public address; everything
/// else (127.0.0.2 above all) plays an internal one.
struct OnlyPublic;

impl AddressPolicy for OnlyPublic {
    fn check(&self, ip: IpAddr) -> Result<(), String> {
        if ip == IpAddr::V4(PUBLIC) { Ok(()) } else { Err("internal in this test".into()) }
    }
}

/// Answers `first` to the first lookup and `later` to every other one,
/// counting them; a rebinding name when they differ.
struct Rebinding {
    first: Ipv4Addr,
    later: Ipv4Addr,
    asked: Mutex<Vec<String>>,
}

impl Rebinding {
    fn new(first: Ipv4Addr, later: Ipv4Addr) -> Arc<Self> {
        Arc::new(Self { first, later, asked: Mutex::new(Vec::new()) })
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

#[async_trait]
impl NameLookup for Rebinding {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        let mut asked = self.asked.lock().unwrap();
        asked.push(host.to_string());
        // Only made-up names are answered: anything else is a bug of the test.
        assert!(host.ends_with(".test"), "the test asked for {host}");
        Ok(vec![IpAddr::V4(if asked.len() == 1 { self.first } else { self.later })])
    }
}

/// A tiny HTTP server: answers every request with `body`, closes the
/// connection, and counts the connections it accepted.
struct Server {
    hits: Arc<AtomicUsize>,
}

impl Server {
    fn start(listener: TcpListener, body: &'static str) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    let mut buf = [0u8; 4096];
                    // Read the head and as much body as it announces.
                    loop {
                        let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        got.extend_from_slice(&buf[..n]);
                        let text = String::from_utf8_lossy(&got);
                        if let Some(end) = text.find("\r\n\r\n") {
                            let length = text[..end]
                                .lines()
                                .find_map(|l| {
                                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
                                })
                                .and_then(|v| v.parse::<usize>().ok())
                                .unwrap_or(0);
                            if got.len() >= end + 4 + length {
                                break;
                            }
                        }
                    }
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = conn.write_all(answer.as_bytes()).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        Self { hits }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// The "public" server on 127.0.0.1 and the "metadata" server on
/// 127.0.0.2, on one port (so a URL's port cannot tell them apart).
async fn servers() -> (u16, Server, Server) {
    for _ in 0..20 {
        let public = TcpListener::bind(SocketAddr::new(IpAddr::V4(PUBLIC), 0)).await.expect("bind 127.0.0.1");
        let port = public.local_addr().unwrap().port();
        if let Ok(metadata) = TcpListener::bind(SocketAddr::new(IpAddr::V4(METADATA), port)).await {
            return (port, Server::start(public, "public receiver"), Server::start(metadata, SECRET));
        }
    }
    panic!("no port free on both 127.0.0.1 and 127.0.0.2");
}

async fn post(client: &HookClient, url: &str) -> Answer {
    let req = Request {
        url,
        body: br#"{"kind":"webhook.test"}"#,
        secret: "whsec_test_secret",
        delivery: "1",
        event: "webhook.test",
        timestamp: 1_700_000_000,
        timeout: Duration::from_secs(5),
    };
    // Bounded twice: the request's own timeout, and this.
    tokio::time::timeout(Duration::from_secs(15), client.post(&req)).await.expect("the client answers in time")
}

/// Nothing of a refused target is in the answer (the delivery log keeps
/// the error and the excerpt).
fn refused(a: &Answer) -> String {
    assert!(!a.ok(), "{a:?}");
    assert_eq!(a.status, None, "no status: nothing was asked");
    assert!(a.body.is_empty() && a.excerpt().is_empty(), "{a:?}");
    let error = a.error.clone().expect("an error");
    assert!(!error.contains(SECRET), "{error}");
    error
}

#[tokio::test]
async fn a_rebinding_name_reaches_only_the_checked_address() {
    let (port, public, metadata) = servers().await;
    let lookup = Rebinding::new(PUBLIC, METADATA);
    let client = HookClient::with_lookup(lookup.clone(), Arc::new(OnlyPublic)).unwrap();
    let url = format!("http://rebind.test:{port}/hook");

    // The name answers the "public" address: the request goes there, after
    // one lookup (the one that was checked is the one connected to).
    let first = post(&client, &url).await;
    assert!(first.ok(), "{first:?}");
    assert_eq!(first.excerpt(), "public receiver");
    assert_eq!(lookup.asked(), ["rebind.test"], "one lookup for one request");
    assert_eq!((public.hits(), metadata.hits()), (1, 0));

    // The server closed the connection, so the next request looks the name
    // up again, and now it answers the "metadata" address: refused.
    let second = post(&client, &url).await;
    let error = refused(&second);
    assert_eq!(error, "rebind.test leads to 127.0.0.2: internal in this test");
    assert_eq!(lookup.asked().len(), 2);
    assert_eq!((public.hits(), metadata.hits()), (1, 0), "127.0.0.2 was never connected to");
}

#[tokio::test]
async fn a_name_answering_a_refused_address_is_refused_before_connecting() {
    let (port, public, metadata) = servers().await;
    let lookup = Rebinding::new(METADATA, METADATA);
    let client = HookClient::with_lookup(lookup.clone(), Arc::new(OnlyPublic)).unwrap();
    for _ in 0..3 {
        let a = post(&client, &format!("https://metadata.test:{port}/latest/meta-data")).await;
        assert_eq!(refused(&a), "metadata.test leads to 127.0.0.2: internal in this test");
    }
    assert_eq!(lookup.asked().len(), 3);
    assert_eq!((public.hits(), metadata.hits()), (0, 0));
}

#[tokio::test]
async fn ip_literals_are_checked_before_the_request() {
    let (port, public, metadata) = servers().await;
    let lookup = Rebinding::new(PUBLIC, PUBLIC);
    let client = HookClient::with_lookup(lookup.clone(), Arc::new(OnlyPublic)).unwrap();
    // 127.0.0.2 as written, as a single number (the HTTP library reads it
    // as 127.0.0.2), in hex, and mapped into IPv6.
    for (host, ip) in [
        ("127.0.0.2", "127.0.0.2"),
        ("2130706434", "127.0.0.2"),
        ("0x7f.0.0.2", "127.0.0.2"),
        ("[::ffff:127.0.0.2]", "::ffff:127.0.0.2"),
    ] {
        let a = post(&client, &format!("http://{host}:{port}/hook")).await;
        assert_eq!(refused(&a), format!("{ip} is internal in this test"), "{host}");
    }
    let a = post(&client, &format!("http://127.0.0.1:{port}/hook")).await;
    assert_eq!(a.excerpt(), "public receiver", "{a:?}");
    assert!(lookup.asked().is_empty(), "literals are not looked up");
    assert_eq!((public.hits(), metadata.hits()), (1, 0));
}

#[tokio::test]
async fn the_configured_policy_refuses_loopback_unless_internal_targets_are_allowed() {
    let (port, public, metadata) = servers().await;
    let strict = Arc::new(SpecialPurposePolicy { allow_internal: false });
    let open = Arc::new(SpecialPurposePolicy { allow_internal: true });
    let by_name = format!("http://receiver.test:{port}/hook");
    let literal = format!("http://127.0.0.1:{port}/hook");

    let client = HookClient::with_lookup(Rebinding::new(PUBLIC, PUBLIC), strict).unwrap();
    let error = refused(&post(&client, &by_name).await);
    assert_eq!(
        error,
        "receiver.test leads to 127.0.0.1: loopback (127.0.0.0/8), which integrations may not reach; \
         set [hooks] allow_internal_targets to allow it"
    );
    let error = refused(&post(&client, &literal).await);
    assert!(error.starts_with("127.0.0.1 is loopback"), "{error}");
    assert_eq!(public.hits(), 0);

    // `[hooks] allow_internal_targets = true`: the tests' loopback receivers work.
    let client = HookClient::with_lookup(Rebinding::new(PUBLIC, PUBLIC), open).unwrap();
    assert_eq!(post(&client, &by_name).await.excerpt(), "public receiver");
    let client = HookClient::new(true).unwrap();
    assert_eq!(post(&client, &literal).await.excerpt(), "public receiver");
    let client = HookClient::new(false).unwrap();
    assert!(refused(&post(&client, &literal).await).contains("allow_internal_targets"));
    assert_eq!((public.hits(), metadata.hits()), (2, 0));
}
