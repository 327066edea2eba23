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

/// The items of the list `field`, each parsed by `parse` under its own path (`field[2]`): at most
/// `max` (`nouns` names them in the message), and none twice (`twice` says why, given the item).
fn parse_list<S, T: PartialEq>(
    field: &str,
    items: &[S],
    (max, nouns): (usize, &str),
    parse: impl Fn(&str, &S) -> crate::error::AppResult<T>,
    twice: impl Fn(&T) -> String,
) -> crate::error::AppResult<Vec<T>> {
    if items.len() > max {
        return Err(bad(
            field,
            format!("`{field}` may hold at most {max} {nouns}."),
        ));
    }
    let mut checked: Vec<T> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let item_field = format!("{field}[{index}]");
        let value = parse(&item_field, item)?;
        if checked.contains(&value) {
            return Err(bad(&item_field, twice(&value)));
        }
        checked.push(value);
    }
    Ok(checked)
}
