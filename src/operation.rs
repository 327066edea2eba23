//! Which operation of a document a request runs (the spec's GetOperation): the one named by
//! `operationName`, or the document's only one. The time limit, the refusal of mutations over
//! GET, the response shaping, the caches and the operation log all need the answer, so it is
//! given once here, in a leaf module that needs only the parser's types.

use async_graphql::{
    parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition},
    Positioned,
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
