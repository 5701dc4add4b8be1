//! Admin settings (being written).

use crate::WebState;
use axum::Router;

/// The admin routes.
pub fn routes() -> Router<WebState> {
    Router::new()
}
