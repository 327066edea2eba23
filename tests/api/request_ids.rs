//! Request ids as a client and an operator see them: `X-Request-Id` on every response (the
//! client's when sane, else generated), `extensions.requestId` on every error, and the id on the
//! request's log lines.

use std::process::Stdio;

use serde_json::{json, Value};

use crate::crash;
use crate::helpers::{TestApp, TestDatabase};

async fn post(app: &TestApp, body: &str, id: Option<&str>) -> (String, Value) {
    let mut request = app
        .client
        .post(app.graphql_url())
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(id) = id {
        request = request.header("x-request-id", id);
    }
    let response = request.send().await.expect("the server answers");
    let header = response
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .expect("every response names its request")
        .to_owned();
    (header, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn every_response_names_its_request() {
    let app = TestApp::builder().spawn().await;
    let query = json!({ "query": "{ cities(first: 1) { totalCount } }" }).to_string();
    let (first, _) = post(&app, &query, None).await;
    let (second, _) = post(&app, &query, None).await;
    assert_eq!(first.len(), 36, "a generated UUID: {first}");
    assert_ne!(first, second);
    let (echoed, _) = post(&app, &query, Some("client-id_1.2")).await;
    assert_eq!(echoed, "client-id_1.2");
    for insane in ["x".repeat(65), "with space".into(), "semi;colon".into()] {
        let (replaced, _) = post(&app, &query, Some(&insane)).await;
        assert_ne!(replaced, insane);
        assert_eq!(replaced.len(), 36);
    }
    // Browsers on other origins may read it.
    let response = app
        .client
        .post(app.graphql_url())
        .header("origin", "https://example.org")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("the server answers");
    let exposed = response
        .headers()
        .get("access-control-expose-headers")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
}

#[tokio::test]
async fn every_error_carries_the_request_id() {
    let app = TestApp::builder().spawn().await;
    let cases = [
        // A field error, a validation error, and an error of the HTTP layer (not JSON).
        json!({ "query": r#"{ node(id: "bm9wZQ") { id } }"# }).to_string(),
        json!({ "query": "{ nope }" }).to_string(),
        "{ not json".to_owned(),
    ];
    for body in cases {
        let (id, answer) = post(&app, &body, Some("bug-report-42")).await;
        assert_eq!(id, "bug-report-42");
        let errors = answer["errors"].as_array().expect("errors");
        assert!(!errors.is_empty(), "{answer:#}");
        for error in errors {
            assert_eq!(
                error["extensions"]["requestId"], "bug-report-42",
                "{answer:#}"
            );
            assert!(error["extensions"]["code"].is_string(), "{answer:#}");
        }
    }
}

/// The log (standard output) of the binary, started with `variables`, after it served one
/// query sent with `X-Request-Id: id`: read until the access line is there.
async fn log_of_one_request(variables: &[(&str, &str)], id: &str) -> String {
    log_of_request(
        variables,
        id,
        json!({ "query": "{ cities(first: 1) { totalCount } }" }),
    )
    .await
}

/// The log of the binary, started with `variables`, after it served `body` (sent with
/// `X-Request-Id: id`).
async fn log_of_request(variables: &[(&str, &str)], id: &str, body: Value) -> String {
    let database = TestDatabase::new().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log_path = dir.path().join("citynet.log");
    let log = std::fs::File::create(&log_path).expect("a log file");
    let server =
        crash::start_logging_to(&database.url, dir.path(), variables, Stdio::from(log)).await;
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", server.address))
        .header("x-request-id", id)
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    let mut text = String::new();
    for _ in 0..50 {
        text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if text.contains("POST /graphql") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    text
}

#[tokio::test]
async fn the_request_id_is_on_its_log_lines() {
    let log = log_of_one_request(&[("RUST_LOG", "info")], "trace-me-7").await;
    let access = log
        .lines()
        .find(|line| line.contains("POST /graphql"))
        .unwrap_or_else(|| panic!("an access log line:\n{log}"));
    assert!(access.contains("trace-me-7"), "{access}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_id() {
    let text = log_of_one_request(
        &[("RUST_LOG", "info"), ("LOG_FORMAT", "json")],
        "json-trace-9",
    )
    .await;
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(lines.len() > 2, "{text}");
    for line in &lines {
        for key in ["timestamp", "level", "target", "fields"] {
            assert!(line.get(key).is_some(), "{key} in {line}");
        }
    }
    let access = lines
        .iter()
        .find(|line| {
            line["fields"]["message"]
                .as_str()
                .is_some_and(|message| message.contains("POST /graphql"))
        })
        .unwrap_or_else(|| panic!("an access line:\n{text}"));
    assert!(
        access["fields"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("request_id=json-trace-9")),
        "{access}"
    );
}

#[tokio::test]
async fn slow_operations_are_logged_with_name_type_statements_and_digest_but_no_variables() {
    let query = "query Partners($slug: String!) {
        city(slug: $slug) { name networks(first: 5) { nodes { name } } } }";
    let body = json!({ "query": query, "variables": { "slug": "rostock" } });
    let text = log_of_request(
        &[
            ("RUST_LOG", "info"),
            ("LOG_FORMAT", "json"),
            ("SLOW_QUERY_MS", "0"),
        ],
        "slow-1",
        body,
    )
    .await;
    let slow: Vec<Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "slow operation")
        .collect();
    assert_eq!(slow.len(), 1, "{text}");
    let line = &slow[0];
    assert_eq!(line["level"], "WARN");
    let fields = &line["fields"];
    assert_eq!(fields["operation_name"], "Partners");
    assert_eq!(fields["operation_type"], "query");
    assert!(fields["duration_ms"].is_u64(), "{line}");
    // The city by slug, then its networks: one statement each.
    assert_eq!(fields["sql_statements"], 2, "{line}");
    let digest = format!(
        "{:x}",
        <sha2::Sha256 as sha2::Digest>::digest(query.as_bytes())
    );
    assert_eq!(fields["document_sha256"], digest.as_str());
    assert_eq!(line["span"]["id"], "slow-1", "the request's id: {line}");
    // The variable's value is nowhere in the log.
    assert!(!text.contains("rostock"), "{text}");

    // Under the default threshold (500 ms), a quick query is not logged.
    let quiet = log_of_one_request(&[("RUST_LOG", "info")], "quick-1").await;
    assert!(!quiet.contains("slow operation"), "{quiet}");
}

#[tokio::test]
async fn a_token_never_appears_in_the_log() {
    let database = TestDatabase::new().await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let log_path = dir.path().join("citynet.log");
    let log = std::fs::File::create(&log_path).expect("a log file");
    // Every statement, every request, at debug.
    let server = crash::start_logging_to(
        &database.url,
        dir.path(),
        // Every operation logged as slow, too.
        &[("RUST_LOG", "debug"), ("SLOW_QUERY_MS", "0")],
        Stdio::from(log),
    )
    .await;
    let client = reqwest::Client::new();
    let create = "mutation { createCity(input: { name: \"Tokenville\" }) { city { id } } }";
    for authorization in [
        format!("Bearer {}", crate::helpers::TEST_TOKEN),
        "Bearer not-a-valid-token-but-secret-0123".to_owned(),
    ] {
        let response = client
            .post(format!("{}/graphql", server.address))
            .header("authorization", &authorization)
            .json(&json!({ "query": create }))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 200);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let text = std::fs::read_to_string(&log_path).expect("the log");
    assert!(
        text.contains("POST /graphql"),
        "the requests were logged:\n{text}"
    );
    assert!(
        text.contains("Tokenville"),
        "the statements were logged:\n{text}"
    );
    assert!(
        text.contains("slow operation"),
        "the operations were logged:\n{text}"
    );
    for secret in [
        crate::helpers::TEST_TOKEN,
        "not-a-valid-token-but-secret-0123",
    ] {
        assert!(!text.contains(secret), "a token in the log");
    }
}
