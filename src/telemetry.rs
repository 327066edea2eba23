//! Logging and tracing: a `tracing` subscriber whose log lines are filtered by `RUST_LOG` and
//! written as text or, with `LOG_FORMAT=json`, one JSON object per line; log records from
//! `log`-based crates (sqlx's statement log under `sqlx::query`, actix's access log) are
//! forwarded into it. With `OTEL_EXPORTER_OTLP_ENDPOINT` set, the spans of
//! [`crate::observe::trace`] are exported over OTLP/HTTP as well; without it no span of theirs is
//! even created (they are at `trace` level under a target of their own, which no log filter of
//! ours enables).

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::{trace::SdkTracerProvider, Resource};
use tracing_subscriber::{
    filter::Targets, fmt::writer::EitherWriter, layer::SubscriberExt, util::SubscriberInitExt,
    EnvFilter, Layer,
};

use crate::{
    config::{ConfigError, LogFormat, TraceExport},
    observe::trace::TARGET,
};

/// Keeps the trace exporter running; dropping it sends the spans still queued.
#[must_use = "dropping it stops the trace export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(err) = provider.shutdown() {
                eprintln!("warning: the last spans were not exported: {err}");
            }
        }
    }
}

/// Where log lines go: standard output (the server), or standard error (commands whose output
/// is data, like `citynet export`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logs {
    Stdout,
    Stderr,
}

/// Builds the filter first so a bad `RUST_LOG` is reported like any other bad setting.
pub fn init(
    filter: &str,
    format: LogFormat,
    traces: Option<&TraceExport>,
    logs: Logs,
) -> Result<Telemetry, ConfigError> {
    let filter = EnvFilter::try_new(filter).map_err(|err| ConfigError {
        variable: "RUST_LOG",
        problem: format!("not a valid log filter ({err}), got {filter:?}"),
    })?;
    // Chosen per line without an allocation (the access log writes one per request).
    let writer = move || -> EitherWriter<std::io::Stdout, std::io::Stderr> {
        match logs {
            Logs::Stdout => EitherWriter::A(std::io::stdout()),
            Logs::Stderr => EitherWriter::B(std::io::stderr()),
        }
    };
    let lines = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer().with_writer(writer).boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .boxed(),
    }
    .with_filter(filter);
    let provider = traces.map(provider).transpose()?;
    let spans = provider.as_ref().map(|provider| {
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        opentelemetry::global::set_tracer_provider(provider.clone());
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("citynet"))
            .with_filter(Targets::new().with_target(TARGET, tracing::Level::TRACE))
    });
    // A second initialisation (several apps in one test process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(lines)
        .with(spans)
        .try_init();
    if let Some(traces) = traces {
        tracing::info!(endpoint = %traces.endpoint, "Spans are exported over OTLP/HTTP");
    }
    Ok(Telemetry { provider })
}

/// The exporter: spans batched (`OTEL_BSP_*` tune the batches) and posted as protobuf.
fn provider(traces: &TraceExport) -> Result<SdkTracerProvider, ConfigError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(traces.endpoint.clone())
        .build()
        .map_err(|err| ConfigError {
            variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
            problem: format!("cannot export spans there: {err}"),
        })?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(traces.service_name.clone())
                .build(),
        )
        .build())
}
