//! A bounded fuzz run over the request path: random GraphQL-ish documents, variables and raw
//! bodies, chains of fragments that multiply when spread and filter variables used many times,
//! must always get a well-formed answer (never a 5xx or a server fault, never a dropped
//! connection, never the request's time limit), and the server must keep answering. The budget is fixed so that CI runs it every time.

use proptest::{
    prelude::*,
    test_runner::{Config, TestCaseError, TestRunner},
};
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// The budget CI runs; `FUZZ_CASES=20000 cargo test --test api fuzz` searches longer.
const CASES: u32 = 400;

fn tokens() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "{",
        "}",
        "(",
        ")",
        "[",
        "]",
        ":",
        "$x",
        "!",
        "...",
        "=",
        "query",
        "mutation",
        "subscription",
        "fragment F on Query",
        "on",
        "...F",
        "cities",
        "networks",
        "events",
        "city",
        "network",
        "node",
        "nodes",
        "search",
        "connection",
        "sharedNetworks",
        "slug",
        "\"rostock\"",
        "\"berlin\"",
        "first",
        "after",
        "last",
        "before",
        "filter",
        "orderBy",
        "0",
        "1",
        "-1",
        "100",
        "101",
        "2147483648",
        "99999999999999999999",
        "1.5",
        "null",
        "true",
        "\"\"",
        "\"\\u0000\"",
        "\"é\"",
        "edges",
        "node",
        "cursor",
        "pageInfo",
        "totalCount",
        "name",
        "members",
        "memberships",
        "twinCities",
        "partners",
        "__schema",
        "__typename",
        "__type",
        "@skip(if: true)",
        "@include(if: $x)",
        "# comment\n",
        "a:",
        "b:",
        "kind",
        "CITY",
        "NAME",
        "DESC",
        "field",
        "direction",
        "{ nameContains: \"d\" }",
    ]);
    prop::collection::vec(words, 0..48).prop_map(|words| words.join(" "))
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-zA-Z0-9 éü{}\"\\\\]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z$]{1,6}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Input {
    Graphql {
        query: String,
        variables: Value,
        operation: Option<String>,
    },
    Raw(Vec<u8>),
    Get(String),
}

/// A chain of fragments, each spreading the previous one `spreads` times: `spreads^levels`
/// fields once expanded, from a few hundred characters.
fn fragment_chain(levels: usize, spreads: usize) -> Input {
    let mut query = format!(
        "{{ networks(first: 1) {{ nodes {{ ...F{levels} }} }} }} fragment F0 on Network {{ name }}"
    );
    for level in 1..=levels {
        let spread = format!(" ...F{}", level - 1).repeat(spreads);
        query.push_str(&format!(" fragment F{level} on Network {{{spread} }}"));
    }
    Input::Graphql {
        query,
        variables: json!({}),
        operation: None,
    }
}

/// A filter variable of `codes` country codes in `branches` branches, used `uses` times in one
/// filter, under `aliases` aliases.
fn reused_filter(codes: usize, branches: usize, uses: usize, aliases: usize) -> Input {
    let filter = json!({ "or": vec![json!({ "countryCodes": vec!["DE"; codes] }); branches] });
    let or = vec!["$f"; uses].join(", ");
    let fields: String = (0..aliases)
        .map(|i| format!(" a{i}: cities(first: 1, filter: {{ or: [{or}] }}) {{ totalCount }}"))
        .collect();
    Input::Graphql {
        query: format!("query($f: CityFilter) {{{fields} }}"),
        variables: json!({ "f": filter }),
        operation: None,
    }
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        6 => (tokens(), json_value(), prop::option::of("[A-Za-z]{1,4}"))
            .prop_map(|(query, variables, operation)| Input::Graphql { query, variables, operation }),
        1 => (1usize..64, 1usize..5).prop_map(|(levels, spreads)| fragment_chain(levels, spreads)),
        1 => (1usize..120, 1usize..120, 1usize..120, 1usize..9)
            .prop_map(|(codes, branches, uses, aliases)| reused_filter(codes, branches, uses, aliases)),
        2 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Input::Raw),
        2 => tokens().prop_map(Input::Get),
    ]
}

async fn send(app: &TestApp, input: &Input) -> Result<(u16, Value), String> {
    let request = match input {
        Input::Graphql {
            query,
            variables,
            operation,
        } => app
            .client
            .post(app.graphql_url())
            .json(&json!({ "query": query, "variables": variables, "operationName": operation })),
        Input::Raw(bytes) => app
            .client
            .post(app.graphql_url())
            .header("content-type", "application/json")
            .body(bytes.clone()),
        Input::Get(query) => app.client.get(app.graphql_url()).query(&[("query", query)]),
    };
    let response = request
        .send()
        .await
        .map_err(|err| format!("no answer: {err}"))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|err| format!("no body: {err}"))?;
    let body = serde_json::from_str(&text).map_err(|err| format!("not JSON ({err}): {text}"))?;
    Ok((status, body))
}

#[test]
fn random_requests_always_get_a_well_formed_answer() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let app = runtime.block_on(TestApp::builder().spawn());
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let outcome = runner.run(&input(), |input| {
        let (status, body) = runtime
            .block_on(send(&app, &input))
            .map_err(TestCaseError::fail)?;
        prop_assert!(
            [200, 400, 405, 413].contains(&status),
            "status {status} for {input:?}: {body}"
        );
        let well_formed =
            body.get("data").is_some() || body.get("errors").is_some() || body.is_array();
        prop_assert!(well_formed, "{body}");
        if let Some(errors) = body.get("errors").and_then(Value::as_array) {
            for error in errors {
                prop_assert!(
                    error["extensions"]["code"].is_string(),
                    "an error without a code: {error}"
                );
                prop_assert_ne!(
                    &error["extensions"]["code"],
                    "INTERNAL_SERVER_ERROR",
                    "a server fault for {:?}",
                    input
                );
            }
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    let alive = runtime.block_on(app.data("{ cities { totalCount } }", json!({})));
    assert_eq!(alive["cities"]["totalCount"], 24);
}
