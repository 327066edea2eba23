//! The facts the two source documents state are all there, as a client sees them.

use serde_json::{json, Value};

use crate::helpers::{strings, TestApp};

const CRISIS_NETWORK: &str = "international-city-network-for-crisis-management";

#[tokio::test]
async fn the_crisis_network_has_its_22_named_members() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"query($slug: String!) { network(slug: $slug) {
                name reportedMemberCount topics
                members(first: 100) { totalCount nodes { slug name kind countryCode } }
            } }"#,
            json!({ "slug": CRISIS_NETWORK }),
        )
        .await;
    let network = &data["network"];
    assert_eq!(
        network["name"],
        "International City Network for Crisis Management"
    );
    assert_eq!(network["reportedMemberCount"], 22);
    assert_eq!(network["members"]["totalCount"], 22);
    let names = strings(&network["members"], "name");
    let expected = [
        "Vienna",
        "Tallinn",
        "Tel Aviv-Yafo",
        "Moscow",
        "Prague",
        "Ljubljana",
        "Zagreb",
        "Warsaw",
        "Masovian Voivodeship",
        "Nis",
        "Budapest",
        "Krakow",
        "Düsseldorf",
        "Berlin",
        "Paris",
        "Riga",
        "Vilnius",
        "Helsinki",
        "Hamburg",
        "Bordeaux",
        "Rostock",
        "Odessa",
    ];
    assert_eq!(names, expected, "members in the document's order");
    let members = network["members"]["nodes"].as_array().unwrap();
    let regions: Vec<&Value> = members.iter().filter(|m| m["kind"] == "REGION").collect();
    assert_eq!(regions.len(), 1);
    assert_eq!(regions[0]["name"], "Masovian Voivodeship");
    let dusseldorf = members.iter().find(|m| m["name"] == "Düsseldorf").unwrap();
    assert_eq!(dusseldorf["slug"], "dusseldorf");
    assert_eq!(dusseldorf["countryCode"], "DE");
    assert!(network["topics"]
        .as_array()
        .unwrap()
        .contains(&json!("crisis management")));
}

#[tokio::test]
async fn rostock_belongs_to_four_networks_with_roles_years_and_representative() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ city(slug: "rostock") {
                name countryCode source { key publisher }
                memberships { totalCount nodes {
                    role since representedBy source { key }
                    network { slug acronym foundedYear foundedIn { slug } reportedMemberCount }
                } }
            } }"#,
            json!({}),
        )
        .await;
    let rostock = &data["city"];
    assert_eq!(rostock["countryCode"], "DE");
    assert_eq!(rostock["source"]["key"], "rostock");
    assert_eq!(rostock["memberships"]["totalCount"], 4);
    let memberships = rostock["memberships"]["nodes"].as_array().unwrap();
    let by_network = |slug: &str| {
        memberships
            .iter()
            .find(|m| m["network"]["slug"] == slug)
            .unwrap_or_else(|| panic!("Rostock is in {slug}"))
    };
    let crisis = by_network(CRISIS_NETWORK);
    assert_eq!(crisis["role"], "MEMBER");
    assert_eq!(crisis["since"], 2016);
    assert_eq!(crisis["representedBy"], "Rostock Fire Department");

    let ubc = by_network("ubc");
    assert_eq!(ubc["role"], "CO_FOUNDER");
    assert_eq!(ubc["since"], 1991);
    assert_eq!(ubc["network"]["acronym"], "UBC");
    assert_eq!(ubc["network"]["foundedYear"], 1991);
    assert_eq!(ubc["network"]["foundedIn"]["slug"], "gdansk");
    assert_eq!(ubc["network"]["reportedMemberCount"], 100);

    let iapmc = by_network("iapmc");
    assert_eq!(iapmc["network"]["foundedYear"], 1986);
    assert_eq!(iapmc["network"]["foundedIn"], Value::Null);

    let memory = by_network("memory-cities");
    assert_eq!(memory["network"]["foundedYear"], 2016);
    for membership in memberships {
        assert_eq!(membership["source"]["key"], "rostock");
    }
}

#[tokio::test]
async fn dunkirk_initiated_memory_cities_and_is_rostocks_twin_from_both_sides() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{
                dunkirk: city(slug: "dunkirk") {
                    memberships { nodes { role since network { slug } } }
                    twinCities { totalCount nodes { slug } }
                }
                rostock: city(slug: "rostock") { twinCities { totalCount nodes { slug } } }
            }"#,
            json!({}),
        )
        .await;
    let memberships = &data["dunkirk"]["memberships"]["nodes"];
    assert_eq!(
        memberships,
        &json!([{ "role": "INITIATOR", "since": 2016, "network": { "slug": "memory-cities" } }])
    );
    assert_eq!(strings(&data["dunkirk"]["twinCities"], "slug"), ["rostock"]);
    assert_eq!(strings(&data["rostock"]["twinCities"], "slug"), ["dunkirk"]);
}

#[tokio::test]
async fn berlin_has_its_fourteen_networks_plus_the_crisis_network() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ city(slug: "berlin") { memberships(first: 100) { totalCount nodes {
                role since source { key } network { slug name acronym reportedMemberCount }
            } } } }"#,
            json!({}),
        )
        .await;
    let memberships = data["city"]["memberships"]["nodes"].as_array().unwrap();
    assert_eq!(data["city"]["memberships"]["totalCount"], 15);
    let from_berlin_page: Vec<&Value> = memberships
        .iter()
        .filter(|m| m["source"]["key"] == "berlin")
        .collect();
    assert_eq!(from_berlin_page.len(), 14, "the fourteen on Berlin's page");
    let acronyms: Vec<&str> = from_berlin_page
        .iter()
        .filter_map(|m| m["network"]["acronym"].as_str())
        .collect();
    assert_eq!(
        acronyms,
        ["BaltMet", "ECCAR", "ICORN", "OWHC", "RCN", "UCUE"]
    );
    let find = |slug: &str| {
        memberships
            .iter()
            .find(|m| m["network"]["slug"] == slug)
            .unwrap_or_else(|| panic!("Berlin is in {slug}"))
    };
    assert_eq!(find("c40")["role"], "FOUNDING_MEMBER");
    assert_eq!(find("eccar")["since"], 2006);
    assert_eq!(find("eccar")["network"]["reportedMemberCount"], 130);
    assert_eq!(
        find("climate-alliance")["network"]["reportedMemberCount"],
        1500
    );
    assert_eq!(find("metropolis")["network"]["reportedMemberCount"], 142);
    assert_eq!(find("owhc")["network"]["reportedMemberCount"], 300);
    assert_eq!(
        find("eurocities")["network"]["reportedMemberCount"],
        Value::Null
    );
    assert_eq!(find(CRISIS_NETWORK)["source"]["key"], "rostock");
    let others: Vec<&Value> = memberships
        .iter()
        .filter(|m| m["network"]["slug"] != "c40")
        .collect();
    assert!(others.iter().all(|m| m["role"] == "MEMBER"));
}

#[tokio::test]
async fn rostock_hosted_the_2021_crisis_conference_with_eight_cities() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ city(slug: "rostock") { hostedEvents { totalCount nodes {
                kind title year topic reportedParticipantCount evidence { kind quote }
                network { slug } host { slug }
                participants { totalCount nodes { slug } }
            } } } }"#,
            json!({}),
        )
        .await;
    let events = &data["city"]["hostedEvents"];
    assert_eq!(events["totalCount"], 1);
    let conference = &events["nodes"][0];
    assert_eq!(conference["kind"], "CONFERENCE");
    assert_eq!(conference["year"], 2021);
    assert_eq!(conference["topic"], "Covid-19 pandemic");
    assert_eq!(conference["reportedParticipantCount"], 8);
    assert_eq!(conference["network"]["slug"], CRISIS_NETWORK);
    assert_eq!(conference["host"]["slug"], "rostock");
    assert_eq!(strings(&conference["participants"], "slug"), ["rostock"]);
    assert!(conference["title"]
        .as_str()
        .unwrap()
        .contains("Security in Cities in the 21st Century"));
    // The topic and the count rest on the second sentence: the evidence quotes it too.
    let quote = conference["evidence"]["quote"].as_str().expect("a quote");
    assert!(
        quote.starts_with("In 2021 Rostock hosted the annual conference."),
        "{quote}"
    );
    assert!(quote.contains("seven other member cities"), "{quote}");
    assert!(
        quote.ends_with("on the subject of Covid-19 pandemic."),
        "{quote}"
    );
}

#[tokio::test]
async fn every_founding_and_launch_is_both_a_network_fact_and_an_event() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ networks(first: 100) { nodes {
                slug foundedYear foundedIn { slug }
                events { nodes { kind year host { slug } } }
            } } }"#,
            json!({}),
        )
        .await;
    let networks = data["networks"]["nodes"].as_array().unwrap();
    let founded: Vec<&Value> = networks
        .iter()
        .filter(|n| !n["foundedYear"].is_null())
        .collect();
    let founded_slugs: Vec<&str> = founded
        .iter()
        .map(|n| n["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        founded_slugs,
        ["ubc", "iapmc", "memory-cities", "fast-track-cities"]
    );
    for network in founded {
        let events = network["events"]["nodes"].as_array().unwrap();
        let founding = events
            .iter()
            .find(|e| e["kind"] == "FOUNDING" || e["kind"] == "LAUNCH")
            .unwrap_or_else(|| panic!("{} has a founding or launch event", network["slug"]));
        assert_eq!(founding["year"], network["foundedYear"]);
        assert_eq!(founding["host"], network["foundedIn"]);
    }
    let fast_track = networks
        .iter()
        .find(|n| n["slug"] == "fast-track-cities")
        .unwrap();
    assert_eq!(fast_track["events"]["nodes"][0]["kind"], "LAUNCH");
    assert_eq!(fast_track["foundedIn"]["slug"], "paris");
}

#[tokio::test]
async fn berlin_signed_the_eccar_action_plan_in_2006() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ city(slug: "berlin") { attendedEvents { nodes {
                kind year title network { slug }
            } } } }"#,
            json!({}),
        )
        .await;
    let events = data["city"]["attendedEvents"]["nodes"].as_array().unwrap();
    let signing = events
        .iter()
        .find(|e| e["kind"] == "SIGNING")
        .expect("a signing");
    assert_eq!(signing["year"], 2006);
    assert_eq!(signing["network"]["slug"], "eccar");
    assert!(signing["title"]
        .as_str()
        .unwrap()
        .contains("10-point action plan"));
}

#[tokio::test]
async fn the_seed_holds_exactly_the_places_and_networks_the_documents_name() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{
                cities(first: 100) { totalCount nodes { slug source { key } } }
                networks(first: 100) { totalCount nodes { slug source { key } } }
                events(first: 100) { totalCount }
            }"#,
            json!({}),
        )
        .await;
    // 22 crisis-network members, plus Gdansk (UBC's founding place) and Dunkirk.
    assert_eq!(data["cities"]["totalCount"], 24);
    let slugs = strings(&data["cities"], "slug");
    assert!(slugs.contains(&"gdansk".to_owned()) && slugs.contains(&"dunkirk".to_owned()));
    // Rostock's four and Berlin's fourteen.
    assert_eq!(data["networks"]["totalCount"], 18);
    let by_source = |key: &str| {
        data["networks"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["source"]["key"] == key)
            .count()
    };
    assert_eq!((by_source("rostock"), by_source("berlin")), (4, 14));
    assert_eq!(data["events"]["totalCount"], 6);
}

/// The source document of `key`, as committed under seeds/sources/.
fn source_document(key: &str) -> String {
    let file = match key {
        "rostock" => "000_3f2f3118c1dd9723.txt",
        "berlin" => "004_1d6b4391165997a1.txt",
        other => panic!("unknown source {other}"),
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds/sources")
        .join(file);
    std::fs::read_to_string(path).expect("the source document")
}

#[tokio::test]
async fn every_membership_and_event_quotes_its_source_verbatim() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            "{ networks(first: 100) { nodes { slug
                memberships(first: 100) { nodes { city { slug } source { key }
                    evidence { kind quote } } }
                events(first: 100) { nodes { title source { key } evidence { kind quote } } } } } }",
            json!({}),
        )
        .await;
    let (mut stated, mut listed, mut events) = (0, 0, 0);
    let documents = [
        ("rostock", source_document("rostock")),
        ("berlin", source_document("berlin")),
    ];
    let verbatim = |record: &Value, what: &str| {
        let key = record["source"]["key"].as_str().expect("a source");
        let document = &documents.iter().find(|(k, _)| *k == key).expect("known").1;
        if let Some(quote) = record["evidence"]["quote"].as_str() {
            assert!(
                document.contains(quote),
                "{what}: {quote:?} is not verbatim in {key}"
            );
        }
    };
    for network in data["networks"]["nodes"].as_array().expect("networks") {
        for membership in network["memberships"]["nodes"]
            .as_array()
            .expect("memberships")
        {
            let what = format!("{} in {}", membership["city"]["slug"], network["slug"]);
            match membership["evidence"]["kind"].as_str() {
                Some("STATED") => {
                    stated += 1;
                    assert!(membership["evidence"]["quote"].is_string(), "{what}");
                }
                Some("LISTED") => listed += 1,
                other => panic!("{what}: evidence {other:?}"),
            }
            verbatim(membership, &what);
        }
        for event in network["events"]["nodes"].as_array().expect("events") {
            assert_eq!(event["evidence"]["kind"], "STATED", "{event}");
            verbatim(event, event["title"].as_str().unwrap_or_default());
            events += 1;
        }
    }
    assert_eq!((stated, listed), (27, 13), "27 stated, 13 only listed");
    assert_eq!(events, 6);
}

#[tokio::test]
async fn counts_keep_their_qualifier() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            "{ networks(first: 100) { nodes { slug reportedMemberCount reportedMemberCountQualifier } } }",
            json!({}),
        )
        .await;
    let counts: Vec<(String, Value, Value)> = data["networks"]["nodes"]
        .as_array()
        .expect("networks")
        .iter()
        .filter(|n| !n["reportedMemberCount"].is_null())
        .map(|n| {
            (
                n["slug"].as_str().unwrap_or_default().to_owned(),
                n["reportedMemberCount"].clone(),
                n["reportedMemberCountQualifier"].clone(),
            )
        })
        .collect();
    let expected = [
        (CRISIS_NETWORK, 22, "EXACT"),
        ("ubc", 100, "ABOUT"),
        ("climate-alliance", 1500, "MORE_THAN"),
        ("eccar", 130, "MORE_THAN"),
        // "more than 60 other cities" besides Berlin.
        ("icorn", 61, "MORE_THAN"),
        ("metropolis", 142, "ALMOST"),
        ("owhc", 300, "MORE_THAN"),
    ];
    assert_eq!(counts.len(), expected.len(), "{counts:?}");
    for (slug, count, qualifier) in expected {
        let found = counts
            .iter()
            .find(|(s, _, _)| s == slug)
            .unwrap_or_else(|| panic!("{slug} in {counts:?}"));
        assert_eq!(
            (found.1.clone(), found.2.clone()),
            (json!(count), json!(qualifier)),
            "{slug}"
        );
    }
}

#[tokio::test]
async fn places_and_networks_are_found_by_their_other_names() {
    let app = TestApp::builder().spawn().await;
    let names = app
        .data(
            r#"{ city(slug: "gdansk") { alternateNames } network(slug: "memory-cities") { alternateNames } }"#,
            json!({}),
        )
        .await;
    assert!(names["city"]["alternateNames"]
        .as_array()
        .expect("names")
        .contains(&json!("Gdańsk")));
    assert_eq!(
        names["network"]["alternateNames"],
        json!(["Städte der Erinnerung"])
    );
    for (text, slug) in [
        ("Städte der Erinnerung", "memory-cities"),
        ("Union der Ostseestädte", "ubc"),
        ("Gdańsk", "gdansk"),
        ("Dunkerque", "dunkirk"),
        ("Odesa", "odessa"),
    ] {
        let found = app
            .data(
                "query($text: String!) { search(query: $text, first: 5) {
                    __typename ... on City { slug } ... on Network { slug } } }",
                json!({ "text": text }),
            )
            .await;
        let slugs: Vec<&str> = found["search"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|node| node["slug"].as_str())
            .collect();
        assert_eq!(slugs.first(), Some(&slug), "{text}: {found}");
    }
}

#[tokio::test]
async fn descriptions_say_no_more_than_the_source() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            &format!(
                r#"{{ crisis: network(slug: "{CRISIS_NETWORK}") {{ description }}
                    eccar: network(slug: "eccar") {{ description }} }}"#
            ),
            json!({}),
        )
        .await;
    let crisis = data["crisis"]["description"]
        .as_str()
        .expect("a description");
    assert!(crisis.contains("One of the highlights"), "{crisis}");
    assert!(!crisis.contains("Its highlight"), "{crisis}");
    let eccar = data["eccar"]["description"]
        .as_str()
        .expect("a description");
    assert!(!eccar.contains("members sign"), "{eccar}");
}
