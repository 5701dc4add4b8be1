//! The stylesheet and script, embedded in the binary and served under a
//! content hash, so browsers may cache them forever.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

/// The assets and their URLs.
#[derive(Debug, Clone)]
pub struct Assets {
    /// `/static/<hash>/app.css`.
    pub css: String,
    /// `/static/<hash>/app.js`.
    pub js: String,
    hash: String,
}

impl Assets {
    /// Hashes the embedded files.
    pub fn new() -> Self {
        let mut h = Sha256::new();
        h.update(CSS);
        h.update(JS);
        let hash = hex::encode(&h.finalize()[..8]);
        Self { css: format!("/static/{hash}/app.css"), js: format!("/static/{hash}/app.js"), hash }
    }

    /// Total bytes of CSS and JavaScript a page loads.
    pub fn weight() -> usize {
        CSS.len() + JS.len()
    }
}

impl Default for Assets {
    fn default() -> Self {
        Self::new()
    }
}

/// Serves an asset.
pub async fn serve(State(state): State<crate::WebState>, Path((hash, name)): Path<(String, String)>) -> Response {
    let (body, ctype) = match name.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let cache = if hash == state.assets.hash { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_need_less_than_100_kb_of_css_and_script() {
        assert!(Assets::weight() < 100 * 1024, "{} bytes", Assets::weight());
        let a = Assets::new();
        assert!(a.css.starts_with("/static/") && a.css.ends_with("/app.css"));
    }
}
