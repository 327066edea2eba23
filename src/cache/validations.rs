//! The outcome of async-graphql's validation, remembered for a request it already passed.
//!
//! Validation is a pure function of the schema, the document, the operation name and the
//! variables' values (its rules check a variable's value against the argument it reaches, and
//! complexity reads page sizes from variables), and it walks the whole document every time: a
//! tenth of a small planned read's instructions. A request that sends the same text, operation
//! name and variables as one that passed gets the same result without the walk. Only results
//! that passed are kept; a refused request is validated, and refused, every time.

use async_graphql::{Request, ValidationResult};
use sha2::{Digest, Sha256};

/// How many results are remembered at most (least recently used forgotten first): each is a
/// digest and three numbers, well under a hundred bytes.
pub const VALIDATIONS: usize = 10_000;

/// The digest of what a validation depends on in a request (see [`Validations::key`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ValidationKey([u8; 32]);

/// Validation results that passed, by request.
pub struct Validations(quick_cache::sync::Cache<ValidationKey, ValidationResult>);

impl Default for Validations {
    fn default() -> Self {
        Self(quick_cache::sync::Cache::new(VALIDATIONS))
    }
}

impl Validations {
    /// The key of `request`, whose variables serialize to `variables` (JSON): its text, its
    /// operation name and its variables, each framed by its length so that no two different
    /// requests read alike.
    pub fn key(request: &Request, variables: &[u8]) -> ValidationKey {
        let mut digest = Sha256::new();
        digest.update(b"validation:");
        for part in [
            request.query.as_bytes(),
            request.operation_name.as_deref().unwrap_or("").as_bytes(),
            variables,
        ] {
            digest.update((part.len() as u64).to_le_bytes());
            digest.update(part);
        }
        // The operation name's presence, apart from its text: `None` and `Some("")` differ.
        digest.update([u8::from(request.operation_name.is_some())]);
        ValidationKey(digest.finalize().into())
    }

    pub fn get(&self, key: &ValidationKey) -> Option<ValidationResult> {
        self.0.get(key)
    }

    /// Remembers a result that passed.
    pub fn remember(&self, key: ValidationKey, result: ValidationResult) {
        self.0.insert(key, result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_the_request_is_in_the_key() {
        let variables = br#"{"n":1}"#;
        let base = Request::new("{ a }");
        let key = Validations::key(&base, variables);
        assert!(key == Validations::key(&Request::new("{ a }"), variables));
        assert!(key != Validations::key(&Request::new("{ b }"), variables));
        assert!(key != Validations::key(&base, br#"{"n":2}"#));
        let named = Request::new("{ a }").operation_name("Q");
        assert!(key != Validations::key(&named, variables));
        let empty_name = Request::new("{ a }").operation_name("");
        assert!(key != Validations::key(&empty_name, variables));
    }
}
