//! Federation's `_entities` resolves one entity per representation, each with the whole
//! selection under it, while async-graphql counts its cost once. Here the representations are
//! counted before validation: more than [`MAX_REPRESENTATIONS`] in one field are refused (as
//! `nodes` refuses more than 100 ids), and the operation's cost is multiplied by their number.

use async_graphql::{
    parser::types::{ExecutableDocument, Selection, SelectionSet},
    ServerResult, Variables,
};
use async_graphql_value::{ConstValue, Value};

use super::coded_error;
use crate::error::ErrorCode;

/// The most representations one `_entities` field may resolve.
pub const MAX_REPRESENTATIONS: u64 = 100;

/// How many entities the operation's `_entities` fields resolve in all (0 when it has none);
/// refuses a field with more than [`MAX_REPRESENTATIONS`].
pub(super) fn count(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> ServerResult<u64> {
    let Some(operation) = crate::operation::selected(document, operation_name) else {
        return Ok(0);
    };
    let mut total = 0u64;
    in_set(
        document,
        &operation.node.selection_set.node,
        variables,
        &mut Vec::new(),
        &mut total,
    )?;
    Ok(total)
}

/// Adds up the representations of the `_entities` fields of a root selection set (fragments at
/// the root expanded, each once).
fn in_set<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    variables: &Variables,
    spread: &mut Vec<&'d str>,
    total: &mut u64,
) -> ServerResult<()> {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) if field.node.name.node == "_entities" => {
                let representations = field
                    .node
                    .get_argument("representations")
                    .map_or(0, |value| length(&value.node, variables));
                if representations > MAX_REPRESENTATIONS {
                    return Err(coded_error(
                        ErrorCode::BadUserInput,
                        format!(
                            "`representations` may hold at most {MAX_REPRESENTATIONS} entities, \
                             got {representations}."
                        ),
                    ));
                }
                *total = total.saturating_add(representations);
            }
            Selection::Field(_) => {}
            Selection::InlineFragment(fragment) => in_set(
                document,
                &fragment.node.selection_set.node,
                variables,
                spread,
                total,
            )?,
            Selection::FragmentSpread(name) => {
                let name = name.node.fragment_name.node.as_str();
                if spread.contains(&name) {
                    continue;
                }
                spread.push(name);
                if let Some(fragment) = document.fragments.get(name) {
                    in_set(
                        document,
                        &fragment.node.selection_set.node,
                        variables,
                        spread,
                        total,
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// The number of items of a list argument, written out or in a variable (1 for a single value:
/// a list argument takes one value as a list of one).
fn length(value: &Value, variables: &Variables) -> u64 {
    match value {
        Value::List(items) => items.len() as u64,
        Value::Variable(name) => match variables.get(name) {
            Some(ConstValue::List(items)) => items.len() as u64,
            Some(ConstValue::Null) | None => 0,
            Some(_) => 1,
        },
        Value::Null => 0,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entities(text: &str, variables: serde_json::Value) -> ServerResult<u64> {
        let document = async_graphql::parser::parse_query(text).unwrap();
        count(&document, None, &Variables::from_json(variables))
    }

    #[test]
    fn counts_representations_written_out_or_in_variables() {
        let literal = r#"{ _entities(representations: [{a: 1}, {a: 2}]) { __typename } }"#;
        assert_eq!(entities(literal, serde_json::json!({})).unwrap(), 2);
        let variable = "query($r: [_Any!]!) { a: _entities(representations: $r) { __typename } \
                        ...F } fragment F on Query { _entities(representations: $r) { __typename } }";
        let three = serde_json::json!({"r": [{}, {}, {}]});
        assert_eq!(entities(variable, three).unwrap(), 6);
        assert_eq!(
            entities("{ cities { totalCount } }", serde_json::json!({})).unwrap(),
            0
        );
        let many = serde_json::json!({"r": vec![serde_json::json!({}); 101]});
        let refused = entities(variable, many).unwrap_err();
        assert_eq!(crate::error::code_of(&refused), Some("BAD_USER_INPUT"));
    }
}
