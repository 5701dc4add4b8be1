//! Bangwo8's ticket views (seed 004): `/compat/bangwo8/api/v1/…`
//! (`spec/compat.md`, section bangwo8).

use crate::CompatState;
use axum::Router;

/// The dialect's routes, relative to `/compat/bangwo8`.
pub fn router() -> Router<CompatState> {
    Router::new()
}
