//! The error a client can see. Each variant maps to a stable `extensions.code`; database and other
//! internal failures are logged in full and reach the client only as `INTERNAL_SERVER_ERROR`.
//!
//! `AppError` deliberately does not implement `Display`: async-graphql converts every `Display`
//! type into an error *without* a code, so leaving it out makes `?` go through the one
//! conversion below, which always sets `extensions.code`.

use std::sync::Arc;

/// Every `extensions.code` a client can receive, from GraphQL errors and from HTTP-level error
/// bodies alike: the single list (the README's table is checked against it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BadUserInput,
    InvalidCursor,
    InvalidId,
    NotFound,
    Conflict,
    Unauthenticated,
    Forbidden,
    SubscriptionLagged,
    TooManySubscriptions,
    TooManyOperations,
    RateLimited,
    RequestTimeout,
    TooManyConnections,
    InternalServerError,
    GraphqlParseFailed,
    GraphqlValidationFailed,
    IntrospectionDisabled,
    QueryTooLong,
    QueryTooDeep,
    QueryTooComplex,
    TooManyAliases,
    TooManyRootFields,
    VariablesTooLarge,
    BatchTooLarge,
    BadRequest,
    UnsupportedContentType,
    PayloadTooLarge,
    MethodNotAllowed,
    PersistedQueryNotFound,
    PersistedQueryHashMismatch,
}

impl ErrorCode {
    /// Every code, in the README's order.
    pub const ALL: [ErrorCode; 30] = [
        Self::BadUserInput,
        Self::InvalidCursor,
        Self::InvalidId,
        Self::NotFound,
        Self::Conflict,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::SubscriptionLagged,
        Self::TooManySubscriptions,
        Self::TooManyOperations,
        Self::RateLimited,
        Self::RequestTimeout,
        Self::TooManyConnections,
        Self::InternalServerError,
        Self::GraphqlParseFailed,
        Self::GraphqlValidationFailed,
        Self::IntrospectionDisabled,
        Self::QueryTooLong,
        Self::QueryTooDeep,
        Self::QueryTooComplex,
        Self::TooManyAliases,
        Self::TooManyRootFields,
        Self::VariablesTooLarge,
        Self::BatchTooLarge,
        Self::BadRequest,
        Self::UnsupportedContentType,
        Self::PayloadTooLarge,
        Self::MethodNotAllowed,
        Self::PersistedQueryNotFound,
        Self::PersistedQueryHashMismatch,
    ];

    /// The code as clients see it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::InvalidCursor => "INVALID_CURSOR",
            Self::InvalidId => "INVALID_ID",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::SubscriptionLagged => "SUBSCRIPTION_LAGGED",
            Self::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
            Self::TooManyOperations => "TOO_MANY_OPERATIONS",
            Self::RateLimited => "RATE_LIMITED",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::TooManyConnections => "TOO_MANY_CONNECTIONS",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            Self::QueryTooLong => "QUERY_TOO_LONG",
            Self::QueryTooDeep => "QUERY_TOO_DEEP",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::TooManyAliases => "TOO_MANY_ALIASES",
            Self::TooManyRootFields => "TOO_MANY_ROOT_FIELDS",
            Self::VariablesTooLarge => "VARIABLES_TOO_LARGE",
            Self::BatchTooLarge => "BATCH_TOO_LARGE",
            Self::BadRequest => "BAD_REQUEST",
            Self::UnsupportedContentType => "UNSUPPORTED_CONTENT_TYPE",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// The database stopped a statement at the request's time limit (`REQUEST_TIMEOUT_MS`).
    TimedOut,
    /// Anything the client cannot fix; details go to the log only.
    Database(Arc<sea_orm::DbErr>),
}

impl AppError {
    /// The stable machine-readable code clients branch on.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadUserInput(_) => ErrorCode::BadUserInput,
            AppError::InvalidCursor(_) => ErrorCode::InvalidCursor,
            AppError::InvalidId(_) => ErrorCode::InvalidId,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Unauthenticated(_) => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::InField { error, .. } => error.code(),
            AppError::TimedOut => ErrorCode::RequestTimeout,
            AppError::Database(_) => ErrorCode::InternalServerError,
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
            AppError::TimedOut => "The operation took longer than its time limit and was stopped.",
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
            err => Arc::new(err).into(),
        }
    }
}

impl From<Arc<sea_orm::DbErr>> for AppError {
    fn from(err: Arc<sea_orm::DbErr>) -> Self {
        if crate::db::stopped_at_the_deadline(&err) {
            tracing::warn!(error = %err, "a statement ran past the time limit and was stopped");
            return AppError::TimedOut;
        }
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
            ext.set("code", code.as_str());
            if let Some(field) = field {
                ext.set("field", field);
            }
        })
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// True when one of the response's errors carries `code`.
pub fn has_code(response: &async_graphql::Response, code: ErrorCode) -> bool {
    response
        .errors
        .iter()
        .any(|error| code_of(error) == Some(code.as_str()))
}

/// The `extensions.code` of an error about to be sent, if it has one.
pub fn code_of(error: &async_graphql::ServerError) -> Option<&str> {
    match error.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(code) => Some(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::ErrorCode;

    /// The codes in the first column of the README's table of error codes.
    fn readme_codes() -> BTreeSet<String> {
        let readme = include_str!("../README.md");
        let table = readme
            .split("| code | when |")
            .nth(1)
            .expect("the README has a table of error codes");
        table
            .lines()
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .flat_map(|line| {
                let first_column = line.split('|').nth(1).unwrap_or_default();
                first_column
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_exactly_the_codes_a_client_can_receive() {
        let enum_codes: BTreeSet<String> = ErrorCode::ALL
            .iter()
            .map(|code| code.as_str().to_owned())
            .collect();
        assert_eq!(readme_codes(), enum_codes);
    }
}
