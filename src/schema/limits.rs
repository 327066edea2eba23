//! Abuse limits, enforced before anything runs: query length and nesting (before parsing),
//! variables size, aliases, root fields and the expanded size of an operation (after parsing,
//! before any validation rule walks it), depth and complexity (async-graphql's validation,
//! configured in `build`). Every error this module sees gets a stable `extensions.code`.

mod charge;
mod coercion;
mod entities;
mod expansion;
pub mod text;

use crate::error::ErrorCode;
use sha2::Digest;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::{
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        NextRequest, NextValidation,
    },
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
    Positioned, Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};

use crate::{
    cache::{validations::ValidationKey, Documents, PersistedQueries, Validations},
    config::Limits,
};

/// Installs the limits as an async-graphql extension.
pub struct QueryLimits {
    pub limits: Limits,
    /// When false, `__schema` and `__type` are refused with `INTROSPECTION_DISABLED`.
    pub introspection: bool,
    /// Documents parsed before, by text: parsed once, checked every time.
    pub documents: Arc<Documents>,
    /// Validation results of requests that passed, by text, operation name and variables.
    pub validations: Arc<Validations>,
    /// The persisted queries: a document refused after it was stored is forgotten.
    pub persisted: PersistedQueries,
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension {
            limits: self.limits.clone(),
            introspection: self.introspection,
            documents: self.documents.clone(),
            validations: self.validations.clone(),
            persisted: self.persisted.clone(),
            request: Mutex::default(),
        })
    }
}

/// The limits of one request (the extension is created per request), and what it learnt of the
/// request on the way.
struct LimitsExtension {
    limits: Limits,
    introspection: bool,
    documents: Arc<Documents>,
    validations: Arc<Validations>,
    persisted: PersistedQueries,
    request: Mutex<RequestState>,
}

#[derive(Default)]
struct RequestState {
    /// Where the document passes variables to arguments (once parsed).
    arguments: coercion::VariableArguments,
    /// A text parsed for the first time, with its document: remembered once it passed
    /// validation, so that a refused document is never kept.
    new_document: Option<(String, ExecutableDocument)>,
    /// The hash of the persisted query this request stores: forgotten if the request is refused.
    registering: Option<String>,
    /// How many entities `_entities` resolves: the operation's cost is multiplied by it.
    entities: u64,
    /// The request's size, the measure of what a refused request is charged.
    text_bytes: usize,
    /// What its validation depends on, once its document is known.
    validation: Option<ValidationKey>,
}

impl LimitsExtension {
    fn state(&self) -> std::sync::MutexGuard<'_, RequestState> {
        self.request.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A request error with `extensions.code`.
pub fn coded_error(code: ErrorCode, message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    set_code(&mut error, code);
    error
}

fn set_code(error: &mut ServerError, code: ErrorCode) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some())
}

/// Counts aliased fields in every operation and fragment of `document`.
fn count_aliases(document: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| in_set(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|fragment| in_set(&fragment.node.selection_set.node))
        .sum();
    operations + fragments
}

/// The names of the fields each operation of `document` selects at its root (fragments at the
/// root expanded, each fragment once).
fn root_fields(document: &ExecutableDocument) -> Vec<Vec<String>> {
    fn in_set(
        document: &ExecutableDocument,
        set: &Positioned<SelectionSet>,
        seen: &mut Vec<String>,
        names: &mut Vec<String>,
    ) {
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(field) => names.push(field.node.name.node.to_string()),
                Selection::InlineFragment(fragment) => {
                    in_set(document, &fragment.node.selection_set, seen, names)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.to_string();
                    if seen.contains(&name) {
                        continue;
                    }
                    seen.push(name);
                    if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                    {
                        in_set(document, &fragment.node.selection_set, seen, names);
                    }
                }
            }
        }
    }
    document
        .operations
        .iter()
        .map(|(_, op)| {
            let mut names = Vec::new();
            in_set(
                document,
                &op.node.selection_set,
                &mut Vec::new(),
                &mut names,
            );
            names
        })
        .collect()
}

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        // What is left without a code is async-graphql's own input checking (a variable of the
        // wrong type, an unknown operation name, a persisted query's): the client's to fix.
        for error in &mut response.errors {
            if !has_code(error) {
                let code = match error.message.as_str() {
                    // The message is Apollo's protocol too: its link matches either.
                    "PersistedQueryNotFound" => ErrorCode::PersistedQueryNotFound,
                    "provided sha does not match query" => ErrorCode::PersistedQueryHashMismatch,
                    _ => ErrorCode::BadUserInput,
                };
                // async-graphql's refusal of a subscription on a transport without streams names
                // none of the transports that carry one.
                if error.message == UNSTREAMED_SUBSCRIPTION {
                    super::subscription::TRANSPORTS.clone_into(&mut error.message);
                }
                set_code(error, code);
            }
        }
        response
    }

    /// Measures the request before anything parses it, parses it once, and checks the document
    /// before async-graphql walks it. A client whose budget is spent is refused first; a
    /// refused request is charged by its size.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let payer = charge::Payer::of_request(ctx, &request);
        if let Some(payer) = &payer {
            payer.refuse_when_spent()?;
        }
        self.state().text_bytes = request.query.len();
        let prepared = self.prepare(ctx, request, next).await;
        if let Err(error) = &prepared {
            if error.message != "PersistedQueryNotFound" {
                self.refused(payer.as_ref());
            }
        }
        prepared
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|error| {
            self.refused(charge::Payer::of(ctx).as_ref());
            parse_error(error, self.limits.max_depth)
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let payer = charge::Payer::of(ctx);
        let refuse = |errors: Vec<ServerError>| {
            self.refused(payer.as_ref());
            errors
        };
        let key = self.state().validation;
        let result = match key.and_then(|key| self.validations.get(&key)) {
            Some(result) => result,
            None => {
                let result = next
                    .run(ctx)
                    .await
                    .map_err(|errors| refuse(self.code_validation_errors(errors)))?;
                if let Some(key) = key {
                    self.validations.remember(key, result);
                }
                result
            }
        };
        let entities = self.state().entities.max(1);
        let complexity = result.complexity.saturating_mul(entities as usize);
        if complexity > self.limits.max_complexity {
            return Err(refuse(vec![coded_error(
                ErrorCode::QueryTooComplex,
                format!(
                    "The operation costs {complexity} ({} for each of {entities} entities); at \
                     most {} is allowed.",
                    result.complexity, self.limits.max_complexity
                ),
            )]));
        }
        if let Some(payer) = &payer {
            payer.charge(complexity as u64)?;
        }
        if let Some((text, document)) = self.state().new_document.take() {
            self.documents.remember(&text, document);
        }
        Ok(result)
    }
}

impl LimitsExtension {
    /// [`Extension::prepare_request`] once the budget allows the request.
    async fn prepare(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let limits = &self.limits;
        text::measure(&request.query, limits)?;
        let variables_json = serde_json::to_vec(&request.variables).ok();
        let variables = variables_json.as_ref().map_or(0, Vec::len);
        // A refusal is charged for the variables too.
        self.state().text_bytes += variables;
        if variables > limits.max_variables_bytes {
            return Err(coded_error(
                ErrorCode::VariablesTooLarge,
                format!(
                    "The variables take {variables} bytes; at most {} are allowed.",
                    limits.max_variables_bytes
                ),
            ));
        }
        // A query sent with its hash is stored by the persisted-query extension inside `next`:
        // it is checked here first, so that a document the limits refuse is never stored.
        if let Some(hash) = crate::cache::persisted_hash(&request)
            .map(str::to_owned)
            .filter(|_| !request.query.is_empty())
        {
            text::prepare(&mut request, limits, &self.documents)?;
            let variables = std::mem::take(&mut request.variables);
            let checked = request
                .parsed_query()
                .and_then(|document| self.check_document(document, &variables));
            request.variables = variables;
            checked?;
            // Noted only when this request is the one that stores it: the text is the hash's
            // (the extension refuses it otherwise) and the store does not hold it yet, so that a
            // refusal never forgets a document another request stored.
            let matches = format!("{:x}", sha2::Sha256::digest(request.query.as_bytes())) == hash;
            if matches && self.persisted.peek(&hash).is_none() {
                self.state().registering = Some(hash);
            }
        }
        // The extensions inside (persisted queries) turn a hash into its stored document, or
        // store a query sent with its hash; the document is measured once they are done.
        let mut request = next.run(ctx, request).await?;
        let new = text::prepare(&mut request, limits, &self.documents)?;
        let text = (new && !request.query.is_empty()).then(|| request.query.clone());
        let variables = std::mem::take(&mut request.variables);
        let via_get = request
            .data
            .get(&std::any::TypeId::of::<ViaGet>())
            .and_then(|via| via.downcast_ref::<ViaGet>())
            .copied();
        let operation_name = request.operation_name.clone();
        // Set by `text::prepare` or the persisted queries: this does not parse.
        let document = request
            .parsed_query()
            .map_err(|error| parse_error(error.clone(), limits.max_depth))?;
        let checked = self
            .check_document(document, &variables)
            .and_then(|()| refuse_mutation_over_get(document, operation_name.as_deref(), via_get))
            .and_then(|()| require_variables(document, operation_name.as_deref(), &variables))
            .and_then(|()| entities::count(document, operation_name.as_deref(), &variables));
        let arguments = coercion::VariableArguments::of(document);
        let new_document = text.map(|text| (text, document.clone()));
        request.variables = variables;
        let entities = checked?;
        let mut state = self.state();
        state.arguments = arguments;
        state.entities = entities;
        state.new_document = new_document;
        // A hash-only persisted query has no text here: it is validated every time. The
        // variables are as serialised above: the extensions inside `next` do not change them.
        state.validation = variables_json
            .filter(|_| !request.query.is_empty())
            .map(|json| Validations::key(&request, &json));
        Ok(request)
    }

    /// A refused request: charged by its size (when rate limiting is on), and its persisted query
    /// (if it stored one) forgotten.
    fn refused(&self, payer: Option<&charge::Payer<'_>>) {
        let mut state = self.state();
        if let Some(payer) = payer {
            payer.charge_refusal(state.text_bytes);
        }
        if let Some(hash) = state.registering.take() {
            self.persisted.forget(&hash);
        }
        state.new_document = None;
    }

    /// Codes the errors of async-graphql's validation: its limits by their codes, the rest as
    /// the client's input or the document's fault.
    fn code_validation_errors(&self, errors: Vec<ServerError>) -> Vec<ServerError> {
        let limit_code = |error: &ServerError| match error.message.as_str() {
            "Query is too complex." => Some(ErrorCode::QueryTooComplex),
            "Query is nested too deep." => Some(ErrorCode::QueryTooDeep),
            _ => None,
        };
        if let Some(limit) = errors.iter().find_map(&limit_code) {
            return errors
                .into_iter()
                .filter(|error| limit_code(error) == Some(limit))
                .map(|mut error| {
                    set_code(&mut error, limit);
                    error
                })
                .collect();
        }
        self.state()
            .arguments
            .classify(errors)
            .into_iter()
            .map(|(mut error, code)| {
                set_code(&mut error, code);
                error
            })
            .collect()
    }

    /// The checks of a parsed document, made before async-graphql walks it at all: its own
    /// recursion-depth check, run right after parsing, follows every fragment spread, so a chain
    /// of fragments each spreading the previous one twice is 2^levels steps for it.
    fn check_document(
        &self,
        document: &ExecutableDocument,
        variables: &Variables,
    ) -> ServerResult<()> {
        let limits = &self.limits;
        let aliases = count_aliases(document);
        if aliases > limits.max_aliases {
            return Err(coded_error(
                ErrorCode::TooManyAliases,
                format!(
                    "The query has {aliases} aliases; at most {} are allowed.",
                    limits.max_aliases
                ),
            ));
        }
        check_expansion(document, variables, limits)?;
        let roots = root_fields(document);
        if !self.introspection
            && roots
                .iter()
                .flatten()
                .any(|name| name == "__schema" || name == "__type")
        {
            return Err(coded_error(
                ErrorCode::IntrospectionDisabled,
                "Introspection is switched off on this server.",
            ));
        }
        let root_fields = roots.iter().map(Vec::len).max().unwrap_or(0);
        if root_fields > limits.max_root_fields {
            return Err(coded_error(
                ErrorCode::TooManyRootFields,
                format!(
                    "An operation selects {root_fields} root fields; at most {} are allowed.",
                    limits.max_root_fields
                ),
            ));
        }
        Ok(())
    }
}

/// async-graphql's answer to a subscription executed as a single response.
const UNSTREAMED_SUBSCRIPTION: &str = "Subscriptions are not supported on this transport.";

/// Marks a request that came as `GET`: only queries may run (GraphQL over HTTP), and
/// subscriptions too when the answer is an event stream.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ViaGet {
    Plain,
    EventStream,
}

/// Refuses a mutation (or a subscription, but on an event stream) in a `GET` request. The HTTP
/// layer refuses those when it can read the query; a persisted query's hash shows its operation
/// only once resolved, here.
fn refuse_mutation_over_get(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    via_get: Option<ViaGet>,
) -> ServerResult<()> {
    let Some(via_get) = via_get else {
        return Ok(());
    };
    let runs =
        crate::operation::selected(document, operation_name).map(|operation| operation.node.ty);
    match runs {
        Some(OperationType::Mutation) => Err(coded_error(
            ErrorCode::MethodNotAllowed,
            "Only queries may be sent with GET; send mutations with POST.",
        )),
        Some(OperationType::Subscription) if via_get == ViaGet::Plain => Err(coded_error(
            ErrorCode::MethodNotAllowed,
            super::subscription::TRANSPORTS,
        )),
        _ => Ok(()),
    }
}

/// Refuses a request that leaves out a variable of a non-null type without a default, or sends
/// it as null: a request error (CoerceVariableValues, spec §6.1.2), before anything runs.
/// async-graphql itself would run the field with the argument missing, or fail its complexity
/// count as if the document were invalid.
fn require_variables(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> ServerResult<()> {
    let Some(operation) = crate::operation::selected(document, operation_name) else {
        return Ok(());
    };
    for definition in &operation.node.variable_definitions {
        let definition = &definition.node;
        let ty = &definition.var_type.node;
        if ty.nullable {
            continue;
        }
        let name = definition.name.node.as_str();
        let problem = match variables.get(name) {
            Some(Value::Null) => "is null",
            None if definition.default_value.is_none() => "was not given",
            _ => continue,
        };
        return Err(coded_error(
            ErrorCode::BadUserInput,
            format!("Variable \"${name}\" of required type \"{ty}\" {problem}."),
        ));
    }
    Ok(())
}

/// A parse error with its code: too deep for the parser's recursion limit, or malformed.
fn parse_error(mut error: ServerError, max_depth: usize) -> ServerError {
    if error.message.contains("recursion depth") {
        too_deep(max_depth)
    } else {
        set_code(&mut error, ErrorCode::GraphqlParseFailed);
        error
    }
}

/// Refuses an operation whose fragments expand to more fields, or whose arguments (variables
/// substituted at every use) to more bytes, than allowed. Runs before validation: every
/// validation rule and the executor walk the expanded operation.
fn check_expansion(
    document: &ExecutableDocument,
    variables: &Variables,
    limits: &Limits,
) -> ServerResult<()> {
    let expanded = expansion::largest_operation(document, variables).map_err(|cycle| {
        coded_error(
            ErrorCode::GraphqlValidationFailed,
            format!("Cannot spread fragment \"{}\": it spreads itself.", cycle.0),
        )
    })?;
    if expanded.fields > limits.max_fields as u64 {
        return Err(coded_error(
            ErrorCode::QueryTooComplex,
            format!(
                "The operation makes {} selections once its fragments are spread; at most {} \
                 are allowed.",
                if expanded.fields == u64::MAX {
                    "more than 10^19".to_string()
                } else {
                    expanded.fields.to_string()
                },
                limits.max_fields
            ),
        ));
    }
    if expanded.argument_bytes > limits.max_variables_bytes as u64 {
        return Err(coded_error(
            ErrorCode::BadUserInput,
            format!(
                "The operation's arguments take {} bytes once variables are substituted at each \
                 use; at most {} are allowed.",
                expanded.argument_bytes, limits.max_variables_bytes
            ),
        ));
    }
    Ok(())
}

fn too_deep(max_depth: usize) -> ServerError {
    coded_error(
        ErrorCode::QueryTooDeep,
        format!("The query nests deeper than {max_depth} levels."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_aliases_and_root_fields() {
        let document = async_graphql::parser::parse_query(
            "query { a: cities { x: totalCount } ...F } fragment F on Query { b: networks { totalCount } events { totalCount } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&document), 3);
        assert_eq!(root_fields(&document), [["cities", "networks", "events"]]);
    }
}
