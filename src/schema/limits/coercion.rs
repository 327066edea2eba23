//! Tells a variable's bad value from a bad document. async-graphql checks variable values during
//! validation and reports a wrong one twice — once as an invalid argument, once more from the
//! complexity count, which could not read the argument — both as validation failures. The spec
//! makes variable coercion a separate step whose errors are the client's input
//! (`BAD_USER_INPUT`, as Apollo Server names them), one per problem.

use crate::error::ErrorCode;
use async_graphql::{
    parser::types::{ExecutableDocument, Field, Selection, SelectionSet},
    Pos, Positioned, ServerError,
};
use async_graphql_value::Value;

/// Where the arguments sit in a document, and which take a variable.
#[derive(Debug, Default)]
pub struct VariableArguments {
    /// The position of each argument's name, the position of its field, and whether its value
    /// uses a variable.
    arguments: Vec<(Pos, Pos, bool)>,
}

impl VariableArguments {
    pub fn of(document: &ExecutableDocument) -> Self {
        let mut found = Self::default();
        for (_, operation) in document.operations.iter() {
            found.in_set(&operation.node.selection_set.node);
        }
        for fragment in document.fragments.values() {
            found.in_set(&fragment.node.selection_set.node);
        }
        found
    }

    fn in_set(&mut self, set: &SelectionSet) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => self.in_field(field),
                Selection::InlineFragment(fragment) => {
                    self.in_set(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    fn in_field(&mut self, field: &Positioned<Field>) {
        for (name, value) in &field.node.arguments {
            self.arguments
                .push((name.pos, field.pos, uses_variable(&value.node)));
        }
        self.in_set(&field.node.selection_set.node);
    }

    /// Codes the validation errors: a variable's value that does not fit its argument is
    /// `BAD_USER_INPUT`, and the second report of the same bad value (variable or literal) is
    /// dropped. Everything else is
    /// the document's (`GRAPHQL_VALIDATION_FAILED`), unless it already has a code.
    pub fn classify(&self, errors: Vec<ServerError>) -> Vec<(ServerError, ErrorCode)> {
        let at = |error: &ServerError| error.locations.first().copied();
        let mut fields_reported = Vec::new();
        let mut classified = Vec::with_capacity(errors.len());
        let mut unreadable = Vec::new();
        for error in errors {
            let argument = at(&error).and_then(|pos| {
                self.arguments
                    .iter()
                    .find(|(argument, ..)| *argument == pos)
            });
            if let (true, Some((_, field, takes_variable))) = (
                error.message.starts_with("Invalid value for argument"),
                argument,
            ) {
                fields_reported.push(*field);
                let code = if *takes_variable {
                    ErrorCode::BadUserInput
                } else {
                    ErrorCode::GraphqlValidationFailed
                };
                classified.push((error, code));
            } else if error.message.starts_with("Expected input type")
                || error.message.starts_with("Failed to parse")
            {
                unreadable.push(error);
            } else {
                classified.push((error, ErrorCode::GraphqlValidationFailed));
            }
        }
        for error in unreadable {
            let position = at(&error);
            if position.is_some_and(|pos| fields_reported.contains(&pos)) {
                continue;
            }
            let takes_variable = position.is_some_and(|pos| {
                self.arguments
                    .iter()
                    .any(|(_, field, variable)| *field == pos && *variable)
            });
            let code = if takes_variable {
                ErrorCode::BadUserInput
            } else {
                ErrorCode::GraphqlValidationFailed
            };
            classified.push((error, code));
        }
        classified
    }
}

fn uses_variable(value: &Value) -> bool {
    match value {
        Value::Variable(_) => true,
        Value::List(items) => items.iter().any(uses_variable),
        Value::Object(fields) => fields.values().any(uses_variable),
        _ => false,
    }
}
