//! A network's topic tags: short, lowercase, each listed once.

use super::{parse_list, Text};
use crate::error::AppResult;

/// One topic tag: trimmed, lowercase, at most 60 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic(String);

impl Topic {
    pub fn parse(field: &str, value: &str) -> AppResult<Self> {
        let text = Text::<60>::parse(field, value)?;
        Ok(Self(text.as_str().to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A network's topics, in order: at most [`Topics::MAX`], none twice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Topics(Vec<Topic>);

impl Topics {
    pub const MAX: usize = 20;

    /// The tags of the list `field`; a bad tag is named by its index (`field[2]`).
    pub fn parse(field: &str, tags: &[String]) -> AppResult<Self> {
        parse_list(
            field,
            tags,
            (Self::MAX, "tags"),
            |item, tag| Topic::parse(item, tag),
            |tag| format!("The topic {:?} is listed twice.", tag.as_str()),
        )
        .map(Self)
    }

    /// The tags as stored and indexed.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|topic| topic.0.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_lowercase_and_listed_once() {
        let tags = ["Climate".to_owned(), " peace ".to_owned()];
        assert_eq!(
            Topics::parse("input.topics", &tags).unwrap().to_strings(),
            ["climate", "peace"]
        );
        let twice = ["climate".to_owned(), "CLIMATE".to_owned()];
        let err = Topics::parse("input.topics", &twice).unwrap_err();
        assert_eq!(err.field(), Some("input.topics[1]"));
        let many = vec!["a".to_owned(); 21];
        assert!(Topics::parse("input.topics", &many).is_err());
    }
}
