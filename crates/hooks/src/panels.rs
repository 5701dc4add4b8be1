//! Panels: HTML fragments fetched from configured URLs for named places of
//! the agent and customer screens (seed 000's view hooks). All panels of a
//! place are asked at once, each with its own short timeout; what comes
//! back is sanitised (no script, no event handlers, safe links and images)
//! and cached briefly. A slow or failing panel shows a quiet placeholder and
//! never holds the page beyond its timeout.

use crate::client::{HookClient, Request};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tessera_core::ids::HookId;
use tessera_desk::Desk;
use tessera_desk::hooks::PanelFragment;
use tessera_store::EndpointKind;

/// How long a fragment is reused.
pub const CACHE_FOR: Duration = Duration::from_secs(30);

/// One panel's part of a page.
pub type Fragment = PanelFragment;

/// The panel fetcher.
pub struct Panels {
    store: std::sync::Arc<dyn tessera_store::Store>,
    desk: Desk,
    client: HookClient,
    cache: Mutex<HashMap<(HookId, String), (Instant, String)>>,
}

/// Cleans a fragment: text formatting, links (http, https, mailto; opened
/// with `noopener`) and images (http, https), nothing that runs.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_tags(["img", "table", "thead", "tbody", "tr", "td", "th", "span", "div"])
        .add_tag_attributes("img", ["src", "alt", "width", "height"])
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

/// The fragment in an answer: the body as HTML, or a JSON string holding it.
pub fn fragment_of(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::String(s)) => s,
        _ => text.into_owned(),
    }
}

impl Panels {
    /// A fetcher reading its panels from `store`.
    pub fn new(store: std::sync::Arc<dyn tessera_store::Store>, desk: Desk, client: HookClient) -> Self {
        Self { store, desk, client, cache: Mutex::new(HashMap::new()) }
    }

    /// The fragments for `place`, given `context` (the ticket or list, and
    /// the viewer); `key` names the context for the cache.
    pub async fn fetch(&self, place: &str, context: Value, key: &str) -> Vec<Fragment> {
        let panels = match self.store.list_hook_endpoints(Some(EndpointKind::Panel), Some(place)).await {
            Ok(p) => p.into_iter().filter(|p| p.active).collect::<Vec<_>>(),
            Err(_) => return vec![],
        };
        if panels.is_empty() {
            return vec![];
        }
        let body = serde_json::to_vec(&json!({"hook": place, "params": context})).unwrap_or_default();
        let now = self.desk.now();
        let asks = panels.iter().map(|p| {
            let body = &body;
            async move {
                let cache_key = (p.id, key.to_string());
                let cached =
                    self.cache.lock().ok().and_then(|c| {
                        c.get(&cache_key).filter(|(at, _)| at.elapsed() < CACHE_FOR).map(|(_, h)| h.clone())
                    });
                if let Some(html) = cached {
                    return Fragment { id: p.id, html: Some(html) };
                }
                let secret = self.desk.open_hook_secret(&p.secret).unwrap_or_default();
                let req = Request {
                    url: &p.url,
                    body,
                    secret: &secret,
                    delivery: &format!("panel-{}-{}", p.id, now.timestamp_millis()),
                    event: place,
                    timestamp: now.timestamp(),
                    timeout: Duration::from_millis(u64::from(p.timeout_ms)),
                };
                // The client's timeout bounds the whole request, the
                // address lookup included.
                let answer = self.client.post(&req).await;
                if !answer.ok() {
                    return Fragment { id: p.id, html: None };
                }
                let html = sanitize(&fragment_of(&answer.body));
                if let Ok(mut c) = self.cache.lock() {
                    if c.len() > 10_000 {
                        c.clear();
                    }
                    c.insert(cache_key, (Instant::now(), html.clone()));
                }
                Fragment { id: p.id, html: Some(html) }
            }
        });
        futures_util::future::join_all(asks).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_are_cleaned() {
        let out = sanitize(
            r#"<div onclick="x()">Plan: <b>Gold</b><script>alert(1)</script><a href="javascript:y()">a</a><img src="https://x.example/i.png" onerror="z()"><a href="https://billing.example/c/5">client</a></div>"#,
        );
        assert!(out.contains("<b>Gold</b>"));
        assert!(out.contains("https://billing.example/c/5"));
        assert!(out.contains("img"));
        for bad in ["onclick", "script", "javascript", "onerror"] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        assert_eq!(fragment_of(br#""<p>hi</p>""#), "<p>hi</p>");
        assert_eq!(fragment_of(b"<p>hi</p>"), "<p>hi</p>");
    }
}
