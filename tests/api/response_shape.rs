//! The response's shape as the GraphQL spec defines it, which clients' caches and codegen rely
//! on: an error in a non-null field nulls the nearest nullable parent (§6.4.4), never leaving a
//! key out or a `null` in a non-null list; keys come in selection order (§6.3.2), so identical
//! requests get identical bytes.

use serde_json::{json, Value};

use crate::helpers::{first_error_code, TestApp};

async fn body_text(app: &TestApp, query: &str) -> String {
    app.client
        .post(app.graphql_url())
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the server answers")
        .text()
        .await
        .expect("a body")
}

/// `cities: CityConnection!` fails: its parent is the whole `data`.
#[tokio::test]
async fn an_error_in_a_non_null_root_field_nulls_data() {
    let app = TestApp::builder().spawn().await;
    let body = app
        .gql(
            r#"{ city(slug: "rostock") { name } cities(first: 1000) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body:#}");
    assert!(body.as_object().unwrap().contains_key("data"), "{body:#}");
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["path"], json!(["cities"]));
}

/// `members: CityConnection!` fails with a bad cursor: `network` (nullable) becomes null.
#[tokio::test]
async fn an_error_in_a_non_null_field_nulls_its_nullable_parent() {
    let app = TestApp::builder().spawn().await;
    let body = app
        .gql(
            r#"{ network(slug: "ubc") { name members(first: 2, after: "garbage") { nodes { id } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"], json!({ "network": null }), "{body:#}");
    assert_eq!(first_error_code(&body), "INVALID_CURSOR");
    assert_eq!(body["errors"][0]["path"], json!(["network", "members"]));
}

/// An error inside an item of `[City!]!` cannot leave a `null` in the list: it propagates
/// through the list, the connection and the root field to `data`.
#[tokio::test]
async fn an_error_inside_a_non_null_list_item_propagates_through_the_list() {
    let app = TestApp::builder().spawn().await;
    let body = app
        .gql(
            "{ cities(first: 2) { nodes { memberships(first: 1000) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body:#}");
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

/// A nullable field that fails is present as `null`, its siblings intact.
#[tokio::test]
async fn a_failing_nullable_field_is_null_and_its_siblings_stay() {
    let app = TestApp::builder().spawn().await;
    let body = app
        .gql(
            r#"{ city(slug: "rostock") { name } connection(from: "no-such-place", to: "rostock") { length } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "city": { "name": "Rostock" }, "connection": null }),
        "{body:#}"
    );
    assert_eq!(first_error_code(&body), "NOT_FOUND");
}

/// Keys in the order the query selects them, the same bytes every time, however the resolvers
/// happen to finish.
#[tokio::test]
async fn keys_come_in_selection_order_and_identical_requests_get_identical_bytes() {
    let app = TestApp::builder().spawn().await;
    let query = "{ networks(first: 5) { totalCount pageInfo { hasNextPage } nodes { \
                 memberCount: members(first: 3) { totalCount nodes { name slug } } \
                 name ... on Node { id } slug } } }";
    let first = body_text(&app, query).await;
    let positions: Vec<usize> = [
        "\"totalCount\"",
        "\"pageInfo\"",
        "\"nodes\"",
        "\"memberCount\"",
    ]
    .iter()
    .map(|key| {
        first
            .find(key)
            .unwrap_or_else(|| panic!("{key} in {first}"))
    })
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{first}");
    let node = &first[first.find("\"memberCount\"").unwrap()..];
    let (name, id, slug) = (
        node.find("},\"name\"")
            .expect("name right after the members"),
        node.find("\"id\"").unwrap(),
        node.rfind("\"slug\"").unwrap(),
    );
    assert!(name < id && id < slug, "{first}");
    for _ in 0..30 {
        assert_eq!(body_text(&app, query).await, first);
    }
}

/// A field that `@skip`/`@include` leave out does not place its key: the key comes where the
/// first field that is kept selects it (§6.3.2, CollectFields), on the resolvers' path (here:
/// `partners`, which the planned path leaves to them) as on the planned one.
#[tokio::test]
async fn a_skipped_field_does_not_place_its_key() {
    let app = TestApp::builder().spawn().await;
    for (query, first) in [
        (
            r#"query($no: Boolean = false) { city(slug: "rostock") { name @include(if: $no)
               partners(first: 1) { totalCount } name } }"#,
            "\"partners\"",
        ),
        (
            r#"{ city(slug: "rostock") { name @skip(if: true) slug name } }"#,
            "\"slug\"",
        ),
    ] {
        let text = body_text(&app, query).await;
        let position = |key: &str| text.find(key).unwrap_or_else(|| panic!("{key} in {text}"));
        assert!(position(first) < position("\"name\""), "{query}: {text}");
    }
}

/// An object whose selection `@skip`/`@include` leave empty is `{}` (§6.3.2), not `null`; and
/// beside the same key's other fields it merges into them, in every run. async-graphql merges
/// the fields of a key in the order they complete: the empty one's `null` took the place of the
/// real object in about one run of three.
#[tokio::test]
async fn a_selection_left_empty_is_an_empty_object_and_merges_every_time() {
    let app = TestApp::builder()
        .env("RESPONSE_CACHE_BYTES", "0")
        .spawn()
        .await;
    let merged = r#"query($skip: Boolean!) { events {
        nodes { participants { nodes { networkCount } }
                network { foundedIn @skip(if: $skip) { id } } }
        nodes { network { events { edges { node { id } } } } } } }"#;
    let without_the_empty_one = r#"{ events {
        nodes { participants { nodes { networkCount } } }
        nodes { network { events { edges { node { id } } } } } } }"#;
    let expected = body_text(&app, without_the_empty_one).await;
    assert!(expected.contains("\"network\":{\"events\""), "{expected}");
    for run in 0..20 {
        let body = app
            .client
            .post(app.graphql_url())
            .json(&json!({ "query": merged, "variables": { "skip": true } }))
            .send()
            .await
            .expect("the server answers")
            .text()
            .await
            .expect("a body");
        assert_eq!(body, expected, "run {run}");
    }
    let alone = app
        .gql(
            r#"query($skip: Boolean!) { city(slug: "rostock") { name
                 memberships(first: 1) { nodes { network { name @skip(if: $skip) } } } } }"#,
            json!({ "skip": true }),
        )
        .await;
    assert_eq!(
        alone["data"]["city"]["memberships"]["nodes"][0]["network"],
        json!({}),
        "{alone:#}"
    );
    let root = app
        .gql(
            r#"query($skip: Boolean!) { cities(first: 1) @skip(if: $skip) { totalCount } }"#,
            json!({ "skip": true }),
        )
        .await;
    assert_eq!(root, json!({ "data": {} }), "{root:#}");
}
