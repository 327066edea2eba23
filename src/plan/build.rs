//! From a validated document to a [`Plan`]: the operation's fields collected as the spec
//! collects them (fragments and inline fragments applied by type, `@include`/`@skip` decided,
//! fields of one response key merged in first-seen order), each field's arguments read with the
//! request's variables through the same input types and checks the resolvers use.
//!
//! Building answers `None` for anything the plan does not cover, and for any argument the
//! resolvers would refuse: the resolvers then answer, errors and all.

use async_graphql::{
    parser::types::{
        self as ast, Directive, ExecutableDocument, Field, OperationDefinition, OperationType,
        SelectionSet,
    },
    registry::Registry,
    InputType, Name, Positioned, Value, Variables,
};

use super::fields::{CityField, EventField, FieldKind, NetworkField};
use crate::{
    loaders::{
        filter::{EventTerm, NetworkTerm, PlaceTerm},
        page::{Columns, ListSpec, Relation, Window},
    },
    schema::{
        filters::{
            self, CityFilter, CityOrder, EventFilter, EventOrder, NetworkFilter, NetworkOrder,
        },
        pagination::{Cursors, PageArgs},
    },
};

/// A query operation the planned path answers: its root fields in response order.
pub struct Plan {
    pub fields: Vec<(Name, RootField)>,
}

/// A field of the query root.
pub enum RootField {
    Typename,
    Cities(ConnPlan<CityField, ListSpec<PlaceTerm>>),
    Networks(ConnPlan<NetworkField, ListSpec<NetworkTerm>>),
    Events(ConnPlan<EventField, ListSpec<EventTerm>>),
    City(String, Selection<CityField>),
    Network(String, Selection<NetworkField>),
}

/// The fields selected on an object of one type, in response order.
pub type Selection<F> = Vec<(Name, Slot<F>)>;

/// A selected field of an object.
pub enum Slot<F> {
    Typename,
    Field(F),
}

/// A list field: what to list (`L`: a root list's spec, or a [`Nested`] relation), the window
/// its arguments ask for, and what is selected of the connection.
pub struct ConnPlan<F, L> {
    pub list: L,
    pub window: Window,
    pub cursors: Cursors,
    pub fields: Vec<(Name, ConnSlot<F>)>,
}

/// A list of each parent's related rows.
pub struct Nested<R, T> {
    pub relation: R,
    pub spec: ListSpec<T>,
}

/// A selected field of a connection.
pub enum ConnSlot<F> {
    Typename,
    TotalCount,
    Nodes(Selection<F>),
    Edges(Vec<(Name, EdgeSlot<F>)>),
    PageInfo(Vec<(Name, PageInfoSlot)>),
}

/// A selected field of an edge.
pub enum EdgeSlot<F> {
    Typename,
    Cursor,
    Node(Selection<F>),
}

/// A selected field of `PageInfo`.
pub enum PageInfoSlot {
    Typename,
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
}

impl<F, L> ConnPlan<F, L> {
    /// Whether the page's rows are needed (anything but `totalCount` and `__typename`).
    pub fn needs_rows(&self) -> bool {
        self.fields.iter().any(|(_, slot)| {
            matches!(
                slot,
                ConnSlot::Nodes(_) | ConnSlot::Edges(_) | ConnSlot::PageInfo(_)
            )
        })
    }

    /// Whether `totalCount` is selected.
    pub fn needs_total(&self) -> bool {
        self.fields
            .iter()
            .any(|(_, slot)| matches!(slot, ConnSlot::TotalCount))
    }
}

impl<F: FieldKind, L> ConnPlan<F, L> {
    /// The columns of the listed rows that the selected nodes read, of `nodes` and of
    /// `edges { node }` alike.
    pub fn columns(&self) -> Columns {
        let nodes = self.fields.iter().filter_map(|(_, slot)| match slot {
            ConnSlot::Nodes(selection) => Some(selection),
            _ => None,
        });
        let edge_nodes = self
            .fields
            .iter()
            .filter_map(|(_, slot)| match slot {
                ConnSlot::Edges(fields) => Some(fields),
                _ => None,
            })
            .flatten()
            .filter_map(|(_, slot)| match slot {
                EdgeSlot::Node(selection) => Some(selection),
                _ => None,
            });
        let selections = nodes.chain(edge_nodes);
        Columns::of(selections.flat_map(|selection| selection.iter().filter_map(read_by)))
    }
}

/// The column a selected field reads, if it reads one beyond the primary key.
fn read_by<F: FieldKind>(
    (_, slot): &(Name, Slot<F>),
) -> Option<<F::Entity as sea_orm::EntityTrait>::Column> {
    match slot {
        Slot::Field(field) => field.reads(),
        Slot::Typename => None,
    }
}

/// The plan of the operation `operation_name` of `document`, or `None` where the resolvers
/// must answer.
pub fn plan(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Option<Plan> {
    let operation = crate::operation::selected(document, operation_name)?;
    if operation.node.ty != OperationType::Query || !operation.node.directives.is_empty() {
        return None;
    }
    let cx = Cx {
        registry,
        document,
        variables,
        operation: &operation.node,
    };
    let groups = cx.collect(
        &registry.query_type,
        [&operation.node.selection_set.node].into_iter(),
    )?;
    let fields = groups
        .into_iter()
        .map(|(key, group)| Some((key, cx.root_field(&group)?)))
        .collect::<Option<_>>()?;
    Some(Plan { fields })
}

/// What building reads from: the schema's types, the document, the variables.
pub struct Cx<'d> {
    registry: &'d Registry,
    document: &'d ExecutableDocument,
    variables: &'d Variables,
    operation: &'d OperationDefinition,
}

/// Fields of one response key, in document order (merged by the spec).
pub type Group<'d> = Vec<&'d Field>;

impl<'d> Cx<'d> {
    fn root_field(&self, group: &[&'d Field]) -> Option<RootField> {
        let field = group.first()?;
        Some(match field.name.node.as_str() {
            "__typename" => RootField::Typename,
            "cities" => {
                RootField::Cities(self.root_list::<CityField, CityFilter, CityOrder>(group)?)
            }
            "networks" => RootField::Networks(
                self.root_list::<NetworkField, NetworkFilter, NetworkOrder>(group)?,
            ),
            "events" => {
                RootField::Events(self.root_list::<EventField, EventFilter, EventOrder>(group)?)
            }
            // By slug only: `by` (an id, or a slug beside a second `slug`) is the resolvers'.
            "city" if field.get_argument("by").is_none() => {
                RootField::City(self.argument(field, "slug")?, self.selection(group)?)
            }
            "network" if field.get_argument("by").is_none() => {
                RootField::Network(self.argument(field, "slug")?, self.selection(group)?)
            }
            _ => return None,
        })
    }

    fn root_list<F, Flt, Ord>(
        &self,
        group: &[&'d Field],
    ) -> Option<ConnPlan<F, ListSpec<Flt::Term>>>
    where
        F: FieldKind,
        Flt: filters::Filter + InputType,
        Ord: filters::Ordering + InputType,
    {
        let list = sea_orm::EntityName::table_name(&F::Entity::default());
        let (spec, window, cursors) = self.list_arguments::<Flt, Ord>(group, list)?;
        Some(ConnPlan {
            list: spec,
            window,
            cursors,
            fields: self.connection(group)?,
        })
    }

    /// A list field of an object: `relation` of each parent.
    pub fn nested<F, Flt, Ord, R>(
        &self,
        group: &[&'d Field],
        relation: R,
    ) -> Option<ConnPlan<F, Nested<R, Flt::Term>>>
    where
        F: FieldKind,
        Flt: filters::Filter + InputType,
        Ord: filters::Ordering + InputType,
        R: Relation,
    {
        let (spec, window, cursors) =
            self.list_arguments::<Flt, Ord>(group, relation.edge().table)?;
        Some(ConnPlan {
            list: Nested { relation, spec },
            window,
            cursors,
            fields: self.connection(group)?,
        })
    }

    /// The list's spec and window from its arguments, checked as the resolvers check them.
    fn list_arguments<Flt, Ord>(
        &self,
        group: &[&'d Field],
        list: &'static str,
    ) -> Option<(ListSpec<Flt::Term>, Window, Cursors)>
    where
        Flt: filters::Filter + InputType,
        Ord: filters::Ordering + InputType,
    {
        let field = group.first()?;
        let args = PageArgs::new(
            self.argument(field, "first")?,
            self.argument(field, "after")?,
            self.argument(field, "last")?,
            self.argument(field, "before")?,
        );
        let filter: Option<Flt> = self.argument(field, "filter")?;
        let order: Option<Ord> = self.argument(field, "orderBy")?;
        let spec = filters::list_spec(filter, order).ok()?;
        let window = args.window(list, spec.sort()).ok()?;
        let cursors = Cursors::new(list, spec.sort());
        Some((spec, window, cursors))
    }

    fn connection<F: FieldKind>(&self, group: &[&'d Field]) -> Option<Vec<(Name, ConnSlot<F>)>> {
        self.subfields(F::CONNECTION, group)?
            .into_iter()
            .map(|(key, group)| {
                let slot = match group.first()?.name.node.as_str() {
                    "__typename" => ConnSlot::Typename,
                    "totalCount" => ConnSlot::TotalCount,
                    "nodes" => ConnSlot::Nodes(self.selection(&group)?),
                    "edges" => ConnSlot::Edges(self.edges(&group)?),
                    "pageInfo" => ConnSlot::PageInfo(self.page_info(&group)?),
                    _ => return None,
                };
                Some((key, slot))
            })
            .collect()
    }

    fn edges<F: FieldKind>(&self, group: &[&'d Field]) -> Option<Vec<(Name, EdgeSlot<F>)>> {
        self.subfields(F::EDGE, group)?
            .into_iter()
            .map(|(key, group)| {
                let slot = match group.first()?.name.node.as_str() {
                    "__typename" => EdgeSlot::Typename,
                    "cursor" => EdgeSlot::Cursor,
                    "node" => EdgeSlot::Node(self.selection(&group)?),
                    _ => return None,
                };
                Some((key, slot))
            })
            .collect()
    }

    fn page_info(&self, group: &[&'d Field]) -> Option<Vec<(Name, PageInfoSlot)>> {
        self.subfields("PageInfo", group)?
            .into_iter()
            .map(|(key, group)| {
                let slot = match group.first()?.name.node.as_str() {
                    "__typename" => PageInfoSlot::Typename,
                    "hasNextPage" => PageInfoSlot::HasNextPage,
                    "hasPreviousPage" => PageInfoSlot::HasPreviousPage,
                    "startCursor" => PageInfoSlot::StartCursor,
                    "endCursor" => PageInfoSlot::EndCursor,
                    _ => return None,
                };
                Some((key, slot))
            })
            .collect()
    }

    /// What is selected of an object of `F`'s type below the fields of `group`.
    pub fn selection<F: FieldKind>(&self, group: &[&'d Field]) -> Option<Selection<F>> {
        self.subfields(F::TYPE, group)?
            .into_iter()
            .map(|(key, group)| {
                let name = group.first()?.name.node.as_str();
                let slot = if name == "__typename" {
                    Slot::Typename
                } else {
                    Slot::Field(F::plan(self, name, &group)?)
                };
                Some((key, slot))
            })
            .collect()
    }

    /// The merged selection sets of `group`, collected for an object of `type_name`.
    ///
    /// async-graphql resolves each field of a response key on its own and merges the values:
    /// one whose own selection is all skipped answers `null`, and the merge keeps that `null`
    /// (where the spec merges the selections first). Such groups are left to the resolvers.
    fn subfields(&self, type_name: &str, group: &[&'d Field]) -> Option<Vec<(Name, Group<'d>)>> {
        if group.len() > 1
            && group.iter().any(|field| {
                self.collect(type_name, std::iter::once(&field.selection_set.node))
                    .is_none()
            })
        {
            return None;
        }
        self.collect(
            type_name,
            group.iter().map(|field| &field.selection_set.node),
        )
    }

    /// CollectFields (spec §6.3.2) over `sets` for an object of `type_name`. Fields of one
    /// response key must agree on their arguments (else the resolvers decide).
    fn collect(
        &self,
        type_name: &str,
        sets: impl Iterator<Item = &'d SelectionSet>,
    ) -> Option<Vec<(Name, Group<'d>)>> {
        let mut groups: Vec<(Name, Group<'d>)> = Vec::new();
        for set in sets {
            self.collect_into(type_name, set, &mut groups, 0)?;
        }
        // A selection whose fields are all skipped is left to the resolvers: async-graphql
        // answers `null` for it where the spec has `{}`, and the plan answers as they do.
        if groups.is_empty() {
            return None;
        }
        for (_, group) in &groups {
            let first = group.first()?;
            if group.iter().any(|field| {
                field.name.node != first.name.node || field.arguments != first.arguments
            }) {
                return None;
            }
        }
        Some(groups)
    }

    fn collect_into(
        &self,
        type_name: &str,
        set: &'d SelectionSet,
        groups: &mut Vec<(Name, Group<'d>)>,
        depth: usize,
    ) -> Option<()> {
        // Validation refuses fragment cycles; this is a bound all the same.
        if depth > MAX_FRAGMENT_DEPTH {
            return None;
        }
        for selection in &set.items {
            match &selection.node {
                ast::Selection::Field(field) => {
                    if !self.included(&field.node.directives)? {
                        continue;
                    }
                    let key = &field.node.response_key().node;
                    match groups.iter_mut().find(|(k, _)| k == key) {
                        Some((_, group)) => group.push(&field.node),
                        None => groups.push((key.clone(), vec![&field.node])),
                    }
                }
                ast::Selection::FragmentSpread(spread) => {
                    if !self.included(&spread.node.directives)? {
                        continue;
                    }
                    let fragment = self
                        .document
                        .fragments
                        .get(&spread.node.fragment_name.node)?;
                    if !fragment.node.directives.is_empty() {
                        return None;
                    }
                    if self.applies(&fragment.node.type_condition.node.on.node, type_name) {
                        self.collect_into(
                            type_name,
                            &fragment.node.selection_set.node,
                            groups,
                            depth + 1,
                        )?;
                    }
                }
                ast::Selection::InlineFragment(inline) => {
                    if !self.included(&inline.node.directives)? {
                        continue;
                    }
                    let applies =
                        inline.node.type_condition.as_ref().is_none_or(|condition| {
                            self.applies(&condition.node.on.node, type_name)
                        });
                    if applies {
                        self.collect_into(
                            type_name,
                            &inline.node.selection_set.node,
                            groups,
                            depth + 1,
                        )?;
                    }
                }
            }
        }
        Some(())
    }

    /// Whether a fragment on `condition` applies to an object of `type_name`.
    fn applies(&self, condition: &str, type_name: &str) -> bool {
        condition == type_name
            || self
                .registry
                .types
                .get(condition)
                .is_some_and(|ty| ty.is_possible_type(type_name))
    }

    /// `@include`/`@skip` decided; `None` for any other directive.
    fn included(&self, directives: &[Positioned<Directive>]) -> Option<bool> {
        crate::operation::included(directives, |name| self.variable(name))
    }

    /// Argument `name` of `field` read as the resolvers read it (absent: `T::parse(None)`).
    pub fn argument<T: InputType>(&self, field: &Field, name: &str) -> Option<T> {
        let value = match field.get_argument(name) {
            Some(value) => Some(self.value(&value.node)?),
            None => None,
        };
        T::parse(value).ok()
    }

    /// `value` with its variables replaced; `None` when one was not given and has no default.
    fn value(&self, value: &async_graphql_value::Value) -> Option<Value> {
        value
            .clone()
            .into_const_with(|name| self.variable(&name).ok_or(()))
            .ok()
    }

    fn variable(&self, name: &str) -> Option<Value> {
        crate::operation::variable(self.operation, self.variables, name)
    }
}

/// How deep fragments may nest within one selection set before the plan gives up.
const MAX_FRAGMENT_DEPTH: usize = 64;
