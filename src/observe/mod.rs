//! Observability (issue 17): the Prometheus [`metrics`] of an instance, each GraphQL
//! [`operation`] as observed while it runs (counted, and logged when slow), and the [`trace`]
//! spans exported over OTLP.

pub mod metrics;
pub mod operation;
pub mod trace;

pub use metrics::{CacheCounters, CacheStats, Metrics, SqlMetrics};
