//! Reads are public; writes need a bearer token from `API_TOKENS`; without tokens configured
//! nobody may write.

use serde_json::{json, Value};

use crate::helpers::{first_error_code, TestApp, TEST_TOKEN};

const CREATE: &str = "mutation { createCity(input: { name: \"Visby\" }) { city { slug } } }";

#[tokio::test]
async fn without_api_tokens_every_write_is_forbidden() {
    let app = TestApp::builder().spawn().await;
    let before = app.snapshot().await;
    for authorization in [None, Some(format!("Bearer {TEST_TOKEN}"))] {
        let body = app
            .gql_with_authorization(authorization.as_deref(), CREATE, json!({}))
            .await;
        assert_eq!(first_error_code(&body), "FORBIDDEN", "{body:#}");
        assert_eq!(body["data"]["createCity"], Value::Null);
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("API_TOKENS"), "{message}");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn writes_need_the_right_bearer_token() {
    let app = TestApp::builder().writable().spawn().await;
    let before = app.snapshot().await;
    for authorization in [
        None,
        Some("".to_owned()),
        Some("Bearer".to_owned()),
        Some("Bearer wrong-token-0123456789abcdef".to_owned()),
        Some(format!("Bearer {TEST_TOKEN}x")),
        Some(format!("Basic {TEST_TOKEN}")),
        Some(TEST_TOKEN.to_owned()),
    ] {
        let body = app
            .gql_with_authorization(authorization.as_deref(), CREATE, json!({}))
            .await;
        assert_eq!(
            first_error_code(&body),
            "UNAUTHENTICATED",
            "{authorization:?}: {body:#}"
        );
        assert_eq!(body["data"]["createCity"], Value::Null);
        assert_eq!(body["errors"][0]["path"], json!(["createCity"]));
    }
    assert_eq!(app.snapshot().await, before, "no write got through");

    let body = app
        .gql_with_authorization(Some(&format!("bearer  {TEST_TOKEN} ")), CREATE, json!({}))
        .await;
    assert_eq!(
        body["data"]["createCity"]["city"]["slug"], "visby",
        "{body:#}"
    );
}

#[tokio::test]
async fn reads_stay_public_when_writes_are_protected() {
    let app = TestApp::builder().writable().spawn().await;
    for authorization in [None, Some("Bearer not-a-valid-token-at-all")] {
        let body = app
            .gql_with_authorization(authorization, "{ cities { totalCount } }", json!({}))
            .await;
        assert_eq!(body["data"]["cities"]["totalCount"], 24, "{body:#}");
    }
}

#[tokio::test]
async fn authorization_is_checked_before_the_input() {
    let app = TestApp::builder().writable().spawn().await;
    let body = app
        .gql_with_authorization(
            None,
            "mutation { createCity(input: { name: \"\", countryCode: \"XX\" }) { city { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn mutations_over_get_are_refused_even_with_a_token() {
    let app = TestApp::builder().writable().spawn().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", CREATE)])
        .header("authorization", format!("Bearer {TEST_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::METHOD_NOT_ALLOWED);
    let named = app
        .client
        .get(app.graphql_url())
        .query(&[(
            "query",
            "mutation Named { createCity(input: { name: \"Visby\" }) { city { slug } } }",
        )])
        .header("authorization", format!("Bearer {TEST_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        named.status(),
        reqwest::StatusCode::METHOD_NOT_ALLOWED,
        "a lone named mutation without operationName is a mutation too"
    );
    let after = app
        .data("{ city(slug: \"visby\") { id } }", json!({}))
        .await;
    assert_eq!(after["city"], Value::Null);
}
