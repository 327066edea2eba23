//! Hostile input against the real `citynet` binary (a process of its own, so that an abort or
//! the memory it keeps shows): deeply nested texts on every transport, caches filled with
//! entries built to be large, and federation's `_entities` asked for many representations.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::{
    crash::{start_with, Process},
    helpers::{first_error_code, TestApp, TestDatabase},
};

/// The server's resident memory in bytes, from `/proc`.
fn resident_bytes(process: &Process) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", process.child.id()))
        .expect("the process's status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in the status");
    kib * 1024
}

/// Panics unless the process still runs and answers.
async fn assert_alive(process: &mut Process, after: &str) {
    assert!(
        process
            .child
            .try_wait()
            .expect("the process's state")
            .is_none(),
        "the server died after {after}"
    );
    let health = reqwest::get(format!("{}/health", process.address)).await;
    assert!(
        health.is_ok_and(|response| response.status().is_success()),
        "the server stopped answering after {after}"
    );
}

/// The code of the first error of a GraphQL answer, or of the refusal the HTTP layer sent.
fn code_of(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

/// How a text is nested: lists in an argument, objects in an argument, or selections.
#[derive(Debug, Clone, Copy)]
enum Nesting {
    Lists,
    Objects,
    Selections,
}

/// What comes before the nested part: nothing, or a comment ended by a line terminator (which
/// must end the comment for the measure as for the parser).
#[derive(Debug, Clone, Copy)]
enum Before {
    Nothing,
    Comment(&'static str),
    /// The word that makes the executor look for a mutation.
    MutationComment,
}

fn nested_text(nesting: Nesting, levels: usize, before: Before) -> String {
    let prefix = match before {
        Before::Nothing => String::new(),
        Before::Comment(terminator) => format!("#{terminator}"),
        Before::MutationComment => "# mutation\n".to_owned(),
    };
    match nesting {
        Nesting::Lists => format!(
            "{{ a(b: {prefix}{}1{}) }}",
            "[".repeat(levels),
            "]".repeat(levels)
        ),
        Nesting::Objects => format!(
            "{{ a(b: {prefix}{}1{}) }}",
            "{a: ".repeat(levels),
            "}".repeat(levels)
        ),
        Nesting::Selections => format!("{prefix}{}{}", "{ a ".repeat(levels), "}".repeat(levels)),
    }
}

#[derive(Debug, Clone, Copy)]
enum Transport {
    Post,
    Get,
    WebSocket,
}

/// Sends `text` over `transport` and returns the refusal's code (`None`: no coded answer).
async fn send(address: &str, transport: Transport, text: &str) -> Option<String> {
    let client = reqwest::Client::new();
    let url = format!("{address}/graphql");
    match transport {
        Transport::Post => {
            let response = client
                .post(&url)
                .json(&json!({ "query": text }))
                .send()
                .await;
            code_of(&response.ok()?.json::<Value>().await.ok()?)
        }
        Transport::Get => {
            let response = client.get(&url).query(&[("query", text)]).send().await;
            code_of(&response.ok()?.json::<Value>().await.ok()?)
        }
        Transport::WebSocket => subscribe_once(address, text).await,
    }
}

/// Opens a graphql-transport-ws socket, subscribes with `text`, and returns the code of the
/// error it is answered with.
async fn subscribe_once(address: &str, text: &str) -> Option<String> {
    let url = format!("{}/graphql", address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().ok()?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().ok()?,
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.ok()?;
    let init = json!({ "type": "connection_init" }).to_string();
    socket.send(Message::Text(init.into())).await.ok()?;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": text } });
    socket
        .send(Message::Text(subscribe.to_string().into()))
        .await
        .ok()?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, socket.next()).await {
        let Message::Text(text) = message else {
            continue;
        };
        let message: Value = serde_json::from_str(&text).ok()?;
        if message["type"] == "error" {
            return message["payload"][0]["extensions"]["code"]
                .as_str()
                .map(str::to_owned);
        }
        if message["type"] == "next" {
            return code_of(&message["payload"]);
        }
    }
    None
}

/// Nested lists, objects and selections, hidden behind comments ended by `\r`, `\n` and
/// `\r\n` (and the word `mutation`), sent through POST, GET and a WebSocket to a production
/// server: each is refused with a code, and the process lives through all of them.
#[tokio::test]
async fn nested_texts_are_refused_on_every_transport_and_the_server_lives() {
    let database = TestDatabase::new().await;
    let workdir = tempfile::tempdir().expect("a directory");
    let mut process = start_with(
        &database.url,
        workdir.path(),
        &[("CITYNET_ENV", "production"), ("RATE_LIMIT_POINTS", "0")],
    )
    .await;
    let cases = (
        prop::sample::select(vec![Nesting::Lists, Nesting::Objects, Nesting::Selections]),
        prop::sample::select(vec![
            Before::Nothing,
            Before::Comment("\n"),
            Before::Comment("\r"),
            Before::Comment("\r\n"),
            Before::MutationComment,
        ]),
        prop::sample::select(vec![Transport::Post, Transport::Get, Transport::WebSocket]),
        // Around where the parser's stack overflowed (~1 500) and well past it.
        prop::sample::select(vec![1_600usize, 2_000, 3_000]),
    );
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let address = process.address.clone();
    let failures = std::sync::Mutex::new(Vec::new());
    runner
        .run(&cases, |(nesting, before, transport, levels)| {
            let text = nested_text(nesting, levels, before);
            let code = tokio::task::block_in_place(|| {
                tokio::runtime::Handle::current().block_on(send(&address, transport, &text))
            });
            if code.as_deref() != Some("QUERY_TOO_DEEP") {
                failures.lock().unwrap().push(format!(
                    "{nesting:?} {before:?} {transport:?} {levels}: {code:?}"
                ));
                return Err(TestCaseError::fail("not refused as too deep"));
            }
            Ok(())
        })
        .ok();
    assert_alive(&mut process, "the nested texts").await;
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{failures:#?}");
    // Every combination, once more, in order: none may be left to chance.
    for nesting in [Nesting::Lists, Nesting::Objects, Nesting::Selections] {
        for transport in [Transport::Post, Transport::Get, Transport::WebSocket] {
            let text = nested_text(nesting, 2_000, Before::Comment("\r"));
            let code = send(&process.address, transport, &text).await;
            assert_eq!(
                code.as_deref(),
                Some("QUERY_TOO_DEEP"),
                "{nesting:?} {transport:?}"
            );
        }
    }
    assert_alive(&mut process, "every combination").await;
}

/// `_entities` resolves at most 100 representations a field, and each one is charged: the cost
/// grows with their number.
#[tokio::test]
async fn entities_are_capped_and_charged_per_representation() {
    let app = TestApp::builder().env("FEDERATION", "on").spawn().await;
    let berlin = app.city_id("berlin").await;
    let query = "query($r: [_Any!]!) { _entities(representations: $r) { \
                 ... on City { name networks(first: 100) { nodes { name } } } } }";
    let representations =
        |n: usize| json!({ "r": vec![json!({"__typename": "City", "id": berlin}); n] });
    let charged = |n: usize| {
        let app = &app;
        let variables = representations(n);
        async move {
            let response = app
                .client
                .post(app.graphql_url())
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .expect("an answer");
            let remaining: u64 = response.headers()["ratelimit-remaining"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let body: Value = response.json().await.expect("JSON");
            (remaining, body)
        }
    };
    let (start, body) = charged(1).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let (after_one, _) = charged(1).await;
    let (after_fifty, body) = charged(50).await;
    assert_eq!(body["data"]["_entities"].as_array().map(Vec::len), Some(50));
    let one = start - after_one;
    let fifty = after_one - after_fifty;
    assert!(one >= 1);
    assert!(
        fifty >= 25 * one,
        "50 representations cost {fifty}, one {one}"
    );

    let (_, body) = charged(101).await;
    assert_eq!(first_error_code(&body), "BAD_USER_INPUT", "{body:#}");
    assert!(body.get("data").is_none_or(Value::is_null), "{body:#}");
}

/// A document of one field repeated 1 000 times, made distinct by an alias: valid, so the
/// caches may keep it, and large once parsed (about 220 KB).
fn large_document(n: usize) -> String {
    format!(
        "{{ c{n}: cities(first: 1) {{ nodes {{ {} }} }} }}",
        "name ".repeat(1_000)
    )
}

/// Fills the document cache, the persisted-query store and the response cache with entries
/// built to be large, each cache given 8 MiB: the process's resident memory grows by no more
/// than the three budgets plus a stated overhead (32 MiB: the allocator's slack, the
/// connections, the statements). Without the byte budgets, the same load keeps about 150 MB.
#[tokio::test]
async fn caches_hold_no_more_than_their_byte_budgets() {
    const BUDGET: u64 = 8 * 1024 * 1024;
    const OVERHEAD: u64 = 32 * 1024 * 1024;
    let database = TestDatabase::new().await;
    let workdir = tempfile::tempdir().expect("a directory");
    let budget = BUDGET.to_string();
    let mut process = start_with(
        &database.url,
        workdir.path(),
        &[
            ("RATE_LIMIT_POINTS", "0"),
            ("RESPONSE_CACHE_BYTES", &budget),
            ("DOCUMENT_CACHE_BYTES", &budget),
            ("PERSISTED_QUERIES_BYTES", &budget),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", process.address);
    let post = |body: Value| {
        let request = client.post(&url).json(&body);
        async move {
            let response = request.send().await.expect("an answer");
            response.json::<Value>().await.expect("JSON")
        }
    };
    // Warm up (pools, statements, first allocations), then measure from there.
    for n in 0..20 {
        post(json!({ "query": large_document(n) })).await;
    }
    let before = resident_bytes(&process);
    let long_name = "Q".repeat(19_000);
    for n in 0..300 {
        // The document cache: a new text each time.
        let body = post(json!({ "query": large_document(1_000 + n) })).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        // The persisted-query store: a new text with its hash.
        let text = large_document(10_000 + n);
        let hash = format!("{:x}", Sha256::digest(text.as_bytes()));
        let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        let body = post(json!({ "query": text, "extensions": persisted })).await;
        assert!(body.get("errors").is_none(), "{body:#}");
        // The response cache: a long operation name, new variables each time.
        for m in 0..4 {
            let query = format!(
                "query {long_name}($a: Int, $b: Int) {{ cities(first: $a) {{ totalCount }} \
                 networks(first: $b) {{ totalCount }} }}"
            );
            let k = n * 4 + m;
            let variables = json!({ "a": k % 100, "b": k / 100 });
            let body = post(json!({ "query": query, "variables": variables })).await;
            assert!(
                body.get("errors").is_none(),
                "{}",
                body["errors"][0]["message"]
            );
        }
    }
    assert_alive(&mut process, "filling the caches").await;
    let grown = resident_bytes(&process).saturating_sub(before);
    eprintln!("resident memory grew by {} KiB", grown / 1024);
    assert!(
        grown <= 3 * BUDGET + OVERHEAD,
        "resident memory grew by {} MiB",
        grown / (1024 * 1024)
    );
}

/// A document the limits refuse is not stored under its hash: asking by the hash alone then
/// finds nothing.
#[tokio::test]
async fn a_refused_document_is_not_persisted() {
    for points in ["50000", "0"] {
        refused_documents_are_not_persisted(points).await;
    }
}

/// With rate limiting on (`points`) or off (`"0"`).
async fn refused_documents_are_not_persisted(points: &str) {
    let app = TestApp::builder()
        .envs(&[
            ("MAX_QUERY_COMPLEXITY", "1000"),
            ("RATE_LIMIT_POINTS", points),
        ])
        .spawn()
        .await;
    for text in [
        // Refused by the limits before validation (too many aliases).
        format!(
            "{{ {} }}",
            (0..150)
                .map(|i| format!("a{i}: __typename"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        // Refused by validation (too complex).
        "{ cities(first: 100) { nodes { networks(first: 100) { nodes { name } } } } }".to_owned(),
    ] {
        let hash = format!("{:x}", Sha256::digest(text.as_bytes()));
        let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        let body = app
            .post_json(json!({ "query": text, "extensions": persisted }))
            .await;
        assert!(body["errors"].is_array(), "{body:#}");
        let again = app.post_json(json!({ "extensions": persisted })).await;
        assert_eq!(
            first_error_code(&again),
            "PERSISTED_QUERY_NOT_FOUND",
            "{again:#}"
        );
    }
}

/// Variable names enter the response cache's key as JSON strings: a name built to read like
/// two variables does not share an entry with them.
#[tokio::test]
async fn variable_names_cannot_forge_a_cache_key() {
    let app = TestApp::builder().spawn().await;
    let query = "query($first: Int, $after: String) { cities(first: $first, after: $after) { \
                 nodes { slug } } }";
    let first_page = app.data(query, json!({ "first": 2 })).await;
    let cursor_query = "query($first: Int) { cities(first: $first) { pageInfo { endCursor } } }";
    let cursor = app.data(cursor_query, json!({ "first": 2 })).await["cities"]["pageInfo"]
        ["endCursor"]
        .clone();
    let cursor = cursor.as_str().expect("a cursor");
    // The forged name: `after:"<cursor>",first` holding 2.
    let forged = json!({ format!("after:\"{cursor}\",first"): 2 });
    let forged_answer = app
        .post_json(json!({ "query": query, "variables": forged }))
        .await;
    let forged_cities = forged_answer["data"]["cities"]["nodes"]
        .as_array()
        .map(Vec::len);
    assert!(forged_cities > Some(2), "{forged_answer:#}");
    let page = app
        .data(query, json!({ "first": 2, "after": cursor }))
        .await;
    assert_eq!(
        page["cities"]["nodes"].as_array().map(Vec::len),
        Some(2),
        "the victim gets its own page: {page:#}"
    );
    assert_ne!(
        page["cities"], first_page["cities"],
        "the page after the cursor"
    );
}

/// `Expect: 100-continue` with a body over `MAX_BODY_BYTES` is refused with 413 before the
/// server invites the body; a body within the limit is invited and answered as usual.
#[tokio::test]
async fn a_body_too_large_is_refused_before_100_continue() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::builder().spawn().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let head = |length: u64| {
        format!(
            "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: {length}\r\nExpect: 100-continue\r\n\r\n"
        )
    };
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(head(10 * 1024 * 1024 * 1024).as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("an answer without the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
    assert!(answer.contains("PAYLOAD_TOO_LARGE"), "{answer}");

    let body = r#"{"query":"{ __typename }"}"#;
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(head(body.len() as u64).as_bytes())
        .await
        .unwrap();
    let mut invited = vec![0; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut invited))
        .await
        .expect("an invitation")
        .unwrap();
    let invited = String::from_utf8_lossy(&invited[..read]);
    assert!(invited.starts_with("HTTP/1.1 100 Continue"), "{invited}");
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    while !String::from_utf8_lossy(&answer).contains("\"Query\"") {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("the answer")
            .unwrap();
        assert!(
            read > 0,
            "closed early: {}",
            String::from_utf8_lossy(&answer)
        );
        answer.extend_from_slice(&buffer[..read]);
    }
    assert!(String::from_utf8_lossy(&answer).contains("200 OK"));
}

/// A request that names another's persisted hash with a text that is not its own (or that is
/// then refused) does not make the server forget the stored document.
#[tokio::test]
async fn a_stored_persisted_query_cannot_be_evicted_by_a_mismatch() {
    let app = TestApp::builder().spawn().await;
    let text = "{ cities(first: 1) { totalCount } }";
    let hash = format!("{:x}", Sha256::digest(text.as_bytes()));
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let stored = app
        .post_json(json!({ "query": text, "extensions": persisted }))
        .await;
    assert!(stored.get("errors").is_none(), "{stored:#}");
    let mismatch = app
        .post_json(json!({ "query": "{ __typename }", "extensions": persisted }))
        .await;
    assert_eq!(
        first_error_code(&mismatch),
        "PERSISTED_QUERY_HASH_MISMATCH",
        "{mismatch:#}"
    );
    // The same text again, with variables the operation does not declare: refused.
    let refused = app
        .post_json(json!({ "query": text, "extensions": persisted, "variables": { "x": 1 } }))
        .await;
    let by_hash = app.post_json(json!({ "extensions": persisted })).await;
    assert!(
        by_hash.get("errors").is_none(),
        "the stored document is still there: {by_hash:#} (after {refused:#})"
    );
}
