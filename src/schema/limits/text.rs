//! The one way a query text becomes a document: measured first (length; nesting of braces,
//! parentheses and brackets with the spec's comment and string rules), parsed only then, and
//! parsed once per request. The parser recurses once per nesting level with no limit of its own
//! for values, so a text it has not been measured for can overflow a worker's stack and abort
//! the process; every transport (POST, GET, WebSocket) and every look at a document before
//! execution (the operation's type, GET's query-only rule, persisted queries) comes here.

use async_graphql::{
    parser::types::{ExecutableDocument, OperationType},
    Request, ServerError, ServerResult,
};

use super::{coded_error, too_deep};
use crate::{cache::Documents, config::Limits, error::ErrorCode};

/// The deepest nesting any text may have, whatever `MAX_QUERY_DEPTH` says: the parser's stack
/// overflowed near 1 500 levels on a 2 MiB worker stack, so this keeps a wide margin.
pub const MAX_TEXT_NESTING: usize = 256;

/// The nesting a text may have under `limits`: braces, parentheses and brackets all count, so
/// twice the field depth allows for arguments and lists.
fn nesting_limit(limits: &Limits) -> usize {
    limits.max_depth.saturating_mul(2).min(MAX_TEXT_NESTING)
}

/// Refuses a text too long or too deeply nested to be parsed.
pub fn measure(text: &str, limits: &Limits) -> ServerResult<()> {
    // Counted in characters only when the bytes could be over: a character is 1 to 4 bytes.
    let length = if text.len() > limits.max_query_length {
        text.chars().count()
    } else {
        text.len()
    };
    if length > limits.max_query_length {
        return Err(coded_error(
            ErrorCode::QueryTooLong,
            format!(
                "The query has {length} characters; at most {} are allowed.",
                limits.max_query_length
            ),
        ));
    }
    if crate::lexical::nesting_depth(text) > nesting_limit(limits) {
        return Err(too_deep(limits.max_depth));
    }
    Ok(())
}

/// `text` measured, then parsed.
pub fn parse(text: &str, limits: &Limits) -> ServerResult<ExecutableDocument> {
    measure(text, limits)?;
    async_graphql::parser::parse_query(text).map_err(|error| {
        let mut error = ServerError::from(error);
        super::set_code(&mut error, ErrorCode::GraphqlParseFailed);
        error
    })
}

/// Marks a request whose document is set on it by [`prepare`]; `new` when its text was parsed
/// (not found among the documents seen before).
struct Parsed {
    new: bool,
}

/// Sets the document of `request` on it, parsed at most once for the whole request: a text
/// seen before comes from `documents`; a new one is measured and parsed. Returns whether it was
/// parsed (a new text). Nothing to do for a hash-only persisted query.
pub fn prepare(
    request: &mut Request,
    limits: &Limits,
    documents: &Documents,
) -> ServerResult<bool> {
    let marker = request
        .data
        .get(&std::any::TypeId::of::<Parsed>())
        .and_then(|data| data.downcast_ref::<Parsed>());
    if let Some(parsed) = marker {
        return Ok(parsed.new);
    }
    if request.query.is_empty() {
        return Ok(false);
    }
    let (document, new) = match documents.get(&request.query) {
        Some(known) => (known.document.clone(), false),
        None => (parse(&request.query, limits)?, true),
    };
    request.set_parsed_query(document);
    request.data.insert(Parsed { new });
    Ok(new)
}

/// The document of `request` (see [`prepare`]); `None` for a hash-only persisted query, or a
/// text that is refused or does not parse (execution then reports why, measuring it first).
pub fn document<'r>(
    request: &'r mut Request,
    limits: &Limits,
    documents: &Documents,
) -> Option<&'r ExecutableDocument> {
    prepare(request, limits, documents).ok()?;
    let set = request.data.contains_key(&std::any::TypeId::of::<Parsed>());
    if !set {
        return None;
    }
    // Set by `prepare`: this does not parse.
    request.parsed_query().ok()
}

/// The type and name of the operation `request` runs (see [`document`]); `None` when that is
/// not known before execution.
pub fn operation(
    request: &mut Request,
    limits: &Limits,
    documents: &Documents,
) -> Option<(OperationType, Option<String>)> {
    let operation_name = request.operation_name.clone();
    let document = document(request, limits, documents)?;
    let operation = crate::operation::selected(document, operation_name.as_deref())?;
    let name = crate::operation::name(document, operation_name.as_deref());
    Some((operation.node.ty, name.map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(error: &ServerError) -> Option<String> {
        crate::error::code_of(error).map(str::to_owned)
    }

    #[test]
    fn nothing_deep_reaches_the_parser() {
        let limits = Limits {
            max_depth: 10_000,
            ..Limits::default()
        };
        let deep = format!("{{ a(b: {}{}) }}", "[".repeat(3_000), "]".repeat(3_000));
        let refused = parse(&deep, &limits).unwrap_err();
        assert_eq!(code(&refused).as_deref(), Some("QUERY_TOO_DEEP"));
        let hidden = format!(
            "{{ a(b: #\r{}{}\n) }}",
            "[".repeat(3_000),
            "]".repeat(3_000)
        );
        assert_eq!(
            code(&parse(&hidden, &limits).unwrap_err()).as_deref(),
            Some("QUERY_TOO_DEEP")
        );
    }

    #[test]
    fn a_request_is_parsed_once() {
        let limits = Limits::default();
        let documents = Documents::new(1 << 20);
        let mut request = Request::new("mutation M { a }");
        assert_eq!(
            operation(&mut request, &limits, &documents),
            Some((OperationType::Mutation, Some("M".to_owned())))
        );
        // The text is gone from view: the document set on the request is what is read.
        request.query = "{ this does not parse".to_owned();
        assert!(document(&mut request, &limits, &documents).is_some());
        let mut broken = Request::new("{ a(");
        assert!(operation(&mut broken, &limits, &documents).is_none());
    }
}
