//! A record's slug: its name in URL form, unique per record type (uniqueness is the service
//! layer's to check; the form is checked here).

use super::bad;
use crate::{
    error::AppResult,
    slug::{is_valid_slug, slugify},
};

/// Lowercase ASCII words joined by '-', at most [`Slug::MAX_LEN`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 100;

    /// How much of a name a generated slug keeps, leaving room for a "-2", "-3", … suffix.
    const BASE_LEN: usize = 90;

    /// A slug the client chose: it must already be in slug form.
    pub fn parse(field: &str, value: &str) -> AppResult<Self> {
        if is_valid_slug(value) && value.len() <= Self::MAX_LEN {
            return Ok(Self(value.to_owned()));
        }
        Err(bad(
            field,
            format!(
                "`{field}` must be lowercase ASCII words joined by '-' (at most 100 characters), \
                 such as {:?}; got {value:?}.",
                slugify(value)
            ),
        ))
    }

    /// The slug made from `name` (its first 90 characters in slug form), or `None` when the
    /// name has no letter or digit.
    pub fn from_name(name: &str) -> Option<Self> {
        let base: String = slugify(name).chars().take(Self::BASE_LEN).collect();
        let base = base.trim_end_matches('-');
        (!base.is_empty()).then(|| Self(base.to_owned()))
    }

    /// This slug with `-{n}` appended, for the `n`th record of the same name.
    pub fn numbered(&self, n: usize) -> Self {
        Self(format!("{}-{n}", self.0))
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

    #[test]
    fn only_slug_form_is_accepted() {
        assert_eq!(
            Slug::parse("input.slug", "tel-aviv").unwrap().as_str(),
            "tel-aviv"
        );
        let err = Slug::parse("input.slug", "Tel Aviv").unwrap_err();
        assert_eq!(err.field(), Some("input.slug"));
        assert!(err.message().contains("\"tel-aviv\""));
        assert!(Slug::parse("input.slug", &"a".repeat(101)).is_err());
    }

    #[test]
    fn names_make_bounded_slugs() {
        assert_eq!(
            Slug::from_name("Düsseldorf").unwrap().as_str(),
            "dusseldorf"
        );
        assert_eq!(Slug::from_name("!!!"), None);
        let long = Slug::from_name(&"ab ".repeat(60)).unwrap();
        assert!(long.as_str().len() <= 90 && !long.as_str().ends_with('-'));
        assert_eq!(
            Slug::from_name("Rostock").unwrap().numbered(2).as_str(),
            "rostock-2"
        );
    }
}
