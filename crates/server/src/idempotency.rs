//! `Idempotency-Key` on POST requests: a client that retries a creation with
//! the same key gets the first answer again instead of a second ticket.
//!
//! Keys are per user. The first request with a key reserves it; a
//! concurrent one with the same key gets 409; a later one gets the stored
//! answer (with `Idempotent-Replayed: true`) if it is the same request, or
//! 422 if the key is reused for a different request. Only successful answers
//! are kept; after a failure the key may be used again. Keys are kept in the
//! database, so they hold across restarts and instances.
//!
//! Answers that carry a secret (a new token, a revealed secret value) are
//! never stored: the key still prevents the request from running twice, but
//! a repeat gets 409 `already_done` instead of the secret again. Replayed
//! answers carry the status and body of the first one, not its headers.

use crate::error::ApiError;
use crate::extract::authenticate;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tessera_store::IdempotencyBegin;

/// The header.
pub const HEADER: &str = "idempotency-key";

/// Routes whose answers hold secrets that must not be kept at rest.
fn answer_holds_secret(path: &str) -> bool {
    path == "/api/v1/tokens"
        || (path.starts_with("/api/v1/tickets/") && (path.ends_with("/reveal") || path.ends_with("/guest-link")))
}

fn key_of(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get(HEADER) else { return Ok(None) };
    let bad = || {
        ApiError::bad_request("invalid_header", "Idempotency-Key is 1 to 255 visible ASCII characters")
            .with_field("Idempotency-Key")
    };
    let s = v.to_str().map_err(|_| bad())?.trim();
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(s.to_string()))
}

/// The middleware.
pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match handle(state, req, next).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn handle(state: AppState, req: Request, next: Next) -> Result<Response, ApiError> {
    if req.method() != Method::POST {
        return Ok(next.run(req).await);
    }
    let key = match key_of(&req) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(next.run(req).await),
        Err(bad_key) => {
            // The token is checked before the header: a caller without one
            // gets 401 from the handler, not a verdict on its key.
            let (parts, body) = req.into_parts();
            if authenticate(&parts, &state).await.is_err() {
                return Ok(next.run(Request::from_parts(parts, body)).await);
            }
            return Err(bad_key);
        }
    };
    let (mut parts, body) = req.into_parts();
    let Ok(actor) = authenticate(&parts, &state).await else {
        // Let the handler answer 401 in its usual way.
        return Ok(next.run(Request::from_parts(parts, body)).await);
    };
    parts.extensions.insert(actor.clone());
    // The route's own limit (the JSON limit for every route but uploads):
    // the body is held here until the handler runs, so never more of it.
    let limit = match parts.extensions.get::<MatchedPath>() {
        Some(route) => crate::limits::route_limit(&state.config, route.as_str()),
        None => crate::limits::ANONYMOUS_BODY_BYTES,
    };
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the request body is larger than {limit} bytes"),
        )
    })?;
    let mut h = Sha256::new();
    h.update(parts.method.as_str());
    h.update(b" ");
    h.update(parts.uri.path_and_query().map_or("", |p| p.as_str()));
    h.update(b"\n");
    h.update(parts.headers.get(header::CONTENT_TYPE).map_or(&b""[..], HeaderValue::as_bytes));
    h.update(b"\n");
    h.update(&bytes);
    let fingerprint = hex::encode(h.finalize());
    let secret = answer_holds_secret(parts.uri.path());
    let desk = &state.desk;
    match desk.idempotency_begin(&actor, &key, &fingerprint).await? {
        IdempotencyBegin::Started => {
            let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let (rparts, rbody) = resp.into_parts();
            let rbytes = axum::body::to_bytes(rbody, usize::MAX).await.unwrap_or_default();
            if rparts.status.is_success() {
                let kept: &[u8] = if secret { b"" } else { &rbytes };
                desk.idempotency_finish(&actor, &key, rparts.status.as_u16(), kept).await?;
            } else {
                desk.idempotency_abandon(&actor, &key).await?;
            }
            Ok(Response::from_parts(rparts, Body::from(rbytes)))
        }
        IdempotencyBegin::InProgress => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_in_progress",
            "a request with this Idempotency-Key is still being processed",
        )),
        IdempotencyBegin::Done { fingerprint: earlier, status, body } => {
            if earlier != fingerprint {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request",
                )
                .with_field("Idempotency-Key"));
            }
            if secret {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "already_done",
                    "this request was already carried out; its secret was shown only once",
                ));
            }
            let mut resp = Response::new(Body::from(body));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(resp)
        }
    }
}
