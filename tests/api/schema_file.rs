//! The schema as a file (`GET /graphql/schema.graphql`, `SCHEMA_DOWNLOAD`), federation as an
//! opt-in (`FEDERATION`), and `INTROSPECTION` overriding the production default: what a client
//! that builds itself from the schema can get, and what the public schema leaves out.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{first_error_code, TestApp};

const FEDERATION_NAMES: [&str; 5] = ["_service", "_entities", "_Any", "_Entity", "_Service"];

fn schema_file_url(app: &TestApp) -> String {
    format!("{}/schema.graphql", app.graphql_url())
}

/// The body of `GET /graphql/schema.graphql`.
async fn schema_file(app: &TestApp) -> String {
    let response = app.client.get(schema_file_url(app)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// In production, with introspection off, the SDL is still served (as GitHub publishes its
/// schema), cacheable and revalidated by its `ETag`; it is the committed `schema.graphql`.
#[tokio::test]
async fn production_serves_the_schema_file_with_an_etag() {
    let app = TestApp::builder()
        .env("CITYNET_ENV", "production")
        .spawn()
        .await;
    let response = app.client.get(schema_file_url(&app)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let tag = headers["etag"].to_str().unwrap().to_owned();
    let sdl = response.text().await.unwrap();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql is committed");
    assert_eq!(sdl, committed, "the file is the committed schema");
    assert!(sdl.contains("type Query"), "{sdl}");

    let again = app
        .client
        .get(schema_file_url(&app))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"], tag.as_str());
    assert!(again.text().await.unwrap().is_empty());

    // Introspection is still off: the file is the one way to the schema.
    let body = app
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(body.get("errors").is_some(), "{body}");
}

#[tokio::test]
async fn schema_download_off_is_not_found() {
    let app = TestApp::builder()
        .env("SCHEMA_DOWNLOAD", "off")
        .spawn()
        .await;
    let response = app.client.get(schema_file_url(&app)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// `INTROSPECTION=on` overrides the production default.
#[tokio::test]
async fn introspection_can_be_switched_on_in_production() {
    let app = TestApp::builder()
        .envs(&[("CITYNET_ENV", "production"), ("INTROSPECTION", "on")])
        .spawn()
        .await;
    let data = app
        .data("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
}

/// Without `FEDERATION=on`, none of federation's fields and types is in the schema: not in the
/// file, not by introspection, and `_service` is an unknown field.
#[tokio::test]
async fn federation_is_off_unless_switched_on() {
    let app = TestApp::builder().spawn().await;
    let sdl = schema_file(&app).await;
    let types = app
        .data(
            "{ __schema { types { name } queryType { fields { name } } } }",
            json!({}),
        )
        .await;
    let introspected = types.to_string();
    for name in FEDERATION_NAMES {
        assert!(!sdl.contains(name), "{name} is in the schema file");
        assert!(
            !introspected.contains(&format!("\"{name}\"")),
            "{name} is introspected"
        );
    }
    let body = app.gql("{ _service { sdl } }", json!({})).await;
    assert_eq!(
        first_error_code(&body),
        "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );

    let subgraph = TestApp::builder().env("FEDERATION", "on").spawn().await;
    let sdl = schema_file(&subgraph).await;
    for name in ["_service", "_entities", "_Any"] {
        assert!(
            sdl.contains(name),
            "{name} is not in the subgraph's schema file"
        );
    }
}
