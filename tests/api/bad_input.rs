//! Whatever a client sends, it gets a clear error and the server keeps answering.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{first_error_code, TestApp};

async fn still_answers(app: &TestApp) {
    let data = app
        .data("{ cities(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["cities"]["totalCount"], 24);
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_json_error() {
    let app = TestApp::builder().spawn().await;
    for body in ["{", "not json", "", "[1, 2", "{\"query\": 5}", "\u{0}\u{1}"] {
        let (status, json) = app.post_raw("application/json", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(first_error_code(&json), "BAD_REQUEST", "{body:?}");
    }
    let (status, _) = app
        .post_raw("application/json", vec![0xff, 0xfe, 0x00])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "invalid UTF-8");
    still_answers(&app).await;
}

#[tokio::test]
async fn a_wrong_content_type_is_a_400_with_a_json_error() {
    let app = TestApp::builder().spawn().await;
    let query = r#"{"query":"{ cities { totalCount } }"}"#;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let (status, json) = app.post_raw(content_type, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}");
        assert_eq!(first_error_code(&json), "UNSUPPORTED_CONTENT_TYPE");
    }
    let (status, _) = app.post_raw("application/json; charset=utf-8", query).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "parameters after the media type are fine"
    );
}

#[tokio::test]
async fn an_invalid_query_gets_errors_and_no_data() {
    let app = TestApp::builder().spawn().await;
    for query in [
        "{ cities { ",
        "{ nosuchfield }",
        "{ cities { nodes { nosuchfield } } }",
        "{ city(by: {}) { name } }",
        "{ city(slug: 5) { name } }",
        "query A { cities { totalCount } } query B { networks { totalCount } }",
    ] {
        let body = app.gql(query, json!({})).await;
        assert!(
            body["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{query}: {body:#}"
        );
        assert!(
            body.get("data").is_none() || body["data"].is_null(),
            "{query}: {body:#}"
        );
    }
    still_answers(&app).await;
}

#[tokio::test]
async fn graphql_response_json_clients_get_400_for_requests_that_never_ran() {
    let app = TestApp::builder().spawn().await;
    let response = app
        .client
        .post(app.graphql_url())
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ nosuchfield }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers()["content-type"],
        "application/graphql-response+json"
    );
}

#[tokio::test]
async fn unknown_slugs_are_null_not_errors() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ city(slug: "atlantis") { name } network(slug: "") { name }
                 weird: city(slug: "'; DROP TABLE places; --") { name } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "city": null, "network": null, "weird": null })
    );
    still_answers(&app).await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = TestApp::builder().spawn().await;
    let padding = " ".repeat(2 * 1024 * 1024);
    let body = format!(r#"{{"query":"{{ cities {{ totalCount }} }}{padding}"}}"#);
    let (status, json) = app.post_raw("application/json", body).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(first_error_code(&json), "PAYLOAD_TOO_LARGE");
    still_answers(&app).await;
}

#[tokio::test]
async fn other_methods_and_paths_get_json_errors() {
    let app = TestApp::builder().spawn().await;
    let response = app.client.patch(app.graphql_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, POST, PUT, DELETE");
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), "METHOD_NOT_ALLOWED");

    let response = app
        .client
        .get(format!("{}/nope", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn a_query_in_the_url_works_and_a_missing_one_is_a_400() {
    let app = TestApp::builder().spawn().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "{ network(slug: \"ubc\") { acronym } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["network"]["acronym"], "UBC");

    let response = app.client.get(app.graphql_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), "BAD_REQUEST");
}

/// A required variable left out, or sent as null, is a request error (the spec's
/// CoerceVariableValues): `BAD_USER_INPUT`, no `data`, 400 under
/// `application/graphql-response+json`; nothing runs. A default, or a nullable type, is fine.
#[tokio::test]
async fn a_missing_required_variable_is_a_request_error() {
    let app = TestApp::builder().spawn().await;
    let post = |query: &'static str, variables: Value| {
        app.client
            .post(app.graphql_url())
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }))
            .send()
    };
    for (query, variables) in [
        ("query($s: String!) { city(slug: $s) { name } }", json!({})),
        (
            "query($s: String!) { city(slug: $s) { name } }",
            json!({ "s": null }),
        ),
        (
            "query($n: Int!) { cities(first: $n) { totalCount } }",
            json!({}),
        ),
        (
            "query($n: Int! = 3) { cities(first: $n) { totalCount } }",
            json!({ "n": null }),
        ),
    ] {
        let response = post(query, variables.clone()).await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{query} {variables}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body.get("data").is_none(), "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("$s") || message.contains("$n"),
            "{message}"
        );
    }
    for (query, variables) in [
        (
            "query($n: Int! = 3) { cities(first: $n) { totalCount } }",
            json!({}),
        ),
        (
            "query($s: String) { cities(filter: { nameContains: $s }) { totalCount } }",
            json!({}),
        ),
    ] {
        let response = post(query, variables).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{query}");
        let body: Value = response.json().await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
    }
    still_answers(&app).await;
}

/// Without the playground (production), a GET without a query does not point to it.
#[tokio::test]
async fn a_get_without_a_query_names_the_playground_only_where_it_is() {
    for (env, mentions_playground) in [("development", true), ("production", false)] {
        let app = TestApp::builder().env("CITYNET_ENV", env).spawn().await;
        let response = app.client.get(app.graphql_url()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert_eq!(
            message.contains("playground"),
            mentions_playground,
            "{env}: {message}"
        );
    }
}
