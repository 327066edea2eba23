//! Security of the browser boundary: which origins and request headers CORS allows.

use super::{string_or, ConfigError, Environment};

/// Which browser origins may call the API (CORS).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedOrigins {
    Any,
    List(Vec<String>),
}

/// The request headers GraphQL clients send by themselves: content negotiation and credentials,
/// Apollo's client awareness, W3C trace context and baggage, Sentry's trace, request ids,
/// graphql-sse's token of a reserved stream.
pub const DEFAULT_CORS_ALLOWED_HEADERS: &str = "content-type,accept,authorization,\
apollographql-client-name,apollographql-client-version,apollo-require-preflight,traceparent,\
tracestate,baggage,sentry-trace,x-request-id,x-graphql-event-stream-token";

pub(super) fn allowed_headers(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>, ConfigError> {
    let value = string_or(lookup, "CORS_ALLOWED_HEADERS", DEFAULT_CORS_ALLOWED_HEADERS);
    let headers: Vec<String> = value
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    match headers
        .iter()
        .find(|name| actix_web::http::header::HeaderName::try_from(name.as_str()).is_err())
    {
        Some(bad) => Err(ConfigError {
            variable: "CORS_ALLOWED_HEADERS",
            problem: format!("expected comma-separated header names, got {bad:?}"),
        }),
        None => Ok(headers),
    }
}

pub(super) fn allowed_origins(
    lookup: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<AllowedOrigins, ConfigError> {
    let Some(value) = lookup("CORS_ALLOWED_ORIGINS") else {
        return Ok(match environment {
            Environment::Development => AllowedOrigins::Any,
            Environment::Production => AllowedOrigins::List(Vec::new()),
        });
    };
    if value.trim() == "*" {
        return Ok(AllowedOrigins::Any);
    }
    let origins: Vec<String> = value
        .split(',')
        .map(|origin| origin.trim().trim_end_matches('/').to_owned())
        .filter(|origin| !origin.is_empty())
        .collect();
    for origin in &origins {
        if !(origin.starts_with("http://") || origin.starts_with("https://")) {
            return Err(ConfigError {
                variable: "CORS_ALLOWED_ORIGINS",
                problem: format!(
                    "expected * or origins such as https://example.org, got {origin:?}"
                ),
            });
        }
    }
    Ok(AllowedOrigins::List(origins))
}
