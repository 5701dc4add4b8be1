//! A request id for every request: taken from `X-Request-Id` when a proxy
//! sent a well-formed one, else made here; answered in `X-Request-Id`, and
//! carried by a tracing span around the request, so every line logged while
//! it is served — the request line, and the cause of a 5xx (the one error
//! rule: `DeskError::log_fault`) — names it. A caller who reports the id
//! lets the operator find the cause.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

/// The header.
pub const HEADER: &str = "x-request-id";

/// The id of the request being served (in the request's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// An id a proxy may pass on: 1 to 64 letters, digits, `-`, `_` or `.`
/// (anything else could forge log lines).
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A new id: 64 random bits as hex.
fn new_id() -> String {
    tessera_desk::random::hex_token::<8>().unwrap_or_else(|_| "0000000000000000".into())
}

/// The layer.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|s| acceptable(s))
        .map_or_else(new_id, str::to_string);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", id = %id);
    let mut resp = next.run(req).instrument(span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(HEADER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::response::IntoResponse;
    use std::sync::{Arc, Mutex};
    use tower::ServiceExt;

    /// A log sink the test reads back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_fault_is_logged_once_with_its_cause_and_the_id_the_caller_got() {
        let sink = Sink::default();
        let writer = sink.clone();
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        async fn failing() -> axum::response::Response {
            crate::error::ApiError::from(tessera_desk::DeskError::Internal("disk on fire".into())).into_response()
        }
        let app = Router::new().route("/x", axum::routing::get(failing)).layer(axum::middleware::from_fn(request_id));
        let resp = app.oneshot(Request::builder().uri("/x").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(resp.status(), 500);
        let id = resp.headers()[HEADER].to_str().unwrap().to_string();
        let body = axum::body::to_bytes(resp.into_body(), 4096).await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("disk on fire"), "the cause reached the caller");
        let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = log.lines().filter(|l| l.contains("disk on fire")).collect();
        assert_eq!(lines.len(), 1, "{log}");
        assert!(lines[0].contains(&id) && lines[0].contains("door=\"api\""), "{log}");
        // A proxy's id is kept.
        let app = Router::new().route("/x", axum::routing::get(failing)).layer(axum::middleware::from_fn(request_id));
        let req = Request::builder().uri("/x").header(HEADER, "edge-42").body(Body::empty()).unwrap();
        assert_eq!(app.oneshot(req).await.unwrap().headers()[HEADER], "edge-42");
    }

    #[test]
    fn only_plain_ids_are_taken_from_outside() {
        assert!(acceptable("5f2c-41a0_b.9"));
        for bad in ["", "a b", "x\ny", "id=\"1\"", &"a".repeat(65)] {
            assert!(!acceptable(bad), "{bad:?}");
        }
        assert_eq!(new_id().len(), 16);
        assert_ne!(new_id(), new_id());
    }
}
