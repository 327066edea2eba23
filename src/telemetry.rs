//! Logging: a `tracing` subscriber filtered by `RUST_LOG`, writing text or, with
//! `LOG_FORMAT=json`, one JSON object per line. Log records from `log`-based crates (sqlx's
//! statement log under `sqlx::query`, actix's access log) are forwarded into it.

use tracing_subscriber::EnvFilter;

use crate::config::{ConfigError, LogFormat};

/// Builds the filter first so a bad `RUST_LOG` is reported like any other bad setting.
pub fn init(filter: &str, format: LogFormat) -> Result<(), ConfigError> {
    let filter = EnvFilter::try_new(filter).map_err(|err| ConfigError {
        variable: "RUST_LOG",
        problem: format!("not a valid log filter ({err}), got {filter:?}"),
    })?;
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter);
    // A second initialisation (several apps in one test process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => subscriber.try_init(),
        LogFormat::Json => subscriber
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
    Ok(())
}
