//! Many writers at once: every acknowledged write is there afterwards, slugs stay unique, and
//! no client ever sees `database is locked` (or any other error).

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::{strings, TestApp};

const WRITERS: usize = 8;
const WRITES_PER_WRITER: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_succeed_and_every_write_is_stored() {
    let app = std::sync::Arc::new(TestApp::builder().writable().spawn().await);
    let ubc = app.network_id("ubc").await;
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let app = app.clone();
        let ubc = ubc.clone();
        tasks.push(tokio::spawn(async move {
            let mut acknowledged = Vec::with_capacity(WRITES_PER_WRITER);
            for n in 0..WRITES_PER_WRITER {
                // Half the writers share one name, so each generated slug depends on all the
                // writes before it (`concurrent-city`, `-2`, … `-800`).
                let name = if writer % 2 == 0 {
                    "Concurrent City".to_owned()
                } else {
                    format!("Writer {writer} City {n}")
                };
                let body = app
                    .write(
                        "mutation($name: String!, $ubc: ID!) {
                           createCity(input: { name: $name }) { city { id slug } }
                           network: updateNetwork(input: { id: $ubc }) { network { id } } }",
                        json!({ "name": name, "ubc": ubc }),
                    )
                    .await;
                assert!(body.get("errors").is_none(), "writer {writer}: {body:#}");
                acknowledged.push(body["data"]["createCity"]["city"].clone());
            }
            acknowledged
        }));
    }
    let mut written: Vec<Value> = Vec::new();
    for task in tasks {
        written.extend(task.await.expect("a writer finished"));
    }
    assert_eq!(written.len(), WRITERS * WRITES_PER_WRITER);

    let slugs: HashSet<&str> = written
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs.len(), written.len(), "every slug is unique");

    let total = app.data("{ cities { totalCount } }", json!({})).await;
    assert_eq!(
        total["cities"]["totalCount"],
        24 + WRITERS * WRITES_PER_WRITER
    );
    for chunk in written.chunks(100) {
        let ids: Vec<&Value> = chunk.iter().map(|c| &c["id"]).collect();
        let found = app
            .data(
                "query($ids: [ID!]!) { nodes(ids: $ids) { ... on City { slug } } }",
                json!({ "ids": ids }),
            )
            .await;
        let found: Vec<String> = strings(&json!({ "nodes": found["nodes"] }), "slug");
        let expected: Vec<String> = chunk
            .iter()
            .map(|c| c["slug"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(found, expected, "every acknowledged city reads back");
    }
}

/// Two server instances on one database (as behind a load balancer): writers on both, all
/// wanting the same generated slug, all succeed with distinct slugs. On PostgreSQL this races
/// for real (each instance has its own write lock); on SQLite the second process waits for
/// the write lock of the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_never_refuse_a_generated_slug() {
    let first = TestApp::builder().writable().spawn().await;
    let database = first.database.as_ref().expect("a test database");
    let settings = database.settings_with(&[("API_TOKENS", crate::helpers::TEST_TOKEN)]);
    let second = TestApp::builder().settings(settings).spawn().await;
    let instances = std::sync::Arc::new([first, second]);
    let mut tasks = Vec::new();
    for writer in 0..8 {
        let instances = instances.clone();
        tasks.push(tokio::spawn(async move {
            let app = &instances[writer % 2];
            let mut slugs = Vec::new();
            for _ in 0..25 {
                let body = app
                    .write(
                        "mutation { createCity(input: { name: \"Twin Instance Town\" }) { city { slug } } }",
                        json!({}),
                    )
                    .await;
                assert!(body.get("errors").is_none(), "writer {writer}: {body:#}");
                slugs.push(body["data"]["createCity"]["city"]["slug"].as_str().unwrap().to_owned());
            }
            slugs
        }));
    }
    let mut slugs = HashSet::new();
    for task in tasks {
        for slug in task.await.expect("a writer finished") {
            assert!(slugs.insert(slug.clone()), "{slug} was given twice");
        }
    }
    assert_eq!(slugs.len(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_keep_flowing_while_writers_hold_the_write_lock() {
    let app = std::sync::Arc::new(TestApp::builder().writable().spawn().await);
    let writer = {
        let app = app.clone();
        tokio::spawn(async move {
            for n in 0..150 {
                let body = app
                    .write(
                        "mutation($name: String!) { createCity(input: { name: $name }) { city { id } } }",
                        json!({ "name": format!("Busy Town {n}") }),
                    )
                    .await;
                assert!(body.get("errors").is_none(), "{body:#}");
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() {
        let data = app
            .data(
                "{ network(slug: \"ubc\") { members(first: 5) { totalCount } } }",
                json!({}),
            )
            .await;
        assert!(data["network"]["members"]["totalCount"].as_i64().unwrap() > 0);
        reads += 1;
    }
    writer.await.expect("the writer finished");
    assert!(reads > 0);
}
