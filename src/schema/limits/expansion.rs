//! The size of an operation once every fragment spread is replaced by the fragment's selections.
//!
//! async-graphql's depth and complexity visitors, its other validation rules and execution all
//! walk the *expanded* operation: a fragment spread twice in each of 30 chained fragments is a
//! thousand characters of text and 2^30 fields of work. This measures the expansion without
//! performing it: each fragment's size is computed once and multiplied by the number of times
//! it is spread, so the walk is linear in the document.
//!
//! Arguments are measured the same way, with each variable counted at its JSON size every time
//! it is used: a 50 KB filter variable used a hundred times is 5 MB of input to build.

use std::collections::HashMap;

use async_graphql::{
    parser::types::{ExecutableDocument, Selection, SelectionSet},
    Name, Positioned, Variables,
};
use async_graphql_value::Value;

/// What an operation amounts to when expanded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Expanded {
    /// Selections — fields, fragment spreads and inline fragments — counting a fragment's once
    /// per spread: the steps of any walk over the expanded operation.
    pub fields: u64,
    /// Bytes of argument values, variables substituted.
    pub argument_bytes: u64,
}

impl Expanded {
    fn add(self, other: Self) -> Self {
        Self {
            fields: self.fields.saturating_add(other.fields),
            argument_bytes: self.argument_bytes.saturating_add(other.argument_bytes),
        }
    }
}

/// A fragment that spreads itself, directly or through others: no expansion has an end.
#[derive(Debug, PartialEq, Eq)]
pub struct FragmentCycle(pub String);

/// The largest expansion among the operations of `document` (and of its fragments, which
/// async-graphql's validation walks whether an operation spreads them or not).
pub fn largest_operation(
    document: &ExecutableDocument,
    variables: &Variables,
) -> Result<Expanded, FragmentCycle> {
    let mut walker = Walker {
        document,
        variables,
        fragments: HashMap::new(),
        variable_bytes: HashMap::new(),
        cycle: None,
    };
    let operations = document
        .operations
        .iter()
        .map(|(_, operation)| walker.selection_set(&operation.node.selection_set))
        .collect::<Vec<_>>();
    for name in document.fragments.keys() {
        walker.fragment(name);
    }
    if let Some(name) = walker.cycle {
        return Err(FragmentCycle(name.to_string()));
    }
    Ok(operations
        .into_iter()
        .fold(Expanded::default(), |largest, op| Expanded {
            fields: largest.fields.max(op.fields),
            argument_bytes: largest.argument_bytes.max(op.argument_bytes),
        }))
}

/// A spread or an inline fragment: no field, but a step for every walk.
const ONE_STEP: Expanded = Expanded {
    fields: 1,
    argument_bytes: 0,
};

struct Walker<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    /// Each fragment's expanded size; `None` while it is being measured (a cycle, which
    /// validation rejects, counts as empty here).
    fragments: HashMap<&'a Name, Option<Expanded>>,
    variable_bytes: HashMap<&'a Name, u64>,
    /// The first fragment found spreading itself.
    cycle: Option<&'a Name>,
}

impl<'a> Walker<'a> {
    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>) -> Expanded {
        let mut total = Expanded::default();
        for selection in &set.node.items {
            let size = match &selection.node {
                Selection::Field(field) => {
                    let arguments = field
                        .node
                        .arguments
                        .iter()
                        .map(|(name, value)| {
                            (name.node.len() as u64).saturating_add(self.value(&value.node))
                        })
                        .fold(0u64, u64::saturating_add);
                    Expanded {
                        fields: 1,
                        argument_bytes: arguments,
                    }
                    .add(self.selection_set(&field.node.selection_set))
                }
                Selection::InlineFragment(fragment) => {
                    ONE_STEP.add(self.selection_set(&fragment.node.selection_set))
                }
                Selection::FragmentSpread(spread) => {
                    ONE_STEP.add(self.fragment(&spread.node.fragment_name.node))
                }
            };
            total = total.add(size);
        }
        total
    }

    fn fragment(&mut self, name: &'a Name) -> Expanded {
        match self.fragments.get(name) {
            Some(Some(size)) => return *size,
            Some(None) => {
                self.cycle.get_or_insert(name);
                return Expanded::default();
            }
            None => {}
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return Expanded::default();
        };
        self.fragments.insert(name, None);
        let size = self.selection_set(&fragment.node.selection_set);
        self.fragments.insert(name, Some(size));
        size
    }

    /// Roughly the bytes the value takes once built (its JSON size for variables).
    fn value(&mut self, value: &'a Value) -> u64 {
        match value {
            Value::Variable(name) => self.variable(name),
            Value::String(text) => text.len() as u64 + 2,
            Value::Binary(bytes) => bytes.len() as u64,
            Value::Enum(name) => name.len() as u64,
            Value::List(items) => items
                .iter()
                .map(|item| self.value(item) + 1)
                .fold(2, u64::saturating_add),
            Value::Object(fields) => fields
                .iter()
                .map(|(key, item)| (key.len() as u64 + 4).saturating_add(self.value(item)))
                .fold(2, u64::saturating_add),
            Value::Null | Value::Number(_) | Value::Boolean(_) => 8,
        }
    }

    fn variable(&mut self, name: &'a Name) -> u64 {
        if let Some(bytes) = self.variable_bytes.get(name) {
            return *bytes;
        }
        let bytes = self
            .variables
            .get(name)
            .and_then(|value| serde_json::to_vec(value).ok())
            .map_or(8, |json| json.len() as u64);
        self.variable_bytes.insert(name, bytes);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(query: &str, variables: serde_json::Value) -> Expanded {
        let document = async_graphql::parser::parse_query(query).unwrap();
        largest_operation(&document, &Variables::from_json(variables)).unwrap()
    }

    /// The fragment bomb of the security review: each fragment spreads the previous one twice.
    fn bomb(levels: usize) -> String {
        let mut query = format!(
            "{{ networks(first:1){{nodes{{...F{levels}}}}} }} fragment F0 on Network{{name}}"
        );
        for level in 1..=levels {
            let previous = level - 1;
            query.push_str(&format!(
                " fragment F{level} on Network{{...F{previous} ...F{previous}}}"
            ));
        }
        query
    }

    #[test]
    fn counts_spreads_by_multiplying_not_walking() {
        // networks, nodes, the spread of F3, 2 + 4 + 8 spreads below it, 8 names.
        assert_eq!(expanded(&bomb(3), serde_json::json!({})).fields, 3 + 14 + 8);
        // 2^60 fields: measured at once, without overflow.
        assert_eq!(
            expanded(&bomb(60), serde_json::json!({})).fields,
            3 + ((1u64 << 61) - 2) + (1u64 << 60)
        );
        assert_eq!(
            expanded(&bomb(70), serde_json::json!({})).fields,
            u64::MAX,
            "saturates"
        );
    }

    #[test]
    fn a_cycle_is_found_not_followed() {
        for query in [
            "{ networks { nodes { ...A } } } fragment A on Network { name ...B } fragment B on Network { ...A }",
            // Not spread by the operation, still walked by validation.
            "{ __typename } fragment A on Network { ...A ...A }",
        ] {
            let document = async_graphql::parser::parse_query(query).unwrap();
            assert_eq!(
                largest_operation(&document, &Variables::default()).map(|_| ()),
                Err(FragmentCycle("A".into()))
            );
        }
    }

    #[test]
    fn variables_count_at_every_use() {
        let once = expanded(
            "query($f: CityFilter) { cities(filter: $f) { totalCount } }",
            serde_json::json!({ "f": { "countryCodes": vec!["DE"; 100] } }),
        );
        let thrice = expanded(
            "query($f: CityFilter) { cities(filter: {or: [$f, $f, $f]}) { totalCount } }",
            serde_json::json!({ "f": { "countryCodes": vec!["DE"; 100] } }),
        );
        assert!(once.argument_bytes > 500, "{once:?}");
        assert!(
            thrice.argument_bytes > 3 * once.argument_bytes - 50,
            "{thrice:?}"
        );
    }
}
