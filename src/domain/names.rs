//! Other names and spellings of a place or network ("Gdańsk", "Union der Ostseestädte"): each
//! a valid [`Name`], none twice.

use super::{parse_list, Name};
use crate::error::AppResult;

/// A list of alternate names, in order: at most [`AlternateNameList::MAX`], none twice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlternateNameList(Vec<Name>);

impl AlternateNameList {
    pub const MAX: usize = 20;

    /// The names of the list `field`; a bad name is named by its index (`field[2]`).
    pub fn parse(field: &str, names: &[String]) -> AppResult<Self> {
        parse_list(
            field,
            names,
            (Self::MAX, "names"),
            |item, name| Name::parse(item, name),
            |name| format!("The name {:?} is listed twice.", name.as_str()),
        )
        .map(Self)
    }

    /// The names as stored and indexed.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|name| name.as_str().to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_valid_and_listed_once() {
        let names = [" Gdańsk ".to_owned(), "Danzig".to_owned()];
        assert_eq!(
            AlternateNameList::parse("input.alternateNames", &names)
                .unwrap()
                .to_strings(),
            ["Gdańsk", "Danzig"]
        );
        let twice = ["Danzig".to_owned(), "Danzig".to_owned()];
        let err = AlternateNameList::parse("input.alternateNames", &twice).unwrap_err();
        assert_eq!(err.field(), Some("input.alternateNames[1]"));
        let empty = [String::new()];
        assert!(AlternateNameList::parse("input.alternateNames", &empty).is_err());
        let many = vec!["A".to_owned(); 21];
        assert!(AlternateNameList::parse("input.alternateNames", &many).is_err());
    }
}
