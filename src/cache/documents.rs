//! Parsed documents, remembered by their text: a query that arrives again is not parsed again,
//! and its cache identity (the digest of its normalized text) is not computed again.

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use sha2::{Digest, Sha256};

/// How many documents are remembered (least recently used forgotten first). A document is at
/// most `MAX_QUERY_LENGTH` characters, so this bounds the memory too.
pub const DOCUMENTS: usize = 1_000;

/// A document as parsed, with what the response cache needs to know of it.
pub struct Known {
    pub document: ExecutableDocument,
    /// The SHA-256 of the normalized text (see [`normalize`]).
    pub identity: [u8; 32],
}

impl Known {
    pub fn new(text: &str, document: ExecutableDocument) -> Self {
        Self {
            document,
            identity: identity(text),
        }
    }
}

/// The documents seen recently, by text.
pub struct Documents(quick_cache::sync::Cache<String, Arc<Known>>);

impl Default for Documents {
    fn default() -> Self {
        Self(quick_cache::sync::Cache::new(DOCUMENTS))
    }
}

impl Documents {
    pub fn get(&self, text: &str) -> Option<Arc<Known>> {
        self.0.get(text)
    }

    /// Remembers a document that parsed.
    pub fn remember(&self, text: &str, document: &ExecutableDocument) {
        if self.0.peek(text).is_none() {
            self.0.insert(
                text.to_owned(),
                Arc::new(Known::new(text, document.clone())),
            );
        }
    }
}

/// The digest that names a document in the response cache: two texts that differ only in
/// ignored tokens (white space, commas, comments) have the same.
pub fn identity(text: &str) -> [u8; 32] {
    Sha256::digest(normalize(text).as_bytes()).into()
}

/// The text without GraphQL's ignored tokens: white space, line terminators, commas and comments
/// are dropped, except for one space where two names or numbers would otherwise run together.
/// Strings (and block strings) are kept as they are.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut gap = false;
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' | ',' | '\u{feff}' => gap = true,
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
                gap = true;
            }
            _ => {
                if gap && is_word(out.chars().last()) && is_word(Some(c)) {
                    out.push(' ');
                }
                gap = false;
                out.push(c);
                if c == '"' {
                    copy_string(&mut chars, &mut out);
                }
            }
        }
    }
    out
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Copies a string's remaining characters after its opening quote (a block string when two
/// more quotes follow) up to and including its closing quote(s).
fn copy_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    let mut opening = 1;
    while opening < 3 && chars.peek() == Some(&'"') {
        out.push('"');
        chars.next();
        opening += 1;
    }
    match opening {
        // `""`: the empty string.
        2 => {}
        3 => {
            let mut quotes = 0;
            let mut escaped = false;
            for c in chars.by_ref() {
                out.push(c);
                match c {
                    '"' if !escaped => {
                        quotes += 1;
                        if quotes == 3 {
                            return;
                        }
                    }
                    '\\' => {
                        escaped = true;
                        quotes = 0;
                        continue;
                    }
                    _ => quotes = 0,
                }
                escaped = false;
            }
        }
        _ => {
            let mut escaped = false;
            for c in chars.by_ref() {
                out.push(c);
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => return,
                    _ => {}
                }
            }
        }
    }
}

/// True when the answer to `operation_name` in `document` may be cached: a query that does not
/// ask for `rateLimit` (which reports the caller's own budget). The operation is chosen as
/// execution chooses it.
pub fn cacheable(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let Some(operation) = crate::schema::operation::selected(document, operation_name) else {
        return false;
    };
    operation.node.ty == OperationType::Query && !asks_for_rate_limit(document)
}

/// True when any operation or fragment of `document` selects `rateLimit`.
fn asks_for_rate_limit(document: &ExecutableDocument) -> bool {
    fn in_set(set: &SelectionSet) -> bool {
        set.items.iter().any(|selection| match &selection.node {
            Selection::Field(field) => {
                field.node.name.node == "rateLimit" || in_set(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => false,
        })
    }
    document
        .operations
        .iter()
        .any(|(_, operation)| in_set(&operation.node.selection_set.node))
        || document
            .fragments
            .values()
            .any(|fragment| in_set(&fragment.node.selection_set.node))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_tokens_do_not_change_the_identity() {
        assert_eq!(
            normalize("query Q($a: Int) {\n  cities(first: $a, after: \"x, y\") { id } # hi\n}"),
            "query Q($a:Int){cities(first:$a after:\"x, y\"){id}}"
        );
        assert_eq!(
            identity("{ a b }"),
            identity("{a,b}  # comment"),
            "commas and comments"
        );
        assert_ne!(identity("{ a b }"), identity("{ ab }"));
        assert_ne!(
            identity(r#"{ a(s: "x y") }"#),
            identity(r#"{ a(s: "x  y") }"#)
        );
        assert_eq!(
            normalize("{ a(s: \"\"\"x \\\"\"\" ,# y\"\"\") }"),
            "{a(s:\"\"\"x \\\"\"\" ,# y\"\"\")}"
        );
        assert_eq!(
            normalize(r##"{ a(s: "", t: "\"#") b }"##),
            r##"{a(s:""t:"\"#")b}"##
        );
    }

    #[test]
    fn only_queries_without_rate_limit_are_cacheable() {
        let parse = |text| async_graphql::parser::parse_query(text).unwrap();
        assert!(cacheable(&parse("{ cities { totalCount } }"), None));
        assert!(!cacheable(&parse("mutation { deleteCity(id: 1) }"), None));
        assert!(!cacheable(&parse("{ rateLimit { cost } }"), None));
        assert!(!cacheable(
            &parse("{ ...F } fragment F on Query { rateLimit { cost } }"),
            None
        ));
        let two = parse("query A { cities { totalCount } } mutation B { x }");
        assert!(cacheable(&two, Some("A")));
        assert!(!cacheable(&two, Some("B")));
        assert!(!cacheable(&two, None), "ambiguous: execution refuses it");
    }
}
