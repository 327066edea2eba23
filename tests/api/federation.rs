//! Citynet as an Apollo Federation subgraph: `_service { sdl }` declares the entities with
//! `@key(fields: "id")`, and `_entities` resolves representations the way a router sends them.
//! (Composition with `@apollo/gateway` itself runs in `tests/clients`.)

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_subgraph_sdl_declares_the_entities_by_id() {
    let app = TestApp::builder().env("FEDERATION", "on").spawn().await;
    let data = app.data("{ _service { sdl } }", json!({})).await;
    let sdl = data["_service"]["sdl"].as_str().expect("an SDL string");
    for entity in ["City", "Network", "Event", "Membership"] {
        let declaration = sdl
            .lines()
            .find(|line| line.starts_with(&format!("type {entity} ")))
            .unwrap_or_else(|| panic!("no type {entity} in {sdl}"));
        assert!(
            declaration.contains("@key(fields: \"id\")"),
            "{declaration}"
        );
    }
}

#[tokio::test]
async fn entities_resolve_from_their_representations() {
    let app = TestApp::builder().env("FEDERATION", "on").spawn().await;
    let rostock = app.city_id("rostock").await;
    let ubc = app.network_id("ubc").await;
    let data = app
        .data(
            "query($r: [_Any!]!) { _entities(representations: $r) { \
             __typename ... on City { name } ... on Network { name } } }",
            json!({ "r": [
                { "__typename": "City", "id": rostock },
                { "__typename": "Network", "id": ubc },
                // A City id presented as a Network finds nothing.
                { "__typename": "Network", "id": rostock },
            ] }),
        )
        .await;
    assert_eq!(
        data["_entities"],
        json!([
            { "__typename": "City", "name": "Rostock" },
            { "__typename": "Network", "name": "Union of the Baltic Cities" },
            null,
        ])
    );
}

/// `__schema.description` describes Citynet, not GraphQL schemas in general.
#[tokio::test]
async fn the_schema_describes_itself() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data("{ __schema { about: description } }", json!({}))
        .await;
    let about = data["__schema"]["about"].as_str().expect("a description");
    assert!(about.starts_with("Citynet"), "{about}");
}
