//! `/metrics` as Prometheus scrapes it: requests by route and status, operations by type and
//! name (with the names bounded), errors by code, statements with their durations, the pool,
//! open sockets and subscriptions, the process.

use std::time::Duration;

use serde_json::json;

use crate::helpers::TestApp;
use crate::subscriptions::Session;

/// The `/metrics` text of `app`.
pub(crate) async fn metrics(app: &TestApp) -> String {
    app.client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a body")
}

/// The value of the sample `series` (name and labels exactly as rendered), or `None`.
pub(crate) fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.parse().ok())
}

async fn post(app: &TestApp, body: serde_json::Value) -> u16 {
    app.client
        .post(app.graphql_url())
        .json(&body)
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn requests_operations_errors_and_statements_are_counted() {
    let app = TestApp::builder().spawn().await;
    let members = json!({ "query": "query Members { network(slug: \"ubc\") { members(first: 3) { nodes { name } } } }" });
    assert_eq!(post(&app, members.clone()).await, 200);
    // The second is answered from the response cache: still an operation served.
    assert_eq!(post(&app, members).await, 200);
    assert_eq!(post(&app, json!({ "query": "{ nope }" })).await, 200);
    assert_eq!(
        post(
            &app,
            json!({ "query": "{ cities(first: 1) { totalCount } }" })
        )
        .await,
        200
    );
    let status = app
        .client
        .get(format!("{}/no/such/path", app.address))
        .send()
        .await
        .expect("the server answers")
        .status();
    assert_eq!(status, 404);

    let text = metrics(&app).await;
    let value =
        |series: &str| sample(&text, series).unwrap_or_else(|| panic!("{series} in\n{text}"));
    assert_eq!(
        value(r#"citynet_graphql_operations_total{name="Members",type="query"}"#),
        2.0
    );
    assert_eq!(
        value(r#"citynet_graphql_operations_total{name="",type="query"}"#),
        1.0,
        "the anonymous query; the invalid one never ran"
    );
    assert_eq!(
        value(r#"citynet_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}"#),
        1.0
    );
    assert_eq!(
        value(r#"citynet_graphql_errors_total{code="NOT_FOUND"}"#),
        1.0
    );
    assert_eq!(
        value(r#"citynet_http_requests_total{method="POST",route="/graphql",status="200"}"#),
        4.0
    );
    // The raw path never becomes a label.
    assert_eq!(
        value(r#"citynet_http_requests_total{method="GET",route="unmatched",status="404"}"#),
        1.0
    );
    assert!(!text.contains("/no/such/path"));
    assert_eq!(
        value(r#"citynet_http_request_duration_seconds_count{route="/graphql"}"#),
        4.0
    );
    let statements = value("citynet_sql_statements_total");
    assert!(statements >= 2.0, "{text}");
    assert_eq!(
        value("citynet_sql_statement_duration_seconds_count"),
        statements,
        "every statement timed"
    );
    let idle = value(r#"citynet_db_pool_connections{state="idle"}"#);
    let in_use = value(r#"citynet_db_pool_connections{state="in_use"}"#);
    assert!(idle + in_use >= 1.0, "{text}");
    assert!(value("process_resident_memory_bytes") > 1e6);
    assert!(value("process_open_fds") > 0.0);
    assert!(value("process_start_time_seconds") > 1.7e9);
    assert_eq!(value("citynet_response_cache_hits_total"), 1.0);
}

#[tokio::test]
async fn client_chosen_operation_names_cannot_grow_the_metrics_without_bound() {
    let app = TestApp::builder().spawn().await;
    for n in 0..230 {
        let query = format!("query Name{n} {{ __typename }}");
        assert_eq!(post(&app, json!({ "query": query })).await, 200);
    }
    let text = metrics(&app).await;
    let named = text
        .lines()
        .filter(|line| line.starts_with("citynet_graphql_operations_total{"))
        .count();
    assert_eq!(named, 201, "200 names and \"other\"");
    assert_eq!(
        sample(
            &text,
            r#"citynet_graphql_operations_total{name="other",type="query"}"#
        ),
        Some(30.0)
    );
}

#[tokio::test]
async fn open_sockets_and_subscriptions_are_gauged() {
    let app = TestApp::builder().spawn().await;
    let gauges = |text: &str| {
        (
            sample(text, "citynet_websocket_connections_active"),
            sample(text, "citynet_subscriptions_active"),
        )
    };
    assert_eq!(gauges(&metrics(&app).await), (Some(0.0), Some(0.0)));
    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "s",
            "subscription Changes { membershipChanged { action } }",
            json!({}),
        )
        .await;
    let mut seen = None;
    for _ in 0..50 {
        seen = Some(gauges(&metrics(&app).await));
        if seen == Some((Some(1.0), Some(1.0))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, Some((Some(1.0), Some(1.0))));
    let text = metrics(&app).await;
    assert_eq!(
        sample(
            &text,
            r#"citynet_graphql_operations_total{name="Changes",type="subscription"}"#
        ),
        Some(1.0)
    );
    session.close().await;
    for _ in 0..50 {
        seen = Some(gauges(&metrics(&app).await));
        if seen == Some((Some(0.0), Some(0.0))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, Some((Some(0.0), Some(0.0))), "both back to 0");
}
