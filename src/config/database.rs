//! The database: its URL (a secret: it may hold a password) and the pool's size.

use super::ConfigError;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://citynet.db?mode=rwc";
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 8;

pub(super) fn validate_database_url(url: &str) -> Result<(), ConfigError> {
    let supported = ["sqlite:", "postgres://", "postgresql://"];
    if supported.iter().any(|scheme| url.starts_with(scheme)) {
        Ok(())
    } else {
        Err(ConfigError {
            variable: "DATABASE_URL",
            problem: format!(
                "expected a sqlite:// or postgres:// URL, got {:?}",
                redact_url(url)
            ),
        })
    }
}

/// The URL with any password replaced, safe to print in logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
