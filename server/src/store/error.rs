//! The store's one error type: what callers can tell apart.

pub type StoreResult<T> = Result<T, StoreError>;

/// What callers of the store can tell apart; everything else is an internal failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule refused the write (e.g. an e-mail already registered).
    #[error("{0}")]
    Conflict(String),
    /// The request breaks a rule of the data (answered as a bad request).
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Other(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Config(String),
}

impl StoreError {
    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
    }
}
