//! A place's position in degrees. Latitude and longitude are separate types: each is optional
//! and can be changed on its own.

use super::bad;
use crate::error::AppResult;

/// Degrees from `-limit` to `limit`.
fn degrees(field: &str, value: f64, limit: f64) -> AppResult<f64> {
    if !(-limit..=limit).contains(&value) {
        return Err(bad(
            field,
            format!("`{field}` must be from -{limit} to {limit} degrees, got {value}."),
        ));
    }
    Ok(value)
}

/// A latitude from -90 (south) to 90 (north) degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latitude(f64);

impl Latitude {
    pub fn parse(field: &str, value: f64) -> AppResult<Self> {
        degrees(field, value, 90.0).map(Self)
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

/// A longitude from -180 (west) to 180 (east) degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Longitude(f64);

impl Longitude {
    pub fn parse(field: &str, value: f64) -> AppResult<Self> {
        degrees(field, value, 180.0).map(Self)
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_are_bounded() {
        assert!(Latitude::parse("input.latitude", 90.5).is_err());
        assert!(Latitude::parse("input.latitude", f64::NAN).is_err());
        assert!(Longitude::parse("input.longitude", -180.0).is_ok());
        assert_eq!(
            Latitude::parse("input.latitude", 91.0)
                .unwrap_err()
                .message(),
            "`input.latitude` must be from -90 to 90 degrees, got 91."
        );
    }
}
