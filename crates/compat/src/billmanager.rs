//! BILLmanager's `clientticket` functions: `/compat/billmanager/billmgr?func=…`
//! (`spec/compat.md`, section billmanager; seed 003).

use crate::CompatState;
use axum::Router;

/// The dialect's routes, relative to `/compat/billmanager`.
pub fn router() -> Router<CompatState> {
    Router::new()
}
