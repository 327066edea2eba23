//! Every type, field, argument, input field and enum value of the schema has a description, so
//! that IDEs and generated documentation show something for each (issue 14.5). Introspection's
//! own types and the built-in scalars are the specification's business and are skipped, and so
//! are Apollo Federation's (`_service`, `_entities`, `_Any`, …: names that begin with `_`).

use serde_json::{json, Value};

use crate::helpers::TestApp;

const INTROSPECTION: &str = r#"{ __schema { types {
    name kind description
    fields(includeDeprecated: true) { name description args { name description } }
    inputFields { name description }
    enumValues(includeDeprecated: true) { name description }
} } }"#;

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

fn documented(item: &Value) -> bool {
    item["description"]
        .as_str()
        .is_some_and(|text| !text.trim().is_empty())
}

fn items(list: &Value) -> &[Value] {
    list.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn name(item: &Value) -> &str {
    item["name"].as_str().unwrap_or("?")
}

/// Everything in the introspected schema that has no description, named as `Type`,
/// `Type.field`, `Type.field(argument)`, `Input.field` or `Enum.VALUE`.
fn undocumented(schema: &Value) -> Vec<String> {
    let mut missing = Vec::new();
    for ty in items(&schema["__schema"]["types"]) {
        let type_name = name(ty);
        if type_name.starts_with('_') || BUILT_IN_SCALARS.contains(&type_name) {
            continue;
        }
        if !documented(ty) {
            missing.push(format!(
                "{type_name} ({})",
                ty["kind"].as_str().unwrap_or("?")
            ));
        }
        for field in items(&ty["fields"]) {
            if name(field).starts_with('_') {
                continue;
            }
            if !documented(field) {
                missing.push(format!("{type_name}.{}", name(field)));
            }
            for arg in items(&field["args"]) {
                if !documented(arg) {
                    missing.push(format!("{type_name}.{}({})", name(field), name(arg)));
                }
            }
        }
        for input_field in items(&ty["inputFields"]) {
            if !documented(input_field) {
                missing.push(format!("{type_name}.{}", name(input_field)));
            }
        }
        for value in items(&ty["enumValues"]) {
            if !documented(value) {
                missing.push(format!("{type_name}.{}", name(value)));
            }
        }
    }
    missing
}

#[tokio::test]
async fn every_type_field_argument_and_value_is_documented() {
    let app = TestApp::builder().spawn().await;
    let data = app.data(INTROSPECTION, json!({})).await;
    assert!(
        items(&data["__schema"]["types"]).len() > 20,
        "introspection returned too few types: {data:#}"
    );
    let missing = undocumented(&data);
    assert!(
        missing.is_empty(),
        "{} schema elements have no description:\n  {}",
        missing.len(),
        missing.join("\n  ")
    );
}

#[test]
fn the_check_notices_a_missing_description() {
    let schema = json!({ "__schema": { "types": [
        { "name": "__Type", "kind": "OBJECT", "description": null, "fields": [] },
        { "name": "String", "kind": "SCALAR", "description": null },
        { "name": "Thing", "kind": "OBJECT", "description": "A thing.", "fields": [
            { "name": "ok", "description": "Fine.", "args": [] },
            { "name": "bare", "description": "", "args": [
                { "name": "first", "description": null },
                { "name": "after", "description": "A cursor." },
            ] },
        ] },
        { "name": "Kind", "kind": "ENUM", "description": "   ", "enumValues": [
            { "name": "A", "description": null },
        ] },
        { "name": "ThingInput", "kind": "INPUT_OBJECT", "description": "In.", "inputFields": [
            { "name": "id", "description": null },
        ] },
    ] } });
    assert_eq!(
        undocumented(&schema),
        [
            "Thing.bare",
            "Thing.bare(first)",
            "Kind (ENUM)",
            "Kind.A",
            "ThingInput.id"
        ]
    );
}
