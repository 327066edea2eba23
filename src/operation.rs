//! Which operation of a document a request runs (the spec's GetOperation): the one named by
//! `operationName`, or the document's only one. The time limit, the refusal of mutations over
//! GET, the response shaping, the caches and the operation log all need the answer, so it is
//! given once here, in a leaf module that needs only the parser's types.

use async_graphql::{
    parser::types::{Directive, DocumentOperations, ExecutableDocument, OperationDefinition},
    Positioned, Value, Variables,
};

/// The operation of `document` that runs for `operation_name`, or `None` when the name matches
/// none, or none is named and the document holds several (execution reports the error).
pub fn selected<'d>(
    document: &'d ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .iter()
            .find(|(candidate, _)| candidate.as_str() == name)
            .map(|(_, operation)| operation),
        // A lone named operation runs even without `operationName`.
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The name of the operation of `document` that runs for `operation_name`: that name, or the
/// name of the document's only operation (`None` when it is anonymous).
pub fn name<'d>(
    document: &'d ExecutableDocument,
    operation_name: Option<&'d str>,
) -> Option<&'d str> {
    match (&document.operations, operation_name) {
        (_, Some(name)) => Some(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.keys().next().map(|name| name.as_str())
        }
        _ => None,
    }
}

/// The value of the variable `name` for `operation`: as given, else its default; `None` when
/// neither exists.
pub fn variable(
    operation: &OperationDefinition,
    variables: &Variables,
    name: &str,
) -> Option<Value> {
    if let Some(value) = variables.get(name) {
        return Some(value.clone());
    }
    operation
        .variable_definitions
        .iter()
        .find(|definition| definition.node.name.node == name)?
        .node
        .default_value()
        .cloned()
}

/// Whether `@skip` and `@include` keep a selection (spec §6.3.2, CollectFields), with
/// `variable` giving variables' values; `None` for any other directive, or a condition that is
/// not a Boolean.
pub fn included(
    directives: &[Positioned<Directive>],
    variable: impl Fn(&str) -> Option<Value>,
) -> Option<bool> {
    let mut included = true;
    for directive in directives {
        let condition = match &directive.node.get_argument("if")?.node {
            async_graphql_value::Value::Boolean(condition) => *condition,
            async_graphql_value::Value::Variable(name) => match variable(name)? {
                Value::Boolean(condition) => condition,
                _ => return None,
            },
            _ => return None,
        };
        match directive.node.name.node.as_str() {
            "include" => included &= condition,
            "skip" => included &= !condition,
            _ => return None,
        }
    }
    Some(included)
}
