//! Relay pagination, forward and backward, at the root and nested, and its argument errors.

use serde_json::{json, Value};

use crate::helpers::{first_error_code, strings, TestApp, TestDatabase};

const CITY_PAGE: &str = r#"query($first: Int, $after: String, $last: Int, $before: String) {
    cities(first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { slug } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}"#;

const MEMBER_PAGE: &str = r#"query($first: Int, $after: String, $last: Int, $before: String) {
    network(slug: "international-city-network-for-crisis-management") {
        members(first: $first, after: $after, last: $last, before: $before) {
            totalCount
            edges { cursor node { slug } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        }
    }
}"#;

/// Pages through a connection with `first`, then with `last`; both must give the full list.
async fn walk(app: &TestApp, query: &str, path: &[&str], size: i64) -> (Vec<String>, Vec<String>) {
    let connection = |data: Value| path.iter().fold(data, |value, key| value[*key].clone());
    let slugs = |conn: &Value| -> Vec<String> {
        conn["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
            .collect()
    };

    let mut forward = Vec::new();
    let mut after = Value::Null;
    let mut first_page = true;
    loop {
        let conn = connection(
            app.data(query, json!({ "first": size, "after": after }))
                .await,
        );
        let page = slugs(&conn);
        assert!(page.len() as i64 <= size);
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], !first_page);
        if !page.is_empty() {
            assert_eq!(conn["pageInfo"]["startCursor"], conn["edges"][0]["cursor"]);
        }
        forward.extend(page);
        first_page = false;
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
        assert!(forward.len() < 1000, "pagination does not end");
    }

    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let conn = connection(
            app.data(query, json!({ "last": size, "before": before }))
                .await,
        );
        let mut page = slugs(&conn);
        assert!(page.len() as i64 <= size);
        page.extend(backward);
        backward = page;
        if conn["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = conn["pageInfo"]["startCursor"].clone();
        assert!(backward.len() < 1000, "pagination does not end");
    }
    (forward, backward)
}

fn assert_no_duplicates(items: &[String]) {
    let mut sorted = items.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), items.len(), "duplicates in {items:?}");
}

#[tokio::test]
async fn root_list_pages_forward_and_backward_without_gaps_or_duplicates() {
    let app = TestApp::builder().spawn().await;
    let all = app.data(CITY_PAGE, json!({ "first": 100 })).await;
    let all: Vec<String> = all["cities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), 24);
    for size in [1, 5, 7, 24] {
        let (forward, backward) = walk(&app, CITY_PAGE, &["cities"], size).await;
        assert_eq!(forward, all, "forward with pages of {size}");
        assert_eq!(backward, all, "backward with pages of {size}");
        assert_no_duplicates(&forward);
    }
}

#[tokio::test]
async fn nested_list_pages_forward_and_backward_without_gaps_or_duplicates() {
    let app = TestApp::builder().spawn().await;
    let path = ["network", "members"];
    let (all, _) = walk(&app, MEMBER_PAGE, &path, 100).await;
    assert_eq!(all.len(), 22);
    for size in [1, 3, 10] {
        let (forward, backward) = walk(&app, MEMBER_PAGE, &path, size).await;
        assert_eq!(forward, all);
        assert_eq!(backward, all);
    }
}

#[tokio::test]
async fn a_window_between_two_cursors_holds_exactly_the_rows_between_them() {
    let app = TestApp::builder().spawn().await;
    let all = app.data(CITY_PAGE, json!({ "first": 100 })).await;
    let edges = all["cities"]["edges"].as_array().unwrap().clone();
    let (after, before) = (&edges[3]["cursor"], &edges[10]["cursor"]);
    let expected: Vec<&Value> = edges[4..10].iter().map(|e| &e["node"]["slug"]).collect();

    let forward = app
        .data(
            CITY_PAGE,
            json!({ "first": 100, "after": after, "before": before }),
        )
        .await;
    let got: Vec<&Value> = forward["cities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["slug"])
        .collect();
    assert_eq!(got, expected);

    let last_two = app
        .data(
            CITY_PAGE,
            json!({ "last": 2, "after": after, "before": before }),
        )
        .await;
    let got: Vec<&Value> = last_two["cities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["slug"])
        .collect();
    assert_eq!(got, expected[4..6]);
    assert_eq!(last_two["cities"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(last_two["cities"]["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn nested_pages_are_per_parent() {
    let app = TestApp::builder().spawn().await;
    // Every network's first two members, in one request: each page is that network's own.
    let data = app
        .data(
            r#"{ networks(first: 100) { nodes { slug members(first: 2) {
                totalCount nodes { slug } pageInfo { hasNextPage }
            } } } }"#,
            json!({}),
        )
        .await;
    for network in data["networks"]["nodes"].as_array().unwrap() {
        let members = &network["members"];
        let total = members["totalCount"].as_i64().unwrap();
        let shown = strings(members, "slug");
        assert_eq!(shown.len() as i64, total.min(2), "{}", network["slug"]);
        assert_eq!(members["pageInfo"]["hasNextPage"], total > 2);
    }
    let crisis = data["networks"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["slug"] == "international-city-network-for-crisis-management")
        .unwrap();
    assert_eq!(strings(&crisis["members"], "slug"), ["vienna", "tallinn"]);
}

/// Nested pages over a generated world, with and without a filter, forward and backward:
/// every walk holds each member once, in one order, and the members are the places the root
/// list finds with the same filter (another statement) and as many as `totalCount` (a third);
/// a batch of every network's first page holds each network's own first rows.
#[tokio::test]
async fn nested_pages_over_a_generated_world_hold_every_member_once() {
    let database = TestDatabase::generated(citynet::generate::Plan {
        places: 300,
        networks: 8,
        memberships: 900,
        events: 4,
        seed: 3,
    })
    .await;
    let mut app = TestApp::builder()
        .settings(database.settings_with(&[("RATE_LIMIT_POINTS", "0")]))
        .spawn()
        .await;
    app.database = Some(database);
    let args = "first: $first, after: $after, last: $last, before: $before";
    let page = "totalCount edges { cursor node { slug } } \
                pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";
    let variables = "query($first: Int, $after: String, $last: Int, $before: String)";
    let networks = app
        .data("{ networks(first: 100) { nodes { slug } } }", json!({}))
        .await;
    let slugs = strings(&networks["networks"], "slug");
    assert_eq!(slugs.len(), 8);
    for filter in ["", "nameContains: \"e\""] {
        let batch = app
            .data(
                &format!(
                    "{{ networks(first: 100) {{ nodes {{ slug \
                     members(first: 5, filter: {{ {filter} }}) {{ nodes {{ slug }} }} }} }} }}"
                ),
                json!({}),
            )
            .await;
        for (at, slug) in slugs.iter().enumerate() {
            let nested = format!(
                "{variables} {{ network(slug: \"{slug}\") {{ \
                 members({args}, filter: {{ {filter} }}) {{ {page} }} }} }}"
            );
            let root = format!(
                "{variables} {{ cities({args}, filter: {{ memberOf: \"{slug}\" {filter} }}) \
                 {{ {page} }} }}"
            );
            let (all, _) = walk(&app, &nested, &["network", "members"], 100).await;
            let total = app.data(&nested, json!({ "first": 0 })).await["network"]["members"]
                ["totalCount"]
                .as_u64();
            assert_eq!(total, Some(all.len() as u64), "{slug} {filter}");
            assert_no_duplicates(&all);
            for size in [3, 25] {
                let (forward, backward) = walk(&app, &nested, &["network", "members"], size).await;
                assert_eq!(forward, all, "{slug} {filter}: forward in pages of {size}");
                assert_eq!(
                    backward, all,
                    "{slug} {filter}: backward in pages of {size}"
                );
            }
            let (mut by_root, _) = walk(&app, &root, &["cities"], 100).await;
            let mut members = all.clone();
            by_root.sort();
            members.sort();
            assert_eq!(members, by_root, "{slug} {filter}: the root list's places");
            let first_five = &batch["networks"]["nodes"][at];
            assert_eq!(&first_five["slug"], slug.as_str());
            let first: Vec<String> = all.iter().take(5).cloned().collect();
            assert_eq!(
                strings(&first_five["members"], "slug"),
                first,
                "{slug} {filter}"
            );
        }
    }
}

#[tokio::test]
async fn page_size_zero_returns_no_edges_but_counts() {
    let app = TestApp::builder().spawn().await;
    let data = app.data(CITY_PAGE, json!({ "first": 0 })).await;
    assert_eq!(data["cities"]["edges"], json!([]));
    assert_eq!(data["cities"]["totalCount"], 24);
    assert_eq!(data["cities"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(data["cities"]["pageInfo"]["endCursor"], Value::Null);
}

#[tokio::test]
async fn bad_pagination_arguments_are_rejected_with_codes() {
    let app = TestApp::builder().spawn().await;
    let cases = [
        (json!({ "first": 101 }), "BAD_USER_INPUT"),
        (json!({ "last": 1000000 }), "QUERY_TOO_COMPLEX"),
        (json!({ "first": -1 }), "BAD_USER_INPUT"),
        (json!({ "first": 2, "last": 2 }), "BAD_USER_INPUT"),
        (
            json!({ "first": 2, "after": "not-a-cursor" }),
            "INVALID_CURSOR",
        ),
        (
            json!({ "last": 2, "before": "eyJsIjoiZXZlbnRzIiwiayI6MX0" }),
            "INVALID_CURSOR",
        ),
    ];
    for (variables, code) in cases {
        let body = app.gql(CITY_PAGE, variables.clone()).await;
        assert_eq!(first_error_code(&body), code, "{variables}: {body:#}");
        assert_eq!(body["data"], Value::Null, "{variables}");
    }
    // A cursor from another list (here: a membership cursor) is refused for cities.
    let members = app.data(MEMBER_PAGE, json!({ "first": 1 })).await;
    let foreign = &members["network"]["members"]["pageInfo"]["endCursor"];
    let body = app
        .gql(CITY_PAGE, json!({ "first": 1, "after": foreign }))
        .await;
    assert_eq!(first_error_code(&body), "INVALID_CURSOR");
}

#[tokio::test]
async fn an_out_of_range_integer_is_a_validation_error() {
    let app = TestApp::builder().spawn().await;
    let body = app
        .gql("{ cities(first: 99999999999) { totalCount } }", json!({}))
        .await;
    assert!(
        body["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "{body:#}"
    );
    assert!(body.get("data").is_none() || body["data"].is_null());
}
