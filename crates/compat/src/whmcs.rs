//! The WHMCS API: `POST /compat/whmcs/includes/api.php` with `action=…`
//! (`spec/compat.md`, section whmcs; `research/seed-apis.md` §A.2).

use crate::CompatState;
use axum::Router;

/// The dialect's routes, relative to `/compat/whmcs`.
pub fn router() -> Router<CompatState> {
    Router::new()
}
