//! The spans exported when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: the HTTP request (continuing a
//! caller's W3C `traceparent`), the GraphQL operation (named `query Name`) with its parse,
//! validate and execute steps, each DataLoader batch, and each SQL statement (its text, with `?`
//! or `$n` placeholders, never the values).
//!
//! Every span here is at `trace` level under [`TARGET`], which only the trace exporter's filter
//! enables (see [`crate::telemetry`]): without it, `tracing` skips them at the call site, and
//! the GraphQL [`SpanExtension`] is not installed at all.

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use async_graphql::{
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
    },
    parser::types::ExecutableDocument,
    Response, ServerError, ServerResult, ValidationResult, Variables,
};
use opentelemetry::{
    trace::{Span as _, SpanKind, TraceContextExt as _, Tracer as _},
    KeyValue,
};
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The target of every exported span.
pub const TARGET: &str = "citynet::trace";

/// Spans for async-graphql's steps of an operation.
pub struct SpanExtension;

impl ExtensionFactory for SpanExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SpanExtension)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for SpanExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let span = tracing::trace_span!(target: TARGET, "graphql.parse");
        next.run(ctx, query, variables).instrument(span).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let span = tracing::trace_span!(target: TARGET, "graphql.validate");
        next.run(ctx).instrument(span).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let span = tracing::trace_span!(target: TARGET, "graphql.execute");
        next.run(ctx, operation_name).instrument(span).await
    }
}

/// The span of one HTTP request, continuing the caller's trace when it sends `traceparent`.
pub fn http_request(
    method: &str,
    path: &str,
    headers: &actix_web::http::header::HeaderMap,
) -> tracing::Span {
    let span = tracing::trace_span!(
        target: TARGET,
        "http.request",
        otel.kind = "server",
        http.request.method = method,
        url.path = path,
    );
    if !span.is_disabled() {
        let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.extract(&HeaderExtractor(headers))
        });
        let _ = span.set_parent(parent);
    }
    span
}

/// Names the request's span after its route, and records its status.
pub fn http_response(span: &tracing::Span, method: &str, route: &str, status: u16) {
    if span.is_disabled() {
        return;
    }
    // Renamed through OpenTelemetry: once started, a span ignores a recorded `otel.name`.
    span.context()
        .span()
        .update_name(format!("{method} {route}"));
    span.set_attribute("http.route", route.to_owned());
    span.set_attribute("http.response.status_code", i64::from(status));
}

/// The span of one GraphQL operation; named once its document is parsed ([`name_operation`]).
pub fn operation() -> tracing::Span {
    tracing::trace_span!(target: TARGET, "graphql.operation")
}

/// Names an operation's span `query Name` (or `query` when anonymous).
pub fn name_operation(span: &tracing::Span, kind: &str, name: Option<&str>) {
    if span.is_disabled() {
        return;
    }
    span.context().span().update_name(match name {
        Some(name) => format!("{kind} {name}"),
        None => kind.to_owned(),
    });
    span.set_attribute("graphql.operation.type", kind.to_owned());
    if let Some(name) = name {
        span.set_attribute("graphql.operation.name", name.to_owned());
    }
}

/// The span of a DataLoader batch, a child of the span current where it was started.
pub fn batch() -> tracing::Span {
    tracing::trace_span!(target: TARGET, "dataloader.batch")
}

/// Exports a span for an SQL statement that just ended after `elapsed`, as a child of the
/// current span. SeaORM reports a statement once it is done, so the span is built with its
/// start and end times rather than around it.
pub fn statement(sql: &str, elapsed: Duration, failed: bool, system: &'static str) {
    let parent = tracing::Span::current();
    if parent.is_disabled() {
        return;
    }
    let end = SystemTime::now();
    let start = end.checked_sub(elapsed).unwrap_or(end);
    let tracer = opentelemetry::global::tracer("citynet");
    let verb = sql
        .split_whitespace()
        .next()
        .unwrap_or("SQL")
        .to_ascii_uppercase();
    let mut span = tracer
        .span_builder(verb)
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_attributes([
            KeyValue::new("db.system.name", system),
            KeyValue::new("db.query.text", sql.trim().to_owned()),
        ])
        .start_with_context(&tracer, &parent.context());
    if failed {
        span.set_status(opentelemetry::trace::Status::error("the statement failed"));
    }
    span.end_with_timestamp(end);
}

/// Reads W3C trace context out of request headers.
struct HeaderExtractor<'h>(&'h actix_web::http::header::HeaderMap);

impl opentelemetry::propagation::Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}
