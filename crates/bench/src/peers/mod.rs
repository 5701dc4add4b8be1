//! Other helpdesks the harness can run the same scenarios against, for a
//! side-by-side table. Peers are benchmarked, never shipped or required.

pub mod rt;
