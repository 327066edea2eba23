//! Rate limits: each operation is charged its cost (nodes / 100, at least 1) to its client's
//! budget — a valid token's, else the address's — before it runs; an exhausted budget is HTTP
//! 429 `RATE_LIMITED` with `Retry-After`, and `rateLimit` reports the budget. A request refused
//! before it runs is charged by its size, and a spent budget refuses before anything parses.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{first_error_code, TestApp, TEST_TOKEN};

async fn post(
    app: &TestApp,
    query: &str,
    token: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut request = app
        .client
        .post(app.graphql_url())
        .json(&json!({ "query": query }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.json().await.expect("a JSON body"))
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> u64 {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A budget is spent by the operations' costs (every one at least 1 point, `rateLimit` too),
/// then refused with 429 before anything runs.
#[tokio::test]
async fn a_client_spends_its_budget_and_is_refused_with_429() {
    let app = TestApp::builder()
        .envs(&[
            ("RATE_LIMIT_POINTS", "5"),
            ("RATE_LIMIT_WINDOW_SECS", "3600"),
        ])
        .spawn()
        .await;
    let cheap = "{ cities(first: 1) { totalCount } }";
    // 100 cities with a page of 50 networks each: 100 * 50 = 5 000 nodes, well over 100.
    let costly = "{ cities(first: 100) { nodes { networks(first: 50) { nodes { name } } } } }";

    let (status, headers, body) = post(
        &app,
        "{ rateLimit { limit cost remaining used nodeCount resetAt } }",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let budget = &body["data"]["rateLimit"];
    assert_eq!(budget["limit"], 5, "{body:#}");
    assert_eq!(budget["cost"], 1, "every operation costs a point: {body:#}");
    assert_eq!(budget["remaining"], 4);
    assert!(budget["resetAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(header(&headers, "ratelimit-remaining"), 4);

    let (status, headers, body) = post(
        &app,
        "{ rateLimit { cost remaining } cities(first: 1) { totalCount } }",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["data"]["rateLimit"]["cost"], 1, "{body:#}");
    assert_eq!(body["data"]["rateLimit"]["remaining"], 3);
    assert_eq!(header(&headers, "ratelimit-remaining"), 3);
    assert_eq!(header(&headers, "ratelimit-limit"), 5);
    assert!(header(&headers, "ratelimit-reset") <= 3600);

    // Too costly for what is left: refused, nothing charged, no SQL.
    let before = app.statements.get();
    let (status, headers, body) = post(&app, costly, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body:#}");
    assert_eq!(first_error_code(&body), "RATE_LIMITED");
    assert!(body.get("data").is_none(), "{body:#}");
    assert!(header(&headers, "retry-after") > 0);
    assert_eq!(
        header(&headers, "ratelimit-remaining"),
        3,
        "nothing charged"
    );
    assert_eq!(app.statements.get(), before, "no SQL ran");

    for remaining in (0..3).rev() {
        let (status, headers, _) = post(&app, cheap, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, "ratelimit-remaining"), remaining);
    }
    let (status, _, body) = post(&app, cheap, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body:#}");
    assert_eq!(first_error_code(&body), "RATE_LIMITED");

    // A spent budget refuses everything, before the text is even parsed; the headers say when
    // it is renewed.
    for refused in [
        "{ rateLimit { remaining cost } }",
        "{ cities(",
        "{ __typename }",
    ] {
        let (status, headers, body) = post(&app, refused, None).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}: {body:#}");
        assert_eq!(first_error_code(&body), "RATE_LIMITED");
        assert_eq!(header(&headers, "ratelimit-remaining"), 0);
        assert!(header(&headers, "retry-after") > 0);
    }
}

/// A request refused before it runs (malformed, invalid, over a limit) is charged a point per
/// started KiB of its text: refusals are work too.
#[tokio::test]
async fn refused_requests_are_charged_by_their_size() {
    let app = TestApp::builder()
        .env("RATE_LIMIT_POINTS", "100")
        .spawn()
        .await;
    let remaining = |headers: &reqwest::header::HeaderMap| header(headers, "ratelimit-remaining");
    // Malformed: 1 point.
    let (status, headers, body) = post(&app, "{ cities(", None).await;
    assert_eq!(
        first_error_code(&body),
        "GRAPHQL_PARSE_FAILED",
        "{status} {body:#}"
    );
    assert_eq!(remaining(&headers), 99);
    // Invalid, 10 000 bytes: 10 points.
    let invalid = format!("{{ cities {{ nodes {{ {} }} }} }}", "nope ".repeat(1_995));
    assert!(
        (9_217..=10_240).contains(&invalid.len()),
        "{}",
        invalid.len()
    );
    let (_, headers, body) = post(&app, &invalid, None).await;
    assert_eq!(
        first_error_code(&body),
        "GRAPHQL_VALIDATION_FAILED",
        "{body:#}"
    );
    assert_eq!(remaining(&headers), 89);
    // Too deep, 3 000 levels: refused before it is parsed, 6 points for its 6 000 bytes.
    let deep = format!("{{ a(b: {}{}) }}", "[".repeat(3_000), "]".repeat(3_000));
    let (_, headers, body) = post(&app, &deep, None).await;
    assert_eq!(first_error_code(&body), "QUERY_TOO_DEEP", "{body:#}");
    assert_eq!(remaining(&headers), 83);
}

/// A valid token has a budget of its own; an invalid one cannot open a fresh budget.
#[tokio::test]
async fn tokens_have_their_own_budget_and_bad_tokens_do_not() {
    let app = TestApp::builder()
        .envs(&[("RATE_LIMIT_POINTS", "1"), ("API_TOKENS", TEST_TOKEN)])
        .spawn()
        .await;
    let cheap = "{ cities(first: 1) { totalCount } }";
    assert_eq!(post(&app, cheap, None).await.0, StatusCode::OK);
    assert_eq!(
        post(&app, cheap, None).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        post(&app, cheap, Some("not-a-valid-token-at-all-1234"))
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS,
        "an invalid token is charged to the address"
    );
    assert_eq!(post(&app, cheap, Some(TEST_TOKEN)).await.0, StatusCode::OK);
    assert_eq!(
        post(&app, cheap, Some(TEST_TOKEN)).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

/// `RATE_LIMIT_POINTS=0` turns the limit off: no headers, `rateLimit` is null.
#[tokio::test]
async fn zero_points_turn_the_limit_off() {
    let app = TestApp::builder()
        .envs(&[("RATE_LIMIT_POINTS", "0")])
        .spawn()
        .await;
    for _ in 0..3 {
        let (status, headers, body) = post(
            &app,
            "{ rateLimit { remaining } cities(first: 1) { totalCount } }",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("ratelimit-remaining").is_none());
        assert_eq!(body["data"]["rateLimit"], Value::Null, "{body:#}");
    }
}
