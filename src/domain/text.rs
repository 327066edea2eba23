//! Free text: names, titles, descriptions. Trimmed, not empty, bounded, no control characters.

use super::bad;
use crate::error::AppResult;

/// A text of at most `MAX` characters: trimmed, not empty, without control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text<const MAX: usize>(String);

/// The name of a place or a network.
pub type Name = Text<200>;
/// An event's title.
pub type Title = Text<300>;
/// A network's usual abbreviation.
pub type Acronym = Text<32>;
/// What a network is and does.
pub type Description = Text<5_000>;
/// What an event was about, in a few words.
pub type Subject = Text<200>;
/// Who represents a member of a network.
pub type Representative = Text<200>;

impl<const MAX: usize> Text<MAX> {
    /// A required text.
    pub fn parse(field: &str, value: &str) -> AppResult<Self> {
        let value = value.trim();
        if value.is_empty() {
            return Err(bad(field, format!("`{field}` must not be empty.")));
        }
        if value.chars().count() > MAX {
            return Err(bad(
                field,
                format!("`{field}` may hold at most {MAX} characters."),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(bad(
                field,
                format!("`{field}` must not contain control characters."),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// An optional text: as [`parse`](Self::parse) when given; an empty string means none.
    pub fn parse_optional(field: &str, value: Option<&str>) -> AppResult<Option<Self>> {
        match value.map(str::trim) {
            None | Some("") => Ok(None),
            Some(value) => Self::parse(field, value).map(Some),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn texts_are_trimmed_and_bounded() {
        type Short = Text<10>;
        assert_eq!(
            Short::parse("input.name", "  Rostock ").unwrap().as_str(),
            "Rostock"
        );
        assert_eq!(
            Short::parse("input.name", "   ").unwrap_err().code(),
            ErrorCode::BadUserInput
        );
        let too_long = Short::parse("input.name", "abcdefghijk").unwrap_err();
        assert_eq!(too_long.field(), Some("input.name"));
        assert_eq!(
            too_long.message(),
            "`input.name` may hold at most 10 characters."
        );
        assert!(Short::parse("input.name", "a\u{0}b").is_err());
        assert_eq!(
            Short::parse_optional("input.topic", Some(" ")).unwrap(),
            None
        );
    }
}
