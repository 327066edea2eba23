//! The live schema (read over HTTP by introspection) satisfies the public contract in
//! `tests/contract.graphql`, and the committed `schema.graphql` is the schema the code builds.

use std::collections::BTreeMap;

use async_graphql::parser::{
    parse_schema,
    types::{TypeKind, TypeSystemDefinition},
};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const CONTRACT: &str = include_str!("../contract.graphql");

const INTROSPECTION: &str = r#"{ __schema { types {
    name kind
    interfaces { name }
    enumValues(includeDeprecated: true) { name }
    fields(includeDeprecated: true) { name type { ...Ref } args { name type { ...Ref } } }
} } }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name } } } } }"#;

/// One type of the live schema, with every type reference rendered as SDL (`[String!]!`).
#[derive(Debug, Default)]
struct LiveType {
    kind: String,
    interfaces: Vec<String>,
    enum_values: Vec<String>,
    /// field -> (type, args: name -> type)
    fields: BTreeMap<String, (String, BTreeMap<String, String>)>,
}

fn render(type_ref: &Value) -> String {
    match type_ref["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", render(&type_ref["ofType"])),
        Some("LIST") => format!("[{}]", render(&type_ref["ofType"])),
        _ => type_ref["name"].as_str().unwrap_or("?").to_owned(),
    }
}

fn live_types(introspection: &Value) -> BTreeMap<String, LiveType> {
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| i["name"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    introspection["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let fields = t["fields"]
                .as_array()
                .map(|fields| {
                    fields
                        .iter()
                        .map(|f| {
                            let args = f["args"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|a| {
                                    (a["name"].as_str().unwrap().to_owned(), render(&a["type"]))
                                })
                                .collect();
                            (
                                f["name"].as_str().unwrap().to_owned(),
                                (render(&f["type"]), args),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let live = LiveType {
                kind: t["kind"].as_str().unwrap().to_owned(),
                interfaces: names(&t["interfaces"]),
                enum_values: names(&t["enumValues"]),
                fields,
            };
            (t["name"].as_str().unwrap().to_owned(), live)
        })
        .collect()
}

/// Every way `live` fails to satisfy `contract`; empty when it does.
fn violations(contract: &str, live: &BTreeMap<String, LiveType>) -> Vec<String> {
    let document = parse_schema(contract).expect("the contract is valid SDL");
    let mut problems = Vec::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(definition) = definition else {
            continue;
        };
        let definition = definition.node;
        let name = definition.name.node.to_string();
        let Some(live_type) = live.get(&name) else {
            problems.push(format!("type {name} is missing"));
            continue;
        };
        let (kind, fields, interfaces) = match &definition.kind {
            TypeKind::Object(o) => ("OBJECT", Some(&o.fields), Some(&o.implements)),
            TypeKind::Interface(i) => ("INTERFACE", Some(&i.fields), Some(&i.implements)),
            TypeKind::Enum(e) => {
                for value in &e.values {
                    let value = value.node.value.node.to_string();
                    if !live_type.enum_values.contains(&value) {
                        problems.push(format!("enum value {name}.{value} is missing"));
                    }
                }
                ("ENUM", None, None)
            }
            TypeKind::Scalar => ("SCALAR", None, None),
            TypeKind::Union(_) => ("UNION", None, None),
            TypeKind::InputObject(_) => ("INPUT_OBJECT", None, None),
        };
        if live_type.kind != kind {
            problems.push(format!(
                "{name} is a {} instead of a {kind}",
                live_type.kind
            ));
        }
        for interface in interfaces.into_iter().flatten() {
            let interface = interface.node.to_string();
            if !live_type.interfaces.contains(&interface) {
                problems.push(format!("{name} does not implement {interface}"));
            }
        }
        for field in fields.into_iter().flatten() {
            let field = &field.node;
            let field_name = field.name.node.to_string();
            let Some((live_ty, live_args)) = live_type.fields.get(&field_name) else {
                problems.push(format!("field {name}.{field_name} is missing"));
                continue;
            };
            let ty = field.ty.node.to_string();
            if *live_ty != ty {
                problems.push(format!(
                    "{name}.{field_name} is {live_ty}, the contract says {ty}"
                ));
            }
            let mut contract_args = Vec::new();
            for arg in &field.arguments {
                let arg_name = arg.node.name.node.to_string();
                let arg_ty = arg.node.ty.node.to_string();
                match live_args.get(&arg_name) {
                    None => problems.push(format!(
                        "argument {name}.{field_name}({arg_name}) is missing"
                    )),
                    // An argument that became optional still takes everything clients send.
                    Some(live_arg)
                        if *live_arg != arg_ty && format!("{live_arg}!") != arg_ty =>
                    {
                        problems.push(format!(
                            "{name}.{field_name}({arg_name}) is {live_arg}, the contract says {arg_ty}"
                        ))
                    }
                    Some(_) => {}
                }
                contract_args.push(arg_name);
            }
            for (arg_name, arg_ty) in live_args {
                if !contract_args.contains(arg_name) && arg_ty.ends_with('!') {
                    problems.push(format!(
                        "{name}.{field_name} requires {arg_name}, which contract clients do not send"
                    ));
                }
            }
        }
    }
    problems
}

#[tokio::test]
async fn the_live_schema_satisfies_the_contract() {
    let app = TestApp::builder().spawn().await;
    let live = live_types(&app.data(INTROSPECTION, json!({})).await);
    let problems = violations(CONTRACT, &live);
    assert!(
        problems.is_empty(),
        "the schema breaks the contract:\n{}",
        problems.join("\n")
    );
}

#[tokio::test]
async fn the_contract_check_notices_a_break() {
    let app = TestApp::builder().spawn().await;
    let live = live_types(&app.data(INTROSPECTION, json!({})).await);
    let broken = [
        (
            "slug: String!\n  name: String!\n  kind",
            "slug: Int!\n  name: String!\n  kind",
            "City.slug is String!",
        ),
        (
            "  CO_FOUNDER\n",
            "  CO_FOUNDER\n  HONORARY\n",
            "MembershipRole.HONORARY",
        ),
        (
            "type Event implements Node {",
            "type Event implements Node {\n  venue: String",
            "Event.venue",
        ),
        (
            "city(slug: String!): City",
            "city(slug: String!, lang: String): City",
            "city(lang)",
        ),
    ];
    for (from, to, expected) in broken {
        assert!(
            CONTRACT.contains(from),
            "the contract has changed: {from:?}"
        );
        let problems = violations(&CONTRACT.replacen(from, to, 1), &live);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected:?} not reported: {problems:?}"
        );
    }
}

#[test]
fn schema_graphql_is_the_schema_the_code_builds() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let built = citynet::schema::sdl();
    if std::env::var("UPDATE_SCHEMA").is_ok() {
        std::fs::write(&path, &built).expect("schema.graphql is writable");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == built,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` \
         (or the tests with UPDATE_SCHEMA=1) and commit it"
    );
}

#[test]
fn the_schema_command_prints_the_committed_schema() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_citynet"))
        .arg("schema")
        .output()
        .expect("citynet runs");
    assert!(output.status.success());
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql"),
    )
    .unwrap_or_default();
    assert_eq!(String::from_utf8_lossy(&output.stdout), committed);
}
