//! Search and graph questions answered from the seed data, with answers the documents give.

use serde_json::{json, Value};

use crate::helpers::{first_error_code, strings, TestApp};

const SEARCH: &str = r#"query($q: String!, $first: Int) { search(query: $q, first: $first) {
    __typename
    ... on City { slug }
    ... on Network { slug }
    ... on Event { title }
} }"#;

fn labels(results: &Value) -> Vec<String> {
    results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let label = r.get("slug").or_else(|| r.get("title")).unwrap();
            format!(
                "{}:{}",
                r["__typename"].as_str().unwrap(),
                label.as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn search_finds_places_networks_and_events_ignoring_case_and_diacritics() {
    let app = TestApp::builder().spawn().await;
    let search = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move { labels(&app.data(SEARCH, json!({ "q": q })).await["search"]) }
    };
    assert_eq!(search("dusseldorf").await, ["City:dusseldorf"]);
    assert_eq!(search("DÜSSELDORF").await, ["City:dusseldorf"]);
    assert_eq!(
        search("düss").await,
        ["City:dusseldorf"],
        "word prefixes match"
    );
    assert_eq!(search("UBC").await, ["Network:ubc"], "acronyms");
    let peace = search("peace").await;
    assert!(
        peace.contains(&"Network:iapmc".to_owned())
            && peace.contains(&"Network:mayors-for-peace".to_owned())
    );
    let covid = search("covid").await;
    assert_eq!(covid.len(), 1, "event topics: {covid:?}");
    assert!(covid[0].starts_with("Event:International Crisis Conference"));
    // Names rank above descriptions: "Climate Alliance" is named for climate, C40 only described.
    let climate = search("climate").await;
    assert_eq!(climate[0], "Network:climate-alliance", "{climate:?}");
    assert!(climate.contains(&"Network:c40".to_owned()));
    // Names that begin with the query come first, and a match is listed once though both the
    // name range and the full-text ranking find it.
    let mut unique = climate.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), climate.len(), "{climate:?}");
    let by_prefix = search("b").await;
    let position = |label: &str| by_prefix.iter().position(|found| found == label);
    assert!(
        position("City:berlin") < position("Network:ubc") && position("Network:ubc").is_some(),
        "Berlin begins with b, the Union of the Baltic Cities only has such a word: {by_prefix:?}"
    );
    assert_eq!(
        search("crisis management network").await[0],
        "Network:international-city-network-for-crisis-management"
    );
    assert!(search("atlantis").await.is_empty());
    let limited = app.data(SEARCH, json!({ "q": "e", "first": 2 })).await;
    assert_eq!(limited["search"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn search_rejects_empty_queries_and_wild_limits() {
    let app = TestApp::builder().spawn().await;
    for (q, first) in [("", 10), ("  *?\"  ", 10), ("berlin", 101), ("berlin", -1)] {
        let body = app.gql(SEARCH, json!({ "q": q, "first": first })).await;
        assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{q:?} {first}");
    }
    // Query syntax of the search engines is just text here.
    let body = app
        .gql(SEARCH, json!({ "q": "berlin OR NEAR(\"x\") -- ' ;" }))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
}

#[tokio::test]
async fn rostock_and_berlin_share_exactly_one_network() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{
                sharedNetworks(a: "rostock", b: "berlin") { totalCount nodes { slug } }
                none: sharedNetworks(a: "gdansk", b: "berlin") { totalCount }
                climate: sharedNetworks(a: "rostock", b: "berlin", filter: { topics: ["climate"] }) { totalCount }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["sharedNetworks"]["totalCount"], 1);
    assert_eq!(
        strings(&data["sharedNetworks"], "slug"),
        ["international-city-network-for-crisis-management"]
    );
    assert_eq!(data["none"]["totalCount"], 0);
    assert_eq!(data["climate"]["totalCount"], 0);
}

#[tokio::test]
async fn partners_are_ordered_by_shared_networks_and_page_like_any_list() {
    let app = TestApp::builder().spawn().await;
    let query = r#"query($slug: String!, $first: Int, $after: String) {
        city(slug: $slug) { partners(first: $first, after: $after) {
            totalCount
            pageInfo { hasNextPage endCursor }
            nodes { sharedNetworkCount city { slug } sharedNetworks { slug } }
        } }
    }"#;
    let data = app
        .data(query, json!({ "slug": "berlin", "first": 100 }))
        .await;
    let partners = &data["city"]["partners"];
    // Berlin shares only the crisis network, with its 21 other members.
    assert_eq!(partners["totalCount"], 21);
    let nodes = partners["nodes"].as_array().unwrap();
    assert!(nodes.iter().all(|p| p["sharedNetworkCount"] == 1));
    assert!(nodes.iter().all(|p| p["sharedNetworks"]
        == json!([{ "slug": "international-city-network-for-crisis-management" }])));

    let rostock = app
        .data(query, json!({ "slug": "rostock", "first": 100 }))
        .await;
    let partners = rostock["city"]["partners"]["nodes"].as_array().unwrap();
    assert_eq!(
        rostock["city"]["partners"]["totalCount"], 22,
        "21 crisis partners and Dunkirk"
    );
    let dunkirk = partners
        .iter()
        .find(|p| p["city"]["slug"] == "dunkirk")
        .unwrap();
    assert_eq!(
        dunkirk["sharedNetworks"],
        json!([{ "slug": "memory-cities" }])
    );
    let counts: Vec<i64> = partners
        .iter()
        .map(|p| p["sharedNetworkCount"].as_i64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "most shared first");

    // Paging through partners gives the same list.
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .data(
                query,
                json!({ "slug": "rostock", "first": 5, "after": after }),
            )
            .await;
        let page = &page["city"]["partners"];
        paged.extend(
            page["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["city"]["slug"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let all: Vec<Value> = partners.iter().map(|p| p["city"]["slug"].clone()).collect();
    assert_eq!(paged, all);
}

#[tokio::test]
async fn the_shortest_chain_between_two_places() {
    let app = TestApp::builder().spawn().await;
    let query = r#"query($from: String!, $to: String!) { connection(from: $from, to: $to) {
        length places { slug } networks { slug } steps { from { slug } network { slug } to { slug } }
    } }"#;
    let direct = app
        .data(query, json!({ "from": "rostock", "to": "berlin" }))
        .await;
    assert_eq!(direct["connection"]["length"], 1);
    assert_eq!(
        direct["connection"]["places"],
        json!([{ "slug": "rostock" }, { "slug": "berlin" }])
    );

    let two = app
        .data(query, json!({ "from": "dunkirk", "to": "berlin" }))
        .await;
    let path = &two["connection"];
    assert_eq!(path["length"], 2);
    assert_eq!(
        path["places"],
        json!([{ "slug": "dunkirk" }, { "slug": "rostock" }, { "slug": "berlin" }])
    );
    assert_eq!(
        path["networks"],
        json!([{ "slug": "memory-cities" }, { "slug": "international-city-network-for-crisis-management" }])
    );
    assert_eq!(path["steps"][1]["from"]["slug"], "rostock");

    let same = app
        .data(query, json!({ "from": "paris", "to": "paris" }))
        .await;
    assert_eq!(same["connection"]["length"], 0);
    // Gdansk belongs to no network: no chain.
    let none = app
        .data(query, json!({ "from": "gdansk", "to": "berlin" }))
        .await;
    assert_eq!(none["connection"], Value::Null);
    let body = app
        .gql(query, json!({ "from": "atlantis", "to": "berlin" }))
        .await;
    assert_eq!(first_error_code(&body), "NOT_FOUND");
}

#[tokio::test]
async fn aggregates_per_network_and_per_place() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{
                network(slug: "international-city-network-for-crisis-management") {
                    memberCountByCountry { countryCode count }
                    memberCountByKind { kind count }
                }
                rostock: city(slug: "rostock") { networkCount eventCount }
                berlin: city(slug: "berlin") { networkCount eventCount }
                gdansk: city(slug: "gdansk") { networkCount eventCount }
            }"#,
            json!({}),
        )
        .await;
    let by_country = data["network"]["memberCountByCountry"].as_array().unwrap();
    assert_eq!(by_country[0], json!({ "countryCode": "DE", "count": 4 }));
    assert_eq!(by_country[1], json!({ "countryCode": "PL", "count": 3 }));
    let total: i64 = by_country
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 22);
    assert_eq!(
        data["network"]["memberCountByKind"],
        json!([{ "kind": "CITY", "count": 21 }, { "kind": "REGION", "count": 1 }])
    );
    assert_eq!(
        data["rostock"],
        json!({ "networkCount": 4, "eventCount": 2 })
    );
    assert_eq!(
        data["berlin"],
        json!({ "networkCount": 15, "eventCount": 1 })
    );
    assert_eq!(
        data["gdansk"],
        json!({ "networkCount": 0, "eventCount": 1 })
    );
}
