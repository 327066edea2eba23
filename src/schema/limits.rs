//! Abuse limits, enforced before anything runs: query length and nesting (before parsing),
//! variables size, aliases, root fields and the expanded size of an operation (after parsing,
//! before any validation rule walks it), depth and complexity (async-graphql's validation,
//! configured in `build`). Every error this module sees gets a stable `extensions.code`.

mod coercion;
mod expansion;

use crate::error::ErrorCode;
use std::sync::Arc;

use async_graphql::{
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        NextRequest, NextValidation,
    },
    parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet},
    Positioned, Request, Response, ServerError, ServerResult, ValidationResult, Variables,
};

use crate::{
    cache::Documents,
    config::Limits,
    rate_limit::{self, ChargeSlot, RateLimiter},
};

/// Installs the limits as an async-graphql extension.
pub struct QueryLimits {
    pub limits: Limits,
    /// When false, `__schema` and `__type` are refused with `INTROSPECTION_DISABLED`.
    pub introspection: bool,
    /// Documents parsed before, by text: parsed once, checked every time.
    pub documents: Arc<Documents>,
}

impl ExtensionFactory for QueryLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension(
            self.limits.clone(),
            self.introspection,
            Default::default(),
            self.documents.clone(),
        ))
    }
}

/// The limits, the introspection switch, (once parsed) where the request's document passes
/// variables to arguments, and the documents parsed before.
struct LimitsExtension(
    Limits,
    bool,
    std::sync::Mutex<coercion::VariableArguments>,
    Arc<Documents>,
);

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

/// The deepest nesting of `{`/`(`/`[` in a query text (strings and comments skipped), found
/// without parsing: deeply nested text must be refused before a recursive parser sees it.
fn nesting_depth(query: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut chars = query.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' | '(' | '[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' | ')' | ']' => depth = depth.saturating_sub(1),
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    deepest
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
                set_code(error, code);
            }
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let limits = &self.0;
        let length = request.query.chars().count();
        if length > limits.max_query_length {
            return Err(coded_error(
                ErrorCode::QueryTooLong,
                format!(
                    "The query has {length} characters; at most {} are allowed.",
                    limits.max_query_length
                ),
            ));
        }
        // Nesting counts braces, parentheses and brackets, so allow for arguments and lists.
        if nesting_depth(&request.query) > limits.max_depth * 2 {
            return Err(too_deep(limits.max_depth));
        }
        let variables = serde_json::to_vec(&request.variables).map_or(0, |json| json.len());
        if variables > limits.max_variables_bytes {
            return Err(coded_error(
                ErrorCode::VariablesTooLarge,
                format!(
                    "The variables take {variables} bytes; at most {} are allowed.",
                    limits.max_variables_bytes
                ),
            ));
        }
        // The text is safe to parse now. The extensions inside (persisted queries) turn a hash
        // into its stored document, or parse and store a query sent with its hash; the document
        // is measured once they are done.
        let mut request = next.run(ctx, request).await?;
        // A persisted query arrives parsed (its text is empty by now); any other is parsed
        // here, unless the same text was parsed before.
        let text = std::mem::take(&mut request.query);
        let known = (!text.is_empty()).then(|| self.3.get(&text)).flatten();
        if let Some(known) = &known {
            request.set_parsed_query(known.document.clone());
        }
        // A text parsed for the first time is remembered once it parsed.
        let unknown_text = (known.is_none() && !text.is_empty()).then(|| text.clone());
        request.query = text;
        let variables = std::mem::take(&mut request.variables);
        let via_get = request.data.contains_key(&std::any::TypeId::of::<ViaGet>());
        let operation_name = request.operation_name.clone();
        let document = request
            .parsed_query()
            .map_err(|error| parse_error(error.clone(), limits.max_depth))?;
        if let Some(text) = unknown_text {
            self.3.remember(&text, document);
        }
        let checked = self
            .check_document(document, &variables)
            .and_then(|()| refuse_mutation_over_get(document, operation_name.as_deref(), via_get));
        let arguments = coercion::VariableArguments::of(document);
        request.variables = variables;
        checked?;
        *self
            .2
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = arguments;
        Ok(request)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|error| parse_error(error, self.0.max_depth))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
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
            self.2
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .classify(errors)
                .into_iter()
                .map(|(mut error, code)| {
                    set_code(&mut error, code);
                    error
                })
                .collect::<Vec<_>>()
        })?;
        charge_rate_limit(ctx, result.complexity)?;
        Ok(result)
    }
}

impl LimitsExtension {
    /// The checks of a parsed document, made before async-graphql walks it at all: its own
    /// recursion-depth check, run right after parsing, follows every fragment spread, so a chain
    /// of fragments each spreading the previous one twice is 2^levels steps for it.
    fn check_document(
        &self,
        document: &ExecutableDocument,
        variables: &Variables,
    ) -> ServerResult<()> {
        let limits = &self.0;
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
        if !self.1
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

/// Marks a request that came as `GET`: only queries may run (GraphQL over HTTP).
pub struct ViaGet;

/// Refuses a mutation or subscription in a `GET` request. The HTTP layer refuses those when it
/// can read the query; a persisted query's hash shows its operation only once resolved, here.
fn refuse_mutation_over_get(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    via_get: bool,
) -> ServerResult<()> {
    if !via_get {
        return Ok(());
    }
    let runs = super::operation::selected(document, operation_name);
    if runs.is_some_and(|operation| operation.node.ty != OperationType::Query) {
        return Err(coded_error(
            ErrorCode::MethodNotAllowed,
            "Only queries may be sent with GET; send mutations with POST.",
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

/// Charges the operation's cost to its client's budget (when rate limiting is on), leaving the
/// charge where `rateLimit` and the response headers find it; refuses the operation with
/// `RATE_LIMITED` when the budget cannot pay.
fn charge_rate_limit(
    ctx: &ExtensionContext<'_>,
    complexity: usize,
) -> Result<(), Vec<ServerError>> {
    let (Some(limiter), Some(client)) = (
        ctx.data_opt::<Arc<RateLimiter>>(),
        ctx.data_opt::<rate_limit::Client>(),
    ) else {
        return Ok(());
    };
    let charged = limiter.charge(client, complexity as u64);
    let charge = match charged {
        Ok(charge) | Err(charge) => charge,
    };
    if let Some(slot) = ctx.data_opt::<ChargeSlot>() {
        slot.set(charge);
    }
    charged.map(drop).map_err(|charge| {
        let mut error = coded_error(
            ErrorCode::RateLimited,
            format!(
                "This operation costs {} points and {} of {} are left; the budget is renewed in \
                 {} s.",
                charge.cost,
                charge.remaining,
                charge.limit,
                charge.reset_in_seconds()
            ),
        );
        if let Some(extensions) = &mut error.extensions {
            extensions.set("retryAfter", charge.reset_in_seconds());
        }
        vec![error]
    })
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
    fn nesting_ignores_strings_and_comments() {
        assert_eq!(nesting_depth("{ a { b } }"), 2);
        assert_eq!(nesting_depth(r#"{ a(x: "{{{{\"{{") { b } }"#), 2);
        assert_eq!(nesting_depth("# {{{{{{\n{ a }"), 1);
        assert_eq!(nesting_depth(&"{".repeat(10_000)), 10_000);
    }

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
