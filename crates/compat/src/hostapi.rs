//! The hosting provider REST API of seed 002: `/compat/hostapi/v1/tickets…`
//! (`spec/compat.md`, section hostapi).

use crate::CompatState;
use axum::Router;

/// The dialect's routes, relative to `/compat/hostapi`.
pub fn router() -> Router<CompatState> {
    Router::new()
}
