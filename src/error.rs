//! The error a client can see. Each variant maps to a stable `extensions.code`; database and other
//! internal failures are logged in full and reach the client only as `INTERNAL_SERVER_ERROR`.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts every `Display`
//! type into an error *without* a code, so leaving it out makes `?` go through the one
//! conversion below, which always sets `extensions.code`.

use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum AppError {
    /// The request is well-formed GraphQL but an argument value is not acceptable.
    BadUserInput(String),
    /// A pagination cursor that this server did not issue for this list.
    InvalidCursor(String),
    /// A global `ID` that does not decode to one of this server's node ids.
    InvalidId(String),
    /// A record the request names (by slug) does not exist.
    NotFound(String),
    /// Anything the client cannot fix; details go to the log only.
    Database(Arc<sea_orm::DbErr>),
}

impl AppError {
    /// The stable machine-readable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadUserInput(_) => "BAD_USER_INPUT",
            AppError::InvalidCursor(_) => "INVALID_CURSOR",
            AppError::InvalidId(_) => "INVALID_ID",
            AppError::NotFound(_) => "NOT_FOUND",
            AppError::Database(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The human-readable message clients see.
    pub fn message(&self) -> &str {
        match self {
            AppError::BadUserInput(msg)
            | AppError::InvalidCursor(msg)
            | AppError::InvalidId(msg)
            | AppError::NotFound(msg) => msg,
            AppError::Database(_) => "Internal server error",
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        AppError::Database(Arc::new(err))
    }
}

impl From<Arc<sea_orm::DbErr>> for AppError {
    fn from(err: Arc<sea_orm::DbErr>) -> Self {
        AppError::Database(err)
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Database(db_err) = &err {
            tracing::error!(error = %db_err, "database error while resolving a request");
        }
        let code = err.code();
        use async_graphql::ErrorExtensions;
        async_graphql::Error::new(err.message()).extend_with(|_, ext| ext.set("code", code))
    }
}

pub type AppResult<T> = Result<T, AppError>;
