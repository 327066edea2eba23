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
    /// A write that contradicts what is stored: a duplicate, or a delete of something still
    /// referenced.
    Conflict(String),
    /// A write without valid credentials.
    Unauthenticated(String),
    /// A write the server does not allow at all (no API tokens configured).
    Forbidden(String),
    /// An error about one input field; `field` is its path in the arguments, such as
    /// `input.countryCode` or `input.participantIds[2]`, sent as `extensions.field`.
    InField { field: String, error: Box<AppError> },
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
            AppError::Conflict(_) => "CONFLICT",
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden(_) => "FORBIDDEN",
            AppError::InField { error, .. } => error.code(),
            AppError::Database(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// This error, about the input field at `field`.
    pub fn at(self, field: impl Into<String>) -> Self {
        AppError::InField {
            field: field.into(),
            error: Box::new(self),
        }
    }

    /// The input field this error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::InField { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The human-readable message clients see.
    pub fn message(&self) -> &str {
        match self {
            AppError::BadUserInput(msg)
            | AppError::InvalidCursor(msg)
            | AppError::InvalidId(msg)
            | AppError::NotFound(msg)
            | AppError::Conflict(msg)
            | AppError::Unauthenticated(msg)
            | AppError::Forbidden(msg) => msg,
            AppError::InField { error, .. } => error.message(),
            AppError::Database(_) => "Internal server error",
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    /// Constraint violations are races that a mutation's own checks could not see (another
    /// server instance wrote in between): a unique index refusing a write means a duplicate
    /// (`CONFLICT`); a foreign key, or an update finding no row, means that something the
    /// write refers to was just deleted (`NOT_FOUND`).
    fn from(err: sea_orm::DbErr) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                return AppError::Conflict("A record with these values already exists.".into())
            }
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                return AppError::NotFound("A record this write refers to no longer exists.".into())
            }
            _ => {}
        }
        match err {
            sea_orm::DbErr::RecordNotUpdated => {
                AppError::NotFound("The record to update no longer exists.".into())
            }
            err => AppError::Database(Arc::new(err)),
        }
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
        let field = err.field().map(str::to_owned);
        use async_graphql::ErrorExtensions;
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

pub type AppResult<T> = Result<T, AppError>;
