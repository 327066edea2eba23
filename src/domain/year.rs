//! Years that records state: a membership's start, a founding, an event.

use chrono::Datelike;

use super::bad;
use crate::error::AppResult;

/// The earliest year a membership, founding or event may state.
pub const FIRST_YEAR: i32 = 1800;

/// The current year, by the server's clock.
pub fn current_year() -> i32 {
    chrono::Utc::now().year()
}

/// A year from [`FIRST_YEAR`] to the current year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Year(i32);

impl Year {
    pub fn parse(field: &str, value: i32) -> AppResult<Self> {
        let last = current_year();
        if !(FIRST_YEAR..=last).contains(&value) {
            return Err(bad(
                field,
                format!("`{field}` must be a year from {FIRST_YEAR} to {last}, got {value}."),
            ));
        }
        Ok(Self(value))
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_bounded_by_the_first_and_the_current() {
        assert!(Year::parse("input.since", FIRST_YEAR - 1).is_err());
        assert!(Year::parse("input.since", current_year() + 1).is_err());
        assert_eq!(Year::parse("input.since", 1991).unwrap().value(), 1991);
    }
}
