//! Observability (issue 17): the Prometheus [`metrics`] of an instance, and each GraphQL
//! [`operation`] as observed while it runs (counted, and logged when slow).

pub mod metrics;
pub mod operation;

pub use metrics::{Metrics, SqlMetrics};
