//! One way to write a row: what the API, `citynet import` and the seed store is built by the same
//! code, so the same input is stored alike whichever way it came, a file never clears what it
//! cannot say, and anything the API can write survives `citynet export` → `citynet import`.

use std::path::Path;

use serde_json::{json, Value};

use crate::{
    data::{changed, citynet, counts, succeeded},
    helpers::{first_error_code, TestApp, TestDatabase, TEST_TOKEN},
};

/// The database's records as `citynet export` writes them (one JSON document).
fn exported(database: &TestDatabase, dir: &Path) -> Value {
    serde_json::from_str(&succeeded(&citynet(database, dir, &["export"]))).expect("JSON")
}

/// The record of `table` whose `field` is `value`.
fn find(table: &Value, field: &str, value: &str) -> Value {
    table
        .as_array()
        .and_then(|records| records.iter().find(|record| record[field] == value))
        .cloned()
        .unwrap_or_else(|| panic!("no record with {field} {value:?} in {table}"))
}

/// A CSV place with country code `de` and a JSON network with topic ` Climate ` are stored as
/// a mutation stores them (`DE`, `climate`), so the API's filters find them.
#[tokio::test]
async fn imported_values_are_stored_as_parsed_and_filters_find_them() {
    let database = TestDatabase::new().await;
    let app = TestApp::builder()
        .settings(database.settings())
        .spawn()
        .await;
    let dir = tempfile::tempdir().expect("a directory");
    std::fs::write(
        dir.path().join("places.csv"),
        "slug,name,kind,country_code,latitude,longitude,source\n\
         neustrelitz,  Neustrelitz ,city,de,53.36,13.06,\n",
    )
    .expect("a file");
    let networks = json!({ "networks": [
        { "slug": "green-towns", "name": "Green Towns", "topics": [" Climate ", "Energy"] }
    ] });
    std::fs::write(dir.path().join("networks.json"), networks.to_string()).expect("a file");
    let query = r#"{ cities(filter: { countryCodes: ["DE"], nameContains: "Neustrelitz" }) {
        nodes { name countryCode } }
      networks(filter: { topics: ["climate"] }) { nodes { slug topics } } }"#;
    let before = app.data(query, json!({})).await;
    succeeded(&citynet(
        &database,
        dir.path(),
        &["import", "places.csv", "networks.json"],
    ));
    let after = changed(&app, query, &before).await;
    assert_eq!(
        after["cities"]["nodes"],
        json!([{ "name": "Neustrelitz", "countryCode": "DE" }]),
        "{after:#}"
    );
    let found: Vec<&Value> = after["networks"]["nodes"]
        .as_array()
        .expect("networks")
        .iter()
        .filter(|network| network["slug"] == "green-towns")
        .collect();
    assert_eq!(found.len(), 1, "{after:#}");
    assert_eq!(found[0]["topics"], json!(["climate", "energy"]));
}

/// Updating from a CSV keeps what CSV cannot state (other names, evidence); a JSON record that
/// leaves a list out keeps it too, and one that states `[]` clears it.
#[tokio::test]
async fn a_file_never_clears_what_it_cannot_say() {
    let database = TestDatabase::new().await;
    let dir = tempfile::tempdir().expect("a directory");
    let first = json!({
        "places": [{ "slug": "wismar", "name": "Wismar", "kind": "city",
                     "alternate_names": ["Hansestadt Wismar"] }],
        "memberships": [{ "network": "ubc", "place": "wismar", "role": "member",
                          "evidence": { "kind": "listed" } }],
    });
    std::fs::write(dir.path().join("first.json"), first.to_string()).expect("a file");
    succeeded(&citynet(&database, dir.path(), &["seed"]));
    succeeded(&citynet(&database, dir.path(), &["import", "first.json"]));
    std::fs::write(
        dir.path().join("places.csv"),
        "slug,name,kind,country_code,latitude,longitude,source\n\
         wismar,Wismar,city,DE,53.89,11.46,\n",
    )
    .expect("a file");
    std::fs::write(
        dir.path().join("memberships.csv"),
        "network,place,role,since,represented_by,source\nubc,wismar,member,1991,,\n",
    )
    .expect("a file");
    let summary = succeeded(&citynet(
        &database,
        dir.path(),
        &["import", "places.csv", "memberships.csv"],
    ));
    assert_eq!(counts(&summary, "places"), (0, 1, 0), "{summary}");
    assert_eq!(counts(&summary, "memberships"), (0, 1, 0), "{summary}");
    let export = exported(&database, dir.path());
    let place = find(&export["places"], "slug", "wismar");
    assert_eq!(place["country_code"], "DE", "the CSV's change: {place}");
    assert_eq!(
        place["alternate_names"],
        json!(["Hansestadt Wismar"]),
        "{place}"
    );
    let membership = find(&export["memberships"], "place", "wismar");
    assert_eq!(membership["since"], 1991, "{membership}");
    assert_eq!(
        membership["evidence"],
        json!({ "kind": "listed" }),
        "{membership}"
    );

    // A stated empty list clears it.
    let cleared = json!({ "places": [{ "slug": "wismar", "name": "Wismar", "kind": "city",
        "country_code": "DE", "latitude": 53.89, "longitude": 11.46, "alternate_names": [] }] });
    std::fs::write(dir.path().join("cleared.json"), cleared.to_string()).expect("a file");
    let summary = succeeded(&citynet(&database, dir.path(), &["import", "cleared.json"]));
    assert_eq!(counts(&summary, "places"), (0, 1, 0), "{summary}");
    let place = find(&exported(&database, dir.path())["places"], "slug", "wismar");
    assert!(place.get("alternate_names").is_none(), "{place}");
}

/// The API refuses what the import would refuse: an event that another of its network already
/// is (same year, title and host).
#[tokio::test]
async fn two_identical_events_are_refused_the_second_time() {
    let app = TestApp::builder().writable().spawn().await;
    let network = app.network_id("ubc").await;
    let create = "mutation($input: CreateEventInput!) { createEvent(input: $input) { \
                  event { id } } }";
    let input = json!({ "input": { "networkId": network, "kind": "CONFERENCE",
        "title": "Baltic Summit", "year": 2020 } });
    let first = app.write(create, input.clone()).await;
    assert!(first["errors"].is_null(), "{first:#}");
    let second = app.write(create, input).await;
    assert_eq!(first_error_code(&second), "CONFLICT", "{second:#}");
    assert_eq!(
        second["errors"][0]["extensions"]["field"], "input.title",
        "{second:#}"
    );
    assert!(second["data"]["createEvent"].is_null());
    // The same title with another year is another event.
    let other = app
        .write(
            create,
            json!({ "input": { "networkId": network, "kind": "CONFERENCE",
                "title": " Baltic Summit ", "year": 2021 } }),
        )
        .await;
    assert!(other["errors"].is_null(), "{other:#}");

    // Deleting a host would make its event the twin of one without a host: refused, and
    // nothing is deleted.
    let wismar = app
        .write(
            "mutation { createCity(input: { name: \"Wismar\" }) { city { id } } }",
            json!({}),
        )
        .await["data"]["createCity"]["city"]["id"]
        .clone();
    let hosted = json!({ "input": { "networkId": network, "kind": "CONFERENCE",
        "title": "Baltic Summit", "year": 2020, "hostId": wismar } });
    assert!(app.write(create, hosted).await["errors"].is_null());
    let delete = app
        .write(
            "mutation($id: ID!) { deleteCity(input: { id: $id, cascade: true }) { deletedCityId } }",
            json!({ "id": wismar }),
        )
        .await;
    assert_eq!(first_error_code(&delete), "CONFLICT", "{delete:#}");
    assert_eq!(delete["errors"][0]["extensions"]["field"], "input.id");
}

/// A small random generator with a seed that is printed, so that a failing sequence can be run
/// again (`ROUNDTRIP_SEED`).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }

    fn some<T: Clone>(&mut self, items: &[T]) -> Vec<T> {
        items.iter().filter(|_| self.chance(30)).cloned().collect()
    }
}

const NAMES: &[&str] = &[
    "Łódź",
    "  São Paulo ",
    "Zürich",
    "Tōkyō",
    "Aarhus",
    "Aarhus",
    "Kraków",
    "Tel Aviv-Yafo",
    "Nuuk",
    "東京",
];
const OTHER_NAMES: &[&str] = &["Lodz", " Litzmannstadt ", "Danzig", "Ζυρίχη", "Lodz"];
const COUNTRIES: &[Option<&str>] = &[None, Some("de"), Some("DE"), Some(" pl "), Some("FR")];
const TOPICS: &[&str] = &[" Climate ", "climate", "Energy", "mobility", "Kultur"];
const TITLES: &[&str] = &["Summit", "Annual Conference", "Hanse Days", "Summit "];
const QUOTES: &[&str] = &["It is a member.", "  Both joined in 1991.  ", "Ça va."];

/// One random mutation over what exists; its answer, whatever it is.
async fn random_mutation(app: &TestApp, random: &mut Random, known: &mut Known) -> Value {
    let city = random.pick(&known.cities).cloned();
    let network = random.pick(&known.networks).cloned();
    let evidence = match random.below(4) {
        0 => json!({ "kind": "STATED", "quote": random.pick(QUOTES) }),
        1 => json!({ "kind": "LISTED" }),
        2 => json!({ "kind": "STATED" }),
        _ => Value::Null,
    };
    let event = random.pick(&known.events).cloned();
    let (query, variables, found) = match random.below(17) {
        0 | 1 => (
            "mutation($i: CreateCityInput!) { createCity(input: $i) { city { id } } }",
            json!({ "i": {
                "name": random.pick(NAMES),
                "countryCode": random.pick(COUNTRIES),
                "latitude": random.chance(50).then(|| random.below(180) as f64 - 89.75),
                "longitude": random.chance(50).then(|| random.below(360) as f64 / 3.0 - 60.0),
                "alternateNames": random.some(OTHER_NAMES),
            } }),
            Some(("createCity", "city")),
        ),
        2 => (
            "mutation($i: UpdateCityInput!) { updateCity(input: $i) { city { id } } }",
            json!({ "i": {
                "id": city,
                "countryCode": random.pick(COUNTRIES),
                "alternateNames": random.some(OTHER_NAMES),
            } }),
            None,
        ),
        3 => (
            "mutation($i: DeleteCityInput!) { deleteCity(input: $i) { deletedCityId } }",
            json!({ "i": { "id": city, "cascade": random.chance(50) } }),
            None,
        ),
        4 => (
            "mutation($i: CreateNetworkInput!) { createNetwork(input: $i) { network { id } } }",
            json!({ "i": {
                "name": format!("{} Network", random.pick(NAMES).unwrap_or(&"A")),
                "topics": random.some(TOPICS),
                "foundedInId": random.chance(30).then(|| city.clone()),
                "reportedMemberCount": random.chance(50).then(|| random.below(500)),
                "reportedMemberCountQualifier":
                    random.chance(40).then(|| *random.pick(&["ABOUT", "MORE_THAN", "EXACT"]).unwrap_or(&"ABOUT")),
                "alternateNames": random.some(OTHER_NAMES),
            } }),
            Some(("createNetwork", "network")),
        ),
        5 => (
            "mutation($i: UpdateNetworkInput!) { updateNetwork(input: $i) { network { id } } }",
            json!({ "i": {
                "id": network,
                "topics": random.some(TOPICS),
                "description": random.chance(50).then_some("  A network of towns.  "),
            } }),
            None,
        ),
        6 | 7 => (
            "mutation($i: CreateMembershipInput!) { createMembership(input: $i) { \
             membership { id } } }",
            json!({ "i": {
                "cityId": city,
                "networkId": network,
                "role": random.pick(&["MEMBER", "FOUNDING_MEMBER", "OBSERVER"]),
                "since": random.chance(50).then(|| 1980 + random.below(40)),
                "representedBy": random.chance(30).then_some(" The Mayor "),
                "evidence": evidence,
            } }),
            Some(("createMembership", "membership")),
        ),
        8 => (
            "mutation($i: UpdateMembershipInput!) { updateMembership(input: $i) { \
             membership { id } } }",
            json!({ "i": { "id": random.pick(&known.memberships), "evidence": evidence,
                           "since": random.chance(50).then(|| 1990 + random.below(30)) } }),
            None,
        ),
        9 => (
            "mutation($i: DeleteMembershipInput!) { deleteMembership(input: $i) { \
             deletedMembershipId } }",
            json!({ "i": { "id": random.pick(&known.memberships) } }),
            None,
        ),
        10 | 11 => {
            let participants = random.some(&known.cities);
            (
                "mutation($i: CreateEventInput!) { createEvent(input: $i) { event { id } } }",
                json!({ "i": {
                    "networkId": network,
                    "kind": random.pick(&["CONFERENCE", "LAUNCH", "SIGNING"]),
                    "title": random.pick(TITLES),
                    "year": random.chance(70).then(|| 2018 + random.below(3)),
                    "hostId": random.chance(50).then(|| city.clone()),
                    "participantIds": participants,
                    "evidence": evidence,
                } }),
                Some(("createEvent", "event")),
            )
        }
        12 => (
            "mutation($i: UpdateEventInput!) { updateEvent(input: $i) { event { id } } }",
            json!({ "i": {
                "id": event,
                "title": random.pick(TITLES),
                "hostId": random.chance(50).then(|| city.clone()),
                "participantIds": random.chance(50).then(|| random.some(&known.cities)),
                "evidence": evidence,
            } }),
            None,
        ),
        13 => (
            "mutation($i: DeleteEventInput!) { deleteEvent(input: $i) { deletedEventId } }",
            json!({ "i": { "id": event } }),
            None,
        ),
        14 => (
            "mutation($i: DeleteNetworkInput!) { deleteNetwork(input: $i) { deletedNetworkId } }",
            json!({ "i": { "id": network, "cascade": random.chance(50) } }),
            None,
        ),
        _ => (
            "mutation($i: TwinningInput!) { createTwinning(input: $i) { city { id } } }",
            json!({ "i": { "cityId": city, "twinId": random.pick(&known.cities) } }),
            None,
        ),
    };
    let answer = app.write(query, variables).await;
    if let Some((field, record)) = found {
        if let Some(id) = answer["data"][field][record]["id"].as_str() {
            known.add(record, id.to_owned());
        }
    }
    answer
}

/// The ids the sequence has seen.
#[derive(Default)]
struct Known {
    cities: Vec<String>,
    networks: Vec<String>,
    memberships: Vec<String>,
    events: Vec<String>,
}

impl Known {
    fn add(&mut self, record: &str, id: String) {
        match record {
            "city" => self.cities.push(id),
            "network" => self.networks.push(id),
            "membership" => self.memberships.push(id),
            "event" => self.events.push(id),
            _ => {}
        }
    }
}

/// Random sequences of mutations over every type — creates, updates, deletes, evidence,
/// qualifiers, other names, Unicode names, duplicates attempted — then `citynet export`, an
/// import of that into an empty database and a second export give the same bytes, and an
/// import into the same database changes nothing. `ROUNDTRIP_CASES` sequences (24 by default,
/// 12 mutations each) from `ROUNDTRIP_SEED` (printed).
#[tokio::test]
async fn anything_the_api_writes_survives_export_and_import() {
    let cases: u64 = std::env::var("ROUNDTRIP_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    let seed: u64 = std::env::var("ROUNDTRIP_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |elapsed| elapsed.as_nanos() as u64)
                | 1
        });
    eprintln!("round trip: {cases} sequences from ROUNDTRIP_SEED={seed}");
    let (mut mutations, mut written) = (0, 0);
    for case in 0..cases {
        let mut random = Random(seed.wrapping_add(case.wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1);
        let database = TestDatabase::new().await;
        let app = TestApp::builder()
            .settings(database.settings_with(&[("API_TOKENS", TEST_TOKEN)]))
            .spawn()
            .await;
        let mut known = Known::default();
        for slug in ["rostock", "berlin"] {
            known.cities.push(app.city_id(slug).await);
        }
        for slug in ["ubc", "eurocities"] {
            known.networks.push(app.network_id(slug).await);
        }
        for _ in 0..12 {
            let answer = random_mutation(&app, &mut random, &mut known).await;
            mutations += 1;
            written += usize::from(answer["errors"].is_null());
            let code = answer["errors"][0]["extensions"]["code"].as_str();
            // Refusals of bad or conflicting input are expected; a document the schema refuses
            // (a mistake in this test) or a fault of the server is not.
            assert!(
                !matches!(
                    code,
                    Some("INTERNAL_SERVER_ERROR" | "GRAPHQL_VALIDATION_FAILED")
                ),
                "case {case} (ROUNDTRIP_SEED={seed}): {answer:#}"
            );
        }
        let dir = tempfile::tempdir().expect("a directory");
        succeeded(&citynet(
            &database,
            dir.path(),
            &["export", "--out", "a.json"],
        ));
        let copy = TestDatabase::new().await;
        let summary = succeeded(&citynet(&copy, dir.path(), &["import", "a.json"]));
        succeeded(&citynet(&copy, dir.path(), &["export", "--out", "b.json"]));
        let a = std::fs::read(dir.path().join("a.json")).expect("the first export");
        let b = std::fs::read(dir.path().join("b.json")).expect("the second export");
        assert!(
            a == b,
            "case {case} (ROUNDTRIP_SEED={seed}): the export of the import differs\n{summary}\n{}\n---\n{}",
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b)
        );
        let again = succeeded(&citynet(&database, dir.path(), &["import", "a.json"]));
        for table in [
            "sources",
            "places",
            "networks",
            "memberships",
            "events",
            "twinnings",
        ] {
            let (created, updated, _) = counts(&again, table);
            assert_eq!(
                (created, updated),
                (0, 0),
                "case {case} (ROUNDTRIP_SEED={seed}): {table} changed on re-import\n{again}"
            );
        }
    }
    eprintln!("round trip: {mutations} mutations ({written} written) in {cases} sequences held");
    assert!(
        written * 3 > mutations,
        "most mutations were refused: {written} of {mutations}"
    );
}

/// A database that already holds two events alike (written before the unique index existed) is
/// not migrated blindly: the migration stops and names them, and changes nothing.
#[tokio::test]
async fn the_unique_event_migration_lists_the_duplicates_it_finds() {
    use migration::MigratorTrait;
    use sea_orm::ConnectionTrait;
    let database = TestDatabase::new().await;
    let db = sea_orm::Database::connect(&database.url).await.unwrap();
    // Every migration before the unique index.
    let before = migration::Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261206_000001_unique_events")
        .expect("the unique index's migration") as u32;
    migration::Migrator::up(&db, Some(before)).await.unwrap();
    for statement in [
        "INSERT INTO networks (slug, name, name_folded, alternate_names) \
         VALUES ('ubc', 'Union of the Baltic Cities', 'union of the baltic cities', '[]')",
        "INSERT INTO events (kind, title, year, network_id) \
         VALUES ('conference', 'General Conference', 2019, 1)",
        "INSERT INTO events (kind, title, year, network_id) \
         VALUES ('conference', 'General Conference', 2019, 1)",
    ] {
        db.execute_unprepared(statement).await.unwrap();
    }
    let refused = migration::Migrator::up(&db, None).await.unwrap_err();
    let message = refused.to_string();
    assert!(message.contains("must be unique"), "{message}");
    assert!(message.contains("\"General Conference\""), "{message}");
    assert!(message.contains("2 events"), "{message}");
    // Once the copies are gone, it runs.
    db.execute_unprepared("DELETE FROM events WHERE id = 2")
        .await
        .unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    let again = db
        .execute_unprepared(
            "INSERT INTO events (kind, title, year, network_id) \
             VALUES ('conference', 'General Conference', 2019, 1)",
        )
        .await;
    assert!(again.is_err(), "the index refuses a duplicate");
}
