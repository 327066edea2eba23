//! Caching: the response cache's size and the `Cache-Control` of answers to GET.

use super::{string_or, ConfigError};

/// The response cache's default size: 32 MiB.
pub const DEFAULT_RESPONSE_CACHE_BYTES: u64 = 32 * 1024 * 1024;

pub(super) fn cache_control(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let value = string_or(lookup, "CACHE_CONTROL", "no-cache");
    match actix_web::http::header::HeaderValue::from_str(value.trim()) {
        Ok(_) if !value.trim().is_empty() => Ok(value.trim().to_owned()),
        _ => Err(ConfigError {
            variable: "CACHE_CONTROL",
            problem: format!("expected a Cache-Control header value, got {value:?}"),
        }),
    }
}
