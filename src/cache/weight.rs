//! What a parsed document holds in memory, for the byte budgets of the document cache and the
//! persisted-query store. A parsed document is far larger than its text (every field a node with
//! its position, name, arguments, directives and selection set, each a separate allocation), so
//! a bound in documents or in characters does not bound memory; a bound in these bytes does.
//!
//! The figure is an upper estimate: every vector counted at twice its length (a vector grown by
//! pushing holds up to that), every allocation with `ALLOCATION` bytes of the allocator's own.
//! `tests/api/security.rs` checks it against the process's resident memory.

use std::mem::size_of;

use async_graphql::{
    parser::types::{
        Directive, ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet,
        VariableDefinition,
    },
    Name, Positioned,
};
use async_graphql_value::{ConstValue, Value};

/// What the allocator keeps per allocation (size class rounding and headers), at most.
const ALLOCATION: u64 = 32;

/// The bytes `document` holds, estimated from above.
pub fn document(document: &ExecutableDocument) -> u64 {
    let operations: u64 = document
        .operations
        .iter()
        .map(|(name, operation)| {
            name.map_or(0, self::name)
                + table_entry::<Positioned<OperationDefinition>>()
                + self::operation(&operation.node)
        })
        .sum();
    let fragments: u64 = document
        .fragments
        .iter()
        .map(|(name, fragment)| {
            self::name(name)
                + table_entry::<Positioned<async_graphql::parser::types::FragmentDefinition>>()
                + self::name(&fragment.node.type_condition.node.on.node)
                + directives(&fragment.node.directives)
                + selection_set(&fragment.node.selection_set.node)
        })
        .sum();
    size_of::<ExecutableDocument>() as u64 + 2 * ALLOCATION + operations + fragments
}

fn operation(operation: &OperationDefinition) -> u64 {
    let variables: u64 = operation
        .variable_definitions
        .iter()
        .map(|variable| variable_definition(&variable.node))
        .sum();
    vec::<Positioned<VariableDefinition>>(operation.variable_definitions.len())
        + variables
        + directives(&operation.directives)
        + selection_set(&operation.selection_set.node)
}

fn variable_definition(variable: &VariableDefinition) -> u64 {
    // The type is a name, perhaps in lists: a box per list level, bounded by the text's nesting.
    name(&variable.name.node)
        + type_name_bytes(&variable.var_type.node)
        + directives(&variable.directives)
        + variable
            .default_value
            .as_ref()
            .map_or(0, |value| const_value(&value.node))
}

fn type_name_bytes(ty: &async_graphql::parser::types::Type) -> u64 {
    use async_graphql::parser::types::BaseType;
    match &ty.base {
        BaseType::Named(named) => name(named),
        BaseType::List(inner) => {
            ALLOCATION
                + size_of::<async_graphql::parser::types::Type>() as u64
                + type_name_bytes(inner)
        }
    }
}

fn selection_set(set: &SelectionSet) -> u64 {
    let items: u64 = set
        .items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => self::field(&field.node),
            Selection::FragmentSpread(spread) => {
                name(&spread.node.fragment_name.node) + directives(&spread.node.directives)
            }
            Selection::InlineFragment(fragment) => {
                fragment
                    .node
                    .type_condition
                    .as_ref()
                    .map_or(0, |condition| name(&condition.node.on.node))
                    + directives(&fragment.node.directives)
                    + selection_set(&fragment.node.selection_set.node)
            }
        })
        .sum();
    vec::<Positioned<Selection>>(set.items.len()) + items
}

fn field(field: &Field) -> u64 {
    field.alias.as_ref().map_or(0, |alias| name(&alias.node))
        + name(&field.name.node)
        + arguments(&field.arguments)
        + directives(&field.directives)
        + selection_set(&field.selection_set.node)
}

fn arguments(arguments: &[(Positioned<Name>, Positioned<Value>)]) -> u64 {
    let each: u64 = arguments
        .iter()
        .map(|(argument, value)| name(&argument.node) + self::value(&value.node))
        .sum();
    vec::<(Positioned<Name>, Positioned<Value>)>(arguments.len()) + each
}

fn directives(directives: &[Positioned<Directive>]) -> u64 {
    let each: u64 = directives
        .iter()
        .map(|directive| name(&directive.node.name.node) + arguments(&directive.node.arguments))
        .sum();
    vec::<Positioned<Directive>>(directives.len()) + each
}

fn value(value: &Value) -> u64 {
    match value {
        Value::Variable(variable) | Value::Enum(variable) => name(variable),
        Value::String(string) => ALLOCATION + 2 * string.len() as u64,
        Value::Binary(bytes) => ALLOCATION + bytes.len() as u64,
        Value::List(items) => {
            vec::<Value>(items.len()) + items.iter().map(self::value).sum::<u64>()
        }
        Value::Object(fields) => {
            table::<(Name, Value)>(fields.len())
                + fields
                    .iter()
                    .map(|(key, value)| name(key) + self::value(value))
                    .sum::<u64>()
        }
        Value::Null | Value::Number(_) | Value::Boolean(_) => 0,
    }
}

fn const_value(value: &ConstValue) -> u64 {
    match value {
        ConstValue::Enum(variant) => name(variant),
        ConstValue::String(string) => ALLOCATION + 2 * string.len() as u64,
        ConstValue::Binary(bytes) => ALLOCATION + bytes.len() as u64,
        ConstValue::List(items) => {
            vec::<ConstValue>(items.len()) + items.iter().map(const_value).sum::<u64>()
        }
        ConstValue::Object(fields) => {
            table::<(Name, ConstValue)>(fields.len())
                + fields
                    .iter()
                    .map(|(key, value)| name(key) + const_value(value))
                    .sum::<u64>()
        }
        ConstValue::Null | ConstValue::Number(_) | ConstValue::Boolean(_) => 0,
    }
}

/// A name is an `Arc<str>`: counts and text in one allocation.
fn name(name: &Name) -> u64 {
    ALLOCATION + 16 + name.len() as u64
}

fn vec<T>(len: usize) -> u64 {
    if len == 0 {
        0
    } else {
        ALLOCATION + 2 * (len * size_of::<T>()) as u64
    }
}

/// An entry of a hash table or index map: the entry, its hash and index slots, at load factor.
fn table<T>(len: usize) -> u64 {
    ALLOCATION + 2 * (len * (size_of::<T>() + 16)) as u64
}

fn table_entry<T>() -> u64 {
    table::<T>(1) - ALLOCATION
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weight(text: &str) -> u64 {
        document(&async_graphql::parser::parse_query(text).unwrap())
    }

    #[test]
    fn grows_with_what_the_document_holds() {
        let small = weight("{ a }");
        let wide = weight(&format!("{{ {} }}", "a ".repeat(1_000)));
        assert!(wide > 1_000 * 100, "{wide}");
        assert!(wide > 100 * small);
        let argued = weight(&format!("{{ a(x: [{}]) }}", "1 ".repeat(1_000)));
        assert!(argued > 1_000 * size_of::<Value>() as u64);
    }
}
