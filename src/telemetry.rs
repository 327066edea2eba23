//! Logging: a `tracing` subscriber filtered by `RUST_LOG`. Log records from `log`-based crates
//! (sqlx's statement log under `sqlx::query`) are forwarded into it.

use tracing_subscriber::EnvFilter;

use crate::config::ConfigError;

/// Builds the filter first so a bad `RUST_LOG` is reported like any other bad setting.
pub fn init(filter: &str) -> Result<(), ConfigError> {
    let filter = EnvFilter::try_new(filter).map_err(|err| ConfigError {
        variable: "RUST_LOG",
        problem: format!("not a valid log filter ({err}), got {filter:?}"),
    })?;
    // A second initialisation (several apps in one test process) keeps the first subscriber.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
    Ok(())
}
