//! Traversal in every direction answers consistently, however deep.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::helpers::{strings, TestApp};

#[tokio::test]
async fn memberships_read_the_same_from_networks_and_from_places() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{
                networks(first: 30) { nodes { slug members(first: 30) { totalCount nodes {
                    slug networks(first: 20) { totalCount nodes { slug } }
                } } } }
                cities(first: 30) { nodes { slug networks(first: 20) { nodes { slug } } } }
            }"#,
            json!({}),
        )
        .await;
    let mut from_networks: BTreeSet<(String, String)> = BTreeSet::new();
    for network in data["networks"]["nodes"].as_array().unwrap() {
        let network_slug = network["slug"].as_str().unwrap();
        let members = network["members"]["nodes"].as_array().unwrap();
        assert_eq!(network["members"]["totalCount"], members.len());
        for member in members {
            // Each member, seen from inside the network, lists the network among its own.
            assert!(
                strings(&member["networks"], "slug").contains(&network_slug.to_owned()),
                "{} in {network_slug}",
                member["slug"]
            );
            from_networks.insert((member["slug"].as_str().unwrap().into(), network_slug.into()));
        }
    }
    let mut from_places = BTreeSet::new();
    for city in data["cities"]["nodes"].as_array().unwrap() {
        for network in strings(&city["networks"], "slug") {
            from_places.insert((city["slug"].as_str().unwrap().to_owned(), network));
        }
    }
    assert_eq!(from_networks, from_places);
    assert_eq!(from_networks.len(), 40);
}

#[tokio::test]
async fn a_deep_query_follows_every_relation_back_and_forth() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ city(slug: "rostock") { slug
                memberships(first: 4) { nodes { city { slug } network { slug
                    members(first: 25) { nodes { slug
                        networks(first: 20) { nodes { slug
                            events(first: 2) { nodes { title
                                network { slug }
                                host { slug twinCities(first: 1) { nodes { slug
                                    twinCities(first: 1) { nodes { slug
                                        hostedEvents(first: 1) { nodes { network {
                                            memberships(first: 25) { nodes { network { slug } } }
                                        } } }
                                    } }
                                } } }
                                participants(first: 2) { nodes {
                                    attendedEvents(first: 3) { nodes { title } } } }
                            } }
                        } }
                    } }
                } } }
            } }"#,
            json!({}),
        )
        .await;
    let rostock = &data["city"];
    let mut hosted_seen = 0;
    for membership in rostock["memberships"]["nodes"].as_array().unwrap() {
        assert_eq!(membership["city"]["slug"], "rostock");
        for member in membership["network"]["members"]["nodes"]
            .as_array()
            .unwrap()
        {
            for network in member["networks"]["nodes"].as_array().unwrap() {
                for event in network["events"]["nodes"].as_array().unwrap() {
                    assert_eq!(event["network"]["slug"], network["slug"]);
                    for participant in event["participants"]["nodes"].as_array().unwrap() {
                        let titles: Vec<&Value> = participant["attendedEvents"]["nodes"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|e| &e["title"])
                            .collect();
                        assert!(titles.contains(&&event["title"]));
                    }
                    if event["host"]["slug"] == "rostock" {
                        // Rostock -> twin Dunkirk -> its twin Rostock -> its hosted event.
                        let twin = &event["host"]["twinCities"]["nodes"][0];
                        assert_eq!(twin["slug"], "dunkirk");
                        let back = &twin["twinCities"]["nodes"][0];
                        assert_eq!(back["slug"], "rostock");
                        let hosted = &back["hostedEvents"]["nodes"][0];
                        let memberships = hosted["network"]["memberships"]["nodes"]
                            .as_array()
                            .unwrap();
                        assert_eq!(memberships.len(), 22);
                        hosted_seen += 1;
                    }
                }
            }
        }
    }
    assert!(
        hosted_seen > 0,
        "the traversal reached Rostock's conference"
    );
}

#[tokio::test]
async fn counts_agree_with_the_lists_they_count() {
    let app = TestApp::builder().spawn().await;
    let data = app
        .data(
            r#"{ cities(first: 30) { nodes { slug
                memberships(first: 20) { totalCount nodes { id } }
                networks(first: 20) { totalCount nodes { id } }
                hostedEvents(first: 5) { totalCount nodes { id } }
                attendedEvents(first: 5) { totalCount nodes { id } }
                twinCities(first: 5) { totalCount nodes { id } }
            } } }"#,
            json!({}),
        )
        .await;
    let mut per_list: BTreeMap<&str, i64> = BTreeMap::new();
    for city in data["cities"]["nodes"].as_array().unwrap() {
        for list in [
            "memberships",
            "networks",
            "hostedEvents",
            "attendedEvents",
            "twinCities",
        ] {
            let connection = &city[list];
            let shown = connection["nodes"].as_array().unwrap().len() as i64;
            assert_eq!(connection["totalCount"], shown, "{} {list}", city["slug"]);
            *per_list.entry(list).or_default() += shown;
        }
    }
    assert_eq!(per_list["memberships"], 40);
    assert_eq!(per_list["networks"], 40);
    assert_eq!(
        per_list["hostedEvents"], 3,
        "Rostock, Gdansk and Paris host one each"
    );
    assert_eq!(per_list["attendedEvents"], 4);
    assert_eq!(
        per_list["twinCities"], 2,
        "one twinning, seen from both sides"
    );
}
