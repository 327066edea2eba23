//! Configuration: one typed `Settings`, read once from the environment (after `.env`), with
//! embedded defaults so that a fresh clone runs with no setup at all.

use std::{env, fmt::Display, net::IpAddr, str::FromStr};

/// Every setting the server reads. `.env.example` documents each one with its default.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite://…` (default) or `postgres://…`.
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`: pool size.
    pub database_max_connections: u32,
    /// `HOST`: address to bind.
    pub host: IpAddr,
    /// `PORT`: port to bind; 0 picks a free one (the tests do).
    pub port: u16,
    /// `RUST_LOG`: log filter, e.g. `info` or `info,sqlx::query=debug`.
    pub log_filter: String,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://citynet.db?mode=rwc";
pub const DEFAULT_HOST: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 8000;
pub const DEFAULT_LOG_FILTER: &str = "info";
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 8;

/// A setting that could not be used; the message names the variable, on one line.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Settings {
    /// Reads the process environment. Call `dotenvy::dotenv()` first to honour a `.env` file.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply variables without touching the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = string_or(&lookup, "DATABASE_URL", DEFAULT_DATABASE_URL);
        validate_database_url(&database_url)?;
        Ok(Self {
            database_url,
            database_max_connections: parse_or(
                &lookup,
                "DATABASE_MAX_CONNECTIONS",
                DEFAULT_DATABASE_MAX_CONNECTIONS,
                "a whole number of connections from 1 to 1000",
            )
            .and_then(|n| in_range("DATABASE_MAX_CONNECTIONS", n, 1..=1000))?,
            host: parse_or(
                &lookup,
                "HOST",
                DEFAULT_HOST.parse().unwrap_or(IpAddr::from([127, 0, 0, 1])),
                "an IP address such as 127.0.0.1 or 0.0.0.0",
            )?,
            port: parse_or(
                &lookup,
                "PORT",
                DEFAULT_PORT,
                "a port number from 0 to 65535",
            )?,
            log_filter: string_or(&lookup, "RUST_LOG", DEFAULT_LOG_FILTER),
        })
    }

    /// True when the database is SQLite (the embedded default).
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn string_or(lookup: &impl Fn(&str) -> Option<String>, name: &str, default: &str) -> String {
    match lookup(name) {
        Some(value) if !value.trim().is_empty() => value.trim().to_owned(),
        _ => default.to_owned(),
    }
}

fn parse_or<T: FromStr>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
    expected: &str,
) -> Result<T, ConfigError> {
    match lookup(name) {
        Some(value) if !value.trim().is_empty() => value.trim().parse().map_err(|_| ConfigError {
            variable: name,
            problem: format!("expected {expected}, got {value:?}"),
        }),
        _ => Ok(default),
    }
}

fn in_range<T: PartialOrd + Display>(
    name: &'static str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError {
            variable: name,
            problem: format!(
                "expected a value from {} to {}, got {value}",
                range.start(),
                range.end()
            ),
        })
    }
}

fn validate_database_url(url: &str) -> Result<(), ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = settings(&[]).expect("defaults are valid");
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(s.host.to_string(), "127.0.0.1");
        assert_eq!(s.port, 8000);
        assert_eq!(s.log_filter, "info");
        assert!(s.is_sqlite());
    }

    #[test]
    fn a_bad_port_names_the_variable() {
        let err = settings(&[("PORT", "eighty")]).unwrap_err();
        assert_eq!(err.variable, "PORT");
        assert!(err.to_string().starts_with("PORT: "), "{err}");
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn bad_host_url_and_pool_size_are_rejected() {
        assert_eq!(
            settings(&[("HOST", "local host")]).unwrap_err().variable,
            "HOST"
        );
        assert_eq!(
            settings(&[("DATABASE_URL", "mysql://x")])
                .unwrap_err()
                .variable,
            "DATABASE_URL"
        );
        assert_eq!(
            settings(&[("DATABASE_MAX_CONNECTIONS", "0")])
                .unwrap_err()
                .variable,
            "DATABASE_MAX_CONNECTIONS"
        );
    }

    #[test]
    fn passwords_never_print() {
        assert_eq!(
            redact_url("postgres://citynet:secret@db:5432/citynet"),
            "postgres://citynet:***@db:5432/citynet"
        );
        assert_eq!(redact_url("sqlite://citynet.db"), "sqlite://citynet.db");
    }
}
