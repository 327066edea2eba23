//! GraphQL's lexical rules for the tokens whose insides are not structure: comments and strings
//! (spec §2.1.4, §2.9.4). Both the measure of a text before it is parsed
//! ([`crate::schema::limits`]) and the normalized text that names a document in the response
//! cache ([`crate::cache::documents`]) walk a text with these, so they agree with the parser on
//! where a string or a comment ends:
//!
//! - a comment ends at a line terminator: `\n`, `\r\n` or a lone `\r`;
//! - a string ends at its closing `"`; a line terminator ends it too (the parser then fails: a
//!   string may not hold one), so nothing after it is taken for string content;
//! - a block string ends at `"""` not preceded by a backslash: `\"""` is an escaped triple
//!   quote. A block string that is never closed is read as the parser reads it: `""` (an empty
//!   string) and then a `"` that opens an ordinary string.
//!
//! Only ASCII bytes delimit these tokens, and no byte of a multi-byte UTF-8 character is ASCII,
//! so the text is walked as bytes and every position returned is a character boundary.

/// What starts at a position of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// A comment, `#` to the end of its line (the line terminator not included).
    Comment,
    /// A string or block string, quotes included.
    String,
    /// Any other single character.
    Char,
}

/// Walks a text token by token. It remembers that a block string found no closing `"""`: none
/// opening later can find one either (the scan from the first passed every later start with the
/// same escapes), so each byte is looked at a bounded number of times however many `"""` the
/// text holds.
struct Lexer<'t> {
    text: &'t str,
    at: usize,
    /// A block string opened earlier was never closed.
    unclosed_block: bool,
}

impl<'t> Lexer<'t> {
    /// The token that starts at the current position and the byte offset where it ends.
    fn token(&mut self) -> (Token, usize) {
        let (text, at) = (self.text, self.at);
        let bytes = text.as_bytes();
        match bytes[at] {
            b'#' => (Token::Comment, comment_end(bytes, at + 1)),
            b'"' => (Token::String, self.string_end(at)),
            _ => {
                let width = text[at..].chars().next().map_or(1, char::len_utf8);
                (Token::Char, at + width)
            }
        }
    }

    /// The end of the string opening at `at` (a `"`).
    fn string_end(&mut self, at: usize) -> usize {
        let bytes = self.text.as_bytes();
        if bytes[at..].starts_with(b"\"\"\"") {
            if !self.unclosed_block {
                if let Some(end) = block_string_end(bytes, at + 3) {
                    return end;
                }
                self.unclosed_block = true;
            }
            // Never closed: the parser reads `""`, then a string opening at the third quote.
            return at + 2;
        }
        string_end(bytes, at)
    }
}

/// The tokens of `text` in order, each with its span.
pub fn tokens(text: &str) -> impl Iterator<Item = (Token, &str)> {
    let mut lexer = Lexer {
        text,
        at: 0,
        unclosed_block: false,
    };
    std::iter::from_fn(move || {
        if lexer.at >= text.len() {
            return None;
        }
        let (token, end) = lexer.token();
        let span = &text[lexer.at..end];
        lexer.at = end;
        Some((token, span))
    })
}

fn comment_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at] != b'\n' && bytes[at] != b'\r' {
        at += 1;
    }
    at
}

/// The end of the ordinary string opening at `at` (a `"`).
fn string_end(bytes: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return i + 1,
            // A line terminator cannot be in a string: it ends here (the parser fails).
            b'\n' | b'\r' => return i,
            // An escape; a backslash before a line terminator is malformed and ends it too.
            b'\\' if matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) => return i + 1,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of the block string whose content starts at `at`, after its closing `"""`; `None`
/// when it is never closed.
fn block_string_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    #[cfg(test)]
    tests::BLOCK_SCANS.with(|scans| scans.set(scans.get() + 1));
    while at < bytes.len() {
        if bytes[at..].starts_with(b"\\\"\"\"") {
            at += 4;
        } else if bytes[at..].starts_with(b"\"\"\"") {
            return Some(at + 3);
        } else {
            at += 1;
        }
    }
    None
}

/// The deepest nesting of `{`, `(` and `[` in `text`, strings and comments skipped, found
/// without parsing: the parser recurses once per level, so deeply nested text must be refused
/// before it sees it.
pub fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (token, span) in tokens(text) {
        if token != Token::Char {
            continue;
        }
        match span.as_bytes()[0] {
            b'{' | b'(' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// How many times a block string was scanned for its end.
        pub(super) static BLOCK_SCANS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    #[test]
    fn nesting_skips_strings_and_comments() {
        assert_eq!(nesting_depth("{ a { b } }"), 2);
        assert_eq!(nesting_depth(r#"{ a(x: "{{{{\"{{") { b } }"#), 2);
        assert_eq!(nesting_depth("# {{{{{{\n{ a }"), 1);
        assert_eq!(nesting_depth(&"{".repeat(10_000)), 10_000);
    }

    #[test]
    fn comments_end_at_every_line_terminator() {
        for terminator in ["\n", "\r", "\r\n"] {
            let text = format!("{{ a(b: #{terminator}[[[[ ]]]] ) }}");
            assert_eq!(nesting_depth(&text), 6, "{terminator:?}");
        }
    }

    #[test]
    fn strings_end_where_the_parser_ends_them() {
        // A line terminator ends an ordinary string.
        assert_eq!(nesting_depth("{ a(b: \"x\r[[[ ]]]) }"), 5);
        // An escaped triple quote does not end a block string.
        assert_eq!(nesting_depth(r#"{ a(b: """\""" [[[ """) }"#), 2);
        // An unclosed block string is `""` and then an ordinary string.
        assert_eq!(nesting_depth("[\"\"\" \" [[[[ ]]]] ]"), 5);
    }

    /// A text of many `"""` that never close is walked in linear time: only the first is scanned
    /// for its end (each used to scan the rest of the text again, 10^10 steps for a 1 MiB body).
    #[test]
    fn unclosed_block_strings_do_not_rescan_the_text() {
        let text = format!("\"\"\"{}", "\\\"\"\"\n".repeat(200_000));
        BLOCK_SCANS.with(|scans| scans.set(0));
        let count = tokens(&text).count();
        assert!(count > 200_000);
        assert_eq!(
            BLOCK_SCANS.with(std::cell::Cell::get),
            1,
            "one scan for the first opener; the later ones know"
        );
        // The same answer as without the memory: every `"""` unclosed, read as `""` then `"`.
        assert_eq!(nesting_depth(&format!("[[ {text}")), 2);
    }

    #[test]
    fn tokens_cover_the_text() {
        let text = "{ a(s: \"\"\"x \\\"\"\" y\"\"\", t: \"é\\\"\") # c\r\n}";
        let joined: String = tokens(text).map(|(_, span)| span).collect();
        assert_eq!(joined, text);
        let strings: Vec<&str> = tokens(text)
            .filter(|(token, _)| *token == Token::String)
            .map(|(_, span)| span)
            .collect();
        assert_eq!(strings, ["\"\"\"x \\\"\"\" y\"\"\"", "\"é\\\"\""]);
    }
}
