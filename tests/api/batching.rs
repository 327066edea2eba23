//! No N+1: a nested query costs a fixed number of SQL statements, whatever the data's size.

use entity::{membership, network, place};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestDatabase};

const NESTED: &str = r#"{ networks(first: 50) { nodes {
    members(first: 50) { totalCount nodes {
        networks(first: 50) { totalCount nodes { name } }
    } }
} } }"#;

/// Root page 1 + (page 1 + count 1) for each of the two nested levels.
const NESTED_STATEMENTS: u64 = 5;

async fn statements_for(app: &TestApp, query: &str) -> (u64, Value) {
    let before = app.statements.get();
    let data = app.data(query, json!({})).await;
    (app.statements.get() - before, data)
}

/// Adds nine times the seed's places and networks, each new place in two networks.
async fn grow_tenfold(database: &TestDatabase) {
    let db = citynet::db::connect(&database.settings()).await.unwrap();
    let places: Vec<place::ActiveModel> = (0..216)
        .map(|i| place::ActiveModel {
            slug: Set(format!("synthetic-place-{i}")),
            name: Set(format!("Synthetic Place {i}")),
            name_folded: Set(format!("synthetic place {i}")),
            kind: Set(place::PlaceKind::City),
            ..Default::default()
        })
        .collect();
    place::Entity::insert_many(places).exec(&db).await.unwrap();
    let networks: Vec<network::ActiveModel> = (0..162)
        .map(|i| network::ActiveModel {
            slug: Set(format!("synthetic-network-{i}")),
            name: Set(format!("Synthetic Network {i}")),
            name_folded: Set(format!("synthetic network {i}")),
            ..Default::default()
        })
        .collect();
    network::Entity::insert_many(networks)
        .exec(&db)
        .await
        .unwrap();
    let (first_place, first_network) = (25, 19); // after the seed's 24 places and 18 networks
    let memberships: Vec<membership::ActiveModel> = (0..216)
        .flat_map(|i| [i % 162, (i * 7 + 3) % 162].map(move |n| (i, n)))
        .map(|(i, n)| membership::ActiveModel {
            place_id: Set(first_place + i),
            network_id: Set(first_network + n),
            role: Set(membership::MembershipRole::Member),
            ..Default::default()
        })
        .collect();
    for chunk in memberships.chunks(100) {
        membership::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing()
            .exec(&db)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_nested_query_costs_the_same_statements_on_ten_times_the_data() {
    let database = TestDatabase::new().await;
    // The data grows behind the server's back (straight into the database, not through its
    // write path), so the same query must be executed again, not answered from the cache.
    let app = TestApp::builder()
        .settings(database.settings_with(&[("RESPONSE_CACHE_BYTES", "0")]))
        .spawn()
        .await;

    let (on_seed, data) = statements_for(&app, NESTED).await;
    assert_eq!(
        on_seed, NESTED_STATEMENTS,
        "one page and one count statement per level"
    );
    assert_eq!(data["networks"]["nodes"].as_array().unwrap().len(), 18);

    grow_tenfold(&database).await;
    let (grown, data) = statements_for(&app, NESTED).await;
    assert_eq!(data["networks"]["nodes"].as_array().unwrap().len(), 50);
    let members: usize = data["networks"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["members"]["nodes"].as_array().unwrap().len())
        .sum();
    assert!(
        members > 50,
        "the grown data reaches the nested levels ({members} members)"
    );
    assert_eq!(
        grown, on_seed,
        "the statement count does not grow with the data"
    );
}

#[tokio::test]
async fn every_relation_is_batched() {
    let database = TestDatabase::new().await;
    let app = TestApp::builder()
        .settings(database.settings())
        .spawn()
        .await;
    // Each level below is one statement however many parents it has: cities (1), memberships
    // (1), their networks by id (1), the networks' events (1), the events' hosts by id (1), the
    // hosts' twins (1), and the twins' sources by id (1).
    let query = r#"{ cities(first: 100) { nodes { memberships(first: 20) { nodes { network {
        events(first: 5) { nodes { host { twinCities(first: 5) { nodes { source { key } } } } } }
    } } } } } }"#;
    let (statements, _) = statements_for(&app, query).await;
    assert_eq!(statements, 7);
}
