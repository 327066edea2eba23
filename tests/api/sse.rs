//! Subscriptions (and queries) over Server-Sent Events, the `graphql-sse` protocol: distinct
//! connections (`POST` or `GET` with `Accept: text/event-stream`) and the single connection
//! mode (`PUT` reserves, `GET` listens, `POST` starts, `DELETE` stops), fed by mutations over
//! plain HTTP; the limits of the WebSocket hold, and a stream that is closed gives its slot back.

use std::{
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{
    helpers::{first_error_code, TestApp, TEST_TOKEN},
    metrics::{metrics, sample},
};

pub(crate) const CITY_CHANGED: &str = "subscription { cityChanged { action city { name } } }";

/// A streamed answer read as it arrives: blocks up to a delimiter.
pub(crate) struct Streamed {
    response: reqwest::Response,
    buffer: Vec<u8>,
}

impl Streamed {
    pub(crate) fn new(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: Vec::new(),
        }
    }

    /// The text before the next `delimiter` (which is consumed), within `wait`; `None` when the
    /// body ended or nothing came in time.
    pub(crate) async fn block(&mut self, delimiter: &str, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(at) = find(&self.buffer, delimiter.as_bytes()) {
                let block: Vec<u8> = self.buffer.drain(..at + delimiter.len()).collect();
                return Some(String::from_utf8(block[..at].to_vec()).expect("UTF-8"));
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .expect("the body reads")?;
            self.buffer.extend_from_slice(&chunk);
        }
    }

    /// What is left of the body once it ends.
    pub(crate) async fn rest(mut self) -> String {
        while let Ok(Some(chunk)) = self.response.chunk().await {
            self.buffer.extend_from_slice(&chunk);
        }
        String::from_utf8(self.buffer).expect("UTF-8")
    }

    /// The next event (`event`, `data` as JSON or `Null`), comment lines skipped.
    pub(crate) async fn event(&mut self, wait: Duration) -> Option<(String, Value)> {
        loop {
            let block = self.block("\n\n", wait).await?;
            if block.starts_with(':') {
                continue;
            }
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .map(|value| value.trim_start().to_owned())
            };
            let data = field("data:").unwrap_or_default();
            let data = if data.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&data).expect("JSON data")
            };
            return Some((field("event:").expect("an event name"), data));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Creates a city with a fresh name: a change every `cityChanged` subscriber hears.
pub(crate) async fn create_city(app: &TestApp) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("Streamtown {}", NEXT.fetch_add(1, Ordering::Relaxed));
    app.write_ok(
        "mutation($name: String!) { createCity(input: { name: $name }) { city { slug } } }",
        json!({ "name": name }),
    )
    .await;
}

/// `citynet_subscriptions_active` once it reads `expected` (or what it read last).
pub(crate) async fn subscriptions_become(app: &TestApp, expected: f64) -> Option<f64> {
    let mut seen = None;
    for _ in 0..100 {
        seen = sample(&metrics(app).await, "citynet_subscriptions_active");
        if seen == Some(expected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

async fn post_stream(app: &TestApp, body: Value) -> reqwest::Response {
    app.client
        .post(app.graphql_url())
        .header("accept", "text/event-stream")
        .json(&body)
        .send()
        .await
        .expect("the server answers")
}

/// A `next` event's data, after the subscription went live (as the change it heard).
async fn next_after_writes(app: &TestApp, stream: &mut Streamed) -> Value {
    assert_eq!(subscriptions_become(app, 1.0).await, Some(1.0));
    create_city(app).await;
    let (name, data) = stream
        .event(Duration::from_secs(5))
        .await
        .expect("an event arrives");
    assert_eq!(name, "next", "{data:#}");
    data
}

#[tokio::test]
async fn a_subscription_over_an_event_stream_hears_a_mutation() {
    let app = TestApp::builder().writable().spawn().await;
    let response = post_stream(&app, json!({ "query": CITY_CHANGED })).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let mut stream = Streamed::new(response);
    let data = next_after_writes(&app, &mut stream).await;
    assert_eq!(data["data"]["cityChanged"]["action"], "CREATED", "{data:#}");
    assert!(data["data"]["cityChanged"]["city"]["name"]
        .as_str()
        .unwrap()
        .starts_with("Streamtown"));
}

#[tokio::test]
async fn closing_an_event_stream_gives_its_slot_back() {
    let app = TestApp::builder().writable().spawn().await;
    let open = r#"citynet_http_streams_active{transport="sse"}"#;
    let response = post_stream(&app, json!({ "query": CITY_CHANGED })).await;
    assert_eq!(subscriptions_become(&app, 1.0).await, Some(1.0));
    assert_eq!(sample(&metrics(&app).await, open), Some(1.0));
    drop(response);
    assert_eq!(subscriptions_become(&app, 0.0).await, Some(0.0));
    let mut seen = None;
    for _ in 0..100 {
        seen = sample(&metrics(&app).await, open);
        if seen == Some(0.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, Some(0.0), "the stream is counted while open");
}

#[tokio::test]
async fn a_query_or_mutation_is_one_next_then_complete() {
    let app = TestApp::builder().writable().spawn().await;
    let response = post_stream(&app, json!({ "query": "{ __typename }" })).await;
    let mut stream = Streamed::new(response);
    let wait = Duration::from_secs(5);
    assert_eq!(
        stream.event(wait).await,
        Some(("next".into(), json!({ "data": { "__typename": "Query" } })))
    );
    assert_eq!(
        stream.event(wait).await,
        Some(("complete".into(), Value::Null))
    );
    assert_eq!(stream.event(wait).await, None, "the stream ends");

    let response = app
        .client
        .post(app.graphql_url())
        .header("accept", "text/event-stream")
        .header("authorization", format!("Bearer {TEST_TOKEN}"))
        .json(&json!({ "query": "mutation { createCity(input: { name: \"Evented\" }) { city { slug } } }" }))
        .send()
        .await
        .unwrap();
    let mut stream = Streamed::new(response);
    let (name, data) = stream.event(wait).await.unwrap();
    assert_eq!(name, "next");
    assert_eq!(
        data["data"]["createCity"]["city"]["slug"], "evented",
        "{data:#}"
    );
    assert_eq!(stream.event(wait).await.unwrap().0, "complete");
}

#[tokio::test]
async fn get_with_the_request_in_the_url_streams_a_subscription() {
    let app = TestApp::builder().writable().spawn().await;
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", CITY_CHANGED)])
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = Streamed::new(response);
    let data = next_after_writes(&app, &mut stream).await;
    assert_eq!(data["data"]["cityChanged"]["action"], "CREATED");

    // A mutation is still refused over GET.
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[(
            "query",
            "mutation { deleteCity(input: { id: \"x\" }) { deletedCityId } }",
        )])
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// Validation and limits are reported on the accepted stream, as the protocol asks (an
/// `EventSource` cannot read the body of a refused one).
#[tokio::test]
async fn the_address_limit_holds_and_is_reported_on_the_stream() {
    let app = TestApp::builder()
        .envs(&[
            ("API_TOKENS", TEST_TOKEN),
            ("MAX_SUBSCRIPTIONS_PER_IP", "1"),
        ])
        .spawn()
        .await;
    let held = post_stream(&app, json!({ "query": CITY_CHANGED })).await;
    assert_eq!(subscriptions_become(&app, 1.0).await, Some(1.0));
    let refused = post_stream(&app, json!({ "query": CITY_CHANGED })).await;
    assert_eq!(refused.status(), StatusCode::OK);
    let mut stream = Streamed::new(refused);
    let (name, data) = stream.event(Duration::from_secs(5)).await.unwrap();
    assert_eq!(name, "next");
    assert_eq!(
        first_error_code(&data),
        "TOO_MANY_SUBSCRIPTIONS",
        "{data:#}"
    );
    assert!(data["errors"][0]["extensions"]["requestId"].is_string());
    assert_eq!(
        stream.event(Duration::from_secs(5)).await.unwrap().0,
        "complete"
    );
    drop(held);
    assert_eq!(subscriptions_become(&app, 0.0).await, Some(0.0));

    let invalid = post_stream(&app, json!({ "query": "subscription { nope }" })).await;
    let (name, data) = Streamed::new(invalid)
        .event(Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(name, "next");
    assert_eq!(
        first_error_code(&data),
        "GRAPHQL_VALIDATION_FAILED",
        "{data:#}"
    );
}

/// A subscription sent where no stream can carry it names the transports that can.
#[tokio::test]
async fn refusals_name_the_transports_that_carry_subscriptions() {
    let app = TestApp::builder().spawn().await;
    let named = |body: &Value| {
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("graphql-transport-ws")
                && message.contains("text/event-stream")
                && message.contains("subscriptionSpec"),
            "{body:#}"
        );
    };
    let body = app.gql(CITY_CHANGED, json!({})).await;
    named(&body);
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");

    let response = app
        .client
        .post(app.graphql_url())
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": CITY_CHANGED }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    named(&response.json().await.unwrap());

    let response = app
        .client
        .get(app.graphql_url())
        .query(&[("query", CITY_CHANGED)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.unwrap();
    named(&body);
    assert_eq!(first_error_code(&body), "METHOD_NOT_ALLOWED");
}

/// The token of a freshly reserved stream.
async fn reserve(app: &TestApp) -> String {
    let response = app.client.put(app.graphql_url()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    response.text().await.unwrap()
}

async fn listen(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.graphql_url())
        .header("accept", "text/event-stream")
        .header("x-graphql-event-stream-token", token)
        .send()
        .await
        .unwrap()
}

async fn start(app: &TestApp, token: &str, id: &str, query: &str) -> reqwest::Response {
    app.client
        .post(app.graphql_url())
        .header("x-graphql-event-stream-token", token)
        .json(&json!({ "query": query, "extensions": { "operationId": id } }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reserved_stream_carries_operations_until_they_are_stopped() {
    let app = TestApp::builder().writable().spawn().await;
    let token = reserve(&app).await;
    let response = listen(&app, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = Streamed::new(response);

    assert_eq!(listen(&app, &token).await.status(), StatusCode::CONFLICT);

    let started = start(&app, &token, "cities", CITY_CHANGED).await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let again = start(&app, &token, "cities", CITY_CHANGED).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let data = next_after_writes(&app, &mut stream).await;
    assert_eq!(data["id"], "cities", "{data:#}");
    assert_eq!(data["payload"]["data"]["cityChanged"]["action"], "CREATED");

    // A query on the same stream: its result, then its completion.
    assert_eq!(
        start(&app, &token, "q", "{ __typename }").await.status(),
        StatusCode::ACCEPTED
    );
    let wait = Duration::from_secs(5);
    assert_eq!(
        stream.event(wait).await,
        Some((
            "next".into(),
            json!({ "id": "q", "payload": { "data": { "__typename": "Query" } } })
        ))
    );
    assert_eq!(
        stream.event(wait).await,
        Some(("complete".into(), json!({ "id": "q" })))
    );

    let stop = app
        .client
        .delete(app.graphql_url())
        .query(&[("operationId", "cities")])
        .header("x-graphql-event-stream-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(stop.status(), StatusCode::OK);
    assert_eq!(subscriptions_become(&app, 0.0).await, Some(0.0));

    // The listener goes away: the reservation ends with it.
    let started = start(&app, &token, "more", CITY_CHANGED).await;
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    assert_eq!(subscriptions_become(&app, 1.0).await, Some(1.0));
    drop(stream);
    assert_eq!(subscriptions_become(&app, 0.0).await, Some(0.0));
    let mut gone = StatusCode::OK;
    for _ in 0..100 {
        gone = start(&app, &token, "late", "{ __typename }").await.status();
        if gone == StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(gone, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_tokens_and_missing_ids_are_refused() {
    let app = TestApp::builder().spawn().await;
    let listened = listen(&app, "no-such-token").await;
    assert_eq!(listened.status(), StatusCode::NOT_FOUND);
    let body: Value = listened.json().await.unwrap();
    assert_eq!(first_error_code(&body), "NOT_FOUND");
    let by_url = app
        .client
        .get(app.graphql_url())
        .query(&[("token", "no-such-token")])
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(by_url.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        start(&app, "no-such-token", "1", "{ __typename }")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let stop = app
        .client
        .delete(app.graphql_url())
        .query(&[("operationId", "1")])
        .header("x-graphql-event-stream-token", "no-such-token")
        .send()
        .await
        .unwrap();
    assert_eq!(stop.status(), StatusCode::NOT_FOUND);

    let token = reserve(&app).await;
    let _listening = listen(&app, &token).await;
    let without_id = app
        .client
        .post(app.graphql_url())
        .header("x-graphql-event-stream-token", &token)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(without_id.status(), StatusCode::BAD_REQUEST);
}

/// On a reserved stream, a request that does not run is answered as GraphQL over HTTP answers
/// it: the address's limit with 429.
#[tokio::test]
async fn a_reserved_stream_refuses_over_the_address_limit_with_429() {
    let app = TestApp::builder()
        .env("MAX_SUBSCRIPTIONS_PER_IP", "1")
        .spawn()
        .await;
    let token = reserve(&app).await;
    let _listening = listen(&app, &token).await;
    assert_eq!(
        start(&app, &token, "a", CITY_CHANGED).await.status(),
        StatusCode::ACCEPTED
    );
    let refused = start(&app, &token, "b", CITY_CHANGED).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        first_error_code(&body),
        "TOO_MANY_SUBSCRIPTIONS",
        "{body:#}"
    );
}

/// A reservation is a connection to come: an address holds at most `MAX_CONNECTIONS_PER_IP`.
#[tokio::test]
async fn reservations_are_capped_per_address() {
    let app = TestApp::builder()
        .env("MAX_CONNECTIONS_PER_IP", "2")
        .spawn()
        .await;
    reserve(&app).await;
    reserve(&app).await;
    let refused = app.client.put(app.graphql_url()).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(first_error_code(&body), "TOO_MANY_CONNECTIONS");
}

/// A stopping server ends its streams cleanly (the body's last chunk), rather than holding the
/// stop for its whole timeout and then cutting the connection.
#[tokio::test]
async fn streams_end_cleanly_when_the_server_stops() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("x.db").display());
    let server = crate::crash::start_with(&url, dir.path(), &[]).await;
    let client = reqwest::Client::new();
    let mut streams = Vec::new();
    for accept in [
        "text/event-stream",
        r#"multipart/mixed;subscriptionSpec="1.0""#,
    ] {
        let response = client
            .post(format!("{}/graphql", server.address))
            .header("accept", accept)
            .json(&json!({ "query": CITY_CHANGED }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        streams.push(response);
    }
    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    for mut response in streams {
        let ended = loop {
            match response.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => break Ok(()),
                Err(error) => break Err(error),
            }
        };
        assert!(ended.is_ok(), "the stream was cut: {ended:?}");
    }
}

/// urql lists event streams and multipart beside JSON on every request: a query is answered as
/// JSON then (cacheable, as before), and only a subscription streams.
#[tokio::test]
async fn a_client_that_also_accepts_json_streams_only_subscriptions() {
    let app = TestApp::builder().spawn().await;
    let accept = "application/graphql-response+json, application/graphql+json, \
                  application/json, text/event-stream, multipart/mixed";
    let query = app
        .client
        .post(app.graphql_url())
        .header("accept", accept)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        query.headers()["content-type"],
        "application/graphql-response+json"
    );
    let by_get = app
        .client
        .get(app.graphql_url())
        .query(&[("query", "{ __typename }")])
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_get.headers()["content-type"],
        "application/graphql-response+json"
    );
    let subscription = app
        .client
        .post(app.graphql_url())
        .header("accept", accept)
        .json(&json!({ "query": CITY_CHANGED }))
        .send()
        .await
        .unwrap();
    assert_eq!(subscription.headers()["content-type"], "text/event-stream");
    let by_get = app
        .client
        .get(app.graphql_url())
        .query(&[("query", CITY_CHANGED)])
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(by_get.headers()["content-type"], "text/event-stream");
}

/// A stream nobody reads holds a bounded number of operations: its 100 subscriptions and a few
/// answers waiting for the listener, then `429 TOO_MANY_OPERATIONS`; an `operationId` is short.
#[tokio::test]
async fn a_stalled_stream_holds_a_bounded_number_of_operations() {
    let app = TestApp::builder().spawn().await;
    let token = reserve(&app).await;
    let long_id = "x".repeat(200);
    let response = start(&app, &token, &long_id, "{ __typename }").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    for n in 0..100 {
        let id = format!("s{n}");
        let response = start(&app, &token, &id, "subscription { cityChanged { action } }").await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "subscription {n}");
    }
    let mut refused = None;
    for n in 0..100 {
        let response = start(&app, &token, &format!("q{n}"), "{ __typename }").await;
        if response.status() != StatusCode::ACCEPTED {
            refused = Some((n, response));
            break;
        }
    }
    let (n, response) = refused.expect("a stalled stream took 100 more operations");
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "query {n}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), "TOO_MANY_OPERATIONS", "{body}");
}

/// Only a listener may name its stream in the URL (`EventSource` cannot set headers): a POST
/// whose URL has a `token` of its own (a gateway's, a signed URL's) is an ordinary request.
#[tokio::test]
async fn a_token_in_the_url_of_a_post_is_not_a_stream() {
    let app = TestApp::builder().spawn().await;
    let token = reserve(&app).await;
    let response = app
        .client
        .post(app.graphql_url())
        .query(&[("token", token.as_str())])
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
}
