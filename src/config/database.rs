//! The database: its URL (a secret: it may hold a password), the pool's size, and the driver
//! of the planned reads.

use std::str::FromStr;

use super::ConfigError;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://citynet.db?mode=rwc";
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 8;
pub const DEFAULT_PLANNED_READERS: u32 = 4;

/// Which driver runs the planned path's statements on SQLite (`PLANNED_READS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlannedReads {
    /// sqlx's pool, as everything else (the only choice on PostgreSQL).
    Sqlx,
    /// Synchronous read-only connections (`crate::db::sync_reads`), on SQLite files: the
    /// default (BENCHMARKS.md, run 17).
    Sync,
}

impl FromStr for PlannedReads {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "sqlx" => Ok(Self::Sqlx),
            "sync" => Ok(Self::Sync),
            _ => Err(()),
        }
    }
}

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
