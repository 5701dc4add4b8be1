//! Request extractors that answer bad input in the API's error shape:
//! JSON bodies (malformed: 400; wrong types, missing or unknown fields: 422
//! naming the field; too large: 413), query strings, path ids, the bearer
//! token and `If-Match`.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use tessera_core::Actor;
use tessera_desk::DeskError;

/// A JSON body.
pub struct ApiJson<T>(pub T);

/// Parses JSON, naming the path of a wrong value.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body is an object. serde would also fill a struct from an array
    // by position (`[null, "x"]`), which the document does not allow.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            return Err(ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}")));
        }
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "the body must be a JSON object"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Syntax
                | serde_json::error::Category::Eof
                | serde_json::error::Category::Io => {
                    Err(ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {inner}")))
                }
                serde_json::error::Category::Data => {
                    let message = inner.to_string();
                    let err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message.clone());
                    // A missing field is reported at its parent; name the field itself.
                    let missing =
                        message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()).map(|name| {
                            if path.is_empty() || path == "." { name.to_string() } else { format!("{path}.{name}") }
                        });
                    Err(match missing {
                        Some(field) => err.with_field(field),
                        None if path.is_empty() || path == "." => err,
                        None => err.with_field(path),
                    })
                }
            }
        }
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ));
        }
        let limit = state.config.max_body_bytes;
        let bytes = axum::body::to_bytes(req.into_body(), limit).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the request body is larger than {limit} bytes"),
            )
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A query string.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(q)
            .map(ApiQuery)
            .map_err(|e| ApiError::bad_request("invalid_query", format!("bad query string: {e}")))
    }
}

/// A numeric id from the path; anything else is "not found".
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw): axum::extract::Path<Vec<String>> =
            axum::extract::Path::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found("resource"))?;
        raw.first()
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|n| *n > 0)
            .map(Id)
            .ok_or_else(|| ApiError::not_found("resource"))
    }
}

/// Two numeric ids from the path (a parent and a child); anything else is
/// "not found".
pub struct Ids(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw): axum::extract::Path<Vec<String>> =
            axum::extract::Path::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found("resource"))?;
        let num = |i: usize| raw.get(i).and_then(|s| s.parse::<i64>().ok()).filter(|n| *n > 0);
        match (num(0), num(1)) {
            (Some(a), Some(b)) => Ok(Ids(a, b)),
            _ => Err(ApiError::not_found("resource")),
        }
    }
}

/// The authenticated caller.
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(actor) = parts.extensions.get::<Actor>() {
            return Ok(Auth(actor.clone()));
        }
        let actor = authenticate(parts, state).await?;
        parts.extensions.insert(actor.clone());
        Ok(Auth(actor))
    }
}

/// The token of the `Authorization: Bearer` header, if any.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
}

/// Checks the `Authorization: Bearer` header.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Actor, ApiError> {
    let token = bearer_token(&parts.headers).ok_or_else(|| {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "send Authorization: Bearer <token>")
    })?;
    state.desk.authenticate_token(token).await.map_err(|e| match e {
        // A database outage is not a wrong token: say so (503, or 500).
        e @ (DeskError::Unavailable(_) | DeskError::Internal(_)) => ApiError::from(e),
        _ => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "the token is unknown, revoked, or its user is disabled",
        ),
    })
}

/// The version from `If-Match` (`"3"`, `3` or `W/"3"`), if sent.
pub struct IfMatch(pub Option<i64>);

/// A version in `If-Match`: an optional `W/`, then 1 to 18 digits, quoted or
/// not (surrounding spaces aside). Anything else is refused rather than
/// guessed at, so the pattern the document gives for the header
/// (`^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$`) says exactly what is accepted.
pub fn parse_if_match(value: &str) -> Option<i64> {
    let s = value.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    let digits = s.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')).unwrap_or(s);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        parse_if_match(v.to_str().unwrap_or("")).map(|n| IfMatch(Some(n))).ok_or_else(|| {
            ApiError::bad_request("invalid_header", "If-Match must be a ticket version such as \"3\"")
                .with_field("If-Match")
        })
    }
}
