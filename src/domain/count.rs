//! Counts that sources state (members, participants).

use super::bad;
use crate::error::AppResult;

/// A stated count: zero or more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count(i32);

impl Count {
    pub fn parse(field: &str, value: i32) -> AppResult<Self> {
        if value < 0 {
            return Err(bad(field, format!("`{field}` must not be negative.")));
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
    fn counts_are_not_negative() {
        assert!(Count::parse("input.reportedMemberCount", -1).is_err());
        assert_eq!(
            Count::parse("input.reportedMemberCount", 0)
                .unwrap()
                .value(),
            0
        );
    }
}
