//! The hostapi compat dialect against a running server (`spec/compat.md`).

#[allow(unused_imports)]
use crate::support::*;
