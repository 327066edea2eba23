//! Automatic persisted queries, Apollo's protocol (issue 16.5): a client sends a query's
//! SHA-256 alone; an unknown hash answers `PERSISTED_QUERY_NOT_FOUND` with HTTP 200 (Apollo's
//! link then sends the query with its hash, which registers it); afterwards the hash alone
//! runs the query, over POST or GET. And HTTP caching of GET answers (issue 16.6).

use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::TestApp;

const QUERY: &str = r#"query Rostock { city(slug: "rostock") { name } }"#;

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs `body` as Apollo Client does (preferring the GraphQL response media type).
async fn post(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.graphql_url())
        .header(
            "accept",
            "application/graphql-response+json,application/json;q=0.9",
        )
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

async fn get(app: &TestApp, hash: &str) -> (StatusCode, Value) {
    let extensions = persisted(hash).to_string();
    let response = app
        .client
        .get(app.graphql_url())
        .query(&[
            ("operationName", "Rostock"),
            ("extensions", extensions.as_str()),
        ])
        .send()
        .await
        .expect("the server answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn an_unknown_hash_then_registration_then_hits_over_post_and_get() {
    let app = TestApp::builder().spawn().await;
    let hash = sha256(QUERY);

    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    let (status, body) = post(
        &app,
        json!({ "query": QUERY, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["data"]["city"]["name"], "Rostock");

    let (status, body) = post(&app, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["data"]["city"]["name"], "Rostock");

    let (status, body) = get(&app, &hash).await;
    assert_eq!(status, StatusCode::OK, "{body:#}");
    assert_eq!(body["data"]["city"]["name"], "Rostock");
}

#[tokio::test]
async fn a_hash_that_is_not_the_querys_is_a_400_with_a_code() {
    let app = TestApp::builder().spawn().await;
    let (status, body) = post(
        &app,
        json!({ "query": QUERY, "extensions": persisted(&sha256("something else")) }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body:#}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_HASH_MISMATCH"
    );
}

/// A persisted mutation's hash over GET is refused once resolved: GET runs queries only.
#[tokio::test]
async fn a_persisted_mutation_does_not_run_over_get() {
    let app = TestApp::builder().writable().spawn().await;
    let mutation =
        r#"mutation Rostock { createCity(input: { name: "Get Town" }) { city { id } } }"#;
    let hash = sha256(mutation);
    // Registering it over POST runs it (and needs a token): fine.
    let response = app
        .client
        .post(app.graphql_url())
        .bearer_auth(crate::helpers::TEST_TOKEN)
        .json(&json!({ "query": mutation, "extensions": persisted(&hash) }))
        .send()
        .await
        .expect("the server answers");
    assert!(response.status().is_success());
    let (status, body) = get(&app, &hash).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED",
        "{body:#}"
    );
    assert_eq!(
        status,
        reqwest::StatusCode::METHOD_NOT_ALLOWED,
        "as any mutation over GET"
    );
    let count = app
        .data(
            r#"{ cities(filter: { nameContains: "Get Town" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        count["cities"]["totalCount"], 1,
        "only the POST created one"
    );
}

/// HTTP caching on GET (issue 16.6): an `ETag` for each query response, `304 Not Modified`
/// without a body for a matching `If-None-Match`, `Cache-Control` from `CACHE_CONTROL`, and
/// `Vary`; after a write the tag changes, so a revalidating cache gets the new answer.
/// A GET of `url` that names `tag` in `If-None-Match`.
async fn revalidate(app: &TestApp, url: &str, tag: &str) -> reqwest::Response {
    app.client
        .get(url)
        .header("if-none-match", tag)
        .send()
        .await
        .expect("an answer")
}

#[tokio::test]
async fn get_answers_carry_an_etag_and_revalidate_with_304() {
    let app = TestApp::builder()
        .writable()
        .env("CACHE_CONTROL", "public, max-age=0, must-revalidate")
        .spawn()
        .await;
    let url = format!(
        "{}?query={}",
        app.graphql_url(),
        "%7B%20city(slug%3A%20%22rostock%22)%20%7B%20name%20twinCities(first%3A%2050)%20%7B%20totalCount%20%7D%20%7D%20%7D"
    );
    let first = app.client.get(&url).send().await.expect("an answer");
    assert_eq!(first.status(), StatusCode::OK);
    let tag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        first.headers()["cache-control"],
        "public, max-age=0, must-revalidate"
    );
    assert!(first.headers()["vary"]
        .to_str()
        .unwrap()
        .contains("Authorization"));
    let body = first.text().await.unwrap();
    assert!(body.contains("Rostock"));

    let again = revalidate(&app, &url, &tag).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), tag);
    assert!(again.text().await.unwrap().is_empty());

    // A write changes the answer, so the old tag no longer matches.
    let rostock = app.city_id("rostock").await;
    let berlin = app.city_id("berlin").await;
    app.write(
        "mutation($a: ID!, $b: ID!) { createTwinning(input: { cityId: $a, twinId: $b }) { city { id } } }",
        json!({ "a": rostock, "b": berlin }),
    )
    .await;
    let after = revalidate(&app, &url, &tag).await;
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(after.headers()["etag"].to_str().unwrap(), tag);
}

/// A query sent to be persisted is checked as text (length, nesting) before anything parses
/// it: 2 000 nested lists once overflowed the stack of the parser the persisted-query store runs.
#[tokio::test]
async fn a_deeply_nested_query_sent_to_be_persisted_is_refused_before_parsing() {
    let app = TestApp::builder().spawn().await;
    let query = format!(
        "{{ cities(first: {}1{}) {{ totalCount }} }}",
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let (_, body) = post(
        &app,
        json!({ "query": query, "extensions": persisted(&sha256(&query)) }),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP",
        "{body:#}"
    );
    let data = app.data("{ __typename }", json!({})).await;
    assert_eq!(data["__typename"], "Query", "the server still answers");
}
