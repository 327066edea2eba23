//! Apollo's multipart subscriptions: `POST /graphql` with
//! `Accept: multipart/mixed;subscriptionSpec="1.0"` (as Apollo Client's `HttpLink` sends it)
//! answers with JSON parts, `{"payload": …}` each, fed by mutations over plain HTTP.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    helpers::TestApp,
    sse::{create_city, subscriptions_become, Streamed, CITY_CHANGED},
};

/// What Apollo Client 4's `HttpLink` sends for a subscription.
const APOLLO_ACCEPT: &str =
    r#"multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json"#;

const DELIMITER: &str = "\r\n--graphql";

async fn post(app: &TestApp, accept: &str, query: &str) -> reqwest::Response {
    app.client
        .post(app.graphql_url())
        .header("accept", accept)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the server answers")
}

/// The next part's JSON that is not a heartbeat (`{}`), or `None` at the end of the body.
async fn part(stream: &mut Streamed) -> Option<Value> {
    loop {
        let block = stream.block(DELIMITER, Duration::from_secs(15)).await?;
        let Some((headers, body)) = block.split_once("\r\n\r\n") else {
            continue; // the empty preamble
        };
        assert!(
            headers
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{headers}"
        );
        let json: Value = serde_json::from_str(body).expect("a JSON part");
        if json != json!({}) {
            return Some(json);
        }
    }
}

#[tokio::test]
async fn a_subscription_over_multipart_hears_a_mutation() {
    let app = TestApp::builder().writable().spawn().await;
    let response = post(&app, APOLLO_ACCEPT, CITY_CHANGED).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        r#"multipart/mixed;boundary="graphql";subscriptionSpec="1.0""#
    );
    let mut stream = Streamed::new(response);
    assert_eq!(subscriptions_become(&app, 1.0).await, Some(1.0));
    create_city(&app).await;
    let json = part(&mut stream).await.expect("a part arrives");
    assert_eq!(
        json["payload"]["data"]["cityChanged"]["action"], "CREATED",
        "{json:#}"
    );
    drop(stream);
    assert_eq!(subscriptions_become(&app, 0.0).await, Some(0.0));
}

#[tokio::test]
async fn a_query_is_one_part_then_the_closing_delimiter() {
    let app = TestApp::builder().spawn().await;
    let response = post(
        &app,
        r#"multipart/mixed;subscriptionSpec="1.0""#,
        "{ __typename }",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = Streamed::new(response);
    assert_eq!(
        part(&mut stream).await,
        Some(json!({ "payload": { "data": { "__typename": "Query" } } }))
    );
    assert_eq!(stream.rest().await, "--\r\n");
}

#[tokio::test]
async fn an_operation_that_does_not_run_answers_its_errors_and_ends() {
    let app = TestApp::builder()
        .env("MAX_SUBSCRIPTIONS_PER_IP", "1")
        .spawn()
        .await;
    let invalid = post(&app, APOLLO_ACCEPT, "subscription { nope }").await;
    let mut stream = Streamed::new(invalid);
    let json = part(&mut stream).await.expect("a part");
    assert!(json["payload"].get("data").is_none(), "{json:#}");
    assert_eq!(
        json["payload"]["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(stream.rest().await, "--\r\n");

    let _held = post(&app, APOLLO_ACCEPT, CITY_CHANGED).await;
    assert_eq!(subscriptions_become(&app, 1.0).await, Some(1.0));
    let refused = post(&app, APOLLO_ACCEPT, CITY_CHANGED).await;
    let json = part(&mut Streamed::new(refused)).await.expect("a part");
    assert_eq!(
        json["payload"]["errors"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS",
        "{json:#}"
    );
}
