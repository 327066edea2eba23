//! Selections that `@skip` and `@include` leave empty. The spec answers such an object with `{}`
//! (§6.3.2: it has no fields). async-graphql 7.2 answers it with `null`. It also merges the
//! fields of one response key in the order they *complete*, so a `null` like that beside the
//! same key's real object wins or loses by timing:
//! `nodes { network { name } } nodes { network { founded @skip(if: true) { id } } }` answered
//! `"network": null` in some runs and `{"name": …}` in others.
//!
//! Before execution, [`fill`] puts a hidden `__typename` (aliased [`HIDDEN`]) into every
//! selection set the request's variables leave empty. The object is then an object, and merges
//! as one. After execution, [`strip`] takes the hidden keys out of the answer. Only documents
//! with such a selection are changed. Each hidden field counts 1 to the operation's
//! complexity, as any `__typename` does.

use async_graphql::{
    parser::types::{
        Directive, DocumentOperations, ExecutableDocument, Field, FragmentDefinition,
        OperationType, Selection, SelectionSet,
    },
    Name, Pos, Positioned, Value, Variables,
};
use std::collections::HashMap;

/// The response key of the hidden field: a name no client of this schema sends. It begins
/// with `__`, which GraphQL reserves for the system itself.
pub const HIDDEN: &str = "__citynetEmptySelection";

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

/// `document` with a hidden field in every selection set that `variables` leave empty, and
/// whether it needed one (`false`: `document` is returned unchanged).
pub fn fill(document: ExecutableDocument, variables: &Variables) -> (ExecutableDocument, bool) {
    let needs = {
        let included = |directives: &[Positioned<Directive>]| {
            crate::operation::included(directives, |name| variable(&document, variables, name))
                .unwrap_or(true)
        };
        let filler = Filler {
            fragments: &document.fragments,
            included: &included,
        };
        filler.document_needs(&document)
    };
    if !needs {
        return (document, false);
    }
    // Rare from here on: the variables with their defaults, and the fragments to read, are
    // copied out of the document that is about to change.
    let resolved: HashMap<Name, Value> = document
        .operations
        .iter()
        .flat_map(|(_, operation)| &operation.node.variable_definitions)
        .filter_map(|definition| {
            let name = &definition.node.name.node;
            Some((name.clone(), variable(&document, variables, name)?))
        })
        .collect();
    let included = |directives: &[Positioned<Directive>]| {
        crate::operation::included(directives, |name| resolved.get(name).cloned()).unwrap_or(true)
    };
    let mut document = document;
    let fragments = document.fragments.clone();
    let filler = Filler {
        fragments: &fragments,
        included: &included,
    };
    let operations: Vec<_> = match &mut document.operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(operations) => operations.values_mut().collect(),
    };
    for operation in operations {
        let root = &mut operation.node.selection_set.node;
        filler.fill_below(root);
        // A subscription selects exactly one root field (validation): never a second one.
        if operation.node.ty != OperationType::Subscription && !filler.selects_anything(root) {
            root.items.push(hidden());
        }
    }
    for fragment in document.fragments.values_mut() {
        filler.fill_below(&mut fragment.node.selection_set.node);
    }
    (document, true)
}

/// Removes every hidden key from `data`.
pub fn strip(data: &mut Value) {
    match data {
        Value::Object(object) => {
            object.shift_remove(HIDDEN);
            object.values_mut().for_each(strip);
        }
        Value::List(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

/// The variable `name` as given, else its default (from the first operation that declares it:
/// a fragment's directives are read as any operation using it would read them).
fn variable(document: &ExecutableDocument, variables: &Variables, name: &str) -> Option<Value> {
    document
        .operations
        .iter()
        .find_map(|(_, operation)| crate::operation::variable(&operation.node, variables, name))
}

struct Filler<'a> {
    fragments: &'a Fragments,
    included: &'a dyn Fn(&[Positioned<Directive>]) -> bool,
}

impl Filler<'_> {
    /// True when some selection set of `document` is left empty.
    fn document_needs(&self, document: &ExecutableDocument) -> bool {
        document.operations.iter().any(|(_, operation)| {
            let root = &operation.node.selection_set.node;
            self.set_needs(root)
                || (operation.node.ty != OperationType::Subscription
                    && !self.selects_anything(root))
        }) || document
            .fragments
            .values()
            .any(|fragment| self.set_needs(&fragment.node.selection_set.node))
    }

    /// True when a field below `set` (not `set` itself) has a selection set left empty.
    fn set_needs(&self, set: &SelectionSet) -> bool {
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => {
                let below = &field.node.selection_set.node;
                !below.items.is_empty() && (!self.selects_anything(below) || self.set_needs(below))
            }
            Selection::InlineFragment(fragment) => {
                self.set_needs(&fragment.node.selection_set.node)
            }
            Selection::FragmentSpread(_) => false,
        })
    }

    /// Puts the hidden field into every selection set below `set` that is left empty.
    fn fill_below(&self, set: &mut SelectionSet) {
        for selection in &mut set.items {
            match &mut selection.node {
                Selection::Field(field) => {
                    let below = &mut field.node.selection_set.node;
                    if below.items.is_empty() {
                        continue;
                    }
                    self.fill_below(below);
                    if !self.selects_anything(below) {
                        below.items.push(hidden());
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.fill_below(&mut fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }

    /// True when `set` keeps at least one field under `@skip`/`@include` (type conditions are
    /// not evaluated, as in the shaping).
    fn selects_anything(&self, set: &SelectionSet) -> bool {
        self.selects_within(set, &mut Vec::new())
    }

    fn selects_within<'s>(&'s self, set: &'s SelectionSet, seen: &mut Vec<&'s Name>) -> bool {
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => (self.included)(&field.node.directives),
            Selection::InlineFragment(fragment) => {
                (self.included)(&fragment.node.directives)
                    && self.selects_within(&fragment.node.selection_set.node, seen)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if !(self.included)(&spread.node.directives) || seen.contains(&name) {
                    return false;
                }
                seen.push(name);
                self.fragments.get(name).is_some_and(|fragment| {
                    self.selects_within(&fragment.node.selection_set.node, seen)
                })
            }
        })
    }
}

/// `__citynetEmptySelection: __typename`.
fn hidden() -> Positioned<Selection> {
    let field = Field {
        alias: Some(at(Name::new(HIDDEN))),
        name: at(Name::new("__typename")),
        arguments: Vec::new(),
        directives: Vec::new(),
        selection_set: at(SelectionSet::default()),
    };
    at(Selection::Field(at(field)))
}

/// `node` at no position in the text (it was not in the text).
fn at<T>(node: T) -> Positioned<T> {
    Positioned::new(node, Pos::default())
}
