//! What can go wrong in a store, in terms the desk can act on.

use thiserror::Error;

/// A store failure. The first four are the caller's to handle (they map to
/// 4xx answers); the rest are faults.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The row to change does not exist.
    #[error("not found")]
    NotFound,
    /// A ticket changed since it was read.
    #[error("the ticket changed meanwhile")]
    VersionConflict,
    /// A unique value is taken; the string names it (`email`, `key`...).
    #[error("{0} already exists")]
    Duplicate(String),
    /// A referenced row does not exist or is not in the expected state.
    #[error("invalid reference: {0}")]
    InvalidReference(String),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(String),
    /// The blob store failed.
    #[error("blob storage error: {0}")]
    Io(#[from] std::io::Error),
    /// The database or the attachment storage cannot be reached just now
    /// (a connection refused or lost, a pool that cannot connect): worth a
    /// retry, and a 503 rather than a 500.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The store is shutting down.
    #[error("the store is shut down")]
    Closed,
}

/// Results of store calls.
pub type StoreResult<T> = Result<T, StoreError>;
