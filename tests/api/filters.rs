//! Filters and orderings, at the root and nested, with cursors that stay valid across pages.

use serde_json::{json, Value};

use crate::helpers::{first_error_code, strings, TestApp};

const CITIES: &str = r#"query($filter: CityFilter, $orderBy: CityOrder, $first: Int, $after: String,
        $last: Int, $before: String) {
    cities(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
           before: $before) {
        totalCount
        nodes { slug name latitude }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}"#;

const NETWORKS: &str = r#"query($filter: NetworkFilter, $orderBy: NetworkOrder, $first: Int,
        $after: String, $last: Int, $before: String) {
    networks(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
             before: $before) {
        totalCount
        nodes { slug foundedYear reportedMemberCount }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}"#;

/// Events have no slug: their title stands in for it in the page walker.
const EVENT_SLUGS: &str = r#"query($orderBy: EventOrder, $first: Int, $after: String, $last: Int,
        $before: String) {
    events(orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        nodes { slug: title }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}"#;

const EVENTS: &str = r#"query($filter: EventFilter, $orderBy: EventOrder) {
    events(filter: $filter, orderBy: $orderBy) { totalCount nodes { title year kind } }
}"#;

async fn slugs(app: &TestApp, query: &str, root: &str, variables: Value) -> Vec<String> {
    let data = app.data(query, variables).await;
    let list = strings(&data[root], "slug");
    assert_eq!(
        data[root]["totalCount"],
        list.len(),
        "totalCount counts the filtered list"
    );
    list
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

#[tokio::test]
async fn city_filters() {
    let app = TestApp::builder().spawn().await;
    let cities = |filter: Value| {
        let app = &app;
        async move { sorted(slugs(app, CITIES, "cities", json!({ "filter": filter })).await) }
    };
    assert_eq!(
        cities(json!({ "nameContains": "dusseldorf" })).await,
        ["dusseldorf"]
    );
    assert_eq!(
        cities(json!({ "nameContains": "DÜSSEL" })).await,
        ["dusseldorf"]
    );
    assert_eq!(
        cities(json!({ "nameContains": "%" })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        cities(json!({ "countryCodes": ["pl"] })).await,
        ["gdansk", "krakow", "masovian-voivodeship", "warsaw"]
    );
    assert_eq!(
        cities(json!({ "kind": "REGION" })).await,
        ["masovian-voivodeship"]
    );
    assert_eq!(cities(json!({ "memberOf": "ubc" })).await, ["rostock"]);
    assert_eq!(
        cities(json!({ "memberOf": "no-such-network" })).await,
        Vec::<String>::new()
    );
    assert_eq!(
        cities(json!({ "minNetworks": 2 })).await,
        ["berlin", "rostock"]
    );
    assert_eq!(cities(json!({ "maxNetworks": 0 })).await, ["gdansk"]);
    assert_eq!(
        cities(json!({ "or": [{ "countryCodes": ["FR"] }, { "kind": "REGION" }] })).await,
        ["bordeaux", "dunkirk", "masovian-voivodeship", "paris"]
    );
    let not_german = cities(json!({ "not": { "countryCodes": ["DE"] } })).await;
    assert_eq!(not_german.len(), 20);
    assert!(!not_german.contains(&"berlin".to_owned()));
    assert_eq!(
        cities(json!({ "and": [{ "countryCodes": ["DE"] }, { "minNetworks": 2 }] })).await,
        ["berlin", "rostock"]
    );
}

#[tokio::test]
async fn network_and_event_filters() {
    let app = TestApp::builder().spawn().await;
    let networks = |filter: Value| {
        let app = &app;
        async move { sorted(slugs(app, NETWORKS, "networks", json!({ "filter": filter })).await) }
    };
    assert_eq!(
        networks(json!({ "topics": ["peace"] })).await,
        ["iapmc", "mayors-for-peace"]
    );
    assert_eq!(
        networks(json!({ "foundedFrom": 2000 })).await,
        ["fast-track-cities", "memory-cities"]
    );
    assert_eq!(
        networks(json!({ "foundedFrom": 1990, "foundedTo": 1995 })).await,
        ["ubc"]
    );
    assert_eq!(networks(json!({ "hasMember": "rostock" })).await.len(), 4);
    assert_eq!(networks(json!({ "hasMember": "berlin" })).await.len(), 15);
    assert_eq!(
        networks(json!({ "reportedMemberCountMin": 100, "reportedMemberCountMax": 200 })).await,
        ["eccar", "metropolis", "ubc"]
    );
    assert_eq!(
        networks(json!({ "nameContains": "baltic" })).await,
        ["baltmet", "ubc"]
    );
    assert_eq!(
        networks(json!({ "nameContains": "eccar" })).await,
        ["eccar"]
    );

    let events = |filter: Value| {
        let app = &app;
        async move {
            let data = app.data(EVENTS, json!({ "filter": filter })).await;
            data["events"]["totalCount"].as_i64().unwrap()
        }
    };
    assert_eq!(events(json!({ "kinds": ["FOUNDING"] })).await, 3);
    assert_eq!(events(json!({ "kinds": ["FOUNDING", "LAUNCH"] })).await, 4);
    assert_eq!(events(json!({ "yearFrom": 2010 })).await, 3);
    assert_eq!(events(json!({ "host": "rostock" })).await, 1);
    assert_eq!(events(json!({ "participant": "berlin" })).await, 1);
    assert_eq!(events(json!({ "network": "ubc" })).await, 1);
    assert_eq!(
        events(json!({ "not": { "kinds": ["CONFERENCE"] }, "yearTo": 2000 })).await,
        2
    );
}

#[tokio::test]
async fn nested_lists_filter_count_and_order() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{
                network(slug: "international-city-network-for-crisis-management") {
                    germans: members(filter: { countryCodes: ["DE"] }) { totalCount nodes { slug } }
                    byName: members(orderBy: { field: NAME }, first: 3) { nodes { name } }
                    lastByName: members(orderBy: { field: NAME, direction: DESC }, first: 2) {
                        nodes { name } }
                }
                city(slug: "berlin") {
                    networks(orderBy: { field: NAME }, filter: { topics: ["climate"] }) {
                        totalCount nodes { name } }
                    memberships(filter: { roles: [FOUNDING_MEMBER] }) {
                        totalCount nodes { network { slug } } }
                }
            }"#,
            json!({}),
        )
        .await;
    let crisis = &data["network"];
    assert_eq!(crisis["germans"]["totalCount"], 4);
    assert_eq!(
        strings(&crisis["germans"], "slug"),
        ["dusseldorf", "berlin", "hamburg", "rostock"],
        "recorded order when no ordering is asked for"
    );
    assert_eq!(
        strings(&crisis["byName"], "name"),
        ["Berlin", "Bordeaux", "Budapest"]
    );
    assert_eq!(strings(&crisis["lastByName"], "name"), ["Zagreb", "Warsaw"]);
    let berlin = &data["city"];
    assert_eq!(berlin["networks"]["totalCount"], 2);
    assert_eq!(
        strings(&berlin["networks"], "name"),
        ["C40", "Climate Alliance"]
    );
    assert_eq!(berlin["memberships"]["totalCount"], 1);
    assert_eq!(berlin["memberships"]["nodes"][0]["network"]["slug"], "c40");
}

#[tokio::test]
async fn orderings_sort_case_and_diacritics_insensitively_with_nulls_last() {
    let app = TestApp::builder().spawn().await;
    let by_name = app
        .data(CITIES, json!({ "orderBy": { "field": "NAME" } }))
        .await;
    let names = strings(&by_name["cities"], "name");
    let mut expected = names.clone();
    expected.sort_by_key(|name| name.to_lowercase().replace('ü', "u"));
    assert_eq!(names, expected);
    assert_eq!(names[..3], ["Berlin", "Bordeaux", "Budapest"]);

    for direction in ["ASC", "DESC"] {
        let data = app
            .data(
                CITIES,
                json!({ "orderBy": { "field": "LATITUDE", "direction": direction } }),
            )
            .await;
        let nodes = data["cities"]["nodes"].as_array().unwrap();
        let latitudes: Vec<f64> = nodes
            .iter()
            .filter_map(|n| n["latitude"].as_f64())
            .collect();
        assert_eq!(latitudes.len(), 23);
        let ordered = latitudes.windows(2).all(|w| {
            if direction == "ASC" {
                w[0] <= w[1]
            } else {
                w[0] >= w[1]
            }
        });
        assert!(ordered, "{direction}: {latitudes:?}");
        assert_eq!(
            nodes[23]["slug"], "masovian-voivodeship",
            "no coordinates: last"
        );
    }

    let data = app
        .data(
            NETWORKS,
            json!({ "orderBy": { "field": "FOUNDED_YEAR", "direction": "DESC" } }),
        )
        .await;
    let years: Vec<Value> = data["networks"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["foundedYear"].clone())
        .collect();
    assert_eq!(
        years[..5],
        [
            json!(2016),
            json!(2014),
            json!(1991),
            json!(1986),
            Value::Null
        ]
    );
}

/// Pages through `query` with the given filter and ordering, forward then backward.
async fn walk(
    app: &TestApp,
    query: &str,
    root: &str,
    base: Value,
    size: i64,
) -> (Vec<String>, Vec<String>) {
    let with = |extra: Value| {
        let mut variables = base.clone();
        for (key, value) in extra.as_object().unwrap() {
            variables[key] = value.clone();
        }
        variables
    };
    let (mut forward, mut after) = (Vec::new(), Value::Null);
    loop {
        let data = app
            .data(query, with(json!({ "first": size, "after": after })))
            .await;
        forward.extend(strings(&data[root], "slug"));
        if data[root]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = data[root]["pageInfo"]["endCursor"].clone();
        assert!(forward.len() < 500);
    }
    let (mut backward, mut before) = (Vec::new(), Value::Null);
    loop {
        let data = app
            .data(query, with(json!({ "last": size, "before": before })))
            .await;
        let mut page = strings(&data[root], "slug");
        page.extend(backward);
        backward = page;
        if data[root]["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = data[root]["pageInfo"]["startCursor"].clone();
        assert!(backward.len() < 500);
    }
    (forward, backward)
}

#[tokio::test]
async fn cursors_stay_valid_under_filters_and_orderings() {
    let app = TestApp::builder().spawn().await;
    let cases = [
        (CITIES, "cities", json!({ "orderBy": { "field": "NAME" } })),
        (
            CITIES,
            "cities",
            json!({ "orderBy": { "field": "LATITUDE", "direction": "DESC" } }),
        ),
        (
            CITIES,
            "cities",
            json!({ "orderBy": { "field": "COUNTRY_CODE" } }),
        ),
        (
            CITIES,
            "cities",
            json!({ "orderBy": { "field": "KIND" }, "filter": { "not": { "countryCodes": ["DE"] } } }),
        ),
        (
            NETWORKS,
            "networks",
            json!({ "orderBy": { "field": "FOUNDED_YEAR" } }),
        ),
        (
            NETWORKS,
            "networks",
            json!({ "orderBy": { "field": "REPORTED_MEMBER_COUNT", "direction": "DESC" } }),
        ),
        (
            NETWORKS,
            "networks",
            json!({ "orderBy": { "field": "ACRONYM" }, "filter": { "hasMember": "berlin" } }),
        ),
        (
            EVENT_SLUGS,
            "events",
            json!({ "orderBy": { "field": "REPORTED_PARTICIPANT_COUNT", "direction": "DESC" } }),
        ),
        (
            EVENT_SLUGS,
            "events",
            json!({ "orderBy": { "field": "TOPIC" } }),
        ),
    ];
    for (query, root, base) in cases {
        let everything = app.data(query, with_first_100(&base)).await;
        let all = strings(&everything[root], "slug");
        for size in [1, 2, 5] {
            let (forward, backward) = walk(&app, query, root, base.clone(), size).await;
            assert_eq!(forward, all, "forward, pages of {size}: {base}");
            assert_eq!(backward, all, "backward, pages of {size}: {base}");
        }
    }
}

fn with_first_100(base: &Value) -> Value {
    let mut variables = base.clone();
    variables["first"] = json!(100);
    variables
}

#[tokio::test]
async fn a_cursor_from_another_ordering_or_a_forged_one_is_refused() {
    let app = TestApp::builder().spawn().await;
    let by_name = app
        .data(
            CITIES,
            json!({ "orderBy": { "field": "NAME" }, "first": 2 }),
        )
        .await;
    let cursor = by_name["cities"]["pageInfo"]["endCursor"].clone();
    for other in [
        json!(null),
        json!({ "field": "NAME", "direction": "DESC" }),
        json!({ "field": "SLUG" }),
    ] {
        let body = app
            .gql(
                CITIES,
                json!({ "orderBy": other, "first": 2, "after": cursor }),
            )
            .await;
        assert_eq!(first_error_code(&body), "INVALID_CURSOR", "{other}");
    }
    // Forged: right list and ordering, but a number where the name should be.
    let forged = base64_url(r#"{"l":"places","o":"name_folded:asc","v":5,"k":1}"#);
    let body = app
        .gql(
            CITIES,
            json!({ "orderBy": { "field": "NAME" }, "first": 2, "after": forged }),
        )
        .await;
    assert_eq!(first_error_code(&body), "INVALID_CURSOR");
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn bad_filters_are_rejected_with_codes() {
    let app = TestApp::builder().spawn().await;
    let mut deep = json!({ "kind": "CITY" });
    for _ in 0..6 {
        deep = json!({ "not": deep });
    }
    let body = app.gql(CITIES, json!({ "filter": deep })).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    let many: Vec<String> = (0..101).map(|i| format!("C{i}")).collect();
    let body = app
        .gql(CITIES, json!({ "filter": { "countryCodes": many } }))
        .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    let body = app
        .gql(CITIES, json!({ "filter": { "kind": "VILLAGE" } }))
        .await;
    assert!(body["errors"].as_array().is_some_and(|e| !e.is_empty()));
    assert!(body["data"].is_null());
}
