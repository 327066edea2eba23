//! Traces as a collector receives them: the binary, started with `OTEL_EXPORTER_OTLP_ENDPOINT`
//! pointing at a small OTLP/HTTP receiver, exports the span tree of one nested query — the HTTP
//! request (continuing the caller's `traceparent`), the operation named after it, its parse,
//! validate and execute steps, the DataLoader batches and their SQL statements.

use std::{
    collections::HashMap,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use opentelemetry_proto::tonic::{
    collector::trace::v1::ExportTraceServiceRequest, common::v1::any_value, trace::v1::Span,
};
use prost::Message;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::{crash, helpers::TestDatabase};

/// Collects what is posted to it as OTLP/HTTP protobuf trace exports.
struct Receiver {
    endpoint: String,
    spans: Arc<Mutex<Vec<Span>>>,
    paths: Arc<Mutex<Vec<String>>>,
    service_names: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        let receiver = Self {
            endpoint,
            spans: Arc::default(),
            paths: Arc::default(),
            service_names: Arc::default(),
        };
        let (spans, paths, names) = (
            receiver.spans.clone(),
            receiver.paths.clone(),
            receiver.service_names.clone(),
        );
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (spans, paths, names) = (spans.clone(), paths.clone(), names.clone());
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    // One connection may carry several exports (keep-alive).
                    while let Some((path, body)) = read_request(&mut stream).await {
                        let Ok(export) = ExportTraceServiceRequest::decode(body.as_slice()) else {
                            paths.lock().unwrap().push(format!("undecodable {path}"));
                            return;
                        };
                        paths.lock().unwrap().push(path);
                        for resource_spans in export.resource_spans {
                            if let Some(resource) = &resource_spans.resource {
                                for attribute in &resource.attributes {
                                    if attribute.key == "service.name" {
                                        names
                                            .lock()
                                            .unwrap()
                                            .push(string_value(attribute.value.as_ref()));
                                    }
                                }
                            }
                            for scope in resource_spans.scope_spans {
                                spans.lock().unwrap().extend(scope.spans);
                            }
                        }
                        let ok = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                        if stream.get_mut().write_all(ok).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        receiver
    }

    fn spans(&self) -> Vec<Span> {
        self.spans.lock().unwrap().clone()
    }
}

/// The path and body of the next HTTP/1.1 request on `stream`, or `None` at its end.
async fn read_request(stream: &mut BufReader<tokio::net::TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        stream.read_line(&mut header).await.ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some((path, body))
}

fn string_value(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(text)) => text.clone(),
        Some(any_value::Value::IntValue(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|attribute| attribute.key == key)
        .map(|attribute| string_value(attribute.value.as_ref()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[tokio::test]
async fn one_nested_query_exports_its_span_tree() {
    let receiver = Receiver::start().await;
    let database = TestDatabase::new().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = crash::start_logging_to(
        &database.url,
        dir.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
        Stdio::null(),
    )
    .await;
    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let query = "query Partners($slug: String!) { city(slug: $slug) { name
        networks(first: 5) { nodes { name members(first: 3) { nodes { name } } } } } }";
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", server.address))
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .json(&json!({ "query": query, "variables": { "slug": "rostock" } }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");

    // Wait for the batch holding the request's spans (the health checks have their own).
    let mut spans = Vec::new();
    for _ in 0..100 {
        spans = receiver.spans();
        if spans.iter().any(|span| span.name == "POST /graphql") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let spans: Vec<Span> = spans
        .into_iter()
        .filter(|span| hex(&span.trace_id) == trace_id)
        .collect();
    let names: Vec<&str> = spans.iter().map(|span| span.name.as_str()).collect();
    let by_id: HashMap<String, &Span> = spans
        .iter()
        .map(|span| (hex(&span.span_id), span))
        .collect();
    let one = |name: &str| {
        let found: Vec<&Span> = spans.iter().filter(|span| span.name == name).collect();
        assert_eq!(found.len(), 1, "one {name} span in {names:?}");
        found[0]
    };
    let parent_of = |span: &Span| hex(&span.parent_span_id);
    let descends_from = |span: &Span, ancestor: &Span| {
        let mut current = parent_of(span);
        while let Some(parent) = by_id.get(&current) {
            if parent.span_id == ancestor.span_id {
                return true;
            }
            current = parent_of(parent);
        }
        false
    };

    let http = one("POST /graphql");
    assert_eq!(
        parent_of(http),
        caller_span,
        "the caller's traceparent is continued"
    );
    assert_eq!(attribute(http, "http.route").as_deref(), Some("/graphql"));
    assert_eq!(
        attribute(http, "http.response.status_code").as_deref(),
        Some("200")
    );

    let operation = one("query Partners");
    assert_eq!(parent_of(operation), hex(&http.span_id));
    assert_eq!(
        attribute(operation, "graphql.operation.name").as_deref(),
        Some("Partners")
    );
    assert_eq!(
        attribute(operation, "graphql.operation.type").as_deref(),
        Some("query")
    );
    for step in ["graphql.parse", "graphql.validate", "graphql.execute"] {
        assert!(
            descends_from(one(step), operation),
            "{step} under the operation"
        );
    }

    let batches: Vec<&Span> = spans
        .iter()
        .filter(|span| span.name == "dataloader.batch")
        .collect();
    assert!(batches.len() >= 2, "a batch per level: {names:?}");
    for batch in &batches {
        assert!(
            descends_from(batch, operation),
            "the batch under the operation"
        );
    }
    let statements: Vec<&Span> = spans
        .iter()
        .filter(|span| attribute(span, "db.query.text").is_some())
        .collect();
    assert!(statements.len() >= 3, "a statement per level: {names:?}");
    for statement in &statements {
        assert!(
            descends_from(statement, operation),
            "the statement under the operation"
        );
        assert_eq!(statement.name, "SELECT");
        let system = if database.url.starts_with("postgres") {
            "postgresql"
        } else {
            "sqlite"
        };
        assert_eq!(
            attribute(statement, "db.system.name").as_deref(),
            Some(system)
        );
        let text = attribute(statement, "db.query.text").unwrap_or_default();
        assert!(
            !text.contains("rostock"),
            "values stay out of the text: {text}"
        );
        assert!(statement.start_time_unix_nano <= statement.end_time_unix_nano);
    }
    assert!(
        statements.iter().any(|statement| batches
            .iter()
            .any(|batch| parent_of(statement) == hex(&batch.span_id))),
        "statements inside their batches"
    );
    assert!(receiver
        .paths
        .lock()
        .unwrap()
        .iter()
        .all(|path| path == "/v1/traces"));
    assert!(receiver
        .service_names
        .lock()
        .unwrap()
        .iter()
        .all(|name| name == "citynet"));
}
