//! Validated values: each newtype parses once, at the edge, and can only exist in its checked
//! form, so the service layer and the database never see an unchecked name, slug, country code,
//! year, coordinate or count. The model is Zero To Production's `domain/`.
//!
//! Every `parse` takes the `field` that names the value in the caller's terms (a GraphQL
//! argument path such as `input.countryCode`, or an import record's path) and puts it in the
//! error's message and `extensions.field`, so the client learns exactly which value to fix.
//! One validator serves every front end.

mod coordinates;
mod count;
mod country_code;
mod evidence;
mod input_path;
mod names;
mod participants;
mod slug;
mod text;
mod topics;
mod year;

pub use coordinates::{Latitude, Longitude};
pub use count::Count;
pub use country_code::CountryCode;
pub use evidence::Evidence;
pub use input_path::InputPath;
pub use names::AlternateNameList;
pub use participants::Participants;
pub use slug::Slug;
pub use text::{Acronym, Description, Name, Representative, Subject, Text, Title};
pub use topics::{Topic, Topics};
pub use year::{current_year, Year, FIRST_YEAR};

use crate::error::AppError;

/// The `BAD_USER_INPUT` error about `field`.
fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::BadUserInput(message.into()).at(field)
}
