//! The places named as taking part in an event.

use super::parse_list;
use crate::error::AppResult;

/// The row ids of the places taking part in an event, in the order given: at most
/// [`Participants::MAX`], none twice. That each place exists is the service layer's to check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Participants(Vec<i32>);

impl Participants {
    pub const MAX: usize = 500;

    /// The list `field`, each item turned into a place's row id by `decode` (given the item's
    /// path, `field[2]`), which is the front end's way of naming places.
    pub fn parse<T>(
        field: &str,
        listed: &[T],
        decode: impl Fn(&str, &T) -> AppResult<i32>,
    ) -> AppResult<Self> {
        parse_list(field, listed, (Self::MAX, "ids"), decode, |_| {
            "This place is listed as a participant twice.".to_owned()
        })
        .map(Self)
    }

    /// The places' row ids, in the order given.
    pub fn ids(&self) -> &[i32] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_place_is_listed_once() {
        let decode = |_: &str, id: &i32| Ok(*id);
        assert_eq!(
            Participants::parse("input.participantIds", &[3, 1], decode)
                .unwrap()
                .ids(),
            [3, 1]
        );
        let err = Participants::parse("input.participantIds", &[3, 3], decode).unwrap_err();
        assert_eq!(err.field(), Some("input.participantIds[1]"));
        assert!(Participants::parse("input.participantIds", &[0; 501], decode).is_err());
    }
}
