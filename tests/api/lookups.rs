//! Finding one object by whichever key the client holds: `city(by:)` and `network(by:)` take
//! `{ id }` or `{ slug }` (`@oneOf`), beside `slug`; global ids are read padded or not.

use serde_json::{json, Value};

use crate::helpers::{first_error_code, TestApp};

const CITY: &str = "query($slug: String, $by: CityBy) { \
                    city(slug: $slug, by: $by) { id slug name } }";
const NETWORK: &str = "query($slug: String, $by: NetworkBy) { \
                       network(slug: $slug, by: $by) { id slug name } }";

/// Python's `base64.b64encode` form of an id: padded to a multiple of four characters.
fn padded(id: &str) -> String {
    let mut padded = id.to_owned();
    while padded.len() % 4 != 0 {
        padded.push('=');
    }
    padded
}

#[tokio::test]
async fn by_id_and_by_slug_find_the_same_place_and_network() {
    let app = TestApp::builder().spawn().await;
    let rostock = app.city_id("rostock").await;
    let by_slug = app.data(CITY, json!({ "by": { "slug": "rostock" } })).await;
    let by_id = app.data(CITY, json!({ "by": { "id": rostock } })).await;
    let by_old_argument = app.data(CITY, json!({ "slug": "rostock" })).await;
    assert_eq!(by_slug["city"]["slug"], "rostock");
    assert_eq!(by_slug, by_id);
    assert_eq!(by_slug, by_old_argument);

    let ubc = app.network_id("ubc").await;
    let by_slug = app.data(NETWORK, json!({ "by": { "slug": "ubc" } })).await;
    let by_id = app.data(NETWORK, json!({ "by": { "id": ubc } })).await;
    assert_eq!(by_slug["network"]["id"], Value::String(ubc));
    assert_eq!(by_slug, by_id);

    // Inline, as a playground user writes it.
    let inline = app
        .data(r#"{ city(by: { slug: "rostock" }) { slug } }"#, json!({}))
        .await;
    assert_eq!(inline["city"]["slug"], "rostock");
}

#[tokio::test]
async fn an_id_of_another_type_or_an_unknown_slug_finds_nothing() {
    let app = TestApp::builder().spawn().await;
    let ubc = app.network_id("ubc").await;
    let data = app.data(CITY, json!({ "by": { "id": ubc } })).await;
    assert_eq!(data["city"], Value::Null);
    let data = app
        .data(NETWORK, json!({ "by": { "slug": "no-such" } }))
        .await;
    assert_eq!(data["network"], Value::Null);
    let body = app.gql(CITY, json!({ "by": { "id": "not an id" } })).await;
    assert_eq!(first_error_code(&body), "INVALID_ID", "{body}");
}

/// `@oneOf`: both keys of `by` at once is a validation error; `slug` and `by` together, or
/// neither, is `BAD_USER_INPUT`.
#[tokio::test]
async fn exactly_one_key_is_given() {
    let app = TestApp::builder().spawn().await;
    let rostock = app.city_id("rostock").await;
    let body = app
        .gql(
            &format!(r#"{{ city(by: {{ slug: "rostock", id: "{rostock}" }}) {{ name }} }}"#),
            json!({}),
        )
        .await;
    assert_eq!(
        first_error_code(&body),
        "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    assert!(body.get("data").is_none(), "{body}");

    let body = app
        .gql(CITY, json!({ "by": { "slug": "rostock", "id": rostock } }))
        .await;
    assert!(body["errors"].is_array(), "{body}");
    assert_ne!(body["data"]["city"]["slug"], "rostock", "{body}");

    for variables in [
        json!({ "slug": "rostock", "by": { "slug": "rostock" } }),
        json!({}),
    ] {
        let body = app.gql(CITY, variables.clone()).await;
        assert_eq!(
            first_error_code(&body),
            "BAD_USER_INPUT",
            "{variables}: {body}"
        );
        assert_eq!(body["data"]["city"], Value::Null, "{body}");
    }
}

/// The schema says so: `CityBy` and `NetworkBy` are `@oneOf` inputs.
#[tokio::test]
async fn the_lookup_inputs_are_one_of() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            "{ city: __type(name: \"CityBy\") { isOneOf } \
               network: __type(name: \"NetworkBy\") { isOneOf } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "city": { "isOneOf": true }, "network": { "isOneOf": true } })
    );
}

/// Python's `base64.b64decode` wants ids padded, and a client may send back what it gives.
#[tokio::test]
async fn a_padded_id_resolves() {
    let app = TestApp::builder().spawn().await;
    let ids = [
        app.city_id("rostock").await,
        app.city_id("berlin").await,
        app.network_id("ubc").await,
    ];
    assert!(
        ids.iter().any(|id| padded(id) != *id),
        "no id needs padding: {ids:?}"
    );
    for id in ids {
        let data = app
            .data(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": padded(&id) }),
            )
            .await;
        assert_eq!(data["node"]["id"], Value::String(id.clone()), "{id}");
    }
    let rostock = app.city_id("rostock").await;
    let data = app
        .data(CITY, json!({ "by": { "id": padded(&rostock) } }))
        .await;
    assert_eq!(data["city"]["slug"], "rostock");
}
