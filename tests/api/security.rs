//! Security (issue 13): nothing a client sends may pin a core, hold memory or descriptors, or
//! outlive its time limit. Each case is sent as an attacker would — fragment bombs, endless
//! WebSocket continuations, sockets that never initialise, bodies that never arrive, one address
//! holding many connections or subscriptions, filter variables reused under aliases, slow
//! queries over every transport — and must get a coded answer in bounded time while the server
//! keeps answering others. Time bounds are generous ("within 20 s"): they catch a hang, not a
//! slow machine.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_tungstenite::tungstenite::{
    protocol::{
        frame::{
            coding::{Data, OpCode},
            Frame,
        },
        CloseFrame,
    },
    Message,
};

use crate::helpers::{first_error_code, Socket, TestApp, TEST_TOKEN};

/// Generous: long enough for a loaded CI machine, short enough to catch a hang.
const PROMPTLY: Duration = Duration::from_secs(20);

/// Asserts `future` finishes within [`PROMPTLY`]; `what` names it in the failure.
async fn promptly<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    let started = Instant::now();
    let result = tokio::time::timeout(PROMPTLY, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {PROMPTLY:?}"));
    assert!(started.elapsed() < PROMPTLY, "{what}");
    result
}

async fn still_answers(app: &TestApp) {
    let response = promptly(
        "a plain query",
        fresh_client()
            .post(app.graphql_url())
            .json(&json!({ "query": "{ __typename }" }))
            .send(),
    )
    .await
    .expect("the server answers");
    let status = response.status();
    let body = response.text().await.expect("a body");
    assert_eq!(status, StatusCode::OK, "{body}");
    let body: Value = serde_json::from_str(&body).expect("a JSON body");
    assert_eq!(body["data"]["__typename"], "Query", "{body:#}");
}

/// The host:port the app listens on, for raw TCP clients.
fn socket_address(app: &TestApp) -> String {
    app.address
        .strip_prefix("http://")
        .expect("an http:// address")
        .to_owned()
}

/// Reads from `stream` until the peer closes it or `wait` has passed: what arrived, and whether
/// the connection ended.
async fn read_until_closed(stream: &mut TcpStream, wait: Duration) -> (String, bool) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let closed = loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => break false,
        }
    };
    (String::from_utf8_lossy(&received).into_owned(), closed)
}

/// A fresh client, so that no pooled connection is reused (or counted) between requests.
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client")
}

// ---------------------------------------------------------------------------------------------
// 1. Fragment double-spread bombs
// ---------------------------------------------------------------------------------------------

/// The bomb of the security review: each fragment spreads the previous one twice, so `levels`
/// fragments expand to 2^levels fields from a few hundred characters.
fn fragment_bomb(levels: usize) -> String {
    let mut query =
        format!("{{ networks(first:1){{nodes{{...F{levels}}}}} }} fragment F0 on Network{{name}}");
    for level in 1..=levels {
        let previous = level - 1;
        query.push_str(&format!(
            " fragment F{level} on Network{{...F{previous} ...F{previous}}}"
        ));
    }
    query
}

/// 18 levels (2^18 fields from under 800 characters) used to run for seconds and take 700 MB;
/// 26 held the server for half a minute; 39 pinned a core for good. Each is refused as too
/// complex at once, before any SQL and before any validation rule expands it.
#[tokio::test]
async fn fragment_bombs_are_refused_as_too_complex_at_once() {
    let app = TestApp::builder().spawn().await;
    for levels in [18, 26, 39] {
        let query = fragment_bomb(levels);
        let before = app.statements.get();
        let body = promptly(
            &format!("a {levels}-level bomb"),
            app.gql(&query, json!({})),
        )
        .await;
        assert_eq!(
            first_error_code(&body),
            "QUERY_TOO_COMPLEX",
            "{levels} levels: {body:#}"
        );
        assert!(body.get("data").is_none(), "{levels} levels: {body:#}");
        assert_eq!(app.statements.get(), before, "no SQL for a refused bomb");
    }
    // A chain that expands to few fields is an ordinary query.
    let data = app.data(&fragment_bomb(3), json!({})).await;
    assert!(data["networks"]["nodes"][0]["name"].is_string(), "{data:#}");
}

/// Two bombs at once leave the server answering a third client.
#[tokio::test]
async fn concurrent_fragment_bombs_do_not_stop_other_clients() {
    let app = TestApp::builder().spawn().await;
    let (big, bigger) = (fragment_bomb(26), fragment_bomb(39));
    let (first, second, plain) = tokio::join!(
        promptly("the first bomb", app.gql(&big, json!({}))),
        promptly("the second bomb", app.gql(&bigger, json!({}))),
        async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            promptly(
                "a plain query beside two bombs",
                app.data("{ __typename }", json!({})),
            )
            .await
        },
    );
    assert_eq!(first_error_code(&first), "QUERY_TOO_COMPLEX", "{first:#}");
    assert_eq!(first_error_code(&second), "QUERY_TOO_COMPLEX", "{second:#}");
    assert_eq!(plain["__typename"], "Query");
    still_answers(&app).await;
}

/// Chains that expand to a few hundred or thousand selections, around `MAX_QUERY_FIELDS`: each
/// is either refused as too complex or answered, and promptly either way (a chain the expansion
/// check let through used to pin a core in async-graphql's own walks of the document).
#[tokio::test]
async fn fragment_chains_around_the_field_limit_are_answered_promptly() {
    let app = TestApp::builder().spawn().await;
    let mut answered = 0;
    for levels in 8..=13 {
        let body = promptly(
            &format!("a {levels}-level chain"),
            app.gql(&fragment_bomb(levels), json!({})),
        )
        .await;
        match body.get("errors") {
            None => answered += 1,
            Some(_) => assert_eq!(
                first_error_code(&body),
                "QUERY_TOO_COMPLEX",
                "{levels} levels: {body:#}"
            ),
        }
    }
    assert!(answered > 0, "every chain was refused, even 2^8 fields");
    still_answers(&app).await;
}

// ---------------------------------------------------------------------------------------------
// 2. WebSocket: message size, initialisation timeout
// ---------------------------------------------------------------------------------------------

async fn open_socket(app: &TestApp) -> Socket {
    app.websocket().await
}

async fn send_json(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("the socket takes a message");
}

/// The next protocol message within `wait`, skipping WebSocket pings; `None` when nothing came.
async fn next_message(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => return None,
            Ok(Some(Ok(Message::Text(text)))) => {
                return Some(serde_json::from_str(&text).expect("a JSON message"))
            }
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            other => panic!("expected a message, got {other:?}"),
        }
    }
}

async fn init_socket(socket: &mut Socket, payload: Value) {
    send_json(
        socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    let ack = next_message(socket, Duration::from_secs(5)).await;
    assert_eq!(
        ack.as_ref().map(|m| &m["type"]),
        Some(&json!("connection_ack")),
        "{ack:?}"
    );
}

/// The close frame the server sends within `wait` (messages before it are skipped).
async fn close_frame(socket: &mut Socket, wait: Duration) -> CloseFrame {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Close(Some(frame))))) => return frame,
            Ok(Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// A frame of a fragmented text message: the first (`first`) or a continuation.
fn fragment(payload: Vec<u8>, first: bool, last: bool) -> Message {
    let opcode = if first { Data::Text } else { Data::Continue };
    Message::Frame(Frame::message(payload, OpCode::Data(opcode), last))
}

/// Sends a text message as a first frame without FIN and 1 KB continuation frames until the
/// frames hold 5 KB, none of them final (no `connection_init` needed); the close that answers.
async fn overflow_by_continuations(app: &TestApp) -> CloseFrame {
    let mut socket = open_socket(app).await;
    socket
        .send(fragment(vec![b' '; 1024], true, false))
        .await
        .unwrap();
    for _ in 0..4 {
        socket
            .send(fragment(vec![b' '; 1024], false, false))
            .await
            .unwrap();
    }
    close_frame(&mut socket, Duration::from_secs(10)).await
}

/// A message is capped as a whole, however small its frames: once a first frame without FIN and
/// its continuations exceed `WS_MAX_MESSAGE_BYTES`, the socket is closed (before, 1 GB of
/// continuations was buffered). A fragmented message under the cap is put together and
/// understood.
#[tokio::test]
async fn a_message_over_the_cap_in_continuation_frames_closes_the_socket() {
    let app = TestApp::builder()
        .envs(&[("WS_MAX_MESSAGE_BYTES", "4096")])
        .spawn()
        .await;

    let mut socket = open_socket(&app).await;
    let init = br#"{"type":"connection_init"}"#;
    socket
        .send(fragment(init[..10].to_vec(), true, false))
        .await
        .unwrap();
    socket
        .send(fragment(init[10..].to_vec(), false, true))
        .await
        .unwrap();
    let ack = next_message(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(
        ack.map(|m| m["type"].clone()),
        Some(json!("connection_ack"))
    );

    let frame = overflow_by_continuations(&app).await;
    assert!(frame.reason.len() <= 123, "{frame:?}");
    still_answers(&app).await;
}

/// ... and the close code is 1009 (message too big), as the README says.
#[tokio::test]
async fn a_message_over_the_cap_in_continuation_frames_closes_with_1009() {
    let app = TestApp::builder()
        .envs(&[("WS_MAX_MESSAGE_BYTES", "4096")])
        .spawn()
        .await;
    let frame = overflow_by_continuations(&app).await;
    assert_eq!(u16::from(frame.code), 1009, "{frame:?}");
}

/// A message in a single frame is a message too: over `WS_MAX_MESSAGE_BYTES` (here below
/// `WS_MAX_FRAME_BYTES`, left at its default) it closes the socket with 1009, as the README's
/// settings table says.
#[tokio::test]
async fn a_single_frame_message_over_the_cap_closes_with_1009() {
    let app = TestApp::builder()
        .envs(&[("WS_MAX_MESSAGE_BYTES", "4096")])
        .spawn()
        .await;
    let mut socket = open_socket(&app).await;
    let padding = "x".repeat(5_000);
    send_json(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "padding": padding } }),
    )
    .await;
    let frame = close_frame(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(u16::from(frame.code), 1009, "{frame:?}");
}

/// A frame over `WS_MAX_FRAME_BYTES` closes the socket with 1009.
#[tokio::test]
async fn a_frame_over_the_frame_cap_closes_with_1009() {
    let app = TestApp::builder()
        .envs(&[("WS_MAX_FRAME_BYTES", "4096")])
        .spawn()
        .await;
    let mut socket = open_socket(&app).await;
    let padding = "x".repeat(5_000);
    send_json(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "padding": padding } }),
    )
    .await;
    let frame = close_frame(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(u16::from(frame.code), 1009, "{frame:?}");
}

/// graphql-transport-ws: a socket that sends no `connection_init` within `WS_INIT_TIMEOUT_MS`
/// is closed with 4408; one that did is left open.
#[tokio::test]
async fn a_socket_without_connection_init_is_closed_with_4408() {
    let app = TestApp::builder()
        .envs(&[("WS_INIT_TIMEOUT_MS", "300")])
        .spawn()
        .await;
    let mut silent = open_socket(&app).await;
    let mut initialised = open_socket(&app).await;
    init_socket(&mut initialised, json!({})).await;

    let frame = close_frame(&mut silent, Duration::from_secs(10)).await;
    assert_eq!(u16::from(frame.code), 4408, "{frame:?}");

    // Well past the timeout, the initialised socket still answers.
    tokio::time::sleep(Duration::from_millis(600)).await;
    send_json(&mut initialised, json!({ "type": "ping" })).await;
    let pong = next_message(&mut initialised, Duration::from_secs(5)).await;
    assert_eq!(pong.map(|m| m["type"].clone()), Some(json!("pong")));
}

// ---------------------------------------------------------------------------------------------
// 3. Slow heads and bodies
// ---------------------------------------------------------------------------------------------

/// Short, yet well above the 500 ms by which actix's cached clock may lag (see
/// `a_short_body_timeout_never_refuses_prompt_requests`).
const BODY_TIMEOUT_MS: &str = "1500";

/// A body announced as 100 000 bytes of which a few arrive, then nothing: 408
/// `REQUEST_TIMEOUT` after `REQUEST_BODY_TIMEOUT_MS`, and the connection ends.
#[tokio::test]
async fn a_body_that_never_arrives_gets_408_and_the_connection_ends() {
    let app = TestApp::builder()
        .envs(&[("REQUEST_BODY_TIMEOUT_MS", BODY_TIMEOUT_MS)])
        .spawn()
        .await;
    let mut stream = TcpStream::connect(socket_address(&app)).await.unwrap();
    stream
        .write_all(
            b"POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Content-Length: 100000\r\n\r\n{\"query\":\"{ __typ",
        )
        .await
        .unwrap();
    let (response, closed) = read_until_closed(&mut stream, PROMPTLY).await;
    assert!(
        response.starts_with("HTTP/1.1 408"),
        "expected 408, got {response:?}"
    );
    assert!(response.contains("REQUEST_TIMEOUT"), "{response:?}");
    assert!(
        closed,
        "the connection stays open after the 408: {response:?}"
    );
    still_answers(&app).await;
}

/// A request head that never completes is dropped after `REQUEST_BODY_TIMEOUT_MS` too.
#[tokio::test]
async fn a_head_that_never_completes_is_dropped() {
    let app = TestApp::builder()
        .envs(&[("REQUEST_BODY_TIMEOUT_MS", BODY_TIMEOUT_MS)])
        .spawn()
        .await;
    let mut stream = TcpStream::connect(socket_address(&app)).await.unwrap();
    stream
        .write_all(b"POST /graphql HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let (response, closed) = read_until_closed(&mut stream, PROMPTLY).await;
    assert!(closed, "the connection is still open: {response:?}");
    assert!(
        response.is_empty() || response.starts_with("HTTP/1.1 408"),
        "{response:?}"
    );
}

/// A well-behaved client sends its head and body at once; at the shortest
/// `REQUEST_BODY_TIMEOUT_MS` allowed (1000: actix-http times request heads on a clock refreshed
/// every 500 ms, so 300 refused about 2 prompt requests in 5), it never gets 408.
#[tokio::test]
async fn the_shortest_body_timeout_never_refuses_prompt_requests() {
    let app = TestApp::builder()
        .envs(&[("REQUEST_BODY_TIMEOUT_MS", "1000")])
        .spawn()
        .await;
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let response = fresh_client()
            .post(app.graphql_url())
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("the server answers");
        statuses.push(response.status().as_u16());
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert!(statuses.iter().all(|&status| status == 200), "{statuses:?}");
}

// ---------------------------------------------------------------------------------------------
// 4. Connections per address
// ---------------------------------------------------------------------------------------------

/// With `MAX_CONNECTIONS_PER_IP=3`, three idle connections leave a fourth answered 503
/// `TOO_MANY_CONNECTIONS` and closed; once they close, requests are served again.
#[tokio::test]
async fn connections_over_the_per_address_cap_get_503_until_others_close() {
    let app = TestApp::builder()
        .envs(&[("MAX_CONNECTIONS_PER_IP", "3")])
        .spawn()
        .await;
    let address = socket_address(&app);
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(&address).await.unwrap());
    }
    // Let the server accept (and count) them.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let response = fresh_client()
        .post(app.graphql_url())
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(first_error_code(&body), "TOO_MANY_CONNECTIONS", "{body:#}");

    // The refused connection is closed, not kept.
    let mut fourth = TcpStream::connect(&address).await.unwrap();
    fourth
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let (response, closed) = read_until_closed(&mut fourth, PROMPTLY).await;
    assert!(response.starts_with("HTTP/1.1 503"), "{response:?}");
    assert!(response.contains("TOO_MANY_CONNECTIONS"), "{response:?}");
    assert!(closed, "the refused connection stays open");

    drop(idle);
    let started = Instant::now();
    loop {
        let response = fresh_client()
            .post(app.graphql_url())
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("the server answers");
        if response.status() == StatusCode::OK {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["data"]["__typename"], "Query", "{body:#}");
            break;
        }
        assert!(
            started.elapsed() < PROMPTLY,
            "still refused after the idle connections closed: {}",
            response.status()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Open WebSockets count as connections too.
#[tokio::test]
async fn websockets_count_against_the_per_address_cap() {
    let app = TestApp::builder()
        .envs(&[("MAX_CONNECTIONS_PER_IP", "2")])
        .spawn()
        .await;
    let mut sockets = Vec::new();
    for _ in 0..2 {
        let mut socket = open_socket(&app).await;
        init_socket(&mut socket, json!({})).await;
        sockets.push(socket);
    }
    let response = fresh_client()
        .get(format!("{}/health", app.address))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(first_error_code(&body), "TOO_MANY_CONNECTIONS", "{body:#}");
}

// ---------------------------------------------------------------------------------------------
// 5. Filters: variable reuse, LIKE wildcards, long texts
// ---------------------------------------------------------------------------------------------

/// `$f` = 100 branches of 100 country codes (52 KB, under `MAX_VARIABLES_BYTES`) used 100 times
/// in one filter under 8 aliases: 80 000 uses of 100 values. Refused as input, at once — before,
/// 13 s and 2.7 GB, and from four uses on an `INTERNAL_SERVER_ERROR` (SQLite's bound values).
#[tokio::test]
async fn a_filter_variable_reused_under_aliases_is_refused_as_input() {
    let app = TestApp::builder().spawn().await;
    let filter = json!({ "or": vec![json!({ "countryCodes": vec!["DE"; 100] }); 100] });
    let uses = vec!["$f"; 100].join(", ");
    let fields: String = (0..8)
        .map(|i| format!(" a{i}: cities(first: 1, filter: {{ or: [{uses}] }}) {{ totalCount }}"))
        .collect();
    let query = format!("query($f: CityFilter) {{{fields} }}");
    let before = app.statements.get();
    let body = promptly(
        "a reused filter variable",
        app.gql(&query, json!({ "f": filter })),
    )
    .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert_eq!(app.statements.get(), before, "no SQL for a refused filter");

    // Four uses in one field: the size that used to overflow SQLite's bound values.
    let body = promptly(
        "a filter variable used four times",
        app.gql(
            "query($f: CityFilter) { cities(first: 1, filter: { or: [$f, $f, $f, $f] }) \
             { totalCount } }",
            json!({ "f": filter }),
        ),
    )
    .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body:#}");

    // Once: 10 000 values, over the filter's 1 000.
    let body = promptly(
        "a filter of 10 000 values",
        app.gql(
            "query($f: CityFilter) { cities(first: 1, filter: $f) { totalCount } }",
            json!({ "f": filter }),
        ),
    )
    .await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body:#}");
    still_answers(&app).await;
}

/// `%`, `_` and `\` in `nameContains` stand for themselves, in names and acronyms alike: no
/// network's name or acronym holds them, so none matches (before, `%` matched every network
/// with an acronym).
#[tokio::test]
async fn like_wildcards_in_name_contains_match_themselves() {
    let app = TestApp::builder().spawn().await;
    let count = |text: &'static str| {
        let app = &app;
        async move {
            let data = app
                .data(
                    "query($t: String!) { networks(filter: { nameContains: $t }) { totalCount } }",
                    json!({ "t": text }),
                )
                .await;
            data["networks"]["totalCount"].as_i64().expect("a count")
        }
    };
    assert!(count("UBC").await >= 1, "an acronym matches");
    assert!(count("a").await >= 1, "a name matches");
    for wildcard in ["%", "_", "\\", "%%", "U_C", "U%"] {
        assert_eq!(count(wildcard).await, 0, "nameContains: {wildcard:?}");
    }
}

/// A 50 001-character `nameContains` is the client's error (it used to be a server fault).
#[tokio::test]
async fn an_overlong_name_filter_is_bad_user_input() {
    let app = TestApp::builder().spawn().await;
    for list in ["networks", "cities"] {
        let body = app
            .gql(
                &format!(
                    "query($t: String!) {{ {list}(filter: {{ nameContains: $t }}) {{ totalCount }} }}"
                ),
                json!({ "t": "a".repeat(50_001) }),
            )
            .await;
        assert_eq!(
            first_error_code(&body),
            "BAD_USER_INPUT",
            "{list}: {body:#}"
        );
    }
    still_answers(&app).await;
}

// ---------------------------------------------------------------------------------------------
// 6. and 7. GET's operationName; suggestions in production
// ---------------------------------------------------------------------------------------------

/// `GET /graphql?query=…&operationName=B` runs B (async-graphql itself reads only
/// `operation_name`).
#[tokio::test]
async fn get_runs_the_operation_named_by_operation_name() {
    let app = TestApp::builder().spawn().await;
    let document = "query A { __typename } query B { rateLimit { cost } }";
    let get = |operation: &'static str| {
        app.client
            .get(app.graphql_url())
            .query(&[("query", document), ("operationName", operation)])
            .send()
    };
    let body: Value = get("B").await.unwrap().json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["rateLimit"]["cost"], 1, "{body:#}");
    assert!(body["data"].get("__typename").is_none(), "ran A: {body:#}");

    let body: Value = get("A").await.unwrap().json().await.unwrap();
    assert_eq!(body["data"]["__typename"], "Query", "{body:#}");
    assert!(body["data"].get("rateLimit").is_none(), "ran B: {body:#}");
}

/// In production (introspection off), validation errors do not suggest field names: they
/// would reveal the schema that introspection hides. In development they do.
#[tokio::test]
async fn production_errors_do_not_suggest_field_names() {
    let misspelt = "{ cities { nodes { nam } } }";
    let development = TestApp::builder().spawn().await;
    let body = development.gql(misspelt, json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean"),
        "development suggests: {body:#}"
    );

    let production = TestApp::builder()
        .envs(&[("CITYNET_ENV", "production")])
        .spawn()
        .await;
    for query in [
        misspelt,
        "{ citys { totalCount } }",
        "{ networks(frist: 1) { totalCount } }",
        "{ cities(orderBy: { field: NAM }) { totalCount } }",
    ] {
        let body = production.gql(query, json!({})).await;
        let errors = body["errors"].as_array().expect("errors");
        assert!(!errors.is_empty(), "{query}: {body:#}");
        for error in errors {
            let message = error["message"].as_str().unwrap();
            assert!(
                !message.contains("Did you mean"),
                "{query}: suggests {message:?}"
            );
        }
        assert_eq!(
            first_error_code(&body),
            "GRAPHQL_VALIDATION_FAILED",
            "{query}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Subscriptions per address
// ---------------------------------------------------------------------------------------------

/// The error code of a message that refuses operation `id` (an `error` message, or a `next`
/// carrying errors); `None` for anything else.
fn refusal_code(message: &Value, id: &str) -> Option<String> {
    if message["id"] != id {
        return None;
    }
    let errors = match message["type"].as_str() {
        Some("error") => &message["payload"],
        Some("next") => &message["payload"]["errors"],
        _ => return None,
    };
    errors[0]["extensions"]["code"].as_str().map(str::to_owned)
}

/// The next `next` or `error` message for operation `id` within `wait`, skipping messages for
/// other operations and `complete` messages; `None` when none came.
async fn answer_to(socket: &mut Socket, id: &str, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let message = next_message(socket, left).await?;
        if message["id"] == id && matches!(message["type"].as_str(), Some("next" | "error")) {
            return Some(message);
        }
    }
}

/// `MAX_SUBSCRIPTIONS_PER_IP=2`: a third subscription from the same address is refused with
/// `TOO_MANY_SUBSCRIPTIONS`, on the same socket or another; completing one frees its place.
#[tokio::test]
async fn subscriptions_per_address_are_capped() {
    let app = TestApp::builder()
        .envs(&[
            ("API_TOKENS", TEST_TOKEN),
            ("MAX_SUBSCRIPTIONS_PER_IP", "2"),
        ])
        .spawn()
        .await;
    let subscribe = |id: &str| {
        json!({ "id": id, "type": "subscribe",
                "payload": { "query": "subscription { cityChanged { action cityId } }" } })
    };
    let mut first = open_socket(&app).await;
    init_socket(&mut first, json!({})).await;
    send_json(&mut first, subscribe("a1")).await;
    send_json(&mut first, subscribe("a2")).await;
    send_json(&mut first, subscribe("a3")).await;
    let message = answer_to(&mut first, "a3", Duration::from_secs(5))
        .await
        .expect("the third subscription is answered");
    assert_eq!(
        refusal_code(&message, "a3").as_deref(),
        Some("TOO_MANY_SUBSCRIPTIONS"),
        "{message:#}"
    );

    let mut second = open_socket(&app).await;
    init_socket(&mut second, json!({})).await;
    send_json(&mut second, subscribe("b1")).await;
    let message = answer_to(&mut second, "b1", Duration::from_secs(5))
        .await
        .expect("a subscription over the address's limit is answered");
    assert_eq!(
        refusal_code(&message, "b1").as_deref(),
        Some("TOO_MANY_SUBSCRIPTIONS"),
        "{message:#}"
    );

    // Completing one on the first socket gives its place back.
    send_json(&mut first, json!({ "id": "a1", "type": "complete" })).await;
    let mut accepted = None;
    let started = Instant::now();
    for attempt in 0.. {
        if started.elapsed() > PROMPTLY {
            break;
        }
        let id = format!("b{}", attempt + 2);
        send_json(&mut second, subscribe(&id)).await;
        match answer_to(&mut second, &id, Duration::from_millis(300)).await {
            None => {
                accepted = Some(id);
                break;
            }
            Some(message) => assert_eq!(
                refusal_code(&message, &id).as_deref(),
                Some("TOO_MANY_SUBSCRIPTIONS"),
                "{message:#}"
            ),
        }
    }
    let accepted = accepted.expect("a place is free once a subscription completed");
    app.write_ok(
        "mutation { createCity(input: { name: \"Subscribed Town\" }) { city { id } } }",
        json!({}),
    )
    .await;
    let message = answer_to(&mut second, &accepted, Duration::from_secs(5))
        .await
        .expect("the accepted subscription delivers");
    assert_eq!(message["id"], accepted.as_str(), "{message:#}");
    assert_eq!(
        message["payload"]["data"]["cityChanged"]["action"], "CREATED",
        "{message:#}"
    );
}

// ---------------------------------------------------------------------------------------------
// 9. The time limit over every transport
// ---------------------------------------------------------------------------------------------

/// Partners of a hundred places, each joining every membership of its networks: seconds of
/// SQL on the generated world.
const SLOW_QUERY: &str = "{ cities(first: 100) { nodes { partners(first: 100) { totalCount \
                          nodes { sharedNetworkCount city { name } } } } } }";

/// The settings of the time-limit tests: a short limit, and no cost or rate limit in the way of
/// the slow query.
const TIME_LIMITED: &[(&str, &str)] = &[
    ("REQUEST_TIMEOUT_MS", "300"),
    ("MAX_QUERY_COMPLEXITY", "100000000"),
    ("RATE_LIMIT_POINTS", "0"),
];

/// A query operation is stopped at `REQUEST_TIMEOUT_MS` however it arrives: alone over HTTP
/// (503), in a batch beside a mutation (its entry; the mutation still runs), and over
/// graphql-transport-ws (an error on its operation; the socket goes on). Before, a batch with a
/// mutation and any WebSocket query ran without a limit.
#[tokio::test]
async fn slow_queries_are_stopped_at_the_time_limit_over_every_transport() {
    let app = TestApp::over_generated_world(TIME_LIMITED).await;

    // Alone over HTTP.
    let response = promptly(
        "a slow query over HTTP",
        app.client
            .post(app.graphql_url())
            .json(&json!({ "query": SLOW_QUERY }))
            .send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(first_error_code(&body), "REQUEST_TIMEOUT", "{body:#}");

    // In a batch beside a mutation.
    let batch = json!([{ "query": "mutation { __typename }" }, { "query": SLOW_QUERY }]);
    let response = promptly(
        "a batch holding a mutation and a slow query",
        app.client.post(app.graphql_url()).json(&batch).send(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body[0]["data"]["__typename"], "Mutation", "{body:#}");
    assert_eq!(first_error_code(&body[1]), "REQUEST_TIMEOUT", "{body:#}");

    // Over the WebSocket.
    let mut socket = open_socket(&app).await;
    init_socket(&mut socket, json!({})).await;
    send_json(
        &mut socket,
        json!({ "id": "slow", "type": "subscribe", "payload": { "query": SLOW_QUERY } }),
    )
    .await;
    let message = answer_to(&mut socket, "slow", PROMPTLY)
        .await
        .expect("the slow query is answered within the bound");
    assert_eq!(
        refusal_code(&message, "slow").as_deref(),
        Some("REQUEST_TIMEOUT"),
        "{message:#}"
    );
    // The socket goes on.
    send_json(
        &mut socket,
        json!({ "id": "quick", "type": "subscribe",
                "payload": { "query": "{ cities(first: 1) { totalCount } }" } }),
    )
    .await;
    let message = answer_to(&mut socket, "quick", Duration::from_secs(10))
        .await
        .expect("the quick query is answered");
    assert_eq!(
        message["payload"]["data"]["cities"]["totalCount"], 2000,
        "{message:#}"
    );
    still_answers(&app).await;
}

/// A socket runs at most 4 queries at once: of six slow ones sent together, the last two are
/// refused with `TOO_MANY_OPERATIONS` and the others stopped by the time limit.
#[tokio::test]
async fn a_socket_runs_at_most_four_queries_at_once() {
    let app = TestApp::over_generated_world(TIME_LIMITED).await;
    let mut socket = open_socket(&app).await;
    init_socket(&mut socket, json!({})).await;
    for n in 0..6 {
        send_json(
            &mut socket,
            json!({ "id": format!("q{n}"), "type": "subscribe",
                    "payload": { "query": SLOW_QUERY } }),
        )
        .await;
    }
    let mut codes = Vec::new();
    while codes.len() < 6 {
        let message = next_message(&mut socket, PROMPTLY)
            .await
            .expect("every query is answered");
        if !matches!(message["type"].as_str(), Some("next" | "error")) {
            continue;
        }
        let id = message["id"].as_str().unwrap_or_default().to_owned();
        let code = refusal_code(&message, &id).unwrap_or_else(|| "ANSWERED".into());
        codes.push((id, code));
    }
    codes.sort();
    let count = |code: &str| codes.iter().filter(|(_, c)| c == code).count();
    assert_eq!(count("TOO_MANY_OPERATIONS"), 2, "{codes:?}");
    assert_eq!(count("REQUEST_TIMEOUT"), 4, "{codes:?}");
    still_answers(&app).await;
}

/// The slow query is slow because of the work, not the limit: without the limit it completes
/// (on a generous bound). This keeps the time-limit tests honest: if the query became fast,
/// they would pass without testing anything, and this test would show it.
#[tokio::test]
async fn the_slow_query_takes_longer_than_the_time_limit() {
    let app = TestApp::over_generated_world(&[
        ("REQUEST_TIMEOUT_MS", "60000"),
        ("MAX_QUERY_COMPLEXITY", "100000000"),
        ("RATE_LIMIT_POINTS", "0"),
    ])
    .await;
    let started = Instant::now();
    let body = tokio::time::timeout(Duration::from_secs(60), app.gql(SLOW_QUERY, json!({})))
        .await
        .expect("the slow query completes without a limit");
    let took = started.elapsed();
    assert!(body.get("errors").is_none(), "{body:#}");
    assert!(
        took > Duration::from_millis(600),
        "the slow query took only {took:?}, not enough for a 300 ms limit to stop it"
    );
}

// ---------------------------------------------------------------------------------------------
// 10. Back to idle
// ---------------------------------------------------------------------------------------------

/// The CPU seconds (user and system) the process `pid` has used, from `/proc/<pid>/stat`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process's stat");
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    let after_name = &stat[stat.rfind(')').expect("a command name") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let per_second: f64 = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0);
    ticks as f64 / per_second
}

/// The resident memory of process `pid` in MiB, from `/proc/<pid>/status`.
fn resident_mib(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process's status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kib| kib.parse::<u64>().ok())
        .expect("VmRSS")
        / 1024
}

/// After a burst of hostile requests — fragment bombs, a reused filter variable, and slow
/// queries stopped at their time limit — the real binary goes back to idle: it spends no CPU
/// while nobody asks (before, SQL went on for seconds after the 503), and its memory stays
/// bounded (before, a reused filter kept 2.3 GB).
#[tokio::test]
async fn the_process_returns_to_idle_after_a_hostile_burst() {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return; // Linux only: CI is.
    }
    let generated = TestApp::over_generated_world(&[]).await;
    let database = generated.database.as_ref().expect("a database");
    let workdir = tempfile::tempdir().expect("a working directory");
    let server = crate::crash::start_with(&database.url, workdir.path(), TIME_LIMITED).await;
    let pid = server.child.id();
    let client = fresh_client();
    let url = format!("{}/graphql", server.address);
    let filter = json!({ "or": vec![json!({ "countryCodes": vec!["DE"; 100] }); 100] });
    let reused = format!(
        "query($f: CityFilter) {{ {} }}",
        (0..8)
            .map(|i| format!(
                "a{i}: cities(first: 1, filter: {{ or: [{}] }}) {{ totalCount }}",
                vec!["$f"; 100].join(", ")
            ))
            .collect::<String>()
    );
    let mut requests = Vec::new();
    for round in 0..4 {
        requests.push(json!({ "query": SLOW_QUERY }));
        requests.push(json!({ "query": fragment_bomb(26 + round) }));
        requests.push(json!({ "query": reused, "variables": { "f": filter } }));
    }
    let answers = futures_util::future::join_all(requests.iter().map(|body| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            client
                .post(url)
                .json(body)
                .send()
                .await
                .map(|response| response.status())
        }
    }));
    let statuses = promptly("the hostile burst", answers).await;
    assert!(
        statuses
            .iter()
            .all(|status| matches!(status, Ok(s) if s.as_u16() < 500 || s.as_u16() == 503)),
        "{statuses:?}"
    );
    // Whatever was stopped must stop: measure the CPU over a quiet second and a half.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = cpu_seconds(pid);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let busy = cpu_seconds(pid) - before;
    assert!(busy < 0.3, "{busy:.2} CPU seconds spent while idle");
    let resident = resident_mib(pid);
    assert!(resident < 400, "{resident} MiB resident after the burst");
    let health = client
        .get(format!("{}/health", server.address))
        .send()
        .await
        .expect("the server still answers");
    assert!(health.status().is_success());
}
