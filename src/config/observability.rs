//! Observability: the log format, where `/metrics` is served, where traces go.

use std::{net::SocketAddr, str::FromStr};

use super::{string_or, ConfigError, Environment};
use crate::auth::ApiTokens;

/// Where `GET /metrics` is served. `METRICS_ADDR` moves it to a listener of its own (not on the
/// main port); `METRICS_TOKEN` (at least 16 characters) requires `Authorization: Bearer <token>`
/// wherever it is served. Without either, development serves it on the main port and production
/// does not serve it at all.
#[derive(Clone, Debug)]
pub struct MetricsExposure {
    /// `METRICS_ADDR`, e.g. `127.0.0.1:9464`.
    pub address: Option<SocketAddr>,
    /// `METRICS_TOKEN`; empty: no token needed.
    pub token: ApiTokens,
    /// False in production without `METRICS_ADDR` or `METRICS_TOKEN`: `/metrics` is not served.
    pub served: bool,
}

impl MetricsExposure {
    /// True when the main port answers `/metrics`.
    pub fn on_main_port(&self) -> bool {
        self.served && self.address.is_none()
    }
}

pub(super) fn metrics_exposure(
    lookup: &impl Fn(&str) -> Option<String>,
    environment: Environment,
) -> Result<MetricsExposure, ConfigError> {
    let address = match lookup("METRICS_ADDR").filter(|value| !value.trim().is_empty()) {
        Some(value) => Some(value.trim().parse().map_err(|_| ConfigError {
            variable: "METRICS_ADDR",
            problem: format!("expected an address such as 127.0.0.1:9464, got {value:?}"),
        })?),
        None => None,
    };
    let token =
        ApiTokens::parse(&lookup("METRICS_TOKEN").unwrap_or_default()).map_err(|problem| {
            ConfigError {
                variable: "METRICS_TOKEN",
                problem,
            }
        })?;
    let served = environment == Environment::Development || address.is_some() || !token.is_empty();
    Ok(MetricsExposure {
        address,
        token,
        served,
    })
}

/// Where and as what spans are exported: the standard OpenTelemetry variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceExport {
    /// The URL the spans are posted to: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` followed by `/v1/traces`.
    pub endpoint: String,
    /// `OTEL_SERVICE_NAME` (default `citynet`).
    pub service_name: String,
}

pub(super) fn trace_export(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<TraceExport>, ConfigError> {
    let set = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
    let (variable, endpoint) = match (
        set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        set("OTEL_EXPORTER_OTLP_ENDPOINT"),
    ) {
        (Some(url), _) => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url.trim().to_owned()),
        (None, Some(base)) => (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("{}/v1/traces", base.trim().trim_end_matches('/')),
        ),
        (None, None) => return Ok(None),
    };
    if !endpoint.starts_with("http://") {
        return Err(ConfigError {
            variable,
            problem: format!(
                "an http:// URL of an OTLP/HTTP collector (https is not built in: put a local \
                 collector in between), got {endpoint:?}"
            ),
        });
    }
    for variable in [
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    ] {
        if let Some(protocol) = set(variable) {
            if protocol.trim() != "http/protobuf" {
                return Err(ConfigError {
                    variable,
                    problem: format!("only http/protobuf is supported, got {protocol:?}"),
                });
            }
        }
    }
    Ok(Some(TraceExport {
        endpoint,
        service_name: string_or(lookup, "OTEL_SERVICE_NAME", "citynet"),
    }))
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line: timestamp, level, target, fields (the message), the current
    /// span's fields (the request id) and the spans it is in.
    Json,
}

impl FromStr for LogFormat {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(()),
        }
    }
}
