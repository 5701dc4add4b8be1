//! Tessera's HTTP server on axum, over the desk: the native API (`api/`),
//! with the web UI (`tessera-web`) and the compat dialects (`tessera-compat`)
//! merged into one router, the webhook worker and the SLA checker started
//! beside them, and the layers every request passes (limits, request log,
//! error pages, security headers, the client's address).
#![forbid(unsafe_code)]

pub mod api;
pub mod client_addr;
pub mod config;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod limits;
pub mod metrics;
pub mod middleware;
pub mod request_id;
pub mod serve;
pub mod startup;
pub mod state;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use state::AppState;
use std::fmt::Write as _;
use std::future::Future;

pub use config::Config;
pub use startup::{FirstStart, StartError};

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(s): State<AppState>) -> (StatusCode, &'static str) {
    match s.desk.check_ready().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::error!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, e.public_text())
        }
    }
}

async fn openapi(State(s): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], s.openapi.as_str().to_string())
}

/// `GET /metrics`: the exposition text, for an administrator's token.
async fn metrics(State(state): State<AppState>, parts: Parts) -> Result<Response, error::ApiError> {
    let actor = extract::authenticate(&parts, &state).await?;
    if !actor.is_admin() {
        return Err(error::ApiError::new(StatusCode::FORBIDDEN, "forbidden", "metrics are for administrators"));
    }
    let mut out = String::new();
    state.metrics.write_requests(&mut out);
    out.push_str("# HELP tessera_tickets Live tickets by status category (exact, from the view tally).\n");
    out.push_str("# TYPE tessera_tickets gauge\n");
    for (c, n) in state.desk.ticket_counts_by_category(&actor).await? {
        let _ = writeln!(out, "tessera_tickets{{category=\"{}\"}} {n}", c.as_str());
    }
    out.push_str("# HELP tessera_mail_inbound Mail handed in, by source, what became of it and how it was threaded.\n");
    out.push_str("# TYPE tessera_mail_inbound gauge\n");
    for t in state.desk.inbound_tally(&actor).await? {
        let _ = writeln!(
            out,
            "tessera_mail_inbound{{source=\"{}\",state=\"{}\",matched_by=\"{}\"}} {}",
            t.source.as_str(),
            t.state.as_str(),
            t.matched_by.as_deref().unwrap_or(""),
            t.count
        );
    }
    out.push_str("# HELP tessera_mail_outbound Mail copies going out, by kind and delivery state (queued, sent, deferred, failed, bounced, suppressed).\n");
    out.push_str("# TYPE tessera_mail_outbound gauge\n");
    for t in state.desk.outbound_tally(&actor).await? {
        let _ = writeln!(
            out,
            "tessera_mail_outbound{{kind=\"{}\",state=\"{}\"}} {}",
            t.kind.as_str(),
            t.state.as_str(),
            t.count
        );
    }
    state.metrics.write_process(&mut out);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response())
}

async fn method_not_allowed(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        error::ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this method is not allowed here")
            .into_response()
    } else {
        tessera_web::page::WebError::MethodNotAllowed.into_response()
    }
}

/// Unknown paths: the API's error shape under `/api/`, a page elsewhere.
async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        error::fallback().await.into_response()
    } else {
        tessera_web::not_found().await.into_response()
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, _) = api::router();
    let web = tessera_web::router(state.web.clone());
    let compat = tessera_compat::router(state.compat.clone());
    // Every route's body is cut off at the route's limit before anything
    // reads it (`limits::body_limit`); readers bound what they keep too.
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .merge(api)
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::idempotency))
        .with_state(state.clone())
        .merge(web)
        .merge(compat)
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::body_limit))
        .layer(axum::middleware::from_fn_with_state(state.web, tessera_web::page::error_pages))
        .layer(axum::middleware::from_fn_with_state(state.metrics, middleware::request_log))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(request_id::request_id))
        .layer(axum::middleware::from_fn_with_state(
            std::sync::Arc::new(state.config.trusted_proxies.clone()),
            client_addr::client_address,
        ))
}

/// Serves `app` on `listener` until `shutdown` completes, with the
/// configured connection timeouts (see [`serve`]).
pub async fn run(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timeouts = state.config.timeouts();
    serve::serve(listener, app(state), timeouts, shutdown).await
}
