//! Reading forms: URL-encoded bodies into ordered pairs (so repeated names
//! such as checked boxes survive), multipart bodies with their files.

use crate::error::WebError;
use crate::session::{ExpectedCsrf, same_site};
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use std::collections::BTreeMap;

/// The largest URL-encoded form accepted (the server's limit of web routes
/// without files is the same).
pub const MAX_FORM_BYTES: usize = 512 * 1024;

/// A submitted form.
#[derive(Debug, Clone, Default)]
pub struct Form {
    /// The fields in order; a name may repeat.
    pub pairs: Vec<(String, String)>,
    /// Uploaded files: (name as sent, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

impl Form {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, if not empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// A positive integer field.
    pub fn id(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.trim().parse().ok()).filter(|n: &i64| *n > 0)
    }

    /// The checkbox `name` is ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v == "on" || v == "true" || v == "1")
    }

    /// Fields whose names start with `prefix`, by the rest of the name.
    pub fn prefixed(&self, prefix: &str) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in &self.pairs {
            if let Some(rest) = k.strip_prefix(prefix) {
                out.entry(rest.to_string()).or_default().push(v.clone());
            }
        }
        out
    }

    /// Parses a URL-encoded body.
    pub fn parse_urlencoded(bytes: &[u8]) -> Self {
        Self { pairs: form_urlencoded::parse(bytes).into_owned().collect(), files: Vec::new() }
    }
}

/// Percent-encodes a value for a URL query.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ctype = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if ctype.starts_with("multipart/form-data") {
            return read_multipart(req, state).await;
        }
        // A failure is a body above the limit (or one that broke off).
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES).await.map_err(|_| WebError::TooLarge)?;
        Ok(Self::parse_urlencoded(&bytes))
    }
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> WebError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge
    } else {
        WebError::BadRequest(e.body_text())
    }
}

/// Reads a multipart form. The server cuts the body off at the route's
/// limit; this reader adds that, on a signed-in request (one that carries
/// [`ExpectedCsrf`]), no file is read before the form's `_csrf` field (or
/// the `X-CSRF-Token` header) has matched the session's token: our forms
/// put the token first, so a forged form is refused before its files are.
async fn read_multipart<S: Send + Sync>(req: Request<Body>, state: &S) -> Result<Form, WebError> {
    let expected = req.extensions().get::<ExpectedCsrf>().cloned();
    let mut csrf_ok = match &expected {
        None => true,
        Some(e) => {
            if !same_site(req.headers()) {
                return Err(WebError::Csrf);
            }
            req.headers()
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| tessera_desk::auth::constant_time_eq(t, &e.0))
        }
    };
    let mut mp = Multipart::from_request(req, state).await.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let mut form = Form::default();
    // Files larger than the desk allows are refused there, with a message;
    // this bound only keeps a hostile body from filling memory should the
    // server's route limit be missing.
    let bound = 256 * 1024 * 1024;
    let mut total = 0usize;
    while let Some(mut field) = mp.next_field().await.map_err(|e| multipart_error(&e))? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        if file_name.is_some() && !csrf_ok {
            return Err(WebError::Csrf);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
            total += chunk.len();
            if total > bound {
                return Err(WebError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        match file_name {
            Some(f) if !bytes.is_empty() => form.files.push((f, bytes)),
            Some(_) => {}
            None => {
                let value = String::from_utf8_lossy(&bytes).into_owned();
                if name == "_csrf"
                    && let Some(e) = &expected
                {
                    if !tessera_desk::auth::constant_time_eq(&value, &e.0) {
                        return Err(WebError::Csrf);
                    }
                    csrf_ok = true;
                }
                form.pairs.push((name, value));
            }
        }
    }
    Ok(form)
}
