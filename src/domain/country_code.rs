//! Countries, as ISO 3166-1 alpha-2 codes.

use super::bad;
use crate::error::AppResult;

/// An ISO 3166-1 alpha-2 country code in capitals ("de" is read as "DE").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(field: &str, value: &str) -> AppResult<Self> {
        let code = value.trim();
        if code.len() != 2 || celes::Country::from_alpha2(code).is_err() {
            return Err(bad(
                field,
                format!(
                    "`{field}` must be an ISO 3166-1 alpha-2 country code such as DE, got \
                     {code:?}."
                ),
            ));
        }
        Ok(Self(code.to_ascii_uppercase()))
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
    fn codes_are_checked_and_capitalised() {
        assert_eq!(
            CountryCode::parse("input.countryCode", "de")
                .unwrap()
                .as_str(),
            "DE"
        );
        for bad_code in ["XX", "DEU", "D", "ZZ", "1A"] {
            assert!(
                CountryCode::parse("input.countryCode", bad_code).is_err(),
                "{bad_code}"
            );
        }
    }
}
