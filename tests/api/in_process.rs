//! Schema-level behaviour, where HTTP adds nothing: the schema built as the server builds it,
//! over a fresh seeded database, executed in process (`Schema::execute`). Faster than a server
//! per test, and it pins what belongs to the schema rather than to the transport.

use async_graphql::{Request, Variables};
use citynet::schema::AppSchema;
use serde_json::{json, Value};

use crate::helpers::TestDatabase;

/// The schema over a fresh database, migrated and seeded as at start-up.
async fn schema() -> (AppSchema, TestDatabase) {
    let database = TestDatabase::new().await;
    let settings = database.settings();
    let db = citynet::app::prepare_database(&settings)
        .await
        .expect("the database is prepared");
    let services = citynet::schema::Services::start(&db, &settings)
        .await
        .expect("the services start");
    (
        citynet::schema::build(db, None, &settings, &services),
        database,
    )
}

async fn execute(schema: &AppSchema, query: &str, variables: Value) -> Value {
    let response = schema
        .execute(Request::new(query).variables(Variables::from_json(variables)))
        .await;
    serde_json::to_value(&response).expect("a response serializes")
}

/// The error bodies clients branch on, as one reviewed snapshot: codes, messages, paths and
/// the nulling around them. A change here is a change clients see.
#[tokio::test]
async fn error_bodies_are_as_reviewed() {
    let (schema, _database) = schema().await;
    let cases = [
        ("parse error", "{ cities { ", json!({})),
        (
            "unknown field",
            "{ cities { nodes { nosuchfield } } }",
            json!({}),
        ),
        (
            "bad variable value",
            "query($n: Int) { cities(first: $n) { totalCount } }",
            json!({ "n": "ten" }),
        ),
        (
            "page size out of range under a non-null root field",
            "{ cities(first: 1000) { totalCount } }",
            json!({}),
        ),
        (
            "bad cursor under a nullable parent",
            r#"{ network(slug: "ubc") { name members(first: 2, after: "garbage") { totalCount } } }"#,
            json!({}),
        ),
        (
            "unknown slug in a nullable field",
            r#"{ connection(from: "nowhere", to: "rostock") { length } }"#,
            json!({}),
        ),
        (
            "invalid global id",
            r#"{ node(id: "nonsense") { id } }"#,
            json!({}),
        ),
        (
            "too deep",
            &format!(
                "{{ {}name{} }}",
                "networks { nodes { ".repeat(20),
                " } }".repeat(20)
            ),
            json!({}),
        ),
        (
            "mutation without a token",
            r#"mutation { createCity(input: { name: "X" }) { city { id } } }"#,
            json!({}),
        ),
    ];
    let mut bodies = serde_json::Map::new();
    for (name, query, variables) in cases {
        bodies.insert(name.to_owned(), execute(&schema, query, variables).await);
    }
    insta::assert_json_snapshot!(Value::Object(bodies));
}

/// The keys of an object in a response, in their order.
fn keys(value: &async_graphql::Value) -> Vec<&str> {
    match value {
        async_graphql::Value::Object(object) => object.keys().map(|key| key.as_str()).collect(),
        other => panic!("not an object: {other}"),
    }
}

/// Keys in selection order, merged fields where they first appear, at the schema itself.
#[tokio::test]
async fn keys_come_in_selection_order() {
    let (schema, _database) = schema().await;
    let response = schema
        .execute(
            r#"{ network(slug: "ubc") { members(first: 1) { totalCount nodes { slug } } name ...N } }
               fragment N on Network { acronym name }"#,
        )
        .await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let async_graphql::Value::Object(data) = &response.data else {
        panic!("no data");
    };
    let network = &data["network"];
    assert_eq!(keys(network), ["members", "name", "acronym"]);
    let async_graphql::Value::Object(network) = network else {
        panic!("no network");
    };
    assert_eq!(keys(&network["members"]), ["totalCount", "nodes"]);
}

/// A query whose only root field fails, nullable, still has an object for `data` with the
/// field nulled (async-graphql alone answers `"data": null`).
#[tokio::test]
async fn a_lone_failing_nullable_root_field_is_null_inside_data() {
    let (schema, _database) = schema().await;
    let body = execute(&schema, r#"{ node(id: "nonsense") { id } }"#, json!({})).await;
    assert_eq!(body["data"], json!({ "node": null }), "{body:#}");
}
