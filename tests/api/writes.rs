//! Mutations: each one's happy path as a client sees it afterwards, each validation error with
//! its code and field, and no partial writes (everything readable is unchanged after a failure).

use serde_json::{json, Value};

use crate::helpers::{first_error_code, first_error_field, strings, TestApp};

const CREATE_CITY: &str = "mutation($input: CreateCityInput!) {
    createCity(input: $input) { city { id slug name kind countryCode latitude longitude } } }";
const UPDATE_CITY: &str = "mutation($input: UpdateCityInput!) {
    updateCity(input: $input) { city { id slug name kind countryCode latitude longitude } } }";
const DELETE_CITY: &str = "mutation($input: DeleteCityInput!) {
    deleteCity(input: $input) { deletedCityId } }";
const CREATE_NETWORK: &str = "mutation($input: CreateNetworkInput!) {
    createNetwork(input: $input) { network { id slug name acronym topics foundedYear
      foundedIn { slug } reportedMemberCount } } }";
const UPDATE_NETWORK: &str = "mutation($input: UpdateNetworkInput!) {
    updateNetwork(input: $input) { network { id slug name acronym description topics } } }";
const DELETE_NETWORK: &str = "mutation($input: DeleteNetworkInput!) {
    deleteNetwork(input: $input) { deletedNetworkId } }";
const CREATE_MEMBERSHIP: &str = "mutation($input: CreateMembershipInput!) {
    createMembership(input: $input) { membership { id role since representedBy
      city { slug } network { slug } } } }";
const UPDATE_MEMBERSHIP: &str = "mutation($input: UpdateMembershipInput!) {
    updateMembership(input: $input) { membership { id role since representedBy } } }";
const DELETE_MEMBERSHIP: &str = "mutation($input: DeleteMembershipInput!) {
    deleteMembership(input: $input) { deletedMembershipId } }";
const CREATE_EVENT: &str = "mutation($input: CreateEventInput!) {
    createEvent(input: $input) { event { id kind title year topic host { slug }
      network { slug } participants { nodes { slug } } } } }";
const UPDATE_EVENT: &str = "mutation($input: UpdateEventInput!) {
    updateEvent(input: $input) { event { id title year participants { nodes { slug } } } } }";
const DELETE_EVENT: &str = "mutation($input: DeleteEventInput!) {
    deleteEvent(input: $input) { deletedEventId } }";
const ADD_PARTICIPANT: &str = "mutation($input: EventParticipantInput!) {
    addEventParticipant(input: $input) { event { participants { nodes { slug } } } } }";
const REMOVE_PARTICIPANT: &str = "mutation($input: EventParticipantInput!) {
    removeEventParticipant(input: $input) { event { participants { nodes { slug } } } } }";
const CREATE_TWINNING: &str = "mutation($input: TwinningInput!) {
    createTwinning(input: $input) { city { slug } twin { slug } } }";
const DELETE_TWINNING: &str = "mutation($input: TwinningInput!) {
    deleteTwinning(input: $input) { city { slug } twin { slug } } }";

/// Runs `mutation` with `input`, expecting it to fail with `code` about `field`, and checks
/// that nothing a client can read changed.
async fn refused(app: &TestApp, mutation: &str, input: Value, code: &str, field: Option<&str>) {
    let before = app.snapshot().await;
    let body = app.write(mutation, json!({ "input": input.clone() })).await;
    assert_eq!(first_error_code(&body), code, "{input}: {body:#}");
    if let Some(field) = field {
        assert_eq!(first_error_field(&body), field, "{input}: {body:#}");
    }
    let root = body["data"]
        .as_object()
        .and_then(|data| data.values().next())
        .cloned();
    assert_eq!(root, Some(Value::Null), "the payload is null: {body:#}");
    assert_eq!(app.snapshot().await, before, "{input} changed something");
}

async fn create_city(app: &TestApp, input: Value) -> Value {
    app.write_ok(CREATE_CITY, json!({ "input": input })).await["createCity"]["city"].clone()
}

#[tokio::test]
async fn create_city_generates_unique_slugs_and_is_readable_and_searchable() {
    let app = TestApp::builder().writable().spawn().await;
    let first = create_city(
        &app,
        json!({ "name": " Łódź ", "countryCode": "pl", "latitude": 51.77, "longitude": 19.46 }),
    )
    .await;
    assert_eq!(first["slug"], "lodz");
    assert_eq!(first["name"], "Łódź");
    assert_eq!(first["countryCode"], "PL");
    assert_eq!(first["kind"], "CITY");
    let second = create_city(&app, json!({ "name": "Lodz", "kind": "REGION" })).await;
    assert_eq!(second["slug"], "lodz-2");
    assert_eq!(second["kind"], "REGION");
    let chosen = create_city(&app, json!({ "name": "Łódź East", "slug": "lodz-wschod" })).await;
    assert_eq!(chosen["slug"], "lodz-wschod");

    let data = app
        .data(
            "{ city(slug: \"lodz\") { id name latitude }
               cities(filter: { nameContains: \"LODZ\" }) { totalCount }
               search(query: \"lodz\", first: 10) { ... on City { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["city"]["id"], first["id"]);
    assert_eq!(data["city"]["latitude"], 51.77);
    assert_eq!(data["cities"]["totalCount"], 3);
    let found: Vec<&str> = data["search"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|hit| hit["slug"].as_str())
        .collect();
    assert!(
        found.contains(&"lodz") && found.contains(&"lodz-2"),
        "{found:?}"
    );

    let cities = app.data("{ cities { totalCount } }", json!({})).await;
    assert_eq!(cities["cities"]["totalCount"], 24 + 3);
}

#[tokio::test]
async fn create_city_refuses_bad_input_and_writes_nothing() {
    let app = TestApp::builder().writable().spawn().await;
    let cases = [
        (json!({ "name": "   " }), "BAD_USER_INPUT", "input.name"),
        (
            json!({ "name": "x".repeat(201) }),
            "BAD_USER_INPUT",
            "input.name",
        ),
        (json!({ "name": "!!!" }), "BAD_USER_INPUT", "input.name"),
        (
            json!({ "name": "Atlantis", "countryCode": "XX" }),
            "BAD_USER_INPUT",
            "input.countryCode",
        ),
        (
            json!({ "name": "Atlantis", "countryCode": "DEU" }),
            "BAD_USER_INPUT",
            "input.countryCode",
        ),
        (
            json!({ "name": "Atlantis", "latitude": 90.5 }),
            "BAD_USER_INPUT",
            "input.latitude",
        ),
        (
            json!({ "name": "Atlantis", "longitude": -181 }),
            "BAD_USER_INPUT",
            "input.longitude",
        ),
        (
            json!({ "name": "Atlantis", "slug": "Not A Slug" }),
            "BAD_USER_INPUT",
            "input.slug",
        ),
        (
            json!({ "name": "Rostock", "slug": "rostock" }),
            "CONFLICT",
            "input.slug",
        ),
    ];
    for (input, code, field) in cases {
        refused(&app, CREATE_CITY, input, code, Some(field)).await;
    }
}

#[tokio::test]
async fn update_city_changes_given_fields_clears_nulls_and_keeps_the_rest() {
    let app = TestApp::builder().writable().spawn().await;
    let id = app.city_id("rostock").await;
    let before = app
        .data(
            "{ city(slug: \"rostock\") { latitude longitude } }",
            json!({}),
        )
        .await;
    let city = app
        .write_ok(
            UPDATE_CITY,
            json!({ "input": { "id": id, "name": "Hansestadt Rostock", "countryCode": null } }),
        )
        .await["updateCity"]["city"]
        .clone();
    assert_eq!(city["name"], "Hansestadt Rostock");
    assert_eq!(city["slug"], "rostock", "the slug stays unless given");
    assert_eq!(city["countryCode"], Value::Null);
    assert_eq!(city["latitude"], before["city"]["latitude"]);
    assert_eq!(city["longitude"], before["city"]["longitude"]);
    let renamed = app
        .write_ok(
            UPDATE_CITY,
            json!({ "input": { "id": id, "slug": "hansestadt-rostock", "kind": "REGION" } }),
        )
        .await;
    assert_eq!(renamed["updateCity"]["city"]["slug"], "hansestadt-rostock");
    let found = app
        .data(
            "{ old: city(slug: \"rostock\") { id } new: city(slug: \"hansestadt-rostock\") { name kind }
               search(query: \"hansestadt\") { ... on City { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(found["old"], Value::Null);
    assert_eq!(found["new"]["kind"], "REGION");
    assert_eq!(found["search"][0]["slug"], "hansestadt-rostock");
}

#[tokio::test]
async fn update_city_refuses_bad_input_and_writes_nothing() {
    let app = TestApp::builder().writable().spawn().await;
    let id = app.city_id("rostock").await;
    let network = app.network_id("ubc").await;
    let cases = [
        (
            json!({ "id": id, "name": "" }),
            "BAD_USER_INPUT",
            "input.name",
        ),
        (
            json!({ "id": id, "countryCode": "ZZ" }),
            "BAD_USER_INPUT",
            "input.countryCode",
        ),
        (
            json!({ "id": id, "latitude": -91 }),
            "BAD_USER_INPUT",
            "input.latitude",
        ),
        (
            json!({ "id": id, "slug": "berlin" }),
            "CONFLICT",
            "input.slug",
        ),
        (
            json!({ "id": network, "name": "X" }),
            "INVALID_ID",
            "input.id",
        ),
        (
            json!({ "id": "bogus", "name": "X" }),
            "INVALID_ID",
            "input.id",
        ),
        (
            json!({ "id": "Q2l0eTo5OTk5", "name": "X" }),
            "NOT_FOUND",
            "input.id",
        ),
    ];
    for (input, code, field) in cases {
        refused(&app, UPDATE_CITY, input, code, Some(field)).await;
    }
}

#[tokio::test]
async fn deleting_a_referenced_city_is_refused_unless_cascading() {
    let app = TestApp::builder().writable().spawn().await;
    let rostock = app.city_id("rostock").await;
    refused(
        &app,
        DELETE_CITY,
        json!({ "id": rostock }),
        "CONFLICT",
        Some("input.id"),
    )
    .await;
    let body = app
        .write(DELETE_CITY, json!({ "input": { "id": rostock } }))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("membership") && message.contains("cascade"),
        "{message}"
    );

    let ubc_before = app
        .data(
            "{ network(slug: \"ubc\") { members { totalCount } } }",
            json!({}),
        )
        .await;
    let deleted = app
        .write_ok(
            DELETE_CITY,
            json!({ "input": { "id": rostock, "cascade": true } }),
        )
        .await;
    assert_eq!(deleted["deleteCity"]["deletedCityId"], rostock);
    let after = app
        .data(
            "query($id: ID!) { node(id: $id) { id } city(slug: \"rostock\") { id }
               dunkirk: city(slug: \"dunkirk\") { twinCities { totalCount } }
               network(slug: \"ubc\") { members { totalCount } }
               events(filter: { network: \"international-city-network-for-crisis-management\" }) { nodes { host { slug } } }
               search(query: \"rostock\") { __typename ... on City { slug } } }",
            json!({ "id": rostock }),
        )
        .await;
    assert_eq!(after["node"], Value::Null);
    assert_eq!(after["city"], Value::Null);
    assert_eq!(after["dunkirk"]["twinCities"]["totalCount"], 0);
    assert_eq!(
        after["network"]["members"]["totalCount"],
        ubc_before["network"]["members"]["totalCount"]
            .as_i64()
            .unwrap()
            - 1
    );
    assert_eq!(
        after["events"]["nodes"][0]["host"],
        Value::Null,
        "the event stays, without its host"
    );
    assert!(
        after["search"]
            .as_array()
            .unwrap()
            .iter()
            .all(|hit| hit["__typename"] != "City"),
        "{after:#}"
    );
}

#[tokio::test]
async fn an_unreferenced_city_is_deleted_without_cascade() {
    let app = TestApp::builder().writable().spawn().await;
    let city = create_city(&app, json!({ "name": "Temporary Town" })).await;
    app.write_ok(DELETE_CITY, json!({ "input": { "id": city["id"] } }))
        .await;
    refused(
        &app,
        DELETE_CITY,
        json!({ "id": city["id"] }),
        "NOT_FOUND",
        Some("input.id"),
    )
    .await;
}

#[tokio::test]
async fn networks_are_created_updated_and_deleted() {
    let app = TestApp::builder().writable().spawn().await;
    let rostock = app.city_id("rostock").await;
    let network = app
        .write_ok(
            CREATE_NETWORK,
            json!({ "input": { "name": "Hanseatic League of Our Time", "acronym": "HANSE",
                "topics": [" Trade ", "culture"], "foundedYear": 1980, "foundedInId": rostock,
                "reportedMemberCount": 190 } }),
        )
        .await["createNetwork"]["network"]
        .clone();
    assert_eq!(network["slug"], "hanseatic-league-of-our-time");
    assert_eq!(network["topics"], json!(["trade", "culture"]));
    assert_eq!(network["foundedIn"]["slug"], "rostock");
    let by_topic = app
        .data(
            "{ networks(filter: { topics: [\"trade\"] }) { nodes { slug } }
               search(query: \"hanse\") { ... on Network { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        strings(&by_topic["networks"], "slug"),
        ["hanseatic-league-of-our-time"]
    );
    assert_eq!(
        by_topic["search"][0]["slug"],
        "hanseatic-league-of-our-time"
    );

    let updated = app
        .write_ok(
            UPDATE_NETWORK,
            json!({ "input": { "id": network["id"], "topics": ["trade"], "acronym": null,
                "description": "Cities of the Hanseatic League." } }),
        )
        .await["updateNetwork"]["network"]
        .clone();
    assert_eq!(updated["topics"], json!(["trade"]));
    assert_eq!(updated["acronym"], Value::Null);
    assert_eq!(updated["name"], "Hanseatic League of Our Time");

    let member = app
        .write_ok(
            CREATE_MEMBERSHIP,
            json!({ "input": { "cityId": rostock, "networkId": network["id"] } }),
        )
        .await;
    assert_eq!(member["createMembership"]["membership"]["role"], "MEMBER");
    refused(
        &app,
        DELETE_NETWORK,
        json!({ "id": network["id"] }),
        "CONFLICT",
        Some("input.id"),
    )
    .await;
    app.write_ok(
        DELETE_NETWORK,
        json!({ "input": { "id": network["id"], "cascade": true } }),
    )
    .await;
    let after = app
        .data(
            "{ network(slug: \"hanseatic-league-of-our-time\") { id }
               city(slug: \"rostock\") { networks { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(after["network"], Value::Null);
    assert_eq!(
        after["city"]["networks"]["totalCount"], 4,
        "back to the seed's four"
    );
}

#[tokio::test]
async fn network_input_is_validated() {
    let app = TestApp::builder().writable().spawn().await;
    let berlin = app.city_id("berlin").await;
    let ubc = app.network_id("ubc").await;
    let next_year = chrono_year() + 1;
    let cases = [
        (json!({ "name": "" }), "BAD_USER_INPUT", "input.name"),
        (
            json!({ "name": "N", "foundedYear": 1799 }),
            "BAD_USER_INPUT",
            "input.foundedYear",
        ),
        (
            json!({ "name": "N", "foundedYear": next_year }),
            "BAD_USER_INPUT",
            "input.foundedYear",
        ),
        (
            json!({ "name": "N", "topics": ["a", " A "] }),
            "BAD_USER_INPUT",
            "input.topics[1]",
        ),
        (
            json!({ "name": "N", "topics": [""] }),
            "BAD_USER_INPUT",
            "input.topics[0]",
        ),
        (
            json!({ "name": "N", "reportedMemberCount": -1 }),
            "BAD_USER_INPUT",
            "input.reportedMemberCount",
        ),
        (
            json!({ "name": "N", "foundedInId": ubc }),
            "INVALID_ID",
            "input.foundedInId",
        ),
        (
            json!({ "name": "N", "foundedInId": "Q2l0eTo5OTk5" }),
            "NOT_FOUND",
            "input.foundedInId",
        ),
        (
            json!({ "name": "N", "slug": "ubc" }),
            "CONFLICT",
            "input.slug",
        ),
    ];
    for (input, code, field) in cases {
        refused(&app, CREATE_NETWORK, input, code, Some(field)).await;
    }
    refused(
        &app,
        UPDATE_NETWORK,
        json!({ "id": ubc, "foundedInId": berlin, "foundedYear": 1700 }),
        "BAD_USER_INPUT",
        Some("input.foundedYear"),
    )
    .await;
}

/// The current year as the server sees it (both run on this machine's clock).
fn chrono_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

#[tokio::test]
async fn memberships_are_created_updated_and_deleted() {
    let app = TestApp::builder().writable().spawn().await;
    let vienna = app.city_id("vienna").await;
    let ubc = app.network_id("ubc").await;
    let created = app
        .write_ok(
            CREATE_MEMBERSHIP,
            json!({ "input": { "cityId": vienna, "networkId": ubc, "role": "FOUNDING_MEMBER",
                "since": 1991, "representedBy": "City of Vienna" } }),
        )
        .await["createMembership"]["membership"]
        .clone();
    assert_eq!(created["city"]["slug"], "vienna");
    assert_eq!(created["network"]["slug"], "ubc");
    assert_eq!(created["role"], "FOUNDING_MEMBER");
    assert_eq!(created["since"], 1991);
    let members = app
        .data(
            "{ network(slug: \"ubc\") { members(filter: { nameContains: \"vienna\" }) { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(members["network"]["members"]["totalCount"], 1);

    let updated = app
        .write_ok(
            UPDATE_MEMBERSHIP,
            json!({ "input": { "id": created["id"], "role": "MEMBER", "representedBy": null } }),
        )
        .await["updateMembership"]["membership"]
        .clone();
    assert_eq!(updated["role"], "MEMBER");
    assert_eq!(updated["since"], 1991, "left out, so unchanged");
    assert_eq!(updated["representedBy"], Value::Null);

    let deleted = app
        .write_ok(
            DELETE_MEMBERSHIP,
            json!({ "input": { "id": created["id"] } }),
        )
        .await;
    assert_eq!(
        deleted["deleteMembership"]["deletedMembershipId"],
        created["id"]
    );
    let gone = app
        .data(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": created["id"] }),
        )
        .await;
    assert_eq!(gone["node"], Value::Null);
}

#[tokio::test]
async fn membership_input_is_validated() {
    let app = TestApp::builder().writable().spawn().await;
    let rostock = app.city_id("rostock").await;
    let vienna = app.city_id("vienna").await;
    let ubc = app.network_id("ubc").await;
    let cases = [
        (
            json!({ "cityId": rostock, "networkId": ubc }),
            "CONFLICT",
            None,
        ),
        (
            json!({ "cityId": vienna, "networkId": ubc, "since": 1700 }),
            "BAD_USER_INPUT",
            Some("input.since"),
        ),
        (
            json!({ "cityId": ubc, "networkId": ubc }),
            "INVALID_ID",
            Some("input.cityId"),
        ),
        (
            json!({ "cityId": vienna, "networkId": vienna }),
            "INVALID_ID",
            Some("input.networkId"),
        ),
        (
            json!({ "cityId": vienna, "networkId": "TmV0d29yazo5OTk5" }),
            "NOT_FOUND",
            Some("input.networkId"),
        ),
        (
            json!({ "cityId": vienna, "networkId": ubc, "representedBy": "a\u{0007}b" }),
            "BAD_USER_INPUT",
            Some("input.representedBy"),
        ),
    ];
    for (input, code, field) in cases {
        refused(&app, CREATE_MEMBERSHIP, input, code, field).await;
    }
    let body = app
        .write(
            CREATE_MEMBERSHIP,
            json!({ "input": { "cityId": vienna, "networkId": ubc, "role": "KING" } }),
        )
        .await;
    // A variable's value that does not fit its type is the client's input (issue 14.6).
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn events_and_their_participants_are_written() {
    let app = TestApp::builder().writable().spawn().await;
    let rostock = app.city_id("rostock").await;
    let berlin = app.city_id("berlin").await;
    let paris = app.city_id("paris").await;
    let ubc = app.network_id("ubc").await;
    let attended_by_berlin = "{ city(slug: \"berlin\") { attendedEvents { totalCount } } }";
    let berlin_before = app.data(attended_by_berlin, json!({})).await;
    let event = app
        .write_ok(
            CREATE_EVENT,
            json!({ "input": { "networkId": ubc, "kind": "CONFERENCE",
                "title": "UBC General Conference", "year": 2023, "topic": "resilience",
                "hostId": rostock, "participantIds": [berlin, paris] } }),
        )
        .await["createEvent"]["event"]
        .clone();
    assert_eq!(event["host"]["slug"], "rostock");
    assert_eq!(strings(&event["participants"], "slug"), ["berlin", "paris"]);
    let attended = app
        .data(
            "{ city(slug: \"paris\") { attendedEvents { nodes { title } } }
               search(query: \"general conference\") { ... on Event { title } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        strings(&attended["city"]["attendedEvents"], "title"),
        ["UBC General Conference"]
    );
    assert_eq!(attended["search"][0]["title"], "UBC General Conference");

    let pair = |city: &str| json!({ "input": { "eventId": event["id"], "cityId": city } });
    let added = app.write_ok(ADD_PARTICIPANT, pair(&rostock)).await;
    assert_eq!(
        strings(
            &added["addEventParticipant"]["event"]["participants"],
            "slug"
        ),
        ["berlin", "paris", "rostock"]
    );
    refused(
        &app,
        ADD_PARTICIPANT,
        pair(&rostock)["input"].clone(),
        "CONFLICT",
        Some("input.cityId"),
    )
    .await;
    app.write_ok(REMOVE_PARTICIPANT, pair(&berlin)).await;
    refused(
        &app,
        REMOVE_PARTICIPANT,
        pair(&berlin)["input"].clone(),
        "NOT_FOUND",
        Some("input.cityId"),
    )
    .await;

    let replaced = app
        .write_ok(
            UPDATE_EVENT,
            json!({ "input": { "id": event["id"], "participantIds": [berlin], "year": null } }),
        )
        .await["updateEvent"]["event"]
        .clone();
    assert_eq!(strings(&replaced["participants"], "slug"), ["berlin"]);
    assert_eq!(replaced["year"], Value::Null);
    assert_eq!(replaced["title"], "UBC General Conference");

    app.write_ok(DELETE_EVENT, json!({ "input": { "id": event["id"] } }))
        .await;
    assert_eq!(app.data(attended_by_berlin, json!({})).await, berlin_before);
    let events = app.data("{ events { totalCount } }", json!({})).await;
    assert_eq!(events["events"]["totalCount"], 6, "the seed's six");
}

#[tokio::test]
async fn event_input_is_validated() {
    let app = TestApp::builder().writable().spawn().await;
    let berlin = app.city_id("berlin").await;
    let ubc = app.network_id("ubc").await;
    let base = |extra: Value| {
        let mut input = json!({ "networkId": ubc, "kind": "CONFERENCE", "title": "T" });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        input
    };
    let cases = [
        (
            base(json!({ "title": " " })),
            "BAD_USER_INPUT",
            "input.title",
        ),
        (
            base(json!({ "year": 1066 })),
            "BAD_USER_INPUT",
            "input.year",
        ),
        (
            base(json!({ "participantIds": [berlin, berlin] })),
            "BAD_USER_INPUT",
            "input.participantIds[1]",
        ),
        (
            base(json!({ "participantIds": [berlin, "Q2l0eTo5OTk5"] })),
            "NOT_FOUND",
            "input.participantIds[1]",
        ),
        (
            base(json!({ "participantIds": [ubc] })),
            "INVALID_ID",
            "input.participantIds[0]",
        ),
        (
            base(json!({ "hostId": "Q2l0eTo5OTk5" })),
            "NOT_FOUND",
            "input.hostId",
        ),
        (
            base(json!({ "reportedParticipantCount": -3 })),
            "BAD_USER_INPUT",
            "input.reportedParticipantCount",
        ),
        (
            base(json!({ "networkId": berlin })),
            "INVALID_ID",
            "input.networkId",
        ),
    ];
    for (input, code, field) in cases {
        refused(&app, CREATE_EVENT, input, code, Some(field)).await;
    }
}

/// `updateEvent` writes the event's row before it checks the new participants: a failure there
/// must roll the row back too.
#[tokio::test]
async fn a_failure_late_in_a_mutation_rolls_back_its_earlier_statements() {
    let app = TestApp::builder().writable().spawn().await;
    let event = app
        .data("{ events(first: 1) { nodes { id title } } }", json!({}))
        .await["events"]["nodes"][0]
        .clone();
    refused(
        &app,
        UPDATE_EVENT,
        json!({ "id": event["id"], "title": "Renamed", "participantIds": ["Q2l0eTo5OTk5"] }),
        "NOT_FOUND",
        Some("input.participantIds[0]"),
    )
    .await;
    let after = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Event { title } } }",
            json!({ "id": event["id"] }),
        )
        .await;
    assert_eq!(after["node"]["title"], event["title"]);
}

#[tokio::test]
async fn twinnings_show_from_both_sides_and_are_validated() {
    let app = TestApp::builder().writable().spawn().await;
    let rostock = app.city_id("rostock").await;
    let berlin = app.city_id("berlin").await;
    let ubc = app.network_id("ubc").await;
    let pair = |a: &str, b: &str| json!({ "cityId": a, "twinId": b });
    let created = app
        .write_ok(CREATE_TWINNING, json!({ "input": pair(&berlin, &rostock) }))
        .await;
    assert_eq!(created["createTwinning"]["twin"]["slug"], "rostock");
    let twins = app
        .data(
            "{ berlin: city(slug: \"berlin\") { twinCities { nodes { slug } } }
               rostock: city(slug: \"rostock\") { twinCities { nodes { slug } } } }",
            json!({}),
        )
        .await;
    assert_eq!(strings(&twins["berlin"]["twinCities"], "slug"), ["rostock"]);
    let mut rostock_twins = strings(&twins["rostock"]["twinCities"], "slug");
    rostock_twins.sort();
    assert_eq!(rostock_twins, ["berlin", "dunkirk"]);

    refused(
        &app,
        CREATE_TWINNING,
        pair(&rostock, &berlin),
        "CONFLICT",
        Some("input.twinId"),
    )
    .await;
    refused(
        &app,
        CREATE_TWINNING,
        pair(&berlin, &berlin),
        "BAD_USER_INPUT",
        Some("input.twinId"),
    )
    .await;
    refused(
        &app,
        CREATE_TWINNING,
        pair(&berlin, &ubc),
        "INVALID_ID",
        Some("input.twinId"),
    )
    .await;

    app.write_ok(DELETE_TWINNING, json!({ "input": pair(&rostock, &berlin) }))
        .await;
    refused(
        &app,
        DELETE_TWINNING,
        pair(&rostock, &berlin),
        "NOT_FOUND",
        Some("input.twinId"),
    )
    .await;
    let after = app
        .data(
            "{ city(slug: \"berlin\") { twinCities { totalCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(after["city"]["twinCities"]["totalCount"], 0);
}

#[tokio::test]
async fn one_failing_mutation_leaves_its_siblings_in_the_document_alone() {
    let app = TestApp::builder().writable().spawn().await;
    let body = app
        .write(
            "mutation { ok: createCity(input: { name: \"Gotland\" }) { city { slug } }
                        bad: createCity(input: { name: \"\" }) { city { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["ok"]["city"]["slug"], "gotland");
    assert_eq!(body["data"]["bad"], Value::Null);
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["path"], json!(["bad"]));
}

#[tokio::test]
async fn an_explicit_null_for_a_field_that_cannot_be_cleared_is_refused() {
    let app = TestApp::builder().writable().spawn().await;
    let rostock = app.city_id("rostock").await;
    let ubc = app.network_id("ubc").await;
    refused(
        &app,
        UPDATE_CITY,
        json!({ "id": rostock, "name": null }),
        "BAD_USER_INPUT",
        Some("input.name"),
    )
    .await;
    refused(
        &app,
        UPDATE_NETWORK,
        json!({ "id": ubc, "topics": null }),
        "BAD_USER_INPUT",
        Some("input.topics"),
    )
    .await;
}

/// The request time limit stops queries, not mutations: a document of many mutations is
/// written whole, whatever the limit, so that the client knows what happened.
#[tokio::test]
async fn mutations_are_never_cut_off_half_way_by_the_time_limit() {
    let app = TestApp::builder()
        .envs(&[
            ("API_TOKENS", crate::helpers::TEST_TOKEN),
            ("REQUEST_TIMEOUT_MS", "1"),
        ])
        .spawn()
        .await;
    let fields: Vec<String> = (0..25)
        .map(|n| {
            format!("c{n}: createCity(input: {{ name: \"Timed Town {n}\" }}) {{ city {{ id }} }}")
        })
        .collect();
    let body = app
        .write(&format!("mutation {{ {} }}", fields.join(" ")), json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    // Read back through a second instance without the tight limit (a query may be cut off).
    let database = app.database.as_ref().expect("a test database");
    let reader = TestApp::builder()
        .settings(database.settings())
        .spawn()
        .await;
    let count = reader
        .data(
            "{ cities(filter: { nameContains: \"Timed Town\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(count["cities"]["totalCount"], 25);
}

/// What the sources say precisely — a count's qualifier, other names, the evidence of a
/// membership or an event — is written through the API as the import writes it, with the same
/// rules, and searchable where it is a name.
#[tokio::test]
async fn qualifiers_other_names_and_evidence_are_written_with_their_rules() {
    let app = TestApp::builder().writable().spawn().await;
    let network = app
        .write_ok(
            "mutation($input: CreateNetworkInput!) { createNetwork(input: $input) { network {
                id slug reportedMemberCount reportedMemberCountQualifier alternateNames } } }",
            json!({ "input": { "name": "Hanse League", "reportedMemberCount": 190,
                "reportedMemberCountQualifier": "ABOUT", "alternateNames": ["Städtehanse"] } }),
        )
        .await["createNetwork"]["network"]
        .clone();
    assert_eq!(network["reportedMemberCountQualifier"], "ABOUT");
    assert_eq!(network["alternateNames"], json!(["Städtehanse"]));
    let found = app
        .data(
            r#"{ search(query: "stadtehanse") { ... on Network { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(found["search"][0]["slug"], network["slug"], "{found}");
    // Clearing the count clears its qualifier.
    let cleared = app
        .write_ok(
            "mutation($input: UpdateNetworkInput!) { updateNetwork(input: $input) { network {
                reportedMemberCount reportedMemberCountQualifier alternateNames } } }",
            json!({ "input": { "id": network["id"], "reportedMemberCount": null } }),
        )
        .await["updateNetwork"]["network"]
        .clone();
    assert_eq!(cleared["reportedMemberCountQualifier"], Value::Null);
    assert_eq!(cleared["alternateNames"], json!(["Städtehanse"]), "kept");
    let create_network = "mutation($input: CreateNetworkInput!) {
        createNetwork(input: $input) { network { id } } }";
    refused(
        &app,
        create_network,
        json!({ "name": "Vague", "reportedMemberCountQualifier": "MORE_THAN" }),
        "BAD_USER_INPUT",
        Some("input.reportedMemberCountQualifier"),
    )
    .await;
    refused(
        &app,
        create_network,
        json!({ "name": "Twice", "alternateNames": ["A", "A"] }),
        "BAD_USER_INPUT",
        Some("input.alternateNames[1]"),
    )
    .await;

    let city = create_city(
        &app,
        json!({ "name": "Lübeck", "alternateNames": ["Lubeca"] }),
    )
    .await;
    let found = app
        .data(
            r#"{ search(query: "lubeca") { ... on City { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(found["search"][0]["id"], city["id"], "{found}");

    let membership = "mutation($input: CreateMembershipInput!) { createMembership(input: $input) {
        membership { id evidence { kind quote } } } }";
    refused(
        &app,
        membership,
        json!({ "cityId": city["id"], "networkId": network["id"], "evidence": { "kind": "STATED" } }),
        "BAD_USER_INPUT",
        Some("input.evidence.quote"),
    )
    .await;
    let created = app
        .write_ok(
            membership,
            json!({ "input": { "cityId": city["id"], "networkId": network["id"],
                "evidence": { "kind": "STATED", "quote": "Lübeck led the Hanse." } } }),
        )
        .await["createMembership"]["membership"]
        .clone();
    assert_eq!(
        created["evidence"],
        json!({ "kind": "STATED", "quote": "Lübeck led the Hanse." })
    );
    let updated = app
        .write_ok(
            "mutation($input: UpdateMembershipInput!) { updateMembership(input: $input) {
                membership { evidence { kind } since } } }",
            json!({ "input": { "id": created["id"], "since": 1990 } }),
        )
        .await["updateMembership"]["membership"]
        .clone();
    assert_eq!(updated["evidence"]["kind"], "STATED", "kept when left out");
    let kept = app
        .write_ok(
            "mutation($input: UpdateMembershipInput!) { updateMembership(input: $input) {
                membership { evidence { kind quote } } } }",
            json!({ "input": { "id": created["id"], "evidence": null } }),
        )
        .await["updateMembership"]["membership"]
        .clone();
    assert_eq!(kept["evidence"], Value::Null, "null clears the evidence");

    let event = app
        .write_ok(
            "mutation($input: CreateEventInput!) { createEvent(input: $input) {
                event { id evidence { kind quote } } } }",
            json!({ "input": { "networkId": network["id"], "kind": "CONFERENCE",
                "title": "Hansetag", "evidence": { "kind": "LISTED" } } }),
        )
        .await["createEvent"]["event"]
        .clone();
    assert_eq!(
        event["evidence"],
        json!({ "kind": "LISTED", "quote": null })
    );
    let renamed = app
        .write_ok(
            "mutation($input: UpdateEventInput!) { updateEvent(input: $input) {
                event { title evidence { kind } } } }",
            json!({ "input": { "id": event["id"], "title": "Hansetag 1356" } }),
        )
        .await["updateEvent"]["event"]
        .clone();
    assert_eq!(renamed["evidence"]["kind"], "LISTED", "kept when left out");
}
