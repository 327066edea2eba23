//! Every ```` ```graphql ```` block of README.md runs, against a server holding the seed data
//! (writable, with the test token, so that mutation examples run as a writer would send them).
//!
//! A block may begin with comment lines (GraphQL comments, so the block stays valid GraphQL
//! that a reader can paste):
//! - `# variables: {"id": "RXZlbnQ6MQ"}`: the JSON variables it runs with;
//! - `# expect: CODE`: the block shows an error on purpose, and must fail with exactly that
//!   `extensions.code` (the first error's).
//!
//! Any other block must answer without errors, and every root field it selects must be non-null
//! (an example answering `null` — a slug or an id that names nothing — shows nothing).
//! Queries and mutations go over HTTP POST. Subscriptions go over the WebSocket
//! (`graphql-transport-ws`), as a reader would run them: a block passes when its subscription is
//! accepted — no `error` and no `next` carrying errors, and not completed, within a second of
//! subscribing (validation and the limits answer at once). No change is made to feed it: which
//! write a subscription hears depends on its arguments, and `subscriptions.rs` tests delivery.
//! README.md without a single graphql block fails, so that this test cannot pass by finding
//! nothing.

use std::time::Duration;

use async_graphql::parser::types::OperationType;
use serde_json::{json, Value};

use crate::{helpers::TestApp, subscriptions::Session};

/// One ```` ```graphql ```` block of the README.
#[derive(Debug)]
struct Example {
    /// The line of the README the block starts on (1-based), for failure messages.
    line: usize,
    text: String,
    variables: Value,
    expect: Option<String>,
}

fn readme() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The graphql blocks of `markdown`, with what their leading comments say.
fn examples(markdown: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((number, line)) = lines.next() {
        if line.trim() != "```graphql" {
            continue;
        }
        let body: Vec<&str> = lines
            .by_ref()
            .map(|(_, line)| line)
            .take_while(|line| line.trim() != "```")
            .collect();
        let mut example = Example {
            line: number + 1,
            text: body.join("\n"),
            variables: json!({}),
            expect: None,
        };
        for comment in body.iter().map(|line| line.trim()) {
            let Some(comment) = comment.strip_prefix('#') else {
                break;
            };
            let comment = comment.trim();
            if let Some(variables) = comment.strip_prefix("variables:") {
                example.variables = serde_json::from_str(variables).unwrap_or_else(|err| {
                    panic!(
                        "README.md:{}: `# variables:` is not JSON: {err}",
                        example.line
                    )
                });
            } else if let Some(code) = comment.strip_prefix("expect:") {
                example.expect = Some(code.trim().to_owned());
            }
        }
        examples.push(example);
    }
    examples
}

/// The type of the block's operation (its only one), read by async-graphql's parser.
fn operation_type(example: &Example) -> OperationType {
    let document = async_graphql::parser::parse_query(&example.text).unwrap_or_else(|err| {
        panic!(
            "README.md:{}: not GraphQL ({err}):\n{}",
            example.line, example.text
        )
    });
    let mut operations = document.operations.iter();
    let (_, operation) = operations.next().unwrap_or_else(|| {
        panic!(
            "README.md:{}: no operation:\n{}",
            example.line, example.text
        )
    });
    assert!(
        operations.next().is_none(),
        "README.md:{}: one operation per block:\n{}",
        example.line,
        example.text
    );
    operation.node.ty
}

#[test]
fn the_readme_has_graphql_examples_and_they_parse() {
    let examples = examples(&readme());
    assert!(!examples.is_empty(), "README.md has no graphql block");
    for example in &examples {
        operation_type(example);
    }
}

#[tokio::test]
async fn every_readme_graphql_example_runs() {
    let examples = examples(&readme());
    assert!(!examples.is_empty(), "README.md has no graphql block");
    let app = TestApp::builder().writable().spawn().await;
    for example in &examples {
        let context = format!("README.md:{}:\n{}\n", example.line, example.text);
        match operation_type(example) {
            OperationType::Subscription => subscribe(&app, example, &context).await,
            ty => {
                let body = if ty == OperationType::Mutation {
                    app.write(&example.text, example.variables.clone()).await
                } else {
                    app.gql(&example.text, example.variables.clone()).await
                };
                check(&body, example, &context);
            }
        }
    }
}

/// The block's answer is what it expects: the error code it names, or data without errors and
/// without a null root field.
fn check(body: &Value, example: &Example, context: &str) {
    if let Some(code) = &example.expect {
        assert_eq!(
            body["errors"][0]["extensions"]["code"].as_str(),
            Some(code.as_str()),
            "{context}expected {code}, got {body:#}"
        );
        return;
    }
    assert!(body.get("errors").is_none(), "{context}errors: {body:#}");
    let data = body["data"]
        .as_object()
        .unwrap_or_else(|| panic!("{context}no data: {body:#}"));
    for (field, value) in data {
        assert!(!value.is_null(), "{context}{field} is null: {body:#}");
    }
}

async fn subscribe(app: &TestApp, example: &Example, context: &str) {
    let mut session = Session::open(app, json!({})).await;
    session
        .subscribe("readme", &example.text, example.variables.clone())
        .await;
    let answer = session.receive(Duration::from_secs(1)).await;
    match (&example.expect, answer) {
        (None, None) => {}
        (None, Some(message)) => panic!("{context}the subscription answered {message:#}"),
        (Some(code), message) => {
            let message =
                message.unwrap_or_else(|| panic!("{context}expected {code}, got nothing"));
            let errors = crate::subscriptions::errors_of(&message);
            assert_eq!(
                errors[0]["extensions"]["code"].as_str(),
                Some(code.as_str()),
                "{context}expected {code}, got {message:#}"
            );
        }
    }
    session.close().await;
}

/// The ids the README writes out are the objects its text says they are.
#[tokio::test]
async fn the_ids_the_readme_quotes_name_what_it_says() {
    let readme = readme();
    let app = TestApp::builder().spawn().await;
    let ubc = app.network_id("ubc").await;
    assert!(
        readme.contains(&format!("membershipChanged(networkId: \"{ubc}\")")),
        "the subscription example should watch UBC ({ubc})"
    );
    let data = app
        .data("{ events(first: 1) { nodes { id } } }", json!({}))
        .await;
    let first = data["events"]["nodes"][0]["id"].as_str().unwrap();
    assert!(
        readme.contains(&format!("`{first}` is the first event's"))
            && readme.contains(&format!("# variables: {{\"id\": \"{first}\"}}")),
        "the node example should use the first event's id ({first})"
    );
}

#[test]
fn blocks_and_their_comments_are_read() {
    let markdown = "text\n```graphql\n# variables: {\"a\": 1}\n# expect: NOT_FOUND\n{ a }\n```\n\
                    ```sh\nnot graphql\n```\n  ```graphql\nsubscription { b }\n  ```\n";
    let examples = examples(markdown);
    assert_eq!(examples.len(), 2);
    assert_eq!(examples[0].line, 2);
    assert_eq!(examples[0].variables, json!({"a": 1}));
    assert_eq!(examples[0].expect.as_deref(), Some("NOT_FOUND"));
    assert!(examples[0].text.ends_with("{ a }"));
    assert_eq!(examples[1].variables, json!({}));
    assert_eq!(examples[1].expect, None);
    assert_eq!(operation_type(&examples[1]), OperationType::Subscription);
}
