//! Global ids: every object's `id` resolves through `node(id:)` to the same object.

use serde_json::{json, Value};

use crate::helpers::{first_error_code, TestApp};

#[tokio::test]
async fn every_type_round_trips_through_node() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{
                cities(first: 3) { nodes { id __typename name } }
                networks(first: 3) { nodes { id __typename name
                    memberships(first: 3) { nodes { id __typename role } } } }
                events(first: 3) { nodes { id __typename title } }
            }"#,
            json!({}),
        )
        .await;
    let mut objects: Vec<Value> = Vec::new();
    objects.extend(data["cities"]["nodes"].as_array().unwrap().iter().cloned());
    for network in data["networks"]["nodes"].as_array().unwrap() {
        objects.push(network.clone());
        objects.extend(
            network["memberships"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
    }
    objects.extend(data["events"]["nodes"].as_array().unwrap().iter().cloned());
    let types: std::collections::BTreeSet<&str> = objects
        .iter()
        .map(|o| o["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        ["City", "Event", "Membership", "Network"]
    );

    for object in &objects {
        let node = app
            .data(
                r#"query($id: ID!) { node(id: $id) {
                    id __typename
                    ... on City { name }
                    ... on Network { name }
                    ... on Membership { role }
                    ... on Event { title }
                } }"#,
                json!({ "id": object["id"] }),
            )
            .await;
        let mut expected = object.clone();
        if let Some(map) = expected.as_object_mut() {
            map.remove("memberships");
        }
        assert_eq!(node["node"], expected);
    }

    let ids: Vec<&Value> = objects.iter().map(|o| &o["id"]).collect();
    let many = app
        .data(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    let got: Vec<&Value> = many["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["id"])
        .collect();
    assert_eq!(got, ids, "nodes(ids:) keeps the order");
}

#[tokio::test]
async fn ids_are_distinct_across_types() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ cities(first: 1) { nodes { id } } networks(first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    assert_ne!(
        data["cities"]["nodes"][0]["id"],
        data["networks"]["nodes"][0]["id"]
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let app = TestApp::builder().spawn().await;
    // Well-formed but no such row: null, no error ("City:999999").
    let missing = app
        .data(r#"{ node(id: "Q2l0eTo5OTk5OTk") { id } }"#, json!({}))
        .await;
    assert_eq!(missing["node"], Value::Null);
    for bad in ["", "nonsense", "Q2l0eTox=", "VG93bjox"] {
        let body = app
            .gql(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": bad }),
            )
            .await;
        assert_eq!(first_error_code(&body), "INVALID_ID", "{bad}: {body:#}");
        assert_eq!(body["data"]["node"], Value::Null);
    }
}

/// A partner row has an id of its own (the pair), so normalised caches keep one record per
/// pair, and `node(id:)` fetches it again.
#[tokio::test]
async fn partners_have_ids_that_node_resolves() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ city(slug: "rostock") { partners(first: 2) { edges { node { id sharedNetworkCount city { slug } } } } } }"#,
            serde_json::json!({}),
        )
        .await;
    let edges = data["city"]["partners"]["edges"].as_array().expect("edges");
    assert!(!edges.is_empty(), "{data:#}");
    let partner = &edges[0]["node"];
    let fetched = app
        .data(
            "query($id: ID!) { node(id: $id) { __typename id ... on Partner { sharedNetworkCount city { slug } } } }",
            serde_json::json!({ "id": partner["id"] }),
        )
        .await;
    assert_eq!(fetched["node"]["__typename"], "Partner");
    assert_eq!(fetched["node"]["id"], partner["id"]);
    assert_eq!(fetched["node"]["city"], partner["city"]);
    assert_eq!(
        fetched["node"]["sharedNetworkCount"],
        partner["sharedNetworkCount"]
    );
}
