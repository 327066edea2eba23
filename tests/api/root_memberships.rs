//! `memberships` at the root: the table of who belongs to what, paged and filtered like every
//! root list, agreeing with the memberships reached through networks and places.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::{first_error_code, TestApp};

const PAGE: &str = "query($first: Int, $after: String, $filter: MembershipFilter, \
                    $orderBy: MembershipOrder) { \
                    memberships(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { \
                    totalCount pageInfo { hasNextPage endCursor } \
                    nodes { id since role city { slug countryCode } network { slug } } } }";

/// Every membership the root list gives for `filter`, page by page (`first` at a time).
async fn all_pages(app: &TestApp, first: i32, filter: Value, order_by: Value) -> (Vec<Value>, u64) {
    let mut rows = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .data(
                PAGE,
                json!({ "first": first, "after": after, "filter": filter, "orderBy": order_by }),
            )
            .await;
        let page = &data["memberships"];
        rows.extend(page["nodes"].as_array().expect("nodes").iter().cloned());
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return (rows, page["totalCount"].as_u64().expect("a count"));
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .map(|row| row["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// The ids of the memberships reached network by network.
async fn ids_through_networks(app: &TestApp) -> BTreeSet<String> {
    let data = app
        .data(
            "{ networks(first: 100) { nodes { memberships(first: 100) { nodes { id } } } } }",
            json!({}),
        )
        .await;
    data["networks"]["nodes"]
        .as_array()
        .expect("networks")
        .iter()
        .flat_map(|network| {
            network["memberships"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|node| node["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn pages_every_membership_once() {
    let app = TestApp::builder().spawn().await;
    let (rows, total) = all_pages(&app, 7, Value::Null, Value::Null).await;
    let through_networks = ids_through_networks(&app).await;
    assert_eq!(rows.len() as u64, total);
    assert_eq!(ids(&rows).len(), rows.len(), "an id came twice");
    assert_eq!(ids(&rows), through_networks);
    // The documents state 40 memberships (tests/api/seed_facts.rs has them one by one).
    assert_eq!(total, 40);
}

#[tokio::test]
async fn filters_by_network_place_country_role_and_year() {
    let app = TestApp::builder().spawn().await;
    let (all, _) = all_pages(&app, 100, Value::Null, Value::Null).await;
    let expect = |keep: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        ids(&all
            .iter()
            .filter(|row| keep(row))
            .cloned()
            .collect::<Vec<_>>())
    };
    let cases: Vec<(Value, BTreeSet<String>)> = vec![
        (
            json!({ "network": "ubc" }),
            expect(&|r| r["network"]["slug"] == "ubc"),
        ),
        (
            json!({ "place": "berlin" }),
            expect(&|r| r["city"]["slug"] == "berlin"),
        ),
        (
            json!({ "countryCodes": ["de"] }),
            expect(&|r| r["city"]["countryCode"] == "DE"),
        ),
        (
            json!({ "roles": ["FOUNDING_MEMBER", "CO_FOUNDER"] }),
            expect(&|r| r["role"] == "FOUNDING_MEMBER" || r["role"] == "CO_FOUNDER"),
        ),
        (
            json!({ "sinceFrom": 1990, "sinceTo": 2000 }),
            expect(&|r| {
                r["since"]
                    .as_i64()
                    .is_some_and(|y| (1990..=2000).contains(&y))
            }),
        ),
        (
            json!({ "place": "rostock", "not": { "network": "ubc" } }),
            expect(&|r| r["city"]["slug"] == "rostock" && r["network"]["slug"] != "ubc"),
        ),
    ];
    for (filter, expected) in cases {
        assert!(
            !expected.is_empty(),
            "{filter}: the seed has none, so this proves nothing"
        );
        let (rows, total) = all_pages(&app, 100, filter.clone(), Value::Null).await;
        assert_eq!(ids(&rows), expected, "{filter}");
        assert_eq!(total, expected.len() as u64, "{filter}");
    }
}

#[tokio::test]
async fn orders_by_year_and_pages_in_that_order() {
    let app = TestApp::builder().spawn().await;
    let order = json!({ "field": "SINCE", "direction": "DESC" });
    let (rows, total) = all_pages(&app, 6, Value::Null, order).await;
    assert_eq!(rows.len() as u64, total);
    let years: Vec<Option<i64>> = rows.iter().map(|row| row["since"].as_i64()).collect();
    let known: Vec<i64> = years.iter().flatten().copied().collect();
    assert!(known.windows(2).all(|pair| pair[0] >= pair[1]), "{years:?}");
    let first_unknown = years
        .iter()
        .position(Option::is_none)
        .unwrap_or(years.len());
    assert!(
        years[first_unknown..].iter().all(Option::is_none),
        "no year comes last: {years:?}"
    );
}

#[tokio::test]
async fn is_bounded_like_every_list() {
    let app = TestApp::builder().spawn().await;
    let body = app
        .gql("{ memberships(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body}");
    let body = app
        .gql(
            r#"{ memberships(after: "nonsense") { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(first_error_code(&body), "INVALID_CURSOR", "{body}");
}
