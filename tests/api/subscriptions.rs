//! Subscriptions over a real WebSocket (`graphql-transport-ws`), fed by mutations that another
//! connection (plain HTTP) makes.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{client::IntoClientRequest, Message},
};

use crate::helpers::{Socket, TestApp, TEST_TOKEN};

/// A `graphql-transport-ws` client session.
pub(crate) struct Session {
    socket: Socket,
}

impl Session {
    /// Connects and completes `connection_init` / `connection_ack` with `payload`.
    pub(crate) async fn open(app: &TestApp, payload: Value) -> Self {
        let mut session = Self {
            socket: app.websocket().await,
        };
        session
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = session.receive(Duration::from_secs(5)).await;
        assert_eq!(
            ack.as_ref().map(|m| &m["type"]),
            Some(&json!("connection_ack"))
        );
        session
    }

    pub(crate) async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("the socket takes a message");
    }

    /// Closes the connection (a WebSocket close frame).
    pub(crate) async fn close(mut self) {
        self.socket.close(None).await.ok();
    }

    pub(crate) async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe",
            "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next protocol message within `wait`, skipping WebSocket-level pings.
    pub(crate) async fn receive(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??
                .expect("a valid frame");
            if let Message::Text(text) = frame {
                return Some(serde_json::from_str(&text).expect("a JSON message"));
            }
        }
    }

    /// The payload of the next `next` message for subscription `id` that `skip` does not
    /// recognise (as an echo of the writes that made the subscription live).
    pub(crate) async fn next_payload_except(
        &mut self,
        id: &str,
        skip: impl Fn(&Value) -> bool,
    ) -> Value {
        loop {
            let payload = self.next_payload(id).await;
            if !skip(&payload) {
                return payload;
            }
        }
    }

    /// The payload of the next `next` message for subscription `id`.
    pub(crate) async fn next_payload(&mut self, id: &str) -> Value {
        let message = self
            .receive(Duration::from_secs(5))
            .await
            .expect("a message arrives");
        assert_eq!(message["type"], "next", "{message:#}");
        assert_eq!(message["id"], id, "{message:#}");
        message["payload"].clone()
    }

    /// Repeats `poke` until subscription `id` reports something, so that the subscription is
    /// known to be live before the test's real writes. Returns what arrived.
    pub(crate) async fn wait_until_live(&mut self, id: &str, poke: impl AsyncPoke) -> Value {
        for _ in 0..50 {
            poke.poke().await;
            if let Some(message) = self.receive(Duration::from_millis(200)).await {
                assert_eq!(message["id"], id, "{message:#}");
                return message["payload"].clone();
            }
        }
        panic!("subscription {id} never delivered a change");
    }
}

/// A write that makes the subscription under test report something.
pub(crate) trait AsyncPoke {
    async fn poke(&self);
}

pub(crate) struct Mutation<'a> {
    pub app: &'a TestApp,
    pub query: &'a str,
    pub variables: Value,
}

impl AsyncPoke for Mutation<'_> {
    async fn poke(&self) {
        self.app.write_ok(self.query, self.variables.clone()).await;
    }
}

const UPDATE_MEMBERSHIP: &str = "mutation($id: ID!) {
    updateMembership(input: { id: $id, role: CO_FOUNDER }) { membership { id } } }";
const UPDATE_EVENT: &str = "mutation($input: UpdateEventInput!) {
    updateEvent(input: $input) { event { id } } }";
const CREATE_MEMBERSHIP: &str = "mutation($city: ID!, $network: ID!) {
    createMembership(input: { cityId: $city, networkId: $network, since: 2024 }) {
      membership { id } } }";

#[tokio::test]
async fn membership_changes_arrive_after_commit_filtered_by_network() {
    let app = TestApp::builder().writable().spawn().await;
    let ubc = app.network_id("ubc").await;
    let c40 = app.network_id("c40").await;
    let vienna = app.city_id("vienna").await;
    let rostock_in_ubc = app
        .data(
            "{ city(slug: \"rostock\") { memberships(first: 50) { nodes { id network { slug } } } } }",
            json!({}),
        )
        .await["city"]["memberships"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["network"]["slug"] == "ubc")
        .expect("Rostock is in UBC")["id"]
        .clone();

    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "ubc",
            "subscription($network: ID!) { membershipChanged(networkId: $network) {
                action membershipId cityId networkId
                membership { role since city { slug } network { slug } } } }",
            json!({ "network": ubc }),
        )
        .await;
    let first = session
        .wait_until_live(
            "ubc",
            Mutation {
                app: &app,
                query: UPDATE_MEMBERSHIP,
                variables: json!({ "id": rostock_in_ubc }),
            },
        )
        .await;
    let change = &first["data"]["membershipChanged"];
    assert_eq!(change["action"], "UPDATED");
    assert_eq!(change["membershipId"], rostock_in_ubc);
    assert_eq!(change["membership"]["city"]["slug"], "rostock");
    // Further echoes of the warm-up writes may still be on their way.
    let echo =
        |payload: &Value| payload["data"]["membershipChanged"]["membershipId"] == rostock_in_ubc;

    // A change in another network must not arrive; the one in UBC must, and be the next one.
    app.write_ok(CREATE_MEMBERSHIP, json!({ "city": vienna, "network": c40 }))
        .await;
    let created = app
        .write_ok(CREATE_MEMBERSHIP, json!({ "city": vienna, "network": ubc }))
        .await["createMembership"]["membership"]["id"]
        .clone();
    let payload = session.next_payload_except("ubc", echo).await;
    let change = &payload["data"]["membershipChanged"];
    assert_eq!(change["action"], "CREATED", "{payload:#}");
    assert_eq!(change["membershipId"], created);
    assert_eq!(change["cityId"], vienna);
    assert_eq!(change["networkId"], ubc);
    assert_eq!(change["membership"]["since"], 2024);
    assert_eq!(change["membership"]["network"]["slug"], "ubc");

    app.write_ok(
        "mutation($id: ID!) { deleteMembership(input: { id: $id }) { deletedMembershipId } }",
        json!({ "id": created }),
    )
    .await;
    let payload = session.next_payload_except("ubc", echo).await;
    let change = &payload["data"]["membershipChanged"];
    assert_eq!(change["action"], "DELETED");
    assert_eq!(change["membershipId"], created);
    assert_eq!(change["membership"], Value::Null);
}

/// `updateEvent` writes the event's row before it finds that a participant does not exist;
/// the rolled-back change must not be announced.
#[tokio::test]
async fn a_rolled_back_write_announces_nothing() {
    let app = TestApp::builder().writable().spawn().await;
    let events = app
        .data("{ events(first: 2) { nodes { id title } } }", json!({}))
        .await["events"]["nodes"]
        .clone();
    let (poked, other) = (events[0].clone(), events[1].clone());
    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "all",
            "subscription { eventChanged { eventId event { title } } }",
            json!({}),
        )
        .await;
    session
        .wait_until_live(
            "all",
            Mutation {
                app: &app,
                query: UPDATE_EVENT,
                variables: json!({ "input": { "id": poked["id"] } }),
            },
        )
        .await;

    let refused = app
        .write(
            UPDATE_EVENT,
            json!({ "input": { "id": poked["id"], "title": "Renamed",
                "participantIds": ["Q2l0eTo5OTk5"] } }),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "NOT_FOUND");
    app.write_ok(UPDATE_EVENT, json!({ "input": { "id": other["id"] } }))
        .await;
    let echo = |payload: &Value| {
        let change = &payload["data"]["eventChanged"];
        change["eventId"] == poked["id"] && change["event"]["title"] == poked["title"]
    };
    let payload = session.next_payload_except("all", echo).await;
    assert_eq!(
        payload["data"]["eventChanged"]["eventId"], other["id"],
        "the rolled-back write was not announced: {payload:#}"
    );
}

#[tokio::test]
async fn an_event_moved_to_another_network_is_announced_to_the_old_one() {
    let app = TestApp::builder().writable().spawn().await;
    let ubc = app.network_id("ubc").await;
    let c40 = app.network_id("c40").await;
    let event = app
        .data(
            "{ events(filter: { network: \"ubc\" }) { nodes { id } } }",
            json!({}),
        )
        .await["events"]["nodes"][0]["id"]
        .clone();
    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "ubc",
            "subscription($network: ID!) { eventChanged(networkId: $network) { eventId networkId } }",
            json!({ "network": ubc }),
        )
        .await;
    session
        .wait_until_live(
            "ubc",
            Mutation {
                app: &app,
                query: UPDATE_EVENT,
                variables: json!({ "input": { "id": event } }),
            },
        )
        .await;
    app.write_ok(
        UPDATE_EVENT,
        json!({ "input": { "id": event, "networkId": c40 } }),
    )
    .await;
    let echo = |payload: &Value| payload["data"]["eventChanged"]["networkId"] == ubc;
    let payload = session.next_payload_except("ubc", echo).await;
    assert_eq!(payload["data"]["eventChanged"]["eventId"], event);
    assert_eq!(payload["data"]["eventChanged"]["networkId"], c40);
}

#[tokio::test]
async fn a_connection_holds_at_most_a_hundred_subscriptions() {
    let app = TestApp::builder().writable().spawn().await;
    let mut session = Session::open(&app, json!({})).await;
    let query = "subscription { cityChanged { cityId } }";
    for n in 0..101 {
        session.subscribe(&format!("s{n}"), query, json!({})).await;
    }
    let mut refused = Vec::new();
    while let Some(message) = session.receive(Duration::from_millis(1500)).await {
        let errors = match message["type"].as_str() {
            Some("error") => message["payload"].clone(),
            Some("next") => message["payload"]["errors"].clone(),
            _ => continue,
        };
        if errors[0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS" {
            refused.push(message["id"].clone());
        }
    }
    assert_eq!(refused.len(), 1, "exactly one over the limit: {refused:?}");

    app.write_ok(
        "mutation { createCity(input: { name: \"Counted\" }) { city { id } } }",
        json!({}),
    )
    .await;
    let mut delivered = 0;
    while let Some(message) = session.receive(Duration::from_millis(1500)).await {
        if message["type"] == "next" && message["payload"]["data"]["cityChanged"].is_object() {
            delivered += 1;
        }
    }
    assert_eq!(
        delivered, 100,
        "the hundred live subscriptions each got the change"
    );
}

#[tokio::test]
async fn event_changes_can_be_followed_by_place_including_removals() {
    let app = TestApp::builder().writable().spawn().await;
    let paris = app.city_id("paris").await;
    let events = app
        .data(
            "{ paris: events(filter: { host: \"paris\" }) { nodes { id } }
               ubc: events(filter: { network: \"ubc\" }) { nodes { id title } } }",
            json!({}),
        )
        .await;
    let hosted_by_paris = events["paris"]["nodes"][0]["id"].clone();
    let ubc_founding = events["ubc"]["nodes"][0].clone();

    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "paris",
            "subscription($city: ID!) { eventChanged(cityId: $city) {
                action eventId event { title participants { nodes { slug } } } } }",
            json!({ "city": paris }),
        )
        .await;
    session
        .wait_until_live(
            "paris",
            Mutation {
                app: &app,
                query: UPDATE_EVENT,
                variables: json!({ "input": { "id": hosted_by_paris } }),
            },
        )
        .await;
    let echo = |payload: &Value| payload["data"]["eventChanged"]["eventId"] == hosted_by_paris;

    let pair = json!({ "input": { "eventId": ubc_founding["id"], "cityId": paris } });
    app.write_ok(
        "mutation($input: EventParticipantInput!) { addEventParticipant(input: $input) { event { id } } }",
        pair.clone(),
    )
    .await;
    let added = session.next_payload_except("paris", echo).await;
    let change = &added["data"]["eventChanged"];
    assert_eq!(change["eventId"], ubc_founding["id"]);
    assert_eq!(change["event"]["title"], ubc_founding["title"]);
    assert!(change["event"]["participants"]["nodes"]
        .as_array()
        .unwrap()
        .contains(&json!({ "slug": "paris" })));

    app.write_ok(
        "mutation($input: EventParticipantInput!) { removeEventParticipant(input: $input) { event { id } } }",
        pair,
    )
    .await;
    let removed = session.next_payload_except("paris", echo).await;
    assert_eq!(removed["data"]["eventChanged"]["action"], "UPDATED");
    assert_eq!(
        removed["data"]["eventChanged"]["eventId"],
        ubc_founding["id"]
    );
}

#[tokio::test]
async fn a_bad_subscription_argument_gets_a_coded_error() {
    let app = TestApp::builder().writable().spawn().await;
    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "bad",
            "subscription { membershipChanged(networkId: \"nonsense\") { action } }",
            json!({}),
        )
        .await;
    let message = session
        .receive(Duration::from_secs(5))
        .await
        .expect("an answer");
    let errors = match message["type"].as_str() {
        Some("error") => message["payload"].clone(),
        Some("next") => message["payload"]["errors"].clone(),
        other => panic!("unexpected {other:?}: {message:#}"),
    };
    assert_eq!(errors[0]["extensions"]["code"], "INVALID_ID", "{message:#}");
}

#[tokio::test]
async fn mutations_over_the_socket_take_the_token_from_connection_init() {
    let app = TestApp::builder().writable().spawn().await;
    let create = "mutation { createCity(input: { name: \"Kalmar\" }) { city { slug } } }";

    let mut anonymous = Session::open(&app, json!({})).await;
    anonymous.subscribe("1", create, json!({})).await;
    let payload = anonymous.next_payload("1").await;
    assert_eq!(
        payload["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    let mut writer = Session::open(
        &app,
        json!({ "Authorization": format!("Bearer {TEST_TOKEN}") }),
    )
    .await;
    writer.subscribe("1", create, json!({})).await;
    let payload = writer.next_payload("1").await;
    assert_eq!(payload["data"]["createCity"]["city"]["slug"], "kalmar");
}

#[tokio::test]
async fn a_plain_get_with_upgrade_but_no_protocol_is_refused_cleanly() {
    let app = TestApp::builder().writable().spawn().await;
    let url = app.graphql_url().replacen("http://", "ws://", 1);
    let request = url.into_client_request().unwrap();
    let error = connect_async(request)
        .await
        .expect_err("no subprotocol, no session");
    assert!(
        error.to_string().contains("400"),
        "the handshake is refused with 400: {error}"
    );
    let still = app.data("{ cities { totalCount } }", json!({})).await;
    assert_eq!(still["cities"]["totalCount"], 24);
}

/// The error payload of a `next` or `error` message, if it carries one.
pub(crate) fn errors_of(message: &Value) -> Value {
    match message["type"].as_str() {
        Some("error") => message["payload"].clone(),
        Some("next") => message["payload"]["errors"].clone(),
        _ => Value::Null,
    }
}

/// A subscription's selection is held to the query cost limit like a query's: each change
/// would run it for every subscriber.
#[tokio::test]
async fn a_costly_subscription_selection_is_refused() {
    let app = TestApp::builder().writable().spawn().await;
    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "costly",
            "subscription { membershipChanged { membership { network { members(first: 100) {
                nodes { networks(first: 100) { nodes { members(first: 100) { nodes { name } } } } }
            } } } } }",
            json!({}),
        )
        .await;
    let message = session
        .receive(Duration::from_secs(5))
        .await
        .expect("an answer");
    assert_eq!(
        errors_of(&message)[0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX",
        "{message:#}"
    );
}

/// `{"headers": {"Authorization": …}}` in `connection_init` carries the token too.
#[tokio::test]
async fn the_token_may_come_in_the_init_payloads_headers() {
    let app = TestApp::builder().writable().spawn().await;
    let mut writer = Session::open(
        &app,
        json!({ "headers": { "Authorization": format!("Bearer {TEST_TOKEN}") } }),
    )
    .await;
    writer
        .subscribe(
            "1",
            "mutation { createCity(input: { name: \"Visby\" }) { city { slug } } }",
            json!({}),
        )
        .await;
    let payload = writer.next_payload("1").await;
    assert_eq!(payload["data"]["createCity"]["city"]["slug"], "visby");
}

/// A commit that hands one subscription more changes than its backlog (a cascading delete of a
/// large network) ends it with `SUBSCRIPTION_LAGGED` instead of queueing them all, and other
/// subscriptions carry on.
#[tokio::test]
async fn a_huge_cascade_ends_a_subscription_as_lagged() {
    use entity::{membership, place};
    use sea_orm::{ActiveValue::Set, EntityTrait};

    let database = crate::helpers::TestDatabase::new().await;
    let mut app = TestApp::builder()
        .settings(database.settings_with(&[("API_TOKENS", TEST_TOKEN)]))
        .spawn()
        .await;
    let db = citynet::db::connect_for_maintenance(&database.settings())
        .await
        .unwrap();
    let places: Vec<place::ActiveModel> = (0..1100)
        .map(|i| place::ActiveModel {
            slug: Set(format!("lagging-place-{i}")),
            name: Set(format!("Lagging Place {i}")),
            name_folded: Set(format!("lagging place {i}")),
            kind: Set(place::PlaceKind::City),
            ..Default::default()
        })
        .collect();
    for chunk in places.chunks(200) {
        place::Entity::insert_many(chunk.to_vec())
            .exec(&db)
            .await
            .unwrap();
    }
    let ids: Vec<i32> = place::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.slug.starts_with("lagging-place-"))
        .map(|p| p.id)
        .collect();
    let network = app.network_id("ubc").await;
    let row = citynet::schema::ids::decode(&network).unwrap().1;
    let memberships: Vec<membership::ActiveModel> = ids
        .iter()
        .map(|&place| membership::ActiveModel {
            place_id: Set(place),
            network_id: Set(row),
            role: Set(membership::MembershipRole::Member),
            ..Default::default()
        })
        .collect();
    for chunk in memberships.chunks(200) {
        membership::Entity::insert_many(chunk.to_vec())
            .exec(&db)
            .await
            .unwrap();
    }
    db.close().await.unwrap();
    app.database = Some(database);

    let mut session = Session::open(&app, json!({})).await;
    session
        .subscribe(
            "all",
            "subscription { membershipChanged { action membershipId } }",
            json!({}),
        )
        .await;
    session
        .subscribe(
            "networks",
            "subscription { networkChanged { action networkId } }",
            json!({}),
        )
        .await;
    // Let the subscriptions start before the write.
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.write_ok(
        "mutation($id: ID!) { deleteNetwork(input: { id: $id, cascade: true }) { deletedNetworkId } }",
        json!({ "id": network }),
    )
    .await;
    let (mut lagged, mut membership_items, mut network_deleted) = (false, 0, false);
    while let Some(message) = session.receive(Duration::from_secs(3)).await {
        if message["id"] == "all"
            && errors_of(&message)[0]["extensions"]["code"] == "SUBSCRIPTION_LAGGED"
        {
            lagged = true;
        } else if message["id"] == "all" && message["type"] == "next" {
            membership_items += 1;
        } else if message["id"] == "networks" && message["type"] == "next" {
            network_deleted |= message["payload"]["data"]["networkChanged"]["action"] == "DELETED";
        }
    }
    assert!(lagged, "the membership subscription was ended as lagged");
    assert_eq!(membership_items, 0, "no part of the cascade was queued");
    assert!(network_deleted, "the other subscription heard the delete");
}

/// Errors sent over a WebSocket carry the id of the request that opened it, and are counted.
#[tokio::test]
async fn socket_errors_carry_the_upgrade_requests_id() {
    let app = TestApp::builder().spawn().await;
    let url = app.graphql_url().replacen("http://", "ws://", 1);
    let mut request = url.into_client_request().expect("a WebSocket request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("a header value"),
    );
    request
        .headers_mut()
        .insert("x-request-id", "socket-42".parse().expect("a header value"));
    let (socket, response) = connect_async(request).await.expect("the upgrade succeeds");
    assert_eq!(response.headers()["x-request-id"], "socket-42");
    let mut session = Session { socket };
    session
        .send(json!({ "type": "connection_init", "payload": {} }))
        .await;
    session.receive(Duration::from_secs(5)).await;
    session
        .subscribe("bad", "subscription { nope }", json!({}))
        .await;
    let message = session
        .receive(Duration::from_secs(5))
        .await
        .expect("an answer");
    let errors = errors_of(&message);
    assert_eq!(
        errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{message}"
    );
    assert_eq!(
        errors[0]["extensions"]["requestId"], "socket-42",
        "{message}"
    );
    let metrics = crate::metrics::metrics(&app).await;
    assert_eq!(
        crate::metrics::sample(
            &metrics,
            r#"citynet_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
}

/// RFC 6455: the client lists its subprotocols in order of preference, and the server picks the
/// first it speaks (Python's `gql` offers `graphql-ws` first and reads the answer as its choice).
#[tokio::test]
async fn the_clients_order_of_subprotocols_is_honoured() {
    let app = TestApp::builder().spawn().await;
    for (offered, chosen) in [
        ("graphql-ws, graphql-transport-ws", "graphql-ws"),
        ("graphql-transport-ws, graphql-ws", "graphql-transport-ws"),
        ("chat, graphql-ws", "graphql-ws"),
    ] {
        let url = app.graphql_url().replacen("http://", "ws://", 1);
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", offered.parse().unwrap());
        let (_socket, response) = connect_async(request).await.unwrap();
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            chosen,
            "offered {offered}"
        );
    }
}
