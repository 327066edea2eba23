//! Abuse: each hostile request gets a clear error with a stable code before any SQL runs, and
//! the server keeps answering everyone else.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{first_error_code, TestApp};

async fn still_answers(app: &TestApp) {
    let data = app
        .data("{ cities(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["cities"]["totalCount"], 24);
}

/// Asserts the request was refused with `code`, ran no SQL, and left no `data` entry.
async fn refused(app: &TestApp, query: &str, variables: Value, code: &str) {
    let before = app.statements.get();
    let body = app.gql(query, variables).await;
    assert_eq!(first_error_code(&body), code, "{body:#}");
    assert!(body.get("data").is_none(), "no data entry: {body:#}");
    assert_eq!(
        app.statements.get(),
        before,
        "no SQL ran for a refused request"
    );
}

fn nested(depth: usize) -> String {
    let mut query = "name".to_owned();
    for _ in 0..depth {
        query = format!("twinCities(first: 1) {{ nodes {{ {query} }} }}");
    }
    format!("{{ city(slug: \"rostock\") {{ {query} }} }}")
}

#[tokio::test]
async fn deep_complex_and_wide_queries_are_refused_before_sql() {
    let app = TestApp::builder().spawn().await;
    refused(&app, &nested(100), json!({}), "QUERY_TOO_DEEP").await;
    refused(&app, &nested(16), json!({}), "QUERY_TOO_DEEP").await;
    refused(&app, &"{".repeat(10_000), json!({}), "QUERY_TOO_DEEP").await;

    let aliases: String = (0..101).map(|i| format!("a{i}: __typename ")).collect();
    refused(
        &app,
        &format!("{{ {aliases} }}"),
        json!({}),
        "TOO_MANY_ALIASES",
    )
    .await;
    let ten_thousand: String = (0..10_000).map(|i| format!("a{i}:__typename ")).collect();
    refused(
        &app,
        &format!("{{ {ten_thousand} }}"),
        json!({}),
        "QUERY_TOO_LONG",
    )
    .await;
    let roots = "__typename ".repeat(31);
    refused(
        &app,
        &format!("{{ {roots} }}"),
        json!({}),
        "TOO_MANY_ROOT_FIELDS",
    )
    .await;

    refused(
        &app,
        "{ cities(first: 1000000) { nodes { name } } }",
        json!({}),
        "QUERY_TOO_COMPLEX",
    )
    .await;
    let cube = "{ cities(first: 100) { nodes { networks(first: 100) { nodes {
        members(first: 100) { nodes { name } } } } } } }";
    refused(&app, cube, json!({}), "QUERY_TOO_COMPLEX").await;
    refused(
        &app,
        &format!("{{ cities {{ totalCount }} }} #{}", "x".repeat(100_000)),
        json!({}),
        "QUERY_TOO_LONG",
    )
    .await;
    still_answers(&app).await;
}

/// A validation that passed is remembered by the request's text, operation name and variables:
/// the same text with a larger page is validated again (and refused), and the cheap request
/// still passes after the refusal.
#[tokio::test]
async fn a_remembered_validation_holds_only_for_the_same_variables() {
    // Without the response cache, the repeated cheap request reaches validation again.
    let app = TestApp::builder()
        .env("MAX_QUERY_COMPLEXITY", "1000")
        .env("RESPONSE_CACHE_BYTES", "0")
        .spawn()
        .await;
    let page = "query Page($n: Int) { cities(first: $n) { nodes {
        memberships(first: $n) { nodes { role } } } } }";
    for _ in 0..2 {
        let data = app.data(page, json!({ "n": 3 })).await;
        assert_eq!(data["cities"]["nodes"].as_array().map(Vec::len), Some(3));
        refused(&app, page, json!({ "n": 100 }), "QUERY_TOO_COMPLEX").await;
    }
}

#[tokio::test]
async fn malformed_documents_and_operations_get_codes() {
    let app = TestApp::builder().spawn().await;
    // A cycle is named (the spec's NoFragmentCycles) right after parsing, before anything
    // follows the spreads round it.
    refused(
        &app,
        "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    refused(
        &app,
        "{ cities { nodes { nosuchfield } } }",
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    refused(&app, "{ cities { ", json!({}), "GRAPHQL_PARSE_FAILED").await;
    refused(
        &app,
        "{ cities(first: 99999999999999999999) { totalCount } }",
        json!({}),
        "GRAPHQL_VALIDATION_FAILED",
    )
    .await;
    let body = app
        .client
        .post(app.graphql_url())
        .json(&json!({ "query": "query A { __typename }", "operationName": "B" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(
        first_error_code(&body),
        "BAD_USER_INPUT",
        "unknown operation name: {body:#}"
    );
    let body = app
        .gql(
            "query($n: Int) { cities(first: $n) { totalCount } }",
            json!({ "n": 1e20 }),
        )
        .await;
    // A variable's value that does not fit is the client's input, reported once (issue 14.6).
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body:#}");
    assert_eq!(
        first_error_code(&body),
        "BAD_USER_INPUT",
        "huge integer variable: {body:#}"
    );
    still_answers(&app).await;
}

#[tokio::test]
async fn oversized_bodies_batches_and_variables_are_refused() {
    let app = TestApp::builder().spawn().await;
    let five_mb = format!(
        r#"{{"query":"{{ __typename }}","x":"{}"}}"#,
        "x".repeat(5 * 1024 * 1024)
    );
    let (status, body) = app.post_raw("application/json", five_mb).await;
    assert_eq!(
        (status, first_error_code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
    );

    let batch: Vec<Value> = (0..1000)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let (status, body) = app
        .post_raw("application/json", serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(
        (status, first_error_code(&body)),
        (StatusCode::BAD_REQUEST, "BATCH_TOO_LARGE")
    );
    let (status, _) = app.post_raw("application/json", "[]").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let small: Vec<Value> = (0..3)
        .map(|_| json!({ "query": "{ cities { totalCount } }" }))
        .collect();
    let (status, body) = app
        .post_raw("application/json", serde_json::to_vec(&small).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body[2]["data"]["cities"]["totalCount"], 24,
        "a small batch runs"
    );

    let mut deep = json!("x");
    for _ in 0..1000 {
        deep = json!({ "not": deep });
    }
    let text =
        serde_json::to_string(&json!({ "query": "{ __typename }", "variables": { "f": deep } }))
            .unwrap();
    let (status, body) = app.post_raw("application/json", text).await;
    assert_eq!(
        (status, first_error_code(&body)),
        (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        "deeply nested JSON"
    );

    let mut filter = json!({ "kind": "CITY" });
    for _ in 0..20 {
        filter = json!({ "not": filter });
    }
    let body = app
        .gql(
            "query($f: CityFilter) { cities(filter: $f) { totalCount } }",
            json!({ "f": filter }),
        )
        .await;
    assert_eq!(
        first_error_code(&body),
        "BAD_USER_INPUT",
        "deeply nested filter: {body:#}"
    );

    let big = "x".repeat(70 * 1024);
    let body = app
        .gql(
            "query($s: String!) { city(slug: $s) { name } }",
            json!({ "s": big }),
        )
        .await;
    assert_eq!(first_error_code(&body), "VARIABLES_TOO_LARGE");
    still_answers(&app).await;
}

#[tokio::test]
async fn mutations_over_get_are_405() {
    let app = TestApp::builder().spawn().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "mutation { anything }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn a_slow_request_is_stopped_at_the_time_limit() {
    let app = TestApp::builder()
        .envs(&[("REQUEST_TIMEOUT_MS", "1")])
        .spawn()
        .await;
    let heavy = r#"{ networks(first: 20) { nodes { members(first: 25) { nodes {
        networks(first: 5) { nodes { members(first: 25) { totalCount nodes { name } } } } } } } } }"#;
    let response = app
        .client
        .post(app.graphql_url())
        .json(&json!({ "query": heavy }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), "REQUEST_TIMEOUT");
}

#[tokio::test]
async fn limits_follow_the_settings() {
    let app = TestApp::builder()
        .envs(&[("MAX_QUERY_DEPTH", "4"), ("MAX_BATCH_OPERATIONS", "2")])
        .spawn()
        .await;
    refused(&app, &nested(3), json!({}), "QUERY_TOO_DEEP").await;
    let data = app.data(&nested(1), json!({})).await;
    assert_eq!(data["city"]["twinCities"]["nodes"][0]["name"], "Dunkirk");
    let batch: Vec<Value> = (0..3)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let (status, body) = app
        .post_raw("application/json", serde_json::to_vec(&batch).unwrap())
        .await;
    assert_eq!(
        (status, first_error_code(&body)),
        (StatusCode::BAD_REQUEST, "BATCH_TOO_LARGE")
    );
}

#[tokio::test]
async fn production_mode_hides_introspection_and_the_playground() {
    let app = TestApp::builder()
        .envs(&[("CITYNET_ENV", "production")])
        .spawn()
        .await;
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"City\") { name } }",
        "query { ...F } fragment F on Query { __schema { queryType { name } } }",
    ] {
        let body = app.gql(query, json!({})).await;
        assert_eq!(first_error_code(&body), "INTROSPECTION_DISABLED", "{query}");
    }
    assert_eq!(
        app.data("{ __typename }", json!({})).await["__typename"],
        "Query"
    );
    let page = app
        .client
        .get(app.graphql_url())
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_ne!(page.status(), StatusCode::OK);
    assert!(!page
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("graphiql"));
    still_answers(&app).await;
}

#[tokio::test]
async fn cors_answers_preflights_for_allowed_origins_only() {
    let app = TestApp::builder()
        .envs(&[("CORS_ALLOWED_ORIGINS", "https://maps.example")])
        .spawn()
        .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.graphql_url())
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("https://maps.example").await.unwrap();
    assert!(allowed.status().is_success());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://maps.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());

    let open = TestApp::builder().spawn().await; // development: any origin
    let response = open
        .client
        .post(open.graphql_url())
        .header("origin", "https://anywhere.example")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_some());
}
