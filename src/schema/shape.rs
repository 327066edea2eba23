//! Gives every response the shape the GraphQL spec promises, which async-graphql 7.2 does not:
//!
//! - **Keys in selection order** (spec §6.3.2, CollectFields): async-graphql resolves fields
//!   concurrently and writes them in the order they complete, so identical requests gave
//!   different bytes (and ETags and cached answers depend on identical bytes).
//! - **Null propagation** (spec §6.4.4): when a field fails, async-graphql records the error and
//!   leaves the key out, or puts `null` into a non-null list. The spec makes the field `null`
//!   and, where the field is non-null, nulls its parent instead, up to the nearest nullable
//!   position (`data` itself at the top).
//!
//! [`ShapeResponses`] keeps the parsed document of each request and, once the operation has
//! run, walks the response against the selection set and the schema's types ([`TypeInfo`], read
//! from the SDL once at start-up). Each error's path is followed to the position it nulled; the
//! reordering is one pass over the response.
//!
//! It is also the one extension that keeps the request's document and variables, so the planned
//! read path ([`PlannedExecution`], `crate::plan`) is handed to it: a planned answer is built in
//! the spec's shape already and is returned as it is.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, PoisonError,
    },
};

use super::empty_selections;

use async_graphql::{
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextSubscribe,
    },
    futures_util::{stream::BoxStream, StreamExt},
    parser::types::{
        BaseType, Directive, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
        TypeKind, TypeSystemDefinition,
    },
    Name, PathSegment, Positioned, Response, ServerResult, Value, Variables,
};

/// The field types of every object and interface type, enough to know which positions of a
/// response are non-null.
pub struct TypeInfo {
    fields: HashMap<String, HashMap<String, async_graphql::parser::types::Type>>,
    roots: [Option<String>; 3],
}

impl TypeInfo {
    /// Reads the types from the schema's SDL (as [`super::sdl`] prints it).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut fields = HashMap::new();
        let mut roots = [
            Some("Query".to_string()),
            Some("Mutation".to_string()),
            Some("Subscription".to_string()),
        ];
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the schema's own SDL does not parse; responses keep their shape");
            return Self {
                fields,
                roots: [None, None, None],
            };
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Type(ty) => {
                    let type_fields = match &ty.node.kind {
                        TypeKind::Object(object) => &object.fields,
                        TypeKind::Interface(interface) => &interface.fields,
                        _ => continue,
                    };
                    let by_name = type_fields
                        .iter()
                        .map(|field| (field.node.name.node.to_string(), field.node.ty.node.clone()))
                        .collect();
                    fields.insert(ty.node.name.node.to_string(), by_name);
                }
                TypeSystemDefinition::Schema(schema) => {
                    let named = |name: &Option<Positioned<Name>>| {
                        name.as_ref().map(|name| name.node.to_string())
                    };
                    roots = [
                        named(&schema.node.query),
                        named(&schema.node.mutation),
                        named(&schema.node.subscription),
                    ];
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Self { fields, roots }
    }

    fn field_type(&self, parent: &str, field: &str) -> Option<&async_graphql::parser::types::Type> {
        self.fields.get(parent)?.get(field)
    }

    fn root(&self, ty: OperationType) -> Option<&str> {
        let index = match ty {
            OperationType::Query => 0,
            OperationType::Mutation => 1,
            OperationType::Subscription => 2,
        };
        self.roots[index].as_deref()
    }
}

/// Runs a query operation instead of the resolvers where it can: `None` leaves it to them.
#[async_graphql::async_trait::async_trait]
pub trait PlannedExecution: Send + Sync {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        document: &ExecutableDocument,
        variables: &Variables,
        operation_name: Option<&str>,
    ) -> Option<Response>;
}

/// Installs the response shaping as an async-graphql extension, with the planned path when one
/// is given.
pub struct ShapeResponses {
    pub types: Arc<TypeInfo>,
    pub planned: Option<Arc<dyn PlannedExecution>>,
}

impl ExtensionFactory for ShapeResponses {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeExtension {
            types: self.types.clone(),
            planned: self.planned.clone(),
            document: Arc::new(Mutex::new(None)),
            filled: Arc::new(AtomicBool::new(false)),
        })
    }
}

struct ShapeExtension {
    types: Arc<TypeInfo>,
    planned: Option<Arc<dyn PlannedExecution>>,
    /// The request's document and variables, kept from parsing for the shaping after execution
    /// (the variables decide `@skip` and `@include`).
    document: Arc<Mutex<Option<Parsed>>>,
    /// Whether the document executed has hidden fields in selections left empty
    /// ([`empty_selections`]), to be taken out of the answer.
    filled: Arc<AtomicBool>,
}

type Parsed = Arc<(ExecutableDocument, Variables)>;

impl ShapeExtension {
    fn document(&self) -> Option<Parsed> {
        self.document
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ShapeExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        *self.document.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Arc::new((document.clone(), variables.clone())));
        let (document, filled) = empty_selections::fill(document, variables);
        self.filled.store(filled, Ordering::Relaxed);
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let document = self.document();
        if let Some(parsed) = &document {
            // The operation about to run is known now: its type and name, for the metrics and
            // the slow-operation log.
            crate::observe::operation::parsed(&parsed.0, operation_name);
        }
        if let (Some(planned), Some(parsed)) = (&self.planned, &document) {
            // A planned answer is built in the spec's shape and has no errors.
            if let Some(response) = planned
                .execute(ctx, &parsed.0, &parsed.1, operation_name)
                .await
            {
                return response;
            }
        }
        // Counted here, not by the planner, so that it counts with `QUERY_PLANNER=off` too.
        crate::observe::operation::executed_by(crate::observe::operation::Path::Resolvers);
        let response = next.run(ctx, operation_name).await;
        let mut response = match document {
            Some(parsed) => shape(&self.types, &parsed.0, &parsed.1, operation_name, response),
            None => response,
        };
        if self.filled.load(Ordering::Relaxed) {
            empty_selections::strip(&mut response.data);
        }
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let types = self.types.clone();
        let document = self.document.clone();
        let filled = self.filled.clone();
        next.run(ctx, stream)
            .map(move |response| {
                let document = document
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let mut response = match document {
                    Some(parsed) => shape(&types, &parsed.0, &parsed.1, None, response),
                    None => response,
                };
                if filled.load(Ordering::Relaxed) {
                    empty_selections::strip(&mut response.data);
                }
                response
            })
            .boxed()
    }
}

/// `response` in the spec's shape for the operation `operation_name` of `document`.
pub fn shape(
    types: &TypeInfo,
    document: &ExecutableDocument,
    variables: &Variables,
    operation_name: Option<&str>,
    mut response: Response,
) -> Response {
    let Some(operation) = crate::operation::selected(document, operation_name) else {
        return response;
    };
    let Some(root) = types.root(operation.node.ty) else {
        return response;
    };
    let walker = Walker {
        types,
        document,
        included: &|directives| {
            crate::operation::included(directives, |name| {
                crate::operation::variable(&operation.node, variables, name)
            })
            .unwrap_or(true)
        },
    };
    let root_sets = [&operation.node.selection_set.node];
    // Execution began (an error has a field path) yet every root field failed: async-graphql
    // answers `null` where the spec has an object of nulled fields (or null, when one of them
    // is non-null; the walk below decides).
    if response.data == Value::Null && response.errors.iter().any(|error| !error.path.is_empty()) {
        response.data = Value::Object(Default::default());
    }
    for error in &response.errors {
        if error.path.is_empty() {
            continue;
        }
        if walker.null_along(&mut response.data, root, &root_sets, &error.path) {
            response.data = Value::Null;
            break;
        }
    }
    walker.reorder(&mut response.data, root, &root_sets);
    walker.describe_schema(&mut response.data, root, &root_sets);
    response
}

/// What `__schema { description }` answers. async-graphql 7.2 answers a fixed paragraph about
/// GraphQL schemas in general and has no setting for it.
pub const SCHEMA_DESCRIPTION: &str = "Citynet: which cities and regions belong to which \
    inter-city networks (since when, in what role, represented by whom), the events those \
    networks held and who took part, and twinnings — every fact taken from a cited source \
    document. Start at `cities`, `networks`, `events` or `search`; every object with an `id` \
    is a `Node`; lists are Relay connections of at most 100 items per page.";

/// A field of a selection once fragments are flattened: where it is defined and what it selects.
struct Collected<'d> {
    key: &'d str,
    /// The type the field was selected on (a fragment's type condition, else the parent type).
    on: &'d str,
    fields: Vec<&'d Positioned<Field>>,
}

struct Walker<'a> {
    types: &'a TypeInfo,
    document: &'a ExecutableDocument,
    /// Whether `@skip`/`@include` keep a selection: one they leave out does not place its key.
    included: &'a dyn Fn(&[Positioned<Directive>]) -> bool,
}

impl<'a> Walker<'a> {
    /// The fields `sets` select on an object of type `parent`, merged by response key, in the
    /// order of their first appearance. Type conditions are not evaluated: a key that the object
    /// does not carry is simply absent from it.
    fn collect(&self, parent: &'a str, sets: &[&'a SelectionSet]) -> Vec<Collected<'a>> {
        let mut collected: Vec<Collected<'a>> = Vec::new();
        let mut seen_fragments = Vec::new();
        for set in sets {
            self.collect_into(parent, set, &mut collected, &mut seen_fragments);
        }
        collected
    }

    fn collect_into(
        &self,
        on: &'a str,
        set: &'a SelectionSet,
        collected: &mut Vec<Collected<'a>>,
        seen_fragments: &mut Vec<&'a str>,
    ) {
        for selection in &set.items {
            let directives = match &selection.node {
                Selection::Field(field) => &field.node.directives,
                Selection::InlineFragment(fragment) => &fragment.node.directives,
                Selection::FragmentSpread(spread) => &spread.node.directives,
            };
            if !(self.included)(directives) {
                continue;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.as_str();
                    match collected.iter_mut().find(|c| c.key == key) {
                        Some(existing) => existing.fields.push(field),
                        None => collected.push(Collected {
                            key,
                            on,
                            fields: vec![field],
                        }),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(on, |condition| condition.node.on.node.as_str());
                    self.collect_into(
                        on,
                        &fragment.node.selection_set.node,
                        collected,
                        seen_fragments,
                    );
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if seen_fragments.contains(&name) {
                        continue;
                    }
                    seen_fragments.push(name);
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.collect_into(
                            on,
                            &fragment.node.selection_set.node,
                            collected,
                            seen_fragments,
                        );
                    }
                }
            }
        }
    }

    /// The type of `collected` on `parent`: looked up on the type it was selected on, then on
    /// the parent (an interface field selected without a condition).
    fn field_type(
        &self,
        parent: &str,
        collected: &Collected<'a>,
    ) -> Option<&'a async_graphql::parser::types::Type> {
        let name = collected.fields.first()?.node.name.node.as_str();
        self.types
            .field_type(collected.on, name)
            .or_else(|| self.types.field_type(parent, name))
    }

    /// Follows an error's `path` from `value` (an object of type `parent` selected by `sets`)
    /// and nulls what the spec nulls; true when `value` itself must become null.
    fn null_along(
        &self,
        value: &mut Value,
        parent: &'a str,
        sets: &[&'a SelectionSet],
        path: &[PathSegment],
    ) -> bool {
        let (Value::Object(object), Some(PathSegment::Field(key))) = (value, path.first()) else {
            return false;
        };
        let collected = self.collect(parent, sets);
        let Some(field) = collected.iter().find(|c| c.key == key) else {
            return false;
        };
        let Some(ty) = self.field_type(parent, field) else {
            return false;
        };
        let child_sets = child_sets(field);
        let name = Name::new(key);
        let must_null = match object.get_mut(&name) {
            None => true,
            Some(child) => self.null_in_position(child, ty, &child_sets, &path[1..]),
        };
        if must_null {
            object.insert(name, Value::Null);
            return !ty.nullable;
        }
        false
    }

    /// True when `value`, at a position of type `ty`, must be nulled after following `path`.
    fn null_in_position(
        &self,
        value: &mut Value,
        ty: &'a async_graphql::parser::types::Type,
        sets: &[&'a SelectionSet],
        path: &[PathSegment],
    ) -> bool {
        match (&ty.base, value) {
            (_, Value::Null) => true,
            (BaseType::List(item_type), Value::List(items)) => {
                let Some(PathSegment::Index(index)) = path.first() else {
                    return false;
                };
                let Some(item) = items.get_mut(*index) else {
                    return false;
                };
                if self.null_in_position(item, item_type, sets, &path[1..]) {
                    *item = Value::Null;
                    return !item_type.nullable;
                }
                false
            }
            (BaseType::Named(name), value @ Value::Object(_)) => {
                let parent = self.concrete_type(value, name.as_str());
                self.null_along(value, parent, sets, path)
            }
            _ => false,
        }
    }

    /// Rewrites every object under `value` (of type `parent`, selected by `sets`) with its keys
    /// in selection order.
    fn reorder(&self, value: &mut Value, parent: &'a str, sets: &[&'a SelectionSet]) {
        let Value::Object(object) = value else {
            return;
        };
        let collected = self.collect(parent, sets);
        let mut old = std::mem::take(object);
        for field in &collected {
            let Some((name, mut child)) = old.swap_remove_entry(field.key) else {
                continue;
            };
            if let Some(ty) = self.field_type(parent, field) {
                self.reorder_position(&mut child, ty, &child_sets(field));
            }
            object.insert(name, child);
        }
        // Nothing should be left; if something is, it keeps its place after the rest.
        object.extend(old);
    }

    fn reorder_position(
        &self,
        value: &mut Value,
        ty: &'a async_graphql::parser::types::Type,
        sets: &[&'a SelectionSet],
    ) {
        match (&ty.base, value) {
            (BaseType::List(item_type), Value::List(items)) => {
                for item in items {
                    self.reorder_position(item, item_type, sets);
                }
            }
            (BaseType::Named(name), value @ Value::Object(_)) => {
                let parent = self.concrete_type(value, name.as_str());
                self.reorder(value, parent, sets);
            }
            _ => {}
        }
    }
}

impl<'a> Walker<'a> {
    /// Puts [`SCHEMA_DESCRIPTION`] wherever the operation asks for `__schema { description }`.
    fn describe_schema(&self, data: &mut Value, root: &'a str, sets: &[&'a SelectionSet]) {
        let Value::Object(object) = data else {
            return;
        };
        for schema in self.collect(root, sets) {
            let Some(field) = schema.fields.first() else {
                continue;
            };
            if field.node.name.node != "__schema" {
                continue;
            }
            let Some(Value::Object(schema_object)) = object.get_mut(schema.key) else {
                continue;
            };
            for description in self.collect("__Schema", &child_sets(&schema)) {
                let is_description = description
                    .fields
                    .first()
                    .is_some_and(|field| field.node.name.node == "description");
                if let (true, Some(value)) =
                    (is_description, schema_object.get_mut(description.key))
                {
                    *value = Value::String(SCHEMA_DESCRIPTION.to_string());
                }
            }
        }
    }

    /// The object's own type where it says (`__typename`), else the declared type.
    fn concrete_type(&self, value: &Value, declared: &'a str) -> &'a str {
        let Value::Object(object) = value else {
            return declared;
        };
        match object.get("__typename") {
            Some(Value::String(name)) => self
                .types
                .fields
                .get_key_value(name.as_str())
                .map_or(declared, |(name, _)| name.as_str()),
            _ => declared,
        }
    }
}

/// The selection sets of a field merged from several selections of the same key.
fn child_sets<'d>(collected: &Collected<'d>) -> Vec<&'d SelectionSet> {
    collected
        .fields
        .iter()
        .map(|field| &field.node.selection_set.node)
        .collect()
}
