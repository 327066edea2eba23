//! Parsed documents, remembered by their text: a query that arrives again is not parsed again,
//! and its cache identity (the digest of its normalized text) is not computed again.

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use sha2::{Digest, Sha256};

/// How many documents are remembered at most (least recently used forgotten first).
pub const DOCUMENTS: usize = 1_000;

/// A document as parsed, with what the response cache needs to know of it.
pub struct Known {
    pub document: ExecutableDocument,
    /// The SHA-256 of the normalized text (see [`normalize`]).
    pub identity: [u8; 32],
    /// What it holds in memory, its text included ([`super::weight`]).
    bytes: u64,
}

impl Known {
    pub fn new(text: &str, document: ExecutableDocument) -> Self {
        let bytes = text.len() as u64 + super::weight::document(&document);
        Self {
            document,
            identity: identity(text),
            bytes,
        }
    }
}

/// Weighs an entry by what it holds, and at least a [`DOCUMENTS`]th of the budget, so that
/// both the bytes and the number of documents are bounded.
#[derive(Clone)]
struct Weight {
    least: u64,
}

impl quick_cache::Weighter<String, Arc<Known>> for Weight {
    fn weight(&self, text: &String, known: &Arc<Known>) -> u64 {
        (text.len() as u64 + known.bytes).max(self.least)
    }
}

/// The documents seen recently, by text, within `DOCUMENT_CACHE_BYTES`. Only documents whose
/// operation passed the limits and validation are remembered: a refused one is parsed again
/// each time it is sent (and charged each time).
pub struct Documents(quick_cache::sync::Cache<String, Arc<Known>, Weight>);

impl Documents {
    /// Remembers documents of at most `bytes` in all (0: none).
    pub fn new(bytes: u64) -> Self {
        let least = (bytes / DOCUMENTS as u64).max(1);
        Self(quick_cache::sync::Cache::with_weighter(
            DOCUMENTS,
            bytes,
            Weight { least },
        ))
    }

    pub fn get(&self, text: &str) -> Option<Arc<Known>> {
        self.0.get(text)
    }

    /// Remembers a document that parsed and passed the limits.
    pub fn remember(&self, text: &str, document: ExecutableDocument) {
        if self.0.peek(text).is_none() {
            self.0
                .insert(text.to_owned(), Arc::new(Known::new(text, document)));
        }
    }

    /// The bytes the remembered documents hold, as weighed.
    pub fn bytes(&self) -> u64 {
        self.0.weight()
    }
}

/// The digest that names a document in the response cache: two texts that differ only in
/// ignored tokens (white space, commas, comments) have the same.
pub fn identity(text: &str) -> [u8; 32] {
    // Tagged, so that no text can be chosen to equal a persisted query's identity (`persisted:`).
    let mut digest = Sha256::new();
    digest.update(b"document:");
    digest.update(normalize(text).as_bytes());
    digest.finalize().into()
}

/// The text without GraphQL's ignored tokens: white space, line terminators, commas and comments
/// are dropped, except for one space where two names or numbers would otherwise run together.
/// Strings (and block strings) are kept as they are, ending where the parser ends them
/// ([`crate::lexical`]), so two texts that parse to different values never normalize alike.
pub fn normalize(text: &str) -> String {
    use crate::lexical::Token;
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for (token, span) in crate::lexical::tokens(text) {
        match token {
            Token::Comment => gap = true,
            Token::Char if matches!(span, " " | "\t" | "\n" | "\r" | "," | "\u{feff}") => {
                gap = true;
            }
            Token::Char | Token::String => {
                if gap && runs_together(out.chars().last(), span.chars().next()) {
                    out.push(' ');
                }
                gap = false;
                out.push_str(span);
            }
        }
    }
    out
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True when two tokens that ignored tokens kept apart would read as one without them: two
/// names or numbers, or two strings (`"" "x" ""` is three strings, `"""x"""` one).
fn runs_together(last: Option<char>, next: Option<char>) -> bool {
    (is_word(last) && is_word(next)) || (last == Some('"') && next == Some('"'))
}

/// True when the answer to `operation_name` in `document` may be cached: a query that does not
/// ask for `rateLimit` (which reports the caller's own budget). The operation is chosen as
/// execution chooses it.
pub fn cacheable(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let Some(operation) = crate::operation::selected(document, operation_name) else {
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

    /// The value of the first argument of the first field of `text`, as the parser reads it.
    fn first_argument(text: &str) -> Option<String> {
        let document = async_graphql::parser::parse_query(text).ok()?;
        let (_, operation) = document.operations.iter().next()?;
        let async_graphql::parser::types::Selection::Field(field) =
            &operation.node.selection_set.node.items.first()?.node
        else {
            return None;
        };
        Some(field.node.arguments.first()?.1.node.to_string())
    }

    /// Two texts whose string arguments parse to different values never normalize alike:
    /// block strings with escaped triple quotes, quotes, backslashes, `#` and line terminators.
    #[test]
    fn different_strings_never_share_an_identity() {
        use proptest::prelude::*;
        let content = "(\\\\\"\"\"|\"|\\\\|#|\\r|\\n| |a|b){0,8}";
        let value = |content: &str| {
            first_argument(&format!(
                "{{ a(s: \"\"\"{content}\"\"\") }} # tail {content}"
            ))
        };
        proptest!(ProptestConfig::with_cases(2_000), |(a in content, b in content)| {
            let text = |content: &str| format!("{{ a(s: \"\"\"{content}\"\"\") }} # tail {content}");
            if let (Some(value_a), Some(value_b)) = (value(&a), value(&b)) {
                if value_a != value_b {
                    prop_assert_ne!(identity(&text(&a)), identity(&text(&b)), "{:?} {:?}", a, b);
                }
            }
        });
        // Lists of strings, ordinary and block, apart by white space or commas.
        let item = prop_oneof![
            Just("\"\"".to_owned()),
            Just("\"x\"".to_owned()),
            Just("\"\"\"x\"\"\"".to_owned()),
            Just("\"\"\"\"\"\"".to_owned()),
            Just("\" \"".to_owned()),
        ];
        let separator = prop_oneof![Just(" "), Just(","), Just(""), Just("\n")];
        let list = prop::collection::vec((item, separator), 0..5).prop_map(|items| {
            let inner: String = items
                .into_iter()
                .map(|(item, separator)| format!("{item}{separator}"))
                .collect();
            format!("{{ a(s: [{inner}]) }}")
        });
        proptest!(ProptestConfig::with_cases(2_000), |(a in list.clone(), b in list)| {
            if let (Some(value_a), Some(value_b)) = (first_argument(&a), first_argument(&b)) {
                if value_a != value_b {
                    prop_assert_ne!(identity(&a), identity(&b), "{:?} {:?}", a, b);
                }
            }
        });
        assert_ne!(
            identity(r#"{ a(s: ["" "x" ""]) }"#),
            identity(r#"{ a(s: ["""x"""]) }"#)
        );
        // The case the review found: an escaped triple quote does not end the block string.
        assert_ne!(
            identity(r#"{ search(query: """\"""" # rostock """) }"#),
            identity(r#"{ search(query: """\"""" # berlin """) }"#)
        );
    }
}
