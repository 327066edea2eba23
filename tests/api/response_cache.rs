//! The response cache as clients see it: repeated queries answered without SQL, never a stale
//! answer after a write (through this instance or another on the same database), only complete
//! answers of queries kept, the byte bound, and `RESPONSE_CACHE_BYTES=0`.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{TestApp, TestDatabase, TEST_TOKEN};
use crate::subscriptions::Session;

const NETWORK_MEMBERS: &str = r#"query($slug: String!) { network(slug: $slug) {
    name members(first: 50) { totalCount nodes { slug name } } } }"#;

const CITY_COUNT: &str = "{ cities(first: 1) { totalCount } }";

/// A metric of `/metrics`.
async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("/metrics answers")
        .text()
        .await
        .expect("a text body");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("{name} is in /metrics:\n{text}"))
}

/// The body of a POSTed query, as bytes, and how many SQL statements it cost.
async fn post(app: &TestApp, query: &str, variables: Value) -> (Value, u64) {
    let before = app.statements.get();
    let body = app.gql(query, variables).await;
    (body, app.statements.get() - before)
}

fn is_postgres() -> bool {
    std::env::var("CITYNET_TEST_DATABASE_URL").is_ok_and(|url| !url.trim().is_empty())
}

fn member_names(body: &Value) -> Vec<String> {
    body["data"]["network"]["members"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("members: {body:#}"))
        .iter()
        .map(|node| node["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_repeated_query_is_answered_from_the_cache() {
    let app = TestApp::builder().spawn().await;
    let variables = json!({ "slug": "ubc" });
    let (first, first_cost) = post(&app, NETWORK_MEMBERS, variables.clone()).await;
    assert!(first_cost > 0, "the first answer is executed");
    let hits = metric(&app, "citynet_response_cache_hits_total").await;
    let (second, second_cost) = post(&app, NETWORK_MEMBERS, variables.clone()).await;
    assert_eq!(second, first, "the same answer");
    assert_eq!(second_cost, 0, "no SQL for an answer from the cache");
    assert_eq!(
        metric(&app, "citynet_response_cache_hits_total").await,
        hits + 1
    );
    // Ignored tokens (white space, commas, comments) do not make another document.
    let respaced = format!(
        "# the same query\n{}",
        NETWORK_MEMBERS.replace(' ', " ,\n ")
    );
    let (third, third_cost) = post(&app, &respaced, variables.clone()).await;
    assert_eq!((third, third_cost), (first.clone(), 0));
    // Other variables are another answer.
    let (other, other_cost) = post(&app, NETWORK_MEMBERS, json!({ "slug": "eurocities" })).await;
    assert!(other_cost > 0);
    assert_ne!(other, first);
    assert!(metric(&app, "citynet_response_cache_bytes").await > 0);
}

#[tokio::test]
async fn a_writer_and_the_public_do_not_share_answers() {
    let app = TestApp::builder().writable().spawn().await;
    let (public, _) = post(&app, CITY_COUNT, json!({})).await;
    let before = app.statements.get();
    let writer = app
        .gql_with_authorization(Some(&format!("Bearer {TEST_TOKEN}")), CITY_COUNT, json!({}))
        .await;
    assert_eq!(writer, public);
    assert!(
        app.statements.get() > before,
        "a writer's first answer is its own"
    );
}

#[tokio::test]
async fn answers_are_fresh_after_create_update_delete_and_cascades() {
    let app = TestApp::builder().writable().spawn().await;
    let ubc = json!({ "slug": "ubc" });
    // Warm: the second read is a hit.
    post(&app, NETWORK_MEMBERS, ubc.clone()).await;
    let (members, cost) = post(&app, NETWORK_MEMBERS, ubc.clone()).await;
    assert_eq!(cost, 0, "warm");
    assert!(member_names(&members).contains(&"Rostock".to_owned()));
    let (count, _) = post(&app, CITY_COUNT, json!({})).await;
    let cities = count["data"]["cities"]["totalCount"]
        .as_i64()
        .unwrap_or_default();

    // A renamed place inside a nested list.
    let rostock = app.city_id("rostock").await;
    app.write_ok(
        "mutation($id: ID!) { updateCity(input: { id: $id, name: \"Rostock (Hanse)\" }) { city { id } } }",
        json!({ "id": rostock }),
    )
    .await;
    let (renamed, _) = post(&app, NETWORK_MEMBERS, ubc.clone()).await;
    assert!(
        member_names(&renamed).contains(&"Rostock (Hanse)".to_owned()),
        "{renamed:#}"
    );

    // A created place counts at once.
    post(&app, CITY_COUNT, json!({})).await;
    let created = app
        .write_ok(
            "mutation { createCity(input: { name: \"Visby\", countryCode: \"SE\" }) { city { id } } }",
            json!({}),
        )
        .await;
    let (count, _) = post(&app, CITY_COUNT, json!({})).await;
    assert_eq!(count["data"]["cities"]["totalCount"], cities + 1);

    // A deleted place is gone at once.
    app.write_ok(
        "mutation($id: ID!) { deleteCity(input: { id: $id }) { deletedCityId } }",
        json!({ "id": created["createCity"]["city"]["id"] }),
    )
    .await;
    let (count, _) = post(&app, CITY_COUNT, json!({})).await;
    assert_eq!(count["data"]["cities"]["totalCount"], cities);

    // Deleting a place cascades to its memberships: the network's member list shrinks.
    let (before, _) = post(&app, NETWORK_MEMBERS, ubc.clone()).await;
    let total = before["data"]["network"]["members"]["totalCount"]
        .as_i64()
        .unwrap_or_default();
    app.write_ok(
        "mutation($id: ID!) { deleteCity(input: { id: $id, cascade: true }) { deletedCityId } }",
        json!({ "id": rostock }),
    )
    .await;
    let (after, _) = post(&app, NETWORK_MEMBERS, ubc.clone()).await;
    assert_eq!(
        after["data"]["network"]["members"]["totalCount"],
        total - 1,
        "{after:#}"
    );
    assert!(!member_names(&after)
        .iter()
        .any(|name| name.starts_with("Rostock")));
}

#[tokio::test]
async fn only_complete_answers_of_queries_are_kept() {
    let app = TestApp::builder().spawn().await;
    // An answer with an error is executed every time.
    let failing = r#"{ cities(first: 1) { totalCount } node(id: "bm90LWFuLWlk") { id } }"#;
    for _ in 0..2 {
        let (body, cost) = post(&app, failing, json!({})).await;
        assert!(body.get("errors").is_some(), "{body:#}");
        assert!(cost > 0, "executed again: {body:#}");
    }
    // `rateLimit` reports the caller's own budget: never from the cache.
    let budget = "{ rateLimit { remaining } cities(first: 1) { totalCount } }";
    let (first, _) = post(&app, budget, json!({})).await;
    let (second, _) = post(&app, budget, json!({})).await;
    assert_ne!(
        first["data"]["rateLimit"]["remaining"], second["data"]["rateLimit"]["remaining"],
        "the budget is read afresh"
    );
}

#[tokio::test]
async fn zero_bytes_turn_the_cache_off() {
    let app = TestApp::builder()
        .env("RESPONSE_CACHE_BYTES", "0")
        .spawn()
        .await;
    for _ in 0..3 {
        let (_, cost) = post(&app, CITY_COUNT, json!({})).await;
        assert!(cost > 0, "executed every time");
    }
    assert_eq!(metric(&app, "citynet_response_cache_hits_total").await, 0);
    assert_eq!(metric(&app, "citynet_response_cache_bytes").await, 0);
}

#[tokio::test]
async fn the_cache_never_holds_more_than_its_bytes() {
    let bound = 16_384;
    let app = TestApp::builder()
        .env("RESPONSE_CACHE_BYTES", &bound.to_string())
        .spawn()
        .await;
    for first in 1..=60 {
        let (body, _) = post(
            &app,
            "query($n: Int) { cities(first: $n) { nodes { slug name countryCode } } }",
            json!({ "n": first }),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body:#}");
        let held = metric(&app, "citynet_response_cache_bytes").await;
        assert!(held <= bound, "{held} bytes held, bound {bound}");
    }
    assert!(metric(&app, "citynet_response_cache_evictions_total").await > 0);
}

#[tokio::test]
async fn a_persisted_query_over_get_is_answered_from_the_cache() {
    let app = TestApp::builder().spawn().await;
    let query = CITY_COUNT;
    let hash = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(query));
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let registered = app
        .client
        .post(app.graphql_url())
        .json(&json!({ "query": query, "extensions": extensions }))
        .send()
        .await
        .expect("the registration answers");
    assert_eq!(registered.status(), 200);
    let url = format!(
        "{}?extensions={}",
        app.graphql_url(),
        urlencode(&extensions.to_string())
    );
    let get = || async {
        let before = app.statements.get();
        let response = app.client.get(&url).send().await.expect("GET answers");
        let etag = response.headers().get("etag").cloned();
        let body: Value = response.json().await.expect("JSON");
        (body, app.statements.get() - before, etag)
    };
    let (first, _, _) = get().await;
    let (second, cost, etag) = get().await;
    assert_eq!(first, second);
    assert!(
        first["data"]["cities"]["totalCount"].is_number(),
        "{first:#}"
    );
    assert_eq!(cost, 0, "the hash-only GET is answered from the cache");
    assert!(etag.is_some(), "with its ETag");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Two instances of Citynet on one database, both accepting writes.
async fn two_instances() -> (TestDatabase, TestApp, TestApp) {
    let database = TestDatabase::new().await;
    let settings = || database.settings_with(&[("API_TOKENS", TEST_TOKEN)]);
    let a = TestApp::builder().settings(settings()).spawn().await;
    let b = TestApp::builder().settings(settings()).spawn().await;
    (database, a, b)
}

const RENAME: &str =
    "mutation($id: ID!, $name: String!) { updateCity(input: { id: $id, name: $name }) { city { id } } }";

/// Reads UBC's members through `app` until `name` is among them or `within` has passed.
async fn members_include(app: &TestApp, name: &str, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (body, _) = post(app, NETWORK_MEMBERS, json!({ "slug": "ubc" })).await;
        if member_names(&body).iter().any(|member| member == name) {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_write_through_one_instance_is_seen_by_the_other() {
    let (_database, a, b) = two_instances().await;
    // B's cache is warm.
    post(&b, NETWORK_MEMBERS, json!({ "slug": "ubc" })).await;
    let (_, cost) = post(&b, NETWORK_MEMBERS, json!({ "slug": "ubc" })).await;
    assert_eq!(cost, 0, "warm");
    let rostock = a.city_id("rostock").await;
    a.write_ok(RENAME, json!({ "id": rostock, "name": "Rostock-A" }))
        .await;
    if is_postgres() {
        // The very next read through B reflects the write acknowledged by A.
        assert!(members_include(&b, "Rostock-A", Duration::ZERO).await);
    } else {
        // One process normally serves a SQLite file; another's writes are noticed by polling.
        assert!(members_include(&b, "Rostock-A", Duration::from_secs(2)).await);
    }
}

#[tokio::test]
async fn a_subscriber_on_one_instance_hears_writes_made_through_the_other() {
    let (_database, a, b) = two_instances().await;
    let rostock = a.city_id("rostock").await;
    let mut session = Session::open(&b, json!({})).await;
    session
        .subscribe(
            "1",
            "subscription($id: ID) { cityChanged(id: $id) { action city { name } } }",
            json!({ "id": rostock }),
        )
        .await;
    // The subscription is live once a write through B itself is heard.
    let mut attempt = 0;
    loop {
        attempt += 1;
        b.write_ok(
            RENAME,
            json!({ "id": rostock, "name": format!("Rostock-B{attempt}") }),
        )
        .await;
        if session.receive(Duration::from_millis(300)).await.is_some() {
            break;
        }
        assert!(attempt < 20, "the subscription never went live");
    }
    a.write_ok(RENAME, json!({ "id": rostock, "name": "Rostock-A" }))
        .await;
    let message = session
        .receive(Duration::from_secs(5))
        .await
        .expect("B's subscriber hears A's write");
    assert_eq!(
        message["payload"]["data"]["cityChanged"]["city"]["name"], "Rostock-A",
        "{message:#}"
    );
}

#[tokio::test]
async fn after_the_listener_is_dropped_answers_stay_fresh_and_caching_resumes() {
    if !is_postgres() {
        return; // LISTEN/NOTIFY is PostgreSQL's.
    }
    use sea_orm::ConnectionTrait;
    let (database, a, b) = two_instances().await;
    let admin = sea_orm::Database::connect(&database.url)
        .await
        .expect("the test database");
    let terminated = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        ))
        .await
        .expect("the listeners are terminated");
    assert_eq!(terminated.len(), 2, "one listener per instance");
    let rostock = a.city_id("rostock").await;
    a.write_ok(RENAME, json!({ "id": rostock, "name": "Rostock-A" }))
        .await;
    assert!(members_include(&b, "Rostock-A", Duration::ZERO).await);
    // Once B's listener is back, repeated queries are answered from the cache again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        post(&b, CITY_COUNT, json!({})).await;
        let (_, cost) = post(&b, CITY_COUNT, json!({})).await;
        if cost == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "B caches again after reconnecting"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    admin.close().await.ok();
}
